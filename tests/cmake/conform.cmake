# The conformance runner end to end (tests/integration/test_conform.c):
# runs the vmdrv CLI with the test driver and its fault modes.
vmdrv_add_cmocka_test(test_conform
  SOURCES ${PROJECT_SOURCE_DIR}/tests/integration/test_conform.c
  LABELS integration conform
  TIMEOUT 600
  ENV "VMDRV_CLI=$<TARGET_FILE:vmdrv_cli>")
add_dependencies(test_conform vmdrv_cli)
if(TARGET vboxmanage-sim)
  add_dependencies(test_conform vboxmanage-sim powershell-sim)
endif()
