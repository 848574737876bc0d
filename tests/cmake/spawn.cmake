# The asynchronous process API (vmdrv_proc_spawn, wait, wait_any, kill)
# that runs each conformance case as a process of its own, and the host
# descriptor's JSON form that the runner hands each case process.
vmdrv_add_cmocka_test(test_spawn
  SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_spawn.c LABELS conform)
vmdrv_add_cmocka_test(test_host_json
  SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_host_json.c
  LIBS vmdrv_conformance LABELS conform)
