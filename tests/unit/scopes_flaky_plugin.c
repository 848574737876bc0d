/*
 * scopes_flaky_plugin.c: a plugin driver, "flaky", for the scope tests:
 * the test driver in every respect, except that an instance whose name
 * starts with "stuck" can be neither suspended nor stopped. It lets a
 * test make a scope switch fail halfway, after other instances were
 * already suspended.
 */
#include <string.h>

#include "vmdrv/sys/driver.h"

extern const vmdrv_driver vmdrv_driver_test;

VMDRV_EXTERN const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi);

static vmdrv_driver flaky;

static int stuck(vmdrv_conn *conn, const char *name, const char *what)
{
    return vmdrv_conn_error(conn, VMDRV_E_TOOL, 0,
                            "instance '%s' is stuck and cannot be %s", name,
                            what);
}

static int flaky_instance_suspend(vmdrv_conn *conn, const char *name,
                                  unsigned int flags)
{
    if (strncmp(name, "stuck", 5) == 0)
        return stuck(conn, name, "suspended");
    return vmdrv_driver_test.instance_suspend(conn, name, flags);
}

static int flaky_instance_stop(vmdrv_conn *conn, const char *name,
                               unsigned int flags)
{
    if (strncmp(name, "stuck", 5) == 0)
        return stuck(conn, name, "stopped");
    return vmdrv_driver_test.instance_stop(conn, name, flags);
}

const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi)
{
    (void)sdk_abi;
    flaky = vmdrv_driver_test;
    flaky.name = "flaky";
    flaky.display_name = "Flaky";
    flaky.instance_suspend = flaky_instance_suspend;
    flaky.instance_stop = flaky_instance_stop;
    return &flaky;
}
