/*
 * test_names.c: instance, snapshot, scope and alias names. An invalid
 * instance name is refused by every manager call before any driver is
 * called: the test driver is told to abort the process on any operation
 * (crash:OP faults), so reaching it would kill the test. Valid edge
 * cases pass; made-up names are valid and unused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mgr_internal.h"
#include "scopes_helpers.h"

static const char *const invalid[] = {
    "",      "1web",  "-web", "web-",  "we_b",  "web.1", "w\xc3\xa9""b",
    "a b",   "../x",  "web/", "web\n", "x;rm",  "$(id)", "'q'",
    /* 64 characters */
    "a123456789012345678901234567890123456789012345678901234567890123",
};
#define N_INVALID (sizeof invalid / sizeof invalid[0])

static const char *const crash_all =
    "faults=crash:instance_create,crash:instance_start,crash:instance_stop,"
    "crash:instance_suspend,crash:instance_state,crash:instance_info,"
    "crash:instance_delete,crash:instance_list,crash:snapshot_take,"
    "crash:snapshot_restore,crash:snapshot_list,crash:mount,crash:umount";

static void expect_invalid(sh_env *e, int rc, const char *what,
                           const char *name)
{
    char *msg = vu_asprintf("invalid %s name '%s': use letters, digits and "
                            "hyphens, start with a letter, end with a letter "
                            "or digit, at most 63 characters",
                            what, name);
    if (rc != VMDRV_E_INVAL)
        print_error("'%s' was not refused: %d\n", name, rc);
    assert_int_equal(rc, VMDRV_E_INVAL);
    assert_string_equal(vmdrv_last_error(e->ctx)->message, msg);
    free(msg);
}

static void test_names__invalid_refused_before_any_driver_call(void **state)
{
    (void)state;
    const char *opts[] = {crash_all, NULL};
    sh_env e;
    vmdrv_scope *s;
    vmdrv_record r;
    vmdrv_info info;
    vmdrv_state st;
    sh_open(&e, "windows-home", opts);
    sh_select(&e, "test"); /* an empty scope: nothing to suspend */
    sh_check(&e, vmdrv_scope_open(&s, e.mgr, NULL, 0));
    for (size_t i = 0; i < N_INVALID; i++) {
        const char *n = invalid[i];
        vmdrv_instance_spec spec = {.name = n};
        expect_invalid(&e, vmdrv_scope_launch(s, &spec, NULL, 0, 0),
                       "instance", n);
        expect_invalid(&e, vmdrv_scope_start(s, n, 0), "instance", n);
        expect_invalid(&e, vmdrv_scope_stop(s, n, VMDRV_STOP_FORCE),
                       "instance", n);
        expect_invalid(&e, vmdrv_scope_suspend(s, n, 0), "instance", n);
        expect_invalid(&e, vmdrv_scope_delete(s, n, 0), "instance", n);
        expect_invalid(&e, vmdrv_scope_delete(s, n, VMDRV_DELETE_PURGE),
                       "instance", n);
        expect_invalid(&e, vmdrv_scope_snapshot(s, n, NULL, NULL, 0, 0),
                       "instance", n);
        expect_invalid(&e, vmdrv_scope_restore(s, n, "snap", 0), "instance",
                       n);
        expect_invalid(&e, vmdrv_scope_mount(s, n, "/tmp", "/mnt", 0),
                       "instance", n);
        expect_invalid(&e, vmdrv_scope_umount(s, n, NULL, 0), "instance", n);
        expect_invalid(&e, vmdrv_scope_info(s, n, &r, &info), "instance", n);
        expect_invalid(&e, vmdrv_scope_state(s, n, &st, NULL), "instance", n);
        expect_invalid(&e, vmdrv_scope_require(s, n), "instance", n);
        /* snapshot names follow the same rules */
        if (*n) {
            expect_invalid(&e, vmdrv_scope_snapshot(s, "web", n, NULL, 0, 0),
                           "snapshot", n);
            expect_invalid(&e, vmdrv_scope_restore(s, "web", n, 0), "snapshot",
                           n);
        }
    }
    vmdrv_scope_close(s);
    /* and no record was written for any of them */
    char *file = sh_path(&e, "test/" VMDRV__RECORDS_FILE);
    assert_false(vu_path_exists(file));
    free(file);
    sh_close(&e);
}

static void test_names__valid_edge_cases_launch(void **state)
{
    (void)state;
    static const char *const valid[] = {
        "a", "A", "web-1", "a-b-c", "Web2",
        /* 63 characters */
        "a12345678901234567890123456789012345678901234567890123456789012"};
    sh_env e;
    sh_open(&e, "linux-x86_64", NULL);
    sh_select(&e, "test");
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        assert_true(vmdrv_name_valid(valid[i]));
        sh_launch(&e, valid[i]);
        assert_int_equal(sh_state(&e, NULL, valid[i]), VMDRV_STATE_RUNNING);
    }
    sh_close(&e);
}

static void test_names__made_up_names_are_valid_and_unused(void **state)
{
    (void)state;
    sh_env e;
    vmdrv_scope *s;
    char name[64];
    sh_open(&e, "macos-x86_64", NULL);
    sh_select(&e, "test");
    sh_check(&e, vmdrv_scope_open(&s, e.mgr, NULL, 0));
    vu_strv seen = VU_STRV_INIT;
    for (int i = 0; i < 40; i++) {
        vmdrv_instance_spec spec = {0};
        sh_check(&e, vmdrv_scope_launch(s, &spec, name, sizeof name, 0));
        assert_true(vmdrv_name_valid(name));
        assert_non_null(strchr(name, '-'));
        for (size_t k = 0; k < seen.n; k++)
            assert_string_not_equal(seen.v[k], name);
        vu_strv_add(&seen, name);
    }
    vmdrv_records recs;
    sh_check(&e, vmdrv_scope_records(s, &recs, 0));
    assert_int_equal(recs.count, 40);
    vmdrv_records_clear(&recs);
    vu_strv_clear(&seen);
    vmdrv_scope_close(s);
    sh_close(&e);
}

static void test_names__aliases_and_scope_names(void **state)
{
    (void)state;
    sh_env e;
    vmdrv_scope *s = NULL;
    sh_open(&e, "linux-x86_64", NULL);
    static const char *const bad[] = {"Test-D", "x_y", "qemu", "hyperkit",
                                      "lxd", "test", "-d", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(vmdrv_manager_add_alias(e.mgr, bad[i], "test"),
                         VMDRV_E_INVAL);
    assert_int_equal(vmdrv_manager_add_alias(e.mgr, "test-d", "nosuch"),
                     VMDRV_E_NOTFOUND);
    assert_int_equal(vmdrv_manager_add_alias(e.mgr, "test-b", "test"),
                     VMDRV_E_EXISTS);
    /* a scope name reaches the file system: it must be a name */
    assert_int_equal(vmdrv_scope_open(&s, e.mgr, "../etc", 0), VMDRV_E_INVAL);
    assert_int_equal(vmdrv_scope_open(&s, e.mgr, "hyperkit", 0),
                     VMDRV_E_RETIRED);
    assert_int_equal(vmdrv_scope_open(&s, e.mgr, "nosuch", 0),
                     VMDRV_E_NOTFOUND);
    assert_null(s);
    vmdrv_records recs;
    assert_int_equal(vmdrv_records_load(e.ctx, "../x", &recs), VMDRV_E_INVAL);
    sh_close(&e);

    /* VMDRV_SCOPE_ALIASES: good and bad */
    setenv("VMDRV_SCOPE_ALIASES", "one=test, two=test", 1);
    sh_open(&e, "linux-x86_64", NULL);
    char canon[64];
    sh_check(&e, vmdrv_local_driver_check(e.mgr, "TWO", canon, sizeof canon));
    assert_string_equal(canon, "two");
    sh_close(&e);
    setenv("VMDRV_SCOPE_ALIASES", "broken", 1);
    vmdrv_ctx *ctx;
    char err[256];
    char *dir = sh_tmpdir();
    assert_int_equal(vmdrv_ctx_open(&ctx, dir, err, sizeof err), 0);
    vmdrv_manager *m = NULL;
    assert_int_equal(vmdrv_manager_new(&m, ctx), VMDRV_E_CONFIG);
    assert_null(m);
    assert_string_equal(vmdrv_last_error(ctx)->message,
                        "VMDRV_SCOPE_ALIASES entry 'broken' is not "
                        "ALIAS=DRIVER");
    unsetenv("VMDRV_SCOPE_ALIASES");
    vmdrv_ctx_free(ctx);
    vu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names__invalid_refused_before_any_driver_call),
        cmocka_unit_test(test_names__valid_edge_cases_launch),
        cmocka_unit_test(test_names__made_up_names_are_valid_and_unused),
        cmocka_unit_test(test_names__aliases_and_scope_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
