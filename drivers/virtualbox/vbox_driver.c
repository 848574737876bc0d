/*
 * vbox_driver.c: the VirtualBox driver, which drives VBoxManage the way
 * Multipass's virtualbox backend does (createvm, modifyvm, storagectl,
 * storageattach, startvm --type headless, controlvm, discardstate,
 * snapshot, showvminfo --machinereadable, list, unregistervm --delete).
 *
 * VirtualBox is the source of truth for a machine's state: every op asks
 * `showvminfo --machinereadable` before acting. The driver keeps one file
 * of its own, <instance dir>/vbox.json, which records that this scope made
 * the machine: VirtualBox's registry is shared by everything on the host,
 * and the driver never acts on a machine it did not create.
 *
 * VirtualBox's registry is also shared by every scope, so the machine of
 * an instance is named after the instance in the driver's own scope (what
 * Multipass does) and "<scope>.<instance>" in any other scope ('.' is not
 * allowed in instance names, so the two can never collide).
 *
 * Unsupported here, by design: native mounts (Multipass offers none with
 * VirtualBox) and guest exec (it would need Guest Additions in the guest);
 * both ops are NULL so the dispatcher answers. VBoxManage is found with
 * vmdrv_tool_path() and run with vmdrv_proc_run() only.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vbox_parse.h"
#include "vmdrv/sys/driver.h"
#include "vu_fs.h"
#include "vu_json.h"
#include "vu_regex.h"
#include "vu_str.h"

#define DRIVER_NAME "virtualbox"
#define VBOX_PROGRAM "VBoxManage"
#define META_FILE "vbox.json"
#define META_SCHEMA 1
#define META_MEMBERS "vm:string"
#define STORAGE_CTL "SATA_0"
#define MAX_NICS 8

#define DEFAULT_TIMEOUT_S 300
#define DEFAULT_SHUTDOWN_TIMEOUT_S 120
#define POLL_MS 250

typedef struct vbox_priv {
    int timeout_ms;          /* one VBoxManage call */
    int shutdown_timeout_ms; /* acpipowerbutton until poweroff */
} vbox_priv;

/* ---- running VBoxManage ---------------------------------------------- */

enum {
    RUN_ANY_EXIT = 1u << 0, /* the caller reads a non-zero exit itself */
    RUN_NO_ERROR = 1u << 1  /* a failure is logged, not set (rollbacks) */
};

static void log_command(vmdrv_ctx *ctx, const vu_strv *args)
{
    vu_buf line = VU_BUF_INIT;
    vu_buf_puts(&line, VBOX_PROGRAM);
    for (size_t i = 0; i < args->n; i++) {
        const char *a = args->v[i];
        int plain = *a && strcspn(a, " \t\"'\\") == strlen(a);
        vu_buf_printf(&line, plain ? " %s" : " \"%s\"", a);
    }
    vmdrv_log(ctx, DRIVER_NAME, "%s", vu_buf_str(&line));
    vu_buf_clear(&line);
}

/*
 * Run VBoxManage with args. On success (exit 0, or any exit with
 * RUN_ANY_EXIT) returns 0 and leaves the result (stdout in LF form) in
 * *res, which the caller clears; res may be NULL. On failure sets the
 * error "cannot <doing>: ..." (unless RUN_NO_ERROR) and returns its code.
 */
static int run_args(vmdrv_conn *conn, const char *doing, unsigned int opts,
                    vu_strv *args, vmdrv_proc_result *res)
{
    vmdrv_ctx *ctx = vmdrv_conn_ctx(conn);
    vbox_priv *p = vmdrv_conn_data(conn);
    vmdrv_proc_result local;
    vmdrv_proc_result *r = res ? res : &local;
    vu_strv argv = VU_STRV_INIT;
    char *msg = NULL;
    int code = 0;
    long native = 0;

    memset(r, 0, sizeof *r);
    const char *tool = vmdrv_tool_path(ctx, VMDRV_TOOL_VBOXMANAGE);
    if (!tool) {
        code = VMDRV_E_TOOL;
        msg = vu_asprintf("%s not found (set %s to its path)", VBOX_PROGRAM,
                          vmdrv_tool_env(VMDRV_TOOL_VBOXMANAGE));
        goto cleanup;
    }
    vu_strv_add(&argv, tool);
    for (size_t i = 0; i < args->n; i++)
        vu_strv_add(&argv, args->v[i]);
    log_command(ctx, args);
    vmdrv_proc_spec spec = {.argv = vu_strv_argv(&argv),
                            .timeout_ms = p->timeout_ms};
    if (vmdrv_proc_run(ctx, &spec, r) < 0) {
        code = VMDRV_E_TOOL;
        msg = vu_strdup(vmdrv_last_error(ctx)->message);
        goto cleanup;
    }
    vbox_crlf_to_lf(r->out);
    r->out_len = strlen(r->out);
    if (r->timed_out) {
        code = VMDRV_E_TIMEOUT;
        msg = vu_asprintf("%s %s did not finish within %d s", VBOX_PROGRAM,
                          args->v[0], p->timeout_ms / 1000);
    } else if (!r->exited) {
        code = VMDRV_E_TOOL;
        native = r->signal;
        msg = r->signal ? vu_asprintf("%s %s was killed by signal %d",
                                      VBOX_PROGRAM, args->v[0], r->signal)
                        : vu_asprintf("%s %s ended without an exit status",
                                      VBOX_PROGRAM, args->v[0]);
    } else if (r->status != 0 && !(opts & RUN_ANY_EXIT)) {
        vbox_error ve;
        vbox_parse_error(r->err, &ve);
        code = vbox_error_status(&ve, r->status);
        native = ve.code ? (long)ve.code : r->status;
        if (ve.message[0])
            msg =
                vu_asprintf("%s%s%s%s", ve.message, ve.code_name[0] ? " (" : "",
                            ve.code_name, ve.code_name[0] ? ")" : "");
        else
            msg = vu_asprintf("%s %s exited with status %d", VBOX_PROGRAM,
                              args->v[0], r->status);
    }
cleanup:
    if (code) {
        if (opts & RUN_NO_ERROR)
            vmdrv_log(ctx, DRIVER_NAME, "ignored while cleaning up: %s: %s",
                      doing, msg);
        else
            vmdrv_conn_error(conn, code, native, "cannot %s: %s", doing, msg);
        vmdrv_proc_result_clear(r);
    } else if (!res) {
        vmdrv_proc_result_clear(r);
    }
    free(msg);
    vu_strv_clear(&argv);
    return code;
}

/* run_args() with the arguments given inline, NULL-terminated. */
static int run(vmdrv_conn *conn, const char *doing, unsigned int opts,
               vmdrv_proc_result *res, ...)
{
    vu_strv args = VU_STRV_INIT;
    va_list ap;
    va_start(ap, res);
    for (const char *a = va_arg(ap, const char *); a;
         a = va_arg(ap, const char *))
        vu_strv_add(&args, a);
    va_end(ap);
    int rc = run_args(conn, doing, opts, &args, res);
    vu_strv_clear(&args);
    return rc;
}

/* ---- instances and their machines ------------------------------------ */

/*
 * Load the instance's record: E_NOTFOUND when this scope never created
 * it. *meta is owned by the caller.
 */
static int meta_load(vmdrv_conn *conn, const char *name, json_t **meta)
{
    return vmdrv_conn_record_load(conn, name, META_FILE, META_SCHEMA,
                                  META_MEMBERS, meta);
}

/* Find the instance's machine: its name goes to vm. */
static int lookup(vmdrv_conn *conn, const char *name, char *vm, size_t size)
{
    json_t *meta;
    int rc = meta_load(conn, name, &meta);
    if (rc)
        return rc;
    vu_strlcpy(vm, vu_json_str(meta, "vm", name), size);
    json_decref(meta);
    return 0;
}

/* showvminfo --machinereadable, parsed. */
static int vm_info(vmdrv_conn *conn, const char *doing, const char *vm,
                   vbox_mr *mr)
{
    vmdrv_proc_result res;
    char err[256];
    memset(mr, 0, sizeof *mr);
    int rc =
        run(conn, doing, 0, &res, "showvminfo", vm, "--machinereadable", NULL);
    if (rc)
        return rc;
    if (vbox_mr_parse(res.out, mr, err, sizeof err) < 0) {
        vbox_mr_clear(mr);
        rc = vmdrv_conn_error(conn, VMDRV_E_PARSE, 0,
                              "cannot %s: unexpected showvminfo output: %s",
                              doing, err);
    }
    vmdrv_proc_result_clear(&res);
    return rc;
}

typedef struct vm_state {
    char vmstate[40];  /* VirtualBox's name: "aborted-saved" */
    vmdrv_state state; /* the instance state it maps to */
    int transient;
} vm_state;

static int state_from_mr(vmdrv_conn *conn, const char *doing, const vbox_mr *mr,
                         vm_state *st)
{
    const char *v = vbox_mr_get(mr, "VMState");
    if (!v)
        return vmdrv_conn_error(conn, VMDRV_E_PARSE, 0,
                                "cannot %s: showvminfo printed no VMState",
                                doing);
    vu_strlcpy(st->vmstate, v, sizeof st->vmstate);
    if (vbox_state_from_name(v, &st->state, &st->transient) < 0)
        vmdrv_log(vmdrv_conn_ctx(conn), DRIVER_NAME,
                  "VMState '%s' is not one VirtualBox documents: unknown", v);
    return 0;
}

static int get_state(vmdrv_conn *conn, const char *doing, const char *vm,
                     vm_state *st)
{
    vbox_mr mr;
    int rc = vm_info(conn, doing, vm, &mr);
    if (rc == 0)
        rc = state_from_mr(conn, doing, &mr, st);
    vbox_mr_clear(&mr);
    return rc;
}

static int is(const vm_state *st, const char *vmstate)
{
    return strcmp(st->vmstate, vmstate) == 0;
}

static int wrong_state(vmdrv_conn *conn, const char *what, const char *name,
                       const vm_state *st)
{
    return vmdrv_conn_error(conn, VMDRV_E_STATE, 0,
                            "cannot %s instance '%s' while it is %s "
                            "(VirtualBox state '%s')",
                            what, name, vmdrv_state_name(st->state),
                            st->vmstate);
}

/* Off, or stopped by an abort, or moved away: a machine that can start. */
static int is_off(const vm_state *st)
{
    return is(st, "poweroff") || is(st, "aborted") || is(st, "teleported");
}

/* Its state saved, also when the save survived an abort. */
static int is_saved(const vm_state *st)
{
    return is(st, "saved") || is(st, "aborted-saved");
}

/* What an op on one instance works with. */
typedef struct target {
    char doing[192]; /* "start instance 'web1'", for messages */
    char vm[160];    /* the instance's machine */
    vm_state st;     /* and its state when the op began */
} target;

/* Begin the op "<verb> instance '<name>'": find the machine, read its state. */
static int target_get(vmdrv_conn *conn, const char *verb, const char *name,
                      target *t)
{
    snprintf(t->doing, sizeof t->doing, "%s instance '%s'", verb, name);
    int rc = lookup(conn, name, t->vm, sizeof t->vm);
    return rc ? rc : get_state(conn, t->doing, t->vm, &t->st);
}

/* ---- probe and connection -------------------------------------------- */

static int virtualbox_probe(vmdrv_ctx *ctx, const vmdrv_host *host,
                            unsigned int flags)
{
    (void)flags;
    vmdrv_proc_result res;
    vbox_version v;
    int rc = 0;

    memset(&res, 0, sizeof res);
    /* where Multipass offers VirtualBox: Windows, and macOS on Intel */
    if (host->os == VMDRV_OS_LINUX)
        return vmdrv_error_set(ctx, VMDRV_E_DECLINED, DRIVER_NAME, 0,
                               "VirtualBox is not offered on Linux, where "
                               "QEMU is the only driver");
    if (host->os == VMDRV_OS_MACOS && host->arch != VMDRV_ARCH_X86_64)
        return vmdrv_error_set(ctx, VMDRV_E_DECLINED, DRIVER_NAME, 0,
                               "VirtualBox is only offered on Intel Macs "
                               "(this host is macOS on '%s')",
                               vmdrv_arch_name(host->arch));
    if (host->os != VMDRV_OS_MACOS && host->os != VMDRV_OS_WINDOWS)
        return vmdrv_error_set(ctx, VMDRV_E_DECLINED, DRIVER_NAME, 0,
                               "VirtualBox is only offered on Windows and "
                               "macOS (this host is '%s')",
                               vmdrv_os_name(host->os));
    const char *tool = vmdrv_tool_path(ctx, VMDRV_TOOL_VBOXMANAGE);
    if (!tool)
        return vmdrv_error_set(ctx, VMDRV_E_DECLINED, DRIVER_NAME, 0,
                               "VirtualBox is not installed: %s not found "
                               "(set %s to its path)",
                               VBOX_PROGRAM,
                               vmdrv_tool_env(VMDRV_TOOL_VBOXMANAGE));
    /* installed: from here on a failure means it is broken */
    const char *argv[] = {tool, "--version", NULL};
    vmdrv_proc_spec spec = {.argv = argv,
                            .timeout_ms = DEFAULT_TIMEOUT_S * 1000};
    vmdrv_log(ctx, DRIVER_NAME, "%s --version", VBOX_PROGRAM);
    if (vmdrv_proc_run(ctx, &spec, &res) < 0) {
        char *why = vu_strdup(vmdrv_last_error(ctx)->message);
        rc = vmdrv_error_set(ctx, VMDRV_E_TOOL, DRIVER_NAME, 0,
                             "VirtualBox is installed but '%s' cannot be "
                             "run: %s",
                             tool, why);
        free(why);
        goto cleanup;
    }
    if (!res.exited || res.status != 0 || vbox_parse_version(res.out, &v)) {
        char *out = vu_str_trim(vu_strdup(res.out));
        rc = vmdrv_error_set(ctx, VMDRV_E_TOOL, DRIVER_NAME, res.status,
                             "VirtualBox is installed but '%s --version' "
                             "failed (status %d, output '%s')",
                             tool, res.status, out);
        free(out);
        goto cleanup;
    }
    vmdrv_log(ctx, DRIVER_NAME, "VirtualBox %d.%d.%d%s r%lu", v.major, v.minor,
              v.patch, v.suffix, v.revision);
cleanup:
    vmdrv_proc_result_clear(&res);
    return rc;
}

static int seconds_option(vmdrv_conn *conn, const char *key, int dflt)
{
    const char *v = vmdrv_conn_option(conn, key);
    long s = v ? strtol(v, NULL, 10) : 0;
    return (int)((s > 0 && s < 86400 ? s : dflt) * 1000);
}

static int virtualbox_open(vmdrv_conn *conn, unsigned int flags)
{
    (void)flags;
    vbox_priv *p = vu_calloc(1, sizeof *p);
    p->timeout_ms = seconds_option(conn, "timeout", DEFAULT_TIMEOUT_S);
    p->shutdown_timeout_ms =
        seconds_option(conn, "shutdown_timeout", DEFAULT_SHUTDOWN_TIMEOUT_S);
    vmdrv_conn_set_data(conn, p);
    return 0;
}

static void virtualbox_close(vmdrv_conn *conn)
{
    free(vmdrv_conn_data(conn));
}

/* ---- create ---------------------------------------------------------- */

/* "UUID: <uuid>" of createvm's answer. */
static void created_uuid(const char *out, char *uuid, size_t size)
{
    char err[128];
    long g[4];
    uuid[0] = '\0';
    vu_regex *re = vu_regex_new("^UUID: *([0-9a-fA-F-]+)\\s*$", VU_RE_MULTILINE,
                                err, sizeof err);
    if (re && vu_regex_match(re, out, strlen(out), 0, g, 2) == 1)
        vu_regex_group(out, g, 1, uuid, size);
    vu_regex_free(re);
}

static int virtualbox_instance_create(vmdrv_conn *conn,
                                      const vmdrv_instance_spec *spec,
                                      unsigned int flags)
{
    (void)flags;
    const char *name = spec->name;
    char dir[1024], vm[160], uuid[64] = "", doing[160];
    char *disk = NULL, *console = NULL;
    vmdrv_proc_result res;
    vu_strv args = VU_STRV_INIT;
    json_t *rec = NULL;
    int made_dir = 0, registered = 0, disk_made = 0, rc;
    int cpus = spec->cpus ? spec->cpus : 1;
    unsigned long long mem = spec->memory_mb ? spec->memory_mb : 1024;
    unsigned long long disk_mb = spec->disk_mb ? spec->disk_mb : 5120;

    memset(&res, 0, sizeof res);
    snprintf(doing, sizeof doing, "create instance '%s'", name);
    if ((rc = vmdrv_conn_instance_dir(conn, name, dir, sizeof dir)))
        return rc;
    disk = vu_path_join(dir, "disk.vdi");
    console = vu_path_join(dir, "console.log");
    if (vmdrv_conn_record_exists(conn, name, META_FILE)) {
        rc = vmdrv_conn_error(conn, VMDRV_E_EXISTS, 0,
                              "instance '%s' already exists", name);
        goto cleanup;
    }
    if ((rc = vmdrv_conn_machine_name(conn, name, vm, sizeof vm)))
        goto cleanup;
    if (spec->image && !vu_path_exists(spec->image)) {
        rc = vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                              "cannot create instance '%s': image '%s' does "
                              "not exist (give a VDI disk image, or none for "
                              "a blank disk)",
                              name, spec->image);
        goto cleanup;
    }
    /* the registry is the host's: never take over someone else's machine */
    if ((rc = run(conn, doing, RUN_ANY_EXIT, &res, "showvminfo", vm,
                  "--machinereadable", NULL)))
        goto cleanup;
    if (res.status == 0) {
        rc = vmdrv_conn_error(conn, VMDRV_E_EXISTS, 0,
                              "cannot create instance '%s': VirtualBox "
                              "already has a machine named '%s'",
                              name, vm);
        goto cleanup;
    }
    vmdrv_proc_result_clear(&res);
    if ((rc = vu_mkdir_p(dir))) {
        rc = vmdrv_conn_error(conn, VMDRV_E_IO, -rc,
                              "cannot create folder '%s' for instance '%s'",
                              dir, name);
        goto cleanup;
    }
    made_dir = 1;
    if ((rc =
             run(conn, doing, 0, &res, "createvm", "--name", vm, "--basefolder",
                 dir, "--ostype", "Ubuntu_64", "--register", NULL)))
        goto cleanup;
    registered = 1;
    created_uuid(res.out, uuid, sizeof uuid);
    vmdrv_proc_result_clear(&res);

    vu_strv_add(&args, "modifyvm");
    vu_strv_add(&args, vm);
    vu_strv_add(&args, "--cpus");
    vu_strv_addf(&args, "%d", cpus);
    vu_strv_add(&args, "--memory");
    vu_strv_addf(&args, "%llu", mem);
    /* clang-format off */
    static const char *const fixed[] = {
        "--boot1", "disk", "--boot2", "none", "--boot3", "none",
        "--boot4", "none", "--acpi", "on", "--firmware", "efi",
        "--rtcuseutc", "on", "--uart1", "0x3f8", "4", "--uartmode1", "file"};
    /* clang-format on */
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        vu_strv_add(&args, fixed[i]);
    vu_strv_add(&args, console);
    vu_strv_add(&args, "--nic1");
    vu_strv_add(&args, "nat");
    vu_strv_add(&args, "--nictype1");
    vu_strv_add(&args, "virtio");
    if ((rc = run_args(conn, doing, 0, &args, NULL)))
        goto cleanup;

    char size[32];
    snprintf(size, sizeof size, "%llu", disk_mb);
    if (spec->image) {
        /* as Multipass prepares an image: a copy of the VDI with a UUID of
         * its own (VirtualBox refuses two media with one UUID), grown to
         * the size asked for */
        if ((rc = vu_copy_file(spec->image, disk))) {
            rc = vmdrv_conn_error(conn, VMDRV_E_IO, -rc,
                                  "cannot copy image '%s' to '%s'", spec->image,
                                  disk);
            goto cleanup;
        }
        if ((rc = run(conn, doing, 0, NULL, "internalcommands", "sethduuid",
                      disk, NULL)))
            goto cleanup;
        disk_made = 1;
        if (spec->disk_mb && (rc = run(conn, doing, 0, NULL, "modifymedium",
                                       "disk", disk, "--resize", size, NULL)))
            goto cleanup;
    } else {
        if ((rc =
                 run(conn, doing, 0, NULL, "createmedium", "disk", "--filename",
                     disk, "--size", size, "--format", "VDI", NULL)))
            goto cleanup;
        disk_made = 1;
    }
    if ((rc = run(conn, doing, 0, NULL, "storagectl", vm, "--name", STORAGE_CTL,
                  "--add", "sata", "--controller", "IntelAhci", "--portcount",
                  "2", NULL)) ||
        (rc = run(conn, doing, 0, NULL, "storageattach", vm, "--storagectl",
                  STORAGE_CTL, "--port", "0", "--device", "0", "--type", "hdd",
                  "--medium", disk, NULL)))
        goto cleanup;
    disk_made = 0; /* attached: unregistervm --delete removes it now */

    rec = json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:I,s:I,s:I}", "schema",
                    META_SCHEMA, "vm", vm, "uuid", uuid, "disk", disk,
                    "console", console, "cpus", cpus, "memory_mb",
                    (json_int_t)mem, "disk_mb", (json_int_t)disk_mb, "created",
                    (json_int_t)time(NULL));
    rc = vmdrv_conn_record_save(conn, name, META_FILE, rec);
cleanup:
    if (rc && disk_made)
        run(conn, doing, RUN_NO_ERROR, NULL, "closemedium", "disk", disk,
            "--delete", NULL);
    if (rc && registered)
        run(conn, doing, RUN_NO_ERROR, NULL, "unregistervm", vm, "--delete",
            NULL);
    if (rc && made_dir)
        vu_rm_rf(dir);
    json_decref(rec);
    vmdrv_proc_result_clear(&res);
    vu_strv_clear(&args);
    free(disk);
    free(console);
    return rc;
}

/* ---- lifecycle ------------------------------------------------------- */

static int virtualbox_instance_start(vmdrv_conn *conn, const char *name,
                                     unsigned int flags)
{
    (void)flags;
    target t;
    int rc = target_get(conn, "start", name, &t);
    if (rc)
        return rc;
    if (is(&t.st, "running"))
        return 0; /* starting a running instance is not an error */
    if (is(&t.st, "paused"))
        return run(conn, t.doing, 0, NULL, "controlvm", t.vm, "resume", NULL);
    if (is_off(&t.st) || is_saved(&t.st))
        return run(conn, t.doing, 0, NULL, "startvm", t.vm, "--type",
                   "headless", NULL);
    return wrong_state(conn, "start", name, &t.st);
}

/* Poll until the machine is off, up to the shutdown timeout: 1 when it is. */
static int wait_off(vmdrv_conn *conn, const char *doing, const char *vm,
                    int *rc)
{
    vbox_priv *p = vmdrv_conn_data(conn);
    vm_state st;
    for (int waited = 0;; waited += POLL_MS) {
        if ((*rc = get_state(conn, doing, vm, &st)))
            return 0;
        if (is(&st, "poweroff") || is(&st, "aborted"))
            return 1;
        if (waited >= p->shutdown_timeout_ms)
            return 0;
        usleep(POLL_MS * 1000);
    }
}

static int virtualbox_instance_stop(vmdrv_conn *conn, const char *name,
                                    unsigned int flags)
{
    target t;
    int force = (flags & VMDRV_STOP_FORCE) != 0;
    int rc = target_get(conn, "stop", name, &t);
    if (rc)
        return rc;
    if (is_off(&t.st))
        return 0; /* stop is idempotent */
    if (is_saved(&t.st)) {
        if (!force)
            return vmdrv_conn_error(conn, VMDRV_E_STATE, 0,
                                    "cannot shut down suspended instance "
                                    "'%s' (use a forced stop to discard its "
                                    "saved state)",
                                    name);
        /* controlvm does not apply to a saved machine */
        return run(conn, t.doing, 0, NULL, "discardstate", t.vm, NULL);
    }
    if (t.st.transient || !(is(&t.st, "running") || is(&t.st, "paused") ||
                            is(&t.st, "gurumeditation")))
        return wrong_state(conn, "stop", name, &t.st);
    if (force)
        return run(conn, t.doing, 0, NULL, "controlvm", t.vm, "poweroff",
                   NULL);
    if (is(&t.st, "gurumeditation"))
        return vmdrv_conn_error(conn, VMDRV_E_STATE, 0,
                                "cannot shut down instance '%s': its guest "
                                "has crashed (VirtualBox state "
                                "'gurumeditation'); use a forced stop",
                                name);
    /* a paused guest cannot see the power button */
    if (is(&t.st, "paused") && (rc = run(conn, t.doing, 0, NULL, "controlvm",
                                         t.vm, "resume", NULL)))
        return rc;
    if ((rc = run(conn, t.doing, 0, NULL, "controlvm", t.vm, "acpipowerbutton",
                  NULL)))
        return rc;
    if (wait_off(conn, t.doing, t.vm, &rc))
        return 0;
    if (rc)
        return rc;
    vmdrv_log(vmdrv_conn_ctx(conn), DRIVER_NAME,
              "'%s' did not power down within %d s: powering it off", t.vm,
              ((vbox_priv *)vmdrv_conn_data(conn))->shutdown_timeout_ms / 1000);
    return run(conn, t.doing, 0, NULL, "controlvm", t.vm, "poweroff", NULL);
}

static int virtualbox_instance_suspend(vmdrv_conn *conn, const char *name,
                                       unsigned int flags)
{
    (void)flags;
    target t;
    int rc = target_get(conn, "suspend", name, &t);
    if (rc)
        return rc;
    if (is_saved(&t.st))
        return 0;
    if (is(&t.st, "running") || is(&t.st, "paused"))
        return run(conn, t.doing, 0, NULL, "controlvm", t.vm, "savestate",
                   NULL);
    return wrong_state(conn, "suspend", name, &t.st);
}

static int virtualbox_instance_state(vmdrv_conn *conn, const char *name,
                                     vmdrv_state *state, unsigned int flags)
{
    (void)flags;
    target t;
    int rc = target_get(conn, "read the state of", name, &t);
    if (rc == 0)
        *state = t.st.state;
    return rc;
}

static int virtualbox_instance_info(vmdrv_conn *conn, const char *name,
                                    vmdrv_info *info, unsigned int flags)
{
    (void)flags;
    char doing[160], err[256];
    json_t *meta = NULL;
    vbox_mr mr;
    vbox_snaps snaps;
    vm_state st;
    int rc;

    memset(&mr, 0, sizeof mr);
    memset(&snaps, 0, sizeof snaps);
    snprintf(doing, sizeof doing, "read instance '%s'", name);
    if ((rc = meta_load(conn, name, &meta)))
        return rc;
    const char *vm = vu_json_str(meta, "vm", name);
    if ((rc = vm_info(conn, doing, vm, &mr)) ||
        (rc = state_from_mr(conn, doing, &mr, &st)))
        goto cleanup;
    info->state = st.state;
    const char *v;
    if ((v = vbox_mr_get(&mr, "cpus")))
        info->cpus = atoi(v);
    if ((v = vbox_mr_get(&mr, "memory")))
        info->memory_mb = strtoull(v, NULL, 10);
    info->disk_mb =
        (uint64_t)json_integer_value(json_object_get(meta, "disk_mb"));
    vmdrv_info_add(info, "vm", "%s", vm);
    if ((v = vbox_mr_get(&mr, "UUID")))
        vmdrv_info_add(info, "uuid", "%s", v);
    vmdrv_info_add(info, "vmstate", "%s", st.vmstate);
    if ((v = vbox_mr_get(&mr, "CfgFile")))
        vmdrv_info_add(info, "settings_file", "%s", v);
    if ((v = vbox_mr_get(&mr, STORAGE_CTL "-0-0")))
        vmdrv_info_add(info, "disk", "%s", v);
    if ((v = vbox_mr_get(&mr, "uartmode1")))
        vmdrv_info_add(info, "console", "%s", v);
    for (int k = 1; k <= MAX_NICS; k++) {
        char key[32];
        snprintf(key, sizeof key, "nic%d", k);
        const char *type = vbox_mr_get(&mr, key);
        if (!type || strcmp(type, "none") == 0)
            continue;
        snprintf(key, sizeof key, "bridgeadapter%d", k);
        const char *bridge = vbox_mr_get(&mr, key);
        if (strcmp(type, "bridged") == 0 && bridge)
            vmdrv_info_add(info, "network", "nic%d bridged to '%s'", k, bridge);
        else
            vmdrv_info_add(info, "network", "nic%d %s", k, type);
    }
    if (vbox_snapshots_from_mr(&mr, &snaps, err, sizeof err) == 0) {
        vmdrv_info_add(info, "snapshots", "%lu", (unsigned long)snaps.n);
        for (size_t i = 0; i < snaps.n; i++)
            if (snaps.items[i].current)
                vmdrv_info_add(info, "current_snapshot", "%s",
                               snaps.items[i].name);
    }
cleanup:
    vbox_snaps_clear(&snaps);
    vbox_mr_clear(&mr);
    json_decref(meta);
    return rc;
}

static int virtualbox_instance_delete(vmdrv_conn *conn, const char *name,
                                      unsigned int flags)
{
    (void)flags;
    char vm[160], doing[160], dir[1024];
    vmdrv_proc_result res;
    vbox_mr mr;
    vm_state st;
    int rc;

    memset(&mr, 0, sizeof mr);
    memset(&res, 0, sizeof res);
    snprintf(doing, sizeof doing, "delete instance '%s'", name);
    if ((rc = lookup(conn, name, vm, sizeof vm)) ||
        (rc = vmdrv_conn_instance_dir(conn, name, dir, sizeof dir)))
        return rc;
    /* a machine already gone from VirtualBox leaves only our folder */
    if ((rc = run(conn, doing, RUN_ANY_EXIT, &res, "showvminfo", vm,
                  "--machinereadable", NULL)))
        goto cleanup;
    if (res.status == 0) {
        char err[256];
        if (vbox_mr_parse(res.out, &mr, err, sizeof err) < 0) {
            rc = vmdrv_conn_error(conn, VMDRV_E_PARSE, 0,
                                  "cannot %s: unexpected showvminfo "
                                  "output: %s",
                                  doing, err);
            goto cleanup;
        }
        if ((rc = state_from_mr(conn, doing, &mr, &st)))
            goto cleanup;
        if (is_saved(&st))
            rc = run(conn, doing, 0, NULL, "discardstate", vm, NULL);
        else if (st.state == VMDRV_STATE_RUNNING || is(&st, "paused") ||
                 is(&st, "gurumeditation") || is(&st, "starting"))
            rc = run(conn, doing, 0, NULL, "controlvm", vm, "poweroff", NULL);
        if (rc || (rc = run(conn, doing, 0, NULL, "unregistervm", vm,
                            "--delete", NULL)))
            goto cleanup;
    } else {
        vmdrv_log(vmdrv_conn_ctx(conn), DRIVER_NAME,
                  "machine '%s' of instance '%s' is no longer registered", vm,
                  name);
    }
    if ((rc = vu_rm_rf(dir)))
        rc = vmdrv_conn_error(conn, VMDRV_E_IO, -rc,
                              "cannot remove folder '%s' of instance '%s'", dir,
                              name);
cleanup:
    vbox_mr_clear(&mr);
    vmdrv_proc_result_clear(&res);
    return rc;
}

static int virtualbox_instance_list(vmdrv_conn *conn, vmdrv_names *names,
                                    unsigned int flags)
{
    (void)flags;
    vmdrv_proc_result res;
    vbox_vms vms;
    char err[256];
    int rc;

    memset(&vms, 0, sizeof vms);
    if ((rc = run(conn, "list instances", 0, &res, "list", "vms", NULL)))
        return rc;
    if (vbox_parse_list_vms(res.out, &vms, err, sizeof err) < 0) {
        rc = vmdrv_conn_error(conn, VMDRV_E_PARSE, 0,
                              "cannot list instances: unexpected 'list vms' "
                              "output: %s",
                              err);
        goto cleanup;
    }
    for (size_t i = 0; i < vms.n; i++) {
        char *inst = vmdrv_conn_machine_instance(conn, vms.items[i].name);
        /* only the machines this scope created */
        if (inst && vmdrv_conn_record_exists(conn, inst, META_FILE))
            vmdrv_names_add(names, inst);
        free(inst);
    }
cleanup:
    vbox_vms_clear(&vms);
    vmdrv_proc_result_clear(&res);
    return rc;
}

/* ---- snapshots ------------------------------------------------------- */

/* The machine's snapshots; none is an empty list, not an error. */
static int list_snapshots(vmdrv_conn *conn, const char *doing, const char *vm,
                          vbox_snaps *out)
{
    vmdrv_proc_result res;
    vbox_mr mr;
    char err[256];
    int rc;

    memset(out, 0, sizeof *out);
    memset(&mr, 0, sizeof mr);
    if ((rc = run(conn, doing, RUN_ANY_EXIT, &res, "snapshot", vm, "list",
                  "--machinereadable", NULL)))
        return rc;
    if (res.status != 0) {
        /* "This machine does not have any snapshots" comes with exit 1 */
        if (res.status == 1 && vbox_is_no_snapshots(res.out))
            goto cleanup;
        vmdrv_proc_result_clear(&res);
        rc = run(conn, doing, 0, NULL, "snapshot", vm, "list",
                 "--machinereadable", NULL);
        if (rc == 0) /* it failed, then did not: say so rather than guess */
            rc = vmdrv_conn_error(conn, VMDRV_E_TOOL, 0,
                                  "cannot %s: 'snapshot list' failed once "
                                  "and then succeeded",
                                  doing);
        goto cleanup;
    }
    if (vbox_mr_parse(res.out, &mr, err, sizeof err) < 0 ||
        vbox_snapshots_from_mr(&mr, out, err, sizeof err) < 0)
        rc = vmdrv_conn_error(conn, VMDRV_E_PARSE, 0,
                              "cannot %s: unexpected 'snapshot list' "
                              "output: %s",
                              doing, err);
cleanup:
    if (rc)
        vbox_snaps_clear(out);
    vbox_mr_clear(&mr);
    vmdrv_proc_result_clear(&res);
    return rc;
}

static const vbox_snap *find_snap(const vbox_snaps *list, const char *name)
{
    for (size_t i = 0; i < list->n; i++)
        if (strcmp(list->items[i].name, name) == 0)
            return &list->items[i];
    return NULL;
}

/*
 * Shared start of the snapshot ops: the machine, its state, and its
 * snapshots; refuses transient states, in which VirtualBox would lock.
 * verb is VBoxManage's: "take", "restore" or "delete"; what names the op
 * in a wrong-state message. *snaps is always cleared by the caller.
 */
static int snap_begin(vmdrv_conn *conn, const char *verb, const char *what,
                      const char *name, const char *snapshot, target *t,
                      vbox_snaps *snaps)
{
    char op[128];
    memset(snaps, 0, sizeof *snaps);
    snprintf(op, sizeof op, "%s snapshot '%s' of", verb, snapshot);
    int rc = target_get(conn, op, name, t);
    if (rc)
        return rc;
    if (t->st.transient)
        return wrong_state(conn, what, name, &t->st);
    return list_snapshots(conn, t->doing, t->vm, snaps);
}

/* One snapshot op: take a new one, or restore or delete an existing one. */
static int snap_op(vmdrv_conn *conn, const char *verb, const char *what,
                   const char *name, const char *snapshot)
{
    target t;
    vbox_snaps snaps;
    int take = strcmp(verb, "take") == 0;
    int rc = snap_begin(conn, verb, what, name, snapshot, &t, &snaps);
    if (rc == 0 && take && find_snap(&snaps, snapshot))
        /* VirtualBox would take a second one of the same name */
        rc = vmdrv_conn_error(conn, VMDRV_E_EXISTS, 0,
                              "snapshot '%s' of '%s' already exists", snapshot,
                              name);
    if (rc == 0 && !take && !find_snap(&snaps, snapshot))
        rc = vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                              "instance '%s' has no snapshot '%s'", name,
                              snapshot);
    /* VirtualBox restores onto a machine that is off or saved only */
    if (rc == 0 && strcmp(verb, "restore") == 0 && !is_off(&t.st) &&
        !is_saved(&t.st))
        rc = vmdrv_conn_error(conn, VMDRV_E_STATE, 0,
                              "cannot restore snapshot '%s' of instance '%s' "
                              "while it is %s (stop or suspend it first)",
                              snapshot, name, vmdrv_state_name(t.st.state));
    if (rc == 0)
        rc = run(conn, t.doing, 0, NULL, "snapshot", t.vm, verb, snapshot,
                 NULL);
    vbox_snaps_clear(&snaps);
    return rc;
}

static int virtualbox_snapshot_take(vmdrv_conn *conn, const char *name,
                                    const char *snapshot, unsigned int flags)
{
    (void)flags;
    return snap_op(conn, "take", "snapshot", name, snapshot);
}

static int virtualbox_snapshot_restore(vmdrv_conn *conn, const char *name,
                                       const char *snapshot, unsigned int flags)
{
    (void)flags;
    return snap_op(conn, "restore", "restore a snapshot of", name, snapshot);
}

static int virtualbox_snapshot_list(vmdrv_conn *conn, const char *name,
                                    vmdrv_snapshots *list, unsigned int flags)
{
    (void)flags;
    char vm[160], doing[160];
    vbox_snaps snaps;
    int rc;
    snprintf(doing, sizeof doing, "list the snapshots of instance '%s'", name);
    if ((rc = lookup(conn, name, vm, sizeof vm)) ||
        (rc = list_snapshots(conn, doing, vm, &snaps)))
        return rc;
    for (size_t i = 0; i < snaps.n; i++)
        vmdrv_snapshots_add(list, snaps.items[i].name, snaps.items[i].parent, 0,
                            snaps.items[i].description);
    vbox_snaps_clear(&snaps);
    return 0;
}

static int virtualbox_snapshot_delete(vmdrv_conn *conn, const char *name,
                                      const char *snapshot, unsigned int flags)
{
    (void)flags;
    return snap_op(conn, "delete", "delete a snapshot of", name, snapshot);
}

/* ---- networks -------------------------------------------------------- */

static int bridged_interfaces(vmdrv_conn *conn, const char *doing,
                              vbox_bridgedifs *out)
{
    vmdrv_proc_result res;
    char err[256];
    memset(out, 0, sizeof *out);
    int rc = run(conn, doing, 0, &res, "list", "bridgedifs", NULL);
    if (rc)
        return rc;
    if (vbox_parse_bridgedifs(res.out, out, err, sizeof err) < 0) {
        vbox_bridgedifs_clear(out);
        rc = vmdrv_conn_error(conn, VMDRV_E_PARSE, 0,
                              "cannot %s: unexpected 'list bridgedifs' "
                              "output: %s",
                              doing, err);
    }
    vmdrv_proc_result_clear(&res);
    return rc;
}

static int virtualbox_networks_list(vmdrv_conn *conn, vmdrv_networks *list,
                                    unsigned int flags)
{
    (void)flags;
    vbox_bridgedifs ifs;
    int rc = bridged_interfaces(conn, "list networks", &ifs);
    if (rc)
        return rc;
    for (size_t i = 0; i < ifs.n; i++) {
        const vbox_bridgedif *b = &ifs.items[i];
        char type[32];
        vu_strlcpy(type, b->wireless ? "wifi" : b->medium, sizeof type);
        vu_str_lower(type);
        vmdrv_networks_add(list, b->name, type, b->description);
    }
    vbox_bridgedifs_clear(&ifs);
    return 0;
}

static int virtualbox_network_add(vmdrv_conn *conn, const char *name,
                                  const char *network, unsigned int flags)
{
    (void)flags;
    char vm[160], doing[384], opt[4][32];
    vbox_bridgedifs ifs;
    vbox_mr mr;
    vm_state st;
    int rc, slot = 0;

    memset(&ifs, 0, sizeof ifs);
    memset(&mr, 0, sizeof mr);
    snprintf(doing, sizeof doing, "add network '%s' to instance '%s'", network,
             name);
    if ((rc = lookup(conn, name, vm, sizeof vm)) ||
        (rc = bridged_interfaces(conn, doing, &ifs)))
        goto cleanup;
    int known = 0;
    for (size_t i = 0; i < ifs.n; i++)
        known |= strcmp(ifs.items[i].name, network) == 0;
    if (!known) {
        rc = vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                              "no network named '%s' on this host", network);
        goto cleanup;
    }
    if ((rc = vm_info(conn, doing, vm, &mr)) ||
        (rc = state_from_mr(conn, doing, &mr, &st)))
        goto cleanup;
    /* modifyvm changes the settings of a machine that is off only */
    if (!(is(&st, "poweroff") || is(&st, "aborted"))) {
        rc = wrong_state(conn, "add a network to", name, &st);
        goto cleanup;
    }
    for (int k = 2; k <= MAX_NICS && !slot; k++) {
        char key[16];
        snprintf(key, sizeof key, "nic%d", k);
        const char *type = vbox_mr_get(&mr, key);
        if (!type || strcmp(type, "none") == 0)
            slot = k;
    }
    if (!slot) {
        rc = vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                              "cannot add network '%s' to instance '%s': "
                              "VirtualBox does not support more than %d "
                              "interfaces",
                              network, name, MAX_NICS);
        goto cleanup;
    }
    snprintf(opt[0], sizeof opt[0], "--nic%d", slot);
    snprintf(opt[1], sizeof opt[1], "--nictype%d", slot);
    snprintf(opt[2], sizeof opt[2], "--bridgeadapter%d", slot);
    snprintf(opt[3], sizeof opt[3], "--cableconnected%d", slot);
    rc = run(conn, doing, 0, NULL, "modifyvm", vm, opt[0], "bridged", opt[1],
             "virtio", opt[2], network, opt[3], "on", NULL);
cleanup:
    vbox_mr_clear(&mr);
    vbox_bridgedifs_clear(&ifs);
    return rc;
}

const vmdrv_driver vmdrv_driver_virtualbox = {
    .abi_version = VMDRV_DRIVER_ABI_VERSION,
    .name = DRIVER_NAME,
    .display_name = "VirtualBox",
    .caps = VMDRV_CAP_BIT(VMDRV_CAP_EXTRA_NETWORKS) |
            VMDRV_CAP_BIT(VMDRV_CAP_SNAPSHOTS) |
            VMDRV_CAP_BIT(VMDRV_CAP_SUSPEND),
    .probe = virtualbox_probe,
    .open = virtualbox_open,
    .close = virtualbox_close,
    .instance_create = virtualbox_instance_create,
    .instance_start = virtualbox_instance_start,
    .instance_stop = virtualbox_instance_stop,
    .instance_suspend = virtualbox_instance_suspend,
    .instance_state = virtualbox_instance_state,
    .instance_info = virtualbox_instance_info,
    .instance_delete = virtualbox_instance_delete,
    .instance_list = virtualbox_instance_list,
    .snapshot_take = virtualbox_snapshot_take,
    .snapshot_restore = virtualbox_snapshot_restore,
    .snapshot_list = virtualbox_snapshot_list,
    .snapshot_delete = virtualbox_snapshot_delete,
    /* mount, umount: Multipass has no native mounts with VirtualBox */
    .networks_list = virtualbox_networks_list,
    .network_add = virtualbox_network_add,
    /* guest_exec: would need Guest Additions (guestcontrol) in the guest */
};
