/*
 * no_name.c: a plugin whose table has no name; the registry must refuse
 * it (the name is the scope folder and the local.driver value).
 */
#include "vmdrv/sys/driver.h"

static const vmdrv_driver table = {
    .abi_version = VMDRV_DRIVER_ABI_VERSION,
    .display_name = "Nameless",
};

VMDRV_EXTERN const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi);

const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi)
{
    (void)sdk_abi;
    return &table;
}
