/*
 * null_table.c: a plugin whose entry function returns NULL instead of a
 * table; the registry must refuse it.
 */
#include <stddef.h>

#include "vmdrv/sys/driver.h"

VMDRV_EXTERN const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi);

const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi)
{
    (void)sdk_abi;
    return NULL;
}
