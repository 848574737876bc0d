/*
 * qemu_driver.c: the QEMU driver (the table vmdrv_driver_qemu and its
 * ops, named qemu_<op>).
 *
 * QEMU runs for real: each running instance is one daemonized
 * qemu-system-<arch> process, found again by any later vmdrv process
 * through its pidfile. All of an instance's files live in its folder
 * (vmdrv_conn_instance_dir): disk.qcow2, qemu-instance.json (this
 * driver's record, written atomically), qemu.pid, serial.log and a lock
 * file; its QMP and console sockets live in a short runtime folder
 * (/tmp/vmdrv-<uid>/<hash>/), because data folders are often longer
 * than the 107 bytes a unix socket path may have.
 *
 * State comes from reality, not from the record: a live QEMU whose
 * command line names this instance's pidfile means running; otherwise a
 * "suspend" snapshot in the disk (qemu-img snapshot -l -U) means
 * suspended; otherwise off (never started) or stopped. A QEMU that died
 * is noticed there and reported as stopped, and its leftovers are
 * cleaned by the next operation.
 *
 * Decisions (see drivers/qemu/README.md for the long form):
 *  - suspend is Multipass's: savevm "suspend", quit; resume relaunches
 *    the recorded command line with -loadvm suspend, then deletes the tag;
 *  - snapshots are internal qcow2 snapshots: live through QMP jobs while
 *    running, with qemu-img while stopped; "suspend" is reserved;
 *  - native mounts are 9p exports. A mount on a stopped instance is
 *    attached at its next start. QEMU cannot hot-add a 9p export, so a
 *    mount on a running q35 instance saves the VM's state, relaunches
 *    QEMU with the export appended and the state loaded (-incoming), and
 *    has the guest rescan its PCI bus: the guest keeps its memory.
 *    Mounted 9p shares block savevm and migration, so every save
 *    unmounts them in the guest first and mounts them again afterwards;
 *  - the first launch of a fresh instance with the plain device set
 *    captures a warm template (its state right after boot); later such
 *    launches start from an overlay on the template's disk with
 *    -incoming from that state instead of booting;
 *  - kvm where the host has it, verified by the first boot and
 *    remembered per scope when it does not work; hvf on macOS; tcg
 *    otherwise; the option accel= forces one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "qemu.h"
#include "vmdrv_config.h"
#include "vu_fs.h"
#include "vu_json.h"

#define SCHEMA 1
#define META_FILE "qemu-instance.json"
#define DISK_FILE "disk.qcow2"
#define PID_FILE "qemu.pid"
#define SERIAL_LOG "serial.log"
#define LOCK_FILE "instance.lock"
#define LIVE_STATE "live-state.bin"
#define SUSPEND_TAG "suspend"
#define READY_MARKER "VMDRV-GUEST-READY"
#define TEMPLATE_FORMAT 1

#define DEFAULT_CPUS 1
#define DEFAULT_MEMORY_MB 256
#define DEFAULT_DISK_MB 5120

#define LOCK_TIMEOUT_MS 180000
#define LAUNCH_TIMEOUT_MS 120000
#define SAVE_TIMEOUT_MS 300000

/* ---- per-connection settings --------------------------------------------- */

typedef struct qemu_priv {
    char accel[8];         /* auto, kvm, tcg, hvf */
    char machine[16];      /* q35, microvm */
    unsigned long tsc_khz; /* microvm */
    int template_on;
    int live_mount;
    int ready_timeout_ms; /* TCG boot */
    int kvm_timeout_ms; /* a KVM boot slower than this means KVM is unusable */
    int exec_timeout_ms;
    int stop_timeout_ms;
    const char *append;
    const char *kernel;
    const char *initrd;
    const char *ready_marker;
    const char *bridge_conf;
    const char *bridge_helper;
    vmdrv_host real; /* the machine QEMU really runs on */
} qemu_priv;

/* ---- an open instance ---------------------------------------------------- */

typedef struct inst {
    vmdrv_conn *conn;
    vmdrv_ctx *ctx;
    qemu_priv *p;
    const char *name;
    char dir[1024];
    char *disk, *meta_path, *pidfile, *serial_log, *lock_path, *live_state;
    char *rundir, *qmp_sock, *serial_sock;
    vu_lock lock;
    int locked;
    json_t *meta;
} inst;

static const char *real_os_name(void)
{
    /* QEMU runs on the machine this code runs on; uname says which */
    struct utsname u;
    if (uname(&u) != 0)
        return "unknown";
    if (strcmp(u.sysname, "Linux") == 0)
        return "linux";
    if (strcmp(u.sysname, "Darwin") == 0)
        return "macos";
    return "unknown";
}

static int is_macos(void)
{
    return strcmp(real_os_name(), "macos") == 0;
}

/* ---- keeping the caller's error ------------------------------------------ */

/*
 * The error contract says a successful op leaves the caller's error as
 * it was. Ops here try things that may fail harmlessly on the way (a QMP
 * connect before a kill, a KVM boot before falling back), so each op
 * keeps the error it found and puts it back when it succeeds.
 */
typedef struct err_keep {
    vmdrv_ctx *ctx;
    int code;
    long native;
    char *origin;
    char *message;
} err_keep;

static void keep_error(err_keep *k, vmdrv_ctx *ctx)
{
    const vmdrv_error *e = vmdrv_last_error(ctx);
    k->ctx = ctx;
    k->code = e->code;
    k->native = e->native;
    k->origin = vu_strdup(e->origin ? e->origin : "sdk");
    k->message = vu_strdup(e->message ? e->message : "");
}

static int kept_error(err_keep *k, int rc)
{
    if (rc == 0) {
        const vmdrv_error *e = vmdrv_last_error(k->ctx);
        int changed = e->code != k->code || strcmp(e->message, k->message) != 0;
        if (changed && k->code == VMDRV_OK)
            vmdrv_error_clear(k->ctx);
        else if (changed)
            vmdrv_error_set(k->ctx, k->code, k->origin, k->native, "%s",
                            k->message);
    }
    free(k->origin);
    free(k->message);
    return rc;
}

/* ---- options ------------------------------------------------------------- */

static int opt_seconds(vmdrv_conn *conn, const char *key, int def_s, int *ms)
{
    const char *v = vmdrv_conn_option(conn, key);
    *ms = def_s * 1000;
    if (!v)
        return 0;
    char *end;
    double s = strtod(v, &end);
    if (end == v || *end || s <= 0 || s > 86400)
        return vmdrv_conn_error(conn, VMDRV_E_CONFIG, 0,
                                "driver option %s='%s' is not a number of "
                                "seconds",
                                key, v);
    *ms = (int)(s * 1000);
    return 0;
}

static int opt_bool(vmdrv_conn *conn, const char *key, int def, int *out)
{
    const char *v = vmdrv_conn_option(conn, key);
    *out = def;
    if (!v)
        return 0;
    if (strcmp(v, "on") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0)
        *out = 1;
    else if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0 ||
             strcmp(v, "no") == 0)
        *out = 0;
    else
        return vmdrv_conn_error(conn, VMDRV_E_CONFIG, 0,
                                "driver option %s='%s' must be on or off", key,
                                v);
    return 0;
}

/* The host's TSC rate in kHz from /proc/cpuinfo, 0 if unknown. */
static unsigned long host_tsc_khz(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    double mhz = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "cpu MHz", 7) == 0 && strchr(line, ':')) {
            mhz = strtod(strchr(line, ':') + 1, NULL);
            break;
        }
    fclose(f);
    return (unsigned long)(mhz * 1000.0);
}

static int do_open(vmdrv_conn *conn, unsigned int flags)
{
    (void)flags;
    qemu_priv *p = vu_calloc(1, sizeof *p);
    const char *v;
    int rc = 0;

    v = vmdrv_conn_option(conn, "accel");
    vu_strlcpy(p->accel, v ? v : "auto", sizeof p->accel);
    if (strcmp(p->accel, "auto") && strcmp(p->accel, "kvm") &&
        strcmp(p->accel, "tcg") && strcmp(p->accel, "hvf")) {
        rc = vmdrv_conn_error(conn, VMDRV_E_CONFIG, 0,
                              "driver option accel='%s' is not one of auto, "
                              "kvm, hvf, tcg",
                              v);
        goto cleanup;
    }
    v = vmdrv_conn_option(conn, "machine");
    vu_strlcpy(p->machine, v ? v : "q35", sizeof p->machine);
    if (strcmp(p->machine, "q35") && strcmp(p->machine, "microvm")) {
        rc = vmdrv_conn_error(conn, VMDRV_E_CONFIG, 0,
                              "driver option machine='%s' is not one of q35, "
                              "microvm",
                              v);
        goto cleanup;
    }
    v = vmdrv_conn_option(conn, "tsc_early_khz");
    if (v && strcmp(v, "auto") != 0) {
        char *end;
        p->tsc_khz = strtoul(v, &end, 10);
        if (end == v || *end || p->tsc_khz == 0) {
            rc = vmdrv_conn_error(conn, VMDRV_E_CONFIG, 0,
                                  "driver option tsc_early_khz='%s' is not a "
                                  "rate in kHz (or auto)",
                                  v);
            goto cleanup;
        }
    } else if (v) {
        p->tsc_khz = host_tsc_khz();
        if (!p->tsc_khz) {
            rc = vmdrv_conn_error(conn, VMDRV_E_CONFIG, 0,
                                  "cannot find this host's TSC rate for "
                                  "tsc_early_khz=auto: give it in kHz");
            goto cleanup;
        }
    }
    if (strcmp(p->machine, "microvm") == 0 && !p->tsc_khz) {
        rc = vmdrv_conn_error(conn, VMDRV_E_CONFIG, 0,
                              "machine=microvm needs the option "
                              "tsc_early_khz=<kHz> or tsc_early_khz=auto: "
                              "without it the guest can hang calibrating "
                              "its clock");
        goto cleanup;
    }
    if ((rc = opt_bool(conn, "template", 1, &p->template_on)) ||
        (rc = opt_bool(conn, "live_mount", 1, &p->live_mount)) ||
        (rc = opt_seconds(conn, "ready_timeout", 90, &p->ready_timeout_ms)) ||
        (rc = opt_seconds(conn, "kvm_timeout", 20, &p->kvm_timeout_ms)) ||
        (rc = opt_seconds(conn, "exec_timeout", 120, &p->exec_timeout_ms)) ||
        (rc = opt_seconds(conn, "stop_timeout", 20, &p->stop_timeout_ms)))
        goto cleanup;
    p->append = vmdrv_conn_option(conn, "append");
    p->kernel = vmdrv_conn_option(conn, "kernel");
    p->initrd = vmdrv_conn_option(conn, "initrd");
    p->ready_marker = vmdrv_conn_option(conn, "ready_marker");
    if (!p->ready_marker)
        p->ready_marker = READY_MARKER;
    p->bridge_conf = vmdrv_conn_option(conn, "bridge_conf");
    if (!p->bridge_conf)
        p->bridge_conf = "/etc/qemu/bridge.conf";
    p->bridge_helper = vmdrv_conn_option(conn, "bridge_helper");
    if (!p->bridge_helper)
        p->bridge_helper = "/usr/lib/qemu/qemu-bridge-helper";

    /* a simulated profile of this same OS still runs the real QEMU: its
     * accelerators are the machine's, not the profile's */
    const vmdrv_host *h = vmdrv_conn_host(conn);
    if (h->simulated) {
        vmdrv_host_probe(vmdrv_conn_ctx(conn), &p->real);
    } else {
        p->real = *h;
    }
cleanup:
    if (rc) {
        free(p);
        return rc;
    }
    vmdrv_conn_set_data(conn, p);
    return 0;
}

static void qemu_close(vmdrv_conn *conn)
{
    free(vmdrv_conn_data(conn));
}

/* ---- probe --------------------------------------------------------------- */

static vmdrv_tool system_tool(vmdrv_arch arch)
{
    return arch == VMDRV_ARCH_ARM64 ? VMDRV_TOOL_QEMU_AARCH64
                                    : VMDRV_TOOL_QEMU_X86_64;
}

static int qemu_probe(vmdrv_ctx *ctx, const vmdrv_host *host,
                      unsigned int flags)
{
    (void)flags;
    const char *real = real_os_name();
    if (host->simulated && strcmp(vmdrv_os_name(host->os), real) != 0)
        return qemu_err(ctx, VMDRV_E_DECLINED, 0,
                        "the host is the simulated profile '%s' (%s), but "
                        "QEMU runs for real and this machine runs %s: the "
                        "qemu driver cannot pretend to be QEMU on another "
                        "operating system",
                        host->profile_name, vmdrv_os_name(host->os), real);
    if (host->os != VMDRV_OS_LINUX && host->os != VMDRV_OS_MACOS)
        return qemu_err(ctx, VMDRV_E_DECLINED, 0,
                        "the qemu driver runs on Linux and macOS, not on %s",
                        vmdrv_os_name(host->os));
    if (host->simulated) {
        struct utsname u;
        vmdrv_arch a = VMDRV_ARCH_UNKNOWN;
        if (uname(&u) == 0)
            a = strcmp(u.machine, "aarch64") == 0 ||
                        strcmp(u.machine, "arm64") == 0
                    ? VMDRV_ARCH_ARM64
                : strcmp(u.machine, "x86_64") == 0 ? VMDRV_ARCH_X86_64
                                                   : VMDRV_ARCH_UNKNOWN;
        if (a != host->arch)
            return qemu_err(ctx, VMDRV_E_DECLINED, 0,
                            "the host is the simulated profile '%s' (%s), "
                            "but QEMU runs for real on this %s machine",
                            host->profile_name, vmdrv_arch_name(host->arch),
                            vmdrv_arch_name(a));
    }
    vmdrv_tool sys = system_tool(host->arch);
    if (!vmdrv_tool_path(ctx, sys))
        return qemu_err(ctx, VMDRV_E_DECLINED, 0,
                        "'%s' was not found (install QEMU, e.g. the "
                        "qemu-system-x86 package, or set %s)",
                        vmdrv_tool_program(sys), vmdrv_tool_env(sys));
    if (!vmdrv_tool_path(ctx, VMDRV_TOOL_QEMU_IMG))
        return qemu_err(ctx, VMDRV_E_DECLINED, 0,
                        "'qemu-img' was not found (install QEMU's tools, "
                        "e.g. the qemu-utils package, or set %s)",
                        vmdrv_tool_env(VMDRV_TOOL_QEMU_IMG));
    return 0;
}

/* ---- networks: what this host lets QEMU attach --------------------------- */

/* Is bridge allowed by a bridge.conf (allow/deny/include lines)? */
static int conf_allows(const char *path, const char *bridge, int depth)
{
    FILE *f = fopen(path, "r");
    char line[512];
    int allowed = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        char *l = vu_str_trim(line);
        char word[32], arg[400];
        if (*l == '#' || sscanf(l, "%31s %399s", word, arg) != 2)
            continue;
        if (strcmp(word, "include") == 0 && depth < 4)
            allowed |= conf_allows(arg, bridge, depth + 1);
        else if (strcmp(word, "allow") == 0 &&
                 (strcmp(arg, "all") == 0 || strcmp(arg, bridge) == 0))
            allowed = 1;
        else if (strcmp(word, "deny") == 0 &&
                 (strcmp(arg, "all") == 0 || strcmp(arg, bridge) == 0))
            allowed = 0;
    }
    fclose(f);
    return allowed;
}

/* Can this host attach a bridged NIC at all? reason says why not. */
static int bridging_possible(qemu_priv *p, char *reason, size_t size)
{
    if (is_macos())
        return 1; /* vmnet-bridged, built into QEMU 7.1 and later */
    if (access(p->bridge_helper, X_OK) != 0) {
        snprintf(reason, size, "QEMU's bridge helper '%s' is missing",
                 p->bridge_helper);
        return 0;
    }
    if (access(p->bridge_conf, R_OK) != 0) {
        snprintf(reason, size,
                 "'%s' does not exist, so QEMU's bridge helper allows no "
                 "bridge",
                 p->bridge_conf);
        return 0;
    }
    return 1;
}

static int qemu_caps_probe(vmdrv_conn *conn, uint64_t *caps, unsigned int flags)
{
    (void)flags;
    char reason[512];
    qemu_priv *p = vmdrv_conn_data(conn);
    if (!bridging_possible(p, reason, sizeof reason)) {
        vmdrv_log(vmdrv_conn_ctx(conn), QEMU_ORIGIN,
                  "extra networks unsupported here: %s", reason);
        *caps &= ~VMDRV_CAP_BIT(VMDRV_CAP_EXTRA_NETWORKS);
    }
    return 0;
}

/* ---- instance handles ---------------------------------------------------- */

static void inst_free_paths(inst *I)
{
    free(I->disk);
    free(I->meta_path);
    free(I->pidfile);
    free(I->serial_log);
    free(I->lock_path);
    free(I->live_state);
    free(I->rundir);
    free(I->qmp_sock);
    free(I->serial_sock);
}

/* The short runtime folder for the sockets; not created here. */
static void runtime_base(char *buf, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || strlen(tmp) > 40)
        tmp = "/tmp";
    snprintf(buf, size, "%s/vmdrv-%lu", tmp, (unsigned long)getuid());
}

static int inst_paths(vmdrv_conn *conn, const char *name, inst *I)
{
    memset(I, 0, sizeof *I);
    I->conn = conn;
    I->ctx = vmdrv_conn_ctx(conn);
    I->p = vmdrv_conn_data(conn);
    I->name = name;
    I->lock.fd = -1;
    int rc = vmdrv_conn_instance_dir(conn, name, I->dir, sizeof I->dir);
    if (rc)
        return rc;
    I->disk = vu_path_join(I->dir, DISK_FILE);
    I->meta_path = vu_path_join(I->dir, META_FILE);
    I->pidfile = vu_path_join(I->dir, PID_FILE);
    I->serial_log = vu_path_join(I->dir, SERIAL_LOG);
    I->lock_path = vu_path_join(I->dir, LOCK_FILE);
    I->live_state = vu_path_join(I->dir, LIVE_STATE);
    char base[128];
    runtime_base(base, sizeof base);
    I->rundir = vu_asprintf("%s/%016llx", base,
                            (unsigned long long)qemu_hash64(I->dir));
    I->qmp_sock = vu_path_join(I->rundir, "qmp.sock");
    I->serial_sock = vu_path_join(I->rundir, "serial.sock");
    return 0;
}

static void inst_close(inst *I)
{
    if (I->locked)
        vu_lock_release(&I->lock);
    I->locked = 0;
    json_decref(I->meta);
    I->meta = NULL;
    inst_free_paths(I);
}

/* Open an existing instance, locked (lock) or for reading. */
static int inst_open(vmdrv_conn *conn, const char *name, int lock, inst *I)
{
    char err[600];
    int rc = inst_paths(conn, name, I);
    if (rc)
        goto fail;
    if (!vu_path_exists(I->meta_path)) {
        rc = vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                              "instance '%s' does not exist", name);
        goto fail;
    }
    if (lock) {
        int l = vu_lock_acquire(&I->lock, I->lock_path, LOCK_TIMEOUT_MS);
        if (l) {
            rc = vmdrv_conn_error(conn, VMDRV_E_LOCKED, -l,
                                  "instance '%s' is busy with another "
                                  "operation (lock '%s': %s)",
                                  name, I->lock_path, strerror(-l));
            goto fail;
        }
        I->locked = 1;
        /* deleted while we waited for the lock */
        if (!vu_path_exists(I->meta_path)) {
            rc = vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                                  "instance '%s' does not exist", name);
            goto fail;
        }
    }
    I->meta = vu_json_load_file(I->meta_path, err, sizeof err);
    if (!I->meta) {
        rc = vmdrv_conn_error(conn, VMDRV_E_CORRUPT, 0,
                              "the QEMU record of '%s' is corrupt: %s", name,
                              err);
        goto fail;
    }
    if (json_integer_value(json_object_get(I->meta, "schema")) != SCHEMA) {
        rc = vmdrv_conn_error(conn, VMDRV_E_CORRUPT, 0,
                              "the QEMU record '%s' has an unknown schema "
                              "version",
                              I->meta_path);
        goto fail;
    }
    return 0;
fail:
    inst_close(I);
    return rc;
}

static int inst_save(inst *I)
{
    int w = vu_json_write_atomic(I->meta_path, I->meta);
    if (w)
        return vmdrv_conn_error(I->conn, VMDRV_E_IO, -w,
                                "cannot write '%s': %s", I->meta_path,
                                strerror(-w));
    return 0;
}

static const char *mstr(inst *I, const char *key, const char *def)
{
    return vu_json_str(I->meta, key, def);
}

static long long mint(inst *I, const char *key)
{
    return (long long)json_integer_value(json_object_get(I->meta, key));
}

static void mset_str(inst *I, const char *key, const char *value)
{
    if (value)
        json_object_set_new(I->meta, key, json_string(value));
    else
        json_object_del(I->meta, key);
}

static json_t *marray(inst *I, const char *key)
{
    json_t *a = json_object_get(I->meta, key);
    if (!json_is_array(a)) {
        a = json_array();
        json_object_set_new(I->meta, key, a);
    }
    return a;
}

static json_t *mobject(inst *I, const char *key)
{
    json_t *o = json_object_get(I->meta, key);
    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(I->meta, key, o);
    }
    return o;
}

/* ---- tools --------------------------------------------------------------- */

static const char *img_tool(inst *I)
{
    return vmdrv_tool_path(I->ctx, VMDRV_TOOL_QEMU_IMG);
}

static const char *system_bin(inst *I)
{
    return vmdrv_tool_path(I->ctx, system_tool(I->p->real.arch));
}

/* ---- the QEMU process ---------------------------------------------------- */

static long read_pidfile(const char *path)
{
    char *text;
    size_t len;
    if (vu_read_file(path, &text, &len) != 0)
        return 0;
    long pid = strtol(text, NULL, 10);
    free(text);
    return pid > 1 ? pid : 0;
}

/*
 * Is pid a live QEMU of this instance? A recycled pid belongs to someone
 * else: the command line must name this instance's pidfile. (A QEMU that
 * is exiting has an empty command line and counts as gone.)
 */
static int pid_is_ours(inst *I, long pid)
{
    if (!qemu_pid_running(pid))
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
    char *text;
    size_t len;
    if (!vu_path_exists("/proc/self/cmdline"))
        return 1; /* no /proc (macOS): the pid check is all there is */
    if (vu_read_file(path, &text, &len) != 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\0')
            text[i] = '\n';
    vu_buf needle = VU_BUF_INIT;
    vu_buf_printf(&needle, "\n-pidfile\n%s\n", I->pidfile);
    int ours = strstr(text, vu_buf_str(&needle)) != NULL;
    vu_buf_clear(&needle);
    free(text);
    return ours;
}

/* The pid of this instance's running QEMU, or 0. */
static long live_pid(inst *I)
{
    long pid = read_pidfile(I->pidfile);
    return pid_is_ours(I, pid) ? pid : 0;
}

/* Wait until our QEMU pid has really ended (not only begun exiting:
 * until then it still holds the disk image's lock and its sockets). */
static int wait_gone(inst *I, long pid, int timeout_ms)
{
    (void)I;
    long deadline = qemu_now_ms() + timeout_ms;
    while (qemu_pid_running(pid)) {
        if (qemu_now_ms() >= deadline)
            return 0;
        qemu_sleep_ms(10);
    }
    return 1;
}

static void cleanup_runtime(inst *I)
{
    unlink(I->qmp_sock);
    unlink(I->serial_sock);
    unlink(I->pidfile);
    rmdir(I->rundir);
}

/* End QEMU: QMP quit, then SIGTERM, then SIGKILL. */
static int kill_qemu(inst *I, long pid)
{
    qemu_qmp *q;
    int gone = 0;
    err_keep k; /* a cleanup: whatever error the caller holds stays */
    keep_error(&k, I->ctx);
    if (qemu_qmp_connect(I->ctx, I->qmp_sock, 2000, &q) == 0) {
        qemu_qmp_set_timeout(q, 5000);
        qemu_qmp_exec(q, "quit", NULL, NULL);
        qemu_qmp_close(q);
        gone = wait_gone(I, pid, 5000);
    }
    if (!gone) {
        kill((pid_t)pid, SIGTERM);
        gone = wait_gone(I, pid, 3000);
    }
    if (!gone) {
        kill((pid_t)pid, SIGKILL);
        gone = wait_gone(I, pid, 5000);
    }
    if (!gone)
        return kept_error(&k, vmdrv_conn_error(I->conn, VMDRV_E_TIMEOUT, 0,
                                               "QEMU process %ld of '%s' did "
                                               "not exit even after SIGKILL",
                                               pid, I->name));
    cleanup_runtime(I);
    return kept_error(&k, 0);
}

static int make_rundir(inst *I)
{
    char base[128];
    struct stat st;
    runtime_base(base, sizeof base);
    if (mkdir(base, 0700) != 0 && errno != EEXIST)
        return vmdrv_conn_error(I->conn, VMDRV_E_IO, errno,
                                "cannot create runtime folder '%s': %s", base,
                                strerror(errno));
    /* sockets of other users' VMs must not be reachable through a folder
     * someone else planted */
    if (lstat(base, &st) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != getuid() || (st.st_mode & 077))
        return vmdrv_conn_error(I->conn, VMDRV_E_IO, 0,
                                "runtime folder '%s' is not a private folder "
                                "owned by this user",
                                base);
    if (mkdir(I->rundir, 0700) != 0 && errno != EEXIST)
        return vmdrv_conn_error(I->conn, VMDRV_E_IO, errno,
                                "cannot create runtime folder '%s': %s",
                                I->rundir, strerror(errno));
    return 0;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* The last non-empty line of the serial log after off, for messages. */
static void log_tail(inst *I, long off, char *buf, size_t size)
{
    char *text;
    size_t len;
    buf[0] = '\0';
    if (vu_read_file(I->serial_log, &text, &len) != 0)
        return;
    size_t start = off > 0 && (size_t)off < len ? (size_t)off : 0;
    char *end = text + len;
    while (end > text + start &&
           (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
        end--;
    char *b = end;
    while (b > text + start && b[-1] != '\n')
        b--;
    snprintf(buf, size, "%.*s", (int)(end - b), b);
    for (char *c = buf; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    free(text);
}

/*
 * Start QEMU with argv (+ extra arguments) through the process runner.
 * -daemonize makes QEMU return once its devices, and a -loadvm, are set
 * up, with an exit status and its own error text when that failed.
 */
static int run_qemu(inst *I, vu_strv *argv, const char *x1, const char *x2,
                    long *log_off)
{
    int rc = make_rundir(I);
    if (rc)
        return rc;
    unlink(I->qmp_sock);
    unlink(I->serial_sock);
    unlink(I->pidfile);
    *log_off = file_size(I->serial_log);
    vu_strv full = VU_STRV_INIT;
    for (size_t i = 0; i < argv->n; i++)
        vu_strv_add(&full, argv->v[i]);
    if (x1)
        vu_strv_add(&full, x1);
    if (x2)
        vu_strv_add(&full, x2);
    vmdrv_proc_spec spec = {.argv = vu_strv_argv(&full),
                            .cwd = I->dir,
                            .timeout_ms = LAUNCH_TIMEOUT_MS};
    vmdrv_proc_result r;
    rc = vmdrv_proc_run(I->ctx, &spec, &r);
    if (rc == 0 && (r.timed_out || !r.exited || r.status != 0)) {
        char *err = vu_str_trim(r.err);
        rc = vmdrv_conn_error(
            I->conn, r.timed_out ? VMDRV_E_TIMEOUT : VMDRV_E_TOOL,
            r.exited ? r.status : 0, "QEMU failed to start '%s'%s: %s", I->name,
            r.timed_out ? " (timed out)" : "", *err ? err : "no message");
        long pid = live_pid(I);
        if (pid)
            kill((pid_t)pid, SIGKILL);
        cleanup_runtime(I);
    } else if (rc == 0 && r.err_len) {
        vmdrv_log(I->ctx, QEMU_ORIGIN, "QEMU for '%s' said: %s", I->name,
                  vu_str_trim(r.err));
    }
    vmdrv_proc_result_clear(&r);
    vu_strv_clear(&full);
    return rc;
}

/* Wait for the guest's ready marker on the console's log. */
static int wait_ready(inst *I, long log_off, int timeout_ms, char *line,
                      size_t line_size)
{
    long deadline = qemu_now_ms() + timeout_ms;
    const char *marker = I->p->ready_marker;
    line[0] = '\0';
    for (;;) {
        FILE *f = fopen(I->serial_log, "rb");
        if (f) {
            vu_buf b = VU_BUF_INIT;
            char chunk[8192];
            size_t n;
            if (fseek(f, log_off, SEEK_SET) == 0)
                while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
                    vu_buf_add(&b, chunk, n);
            fclose(f);
            const char *hit = b.data ? strstr(b.data, marker) : NULL;
            if (hit && strchr(hit, '\n')) {
                size_t len = strcspn(hit, "\r\n");
                snprintf(line, line_size, "%.*s", (int)len, hit);
                vu_buf_clear(&b);
                return 0;
            }
            vu_buf_clear(&b);
        }
        if (!live_pid(I)) {
            char tail[300];
            log_tail(I, log_off, tail, sizeof tail);
            cleanup_runtime(I);
            return vmdrv_conn_error(I->conn, VMDRV_E_TOOL, 0,
                                    "QEMU exited before the guest of '%s' "
                                    "was ready (last console line: '%s')",
                                    I->name, tail);
        }
        if (qemu_now_ms() >= deadline) {
            char tail[300];
            log_tail(I, log_off, tail, sizeof tail);
            return vmdrv_conn_error(I->conn, VMDRV_E_TIMEOUT, 0,
                                    "the guest of '%s' printed no '%s' within "
                                    "%d s (last console line: '%s')",
                                    I->name, marker, timeout_ms / 1000, tail);
        }
        qemu_sleep_ms(10);
    }
}

/* Connect to the instance's QMP. */
static int qmp_open(inst *I, qemu_qmp **q)
{
    int rc = qemu_qmp_connect(I->ctx, I->qmp_sock, 10000, q);
    if (rc)
        return vmdrv_conn_error(I->conn, rc, 0,
                                "cannot talk to QEMU of '%s': %s", I->name,
                                vmdrv_last_error(I->ctx)->message);
    return 0;
}

/* ---- guest commands ------------------------------------------------------ */

/* Run script in the guest; a non-zero exit is an error naming what. */
static int guest_sh(inst *I, const char *what, const char *script)
{
    vmdrv_exec_result r = {0};
    int rc = qemu_serial_exec(I->ctx, I->serial_sock, script,
                              I->p->exec_timeout_ms, &r);
    if (rc) {
        char *msg = vu_strdup(vmdrv_last_error(I->ctx)->message);
        rc = vmdrv_conn_error(I->conn, rc, 0, "cannot %s in '%s': %s", what,
                              I->name, msg);
        free(msg);
        return rc;
    }
    if (r.exit_code != 0)
        rc =
            vmdrv_conn_error(I->conn, VMDRV_E_TOOL, r.exit_code,
                             "cannot %s in '%s': the guest answered %d: %s",
                             what, I->name, r.exit_code, vu_str_trim(r.output));
    vmdrv_exec_result_clear(&r);
    return rc;
}

/* Mounts that are recorded and whose 9p device is in the running QEMU. */
static int mount_attached(inst *I, json_t *m)
{
    const char *tag = vu_json_str(m, "tag", "");
    size_t i;
    json_t *t;
    json_array_foreach(marray(I, "attached"), i,
                       t) if (strcmp(json_string_value(t), tag) == 0) return 1;
    return 0;
}

/*
 * Shell to mount or unmount one share in the guest. Whether it is mounted
 * is read from /proc/mounts by its 9p tag, which is unique and needs no
 * quoting (busybox has no mountpoint applet).
 */
static void script_mount(vu_buf *s, json_t *m)
{
    const char *g = vu_json_str(m, "guest", "");
    const char *tag = vu_json_str(m, "tag", "");
    if (s->len)
        vu_buf_puts(s, " && ");
    vu_buf_puts(s, "mkdir -p ");
    qemu_shell_quote(s, g);
    vu_buf_printf(s,
                  " && { grep -q '^%s ' /proc/mounts || mount -t 9p -o "
                  "trans=virtio,version=9p2000.L,msize=262144,cache=none "
                  "%s ",
                  tag, tag);
    qemu_shell_quote(s, g);
    vu_buf_puts(s, "; }");
}

static void script_umount(vu_buf *s, json_t *m)
{
    const char *g = vu_json_str(m, "guest", "");
    if (s->len)
        vu_buf_puts(s, " && ");
    vu_buf_printf(s, "{ ! grep -q '^%s ' /proc/mounts || umount ",
                  vu_json_str(m, "tag", ""));
    qemu_shell_quote(s, g);
    vu_buf_puts(s, "; }");
}

/* Mount every recorded, attached share in the guest (after a boot, a
 * resume or a load). */
static int guest_mount_all(inst *I, const char *prefix)
{
    vu_buf s = VU_BUF_INIT;
    if (prefix)
        vu_buf_puts(&s, prefix);
    size_t i;
    json_t *m;
    json_array_foreach(marray(I, "mounts"), i, m) if (mount_attached(I, m))
        script_mount(&s, m);
    int rc =
        s.len ? guest_sh(I, "mount the shared folders", vu_buf_str(&s)) : 0;
    vu_buf_clear(&s);
    return rc;
}

/* Unmount the 9p shares in the guest: they block savevm and migration. */
static int guest_umount_all(inst *I)
{
    vu_buf s = VU_BUF_INIT;
    json_t *mounts = marray(I, "mounts");
    for (size_t i = json_array_size(mounts); i-- > 0;)
        if (mount_attached(I, json_array_get(mounts, i)))
            script_umount(&s, json_array_get(mounts, i));
    int rc = s.len ? guest_sh(I,
                              "unmount the shared folders (9p blocks "
                              "saving the VM's state)",
                              vu_buf_str(&s))
                   : 0;
    vu_buf_clear(&s);
    return rc;
}

/* ---- state --------------------------------------------------------------- */

static int has_suspend_tag(inst *I, int *yes)
{
    qemu_img_snaps s;
    const char *tool = img_tool(I);
    *yes = 0;
    if (!tool)
        return VMDRV_E_NOTFOUND;
    int rc = qemu_img_snapshot_list(I->ctx, tool, I->disk, &s);
    if (rc)
        return rc;
    *yes = qemu_img_snaps_find(&s, SUSPEND_TAG) != NULL;
    qemu_img_snaps_clear(&s);
    return 0;
}

/* The instance's real state (see the file comment). */
static int real_state(inst *I, vmdrv_state *st)
{
    if (live_pid(I)) {
        *st = VMDRV_STATE_RUNNING;
        return 0;
    }
    /* only a VM that ran can have been suspended */
    if (!json_is_true(json_object_get(I->meta, "started"))) {
        *st = VMDRV_STATE_OFF;
        return 0;
    }
    int suspended;
    int rc = has_suspend_tag(I, &suspended);
    if (rc)
        return rc;
    *st = suspended ? VMDRV_STATE_SUSPENDED : VMDRV_STATE_STOPPED;
    return 0;
}

/*
 * vmdrv never leaves a VM paused; one that is (a vmdrv process killed
 * between a stop and its cont, a failed load) would not answer its
 * console, so it is continued. Best effort.
 */
static void unpause(inst *I)
{
    qemu_qmp *q;
    char status[32];
    if (qemu_qmp_connect(I->ctx, I->qmp_sock, 2000, &q) != 0)
        return;
    if (qemu_qmp_status(q, status, sizeof status) == 0 &&
        (strcmp(status, "paused") == 0 || strcmp(status, "postmigrate") == 0 ||
         strcmp(status, "restore-vm") == 0)) {
        vmdrv_log(I->ctx, QEMU_ORIGIN, "'%s' was left %s: continuing it",
                  I->name, status);
        qemu_qmp_exec(q, "cont", NULL, NULL);
    }
    qemu_qmp_close(q);
}

/*
 * For locked operations: find the real state, and when QEMU went away
 * on its own (guest power-off, crash, kill), clean its leftovers and
 * record that.
 */
static int reconcile(inst *I, vmdrv_state *st)
{
    int rc = real_state(I, st);
    if (rc)
        return rc;
    if (*st == VMDRV_STATE_RUNNING)
        unpause(I);
    const char *recorded = mstr(I, "state", "off");
    if (*st != VMDRV_STATE_RUNNING && strcmp(recorded, "running") == 0) {
        cleanup_runtime(I);
        char when[64];
        time_t now = time(NULL);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&now));
        json_object_set_new(
            I->meta, "last_exit",
            json_sprintf("QEMU exited on its own (guest power-off, reboot or "
                         "crash); noticed %s",
                         when));
        json_object_set_new(I->meta, "attached", json_array());
        mset_str(I, "state", vmdrv_state_name(*st));
        return inst_save(I);
    }
    if (*st != VMDRV_STATE_RUNNING && vu_path_exists(I->pidfile))
        cleanup_runtime(I);
    return 0;
}

static int wrong_state(inst *I, const char *what, vmdrv_state st)
{
    return vmdrv_conn_error(I->conn, VMDRV_E_STATE, 0,
                            "cannot %s instance '%s' while it is %s", what,
                            I->name, vmdrv_state_name(st));
}

/*
 * Shared frame of the instance ops: inst_run opens the instance (RUN_READ
 * for reading, RUN_LOCKED locked, RUN_RECONCILED locked with its state
 * reconciled into st), runs the op's body and closes the instance,
 * whatever the body did. The other fields carry the op's own parameters
 * and where its answer goes.
 */
typedef struct inst_op {
    inst I;
    vmdrv_state st;
    unsigned int flags;
    const char *arg;  /* guest path, network or command */
    const char *host; /* mount: the host folder, resolved */
    union {
        vmdrv_state *state;
        vmdrv_info *info;
        vmdrv_snapshots *snaps;
        vmdrv_exec_result *exec;
    } out;
} inst_op;

enum { RUN_READ, RUN_LOCKED, RUN_RECONCILED };

/* What an instance op does once inst_run has opened the instance. */
typedef int (*inst_body)(inst_op *O);

static int inst_run(vmdrv_conn *conn, const char *name, int how, inst_op *O,
                    inst_body body)
{
    int rc = inst_open(conn, name, how != RUN_READ, &O->I);
    if (rc)
        return rc;
    if (how == RUN_RECONCILED)
        rc = reconcile(&O->I, &O->st);
    if (rc == 0)
        rc = body(O);
    inst_close(&O->I);
    return rc;
}

/* ---- create -------------------------------------------------------------- */

static int regular_file(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where the guest kernel and initramfs are (owned paths). */
static int resolve_guest(vmdrv_conn *conn, const vmdrv_instance_spec *spec,
                         char **kernel, char **initrd)
{
    qemu_priv *p = vmdrv_conn_data(conn);
    char *k = NULL, *i = NULL;
    *kernel = *initrd = NULL;
    if (spec->image && *spec->image && strcmp(spec->image, "default") != 0 &&
        !regular_file(spec->image)) {
        if (!vu_is_dir(spec->image))
            return vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                                    "image '%s' for '%s' is not a folder "
                                    "holding vmlinux and initrd.img",
                                    spec->image, spec->name);
        k = vu_path_join(spec->image, "vmlinux");
        i = vu_path_join(spec->image, "initrd.img");
    } else {
        const char *ek = getenv("VMDRV_GUEST_KERNEL");
        const char *ei = getenv("VMDRV_GUEST_INITRD");
        k = vu_strdup(p->kernel   ? p->kernel
                      : ek && *ek ? ek
                                  : VMDRV_BUILD_DIR "/guest/vmlinux");
        i = vu_strdup(p->initrd   ? p->initrd
                      : ei && *ei ? ei
                                  : VMDRV_BUILD_DIR "/guest/initrd.img");
    }
    const char *missing = !regular_file(k) ? k : !regular_file(i) ? i : NULL;
    if (missing) {
        int rc = vmdrv_conn_error(
            conn, VMDRV_E_NOTFOUND, 0,
            "the guest for '%s' is missing: '%s' does not exist (build the "
            "test guest with 'cmake --build <build> --target guest_fixture', "
            "or give the driver options kernel= and initrd=, or set "
            "VMDRV_GUEST_KERNEL and VMDRV_GUEST_INITRD)",
            spec->name, missing);
        free(k);
        free(i);
        return rc;
    }
    *kernel = vu_path_abs(k);
    *initrd = vu_path_abs(i);
    free(k);
    free(i);
    return 0;
}

/* Take spec->image (a qcow2 disk) as the instance's disk at disk. */
static int adopt_disk(vmdrv_conn *conn, const vmdrv_instance_spec *spec,
                      const char *disk)
{
    char magic[4] = {0};
    FILE *f = fopen(spec->image, "rb");
    size_t n = f ? fread(magic, 1, sizeof magic, f) : 0;
    if (f)
        fclose(f);
    if (n != 4 || memcmp(magic, "QFI\xfb", 4) != 0)
        return vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                                "image '%s' for '%s' is neither a qcow2 disk "
                                "nor a folder holding vmlinux and initrd.img",
                                spec->image, spec->name);
    char *a = vu_path_abs(spec->image), *b = vu_path_abs(disk);
    int same = a && b && strcmp(a, b) == 0;
    free(a);
    free(b);
    if (same)
        return 0;
    int rc = vu_copy_file(spec->image, disk);
    if (rc)
        return vmdrv_conn_error(conn, VMDRV_E_IO, -rc,
                                "cannot copy disk '%s' for '%s': %s",
                                spec->image, spec->name, strerror(-rc));
    return 0;
}

static int do_instance_create(vmdrv_conn *conn, const vmdrv_instance_spec *spec,
                              unsigned int flags)
{
    (void)flags;
    inst I;
    char *kernel = NULL, *initrd = NULL;
    int made_dir = 0;
    int rc = inst_paths(conn, spec->name, &I);
    if (rc)
        goto cleanup;
    if (vu_path_exists(I.meta_path)) {
        rc = vmdrv_conn_error(conn, VMDRV_E_EXISTS, 0,
                              "instance '%s' already exists", spec->name);
        goto cleanup;
    }
    if ((rc = resolve_guest(conn, spec, &kernel, &initrd)))
        goto cleanup;
    const char *tool = img_tool(&I);
    if (!tool) {
        rc = VMDRV_E_NOTFOUND;
        goto cleanup;
    }
    /* a folder that is already there (a migrated disk waiting in it) is
     * never removed by a failed create */
    int existed = vu_is_dir(I.dir);
    int m = vu_mkdir_p(I.dir);
    if (m) {
        rc = vmdrv_conn_error(conn, VMDRV_E_IO, -m,
                              "cannot create instance folder '%s': %s", I.dir,
                              strerror(-m));
        goto cleanup;
    }
    made_dir = !existed;
    int l = vu_lock_acquire(&I.lock, I.lock_path, LOCK_TIMEOUT_MS);
    if (l) {
        rc = vmdrv_conn_error(conn, VMDRV_E_LOCKED, -l, "cannot lock '%s': %s",
                              I.lock_path, strerror(-l));
        goto cleanup;
    }
    I.locked = 1;
    uint64_t disk_mb = spec->disk_mb ? spec->disk_mb : DEFAULT_DISK_MB;
    if (spec->image && regular_file(spec->image)) {
        /* adopt an existing qcow2 disk (the Hyperkit migration leaves one
         * at <instance dir>/disk.qcow2 and names it here); the test guest
         * boots from its kernel and sees the disk as /dev/vda */
        if ((rc = adopt_disk(conn, spec, I.disk)))
            goto cleanup;
    } else if ((rc = qemu_img_create(I.ctx, tool, I.disk, disk_mb, NULL))) {
        goto cleanup;
    }
    I.meta = json_pack(
        "{s:i,s:s,s:I,s:i,s:I,s:I,s:s,s:s,s:s,s:I,s:b,s:s,s:[],s:[],s:[],"
        "s:{}}",
        "schema", SCHEMA, "name", spec->name, "created", (json_int_t)time(NULL),
        "cpus", spec->cpus ? spec->cpus : DEFAULT_CPUS, "memory_mb",
        (json_int_t)(spec->memory_mb ? spec->memory_mb : DEFAULT_MEMORY_MB),
        "disk_mb", (json_int_t)disk_mb, "kernel", kernel, "initrd", initrd,
        "machine", I.p->machine, "tsc_early_khz", (json_int_t)I.p->tsc_khz,
        "started", 0, "state", "off", "mounts", "attached", "networks",
        "snapshots");
    if (spec->image && regular_file(spec->image))
        json_object_set_new(I.meta, "adopted_disk", json_true());
    rc = inst_save(&I);
cleanup:
    if (rc && made_dir)
        vu_rm_rf(I.dir);
    free(kernel);
    free(initrd);
    inst_close(&I);
    return rc;
}

/* ---- accelerator --------------------------------------------------------- */

/* What identifies a QEMU binary for caches: path, size, mtime. */
static void file_identity(const char *path, vu_buf *b)
{
    struct stat st;
    if (stat(path, &st) == 0)
        vu_buf_printf(b, "%s:%lld:%lld", path, (long long)st.st_size,
                      (long long)st.st_mtime);
    else
        vu_buf_printf(b, "%s:?", path);
}

static char *accel_cache_path(inst *I)
{
    return vu_path_join(vmdrv_conn_dir(I->conn), "accel.json");
}

static void kvm_identity(inst *I, vu_buf *id)
{
    struct utsname u;
    const char *bin = system_bin(I);
    file_identity(bin ? bin : "?", id);
    if (uname(&u) == 0)
        vu_buf_printf(id, " kernel %s", u.release);
}

/* Has KVM been found unusable here before? reason gets why. */
static int kvm_known_broken(inst *I, char *reason, size_t size)
{
    char *path = accel_cache_path(I);
    json_t *c = vu_json_load_file(path, NULL, 0);
    vu_buf id = VU_BUF_INIT;
    int broken = 0;
    kvm_identity(I, &id);
    json_t *k = json_object_get(c, "kvm");
    if (k && strcmp(vu_json_str(k, "id", ""), vu_buf_str(&id)) == 0 &&
        json_is_false(json_object_get(k, "usable"))) {
        broken = 1;
        vu_strlcpy(reason, vu_json_str(k, "reason", ""), size);
    }
    json_decref(c);
    vu_buf_clear(&id);
    free(path);
    return broken;
}

static void kvm_remember(inst *I, int usable, const char *reason)
{
    char *path = accel_cache_path(I);
    vu_buf id = VU_BUF_INIT;
    kvm_identity(I, &id);
    json_t *c = json_pack("{s:{s:s,s:b,s:s,s:I}}", "kvm", "id", vu_buf_str(&id),
                          "usable", usable, "reason", reason ? reason : "",
                          "checked", (json_int_t)time(NULL));
    vu_json_write_atomic(path, c);
    json_decref(c);
    vu_buf_clear(&id);
    free(path);
}

static int kvm_known_usable(inst *I)
{
    char *path = accel_cache_path(I);
    json_t *c = vu_json_load_file(path, NULL, 0);
    vu_buf id = VU_BUF_INIT;
    kvm_identity(I, &id);
    json_t *k = json_object_get(c, "kvm");
    int usable = k && strcmp(vu_json_str(k, "id", ""), vu_buf_str(&id)) == 0 &&
                 json_is_true(json_object_get(k, "usable"));
    json_decref(c);
    vu_buf_clear(&id);
    free(path);
    return usable;
}

/* The accelerator to try first; note explains a fallback. */
static void choose_accel(inst *I, char *accel, size_t size, char *note,
                         size_t note_size)
{
    qemu_priv *p = I->p;
    note[0] = '\0';
    if (strcmp(p->accel, "auto") != 0) {
        vu_strlcpy(accel, p->accel, size);
        snprintf(note, note_size, "forced by the driver option accel=%s",
                 p->accel);
        return;
    }
    if (is_macos() && (p->real.accels & VMDRV_ACCEL_HVF)) {
        vu_strlcpy(accel, "hvf", size);
        return;
    }
    if (p->real.accels & VMDRV_ACCEL_KVM) {
        char reason[400];
        if (kvm_known_broken(I, reason, sizeof reason)) {
            vu_strlcpy(accel, "tcg", size);
            snprintf(note, note_size, "KVM is present but unusable here: %s",
                     reason);
            return;
        }
        vu_strlcpy(accel, "kvm", size);
        return;
    }
    vu_strlcpy(accel, "tcg", size);
    snprintf(note, note_size, "no hardware accelerator%s%s",
             p->real.accel_note[0] ? ": " : "", p->real.accel_note);
}

/* ---- launching ----------------------------------------------------------- */

typedef struct launch_plan {
    char accel[8];
    char accel_note[512];
    vu_strv argv;            /* without -incoming/-loadvm */
    json_t *mounts_attached; /* tags, in argv order */
} launch_plan;

static void plan_clear(launch_plan *lp)
{
    vu_strv_clear(&lp->argv);
    json_decref(lp->mounts_attached);
    lp->mounts_attached = NULL;
}

/* The argv for a cold start of I with accelerator accel: every recorded
 * mount and network attached. */
static int build_argv(inst *I, const char *accel, launch_plan *lp)
{
    const char *bin = system_bin(I);
    if (!bin)
        return VMDRV_E_NOTFOUND;
    json_t *mounts = marray(I, "mounts");
    json_t *nets = marray(I, "networks");
    size_t nm = json_array_size(mounts), nn = json_array_size(nets);
    qemu_mount_dev *md = vu_calloc(nm + 1, sizeof *md);
    qemu_nic *nd = vu_calloc(nn + 1, sizeof *nd);
    lp->mounts_attached = json_array();
    for (size_t i = 0; i < nm; i++) {
        json_t *m = json_array_get(mounts, i);
        md[i].tag = vu_json_str(m, "tag", "");
        md[i].host_path = vu_json_str(m, "host", "");
        json_array_append_new(lp->mounts_attached, json_string(md[i].tag));
    }
    for (size_t i = 0; i < nn; i++) {
        json_t *n = json_array_get(nets, i);
        nd[i].kind = vu_json_str(n, "kind", "bridge");
        nd[i].id = vu_json_str(n, "id", "");
        nd[i].mac = vu_json_str(n, "mac", "");
        nd[i].helper =
            strcmp(nd[i].kind, "bridge") == 0 ? I->p->bridge_helper : NULL;
    }
    qemu_launch l = {
        .binary = bin,
        .arch = I->p->real.arch,
        .accel = accel,
        .machine = mstr(I, "machine", "q35"),
        .tsc_khz = (unsigned long)mint(I, "tsc_early_khz"),
        .cpus = (int)mint(I, "cpus"),
        .memory_mb = (uint64_t)mint(I, "memory_mb"),
        .kernel = mstr(I, "kernel", ""),
        .initrd = mstr(I, "initrd", ""),
        .append_extra = I->p->append,
        .disk = I->disk,
        .serial_sock = I->serial_sock,
        .serial_log = I->serial_log,
        .qmp_sock = I->qmp_sock,
        .pidfile = I->pidfile,
        .mounts = md,
        .n_mounts = nm,
        .nics = nd,
        .n_nics = nn,
        .name = I->name,
        .daemonize = 1,
    };
    int rc = qemu_cmdline_build(I->ctx, &l, &lp->argv);
    free(md);
    free(nd);
    return rc;
}

/* A fresh instance with the plain device set can use a warm template. */
static int template_eligible(inst *I)
{
    /* an adopted disk has content of its own: a template's overlay would
     * replace it */
    return I->p->template_on &&
           !json_is_true(json_object_get(I->meta, "started")) &&
           !json_is_true(json_object_get(I->meta, "adopted_disk")) &&
           json_array_size(marray(I, "mounts")) == 0 &&
           json_array_size(marray(I, "networks")) == 0 &&
           json_object_size(mobject(I, "snapshots")) == 0;
}

/* The template key: everything that shapes the saved state. */
static char *template_key(inst *I, const char *accel, char **desc_out)
{
    vu_buf d = VU_BUF_INIT;
    const char *bin = system_bin(I);
    vu_buf_printf(&d, "format %d\nqemu ", TEMPLATE_FORMAT);
    file_identity(bin ? bin : "?", &d);
    vu_buf_puts(&d, "\nkernel ");
    file_identity(mstr(I, "kernel", ""), &d);
    vu_buf_puts(&d, "\ninitrd ");
    file_identity(mstr(I, "initrd", ""), &d);
    vu_buf_printf(&d,
                  "\naccel %s\nmachine %s\ntsc %lld\ncpus %lld\nmemory "
                  "%lld\ndisk %lld\nappend %s\nnet user\n",
                  accel, mstr(I, "machine", "q35"), mint(I, "tsc_early_khz"),
                  mint(I, "cpus"), mint(I, "memory_mb"), mint(I, "disk_mb"),
                  I->p->append ? I->p->append : "");
    char *key =
        vu_asprintf("%016llx", (unsigned long long)qemu_hash64(vu_buf_str(&d)));
    if (desc_out)
        *desc_out = vu_buf_detach(&d);
    vu_buf_clear(&d);
    return key;
}

/* Make the instance's disk an empty overlay on base. */
static int overlay_disk(inst *I, const char *base)
{
    const char *tool = img_tool(I);
    if (!tool)
        return VMDRV_E_NOTFOUND;
    unlink(I->disk);
    return qemu_img_create(I->ctx, tool, I->disk, (uint64_t)mint(I, "disk_mb"),
                           base);
}

/* After a cold boot's ready marker: the console's shell must answer. */
static int wait_shell(inst *I)
{
    return guest_sh(I, "reach the console shell", "true");
}

/* Save the just-booted VM as the template's state. Best effort: the
 * instance keeps running whatever happens. */
static void capture_template(inst *I, const char *tdir, const char *desc)
{
    qemu_qmp *q = NULL;
    char *tmp = vu_path_join(tdir, "state.bin.tmp");
    char *state = vu_path_join(tdir, "state.bin");
    vu_buf uri = VU_BUF_INIT;
    vu_buf_puts(&uri, "exec:cat > ");
    qemu_shell_quote(&uri, tmp);
    int rc = qmp_open(I, &q);
    if (rc == 0) {
        rc = qemu_qmp_migrate_out(q, vu_buf_str(&uri), 60000);
        int c = qemu_qmp_exec(q, "cont", NULL, NULL);
        if (rc == 0)
            rc = c;
    }
    if (rc == 0 && rename(tmp, state) != 0)
        rc = vmdrv_conn_error(I->conn, VMDRV_E_IO, errno,
                              "cannot rename '%s': %s", tmp, strerror(errno));
    if (rc == 0) {
        char *info = vu_path_join(tdir, "template.json");
        json_t *t = json_pack("{s:i,s:s,s:s,s:I}", "format", TEMPLATE_FORMAT,
                              "key_inputs", desc, "captured_from", I->name,
                              "created", (json_int_t)time(NULL));
        vu_json_write_atomic(info, t);
        json_decref(t);
        free(info);
        mset_str(I, "launch_note", "cold boot; warm template captured");
    } else {
        unlink(tmp);
        vmdrv_log(I->ctx, QEMU_ORIGIN, "no warm template from '%s': %s",
                  I->name, vmdrv_last_error(I->ctx)->message);
        mset_str(I, "launch_note",
                 "cold boot; capturing the warm template "
                 "failed");
    }
    qemu_qmp_close(q);
    vu_buf_clear(&uri);
    free(tmp);
    free(state);
}

/* Start from the template's state. 0 when running; a failure leaves no
 * QEMU behind. */
static int start_warm(inst *I, const char *tdir, launch_plan *lp)
{
    qemu_qmp *q = NULL;
    char *base = vu_path_join(tdir, "disk.qcow2");
    char *state = vu_path_join(tdir, "state.bin");
    vu_buf uri = VU_BUF_INIT;
    char status[32];
    long log_off;
    vu_buf_puts(&uri, "exec:cat ");
    qemu_shell_quote(&uri, state);
    int rc = overlay_disk(I, base);
    if (rc == 0)
        rc = run_qemu(I, &lp->argv, "-incoming", vu_buf_str(&uri), &log_off);
    if (rc == 0)
        rc = qmp_open(I, &q);
    if (rc == 0)
        rc = qemu_qmp_wait_status_leaves(q, "inmigrate", 60000, status,
                                         sizeof status);
    if (rc == 0 && strcmp(status, "paused") != 0 &&
        strcmp(status, "running") != 0)
        rc = vmdrv_conn_error(I->conn, VMDRV_E_TOOL, 0,
                              "loading the warm template of '%s' ended in "
                              "state '%s'",
                              I->name, status);
    if (rc == 0 && strcmp(status, "paused") == 0)
        rc = qemu_qmp_exec(q, "cont", NULL, NULL);
    qemu_qmp_close(q);
    if (rc) {
        long pid = live_pid(I);
        if (pid)
            kill_qemu(I, pid);
        cleanup_runtime(I);
    }
    vu_buf_clear(&uri);
    free(base);
    free(state);
    return rc;
}

/* Boot QEMU with lp's argv and wait for the ready marker, verifying KVM
 * along the way. On return lp->accel is the accelerator really used. */
static int boot(inst *I, launch_plan *lp, char *ready, size_t ready_size)
{
    long log_off;
    int kvm = strcmp(lp->accel, "kvm") == 0;
    int forced = strcmp(I->p->accel, "auto") != 0;
    long t0 = qemu_now_ms();
    int rc = run_qemu(I, &lp->argv, NULL, NULL, &log_off);
    long t1 = qemu_now_ms();
    if (rc == 0)
        rc = wait_ready(I, log_off,
                        kvm && !forced ? I->p->kvm_timeout_ms
                                       : I->p->ready_timeout_ms,
                        ready, ready_size);
    if (rc == 0)
        vmdrv_log(I->ctx, QEMU_ORIGIN,
                  "'%s': QEMU (%s) up in %ld ms, guest ready %ld ms later",
                  I->name, lp->accel, t1 - t0, qemu_now_ms() - t1);
    if (rc == 0 && kvm && !forced)
        kvm_remember(I, 1, "");
    if (rc && kvm && !forced) {
        /* KVM that opens but cannot (or only crawlingly) run a guest:
         * boot with TCG instead, and when that works, KVM was the
         * problem: remember it, so later starts skip it */
        char *why = vu_strdup(vmdrv_last_error(I->ctx)->message);
        long pid = live_pid(I);
        if (pid)
            kill_qemu(I, pid);
        vmdrv_log(I->ctx, QEMU_ORIGIN, "'%s': KVM boot failed, trying TCG: %s",
                  I->name, why);
        vu_strlcpy(lp->accel, "tcg", sizeof lp->accel);
        vu_strv_clear(&lp->argv);
        json_decref(lp->mounts_attached);
        lp->mounts_attached = NULL;
        rc = build_argv(I, lp->accel, lp);
        if (rc == 0)
            rc = run_qemu(I, &lp->argv, NULL, NULL, &log_off);
        if (rc == 0)
            rc = wait_ready(I, log_off, I->p->ready_timeout_ms, ready,
                            ready_size);
        if (rc == 0) {
            kvm_remember(I, 0, why);
            snprintf(lp->accel_note, sizeof lp->accel_note,
                     "KVM is present but a boot with it failed, so TCG is "
                     "used: %s",
                     why);
        }
        free(why);
    }
    if (rc) {
        /* a guest that never got ready is not left running */
        long pid = live_pid(I);
        if (pid)
            kill_qemu(I, pid);
    }
    return rc;
}

/* Off or stopped: start from the template or boot. */
static int start_fresh(inst *I)
{
    launch_plan lp = {0};
    char ready[300] = "";
    char *tdir = NULL, *desc = NULL, *key = NULL;
    vu_lock tlock = {-1, NULL};
    int have_tlock = 0;
    const char *launch = "cold";
    int rc;

    choose_accel(I, lp.accel, sizeof lp.accel, lp.accel_note,
                 sizeof lp.accel_note);
    mset_str(I, "launch_note", NULL);
    if ((rc = build_argv(I, lp.accel, &lp)))
        goto cleanup;
    /* an unverified KVM boots cold first: a template saved under a KVM
     * that then turns out unusable would be useless */
    int eligible = template_eligible(I) &&
                   (strcmp(lp.accel, "kvm") != 0 ||
                    strcmp(I->p->accel, "kvm") == 0 || kvm_known_usable(I));
    if (eligible) {
        key = template_key(I, lp.accel, &desc);
        char *tbase = vu_path_join(vmdrv_conn_dir(I->conn), "templates");
        tdir = vu_path_join(tbase, key);
        free(tbase);
        char *state = vu_path_join(tdir, "state.bin");
        int have_state = vu_path_exists(state);
        free(state);
        if (have_state) {
            rc = start_warm(I, tdir, &lp);
            if (rc == 0) {
                launch = "warm-template";
                mset_str(I, "template", key);
            } else {
                /* a template QEMU cannot load is useless: drop its state */
                const char *why = vmdrv_last_error(I->ctx)->message;
                vmdrv_log(I->ctx, QEMU_ORIGIN,
                          "warm template '%s' failed for '%s', booting: %s",
                          key, I->name, why);
                char *s2 = vu_path_join(tdir, "state.bin");
                unlink(s2);
                free(s2);
                char *note =
                    vu_asprintf("warm template failed (%s); cold boot", why);
                mset_str(I, "launch_note", note);
                free(note);
                rc = 0;
            }
        } else if (vu_mkdir_p(tdir) == 0) {
            char *lpath = vu_path_join(tdir, "lock");
            /* another launch capturing this template: just boot */
            have_tlock = vu_lock_acquire(&tlock, lpath, 0) == 0;
            free(lpath);
            if (have_tlock) {
                char *base = vu_path_join(tdir, "disk.qcow2");
                const char *tool = img_tool(I);
                if (!vu_path_exists(base) && tool)
                    rc = qemu_img_create(I->ctx, tool, base,
                                         (uint64_t)mint(I, "disk_mb"), NULL);
                if (rc == 0)
                    rc = overlay_disk(I, base);
                free(base);
                if (rc)
                    goto cleanup;
            }
        }
    }
    char key_accel[8];
    vu_strlcpy(key_accel, lp.accel, sizeof key_accel);
    int warm = strcmp(launch, "warm-template") == 0;
    if (!warm && (rc = boot(I, &lp, ready, sizeof ready)))
        goto cleanup;
    /* capture only what the key describes: not after a KVM fallback */
    if (!warm && have_tlock && strcmp(key_accel, lp.accel) == 0) {
        if (wait_shell(I) == 0) {
            capture_template(I, tdir, desc);
            mset_str(I, "template", key);
        } else {
            vmdrv_log(I->ctx, QEMU_ORIGIN,
                      "no warm template from '%s': its console shell does "
                      "not answer",
                      I->name);
        }
    }
    json_object_set_new(I->meta, "started", json_true());
    mset_str(I, "state", "running");
    mset_str(I, "launch", launch);
    mset_str(I, "accel", lp.accel);
    mset_str(I, "accel_note", lp.accel_note[0] ? lp.accel_note : NULL);
    if (ready[0])
        mset_str(I, "ready", ready);
    json_object_del(I->meta, "last_exit");
    json_t *argv = json_array();
    for (size_t i = 0; i < lp.argv.n; i++)
        json_array_append_new(argv, json_string(lp.argv.v[i]));
    json_object_set_new(I->meta, "run_argv", argv);
    json_object_set(I->meta, "attached", lp.mounts_attached);
    if ((rc = inst_save(I)))
        goto cleanup;
    /* the template holds no name: set it now, then mount the shares */
    vu_buf pre = VU_BUF_INIT;
    vu_buf_printf(&pre, "hostname %s", I->name);
    long t0 = qemu_now_ms();
    rc = guest_mount_all(I, vu_buf_str(&pre));
    vmdrv_log(I->ctx, QEMU_ORIGIN, "'%s': console answered in %ld ms (%s)",
              I->name, qemu_now_ms() - t0, launch);
    vu_buf_clear(&pre);
cleanup:
    if (rc && !live_pid(I))
        cleanup_runtime(I);
    if (have_tlock)
        vu_lock_release(&tlock);
    plan_clear(&lp);
    free(tdir);
    free(desc);
    free(key);
    return rc;
}

/* The argv the running (or suspended) QEMU was started with. */
static int recorded_argv(inst *I, vu_strv *argv)
{
    json_t *a = json_object_get(I->meta, "run_argv");
    if (!json_is_array(a) || json_array_size(a) == 0)
        return vmdrv_conn_error(I->conn, VMDRV_E_CORRUPT, 0,
                                "the QEMU record of '%s' lacks the command "
                                "line its VM was started with",
                                I->name);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) vu_strv_add(argv, json_string_value(v));
    return 0;
}

/* Suspended: relaunch with the same devices and -loadvm suspend. */
static int start_resume(inst *I)
{
    vu_strv argv = VU_STRV_INIT;
    qemu_qmp *q = NULL;
    long log_off;
    char status[32];
    int rc = recorded_argv(I, &argv);
    if (rc == 0)
        rc = run_qemu(I, &argv, "-loadvm", SUSPEND_TAG, &log_off);
    if (rc == 0)
        rc = qmp_open(I, &q);
    if (rc == 0)
        rc = qemu_qmp_status(q, status, sizeof status);
    if (rc == 0 && strcmp(status, "running") != 0)
        rc = qemu_qmp_exec(q, "cont", NULL, NULL);
    /* Multipass drops the memory snapshot once resumed: the disk keeps
     * no stale state that a later start could mistake for a suspension */
    if (rc == 0)
        rc = qemu_qmp_hmp_checked(q, "delvm " SUSPEND_TAG);
    qemu_qmp_close(q);
    if (rc) {
        long pid = live_pid(I);
        if (pid)
            kill_qemu(I, pid);
        goto cleanup;
    }
    mset_str(I, "state", "running");
    mset_str(I, "launch", "resume");
    mset_str(I, "launch_note", NULL);
    if ((rc = inst_save(I)))
        goto cleanup;
    rc = guest_mount_all(I, NULL);
cleanup:
    vu_strv_clear(&argv);
    return rc;
}

static int op_start(inst_op *O)
{
    switch (O->st) {
    case VMDRV_STATE_RUNNING:
        return 0; /* starting a running instance is not an error */
    case VMDRV_STATE_OFF:
    case VMDRV_STATE_STOPPED:
        return start_fresh(&O->I);
    case VMDRV_STATE_SUSPENDED:
        return start_resume(&O->I);
    default:
        return wrong_state(&O->I, "start", O->st);
    }
}

/* ---- stop, suspend, delete ----------------------------------------------- */

static int stopped_now(inst *I)
{
    cleanup_runtime(I);
    mset_str(I, "state", "stopped");
    json_object_set_new(I->meta, "attached", json_array());
    return inst_save(I);
}

static int op_stop(inst_op *O)
{
    inst *I = &O->I;
    int rc;
    if (O->st == VMDRV_STATE_OFF || O->st == VMDRV_STATE_STOPPED)
        return 0; /* stop is idempotent */
    if (O->st == VMDRV_STATE_SUSPENDED) {
        if (!(O->flags & VMDRV_STOP_FORCE))
            return vmdrv_conn_error(I->conn, VMDRV_E_STATE, 0,
                                    "cannot shut down suspended instance '%s' "
                                    "(use a forced stop to discard its saved "
                                    "state)",
                                    I->name);
        /* a forced stop discards the saved state, as Multipass does */
        const char *tool = img_tool(I);
        if (!tool)
            return VMDRV_E_NOTFOUND;
        if ((rc = qemu_img_snapshot(I->ctx, tool, I->disk, 'd', SUSPEND_TAG)))
            return rc;
        return stopped_now(I);
    }
    long pid = live_pid(I);
    if (pid && !(O->flags & VMDRV_STOP_FORCE)) {
        /* ACPI for guests that listen; the test guest's busybox does not,
         * so its console shell is asked to power off as well */
        qemu_qmp *q;
        if (qemu_qmp_connect(I->ctx, I->qmp_sock, 2000, &q) == 0) {
            qemu_qmp_exec(q, "system_powerdown", NULL, NULL);
            qemu_qmp_close(q);
        }
        qemu_serial_send(I->ctx, I->serial_sock, "\x15sync; poweroff -f\n",
                         2000);
        if (wait_gone(I, pid, I->p->stop_timeout_ms))
            pid = 0;
        else
            vmdrv_log(I->ctx, QEMU_ORIGIN,
                      "'%s' did not power down within %d s: powering off",
                      I->name, I->p->stop_timeout_ms / 1000);
    }
    if (pid && (rc = kill_qemu(I, pid)))
        return rc;
    return stopped_now(I);
}

static int op_suspend(inst_op *O)
{
    inst *I = &O->I;
    qemu_qmp *q = NULL;
    if (O->st == VMDRV_STATE_SUSPENDED)
        return 0;
    if (O->st != VMDRV_STATE_RUNNING)
        return wrong_state(I, "suspend", O->st);
    long pid = live_pid(I);
    int rc = guest_umount_all(I);
    if (rc == 0)
        rc = qmp_open(I, &q);
    if (rc) {
        qemu_qmp_close(q);
        return rc;
    }
    qemu_qmp_set_timeout(q, SAVE_TIMEOUT_MS);
    rc = qemu_qmp_hmp_checked(q, "savevm " SUSPEND_TAG);
    if (rc) {
        char *msg = vu_strdup(vmdrv_last_error(I->ctx)->message);
        qemu_qmp_close(q);
        guest_mount_all(I, NULL);
        rc = vmdrv_conn_error(I->conn, rc, 0, "cannot suspend '%s': %s",
                              I->name, msg);
        free(msg);
        return rc;
    }
    qemu_qmp_set_timeout(q, 5000);
    qemu_qmp_exec(q, "quit", NULL, NULL);
    qemu_qmp_close(q);
    if (!wait_gone(I, pid, 10000) && (rc = kill_qemu(I, pid)))
        return rc;
    cleanup_runtime(I);
    mset_str(I, "state", "suspended");
    return inst_save(I);
}

static int op_state(inst_op *O)
{
    return real_state(&O->I, O->out.state);
}

static int op_info(inst_op *O)
{
    inst *I = &O->I;
    vmdrv_info *info = O->out.info;
    int rc = real_state(I, &info->state);
    if (rc)
        return rc;
    info->cpus = (int)mint(I, "cpus");
    info->memory_mb = (uint64_t)mint(I, "memory_mb");
    info->disk_mb = (uint64_t)mint(I, "disk_mb");
    int running = info->state == VMDRV_STATE_RUNNING;
    const char *accel = mstr(I, "accel", NULL);
    if (accel)
        vmdrv_info_add(info, "accelerator", "%s%s", accel,
                       running ? "" : " (at the last start)");
    if (mstr(I, "accel_note", NULL))
        vmdrv_info_add(info, "accelerator_note", "%s",
                       mstr(I, "accel_note", ""));
    if (mstr(I, "launch", NULL))
        vmdrv_info_add(info, "launch", "%s", mstr(I, "launch", ""));
    if (mstr(I, "launch_note", NULL))
        vmdrv_info_add(info, "launch_note", "%s", mstr(I, "launch_note", ""));
    if (mstr(I, "template", NULL))
        vmdrv_info_add(info, "template", "%s", mstr(I, "template", ""));
    vmdrv_info_add(info, "machine", "%s", mstr(I, "machine", "q35"));
    vmdrv_info_add(info, "kernel", "%s", mstr(I, "kernel", ""));
    vmdrv_info_add(info, "initrd", "%s", mstr(I, "initrd", ""));
    vmdrv_info_add(info, "disk", "%s", I->disk);
    vmdrv_info_add(info, "console_log", "%s", I->serial_log);
    long pid = live_pid(I);
    if (pid) {
        vmdrv_info_add(info, "pid", "%ld", pid);
        vmdrv_info_add(info, "qmp_socket", "%s", I->qmp_sock);
        vmdrv_info_add(info, "console_socket", "%s", I->serial_sock);
    }
    if (mstr(I, "ready", NULL))
        vmdrv_info_add(info, "ready", "%s", mstr(I, "ready", ""));
    size_t i;
    json_t *m;
    json_array_foreach(marray(I, "mounts"), i, m) vmdrv_info_add(
        info, "mount", "%s => %s (9p tag %s)", vu_json_str(m, "host", "?"),
        vu_json_str(m, "guest", "?"), vu_json_str(m, "tag", "?"));
    json_array_foreach(marray(I, "networks"), i, m) vmdrv_info_add(
        info, "network", "%s (%s, %s)", vu_json_str(m, "id", "?"),
        vu_json_str(m, "kind", "?"), vu_json_str(m, "mac", "?"));
    vmdrv_info_add(info, "snapshots", "%zu",
                   json_object_size(mobject(I, "snapshots")));
    if (mstr(I, "last_exit", NULL) && !running)
        vmdrv_info_add(info, "last_exit", "%s", mstr(I, "last_exit", ""));
    return 0;
}

static int op_delete(inst_op *O)
{
    inst *I = &O->I;
    long pid = live_pid(I);
    int rc;
    if (pid && (rc = kill_qemu(I, pid)))
        return rc;
    cleanup_runtime(I);
    int r = vu_rm_rf(I->dir);
    if (r)
        return vmdrv_conn_error(I->conn, VMDRV_E_IO, -r,
                                "cannot remove instance folder '%s': %s",
                                I->dir, strerror(-r));
    return 0;
}

static int do_instance_list(vmdrv_conn *conn, vmdrv_names *names,
                            unsigned int flags)
{
    (void)flags;
    char *dir = vu_path_join(vmdrv_conn_dir(conn), "instances");
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        int rc = e == ENOENT ? 0
                             : vmdrv_conn_error(conn, VMDRV_E_IO, e,
                                                "cannot list '%s': %s", dir,
                                                strerror(e));
        free(dir);
        return rc;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!vmdrv_name_valid(de->d_name))
            continue;
        char *meta = vu_asprintf("%s/%s/%s", dir, de->d_name, META_FILE);
        if (vu_path_exists(meta))
            vmdrv_names_add(names, de->d_name);
        free(meta);
    }
    closedir(d);
    free(dir);
    return 0;
}

/* ---- snapshots ----------------------------------------------------------- */

/*
 * Shared start of the snapshot ops: the instance, locked; its state; its
 * snapshots; and, when it runs, a QMP connection (q), which also lists
 * the snapshots without starting qemu-img. snap_close ends what it began.
 */
typedef struct snap_op {
    inst I;
    vmdrv_state st;
    qemu_img_snaps snaps;
    qemu_qmp *q;
} snap_op;

static void snap_close(snap_op *S)
{
    qemu_qmp_close(S->q);
    S->q = NULL;
    qemu_img_snaps_clear(&S->snaps);
    inst_close(&S->I);
}

static int snap_open(vmdrv_conn *conn, const char *name, snap_op *S)
{
    S->snaps.items = NULL;
    S->snaps.count = 0;
    S->q = NULL;
    int rc = inst_open(conn, name, 1, &S->I);
    if (rc)
        return rc;
    inst *I = &S->I;
    const char *tool = img_tool(I);
    if (!tool)
        rc = VMDRV_E_NOTFOUND;
    if (rc == 0)
        rc = reconcile(I, &S->st);
    if (rc == 0 && S->st == VMDRV_STATE_RUNNING) {
        rc = qmp_open(I, &S->q);
        if (rc == 0) {
            qemu_qmp_set_timeout(S->q, 30000);
            rc = qemu_qmp_snapshots(S->q, QEMU_DISK_NODE, &S->snaps);
        }
    } else if (rc == 0) {
        rc = qemu_img_snapshot_list(I->ctx, tool, I->disk, &S->snaps);
    }
    if (rc)
        snap_close(S);
    return rc;
}

/* A snapshot op refuses any state but running, stopped and off. */
static int snap_state_ok(snap_op *S, const char *what)
{
    if (S->st != VMDRV_STATE_RUNNING && S->st != VMDRV_STATE_STOPPED &&
        S->st != VMDRV_STATE_OFF)
        return wrong_state(&S->I, what, S->st);
    return 0;
}

static int no_snapshot(inst *I, const char *snapshot)
{
    return vmdrv_conn_error(I->conn, VMDRV_E_NOTFOUND, 0,
                            "instance '%s' has no snapshot '%s'", I->name,
                            snapshot);
}

/*
 * Save (or, with load, load) the running VM's internal snapshot through
 * QMP. Mounted 9p shares block savevm, so the guest unmounts them first
 * and mounts them again afterwards, also when QMP failed. The QMP
 * connection is closed on the way: the guest's mounts go through the
 * console, and later steps may need QMP for themselves.
 */
static int live_snapshot(snap_op *S, const char *snapshot, int load)
{
    inst *I = &S->I;
    int rc = guest_umount_all(I);
    if (rc)
        return rc;
    rc = load ? qemu_qmp_snapshot_load(S->q, snapshot, QEMU_DISK_NODE,
                                       SAVE_TIMEOUT_MS)
              : qemu_qmp_snapshot_save(S->q, snapshot, QEMU_DISK_NODE,
                                       SAVE_TIMEOUT_MS);
    qemu_qmp_close(S->q);
    S->q = NULL;
    if (rc == 0)
        return guest_mount_all(I, NULL);
    char *msg = vu_strdup(vmdrv_last_error(I->ctx)->message);
    guest_mount_all(I, NULL);
    if (load)
        rc = vmdrv_conn_error(I->conn, rc, 0, "cannot restore '%s' to '%s': %s",
                              I->name, snapshot, msg);
    else
        rc =
            vmdrv_conn_error(I->conn, rc, 0, "cannot snapshot '%s' as '%s': %s",
                             I->name, snapshot, msg);
    free(msg);
    return rc;
}

/* What a snapshot op does once snap_open has begun it. */
typedef int (*snap_body)(snap_op *S, const char *snapshot);

/* Open, run body, close: every snapshot op but the list. No flags are
   defined for them yet. */
static int snap_run(vmdrv_conn *conn, const char *name, const char *snapshot,
                    unsigned int flags, snap_body body)
{
    (void)flags;
    snap_op S;
    int rc = snap_open(conn, name, &S);
    if (rc)
        return rc;
    rc = body(&S, snapshot);
    snap_close(&S);
    return rc;
}

static int snap_take(snap_op *S, const char *snapshot)
{
    inst *I = &S->I;
    int rc = snap_state_ok(S, "snapshot");
    if (rc)
        return rc;
    if (qemu_img_snaps_find(&S->snaps, snapshot))
        return vmdrv_conn_error(I->conn, VMDRV_E_EXISTS, 0,
                                "snapshot '%s' of '%s' already exists",
                                snapshot, I->name);
    if (S->st == VMDRV_STATE_RUNNING)
        rc = live_snapshot(S, snapshot, 0);
    else
        rc = qemu_img_snapshot(I->ctx, img_tool(I), I->disk, 'c', snapshot);
    if (rc)
        return rc;
    json_object_set_new(mobject(I, "snapshots"), snapshot,
                        json_pack("{s:s,s:I,s:b}", "parent",
                                  mstr(I, "current_snapshot", ""), "created",
                                  (json_int_t)time(NULL), "live",
                                  S->st == VMDRV_STATE_RUNNING));
    mset_str(I, "current_snapshot", snapshot);
    return inst_save(I);
}

static int do_snapshot_take(vmdrv_conn *conn, const char *name,
                            const char *snapshot, unsigned int flags)
{
    if (strcmp(snapshot, SUSPEND_TAG) == 0)
        return vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                                "snapshot name '%s' is reserved by the QEMU "
                                "driver for suspension",
                                snapshot);
    return snap_run(conn, name, snapshot, flags, snap_take);
}

static int snap_restore(snap_op *S, const char *snapshot)
{
    inst *I = &S->I;
    int rc;
    const qemu_img_snap *s = strcmp(snapshot, SUSPEND_TAG) == 0
                                 ? NULL
                                 : qemu_img_snaps_find(&S->snaps, snapshot);
    if (!s)
        return no_snapshot(I, snapshot);
    if ((rc = snap_state_ok(S, "restore")))
        return rc;
    if (S->st == VMDRV_STATE_RUNNING && s->vm_state_bytes > 0) {
        /* live: the guest's memory comes back as it was */
        rc = live_snapshot(S, snapshot, 1);
    } else if (S->st == VMDRV_STATE_RUNNING) {
        /* a snapshot taken while stopped holds only the disk: restore it
         * offline and boot, as a running instance would after a reset */
        qemu_qmp_close(S->q); /* one QMP client at a time: kill_qemu needs it */
        S->q = NULL;
        long pid = live_pid(I);
        if (pid && (rc = kill_qemu(I, pid)))
            return rc;
        if ((rc = stopped_now(I)) ||
            (rc = qemu_img_snapshot(I->ctx, img_tool(I), I->disk, 'a',
                                    snapshot)))
            return rc;
        rc = start_fresh(I);
        if (rc == 0)
            mset_str(I, "launch_note",
                     "booted after restoring a disk-only snapshot");
    } else {
        rc = qemu_img_snapshot(I->ctx, img_tool(I), I->disk, 'a', snapshot);
    }
    if (rc)
        return rc;
    mset_str(I, "current_snapshot", snapshot);
    return inst_save(I);
}

static int op_snapshot_list(inst_op *O)
{
    inst *I = &O->I;
    qemu_img_snaps snaps;
    const char *tool = img_tool(I);
    if (!tool)
        return VMDRV_E_NOTFOUND;
    int rc = qemu_img_snapshot_list(I->ctx, tool, I->disk, &snaps);
    if (rc)
        return rc;
    json_t *known = mobject(I, "snapshots");
    for (size_t i = 0; i < snaps.count; i++) {
        const qemu_img_snap *s = &snaps.items[i];
        if (strcmp(s->tag, SUSPEND_TAG) == 0)
            continue; /* the saved state of a suspension is no snapshot */
        json_t *k = json_object_get(known, s->tag);
        vmdrv_snapshots_add(
            O->out.snaps, s->tag, vu_json_str(k, "parent", ""),
            k ? (long long)json_integer_value(json_object_get(k, "created"))
              : s->date,
            s->vm_state_bytes ? "with memory state" : "disk only");
    }
    qemu_img_snaps_clear(&snaps);
    return 0;
}

static int snap_delete(snap_op *S, const char *snapshot)
{
    inst *I = &S->I;
    int rc;
    if (strcmp(snapshot, SUSPEND_TAG) == 0 ||
        !qemu_img_snaps_find(&S->snaps, snapshot))
        return no_snapshot(I, snapshot);
    if (S->st == VMDRV_STATE_RUNNING) {
        rc = qemu_qmp_snapshot_delete(S->q, snapshot, QEMU_DISK_NODE,
                                      SAVE_TIMEOUT_MS);
    } else {
        rc = qemu_img_snapshot(I->ctx, img_tool(I), I->disk, 'd', snapshot);
    }
    if (rc)
        return rc;
    /* children of the deleted snapshot now descend from its parent */
    json_t *known = mobject(I, "snapshots");
    const char *parent =
        vu_json_str(json_object_get(known, snapshot), "parent", "");
    const char *k;
    json_t *v;
    char *pcopy = vu_strdup(parent);
    json_object_foreach(
        known, k, v) if (strcmp(vu_json_str(v, "parent", ""), snapshot) == 0)
        json_object_set_new(v, "parent", json_string(pcopy));
    json_object_del(known, snapshot);
    if (strcmp(mstr(I, "current_snapshot", ""), snapshot) == 0)
        mset_str(I, "current_snapshot", *pcopy ? pcopy : NULL);
    free(pcopy);
    return inst_save(I);
}

/* ---- native mounts ------------------------------------------------------- */

/*
 * Add the 9p export for m to the running VM: save its state, relaunch
 * QEMU with the export appended and the state loaded, and have the guest
 * rescan its PCI bus. If QEMU refuses the new command line, the old one
 * is relaunched from the same state, so the guest survives a failure.
 */
static int live_attach(inst *I, json_t *m)
{
    vu_strv argv = VU_STRV_INIT, grown = VU_STRV_INIT;
    qemu_qmp *q = NULL;
    vu_buf out_uri = VU_BUF_INIT, in_uri = VU_BUF_INIT;
    char *fail = NULL; /* why the export could not be added */
    char status[32];
    long log_off;
    int rc = recorded_argv(I, &argv);
    if (rc)
        goto cleanup;
    long pid = live_pid(I);
    if ((rc = guest_umount_all(I)) || (rc = qmp_open(I, &q)))
        goto cleanup;
    vu_buf_puts(&out_uri, "exec:cat > ");
    qemu_shell_quote(&out_uri, I->live_state);
    vu_buf_puts(&in_uri, "exec:cat ");
    qemu_shell_quote(&in_uri, I->live_state);
    rc = qemu_qmp_migrate_out(q, vu_buf_str(&out_uri), 120000);
    if (rc) {
        fail = vu_strdup(vmdrv_last_error(I->ctx)->message);
        qemu_qmp_exec(q, "cont", NULL, NULL);
        qemu_qmp_close(q);
        q = NULL;
        unlink(I->live_state);
        guest_mount_all(I, NULL);
        rc = vmdrv_conn_error(I->conn, rc, 0, "%s", fail);
        goto cleanup;
    }
    qemu_qmp_exec(q, "quit", NULL, NULL);
    qemu_qmp_close(q);
    q = NULL;
    if (!wait_gone(I, pid, 10000) && (rc = kill_qemu(I, pid)))
        goto cleanup;
    cleanup_runtime(I);

    for (size_t i = 0; i < argv.n; i++)
        vu_strv_add(&grown, argv.v[i]);
    qemu_mount_dev md = {vu_json_str(m, "tag", ""), vu_json_str(m, "host", "")};
    qemu_cmdline_mount_args(mstr(I, "machine", "q35"), &md, &grown);
    int frc = run_qemu(I, &grown, "-incoming", vu_buf_str(&in_uri), &log_off);
    if (frc) {
        /* QEMU refused the new command line: bring the VM back as it was */
        fail = vu_strdup(vmdrv_last_error(I->ctx)->message);
        if ((rc = run_qemu(I, &argv, "-incoming", vu_buf_str(&in_uri),
                           &log_off))) {
            rc = vmdrv_conn_error(I->conn, frc, 0,
                                  "%s (and the VM could not be relaunched; "
                                  "its state is kept in '%s')",
                                  fail, I->live_state);
            goto cleanup;
        }
    }
    if ((rc = qmp_open(I, &q)) ||
        (rc = qemu_qmp_wait_status_leaves(q, "inmigrate", 120000, status,
                                          sizeof status)))
        goto cleanup;
    if (strcmp(status, "paused") == 0 &&
        (rc = qemu_qmp_exec(q, "cont", NULL, NULL)))
        goto cleanup;
    qemu_qmp_close(q);
    q = NULL;
    unlink(I->live_state);
    if (fail) {
        guest_mount_all(I, NULL);
        rc = vmdrv_conn_error(I->conn, frc, 0,
                              "%s (the VM goes on without the new export)",
                              fail);
        goto cleanup;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < grown.n; i++)
        json_array_append_new(a, json_string(grown.v[i]));
    json_object_set_new(I->meta, "run_argv", a);
    json_array_append_new(marray(I, "attached"),
                          json_string(vu_json_str(m, "tag", "")));
    if ((rc = inst_save(I)))
        goto cleanup;
    /* the new export appears on a PCI rescan; the others were unmounted
     * for the relaunch */
    rc = guest_sh(I, "find the new 9p export", "echo 1 > /sys/bus/pci/rescan");
    if (rc == 0)
        rc = guest_mount_all(I, NULL);
cleanup:
    qemu_qmp_close(q);
    free(fail);
    vu_strv_clear(&argv);
    vu_strv_clear(&grown);
    vu_buf_clear(&out_uri);
    vu_buf_clear(&in_uri);
    return rc;
}

/* "/mnt/dir/" -> "/mnt/dir" (owned). */
static char *clean_guest_path(const char *p)
{
    char *c = vu_strdup(p);
    size_t n = strlen(c);
    while (n > 1 && c[n - 1] == '/')
        c[--n] = '\0';
    return c;
}

static int op_mount(inst_op *O)
{
    inst *I = &O->I;
    const char *guest = O->arg, *host = O->host;
    int rc;
    size_t i;
    json_t *m;
    json_array_foreach(marray(I, "mounts"), i, m)
    {
        if (strcmp(vu_json_str(m, "guest", ""), guest) == 0)
            return vmdrv_conn_error(I->conn, VMDRV_E_EXISTS, 0,
                                    "'%s' is already mounted in '%s'", guest,
                                    I->name);
    }
    if (O->st == VMDRV_STATE_SUSPENDED)
        return wrong_state(I, "mount a folder into", O->st);
    int microvm = strcmp(mstr(I, "machine", "q35"), "microvm") == 0;
    if (O->st == VMDRV_STATE_RUNNING && (!I->p->live_mount || microvm))
        return vmdrv_conn_error(
            I->conn, VMDRV_E_STATE, 0,
            "cannot mount a folder into running instance '%s': %s; stop the "
            "instance first (the mount is then attached when it starts)",
            I->name,
            microvm ? "QEMU cannot add a 9p export to a running microvm"
                    : "live mounts are turned off (driver option "
                      "live_mount=off)");
    char tag[32];
    qemu_mount_tag(host, guest, tag, sizeof tag);
    json_t *rec =
        json_pack("{s:s,s:s,s:s}", "host", host, "guest", guest, "tag", tag);
    if (O->st != VMDRV_STATE_RUNNING) {
        json_array_append_new(marray(I, "mounts"), rec);
        return inst_save(I);
    }
    if (!mount_attached(I, rec) && (rc = live_attach(I, rec))) {
        json_decref(rec);
        return rc;
    }
    json_array_append(marray(I, "mounts"), rec);
    if ((rc = inst_save(I)) == 0) {
        vu_buf s = VU_BUF_INIT;
        script_mount(&s, rec);
        rc = guest_sh(I, "mount the shared folder", vu_buf_str(&s));
        vu_buf_clear(&s);
        if (rc) {
            /* not mounted after all: forget it again */
            json_array_remove(marray(I, "mounts"),
                              json_array_size(marray(I, "mounts")) - 1);
            inst_save(I);
        }
    }
    json_decref(rec);
    return rc;
}

static int do_mount(vmdrv_conn *conn, const char *name, const char *host_path,
                    const char *guest_path, unsigned int flags)
{
    char host[4096];
    if (!realpath(host_path, host) || !vu_is_dir(host))
        return vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                                "host folder '%s' does not exist", host_path);
    char *guest = clean_guest_path(guest_path);
    int rc;
    if (strcmp(guest, "/") == 0)
        rc = vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                              "cannot mount a folder over the guest's root "
                              "'/'");
    else
        rc = inst_run(conn, name, RUN_RECONCILED,
                      &(inst_op){.flags = flags, .arg = guest, .host = host},
                      op_mount);
    free(guest);
    return rc;
}

static int op_umount(inst_op *O)
{
    inst *I = &O->I;
    const char *guest = O->arg;
    json_t *mounts = marray(I, "mounts");
    size_t i;
    json_t *m;
    json_array_foreach(mounts, i, m)
    {
        if (strcmp(vu_json_str(m, "guest", ""), guest) != 0)
            continue;
        if (O->st == VMDRV_STATE_RUNNING && mount_attached(I, m)) {
            vu_buf s = VU_BUF_INIT;
            script_umount(&s, m);
            int rc = guest_sh(I, "unmount the shared folder", vu_buf_str(&s));
            vu_buf_clear(&s);
            if (rc)
                return rc;
        }
        /* the export itself stays until the next start: QEMU cannot drop
         * a device from a running VM or a suspended one's saved state */
        json_array_remove(mounts, i);
        return inst_save(I);
    }
    return vmdrv_conn_error(I->conn, VMDRV_E_NOTFOUND, 0,
                            "nothing is mounted at '%s' in '%s'", guest,
                            I->name);
}

static int do_umount(vmdrv_conn *conn, const char *name, const char *guest_path,
                     unsigned int flags)
{
    char *guest = clean_guest_path(guest_path);
    int rc = inst_run(conn, name, RUN_RECONCILED,
                      &(inst_op){.flags = flags, .arg = guest}, op_umount);
    free(guest);
    return rc;
}

/* ---- networks ------------------------------------------------------------ */

static int host_bridge_exists(const char *id)
{
    if (strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return 0;
    char path[512];
    snprintf(path, sizeof path, "/sys/class/net/%s/bridge", id);
    return vu_is_dir(path);
}

/* macOS: vmnet-bridged bridges a host interface (en0, en1, ...). */
static int list_macos_interfaces(vmdrv_networks *list)
{
    struct ifaddrs *ifs, *i;
    if (getifaddrs(&ifs) != 0)
        return 0;
    for (i = ifs; i; i = i->ifa_next) {
        int seen = 0;
        if (strncmp(i->ifa_name, "en", 2) != 0)
            continue;
        for (size_t k = 0; k < list->count; k++)
            seen |= strcmp(list->items[k].id, i->ifa_name) == 0;
        if (!seen)
            vmdrv_networks_add(list, i->ifa_name, "ethernet",
                               "host interface, bridged through vmnet");
    }
    freeifaddrs(ifs);
    return 0;
}

static int do_networks_list(vmdrv_conn *conn, vmdrv_networks *list,
                            unsigned int flags)
{
    (void)flags;
    qemu_priv *p = vmdrv_conn_data(conn);
    char reason[512];
    if (!bridging_possible(p, reason, sizeof reason))
        return vmdrv_conn_notsup(conn, VMDRV_CAP_EXTRA_NETWORKS);
    if (is_macos())
        return list_macos_interfaces(list);
    DIR *d = opendir("/sys/class/net");
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || !host_bridge_exists(de->d_name))
            continue;
        char desc[256];
        snprintf(desc, sizeof desc, "Linux bridge%s",
                 conf_allows(p->bridge_conf, de->d_name, 0)
                     ? ""
                     : " (not allowed by QEMU's bridge.conf)");
        vmdrv_networks_add(list, de->d_name, "bridge", desc);
    }
    closedir(d);
    return 0;
}

static int op_network_add(inst_op *O)
{
    inst *I = &O->I;
    const char *network = O->arg;
    if (O->st != VMDRV_STATE_STOPPED && O->st != VMDRV_STATE_OFF)
        return wrong_state(I, "add a network to", O->st);
    json_t *nets = marray(I, "networks");
    size_t i;
    json_t *n;
    json_array_foreach(nets, i, n)
    {
        if (strcmp(vu_json_str(n, "id", ""), network) == 0)
            return vmdrv_conn_error(I->conn, VMDRV_E_EXISTS, 0,
                                    "'%s' already has network '%s'", I->name,
                                    network);
    }
    /* a stable MAC per instance and position */
    char key[160], macs[32];
    snprintf(key, sizeof key, "%s#%zu", I->name, json_array_size(nets) + 1);
    uint64_t h = qemu_hash64(key);
    snprintf(macs, sizeof macs, "52:54:00:%02x:%02x:%02x", (unsigned)(h & 0xff),
             (unsigned)((h >> 8) & 0xff), (unsigned)((h >> 16) & 0xff));
    json_array_append_new(
        nets, json_pack("{s:s,s:s,s:s}", "id", network, "kind",
                        is_macos() ? "vmnet-bridged" : "bridge", "mac", macs));
    return inst_save(I);
}

static int do_network_add(vmdrv_conn *conn, const char *name,
                          const char *network, unsigned int flags)
{
    qemu_priv *p = vmdrv_conn_data(conn);
    char reason[512];
    if (!bridging_possible(p, reason, sizeof reason))
        return vmdrv_conn_notsup(conn, VMDRV_CAP_EXTRA_NETWORKS);
    int mac = is_macos();
    if (!mac && !host_bridge_exists(network))
        return vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                                "no network named '%s' on this host", network);
    if (!mac && !conf_allows(p->bridge_conf, network, 0))
        return vmdrv_conn_error(conn, VMDRV_E_CONFIG, 0,
                                "bridge '%s' is not allowed by '%s' (add the "
                                "line 'allow %s')",
                                network, p->bridge_conf, network);
    return inst_run(conn, name, RUN_RECONCILED,
                    &(inst_op){.flags = flags, .arg = network}, op_network_add);
}

/* ---- guest exec ---------------------------------------------------------- */

static int op_guest_exec(inst_op *O)
{
    inst *I = &O->I;
    if (O->st != VMDRV_STATE_RUNNING)
        return wrong_state(I, "run a command in", O->st);
    int rc = qemu_serial_exec(I->ctx, I->serial_sock, O->arg,
                              I->p->exec_timeout_ms, O->out.exec);
    if (rc) {
        char *msg = vu_strdup(vmdrv_last_error(I->ctx)->message);
        rc = vmdrv_conn_error(I->conn, rc, 0,
                              "cannot run a command in '%s': %s", I->name, msg);
        free(msg);
    }
    return rc;
}

/* ---- the table ----------------------------------------------------------- */

/*
 * Every op is a call run between keep_error and kept_error, so that a
 * success leaves the caller's error as it was. KEPT_OP(op, (params), call)
 * writes qemu_<op> that way; params must name the connection conn.
 * clang-format is off below: it would read the parameter lists as
 * products ("vmdrv_conn * conn").
 */
/* clang-format off */
#define KEPT_OP(op, params, call)                                              \
    static int qemu_##op params                                                \
    {                                                                          \
        err_keep k;                                                            \
        keep_error(&k, vmdrv_conn_ctx(conn));                                  \
        return kept_error(&k, call);                                           \
    }

KEPT_OP(instance_create,
        (vmdrv_conn *conn, const vmdrv_instance_spec *spec,
         unsigned int flags),
        do_instance_create(conn, spec, flags))
KEPT_OP(instance_start,
        (vmdrv_conn *conn, const char *name, unsigned int flags),
        inst_run(conn, name, RUN_RECONCILED, &(inst_op){.flags = flags},
                 op_start))
KEPT_OP(instance_stop,
        (vmdrv_conn *conn, const char *name, unsigned int flags),
        inst_run(conn, name, RUN_RECONCILED, &(inst_op){.flags = flags},
                 op_stop))
KEPT_OP(instance_suspend,
        (vmdrv_conn *conn, const char *name, unsigned int flags),
        inst_run(conn, name, RUN_RECONCILED, &(inst_op){.flags = flags},
                 op_suspend))
KEPT_OP(instance_state,
        (vmdrv_conn *conn, const char *name, vmdrv_state *state,
         unsigned int flags),
        inst_run(conn, name, RUN_READ,
                 &(inst_op){.flags = flags, .out.state = state}, op_state))
KEPT_OP(instance_info,
        (vmdrv_conn *conn, const char *name, vmdrv_info *info,
         unsigned int flags),
        inst_run(conn, name, RUN_READ,
                 &(inst_op){.flags = flags, .out.info = info}, op_info))
KEPT_OP(instance_delete,
        (vmdrv_conn *conn, const char *name, unsigned int flags),
        inst_run(conn, name, RUN_LOCKED, &(inst_op){.flags = flags},
                 op_delete))
KEPT_OP(instance_list,
        (vmdrv_conn *conn, vmdrv_names *names, unsigned int flags),
        do_instance_list(conn, names, flags))
KEPT_OP(snapshot_take,
        (vmdrv_conn *conn, const char *name, const char *snapshot,
         unsigned int flags),
        do_snapshot_take(conn, name, snapshot, flags))
KEPT_OP(snapshot_restore,
        (vmdrv_conn *conn, const char *name, const char *snapshot,
         unsigned int flags),
        snap_run(conn, name, snapshot, flags, snap_restore))
KEPT_OP(snapshot_list,
        (vmdrv_conn *conn, const char *name, vmdrv_snapshots *list,
         unsigned int flags),
        inst_run(conn, name, RUN_READ,
                 &(inst_op){.flags = flags, .out.snaps = list},
                 op_snapshot_list))
KEPT_OP(snapshot_delete,
        (vmdrv_conn *conn, const char *name, const char *snapshot,
         unsigned int flags),
        snap_run(conn, name, snapshot, flags, snap_delete))
KEPT_OP(mount,
        (vmdrv_conn *conn, const char *name, const char *host_path,
         const char *guest_path, unsigned int flags),
        do_mount(conn, name, host_path, guest_path, flags))
KEPT_OP(umount,
        (vmdrv_conn *conn, const char *name, const char *guest_path,
         unsigned int flags),
        do_umount(conn, name, guest_path, flags))
KEPT_OP(networks_list,
        (vmdrv_conn *conn, vmdrv_networks *list, unsigned int flags),
        do_networks_list(conn, list, flags))
KEPT_OP(network_add,
        (vmdrv_conn *conn, const char *name, const char *network,
         unsigned int flags),
        do_network_add(conn, name, network, flags))
KEPT_OP(guest_exec,
        (vmdrv_conn *conn, const char *name, const char *command,
         vmdrv_exec_result *result, unsigned int flags),
        inst_run(conn, name, RUN_RECONCILED,
                 &(inst_op){.flags = flags, .arg = command,
                            .out.exec = result},
                 op_guest_exec))
KEPT_OP(open, (vmdrv_conn *conn, unsigned int flags),
        do_open(conn, flags))
/* clang-format on */

const vmdrv_driver vmdrv_driver_qemu = {
    .abi_version = VMDRV_DRIVER_ABI_VERSION,
    .name = "qemu",
    .display_name = "QEMU",
    .caps = VMDRV_CAP_BIT(VMDRV_CAP_NATIVE_MOUNTS) |
            VMDRV_CAP_BIT(VMDRV_CAP_EXTRA_NETWORKS) |
            VMDRV_CAP_BIT(VMDRV_CAP_SNAPSHOTS) |
            VMDRV_CAP_BIT(VMDRV_CAP_SUSPEND) |
            VMDRV_CAP_BIT(VMDRV_CAP_GUEST_EXEC),
    .probe = qemu_probe,
    .caps_probe = qemu_caps_probe,
    .open = qemu_open,
    .close = qemu_close,
    .instance_create = qemu_instance_create,
    .instance_start = qemu_instance_start,
    .instance_stop = qemu_instance_stop,
    .instance_suspend = qemu_instance_suspend,
    .instance_state = qemu_instance_state,
    .instance_info = qemu_instance_info,
    .instance_delete = qemu_instance_delete,
    .instance_list = qemu_instance_list,
    .snapshot_take = qemu_snapshot_take,
    .snapshot_restore = qemu_snapshot_restore,
    .snapshot_list = qemu_snapshot_list,
    .snapshot_delete = qemu_snapshot_delete,
    .mount = qemu_mount,
    .umount = qemu_umount,
    .networks_list = qemu_networks_list,
    .network_add = qemu_network_add,
    .guest_exec = qemu_guest_exec,
};
