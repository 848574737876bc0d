/*
 * test_matrix.c: the conformance matrix (conformance/matrix.h): release
 * versions and ranges, the shipped matrix and the facts it states, the
 * corpus of bad matrices under tests/data/matrix-bad (each file with the
 * exact messages it must produce, in a .expected beside it), the
 * expansion into cells, filters and known-broken entries.
 */
/* cmocka.h needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "matrix.h"
#include "vmdrv/caps.h"
#include "vu_fs.h"
#include "vu_str.h"

#include "matrix_test_helpers.h"

/* The day the corpus is judged on: entries expiring before it are stale. */
#define TODAY "2025-06-01"

/* The line of file at src, for checking where a fact was found. */
static char *src_line(vc_src s)
{
    char *text;
    size_t len;
    assert_int_equal(vu_read_file(s.file, &text, &len), 0);
    char *p = text;
    for (int i = 1; i < s.line && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    assert_non_null(p);
    char *line = vu_strndup(p, strcspn(p, "\n"));
    free(text);
    return line;
}

static void assert_src_has(vc_src s, const char *needle)
{
    char *line = src_line(s);
    if (!strstr(line, needle))
        fail_msg("%s:%d: '%s' does not contain '%s'", s.file, s.line, line,
                 needle);
    free(line);
}

/* ---- versions ----------------------------------------------------------- */

static void test_matrix__version_order(void **state)
{
    (void)state;
    assert_true(vc_version_cmp("1.9", "1.10") < 0);
    assert_true(vc_version_cmp("1.10", "1.16") < 0);
    assert_true(vc_version_cmp("1.16", "1.9") > 0);
    assert_int_equal(vc_version_cmp("1.16", "1.16.0"), 0);
    assert_true(vc_version_cmp("1.16", "1.16.1") < 0);
    assert_true(vc_version_cmp("2", "1.99") > 0);
    assert_true(vc_version_valid("1.16"));
    assert_true(vc_version_valid("10"));
    assert_true(vc_version_valid("1.2.3.4"));
    assert_false(vc_version_valid("1.2.3.4.5"));
    assert_false(vc_version_valid("1.x"));
    assert_false(vc_version_valid("v1.16"));
    assert_false(vc_version_valid("1..16"));
    assert_false(vc_version_valid("1.16."));
    assert_false(vc_version_valid(""));
    assert_false(vc_version_valid("-1"));
    /* an invalid version sorts first, never equal to a valid one */
    assert_true(vc_version_cmp("junk", "0") < 0);
}

static void test_matrix__version_ranges(void **state)
{
    (void)state;
    vc_range all = {NULL, NULL}, until13 = {NULL, "1.13"};
    vc_range from15 = {"1.15", NULL}, mid = {"1.12", "1.15"};
    assert_true(vc_range_contains(&all, "0"));
    assert_true(vc_range_contains(&until13, "1.12.9"));
    assert_false(vc_range_contains(&until13, "1.13"));
    assert_true(vc_range_contains(&from15, "1.15"));
    assert_false(vc_range_contains(&from15, "1.14"));
    assert_true(vc_range_contains(&mid, "1.12"));
    assert_false(vc_range_contains(&mid, "1.15"));
    /* until is exclusive: [.., 1.13) and [1.13, ..) do not meet */
    vc_range from13 = {"1.13", NULL};
    assert_false(vc_range_overlaps(&until13, &from13));
    assert_true(vc_range_overlaps(&mid, &until13));
    assert_false(vc_range_overlaps(&mid, &from15));
    assert_true(vc_range_overlaps(&all, &mid));
}

/* ---- the shipped matrix ------------------------------------------------- */

static void test_matrix__shipped_loads(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", TODAY);
    assert_string_equal(m->current, "1.16");
    assert_string_equal(m->history_at, "1.15");
    assert_int_equal(m->n_platforms, 3);
    assert_non_null(vc_matrix_platform(m, "windows"));
    assert_int_equal(vc_matrix_platform(m, "windows")->n_editions, 2);
    assert_string_equal(vc_matrix_driver(m, "hyperv")->name, "Hyper-V");
    assert_false(vc_matrix_driver(m, "test")->published);
    /* every feature is a capability of the SDK, each exactly once */
    assert_int_equal(m->n_features, VMDRV_CAP__COUNT);
    for (int c = 0; c < VMDRV_CAP__COUNT; c++) {
        const vc_feature *f = vc_matrix_feature_cap(m, c);
        assert_non_null(f);
        assert_string_equal(f->key, vmdrv_cap_key((vmdrv_cap)c));
    }
    /* only native mounts is in the page's current table */
    for (size_t i = 0; i < m->n_features; i++)
        assert_int_equal(m->features[i].shown,
                         strcmp(m->features[i].key, "native_mounts") == 0);
    assert_false(vc_matrix_feature(m, "guest_exec")->published);
    assert_string_equal(vc_matrix_feature(m, "native_mounts")->notes,
                        "This affects the `--type` option in the "
                        "[`mount`](/reference/command-line-interface/mount) "
                        "command).");
    assert_true(vu_starts_with(m->hash_str, "fnv1a64:"));
    assert_int_equal(strlen(m->hash_str), strlen("fnv1a64:") + 16);
    vc_matrix_free(m);
}

static void test_matrix__shipped_cases(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", TODAY);
    int areas[VC_AREA_MIGRATION + 1] = {0};
    int per_feature[VMDRV_CAP__COUNT] = {0};
    for (size_t i = 0; i < m->n_cases; i++) {
        const vc_case *c = &m->cases[i];
        areas[c->area]++;
        if (c->area == VC_AREA_FEATURE) {
            const vc_feature *f = vc_matrix_feature(m, c->feature);
            assert_non_null(f);
            per_feature[f->cap]++;
            assert_true(vu_starts_with(c->id, "feature."));
        }
    }
    for (int a = 0; a <= VC_AREA_MIGRATION; a++)
        assert_true(areas[a] >= 2);
    for (int f = 0; f < VMDRV_CAP__COUNT; f++)
        assert_true(per_feature[f] >= 2);
    const vc_case *c = vc_matrix_case(m, "lifecycle.start_stop");
    assert_non_null(c);
    assert_true(c->must_run);
    assert_int_equal(vc_case_timeout(c, "qemu"), 300);
    assert_int_equal(vc_case_timeout(c, "test"), 60);
    c = vc_matrix_case(m, "feature.snapshots.restore_guest_content");
    assert_int_equal(c->requires, VMDRV_CAP_BIT(VMDRV_CAP_GUEST_EXEC));
    vc_matrix_free(m);
}

static void assert_status(const vc_matrix *m, const char *at,
                          const char *platform, const char *edition,
                          const char *arch, const char *driver, vc_dstatus want,
                          const char *retired_in)
{
    vc_target t = {platform, edition, arch};
    vc_driver_state st;
    vc_dstatus got = vc_matrix_driver_status(m, at, &t, driver, &st);
    if (got != want)
        fail_msg("%s on %s/%s/%s at %s: status %d, want %d", driver, platform,
                 edition ? edition : "-", arch ? arch : "-", at ? at : "-", got,
                 want);
    assert_int_equal(st.status, got);
    if (retired_in)
        assert_string_equal(st.retired_in, retired_in);
    else
        assert_null(st.retired_in);
}

/* "Different sets of drivers are available on different platforms". */
static void test_matrix__availability(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", TODAY);
    /* On Linux, QEMU; LXD and libvirt gone as of 1.16 */
    assert_status(m, NULL, "linux", NULL, "x86_64", "qemu", VC_DRIVER_AVAILABLE,
                  NULL);
    assert_status(m, NULL, "linux", NULL, "arm64", "lxd", VC_DRIVER_RETIRED,
                  "1.16");
    assert_status(m, "1.16", "linux", NULL, NULL, "libvirt", VC_DRIVER_RETIRED,
                  "1.16");
    assert_status(m, "1.15", "linux", NULL, NULL, "libvirt",
                  VC_DRIVER_AVAILABLE, NULL);
    assert_status(m, NULL, "linux", NULL, NULL, "virtualbox",
                  VC_DRIVER_UNAVAILABLE, NULL);
    assert_status(m, NULL, "linux", NULL, NULL, "hyperv", VC_DRIVER_UNAVAILABLE,
                  NULL);
    /* On macOS, QEMU and VirtualBox; Hyperkit gone as of 1.13 */
    assert_status(m, NULL, "macos", NULL, "arm64", "qemu", VC_DRIVER_AVAILABLE,
                  NULL);
    assert_status(m, NULL, "macos", NULL, "x86_64", "virtualbox",
                  VC_DRIVER_AVAILABLE, NULL);
    assert_status(m, NULL, "macos", NULL, "arm64", "virtualbox",
                  VC_DRIVER_UNAVAILABLE, NULL);
    assert_status(m, NULL, "macos", NULL, "x86_64", "hyperkit",
                  VC_DRIVER_RETIRED, "1.13");
    assert_status(m, "1.12.4", "macos", NULL, "x86_64", "hyperkit",
                  VC_DRIVER_AVAILABLE, NULL);
    /* Hyperkit never ran on Apple silicon: unavailable, not retired */
    assert_status(m, NULL, "macos", NULL, "arm64", "hyperkit",
                  VC_DRIVER_UNAVAILABLE, NULL);
    /* On Windows, Hyper-V (only on Pro) or VirtualBox */
    assert_status(m, NULL, "windows", "pro", "x86_64", "hyperv",
                  VC_DRIVER_AVAILABLE, NULL);
    assert_status(m, NULL, "windows", "home", "x86_64", "hyperv",
                  VC_DRIVER_UNAVAILABLE, NULL);
    assert_status(m, NULL, "windows", "home", "x86_64", "virtualbox",
                  VC_DRIVER_AVAILABLE, NULL);
    assert_status(m, NULL, "windows", NULL, NULL, "qemu", VC_DRIVER_UNAVAILABLE,
                  NULL);
    /* the test driver is everywhere */
    assert_status(m, NULL, "windows", "home", "x86_64", "test",
                  VC_DRIVER_AVAILABLE, NULL);
    assert_status(m, NULL, "linux", NULL, "arm64", "test", VC_DRIVER_AVAILABLE,
                  NULL);
    assert_status(m, NULL, "linux", NULL, NULL, "kvm", VC_DRIVER_UNKNOWN, NULL);
    /* the answer names the fact it rests on */
    vc_target t = {"windows", "pro", "x86_64"};
    vc_driver_state st;
    vc_matrix_driver_status(m, NULL, &t, "hyperv", &st);
    assert_true(vu_ends_with(st.src.file, "drivers.yaml"));
    assert_src_has(st.src, "platform: windows");
    vc_matrix_free(m);
}

static void assert_default(const vc_matrix *m, const char *at,
                           const char *platform, const char *edition,
                           const char *arch, const char *want)
{
    vc_target t = {platform, edition, arch};
    const vc_default *d = vc_matrix_default(m, at, &t);
    assert_non_null(d);
    assert_string_equal(d->driver, want);
}

/* "On Linux and macOS, QEMU is used"; Hyper-V on Pro, VirtualBox on Home. */
static void test_matrix__defaults(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", TODAY);
    assert_default(m, NULL, "linux", NULL, "x86_64", "qemu");
    assert_default(m, NULL, "linux", NULL, "arm64", "qemu");
    assert_default(m, NULL, "macos", NULL, "x86_64", "qemu");
    assert_default(m, NULL, "macos", NULL, "arm64", "qemu");
    assert_default(m, NULL, "windows", "pro", "x86_64", "hyperv");
    assert_default(m, NULL, "windows", "home", "x86_64", "virtualbox");
    assert_default(m, "1.12", "windows", "home", NULL, "virtualbox");
    vc_target t = {"windows", "home", "x86_64"};
    assert_src_has(vc_matrix_default(m, NULL, &t)->src, "platform: windows");
    vc_matrix_free(m);
}

static void test_matrix__retired(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", TODAY);
    vc_retired *r;
    size_t n;
    vc_matrix_retired(m, NULL, NULL, &r, &n);
    assert_int_equal(n, 3);
    assert_string_equal(r[0].driver->key, "hyperkit");
    assert_string_equal(r[0].platform, "macos");
    assert_string_equal(r[0].version, "1.13");
    assert_string_equal(r[1].driver->key, "lxd");
    assert_string_equal(r[1].platform, "linux");
    assert_string_equal(r[1].version, "1.16");
    assert_string_equal(r[2].driver->key, "libvirt");
    assert_string_equal(r[2].version, "1.16");
    assert_src_has(r[2].src, "platform: linux");
    free(r);
    vc_matrix_retired(m, "1.15", "linux", &r, &n);
    assert_int_equal(n, 0);
    free(r);
    vc_matrix_retired(m, "1.15", NULL, &r, &n);
    assert_int_equal(n, 1);
    free(r);
    vc_matrix_retired(m, "1.12", NULL, &r, &n);
    assert_int_equal(n, 0);
    free(r);
    vc_matrix_free(m);
}

static void test_matrix__exception(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", TODAY);
    assert_int_equal(m->n_exceptions, 1);
    const vc_exception *e = &m->exceptions[0];
    assert_string_equal(e->platform, "macos");
    assert_string_equal(e->from, "hyperkit");
    assert_string_equal(e->to, "qemu");
    assert_int_equal(e->n_states, 1);
    assert_string_equal(e->states[0], "stopped");
    assert_true(vc_exception_active(e, "1.12"));
    assert_true(vc_exception_active(e, "1.16"));
    assert_false(vc_exception_active(e, "1.11"));
    vc_matrix_free(m);
}

static void assert_support(const vc_matrix *m, const char *at,
                           const char *platform, const char *arch,
                           const char *driver, const char *feature,
                           vc_expect want)
{
    vc_target t = {platform, NULL, arch};
    if (strcmp(platform, "windows") == 0)
        t.edition = "pro";
    vc_expect got = vc_matrix_support(
        m, at, &t, driver, vc_matrix_feature(m, feature), NULL, NULL);
    if (got != want)
        fail_msg("%s of %s on %s at %s: %s, want %s", feature, driver, platform,
                 at ? at : "current", vc_expect_name(got),
                 vc_expect_name(want));
}

/* The table and its history: each feature, driver, platform, release. */
static void test_matrix__feature_support(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", TODAY);
    assert_support(m, NULL, "windows", NULL, "hyperv", "native_mounts",
                   VC_EXPECT_SUPPORTED);
    assert_support(m, NULL, "linux", NULL, "qemu", "native_mounts",
                   VC_EXPECT_SUPPORTED);
    assert_support(m, NULL, "windows", NULL, "virtualbox", "native_mounts",
                   VC_EXPECT_UNSUPPORTED);
    assert_support(m, NULL, "macos", "x86_64", "virtualbox", "extra_networks",
                   VC_EXPECT_SUPPORTED);
    assert_support(m, NULL, "macos", NULL, "qemu", "extra_networks",
                   VC_EXPECT_SUPPORTED);
    assert_support(m, NULL, "linux", NULL, "qemu", "extra_networks",
                   VC_EXPECT_UNSUPPORTED);
    assert_support(m, "1.14", "windows", NULL, "virtualbox", "snapshots",
                   VC_EXPECT_UNSUPPORTED);
    assert_support(m, "1.15", "windows", NULL, "virtualbox", "snapshots",
                   VC_EXPECT_SUPPORTED);
    assert_support(m, "1.15", "linux", NULL, "libvirt", "suspend",
                   VC_EXPECT_SUPPORTED);
    assert_support(m, "1.16", "linux", NULL, "libvirt", "suspend",
                   VC_EXPECT_RETIRED);
    assert_support(m, NULL, "linux", NULL, "hyperv", "suspend",
                   VC_EXPECT_UNAVAILABLE);
    assert_support(m, NULL, "windows", NULL, "hyperv", "guest_exec",
                   VC_EXPECT_UNSUPPORTED);
    /* the support entry, and where it was written */
    vc_target t = {"windows", "home", "x86_64"};
    vc_src src;
    const vc_support *s;
    assert_int_equal(vc_matrix_support(m, NULL, &t, "virtualbox",
                                       vc_matrix_feature(m, "snapshots"), &src,
                                       &s),
                     VC_EXPECT_SUPPORTED);
    assert_string_equal(s->range.since, "1.15");
    assert_src_has(src, "driver: virtualbox");
    vc_matrix_free(m);
}

/* ---- the corpus of bad matrices ----------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Each tests/data/matrix-bad/NAME.yaml is loaded on top of the small valid
 * matrix in tests/data/matrix-base (or alone when its first line says
 * "standalone"), from tests/data so names stay short, and must fail with
 * exactly the messages of NAME.expected, in order.
 */
static void test_matrix__bad_corpus(void **state)
{
    (void)state;
    char *data = src_path("tests/data");
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(data), 0);
    static const char *const base[] = {
        "matrix-base/base.yaml", "matrix-base/cases.yaml",
        "matrix-base/drivers.yaml", "matrix-base/features.yaml",
        "matrix-base/platforms.yaml"};
    vu_strv names = VU_STRV_INIT;
    DIR *d = opendir("matrix-bad");
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        if (vu_ends_with(e->d_name, ".yaml"))
            vu_strv_add(&names, e->d_name);
    closedir(d);
    qsort(names.v, names.n, sizeof *names.v, cmp_names);
    assert_true(names.n >= 15);
    int failures = 0;
    for (size_t i = 0; i < names.n; i++) {
        char *path = vu_asprintf("matrix-bad/%s", names.v[i]);
        char *exp_path = vu_asprintf("matrix-bad/%.*s.expected",
                                     (int)(strlen(names.v[i]) - 5), names.v[i]);
        char *text = NULL, *expected = NULL;
        size_t len;
        assert_int_equal(vu_read_file(path, &text, &len), 0);
        if (vu_read_file(exp_path, &expected, &len) != 0) {
            print_error("%s: missing\n", exp_path);
            failures++;
            goto next;
        }
        const char *files[8];
        size_t n = 0;
        if (!strstr(text, "standalone"))
            for (size_t k = 0; k < 5; k++)
                files[n++] = base[k];
        files[n++] = path;
        vc_matrix *m = NULL;
        vu_strv errs = VU_STRV_INIT;
        int rc = vc_matrix_load_files(&m, files, n, TODAY, &errs);
        vu_buf got = VU_BUF_INIT;
        for (size_t k = 0; k < errs.n; k++)
            vu_buf_printf(&got, "%s\n", errs.v[k]);
        if (rc != -1 || m != NULL) {
            print_error("%s: loaded, but must fail\n", path);
            failures++;
        } else if (strcmp(vu_buf_str(&got), expected) != 0) {
            print_error("%s: messages differ\n--- expected\n%s--- got\n%s",
                        path, expected, vu_buf_str(&got));
            failures++;
        }
        vc_matrix_free(m);
        vu_buf_clear(&got);
        vu_strv_clear(&errs);
    next:
        free(text);
        free(expected);
        free(path);
        free(exp_path);
    }
    vu_strv_clear(&names);
    assert_int_equal(chdir(cwd), 0);
    free(data);
    assert_int_equal(failures, 0);
}

/* The corpus's base matrix is itself valid (so each file tests one thing). */
static void test_matrix__base_is_valid(void **state)
{
    (void)state;
    vc_matrix_free(load_matrix("tests/data/matrix-base", TODAY));
}

static void test_matrix__folder_errors(void **state)
{
    (void)state;
    vc_matrix *m = (vc_matrix *)1;
    vu_strv errs = VU_STRV_INIT;
    assert_int_equal(vc_matrix_load(&m, "/nonexistent/matrix", TODAY, &errs),
                     -1);
    assert_null(m);
    assert_int_equal(errs.n, 1);
    assert_string_equal(errs.v[0], "/nonexistent/matrix: cannot open the "
                                   "matrix folder: No such file or directory");
    vu_strv_clear(&errs);
    char *dir = src_path("tests/data/golden");
    assert_int_equal(vc_matrix_load(&m, dir, TODAY, &errs), -1);
    assert_int_equal(errs.n, 1);
    assert_true(vu_ends_with(errs.v[0], ": no *.yaml files: not a matrix "
                                        "folder"));
    vu_strv_clear(&errs);
    free(dir);
}

/* The hash covers names and contents, not the order files are given in. */
static void test_matrix__hash(void **state)
{
    (void)state;
    char *data = src_path("tests/data/matrix-base");
    const char *names[] = {"base.yaml", "cases.yaml", "drivers.yaml",
                           "features.yaml", "platforms.yaml"};
    char *fwd[5], *rev[5];
    for (int i = 0; i < 5; i++) {
        fwd[i] = vu_path_join(data, names[i]);
        rev[4 - i] = fwd[i];
    }
    vc_matrix *a, *b;
    vu_strv errs = VU_STRV_INIT;
    assert_int_equal(
        vc_matrix_load_files(&a, (const char *const *)fwd, 5, TODAY, &errs), 0);
    assert_int_equal(
        vc_matrix_load_files(&b, (const char *const *)rev, 5, TODAY, &errs), 0);
    assert_string_equal(a->hash_str, b->hash_str);
    vc_matrix *shipped = load_matrix("matrix", TODAY);
    assert_string_not_equal(a->hash_str, shipped->hash_str);
    vc_matrix_free(shipped);
    vc_matrix_free(a);
    vc_matrix_free(b);
    for (int i = 0; i < 5; i++)
        free(fwd[i]);
    free(data);
}

/* ---- cells
 * ------------------------------------------------------------------- */

static const vc_cell *find_cell(const vc_cells *cells, const char *host,
                                const char *driver, const char *case_id)
{
    for (size_t i = 0; i < cells->n; i++) {
        char h[128];
        vc_cell_host_name(&cells->v[i], h, sizeof h);
        if (strcmp(h, host) == 0 &&
            strcmp(cells->v[i].driver->key, driver) == 0 &&
            strcmp(cells->v[i].kase->id, case_id) == 0)
            return &cells->v[i];
    }
    return NULL;
}

static void expand(const vc_matrix *m, const vc_filter *f, vc_cells *cells)
{
    vu_strv errs = VU_STRV_INIT;
    int rc = vc_matrix_cells(m, f, cells, &errs);
    for (size_t i = 0; i < errs.n; i++)
        print_error("%s\n", errs.v[i]);
    assert_int_equal(rc, 0);
    vu_strv_clear(&errs);
}

static void test_matrix__cells_expansion(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", TODAY);
    vc_cells cells;
    expand(m, NULL, &cells);
    assert_string_equal(cells.at, "1.16");
    /* 6 hosts; defaults.* once per host; migration.* on macOS for qemu;
       every other case once per driver */
    size_t n_def = 0, n_mig = 0, n_other = 0;
    for (size_t i = 0; i < m->n_cases; i++) {
        if (m->cases[i].area == VC_AREA_DEFAULTS)
            n_def++;
        else if (m->cases[i].area == VC_AREA_MIGRATION)
            n_mig++;
        else
            n_other++;
    }
    assert_int_equal(cells.n,
                     6 * n_def + 2 * n_mig + 6 * m->n_drivers * n_other);
    const vc_cell *c;
    c = find_cell(&cells, "linux/x86_64", "qemu", "lifecycle.start_stop");
    assert_non_null(c);
    assert_int_equal(c->expect, VC_EXPECT_SUPPORTED);
    assert_true(c->must_run);
    assert_int_equal(c->timeout, 300);
    assert_null(c->feature);
    assert_src_has(c->src, "platform: linux");
    c = find_cell(&cells, "windows/home/x86_64", "hyperv",
                  "lifecycle.start_stop");
    assert_int_equal(c->expect, VC_EXPECT_UNAVAILABLE);
    assert_false(c->must_run);
    c = find_cell(&cells, "linux/arm64", "lxd", "setting.select_driver");
    assert_int_equal(c->expect, VC_EXPECT_RETIRED);
    assert_string_equal(c->retired_in, "1.16");
    c = find_cell(&cells, "windows/pro/x86_64", "virtualbox",
                  "feature.native_mounts.mount_umount");
    assert_int_equal(c->expect, VC_EXPECT_UNSUPPORTED);
    assert_true(c->must_run); /* called, and must answer NOTSUP */
    assert_string_equal(c->feature->key, "native_mounts");
    assert_src_has(c->src, "key: native_mounts");
    c = find_cell(&cells, "windows/pro/x86_64", "hyperv",
                  "feature.native_mounts.read_write_in_guest");
    assert_int_equal(c->expect, VC_EXPECT_SUPPORTED);
    assert_int_equal(c->requires, VMDRV_CAP_BIT(VMDRV_CAP_GUEST_EXEC));
    assert_int_equal(c->missing, VMDRV_CAP_BIT(VMDRV_CAP_GUEST_EXEC));
    c = find_cell(&cells, "linux/x86_64", "qemu",
                  "feature.native_mounts.read_write_in_guest");
    assert_int_equal(c->missing, 0);
    /* defaults: one cell per host, for its default driver */
    assert_non_null(find_cell(&cells, "windows/home/x86_64", "virtualbox",
                              "defaults.default_driver"));
    assert_null(find_cell(&cells, "windows/home/x86_64", "hyperv",
                          "defaults.default_driver"));
    assert_non_null(find_cell(&cells, "windows/pro/x86_64", "hyperv",
                              "defaults.default_driver"));
    c = find_cell(&cells, "macos/arm64", "qemu", "defaults.default_driver");
    assert_src_has(c->src, "platform: macos");
    /* migration: macOS, to qemu, with the exception */
    c = find_cell(&cells, "macos/x86_64", "qemu", "migration.stopped_migrated");
    assert_non_null(c);
    assert_string_equal(c->exception->key, "hyperkit_to_qemu");
    assert_null(find_cell(&cells, "linux/x86_64", "qemu",
                          "migration.stopped_migrated"));
    vc_cells_free(&cells);
    /* before 1.12 there is no migration, and LXD is still offered */
    vc_filter f = {.at = "1.11"};
    expand(m, &f, &cells);
    assert_null(find_cell(&cells, "macos/x86_64", "qemu",
                          "migration.stopped_migrated"));
    c = find_cell(&cells, "linux/x86_64", "lxd", "lifecycle.start_stop");
    assert_int_equal(c->expect, VC_EXPECT_SUPPORTED);
    c = find_cell(&cells, "windows/home/x86_64", "virtualbox",
                  "feature.snapshots.restore");
    assert_int_equal(c->expect, VC_EXPECT_UNSUPPORTED);
    vc_cells_free(&cells);
    vc_matrix_free(m);
}

static void test_matrix__cells_filters(void **state)
{
    (void)state;
    vc_matrix *m = load_matrix("matrix", TODAY);
    vc_cells cells;
    vc_filter f = {.target = {"windows", "home", "x86_64"}};
    expand(m, &f, &cells);
    for (size_t i = 0; i < cells.n; i++) {
        assert_string_equal(cells.v[i].platform->key, "windows");
        assert_string_equal(cells.v[i].edition->key, "home");
    }
    assert_true(cells.n > 0);
    vc_cells_free(&cells);
    f.available_only = 1;
    f.driver = "hyperv";
    expand(m, &f, &cells);
    assert_int_equal(cells.n, 0);
    vc_cells_free(&cells);
    vc_filter g = {.driver = "test",
                   .case_re = "^feature\\.snapshots\\.",
                   .available_only = 1};
    expand(m, &g, &cells);
    assert_int_equal(cells.n, 6 * 4);
    for (size_t i = 0; i < cells.n; i++)
        assert_int_equal(cells.v[i].expect, VC_EXPECT_SUPPORTED);
    vc_cells_free(&cells);
    vc_filter h = {.feature = "suspend", .target = {"linux", NULL, NULL}};
    expand(m, &h, &cells);
    for (size_t i = 0; i < cells.n; i++)
        assert_string_equal(cells.v[i].feature->key, "suspend");
    assert_int_equal(cells.n, 2 * m->n_drivers * 3);
    vc_cells_free(&cells);
    vu_strv errs = VU_STRV_INIT;
    vc_filter bad = {.case_re = "("};
    assert_int_equal(vc_matrix_cells(m, &bad, &cells, &errs), -1);
    assert_true(vu_starts_with(errs.v[0], "invalid case pattern '(': "));
    vu_strv_clear(&errs);
    vc_filter badv = {.at = "latest"};
    assert_int_equal(vc_matrix_cells(m, &badv, &cells, &errs), -1);
    assert_string_equal(errs.v[0], "invalid version 'latest': expected "
                                   "numbers separated by dots, such as "
                                   "'1.16'");
    vu_strv_clear(&errs);
    vc_matrix_free(m);
}

/* A known-broken entry turns its cells into xfail candidates, and no other. */
static void test_matrix__known_broken(void **state)
{
    (void)state;
    char *data = src_path("tests/data");
    const char *rel[] = {
        "matrix-base/base.yaml",      "matrix-base/cases.yaml",
        "matrix-base/drivers.yaml",   "matrix-base/features.yaml",
        "matrix-base/platforms.yaml", "matrix-overlay/known-broken.yaml"};
    char *files[6];
    for (int i = 0; i < 6; i++)
        files[i] = vu_path_join(data, rel[i]);
    vc_matrix *m;
    vu_strv errs = VU_STRV_INIT;
    int rc =
        vc_matrix_load_files(&m, (const char *const *)files, 6, TODAY, &errs);
    for (size_t i = 0; i < errs.n; i++)
        print_error("%s\n", errs.v[i]);
    assert_int_equal(rc, 0);
    vc_cells cells;
    expand(m, NULL, &cells);
    const vc_cell *c = find_cell(&cells, "windows/home/x86_64", "virtualbox",
                                 "feature.snapshots.take_restore");
    assert_int_equal(c->expect, VC_EXPECT_KNOWN_BROKEN);
    assert_int_equal(c->base, VC_EXPECT_SUPPORTED);
    assert_string_equal(c->broken->link,
                        "https://github.com/canonical/multipass/issues/9999");
    assert_string_equal(c->broken->expires, "2099-12-31");
    assert_true(c->must_run);
    c = find_cell(&cells, "windows/pro/x86_64", "virtualbox",
                  "feature.snapshots.take_restore");
    assert_int_equal(c->expect, VC_EXPECT_SUPPORTED);
    c = find_cell(&cells, "windows/home/x86_64", "virtualbox",
                  "lifecycle.start_stop");
    assert_int_equal(c->expect, VC_EXPECT_SUPPORTED);
    /* the same matrix is fine today, and stale once the day has passed */
    vc_cells_free(&cells);
    vc_matrix_free(m);
    assert_int_equal(vc_matrix_load_files(&m, (const char *const *)files, 6,
                                          "2099-12-31", &errs),
                     0);
    vc_matrix_free(m);
    assert_int_equal(vc_matrix_load_files(&m, (const char *const *)files, 6,
                                          "2100-01-01", &errs),
                     -1);
    assert_int_equal(errs.n, 1);
    assert_true(vu_ends_with(errs.v[0],
                             "matrix-overlay/known-broken.yaml:8:14: "
                             "known-broken entry expired on '2099-12-31' "
                             "(today is '2100-01-01'): fix the cell or "
                             "extend the entry"));
    vu_strv_clear(&errs);
    for (int i = 0; i < 6; i++)
        free(files[i]);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix__version_order),
        cmocka_unit_test(test_matrix__version_ranges),
        cmocka_unit_test(test_matrix__shipped_loads),
        cmocka_unit_test(test_matrix__shipped_cases),
        cmocka_unit_test(test_matrix__availability),
        cmocka_unit_test(test_matrix__defaults),
        cmocka_unit_test(test_matrix__retired),
        cmocka_unit_test(test_matrix__exception),
        cmocka_unit_test(test_matrix__feature_support),
        cmocka_unit_test(test_matrix__bad_corpus),
        cmocka_unit_test(test_matrix__base_is_valid),
        cmocka_unit_test(test_matrix__folder_errors),
        cmocka_unit_test(test_matrix__hash),
        cmocka_unit_test(test_matrix__cells_expansion),
        cmocka_unit_test(test_matrix__cells_filters),
        cmocka_unit_test(test_matrix__known_broken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
