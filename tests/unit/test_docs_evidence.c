/*
 * test_docs_evidence.c: docs-check against conformance evidence
 * (conformance/docs_evidence.c): a feature that works where the matrix
 * says unsupported, or is verified unsupported where it says supported,
 * is a disagreement naming the cell and the matrix fact; agreeing
 * evidence, skips, unpublished features and broken checks add nothing.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "docs_evidence.h"
#include "matrix_test_helpers.h"

static vc_matrix *m;

static int setup(void **state)
{
    (void)state;
    m = load_matrix("matrix", NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vc_matrix_free(m);
    return 0;
}

/* A result holding one cell. */
static json_t *result_with(const char *platform, const char *driver,
                           const char *feature, const char *outcome,
                           const char *failure)
{
    char id[256];
    snprintf(id, sizeof id, "h:%s:feature.%s.x", driver, feature);
    return json_pack("{s:s,s:[{s:s,s:s,s:s,s:s,s:s,s:s}]}", "schema",
                     "vmdrv-conformance-result/1", "cells", "id", id,
                     "platform", platform, "driver", driver, "feature",
                     feature, "outcome", outcome, "failure", failure);
}

static size_t check(json_t *res, vc_docs_report *r)
{
    memset(r, 0, sizeof *r);
    r->page = strdup("page.md");
    size_t n = vc_docs_check_evidence(m, NULL, res, "result.json", r);
    json_decref(res);
    return n;
}

static void test_docs_evidence__works_where_matrix_says_no(void **state)
{
    (void)state;
    vc_docs_report r;
    /* the matrix gives QEMU extra networks on macOS only */
    assert_int_equal(check(result_with("linux/x86_64", "qemu",
                                       "extra_networks", "pass", ""),
                           &r),
                     1);
    assert_string_equal(r.issues[0].section, "evidence");
    assert_non_null(strstr(r.issues[0].message, "Extra networks work with "
                                                "QEMU on linux/x86_64"));
    assert_non_null(strstr(r.issues[0].message, "result.json"));
    assert_non_null(r.issues[0].matrix.file);
    vc_docs_report_free(&r);
}

static void test_docs_evidence__missing_where_matrix_says_yes(void **state)
{
    (void)state;
    vc_docs_report r;
    /* VirtualBox has snapshots since 1.15; the current release is 1.16 */
    assert_int_equal(check(result_with("windows/home/x86_64", "virtualbox",
                                       "snapshots", "unsupported-verified", ""),
                           &r),
                     1);
    assert_non_null(strstr(r.issues[0].message, "Snapshots did not work with "
                                                "VirtualBox"));
    vc_docs_report_free(&r);
    /* a regression counts as not working too */
    assert_int_equal(check(result_with("windows/pro/x86_64", "hyperv",
                                       "native_mounts", "fail",
                                       "capability-regression"),
                           &r),
                     1);
    vc_docs_report_free(&r);
}

static void test_docs_evidence__agreement_and_noise_add_nothing(void **state)
{
    (void)state;
    vc_docs_report r;
    /* agrees: QEMU mounts work on Linux */
    assert_int_equal(check(result_with("linux/x86_64", "qemu",
                                       "native_mounts", "pass", ""),
                           &r),
                     0);
    vc_docs_report_free(&r);
    /* agrees: VirtualBox has no native mounts */
    assert_int_equal(check(result_with("windows/home/x86_64", "virtualbox",
                                       "native_mounts",
                                       "unsupported-verified", ""),
                           &r),
                     0);
    vc_docs_report_free(&r);
    /* a skip or a failed effect check says nothing about support */
    assert_int_equal(check(result_with("windows/home/x86_64", "virtualbox",
                                       "snapshots", "skip", ""),
                           &r),
                     0);
    vc_docs_report_free(&r);
    assert_int_equal(check(result_with("linux/x86_64", "qemu", "snapshots",
                                       "fail", "restore-no-effect"),
                           &r),
                     0);
    vc_docs_report_free(&r);
    /* guest exec is the harness's own, never on a docs page */
    assert_int_equal(check(result_with("windows/pro/x86_64", "hyperv",
                                       "guest_exec", "pass", ""),
                           &r),
                     0);
    vc_docs_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_docs_evidence__works_where_matrix_says_no),
        cmocka_unit_test(test_docs_evidence__missing_where_matrix_says_yes),
        cmocka_unit_test(test_docs_evidence__agreement_and_noise_add_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
