# `cmake --install <build> --prefix P` gives a relocatable tree: P/bin/supervisor finds its Python and R
# files, site configs and report package in P/share/supervisor/<name> relative to itself
# (core/resource_dir.hpp), so a site runs an install, not a checkout. The objective rule's library for
# model_runner (supervisor/core/CMakeLists.txt) goes to P/lib, found the same way.
include(GNUInstallDirs)
install(TARGETS supervisor RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set(sv_share ${CMAKE_INSTALL_DATADIR}/supervisor)
set(sv_skip PATTERN __pycache__ EXCLUDE PATTERN "*.pyc" EXCLUDE)
install(DIRECTORY ${SV_SOURCE_ROOT}/model_runner DESTINATION ${sv_share}/python ${sv_skip})
install(DIRECTORY ${SV_SOURCE_ROOT}/eq_py/ DESTINATION ${sv_share}/eq_py ${sv_skip})
install(DIRECTORY ${SV_SOURCE_ROOT}/site_configs/ DESTINATION ${sv_share}/site_configs)
# The report package installs itself (supervisor/report/CMakeLists.txt).
install(DIRECTORY ${SV_SOURCE_ROOT}/supervisor/cli/preflight/ DESTINATION ${sv_share}/preflight ${sv_skip})
if(SV_HAVE_R)
  install(DIRECTORY ${SV_SOURCE_ROOT}/eq_r/ DESTINATION ${sv_share}/eq_r PATTERN tests EXCLUDE)
endif()
