/*
 * good_v2.c: a well-behaved ABI 2 plugin driver, "goodv2", for the
 * registry and dispatcher tests.
 *
 * Every operation records that it was called in the spy_* globals, which
 * the tests reach with dlsym() on the same library, so a test can prove
 * that the dispatcher refused a call before the driver saw it. spy_mode
 * picks how operations answer, so the tests can make the driver break
 * the error contract on purpose.
 */
#include <stdio.h>
#include <stdlib.h>

#include "vmdrv/sys/driver.h"

enum {
    SPY_OK = 0,          /* succeed */
    SPY_FAIL_SILENT = 1, /* return VMDRV_E_TOOL without a message */
    SPY_FAIL_MSG = 2,    /* return VMDRV_E_TOOL with a message */
    SPY_POSITIVE = 3,    /* return 7, which is not a status */
    SPY_OK_WITH_ERROR = 4, /* set an error, then succeed anyway */
    SPY_CODE_MISMATCH = 5  /* set a VMDRV_E_IO error, return VMDRV_E_TOOL */
};

VMDRV_EXTERN int spy_calls;
VMDRV_EXTERN char spy_last_op[32];
VMDRV_EXTERN unsigned int spy_last_flags;
VMDRV_EXTERN int spy_mode;
/* probe: 0 mine, 1 declined with a reason, 2 fails silently, 3 returns 5 */
VMDRV_EXTERN int spy_probe_mode;
/* open: 0 ok, 1 fails silently, 2 fails with a message */
VMDRV_EXTERN int spy_open_mode;
/* caps_probe: 0 drops suspend, 1 fails silently */
VMDRV_EXTERN int spy_caps_mode;
VMDRV_EXTERN int spy_closes;

int spy_calls;
char spy_last_op[32];
unsigned int spy_last_flags;
int spy_mode;
int spy_probe_mode;
int spy_open_mode;
int spy_caps_mode;
int spy_closes;

static int answer(vmdrv_conn *conn, const char *op, unsigned int flags)
{
    spy_calls++;
    snprintf(spy_last_op, sizeof spy_last_op, "%s", op);
    spy_last_flags = flags;
    switch (spy_mode) {
    case SPY_FAIL_SILENT:
        return VMDRV_E_TOOL;
    case SPY_FAIL_MSG:
        return vmdrv_conn_error(conn, VMDRV_E_TOOL, 42,
                                "goodv2 failed in %s on purpose", op);
    case SPY_POSITIVE:
        return 7;
    case SPY_OK_WITH_ERROR:
        vmdrv_conn_error(conn, VMDRV_E_IO, 0, "goodv2 noise in %s", op);
        return 0;
    case SPY_CODE_MISMATCH:
        vmdrv_conn_error(conn, VMDRV_E_IO, 0, "goodv2 mixed up %s", op);
        return VMDRV_E_TOOL;
    default:
        return 0;
    }
}

static int goodv2_probe(vmdrv_ctx *ctx, const vmdrv_host *host,
                        unsigned int flags)
{
    (void)host;
    (void)flags;
    switch (spy_probe_mode) {
    case 1:
        return vmdrv_error_set(ctx, VMDRV_E_DECLINED, "goodv2", 0,
                               "goodv2 needs a host it will never get");
    case 2:
        return VMDRV_E_IO;
    case 3:
        return 5;
    default:
        return 0;
    }
}

static int goodv2_caps_probe(vmdrv_conn *conn, uint64_t *caps,
                             unsigned int flags)
{
    (void)conn;
    (void)flags;
    if (spy_caps_mode == 1)
        return VMDRV_E_IO;
    *caps &= ~VMDRV_CAP_BIT(VMDRV_CAP_SUSPEND);
    return 0;
}

static int goodv2_open(vmdrv_conn *conn, unsigned int flags)
{
    (void)flags;
    if (spy_open_mode == 1)
        return VMDRV_E_IO;
    if (spy_open_mode == 2)
        return vmdrv_conn_error(conn, VMDRV_E_IO, 0,
                                "goodv2 cannot open scope '%s' on purpose",
                                vmdrv_conn_scope(conn));
    return 0;
}

static void goodv2_close(vmdrv_conn *conn)
{
    (void)conn;
    spy_closes++;
}

static int goodv2_instance_create(vmdrv_conn *conn,
                                  const vmdrv_instance_spec *spec,
                                  unsigned int flags)
{
    (void)spec;
    return answer(conn, "instance_create", flags);
}

#define NAMED(op)                                                              \
    static int goodv2_##op(vmdrv_conn *conn, const char *name,                 \
                           unsigned int flags)                                 \
    {                                                                          \
        (void)name;                                                            \
        return answer(conn, #op, flags);                                       \
    }
NAMED(instance_start)
NAMED(instance_stop)
NAMED(instance_suspend)
NAMED(instance_delete)

static int goodv2_instance_state(vmdrv_conn *conn, const char *name,
                                 vmdrv_state *state, unsigned int flags)
{
    (void)name;
    *state = VMDRV_STATE_RUNNING;
    return answer(conn, "instance_state", flags);
}

static int goodv2_instance_info(vmdrv_conn *conn, const char *name,
                                vmdrv_info *info, unsigned int flags)
{
    (void)name;
    info->state = VMDRV_STATE_RUNNING;
    return answer(conn, "instance_info", flags);
}

static int goodv2_instance_list(vmdrv_conn *conn, vmdrv_names *names,
                                unsigned int flags)
{
    vmdrv_names_add(names, "alpha");
    return answer(conn, "instance_list", flags);
}

#define SNAP(op)                                                               \
    static int goodv2_##op(vmdrv_conn *conn, const char *name,                 \
                           const char *snapshot, unsigned int flags)           \
    {                                                                          \
        (void)name;                                                            \
        (void)snapshot;                                                        \
        return answer(conn, #op, flags);                                       \
    }
SNAP(snapshot_take)
SNAP(snapshot_restore)
SNAP(snapshot_delete)

static int goodv2_snapshot_list(vmdrv_conn *conn, const char *name,
                                vmdrv_snapshots *list, unsigned int flags)
{
    (void)name;
    (void)list;
    return answer(conn, "snapshot_list", flags);
}

static int goodv2_mount(vmdrv_conn *conn, const char *name,
                        const char *host_path, const char *guest_path,
                        unsigned int flags)
{
    (void)name;
    (void)host_path;
    (void)guest_path;
    return answer(conn, "mount", flags);
}

static int goodv2_umount(vmdrv_conn *conn, const char *name,
                         const char *guest_path, unsigned int flags)
{
    (void)name;
    (void)guest_path;
    return answer(conn, "umount", flags);
}

static int goodv2_networks_list(vmdrv_conn *conn, vmdrv_networks *list,
                                unsigned int flags)
{
    (void)list;
    return answer(conn, "networks_list", flags);
}

static int goodv2_network_add(vmdrv_conn *conn, const char *name,
                              const char *network, unsigned int flags)
{
    (void)name;
    (void)network;
    return answer(conn, "network_add", flags);
}

static int goodv2_guest_exec(vmdrv_conn *conn, const char *name,
                             const char *command, vmdrv_exec_result *result,
                             unsigned int flags)
{
    (void)name;
    (void)command;
    (void)result;
    return answer(conn, "guest_exec", flags);
}

static const vmdrv_driver goodv2 = {
    .abi_version = VMDRV_DRIVER_ABI_VERSION,
    .name = "goodv2",
    .display_name = "Good v2",
    .caps = VMDRV_CAPS_ALL,
    .probe = goodv2_probe,
    .caps_probe = goodv2_caps_probe,
    .open = goodv2_open,
    .close = goodv2_close,
    .instance_create = goodv2_instance_create,
    .instance_start = goodv2_instance_start,
    .instance_stop = goodv2_instance_stop,
    .instance_suspend = goodv2_instance_suspend,
    .instance_state = goodv2_instance_state,
    .instance_info = goodv2_instance_info,
    .instance_delete = goodv2_instance_delete,
    .instance_list = goodv2_instance_list,
    .snapshot_take = goodv2_snapshot_take,
    .snapshot_restore = goodv2_snapshot_restore,
    .snapshot_list = goodv2_snapshot_list,
    .snapshot_delete = goodv2_snapshot_delete,
    .mount = goodv2_mount,
    .umount = goodv2_umount,
    .networks_list = goodv2_networks_list,
    .network_add = goodv2_network_add,
    .guest_exec = goodv2_guest_exec,
};

VMDRV_EXTERN const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi);

const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi)
{
    (void)sdk_abi;
    return &goodv2;
}
