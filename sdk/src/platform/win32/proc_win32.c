/*
 * proc_win32.c: the real process runner on Windows, and the PATH search.
 *
 * Windows passes a program one command line, not an argv: each program's
 * C runtime splits it again. vmdrv quotes every argument by the rules of
 * the Microsoft C runtime and CommandLineToArgvW (argv_win32.c), so an
 * argument reaches the program's argv exactly as given, spaces, quotes
 * and backslashes included. No shell is involved; .bat/.cmd files, which
 * do go through cmd.exe, are refused when an argument holds a character
 * cmd.exe would interpret. (powershell.exe -Command joins its arguments
 * and parses them as script: the Hyper-V driver quotes for PowerShell.)
 *
 * The child starts suspended inside a Job object, so a timeout kills the
 * whole tree it started (as the POSIX runner kills the process group);
 * stdout and stderr are drained by one thread each, and stdin is fed by a
 * third, so no pipe can fill up and stall the child. The environment
 * block is ours with spec->env merged in (names compare case-insensitively
 * on Windows), sorted as CreateProcess documents it.
 */
#include "win32.h"

#include <errno.h>
#include <process.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "argv_win32.h"
#include "internal.h"
#include "proc_win32.h"

static void result_init(vmdrv_proc_result *r)
{
    memset(r, 0, sizeof *r);
    r->out = vu_strdup("");
    r->err = vu_strdup("");
}

/* ---- environment ----------------------------------------------------- */

/* Length of the name of "NAME=value"; a leading '=' belongs to the name
 * (the hidden per-drive "=C:=C:\dir" entries). */
static size_t wname_len(const wchar_t *e)
{
    const wchar_t *eq = wcschr(e + 1, L'=');
    return eq ? (size_t)(eq - e) : wcslen(e);
}

static int wname_cmp(const void *a, const void *b)
{
    const wchar_t *x = *(const wchar_t *const *)a;
    const wchar_t *y = *(const wchar_t *const *)b;
    size_t lx = wname_len(x), ly = wname_len(y);
    int c = _wcsnicmp(x, y, lx < ly ? lx : ly);
    if (c)
        return c;
    return lx < ly ? -1 : lx > ly;
}

/* Our environment with extra ("KEY=VALUE", UTF-8) merged in, as a sorted
 * UTF-16 block; NULL with errno EINVAL when an entry is not UTF-8. */
wchar_t *vmdrv__win_env_block(const char *const *extra)
{
    size_t m = 0;
    while (extra && extra[m])
        m++;
    wchar_t **add = vu_calloc(m + 1, sizeof *add);
    for (size_t j = 0; j < m; j++) {
        if (!strchr(extra[j], '=') || !(add[j] = vmdrv__wide(extra[j]))) {
            for (size_t k = 0; k < j; k++)
                free(add[k]);
            free(add);
            errno = EINVAL;
            return NULL;
        }
    }
    wchar_t *ours = GetEnvironmentStringsW();
    size_t n = 0;
    for (const wchar_t *e = ours; e && *e; e += wcslen(e) + 1)
        n++;
    const wchar_t **all = vu_calloc(n + m + 1, sizeof *all);
    size_t k = 0;
    for (const wchar_t *e = ours; e && *e; e += wcslen(e) + 1) {
        int overridden = 0;
        for (size_t j = 0; j < m && !overridden; j++)
            overridden = wname_len(add[j]) == wname_len(e) &&
                         _wcsnicmp(add[j], e, wname_len(e)) == 0;
        if (!overridden)
            all[k++] = e;
    }
    /* a later duplicate in extra wins, as with the POSIX runner */
    for (size_t j = 0; j < m; j++) {
        int later = 0;
        for (size_t l = j + 1; l < m && !later; l++)
            later = wname_len(add[l]) == wname_len(add[j]) &&
                    _wcsnicmp(add[l], add[j], wname_len(add[j])) == 0;
        if (!later)
            all[k++] = add[j];
    }
    qsort(all, k, sizeof *all, wname_cmp);
    size_t total = 1;
    for (size_t i = 0; i < k; i++)
        total += wcslen(all[i]) + 1;
    wchar_t *block = vu_malloc(total * sizeof *block), *w = block;
    for (size_t i = 0; i < k; i++) {
        size_t len = wcslen(all[i]) + 1;
        memcpy(w, all[i], len * sizeof *w);
        w += len;
    }
    *w = L'\0';
    free(all);
    for (size_t j = 0; j < m; j++)
        free(add[j]);
    free(add);
    if (ours)
        FreeEnvironmentStringsW(ours);
    return block;
}

/* ---- PATH and PATHEXT ------------------------------------------------ */

/* An environment variable as UTF-8 (GetEnvironmentVariableW, not getenv,
 * which sees the ANSI code page); owned, NULL when unset. */
static char *env_utf8(const wchar_t *name)
{
    DWORD n = GetEnvironmentVariableW(name, NULL, 0);
    if (n == 0)
        return NULL;
    wchar_t *w = vu_malloc(n * sizeof *w);
    if (GetEnvironmentVariableW(name, w, n) >= n) {
        free(w);
        return NULL;
    }
    char *u = vmdrv__utf8(w);
    free(w);
    return u;
}

static int is_file(const char *path)
{
    wchar_t *w = vmdrv__wide(path);
    if (!w)
        return 0;
    DWORD a = GetFileAttributesW(w);
    free(w);
    return a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY);
}

/* dir\prog as is when prog has an extension, then with each PATHEXT
 * extension (.COM;.EXE;.BAT;.CMD by default), as cmd.exe looks. */
static int try_candidates(const char *dir, const char *prog, const char *exts,
                          char *buf, size_t size)
{
    const char *base = prog;
    for (const char *p = prog; *p; p++)
        if (*p == '/' || *p == '\\' || *p == ':')
            base = p + 1;
    const char *sep = !dir ? "" : (dir[0] && !strchr("/\\", dir[strlen(dir) - 1])) ? "\\" : "";
    if (strchr(base, '.')) {
        snprintf(buf, size, "%s%s%s", dir ? dir : "", sep, prog);
        if (is_file(buf))
            return 0;
    }
    for (const char *e = exts; *e;) {
        size_t len = strcspn(e, ";");
        if (len) {
            snprintf(buf, size, "%s%s%s%.*s", dir ? dir : "", sep, prog,
                     (int)len, e);
            if (is_file(buf))
                return 0;
        }
        e += len;
        if (*e == ';')
            e++;
    }
    return -1;
}

static int find_in_path(const char *prog, char *buf, size_t size)
{
    char *pathext = env_utf8(L"PATHEXT");
    const char *exts = pathext && *pathext ? pathext : ".COM;.EXE;.BAT;.CMD";
    int rc = -1;
    if (strpbrk(prog, "/\\:")) {
        /* a path: no PATH search, but the extension may still be implied */
        rc = try_candidates(NULL, prog, exts, buf, size);
        goto cleanup;
    }
    char *path = env_utf8(L"PATH");
    for (const char *p = path ? path : ""; *p && rc != 0;) {
        size_t len = strcspn(p, ";");
        char dir[1024];
        /* entries may be quoted: "C:\Program Files\Oracle\VirtualBox" */
        if (len >= 2 && p[0] == '"' && p[len - 1] == '"')
            snprintf(dir, sizeof dir, "%.*s", (int)len - 2, p + 1);
        else
            snprintf(dir, sizeof dir, "%.*s", (int)len, p);
        if (dir[0])
            rc = try_candidates(dir, prog, exts, buf, size);
        p += len;
        if (*p == ';')
            p++;
    }
    free(path);
cleanup:
    free(pathext);
    return rc;
}

int vmdrv__find_program(const char *prog, char *buf, size_t size)
{
    return find_in_path(prog, buf, size);
}

/* ---- pipes and their threads ----------------------------------------- */

typedef struct pump {
    HANDLE pipe;
    vu_buf buf;          /* what was read (readers) */
    const char *data;    /* what to write (the stdin writer) */
    size_t len;
} pump;

static unsigned __stdcall read_pump(void *arg)
{
    pump *p = arg;
    char chunk[8192];
    DWORD got;
    while (ReadFile(p->pipe, chunk, sizeof chunk, &got, NULL) && got > 0)
        vu_buf_add(&p->buf, chunk, got);
    return 0;
}

static unsigned __stdcall write_pump(void *arg)
{
    pump *p = arg;
    size_t off = 0;
    DWORD put;
    /* a child that exits without reading breaks the pipe: stop there */
    while (off < p->len &&
           WriteFile(p->pipe, p->data + off,
                     (DWORD)(p->len - off > 65536 ? 65536 : p->len - off), &put,
                     NULL))
        off += put;
    CloseHandle(p->pipe);
    p->pipe = NULL;
    return 0;
}

/* A pipe whose child end is inheritable and whose parent end is not. */
static int make_pipe(HANDLE *child, HANDLE *parent, int child_reads)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE r, w;
    if (!CreatePipe(&r, &w, &sa, 0))
        return -1;
    *child = child_reads ? r : w;
    *parent = child_reads ? w : r;
    SetHandleInformation(*parent, HANDLE_FLAG_INHERIT, 0);
    return 0;
}

static HANDLE open_nul(void)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    return CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE,
                       FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING,
                       0, NULL);
}

static void close_h(HANDLE *h)
{
    if (*h && *h != INVALID_HANDLE_VALUE)
        CloseHandle(*h);
    *h = NULL;
}

/* ---- the runner ------------------------------------------------------ */

int vmdrv_proc_run_real(void *userdata, const vmdrv_proc_spec *spec,
                        vmdrv_proc_result *r)
{
    vmdrv_ctx *ctx = userdata;
    char prog[1024];
    const char *why = NULL;
    char *cmd = NULL;
    wchar_t *wprog = NULL, *wcmd = NULL, *wcwd = NULL, *wenv = NULL;
    HANDLE child_in = NULL, child_out = NULL, child_err = NULL;
    HANDLE job = NULL, threads[3] = {NULL, NULL, NULL};
    pump in = {0}, out = {0}, err = {0};
    LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
    PROCESS_INFORMATION pi = {0};
    int rc = 0, nthreads = 0;

    result_init(r);
    if (!spec->argv || !spec->argv[0])
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                               "no program given to run");
    if (find_in_path(spec->argv[0], prog, sizeof prog) != 0)
        return vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, spec->argv[0], ENOENT,
                               "cannot run '%s': not found", spec->argv[0]);
    cmd = vmdrv__win_command_line(prog, spec->argv, &why);
    if (!cmd) {
        rc = vmdrv_error_set(ctx, VMDRV_E_INVAL, spec->argv[0], 0,
                             "cannot run '%s': %s", spec->argv[0], why);
        goto cleanup;
    }
    wprog = vmdrv__wide(prog);
    wcmd = vmdrv__wide(cmd);
    wcwd = spec->cwd ? vmdrv__wide(spec->cwd) : NULL;
    wenv = vmdrv__win_env_block(spec->env);
    if (!wprog || !wcmd || (spec->cwd && !wcwd) || !wenv) {
        rc = vmdrv_error_set(ctx, VMDRV_E_INVAL, spec->argv[0], 0,
                             "cannot run '%s': its arguments, folder or "
                             "environment are not valid UTF-8 (or an "
                             "environment entry has no '=')",
                             spec->argv[0]);
        goto cleanup;
    }

    if (spec->detach) {
        /* a detached program must not hold our pipes open: NUL for all
         * three (child_out and child_err stay NULL) */
        child_in = open_nul();
    } else if (make_pipe(&child_in, &in.pipe, 1) ||
               make_pipe(&child_out, &out.pipe, 0) ||
               make_pipe(&child_err, &err.pipe, 0)) {
        DWORD e = GetLastError();
        char msg[256];
        vmdrv__win_strerror(e, msg, sizeof msg);
        rc = vmdrv_error_set(ctx, VMDRV_E_IO, NULL, (long)e,
                             "cannot create pipes to run '%s': %s",
                             spec->argv[0], msg);
        goto cleanup;
    }

    /* Only these handles are inherited, not every inheritable handle the
     * process has open (another thread may be starting a program too). */
    HANDLE inherit[3] = {child_in, child_out, child_err};
    DWORD n_inherit = spec->detach ? 1 : 3;
    SIZE_T attr_size = 0;
    InitializeProcThreadAttributeList(NULL, 1, 0, &attr_size);
    attrs = vu_malloc(attr_size);
    if (!InitializeProcThreadAttributeList(attrs, 1, 0, &attr_size)) {
        free(attrs);
        attrs = NULL;
    } else if (!UpdateProcThreadAttribute(attrs, 0,
                                          PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
                                          inherit, n_inherit * sizeof(HANDLE),
                                          NULL, NULL)) {
        DeleteProcThreadAttributeList(attrs);
        free(attrs);
        attrs = NULL;
    }
    STARTUPINFOEXW si;
    memset(&si, 0, sizeof si);
    si.StartupInfo.cb = attrs ? sizeof si : sizeof si.StartupInfo;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = child_in;
    si.StartupInfo.hStdOutput = child_out ? child_out : child_in;
    si.StartupInfo.hStdError = child_err ? child_err : child_in;
    si.lpAttributeList = attrs;

    DWORD flags = CREATE_UNICODE_ENVIRONMENT | CREATE_NO_WINDOW;
    if (attrs)
        flags |= EXTENDED_STARTUPINFO_PRESENT;
    if (spec->detach) {
        /* its own process group, outside our job: it outlives us */
        flags |= CREATE_NEW_PROCESS_GROUP | CREATE_BREAKAWAY_FROM_JOB;
    } else {
        job = CreateJobObjectW(NULL, NULL);
        flags |= CREATE_SUSPENDED; /* joins the job before it can spawn */
    }
    BOOL ok = CreateProcessW(wprog, wcmd, NULL, NULL, TRUE, flags, wenv, wcwd,
                             &si.StartupInfo, &pi);
    if (!ok && spec->detach && GetLastError() == ERROR_ACCESS_DENIED) {
        /* the job we run in forbids breaking away: start it inside */
        flags &= ~(DWORD)CREATE_BREAKAWAY_FROM_JOB;
        ok = CreateProcessW(wprog, wcmd, NULL, NULL, TRUE, flags, wenv, wcwd,
                            &si.StartupInfo, &pi);
    }
    if (!ok) {
        DWORD e = GetLastError();
        char msg[256];
        vmdrv__win_strerror(e, msg, sizeof msg);
        rc = vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, spec->argv[0], (long)e,
                             "cannot run '%s': %s", spec->argv[0], msg);
        goto cleanup;
    }
    r->pid = (long)pi.dwProcessId;
    /* the child has its copies; ours would keep the pipes from ending */
    close_h(&child_in);
    close_h(&child_out);
    close_h(&child_err);
    if (spec->detach) {
        /* as the POSIX runner reports a detached start: it started */
        r->exited = 1;
        goto cleanup;
    }
    /* Without a job (creation failed, or an old Windows that forbids
     * nesting in the job we run in) the timeout still kills the child
     * itself, only not its descendants. */
    if (job && !AssignProcessToJobObject(job, pi.hProcess))
        close_h(&job);
    ResumeThread(pi.hThread);

    if (spec->stdin_data && spec->stdin_len) {
        in.data = spec->stdin_data;
        in.len = spec->stdin_len;
    } else {
        close_h(&in.pipe); /* stdin at end of file at once */
    }
    pump *pumps[3] = {&out, &err, in.pipe ? &in : NULL};
    for (int i = 0; i < 3; i++) {
        if (!pumps[i])
            continue;
        HANDLE t = (HANDLE)_beginthreadex(NULL, 0,
                                          i < 2 ? read_pump : write_pump,
                                          pumps[i], 0, NULL);
        if (t) {
            threads[nthreads++] = t;
        } else if (!rc) {
            /* nothing would drain a pipe: kill rather than hang */
            rc = vmdrv_error_set(ctx, VMDRV_E_IO, NULL, errno,
                                 "cannot start a thread to run '%s'",
                                 spec->argv[0]);
        }
    }

    /* The program, then the pipes (a grandchild may hold them open), all
     * within the deadline, as the POSIX runner's poll loop does. */
    DWORD left = INFINITE;
    if (rc) {
        left = 0;
    } else if (spec->timeout_ms > 0) {
        left = (DWORD)spec->timeout_ms;
    }
    HANDLE waits[4] = {pi.hProcess, threads[0], threads[1], threads[2]};
    if (WaitForMultipleObjects(1 + (DWORD)nthreads, waits, TRUE, left) ==
        WAIT_TIMEOUT) {
        if (job)
            TerminateJobObject(job, 1);
        TerminateProcess(pi.hProcess, 1);
        r->timed_out = !rc;
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    if (nthreads > 0 &&
        WaitForMultipleObjects((DWORD)nthreads, threads, TRUE, 5000) ==
            WAIT_TIMEOUT) {
        /* a descendant outside the job still holds a pipe: stop reading */
        for (int i = 0; i < nthreads; i++)
            CancelSynchronousIo(threads[i]);
        WaitForMultipleObjects((DWORD)nthreads, threads, TRUE, INFINITE);
    }
    DWORD code = 0;
    if (!rc && !r->timed_out && GetExitCodeProcess(pi.hProcess, &code)) {
        /* Windows has no signals: a crash is an exit code too
         * (0xC0000005 for an access violation, 3 for abort()) */
        r->exited = 1;
        r->status = (int)code;
    }
    if (!rc) {
        free(r->out);
        free(r->err);
        r->out_len = out.buf.len;
        r->out = vu_buf_detach(&out.buf);
        r->err_len = err.buf.len;
        r->err = vu_buf_detach(&err.buf);
    }

cleanup:
    for (int i = 0; i < nthreads; i++)
        close_h(&threads[i]);
    close_h(&pi.hThread);
    close_h(&pi.hProcess);
    close_h(&job);
    close_h(&in.pipe);
    close_h(&out.pipe);
    close_h(&err.pipe);
    close_h(&child_in);
    close_h(&child_out);
    close_h(&child_err);
    if (attrs) {
        DeleteProcThreadAttributeList(attrs);
        free(attrs);
    }
    vu_buf_clear(&out.buf);
    vu_buf_clear(&err.buf);
    free(cmd);
    free(wprog);
    free(wcmd);
    free(wcwd);
    free(wenv);
    return rc;
}
