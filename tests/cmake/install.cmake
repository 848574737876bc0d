# The SDK installs and an out-of-tree driver builds against it and passes
# `vmdrv conform --driver-lib` (tests/integration/install_plugin.sh).
add_test(NAME install_plugin
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/integration/install_plugin.sh
          ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
set_tests_properties(install_plugin PROPERTIES LABELS "integration;install"
  TIMEOUT 300)
