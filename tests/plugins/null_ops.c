/*
 * null_ops.c: a valid ABI 2 plugin, "nullops", that implements no
 * operation at all (not even probe, open or close). Every call through
 * the dispatcher must answer VMDRV_E_NOTSUP with a message naming the
 * feature and the driver; probe and open must still work.
 */
#include "vmdrv/sys/driver.h"

static const vmdrv_driver table = {
    .abi_version = VMDRV_DRIVER_ABI_VERSION,
    .name = "nullops",
    .display_name = "Null ops",
    .caps = 0,
};

VMDRV_EXTERN const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi);

const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi)
{
    (void)sdk_abi;
    return &table;
}
