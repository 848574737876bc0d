/*
 * test_table.c: the docs page rendered from the matrix
 * (conformance/table.h): the "Feature disparities" table byte for byte
 * as in the seed page, the supported-drivers, default-drivers and
 * exceptions lists and the old-formatting bullets as on the page, each
 * format against a golden file in tests/data/golden, and how the output
 * follows the release.
 *
 * VMDRV_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
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

#include "table.h"
#include "vu_fs.h"
#include "vu_str.h"

#include "matrix_test_helpers.h"

static char *replace_all(const char *text, const char *from, const char *to)
{
    vu_buf b = VU_BUF_INIT;
    const char *p = text, *q;
    while (*from && (q = strstr(p, from))) {
        vu_buf_add(&b, p, (size_t)(q - p));
        vu_buf_puts(&b, to);
        p = q + strlen(from);
    }
    vu_buf_puts(&b, p);
    return vu_buf_detach(&b);
}

/*
 * Golden files hold neither the hash, which changes with every edit of
 * the matrix (comments included), nor where the source tree is.
 */
static char *normalize(const char *text, const vc_matrix *m)
{
    char *root = src_path("");
    char *a = replace_all(text, m->hash_str, "fnv1a64:HASH");
    char *b = replace_all(a, root, "");
    free(a);
    free(root);
    return b;
}

static void golden(const vc_matrix *m, const char *name, const char *got)
{
    char *rel = vu_asprintf("tests/data/golden/%s", name);
    char *path = src_path(rel);
    char *text = normalize(got, m);
    const char *update = getenv("VMDRV_UPDATE_GOLDEN");
    if (update && *update && strcmp(update, "0") != 0) {
        assert_int_equal(vu_write_atomic(path, text, strlen(text)), 0);
    } else {
        char *want = read_src(rel);
        if (strcmp(want, text) != 0)
            fail_msg("%s differs from the output:\n%s", path, text);
        free(want);
    }
    free(text);
    free(path);
    free(rel);
}

/*
 * The lines of the seed page from the first that starts with first, up to
 * (not including) the first line after it that matches none of the
 * prefixes in cont (NULL-terminated).
 */
static char *seed_block(const char *first, const char *const *cont)
{
    char *page = read_src("tests/data/seed-driver.md");
    char *start = strstr(page, first);
    assert_non_null(start);
    assert_true(start == page || start[-1] == '\n');
    vu_buf b = VU_BUF_INIT;
    char *p = start;
    int line = 0;
    while (*p) {
        size_t len = strcspn(p, "\n");
        int ok = line == 0;
        for (size_t i = 0; !ok && cont[i]; i++)
            ok = strncmp(p, cont[i], strlen(cont[i])) == 0;
        if (!ok)
            break;
        vu_buf_add(&b, p, len);
        vu_buf_putc(&b, '\n');
        p += len + (p[len] == '\n');
        line++;
    }
    free(page);
    return vu_buf_detach(&b);
}

/* `vmdrv table --format myst` is the seed's table, byte for byte. */
static void test_table__myst_is_the_seed_table(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    vu_buf b = VU_BUF_INIT;
    vc_table_render(m, VC_TABLE_MYST, NULL, &b);
    static const char *const rows[] = {"|", NULL};
    char *seed = seed_block("| Feature | Only supported on... | Notes |", rows);
    assert_string_equal(vu_buf_str(&b), seed);
    assert_string_equal(
        vu_buf_str(&b),
        "| Feature | Only supported on... | Notes |\n"
        "|--- | --- | --- |\n"
        "| **Native mounts** | <ul><li>Hyper-V</li><li>QEMU</li></ul> | This "
        "affects the `--type` option in the "
        "[`mount`](/reference/command-line-interface/mount) command). |\n");
    golden(m, "table-myst.md", vu_buf_str(&b));
    free(seed);
    vu_buf_clear(&b);
    vc_matrix_free(m);
}

static void test_table__lists_are_the_seed_lists(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    static const char *const bullets[] = {"- On ", NULL};
    static const char *const defaults[] = {"- On ", "  + ", NULL};
    static const char *const comment[] = {"- **", NULL};
    struct {
        void (*render)(const vc_matrix *, const char *, vu_buf *);
        const char *at, *first, *golden;
        const char *const *cont;
    } lists[] = {
        {vc_render_supported, NULL, "- On Linux, Multipass can be configured",
         "list-supported.md", bullets},
        {vc_render_defaults, NULL, "- On Linux and macOS, QEMU is used.",
         "list-defaults.md", defaults},
        {vc_render_exceptions, NULL, "  - On macOS, stopped Hyperkit",
         "list-exceptions.md", bullets},
        /* the HTML comment records release 1.15 (history_at) */
        {vc_render_feature_bullets, m->history_at, "- **Native mounts** are",
         "list-features-1.15.md", comment},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        vu_buf b = VU_BUF_INIT;
        lists[i].render(m, lists[i].at, &b);
        char *seed = seed_block(lists[i].first, lists[i].cont);
        assert_string_equal(vu_buf_str(&b), seed);
        golden(m, lists[i].golden, vu_buf_str(&b));
        free(seed);
        vu_buf_clear(&b);
    }
    vc_matrix_free(m);
}

static void test_table__golden_formats(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    struct {
        vc_table_format fmt;
        int all;
        const char *at, *name;
    } cases[] = {
        {VC_TABLE_MD, 0, NULL, "table-md.md"},
        {VC_TABLE_MYST, 1, NULL, "table-all-myst.md"},
        {VC_TABLE_MD, 1, "1.15", "table-all-md-1.15.md"},
        {VC_TABLE_JSON, 0, NULL, "table.json"},
        {VC_TABLE_HTML, 1, NULL, "table.html"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vu_buf b = VU_BUF_INIT;
        vc_table_opts o = {cases[i].at, cases[i].all};
        vc_table_render(m, cases[i].fmt, &o, &b);
        golden(m, cases[i].name, vu_buf_str(&b));
        vu_buf_clear(&b);
    }
    vc_matrix_free(m);
}

static void test_table__json_shape(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    vu_buf b = VU_BUF_INIT;
    vc_table_opts o = {NULL, 1};
    vc_table_render(m, VC_TABLE_JSON, &o, &b);
    json_error_t err;
    json_t *j = json_loads(vu_buf_str(&b), 0, &err);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "release")),
                        "1.16");
    assert_string_equal(json_string_value(json_object_get(j, "matrix")),
                        m->hash_str);
    json_t *features = json_object_get(j, "features");
    assert_int_equal(json_array_size(features), 4); /* guest_exec is not */
    json_t *nm = json_array_get(features, 0);
    assert_string_equal(json_string_value(json_object_get(nm, "key")),
                        "native_mounts");
    json_t *on = json_object_get(nm, "supported_on");
    assert_int_equal(json_array_size(on), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(on, 0), "driver")),
        "hyperv");
    json_t *hosts = json_object_get(j, "hosts");
    assert_int_equal(json_array_size(hosts), 6);
    json_t *home = json_array_get(hosts, 5);
    assert_string_equal(json_string_value(json_object_get(home, "edition")),
                        "home");
    assert_string_equal(json_string_value(json_object_get(home, "default")),
                        "virtualbox");
    json_t *hv = json_object_get(json_object_get(home, "drivers"), "hyperv");
    assert_string_equal(json_string_value(json_object_get(hv, "status")),
                        "unavailable");
    json_decref(j);
    vu_buf_clear(&b);
    vc_matrix_free(m);
}

/* Drivers retired by a release leave its table; a later one joins it. */
static void test_table__follows_the_release(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", NULL);
    const vc_feature *susp = vc_matrix_feature(m, "suspend");
    const vc_feature *snap = vc_matrix_feature(m, "snapshots");
    vu_buf b = VU_BUF_INIT;
    vc_render_feature_row(m, susp, "1.15", VC_TABLE_MD, &b);
    assert_string_equal(vu_buf_str(&b),
                        "| **VM suspension** | QEMU, libvirt, Hyper-V, "
                        "VirtualBox | This affects the "
                        "[`suspend`](/reference/command-line-interface/suspend)"
                        " command. |");
    vu_buf_clear(&b);
    vc_render_feature_row(m, susp, "1.16", VC_TABLE_MYST, &b);
    assert_non_null(strstr(vu_buf_str(&b),
                           "<ul><li>QEMU</li><li>Hyper-V</li><li>VirtualBox"
                           "</li></ul>"));
    vu_buf_clear(&b);
    vc_render_feature_bullet(m, snap, "1.14", &b);
    assert_string_equal(vu_buf_str(&b),
                        "- **Snapshots** are supported only on QEMU and "
                        "Hyper-V.");
    vu_buf_clear(&b);
    vc_render_feature_row(m, snap, "1.16", VC_TABLE_MYST, &b);
    assert_non_null(
        strstr(vu_buf_str(&b), "<li>VirtualBox (since version 1.15)</li>"));
    vu_buf_clear(&b);
    vc_render_supported(m, "1.12", &b);
    assert_string_equal(vu_buf_str(&b),
                        "- On Linux, Multipass can be configured to use QEMU, "
                        "LXD, or libvirt.\n"
                        "- On macOS, the options are QEMU, VirtualBox, and "
                        "Hyperkit.\n"
                        "- On Windows, Multipass uses Hyper-V (only available "
                        "on Windows Pro) or VirtualBox.\n");
    vu_buf_clear(&b);
    vc_render_exceptions(m, "1.11", &b);
    assert_string_equal(vu_buf_str(&b), "");
    vu_buf_clear(&b);
    vc_matrix_free(m);
}

static void test_table__join_words(void **state)
{
    (void)state;
    const char *w[] = {"QEMU", "Hyper-V", "VirtualBox"};
    vu_buf b = VU_BUF_INIT;
    vc_join_words(&b, w, 1, "and");
    assert_string_equal(vu_buf_str(&b), "QEMU");
    vu_buf_clear(&b);
    vc_join_words(&b, w, 2, "and");
    assert_string_equal(vu_buf_str(&b), "QEMU and Hyper-V");
    vu_buf_clear(&b);
    vc_join_words(&b, w, 3, "or");
    assert_string_equal(vu_buf_str(&b), "QEMU, Hyper-V, or VirtualBox");
    vu_buf_clear(&b);
    vc_join_words(&b, w, 0, "and");
    assert_string_equal(vu_buf_str(&b), "");
}

static void test_table__format_names(void **state)
{
    (void)state;
    vc_table_format f;
    assert_int_equal(vc_table_format_parse("myst", &f), 0);
    assert_int_equal(f, VC_TABLE_MYST);
    assert_int_equal(vc_table_format_parse("md", &f), 0);
    assert_int_equal(f, VC_TABLE_MD);
    assert_int_equal(vc_table_format_parse("json", &f), 0);
    assert_int_equal(f, VC_TABLE_JSON);
    assert_int_equal(vc_table_format_parse("html", &f), 0);
    assert_int_equal(f, VC_TABLE_HTML);
    assert_int_equal(vc_table_format_parse("pdf", &f), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table__myst_is_the_seed_table),
        cmocka_unit_test(test_table__lists_are_the_seed_lists),
        cmocka_unit_test(test_table__golden_formats),
        cmocka_unit_test(test_table__json_shape),
        cmocka_unit_test(test_table__follows_the_release),
        cmocka_unit_test(test_table__join_words),
        cmocka_unit_test(test_table__format_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
