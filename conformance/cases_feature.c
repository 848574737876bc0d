/*
 * cases_feature.c: feature.<name>.* cases. Each one exercises its feature
 * through VC_FEATURE, whose first call tells the runner whether the
 * driver did it or answered "unsupported" (and whether that left the
 * instance as it was); where the feature works the case then checks its
 * effect, inside the guest when the driver offers guest exec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "vu_fs.h"

/* A host folder under the case's scratch dir, with one file in it. */
static char *host_folder(vc_t *t, const char *leaf, const char *content)
{
    char *dir = vu_path_join(vc_work_dir(t), leaf);
    vu_mkdir_p(dir);
    if (content) {
        char *f = vu_path_join(dir, "from-host.txt");
        vu_write_atomic(f, content, strlen(content));
        free(f);
    }
    return dir;
}

/*
 * Create an instance and mount a host folder (holding from-host.txt with
 * content) at /mnt/vmdrvc while it is stopped: the feature call of the
 * native-mount cases. *dir_out (when not NULL) gets the host folder
 * (owned).
 */
static vc_obs create_with_mount(vc_t *t, const char *content,
                                const char **name, char **dir_out)
{
    char *dir = host_folder(t, "share", content);
    vc_obs o;
    if (vc_create(t, "a", name) != 0) {
        o = vc_fail_sdk(t, "call-failed", "create");
    } else {
        vc_feature_before(t, *name);
        o = vc_feature_after(
            t, *name, vmdrv_mount(vc_conn(t), *name, dir, "/mnt/vmdrvc", 0),
            "mount");
    }
    if (dir_out)
        *dir_out = dir;
    else
        free(dir);
    return o;
}

/* Run cmd in the guest and require exit 0 and, if want, want in output. */
static vc_obs guest_expect(vc_t *t, const char *name, const char *cmd,
                           const char *want, const char *failure)
{
    char *out = NULL;
    int code = -1;
    if (vc_exec(t, name, cmd, &out, &code) != 0)
        return vc_fail_sdk(t, failure, "guest exec");
    vc_obs o = VC_O_WORKS;
    if (code != 0)
        o = vc_fail(t, failure, "'%s' exited %d in the guest: %s", cmd, code,
                    out ? out : "");
    else if (want && (!out || !strstr(out, want)))
        o = vc_fail(t, failure, "'%s' printed '%s', expected '%s'", cmd,
                    out ? out : "", want);
    free(out);
    return o;
}

static int has_snapshot(vc_t *t, const char *name, const char *snap)
{
    vmdrv_snapshots list = {0};
    int found = 0;
    if (vmdrv_snapshot_list(vc_conn(t), name, &list, 0) != 0)
        return -1;
    for (size_t i = 0; i < list.count; i++)
        found |= strcmp(list.items[i].name, snap) == 0;
    vmdrv_snapshots_clear(&list);
    return found;
}

/* ---- native mounts ---------------------------------------------------- */

vc_obs vc_case_feature_native_mounts_mount_umount(vc_t *t)
{
    const char *n;
    vc_obs o = create_with_mount(t, "hello", &n, NULL);
    if (o != VC_O_WORKS)
        return o;
    if (vmdrv_umount(vc_conn(t), n, "/mnt/vmdrvc", 0) != 0)
        return vc_fail_sdk(t, "umount-failed", "umount");
    /* unmounting what is not mounted is an error, not a silent success */
    int rc = vmdrv_umount(vc_conn(t), n, "/mnt/vmdrvc", 0);
    if (rc == 0)
        return vc_fail(t, "umount-twice-accepted",
                       "unmounting '/mnt/vmdrvc' twice succeeded");
    return VC_O_WORKS;
}

vc_obs vc_case_feature_native_mounts_read_write_in_guest(vc_t *t)
{
    const char *n;
    char *dir;
    /* mounted while stopped: every driver can attach a share at boot */
    vc_obs o = create_with_mount(t, "from-the-host\n", &n, &dir);
    if (o != VC_O_WORKS)
        goto done;
    if (vmdrv_instance_start(vc_conn(t), n, 0) != 0) {
        o = vc_fail_sdk(t, "start-failed", "start with a mount");
        goto done;
    }
    if (!vc_has(t, VMDRV_CAP_GUEST_EXEC)) {
        vc_note(t, "mounted, but the driver has no guest exec: the guest "
                   "side was not checked");
        goto done;
    }
    o = guest_expect(t, n, "cat /mnt/vmdrvc/from-host.txt", "from-the-host",
                     "mount-not-readable");
    if (o != VC_O_WORKS)
        goto done;
    o = guest_expect(t, n, "echo from-the-guest > /mnt/vmdrvc/from-guest.txt",
                     NULL, "mount-not-writable");
    if (o != VC_O_WORKS)
        goto done;
    char *f = vu_path_join(dir, "from-guest.txt");
    char *data = NULL;
    if (vu_read_file(f, &data, NULL) != 0 || !strstr(data, "from-the-guest"))
        o = vc_fail(t, "mount-write-not-on-host",
                    "the guest wrote /mnt/vmdrvc/from-guest.txt but '%s' %s",
                    f, data ? "has other content" : "does not exist");
    free(data);
    free(f);
done:
    free(dir);
    return o;
}

vc_obs vc_case_feature_native_mounts_survives_suspend(vc_t *t)
{
    const char *n;
    vc_obs o = create_with_mount(t, "kept\n", &n, NULL);
    if (o != VC_O_WORKS)
        return o;
    VC_TRY(t, vmdrv_instance_start(vc_conn(t), n, 0), "start");
    if (!vc_has(t, VMDRV_CAP_SUSPEND))
        return vc_skip(t, "needs-suspend",
                       "the driver does not advertise suspension");
    if (vmdrv_instance_suspend(vc_conn(t), n, 0) != 0)
        return vc_fail_sdk(t, "suspend-with-mount-failed",
                           "suspend with a folder mounted");
    if (vmdrv_instance_start(vc_conn(t), n, 0) != 0)
        return vc_fail_sdk(t, "resume-with-mount-failed",
                           "resume with a folder mounted");
    if ((o = vc_check_state(t, n, VMDRV_STATE_RUNNING, "not-resumed")))
        return o;
    if (!vc_has(t, VMDRV_CAP_GUEST_EXEC))
        return VC_O_WORKS;
    return guest_expect(t, n, "cat /mnt/vmdrvc/from-host.txt", "kept",
                        "mount-lost-after-resume");
}

/* ---- extra networks ----------------------------------------------------- */

vc_obs vc_case_feature_extra_networks_list(vc_t *t)
{
    vmdrv_networks nets = {0};
    vc_feature_before(t, NULL);
    vc_obs o = vc_feature_after(t, NULL, vmdrv_networks_list(vc_conn(t), &nets, 0),
                                "networks_list");
    if (o == VC_O_WORKS)
        for (size_t i = 0; i < nets.count; i++)
            if (!nets.items[i].id[0]) {
                o = vc_fail(t, "network-without-id",
                            "network %zu of the list has no id", i);
                break;
            }
    vmdrv_networks_clear(&nets);
    return o;
}

vc_obs vc_case_feature_extra_networks_add(vc_t *t)
{
    const char *n;
    vmdrv_networks nets = {0};
    VC_TRY(t, vc_create(t, "a", &n), "create");
    vc_feature_before(t, n);
    vc_obs o = vc_feature_after(t, n, vmdrv_networks_list(vc_conn(t), &nets, 0),
                                "networks_list");
    if (o != VC_O_WORKS)
        goto done;
    if (nets.count == 0) {
        o = vc_skip(t, "no-host-network",
                    "the host offers no network to attach");
        goto done;
    }
    if (vmdrv_network_add(vc_conn(t), n, nets.items[0].id, 0) != 0) {
        o = vc_fail_sdk(t, "network-add-failed", "network_add");
        goto done;
    }
    vmdrv_info info;
    if (vmdrv_instance_info(vc_conn(t), n, &info, 0) == 0) {
        int shown = 0;
        for (size_t i = 0; i < info.n_details; i++)
            shown |= strstr(info.details[i].value, nets.items[0].id) != NULL;
        if (!shown)
            vc_note(t, "info does not mention the network '%s'",
                    nets.items[0].id);
    }
done:
    vmdrv_networks_clear(&nets);
    return o;
}

/* ---- snapshots -------------------------------------------------------- */

vc_obs vc_case_feature_snapshots_take_list_delete(vc_t *t)
{
    const char *n;
    VC_TRY(t, vc_create(t, "a", &n), "create");
    VC_FEATURE(t, n, vmdrv_snapshot_take(vc_conn(t), n, "first", 0),
               "snapshot_take");
    VC_TRY(t, vmdrv_snapshot_take(vc_conn(t), n, "second", 0),
           "second snapshot_take");
    if (has_snapshot(t, n, "first") != 1 || has_snapshot(t, n, "second") != 1)
        return vc_fail(t, "snapshot-not-listed",
                       "the list of '%s' lacks 'first' or 'second'", n);
    int rc = vmdrv_snapshot_take(vc_conn(t), n, "first", 0);
    if (rc != VMDRV_E_EXISTS)
        return vc_fail(t, "duplicate-snapshot",
                       "taking 'first' twice answered %s, expected E_EXISTS",
                       vmdrv_status_name(rc) ? vmdrv_status_name(rc) : "?");
    VC_TRY(t, vmdrv_snapshot_delete(vc_conn(t), n, "first", 0),
           "snapshot_delete");
    if (has_snapshot(t, n, "first") != 0)
        return vc_fail(t, "deleted-snapshot-listed",
                       "'first' is still listed after delete");
    if (has_snapshot(t, n, "second") != 1)
        return vc_fail(t, "wrong-snapshot-deleted",
                       "deleting 'first' also removed 'second'");
    rc = vmdrv_snapshot_delete(vc_conn(t), n, "first", 0);
    if (rc != VMDRV_E_NOTFOUND)
        return vc_fail(t, "unknown-snapshot-answer",
                       "deleting a deleted snapshot answered %s, expected "
                       "E_NOTFOUND",
                       vmdrv_status_name(rc) ? vmdrv_status_name(rc) : "?");
    return VC_O_WORKS;
}

vc_obs vc_case_feature_snapshots_restore(vc_t *t)
{
    const char *n;
    VC_TRY(t, vc_create(t, "a", &n), "create");
    VC_FEATURE(t, n, vmdrv_snapshot_take(vc_conn(t), n, "first", 0),
               "snapshot_take");
    VC_TRY(t, vmdrv_snapshot_take(vc_conn(t), n, "second", 0), "second take");
    VC_TRY(t, vmdrv_snapshot_restore(vc_conn(t), n, "first", 0),
           "snapshot_restore");
    /* restoring keeps every snapshot */
    if (has_snapshot(t, n, "first") != 1 || has_snapshot(t, n, "second") != 1)
        return vc_fail(t, "restore-lost-snapshots",
                       "restoring 'first' dropped snapshots of '%s'", n);
    int rc = vmdrv_snapshot_restore(vc_conn(t), n, "nosuchsnapshot", 0);
    if (rc != VMDRV_E_NOTFOUND)
        return vc_fail(t, "unknown-snapshot-answer",
                       "restoring an unknown snapshot answered %s, expected "
                       "E_NOTFOUND",
                       vmdrv_status_name(rc) ? vmdrv_status_name(rc) : "?");
    vmdrv_state s;
    VC_TRY(t, vmdrv_instance_state(vc_conn(t), n, &s, 0), "state");
    if (s != VMDRV_STATE_OFF && s != VMDRV_STATE_STOPPED)
        return vc_fail(t, "restore-changed-state",
                       "restoring stopped '%s' left it %s", n,
                       vmdrv_state_name(s));
    return VC_O_WORKS;
}

vc_obs vc_case_feature_snapshots_restore_guest_content(vc_t *t)
{
    const char *n;
    vc_obs o;
    VC_TRY(t, vc_launch(t, "a", &n), "launch");
    if (!vc_has(t, VMDRV_CAP_GUEST_EXEC))
        return vc_skip(t, "needs-guest-exec",
                       "the driver has no guest exec to look inside");
    if ((o = guest_expect(t, n, "echo before-snapshot > /vmdrvc-file", NULL,
                          "guest-write-failed")))
        return o;
    VC_FEATURE(t, n, vmdrv_snapshot_take(vc_conn(t), n, "first", 0),
               "snapshot_take");
    if ((o = guest_expect(t, n, "echo after-snapshot > /vmdrvc-file", NULL,
                          "guest-write-failed")))
        return o;
    VC_TRY(t, vmdrv_snapshot_restore(vc_conn(t), n, "first", 0),
           "snapshot_restore");
    vmdrv_state s;
    VC_TRY(t, vmdrv_instance_state(vc_conn(t), n, &s, 0), "state");
    if (s != VMDRV_STATE_RUNNING)
        VC_TRY(t, vmdrv_instance_start(vc_conn(t), n, 0), "start after restore");
    return guest_expect(t, n, "cat /vmdrvc-file", "before-snapshot",
                        "restore-no-effect");
}

vc_obs vc_case_feature_snapshots_offline(vc_t *t)
{
    const char *n;
    VC_TRY(t, vc_create(t, "a", &n), "create");
    VC_TRY(t, vmdrv_instance_start(vc_conn(t), n, 0), "start");
    VC_TRY(t, vmdrv_instance_stop(vc_conn(t), n, 0), "stop");
    VC_FEATURE(t, n, vmdrv_snapshot_take(vc_conn(t), n, "offline", 0),
               "snapshot_take");
    VC_TRY(t, vmdrv_snapshot_restore(vc_conn(t), n, "offline", 0),
           "snapshot_restore");
    vc_obs o = vc_check_state(t, n, VMDRV_STATE_STOPPED, "restore-changed-state");
    if (o)
        return o;
    VC_TRY(t, vmdrv_snapshot_delete(vc_conn(t), n, "offline", 0),
           "snapshot_delete");
    /* the instance still boots from the restored disk */
    VC_TRY(t, vmdrv_instance_start(vc_conn(t), n, 0), "start after restore");
    return vc_check_state(t, n, VMDRV_STATE_RUNNING, "not-running");
}

/* ---- suspension ------------------------------------------------------- */

vc_obs vc_case_feature_suspend_suspend_resume(vc_t *t)
{
    const char *n;
    vc_obs o;
    VC_TRY(t, vc_launch(t, "a", &n), "launch");
    VC_FEATURE(t, n, vmdrv_instance_suspend(vc_conn(t), n, 0),
               "instance_suspend");
    if ((o = vc_check_state(t, n, VMDRV_STATE_SUSPENDED, "not-suspended")))
        return o;
    /* suspending a suspended instance changes nothing */
    VC_TRY(t, vmdrv_instance_suspend(vc_conn(t), n, 0), "second suspend");
    /* a plain stop must not throw the saved state away */
    int rc = vmdrv_instance_stop(vc_conn(t), n, 0);
    if (rc != VMDRV_E_STATE)
        return vc_fail(t, "stop-discarded-suspend",
                       "a clean stop of suspended '%s' answered %s, expected "
                       "E_STATE",
                       n, vmdrv_status_name(rc) ? vmdrv_status_name(rc) : "?");
    VC_TRY(t, vmdrv_instance_start(vc_conn(t), n, 0), "resume");
    return vc_check_state(t, n, VMDRV_STATE_RUNNING, "not-resumed");
}

vc_obs vc_case_feature_suspend_memory_preserved(vc_t *t)
{
    const char *n;
    vc_obs o;
    VC_TRY(t, vc_launch(t, "a", &n), "launch");
    if (!vc_has(t, VMDRV_CAP_GUEST_EXEC))
        return vc_skip(t, "needs-guest-exec",
                       "the driver has no guest exec to look inside");
    /* /tmp lives in the guest's memory */
    if ((o = guest_expect(t, n, "echo in-memory > /tmp/vmdrvc-mem", NULL,
                          "guest-write-failed")))
        return o;
    VC_FEATURE(t, n, vmdrv_instance_suspend(vc_conn(t), n, 0),
               "instance_suspend");
    VC_TRY(t, vmdrv_instance_start(vc_conn(t), n, 0), "resume");
    return guest_expect(t, n, "cat /tmp/vmdrvc-mem", "in-memory",
                        "memory-lost");
}

vc_obs vc_case_feature_suspend_suspend_stopped_refused(vc_t *t)
{
    const char *n;
    VC_TRY(t, vc_create(t, "a", &n), "create");
    vc_feature_before(t, n);
    int rc = vmdrv_instance_suspend(vc_conn(t), n, 0);
    if (rc == VMDRV_E_STATE)
        return VC_O_WORKS;
    if (rc == 0)
        return vc_fail(t, "suspended-stopped-instance",
                       "suspending stopped '%s' succeeded", n);
    return vc_feature_after(t, n, rc, "instance_suspend");
}

/* ---- guest exec ------------------------------------------------------- */

vc_obs vc_case_feature_guest_exec_run(vc_t *t)
{
    const char *n;
    vmdrv_exec_result r;
    VC_TRY(t, vc_launch(t, "a", &n), "launch");
    VC_FEATURE(t, n, vmdrv_guest_exec(vc_conn(t), n, "echo vmdrvc-hello", &r, 0),
               "guest_exec");
    vc_obs o = VC_O_WORKS;
    if (r.exit_code != 0 || !r.output || !strstr(r.output, "vmdrvc-hello"))
        o = vc_fail(t, "exec-output-wrong",
                    "'echo vmdrvc-hello' gave exit %d and output '%s'",
                    r.exit_code, r.output ? r.output : "");
    else if (strstr(r.output, "echo vmdrvc-hello"))
        o = vc_fail(t, "exec-output-has-echo",
                    "the output repeats the command: '%s'", r.output);
    vmdrv_exec_result_clear(&r);
    return o;
}

vc_obs vc_case_feature_guest_exec_exit_status(vc_t *t)
{
    const char *n;
    vmdrv_exec_result r;
    VC_TRY(t, vc_launch(t, "a", &n), "launch");
    VC_FEATURE(t, n, vmdrv_guest_exec(vc_conn(t), n, "false", &r, 0),
               "guest_exec");
    int failed = r.exit_code;
    vmdrv_exec_result_clear(&r);
    if (failed == 0)
        return vc_fail(t, "exit-status-lost", "'false' reported exit 0");
    VC_TRY(t, vmdrv_guest_exec(vc_conn(t), n, "true", &r, 0), "guest_exec");
    int ok = r.exit_code;
    vmdrv_exec_result_clear(&r);
    if (ok != 0)
        return vc_fail(t, "exit-status-wrong", "'true' reported exit %d", ok);
    return VC_O_WORKS;
}
