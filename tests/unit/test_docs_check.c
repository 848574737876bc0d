/*
 * test_docs_check.c: a docs page against the matrix
 * (conformance/docs_check.h). The seed page (a copy in
 * tests/data/seed-driver.md, itself compared with ../shared/seed when that
 * exists) agrees with the shipped matrix; copies altered the way a
 * release engineer might alter them (a driver moved, a default changed, a
 * row removed, a version changed, Hyper-V taken out of the native-mounts
 * row, ...) each give exactly the disagreements named here, with the page
 * line and the matrix line.
 */
/* cmocka.h needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docs_check.h"
#include "vu_fs.h"
#include "vu_str.h"

#include "matrix_test_helpers.h"

/* The seed with from replaced by to (which must occur exactly once). */
static char *altered(const char *from, const char *to)
{
    char *seed = read_src("tests/data/seed-driver.md");
    char *p = strstr(seed, from);
    if (!p || strstr(p + 1, from))
        fail_msg("'%s' is not in the seed exactly once", from);
    vu_buf b = VU_BUF_INIT;
    vu_buf_add(&b, seed, (size_t)(p - seed));
    vu_buf_puts(&b, to);
    vu_buf_puts(&b, p + strlen(from));
    free(seed);
    return vu_buf_detach(&b);
}

static void check(const vc_matrix *m, const char *text, vc_docs_report *r)
{
    vu_strv errs = VU_STRV_INIT;
    assert_int_equal(
        vc_docs_check(m, "page.md", text, strlen(text), NULL, r, &errs), 0);
    assert_int_equal(errs.n, 0);
}

static void dump(const vc_docs_report *r)
{
    vu_buf b = VU_BUF_INIT;
    vc_docs_report_text(r, &b);
    print_error("%s", vu_buf_str(&b));
    vu_buf_clear(&b);
}

typedef struct want {
    int line;
    const char *section;
    const char *message;
    const char *file;    /* basename of the matrix file, or NULL */
    const char *at_line; /* text the matrix line holds */
} want;

static void assert_issue(const vc_docs_issue *is, const want *w)
{
    assert_int_equal(is->line, w->line);
    assert_string_equal(is->section, w->section);
    assert_string_equal(is->message, w->message);
    if (!w->file) {
        assert_null(is->matrix.file);
        return;
    }
    assert_non_null(is->matrix.file);
    assert_true(vu_ends_with(is->matrix.file, w->file));
    char *text;
    size_t len;
    assert_int_equal(vu_read_file(is->matrix.file, &text, &len), 0);
    char *p = text;
    for (int i = 1; i < is->matrix.line; i++)
        p = strchr(p, '\n') + 1;
    char *line = vu_strndup(p, strcspn(p, "\n"));
    if (!strstr(line, w->at_line))
        fail_msg("%s:%d: '%s' does not hold '%s'", is->matrix.file,
                 is->matrix.line, line, w->at_line);
    free(line);
    free(text);
}

/* Alter the seed, check, and require exactly the disagreements in w. */
static void expect_issues(const vc_matrix *m, const char *from, const char *to,
                          const want *w, size_t n)
{
    char *text = altered(from, to);
    vc_docs_report r;
    check(m, text, &r);
    if (r.n_issues != n)
        dump(&r);
    assert_int_equal(r.n_issues, n);
    for (size_t i = 0; i < n; i++)
        assert_issue(&r.issues[i], &w[i]);
    vc_docs_report_free(&r);
    free(text);
}

static const char two_exceptions[] =
    "the page announces two exceptions but lists 1 (the matrix has 1)";

static void test_docs__seed_agrees(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    char *seed = read_src("tests/data/seed-driver.md");
    vc_docs_report r;
    check(m, seed, &r);
    if (r.n_issues)
        dump(&r);
    assert_int_equal(r.n_issues, 0);
    assert_string_equal(r.at, "1.16");
    assert_string_equal(r.history_at, "1.15");
    /* the page contradicts itself: "two exceptions", one listed */
    assert_int_equal(r.n_warnings, 1);
    assert_int_equal(r.warnings[0].line, 40);
    assert_string_equal(r.warnings[0].message, two_exceptions);
    vu_buf b = VU_BUF_INIT;
    vc_docs_report_text(&r, &b);
    assert_string_equal(vu_buf_str(&b),
                        "page.md:40: warning: the page announces two "
                        "exceptions but lists 1 (the matrix has 1)\n");
    vu_buf_clear(&b);
    vc_docs_report_free(&r);
    free(seed);
    vc_matrix_free(m);
}

/* The copy in tests/data is the seed the project was given. */
static void test_docs__seed_copy_is_current(void **state)
{
    (void)state;
    char *shared = src_path("../shared/seed/driver.md");
    if (!vu_path_exists(shared)) {
        free(shared);
        skip();
    }
    char *a, *b;
    size_t la, lb;
    assert_int_equal(vu_read_file(shared, &a, &la), 0);
    char *copy = src_path("tests/data/seed-driver.md");
    assert_int_equal(vu_read_file(copy, &b, &lb), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    free(a);
    free(b);
    free(copy);
    free(shared);
}

/* The "Done when" of the issue: one precise disagreement. */
static void test_docs__hyperv_out_of_native_mounts(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    want w[] = {{51, "table",
                 "the matrix says 'Hyper-V' supports 'Native mounts' at "
                 "release '1.16', but the page does not list it",
                 "features.yaml", "driver: hyperv"}};
    expect_issues(m, "<ul><li>Hyper-V</li><li>QEMU</li></ul>",
                  "<ul><li>QEMU</li></ul>", w, 1);
    vc_matrix_free(m);
}

static void test_docs__driver_moved(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    /* VirtualBox moved from the macOS bullet to the Linux one */
    char *step = altered("the options are QEMU and VirtualBox.",
                         "the options are QEMU.");
    char *p = strstr(step, "configured to use QEMU.");
    assert_non_null(p);
    vu_buf b = VU_BUF_INIT;
    vu_buf_add(&b, step, (size_t)(p - step));
    vu_buf_puts(&b, "configured to use QEMU or VirtualBox.");
    vu_buf_puts(&b, p + strlen("configured to use QEMU."));
    vc_docs_report r;
    check(m, vu_buf_str(&b), &r);
    assert_int_equal(r.n_issues, 2);
    want w[] = {{16, "supported-drivers",
                 "the page offers 'VirtualBox' on 'Linux', but the matrix "
                 "does not offer it there at release '1.16'",
                 "drivers.yaml", "key: virtualbox"},
                {17, "supported-drivers",
                 "the matrix offers 'VirtualBox' on 'macOS' at release "
                 "'1.16', but the page does not list it",
                 "drivers.yaml", "platform: macos"}};
    assert_issue(&r.issues[0], &w[0]);
    assert_issue(&r.issues[1], &w[1]);
    vc_docs_report_free(&r);
    vu_buf_clear(&b);
    free(step);
    vc_matrix_free(m);
}

static void test_docs__default_changed(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    want w[] = {{27, "default-drivers",
                 "the page says 'Hyper-V' is the default on 'Windows Home', "
                 "the matrix says 'VirtualBox'",
                 "defaults.yaml", "platform: windows"}};
    expect_issues(m, "  + VirtualBox on Windows Home",
                  "  + Hyper-V on Windows Home", w, 1);
    want w2[] = {{24, "default-drivers",
                  "the page says 'QEMU' is the default on 'Windows Pro', the "
                  "matrix says 'Hyper-V'",
                  "defaults.yaml", "platform: windows"},
                 {24, "default-drivers",
                  "the page says 'QEMU' is the default on 'Windows Home', the "
                  "matrix says 'VirtualBox'",
                  "defaults.yaml", "platform: windows"}};
    expect_issues(m, "- On Linux and macOS, QEMU is used.",
                  "- On Linux, macOS, and Windows, QEMU is used.", w2, 2);
    vc_matrix_free(m);
}

static void test_docs__row_removed(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    want w[] = {{49, "table",
                 "the matrix shows 'Native mounts' in the table, but the "
                 "page's table has no row for it",
                 "features.yaml", "key: native_mounts"}};
    expect_issues(
        m,
        "| **Native mounts** | <ul><li>Hyper-V</li><li>QEMU</li></ul> "
        "| This affects the `--type` option in the "
        "[`mount`](/reference/command-line-interface/mount) "
        "command). |\n",
        "", w, 1);
    vc_matrix_free(m);
}

static void test_docs__versions_changed(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    want w1[] = {{17, "retired-drivers",
                  "the page says 'Hyperkit' is no longer available on 'macOS' "
                  "as of '1.14', the matrix retires it as of '1.13'",
                  "drivers.yaml", "platform: macos"}};
    expect_issues(m, "As of Multipass version 1.13",
                  "As of Multipass version 1.14", w1, 1);
    want w2[] = {{42, "exceptions",
                  "the page says the migration happens from version '1.11', "
                  "the matrix from '1.12'",
                  "exceptions.yaml", "key: hyperkit_to_qemu"}};
    expect_issues(m, "version 1.12 or later", "version 1.11 or later", w2, 1);
    want w3[] = {{56, "history",
                  "the page has 'Snapshots' on 'VirtualBox' since version "
                  "'1.14', the matrix since '1.15'",
                  "features.yaml", "driver: virtualbox"}};
    expect_issues(m, "the latter since version 1.15",
                  "the latter since version 1.14", w3, 1);
    vc_matrix_free(m);
}

static void test_docs__retired_sentence(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    want w[] = {{16, "retired-drivers",
                 "the matrix retires 'LXD' on 'Linux' as of '1.16', but the "
                 "page does not say so",
                 "drivers.yaml", "platform: linux"},
                {16, "retired-drivers",
                 "the matrix retires 'libvirt' on 'Linux' as of '1.16', but "
                 "the page does not say so",
                 "drivers.yaml", "platform: linux"}};
    expect_issues(m,
                  " As of Multipass version 1.16, LXD and libvirt are no "
                  "longer available.",
                  "", w, 2);
    /* still offered, though the matrix retired it */
    want w2[] = {{16, "supported-drivers",
                  "the page offers 'LXD' on 'Linux', but the matrix retires it "
                  "there as of '1.16'",
                  "drivers.yaml", "platform: linux"}};
    expect_issues(m,
                  "configured to use QEMU. As of Multipass version 1.16, "
                  "LXD and libvirt",
                  "configured to use QEMU or LXD. As of Multipass version "
                  "1.16, LXD and libvirt",
                  w2, 1);
    vc_matrix_free(m);
}

static void test_docs__edition_qualifier(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    want w[] = {{18, "supported-drivers",
                 "the page offers 'Hyper-V' on every edition of 'Windows', "
                 "but the matrix only on 'Windows Pro'",
                 "drivers.yaml", "platform: windows"}};
    expect_issues(m, "Hyper-V (only available on Windows Pro) or", "Hyper-V or",
                  w, 1);
    vc_matrix_free(m);
}

/* The HTML comment is compared at history_at (1.15), libvirt included. */
static void test_docs__history(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    want w[] = {{57, "history",
                 "the matrix says 'libvirt' supports 'VM suspension' at "
                 "release '1.15', but the page does not list it",
                 "features.yaml", "driver: libvirt"}};
    expect_issues(m, "supported on QEMU, libvirt, Hyper-V, and VirtualBox.",
                  "supported on QEMU, Hyper-V, and VirtualBox.", w, 1);
    want w2[] = {{55, "history",
                  "the page has 'Extra networks' on 'QEMU' on every platform, "
                  "the matrix on 'macOS'",
                  "features.yaml", "driver: qemu"}};
    expect_issues(m, "VirtualBox, and QEMU on macOS.", "VirtualBox, and QEMU.",
                  w2, 1);
    want w3[] = {{57, "history",
                  "the page words 'VM suspension' as 'are supported only "
                  "on', the matrix as 'is supported on'",
                  "features.yaml", "key: suspend"}};
    expect_issues(m, "**VM suspension** is supported on",
                  "**VM suspension** are supported only on", w3, 1);
    vc_matrix_free(m);
}

static void test_docs__notes_and_names(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    want w[] = {{51, "table",
                 "the notes of 'Native mounts' differ: the page has 'This "
                 "affects the `--type` option.', the matrix 'This affects the "
                 "`--type` option in the "
                 "[`mount`](/reference/command-line-interface/mount) "
                 "command).'",
                 "features.yaml", "key: native_mounts"}};
    expect_issues(m,
                  "| This affects the `--type` option in the "
                  "[`mount`](/reference/command-line-interface/mount) "
                  "command). |",
                  "| This affects the `--type` option. |", w, 1);
    want w2[] = {{51, "table",
                  "the page names a driver 'Parallels' under 'Native mounts' "
                  "that the matrix does not know",
                  NULL, NULL}};
    expect_issues(m, "<li>QEMU</li></ul>",
                  "<li>QEMU</li><li>Parallels</li></ul>", w2, 1);
    want w3[] = {{52, "table",
                  "the table shows 'Snapshots', but the matrix marks it "
                  "'shown: false'",
                  "features.yaml", "key: snapshots"}};
    expect_issues(m, "command). |\n\n<!--",
                  "command). |\n| **Snapshots** | <ul><li>QEMU</li>"
                  "<li>Hyper-V</li><li>VirtualBox (since version 1.15)</li>"
                  "</ul> |  |\n\n<!--",
                  w3, 1);
    vc_matrix_free(m);
}

static void test_docs__missing_section(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    want w[] = {{0, "default-drivers",
                 "the page has no 'Default drivers' section", NULL, NULL}};
    expect_issues(m, "## Default drivers", "## Defaults", w, 1);
    vc_matrix_free(m);
}

/* Windows line endings read the same. */
static void test_docs__crlf(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    char *seed = read_src("tests/data/seed-driver.md");
    vu_buf b = VU_BUF_INIT;
    for (const char *p = seed; *p; p++) {
        if (*p == '\n')
            vu_buf_putc(&b, '\r');
        vu_buf_putc(&b, *p);
    }
    vc_docs_report r;
    check(m, vu_buf_str(&b), &r);
    assert_int_equal(r.n_issues, 0);
    assert_int_equal(r.n_warnings, 1);
    vc_docs_report_free(&r);
    vu_buf_clear(&b);
    free(seed);
    vc_matrix_free(m);
}

/* A wording change that keeps the meaning is a warning, not a failure. */
static void test_docs__wording_warning(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    char *text =
        altered("<ul><li>Hyper-V</li><li>QEMU</li></ul>", "Hyper-V, QEMU");
    vc_docs_report r;
    check(m, text, &r);
    assert_int_equal(r.n_issues, 0);
    assert_int_equal(r.n_warnings, 2);
    assert_int_equal(r.warnings[1].line, 51);
    assert_true(vu_starts_with(r.warnings[1].message,
                               "this line is worded differently from what "
                               "'vmdrv table --format myst' renders: "));
    vc_docs_report_free(&r);
    free(text);
    vc_matrix_free(m);
}

static void test_docs__json(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    char *text = altered("  + VirtualBox on Windows Home",
                         "  + Hyper-V on Windows Home");
    vc_docs_report r;
    check(m, text, &r);
    vu_buf b = VU_BUF_INIT;
    vc_docs_report_json(&r, m, &b);
    json_error_t err;
    json_t *j = json_loads(vu_buf_str(&b), 0, &err);
    assert_non_null(j);
    assert_false(json_boolean_value(json_object_get(j, "agree")));
    assert_string_equal(json_string_value(json_object_get(j, "release")),
                        "1.16");
    json_t *d = json_array_get(json_object_get(j, "disagreements"), 0);
    assert_int_equal(json_integer_value(json_object_get(d, "line")), 27);
    assert_string_equal(json_string_value(json_object_get(d, "section")),
                        "default-drivers");
    assert_true(vu_ends_with(json_string_value(json_object_get(d, "matrix")),
                             "defaults.yaml:15:5"));
    assert_int_equal(json_array_size(json_object_get(j, "warnings")), 1);
    json_decref(j);
    vu_buf_clear(&b);
    vc_docs_report_free(&r);
    free(text);
    vc_matrix_free(m);
}

static void test_docs__bad_release(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    vc_docs_report r;
    vu_strv errs = VU_STRV_INIT;
    assert_int_equal(vc_docs_check(m, "p.md", "", 0, "next", &r, &errs), -1);
    assert_string_equal(errs.v[0], "invalid version 'next': expected numbers "
                                   "separated by dots, such as '1.16'");
    vc_docs_report_free(&r);
    vu_strv_clear(&errs);
    vc_matrix_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_docs__seed_agrees),
        cmocka_unit_test(test_docs__seed_copy_is_current),
        cmocka_unit_test(test_docs__hyperv_out_of_native_mounts),
        cmocka_unit_test(test_docs__driver_moved),
        cmocka_unit_test(test_docs__default_changed),
        cmocka_unit_test(test_docs__row_removed),
        cmocka_unit_test(test_docs__versions_changed),
        cmocka_unit_test(test_docs__retired_sentence),
        cmocka_unit_test(test_docs__edition_qualifier),
        cmocka_unit_test(test_docs__history),
        cmocka_unit_test(test_docs__notes_and_names),
        cmocka_unit_test(test_docs__missing_section),
        cmocka_unit_test(test_docs__crlf),
        cmocka_unit_test(test_docs__wording_warning),
        cmocka_unit_test(test_docs__json),
        cmocka_unit_test(test_docs__bad_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
