/*
 * test_types.c: the value types of vmdrv/types.h: instance name rules
 * (Multipass's), info details, and the lists drivers fill and callers
 * free.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "vmdrv/types.h"

static void test_types__valid_names(void **state)
{
    (void)state;
    static const char *const good[] = {"a", "web1", "my-vm", "A9", "x-1-y",
                                       NULL};
    for (size_t i = 0; good[i]; i++)
        assert_true(vmdrv_name_valid(good[i]));
    char longest[VMDRV_NAME_MAX + 1];
    memset(longest, 'a', VMDRV_NAME_MAX);
    longest[VMDRV_NAME_MAX] = '\0';
    assert_true(vmdrv_name_valid(longest));
}

static void test_types__invalid_names(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",          "1abc",     "-abc",   "abc-",     "a_b",   "a b",
        "a.b",       "a/b",      "../x",   "a;rm -rf", "a$(id)", "caf\xc3\xa9",
        "a\nb",      "$x",       "a'b",    "a\"b",     NULL};
    for (size_t i = 0; bad[i]; i++) {
        if (vmdrv_name_valid(bad[i]))
            print_error("accepted '%s'\n", bad[i]);
        assert_false(vmdrv_name_valid(bad[i]));
    }
    assert_false(vmdrv_name_valid(NULL));
    char too_long[VMDRV_NAME_MAX + 2];
    memset(too_long, 'a', VMDRV_NAME_MAX + 1);
    too_long[VMDRV_NAME_MAX + 1] = '\0';
    assert_false(vmdrv_name_valid(too_long));
}

static void test_types__info_details(void **state)
{
    (void)state;
    vmdrv_info info;
    memset(&info, 0, sizeof info);
    vmdrv_info_add(&info, "accel", "%s", "kvm");
    vmdrv_info_add(&info, "cpus", "%d", 4);
    assert_string_equal(vmdrv_info_get(&info, "accel"), "kvm");
    assert_string_equal(vmdrv_info_get(&info, "cpus"), "4");
    assert_null(vmdrv_info_get(&info, "missing"));
    /* past the maximum, details are dropped, never overflowed */
    for (int i = 0; i < 2 * VMDRV_INFO_DETAILS_MAX; i++)
        vmdrv_info_add(&info, "k", "%d", i);
    assert_int_equal(info.n_details, VMDRV_INFO_DETAILS_MAX);
}

static void test_types__lists_grow_and_clear(void **state)
{
    (void)state;
    vmdrv_names names = {0};
    vmdrv_snapshots snaps = {0};
    vmdrv_networks nets = {0};
    char buf[16];
    for (int i = 0; i < 100; i++) {
        snprintf(buf, sizeof buf, "n%d", i);
        assert_int_equal(vmdrv_names_add(&names, buf), 0);
        assert_int_equal(vmdrv_snapshots_add(&snaps, buf, i ? "p" : NULL,
                                             i, NULL), 0);
        assert_int_equal(vmdrv_networks_add(&nets, buf, NULL, NULL), 0);
    }
    assert_int_equal(names.count, 100);
    assert_string_equal(names.names[99], "n99");
    assert_string_equal(snaps.items[0].parent, "");
    assert_string_equal(snaps.items[1].parent, "p");
    assert_int_equal(snaps.items[42].created, 42);
    assert_string_equal(nets.items[7].id, "n7");
    assert_string_equal(nets.items[7].type, "");
    vmdrv_names_clear(&names);
    vmdrv_snapshots_clear(&snaps);
    vmdrv_networks_clear(&nets);
    assert_int_equal(names.count, 0);
    assert_null(names.names);
    /* clearing an empty list twice is fine */
    vmdrv_names_clear(&names);
    vmdrv_exec_result r = {0};
    vmdrv_exec_result_clear(&r);
    assert_null(r.output);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types__valid_names),
        cmocka_unit_test(test_types__invalid_names),
        cmocka_unit_test(test_types__info_details),
        cmocka_unit_test(test_types__lists_grow_and_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
