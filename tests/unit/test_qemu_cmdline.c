/*
 * test_qemu_cmdline.c: unit tests of the QEMU driver's command-line
 * builder (drivers/qemu/qemu_cmdline.c): the flags every instance gets,
 * q35 versus microvm, option escaping, 9p exports and bridges, and the
 * refusals of an impossible launch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qemu.h"
#include "qemu_test_helpers.h"

typedef struct fixture {
    vmdrv_ctx *ctx;
    char dir[256];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    qemu_test_open(&f->ctx, f->dir, sizeof f->dir, "cmdline", NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    qemu_test_close(f->ctx, f->dir);
    free(f);
    return 0;
}

static qemu_launch base_launch(void)
{
    qemu_launch l = {
        .binary = "/usr/bin/qemu-system-x86_64",
        .arch = VMDRV_ARCH_X86_64,
        .accel = "tcg",
        .machine = "q35",
        .cpus = 1,
        .memory_mb = 256,
        .kernel = "/g/vmlinux",
        .initrd = "/g/initrd.img",
        .disk = "/data/qemu/instances/t1/disk.qcow2",
        .serial_sock = "/tmp/vmdrv-0/abc/serial.sock",
        .serial_log = "/data/qemu/instances/t1/serial.log",
        .qmp_sock = "/tmp/vmdrv-0/abc/qmp.sock",
        .pidfile = "/data/qemu/instances/t1/qemu.pid",
        .name = "t1",
        .daemonize = 1,
    };
    return l;
}

/* Index of the first argv[i] == a followed by argv[i+1] == b, or -1. */
static long find_pair(const vu_strv *argv, const char *a, const char *b)
{
    for (size_t i = 0; i + 1 < argv->n; i++)
        if (strcmp(argv->v[i], a) == 0 &&
            (!b || strcmp(argv->v[i + 1], b) == 0))
            return (long)i;
    return -1;
}

static const char *value_after(const vu_strv *argv, const char *opt)
{
    long i = find_pair(argv, opt, NULL);
    return i < 0 ? NULL : argv->v[i + 1];
}

static int count(const vu_strv *argv, const char *s)
{
    int n = 0;
    for (size_t i = 0; i < argv->n; i++)
        n += strcmp(argv->v[i], s) == 0;
    return n;
}

static void test_qemu_cmdline__q35_defaults(void **state)
{
    fixture *f = *state;
    qemu_launch l = base_launch();
    vu_strv argv = VU_STRV_INIT;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), 0);
    assert_string_equal(argv.v[0], "/usr/bin/qemu-system-x86_64");
    assert_true(find_pair(&argv, "-accel", "tcg") > 0);
    assert_true(find_pair(&argv, "-machine", "q35") > 0);
    assert_true(find_pair(&argv, "-m", "256") > 0);
    assert_true(find_pair(&argv, "-smp", "1") > 0);
    assert_true(find_pair(&argv, "-display", "none") > 0);
    assert_int_equal(count(&argv, "-nodefaults"), 1);
    assert_int_equal(count(&argv, "-no-user-config"), 1);
    assert_int_equal(count(&argv, "-no-reboot"), 1);
    assert_int_equal(count(&argv, "-daemonize"), 1);
    assert_string_equal(value_after(&argv, "-pidfile"),
                        "/data/qemu/instances/t1/qemu.pid");
    assert_string_equal(value_after(&argv, "-append"),
                        "console=ttyS0 panic=-1 quiet");
    assert_string_equal(value_after(&argv, "-kernel"), "/g/vmlinux");
    assert_string_equal(value_after(&argv, "-initrd"), "/g/initrd.img");
    assert_true(find_pair(&argv, "-chardev",
                          "socket,id=ser0,path=/tmp/vmdrv-0/abc/serial.sock,"
                          "server=on,wait=off,logfile=/data/qemu/instances/"
                          "t1/serial.log,logappend=on") > 0);
    assert_true(find_pair(&argv, "-serial", "chardev:ser0") > 0);
    assert_true(find_pair(&argv, "-chardev",
                          "socket,id=qmp0,path=/tmp/vmdrv-0/abc/qmp.sock,"
                          "server=on,wait=off") > 0);
    assert_true(find_pair(&argv, "-mon", "chardev=qmp0,mode=control") > 0);
    /* stable node names for the snapshot jobs */
    assert_true(find_pair(&argv, "-blockdev",
                          "driver=file,filename=/data/qemu/instances/t1/"
                          "disk.qcow2,node-name=file0") > 0);
    assert_true(find_pair(&argv, "-blockdev",
                          "driver=qcow2,file=file0,node-name=disk0") > 0);
    assert_true(
        find_pair(&argv, "-device", "virtio-blk-pci,id=vda,drive=disk0") > 0);
    /* user-mode networking by default, nothing else */
    assert_true(find_pair(&argv, "-netdev", "user,id=net0") > 0);
    assert_int_equal(count(&argv, "-netdev"), 1);
    assert_int_equal(count(&argv, "-fsdev"), 0);
    vu_strv_clear(&argv);
}

static void test_qemu_cmdline__kvm_is_passed_through(void **state)
{
    fixture *f = *state;
    qemu_launch l = base_launch();
    l.accel = "kvm";
    l.cpus = 2;
    l.memory_mb = 1024;
    vu_strv argv = VU_STRV_INIT;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), 0);
    assert_true(find_pair(&argv, "-accel", "kvm") > 0);
    assert_int_equal(count(&argv, "-accel"), 1);
    assert_true(find_pair(&argv, "-smp", "2") > 0);
    assert_true(find_pair(&argv, "-m", "1024") > 0);
    vu_strv_clear(&argv);
}

static void test_qemu_cmdline__microvm_needs_tsc_khz(void **state)
{
    fixture *f = *state;
    qemu_launch l = base_launch();
    l.machine = "microvm";
    vu_strv argv = VU_STRV_INIT;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), VMDRV_E_CONFIG);
    assert_non_null(strstr(vmdrv_last_error(f->ctx)->message, "tsc_early_khz"));
    vu_strv_clear(&argv);

    l.tsc_khz = 2096051;
    qemu_mount_dev m = {"mabc", "/home/u/share"};
    l.mounts = &m;
    l.n_mounts = 1;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), 0);
    assert_string_equal(value_after(&argv, "-append"),
                        "console=ttyS0 panic=-1 quiet tsc_early_khz=2096051");
    assert_true(find_pair(&argv, "-machine", "microvm") > 0);
    /* virtio-mmio devices: microvm has no PCI */
    assert_true(find_pair(&argv, "-device",
                          "virtio-blk-device,id=vda,drive=disk0") > 0);
    assert_true(find_pair(&argv, "-device",
                          "virtio-net-device,id=nic0,netdev=net0") > 0);
    assert_true(find_pair(&argv, "-device",
                          "virtio-9p-device,id=devmabc,fsdev=fsmabc,"
                          "mount_tag=mabc") > 0);
    vu_strv_clear(&argv);
}

static void test_qemu_cmdline__commas_in_paths_are_escaped(void **state)
{
    fixture *f = *state;
    qemu_launch l = base_launch();
    l.disk = "/data/a,b/disk.qcow2";
    l.serial_log = "/data/a,b/serial.log";
    qemu_mount_dev m = {"mtag", "/home/u/x,y"};
    l.mounts = &m;
    l.n_mounts = 1;
    vu_strv argv = VU_STRV_INIT;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), 0);
    assert_true(find_pair(&argv, "-blockdev",
                          "driver=file,filename=/data/a,,b/disk.qcow2,"
                          "node-name=file0") > 0);
    assert_non_null(strstr(argv.v[find_pair(&argv, "-chardev", NULL) + 1],
                           "logfile=/data/a,,b/serial.log,"));
    assert_true(find_pair(&argv, "-fsdev",
                          "local,id=fsmtag,path=/home/u/x,,y,"
                          "security_model=none") > 0);
    vu_strv_clear(&argv);
}

static void test_qemu_cmdline__mounts_keep_their_order(void **state)
{
    fixture *f = *state;
    qemu_launch l = base_launch();
    qemu_mount_dev m[2] = {{"mone", "/srv/one"}, {"mtwo", "/srv/two"}};
    l.mounts = m;
    l.n_mounts = 2;
    vu_strv argv = VU_STRV_INIT;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), 0);
    long one =
        find_pair(&argv, "-device",
                  "virtio-9p-pci,id=devmone,fsdev=fsmone,mount_tag=mone");
    long two =
        find_pair(&argv, "-device",
                  "virtio-9p-pci,id=devmtwo,fsdev=fsmtwo,mount_tag=mtwo");
    long blk = find_pair(&argv, "-device", "virtio-blk-pci,id=vda,drive=disk0");
    assert_true(blk > 0 && one > blk && two > one);

    /* appending one export to a running command line gives the same
     * arguments a cold start with it would have */
    vu_strv tail = VU_STRV_INIT;
    qemu_cmdline_mount_args("q35", &m[1], &tail);
    assert_int_equal(tail.n, 4);
    assert_string_equal(tail.v[0], "-fsdev");
    assert_string_equal(tail.v[1], argv.v[find_pair(&argv, "-fsdev",
                                                    "local,id=fsmtwo,path=/srv/"
                                                    "two,security_model=none") +
                                          1]);
    assert_string_equal(tail.v[3], argv.v[two + 1]);
    vu_strv_clear(&tail);
    vu_strv_clear(&argv);
}

static void test_qemu_cmdline__mount_tag_is_short_and_stable(void **state)
{
    (void)state;
    char a[32], b[32], c[32];
    qemu_mount_tag("/home/u/share", "/mnt/share", a, sizeof a);
    qemu_mount_tag("/home/u/share", "/mnt/share", b, sizeof b);
    qemu_mount_tag("/home/u/other", "/mnt/share", c, sizeof c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_true(strlen(a) <= 31);
    assert_int_equal(a[0], 'm');
}

static void test_qemu_cmdline__bridge_nic(void **state)
{
    fixture *f = *state;
    qemu_launch l = base_launch();
    qemu_nic n = {"bridge", "br0", "52:54:00:12:34:56",
                  "/usr/lib/qemu/qemu-bridge-helper"};
    l.nics = &n;
    l.n_nics = 1;
    vu_strv argv = VU_STRV_INIT;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), 0);
    assert_true(find_pair(&argv, "-netdev",
                          "bridge,id=net1,br=br0,helper=/usr/lib/qemu/"
                          "qemu-bridge-helper") > 0);
    assert_true(find_pair(&argv, "-device",
                          "virtio-net-pci,id=nic1,netdev=net1,"
                          "mac=52:54:00:12:34:56") > 0);
    /* the default user-mode NIC stays first */
    assert_true(find_pair(&argv, "-netdev", "user,id=net0") <
                find_pair(&argv, "-netdev",
                          "bridge,id=net1,br=br0,helper=/usr/lib/qemu/"
                          "qemu-bridge-helper"));
    vu_strv_clear(&argv);

    qemu_nic v = {"vmnet-bridged", "en0", "52:54:00:00:00:01", NULL};
    l.nics = &v;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), 0);
    assert_true(
        find_pair(&argv, "-netdev", "vmnet-bridged,id=net1,ifname=en0") > 0);
    vu_strv_clear(&argv);
}

static void test_qemu_cmdline__refuses_impossible_launches(void **state)
{
    fixture *f = *state;
    vu_strv argv = VU_STRV_INIT;
    qemu_launch l = base_launch();
    l.kernel = NULL;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), VMDRV_E_INVAL);
    assert_non_null(strstr(vmdrv_last_error(f->ctx)->message, "kernel"));

    l = base_launch();
    l.machine = "pc";
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), VMDRV_E_CONFIG);
    assert_non_null(strstr(vmdrv_last_error(f->ctx)->message, "'pc'"));

    l = base_launch();
    l.cpus = 0;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), VMDRV_E_INVAL);

    l = base_launch();
    l.memory_mb = 4;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), VMDRV_E_INVAL);

    l = base_launch();
    qemu_mount_dev rel = {"mrel", "relative/path"};
    l.mounts = &rel;
    l.n_mounts = 1;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), VMDRV_E_INVAL);

    l = base_launch();
    qemu_mount_dev longtag = {"m0123456789012345678901234567890123", "/x"};
    l.mounts = &longtag;
    l.n_mounts = 1;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), VMDRV_E_INVAL);

    l = base_launch();
    qemu_nic bad = {"tap", "tap0", "52:54:00:00:00:02", NULL};
    l.nics = &bad;
    l.n_nics = 1;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), VMDRV_E_INVAL);
    /* nothing was built by any refusal */
    assert_int_equal(argv.n, 0);
}

static void test_qemu_cmdline__no_daemonize_when_not_asked(void **state)
{
    fixture *f = *state;
    qemu_launch l = base_launch();
    l.daemonize = 0;
    l.name = NULL;
    vu_strv argv = VU_STRV_INIT;
    assert_int_equal(qemu_cmdline_build(f->ctx, &l, &argv), 0);
    assert_int_equal(count(&argv, "-daemonize"), 0);
    assert_int_equal(count(&argv, "-name"), 0);
    vu_strv_clear(&argv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_qemu_cmdline__q35_defaults, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_qemu_cmdline__kvm_is_passed_through, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_qemu_cmdline__microvm_needs_tsc_khz, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_qemu_cmdline__commas_in_paths_are_escaped, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_qemu_cmdline__mounts_keep_their_order, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_qemu_cmdline__mount_tag_is_short_and_stable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_qemu_cmdline__bridge_nic, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_qemu_cmdline__refuses_impossible_launches, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_qemu_cmdline__no_daemonize_when_not_asked, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
