/*
 * test_qemu_driver.c: unit tests of the QEMU driver's ops through the
 * SDK (vmdrv_conn_open(ctx, "qemu", ...)), with the fake process runner
 * standing in for qemu-img and qemu-system-x86_64, so no VM runs.
 *
 * The fake qemu-img keeps a list of internal snapshots per test, prints
 * it the way `qemu-img snapshot -l` does, and applies -c/-a/-d to it.
 * The fake QEMU refuses to start. That covers what does not need a
 * guest: records, states derived from the disk (a "suspend" tag means
 * suspended), offline snapshots, recorded mounts, the networks answer,
 * launch failures, refusals, probing. tests/integration/test_qemu_guest.c
 * covers the rest with a real guest.
 */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmocka.h>

#include "qemu_test_helpers.h"
#include "vmdrv/sys/driver.h"
#include "vmdrv_config.h"

#define FAKE_IMG "/fake/bin/qemu-img"
#define FAKE_QEMU "/fake/bin/qemu-system-x86_64"

typedef struct fake {
    char tags[16][64];
    int vm[16]; /* has memory state */
    int n;
    int img_calls;
    int qemu_calls;
    char qemu_argv[4][1024]; /* the first QEMU command lines */
    char last[1024];         /* the last argv, joined by spaces */
} fake;

typedef struct fixture {
    vmdrv_ctx *ctx;
    vmdrv_conn *conn;
    char dir[256];
    char kernel[300], initrd[300], share[300];
    fake fk;
} fixture;

static int find_tag(fake *fk, const char *tag)
{
    for (int i = 0; i < fk->n; i++)
        if (strcmp(fk->tags[i], tag) == 0)
            return i;
    return -1;
}

static int fake_runner(void *userdata, const vmdrv_proc_spec *spec,
                       vmdrv_proc_result *r)
{
    fake *fk = userdata;
    const char *const *a = spec->argv;
    int argc = 0;
    memset(r, 0, sizeof *r);
    fk->last[0] = '\0';
    while (a[argc]) {
        strncat(fk->last, a[argc], sizeof fk->last - strlen(fk->last) - 2);
        strcat(fk->last, " ");
        argc++;
    }
    if (argc > 1 && strcmp(a[1], "--version") == 0) {
        qemu_test_answer(r, 0,
                         strstr(a[0], "qemu-img")
                             ? "qemu-img version 7.2.22\n"
                             : "QEMU emulator version 7.2.22\n",
                         "");
        return 0;
    }
    if (strcmp(a[0], FAKE_QEMU) == 0) {
        if (fk->qemu_calls < 4)
            snprintf(fk->qemu_argv[fk->qemu_calls], sizeof fk->qemu_argv[0],
                     "%s", fk->last);
        fk->qemu_calls++;
        qemu_test_answer(r, 1, "",
                         "qemu-system-x86_64: fake: no VM in unit tests\n");
        return 0;
    }
    if (strcmp(a[0], FAKE_IMG) != 0) {
        qemu_test_answer(r, 127, "", "unexpected program\n");
        return 0;
    }
    fk->img_calls++;
    if (strcmp(a[1], "create") == 0) {
        FILE *f = fopen(a[argc - 2], "w"); /* path, then size */
        if (f)
            fclose(f);
        qemu_test_answer(r, f ? 0 : 1, "", f ? "" : "cannot create\n");
        return 0;
    }
    if (strcmp(a[1], "snapshot") == 0 && strcmp(a[2], "-l") == 0) {
        char out[4096] = "";
        if (fk->n)
            strcat(out, "Snapshot list:\nID        TAG               VM SIZE  "
                        "              DATE     VM CLOCK     ICOUNT\n");
        for (int i = 0; i < fk->n; i++) {
            char line[256];
            snprintf(line, sizeof line,
                     "%-9d %-16s %8s 2026-11-27 03:30:48 00:00:04.127\n", i + 1,
                     fk->tags[i], fk->vm[i] ? "66.2 MiB" : "0 B");
            strcat(out, line);
        }
        qemu_test_answer(r, 0, out, "");
        return 0;
    }
    if (strcmp(a[1], "snapshot") == 0) {
        const char *tag = a[3];
        int i = find_tag(fk, tag);
        if (strcmp(a[2], "-c") == 0 && i < 0) {
            snprintf(fk->tags[fk->n], sizeof fk->tags[0], "%s", tag);
            fk->vm[fk->n++] = 0;
            qemu_test_answer(r, 0, "", "");
        } else if (strcmp(a[2], "-a") == 0 && i >= 0) {
            qemu_test_answer(r, 0, "", "");
        } else if (strcmp(a[2], "-d") == 0 && i >= 0) {
            for (int k = i; k + 1 < fk->n; k++) {
                memcpy(fk->tags[k], fk->tags[k + 1], sizeof fk->tags[0]);
                fk->vm[k] = fk->vm[k + 1];
            }
            fk->n--;
            qemu_test_answer(r, 0, "", "");
        } else {
            qemu_test_answer(r, 1, "", "qemu-img: Could not find snapshot\n");
        }
        return 0;
    }
    qemu_test_answer(r, 1, "", "fake qemu-img: unknown command\n");
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int open_conn(fixture *f, const char *extra)
{
    char ko[400], io[400];
    snprintf(ko, sizeof ko, "kernel=%s", f->kernel);
    snprintf(io, sizeof io, "initrd=%s", f->initrd);
    const char *opts[] = {ko, io, "accel=tcg", extra, NULL};
    return vmdrv_conn_open(&f->conn, f->ctx, "qemu", NULL, opts, 0);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    setenv("VMDRV_TOOL_QEMU_IMG", FAKE_IMG, 1);
    setenv("VMDRV_TOOL_QEMU_SYSTEM_X86_64", FAKE_QEMU, 1);
    qemu_test_open(&f->ctx, f->dir, sizeof f->dir, "driver", "data");
    snprintf(f->kernel, sizeof f->kernel, "%s/vmlinux", f->dir);
    snprintf(f->initrd, sizeof f->initrd, "%s/initrd.img", f->dir);
    snprintf(f->share, sizeof f->share, "%s/share", f->dir);
    write_file(f->kernel, "kernel");
    write_file(f->initrd, "initrd");
    assert_int_equal(mkdir(f->share, 0755), 0);
    vmdrv_ctx_set_runner(f->ctx, fake_runner, &f->fk);
    assert_int_equal(open_conn(f, NULL), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    vmdrv_conn_close(f->conn);
    qemu_test_close(f->ctx, f->dir);
    free(f);
    return 0;
}

static const char *msg(fixture *f)
{
    return vmdrv_last_error(f->ctx)->message;
}

static vmdrv_state state_of(fixture *f, const char *name)
{
    vmdrv_state st;
    assert_int_equal(vmdrv_instance_state(f->conn, name, &st, 0), 0);
    return st;
}

static void create(fixture *f, const char *name)
{
    vmdrv_instance_spec spec = {.name = name};
    assert_int_equal(vmdrv_instance_create(f->conn, &spec, 0), 0);
}

/* As if the instance had run once (only then can it be suspended). */
static void mark_started(fixture *f, const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/data/qemu/instances/%s/qemu-instance.json",
             f->dir, name);
    json_t *rec = json_load_file(path, 0, NULL);
    assert_non_null(rec);
    json_object_set_new(rec, "started", json_true());
    assert_int_equal(json_dump_file(rec, path, 0), 0);
    json_decref(rec);
}

static void test_qemu_driver__create_makes_disk_and_record(void **state)
{
    fixture *f = *state;
    vmdrv_instance_spec spec = {.name = "t1", .cpus = 2, .memory_mb = 512};
    assert_int_equal(vmdrv_instance_create(f->conn, &spec, 0), 0);
    assert_non_null(strstr(f->fk.last, FAKE_IMG " create -q -f qcow2 "));
    assert_non_null(strstr(f->fk.last, "/instances/t1/disk.qcow2 5120M"));
    assert_int_equal(state_of(f, "t1"), VMDRV_STATE_OFF);
    vmdrv_info info;
    assert_int_equal(vmdrv_instance_info(f->conn, "t1", &info, 0), 0);
    assert_int_equal(info.cpus, 2);
    assert_int_equal(info.memory_mb, 512);
    assert_int_equal(info.disk_mb, 5120);
    assert_string_equal(vmdrv_info_get(&info, "machine"), "q35");
    assert_string_equal(vmdrv_info_get(&info, "kernel"), f->kernel);
    char path[600];
    snprintf(path, sizeof path, "%s/data/qemu/instances/t1/qemu-instance.json",
             f->dir);
    assert_true(access(path, F_OK) == 0);

    assert_int_equal(vmdrv_instance_create(f->conn, &spec, 0), VMDRV_E_EXISTS);
    vmdrv_names names = {0};
    assert_int_equal(vmdrv_instance_list(f->conn, &names, 0), 0);
    assert_int_equal(names.count, 1);
    assert_string_equal(names.names[0], "t1");
    vmdrv_names_clear(&names);
}

static void test_qemu_driver__create_without_guest_is_notfound(void **state)
{
    fixture *f = *state;
    vmdrv_conn_close(f->conn);
    f->conn = NULL;
    snprintf(f->kernel, sizeof f->kernel, "%s/missing-vmlinux", f->dir);
    assert_int_equal(open_conn(f, NULL), 0);
    vmdrv_instance_spec spec = {.name = "t1"};
    assert_int_equal(vmdrv_instance_create(f->conn, &spec, 0),
                     VMDRV_E_NOTFOUND);
    assert_non_null(strstr(msg(f), "missing-vmlinux"));
    assert_non_null(strstr(msg(f), "guest_fixture"));
    /* nothing is left behind */
    vmdrv_names names = {0};
    assert_int_equal(vmdrv_instance_list(f->conn, &names, 0), 0);
    assert_int_equal(names.count, 0);
    vmdrv_names_clear(&names);
}

static void test_qemu_driver__suspend_tag_means_suspended(void **state)
{
    fixture *f = *state;
    create(f, "t1");
    mark_started(f, "t1");
    /* a "suspend" snapshot in the disk is a suspended instance, whoever
     * made it: that is how a later process recognises one */
    snprintf(f->fk.tags[0], sizeof f->fk.tags[0], "suspend");
    f->fk.vm[0] = 1;
    snprintf(f->fk.tags[1], sizeof f->fk.tags[1], "keep");
    f->fk.n = 2;
    assert_int_equal(state_of(f, "t1"), VMDRV_STATE_SUSPENDED);
    /* the saved state is no user snapshot */
    vmdrv_snapshots list = {0};
    assert_int_equal(vmdrv_snapshot_list(f->conn, "t1", &list, 0), 0);
    assert_int_equal(list.count, 1);
    assert_string_equal(list.items[0].name, "keep");
    vmdrv_snapshots_clear(&list);
    assert_int_equal(vmdrv_snapshot_restore(f->conn, "t1", "suspend", 0),
                     VMDRV_E_NOTFOUND);
    assert_int_equal(vmdrv_snapshot_take(f->conn, "t1", "suspend", 0),
                     VMDRV_E_INVAL);
    assert_non_null(strstr(msg(f), "reserved"));
    /* wrong-state answers */
    assert_int_equal(vmdrv_snapshot_take(f->conn, "t1", "s2", 0),
                     VMDRV_E_STATE);
    assert_int_equal(vmdrv_mount(f->conn, "t1", f->share, "/mnt/x", 0),
                     VMDRV_E_STATE);
    assert_int_equal(vmdrv_instance_stop(f->conn, "t1", 0), VMDRV_E_STATE);
    assert_non_null(strstr(msg(f), "forced stop"));
    /* a forced stop discards the saved state */
    assert_int_equal(vmdrv_instance_stop(f->conn, "t1", VMDRV_STOP_FORCE), 0);
    assert_non_null(strstr(f->fk.last, "snapshot -d suspend "));
    assert_int_equal(state_of(f, "t1"), VMDRV_STATE_STOPPED);
    assert_int_equal(f->fk.n, 1);
}

static void test_qemu_driver__offline_snapshots(void **state)
{
    fixture *f = *state;
    create(f, "t1");
    assert_int_equal(vmdrv_snapshot_take(f->conn, "t1", "s1", 0), 0);
    assert_non_null(strstr(f->fk.last, "snapshot -c s1 "));
    assert_int_equal(vmdrv_snapshot_take(f->conn, "t1", "s2", 0), 0);
    assert_int_equal(vmdrv_snapshot_take(f->conn, "t1", "s1", 0),
                     VMDRV_E_EXISTS);
    vmdrv_snapshots list = {0};
    assert_int_equal(vmdrv_snapshot_list(f->conn, "t1", &list, 0), 0);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0].name, "s1");
    assert_string_equal(list.items[0].parent, "");
    assert_string_equal(list.items[1].name, "s2");
    assert_string_equal(list.items[1].parent, "s1");
    assert_string_equal(list.items[1].comment, "disk only");
    vmdrv_snapshots_clear(&list);

    assert_int_equal(vmdrv_snapshot_restore(f->conn, "t1", "s1", 0), 0);
    assert_non_null(strstr(f->fk.last, "snapshot -a s1 "));
    assert_int_equal(state_of(f, "t1"), VMDRV_STATE_OFF); /* stays off */
    assert_int_equal(vmdrv_snapshot_restore(f->conn, "t1", "nope", 0),
                     VMDRV_E_NOTFOUND);

    /* deleting a parent re-parents its child */
    assert_int_equal(vmdrv_snapshot_delete(f->conn, "t1", "s1", 0), 0);
    assert_non_null(strstr(f->fk.last, "snapshot -d s1 "));
    assert_int_equal(vmdrv_snapshot_list(f->conn, "t1", &list, 0), 0);
    assert_int_equal(list.count, 1);
    assert_string_equal(list.items[0].name, "s2");
    assert_string_equal(list.items[0].parent, "");
    vmdrv_snapshots_clear(&list);
    assert_int_equal(vmdrv_snapshot_delete(f->conn, "t1", "s1", 0),
                     VMDRV_E_NOTFOUND);
}

static void test_qemu_driver__wrong_state_answers(void **state)
{
    fixture *f = *state;
    create(f, "t1");
    vmdrv_exec_result r;
    assert_int_equal(vmdrv_guest_exec(f->conn, "t1", "true", &r, 0),
                     VMDRV_E_STATE);
    assert_non_null(strstr(msg(f), "while it is off"));
    assert_int_equal(vmdrv_instance_suspend(f->conn, "t1", 0), VMDRV_E_STATE);
    /* stopping what is not running is no error, and leaves errors alone */
    vmdrv_error_set(f->ctx, VMDRV_E_IO, "marker", 0, "left alone");
    assert_int_equal(vmdrv_instance_stop(f->conn, "t1", 0), 0);
    assert_int_equal(vmdrv_instance_stop(f->conn, "t1", VMDRV_STOP_FORCE), 0);
    assert_string_equal(msg(f), "left alone");
    assert_int_equal(vmdrv_instance_start(f->conn, "nosuch", 0),
                     VMDRV_E_NOTFOUND);
    assert_int_equal(vmdrv_instance_delete(f->conn, "nosuch", 0),
                     VMDRV_E_NOTFOUND);
}

static void test_qemu_driver__failed_launch_is_reported_and_clean(void **state)
{
    fixture *f = *state;
    create(f, "t1");
    assert_int_equal(vmdrv_instance_start(f->conn, "t1", 0), VMDRV_E_TOOL);
    assert_int_equal(f->fk.qemu_calls, 1);
    assert_non_null(strstr(msg(f), "fake: no VM in unit tests"));
    assert_non_null(strstr(msg(f), "'t1'"));
    /* the command line QEMU got */
    assert_non_null(strstr(f->fk.last,
                           FAKE_QEMU " -name vmdrv-t1 -accel tcg "
                                     "-machine q35 -m 256 -smp 1 "));
    assert_non_null(strstr(f->fk.last, "-daemonize"));
    assert_int_equal(state_of(f, "t1"), VMDRV_STATE_OFF);
    vmdrv_info info;
    assert_int_equal(vmdrv_instance_info(f->conn, "t1", &info, 0), 0);
    assert_null(vmdrv_info_get(&info, "pid"));
}

static void test_qemu_driver__kvm_first_then_tcg(void **state)
{
    fixture *f = *state;
    /* a host with KVM: auto tries it first, then TCG */
    vmdrv_host h;
    assert_int_equal(vmdrv_host_probe(f->ctx, &h), 0);
    h.accels |= VMDRV_ACCEL_KVM;
    h.simulated = 0;
    vmdrv_ctx_set_host(f->ctx, &h);
    vmdrv_conn_close(f->conn);
    f->conn = NULL;
    char ko[400], io[400];
    snprintf(ko, sizeof ko, "kernel=%s", f->kernel);
    snprintf(io, sizeof io, "initrd=%s", f->initrd);
    const char *opts[] = {ko, io, NULL};
    assert_int_equal(vmdrv_conn_open(&f->conn, f->ctx, "qemu", NULL, opts, 0),
                     0);
    create(f, "t1");
    assert_int_equal(vmdrv_instance_start(f->conn, "t1", 0), VMDRV_E_TOOL);
    assert_int_equal(f->fk.qemu_calls, 2);
    assert_non_null(strstr(f->fk.qemu_argv[0], " -accel kvm "));
    assert_non_null(strstr(f->fk.qemu_argv[1], " -accel tcg "));
    /* TCG failed too: the fault is not KVM's, so nothing is remembered
     * against it (a later start tries KVM again) */
    char path[600];
    snprintf(path, sizeof path, "%s/data/qemu/accel.json", f->dir);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(vmdrv_instance_start(f->conn, "t1", 0), VMDRV_E_TOOL);
    assert_int_equal(f->fk.qemu_calls, 4);
    assert_non_null(strstr(f->fk.qemu_argv[2], " -accel kvm "));

    /* a KVM remembered as unusable here is skipped, with the reason */
    json_t *verdict = NULL;
    char bin_id[600];
    struct stat st;
    snprintf(bin_id, sizeof bin_id, "%s:?", FAKE_QEMU);
    assert_int_not_equal(stat(FAKE_QEMU, &st), 0); /* the fake has no file */
    struct utsname u;
    assert_int_equal(uname(&u), 0);
    char id[900];
    snprintf(id, sizeof id, "%s kernel %s", bin_id, u.release);
    verdict = json_pack("{s:{s:s,s:b,s:s}}", "kvm", "id", id, "usable", 0,
                        "reason", "guest never got ready");
    assert_int_equal(json_dump_file(verdict, path, 0), 0);
    json_decref(verdict);
    assert_int_equal(vmdrv_instance_start(f->conn, "t1", 0), VMDRV_E_TOOL);
    assert_int_equal(f->fk.qemu_calls, 5);
    assert_non_null(strstr(f->fk.last, " -accel tcg "));
}

static void test_qemu_driver__a_pid_that_is_not_our_qemu(void **state)
{
    fixture *f = *state;
    create(f, "t1");
    /* a live process, but not this instance's QEMU (a recycled pid) */
    char path[600], pid[32];
    snprintf(path, sizeof path, "%s/data/qemu/instances/t1/qemu.pid", f->dir);
    snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    write_file(path, pid);
    assert_int_equal(state_of(f, "t1"), VMDRV_STATE_OFF);
    /* the next locked op cleans the stale pidfile */
    assert_int_equal(vmdrv_instance_stop(f->conn, "t1", 0), 0);
    assert_int_equal(access(path, F_OK), -1);
}

static void test_qemu_driver__mounts_recorded_while_off(void **state)
{
    fixture *f = *state;
    create(f, "t1");
    char missing[400];
    snprintf(missing, sizeof missing, "%s/nope", f->dir);
    assert_int_equal(vmdrv_mount(f->conn, "t1", missing, "/mnt/x", 0),
                     VMDRV_E_NOTFOUND);
    assert_int_equal(vmdrv_mount(f->conn, "t1", f->share, "/mnt/x/", 0), 0);
    assert_int_equal(vmdrv_mount(f->conn, "t1", f->share, "/mnt/x", 0),
                     VMDRV_E_EXISTS);
    assert_int_equal(vmdrv_mount(f->conn, "t1", f->share, "/", 0),
                     VMDRV_E_INVAL);
    vmdrv_info info;
    assert_int_equal(vmdrv_instance_info(f->conn, "t1", &info, 0), 0);
    const char *m = vmdrv_info_get(&info, "mount");
    assert_non_null(m);
    assert_non_null(strstr(m, "=> /mnt/x (9p tag m"));
    assert_int_equal(vmdrv_umount(f->conn, "t1", "/mnt/x", 0), 0);
    assert_int_equal(vmdrv_umount(f->conn, "t1", "/mnt/x", 0),
                     VMDRV_E_NOTFOUND);
    assert_int_equal(vmdrv_instance_info(f->conn, "t1", &info, 0), 0);
    assert_null(vmdrv_info_get(&info, "mount"));
}

static void test_qemu_driver__networks_need_the_bridge_helper(void **state)
{
    fixture *f = *state;
    uint64_t st, eff;
    vmdrv_conn_close(f->conn);
    f->conn = NULL;
    assert_int_equal(open_conn(f, "bridge_helper=/nonexistent/helper"), 0);
    assert_int_equal(vmdrv_conn_caps(f->conn, &st, &eff), 0);
    assert_true(st & VMDRV_CAP_BIT(VMDRV_CAP_EXTRA_NETWORKS));
    assert_false(eff & VMDRV_CAP_BIT(VMDRV_CAP_EXTRA_NETWORKS));
    assert_true(eff & VMDRV_CAP_BIT(VMDRV_CAP_SNAPSHOTS));
    vmdrv_networks nets = {0};
    assert_int_equal(vmdrv_networks_list(f->conn, &nets, 0), VMDRV_E_NOTSUP);
    assert_non_null(strstr(msg(f), "extra_networks"));
    create(f, "t1");
    assert_int_equal(vmdrv_network_add(f->conn, "t1", "br0", 0),
                     VMDRV_E_NOTSUP);

    /* with a helper and a bridge.conf, bridging is offered, and a bridge
     * this host does not have is not found */
    char conf[400], opt[500];
    snprintf(conf, sizeof conf, "%s/bridge.conf", f->dir);
    write_file(conf, "allow vmdrvtestbr0\n");
    vmdrv_conn_close(f->conn);
    f->conn = NULL;
    snprintf(opt, sizeof opt, "bridge_conf=%s", conf);
    const char *opts[] = {"accel=tcg", "bridge_helper=/bin/sh", opt, NULL};
    assert_int_equal(vmdrv_conn_open(&f->conn, f->ctx, "qemu", NULL, opts, 0),
                     0);
    assert_int_equal(vmdrv_conn_caps(f->conn, &st, &eff), 0);
    assert_true(eff & VMDRV_CAP_BIT(VMDRV_CAP_EXTRA_NETWORKS));
    assert_int_equal(vmdrv_networks_list(f->conn, &nets, 0), 0);
    vmdrv_networks_clear(&nets);
    assert_int_equal(vmdrv_network_add(f->conn, "t1", "vmdrvtestbr0", 0),
                     VMDRV_E_NOTFOUND);
}

static void test_qemu_driver__bad_options_are_refused(void **state)
{
    fixture *f = *state;
    vmdrv_conn *c = NULL;
    const char *a[] = {"accel=warp", NULL};
    assert_int_equal(vmdrv_conn_open(&c, f->ctx, "qemu", NULL, a, 0),
                     VMDRV_E_CONFIG);
    assert_non_null(strstr(msg(f), "'warp'"));
    const char *m[] = {"machine=microvm", NULL};
    assert_int_equal(vmdrv_conn_open(&c, f->ctx, "qemu", NULL, m, 0),
                     VMDRV_E_CONFIG);
    assert_non_null(strstr(msg(f), "tsc_early_khz"));
    const char *t[] = {"ready_timeout=soon", NULL};
    assert_int_equal(vmdrv_conn_open(&c, f->ctx, "qemu", NULL, t, 0),
                     VMDRV_E_CONFIG);
    assert_null(c);
}

static void test_qemu_driver__probe_declines_foreign_profiles(void **state)
{
    fixture *f = *state;
    char path[600];
    const char *foreign[] = {"windows-home", "windows-pro", "macos-arm64",
                             "macos-x86_64"};
    for (size_t i = 0; i < 4; i++) {
        vmdrv_ctx *ctx;
        char err[256], data[400];
        snprintf(data, sizeof data, "%s/p%zu", f->dir, i);
        assert_int_equal(vmdrv_ctx_open(&ctx, data, err, sizeof err), 0);
        vmdrv_ctx_set_runner(ctx, fake_runner, &f->fk);
        snprintf(path, sizeof path, "%s/fixtures/hosts/%s.yaml",
                 VMDRV_SOURCE_DIR, foreign[i]);
        assert_int_equal(vmdrv_ctx_use_profile(ctx, path), 0);
        assert_int_equal(vmdrv_driver_probe(ctx, "qemu"), VMDRV_E_DECLINED);
        const char *m = vmdrv_last_error(ctx)->message;
        assert_non_null(strstr(m, foreign[i]));
        assert_non_null(strstr(m, "cannot pretend"));
        vmdrv_ctx_free(ctx);
    }
    /* this machine itself: QEMU's tools are found (here: the fakes) */
    assert_int_equal(vmdrv_driver_probe(f->ctx, "qemu"), 0);
}

static void test_qemu_driver__probe_declines_without_qemu(void **state)
{
    fixture *f = *state;
    char *path = strdup(getenv("PATH") ? getenv("PATH") : "");
    unsetenv("VMDRV_TOOL_QEMU_SYSTEM_X86_64");
    setenv("PATH", "/nonexistent", 1);
    vmdrv_ctx *ctx;
    char err[256], data[400];
    snprintf(data, sizeof data, "%s/noqemu", f->dir);
    assert_int_equal(vmdrv_ctx_open(&ctx, data, err, sizeof err), 0);
    vmdrv_ctx_set_runner(ctx, fake_runner, &f->fk);
    int rc = vmdrv_driver_probe(ctx, "qemu");
    char m[512];
    snprintf(m, sizeof m, "%s", vmdrv_last_error(ctx)->message);
    vmdrv_ctx_free(ctx);
    setenv("PATH", path, 1);
    setenv("VMDRV_TOOL_QEMU_SYSTEM_X86_64", FAKE_QEMU, 1);
    free(path);
    assert_int_equal(rc, VMDRV_E_DECLINED);
    assert_non_null(strstr(m, "'qemu-system-x86_64' was not found"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_qemu_driver__create_makes_disk_and_record),
        T(test_qemu_driver__create_without_guest_is_notfound),
        T(test_qemu_driver__suspend_tag_means_suspended),
        T(test_qemu_driver__offline_snapshots),
        T(test_qemu_driver__wrong_state_answers),
        T(test_qemu_driver__failed_launch_is_reported_and_clean),
        T(test_qemu_driver__kvm_first_then_tcg),
        T(test_qemu_driver__a_pid_that_is_not_our_qemu),
        T(test_qemu_driver__mounts_recorded_while_off),
        T(test_qemu_driver__networks_need_the_bridge_helper),
        T(test_qemu_driver__bad_options_are_refused),
        T(test_qemu_driver__probe_declines_foreign_profiles),
        T(test_qemu_driver__probe_declines_without_qemu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
