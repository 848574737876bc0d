/*
 * test_yaml.c: the YAML tree of sdk/util/vu_yaml: node kinds and their
 * 1-based line and column, and every error named "file:line:col:
 * message": syntax errors, duplicate keys, aliases, several documents,
 * unknown and missing keys, wrong types.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "found_helpers.h"
#include "vu_yaml.h"

static vu_ydoc *load(const char *text)
{
    vu_ydoc *doc = NULL;
    char err[512] = "";
    if (vu_yaml_load_string("t.yaml", text, strlen(text), &doc, err,
                            sizeof err) != 0)
        print_error("unexpected load error: %s\n", err);
    assert_non_null(doc);
    return doc;
}

/* Loading text fails with exactly want. */
static void load_fails(const char *text, const char *want)
{
    vu_ydoc *doc = (vu_ydoc *)1;
    char err[512] = "";
    assert_int_equal(vu_yaml_load_string("t.yaml", text, strlen(text), &doc,
                                         err, sizeof err),
                     -1);
    assert_null(doc);
    assert_string_equal(err, want);
}

static void test_yaml__tree_with_positions(void **state)
{
    (void)state;
    vu_ydoc *doc = load("a: 1\n"
                        "b:\n"
                        "  - x\n"
                        "  - \"y\"\n"
                        "c: {d: e}\n");
    vu_ynode *root = doc->root;
    assert_int_equal(root->kind, VU_Y_MAP);
    assert_int_equal(root->n, 3);
    assert_int_equal(root->line, 1);
    assert_int_equal(root->col, 1);
    vu_ynode *a = vu_ymap_get(root, "a");
    assert_string_equal(a->scalar, "1");
    assert_int_equal(a->line, 1);
    assert_int_equal(a->col, 4);
    assert_true(a->plain);
    vu_ynode *b = vu_ymap_get(root, "b");
    assert_int_equal(b->kind, VU_Y_SEQ);
    assert_int_equal(b->n, 2);
    assert_int_equal(b->line, 3);
    assert_int_equal(b->col, 3);
    assert_string_equal(b->items[1]->scalar, "y");
    assert_false(b->items[1]->plain);
    assert_int_equal(b->items[1]->line, 4);
    assert_int_equal(b->items[1]->col, 5);
    vu_ynode *c = vu_ymap_get(root, "c");
    assert_int_equal(c->kind, VU_Y_MAP);
    assert_int_equal(c->line, 5);
    assert_int_equal(c->col, 4);
    assert_string_equal(vu_ymap_get(c, "d")->scalar, "e");
    vu_ynode *ckey = vu_ymap_key(root, "c");
    assert_int_equal(ckey->line, 5);
    assert_int_equal(ckey->col, 1);
    assert_null(vu_ymap_get(root, "zz"));
    assert_null(vu_ymap_get(b, "x")); /* not a mapping */
    vu_ydoc_free(doc);
}

static void test_yaml__empty_documents(void **state)
{
    (void)state;
    const char *texts[] = {"", "# only a comment\n", "---\n", "---\n...\n"};
    for (size_t i = 0; i < 4; i++) {
        vu_ydoc *doc = load(texts[i]);
        if (i < 2)
            assert_null(doc->root);
        vu_ydoc_free(doc);
    }
}

static void test_yaml__syntax_error_has_position(void **state)
{
    (void)state;
    load_fails("a: [1, 2\nb: 3\n",
               "t.yaml:2:2: did not find expected ',' or ']' while parsing "
               "a flow sequence");
    load_fails("a: 1\n b: 2\n",
               "t.yaml:2:3: mapping values are not allowed in this context");
    load_fails("a:\n\t- x\n",
               "t.yaml:2:1: found character that cannot start any token "
               "while scanning for the next token");
}

static void test_yaml__duplicate_key(void **state)
{
    (void)state;
    load_fails("a: 1\nb: 2\na: 3\n",
               "t.yaml:3:1: duplicate key 'a' (first at line 1)");
    load_fails("m:\n  k: 1\n  k: 2\n",
               "t.yaml:3:3: duplicate key 'k' (first at line 2)");
}

static void test_yaml__alias_refused(void **state)
{
    (void)state;
    load_fails("a: &x 1\nb: *x\n", "t.yaml:2:4: aliases are not supported");
}

static void test_yaml__one_document_only(void **state)
{
    (void)state;
    load_fails("a: 1\n---\nb: 2\n",
               "t.yaml:2:1: only one YAML document is allowed per file");
}

static void test_yaml__keys_must_be_scalars(void **state)
{
    (void)state;
    load_fails("? [a]\n: 1\n", "t.yaml:1:3: mapping keys must be scalars");
}

static void test_yaml__unreadable_file(void **state)
{
    (void)state;
    vu_ydoc *doc;
    char err[512];
    assert_int_equal(vu_yaml_load_file("/nonexistent/x.yaml", &doc, err,
                                       sizeof err),
                     -1);
    assert_null(doc);
    assert_string_equal(err, "/nonexistent/x.yaml: cannot read: No such "
                             "file or directory");
}

static void test_yaml__load_file(void **state)
{
    (void)state;
    char *dir = fh_tmpdir();
    char *path = fh_write(dir, "f.yaml", "k: v\n");
    vu_ydoc *doc;
    char err[512];
    assert_int_equal(vu_yaml_load_file(path, &doc, err, sizeof err), 0);
    assert_string_equal(doc->file, path);
    assert_string_equal(vu_ymap_get(doc->root, "k")->scalar, "v");
    vu_ydoc_free(doc);
    free(path);
    fh_rmdir(dir);
}

static void test_yaml__unknown_and_missing_keys(void **state)
{
    (void)state;
    vu_ydoc *doc = load("name: x\nbogus: 1\nos: linux\nextra: 2\n");
    static const char *const allowed[] = {"name", "os", "arch", NULL};
    static const char *const required[] = {"name", "arch", NULL};
    vu_strv errs = VU_STRV_INIT;
    assert_int_equal(vu_ycheck_keys(&errs, doc, doc->root, allowed), -1);
    assert_int_equal(errs.n, 2);
    assert_string_equal(errs.v[0], "t.yaml:2:1: unknown key 'bogus' (valid "
                                   "keys: name, os, arch)");
    assert_string_equal(errs.v[1], "t.yaml:4:1: unknown key 'extra' (valid "
                                   "keys: name, os, arch)");
    vu_strv_clear(&errs);
    assert_int_equal(vu_ycheck_required(&errs, doc, doc->root, required), -1);
    assert_int_equal(errs.n, 1);
    assert_string_equal(errs.v[0], "t.yaml:1:1: missing required key 'arch'");
    vu_strv_clear(&errs);
    static const char *const all[] = {"name", "bogus", "os", "extra", NULL};
    assert_int_equal(vu_ycheck_keys(&errs, doc, doc->root, all), 0);
    assert_int_equal(errs.n, 0);
    vu_ydoc_free(doc);
}

static void test_yaml__wrong_types(void **state)
{
    (void)state;
    vu_ydoc *doc = load("s: [1]\n"
                        "i: '12'\n"
                        "f: 1.5\n"
                        "big: 99999999999999999999\n"
                        "ok: -42\n"
                        "b: yes\n"
                        "t: true\n"
                        "m: {}\n");
    vu_strv errs = VU_STRV_INIT;
    const char *s;
    long long i;
    int b;
    vu_ynode *root = doc->root;
    assert_int_equal(vu_yget_str(&errs, doc, vu_ymap_get(root, "s"), &s), -1);
    assert_int_equal(vu_yget_int(&errs, doc, vu_ymap_get(root, "i"), &i), -1);
    assert_int_equal(vu_yget_int(&errs, doc, vu_ymap_get(root, "f"), &i), -1);
    assert_int_equal(vu_yget_int(&errs, doc, vu_ymap_get(root, "big"), &i),
                     -1);
    assert_int_equal(vu_yget_int(&errs, doc, vu_ymap_get(root, "s"), &i), -1);
    assert_int_equal(vu_yget_bool(&errs, doc, vu_ymap_get(root, "b"), &b), -1);
    assert_int_equal(vu_yexpect(&errs, doc, vu_ymap_get(root, "m"), VU_Y_SEQ,
                                "tools"),
                     -1);
    assert_int_equal(vu_yget_str(&errs, doc, NULL, &s), -1);
    static const char *const want[] = {
        "t.yaml:1:4: expected a string, found a sequence",
        "t.yaml:2:4: expected an integer, found '12'",
        "t.yaml:3:4: expected an integer, found '1.5'",
        "t.yaml:4:6: expected an integer, found '99999999999999999999'",
        "t.yaml:1:4: expected an integer, found a sequence",
        "t.yaml:6:4: expected true or false, found 'yes'",
        "t.yaml:8:4: tools: expected a sequence, found a mapping",
        "t.yaml:1:1: expected a string, found nothing",
    };
    assert_int_equal(errs.n, sizeof want / sizeof want[0]);
    for (size_t k = 0; k < errs.n; k++)
        assert_string_equal(errs.v[k], want[k]);
    vu_strv_clear(&errs);

    assert_int_equal(vu_yget_int(&errs, doc, vu_ymap_get(root, "ok"), &i), 0);
    assert_int_equal(i, -42);
    assert_int_equal(vu_yget_bool(&errs, doc, vu_ymap_get(root, "t"), &b), 0);
    assert_int_equal(b, 1);
    assert_int_equal(errs.n, 0);
    vu_ydoc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml__tree_with_positions),
        cmocka_unit_test(test_yaml__empty_documents),
        cmocka_unit_test(test_yaml__syntax_error_has_position),
        cmocka_unit_test(test_yaml__duplicate_key),
        cmocka_unit_test(test_yaml__alias_refused),
        cmocka_unit_test(test_yaml__one_document_only),
        cmocka_unit_test(test_yaml__keys_must_be_scalars),
        cmocka_unit_test(test_yaml__unreadable_file),
        cmocka_unit_test(test_yaml__load_file),
        cmocka_unit_test(test_yaml__unknown_and_missing_keys),
        cmocka_unit_test(test_yaml__wrong_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
