/*
 * abi0.c: a plugin whose table declares ABI version 0, which the registry
 * must refuse. The table is only the version field, so a registry that
 * read any further would overrun it (AddressSanitizer reports that).
 */
#include "vmdrv/sys/driver.h"

static const struct {
    unsigned int abi_version;
} table = {0};

VMDRV_EXTERN const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi);

const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi)
{
    (void)sdk_abi;
    return (const vmdrv_driver *)(const void *)&table;
}
