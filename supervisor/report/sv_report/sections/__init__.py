"""The report's sections, one module each; every module here is imported and registers itself with
sv_report.registry.section. See ../../README.md for how to add one."""
