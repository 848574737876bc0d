# The test guest's smoke test (fixtures/guest/smoke.sh): boots it under
# QEMU/TCG, waits for the ready marker, runs a command on the serial shell
# and mounts/writes a 9p share. Skipped (exit 77, with the reason) when the
# guest was not built or QEMU is missing.
if(DEFINED VMDRV_GUEST_KERNEL_FILE)
  set(smoke_kernel ${VMDRV_GUEST_KERNEL_FILE})
  set(smoke_initrd ${VMDRV_GUEST_INITRD_FILE})
else()
  set(smoke_kernel ${CMAKE_BINARY_DIR}/guest/vmlinux)
  set(smoke_initrd ${CMAKE_BINARY_DIR}/guest/initrd.img)
endif()
add_test(NAME guest_smoke
  COMMAND bash ${PROJECT_SOURCE_DIR}/fixtures/guest/smoke.sh ${smoke_kernel} ${smoke_initrd})
# The script gives up after 60 s with a transcript; CTest's limit is a backstop.
set_tests_properties(guest_smoke PROPERTIES
  LABELS "qemu;guest" TIMEOUT 90 SKIP_RETURN_CODE 77)
