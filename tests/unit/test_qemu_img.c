/*
 * test_qemu_img.c: unit tests of the QEMU driver's qemu-img wrappers
 * (drivers/qemu/qemu_img.c) with the SDK's fake process runner: the
 * argv each operation runs, parsing of `qemu-img snapshot -l` as QEMU
 * 7.2 prints it, and the error a failing qemu-img turns into.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "qemu.h"
#include "qemu_test_helpers.h"

typedef struct fake {
    char argv[16][256];
    int argc;
    int calls;
    int status;
    const char *out;
    const char *err;
} fake;

typedef struct fixture {
    vmdrv_ctx *ctx;
    char dir[256];
    fake fk;
} fixture;

static int fake_runner(void *userdata, const vmdrv_proc_spec *spec,
                       vmdrv_proc_result *r)
{
    fake *fk = userdata;
    memset(r, 0, sizeof *r);
    fk->calls++;
    fk->argc = 0;
    for (int i = 0; spec->argv[i] && i < 16; i++)
        snprintf(fk->argv[fk->argc++], sizeof fk->argv[0], "%s", spec->argv[i]);
    qemu_test_answer(r, fk->status, fk->out ? fk->out : "",
                     fk->err ? fk->err : "");
    return 0;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    qemu_test_open(&f->ctx, f->dir, sizeof f->dir, "img", NULL);
    vmdrv_ctx_set_runner(f->ctx, fake_runner, &f->fk);
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

static void expect_argv(fake *fk, const char *const *want)
{
    int n = 0;
    while (want[n])
        n++;
    assert_int_equal(fk->argc, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(fk->argv[i], want[i]);
}

static void test_qemu_img__create_runs_qcow2_create(void **state)
{
    fixture *f = *state;
    assert_int_equal(
        qemu_img_create(f->ctx, "/q/qemu-img", "/d/disk.qcow2", 5120, NULL), 0);
    const char *plain[] = {"/q/qemu-img", "create",        "-q",    "-f",
                           "qcow2",       "/d/disk.qcow2", "5120M", NULL};
    expect_argv(&f->fk, plain);
    assert_int_equal(qemu_img_create(f->ctx, "/q/qemu-img", "/d/disk.qcow2", 64,
                                     "/t/base.qcow2"),
                     0);
    const char *overlay[] = {"/q/qemu-img",
                             "create",
                             "-q",
                             "-f",
                             "qcow2",
                             "-F",
                             "qcow2",
                             "-b",
                             "/t/base.qcow2",
                             "/d/disk.qcow2",
                             "64M",
                             NULL};
    expect_argv(&f->fk, overlay);
}

static void test_qemu_img__snapshot_ops_are_offline_commands(void **state)
{
    fixture *f = *state;
    const char *ops = "cad";
    const char *flags[] = {"-c", "-a", "-d"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(qemu_img_snapshot(f->ctx, "qemu-img", "/d/x.qcow2",
                                           ops[i], "snap1"),
                         0);
        const char *want[] = {"qemu-img", "snapshot",   flags[i],
                              "snap1",    "/d/x.qcow2", NULL};
        expect_argv(&f->fk, want);
    }
    int calls = f->fk.calls;
    assert_int_equal(
        qemu_img_snapshot(f->ctx, "qemu-img", "/d/x.qcow2", 'z', "snap1"),
        VMDRV_E_INVAL);
    assert_int_equal(f->fk.calls, calls); /* nothing was run */
}

/* What QEMU 7.2's qemu-img printed in the guest lab. */
static const char table[] =
    "Snapshot list:\n"
    "ID        TAG               VM SIZE                DATE     VM CLOCK     "
    "ICOUNT\n"
    "1         suspend          66.2 MiB 2026-11-27 03:30:48 00:00:04.127\n"
    "2         offline1             0 B 2026-11-27 03:31:05 00:00:00.000      "
    "    0\n";

static void test_qemu_img__list_parses_the_table(void **state)
{
    fixture *f = *state;
    qemu_img_snaps s;
    f->fk.out = table;
    assert_int_equal(
        qemu_img_snapshot_list(f->ctx, "qemu-img", "/d/x.qcow2", &s), 0);
    /* -U: works while QEMU holds the image */
    const char *want[] = {"qemu-img", "snapshot",   "-l",
                          "-U",       "/d/x.qcow2", NULL};
    expect_argv(&f->fk, want);
    assert_int_equal(s.count, 2);
    assert_string_equal(s.items[0].tag, "suspend");
    assert_string_equal(s.items[0].id, "1");
    assert_true(s.items[0].vm_state_bytes > 60 * 1024 * 1024);
    assert_string_equal(s.items[1].tag, "offline1");
    assert_int_equal(s.items[1].vm_state_bytes, 0);
    struct tm tm = {0};
    tm.tm_year = 126;
    tm.tm_mon = 10;
    tm.tm_mday = 27;
    tm.tm_hour = 3;
    tm.tm_min = 31;
    tm.tm_sec = 5;
    tm.tm_isdst = -1;
    assert_int_equal(s.items[1].date, (long long)mktime(&tm));
    assert_non_null(qemu_img_snaps_find(&s, "suspend"));
    assert_null(qemu_img_snaps_find(&s, "susp"));
    qemu_img_snaps_clear(&s);

    /* an image without snapshots prints nothing at all */
    f->fk.out = "";
    assert_int_equal(
        qemu_img_snapshot_list(f->ctx, "qemu-img", "/d/x.qcow2", &s), 0);
    assert_int_equal(s.count, 0);
    qemu_img_snaps_clear(&s);
}

static void test_qemu_img__failure_carries_qemu_img_text(void **state)
{
    fixture *f = *state;
    qemu_img_snaps s;
    f->fk.status = 1;
    f->fk.err = "qemu-img: Could not open '/d/x.qcow2': Could not open "
                "'/d/x.qcow2': No such file or directory\n";
    assert_int_equal(
        qemu_img_snapshot_list(f->ctx, "qemu-img", "/d/x.qcow2", &s),
        VMDRV_E_TOOL);
    const vmdrv_error *e = vmdrv_last_error(f->ctx);
    assert_string_equal(e->origin, "qemu");
    assert_int_equal(e->native, 1);
    assert_non_null(strstr(e->message, "No such file or directory"));
    assert_non_null(strstr(e->message, "'/d/x.qcow2'"));
    assert_non_null(strstr(e->message, "exit 1"));
    assert_int_equal(s.count, 0);
}

static void test_qemu_img__info_is_json(void **state)
{
    fixture *f = *state;
    json_t *info = NULL;
    f->fk.out = "{\"virtual-size\": 5368709120, \"format\": \"qcow2\", "
                "\"backing-filename\": \"/t/base.qcow2\"}";
    assert_int_equal(qemu_img_info(f->ctx, "qemu-img", "/d/x.qcow2", &info), 0);
    const char *want[] = {"qemu-img",      "info",       "-U",
                          "--output=json", "/d/x.qcow2", NULL};
    expect_argv(&f->fk, want);
    assert_int_equal(json_integer_value(json_object_get(info, "virtual-size")),
                     5368709120LL);
    json_decref(info);
    f->fk.out = "not json";
    assert_int_equal(qemu_img_info(f->ctx, "qemu-img", "/d/x.qcow2", &info),
                     VMDRV_E_PARSE);
    assert_null(info);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_qemu_img__create_runs_qcow2_create),
        T(test_qemu_img__snapshot_ops_are_offline_commands),
        T(test_qemu_img__list_parses_the_table),
        T(test_qemu_img__failure_carries_qemu_img_text),
        T(test_qemu_img__info_is_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
