/*
 * platform_check.c: the Windows platform layer, checked on Windows (or
 * under wine) by ci/cross-windows.sh --full, against the real libvmdrv
 * DLL: the process runner (argument quoting as the C runtime and
 * CommandLineToArgvW read it, stdin, stdout/stderr, exit status,
 * environment merging, working folder, PATH + PATHEXT search, batch-file
 * refusal, a timeout that kills a process tree), the file layer (atomic
 * replace over an existing file, locks, mkdir -p and rm -rf on drive
 * paths), the host probe, plugin DLLs, and a host profile through the
 * library (argv[1]: the source tree). Prints one line per check and
 * "N passed, N failed"; exits 1 on any failure.
 *
 * Run it from the folder holding argv_echo.exe and sleeper.exe.
 */
#include <windows.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmdrv/proc.h"
#include "vmdrv/vmdrv.h"
#include "vu_fs.h"

static int passed, failed;

static void check(int ok, const char *what, const char *detail)
{
    if (ok)
        passed++;
    else
        failed++;
    printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what, detail ? ": " : "",
           detail ? detail : "");
}

static char here[MAX_PATH];

static char *in_here(const char *name)
{
    size_t n = strlen(here) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s\\%s", here, name);
    return p;
}

static void hex_of(const char *s, char *out, size_t size)
{
    size_t o = 0;
    if (!*s)
        snprintf(out, size, "-");
    for (; *s && o + 3 < size; s++, o += 2)
        snprintf(out + o, size - o, "%02x", (unsigned char)*s);
}

static void check_quoting(vmdrv_ctx *ctx, const char *echo)
{
    static const char *const args[] = {
        "plain", "with space", "", "quote\"inside", "\"quoted\"",
        "back\\slash", "trailing\\", "trailing space\\", "\\\\server\\share",
        "\\\"", "a\\\\\"b", "tab\there", "$(calc); `x` 'y' & | < > ^ %PATH%",
        "C:\\Program Files\\Oracle\\VirtualBox\\", "caf\xc3\xa9",
    };
    const size_t n = sizeof args / sizeof args[0];
    const char *argv[32] = {echo};
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = args[i];
    vmdrv_proc_spec spec = {.argv = argv, .timeout_ms = 30000};
    vmdrv_proc_result r;
    int rc = vmdrv_proc_run(ctx, &spec, &r);
    check(rc == 0 && r.exited && r.status == 0, "argv_echo runs",
          rc ? vmdrv_last_error(ctx)->message : NULL);
    char want_n[16];
    snprintf(want_n, sizeof want_n, "n=%zu\n", n);
    int count_ok = rc == 0 && strncmp(r.out, want_n, strlen(want_n)) == 0;
    check(count_ok, "argument count survives quoting",
          count_ok || rc != 0 ? NULL : r.out);
    const char *line = rc == 0 ? strchr(r.out, '\n') : NULL;
    for (size_t i = 0; i < n; i++) {
        char want[256], crt[256] = "", shell[256] = "", what[160];
        hex_of(args[i], want, sizeof want);
        if (line && sscanf(line + 1, "%255s %255s", crt, shell) == 2)
            line = strchr(line + 1, '\n');
        snprintf(what, sizeof what, "argument %zu reaches the C runtime intact", i);
        /* the C runtime reads the command line in the ANSI code page,
         * so a non-ASCII argument is checked through the shell's UTF-16
         * split only */
        if (strcmp(args[i], "caf\xc3\xa9") != 0)
            check(strcmp(crt, want) == 0, what, crt);
        snprintf(what, sizeof what,
                 "argument %zu reaches CommandLineToArgvW intact", i);
        check(strcmp(shell, want) == 0, what, shell);
    }
    vmdrv_proc_result_clear(&r);
}

static void check_io(vmdrv_ctx *ctx, const char *echo)
{
    /* more than a pipe buffer each way: the pumps must not deadlock */
    size_t len = 300 * 1024;
    char *data = malloc(len);
    for (size_t i = 0; i < len; i++)
        data[i] = (char)('a' + i % 26);
    const char *cat[] = {echo, "--cat", NULL};
    vmdrv_proc_spec spec = {.argv = cat, .stdin_data = data, .stdin_len = len,
                            .timeout_ms = 30000};
    vmdrv_proc_result r;
    int rc = vmdrv_proc_run(ctx, &spec, &r);
    check(rc == 0 && r.out_len == len && memcmp(r.out, data, len) == 0,
          "300 KiB through stdin come back on stdout", NULL);
    vmdrv_proc_result_clear(&r);
    free(data);

    const char *ex[] = {echo, "--exit", "3", NULL};
    vmdrv_proc_spec spec2 = {.argv = ex, .timeout_ms = 30000};
    rc = vmdrv_proc_run(ctx, &spec2, &r);
    check(rc == 0 && r.exited && r.status == 3 && !r.timed_out,
          "exit status 3 is reported", NULL);
    check(rc == 0 && strcmp(r.err, "bye") == 0, "stderr is captured", r.err);
    vmdrv_proc_result_clear(&r);
}

static void check_env_cwd(vmdrv_ctx *ctx, const char *echo)
{
    SetEnvironmentVariableW(L"VMDRV_CROSS_VAR", L"old");
    /* Windows names are case-insensitive: this must replace, not add */
    const char *env[] = {"vmdrv_cross_var=new value", "VMDRV_CROSS_ADDED=x=y",
                         NULL};
    const char *get[] = {echo, "--env", "VMDRV_CROSS_VAR", NULL};
    vmdrv_proc_spec spec = {.argv = get, .env = env, .timeout_ms = 30000};
    vmdrv_proc_result r;
    int rc = vmdrv_proc_run(ctx, &spec, &r);
    check(rc == 0 && strcmp(r.out, "new value") == 0,
          "spec->env overrides a variable case-insensitively", r.out);
    vmdrv_proc_result_clear(&r);
    const char *get2[] = {echo, "--env", "VMDRV_CROSS_ADDED", NULL};
    spec.argv = get2;
    rc = vmdrv_proc_run(ctx, &spec, &r);
    check(rc == 0 && strcmp(r.out, "x=y") == 0, "spec->env adds a variable",
          r.out);
    vmdrv_proc_result_clear(&r);
    const char *get3[] = {echo, "--env", "SystemRoot", NULL};
    spec.argv = get3;
    rc = vmdrv_proc_run(ctx, &spec, &r);
    check(rc == 0 && strcmp(r.out, "<unset>") != 0,
          "the rest of the environment is inherited", r.out);
    vmdrv_proc_result_clear(&r);

    char tmp[MAX_PATH];
    GetTempPathA(MAX_PATH, tmp);
    size_t tl = strlen(tmp);
    if (tl > 3 && tmp[tl - 1] == '\\')
        tmp[tl - 1] = '\0';
    const char *cwd[] = {echo, "--cwd", NULL};
    vmdrv_proc_spec spec2 = {.argv = cwd, .cwd = tmp, .timeout_ms = 30000};
    rc = vmdrv_proc_run(ctx, &spec2, &r);
    check(rc == 0 && _stricmp(r.out, tmp) == 0, "spec->cwd is the child's folder",
          r.out);
    vmdrv_proc_result_clear(&r);
}

static void check_search(vmdrv_ctx *ctx)
{
    /* a bare name, found through PATH with the .EXE of PATHEXT */
    char path[8192];
    GetEnvironmentVariableA("PATH", path, sizeof path);
    char *newpath = malloc(strlen(path) + strlen(here) + 2);
    sprintf(newpath, "%s;%s", here, path);
    SetEnvironmentVariableA("PATH", newpath);
    const char *argv[] = {"argv_echo", "--exit", "0", NULL};
    vmdrv_proc_spec spec = {.argv = argv, .timeout_ms = 30000};
    vmdrv_proc_result r;
    int rc = vmdrv_proc_run(ctx, &spec, &r);
    check(rc == 0 && r.exited && r.status == 0,
          "'argv_echo' is found on PATH through PATHEXT",
          rc ? vmdrv_last_error(ctx)->message : NULL);
    vmdrv_proc_result_clear(&r);
    SetEnvironmentVariableA("PATH", path);
    free(newpath);

    const char *none[] = {"vmdrv-no-such-program", NULL};
    spec.argv = none;
    rc = vmdrv_proc_run(ctx, &spec, &r);
    check(rc == VMDRV_E_NOTFOUND, "a missing program is VMDRV_E_NOTFOUND",
          vmdrv_last_error(ctx)->message);
    vmdrv_proc_result_clear(&r);

    /* cmd.exe would expand or split these: refused, never run */
    char *bat = in_here("vmdrv_check.cmd");
    FILE *f = fopen(bat, "w");
    if (f) {
        fputs("@echo ran %*\r\n", f);
        fclose(f);
    }
    const char *b[] = {bat, "a&calc", NULL};
    spec.argv = b;
    rc = vmdrv_proc_run(ctx, &spec, &r);
    check(rc == VMDRV_E_INVAL, "a batch file with '&' in an argument is refused",
          vmdrv_last_error(ctx)->message);
    vmdrv_proc_result_clear(&r);
    DeleteFileA(bat);
    free(bat);
}

static void check_timeout(vmdrv_ctx *ctx, const char *sleeper)
{
    char *marker = in_here("vmdrv_check_marker");
    DeleteFileA(marker);
    const char *argv[] = {sleeper, "--spawn", marker, NULL};
    vmdrv_proc_spec spec = {.argv = argv, .timeout_ms = 1000};
    vmdrv_proc_result r;
    ULONGLONG t0 = GetTickCount64();
    int rc = vmdrv_proc_run(ctx, &spec, &r);
    ULONGLONG took = GetTickCount64() - t0;
    char detail[96];
    snprintf(detail, sizeof detail, "returned after %llu ms", took);
    check(rc == 0 && r.timed_out && !r.exited && took < 15000,
          "a 1 s timeout kills a program that sleeps 60 s", detail);
    check(rc == 0 && strncmp(r.out, "spawned ", 8) == 0,
          "output written before the timeout is kept", r.out);
    vmdrv_proc_result_clear(&r);
    /* the grandchild would create the marker 3 s after it started */
    Sleep(4500);
    check(GetFileAttributesA(marker) == INVALID_FILE_ATTRIBUTES,
          "the timeout killed the grandchild too (Job object)", NULL);
    DeleteFileA(marker);
    free(marker);
}

static void check_fs(void)
{
    char tmp[MAX_PATH], dir[MAX_PATH + 64];
    GetTempPathA(MAX_PATH, tmp); /* "C:\...\Temp\" : a drive path */
    snprintf(dir, sizeof dir, "%svmdrv-check-%lu\\a\\b", tmp,
             (unsigned long)GetCurrentProcessId());
    check(vu_mkdir_p(dir) == 0 && vu_is_dir(dir), "mkdir -p of a drive path",
          dir);
    char *file = vu_path_join(dir, "record.json");
    check(vu_write_atomic(file, "one", 3) == 0, "atomic write creates", file);
    /* rename() refuses an existing target on Windows; the platform's
     * MoveFileExW(MOVEFILE_REPLACE_EXISTING) must not */
    check(vu_write_atomic(file, "second", 6) == 0, "atomic write replaces",
          NULL);
    char *got = NULL;
    size_t len = 0;
    check(vu_read_file(file, &got, &len) == 0 && len == 6 &&
              memcmp(got, "second", 6) == 0,
          "the replaced file holds the new data (binary mode, no CRLF)", NULL);
    free(got);
    char *lockp = vu_path_join(dir, "x.lock");
    vu_lock a, b;
    check(vu_lock_acquire(&a, lockp, 1000) == 0, "a lock is taken", NULL);
    int rc = vu_lock_acquire(&b, lockp, 100);
    check(rc == -EWOULDBLOCK, "a second holder waits, then gives up", NULL);
    if (rc == 0)
        vu_lock_release(&b);
    vu_lock_release(&a);
    check(vu_lock_acquire(&b, lockp, 100) == 0, "released, it can be taken",
          NULL);
    vu_lock_release(&b);
    char top[MAX_PATH + 64];
    snprintf(top, sizeof top, "%svmdrv-check-%lu", tmp,
             (unsigned long)GetCurrentProcessId());
    check(vu_rm_rf(top) == 0 && !vu_path_exists(top), "rm -rf of the tree",
          top);
    char *abs = vu_path_abs("C:\\x\\y");
    check(strcmp(abs, "C:\\x\\y") == 0, "a drive path is already absolute",
          abs);
    free(abs);
    free(lockp);
    free(file);
}

static void check_host(vmdrv_ctx *ctx)
{
    vmdrv_host h;
    vmdrv_host_probe(ctx, &h);
    char detail[512];
    snprintf(detail, sizeof detail,
             "os=%s name='%s' version='%s' edition_id='%s' edition='%s' "
             "arch=%s whpx=%d note='%s'",
             vmdrv_os_name(h.os), h.os_name, h.os_version, h.edition_id,
             vmdrv_edition_name(h.edition), vmdrv_arch_name(h.arch),
             !!(h.accels & VMDRV_ACCEL_WHPX), h.accel_note);
    check(h.os == VMDRV_OS_WINDOWS && h.arch == VMDRV_ARCH_X86_64 &&
              h.os_version[0] != '\0',
          "the host probe reads the registry", detail);
    char dd[1024], lad[MAX_PATH];
    SetEnvironmentVariableA("VMDRV_DATA_DIR", NULL);
    GetEnvironmentVariableA("LOCALAPPDATA", lad, sizeof lad);
    int rc = vmdrv_default_data_dir(dd, sizeof dd);
    check(rc == 0 && strncmp(dd, lad, strlen(lad)) == 0 &&
              strcmp(dd + strlen(lad), "\\vmdrv") == 0,
          "the default data dir is %LOCALAPPDATA%\\vmdrv", dd);
}

static void check_plugins(vmdrv_ctx *ctx)
{
    char *dll = in_here("crossplug.dll");
    int rc = vmdrv_driver_load(ctx, dll);
    check(rc == 0 && vmdrv_driver_find(ctx, "crossplug") >= 0,
          "a plugin DLL loads (LoadLibraryW, GetProcAddress)",
          rc ? vmdrv_last_error(ctx)->message : NULL);
    check(rc == 0 && vmdrv_driver_probe(ctx, "crossplug") == 0,
          "the plugin's probe is called", NULL);
    free(dll);
    char *missing = in_here("no-such-plugin.dll");
    rc = vmdrv_driver_load(ctx, missing);
    check(rc == VMDRV_E_NOTFOUND, "a missing plugin names the Windows error",
          vmdrv_last_error(ctx)->message);
    free(missing);
    rc = vmdrv_driver_load(ctx, "kernel32.dll");
    check(rc == VMDRV_E_NOTFOUND &&
              strstr(vmdrv_last_error(ctx)->message, "entry point"),
          "a DLL without the entry point is refused",
          vmdrv_last_error(ctx)->message);
}

/* What 'vmdrv --host windows-home drivers' does, through the library. */
static void check_profile(const char *src)
{
    char data[MAX_PATH + 32], err[512], path[1024];
    snprintf(data, sizeof data, "%s\\profile-data", here);
    snprintf(path, sizeof path, "%s/fixtures/hosts/windows-home.yaml", src);
    vmdrv_ctx *ctx;
    if (vmdrv_ctx_open(&ctx, data, err, sizeof err) != 0) {
        check(0, "a context for the profile", err);
        return;
    }
    int rc = vmdrv_ctx_use_profile(ctx, path);
    check(rc == 0, "the windows-home profile loads (libyaml on Windows)",
          rc ? vmdrv_last_error(ctx)->message : path);
    const vmdrv_host *h = vmdrv_ctx_host(ctx);
    check(rc == 0 && h->os == VMDRV_OS_WINDOWS &&
              h->edition == VMDRV_EDITION_HOME,
          "the profile describes Windows Home", h->edition_id);
    rc = vmdrv_driver_probe(ctx, "hyperv");
    check(rc == VMDRV_E_DECLINED || rc == VMDRV_E_NOT_BUILT,
          "hyperv is refused on Home", vmdrv_last_error(ctx)->message);
    check(vmdrv_driver_probe(ctx, "test") == 0, "the test driver is available",
          NULL);
    for (size_t i = 0; i < vmdrv_driver_count(ctx); i++) {
        vmdrv_driver_desc d;
        if (vmdrv_driver_get(ctx, i, &d) == 0)
            printf("     driver %-10s built=%d\n", d.name, d.built);
    }
    vmdrv_ctx_free(ctx);
    vu_rm_rf(data);
}

int main(int argc, char **argv)
{
    GetCurrentDirectoryA(MAX_PATH, here);
    char *echo = in_here("argv_echo.exe");
    char *sleeper = in_here("sleeper.exe");
    char data[MAX_PATH + 32], err[512];
    snprintf(data, sizeof data, "%s\\check-data", here);
    vmdrv_ctx *ctx;
    if (vmdrv_ctx_open(&ctx, data, err, sizeof err) != 0) {
        printf("FAIL cannot open a context: %s\n", err);
        return 1;
    }
    check_quoting(ctx, echo);
    check_io(ctx, echo);
    check_env_cwd(ctx, echo);
    check_search(ctx);
    check_timeout(ctx, sleeper);
    check_fs();
    check_host(ctx);
    check_plugins(ctx);
    vmdrv_ctx_free(ctx);
    /* argv[1]: the source tree, for its host profiles */
    if (argc > 1)
        check_profile(argv[1]);
    vu_rm_rf(data);
    free(echo);
    free(sleeper);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
