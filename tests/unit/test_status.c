/*
 * test_status.c: status codes (names, messages, values) and the error
 * detail a context keeps: set, read with one call, cleared, and the rule
 * that a failure always carries a failure code and a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "found_helpers.h"
#include "vmdrv/sys/driver.h"

static const struct {
    int value;
    const char *name;
} all[] = {
#define X(name, value, msg) {value, #name},
    VMDRV_STATUS_LIST(X)
#undef X
};
#define N_ALL (sizeof all / sizeof all[0])

static void test_status__every_code_has_name_and_message(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ALL; i++) {
        assert_string_equal(vmdrv_status_name(all[i].value), all[i].name);
        assert_string_not_equal(vmdrv_strerror(all[i].value),
                                "unknown status");
        assert_true(strlen(vmdrv_strerror(all[i].value)) > 0);
    }
}

static void test_status__values_and_texts_are_unique(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ALL; i++)
        for (size_t j = i + 1; j < N_ALL; j++) {
            assert_int_not_equal(all[i].value, all[j].value);
            assert_string_not_equal(vmdrv_strerror(all[i].value),
                                    vmdrv_strerror(all[j].value));
        }
}

static void test_status__values_are_abi(void **state)
{
    (void)state;
    /* these values appear in result files: they never change */
    assert_int_equal(VMDRV_OK, 0);
    assert_int_equal(VMDRV_E_NOTSUP, -3);
    assert_int_equal(VMDRV_E_NOT_BUILT, -4);
    assert_int_equal(VMDRV_E_DECLINED, -5);
    assert_int_equal(VMDRV_E_STATE, -8);
    assert_int_equal(VMDRV_E_FLAGS, -9);
    assert_int_equal(VMDRV_E_ABI, -10);
    assert_int_equal(VMDRV_E_INTERNAL, -20);
    /* failures are all negative, success is the only zero */
    for (size_t i = 0; i < N_ALL; i++)
        assert_true(all[i].value < 0 || strcmp(all[i].name, "OK") == 0);
}

static void test_status__unknown_code(void **state)
{
    (void)state;
    assert_string_equal(vmdrv_strerror(-999), "unknown status");
    assert_string_equal(vmdrv_strerror(1), "unknown status");
    assert_null(vmdrv_status_name(-999));
    assert_null(vmdrv_status_name(42));
}

static void test_status__three_distinct_answers(void **state)
{
    (void)state;
    /* "not built", "declined by probe" and "unsupported" never merge */
    assert_int_not_equal(VMDRV_E_NOT_BUILT, VMDRV_E_DECLINED);
    assert_int_not_equal(VMDRV_E_NOT_BUILT, VMDRV_E_NOTSUP);
    assert_int_not_equal(VMDRV_E_DECLINED, VMDRV_E_NOTSUP);
    assert_string_equal(vmdrv_strerror(VMDRV_E_NOT_BUILT),
                        "driver not built into this binary");
    assert_string_equal(vmdrv_strerror(VMDRV_E_DECLINED),
                        "driver declined this host");
    assert_string_equal(vmdrv_strerror(VMDRV_E_NOTSUP),
                        "feature not supported by this driver");
}

static void test_status__fresh_context_has_no_error(void **state)
{
    (void)state;
    char *dir;
    vmdrv_ctx *ctx = fh_ctx(&dir);
    const vmdrv_error *e = vmdrv_last_error(ctx);
    assert_non_null(e);
    assert_int_equal(e->code, VMDRV_OK);
    assert_string_equal(e->origin, "sdk");
    assert_int_equal(e->native, 0);
    assert_non_null(e->message);
    assert_string_equal(e->message, "");
    vmdrv_ctx_free(ctx);
    fh_rmdir(dir);
}

static void test_status__error_set_and_read(void **state)
{
    (void)state;
    char *dir;
    vmdrv_ctx *ctx = fh_ctx(&dir);
    int rc = vmdrv_error_set(ctx, VMDRV_E_TOOL, "qemu-img", 3,
                             "cannot check disk '%s': exit %d", "a.qcow2", 3);
    assert_int_equal(rc, VMDRV_E_TOOL);
    const vmdrv_error *e = vmdrv_last_error(ctx);
    assert_int_equal(e->code, VMDRV_E_TOOL);
    assert_string_equal(e->origin, "qemu-img");
    assert_int_equal(e->native, 3);
    assert_string_equal(e->message, "cannot check disk 'a.qcow2': exit 3");

    /* NULL origin means the SDK itself; a new error replaces the old */
    rc = vmdrv_error_set(ctx, VMDRV_E_IO, NULL, 0, "second");
    assert_int_equal(rc, VMDRV_E_IO);
    assert_string_equal(e->origin, "sdk");
    assert_int_equal(e->native, 0);
    assert_string_equal(e->message, "second");

    vmdrv_error_clear(ctx);
    assert_int_equal(e->code, VMDRV_OK);
    assert_string_equal(e->message, "");
    assert_string_equal(e->origin, "sdk");
    vmdrv_ctx_free(ctx);
    fh_rmdir(dir);
}

static void test_status__failure_always_has_failure_code(void **state)
{
    (void)state;
    char *dir;
    vmdrv_ctx *ctx = fh_ctx(&dir);
    /* a caller that passes 0 or a positive value still reports failure */
    assert_int_equal(vmdrv_error_set(ctx, 0, NULL, 0, "oops"),
                     VMDRV_E_INTERNAL);
    assert_int_equal(vmdrv_last_error(ctx)->code, VMDRV_E_INTERNAL);
    assert_int_equal(vmdrv_error_set(ctx, 12, NULL, 0, "oops"),
                     VMDRV_E_INTERNAL);
    vmdrv_ctx_free(ctx);
    fh_rmdir(dir);
}

static void test_status__long_message_kept_whole(void **state)
{
    (void)state;
    char *dir;
    vmdrv_ctx *ctx = fh_ctx(&dir);
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    vmdrv_error_set(ctx, VMDRV_E_PARSE, NULL, 0, "bad: %s", big);
    assert_int_equal(strlen(vmdrv_last_error(ctx)->message),
                     strlen("bad: ") + sizeof big - 1);
    vmdrv_ctx_free(ctx);
    fh_rmdir(dir);
}

static void test_status__log_file_error(void **state)
{
    (void)state;
    char *dir;
    vmdrv_ctx *ctx = fh_ctx(&dir);
    char *bad = vu_path_join(dir, "no/such/folder/log");
    int rc = vmdrv_ctx_set_log_file(ctx, bad);
    char *msg = vu_asprintf("cannot open log file '%s': No such file or "
                            "directory",
                            bad);
    fh_assert_error(ctx, rc, VMDRV_E_IO, msg);
    free(msg);
    free(bad);

    /* a log file receives the errors set on the context */
    char *log = vu_path_join(dir, "run.log");
    fh_assert_ok(ctx, vmdrv_ctx_set_log_file(ctx, log));
    vmdrv_error_set(ctx, VMDRV_E_TOOL, "x", 0, "logged failure");
    char *text;
    assert_int_equal(vu_read_file(log, &text, NULL), 0);
    assert_non_null(strstr(text, "[x] error E_TOOL: logged failure"));
    free(text);
    free(log);
    vmdrv_ctx_free(ctx);
    fh_rmdir(dir);
}

static void test_status__ctx_open_refuses_unusable_dir(void **state)
{
    (void)state;
    char *dir = fh_tmpdir();
    char *file = fh_write(dir, "plain", "not a folder");
    char *under = vu_path_join(file, "data");
    vmdrv_ctx *ctx = (vmdrv_ctx *)1;
    char err[512] = "";
    int rc = vmdrv_ctx_open(&ctx, under, err, sizeof err);
    assert_int_equal(rc, VMDRV_E_IO);
    assert_null(ctx);
    char *want = vu_asprintf("cannot create data directory '%s': Not a "
                             "directory",
                             under);
    assert_string_equal(err, want);
    free(want);
    ctx = (vmdrv_ctx *)1;
    assert_int_equal(vmdrv_ctx_open(&ctx, "", err, sizeof err),
                     VMDRV_E_INVAL);
    assert_null(ctx);
    assert_string_equal(err, "the data directory cannot be empty");
    free(under);
    free(file);
    fh_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status__every_code_has_name_and_message),
        cmocka_unit_test(test_status__values_and_texts_are_unique),
        cmocka_unit_test(test_status__values_are_abi),
        cmocka_unit_test(test_status__unknown_code),
        cmocka_unit_test(test_status__three_distinct_answers),
        cmocka_unit_test(test_status__fresh_context_has_no_error),
        cmocka_unit_test(test_status__error_set_and_read),
        cmocka_unit_test(test_status__failure_always_has_failure_code),
        cmocka_unit_test(test_status__long_message_kept_whole),
        cmocka_unit_test(test_status__log_file_error),
        cmocka_unit_test(test_status__ctx_open_refuses_unusable_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
