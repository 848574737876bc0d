# Every case of the matrix as its own CTest test, on the test driver and
# this machine: `ctest -L conform-cell` runs the conformance cases under
# ctest -j (and reports them to CDash like any test); labels name the
# area (defaults, setting, scope, lifecycle, feature, migration).
file(STRINGS ${PROJECT_SOURCE_DIR}/matrix/cases.yaml case_lines REGEX "^  - id: ")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${PROJECT_SOURCE_DIR}/matrix/cases.yaml)
foreach(line ${case_lines})
  string(REGEX REPLACE "^  - id: *" "" id "${line}")
  string(REGEX MATCH "^[a-z]+" area "${id}")
  string(REPLACE "." "\\." pattern "${id}")
  add_test(NAME conform.${id}
    COMMAND vmdrv_cli --data-dir ${CMAKE_BINARY_DIR}/ctest-conform/${id}
            conform --driver test --host real --no-progress --sweep
            --focus ":${pattern}$"
            --work-dir ${CMAKE_BINARY_DIR}/ctest-conform/${id}/work)
  # host-level cases have cells only for the host's default driver: a
  # cell that is not selected is "nothing selected" (exit 3), not a failure
  set_tests_properties(conform.${id} PROPERTIES
    LABELS "conform-cell;${area}" TIMEOUT 120 SKIP_RETURN_CODE 3
    ENVIRONMENT "NO_COLOR=1")
endforeach()
