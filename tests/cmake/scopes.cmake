# Manager tests (issue 3): the platform table and local.driver
# (test_settings), the instance records (test_store), scopes and switching
# (test_scope), the Hyperkit migration (test_migrate), names (test_names),
# and the instance CLI end to end (scopes_cli, a shell script).
#
# They look at the manager's private header (sdk/src/mgr_internal.h) to
# write records directly, as a crash or an older vmdrv would leave them.
set(scopes_internal ${PROJECT_SOURCE_DIR}/sdk/src)

# A plugin driver that refuses to suspend or stop "stuck*" instances, so a
# switch can fail halfway.
add_library(vmdrv_scopes_flaky MODULE ${PROJECT_SOURCE_DIR}/tests/unit/scopes_flaky_plugin.c)
target_link_libraries(vmdrv_scopes_flaky PRIVATE vmdrv)
set_target_properties(vmdrv_scopes_flaky PROPERTIES
  PREFIX "" OUTPUT_NAME "plugin_scopes_flaky"
  LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests/plugins)

foreach(t settings store scope migrate names)
  vmdrv_add_cmocka_test(test_${t}
    SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_${t}.c
    LABELS scopes TIMEOUT 300)
  target_include_directories(test_${t} PRIVATE ${scopes_internal})
endforeach()
target_compile_definitions(test_scope PRIVATE
  "SCOPES_FLAKY_PLUGIN=\"$<TARGET_FILE:vmdrv_scopes_flaky>\"")
add_dependencies(test_scope vmdrv_scopes_flaky)
# The real migration runs qemu-img (qemu-utils); without it that one case
# is skipped and says so.
set_property(TEST test_migrate APPEND PROPERTY LABELS qemu-img)

add_test(NAME scopes_cli
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/integration/scopes_cli.sh $<TARGET_FILE:vmdrv_cli>)
set_tests_properties(scopes_cli PROPERTIES
  LABELS "scopes;integration" TIMEOUT 600
  ENVIRONMENT "VMDRV_SOURCE_DIR=${PROJECT_SOURCE_DIR};VMDRV_BUILD_DIR=${PROJECT_BINARY_DIR};NO_COLOR=1")

# The same switch with a real hypervisor: a QEMU instance of the test
# guest is suspended and resumed with its RAM. Skipped (77, with the
# reason) without the guest or QEMU.
if(DEFINED VMDRV_GUEST_KERNEL_FILE)
  set(scopes_kernel ${VMDRV_GUEST_KERNEL_FILE})
  set(scopes_initrd ${VMDRV_GUEST_INITRD_FILE})
else()
  set(scopes_kernel ${CMAKE_BINARY_DIR}/guest/vmlinux)
  set(scopes_initrd ${CMAKE_BINARY_DIR}/guest/initrd.img)
endif()
add_test(NAME scopes_qemu
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/integration/scopes_qemu.sh
          $<TARGET_FILE:vmdrv_cli> ${scopes_kernel} ${scopes_initrd})
set_tests_properties(scopes_qemu PROPERTIES
  LABELS "scopes;integration;qemu" TIMEOUT 300 SKIP_RETURN_CODE 77
  ENVIRONMENT "VMDRV_SOURCE_DIR=${PROJECT_SOURCE_DIR};VMDRV_BUILD_DIR=${PROJECT_BINARY_DIR};NO_COLOR=1")
