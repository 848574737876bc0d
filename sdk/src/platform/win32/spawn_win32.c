/*
 * spawn_win32.c: the asynchronous process API of vmdrv/proc.h on Windows.
 *
 * The program starts suspended, joins a Job object of its own, then runs:
 * vmdrv_proc_kill() ends the job, which reaches every process the program
 * started (as the POSIX side kills the process group). The command line
 * is quoted by argv_win32.c as for vmdrv_proc_run(); stdin is NUL and
 * stdout/stderr are files, passed as the only inherited handles. Waiting
 * is WaitForSingleObject / WaitForMultipleObjects on the process handles,
 * so the scheduler sleeps until a case ends. Windows has no signals: a
 * crash is an exit code (vmdrv_proc_crashed() tells which).
 */
#include "win32.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argv_win32.h"
#include "internal.h"
#include "platform/spawn.h"
#include "proc_win32.h"

struct vmdrv_proc {
    vmdrv_ctx *ctx;
    HANDLE process;
    HANDLE job; /* NULL when the process could not join one */
    DWORD pid;
    int ended;
    DWORD code; /* exit code once ended */
    char *prog; /* argv[0], for messages */
};

/* The exit code vmdrv_proc_kill() gives (documented in vmdrv/proc.h). */
enum { KILLED_EXIT_CODE = 1 };

static void close_h(HANDLE *h)
{
    if (*h && *h != INVALID_HANDLE_VALUE)
        CloseHandle(*h);
    *h = NULL;
}

/* An inheritable handle for the child: the file (created or truncated),
 * or NUL. INVALID_HANDLE_VALUE on failure (GetLastError). */
static HANDLE open_for_child(const char *path, int write)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    if (!path)
        return CreateFileW(L"NUL", write ? GENERIC_WRITE : GENERIC_READ,
                           FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
                           OPEN_EXISTING, 0, NULL);
    wchar_t *w = vmdrv__wide(path);
    if (!w) {
        SetLastError(ERROR_INVALID_NAME);
        return INVALID_HANDLE_VALUE;
    }
    /* shared for delete too: the caller may remove the folder while a
     * stray grandchild still holds the file */
    HANDLE h =
        CreateFileW(w, GENERIC_WRITE,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &sa,
                    CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    free(w);
    return h;
}

static int win_error(vmdrv_ctx *ctx, int code, const char *name,
                     const char *what)
{
    DWORD e = GetLastError();
    char msg[256];
    vmdrv__win_strerror(e, msg, sizeof msg);
    return vmdrv_error_set(ctx, code, name, (long)e, "cannot start '%s': %s%s",
                           name, what, msg);
}

int vmdrv__proc_spawn(vmdrv_ctx *ctx, const vmdrv_proc_spec *spec,
                      vmdrv_proc **out)
{
    const char *name = spec->argv[0];
    char prog[1024];
    const char *why = NULL;
    char *cmd = NULL;
    wchar_t *wprog = NULL, *wcmd = NULL, *wcwd = NULL, *wenv = NULL;
    HANDLE in = NULL, outh = NULL, errh = NULL, job = NULL;
    LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
    PROCESS_INFORMATION pi = {0};
    int rc = 0;

    if (vmdrv__find_program(name, prog, sizeof prog) != 0)
        return vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, name, ENOENT,
                               "cannot run '%s': not found", name);
    cmd = vmdrv__win_command_line(prog, spec->argv, &why);
    if (!cmd) {
        rc = vmdrv_error_set(ctx, VMDRV_E_INVAL, name, 0, "cannot run '%s': %s",
                             name, why);
        goto cleanup;
    }
    wprog = vmdrv__wide(prog);
    wcmd = vmdrv__wide(cmd);
    wcwd = spec->cwd ? vmdrv__wide(spec->cwd) : NULL;
    wenv = spec->env ? vmdrv__win_env_block(spec->env) : NULL;
    if (!wprog || !wcmd || (spec->cwd && !wcwd) || (spec->env && !wenv)) {
        rc = vmdrv_error_set(ctx, VMDRV_E_INVAL, name, 0,
                             "cannot run '%s': its arguments, folder or "
                             "environment are not valid UTF-8 (or an "
                             "environment entry has no '=')",
                             name);
        goto cleanup;
    }

    in = open_for_child(NULL, 0);
    if (in == INVALID_HANDLE_VALUE) {
        rc = win_error(ctx, VMDRV_E_IO, name, "cannot open NUL: ");
        goto cleanup;
    }
    outh = open_for_child(spec->stdout_path, 1);
    if (outh == INVALID_HANDLE_VALUE) {
        rc = win_error(ctx, VMDRV_E_IO, name, "cannot open its stdout file: ");
        goto cleanup;
    }
    if (spec->stderr_path && spec->stdout_path &&
        strcmp(spec->stderr_path, spec->stdout_path) == 0) {
        /* one handle, one file position: the streams interleave */
        errh = outh;
    } else {
        errh = open_for_child(spec->stderr_path, 1);
        if (errh == INVALID_HANDLE_VALUE) {
            rc = win_error(ctx, VMDRV_E_IO, name,
                           "cannot open its stderr file: ");
            goto cleanup;
        }
    }

    /* Only these handles are inherited, not every inheritable handle the
     * process has open (another thread may be starting a program too);
     * the list must not name one handle twice. */
    HANDLE inherit[3] = {in, outh, errh};
    DWORD n_inherit = errh == outh ? 2 : 3;
    SIZE_T attr_size = 0;
    InitializeProcThreadAttributeList(NULL, 1, 0, &attr_size);
    attrs = vu_malloc(attr_size);
    if (!InitializeProcThreadAttributeList(attrs, 1, 0, &attr_size)) {
        free(attrs);
        attrs = NULL;
    } else if (!UpdateProcThreadAttribute(
                   attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherit,
                   n_inherit * sizeof(HANDLE), NULL, NULL)) {
        DeleteProcThreadAttributeList(attrs);
        free(attrs);
        attrs = NULL;
    }
    STARTUPINFOEXW si;
    memset(&si, 0, sizeof si);
    si.StartupInfo.cb = attrs ? sizeof si : sizeof si.StartupInfo;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = in;
    si.StartupInfo.hStdOutput = outh;
    si.StartupInfo.hStdError = errh;
    si.lpAttributeList = attrs;

    /* suspended: it joins the job before it can start anything; a new
     * console process group: a Ctrl-C in our console stays ours */
    DWORD flags = CREATE_UNICODE_ENVIRONMENT | CREATE_NO_WINDOW |
                  CREATE_NEW_PROCESS_GROUP | CREATE_SUSPENDED;
    if (attrs)
        flags |= EXTENDED_STARTUPINFO_PRESENT;
    if (!CreateProcessW(wprog, wcmd, NULL, NULL, TRUE, flags, wenv, wcwd,
                        &si.StartupInfo, &pi)) {
        rc = win_error(ctx, VMDRV_E_NOTFOUND, name, "");
        goto cleanup;
    }
    job = CreateJobObjectW(NULL, NULL);
    if (job) {
        /* a program that detaches a daemon (vmdrv_proc_run's detach) may
         * take it out of the job, as setsid() leaves the process group */
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
        memset(&li, 0, sizeof li);
        li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_BREAKAWAY_OK;
        SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li,
                                sizeof li);
        /* Without a job (an old Windows that forbids nesting in the job
         * we run in) a kill still ends the process, not its descendants. */
        if (!AssignProcessToJobObject(job, pi.hProcess))
            close_h(&job);
    }
    ResumeThread(pi.hThread);
    close_h(&pi.hThread);

    vmdrv_proc *p = vu_calloc(1, sizeof *p);
    p->ctx = ctx;
    p->process = pi.hProcess;
    p->job = job;
    p->pid = pi.dwProcessId;
    p->prog = vu_strdup(name);
    *out = p;
    job = NULL;

cleanup:
    close_h(&job);
    if (errh == outh)
        errh = NULL;
    close_h(&in);
    close_h(&outh);
    close_h(&errh);
    if (attrs) {
        DeleteProcThreadAttributeList(attrs);
        free(attrs);
    }
    free(cmd);
    free(wprog);
    free(wcmd);
    free(wcwd);
    free(wenv);
    return rc;
}

long vmdrv_proc_pid(const vmdrv_proc *p)
{
    return (long)p->pid;
}

/* Record p's end if it has ended; 1 when it has. */
static int check_ended(vmdrv_proc *p)
{
    if (!p->ended && WaitForSingleObject(p->process, 0) == WAIT_OBJECT_0) {
        p->ended = 1;
        if (!GetExitCodeProcess(p->process, &p->code))
            p->code = KILLED_EXIT_CODE;
    }
    return p->ended;
}

static DWORD wait_ms(int timeout_ms)
{
    return timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms;
}

int vmdrv_proc_wait(vmdrv_proc *p, int timeout_ms, vmdrv_proc_result *r)
{
    memset(r, 0, sizeof *r);
    if (!p->ended &&
        WaitForSingleObject(p->process, wait_ms(timeout_ms)) != WAIT_OBJECT_0)
        return vmdrv_error_set(p->ctx, VMDRV_E_TIMEOUT, p->prog, 0,
                               "'%s' (pid %lu) is still running after %d ms",
                               p->prog, (unsigned long)p->pid, timeout_ms);
    check_ended(p);
    r->pid = (long)p->pid;
    r->exited = 1;
    r->status = (int)p->code;
    r->out = vu_strdup("");
    r->err = vu_strdup("");
    return 0;
}

int vmdrv_proc_wait_any(vmdrv_proc *const *procs, size_t n, int timeout_ms,
                        size_t *which)
{
    for (size_t i = 0; i < n; i++) {
        if (check_ended(procs[i])) {
            *which = i;
            return 0;
        }
    }
    if (n <= MAXIMUM_WAIT_OBJECTS) {
        HANDLE hs[MAXIMUM_WAIT_OBJECTS];
        for (size_t i = 0; i < n; i++)
            hs[i] = procs[i]->process;
        DWORD w =
            WaitForMultipleObjects((DWORD)n, hs, FALSE, wait_ms(timeout_ms));
        if (w < WAIT_OBJECT_0 + n) {
            *which = w - WAIT_OBJECT_0;
            check_ended(procs[*which]);
            return 0;
        }
    } else {
        /* more than one wait can watch: look every few milliseconds */
        ULONGLONG deadline =
            GetTickCount64() + (ULONGLONG)(timeout_ms > 0 ? timeout_ms : 0);
        for (;;) {
            for (size_t i = 0; i < n; i++) {
                if (check_ended(procs[i])) {
                    *which = i;
                    return 0;
                }
            }
            if (timeout_ms >= 0 && GetTickCount64() >= deadline)
                break;
            Sleep(2);
        }
    }
    return vmdrv_error_set(procs[0]->ctx, VMDRV_E_TIMEOUT, NULL, 0,
                           "none of %zu processes ended within %d ms", n,
                           timeout_ms);
}

int vmdrv_proc_kill(vmdrv_proc *p)
{
    /* the job's handle stays valid after the program ended: what it left
     * running is still reached */
    if (p->job)
        TerminateJobObject(p->job, KILLED_EXIT_CODE);
    if (!check_ended(p))
        TerminateProcess(p->process, KILLED_EXIT_CODE);
    return 0;
}

void vmdrv_proc_free(vmdrv_proc *p)
{
    if (!p)
        return;
    /* no JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: closing does not kill, as
     * documented */
    close_h(&p->job);
    close_h(&p->process);
    free(p->prog);
    free(p);
}

/* Names of the exception codes a crashed program most often ends with. */
static const char *exception_name(DWORD code)
{
    switch (code) {
    case 0xC0000005:
        return "access violation";
    case 0xC0000409:
        return "fast fail: abort() or a stack buffer overrun";
    case 0xC00000FD:
        return "stack overflow";
    case 0xC000001D:
        return "illegal instruction";
    case 0xC0000094:
        return "integer division by zero";
    case 0xC000013A:
        return "ended by Ctrl-C";
    case 0x80000003:
        return "breakpoint";
    default:
        return NULL;
    }
}

int vmdrv_proc_crashed(const vmdrv_proc_result *r, char *why, size_t size)
{
    if (!r->exited)
        return 0;
    DWORD code = (DWORD)r->status;
    if (code == 3) {
        /* msvcrt's abort(): "This application has requested the Runtime
         * to terminate it in an unusual way", then exit status 3 */
        snprintf(why, size, "abort, exit status 3");
        return 1;
    }
    /* NTSTATUS error and warning codes: an unhandled exception */
    if (code < 0x80000000u)
        return 0;
    const char *name = exception_name(code);
    snprintf(why, size, "exception 0x%08lX%s%s%s", (unsigned long)code,
             name ? " (" : "", name ? name : "", name ? ")" : "");
    return 1;
}

int vmdrv_proc_self_path(const char *argv0, char *buf, size_t size)
{
    wchar_t w[32768];
    DWORD n = GetModuleFileNameW(NULL, w, (DWORD)(sizeof w / sizeof w[0]));
    if (n > 0 && n < sizeof w / sizeof w[0]) {
        char *u = vmdrv__utf8(w);
        size_t len = strlen(u);
        if (len < size) {
            memcpy(buf, u, len + 1);
            free(u);
            return 0;
        }
        free(u);
    }
    /* argv0 as the shell found it: a path, or a name on PATH */
    if (argv0 && *argv0 && vmdrv__find_program(argv0, buf, size) == 0)
        return 0;
    return VMDRV_E_NOTFOUND;
}
