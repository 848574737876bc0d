/*
 * bench_qemu.c: timings of the QEMU driver beside raw QEMU doing the same
 * steps, as medians over N runs.
 *
 *   bench_qemu [N [ACCEL]]     N runs (default 5), ACCEL tcg (default) or kvm
 *
 * Steps: cold start to ready, warm-template start to ready, suspend,
 * resume, snapshot take, snapshot restore. "Ready" is the same on both
 * sides: the guest's console shell has answered a command. The raw side
 * is a hand-written QEMU command line with the same flags the driver
 * uses, started the same way (-daemonize, through the process runner),
 * driven with the same QMP and console code, so the difference is what
 * the driver adds (records, qemu-img checks, locking, hostname, ...).
 * Driver and raw runs alternate, so load on the machine hits both alike.
 *
 * The guest comes from VMDRV_GUEST_KERNEL / VMDRV_GUEST_INITRD, else the
 * build tree's guest/ folder. Everything runs in a temporary folder that
 * is removed at the end.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu.h"
#include "vmdrv/vmdrv.h"
#include "vmdrv_config.h"
#include "vu_fs.h"

enum { COLD, WARM, SUSPEND, RESUME, TAKE, RESTORE, NSTEPS };

static const struct {
    const char *name;
    const char *target;
} steps[NSTEPS] = {
    {"cold start to ready", "<= 1.1x raw"},
    {"warm-template start to ready", "< 0.6 s"},
    {"suspend", "< 1 s"},
    {"resume (to console answer)", "< 1 s"},
    {"snapshot take (live)", ""},
    {"snapshot restore (live)", "< 0.2 s"},
};

typedef struct samples {
    double v[64];
    int n;
} samples;

static samples drv[NSTEPS], raw[NSTEPS];
static vmdrv_ctx *ctx;
static char root[256], kernel[1024], initrd[1024];
static const char *accel = "tcg";
static const char *qemu_bin, *img_bin;

static double now_s(void)
{
    return (double)qemu_now_ms() / 1000.0;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_qemu: %s: %s\n", what,
            vmdrv_last_error(ctx)->message);
    exit(1);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(samples *s)
{
    if (!s->n)
        return 0;
    double c[64];
    memcpy(c, s->v, sizeof(double) * (size_t)s->n);
    qsort(c, (size_t)s->n, sizeof c[0], cmp);
    return s->n % 2 ? c[s->n / 2] : (c[s->n / 2 - 1] + c[s->n / 2]) / 2;
}

static void add(samples *s, double v)
{
    if (s->n < 64)
        s->v[s->n++] = v;
}

/* ---- the driver side ----------------------------------------------------- */

static vmdrv_conn *open_driver(const char *scope, int template_on)
{
    vmdrv_conn *c;
    char ko[1100], io[1100], ao[32];
    snprintf(ko, sizeof ko, "kernel=%s", kernel);
    snprintf(io, sizeof io, "initrd=%s", initrd);
    snprintf(ao, sizeof ao, "accel=%s", accel);
    const char *opts[] = {ko, io, ao,
                          template_on ? "template=on" : "template=off", NULL};
    if (vmdrv_conn_open(&c, ctx, "qemu", scope, opts, 0))
        die("open the qemu driver");
    return c;
}

static void drv_create(vmdrv_conn *c, const char *name)
{
    vmdrv_instance_spec spec = {.name = name, .memory_mb = 256, .disk_mb = 64};
    if (vmdrv_instance_create(c, &spec, 0))
        die("create");
}

static void drv_console(vmdrv_conn *c, const char *name)
{
    vmdrv_exec_result r = {0};
    if (vmdrv_guest_exec(c, name, "true", &r, 0) || r.exit_code)
        die("guest exec");
    vmdrv_exec_result_clear(&r);
}

/* ---- the raw side -------------------------------------------------------- */

typedef struct rawvm {
    char dir[512];
    char disk[600], log[600], pid[600], qmp[128], ser[128];
} rawvm;

static void raw_init(rawvm *vm, const char *name)
{
    snprintf(vm->dir, sizeof vm->dir, "%s/raw-%s", root, name);
    vu_mkdir_p(vm->dir);
    snprintf(vm->disk, sizeof vm->disk, "%s/disk.qcow2", vm->dir);
    snprintf(vm->log, sizeof vm->log, "%s/serial.log", vm->dir);
    snprintf(vm->pid, sizeof vm->pid, "%s/qemu.pid", vm->dir);
    /* sockets beside the driver's, in a short folder */
    char rd[100];
    snprintf(rd, sizeof rd, "/tmp/vmdrv-bench-%ld-%s", (long)getpid(), name);
    vu_mkdir_p(rd);
    snprintf(vm->qmp, sizeof vm->qmp, "%s/qmp.sock", rd);
    snprintf(vm->ser, sizeof vm->ser, "%s/serial.sock", rd);
}

/* The driver's flags, written out by hand. */
static void raw_argv(rawvm *vm, vu_strv *a)
{
    vu_strv_add(a, qemu_bin);
    const char *fixed[] = {
        "-accel",   accel,  "-machine",   "q35",         "-m",
        "256",      "-smp", "1",          "-nodefaults", "-no-user-config",
        "-display", "none", "-no-reboot", NULL};
    for (int i = 0; fixed[i]; i++)
        vu_strv_add(a, fixed[i]);
    vu_strv_add(a, "-chardev");
    vu_strv_addf(a,
                 "socket,id=ser0,path=%s,server=on,wait=off,logfile=%s,"
                 "logappend=on",
                 vm->ser, vm->log);
    vu_strv_add(a, "-serial");
    vu_strv_add(a, "chardev:ser0");
    vu_strv_add(a, "-chardev");
    vu_strv_addf(a, "socket,id=qmp0,path=%s,server=on,wait=off", vm->qmp);
    vu_strv_add(a, "-mon");
    vu_strv_add(a, "chardev=qmp0,mode=control");
    vu_strv_add(a, "-kernel");
    vu_strv_add(a, kernel);
    vu_strv_add(a, "-initrd");
    vu_strv_add(a, initrd);
    vu_strv_add(a, "-append");
    vu_strv_add(a, "console=ttyS0 panic=-1 quiet");
    vu_strv_add(a, "-blockdev");
    vu_strv_addf(a, "driver=file,filename=%s,node-name=file0", vm->disk);
    vu_strv_add(a, "-blockdev");
    vu_strv_add(a, "driver=qcow2,file=file0,node-name=disk0");
    vu_strv_add(a, "-device");
    vu_strv_add(a, "virtio-blk-pci,id=vda,drive=disk0");
    vu_strv_add(a, "-netdev");
    vu_strv_add(a, "user,id=net0");
    vu_strv_add(a, "-device");
    vu_strv_add(a, "virtio-net-pci,id=nic0,netdev=net0");
    vu_strv_add(a, "-pidfile");
    vu_strv_add(a, vm->pid);
    vu_strv_add(a, "-daemonize");
}

static void run(const char *const *argv, const char *what)
{
    vmdrv_proc_spec spec = {.argv = argv, .timeout_ms = 120000};
    vmdrv_proc_result r;
    if (vmdrv_proc_run(ctx, &spec, &r))
        die(what);
    if (!r.exited || r.status != 0) {
        fprintf(stderr, "bench_qemu: %s failed: %s\n", what, r.err);
        exit(1);
    }
    vmdrv_proc_result_clear(&r);
}

static void raw_launch(rawvm *vm, const char *x1, const char *x2)
{
    vu_strv a = VU_STRV_INIT;
    raw_argv(vm, &a);
    if (x1)
        vu_strv_add(&a, x1);
    if (x2)
        vu_strv_add(&a, x2);
    run(vu_strv_argv(&a), "raw QEMU launch");
    vu_strv_clear(&a);
}

static void raw_wait_marker(rawvm *vm, long off)
{
    long deadline = qemu_now_ms() + 120000;
    for (;;) {
        char *text;
        size_t len;
        if (vu_read_file(vm->log, &text, &len) == 0) {
            int hit = len > (size_t)off &&
                      strstr(text + off, "VMDRV-GUEST-READY") != NULL;
            free(text);
            if (hit)
                return;
        }
        if (qemu_now_ms() > deadline) {
            fprintf(stderr, "bench_qemu: raw guest not ready\n");
            exit(1);
        }
        qemu_sleep_ms(10);
    }
}

static void raw_console(rawvm *vm)
{
    vmdrv_exec_result r = {0};
    if (qemu_serial_exec(ctx, vm->ser, "true", 60000, &r) || r.exit_code)
        die("raw console");
    vmdrv_exec_result_clear(&r);
}

static qemu_qmp *raw_qmp(rawvm *vm)
{
    qemu_qmp *q;
    if (qemu_qmp_connect(ctx, vm->qmp, 10000, &q))
        die("raw QMP");
    qemu_qmp_set_timeout(q, 120000);
    return q;
}

static long log_size(rawvm *vm)
{
    struct stat st;
    return stat(vm->log, &st) == 0 ? (long)st.st_size : 0;
}

static void raw_quit(rawvm *vm)
{
    qemu_qmp *q = raw_qmp(vm);
    qemu_qmp_exec(q, "quit", NULL, NULL);
    qemu_qmp_close(q);
    for (int i = 0; i < 500 && vu_path_exists(vm->pid); i++)
        qemu_sleep_ms(10);
}

static void raw_new_disk(rawvm *vm, const char *backing)
{
    unlink(vm->disk);
    if (qemu_img_create(ctx, img_bin, vm->disk, 64, backing))
        die("qemu-img create");
}

/* Cold boot to a console answer. */
static double raw_cold(rawvm *vm)
{
    raw_new_disk(vm, NULL);
    double t0 = now_s();
    long off = log_size(vm);
    raw_launch(vm, NULL, NULL);
    raw_wait_marker(vm, off);
    raw_console(vm);
    return now_s() - t0;
}

/* One cold start of a new driver instance; the instance is deleted. */
static double drv_cold(vmdrv_conn *c, int i)
{
    char name[32];
    snprintf(name, sizeof name, "c%d", i);
    drv_create(c, name);
    double t0 = now_s();
    if (vmdrv_instance_start(c, name, 0))
        die("cold start");
    double t = now_s() - t0;
    vmdrv_instance_delete(c, name, 0);
    return t;
}

/* One warm-template start of a new driver instance (it must be warm). */
static double drv_warm(vmdrv_conn *c, int i)
{
    char name[32];
    snprintf(name, sizeof name, "w%d", i + 1);
    drv_create(c, name);
    double t0 = now_s();
    if (vmdrv_instance_start(c, name, 0))
        die("warm start");
    double t = now_s() - t0;
    vmdrv_info info;
    if (vmdrv_instance_info(c, name, &info, 0) ||
        strcmp(vmdrv_info_get(&info, "launch"), "warm-template") != 0) {
        const char *note = vmdrv_info_get(&info, "launch_note");
        fprintf(stderr, "bench_qemu: '%s' did not start warm (%s)\n", name,
                note ? note : "no note");
        exit(1);
    }
    vmdrv_instance_delete(c, name, 0);
    return t;
}

/* Raw: a fresh overlay, -incoming from the saved state, cont, console. */
static double raw_warm(rawvm *vm, const char *base, const char *state)
{
    raw_new_disk(vm, base);
    double t0 = now_s();
    vu_buf uri = VU_BUF_INIT;
    vu_buf_printf(&uri, "exec:cat %s", state);
    raw_launch(vm, "-incoming", vu_buf_str(&uri));
    vu_buf_clear(&uri);
    qemu_qmp *q = raw_qmp(vm);
    char st[32];
    if (qemu_qmp_wait_status_leaves(q, "inmigrate", 60000, st, sizeof st) ||
        qemu_qmp_exec(q, "cont", NULL, NULL))
        die("raw warm start");
    qemu_qmp_close(q);
    raw_console(vm);
    return now_s() - t0;
}

/* At exit, also after a failure: no VM, socket or file is left. */
static vmdrv_conn *conns[2];
static rawvm *raws[3];

static void cleanup(void)
{
    for (int i = 0; i < 2; i++) {
        vmdrv_names names = {0};
        if (conns[i] && vmdrv_instance_list(conns[i], &names, 0) == 0)
            for (size_t k = 0; k < names.count; k++)
                vmdrv_instance_delete(conns[i], names.names[k], 0);
        vmdrv_names_clear(&names);
        vmdrv_conn_close(conns[i]);
    }
    for (int i = 0; i < 3; i++) {
        char *text;
        size_t len;
        if (raws[i] && vu_read_file(raws[i]->pid, &text, &len) == 0) {
            long pid = atol(text);
            free(text);
            /* only a QEMU still naming this pidfile: pids get reused */
            char proc[64], *cmdline;
            snprintf(proc, sizeof proc, "/proc/%ld/cmdline", pid);
            if (pid > 1 && vu_read_file(proc, &cmdline, &len) == 0) {
                for (size_t k = 0; k < len; k++)
                    if (!cmdline[k])
                        cmdline[k] = ' ';
                if (strstr(cmdline, raws[i]->pid) &&
                    kill((pid_t)pid, SIGKILL) == 0)
                    while (qemu_pid_running(pid))
                        qemu_sleep_ms(10);
                free(cmdline);
            }
        }
    }
    vmdrv_ctx_free(ctx);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' /tmp/vmdrv-bench-%ld-*", root,
             (long)getpid());
    if (system(cmd) != 0)
        fprintf(stderr, "bench_qemu: cannot remove '%s'\n", root);
}

/* ---- main ---------------------------------------------------------------- */

static void guest_paths(void)
{
    const char *k = getenv("VMDRV_GUEST_KERNEL");
    const char *i = getenv("VMDRV_GUEST_INITRD");
    snprintf(kernel, sizeof kernel, "%s",
             k && *k ? k : VMDRV_BUILD_DIR "/guest/vmlinux");
    snprintf(initrd, sizeof initrd, "%s",
             i && *i ? i : VMDRV_BUILD_DIR "/guest/initrd.img");
    if (!vu_path_exists(kernel) || !vu_path_exists(initrd)) {
        fprintf(stderr,
                "bench_qemu: no test guest at '%s' / '%s' (build the "
                "guest_fixture target)\n",
                kernel, initrd);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 5;
    char err[256];
    if (n < 1 || n > 64) {
        fprintf(stderr, "usage: bench_qemu [N (1-64) [tcg|kvm]]\n");
        return 2;
    }
    if (argc > 2)
        accel = argv[2];
    guest_paths();
    snprintf(root, sizeof root, "/tmp/vmdrv-bench-qemu-XXXXXX");
    if (!mkdtemp(root) || vmdrv_ctx_open(&ctx, root, err, sizeof err)) {
        fprintf(stderr, "bench_qemu: cannot set up: %s\n", err);
        return 1;
    }
    if (vmdrv_driver_probe(ctx, "qemu"))
        die("the qemu driver declines this host");
    qemu_bin = vmdrv_tool_path(ctx, VMDRV_TOOL_QEMU_X86_64);
    char *qb = qemu_bin ? strdup(qemu_bin) : NULL;
    img_bin = vmdrv_tool_path(ctx, VMDRV_TOOL_QEMU_IMG);
    qemu_bin = qb;
    if (!qemu_bin || !img_bin)
        die("find QEMU");

    vmdrv_conn *cold = conns[0] = open_driver("benchcold", 0);
    vmdrv_conn *warm = conns[1] = open_driver("benchwarm", 1);
    rawvm rc, rw, rs;
    raw_init(raws[0] = &rc, "cold");
    raw_init(raws[1] = &rw, "warm");
    raw_init(raws[2] = &rs, "susp");
    atexit(cleanup);

    /* warm templates: the driver's first launch captures one; the raw
     * side saves a booted VM's state the same way */
    drv_create(warm, "w0");
    if (vmdrv_instance_start(warm, "w0", 0))
        die("start w0");
    if (vmdrv_instance_delete(warm, "w0", 0))
        die("delete w0");
    char base[700], state[700];
    snprintf(base, sizeof base, "%s/base.qcow2", rw.dir);
    snprintf(state, sizeof state, "%s/state.bin", rw.dir);
    if (qemu_img_create(ctx, img_bin, base, 64, NULL))
        die("qemu-img create");
    raw_new_disk(&rw, base);
    long off = log_size(&rw);
    raw_launch(&rw, NULL, NULL);
    raw_wait_marker(&rw, off);
    raw_console(&rw);
    {
        qemu_qmp *q = raw_qmp(&rw);
        vu_buf uri = VU_BUF_INIT;
        vu_buf_printf(&uri, "exec:cat > %s", state);
        if (qemu_qmp_migrate_out(q, vu_buf_str(&uri), 60000))
            die("raw template");
        vu_buf_clear(&uri);
        qemu_qmp_close(q);
        raw_quit(&rw);
    }

    for (int i = 0; i < n; i++) {
        fprintf(stderr, "run %d/%d\n", i + 1, n);

        /* the side that goes first alternates, so neither always runs
         * right after the other's teardown */
        for (int side = 0; side < 2; side++) {
            if ((side == 0) == (i % 2 == 0)) {
                add(&drv[COLD], drv_cold(cold, i));
                add(&drv[WARM], drv_warm(warm, i));
            } else {
                add(&raw[COLD], raw_cold(&rc));
                raw_quit(&rc);
                add(&raw[WARM], raw_warm(&rw, base, state));
                raw_quit(&rw);
            }
        }
    }

    /* suspend / resume and snapshots on one running instance each */
    drv_create(warm, "s");
    if (vmdrv_instance_start(warm, "s", 0))
        die("start s");
    raw_cold(&rs);
    for (int i = 0; i < n; i++) {
        double t0 = now_s();
        if (vmdrv_instance_suspend(warm, "s", 0))
            die("suspend");
        add(&drv[SUSPEND], now_s() - t0);
        t0 = now_s();
        if (vmdrv_instance_start(warm, "s", 0))
            die("resume");
        drv_console(warm, "s");
        add(&drv[RESUME], now_s() - t0);

        t0 = now_s();
        {
            qemu_qmp *q = raw_qmp(&rs);
            long pidv = 0;
            char *pt;
            size_t pl;
            if (vu_read_file(rs.pid, &pt, &pl) == 0) {
                pidv = atol(pt);
                free(pt);
            }
            if (qemu_qmp_hmp_checked(q, "savevm suspend"))
                die("raw savevm");
            qemu_qmp_exec(q, "quit", NULL, NULL);
            qemu_qmp_close(q);
            while (qemu_pid_running(pidv))
                qemu_sleep_ms(5);
        }
        add(&raw[SUSPEND], now_s() - t0);
        t0 = now_s();
        {
            raw_launch(&rs, "-loadvm", "suspend");
            qemu_qmp *q = raw_qmp(&rs);
            if (qemu_qmp_hmp_checked(q, "delvm suspend"))
                die("raw delvm");
            qemu_qmp_close(q);
            raw_console(&rs);
        }
        add(&raw[RESUME], now_s() - t0);

        char snap[32];
        snprintf(snap, sizeof snap, "b%d", i);
        t0 = now_s();
        if (vmdrv_snapshot_take(warm, "s", snap, 0))
            die("snapshot take");
        add(&drv[TAKE], now_s() - t0);
        t0 = now_s();
        if (vmdrv_snapshot_restore(warm, "s", snap, 0))
            die("snapshot restore");
        add(&drv[RESTORE], now_s() - t0);
        vmdrv_snapshot_delete(warm, "s", snap, 0);

        qemu_qmp *q = raw_qmp(&rs);
        t0 = now_s();
        if (qemu_qmp_snapshot_save(q, snap, "disk0", 120000))
            die("raw snapshot-save");
        add(&raw[TAKE], now_s() - t0);
        t0 = now_s();
        if (qemu_qmp_snapshot_load(q, snap, "disk0", 120000))
            die("raw snapshot-load");
        add(&raw[RESTORE], now_s() - t0);
        qemu_qmp_snapshot_delete(q, snap, "disk0", 120000);
        qemu_qmp_close(q);
    }
    vmdrv_info info;
    vmdrv_instance_info(warm, "s", &info, 0);
    const char *used = vmdrv_info_get(&info, "accelerator");
    vmdrv_instance_delete(warm, "s", 0);
    raw_quit(&rs);

    printf("QEMU driver benchmark: N=%d, accel=%s (instance reports '%s'), "
           "256 MiB guest, %s\n",
           n, accel, used ? used : "?", qemu_bin);
    printf("%-30s %12s %12s %7s %7s   %s\n", "step", "vmdrv median",
           "raw median", "ratio", "paired", "target");
    for (int s = 0; s < NSTEPS; s++) {
        double d = median(&drv[s]), r = median(&raw[s]);
        /* runs alternate, so each pair saw the same load: the median of
         * the per-run ratios is the steadier comparison */
        samples pr = {.n = 0};
        for (int i = 0; i < drv[s].n && i < raw[s].n; i++)
            if (raw[s].v[i] > 0)
                add(&pr, drv[s].v[i] / raw[s].v[i]);
        printf("%-30s %10.3f s %10.3f s %7.2f %7.2f   %s\n", steps[s].name, d,
               r, r > 0 ? d / r : 0, median(&pr), steps[s].target);
    }
    printf("(samples in seconds, vmdrv / raw)\n");
    for (int s = 0; s < NSTEPS; s++) {
        printf("%-30s", steps[s].name);
        for (int i = 0; i < drv[s].n; i++)
            printf(" %.3f/%.3f", drv[s].v[i], raw[s].v[i]);
        printf("\n");
    }
    free(qb);
    return 0; /* cleanup() runs at exit */
}
