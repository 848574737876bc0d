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
  # defaults.* cells exist for the host's default driver (they need no
  # hypervisor: they check the SDK's answers); migration.* cells exist on
  # macOS only, so they run on the macos-x86_64 profile
  if(area STREQUAL "defaults")
    set(target --host real)
  elseif(area STREQUAL "migration")
    set(target --host macos-x86_64)
  else()
    set(target --driver test --host real)
  endif()
  add_test(NAME conform.${id}
    COMMAND vmdrv_cli --data-dir ${CMAKE_BINARY_DIR}/ctest-conform/${id}
            conform ${target} --no-progress --sweep
            --focus ":${pattern}$"
            --work-dir ${CMAKE_BINARY_DIR}/ctest-conform/${id}/work)
  set_tests_properties(conform.${id} PROPERTIES
    LABELS "conform-cell;${area}" TIMEOUT 120 ENVIRONMENT "NO_COLOR=1")
endforeach()
