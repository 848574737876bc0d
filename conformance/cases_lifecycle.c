/*
 * cases_lifecycle.c: lifecycle.* cases: create, start, stop, delete, the
 * reported state, idempotent stop, wrong-state and unknown-instance
 * answers, and flag checking. They talk to the driver through the SDK
 * dispatcher, exactly as a VM manager would.
 */
#include <string.h>

#include "cases.h"

static int listed(vc_t *t, const char *name)
{
    vmdrv_names names = {0};
    int found = 0;
    if (vmdrv_instance_list(vc_conn(t), &names, 0) != 0)
        return -1;
    for (size_t i = 0; i < names.count; i++)
        found |= strcmp(names.names[i], name) == 0;
    vmdrv_names_clear(&names);
    return found;
}

/* off and stopped are both "not running, never suspended" */
static vc_obs check_down(vc_t *t, const char *name, const char *failure)
{
    vmdrv_state s;
    if (vmdrv_instance_state(vc_conn(t), name, &s, 0) != 0)
        return vc_fail_sdk(t, failure, "cannot read the state");
    if (s != VMDRV_STATE_OFF && s != VMDRV_STATE_STOPPED)
        return vc_fail(t, failure, "instance '%s' is %s, expected off or "
                                   "stopped",
                       name, vmdrv_state_name(s));
    return VC_O_WORKS;
}

vc_obs vc_case_lifecycle_create_delete(vc_t *t)
{
    const char *n;
    vc_obs o;
    VC_TRY(t, vc_create(t, "a", &n), "create");
    if ((o = check_down(t, n, "created-not-down")) != VC_O_WORKS)
        return o;
    if (listed(t, n) != 1)
        return vc_fail(t, "created-not-listed",
                       "instance '%s' is not in the driver's list", n);
    vmdrv_instance_spec again = {.name = n};
    int rc = vmdrv_instance_create(vc_conn(t), &again, 0);
    if (rc != VMDRV_E_EXISTS)
        return vc_fail(t, "duplicate-create",
                       "creating '%s' twice answered %s, expected E_EXISTS", n,
                       vmdrv_status_name(rc) ? vmdrv_status_name(rc) : "?");
    VC_TRY(t, vmdrv_instance_delete(vc_conn(t), n, 0), "delete");
    if (listed(t, n) != 0)
        return vc_fail(t, "deleted-still-listed",
                       "instance '%s' is still listed after delete", n);
    vmdrv_state s;
    rc = vmdrv_instance_state(vc_conn(t), n, &s, 0);
    if (rc != VMDRV_E_NOTFOUND)
        return vc_fail(t, "deleted-still-there",
                       "state of deleted '%s' answered %s, expected "
                       "E_NOTFOUND",
                       n, vmdrv_status_name(rc) ? vmdrv_status_name(rc) : "?");
    return VC_O_WORKS;
}

vc_obs vc_case_lifecycle_start_stop(vc_t *t)
{
    const char *n;
    vc_obs o;
    VC_TRY(t, vc_create(t, "a", &n), "create");
    VC_TRY(t, vmdrv_instance_start(vc_conn(t), n, 0), "start");
    if ((o = vc_check_state(t, n, VMDRV_STATE_RUNNING, "not-running")))
        return o;
    VC_TRY(t, vmdrv_instance_stop(vc_conn(t), n, 0), "stop");
    if ((o = vc_check_state(t, n, VMDRV_STATE_STOPPED, "not-stopped")))
        return o;
    /* a stopped instance starts again */
    VC_TRY(t, vmdrv_instance_start(vc_conn(t), n, 0), "second start");
    return vc_check_state(t, n, VMDRV_STATE_RUNNING, "restart-not-running");
}

vc_obs vc_case_lifecycle_stop_idempotent(vc_t *t)
{
    const char *n;
    vc_obs o;
    VC_TRY(t, vc_create(t, "a", &n), "create");
    if (vmdrv_instance_stop(vc_conn(t), n, 0) != 0)
        return vc_fail_sdk(t, "stop-not-idempotent",
                           "stopping a never-started instance");
    VC_TRY(t, vmdrv_instance_start(vc_conn(t), n, 0), "start");
    VC_TRY(t, vmdrv_instance_stop(vc_conn(t), n, 0), "stop");
    if (vmdrv_instance_stop(vc_conn(t), n, 0) != 0)
        return vc_fail_sdk(t, "stop-not-idempotent",
                           "stopping a stopped instance");
    if ((o = vc_check_state(t, n, VMDRV_STATE_STOPPED, "not-stopped")))
        return o;
    if (vmdrv_instance_stop(vc_conn(t), n, VMDRV_STOP_FORCE) != 0)
        return vc_fail_sdk(t, "stop-not-idempotent",
                           "force-stopping a stopped instance");
    return VC_O_WORKS;
}

vc_obs vc_case_lifecycle_force_stop(vc_t *t)
{
    const char *n;
    VC_TRY(t, vc_launch(t, "a", &n), "launch");
    VC_TRY(t, vmdrv_instance_stop(vc_conn(t), n, VMDRV_STOP_FORCE),
           "forced stop");
    return vc_check_state(t, n, VMDRV_STATE_STOPPED, "not-stopped");
}

vc_obs vc_case_lifecycle_state_reported(vc_t *t)
{
    const char *n;
    vc_obs o;
    vmdrv_info info;
    VC_TRY(t, vc_create(t, "a", &n), "create");
    if ((o = check_down(t, n, "created-not-down")))
        return o;
    VC_TRY(t, vmdrv_instance_start(vc_conn(t), n, 0), "start");
    if ((o = vc_check_state(t, n, VMDRV_STATE_RUNNING, "not-running")))
        return o;
    VC_TRY(t, vmdrv_instance_info(vc_conn(t), n, &info, 0), "info");
    if (info.state != VMDRV_STATE_RUNNING)
        return vc_fail(t, "info-state-differs",
                       "info says '%s' is %s while state says running", n,
                       vmdrv_state_name(info.state));
    return VC_O_WORKS;
}

vc_obs vc_case_lifecycle_list_info(vc_t *t)
{
    const char *n;
    vmdrv_info info;
    VC_TRY(t, vc_create(t, "a", &n), "create");
    if (listed(t, n) != 1)
        return vc_fail(t, "not-listed", "'%s' is not in the list", n);
    VC_TRY(t, vmdrv_instance_info(vc_conn(t), n, &info, 0), "info");
    if (strcmp(info.name, n) != 0)
        return vc_fail(t, "info-wrong-name", "info names '%s', expected '%s'",
                       info.name, n);
    /* vc_create asks for 1 cpu and 256 MiB */
    if (info.cpus != 1 || info.memory_mb != 256)
        return vc_fail(t, "info-wrong-resources",
                       "info says %d cpu(s) and %llu MiB; created with 1 and "
                       "256",
                       info.cpus, (unsigned long long)info.memory_mb);
    return VC_O_WORKS;
}

static const char *status_text(int rc)
{
    const char *s = vmdrv_status_name(rc);
    return s ? s : "an unknown status";
}

vc_obs vc_case_lifecycle_wrong_state(vc_t *t)
{
    const char *n, *gone;
    VC_TRY(t, vc_create(t, "a", &n), "create");
    /* suspend a stopped instance: E_STATE (E_NOTSUP without suspension) */
    int rc = vmdrv_instance_suspend(vc_conn(t), n, 0);
    int want = vc_has(t, VMDRV_CAP_SUSPEND) ? VMDRV_E_STATE : VMDRV_E_NOTSUP;
    if (rc != want)
        return vc_fail(t, "wrong-state-answer",
                       "suspending stopped '%s' answered %s, expected %s", n,
                       status_text(rc), status_text(want));
    /* a guest command needs a running guest */
    if (vc_has(t, VMDRV_CAP_GUEST_EXEC)) {
        vmdrv_exec_result r;
        rc = vmdrv_guest_exec(vc_conn(t), n, "true", &r, 0);
        vmdrv_exec_result_clear(&r);
        if (rc != VMDRV_E_STATE)
            return vc_fail(t, "wrong-state-answer",
                           "exec in stopped '%s' answered %s, expected "
                           "E_STATE",
                           n, status_text(rc));
    }
    /* snapshot a deleted instance: it is gone, E_NOTFOUND */
    VC_TRY(t, vc_create(t, "b", &gone), "create");
    VC_TRY(t, vmdrv_instance_delete(vc_conn(t), gone, 0), "delete");
    rc = vmdrv_snapshot_take(vc_conn(t), gone, "s1", 0);
    want = vc_has(t, VMDRV_CAP_SNAPSHOTS) ? VMDRV_E_NOTFOUND : VMDRV_E_NOTSUP;
    if (rc != want)
        return vc_fail(t, "wrong-state-answer",
                       "snapshotting deleted '%s' answered %s, expected %s",
                       gone, status_text(rc), status_text(want));
    rc = vmdrv_instance_start(vc_conn(t), gone, 0);
    if (rc != VMDRV_E_NOTFOUND)
        return vc_fail(t, "wrong-state-answer",
                       "starting deleted '%s' answered %s, expected "
                       "E_NOTFOUND",
                       gone, status_text(rc));
    return VC_O_WORKS;
}

vc_obs vc_case_lifecycle_unknown_instance(vc_t *t)
{
    const char *n = vc_name(t, "never");
    vmdrv_state s;
    vmdrv_info info;
    struct {
        const char *op;
        int rc;
    } calls[] = {
        {"instance_state", vmdrv_instance_state(vc_conn(t), n, &s, 0)},
        {"instance_info", vmdrv_instance_info(vc_conn(t), n, &info, 0)},
        {"instance_start", vmdrv_instance_start(vc_conn(t), n, 0)},
        {"instance_stop", vmdrv_instance_stop(vc_conn(t), n, 0)},
        {"instance_delete", vmdrv_instance_delete(vc_conn(t), n, 0)},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        if (calls[i].rc != VMDRV_E_NOTFOUND)
            return vc_fail(t, "unknown-instance-answer",
                           "%s of unknown '%s' answered %s, expected "
                           "E_NOTFOUND",
                           calls[i].op, n, status_text(calls[i].rc));
    return VC_O_WORKS;
}

vc_obs vc_case_lifecycle_unknown_flags(vc_t *t)
{
    /* no instance needed: flags are refused before anything else */
    const char *n = vc_name(t, "flags");
    const unsigned int bad = 1u << 30;
    vmdrv_conn *c = vc_conn(t);
    /* should a driver wrongly create it, teardown must find it */
    vc_ledger_add(t, vmdrv_conn_driver_name(c), vmdrv_conn_scope(c), n);
    vmdrv_state s;
    vmdrv_info info;
    vmdrv_names names = {0};
    vmdrv_snapshots snaps = {0};
    vmdrv_networks nets = {0};
    vmdrv_exec_result r;
    vmdrv_instance_spec spec = {.name = n};
    struct {
        const char *op;
        int rc;
    } calls[] = {
        {"instance_create", vmdrv_instance_create(c, &spec, bad)},
        {"instance_start", vmdrv_instance_start(c, n, bad)},
        {"instance_stop", vmdrv_instance_stop(c, n, bad)},
        {"instance_suspend", vmdrv_instance_suspend(c, n, bad)},
        {"instance_state", vmdrv_instance_state(c, n, &s, bad)},
        {"instance_info", vmdrv_instance_info(c, n, &info, bad)},
        {"instance_delete", vmdrv_instance_delete(c, n, bad)},
        {"instance_list", vmdrv_instance_list(c, &names, bad)},
        {"snapshot_take", vmdrv_snapshot_take(c, n, "s1", bad)},
        {"snapshot_restore", vmdrv_snapshot_restore(c, n, "s1", bad)},
        {"snapshot_list", vmdrv_snapshot_list(c, n, &snaps, bad)},
        {"snapshot_delete", vmdrv_snapshot_delete(c, n, "s1", bad)},
        {"mount", vmdrv_mount(c, n, "/tmp", "/mnt", bad)},
        {"umount", vmdrv_umount(c, n, "/mnt", bad)},
        {"networks_list", vmdrv_networks_list(c, &nets, bad)},
        {"network_add", vmdrv_network_add(c, n, "net0", bad)},
        {"guest_exec", vmdrv_guest_exec(c, n, "true", &r, bad)},
    };
    vmdrv_names_clear(&names);
    vmdrv_snapshots_clear(&snaps);
    vmdrv_networks_clear(&nets);
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        if (calls[i].rc != VMDRV_E_FLAGS)
            return vc_fail(t, "unknown-flags-accepted",
                           "%s with flag 0x%x answered %s, expected E_FLAGS",
                           calls[i].op, bad, status_text(calls[i].rc));
    if (listed(t, n) == 1)
        return vc_fail(t, "unknown-flags-accepted",
                       "instance_create with unknown flags created '%s'", n);
    return VC_O_WORKS;
}
