#include "core/build_features.hpp"

namespace sv::core {

bool built_with_r() {
#ifdef SV_WITH_R
  return true;
#else
  return false;
#endif
}

std::string without_r_message(const std::string& what) {
  return what + " needs R, but this supervisor was built without it (SV_WITH_R=OFF, or R/RInside not found at "
                "configure): rebuild with -DSV_WITH_R=ON, or use a Python model or optimizer";
}

}  // namespace sv::core
