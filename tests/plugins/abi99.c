/*
 * abi99.c: a plugin built against a future SDK (ABI version 99), which
 * the registry must refuse without reading anything but the version: the
 * table is only that field (AddressSanitizer reports any overrun).
 */
#include "vmdrv/sys/driver.h"

static const struct {
    unsigned int abi_version;
} table = {99};

VMDRV_EXTERN const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi);

const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi)
{
    (void)sdk_abi;
    return (const vmdrv_driver *)(const void *)&table;
}
