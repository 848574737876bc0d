/*
 * good_v1.c: a plugin driver, "goodv1", built as a driver written
 * against ABI 1 would be: its table is the SHORT ABI-1 struct, which ends
 * before networks_list. The struct is followed in memory by guard
 * function pointers laid out exactly where the ABI-2 fields would be; a
 * registry that read past the driver's version would copy them, and the
 * dispatcher would then call a guard instead of answering "unsupported".
 * v1_guard_hits counts such calls, so the tests can prove it stays 0.
 */
#include <stddef.h>

#include "vmdrv/sys/driver.h"

/* The ABI 1 part of vmdrv_driver, as the ABI 1 header declared it. */
struct driver_v1 {
    unsigned int abi_version;
    const char *name;
    const char *display_name;
    uint64_t caps;
    int (*probe)(vmdrv_ctx *ctx, const vmdrv_host *host, unsigned int flags);
    int (*caps_probe)(vmdrv_conn *conn, uint64_t *caps, unsigned int flags);
    int (*open)(vmdrv_conn *conn, unsigned int flags);
    void (*close)(vmdrv_conn *conn);
    int (*instance_create)(vmdrv_conn *conn, const vmdrv_instance_spec *spec,
                           unsigned int flags);
    int (*instance_start)(vmdrv_conn *conn, const char *name,
                          unsigned int flags);
    int (*instance_stop)(vmdrv_conn *conn, const char *name,
                         unsigned int flags);
    int (*instance_suspend)(vmdrv_conn *conn, const char *name,
                            unsigned int flags);
    int (*instance_state)(vmdrv_conn *conn, const char *name,
                          vmdrv_state *state, unsigned int flags);
    int (*instance_info)(vmdrv_conn *conn, const char *name,
                         vmdrv_info *info, unsigned int flags);
    int (*instance_delete)(vmdrv_conn *conn, const char *name,
                           unsigned int flags);
    int (*instance_list)(vmdrv_conn *conn, vmdrv_names *names,
                         unsigned int flags);
    int (*snapshot_take)(vmdrv_conn *conn, const char *name,
                         const char *snapshot, unsigned int flags);
    int (*snapshot_restore)(vmdrv_conn *conn, const char *name,
                            const char *snapshot, unsigned int flags);
    int (*snapshot_list)(vmdrv_conn *conn, const char *name,
                         vmdrv_snapshots *list, unsigned int flags);
    int (*snapshot_delete)(vmdrv_conn *conn, const char *name,
                           const char *snapshot, unsigned int flags);
    int (*mount)(vmdrv_conn *conn, const char *name, const char *host_path,
                 const char *guest_path, unsigned int flags);
    int (*umount)(vmdrv_conn *conn, const char *name, const char *guest_path,
                  unsigned int flags);
};

_Static_assert(sizeof(struct driver_v1) ==
                   offsetof(vmdrv_driver, networks_list),
               "the ABI 1 table ends where ABI 2 fields begin");

VMDRV_EXTERN int v1_guard_hits;
int v1_guard_hits;

static int guard_networks_list(vmdrv_conn *conn, vmdrv_networks *list,
                               unsigned int flags)
{
    (void)conn;
    (void)list;
    (void)flags;
    v1_guard_hits++;
    return 0;
}

static int guard_network_add(vmdrv_conn *conn, const char *name,
                             const char *network, unsigned int flags)
{
    (void)conn;
    (void)name;
    (void)network;
    (void)flags;
    v1_guard_hits++;
    return 0;
}

static int guard_guest_exec(vmdrv_conn *conn, const char *name,
                            const char *command, vmdrv_exec_result *result,
                            unsigned int flags)
{
    (void)conn;
    (void)name;
    (void)command;
    (void)result;
    (void)flags;
    v1_guard_hits++;
    return 0;
}

static int goodv1_instance_state(vmdrv_conn *conn, const char *name,
                                 vmdrv_state *state, unsigned int flags)
{
    (void)conn;
    (void)name;
    (void)flags;
    *state = VMDRV_STATE_STOPPED;
    return 0;
}

/* The v1 table, then what a careless registry would mistake for the
 * ABI 2 fields. */
static const struct {
    struct driver_v1 table;
    int (*networks_list)(vmdrv_conn *, vmdrv_networks *, unsigned int);
    int (*network_add)(vmdrv_conn *, const char *, const char *,
                       unsigned int);
    int (*guest_exec)(vmdrv_conn *, const char *, const char *,
                      vmdrv_exec_result *, unsigned int);
} blob = {
    .table =
        {
            .abi_version = 1,
            .name = "goodv1",
            .display_name = "Good v1",
            .caps = VMDRV_CAP_BIT(VMDRV_CAP_SNAPSHOTS),
            .instance_state = goodv1_instance_state,
        },
    .networks_list = guard_networks_list,
    .network_add = guard_network_add,
    .guest_exec = guard_guest_exec,
};

VMDRV_EXTERN const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi);

const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi)
{
    (void)sdk_abi;
    /* what an ABI 1 driver hands over: a pointer to its short table */
    return (const vmdrv_driver *)(const void *)&blob.table;
}
