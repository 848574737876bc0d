# Helpers shared by the vmdrv build.

# vmdrv_resolve_driver(NAME CAN_BUILD): turn the AUTO/ON/OFF option into
# VMDRV_HAVE_DRIVER_<NAME> (0/1), failing when ON cannot be honoured.
function(vmdrv_resolve_driver name can_build)
  set(opt "${VMDRV_DRIVER_${name}}")
  if(opt STREQUAL "OFF")
    set(have 0)
  elseif(can_build)
    set(have 1)
  elseif(opt STREQUAL "ON")
    message(FATAL_ERROR "VMDRV_DRIVER_${name}=ON but it cannot be built here")
  else()
    set(have 0)
  endif()
  set(VMDRV_HAVE_DRIVER_${name} ${have} PARENT_SCOPE)
  string(TOLOWER "${name}" lower)
  add_feature_info("driver-${lower}" have "the ${lower} driver")
endfunction()

# vmdrv_add_cmocka_test(NAME SOURCES src... [LIBS lib...] [LABELS l...]
#                       [TIMEOUT s] [ENV KEY=VALUE...])
# One cmocka executable per module, registered with CTest.
function(vmdrv_add_cmocka_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS;ENV" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE vmdrv PkgConfig::CMOCKA ${T_LIBS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  set(labels unit ${T_LABELS})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${labels}"
    ENVIRONMENT "VMDRV_SOURCE_DIR=${PROJECT_SOURCE_DIR};VMDRV_BUILD_DIR=${PROJECT_BINARY_DIR};NO_COLOR=1;${T_ENV}")
endfunction()
