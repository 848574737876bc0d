# The driver services of vmdrv/sys/meta.h (sdk/src/drvmeta.c): instance
# records, scope-qualified machine names, state-name tables. Unit tests
# over connections of the reference test driver.
vmdrv_add_cmocka_test(test_drvmeta
  SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_drvmeta.c)
