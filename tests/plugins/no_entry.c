/*
 * no_entry.c: a shared object that loads fine but exports no
 * vmdrv_driver_entry (only a near miss); the registry must refuse it.
 */
#include "vmdrv/sys/driver.h"

VMDRV_EXTERN int vmdrv_driver_entry_point(void);

int vmdrv_driver_entry_point(void)
{
    return 0;
}
