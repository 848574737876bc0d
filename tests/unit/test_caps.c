/*
 * test_caps.c: capabilities and instance states come from one X-macro
 * list each; enum, display name, YAML key and message phrase must agree,
 * and the state values are Multipass's, which its records store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "vmdrv/caps.h"

static void test_caps__required_capabilities(void **state)
{
    (void)state;
    static const struct {
        vmdrv_cap cap;
        const char *key, *display;
    } want[] = {
        {VMDRV_CAP_NATIVE_MOUNTS, "native_mounts", "Native mounts"},
        {VMDRV_CAP_EXTRA_NETWORKS, "extra_networks", "Extra networks"},
        {VMDRV_CAP_SNAPSHOTS, "snapshots", "Snapshots"},
        {VMDRV_CAP_SUSPEND, "suspend", "VM suspension"},
        {VMDRV_CAP_GUEST_EXEC, "guest_exec", "Guest exec"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_string_equal(vmdrv_cap_key(want[i].cap), want[i].key);
        assert_string_equal(vmdrv_cap_display(want[i].cap), want[i].display);
        assert_int_equal(vmdrv_cap_from_key(want[i].key), want[i].cap);
    }
}

static void test_caps__list_is_consistent(void **state)
{
    (void)state;
    for (int c = 0; c < VMDRV_CAP__COUNT; c++) {
        const char *key = vmdrv_cap_key((vmdrv_cap)c);
        assert_non_null(key);
        assert_non_null(vmdrv_cap_display((vmdrv_cap)c));
        assert_non_null(vmdrv_cap_phrase((vmdrv_cap)c));
        assert_int_equal(vmdrv_cap_from_key(key), c);
        /* YAML keys are lower_snake_case */
        for (const char *p = key; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
        for (int d = c + 1; d < VMDRV_CAP__COUNT; d++)
            assert_string_not_equal(key, vmdrv_cap_key((vmdrv_cap)d));
    }
    /* one bit per capability, all inside the mask */
    for (int c = 0; c < VMDRV_CAP__COUNT; c++)
        assert_true(VMDRV_CAPS_ALL & VMDRV_CAP_BIT(c));
    assert_false(VMDRV_CAPS_ALL & VMDRV_CAP_BIT(VMDRV_CAP__COUNT));
}

static void test_caps__unknown_capability(void **state)
{
    (void)state;
    assert_null(vmdrv_cap_key(VMDRV_CAP__COUNT));
    assert_null(vmdrv_cap_display((vmdrv_cap)-1));
    assert_null(vmdrv_cap_phrase((vmdrv_cap)99));
    assert_int_equal(vmdrv_cap_from_key("teleport"), -1);
    assert_int_equal(vmdrv_cap_from_key("Snapshots"), -1);
    assert_int_equal(vmdrv_cap_from_key(""), -1);
    assert_int_equal(vmdrv_cap_from_key(NULL), -1);
}

static void test_caps__states_in_multipass_order(void **state)
{
    (void)state;
    static const char *const names[] = {
        "off",       "stopped",          "starting",   "restarting",
        "running",   "delayed_shutdown", "suspending", "suspended",
        "unknown",   "unavailable"};
    assert_int_equal(sizeof names / sizeof names[0], VMDRV_STATE__COUNT);
    for (int s = 0; s < VMDRV_STATE__COUNT; s++) {
        assert_string_equal(vmdrv_state_name(s), names[s]);
        assert_int_equal(vmdrv_state_from_name(names[s]), s);
    }
    assert_int_equal(VMDRV_STATE_RUNNING, 4);
    assert_int_equal(VMDRV_STATE_SUSPENDED, 7);
    assert_int_equal(VMDRV_STATE_UNAVAILABLE, 9);
}

static void test_caps__unknown_state(void **state)
{
    (void)state;
    assert_null(vmdrv_state_name(-1));
    assert_null(vmdrv_state_name(VMDRV_STATE__COUNT));
    assert_int_equal(vmdrv_state_from_name("Running"), -1);
    assert_int_equal(vmdrv_state_from_name("paused"), -1);
    assert_int_equal(vmdrv_state_from_name(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps__required_capabilities),
        cmocka_unit_test(test_caps__list_is_consistent),
        cmocka_unit_test(test_caps__unknown_capability),
        cmocka_unit_test(test_caps__states_in_multipass_order),
        cmocka_unit_test(test_caps__unknown_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
