/*
 * test_vbox_sim.c: the VirtualBox driver end to end, through the SDK API,
 * against vboxmanage-sim on the windows-home (CRLF, "VBoxManage.exe"),
 * windows-pro and macos-x86_64 host profiles. What the driver really ran
 * is read back from the simulator's call log.
 *
 * The probe cases need no simulator and always run; the rest are skipped
 * with a reason (exit 77, "Skipped" in ctest) when vboxmanage-sim is not
 * built.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drvsim_helpers.h"

static const char *const vbox_profiles[] = {"windows-home", "windows-pro",
                                            "macos-x86_64"};

static const char *const no_mounts =
    "Native mounts (native_mounts) are not supported by the VirtualBox "
    "driver ('virtualbox')";

static ds_env *vbox_env(const char *profile, const char *const *opts)
{
    ds_env *e = ds_env_new(profile);
    ds_open_conn(e, "virtualbox", NULL, opts);
    return e;
}

static void create(ds_env *e, const char *name, int cpus, uint64_t mem,
                   uint64_t disk)
{
    vmdrv_instance_spec spec = {
        .name = name, .cpus = cpus, .memory_mb = mem, .disk_mb = disk};
    ds_ok(e, vmdrv_instance_create(e->conn, &spec, 0));
}

static char *inst_dir(ds_env *e, const char *name)
{
    return vu_asprintf("%s/virtualbox/instances/%s", e->dir, name);
}

/* ---- probe (no simulator needed) ------------------------------------- */

static void
test_vbox_sim__probe_declines_where_multipass_has_no_vbox(void **state)
{
    (void)state;
    ds_env *e = ds_env_new("linux-x86_64");
    ds_assert_error(e->ctx, vmdrv_driver_probe(e->ctx, "virtualbox"),
                    VMDRV_E_DECLINED,
                    "VirtualBox is not offered on Linux, where QEMU is the "
                    "only driver");
    ds_env_free(e);
    e = ds_env_new("macos-arm64");
    ds_assert_error(e->ctx, vmdrv_driver_probe(e->ctx, "virtualbox"),
                    VMDRV_E_DECLINED,
                    "VirtualBox is only offered on Intel Macs (this host is "
                    "macOS on 'arm64')");
    ds_env_free(e);
}

static void test_vbox_sim__probe_declines_without_vboxmanage(void **state)
{
    (void)state;
    /* a Windows host whose profile names no VBoxManage at all */
    ds_env *e = ds_env_new("windows-pro");
    char *yaml = vu_path_join(e->dir, "bare-windows.yaml");
    const char *text = "name: bare-windows\nos: windows\n"
                       "os_name: \"Windows 11 Pro\"\nos_version: "
                       "\"10.0.22631\"\nedition_id: Professional\n"
                       "arch: x86_64\n";
    if (vu_write_atomic(yaml, text, strlen(text)) != 0)
        fail_msg("cannot write '%s'", yaml);
    ds_ok(e, vmdrv_ctx_use_profile(e->ctx, yaml));
    ds_assert_error(e->ctx, vmdrv_driver_probe(e->ctx, "virtualbox"),
                    VMDRV_E_DECLINED,
                    "VirtualBox is not installed: VBoxManage not found (set "
                    "VMDRV_TOOL_VBOXMANAGE to its path)");
    free(yaml);
    ds_env_free(e);
}

/* ---- with the simulator ---------------------------------------------- */

static void test_vbox_sim__probe_accepts_each_profile(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        ds_env *e = ds_env_new(vbox_profiles[i]);
        ds_ok(e, vmdrv_driver_probe(e->ctx, "virtualbox"));
        /* the version was asked for, and the call is in the log */
        ds_assert_called(e, 0, "--version");
        ds_env_free(e);
    }
}

/*
 * The "done when", through the API: launch, start, suspend,
 * snapshot, restore, and mount (unsupported), then delete, on each
 * profile that offers VirtualBox.
 */
static void test_vbox_sim__lifecycle_on_every_profile(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        ds_env *e = vbox_env(vbox_profiles[i], NULL);
        create(e, "web1", 2, 1536, 4096);
        ds_assert_state(e, "web1", VMDRV_STATE_STOPPED);

        vmdrv_info info;
        ds_ok(e, vmdrv_instance_info(e->conn, "web1", &info, 0));
        assert_int_equal(info.cpus, 2);
        assert_int_equal(info.memory_mb, 1536);
        assert_int_equal(info.disk_mb, 4096);
        assert_string_equal(vmdrv_info_get(&info, "vmstate"), "poweroff");

        ds_ok(e, vmdrv_instance_start(e->conn, "web1", 0));
        ds_assert_state(e, "web1", VMDRV_STATE_RUNNING);
        ds_ok(e, vmdrv_instance_start(e->conn, "web1", 0)); /* idempotent */

        ds_ok(e, vmdrv_instance_suspend(e->conn, "web1", 0));
        ds_assert_state(e, "web1", VMDRV_STATE_SUSPENDED);
        ds_ok(e, vmdrv_instance_suspend(e->conn, "web1", 0));

        ds_ok(e, vmdrv_snapshot_take(e->conn, "web1", "s1", 0));
        ds_assert_error(e->ctx, vmdrv_snapshot_take(e->conn, "web1", "s1", 0),
                        VMDRV_E_EXISTS,
                        "snapshot 's1' of 'web1' already exists");
        vmdrv_snapshots snaps = {0};
        ds_ok(e, vmdrv_snapshot_list(e->conn, "web1", &snaps, 0));
        assert_int_equal(snaps.count, 1);
        assert_string_equal(snaps.items[0].name, "s1");
        vmdrv_snapshots_clear(&snaps);

        /* resume from the saved state, then a clean power down */
        ds_ok(e, vmdrv_instance_start(e->conn, "web1", 0));
        ds_assert_state(e, "web1", VMDRV_STATE_RUNNING);
        ds_ok(e, vmdrv_snapshot_take(e->conn, "web1", "s2", 0));
        ds_ok(e, vmdrv_instance_stop(e->conn, "web1", 0));
        ds_assert_state(e, "web1", VMDRV_STATE_STOPPED);

        /* restore the snapshot taken while suspended: saved again */
        ds_ok(e, vmdrv_snapshot_restore(e->conn, "web1", "s1", 0));
        ds_assert_state(e, "web1", VMDRV_STATE_SUSPENDED);

        size_t before = ds_calls_count(e);
        char *host = vu_path_join(e->dir, "share");
        vu_mkdir_p(host);
        ds_assert_error(e->ctx,
                        vmdrv_mount(e->conn, "web1", host, "/mnt/share", 0),
                        VMDRV_E_NOTSUP, no_mounts);
        free(host);
        /* answered by the dispatcher: VBoxManage was never asked */
        assert_int_equal(ds_calls_count(e), before);
        ds_assert_state(e, "web1", VMDRV_STATE_SUSPENDED);

        vmdrv_exec_result res;
        ds_assert_error(e->ctx,
                        vmdrv_guest_exec(e->conn, "web1", "true", &res, 0),
                        VMDRV_E_NOTSUP,
                        "Guest exec (guest_exec) is not supported by the "
                        "VirtualBox driver ('virtualbox')");

        ds_ok(e, vmdrv_snapshot_delete(e->conn, "web1", "s2", 0));
        ds_ok(e, vmdrv_snapshot_list(e->conn, "web1", &snaps, 0));
        assert_int_equal(snaps.count, 1);
        vmdrv_snapshots_clear(&snaps);

        vmdrv_names names = {0};
        ds_ok(e, vmdrv_instance_list(e->conn, &names, 0));
        assert_int_equal(names.count, 1);
        assert_string_equal(names.names[0], "web1");
        vmdrv_names_clear(&names);

        ds_ok(e, vmdrv_instance_delete(e->conn, "web1", 0));
        ds_assert_called(e, 0, "discardstate|web1");
        ds_assert_called(e, 0, "unregistervm|web1|--delete");
        ds_ok(e, vmdrv_instance_list(e->conn, &names, 0));
        assert_int_equal(names.count, 0);
        vmdrv_names_clear(&names);
        vmdrv_state st;
        ds_assert_error(e->ctx, vmdrv_instance_state(e->conn, "web1", &st, 0),
                        VMDRV_E_NOTFOUND, "instance 'web1' does not exist");
        char *dir = inst_dir(e, "web1");
        assert_false(vu_path_exists(dir));
        free(dir);
        ds_env_free(e);
    }
}

/* The commands a real host would run to create a machine, in order. */
static void test_vbox_sim__create_runs_multipass_commands(void **state)
{
    (void)state;
    ds_env *e = vbox_env("windows-home", NULL);
    create(e, "db", 1, 512, 2048);
    char *dir = inst_dir(e, "db");
    char *want;
    ds_assert_called(e, 0, "showvminfo|db|--machinereadable");
    want = vu_asprintf("createvm|--name|db|--basefolder|%s|--ostype|"
                       "Ubuntu_64|--register",
                       dir);
    ds_assert_called(e, 0, want);
    free(want);
    want = vu_asprintf(
        "modifyvm|db|--cpus|1|--memory|512|--boot1|disk|--boot2|none|"
        "--boot3|none|--boot4|none|--acpi|on|--firmware|efi|--rtcuseutc|on|"
        "--uart1|0x3f8|4|--uartmode1|file|%s/console.log|--nic1|nat|"
        "--nictype1|virtio",
        dir);
    ds_assert_called(e, 0, want);
    free(want);
    want = vu_asprintf("createmedium|disk|--filename|%s/disk.vdi|--size|2048|"
                       "--format|VDI",
                       dir);
    ds_assert_called(e, 0, want);
    free(want);
    ds_assert_called(e, 0,
                     "storagectl|db|--name|SATA_0|--add|sata|--controller|"
                     "IntelAhci|--portcount|2");
    want = vu_asprintf("storageattach|db|--storagectl|SATA_0|--port|0|"
                       "--device|0|--type|hdd|--medium|%s/disk.vdi",
                       dir);
    ds_assert_called(e, 0, want);
    free(want);
    vmdrv_info info;
    ds_ok(e, vmdrv_instance_info(e->conn, "db", &info, 0));
    want = vu_asprintf("%s/disk.vdi", dir);
    assert_string_equal(vmdrv_info_get(&info, "disk"), want);
    free(want);
    free(dir);
    ds_env_free(e);
}

/* Every VMState VirtualBox can report, as the driver reads it. */
static void test_vbox_sim__every_vmstate_from_the_simulator(void **state)
{
    (void)state;
    static const struct {
        const char *vmstate;
        vmdrv_state st;
    } want[] = {
        {"poweroff", VMDRV_STATE_STOPPED},
        {"saved", VMDRV_STATE_SUSPENDED},
        {"aborted", VMDRV_STATE_STOPPED},
        {"aborted-saved", VMDRV_STATE_SUSPENDED},
        {"running", VMDRV_STATE_RUNNING},
        {"paused", VMDRV_STATE_RUNNING},
        {"gurumeditation", VMDRV_STATE_UNKNOWN},
        {"teleported", VMDRV_STATE_STOPPED},
        {"starting", VMDRV_STATE_STARTING},
        {"stopping", VMDRV_STATE_RUNNING},
        {"saving", VMDRV_STATE_SUSPENDING},
        {"restoring", VMDRV_STATE_STARTING},
        {"teleporting", VMDRV_STATE_RUNNING},
        {"teleportingpausedvm", VMDRV_STATE_RUNNING},
        {"teleportingin", VMDRV_STATE_STARTING},
        {"livesnapshotting", VMDRV_STATE_RUNNING},
        {"onlinesnapshotting", VMDRV_STATE_RUNNING},
        {"deletingsnapshotlive", VMDRV_STATE_RUNNING},
        {"deletingsnapshotlivepaused", VMDRV_STATE_RUNNING},
        {"restoringsnapshot", VMDRV_STATE_STOPPED},
        {"deletingsnapshot", VMDRV_STATE_STOPPED},
        {"settingup", VMDRV_STATE_STOPPED},
        {"snapshotting", VMDRV_STATE_STOPPED},
    };
    ds_env *e = vbox_env("windows-home", NULL); /* CRLF output */
    create(e, "st", 1, 512, 1024);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int rc = ds_sim_run(e, VMDRV_TOOL_VBOXMANAGE, NULL, "internalcommands",
                            "simsetstate", "st", want[i].vmstate, NULL);
        if (rc != 0)
            fail_msg("simsetstate '%s' failed", want[i].vmstate);
        vmdrv_info info;
        ds_ok(e, vmdrv_instance_info(e->conn, "st", &info, 0));
        assert_string_equal(vmdrv_info_get(&info, "vmstate"), want[i].vmstate);
        if (info.state != want[i].st)
            fail_msg("VMState '%s' read as %s, expected %s", want[i].vmstate,
                     vmdrv_state_name(info.state),
                     vmdrv_state_name(want[i].st));
    }
    /* a transient state is refused, not acted on */
    ds_sim_run(e, VMDRV_TOOL_VBOXMANAGE, NULL, "internalcommands",
               "simsetstate", "st", "saving", NULL);
    ds_assert_error(e->ctx, vmdrv_instance_start(e->conn, "st", 0),
                    VMDRV_E_STATE,
                    "cannot start instance 'st' while it is suspending "
                    "(VirtualBox state 'saving')");
    /* aborted-saved resumes like saved, and a forced stop discards it */
    ds_sim_run(e, VMDRV_TOOL_VBOXMANAGE, NULL, "internalcommands",
               "simsetstate", "st", "aborted-saved", NULL);
    ds_assert_error(e->ctx, vmdrv_instance_stop(e->conn, "st", 0),
                    VMDRV_E_STATE,
                    "cannot shut down suspended instance 'st' (use a forced "
                    "stop to discard its saved state)");
    size_t before = ds_calls_count(e);
    ds_ok(e, vmdrv_instance_stop(e->conn, "st", VMDRV_STOP_FORCE));
    ds_assert_called(e, before, "discardstate|st");
    ds_assert_state(e, "st", VMDRV_STATE_STOPPED);
    ds_env_free(e);
}

static void test_vbox_sim__stops(void **state)
{
    (void)state;
    ds_env *e = vbox_env("macos-x86_64", NULL);
    create(e, "s", 1, 512, 1024);
    ds_ok(e, vmdrv_instance_start(e->conn, "s", 0));
    size_t before = ds_calls_count(e);
    ds_ok(e, vmdrv_instance_stop(e->conn, "s", 0));
    ds_assert_called(e, before, "controlvm|s|acpipowerbutton");
    assert_false(ds_called(e, before, "controlvm|s|poweroff"));
    ds_assert_state(e, "s", VMDRV_STATE_STOPPED);
    ds_ok(e, vmdrv_instance_stop(e->conn, "s", 0)); /* idempotent */

    ds_ok(e, vmdrv_instance_start(e->conn, "s", 0));
    before = ds_calls_count(e);
    ds_ok(e, vmdrv_instance_stop(e->conn, "s", VMDRV_STOP_FORCE));
    ds_assert_called(e, before, "controlvm|s|poweroff");
    assert_false(ds_called(e, before, "controlvm|s|acpipowerbutton"));
    ds_assert_state(e, "s", VMDRV_STATE_STOPPED);

    /* a paused machine resumes with start */
    ds_ok(e, vmdrv_instance_start(e->conn, "s", 0));
    ds_sim_run(e, VMDRV_TOOL_VBOXMANAGE, NULL, "controlvm", "s", "pause", NULL);
    before = ds_calls_count(e);
    ds_ok(e, vmdrv_instance_start(e->conn, "s", 0));
    ds_assert_called(e, before, "controlvm|s|resume");
    ds_env_free(e);
}

/* A guest that ignores the power button is powered off after the wait. */
static void test_vbox_sim__acpi_ignored_then_poweroff(void **state)
{
    (void)state;
    static const char *const opts[] = {"shutdown_timeout=1", NULL};
    ds_env *e = vbox_env("windows-pro", opts);
    create(e, "deaf", 1, 512, 1024);
    ds_ok(e, vmdrv_instance_start(e->conn, "deaf", 0));
    /* the simulator models a guest that never reacts to ACPI */
    setenv("VMDRV_SIM_ACPI", "ignore", 1);
    size_t before = ds_calls_count(e);
    int rc = vmdrv_instance_stop(e->conn, "deaf", 0);
    unsetenv("VMDRV_SIM_ACPI");
    ds_ok(e, rc);
    ds_assert_called(e, before, "controlvm|deaf|acpipowerbutton");
    ds_assert_called(e, before, "controlvm|deaf|poweroff");
    ds_assert_state(e, "deaf", VMDRV_STATE_STOPPED);
    ds_env_free(e);
}

static void test_vbox_sim__wrong_states_are_refused(void **state)
{
    (void)state;
    ds_env *e = vbox_env("windows-home", NULL);
    create(e, "w", 1, 512, 1024);
    ds_assert_error(e->ctx, vmdrv_instance_suspend(e->conn, "w", 0),
                    VMDRV_E_STATE,
                    "cannot suspend instance 'w' while it is stopped "
                    "(VirtualBox state 'poweroff')");
    ds_ok(e, vmdrv_instance_start(e->conn, "w", 0));
    ds_ok(e, vmdrv_snapshot_take(e->conn, "w", "live", 0));
    ds_assert_error(e->ctx, vmdrv_snapshot_restore(e->conn, "w", "live", 0),
                    VMDRV_E_STATE,
                    "cannot restore snapshot 'live' of instance 'w' while it "
                    "is running (stop or suspend it first)");
    ds_assert_error(e->ctx, vmdrv_snapshot_restore(e->conn, "w", "nope", 0),
                    VMDRV_E_NOTFOUND, "instance 'w' has no snapshot 'nope'");
    ds_assert_error(e->ctx, vmdrv_snapshot_delete(e->conn, "w", "nope", 0),
                    VMDRV_E_NOTFOUND, "instance 'w' has no snapshot 'nope'");
    vmdrv_networks nets = {0};
    ds_ok(e, vmdrv_networks_list(e->conn, &nets, 0));
    assert_true(nets.count > 0);
    ds_assert_error(e->ctx,
                    vmdrv_network_add(e->conn, "w", nets.items[0].id, 0),
                    VMDRV_E_STATE,
                    "cannot add a network to instance 'w' while it is "
                    "running (VirtualBox state 'running')");
    vmdrv_networks_clear(&nets);
    ds_env_free(e);
}

static void test_vbox_sim__networks(void **state)
{
    (void)state;
    for (size_t p = 0; p < 3; p++) {
        ds_env *e = vbox_env(vbox_profiles[p], NULL);
        vmdrv_networks nets = {0};
        ds_ok(e, vmdrv_networks_list(e->conn, &nets, 0));
        assert_true(nets.count > 0);
        for (size_t i = 0; i < nets.count; i++) {
            assert_true(nets.items[i].id[0] != '\0');
            assert_true(strcmp(nets.items[i].type, "ethernet") == 0 ||
                        strcmp(nets.items[i].type, "wifi") == 0);
        }
        create(e, "n", 1, 512, 1024);
        size_t before = ds_calls_count(e);
        ds_ok(e, vmdrv_network_add(e->conn, "n", nets.items[0].id, 0));
        char *want = vu_asprintf("modifyvm|n|--nic2|bridged|--nictype2|"
                                 "virtio|--bridgeadapter2|%s|"
                                 "--cableconnected2|on",
                                 nets.items[0].id);
        ds_assert_called(e, before, want);
        free(want);
        vmdrv_info info;
        ds_ok(e, vmdrv_instance_info(e->conn, "n", &info, 0));
        int seen = 0;
        for (size_t i = 0; i < info.n_details; i++)
            if (strcmp(info.details[i].key, "network") == 0 &&
                strstr(info.details[i].value, nets.items[0].id))
                seen = 1;
        assert_true(seen);
        /* free text that is no network: refused before any modifyvm */
        before = ds_calls_count(e);
        ds_assert_error(e->ctx,
                        vmdrv_network_add(e->conn, "n",
                                          "eth0\"; rm -rf / ; echo \"$(id)`",
                                          0),
                        VMDRV_E_NOTFOUND,
                        "no network named 'eth0\"; rm -rf / ; echo "
                        "\"$(id)`' on this host");
        json_t *all = ds_calls(e);
        for (size_t i = before; i < json_array_size(all); i++)
            assert_string_not_equal(ds_arg(json_array_get(all, i), 1),
                                    "modifyvm");
        json_decref(all);
        vmdrv_networks_clear(&nets);
        ds_env_free(e);
    }
}

static void test_vbox_sim__seven_extra_networks_at_most(void **state)
{
    (void)state;
    ds_env *e = vbox_env("windows-pro", NULL);
    vmdrv_networks nets = {0};
    ds_ok(e, vmdrv_networks_list(e->conn, &nets, 0));
    create(e, "many", 1, 512, 1024);
    for (int k = 2; k <= 8; k++)
        ds_ok(e, vmdrv_network_add(e->conn, "many", nets.items[0].id, 0));
    char *msg = vu_asprintf("cannot add network '%s' to instance 'many': "
                            "VirtualBox does not support more than 8 "
                            "interfaces",
                            nets.items[0].id);
    ds_assert_error(e->ctx,
                    vmdrv_network_add(e->conn, "many", nets.items[0].id, 0),
                    VMDRV_E_INVAL, msg);
    free(msg);
    vmdrv_networks_clear(&nets);
    ds_env_free(e);
}

/* Machines this scope did not create are neither listed nor touched. */
static void test_vbox_sim__foreign_machines_left_alone(void **state)
{
    (void)state;
    ds_env *e = vbox_env("windows-home", NULL);
    assert_int_equal(ds_sim_run(e, VMDRV_TOOL_VBOXMANAGE, NULL, "createvm",
                                "--name", "theirs", "--register", NULL),
                     0);
    vmdrv_names names = {0};
    ds_ok(e, vmdrv_instance_list(e->conn, &names, 0));
    assert_int_equal(names.count, 0);
    vmdrv_names_clear(&names);
    size_t before = ds_calls_count(e);
    ds_assert_error(e->ctx, vmdrv_instance_delete(e->conn, "theirs", 0),
                    VMDRV_E_NOTFOUND, "instance 'theirs' does not exist");
    assert_int_equal(ds_calls_count(e), before);
    vmdrv_instance_spec spec = {.name = "theirs"};
    ds_assert_error(e->ctx, vmdrv_instance_create(e->conn, &spec, 0),
                    VMDRV_E_EXISTS,
                    "cannot create instance 'theirs': VirtualBox already has "
                    "a machine named 'theirs'");
    assert_int_equal(ds_sim_run(e, VMDRV_TOOL_VBOXMANAGE, NULL, "showvminfo",
                                "theirs", "--machinereadable", NULL),
                     0);
    ds_env_free(e);
}

/* A second scope of the driver names its machines apart. */
static void test_vbox_sim__scopes_do_not_collide(void **state)
{
    (void)state;
    ds_env *e = vbox_env("windows-pro", NULL);
    vmdrv_conn *other = NULL;
    ds_ok(e, vmdrv_conn_open(&other, e->ctx, "virtualbox", "vbox-b", NULL, 0));
    create(e, "same", 1, 512, 1024);
    vmdrv_instance_spec spec = {.name = "same"};
    ds_ok(e, vmdrv_instance_create(other, &spec, 0));
    ds_assert_called(e, 0, "showvminfo|vbox-b.same|--machinereadable");
    ds_ok(e, vmdrv_instance_start(other, "same", 0));
    ds_assert_state(e, "same", VMDRV_STATE_STOPPED);
    vmdrv_state st;
    ds_ok(e, vmdrv_instance_state(other, "same", &st, 0));
    assert_int_equal(st, VMDRV_STATE_RUNNING);
    vmdrv_names names = {0};
    ds_ok(e, vmdrv_instance_list(other, &names, 0));
    assert_int_equal(names.count, 1);
    assert_string_equal(names.names[0], "same");
    vmdrv_names_clear(&names);
    ds_ok(e, vmdrv_instance_delete(other, "same", 0));
    ds_assert_state(e, "same", VMDRV_STATE_STOPPED);
    vmdrv_conn_close(other);
    ds_env_free(e);
}

/* VirtualBox's errors come back with their meaning, never a guess. */
static void test_vbox_sim__errors_from_vboxmanage(void **state)
{
    (void)state;
    ds_env *e = vbox_env("windows-home", NULL);
    create(e, "gone", 1, 512, 1024);
    /* removed behind the driver's back */
    assert_int_equal(ds_sim_run(e, VMDRV_TOOL_VBOXMANAGE, NULL, "unregistervm",
                                "gone", "--delete", NULL),
                     0);
    ds_assert_error(e->ctx, vmdrv_instance_start(e->conn, "gone", 0),
                    VMDRV_E_NOTFOUND,
                    "cannot start instance 'gone': Could not find a "
                    "registered machine named 'gone' "
                    "(VBOX_E_OBJECT_NOT_FOUND)");
    /* delete still cleans up what is left */
    ds_ok(e, vmdrv_instance_delete(e->conn, "gone", 0));
    char *dir = inst_dir(e, "gone");
    assert_false(vu_path_exists(dir));
    free(dir);
    ds_env_free(e);
}

static void test_vbox_sim__failed_create_rolls_back(void **state)
{
    (void)state;
    ds_env *e = vbox_env("windows-pro", NULL);
    setenv("VMDRV_SIM_FAIL", "storageattach", 1);
    vmdrv_instance_spec spec = {.name = "half", .disk_mb = 1024};
    int rc = vmdrv_instance_create(e->conn, &spec, 0);
    unsetenv("VMDRV_SIM_FAIL");
    assert_int_equal(rc, VMDRV_E_TOOL);
    assert_non_null(strstr(vmdrv_last_error(e->ctx)->message,
                           "cannot create instance 'half': "));
    char *dir = inst_dir(e, "half");
    char *want = vu_asprintf("closemedium|disk|%s/disk.vdi|--delete", dir);
    ds_assert_called(e, 0, want);
    free(want);
    ds_assert_called(e, 0, "unregistervm|half|--delete");
    assert_false(vu_path_exists(dir));
    free(dir);
    assert_int_equal(ds_sim_run(e, VMDRV_TOOL_VBOXMANAGE, NULL, "showvminfo",
                                "half", "--machinereadable", NULL),
                     1);
    /* and the name can be used again */
    ds_ok(e, vmdrv_instance_create(e->conn, &spec, 0));
    ds_env_free(e);
}

static void test_vbox_sim__hung_vboxmanage_times_out(void **state)
{
    (void)state;
    static const char *const opts[] = {"timeout=1", NULL};
    ds_env *e = vbox_env("windows-home", opts);
    create(e, "slow", 1, 512, 1024);
    setenv("VMDRV_SIM_HANG", "startvm", 1);
    int rc = vmdrv_instance_start(e->conn, "slow", 0);
    unsetenv("VMDRV_SIM_HANG");
    ds_assert_error(e->ctx, rc, VMDRV_E_TIMEOUT,
                    "cannot start instance 'slow': VBoxManage startvm did "
                    "not finish within 1 s");
    ds_env_free(e);
}

static void test_vbox_sim__image_is_copied_with_its_own_uuid(void **state)
{
    (void)state;
    ds_env *e = vbox_env("windows-home", NULL);
    char *base = vu_path_join(e->dir, "base.vdi");
    assert_int_equal(ds_sim_run(e, VMDRV_TOOL_VBOXMANAGE, NULL, "createmedium",
                                "disk", "--filename", base, "--size", "64",
                                NULL),
                     0);
    assert_int_equal(ds_sim_run(e, VMDRV_TOOL_VBOXMANAGE, NULL, "closemedium",
                                "disk", base, NULL),
                     0);
    vmdrv_instance_spec spec = {.name = "img", .image = base, .disk_mb = 128};
    ds_ok(e, vmdrv_instance_create(e->conn, &spec, 0));
    char *dir = inst_dir(e, "img");
    char *want = vu_asprintf("internalcommands|sethduuid|%s/disk.vdi", dir);
    ds_assert_called(e, 0, want);
    free(want);
    want = vu_asprintf("modifymedium|disk|%s/disk.vdi|--resize|128", dir);
    ds_assert_called(e, 0, want);
    free(want);
    spec.name = "img2";
    spec.image = "/no/such/image.vdi";
    ds_assert_error(e->ctx, vmdrv_instance_create(e->conn, &spec, 0),
                    VMDRV_E_NOTFOUND,
                    "cannot create instance 'img2': image "
                    "'/no/such/image.vdi' does not exist (give a VDI disk "
                    "image, or none for a blank disk)");
    free(dir);
    free(base);
    ds_env_free(e);
}

int main(void)
{
    const struct CMUnitTest no_sim[] = {
        cmocka_unit_test(
            test_vbox_sim__probe_declines_where_multipass_has_no_vbox),
        cmocka_unit_test(test_vbox_sim__probe_declines_without_vboxmanage),
    };
    const struct CMUnitTest with_sim[] = {
        cmocka_unit_test(test_vbox_sim__probe_accepts_each_profile),
        cmocka_unit_test(test_vbox_sim__lifecycle_on_every_profile),
        cmocka_unit_test(test_vbox_sim__create_runs_multipass_commands),
        cmocka_unit_test(test_vbox_sim__every_vmstate_from_the_simulator),
        cmocka_unit_test(test_vbox_sim__stops),
        cmocka_unit_test(test_vbox_sim__acpi_ignored_then_poweroff),
        cmocka_unit_test(test_vbox_sim__wrong_states_are_refused),
        cmocka_unit_test(test_vbox_sim__networks),
        cmocka_unit_test(test_vbox_sim__seven_extra_networks_at_most),
        cmocka_unit_test(test_vbox_sim__foreign_machines_left_alone),
        cmocka_unit_test(test_vbox_sim__scopes_do_not_collide),
        cmocka_unit_test(test_vbox_sim__errors_from_vboxmanage),
        cmocka_unit_test(test_vbox_sim__failed_create_rolls_back),
        cmocka_unit_test(test_vbox_sim__hung_vboxmanage_times_out),
        cmocka_unit_test(test_vbox_sim__image_is_copied_with_its_own_uuid),
    };
    DS_RUN_GROUPS("vbox_sim", no_sim, with_sim, "vboxmanage-sim");
}
