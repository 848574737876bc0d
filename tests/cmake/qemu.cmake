# Tests of the QEMU driver (drivers/qemu).
#
# Unit tests compile the module they test (its functions are hidden in
# libvmdrv) and never start QEMU: the QMP client talks to a fake server,
# qemu-img and QEMU are the fake process runner. test_qemu_driver goes
# through the SDK with the fake runner.
#
# test_qemu_guest (label qemu) boots the test guest from fixtures/guest
# and exercises every op inside it; it exits 77 (skipped, with the reason
# printed) where QEMU or the guest is absent. VMDRV_QEMU_TEST_ACCEL picks
# the accelerator of its main instance (default tcg: no KVM needed).
if(VMDRV_HAVE_DRIVER_QEMU)
  set(qemu_src ${PROJECT_SOURCE_DIR}/drivers/qemu)
  foreach(module cmdline qmp serial img)
    vmdrv_add_cmocka_test(test_qemu_${module}
      SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_qemu_${module}.c
              ${qemu_src}/qemu_${module}.c ${qemu_src}/qemu_util.c
      TIMEOUT 60)
    target_include_directories(test_qemu_${module} PRIVATE ${qemu_src})
  endforeach()
  vmdrv_add_cmocka_test(test_qemu_driver
    SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_qemu_driver.c TIMEOUT 60)

  add_executable(test_qemu_guest ${PROJECT_SOURCE_DIR}/tests/integration/test_qemu_guest.c)
  target_link_libraries(test_qemu_guest PRIVATE vmdrv PkgConfig::CMOCKA)
  if(TARGET guest_fixture AND VMDRV_GUEST_AVAILABLE)
    add_dependencies(test_qemu_guest guest_fixture)
  endif()
  add_test(NAME test_qemu_guest COMMAND test_qemu_guest)
  # The user's VMDRV_GUEST_KERNEL/INITRD win over these defaults.
  set_tests_properties(test_qemu_guest PROPERTIES
    LABELS "qemu;integration"
    TIMEOUT 900
    SKIP_RETURN_CODE 77
    PROCESSORS 2
    ENVIRONMENT "VMDRV_SOURCE_DIR=${PROJECT_SOURCE_DIR};VMDRV_BUILD_DIR=${PROJECT_BINARY_DIR};NO_COLOR=1;VMDRV_TEST_GUEST_KERNEL=${VMDRV_GUEST_KERNEL_FILE};VMDRV_TEST_GUEST_INITRD=${VMDRV_GUEST_INITRD_FILE}")
endif()
