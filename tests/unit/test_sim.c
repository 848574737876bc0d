/*
 * test_sim.c: the CLI simulators of fixtures/sim, run as processes the way
 * the VirtualBox and Hyper-V drivers run them: vboxmanage-sim (VBoxManage)
 * and powershell-sim (powershell.exe with the Hyper-V module). Checks the
 * documented outputs, error formats and exit codes, the CRLF mode, the
 * call log, fault injection, the injection detector and the guest data
 * that snapshots must restore.
 *
 * Each test gets a fresh state folder (VMDRV_SIM_STATE); the simulators'
 * paths come from the build (VBOXMANAGE_SIM, POWERSHELL_SIM).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef VBOXMANAGE_SIM
#error "VBOXMANAGE_SIM must name the vboxmanage-sim executable"
#endif
#ifndef POWERSHELL_SIM
#error "POWERSHELL_SIM must name the powershell-sim executable"
#endif

/* ---- helpers ---------------------------------------------------------- */

typedef struct result {
    int status; /* exit code, or -1 when killed */
    char *out;
    char *err;
} result;

static char g_dir[256];   /* this test's scratch folder */
static char g_state[320]; /* VMDRV_SIM_STATE inside it */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/vmdrv-test-sim-XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    snprintf(g_state, sizeof(g_state), "%s/state", g_dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void result_free(result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

/*
 * Run prog with argv (NULL-terminated) and extra environment entries
 * ("K=V", or "K" alone to unset K), stdin from stdin_text (or /dev/null).
 * The simulators' knobs are cleared first so the host's shell cannot leak in.
 */
static result run(const char *prog, const char *const *env, const char *stdin_text,
                  const char *const *argv)
{
    char out_path[PATH_MAX + 8], err_path[PATH_MAX + 8], in_path[PATH_MAX + 8];
    snprintf(out_path, sizeof(out_path), "%s/out", g_dir);
    snprintf(err_path, sizeof(err_path), "%s/err", g_dir);
    snprintf(in_path, sizeof(in_path), "%s/in", g_dir);
    spit(in_path, stdin_text ? stdin_text : "");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        static const char *knobs[] = {"VMDRV_SIM_CRLF", "VMDRV_SIM_VERSION", "VMDRV_SIM_FAIL",
                                      "VMDRV_SIM_FAIL_TIMES", "VMDRV_SIM_FAIL_EXIT",
                                      "VMDRV_SIM_FAIL_MESSAGE", "VMDRV_SIM_HANG",
                                      "VMDRV_SIM_EDITION", "VMDRV_SIM_ACPI",
                                      "VMDRV_SIM_ACPI_POLLS", "VMDRV_SIM_PS_CLIXML",
                                      "VMDRV_SIM_HOST_OS", "VMDRV_SIM_PROGNAME", NULL};
        for (const char **k = knobs; *k; k++)
            unsetenv(*k);
        setenv("VMDRV_SIM_STATE", g_state, 1);
        for (const char *const *e = env; e && *e; e++) {
            const char *eq = strchr(*e, '=');
            if (!eq) {
                unsetenv(*e);
                continue;
            }
            char name[128];
            snprintf(name, sizeof(name), "%.*s", (int)(eq - *e), *e);
            setenv(name, eq + 1, 1);
        }
        int in = open(in_path, O_RDONLY);
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(in, 0);
        dup2(o, 1);
        dup2(e, 2);
        execv(prog, (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    result r = {WIFEXITED(st) ? WEXITSTATUS(st) : -1, slurp(out_path), slurp(err_path)};
    return r;
}

#define VBOX(env, ...) run(VBOXMANAGE_SIM, (env), NULL, \
                           (const char *const[]){VBOXMANAGE_SIM, __VA_ARGS__, NULL})

/* powershell.exe -NoProfile -NonInteractive -Command <script> */
static result ps(const char *const *env, const char *script)
{
    const char *argv[] = {POWERSHELL_SIM, "-NoProfile", "-NonInteractive", "-Command",
                          script, NULL};
    return run(POWERSHELL_SIM, env, NULL, argv);
}

/* Run and insist on exit 0, returning stdout (owned). */
static char *vbox_ok(const char *const *argv)
{
    const char *full[32] = {VBOXMANAGE_SIM};
    size_t n = 1;
    for (; argv[n - 1] && n < 31; n++)
        full[n] = argv[n - 1];
    full[n] = NULL;
    result r = run(VBOXMANAGE_SIM, NULL, NULL, full);
    if (r.status != 0)
        fail_msg("VBoxManage %s failed (%d): %s", argv[0], r.status, r.err);
    free(r.err);
    return r.out;
}
#define VBOX_OK(...) vbox_ok((const char *const[]){__VA_ARGS__, NULL})

static char *ps_ok(const char *const *env, const char *script)
{
    result r = ps(env, script);
    if (r.status != 0)
        fail_msg("script failed (%d): %s\n%s", r.status, script, r.err);
    free(r.err);
    return r.out;
}

/* The value of key in showvminfo --machinereadable output (owned, or NULL). */
static char *mr_value(const char *text, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *v = p + klen + 1;
            size_t n = strcspn(v, "\r\n");
            if (n >= 2 && v[0] == '"')
                return strndup(v + 1, n - 2);
            return strndup(v, n);
        }
    }
    return NULL;
}

static void assert_state(const char *vm, const char *want)
{
    char *out = VBOX_OK("showvminfo", vm, "--machinereadable");
    char *v = mr_value(out, "VMState");
    assert_non_null(v);
    assert_string_equal(v, want);
    free(v);
    free(out);
}

/* The last record of calls.log, parsed. */
static json_t *last_call(void)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/calls.log", g_state);
    char *text = slurp(path);
    size_t len = strlen(text);
    while (len && text[len - 1] == '\n')
        text[--len] = '\0';
    char *line = strrchr(text, '\n');
    json_error_t err;
    json_t *rec = json_loads(line ? line + 1 : text, 0, &err);
    free(text);
    if (!rec)
        fail_msg("calls.log: %s", err.text);
    return rec;
}

static void make_vm(const char *name)
{
    char base[PATH_MAX + 8];
    snprintf(base, sizeof(base), "%s/vms", g_dir);
    free(VBOX_OK("createvm", "--name", name, "--basefolder", base, "--ostype", "Ubuntu_64",
                 "--register"));
}

/* ---- vboxmanage-sim ---------------------------------------------------- */

static void test_sim__vbox_version(void **state)
{
    (void)state;
    result r = VBOX(NULL, "--version");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "7.0.14r161095\n");
    result_free(&r);
    r = VBOX(NULL, "-V");
    assert_string_equal(r.out, "7.0.14r161095\n");
    result_free(&r);
    r = VBOX(((const char *const[]){"VMDRV_SIM_VERSION=6.1.38_Ubuntur153438", NULL}), "-v");
    assert_string_equal(r.out, "6.1.38_Ubuntur153438\n");
    result_free(&r);
}

static void test_sim__state_folder_is_required(void **state)
{
    (void)state;
    const char *unset[] = {"VMDRV_SIM_STATE", NULL};
    result r = VBOX(unset, "--version");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "VMDRV_SIM_STATE"));
    result_free(&r);
    const char *argv[] = {POWERSHELL_SIM, "-Command", "'x'", NULL};
    r = run(POWERSHELL_SIM, unset, NULL, argv);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "VMDRV_SIM_STATE"));
    result_free(&r);
}

static void test_sim__vbox_createvm_and_showvminfo(void **state)
{
    (void)state;
    char base[PATH_MAX + 8];
    snprintf(base, sizeof(base), "%s/vms", g_dir);
    char *out = VBOX_OK("createvm", "--name=vm1", "--basefolder", base, "--ostype", "Ubuntu_64",
                        "--register");
    assert_non_null(strstr(out, "Virtual machine 'vm1' is created and registered.\nUUID: "));
    assert_non_null(strstr(out, "\nSettings file: '"));
    free(out);
    free(VBOX_OK("modifyvm", "vm1", "--cpus", "2", "--memory=1024", "--nic1", "nat",
                 "--nictype1", "virtio", "--macaddress1", "080027AABBCC", "--uart1", "0x3f8",
                 "4", "--uartmode1", "file", "/tmp/vm1.log", "--firmware", "efi"));
    out = VBOX_OK("showvminfo", "vm1", "--machinereadable");
    /* the documented key order: name first, UUID before VMState, snapshots last */
    assert_ptr_equal(strstr(out, "name=\"vm1\"\n"), out);
    assert_true(strstr(out, "UUID=") < strstr(out, "VMState="));
    assert_non_null(strstr(out, "\nmemory=1024\n")); /* numbers unquoted */
    assert_non_null(strstr(out, "\ncpus=2\n"));
    assert_non_null(strstr(out, "\nostype=\"Ubuntu (64-bit)\"\n"));
    assert_non_null(strstr(out, "\nfirmware=\"EFI\"\n"));
    assert_non_null(strstr(out, "\nVMState=\"poweroff\"\n"));
    assert_non_null(strstr(out, "\nmacaddress1=\"080027AABBCC\"\n"));
    assert_non_null(strstr(out, "\nnictype1=\"virtio\"\n"));
    assert_non_null(strstr(out, "\nuart1=\"0x03f8,4\"\nuartmode1=\"file,/tmp/vm1.log\"\n"));
    free(out);
}

static void test_sim__vbox_unknown_vm_is_com_error(void **state)
{
    (void)state;
    result r = VBOX(NULL, "showvminfo", "nope", "--machinereadable");
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    const char *l1 = "VBoxManage: error: Could not find a registered machine named 'nope'\n"
                     "VBoxManage: error: Details: code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), "
                     "component VirtualBoxWrap, interface IVirtualBox";
    assert_ptr_equal(strstr(r.err, l1), r.err);
    assert_non_null(strstr(r.err, "\nVBoxManage: error: Context: \"FindMachine("));
    result_free(&r);
}

static void test_sim__vbox_syntax_errors_exit_2(void **state)
{
    (void)state;
    result r = VBOX(NULL, "createvm", "--register");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "VBoxManage: error: Parameter --name is required"));
    assert_non_null(strstr(r.err, "Usage:"));
    result_free(&r);
    make_vm("vm1");
    r = VBOX(NULL, "modifyvm", "vm1", "--frobnicate", "1");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "VBoxManage: error: Unknown option: --frobnicate"));
    result_free(&r);
    r = VBOX(NULL, "frob");
    assert_int_equal(r.status, 2);
    result_free(&r);
}

static void test_sim__vbox_lifecycle(void **state)
{
    (void)state;
    make_vm("vm1");
    result r = VBOX(NULL, "controlvm", "vm1", "poweroff");
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "VBoxManage: error: Machine 'vm1' is not currently running.\n");
    result_free(&r);
    char *out = VBOX_OK("startvm", "vm1", "--type", "headless");
    assert_string_equal(out, "Waiting for VM \"vm1\" to power on...\n"
                             "VM \"vm1\" has been successfully started.\n");
    free(out);
    assert_state("vm1", "running");
    r = VBOX(NULL, "startvm", "vm1", "--type=headless");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "is already locked by a session (or being locked or unlocked)"));
    assert_non_null(strstr(r.err, "VBOX_E_INVALID_OBJECT_STATE (0x80bb0007)"));
    result_free(&r);
    r = VBOX(NULL, "modifyvm", "vm1", "--cpus", "4");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "already locked"));
    result_free(&r);
    r = VBOX(NULL, "controlvm", "vm1", "savestate");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%"));
    result_free(&r);
    out = VBOX_OK("showvminfo", "vm1", "--machinereadable");
    assert_non_null(strstr(out, "\nVMState=\"saved\"\nVMStateChangeTime=\""));
    assert_non_null(strstr(out, "\nVMStateFile=\""));
    free(out);
    r = VBOX(NULL, "controlvm", "vm1", "poweroff");
    assert_int_equal(r.status, 1); /* a saved VM needs discardstate */
    result_free(&r);
    free(VBOX_OK("discardstate", "vm1"));
    assert_state("vm1", "poweroff");
    free(VBOX_OK("startvm", "vm1"));
    free(VBOX_OK("controlvm", "vm1", "pause"));
    assert_state("vm1", "paused");
    free(VBOX_OK("controlvm", "vm1", "resume"));
    free(VBOX_OK("controlvm", "vm1", "natpf1", "ssh,tcp,,2222,,22"));
    out = VBOX_OK("showvminfo", "vm1", "--machinereadable");
    assert_non_null(strstr(out, "\nForwarding(0)=\"ssh,tcp,,2222,,22\"\n"));
    free(out);
    free(VBOX_OK("controlvm", "vm1", "poweroff"));
    assert_state("vm1", "poweroff");
}

static void test_sim__vbox_acpi_shutdown_is_asynchronous(void **state)
{
    (void)state;
    make_vm("vm1");
    free(VBOX_OK("startvm", "vm1"));
    free(VBOX_OK("controlvm", "vm1", "acpipowerbutton"));
    assert_state("vm1", "running"); /* the guest is still shutting down */
    assert_state("vm1", "poweroff");
    free(VBOX_OK("startvm", "vm1"));
    result r = VBOX(((const char *const[]){"VMDRV_SIM_ACPI_POLLS=0", NULL}), "controlvm", "vm1",
                    "acpipowerbutton");
    assert_int_equal(r.status, 0);
    result_free(&r);
    assert_state("vm1", "poweroff");
    free(VBOX_OK("startvm", "vm1"));
    r = VBOX(((const char *const[]){"VMDRV_SIM_ACPI=ignore", NULL}), "controlvm", "vm1",
             "acpipowerbutton");
    result_free(&r);
    assert_state("vm1", "running");
    assert_state("vm1", "running");
}

static void test_sim__vbox_snapshot_restores_guest_data(void **state)
{
    (void)state;
    make_vm("vm1");
    result r = VBOX(NULL, "snapshot", "vm1", "list");
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "This machine does not have any snapshots\n");
    result_free(&r);
    free(VBOX_OK("startvm", "vm1"));
    free(VBOX_OK("guestproperty", "set", "vm1", "/vmdrv/data", "before"));
    char *out = VBOX_OK("snapshot", "vm1", "take", "s1", "--description=s1: first");
    assert_non_null(strstr(out, "Snapshot taken. UUID: "));
    free(out);
    free(VBOX_OK("guestproperty", "set", "vm1", "/vmdrv/data", "after"));
    r = VBOX(NULL, "snapshot", "vm1", "restore", "s1");
    assert_int_equal(r.status, 1); /* not while running */
    assert_non_null(strstr(r.err, "VBOX_E_INVALID_VM_STATE"));
    result_free(&r);
    free(VBOX_OK("controlvm", "vm1", "poweroff"));
    out = VBOX_OK("guestproperty", "get", "vm1", "/vmdrv/data");
    assert_string_equal(out, "Value: after\n"); /* a poweroff keeps the disk */
    free(out);
    out = VBOX_OK("snapshot", "vm1", "restore", "s1");
    assert_non_null(strstr(out, "Restoring snapshot 's1' ("));
    free(out);
    out = VBOX_OK("guestproperty", "get", "vm1", "/vmdrv/data");
    assert_string_equal(out, "Value: before\n");
    free(out);
    /* taken while running: the snapshot kept a saved state */
    assert_state("vm1", "saved");
    out = VBOX_OK("guestproperty", "get", "vm1", "/vmdrv/never");
    assert_string_equal(out, "No value set!\n");
    free(out);
    free(VBOX_OK("discardstate", "vm1"));
    free(VBOX_OK("snapshot", "vm1", "take", "s2"));
    out = VBOX_OK("snapshot", "vm1", "list", "--machinereadable");
    assert_non_null(strstr(out, "SnapshotName=\"s1\"\n"));
    assert_non_null(strstr(out, "SnapshotDescription=\"s1: first\"\n"));
    assert_non_null(strstr(out, "SnapshotName-1=\"s2\"\n"));
    assert_non_null(strstr(out, "CurrentSnapshotName=\"s2\"\n"));
    assert_non_null(strstr(out, "CurrentSnapshotNode=\"SnapshotName-1\"\n"));
    free(out);
    out = VBOX_OK("snapshot", "vm1", "list");
    assert_non_null(strstr(out, "   Name: s1 (UUID: "));
    assert_non_null(strstr(out, "      Name: s2 (UUID: "));
    assert_non_null(strstr(out, ") *\n"));
    free(out);
    out = VBOX_OK("showvminfo", "vm1", "--machinereadable");
    assert_true(strstr(out, "CurrentSnapshotUUID=") > strstr(out, "VMState="));
    free(out);
    free(VBOX_OK("snapshot", "vm1", "showvminfo", "s1"));
    r = VBOX(NULL, "snapshot", "vm1", "showvminfo", "s9");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "VBOX_E_OBJECT_NOT_FOUND"));
    result_free(&r);
    out = VBOX_OK("snapshot", "vm1", "delete", "s1");
    assert_non_null(strstr(out, "Deleting snapshot 's1' ("));
    free(out);
    out = VBOX_OK("snapshot", "vm1", "list", "--machinereadable");
    assert_null(strstr(out, "\"s1\""));
    assert_non_null(strstr(out, "SnapshotName=\"s2\"\n")); /* s2 moved up to the root */
    free(out);
}

static void test_sim__vbox_lists(void **state)
{
    (void)state;
    char *out = VBOX_OK("list", "vms");
    assert_string_equal(out, "");
    free(out);
    make_vm("vm1");
    make_vm("vm two");
    out = VBOX_OK("list", "vms");
    assert_non_null(strstr(out, "\"vm1\" {"));
    assert_non_null(strstr(out, "}\n\"vm two\" {"));
    free(out);
    free(VBOX_OK("startvm", "vm two"));
    out = VBOX_OK("list", "runningvms");
    assert_ptr_equal(strstr(out, "\"vm two\" {"), out);
    assert_null(strstr(out, "vm1"));
    free(out);
    out = VBOX_OK("list", "bridgedifs");
    assert_ptr_equal(strstr(out, "Name:            eth0\nGUID:            "), out);
    assert_non_null(strstr(out, "\nIPV6NetworkMaskPrefixLength: 64\n"));
    assert_non_null(strstr(out, "\nVBoxNetworkName: HostInterfaceNetworking-eth0\n\nName:"));
    free(out);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/bridgedifs.json", g_state);
    spit(path, "[{\"Name\": \"en0: Wi-Fi (AirPort)\", \"Wireless\": \"Yes\"}]");
    out = VBOX_OK("list", "-l", "bridgedifs");
    assert_ptr_equal(strstr(out, "Name:            en0: Wi-Fi (AirPort)\n"), out);
    assert_non_null(strstr(out, "\nWireless:        Yes\n"));
    assert_null(strstr(out, "eth0"));
    free(out);
}

static void test_sim__vbox_crlf_mode(void **state)
{
    (void)state;
    make_vm("vm1");
    const char *crlf[] = {"VMDRV_SIM_CRLF=1", NULL};
    result r = VBOX(crlf, "list", "vms");
    assert_int_equal(r.status, 0);
    size_t n = strlen(r.out);
    assert_true(n > 2 && r.out[n - 2] == '\r' && r.out[n - 1] == '\n');
    result_free(&r);
    r = VBOX(crlf, "showvminfo", "nope");
    /* Windows: VBoxManage.exe and CRLF on every line */
    assert_non_null(strstr(r.err, "VBoxManage.exe: error: Could not find a registered machine "
                                  "named 'nope'\r\n"));
    assert_null(strstr(r.err, "\n\n"));
    result_free(&r);
}

static void test_sim__vbox_calls_log_keeps_argv(void **state)
{
    (void)state;
    make_vm("vm1");
    result r = VBOX(NULL, "guestproperty", "set", "vm1", "/x", "a \"quoted\" 'value'; $(rm)");
    assert_int_equal(r.status, 0);
    result_free(&r);
    json_t *rec = last_call();
    json_t *argv = json_object_get(rec, "argv");
    assert_int_equal(json_array_size(argv), 6);
    assert_string_equal(json_string_value(json_array_get(argv, 5)),
                        "a \"quoted\" 'value'; $(rm)");
    assert_non_null(json_string_value(json_object_get(rec, "ts")));
    assert_int_equal(json_integer_value(json_object_get(rec, "exit")), 0);
    json_decref(rec);
}

static void test_sim__vbox_fault_injection(void **state)
{
    (void)state;
    make_vm("vm1");
    const char *env[] = {"VMDRV_SIM_FAIL=startvm vm1", "VMDRV_SIM_FAIL_TIMES=1", NULL};
    result r = VBOX(env, "startvm", "vm1");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "VBoxManage: error: Simulated failure (VMDRV_SIM_FAIL)\n"));
    assert_non_null(strstr(r.err, "Details: code NS_ERROR_FAILURE (0x80004005)"));
    result_free(&r);
    json_t *rec = last_call();
    assert_true(json_is_true(json_object_get(rec, "fault_injected")));
    json_decref(rec);
    assert_state("vm1", "poweroff");
    r = VBOX(env, "startvm", "vm1"); /* VMDRV_SIM_FAIL_TIMES=1: used up */
    assert_int_equal(r.status, 0);
    result_free(&r);
}

static void test_sim__vbox_simsetstate(void **state)
{
    (void)state;
    make_vm("vm1");
    free(VBOX_OK("internalcommands", "simsetstate", "vm1", "aborted-saved"));
    assert_state("vm1", "aborted-saved");
    result r = VBOX(NULL, "internalcommands", "simsetstate", "vm1", "sleeping");
    assert_int_equal(r.status, 2);
    result_free(&r);
    free(VBOX_OK("startvm", "vm1"));
    assert_state("vm1", "running");
}

static void test_sim__vbox_unregistervm_delete(void **state)
{
    (void)state;
    make_vm("vm1");
    char disk[PATH_MAX + 16];
    snprintf(disk, sizeof(disk), "%s/disk.vdi", g_dir);
    char *out = VBOX_OK("createmedium", "disk", "--filename", disk, "--size", "64");
    assert_non_null(strstr(out, "Medium created. UUID: "));
    free(out);
    free(VBOX_OK("storagectl", "vm1", "--add", "sata", "--name", "SATA_0", "--portcount", "2"));
    free(VBOX_OK("storageattach", "vm1", "--storagectl", "SATA_0", "--port", "0", "--device",
                 "0", "--type", "hdd", "--medium", disk));
    free(VBOX_OK("storageattach", "vm1", "--storagectl", "SATA_0", "--port", "1", "--device",
                 "0", "--type", "dvddrive", "--medium", "emptydrive"));
    out = VBOX_OK("showvminfo", "vm1", "--machinereadable");
    char *v = mr_value(out, "\"SATA_0-0-0\"");
    assert_non_null(v);
    assert_string_equal(v, disk);
    free(v);
    assert_non_null(strstr(out, "\n\"SATA_0-1-0\"=\"emptydrive\"\n"));
    free(out);
    free(VBOX_OK("unregistervm", "vm1", "--delete"));
    assert_int_not_equal(access(disk, F_OK), 0);
    out = VBOX_OK("list", "vms");
    assert_string_equal(out, "");
    free(out);
}

static void test_sim__vbox_sharedfolder_transient_rules(void **state)
{
    (void)state;
    make_vm("vm1");
    result r = VBOX(NULL, "sharedfolder", "add", "vm1", "--name", "t", "--hostpath", "/tmp",
                    "--transient");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "Machine 'vm1' is not currently running."));
    result_free(&r);
    free(VBOX_OK("sharedfolder", "add", "vm1", "--name=share", "--hostpath=/tmp"));
    free(VBOX_OK("startvm", "vm1"));
    r = VBOX(NULL, "sharedfolder", "add", "vm1", "--name", "p", "--hostpath", "/tmp");
    assert_int_equal(r.status, 1); /* permanent while running: the write lock */
    result_free(&r);
    free(VBOX_OK("sharedfolder", "add", "vm1", "--name", "t", "--hostpath", "/tmp",
                 "--transient"));
    char *out = VBOX_OK("showvminfo", "vm1", "--machinereadable");
    assert_non_null(strstr(out, "\nSharedFolderNameMachineMapping1=\"share\"\n"));
    assert_non_null(strstr(out, "\nSharedFolderNameTransientMapping1=\"t\"\n"));
    free(out);
    free(VBOX_OK("controlvm", "vm1", "poweroff"));
    out = VBOX_OK("showvminfo", "vm1", "--machinereadable");
    assert_null(strstr(out, "TransientMapping"));
    free(out);
}

/* ---- powershell-sim ---------------------------------------------------- */

static const char *const lf[] = {"VMDRV_SIM_CRLF=0", NULL};

/* Run script, which must succeed, and check all it writes. */
static void assert_ps_out(const char *script, const char *want)
{
    char *out = ps_ok(lf, script);
    assert_string_equal(out, want);
    free(out);
}

static void new_vm(const char *name)
{
    char script[PATH_MAX + 512];
    snprintf(script, sizeof(script),
             "$ProgressPreference='SilentlyContinue'; New-VM -Name '%s' -Generation 2 "
             "-MemoryStartupBytes 1073741824 -NewVHDPath '%s/%s.vhdx' -NewVHDSizeBytes "
             "10737418240 -BootDevice VHD -SwitchName 'Default Switch' | Out-Null",
             name, g_dir, name);
    assert_ps_out(script, "");
}

static void assert_ps_state(const char *name, const char *want)
{
    char script[256];
    snprintf(script, sizeof(script), "Get-VM -Name '%s' | Select-Object -ExpandProperty State",
             name);
    char expect[64];
    snprintf(expect, sizeof(expect), "%s\n", want);
    assert_ps_out(script, expect);
}

static void test_sim__ps_version_and_edition(void **state)
{
    (void)state;
    assert_ps_out("$PSVersionTable.PSVersion.ToString()", "5.1.19041.4522\n");
    const char *q = "(Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion')"
                    ".EditionID";
    assert_ps_out(q, "Professional\n");
    char *out = ps_ok((const char *const[]){"VMDRV_SIM_CRLF=0", "VMDRV_SIM_EDITION=home", NULL}, q);
    assert_string_equal(out, "Core\n");
    free(out);
    out = ps_ok((const char *const[]){"VMDRV_SIM_CRLF=0", "VMDRV_SIM_VERSION=5.1.22621.2506",
                                      NULL},
                "$PSVersionTable.PSVersion.ToString()");
    assert_string_equal(out, "5.1.22621.2506\n");
    free(out);
}

static void test_sim__ps_home_has_no_hyperv_module(void **state)
{
    (void)state;
    result r = ps((const char *const[]){"VMDRV_SIM_EDITION=home", NULL}, "Get-VM");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "Get-VM : The term 'Get-VM' is not recognized as the name of "
                                  "a cmdlet, function, script file, or operable program."));
    assert_non_null(strstr(r.err, "    + CategoryInfo          : ObjectNotFound: (Get-VM:String)"
                                  " [], CommandNotFoundException"));
    assert_non_null(strstr(r.err, "    + FullyQualifiedErrorId : CommandNotFoundException"));
    result_free(&r);
    r = ps(NULL, "Frob-VM -Name 'x'"); /* the same record for any unknown command */
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "The term 'Frob-VM' is not recognized"));
    result_free(&r);
}

static void test_sim__ps_missing_vm_error_records(void **state)
{
    (void)state;
    result r = ps(lf, "$ProgressPreference='SilentlyContinue'; Get-VM -Name 'ghost' | "
                      "Select-Object -ExpandProperty State");
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "Get-VM : Hyper-V was unable to find a virtual machine with "
                                  "name \"ghost\".\nAt line:1 char:41\n"));
    assert_non_null(strstr(r.err, "    + CategoryInfo          : InvalidArgument: (ghost:String) "
                                  "[Get-VM], VirtualizationException\n"));
    assert_non_null(strstr(r.err, "    + FullyQualifiedErrorId : InvalidParameter,"
                                  "Microsoft.HyperV.PowerShell.Commands.GetVM\n"));
    result_free(&r);
    r = ps(lf, "Set-VMProcessor -VMName 'ghost' -Count 2");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "ObjectNotFound: (:) [Set-VMProcessor]"));
    assert_non_null(strstr(r.err, "ObjectNotFound,Microsoft.HyperV.PowerShell.Commands."
                                  "SetVMProcessor"));
    result_free(&r);
}

static void test_sim__ps_lifecycle(void **state)
{
    (void)state;
    new_vm("vm1");
    assert_ps_state("vm1", "Off");
    free(ps_ok(lf, "Set-VMFirmware -VMName 'vm1' -EnableSecureBoot Off"));
    free(ps_ok(lf, "Set-VMProcessor -VMName 'vm1' -Count 2"));
    free(ps_ok(lf, "Set-VMMemory -VMName 'vm1' -DynamicMemoryEnabled $false"));
    assert_ps_out("Get-VM -Name 'vm1' | Select-Object Name,ProcessorCount,"
                  "MemoryStartup | ConvertTo-Csv -NoTypeInformation",
                  "\"Name\",\"ProcessorCount\",\"MemoryStartup\"\n"
                  "\"vm1\",\"2\",\"1073741824\"\n");
    free(ps_ok(lf, "Start-VM -Name 'vm1'"));
    assert_ps_state("vm1", "Running");
    result r = ps(lf, "Set-VMProcessor -VMName 'vm1' -Count 4");
    assert_int_equal(r.status, 1); /* only while Off */
    assert_non_null(strstr(r.err, "InvalidState,Microsoft.HyperV.PowerShell.Commands."
                                  "SetVMProcessor"));
    result_free(&r);
    free(ps_ok(lf, "Save-VM -Name 'vm1'"));
    assert_ps_state("vm1", "Saved");
    r = ps(lf, "Save-VM -Name 'vm1'");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "The operation cannot be performed while the virtual machine "
                                  "is in its current state."));
    result_free(&r);
    free(ps_ok(lf, "Start-VM -Name 'vm1'"));
    free(ps_ok(lf, "Stop-VM -Name 'vm1' -Force"));
    assert_ps_state("vm1", "Off");
    r = ps(lf, "Remove-VM -Name 'vm1'");
    assert_int_equal(r.status, 1); /* would prompt: -NonInteractive makes it an error */
    assert_non_null(strstr(r.err, "NonInteractive mode"));
    result_free(&r);
    free(ps_ok(lf, "Remove-VM -Name 'vm1' -Force"));
    assert_ps_out("Get-VM | Select-Object -ExpandProperty Name", "");
}

static void test_sim__ps_checkpoint_restores_guest_data(void **state)
{
    (void)state;
    new_vm("vm1");
    free(ps_ok(lf, "Set-VM -Name 'vm1' -CheckpointType Standard"));
    free(ps_ok(lf, "Start-VM -Name 'vm1'; Set-VMSimGuestData -VMName 'vm1' -Key 'k' "
                   "-Value 'before'"));
    free(ps_ok(lf, "Checkpoint-VM -Name 'vm1' -SnapshotName 'c1'"));
    free(ps_ok(lf, "Set-VMSimGuestData -VMName 'vm1' -Key 'k' -Value 'after'"));
    assert_ps_out("Get-VMCheckpoint -VMName 'vm1' -Name 'c1' | Select-Object "
                  "-ExpandProperty Name",
                  "c1\n");
    result r = ps(lf, "Get-VMCheckpoint -VMName 'vm1' -Name 'c9'");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "ObjectNotFound,Microsoft.HyperV.PowerShell.Commands."
                                  "GetVMSnapshot"));
    result_free(&r);
    r = ps(lf, "Restore-VMCheckpoint -VMName 'vm1' -Name 'c1' -Confirm:$false");
    assert_int_equal(r.status, 1); /* not while running */
    result_free(&r);
    free(ps_ok(lf, "Stop-VM -Name 'vm1' -TurnOff"));
    assert_ps_out("Get-VMSimGuestData -VMName 'vm1' -Key 'k'", "after\n");
    free(ps_ok(lf, "Restore-VMCheckpoint -VMName 'vm1' -Name 'c1' -Confirm:$false"));
    assert_ps_out("Get-VMSimGuestData -VMName 'vm1' -Key 'k'", "before\n");
    assert_ps_state("vm1", "Saved"); /* a Standard checkpoint of a running VM */
    free(ps_ok(lf, "Checkpoint-VM -Name 'vm1' -SnapshotName 'c2'"));
    assert_ps_out("Get-VMCheckpoint -VMName 'vm1' | Select-Object Name,ParentSnapshotName | "
                  "ConvertTo-Csv -NoTypeInformation",
                  "\"Name\",\"ParentSnapshotName\"\n\"c1\",\n\"c2\",\"c1\"\n");
    free(ps_ok(lf, "Remove-VMCheckpoint -VMName 'vm1' -Name 'c1' -Confirm:$false"));
    assert_ps_out("Get-VMSnapshot -VMName 'vm1' | Select-Object -ExpandProperty Name",
                  "c2\n");
}

static void test_sim__ps_switch_csv(void **state)
{
    (void)state;
    char *out = ps_ok(lf, "Get-VMSwitch | Select-Object Name,SwitchType,"
                          "NetAdapterInterfaceDescription | ConvertTo-Csv -NoTypeInformation");
    assert_ptr_equal(strstr(out, "\"Name\",\"SwitchType\",\"NetAdapterInterfaceDescription\"\n"
                                 "\"Default Switch\",\"Internal\",\n"),
                     out);
    free(out);
    /* Multipass's bare-CSV pipeline, as snippets::to_bare_csv writes it */
    out = ps_ok(lf, "Get-VMSwitch -ComputerName localhost | Select-Object -Property Name,"
                    "SwitchType,NetAdapterInterfaceDescription,Notes | ConvertTo-Csv "
                    "-NoTypeInformation | Select-Object -Skip 1 | foreach { $_ -replace "
                    "'^\"|\"$|\"(?=,)|(?<=,)\"','' }");
    assert_ptr_equal(strstr(out, "Default Switch,Internal,,\n"), out);
    free(out);
    assert_ps_out("Get-VMSwitch -Id 'C08CB7B8-9B3C-408E-8E30-5E16A3AEB444' | "
                  "Select-Object -ExpandProperty Name",
                  "Default Switch\n");
    result r = ps(lf, "Get-VMSwitch -Name 'nope'");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "ObjectNotFound,Microsoft.HyperV.PowerShell.Commands."
                                  "GetVMSwitch"));
    result_free(&r);
}

static void test_sim__ps_json_enums_are_numbers(void **state)
{
    (void)state;
    new_vm("vm1");
    free(ps_ok(lf, "Start-VM -Name 'vm1'"));
    /* 5.1 writes enums as numbers; the calculated property is the way out */
    assert_ps_out("Get-VM -Name 'vm1' | Select-Object Name,State | ConvertTo-Json "
                  "-Compress",
                  "{\"Name\":\"vm1\",\"State\":2}\n");
    assert_ps_out("Get-VM -Name 'vm1' | Select-Object Name,@{n='State';e={$_.State."
                  "ToString()}} | ConvertTo-Json -Compress",
                  "{\"Name\":\"vm1\",\"State\":\"Running\"}\n");
}

static void test_sim__ps_single_quotes_keep_values_whole(void **state)
{
    (void)state;
    assert_ps_out("Write-Output 'it''s; a | b & $(c) `d'", "it's; a | b & $(c) `d\n");
    /* a typographic quote is a quote to PowerShell: doubled, it stays data */
    assert_ps_out("Write-Output 'x\xe2\x80\x99\xe2\x80\x99y'", "x\xe2\x80\x99y\n");
    result r = ps(lf, "Start-VM -Name 'a''; Remove-VM -Name ''b'");
    assert_int_equal(r.status, 1); /* no such VM, and nothing else ran */
    result_free(&r);
    json_t *rec = last_call();
    assert_true(json_is_false(json_object_get(rec, "injected")));
    json_t *cmds = json_object_get(rec, "commands");
    assert_int_equal(json_array_size(cmds), 1);
    json_t *args = json_object_get(json_array_get(cmds, 0), "args");
    assert_string_equal(json_string_value(json_object_get(args, "Name")),
                        "a'; Remove-VM -Name 'b");
    json_decref(rec);
}

static void test_sim__ps_injection_is_flagged_and_happens(void **state)
{
    (void)state;
    new_vm("victim");
    /* a driver that double-quotes lets PowerShell run the value */
    result r = ps(lf, "Start-VM -Name \"x$(Remove-VM -Name 'victim' -Force)\"");
    assert_int_equal(r.status, 1);
    result_free(&r);
    json_t *rec = last_call();
    assert_true(json_is_true(json_object_get(rec, "injected")));
    assert_true(json_array_size(json_object_get(rec, "injection")) > 0);
    json_decref(rec);
    assert_ps_out("Get-VM | Select-Object -ExpandProperty Name", ""); /* the expansion really ran */
    r = ps(lf, "Start-VM -Name x;Get-VM");
    rec = last_call();
    assert_true(json_is_true(json_object_get(rec, "injected")));
    json_decref(rec);
    result_free(&r);
    r = ps(lf, "Write-Output `whoami`");
    rec = last_call();
    assert_true(json_is_true(json_object_get(rec, "injected")));
    json_decref(rec);
    result_free(&r);
    free(ps_ok(lf, "$ProgressPreference='SilentlyContinue'; Get-VM"));
    rec = last_call();
    assert_true(json_is_false(json_object_get(rec, "injected")));
    json_decref(rec);
}

static void test_sim__ps_exit_codes(void **state)
{
    (void)state;
    result r = ps(lf, "exit 3");
    assert_int_equal(r.status, 3);
    result_free(&r);
    r = ps(lf, "Get-VM -Name 'ghost'; Write-Output 'after'");
    assert_int_equal(r.status, 0); /* the last statement succeeded */
    assert_string_equal(r.out, "after\n");
    result_free(&r);
    r = ps(lf, "Write-Output 'before'; Get-VM -Name 'ghost'");
    assert_int_equal(r.status, 1);
    result_free(&r);
    r = ps(lf, "$ErrorActionPreference = 'Stop'; Get-VM -Name 'ghost'; Write-Output 'after'");
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, ""); /* 'Stop' ends the script */
    result_free(&r);
    r = ps(lf, "Get-VM -Name 'ghost' -ErrorAction Stop; exit 0");
    assert_int_equal(r.status, 1);
    result_free(&r);
    r = ps(lf, "Get-VM 'unterminated");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "FullyQualifiedErrorId : TerminatorExpectedAtEndOfString"));
    result_free(&r);
}

static void test_sim__ps_command_from_stdin(void **state)
{
    (void)state;
    const char *argv[] = {POWERSHELL_SIM, "-NoProfile", "-NoExit", "-Command", "-", NULL};
    result r = run(POWERSHELL_SIM, lf, "Get-VM -Name 'ghost'\necho \"cmdlet status is\" $?\n",
                   argv);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "cmdlet status is\nFalse\n");
    result_free(&r);
}

static void test_sim__ps_crlf_by_default(void **state)
{
    (void)state;
    result r = ps(NULL, "Write-Output 'a'; Write-Output 'b'");
    assert_string_equal(r.out, "a\r\nb\r\n");
    result_free(&r);
    r = ps(lf, "Write-Output 'a'");
    assert_string_equal(r.out, "a\n");
    result_free(&r);
}

static void test_sim__ps_smb_shares(void **state)
{
    (void)state;
    char script[PATH_MAX + 128];
    snprintf(script, sizeof(script), "New-SmbShare -Name 'vmdrv-1' -Path '%s' -FullAccess "
             "'bob' -Description 'd' | Out-Null", g_dir);
    free(ps_ok(lf, script));
    char expect[300];
    snprintf(expect, sizeof(expect), "%s\n", g_dir);
    assert_ps_out("Get-SmbShare -Name 'vmdrv-1' | Select-Object -ExpandProperty Path", expect);
    result r = ps(lf, script);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "Windows System Error 2118,New-SmbShare"));
    result_free(&r);
    free(ps_ok(lf, "Remove-SmbShare -Name 'vmdrv-1' -Force"));
    r = ps(lf, "Remove-SmbShare -Name 'vmdrv-1' -Force");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "CmdletizationQuery_NotFound_Name,Remove-SmbShare"));
    assert_non_null(strstr(r.err, "ObjectNotFound"));
    result_free(&r);
}

static void test_sim__ps_fault_injection(void **state)
{
    (void)state;
    new_vm("vm1");
    const char *env[] = {"VMDRV_SIM_CRLF=0", "VMDRV_SIM_FAIL=Start-VM", NULL};
    result r = ps(env, "$ProgressPreference='SilentlyContinue'; Start-VM -Name 'vm1'");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "Start-VM : Simulated failure (VMDRV_SIM_FAIL)\n"));
    assert_non_null(strstr(r.err, "Unspecified,Microsoft.HyperV.PowerShell.Commands.StartVM"));
    result_free(&r);
    assert_ps_state("vm1", "Off");
}

/* Concurrent calls serialise on the state folder's lock: none is lost. */
static void test_sim__concurrent_calls_serialise(void **state)
{
    (void)state;
    enum { N = 6 };
    char base[PATH_MAX + 8];
    snprintf(base, sizeof(base), "%s/vms", g_dir);
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            char name[16];
            snprintf(name, sizeof(name), "c%d", i);
            setenv("VMDRV_SIM_STATE", g_state, 1);
            int null = open("/dev/null", O_WRONLY);
            dup2(null, 1);
            execl(VBOXMANAGE_SIM, VBOXMANAGE_SIM, "createvm", "--name", name, "--basefolder",
                  base, "--register", (char *)NULL);
            _exit(127);
        }
    }
    for (int i = 0; i < N; i++) {
        int st;
        waitpid(pids[i], &st, 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    char *out = VBOX_OK("list", "vms");
    int lines = 0;
    for (char *p = out; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, N);
    free(out);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/calls.log", g_state);
    char *log = slurp(path);
    int records = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *rec = json_loads(line, 0, NULL);
        assert_non_null(rec);
        json_decref(rec);
        records++;
    }
    assert_int_equal(records, N + 1);
    free(log);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_sim__vbox_version),
        T(test_sim__state_folder_is_required),
        T(test_sim__vbox_createvm_and_showvminfo),
        T(test_sim__vbox_unknown_vm_is_com_error),
        T(test_sim__vbox_syntax_errors_exit_2),
        T(test_sim__vbox_lifecycle),
        T(test_sim__vbox_acpi_shutdown_is_asynchronous),
        T(test_sim__vbox_snapshot_restores_guest_data),
        T(test_sim__vbox_lists),
        T(test_sim__vbox_crlf_mode),
        T(test_sim__vbox_calls_log_keeps_argv),
        T(test_sim__vbox_fault_injection),
        T(test_sim__vbox_simsetstate),
        T(test_sim__vbox_unregistervm_delete),
        T(test_sim__vbox_sharedfolder_transient_rules),
        T(test_sim__ps_version_and_edition),
        T(test_sim__ps_home_has_no_hyperv_module),
        T(test_sim__ps_missing_vm_error_records),
        T(test_sim__ps_lifecycle),
        T(test_sim__ps_checkpoint_restores_guest_data),
        T(test_sim__ps_switch_csv),
        T(test_sim__ps_json_enums_are_numbers),
        T(test_sim__ps_single_quotes_keep_values_whole),
        T(test_sim__ps_injection_is_flagged_and_happens),
        T(test_sim__ps_exit_codes),
        T(test_sim__ps_command_from_stdin),
        T(test_sim__ps_crlf_by_default),
        T(test_sim__ps_smb_shares),
        T(test_sim__ps_fault_injection),
        T(test_sim__concurrent_calls_serialise),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
