/*
 * dup_name.c: a plugin that names its driver "test", the name of a
 * built-in driver; the registry must refuse the duplicate.
 */
#include "vmdrv/sys/driver.h"

static const vmdrv_driver table = {
    .abi_version = VMDRV_DRIVER_ABI_VERSION,
    .name = "test",
    .display_name = "Impostor",
};

VMDRV_EXTERN const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi);

const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi)
{
    (void)sdk_abi;
    return &table;
}
