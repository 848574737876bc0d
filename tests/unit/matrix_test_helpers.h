/*
 * matrix_test_helpers.h: helpers shared by the matrix, table and
 * docs-check unit tests: paths in the source tree, reading a file of it,
 * and loading a matrix folder that must load without a problem.
 *
 * Include after <cmocka.h>.
 */
#ifndef MATRIX_TEST_HELPERS_H
#define MATRIX_TEST_HELPERS_H

#include <stdlib.h>

#include "matrix.h"
#include "vu_fs.h"
#include "vu_str.h"

/* rel in the source tree ($VMDRV_SOURCE_DIR, else this folder); owned. */
static inline char *src_path(const char *rel)
{
    const char *root = getenv("VMDRV_SOURCE_DIR");
    return vu_path_join(root && *root ? root : ".", rel);
}

/* The text of rel in the source tree; fails the test when unreadable. */
/* not inlined: GCC 12 at -O2 then takes the returned buffer for a pointer
 * to this function's local and warns (-Wdangling-pointer) in callers */
__attribute__((noinline, unused)) static char *read_src(const char *rel)
{
    char *path = src_path(rel), *text = NULL;
    size_t len;
    if (vu_read_file(path, &text, &len) != 0)
        fail_msg("cannot read '%s'", path);
    free(path);
    return text;
}

/* The matrix folder rel of the source tree, judged on today (NULL: no
   expiry check); fails the test, printing each problem, unless it loads. */
static inline vc_matrix *load_matrix(const char *rel, const char *today)
{
    char *dir = src_path(rel);
    vc_matrix *m = NULL;
    vu_strv errs = VU_STRV_INIT;
    int rc = vc_matrix_load(&m, dir, today, &errs);
    for (size_t i = 0; i < errs.n; i++)
        print_error("%s\n", errs.v[i]);
    assert_int_equal(rc, 0);
    assert_non_null(m);
    vu_strv_clear(&errs);
    free(dir);
    return m;
}

#endif
