/*
 * test_hyperv_sim.c: the Hyper-V driver end to end, through the SDK API,
 * against powershell-sim on the windows-pro profile; windows-home is
 * refused by the probe. The simulator's call log shows the exact scripts
 * the driver handed to powershell.exe, which is how the injection cases
 * prove that free-text values arrive quoted and inert.
 *
 * The probe cases need no simulator and always run; the rest are skipped
 * with a reason (exit 77, "Skipped" in ctest) when powershell-sim is not
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

#define PROLOGUE "$ProgressPreference='SilentlyContinue'; "

static ds_env *hv_env(void)
{
    ds_env *e = ds_env_new("windows-pro");
    ds_open_conn(e, "hyperv", NULL, NULL);
    return e;
}

static void create(ds_env *e, const char *name)
{
    vmdrv_instance_spec spec = {
        .name = name, .cpus = 2, .memory_mb = 2048, .disk_mb = 8192};
    ds_ok(e, vmdrv_instance_create(e->conn, &spec, 0));
}

/* Was this exact script run (argv: -NoProfile -NonInteractive -Command)? */
static int ran(ds_env *e, size_t from, const char *body)
{
    char *want =
        vu_asprintf("-NoProfile|-NonInteractive|-Command|" PROLOGUE "%s", body);
    int yes = ds_called(e, from, want);
    free(want);
    return yes;
}

#define assert_ran(e, from, body)                                              \
    do {                                                                       \
        if (!ran((e), (from), (body))) {                                       \
            print_message("script not run: %s\n", (body));                     \
            ds_dump_calls((e), (from));                                        \
            fail();                                                            \
        }                                                                      \
    } while (0)

/* 1 when any script from index from contains text. */
static int any_script_contains(ds_env *e, size_t from, const char *text)
{
    json_t *all = ds_calls(e);
    int yes = 0;
    for (size_t i = from; i < json_array_size(all); i++)
        yes |= strstr(ds_arg(json_array_get(all, i), 4), text) != NULL;
    json_decref(all);
    return yes;
}

/* ---- probe (no simulator needed) ------------------------------------- */

static void test_hyperv_sim__probe_declines_home_and_non_windows(void **state)
{
    (void)state;
    ds_env *e = ds_env_new("windows-home");
    ds_assert_error(e->ctx, vmdrv_driver_probe(e->ctx, "hyperv"),
                    VMDRV_E_DECLINED,
                    "Hyper-V is only available on Windows Pro and above (this "
                    "host is Windows Home, EditionID 'Core')");
    ds_env_free(e);
    static const char *const others[] = {"linux-x86_64", "macos-x86_64",
                                         "macos-arm64", "linux-arm64"};
    for (size_t i = 0; i < 4; i++) {
        e = ds_env_new(others[i]);
        char *msg = vu_asprintf("Hyper-V is only available on Windows (this "
                                "host is '%s')",
                                strncmp(others[i], "linux", 5) == 0 ? "linux"
                                                                    : "macos");
        ds_assert_error(e->ctx, vmdrv_driver_probe(e->ctx, "hyperv"),
                        VMDRV_E_DECLINED, msg);
        free(msg);
        ds_env_free(e);
    }
}

/* ---- with the simulator ---------------------------------------------- */

static void test_hyperv_sim__probe_accepts_pro(void **state)
{
    (void)state;
    ds_env *e = ds_env_new("windows-pro");
    ds_ok(e, vmdrv_driver_probe(e->ctx, "hyperv"));
    ds_env_free(e);
}

/*
 * The "done when", through the API: launch, start, suspend,
 * snapshot, restore, mount, then delete.
 */
static void test_hyperv_sim__lifecycle(void **state)
{
    (void)state;
    ds_env *e = hv_env();
    create(e, "web1");
    ds_assert_state(e, "web1", VMDRV_STATE_STOPPED);
    vmdrv_info info;
    ds_ok(e, vmdrv_instance_info(e->conn, "web1", &info, 0));
    assert_int_equal(info.cpus, 2);
    assert_int_equal(info.memory_mb, 2048);
    assert_int_equal(info.disk_mb, 8192);
    assert_string_equal(vmdrv_info_get(&info, "vm_state"), "Off");

    ds_ok(e, vmdrv_instance_start(e->conn, "web1", 0));
    ds_assert_state(e, "web1", VMDRV_STATE_RUNNING);
    ds_ok(e, vmdrv_instance_start(e->conn, "web1", 0));

    ds_ok(e, vmdrv_instance_suspend(e->conn, "web1", 0));
    ds_assert_state(e, "web1", VMDRV_STATE_SUSPENDED);

    ds_ok(e, vmdrv_snapshot_take(e->conn, "web1", "s1", 0));
    ds_assert_error(e->ctx, vmdrv_snapshot_take(e->conn, "web1", "s1", 0),
                    VMDRV_E_EXISTS, "snapshot 's1' of 'web1' already exists");
    vmdrv_snapshots snaps = {0};
    ds_ok(e, vmdrv_snapshot_list(e->conn, "web1", &snaps, 0));
    assert_int_equal(snaps.count, 1);
    assert_string_equal(snaps.items[0].name, "s1");
    vmdrv_snapshots_clear(&snaps);

    ds_ok(e, vmdrv_instance_start(e->conn, "web1", 0));
    ds_ok(e, vmdrv_snapshot_take(e->conn, "web1", "s2", 0));
    ds_ok(e, vmdrv_snapshot_list(e->conn, "web1", &snaps, 0));
    assert_int_equal(snaps.count, 2);
    assert_string_equal(snaps.items[1].name, "s2");
    assert_string_equal(snaps.items[1].parent, "s1");
    vmdrv_snapshots_clear(&snaps);

    ds_ok(e, vmdrv_instance_stop(e->conn, "web1", 0));
    ds_assert_state(e, "web1", VMDRV_STATE_STOPPED);
    ds_ok(e, vmdrv_snapshot_restore(e->conn, "web1", "s1", 0));
    ds_assert_state(e, "web1", VMDRV_STATE_SUSPENDED);

    char *host = vu_path_join(e->dir, "project");
    vu_mkdir_p(host);
    ds_ok(e, vmdrv_instance_start(e->conn, "web1", 0));
    size_t before = ds_calls_count(e);
    ds_ok(e, vmdrv_mount(e->conn, "web1", host, "/home/ubuntu/project", 0));
    assert_true(
        any_script_contains(e, before, "New-SmbShare -Name 'vmdrv-web1-"));
    ds_ok(e, vmdrv_instance_info(e->conn, "web1", &info, 0));
    const char *m = vmdrv_info_get(&info, "mount");
    assert_non_null(m);
    assert_non_null(strstr(m, host));
    assert_non_null(strstr(m, "sudo mount -t cifs"));
    ds_assert_error(
        e->ctx, vmdrv_mount(e->conn, "web1", host, "/home/ubuntu/project", 0),
        VMDRV_E_EXISTS, "'/home/ubuntu/project' is already mounted in 'web1'");
    before = ds_calls_count(e);
    ds_ok(e, vmdrv_umount(e->conn, "web1", "/home/ubuntu/project", 0));
    assert_true(
        any_script_contains(e, before, "Remove-SmbShare -Name 'vmdrv-web1-"));
    ds_assert_error(e->ctx,
                    vmdrv_umount(e->conn, "web1", "/home/ubuntu/project", 0),
                    VMDRV_E_NOTFOUND,
                    "nothing is mounted at '/home/ubuntu/project' in 'web1'");
    ds_ok(e, vmdrv_mount(e->conn, "web1", host, "/mnt/again", 0));

    ds_ok(e, vmdrv_snapshot_delete(e->conn, "web1", "s2", 0));
    vmdrv_names names = {0};
    ds_ok(e, vmdrv_instance_list(e->conn, &names, 0));
    assert_int_equal(names.count, 1);
    vmdrv_names_clear(&names);

    before = ds_calls_count(e);
    ds_ok(e, vmdrv_instance_delete(e->conn, "web1", 0));
    assert_ran(e, before, "Stop-VM -Name 'web1' -TurnOff");
    assert_ran(e, before, "Remove-VM -Name 'web1' -Force");
    /* the share of the remaining mount goes with the instance */
    assert_true(any_script_contains(e, before, "Remove-SmbShare"));
    ds_ok(e, vmdrv_instance_list(e->conn, &names, 0));
    assert_int_equal(names.count, 0);
    vmdrv_names_clear(&names);
    free(host);
    ds_env_free(e);
}

static void test_hyperv_sim__create_runs_multipass_cmdlets(void **state)
{
    (void)state;
    ds_env *e = hv_env();
    create(e, "db");
    char *dir = vu_asprintf("%s/hyperv/instances/db", e->dir);
    assert_ran(e, 0, "Get-VM -Name 'db' | Select-Object -ExpandProperty Name");
    assert_ran(e, 0,
               "Get-VMSwitch -Id 'c08cb7b8-9b3c-408e-8e30-5e16a3aeb444' | "
               "Select-Object -ExpandProperty Name");
    char *want = vu_asprintf(
        "New-VM -Name 'db' -Generation 2 -MemoryStartupBytes 2147483648 "
        "-NewVHDPath '%s/disk.vhdx' -NewVHDSizeBytes 8589934592 -BootDevice "
        "VHD -SwitchName 'Default Switch' -Path '%s' | Out-Null",
        dir, dir);
    assert_ran(e, 0, want);
    free(want);
    assert_ran(e, 0, "Set-VMFirmware -VMName 'db' -EnableSecureBoot Off");
    assert_ran(e, 0, "Set-VMProcessor -VMName 'db' -Count 2");
    assert_ran(e, 0, "Set-VMMemory -VMName 'db' -DynamicMemoryEnabled $false");
    free(dir);
    ds_env_free(e);
}

static void test_hyperv_sim__stops(void **state)
{
    (void)state;
    ds_env *e = hv_env();
    create(e, "s");
    ds_ok(e, vmdrv_instance_start(e->conn, "s", 0));
    size_t before = ds_calls_count(e);
    ds_ok(e, vmdrv_instance_stop(e->conn, "s", 0));
    assert_ran(e, before, "Stop-VM -Name 's' -Force");
    ds_assert_state(e, "s", VMDRV_STATE_STOPPED);
    ds_ok(e, vmdrv_instance_stop(e->conn, "s", 0));

    ds_ok(e, vmdrv_instance_start(e->conn, "s", 0));
    before = ds_calls_count(e);
    ds_ok(e, vmdrv_instance_stop(e->conn, "s", VMDRV_STOP_FORCE));
    assert_ran(e, before, "Stop-VM -Name 's' -TurnOff");
    ds_assert_state(e, "s", VMDRV_STATE_STOPPED);

    ds_ok(e, vmdrv_instance_start(e->conn, "s", 0));
    ds_ok(e, vmdrv_instance_suspend(e->conn, "s", 0));
    ds_assert_error(e->ctx, vmdrv_instance_stop(e->conn, "s", 0), VMDRV_E_STATE,
                    "cannot shut down suspended instance 's' (use a forced "
                    "stop to discard its saved state)");
    before = ds_calls_count(e);
    ds_ok(e, vmdrv_instance_stop(e->conn, "s", VMDRV_STOP_FORCE));
    assert_ran(e, before, "Remove-VMSavedState -VMName 's'");
    ds_assert_state(e, "s", VMDRV_STATE_STOPPED);
    ds_assert_error(e->ctx, vmdrv_instance_suspend(e->conn, "s", 0),
                    VMDRV_E_STATE,
                    "cannot suspend instance 's' while it is stopped (Hyper-V "
                    "state 'Off')");
    ds_env_free(e);
}

static void test_hyperv_sim__networks(void **state)
{
    (void)state;
    ds_env *e = hv_env();
    vmdrv_networks nets = {0};
    ds_ok(e, vmdrv_networks_list(e->conn, &nets, 0));
    int have_default = 0;
    for (size_t i = 0; i < nets.count; i++) {
        assert_string_equal(nets.items[i].type, "switch");
        have_default |= strcmp(nets.items[i].id, "Default Switch") == 0;
    }
    assert_true(have_default);
    create(e, "n");
    size_t before = ds_calls_count(e);
    ds_ok(e, vmdrv_network_add(e->conn, "n", "Default Switch", 0));
    assert_ran(e, before,
               "Add-VMNetworkAdapter -VMName 'n' -SwitchName 'Default "
               "Switch'");
    ds_assert_error(e->ctx, vmdrv_network_add(e->conn, "n", "Default*", 0),
                    VMDRV_E_NOTFOUND,
                    "no network named 'Default*' on this host");
    ds_ok(e, vmdrv_instance_start(e->conn, "n", 0));
    ds_assert_error(e->ctx,
                    vmdrv_network_add(e->conn, "n", "Default Switch", 0),
                    VMDRV_E_STATE,
                    "cannot add a network to instance 'n' while it is running "
                    "(Hyper-V state 'Running')");
    vmdrv_networks_clear(&nets);
    ds_env_free(e);
}

/* No harmful cmdlet ran, and nothing was flagged, from record `from` on. */
static void assert_never_ran(ds_env *e, size_t from)
{
    static const char *const harmful[] = {"Remove-VM", "Stop-VM", "Save-VM",
                                          "Remove-VMSnapshot", "Stop-Computer"};
    for (size_t i = 0; i < sizeof harmful / sizeof harmful[0]; i++) {
        json_t *ran_cmds = ds_ps_commands(e, from, harmful[i]);
        if (json_array_size(ran_cmds)) {
            ds_dump_calls(e, from);
            fail_msg("'%s' ran", harmful[i]);
        }
        json_decref(ran_cmds);
    }
    assert_int_equal(ds_ps_injected(e, from), 0);
}

/*
 * Injection through every free-text value the driver hands PowerShell:
 * the host path and guest path of a mount, and a switch name. The simulator
 * parses each script as PowerShell would and records every cmdlet it ran with
 * its arguments as bound: each hostile value must arrive whole as one argument,
 * nothing it spells may run, and the simulator must flag no injection.
 */
static void test_hyperv_sim__injection_is_quoted_and_inert(void **state)
{
    (void)state;
    ds_env *e = hv_env();
    create(e, "victim");
    ds_ok(e, vmdrv_instance_start(e->conn, "victim", 0));
    size_t start = ds_calls_count(e);

    /* real folders whose names are attacks */
    static const char *const evil[] = {
        "a'; Remove-VM -Name 'victim' -Force; 'b",
        "c$(Stop-VM -Name victim -TurnOff)d",
        "e`; Stop-VM victim -TurnOff",
        "f\"; Stop-VM victim -TurnOff; \"g",
        "h\xe2\x80\x99; Remove-VM victim -Force; \xe2\x80\x98i",
        "j''; Stop-Computer; ''k",
    };
    for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
        char *host = vu_path_join(e->dir, evil[i]);
        if (vu_mkdir_p(host) != 0)
            fail_msg("cannot create folder '%s'", host);
        char *guest = vu_asprintf("/mnt/x%zu' ; Stop-VM victim ; '$(calc)", i);
        size_t before = ds_calls_count(e);
        ds_ok(e, vmdrv_mount(e->conn, "victim", host, guest, 0));
        json_t *shares = ds_ps_commands(e, before, "New-SmbShare");
        assert_int_equal(json_array_size(shares), 1);
        json_t *args = json_array_get(shares, 0);
        /* bound exactly as given: one argument each, nothing lost */
        assert_string_equal(vu_json_str(args, "Path", ""), host);
        /* from PowerShell's own environment, never from the script */
        assert_string_equal(vu_json_str(args, "FullAccess", ""), "o'neil");
        char *desc =
            vu_asprintf("vmdrv mount of '%s' into victim:%s", host, guest);
        assert_string_equal(vu_json_str(args, "Description", ""), desc);
        free(desc);
        json_decref(shares);
        ds_assert_state(e, "victim", VMDRV_STATE_RUNNING);
        free(guest);
        free(host);
    }
    assert_never_ran(e, start);
    vmdrv_names names = {0};
    ds_ok(e, vmdrv_instance_list(e->conn, &names, 0));
    assert_int_equal(names.count, 1);
    vmdrv_names_clear(&names);

    /* a line break cannot reach PowerShell at all */
    size_t before = ds_calls_count(e);
    char *nl = vu_path_join(e->dir, "new\nline");
    vu_mkdir_p(nl);
    ds_assert_error(e->ctx, vmdrv_mount(e->conn, "victim", nl, "/mnt/nl", 0),
                    VMDRV_E_INVAL, NULL);
    free(nl);
    assert_int_equal(ds_calls_count(e), before);
    ds_env_free(e);
}

static void test_hyperv_sim__injection_through_a_switch_name(void **state)
{
    (void)state;
    ds_env *e = hv_env();
    const char *sw = "Lab'; Remove-VM -Name 'target' -Force; '";
    /* the scene: a switch with a hostile name exists on the host */
    assert_int_equal(ds_sim_run(e, VMDRV_TOOL_POWERSHELL, NULL, "-NoProfile",
                                "-NonInteractive", "-Command",
                                PROLOGUE "New-VMSwitch -Name 'Lab''; "
                                         "Remove-VM -Name ''target'' -Force; "
                                         "''' -SwitchType Private | Out-Null",
                                NULL),
                     0);
    create(e, "target");
    vmdrv_networks nets = {0};
    ds_ok(e, vmdrv_networks_list(e->conn, &nets, 0));
    int listed = 0;
    for (size_t i = 0; i < nets.count; i++)
        listed |= strcmp(nets.items[i].id, sw) == 0;
    assert_true(listed);
    vmdrv_networks_clear(&nets);
    size_t before = ds_calls_count(e);
    ds_ok(e, vmdrv_network_add(e->conn, "target", sw, 0));
    assert_ran(e, before,
               "Add-VMNetworkAdapter -VMName 'target' -SwitchName 'Lab''; "
               "Remove-VM -Name ''target'' -Force; '''");
    json_t *adds = ds_ps_commands(e, before, "Add-VMNetworkAdapter");
    assert_int_equal(json_array_size(adds), 1);
    assert_string_equal(vu_json_str(json_array_get(adds, 0), "SwitchName", ""),
                        sw);
    json_decref(adds);
    assert_never_ran(e, before);
    ds_assert_state(e, "target", VMDRV_STATE_STOPPED); /* still there */
    ds_env_free(e);
}

static void test_hyperv_sim__errors_by_error_id(void **state)
{
    (void)state;
    ds_env *e = hv_env();
    create(e, "gone");
    /* removed behind the driver's back */
    assert_int_equal(ds_sim_run(e, VMDRV_TOOL_POWERSHELL, NULL, "-NoProfile",
                                "-NonInteractive", "-Command",
                                PROLOGUE "Remove-VM -Name 'gone' -Force", NULL),
                     0);
    int rc = vmdrv_instance_start(e->conn, "gone", 0);
    assert_int_equal(rc, VMDRV_E_NOTFOUND);
    const char *msg = vmdrv_last_error(e->ctx)->message;
    assert_true(vu_starts_with(msg, "cannot start instance 'gone': "));
    assert_non_null(
        strstr(msg, ",Microsoft.HyperV.PowerShell.Commands.GetVM)"));
    ds_ok(e, vmdrv_instance_delete(e->conn, "gone", 0));
    ds_env_free(e);
}

/* PowerShell 5.1 with a redirected stderr may write its error records as
 * CLIXML: they are read the same. */
static void test_hyperv_sim__errors_in_clixml_form(void **state)
{
    (void)state;
    ds_env *e = hv_env();
    create(e, "x");
    assert_int_equal(ds_sim_run(e, VMDRV_TOOL_POWERSHELL, NULL, "-NoProfile",
                                "-NonInteractive", "-Command",
                                PROLOGUE "Remove-VM -Name 'x' -Force", NULL),
                     0);
    setenv("VMDRV_SIM_PS_CLIXML", "1", 1);
    size_t before = ds_calls_count(e);
    int rc = vmdrv_instance_start(e->conn, "x", 0);
    unsetenv("VMDRV_SIM_PS_CLIXML");
    json_t *all = ds_calls(e);
    assert_true(vu_starts_with(json_string_value(json_object_get(
                                   json_array_get(all, before), "stderr")),
                               "#< CLIXML"));
    json_decref(all);
    assert_int_equal(rc, VMDRV_E_NOTFOUND);
    assert_non_null(strstr(vmdrv_last_error(e->ctx)->message,
                           "(InvalidParameter,Microsoft.HyperV.PowerShell."
                           "Commands.GetVM)"));
    ds_env_free(e);
}

/* A Pro host whose PowerShell has no Hyper-V module (the feature is off):
 * the cmdlets are unknown, which is "unavailable", not "no such VM". */
static void test_hyperv_sim__no_hyperv_module(void **state)
{
    (void)state;
    ds_env *e = ds_env_new("windows-pro");
    char *yaml = vu_path_join(e->dir, "pro-without-hyperv.yaml");
    static const char text[] =
        "name: pro-without-hyperv\nos: windows\nos_name: \"Windows 11 Pro\"\n"
        "os_version: \"10.0.22631\"\nedition_id: Professional\narch: x86_64\n"
        "tools:\n  powershell.exe: {simulator: powershell-sim}\n"
        "env:\n  VMDRV_SIM_STATE: \"${data_dir}/.sim/pro-without-hyperv\"\n"
        "  VMDRV_SIM_EDITION: home\n";
    if (vu_write_atomic(yaml, text, strlen(text)) != 0)
        fail_msg("cannot write '%s'", yaml);
    ds_ok(e, vmdrv_ctx_use_profile(e->ctx, yaml));
    ds_ok(e, vmdrv_driver_probe(e->ctx, "hyperv")); /* Pro: it belongs */
    ds_open_conn(e, "hyperv", NULL, NULL);
    vmdrv_instance_spec spec = {.name = "nomod"};
    int rc = vmdrv_instance_create(e->conn, &spec, 0);
    ds_assert_error(e->ctx, rc, VMDRV_E_UNAVAILABLE, NULL);
    assert_non_null(strstr(vmdrv_last_error(e->ctx)->message,
                           "(CommandNotFoundException)"));
    free(yaml);
    ds_env_free(e);
}

static void test_hyperv_sim__failed_create_rolls_back(void **state)
{
    (void)state;
    ds_env *e = hv_env();
    setenv("VMDRV_SIM_FAIL", "Set-VMProcessor", 1);
    vmdrv_instance_spec spec = {.name = "half"};
    int rc = vmdrv_instance_create(e->conn, &spec, 0);
    unsetenv("VMDRV_SIM_FAIL");
    assert_int_not_equal(rc, 0);
    assert_ran(e, 0, "Remove-VM -Name 'half' -Force");
    char *dir = vu_asprintf("%s/hyperv/instances/half", e->dir);
    assert_false(vu_path_exists(dir));
    free(dir);
    ds_ok(e, vmdrv_instance_create(e->conn, &spec, 0));
    ds_env_free(e);
}

int main(void)
{
    /* the user a share is granted to, as Windows sets it for PowerShell */
    setenv("USERNAME", "o'neil", 1);
    const struct CMUnitTest no_sim[] = {
        cmocka_unit_test(test_hyperv_sim__probe_declines_home_and_non_windows),
    };
    const struct CMUnitTest with_sim[] = {
        cmocka_unit_test(test_hyperv_sim__probe_accepts_pro),
        cmocka_unit_test(test_hyperv_sim__lifecycle),
        cmocka_unit_test(test_hyperv_sim__create_runs_multipass_cmdlets),
        cmocka_unit_test(test_hyperv_sim__stops),
        cmocka_unit_test(test_hyperv_sim__networks),
        cmocka_unit_test(test_hyperv_sim__injection_is_quoted_and_inert),
        cmocka_unit_test(test_hyperv_sim__injection_through_a_switch_name),
        cmocka_unit_test(test_hyperv_sim__errors_by_error_id),
        cmocka_unit_test(test_hyperv_sim__errors_in_clixml_form),
        cmocka_unit_test(test_hyperv_sim__no_hyperv_module),
        cmocka_unit_test(test_hyperv_sim__failed_create_rolls_back),
    };
    DS_RUN_GROUPS("hyperv_sim", no_sim, with_sim, "powershell-sim");
}
