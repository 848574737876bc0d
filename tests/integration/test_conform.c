/*
 * test_conform.c: `vmdrv conform` end to end, with the test driver.
 *
 * Runs the real CLI (through the SDK's process runner) in a scratch work
 * dir and reads the JSON result: the test driver passes every case on the
 * real host and on every host profile; each fault mode of the test driver
 * is caught by the case that should catch it, with the right failure name;
 * the exit statuses; --plan, --focus, --rerun-failed, leftovers and sweep,
 * the JUnit file against the JSON, the bundle, and merge.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmdrv/vmdrv.h"
#include "vu_fs.h"
#include "vu_json.h"
#include "vu_str.h"

static vmdrv_ctx *ctx;
static char *scratch;
static const char *cli;
static const char *src_dir;

typedef struct run {
    int status;
    char *out, *err;
    json_t *result;
} run;

static void run_clear(run *r)
{
    free(r->out);
    free(r->err);
    json_decref(r->result);
    memset(r, 0, sizeof *r);
}

/* vmdrv --data-dir <scratch>/data conform --work-dir W ... with env */
static void vmdrv_conform(run *r, const char *faults, const char *work,
                          const char *first, ...)
{
    vu_strv argv = VU_STRV_INIT, env = VU_STRV_INIT;
    char *json = vu_asprintf("%s/result-%d.json", scratch, rand());
    vu_strv_add(&argv, cli);
    vu_strv_addf(&argv, "--data-dir=%s/data", scratch);
    vu_strv_add(&argv, "conform");
    vu_strv_addf(&argv, "--work-dir=%s", work);
    vu_strv_addf(&argv, "--json=%s", json);
    vu_strv_add(&argv, "--no-progress");
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *))
        vu_strv_add(&argv, a);
    va_end(ap);
    vu_strv_addf(&env, "VMDRV_TEST_FAULTS=%s", faults ? faults : "");
    vmdrv_proc_spec spec = {.argv = vu_strv_argv(&argv),
                            .env = vu_strv_argv(&env),
                            .timeout_ms = 300000};
    vmdrv_proc_result pr;
    memset(r, 0, sizeof *r);
    assert_int_equal(vmdrv_proc_run(ctx, &spec, &pr), 0);
    assert_true(pr.exited);
    r->status = pr.status;
    r->out = pr.out;
    r->err = pr.err;
    pr.out = pr.err = NULL;
    vmdrv_proc_result_clear(&pr);
    char err[512];
    r->result = vu_path_exists(json) ? vu_json_load_file(json, err, sizeof err)
                                     : NULL;
    free(json);
    vu_strv_clear(&argv);
    vu_strv_clear(&env);
}

static char *work_dir(const char *name)
{
    char *w = vu_asprintf("%s/%s", scratch, name);
    vu_rm_rf(w);
    return w;
}

/* The cell whose case id is case_id (first match). */
static json_t *cell(json_t *result, const char *case_id)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(result, "cells"), i, c)
        if (strcmp(vu_json_str(c, "case", ""), case_id) == 0)
            return c;
    return NULL;
}

static void expect_cell(json_t *result, const char *case_id,
                        const char *outcome, const char *failure)
{
    json_t *c = cell(result, case_id);
    if (!c)
        fail_msg("no cell for %s", case_id);
    if (strcmp(vu_json_str(c, "outcome", ""), outcome) != 0 ||
        (failure && strcmp(vu_json_str(c, "failure", ""), failure) != 0))
        fail_msg("%s: got %s [%s] '%s', expected %s [%s]", case_id,
                 vu_json_str(c, "outcome", ""), vu_json_str(c, "failure", ""),
                 vu_json_str(c, "message", ""), outcome, failure ? failure : "");
}

static long summary(json_t *result, const char *outcome)
{
    return (long)json_integer_value(
        json_object_get(json_object_get(result, "summary"), outcome));
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    cli = getenv("VMDRV_CLI");
    src_dir = getenv("VMDRV_SOURCE_DIR");
    assert_non_null(cli);
    assert_non_null(src_dir);
    char tmpl[] = "/tmp/vmdrv-test-conform-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    scratch = vu_strdup(tmpl);
    assert_int_equal(vmdrv_ctx_open(&ctx, scratch, err, sizeof err), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vmdrv_ctx_free(ctx);
    vu_rm_rf(scratch);
    free(scratch);
    return 0;
}

/* ---- the test driver passes everywhere -------------------------------- */

static void test_conform__test_driver_passes_on_every_host(void **state)
{
    (void)state;
    run r;
    char *w = work_dir("all-hosts");
    /* this machine plus every profile: --host for each */
    vmdrv_conform(&r, NULL, w, "--driver=test", "--host=real",
                  "--host=linux-x86_64", "--host=linux-arm64",
                  "--host=macos-arm64", "--host=macos-x86_64",
                  "--host=windows-pro", "--host=windows-home", "--jobs=2",
                  NULL);
    if (r.status != 0)
        fail_msg("exit %d: %s", r.status, r.err);
    assert_non_null(r.result);
    assert_int_equal(summary(r.result, "fail"), 0);
    assert_int_equal(summary(r.result, "error"), 0);
    /* 7 hosts x every driver-level and setting case */
    assert_true(json_array_size(json_object_get(r.result, "cells")) > 7 * 30);
    run_clear(&r);
    free(w);
}

/* ---- each fault mode is caught by the right case ----------------------- */

static void test_conform__lying_capability_is_false_advertisement(void **state)
{
    (void)state;
    run r;
    char *w = work_dir("lie");
    vmdrv_conform(&r, "lie:snapshots", w, "--driver=test", "--host=real",
                  "--focus=feature\\.snapshots\\.take_list_delete", NULL);
    assert_int_equal(r.status, 1);
    expect_cell(r.result, "feature.snapshots.take_list_delete", "fail",
                "false-advertisement");
    run_clear(&r);
    free(w);
}

static void test_conform__hidden_capability_is_under_advertised(void **state)
{
    (void)state;
    run r;
    char *w = work_dir("hide");
    vmdrv_conform(&r, "hide:suspend", w, "--driver=test", "--host=real",
                  "--focus=feature\\.suspend\\.suspend_resume", NULL);
    assert_int_equal(r.status, 1);
    expect_cell(r.result, "feature.suspend.suspend_resume", "fail",
                "under-advertised");
    run_clear(&r);
    free(w);
}

static void test_conform__missing_capability_is_regression(void **state)
{
    (void)state;
    run r;
    char *w = work_dir("unsupported");
    vmdrv_conform(&r, "unsupported:native_mounts", w, "--driver=test",
                  "--host=real", "--focus=native_mounts\\.mount_umount", NULL);
    assert_int_equal(r.status, 1);
    expect_cell(r.result, "feature.native_mounts.mount_umount", "fail",
                "capability-regression");
    run_clear(&r);
    free(w);
}

static void test_conform__no_effect_is_caught(void **state)
{
    (void)state;
    run r;
    char *w = work_dir("noop");
    vmdrv_conform(&r, "noop:snapshot_restore", w, "--driver=test",
                  "--host=real", "--focus=restore_guest_content", NULL);
    assert_int_equal(r.status, 1);
    expect_cell(r.result, "feature.snapshots.restore_guest_content", "fail",
                "restore-no-effect");
    run_clear(&r);
    free(w);
}

static void test_conform__retried_pass_is_flaky(void **state)
{
    (void)state;
    run r;
    char *w = work_dir("flaky");
    /* the first start fails once (counted across processes), the retry
     * in a new process passes */
    vmdrv_conform(&r, "fail:instance_start:1", w, "--driver=test",
                  "--host=real", "--focus=lifecycle\\.start_stop",
                  "--retries=1", NULL);
    if (r.status != 0)
        fail_msg("exit %d: %s", r.status, r.err);
    expect_cell(r.result, "lifecycle.start_stop", "flaky", NULL);
    json_t *c = cell(r.result, "lifecycle.start_stop");
    assert_int_equal(json_integer_value(json_object_get(c, "attempts")), 2);
    run_clear(&r);
    /* without retries the same fault is a failure */
    char *w2 = work_dir("flaky-noretry");
    vmdrv_conform(&r, "fail:instance_start:1", w2, "--driver=test",
                  "--host=real", "--focus=lifecycle\\.start_stop", NULL);
    assert_int_equal(r.status, 1);
    expect_cell(r.result, "lifecycle.start_stop", "fail", "call-failed");
    run_clear(&r);
    free(w2);
    free(w);
}

static void test_conform__crash_is_error(void **state)
{
    (void)state;
    run r;
    char *w = work_dir("crash");
    vmdrv_conform(&r, "crash:instance_create", w, "--driver=test",
                  "--host=real", "--focus=lifecycle\\.create_delete", NULL);
    assert_int_equal(r.status, 1);
    expect_cell(r.result, "lifecycle.create_delete", "error", NULL);
    assert_non_null(strstr(vu_json_str(cell(r.result, "lifecycle.create_delete"),
                                       "message", ""),
                           "crashed (signal 6)"));
    run_clear(&r);
    free(w);
}

static void test_conform__hang_is_timeout(void **state)
{
    (void)state;
    run r;
    char *w = work_dir("hang");
    vmdrv_conform(&r, "hang:instance_start", w, "--driver=test", "--host=real",
                  "--focus=lifecycle\\.start_stop", "--max-timeout=2", NULL);
    assert_int_equal(r.status, 1);
    expect_cell(r.result, "lifecycle.start_stop", "timeout", NULL);
    /* the parent tore down what the killed case had created */
    assert_int_equal(summary(r.result, "leaked"), 0);
    run_clear(&r);
    free(w);
}

static void test_conform__leak_is_found_and_swept(void **state)
{
    (void)state;
    run r;
    char *w = work_dir("leak");
    vmdrv_conform(&r, "leak:create", w, "--driver=test", "--host=real",
                  "--focus=lifecycle\\.create_delete", NULL);
    assert_int_equal(r.status, 4); /* leaks only */
    expect_cell(r.result, "lifecycle.create_delete", "leaked", NULL);
    run_clear(&r);
    /* the next run refuses to start on the leftovers... */
    vmdrv_conform(&r, NULL, w, "--driver=test", "--host=real",
                  "--focus=lifecycle\\.create_delete", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "vmdrv sweep"));
    run_clear(&r);
    /* ...until they are swept */
    vmdrv_conform(&r, NULL, w, "--driver=test", "--host=real",
                  "--focus=lifecycle\\.create_delete", "--sweep", NULL);
    assert_int_equal(r.status, 0);
    run_clear(&r);
    free(w);
}

/*
 * A copy of the shipped matrix in <scratch>/<name>, with file's text
 * `from` replaced by `to` (the edit must apply, or the test would lie).
 */
static char *matrix_copy(const char *name, const char *file, const char *from,
                         const char *to)
{
    char *dir = vu_asprintf("%s/%s", scratch, name);
    char *shipped = vu_path_join(src_dir, "matrix");
    DIR *d = opendir(shipped);
    struct dirent *e;
    assert_non_null(d);
    vu_mkdir_p(dir);
    while ((e = readdir(d)) != NULL) {
        if (!vu_ends_with(e->d_name, ".yaml"))
            continue;
        char *src = vu_path_join(shipped, e->d_name);
        char *dst = vu_path_join(dir, e->d_name);
        char *text = NULL;
        size_t len = 0;
        assert_int_equal(vu_read_file(src, &text, &len), 0);
        if (strcmp(e->d_name, file) == 0) {
            char *at = strstr(text, from);
            assert_non_null(at);
            vu_buf b = VU_BUF_INIT;
            vu_buf_add(&b, text, (size_t)(at - text));
            vu_buf_puts(&b, to);
            vu_buf_puts(&b, at + strlen(from));
            free(text);
            len = b.len;
            text = vu_buf_detach(&b);
        }
        assert_int_equal(vu_write_atomic(dst, text, len), 0);
        free(text);
        free(src);
        free(dst);
    }
    closedir(d);
    free(shipped);
    return dir;
}

/* a matrix where the test driver lacks extra networks */
static char *matrix_without_test_networks(void)
{
    return matrix_copy("matrix-nonet", "features.yaml",
                       "        note: vmnet bridged networks\n"
                       "      - driver: test\n",
                       "        note: vmnet bridged networks\n");
}

static void test_conform__known_broken_is_xfail_then_xpass(void **state)
{
    (void)state;
    run r;
    char *m = matrix_copy(
        "matrix-broken", "known-broken.yaml", "known_broken: []",
        "known_broken:\n"
        "  - driver: test\n"
        "    case: feature.snapshots.take_list_delete\n"
        "    link: https://example.invalid/issues/1\n"
        "    expires: \"2099-12-31\"\n");
    char *mopt = vu_asprintf("--matrix=%s", m);
    char *w = work_dir("broken");
    vmdrv_conform(&r, "lie:snapshots", w, "--driver=test", "--host=real",
                  mopt, "--focus=snapshots\\.take_list_delete", NULL);
    assert_int_equal(r.status, 0);
    expect_cell(r.result, "feature.snapshots.take_list_delete", "xfail", NULL);
    run_clear(&r);
    /* fixed, but still listed as broken: xpass fails the run */
    vmdrv_conform(&r, NULL, w, "--driver=test", "--host=real", mopt,
                  "--focus=snapshots\\.take_list_delete", NULL);
    assert_int_equal(r.status, 1);
    expect_cell(r.result, "feature.snapshots.take_list_delete", "xpass", NULL);
    run_clear(&r);
    free(w);
    free(mopt);
    free(m);
}

static void test_conform__unsupported_cells(void **state)
{
    (void)state;
    run r;
    char *m = matrix_without_test_networks();
    char *mopt = vu_asprintf("--matrix=%s", m);
    char *w = work_dir("nonet");
    /* honest lack: verified unsupported */
    vmdrv_conform(&r, "unsupported:extra_networks", w, "--driver=test",
                  "--host=real", mopt, "--focus=extra_networks\\.list", NULL);
    if (r.status != 0)
        fail_msg("exit %d: %s", r.status, r.err);
    expect_cell(r.result, "feature.extra_networks.list",
                "unsupported-verified", NULL);
    run_clear(&r);
    /* the wrong error for an unsupported feature */
    vmdrv_conform(&r, "wrongerr:extra_networks", w, "--driver=test",
                  "--host=real", mopt, "--focus=extra_networks\\.list", NULL);
    assert_int_equal(r.status, 1);
    expect_cell(r.result, "feature.extra_networks.list", "fail", "wrong-error");
    run_clear(&r);
    /* it works although the matrix says it does not: the table is wrong */
    vmdrv_conform(&r, NULL, w, "--driver=test", "--host=real", mopt,
                  "--focus=extra_networks\\.list", NULL);
    assert_int_equal(r.status, 1);
    expect_cell(r.result, "feature.extra_networks.list", "fail",
                "matrix-understates");
    run_clear(&r);
    free(w);
    free(mopt);
    free(m);
}

/* ---- selection, plan, reruns -------------------------------------------- */

static void test_conform__nothing_selected_exits_3(void **state)
{
    (void)state;
    run r;
    char *w = work_dir("nothing");
    vmdrv_conform(&r, NULL, w, "--driver=test", "--host=real",
                  "--focus=nothing-matches", NULL);
    assert_int_equal(r.status, 3);
    assert_null(r.result);
    run_clear(&r);
    free(w);
}

static void test_conform__plan_touches_nothing(void **state)
{
    (void)state;
    run r;
    char *w = work_dir("plan");
    vmdrv_conform(&r, NULL, w, "--driver=test", "--host=real", "--plan", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "host:test:lifecycle.start_stop"));
    assert_non_null(strstr(r.out, "run: expect supported"));
    char *runs = vu_path_join(w, "runs");
    assert_false(vu_path_exists(runs));
    free(runs);
    run_clear(&r);
    free(w);
}

static void test_conform__rerun_failed_runs_only_failures(void **state)
{
    (void)state;
    run r;
    char *w = work_dir("rerun");
    char *first = vu_asprintf("%s/first.json", scratch);
    vmdrv_conform(&r, "lie:snapshots", w, "--driver=test", "--host=real",
                  "--focus=feature\\.(snapshots|suspend)\\.", NULL);
    assert_int_equal(r.status, 1);
    long failed = summary(r.result, "fail");
    assert_true(failed > 0);
    assert_int_equal(vu_json_write_atomic(first, r.result), 0);
    run_clear(&r);
    char *opt = vu_asprintf("--rerun-failed=%s", first);
    vmdrv_conform(&r, NULL, w, "--driver=test", "--host=real", opt, NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal((long)json_array_size(json_object_get(r.result, "cells")),
                     failed);
    run_clear(&r);
    free(opt);
    free(first);
    free(w);
}

/* The cell ids of a result, in run order, as one string. */
static char *order_of(json_t *result)
{
    vu_buf b = VU_BUF_INIT;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(result, "cells"), i, c)
        vu_buf_printf(&b, "%s\n", vu_json_str(c, "id", ""));
    return vu_buf_detach(&b);
}

static void test_conform__seed_replays_order(void **state)
{
    (void)state;
    run a, b, c;
    char *w = work_dir("seed");
    vmdrv_conform(&a, NULL, w, "--driver=test", "--host=real", "--seed=42",
                  "--focus=lifecycle", NULL);
    vmdrv_conform(&b, NULL, w, "--driver=test", "--host=real", "--seed=42",
                  "--focus=lifecycle", NULL);
    vmdrv_conform(&c, NULL, w, "--driver=test", "--host=real", "--seed=7",
                  "--focus=lifecycle", NULL);
    assert_int_equal(a.status, 0);
    assert_non_null(strstr(a.err, "seed 42"));
    char *oa = order_of(a.result), *ob = order_of(b.result),
         *oc = order_of(c.result);
    assert_string_equal(oa, ob);
    /* 9 cells: another seed giving the same order would be a 1 in 362880
     * coincidence */
    assert_string_not_equal(oa, oc);
    free(oa);
    free(ob);
    free(oc);
    run_clear(&a);
    run_clear(&b);
    run_clear(&c);
    free(w);
}

/* ---- reports -------------------------------------------------------------- */

static void test_conform__junit_agrees_with_json(void **state)
{
    (void)state;
    run r;
    char *w = work_dir("junit");
    char *xml = vu_asprintf("%s/out.xml", scratch);
    char *opt = vu_asprintf("--junit=%s", xml);
    vmdrv_conform(&r, "lie:snapshots", w, "--driver=test", "--host=real", opt,
                  "--focus=feature\\.", NULL);
    assert_int_equal(r.status, 1);
    /* a real XML parser, and the counts the JSON has */
    char *check = vu_asprintf(
        "import sys, xml.etree.ElementTree as E\n"
        "t = E.parse(sys.argv[1]).getroot()\n"
        "cases = t.findall('.//testcase')\n"
        "f = sum(1 for c in cases if c.find('failure') is not None)\n"
        "s = sum(1 for c in cases if c.find('skipped') is not None)\n"
        "print(len(cases), f, s, t.get('tests'), t.get('failures'))\n");
    const char *argv[] = {"python3", "-c", check, xml, NULL};
    vmdrv_proc_spec spec = {.argv = argv, .timeout_ms = 30000};
    vmdrv_proc_result pr;
    if (vmdrv_proc_run(ctx, &spec, &pr) != 0) {
        skip(); /* no python3: the JSON checks above still ran */
    }
    assert_int_equal(pr.status, 0);
    long n, f, s, tests, failures;
    assert_int_equal(sscanf(pr.out, "%ld %ld %ld %ld %ld", &n, &f, &s, &tests,
                            &failures),
                     5);
    assert_int_equal(n, (long)json_array_size(json_object_get(r.result, "cells")));
    assert_int_equal(f, summary(r.result, "fail"));
    assert_int_equal(s, summary(r.result, "skip"));
    assert_int_equal(tests, n);
    assert_int_equal(failures, f);
    vmdrv_proc_result_clear(&pr);
    free(check);
    run_clear(&r);
    free(opt);
    free(xml);
    free(w);
}

static void test_conform__bundle_holds_result_and_logs(void **state)
{
    (void)state;
    run r;
    char *w = work_dir("bundle");
    char *tgz = vu_asprintf("%s/out.tar.gz", scratch);
    char *opt = vu_asprintf("--bundle=%s", tgz);
    vmdrv_conform(&r, NULL, w, "--driver=test", "--host=real", opt,
                  "--focus=lifecycle\\.start_stop", NULL);
    assert_int_equal(r.status, 0);
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    assert_int_equal(archive_read_open_filename(a, tgz, 10240), ARCHIVE_OK);
    struct archive_entry *e;
    int has_result = 0, has_log = 0, has_md = 0;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        const char *p = archive_entry_pathname(e);
        has_result |= strcmp(p, "result.json") == 0;
        has_log |= strncmp(p, "logs/", 5) == 0;
        has_md |= strcmp(p, "summary.md") == 0;
    }
    archive_read_free(a);
    assert_true(has_result && has_log && has_md);
    run_clear(&r);
    free(opt);
    free(tgz);
    free(w);
}

static void test_conform__merge_checks_evidence(void **state)
{
    (void)state;
    run a, b;
    char *w = work_dir("merge");
    char *ra = vu_asprintf("%s/a.json", scratch);
    char *rb = vu_asprintf("%s/b.json", scratch);
    vmdrv_conform(&a, NULL, w, "--driver=test", "--host=windows-home", NULL);
    vmdrv_conform(&b, NULL, w, "--driver=test", "--host=windows-pro", NULL);
    assert_int_equal(a.status, 0);
    assert_int_equal(b.status, 0);
    vu_json_write_atomic(ra, a.result);
    vu_json_write_atomic(rb, b.result);
    /* the same host twice: evidence from two hosts for one cell */
    const char *argv[] = {cli, "merge", ra, ra, NULL};
    vmdrv_proc_spec spec = {.argv = argv, .timeout_ms = 60000};
    vmdrv_proc_result pr;
    assert_int_equal(vmdrv_proc_run(ctx, &spec, &pr), 0);
    assert_int_equal(pr.status, 1);
    assert_non_null(strstr(pr.err, "evidence from two hosts"));
    vmdrv_proc_result_clear(&pr);
    /* two hosts: no conflict, but the rest of the world is missing */
    const char *argv2[] = {cli, "merge", ra, rb, NULL};
    spec.argv = argv2;
    assert_int_equal(vmdrv_proc_run(ctx, &spec, &pr), 0);
    assert_null(strstr(pr.err, "evidence from two hosts"));
    assert_non_null(strstr(pr.err, "missing: linux/x86_64:qemu:"));
    vmdrv_proc_result_clear(&pr);
    run_clear(&a);
    run_clear(&b);
    free(ra);
    free(rb);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conform__test_driver_passes_on_every_host),
        cmocka_unit_test(test_conform__lying_capability_is_false_advertisement),
        cmocka_unit_test(test_conform__hidden_capability_is_under_advertised),
        cmocka_unit_test(test_conform__missing_capability_is_regression),
        cmocka_unit_test(test_conform__no_effect_is_caught),
        cmocka_unit_test(test_conform__retried_pass_is_flaky),
        cmocka_unit_test(test_conform__crash_is_error),
        cmocka_unit_test(test_conform__hang_is_timeout),
        cmocka_unit_test(test_conform__leak_is_found_and_swept),
        cmocka_unit_test(test_conform__unsupported_cells),
        cmocka_unit_test(test_conform__known_broken_is_xfail_then_xpass),
        cmocka_unit_test(test_conform__nothing_selected_exits_3),
        cmocka_unit_test(test_conform__plan_touches_nothing),
        cmocka_unit_test(test_conform__rerun_failed_runs_only_failures),
        cmocka_unit_test(test_conform__seed_replays_order),
        cmocka_unit_test(test_conform__junit_agrees_with_json),
        cmocka_unit_test(test_conform__bundle_holds_result_and_logs),
        cmocka_unit_test(test_conform__merge_checks_evidence),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
