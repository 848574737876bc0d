/*
 * test_host.c: the host descriptor: the real Linux probe (os-release,
 * uname, /dev/kvm, tools on PATH or named by VMDRV_TOOL_*, their versions
 * asked through the runner), host profiles (every fixture loads; every
 * bad profile in tests/data/hosts-bad fails with exactly the messages its
 * "# expect:" lines give, each with file:line:column), simulator lookup,
 * and tool resolution.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "found_helpers.h"
#include "internal.h"

typedef struct fixture {
    char *dir;
    vmdrv_ctx *ctx;
} fixture;

static int setup(void **state)
{
    fixture *f = vu_calloc(1, sizeof *f);
    for (int t = 0; t < VMDRV_TOOL__COUNT; t++)
        unsetenv(vmdrv_tool_env((vmdrv_tool)t));
    unsetenv("VMDRV_SIM_DIR");
    f->ctx = fh_ctx(&f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int t = 0; t < VMDRV_TOOL__COUNT; t++)
        unsetenv(vmdrv_tool_env((vmdrv_tool)t));
    unsetenv("VMDRV_SIM_DIR");
    vmdrv_ctx_free(f->ctx);
    fh_rmdir(f->dir);
    free(f);
    return 0;
}

/* An executable script dir/name. */
static char *script(const char *dir, const char *name, const char *body)
{
    char *path = fh_write(dir, name, body);
    chmod(path, 0755);
    return path;
}

/* ---- names ----------------------------------------------------------- */

static void test_host__names(void **state)
{
    (void)state;
    assert_string_equal(vmdrv_os_name(VMDRV_OS_LINUX), "linux");
    assert_string_equal(vmdrv_os_name(VMDRV_OS_MACOS), "macos");
    assert_string_equal(vmdrv_os_name(VMDRV_OS_WINDOWS), "windows");
    assert_string_equal(vmdrv_os_name((vmdrv_os)42), "unknown");
    assert_string_equal(vmdrv_edition_name(VMDRV_EDITION_HOME), "home");
    assert_string_equal(vmdrv_edition_name(VMDRV_EDITION_PRO), "pro");
    assert_string_equal(vmdrv_edition_name(VMDRV_EDITION_NONE), "");
    assert_string_equal(vmdrv_arch_name(VMDRV_ARCH_ARM64), "arm64");
    assert_string_equal(vmdrv_arch_name(VMDRV_ARCH_X86_64), "x86_64");
    assert_string_equal(vmdrv_tool_program(VMDRV_TOOL_VBOXMANAGE),
                        "VBoxManage");
    assert_string_equal(vmdrv_tool_env(VMDRV_TOOL_VBOXMANAGE),
                        "VMDRV_TOOL_VBOXMANAGE");
    assert_string_equal(vmdrv_tool_env(VMDRV_TOOL_QEMU_X86_64),
                        "VMDRV_TOOL_QEMU_SYSTEM_X86_64");
    assert_string_equal(vmdrv_tool_program(VMDRV_TOOL_POWERSHELL),
                        "powershell.exe");
    assert_null(vmdrv_tool_program(VMDRV_TOOL__COUNT));
    assert_null(vmdrv_tool_env((vmdrv_tool)-1));
}

static void test_host__edition_from_id(void **state)
{
    (void)state;
    assert_int_equal(vmdrv__edition_from_id("Core"), VMDRV_EDITION_HOME);
    assert_int_equal(vmdrv__edition_from_id("CoreSingleLanguage"),
                     VMDRV_EDITION_HOME);
    assert_int_equal(vmdrv__edition_from_id("CoreN"), VMDRV_EDITION_HOME);
    assert_int_equal(vmdrv__edition_from_id("Professional"),
                     VMDRV_EDITION_PRO);
    assert_int_equal(vmdrv__edition_from_id("Enterprise"), VMDRV_EDITION_PRO);
    assert_int_equal(vmdrv__edition_from_id(""), VMDRV_EDITION_NONE);
    assert_int_equal(vmdrv__edition_from_id(NULL), VMDRV_EDITION_NONE);
}

/* ---- the real Linux probe ------------------------------------------- */

/* VALUE of KEY= in os-release, unquoted; "" when absent. */
static void os_release(const char *key, char *buf, size_t size)
{
    buf[0] = '\0';
    char *text;
    if (vu_read_file("/etc/os-release", &text, NULL) != 0 &&
        vu_read_file("/usr/lib/os-release", &text, NULL) != 0)
        return;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        size_t k = strlen(key);
        if (strncmp(line, key, k) == 0 && line[k] == '=') {
            char *v = line + k + 1;
            size_t len = strlen(v);
            if (len >= 2 && (v[0] == '"' || v[0] == '\'') &&
                v[len - 1] == v[0]) {
                v[len - 1] = '\0';
                v++;
            }
            vu_strlcpy(buf, v, size);
        }
    }
    free(text);
}

static void test_host__linux_probe(void **state)
{
    fixture *f = *state;
    vmdrv_host h;
    fh_assert_ok(f->ctx, vmdrv_host_probe(f->ctx, &h));
    assert_int_equal(h.os, VMDRV_OS_LINUX);
    assert_int_equal(h.simulated, 0);
    assert_int_equal(h.edition, VMDRV_EDITION_NONE);
    assert_string_equal(h.edition_id, "");
    assert_string_equal(h.profile_name, "");
    char want[256];
    os_release("PRETTY_NAME", want, sizeof want);
    assert_string_equal(h.os_name, want[0] ? want : "Linux");
    os_release("VERSION_ID", want, sizeof want);
    assert_string_equal(h.os_version, want);

    struct utsname u;
    assert_int_equal(uname(&u), 0);
    if (strcmp(u.machine, "x86_64") == 0)
        assert_int_equal(h.arch, VMDRV_ARCH_X86_64);
    else if (strcmp(u.machine, "aarch64") == 0)
        assert_int_equal(h.arch, VMDRV_ARCH_ARM64);

    /* KVM is claimed only when /dev/kvm opens read-write; otherwise the
     * descriptor says why not */
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        assert_false(h.accels & VMDRV_ACCEL_KVM);
    else
        close(fd);
    if (h.accels & VMDRV_ACCEL_KVM)
        assert_string_equal(h.accel_note, "");
    else
        assert_true(strlen(h.accel_note) > 0);
    assert_false(h.accels & (VMDRV_ACCEL_HVF | VMDRV_ACCEL_WHPX));

    /* each tool is found exactly when PATH has it */
    for (int t = 0; t < VMDRV_TOOL__COUNT; t++) {
        char path[1024];
        int on_path = vmdrv__find_program(vmdrv_tool_program((vmdrv_tool)t),
                                          path, sizeof path) == 0;
        assert_int_equal(h.tools[t].found, on_path);
        if (on_path) {
            assert_string_equal(h.tools[t].path, path);
            assert_int_equal(access(h.tools[t].path, X_OK), 0);
        } else {
            assert_string_equal(h.tools[t].path, "");
        }
        assert_int_equal(h.tools[t].simulated, 0);
    }
}

/* Answers each tool's version question as the real tool would. */
static int version_runner(void *userdata, const vmdrv_proc_spec *spec,
                          vmdrv_proc_result *r)
{
    int *calls = userdata;
    (*calls)++;
    const char *prog = strrchr(spec->argv[0], '/');
    prog = prog ? prog + 1 : spec->argv[0];
    const char *out = "";
    r->exited = 1;
    if (strcmp(prog, "fake-qemu-x86") == 0)
        out = "QEMU emulator version 8.2.1 (Debian 1:8.2.1+ds-1~bpo12+1)\n"
              "Copyright (c) 2003-2023 Fabrice Bellard and the QEMU Project "
              "developers\n";
    else if (strcmp(prog, "fake-qemu-img") == 0)
        out = "qemu-img version 7.2.9 (Debian 1:7.2+dfsg-7+deb12u6)\n";
    else if (strcmp(prog, "fake-vbox") == 0)
        out = "7.0.14r161095\n";
    else if (strcmp(prog, "fake-ps") == 0 && spec->argv[4] &&
             strstr(spec->argv[4], "PSVersion"))
        out = "5.1.22621.2506\r\n";
    else
        r->status = 1; /* a tool that cannot say: no version */
    r->out = vu_strdup(out);
    r->out_len = strlen(out);
    r->err = vu_strdup("");
    return 0;
}

static void test_host__tool_overrides_and_versions(void **state)
{
    fixture *f = *state;
    /* executables the fake runner recognises by name; it answers for
     * them, they never run */
    static const struct {
        const char *env, *name;
    } fakes[] = {{"VMDRV_TOOL_QEMU_SYSTEM_X86_64", "fake-qemu-x86"},
                 {"VMDRV_TOOL_QEMU_SYSTEM_AARCH64", "fake-qemu-arm"},
                 {"VMDRV_TOOL_QEMU_IMG", "fake-qemu-img"},
                 {"VMDRV_TOOL_VBOXMANAGE", "fake-vbox"},
                 {"VMDRV_TOOL_POWERSHELL", "fake-ps"}};
    char *x86 = NULL;
    for (size_t i = 0; i < sizeof fakes / sizeof fakes[0]; i++) {
        char *path = script(f->dir, fakes[i].name, "#!/bin/sh\nexit 99\n");
        setenv(fakes[i].env, path, 1);
        if (i == 0)
            x86 = path;
        else
            free(path);
    }
    int calls = 0;
    vmdrv_ctx_set_runner(f->ctx, version_runner, &calls);
    /* a failed version question is not the caller's failure: an earlier
     * error stays as it was */
    vmdrv_error_set(f->ctx, VMDRV_E_IO, "earlier", 3, "before the probe");
    vmdrv_host h;
    fh_assert_ok(f->ctx, vmdrv_host_probe(f->ctx, &h));
    assert_int_equal(calls, VMDRV_TOOL__COUNT);
    assert_string_equal(h.tools[VMDRV_TOOL_QEMU_X86_64].path, x86);
    assert_string_equal(h.tools[VMDRV_TOOL_QEMU_X86_64].version, "8.2.1");
    assert_string_equal(h.tools[VMDRV_TOOL_QEMU_IMG].version, "7.2.9");
    assert_string_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].version,
                        "7.0.14r161095");
    assert_string_equal(h.tools[VMDRV_TOOL_POWERSHELL].version,
                        "5.1.22621.2506");
    assert_int_equal(h.tools[VMDRV_TOOL_QEMU_AARCH64].found, 1);
    assert_string_equal(h.tools[VMDRV_TOOL_QEMU_AARCH64].version, "");
    const vmdrv_error *e = vmdrv_last_error(f->ctx);
    assert_int_equal(e->code, VMDRV_E_IO);
    assert_string_equal(e->origin, "earlier");
    assert_int_equal(e->native, 3);
    assert_string_equal(e->message, "before the probe");

    /* vmdrv_tool_path follows the variable too; its answer is borrowed,
     * and asking again does not take back the first answer */
    const char *first = vmdrv_tool_path(f->ctx, VMDRV_TOOL_QEMU_X86_64);
    assert_string_equal(first, x86);
    const char *again = vmdrv_tool_path(f->ctx, VMDRV_TOOL_QEMU_X86_64);
    assert_ptr_equal(first, again);
    assert_string_equal(first, x86);
    free(x86);
}

static void test_host__version_failure_sets_no_error(void **state)
{
    fixture *f = *state;
    /* the real runner on a tool that cannot say its version: found, no
     * version, and no error left behind */
    char *mute = script(f->dir, "mute-vbox", "#!/bin/sh\nexit 1\n");
    setenv("VMDRV_TOOL_VBOXMANAGE", mute, 1);
    vmdrv_host h;
    fh_assert_ok(f->ctx, vmdrv_host_probe(f->ctx, &h));
    assert_int_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].found, 1);
    assert_string_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].path, mute);
    assert_string_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].version, "");
    assert_int_equal(vmdrv_last_error(f->ctx)->code, VMDRV_OK);
    assert_string_equal(vmdrv_last_error(f->ctx)->message, "");
    free(mute);
}

static void test_host__override_must_be_executable(void **state)
{
    fixture *f = *state;
    /* a variable naming nothing runnable does not make the tool found */
    char *gone = vu_path_join(f->dir, "vanished-vbox");
    setenv("VMDRV_TOOL_VBOXMANAGE", gone, 1);
    char *plain = fh_write(f->dir, "plain-img", "not executable");
    setenv("VMDRV_TOOL_QEMU_IMG", plain, 1);
    /* a bare name is looked up on PATH */
    setenv("VMDRV_TOOL_POWERSHELL", "sh", 1);
    vmdrv_host h;
    fh_assert_ok(f->ctx, vmdrv_host_probe(f->ctx, &h));
    assert_int_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].found, 0);
    assert_string_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].path, "");
    assert_int_equal(h.tools[VMDRV_TOOL_QEMU_IMG].found, 0);
    assert_int_equal(h.tools[VMDRV_TOOL_POWERSHELL].found, 1);
    char sh[1024];
    assert_int_equal(vmdrv__find_program("sh", sh, sizeof sh), 0);
    assert_string_equal(h.tools[VMDRV_TOOL_POWERSHELL].path, sh);
    free(plain);
    free(gone);
}

/* ---- profiles -------------------------------------------------------- */

/* Fake simulators in a folder VMDRV_SIM_DIR points at. */
static char *fake_sims(fixture *f)
{
    char *sims = vu_path_join(f->dir, "sims");
    assert_int_equal(vu_mkdir_p(sims), 0);
    free(script(sims, "vboxmanage-sim", "#!/bin/sh\necho 1.0\n"));
    free(script(sims, "powershell-sim", "#!/bin/sh\necho 1.0\n"));
    setenv("VMDRV_SIM_DIR", sims, 1);
    return sims;
}

static vmdrv_host load_fixture(fixture *f, const char *name)
{
    char *path = vu_asprintf("%s/%s.yaml", VMDRV_TEST_HOSTS_DIR, name);
    vmdrv_host h;
    fh_assert_ok(f->ctx, vmdrv_host_load_profile(f->ctx, path, &h));
    assert_int_equal(h.simulated, 1);
    assert_string_equal(h.profile_name, name);
    assert_string_equal(h.profile_path, path);
    free(path);
    return h;
}

static void test_host__fixture_profiles_load(void **state)
{
    fixture *f = *state;
    char *sims = fake_sims(f);
    char *vbox = vu_path_join(sims, "vboxmanage-sim");
    char *ps = vu_path_join(sims, "powershell-sim");

    vmdrv_host h = load_fixture(f, "windows-home");
    assert_int_equal(h.os, VMDRV_OS_WINDOWS);
    assert_int_equal(h.edition, VMDRV_EDITION_HOME);
    assert_string_equal(h.edition_id, "Core");
    assert_int_equal(h.arch, VMDRV_ARCH_X86_64);
    assert_int_equal(h.accels, 0);
    assert_int_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].found, 1);
    assert_int_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].simulated, 1);
    assert_string_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].path, vbox);
    /* the profile's version wins: the simulator is not asked */
    assert_string_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].version,
                        "7.0.14r161095");
    assert_string_equal(h.tools[VMDRV_TOOL_POWERSHELL].path, ps);
    assert_int_equal(h.tools[VMDRV_TOOL_QEMU_IMG].found, 0);
    assert_int_equal(h.n_env, 3);
    assert_string_equal(h.env[0],
                        "VMDRV_SIM_STATE=${data_dir}/.sim/windows-home");

    h = load_fixture(f, "windows-pro");
    assert_int_equal(h.edition, VMDRV_EDITION_PRO);
    assert_string_equal(h.edition_id, "Professional");
    assert_int_equal(h.accels, VMDRV_ACCEL_WHPX);

    h = load_fixture(f, "macos-arm64");
    assert_int_equal(h.os, VMDRV_OS_MACOS);
    assert_int_equal(h.arch, VMDRV_ARCH_ARM64);
    assert_int_equal(h.accels, VMDRV_ACCEL_HVF);
    assert_int_equal(h.edition, VMDRV_EDITION_NONE);

    h = load_fixture(f, "macos-x86_64");
    assert_int_equal(h.arch, VMDRV_ARCH_X86_64);
    assert_int_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].simulated, 1);

    h = load_fixture(f, "linux-arm64");
    assert_int_equal(h.os, VMDRV_OS_LINUX);
    assert_int_equal(h.arch, VMDRV_ARCH_ARM64);
    assert_int_equal(h.accels, VMDRV_ACCEL_KVM);

    h = load_fixture(f, "linux-x86_64");
    assert_string_equal(h.os_name, "Debian GNU/Linux 12 (bookworm)");
    assert_string_equal(h.os_version, "12");
    /* {path: host} means the real tool, found on PATH or not at all */
    char path[1024];
    int on_path = vmdrv__find_program("qemu-img", path, sizeof path) == 0;
    assert_int_equal(h.tools[VMDRV_TOOL_QEMU_IMG].found, on_path);
    assert_int_equal(h.tools[VMDRV_TOOL_QEMU_IMG].simulated, 0);
    free(ps);
    free(vbox);
    free(sims);
}

static void test_host__profile_without_simulators_still_loads(void **state)
{
    fixture *f = *state;
    char *empty = vu_path_join(f->dir, "nosims");
    assert_int_equal(vu_mkdir_p(empty), 0);
    setenv("VMDRV_SIM_DIR", empty, 1);
    char *p = fh_write(f->dir, "p.yaml",
                       "name: p\nos: macos\narch: x86_64\n"
                       "tools:\n  VBoxManage: {simulator: vmdrv-no-sim}\n");
    vmdrv_host h;
    fh_assert_ok(f->ctx, vmdrv_host_load_profile(f->ctx, p, &h));
    assert_int_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].found, 0);
    /* and the tool is then "not found", not the real VBoxManage */
    fh_assert_ok(f->ctx, vmdrv_ctx_use_profile(f->ctx, p));
    assert_null(vmdrv_tool_path(f->ctx, VMDRV_TOOL_VBOXMANAGE));
    assert_int_equal(vmdrv_last_error(f->ctx)->code, VMDRV_E_NOTFOUND);
    assert_string_equal(vmdrv_last_error(f->ctx)->message,
                        "'VBoxManage' not found (set VMDRV_TOOL_VBOXMANAGE "
                        "to its path)");
    assert_null(vmdrv_tool_path(f->ctx, (vmdrv_tool)99));
    assert_string_equal(vmdrv_last_error(f->ctx)->message, "unknown tool 99");
    free(p);
    free(empty);
}

static void test_host__profile_tool_paths(void **state)
{
    fixture *f = *state;
    char *img = script(f->dir, "my-qemu-img", "#!/bin/sh\nexit 1\n");
    char *body = vu_asprintf("name: p\nos: linux\narch: x86_64\n"
                             "tools:\n"
                             "  qemu-img: {path: %s, version: \"9.0\"}\n"
                             "  VBoxManage: {path: /nonexistent/VBoxManage}\n"
                             "  powershell.exe: {path: host}\n",
                             img);
    char *p = fh_write(f->dir, "p.yaml", body);
    vmdrv_host h;
    fh_assert_ok(f->ctx, vmdrv_host_load_profile(f->ctx, p, &h));
    assert_int_equal(h.tools[VMDRV_TOOL_QEMU_IMG].found, 1);
    assert_string_equal(h.tools[VMDRV_TOOL_QEMU_IMG].path, img);
    assert_string_equal(h.tools[VMDRV_TOOL_QEMU_IMG].version, "9.0");
    assert_int_equal(h.tools[VMDRV_TOOL_QEMU_IMG].simulated, 0);
    /* a configured path that is not there: shown, not found */
    assert_int_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].found, 0);
    assert_string_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].path,
                        "/nonexistent/VBoxManage");
    /* "host" and not on PATH: no path at all */
    char where[1024];
    if (vmdrv__find_program("powershell.exe", where, sizeof where) != 0) {
        assert_int_equal(h.tools[VMDRV_TOOL_POWERSHELL].found, 0);
        assert_string_equal(h.tools[VMDRV_TOOL_POWERSHELL].path, "");
    }
    free(p);
    free(body);
    free(img);
}

static void test_host__simulator_version_probe_gets_profile_env(void **state)
{
    fixture *f = *state;
    char *sims = vu_path_join(f->dir, "sims");
    assert_int_equal(vu_mkdir_p(sims), 0);
    /* answers only when the profile's env reached it, with ${data_dir}
     * expanded to this context's data folder */
    char *body = vu_asprintf("#!/bin/sh\n"
                             "[ \"$VMDRV_SIM_STATE\" = '%s/.sim/x' ] || "
                             "exit 1\n"
                             "echo 6.1.50r161033\n",
                             vmdrv_ctx_data_dir(f->ctx));
    free(script(sims, "vbox-sim", body));
    free(body);
    setenv("VMDRV_SIM_DIR", sims, 1);
    char *p = fh_write(f->dir, "p.yaml",
                       "name: p\nos: macos\narch: x86_64\n"
                       "tools:\n  VBoxManage: {simulator: vbox-sim}\n"
                       "env:\n  VMDRV_SIM_STATE: \"${data_dir}/.sim/x\"\n");
    vmdrv_host h;
    fh_assert_ok(f->ctx, vmdrv_host_load_profile(f->ctx, p, &h));
    assert_string_equal(h.tools[VMDRV_TOOL_VBOXMANAGE].version,
                        "6.1.50r161033");
    /* nothing was created under a literal "${data_dir}" folder */
    assert_false(vu_path_exists("${data_dir}"));
    free(p);
    free(sims);
}

static void test_host__use_profile_failure_keeps_host(void **state)
{
    fixture *f = *state;
    char *good = fh_write(f->dir, "good.yaml",
                          "name: good\nos: linux\narch: arm64\n");
    char *bad = fh_write(f->dir, "bad.yaml", "name: bad\nos: beos\narch: arm64\n");
    fh_assert_ok(f->ctx, vmdrv_ctx_use_profile(f->ctx, good));
    assert_int_equal(vmdrv_ctx_use_profile(f->ctx, bad), VMDRV_E_PARSE);
    assert_string_equal(vmdrv_ctx_host(f->ctx)->profile_name, "good");
    free(bad);
    free(good);
}

static void test_host__missing_profile(void **state)
{
    fixture *f = *state;
    char *missing = vu_path_join(f->dir, "missing.yaml");
    char *want = vu_asprintf("%s: cannot read: No such file or directory",
                             missing);
    vmdrv_host h;
    fh_assert_error(f->ctx, vmdrv_host_load_profile(f->ctx, missing, &h),
                    VMDRV_E_NOTFOUND, want);
    free(want);
    free(missing);
}

/* The "# expect: " lines of a bad profile, {file} replaced, joined. */
static char *expected_errors(const char *path, size_t *n)
{
    char *text;
    assert_int_equal(vu_read_file(path, &text, NULL), 0);
    vu_buf want = VU_BUF_INIT;
    *n = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (vu_starts_with(line, "# expect: ")) {
            if ((*n)++)
                vu_buf_putc(&want, '\n');
            for (const char *p = line + 10; *p;) {
                if (vu_starts_with(p, "{file}")) {
                    vu_buf_puts(&want, path);
                    p += 6;
                } else {
                    vu_buf_putc(&want, *p++);
                }
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    return vu_buf_detach(&want);
}

static void test_host__bad_profiles(void **state)
{
    fixture *f = *state;
    DIR *d = opendir(VMDRV_TEST_HOSTS_BAD_DIR);
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL) {
        if (!vu_ends_with(e->d_name, ".yaml"))
            continue;
        char *path = vu_path_join(VMDRV_TEST_HOSTS_BAD_DIR, e->d_name);
        size_t n;
        char *want = expected_errors(path, &n);
        if (n == 0)
            print_error("%s has no '# expect:' line\n", path);
        assert_true(n > 0);
        vmdrv_host h, before;
        memset(&h, 0xab, sizeof h);
        before = h;
        int rc = vmdrv_host_load_profile(f->ctx, path, &h);
        const vmdrv_error *err = vmdrv_last_error(f->ctx);
        if (rc != VMDRV_E_PARSE || strcmp(err->message, want) != 0)
            print_error("%s:\n got: %s\nwant: %s\n", e->d_name, err->message,
                        want);
        assert_int_equal(rc, VMDRV_E_PARSE);
        assert_string_equal(err->message, want);
        assert_int_equal(err->native, (long)n); /* one per problem */
        /* a failed load leaves the output alone */
        assert_memory_equal(&h, &before, sizeof h);
        files++;
        free(want);
        free(path);
    }
    closedir(d);
    assert_true(files >= 12);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_host__names),
        T(test_host__edition_from_id),
        T(test_host__linux_probe),
        T(test_host__tool_overrides_and_versions),
        T(test_host__version_failure_sets_no_error),
        T(test_host__override_must_be_executable),
        T(test_host__profile_tool_paths),
        T(test_host__fixture_profiles_load),
        T(test_host__profile_without_simulators_still_loads),
        T(test_host__simulator_version_probe_gets_profile_env),
        T(test_host__use_profile_failure_keeps_host),
        T(test_host__missing_profile),
        T(test_host__bad_profiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
