/*
 * bad_name.c: a plugin whose driver name could not be a local.driver
 * value nor a scope folder ("../Bad Name"); the registry must refuse it
 * rather than let the name reach a path.
 */
#include "vmdrv/sys/driver.h"

static const vmdrv_driver table = {
    .abi_version = VMDRV_DRIVER_ABI_VERSION,
    .name = "../Bad Name",
    .display_name = "Bad name",
};

VMDRV_EXTERN const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi);

const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi)
{
    (void)sdk_abi;
    return &table;
}
