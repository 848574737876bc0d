# Foundation unit tests (issue 2): the SDK core (status, capabilities,
# types, registry, dispatcher, host, process runner), the utilities
# (YAML, file system) and the reference test driver.
#
# The registry and dispatcher tests load tiny plugin drivers built here
# from tests/plugins/*.c; each plugin's path reaches the tests as a
# compile definition VMDRV_TEST_PLUGIN_<NAME>.
set(found_plugins good_v2 good_v1 abi0 abi99 dup_name no_entry null_table
    no_name bad_name null_ops)
set(found_plugin_defs)
set(found_plugin_targets)
foreach(p ${found_plugins})
  string(TOUPPER ${p} upper)
  add_library(vmdrv_test_plugin_${p} MODULE ${PROJECT_SOURCE_DIR}/tests/plugins/${p}.c)
  target_link_libraries(vmdrv_test_plugin_${p} PRIVATE vmdrv)
  set_target_properties(vmdrv_test_plugin_${p} PROPERTIES
    PREFIX "" OUTPUT_NAME "plugin_${p}"
    LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests/plugins)
  list(APPEND found_plugin_defs
    "VMDRV_TEST_PLUGIN_${upper}=\"$<TARGET_FILE:vmdrv_test_plugin_${p}>\"")
  list(APPEND found_plugin_targets vmdrv_test_plugin_${p})
endforeach()

# Tests that look at the SDK's private structures (a registry entry's
# table copy, the "built" flag) also see sdk/src.
set(found_internal_includes ${PROJECT_SOURCE_DIR}/sdk/src)

vmdrv_add_cmocka_test(test_status SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_status.c)
vmdrv_add_cmocka_test(test_caps SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_caps.c)
vmdrv_add_cmocka_test(test_types SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_types.c)
vmdrv_add_cmocka_test(test_yaml SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_yaml.c)
vmdrv_add_cmocka_test(test_json SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_json.c)
vmdrv_add_cmocka_test(test_fs SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_fs.c)
vmdrv_add_cmocka_test(test_proc SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_proc.c)
vmdrv_add_cmocka_test(test_host SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_host.c)
vmdrv_add_cmocka_test(test_test_driver
  SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_test_driver.c)
vmdrv_add_cmocka_test(test_registry
  SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_registry.c LIBS ${CMAKE_DL_LIBS})
vmdrv_add_cmocka_test(test_dispatch
  SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_dispatch.c LIBS ${CMAKE_DL_LIBS})

foreach(t test_registry test_dispatch test_host)
  target_include_directories(${t} PRIVATE ${found_internal_includes})
endforeach()
foreach(t test_registry test_dispatch)
  target_compile_definitions(${t} PRIVATE ${found_plugin_defs})
  add_dependencies(${t} ${found_plugin_targets})
endforeach()
target_compile_definitions(test_host PRIVATE
  "VMDRV_TEST_HOSTS_BAD_DIR=\"${PROJECT_SOURCE_DIR}/tests/data/hosts-bad\""
  "VMDRV_TEST_HOSTS_DIR=\"${PROJECT_SOURCE_DIR}/fixtures/hosts\"")
