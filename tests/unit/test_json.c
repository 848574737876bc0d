/*
 * test_json.c: the jansson helpers of sdk/util/vu_json: loading with a
 * "file:line:col: message" error (and no made-up position when the file
 * cannot be read), duplicate keys refused, and atomic writes that read
 * back the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "found_helpers.h"
#include "vu_json.h"

static void test_json__round_trip(void **state)
{
    (void)state;
    char *dir = fh_tmpdir();
    char *path = vu_path_join(dir, "r.json");
    json_t *j = json_pack("{s:i,s:s,s:[i,i]}", "schema", 1, "name", "vm",
                          "list", 1, 2);
    assert_int_equal(vu_json_write_atomic(path, j), 0);
    char err[256] = "";
    json_t *back = vu_json_load_file(path, err, sizeof err);
    assert_non_null(back);
    assert_true(json_equal(j, back));
    assert_string_equal(vu_json_str(back, "name", "?"), "vm");
    assert_string_equal(vu_json_str(back, "missing", "dflt"), "dflt");
    assert_string_equal(vu_json_str(back, "schema", "not-a-string"),
                        "not-a-string");
    /* keys keep their order and the file ends with a newline */
    char *text;
    size_t len;
    assert_int_equal(vu_read_file(path, &text, &len), 0);
    assert_true(strstr(text, "\"schema\"") < strstr(text, "\"name\""));
    assert_int_equal(text[len - 1], '\n');
    free(text);
    json_decref(back);
    json_decref(j);
    free(path);
    fh_rmdir(dir);
}

static void test_json__errors_name_position(void **state)
{
    (void)state;
    char *dir = fh_tmpdir();
    char *bad = fh_write(dir, "bad.json", "{\n  \"a\": 1,\n  \"b\": }\n");
    char err[256] = "";
    assert_null(vu_json_load_file(bad, err, sizeof err));
    char *prefix = vu_asprintf("%s:3:8: ", bad);
    if (!vu_starts_with(err, prefix))
        print_error("got '%s'\n", err);
    assert_true(vu_starts_with(err, prefix));
    free(prefix);

    char *dup = fh_write(dir, "dup.json", "{\"a\": 1, \"a\": 2}");
    assert_null(vu_json_load_file(dup, err, sizeof err));
    assert_non_null(strstr(err, "duplicate object key"));

    char *missing = vu_path_join(dir, "missing.json");
    assert_null(vu_json_load_file(missing, err, sizeof err));
    char *want = vu_asprintf("%s: unable to open %s: No such file or "
                             "directory",
                             missing, missing);
    assert_string_equal(err, want);
    free(want);
    free(missing);
    free(dup);
    free(bad);
    fh_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json__round_trip),
        cmocka_unit_test(test_json__errors_name_position),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
