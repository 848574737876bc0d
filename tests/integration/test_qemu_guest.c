/*
 * test_qemu_guest.c: integration tests of the QEMU driver against the
 * real test guest (fixtures/guest), through the SDK as the CLI uses it.
 *
 * Every effect is checked inside the guest: a file written before a
 * snapshot and changed after is back after a restore; a host file is
 * read and written through a native mount; a resumed guest still has
 * what it held in memory; the disk keeps what was written to it across
 * stops and offline snapshot restores. At the end, no QEMU process and
 * no socket of this test is left.
 *
 * The checks share booted guests where that weakens nothing, to keep the
 * run short on TCG. The accelerator is VMDRV_QEMU_TEST_ACCEL (default
 * tcg, which needs no KVM); one test also launches with accel=auto.
 * Exit status 77 (skipped, with the reason printed) only where QEMU or
 * the guest fixture is absent.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmdrv/vmdrv.h"
#include "vu_fs.h"
#include "vmdrv_config.h"

static struct world {
    vmdrv_ctx *ctx;
    vmdrv_conn *conn;
    char root[256];
    char data[512];
    char share[600];
    char kernel[1024], initrd[1024];
    const char *accel;
    char rundirs[8][512]; /* runtime folders seen, must be gone at the end */
    int n_rundirs;
} W;

static const char *msg(void)
{
    return vmdrv_last_error(W.ctx)->message;
}

#define OK(call)                                                               \
    do {                                                                       \
        int rc_ = (call);                                                      \
        if (rc_ != 0)                                                          \
            fail_msg("%s failed: %s (%s)", #call, msg(),                       \
                     vmdrv_status_name(rc_));                                  \
    } while (0)

/* Run cmd in name; returns its exit code, output in out (may be NULL). */
static int sh(vmdrv_conn *conn, const char *name, const char *cmd, char *out,
              size_t size)
{
    vmdrv_exec_result r = {0};
    int rc = vmdrv_guest_exec(conn, name, cmd, &r, 0);
    if (rc)
        fail_msg("exec '%s' in '%s' failed: %s", cmd, name, msg());
    if (out)
        snprintf(out, size, "%s", r.output ? r.output : "");
    int code = r.exit_code;
    vmdrv_exec_result_clear(&r);
    return code;
}

static void expect_out(const char *name, const char *cmd, const char *want)
{
    char out[4096];
    int code = sh(W.conn, name, cmd, out, sizeof out);
    if (code != 0 || strcmp(out, want) != 0)
        fail_msg("'%s' in '%s': exit %d, output '%s', expected '%s'", cmd, name,
                 code, out, want);
}

static vmdrv_state state_of(vmdrv_conn *conn, const char *name)
{
    vmdrv_state st;
    OK(vmdrv_instance_state(conn, name, &st, 0));
    return st;
}

static void info_of(vmdrv_conn *conn, const char *name, vmdrv_info *info)
{
    OK(vmdrv_instance_info(conn, name, info, 0));
}

/* Remember the runtime folder of a running instance. */
static void note_rundir(vmdrv_conn *conn, const char *name)
{
    vmdrv_info info;
    info_of(conn, name, &info);
    const char *sock = vmdrv_info_get(&info, "qmp_socket");
    assert_non_null(sock);
    assert_true(strlen(sock) < 108); /* the unix socket limit */
    for (int i = 0; i < W.n_rundirs; i++)
        if (strncmp(W.rundirs[i], sock, strlen(W.rundirs[i])) == 0)
            return;
    if (W.n_rundirs < 8) {
        snprintf(W.rundirs[W.n_rundirs], sizeof W.rundirs[0], "%s", sock);
        *strrchr(W.rundirs[W.n_rundirs], '/') = '\0';
        W.n_rundirs++;
    }
}

static long pid_of(vmdrv_conn *conn, const char *name)
{
    vmdrv_info info;
    info_of(conn, name, &info);
    const char *p = vmdrv_info_get(&info, "pid");
    return p ? atol(p) : 0;
}

/*
 * pid has ended. QEMU is daemonized, so it is init's child, not ours:
 * init reaps it, and until then it is a zombie that holds nothing (no
 * image lock, no socket), which counts as ended.
 */
static int process_ended(long pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    for (int i = 0; i < 50; i++) {
        FILE *f = fopen(path, "r");
        if (!f)
            return 1;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        const char *p = strrchr(buf, ')');
        if (p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
            return 1;
        usleep(100000);
    }
    return 0;
}

/* Processes whose command line mentions our data folder. */
static int processes_using(const char *needle)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    int n = 0;
    if (!d)
        return 0;
    while ((de = readdir(d))) {
        char path[300], buf[8192];
        if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
            atol(de->d_name) == (long)getpid())
            continue;
        snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        for (size_t i = 0; i < len; i++)
            if (!buf[i])
                buf[i] = ' ';
        buf[len] = '\0';
        n += strstr(buf, needle) != NULL;
    }
    closedir(d);
    return n;
}

/* The disk's internal snapshot tags, straight from qemu-img. */
static void disk_tags(const char *name, char *out, size_t size)
{
    char disk[1024];
    snprintf(disk, sizeof disk, "%s/qemu/instances/%s/disk.qcow2", W.data,
             name);
    const char *img = getenv("VMDRV_TOOL_QEMU_IMG");
    const char *argv[] = {
        img && *img ? img : "qemu-img", "snapshot", "-l", "-U", disk, NULL};
    vmdrv_proc_spec spec = {.argv = argv, .timeout_ms = 30000};
    vmdrv_proc_result r;
    OK(vmdrv_proc_run(W.ctx, &spec, &r));
    assert_int_equal(r.status, 0);
    snprintf(out, size, "%s", r.out);
    vmdrv_proc_result_clear(&r);
}

static int wait_state(vmdrv_conn *conn, const char *name, vmdrv_state want,
                      int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        if (state_of(conn, name) == want)
            return 1;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static void write_host_file(const char *name, const char *text)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", W.share, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* ---- tests --------------------------------------------------------------- */

static void test_qemu_guest__create_start_exec(void **state)
{
    (void)state;
    vmdrv_instance_spec spec = {.name = "t1", .memory_mb = 256, .disk_mb = 64};
    OK(vmdrv_instance_create(W.conn, &spec, 0));
    assert_int_equal(state_of(W.conn, "t1"), VMDRV_STATE_OFF);
    OK(vmdrv_instance_start(W.conn, "t1", 0));
    assert_int_equal(state_of(W.conn, "t1"), VMDRV_STATE_RUNNING);
    note_rundir(W.conn, "t1");

    vmdrv_info info;
    info_of(W.conn, "t1", &info);
    assert_string_equal(vmdrv_info_get(&info, "launch"), "cold");
    assert_string_equal(vmdrv_info_get(&info, "accelerator"), W.accel);
    assert_non_null(
        strstr(vmdrv_info_get(&info, "ready"), "VMDRV-GUEST-READY"));
    printf("# t1: launch %s (%s), accelerator %s\n",
           vmdrv_info_get(&info, "launch"),
           vmdrv_info_get(&info, "launch_note")
               ? vmdrv_info_get(&info, "launch_note")
               : "",
           vmdrv_info_get(&info, "accelerator"));

    char out[8192];
    assert_int_equal(sh(W.conn, "t1", "echo hi; exit 3", out, sizeof out), 3);
    assert_string_equal(out, "hi\n");
    expect_out("t1", "hostname", "t1\n");
    expect_out("t1", "echo 'single' \"double\" $((6*7)); echo err >&2",
               "single double 42\nerr\n");
    /* long enough to need the chunked path and to wrap any terminal */
    char cmd[6000];
    int n = snprintf(cmd, sizeof cmd, "x='");
    for (int i = 0; i < 4000; i++)
        cmd[n++] = (char)('a' + i % 26);
    snprintf(cmd + n, sizeof cmd - (size_t)n, "'; printf '%%s' \"$x\" | wc -c");
    assert_int_equal(sh(W.conn, "t1", cmd, out, sizeof out), 0);
    assert_int_equal(atoi(out), 4000);
    /* starting a running instance is no error */
    OK(vmdrv_instance_start(W.conn, "t1", 0));
}

static void test_qemu_guest__warm_template_launch(void **state)
{
    (void)state;
    vmdrv_instance_spec spec = {.name = "t2", .memory_mb = 256, .disk_mb = 64};
    OK(vmdrv_instance_create(W.conn, &spec, 0));
    OK(vmdrv_instance_start(W.conn, "t2", 0));
    note_rundir(W.conn, "t2");
    vmdrv_info info;
    info_of(W.conn, "t2", &info);
    assert_string_equal(vmdrv_info_get(&info, "launch"), "warm-template");
    expect_out("t2", "hostname", "t2\n");
    /* two guests, two memories */
    expect_out("t2", "echo only-t2 > /tmp/who; cat /tmp/who", "only-t2\n");
    char out[256];
    assert_int_not_equal(sh(W.conn, "t1", "cat /tmp/who", out, sizeof out), 0);
    long pid = pid_of(W.conn, "t2");
    assert_true(pid > 0);
    OK(vmdrv_instance_delete(W.conn, "t2", 0));
    vmdrv_state gone;
    assert_int_equal(vmdrv_instance_state(W.conn, "t2", &gone, 0),
                     VMDRV_E_NOTFOUND);
    assert_true(process_ended(pid));
}

static void test_qemu_guest__live_mount_keeps_memory(void **state)
{
    (void)state;
    expect_out("t1", "echo mem-before > /tmp/mem; cat /tmp/mem",
               "mem-before\n");
    write_host_file("hostfile", "from-host\n");
    OK(vmdrv_mount(W.conn, "t1", W.share, "/mnt/share", 0));
    assert_int_equal(state_of(W.conn, "t1"), VMDRV_STATE_RUNNING);
    expect_out("t1", "awk '$2 == \"/mnt/share\" {print $3}' /proc/mounts",
               "9p\n");
    expect_out("t1", "cat /mnt/share/hostfile", "from-host\n");
    expect_out("t1", "echo from-guest > /mnt/share/guestfile && echo ok",
               "ok\n");
    char path[700], buf[64] = "";
    snprintf(path, sizeof path, "%s/guestfile", W.share);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "from-guest\n");
    /* the guest kept its memory through the relaunch */
    expect_out("t1", "cat /tmp/mem", "mem-before\n");
    vmdrv_info info;
    info_of(W.conn, "t1", &info);
    assert_non_null(vmdrv_info_get(&info, "mount"));
    assert_int_equal(vmdrv_mount(W.conn, "t1", W.share, "/mnt/share", 0),
                     VMDRV_E_EXISTS);

    /* a second live mount while the first is in use: the first is
     * unmounted for the relaunch and mounted again */
    char second[700];
    snprintf(second, sizeof second, "%s/second", W.share);
    assert_int_equal(mkdir(second, 0755), 0);
    OK(vmdrv_mount(W.conn, "t1", second, "/mnt/second dir", 0));
    expect_out("t1", "echo x > '/mnt/second dir/y' && cat /mnt/share/hostfile",
               "from-host\n");
    snprintf(second, sizeof second, "%s/second/y", W.share);
    assert_int_equal(access(second, F_OK), 0);
    OK(vmdrv_umount(W.conn, "t1", "/mnt/second dir", 0));
    expect_out("t1", "cat /tmp/mem", "mem-before\n");
}

static void test_qemu_guest__live_snapshot_restore_with_mount(void **state)
{
    (void)state;
    expect_out("t1", "mkdir -p /data && echo before > /data/f && cat /data/f",
               "before\n");
    OK(vmdrv_snapshot_take(W.conn, "t1", "s1", 0));
    /* the share was unmounted for the save and is back */
    expect_out("t1", "cat /mnt/share/hostfile", "from-host\n");
    expect_out("t1", "echo after > /data/f; cat /data/f", "after\n");
    OK(vmdrv_snapshot_restore(W.conn, "t1", "s1", 0));
    assert_int_equal(state_of(W.conn, "t1"), VMDRV_STATE_RUNNING);
    expect_out("t1", "cat /data/f", "before\n");
    expect_out("t1", "cat /mnt/share/hostfile", "from-host\n");
    vmdrv_snapshots list = {0};
    OK(vmdrv_snapshot_list(W.conn, "t1", &list, 0));
    assert_int_equal(list.count, 1);
    assert_string_equal(list.items[0].name, "s1");
    assert_string_equal(list.items[0].comment, "with memory state");
    vmdrv_snapshots_clear(&list);
    assert_int_equal(vmdrv_snapshot_take(W.conn, "t1", "s1", 0),
                     VMDRV_E_EXISTS);
    assert_int_equal(vmdrv_snapshot_restore(W.conn, "t1", "nope", 0),
                     VMDRV_E_NOTFOUND);
}

static void test_qemu_guest__suspend_resume_keeps_memory(void **state)
{
    (void)state;
    expect_out("t1", "echo suspended-mem > /tmp/susp; cat /tmp/susp",
               "suspended-mem\n");
    long pid = pid_of(W.conn, "t1");
    OK(vmdrv_instance_suspend(W.conn, "t1", 0));
    assert_int_equal(state_of(W.conn, "t1"), VMDRV_STATE_SUSPENDED);
    OK(vmdrv_instance_suspend(W.conn, "t1", 0)); /* idempotent */
    assert_true(process_ended(pid));

    /* a new process sees the suspension, from the disk */
    vmdrv_ctx *ctx2;
    vmdrv_conn *conn2;
    char err[256];
    OK(vmdrv_ctx_open(&ctx2, W.data, err, sizeof err));
    assert_int_equal(vmdrv_conn_open(&conn2, ctx2, "qemu", NULL, NULL, 0), 0);
    vmdrv_state st;
    assert_int_equal(vmdrv_instance_state(conn2, "t1", &st, 0), 0);
    assert_int_equal(st, VMDRV_STATE_SUSPENDED);
    vmdrv_conn_close(conn2);
    vmdrv_ctx_free(ctx2);
    char tags[4096];
    disk_tags("t1", tags, sizeof tags);
    assert_non_null(strstr(tags, " suspend "));

    vmdrv_snapshots list = {0};
    OK(vmdrv_snapshot_list(W.conn, "t1", &list, 0));
    for (size_t i = 0; i < list.count; i++)
        assert_string_not_equal(list.items[i].name, "suspend");
    vmdrv_snapshots_clear(&list);
    vmdrv_exec_result r;
    assert_int_equal(vmdrv_guest_exec(W.conn, "t1", "true", &r, 0),
                     VMDRV_E_STATE);

    OK(vmdrv_instance_start(W.conn, "t1", 0));
    assert_int_equal(state_of(W.conn, "t1"), VMDRV_STATE_RUNNING);
    vmdrv_info info;
    info_of(W.conn, "t1", &info);
    assert_string_equal(vmdrv_info_get(&info, "launch"), "resume");
    expect_out("t1", "cat /tmp/susp", "suspended-mem\n");
    expect_out("t1", "cat /mnt/share/hostfile", "from-host\n");
    /* Multipass drops the saved state after a resume */
    disk_tags("t1", tags, sizeof tags);
    assert_null(strstr(tags, " suspend "));
    assert_non_null(strstr(tags, " s1 "));
}

static void test_qemu_guest__umount_while_running(void **state)
{
    (void)state;
    OK(vmdrv_umount(W.conn, "t1", "/mnt/share", 0));
    char out[256];
    assert_int_not_equal(
        sh(W.conn, "t1", "grep ' /mnt/share ' /proc/mounts", out, sizeof out),
        0);
    /* the host's files stay where they are */
    char path[700];
    snprintf(path, sizeof path, "%s/guestfile", W.share);
    assert_int_equal(access(path, F_OK), 0);
    vmdrv_info info;
    info_of(W.conn, "t1", &info);
    assert_null(vmdrv_info_get(&info, "mount"));
    assert_int_equal(vmdrv_umount(W.conn, "t1", "/mnt/share", 0),
                     VMDRV_E_NOTFOUND);
}

static const char *read_disk = "dd if=/dev/vda bs=8 count=1 2>/dev/null";

static void write_disk(const char *text)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "printf %s | dd of=/dev/vda bs=512 count=1 conv=sync 2>/dev/null "
             "&& sync && echo written",
             text);
    expect_out("t1", cmd, "written\n");
}

static void test_qemu_guest__offline_snapshots_and_the_disk(void **state)
{
    (void)state;
    write_disk("DISK-ONE");
    expect_out("t1", read_disk, "DISK-ONE");
    OK(vmdrv_instance_stop(W.conn, "t1", 0));
    assert_int_equal(state_of(W.conn, "t1"), VMDRV_STATE_STOPPED);
    OK(vmdrv_instance_stop(W.conn, "t1", 0)); /* idempotent */
    OK(vmdrv_snapshot_take(W.conn, "t1", "off1", 0));
    /* a mount made while stopped is attached and mounted at the start */
    OK(vmdrv_mount(W.conn, "t1", W.share, "/mnt/cold", 0));

    OK(vmdrv_instance_start(W.conn, "t1", 0));
    vmdrv_info info;
    info_of(W.conn, "t1", &info);
    assert_string_equal(vmdrv_info_get(&info, "launch"), "cold");
    expect_out("t1", "cat /mnt/cold/hostfile", "from-host\n");
    char out[256];
    /* memory is gone after a stop, the disk is not */
    assert_int_not_equal(sh(W.conn, "t1", "cat /tmp/susp", out, sizeof out), 0);
    expect_out("t1", read_disk, "DISK-ONE");
    write_disk("DISK-TWO");
    OK(vmdrv_instance_stop(W.conn, "t1", 0));
    OK(vmdrv_snapshot_restore(W.conn, "t1", "off1", 0));
    assert_int_equal(state_of(W.conn, "t1"), VMDRV_STATE_STOPPED);
    OK(vmdrv_instance_start(W.conn, "t1", 0));
    expect_out("t1", read_disk, "DISK-ONE");

    /* a disk-only snapshot restored on a running instance: it boots */
    write_disk("DISK-333");
    OK(vmdrv_snapshot_restore(W.conn, "t1", "off1", 0));
    assert_int_equal(state_of(W.conn, "t1"), VMDRV_STATE_RUNNING);
    expect_out("t1", read_disk, "DISK-ONE");
    expect_out("t1", "hostname", "t1\n");
    expect_out("t1", "cat /mnt/cold/hostfile", "from-host\n");
    OK(vmdrv_umount(W.conn, "t1", "/mnt/cold", 0));
}

/* The Hyperkit migration leaves a disk at <instance dir>/disk.qcow2 and
 * names it in spec.image: the driver adopts it and the guest sees it. */
static void test_qemu_guest__adopts_a_migrated_disk(void **state)
{
    (void)state;
    char dir[1024], disk[1100];
    snprintf(dir, sizeof dir, "%s/qemu/instances/mig1", W.data);
    snprintf(disk, sizeof disk, "%s/disk.qcow2", dir);
    vu_mkdir_p(dir);
    const char *img = vmdrv_tool_path(W.ctx, VMDRV_TOOL_QEMU_IMG);
    assert_non_null(img);
    const char *mk[] = {img, "create", "-q", "-f", "qcow2", disk, "16M", NULL};
    vmdrv_proc_spec spec = {.argv = mk, .timeout_ms = 30000};
    vmdrv_proc_result r;
    OK(vmdrv_proc_run(W.ctx, &spec, &r));
    assert_int_equal(r.status, 0);
    vmdrv_proc_result_clear(&r);
    /* what the Hyperkit instance had written to its disk */
    const char *io[] = {"qemu-io", "-f", "qcow2", "-c",
                        "write -P 0x4d 0 512", disk, NULL};
    spec.argv = io;
    OK(vmdrv_proc_run(W.ctx, &spec, &r));
    assert_int_equal(r.status, 0);
    vmdrv_proc_result_clear(&r);
    vmdrv_instance_spec is = {.name = "mig1", .image = disk};
    OK(vmdrv_instance_create(W.conn, &is, 0));
    assert_true(vu_path_exists(disk)); /* adopted in place, not replaced */
    OK(vmdrv_instance_start(W.conn, "mig1", 0));
    expect_out("mig1", "dd if=/dev/vda bs=4 count=1 2>/dev/null", "MMMM");
    OK(vmdrv_instance_delete(W.conn, "mig1", 0));
}

static void test_qemu_guest__snapshot_delete(void **state)
{
    (void)state;
    OK(vmdrv_snapshot_delete(W.conn, "t1", "s1", 0)); /* live */
    assert_int_equal(vmdrv_snapshot_delete(W.conn, "t1", "s1", 0),
                     VMDRV_E_NOTFOUND);
    vmdrv_snapshots list = {0};
    OK(vmdrv_snapshot_list(W.conn, "t1", &list, 0));
    assert_int_equal(list.count, 1);
    assert_string_equal(list.items[0].name, "off1");
    vmdrv_snapshots_clear(&list);
    char tags[4096];
    disk_tags("t1", tags, sizeof tags);
    assert_null(strstr(tags, " s1 "));
}

static void test_qemu_guest__qemu_death_is_noticed(void **state)
{
    (void)state;
    long pid = pid_of(W.conn, "t1");
    assert_true(pid > 0);
    assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
    assert_true(wait_state(W.conn, "t1", VMDRV_STATE_STOPPED, 10));
    /* the next operation records what happened */
    vmdrv_exec_result r;
    assert_int_equal(vmdrv_guest_exec(W.conn, "t1", "true", &r, 0),
                     VMDRV_E_STATE);
    vmdrv_info info;
    info_of(W.conn, "t1", &info);
    assert_non_null(vmdrv_info_get(&info, "last_exit"));
    assert_null(vmdrv_info_get(&info, "pid"));

    OK(vmdrv_instance_start(W.conn, "t1", 0));
    note_rundir(W.conn, "t1");
    /* the guest powering itself off ends QEMU (-no-reboot) */
    vmdrv_exec_result r2 = {0};
    vmdrv_guest_exec(W.conn, "t1", "poweroff -f", &r2, 0);
    vmdrv_exec_result_clear(&r2);
    assert_true(wait_state(W.conn, "t1", VMDRV_STATE_STOPPED, 20));
}

static void test_qemu_guest__forced_stop_discards_suspension(void **state)
{
    (void)state;
    OK(vmdrv_instance_start(W.conn, "t1", 0));
    expect_out("t1", "echo gone > /tmp/x; cat /tmp/x", "gone\n");
    OK(vmdrv_instance_suspend(W.conn, "t1", 0));
    assert_int_equal(vmdrv_instance_stop(W.conn, "t1", 0), VMDRV_E_STATE);
    OK(vmdrv_instance_stop(W.conn, "t1", VMDRV_STOP_FORCE));
    assert_int_equal(state_of(W.conn, "t1"), VMDRV_STATE_STOPPED);
    char tags[4096];
    disk_tags("t1", tags, sizeof tags);
    assert_null(strstr(tags, " suspend "));
    OK(vmdrv_instance_start(W.conn, "t1", 0));
    vmdrv_info info;
    info_of(W.conn, "t1", &info);
    assert_string_equal(vmdrv_info_get(&info, "launch"), "cold");
    char out[64];
    assert_int_not_equal(sh(W.conn, "t1", "cat /tmp/x", out, sizeof out), 0);
    /* a forced stop of a running instance */
    OK(vmdrv_instance_stop(W.conn, "t1", VMDRV_STOP_FORCE));
    assert_int_equal(state_of(W.conn, "t1"), VMDRV_STATE_STOPPED);
}

static void test_qemu_guest__networks_answer_honestly(void **state)
{
    (void)state;
    uint64_t st, eff;
    OK(vmdrv_conn_caps(W.conn, &st, &eff));
    vmdrv_networks nets = {0};
    int rc = vmdrv_networks_list(W.conn, &nets, 0);
    if (eff & VMDRV_CAP_BIT(VMDRV_CAP_EXTRA_NETWORKS)) {
        assert_int_equal(rc, 0);
    } else {
        assert_int_equal(rc, VMDRV_E_NOTSUP);
        assert_int_equal(vmdrv_network_add(W.conn, "t1", "br0", 0),
                         VMDRV_E_NOTSUP);
        printf("# extra networks here: %s\n", msg());
    }
    vmdrv_networks_clear(&nets);
}

static void test_qemu_guest__accel_auto_picks_a_working_one(void **state)
{
    (void)state;
    vmdrv_conn *c;
    char ko[1100], io[1100];
    snprintf(ko, sizeof ko, "kernel=%s", W.kernel);
    snprintf(io, sizeof io, "initrd=%s", W.initrd);
    const char *opts[] = {ko, io, "accel=auto", NULL};
    OK(vmdrv_conn_open(&c, W.ctx, "qemu", "qemuauto", opts, 0));
    vmdrv_instance_spec spec = {.name = "a1", .memory_mb = 256, .disk_mb = 64};
    OK(vmdrv_instance_create(c, &spec, 0));
    OK(vmdrv_instance_start(c, "a1", 0));
    note_rundir(c, "a1");
    vmdrv_info info;
    info_of(c, "a1", &info);
    const char *accel = vmdrv_info_get(&info, "accelerator");
    const char *note = vmdrv_info_get(&info, "accelerator_note");
    printf("# accel=auto chose '%s'%s%s\n", accel, note ? ": " : "",
           note ? note : "");
    const vmdrv_host *h = vmdrv_ctx_host(W.ctx);
    if (h->accels & VMDRV_ACCEL_KVM)
        /* kvm, or tcg with the reason KVM was not used */
        assert_true(strcmp(accel, "kvm") == 0 ||
                    (strcmp(accel, "tcg") == 0 && note && *note));
    else
        assert_string_equal(accel, "tcg");
    vmdrv_exec_result r = {0};
    OK(vmdrv_guest_exec(c, "a1", "hostname", &r, 0));
    assert_string_equal(r.output, "a1\n");
    vmdrv_exec_result_clear(&r);
    OK(vmdrv_instance_delete(c, "a1", 0));
    vmdrv_conn_close(c);
}

static void test_qemu_guest__delete_leaves_nothing(void **state)
{
    (void)state;
    OK(vmdrv_instance_start(W.conn, "t1", 0));
    note_rundir(W.conn, "t1");
    OK(vmdrv_instance_delete(W.conn, "t1", 0));
    vmdrv_names names = {0};
    OK(vmdrv_instance_list(W.conn, &names, 0));
    assert_int_equal(names.count, 0);
    vmdrv_names_clear(&names);
    char dir[700];
    snprintf(dir, sizeof dir, "%s/qemu/instances/t1", W.data);
    assert_int_equal(access(dir, F_OK), -1);
    for (int i = 0; i < 50 && processes_using(W.root); i++)
        usleep(100000);
    assert_int_equal(processes_using(W.root), 0);
    for (int i = 0; i < W.n_rundirs; i++)
        if (access(W.rundirs[i], F_OK) == 0)
            fail_msg("runtime folder '%s' is left behind", W.rundirs[i]);
}

/* ---- setup --------------------------------------------------------------- */

static int why_skip(char *why, size_t size)
{
    const char *k = getenv("VMDRV_GUEST_KERNEL");
    const char *i = getenv("VMDRV_GUEST_INITRD");
    if (!k || !*k)
        k = getenv("VMDRV_TEST_GUEST_KERNEL");
    if (!i || !*i)
        i = getenv("VMDRV_TEST_GUEST_INITRD");
    snprintf(W.kernel, sizeof W.kernel, "%s",
             k && *k ? k : VMDRV_BUILD_DIR "/guest/vmlinux");
    snprintf(W.initrd, sizeof W.initrd, "%s",
             i && *i ? i : VMDRV_BUILD_DIR "/guest/initrd.img");
    if (access(W.kernel, R_OK) != 0 || access(W.initrd, R_OK) != 0) {
        snprintf(why, size,
                 "the test guest is missing ('%s' or '%s'); build the "
                 "guest_fixture target",
                 W.kernel, W.initrd);
        return 1;
    }
    if (vmdrv_driver_probe(W.ctx, "qemu") != 0) {
        snprintf(why, size, "the qemu driver declines this host: %s", msg());
        return 1;
    }
    return 0;
}

static void cleanup_world(void)
{
    if (W.conn) {
        /* whatever a failed test left running */
        vmdrv_names names = {0};
        if (vmdrv_instance_list(W.conn, &names, 0) == 0)
            for (size_t i = 0; i < names.count; i++)
                vmdrv_instance_delete(W.conn, names.names[i], 0);
        vmdrv_names_clear(&names);
        vmdrv_conn_close(W.conn);
    }
    vmdrv_conn *c;
    if (W.ctx && vmdrv_conn_open(&c, W.ctx, "qemu", "qemuauto", NULL, 0) == 0) {
        vmdrv_instance_delete(c, "a1", 0);
        vmdrv_conn_close(c);
    }
    vmdrv_ctx_free(W.ctx);
    if (W.root[0] && !getenv("VMDRV_TEST_KEEP")) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", W.root);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove '%s'\n", W.root);
    }
}

int main(void)
{
    char err[256], why[2600];
    setvbuf(stdout, NULL, _IONBF, 0);
    snprintf(W.root, sizeof W.root, "/tmp/vmdrv-test-qemu-guest-XXXXXX");
    if (!mkdtemp(W.root)) {
        perror("mkdtemp");
        return 1;
    }
    /* longer than a unix socket path may be: the driver must cope */
    snprintf(W.data, sizeof W.data,
             "%s/a-data-folder-with-a-long-name/that-goes-on-and-on/"
             "past-the-socket-limit",
             W.root);
    snprintf(W.share, sizeof W.share, "%s/share", W.root);
    if (mkdir(W.share, 0755) != 0 ||
        vmdrv_ctx_open(&W.ctx, W.data, err, sizeof err) != 0) {
        fprintf(stderr, "cannot set up: %s\n", err);
        return 1;
    }
    if (why_skip(why, sizeof why)) {
        printf("SKIP: %s\n", why);
        cleanup_world();
        return 77;
    }
    W.accel = getenv("VMDRV_QEMU_TEST_ACCEL");
    if (!W.accel || !*W.accel)
        W.accel = "tcg";
    char ko[1100], io[1100], ao[64];
    snprintf(ko, sizeof ko, "kernel=%s", W.kernel);
    snprintf(io, sizeof io, "initrd=%s", W.initrd);
    snprintf(ao, sizeof ao, "accel=%s", W.accel);
    const char *opts[] = {ko, io, ao, NULL};
    if (vmdrv_conn_open(&W.conn, W.ctx, "qemu", NULL, opts, 0) != 0) {
        fprintf(stderr, "cannot open the qemu driver: %s\n", msg());
        cleanup_world();
        return 1;
    }
    printf("# guest %s, accel %s, data %s\n", W.kernel, W.accel, W.data);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu_guest__create_start_exec),
        cmocka_unit_test(test_qemu_guest__warm_template_launch),
        cmocka_unit_test(test_qemu_guest__live_mount_keeps_memory),
        cmocka_unit_test(test_qemu_guest__live_snapshot_restore_with_mount),
        cmocka_unit_test(test_qemu_guest__suspend_resume_keeps_memory),
        cmocka_unit_test(test_qemu_guest__umount_while_running),
        cmocka_unit_test(test_qemu_guest__offline_snapshots_and_the_disk),
        cmocka_unit_test(test_qemu_guest__adopts_a_migrated_disk),
        cmocka_unit_test(test_qemu_guest__snapshot_delete),
        cmocka_unit_test(test_qemu_guest__qemu_death_is_noticed),
        cmocka_unit_test(test_qemu_guest__forced_stop_discards_suspension),
        cmocka_unit_test(test_qemu_guest__networks_answer_honestly),
        cmocka_unit_test(test_qemu_guest__accel_auto_picks_a_working_one),
        cmocka_unit_test(test_qemu_guest__delete_leaves_nothing),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    cleanup_world();
    return failed ? 1 : 0;
}
