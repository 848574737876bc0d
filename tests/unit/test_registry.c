/*
 * test_registry.c: the driver registry: the built-in drivers (listed even
 * when not built), and plugins loaded from shared objects, with every
 * refusal answered by its own code and message, and a registry that
 * never reads a driver table past the driver's ABI version.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "found_helpers.h"
#include "internal.h"
#include "vmdrv/sys/driver.h"
#include "vmdrv_config.h"

typedef struct fixture {
    char *dir;
    vmdrv_ctx *ctx;
} fixture;

static int setup(void **state)
{
    fixture *f = vu_calloc(1, sizeof *f);
    f->ctx = fh_ctx(&f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    vmdrv_ctx_free(f->ctx);
    fh_rmdir(f->dir);
    free(f);
    return 0;
}

/* A global of a plugin the registry has loaded. */
static void *plugin_sym(const char *path, const char *name)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    assert_non_null(h);
    void *sym = dlsym(h, name);
    assert_non_null(sym);
    dlclose(h); /* drops only our reference: the registry keeps its own */
    return sym;
}

static void test_registry__builtins_listed_built_or_not(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *name, *display;
        int built;
    } want[] = {
        {"test", "Test", VMDRV_HAVE_DRIVER_TEST},
        {"qemu", "QEMU", VMDRV_HAVE_DRIVER_QEMU},
        {"hyperv", "Hyper-V", VMDRV_HAVE_DRIVER_HYPERV},
        {"virtualbox", "VirtualBox", VMDRV_HAVE_DRIVER_VIRTUALBOX},
    };
    assert_int_equal(vmdrv_driver_count(f->ctx), 4);
    for (size_t i = 0; i < 4; i++) {
        vmdrv_driver_desc d;
        fh_assert_ok(f->ctx, vmdrv_driver_get(f->ctx, i, &d));
        assert_string_equal(d.name, want[i].name);
        assert_string_equal(d.display_name, want[i].display);
        assert_int_equal(d.origin, VMDRV_ORIGIN_BUILTIN);
        assert_null(d.plugin_path);
        assert_int_equal(d.built, want[i].built);
        if (d.built) {
            assert_true(d.abi_version >= 1 &&
                        d.abi_version <= VMDRV_DRIVER_ABI_VERSION);
        } else {
            assert_int_equal(d.abi_version, 0);
            assert_int_equal(d.caps, 0);
        }
        assert_int_equal(vmdrv_driver_find(f->ctx, want[i].name), (int)i);
    }
    vmdrv_driver_desc d;
    fh_assert_ok(f->ctx, vmdrv_driver_get(f->ctx, 0, &d));
    assert_int_equal(d.caps, VMDRV_CAPS_ALL); /* the test driver does all */
}

static void test_registry__retired_and_unknown_not_found(void **state)
{
    fixture *f = *state;
    vmdrv_error_set(f->ctx, VMDRV_E_IO, NULL, 0, "earlier");
    assert_int_equal(vmdrv_driver_find(f->ctx, "hyperkit"), -1);
    assert_int_equal(vmdrv_driver_find(f->ctx, "Test"), -1);
    /* find is a question, not a failure: the error is untouched */
    assert_string_equal(vmdrv_last_error(f->ctx)->message, "earlier");
}

static void test_registry__get_out_of_range(void **state)
{
    fixture *f = *state;
    vmdrv_driver_desc d;
    fh_assert_error(f->ctx, vmdrv_driver_get(f->ctx, 4, &d), VMDRV_E_INVAL,
                    "driver index 4 out of range (4 drivers)");
}

static void test_registry__loads_v2_plugin(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, vmdrv_driver_load(f->ctx, VMDRV_TEST_PLUGIN_GOOD_V2));
    assert_int_equal(vmdrv_driver_count(f->ctx), 5);
    int i = vmdrv_driver_find(f->ctx, "goodv2");
    assert_int_equal(i, 4);
    vmdrv_driver_desc d;
    fh_assert_ok(f->ctx, vmdrv_driver_get(f->ctx, (size_t)i, &d));
    assert_string_equal(d.display_name, "Good v2");
    assert_int_equal(d.origin, VMDRV_ORIGIN_PLUGIN);
    assert_string_equal(d.plugin_path, VMDRV_TEST_PLUGIN_GOOD_V2);
    assert_int_equal(d.built, 1);
    assert_int_equal(d.abi_version, 2);
    assert_int_equal(d.caps, VMDRV_CAPS_ALL);

    /* and it works: probe, open, an op */
    fh_assert_ok(f->ctx, vmdrv_driver_probe(f->ctx, "goodv2"));
    vmdrv_conn *conn;
    fh_assert_ok(f->ctx, vmdrv_conn_open(&conn, f->ctx, "goodv2", NULL, NULL,
                                         0));
    int *calls = plugin_sym(VMDRV_TEST_PLUGIN_GOOD_V2, "spy_calls");
    int before = *calls;
    fh_assert_ok(f->ctx, vmdrv_instance_start(conn, "vm1", 0));
    assert_int_equal(*calls, before + 1);
    vmdrv_conn_close(conn);
}

static void test_registry__v1_plugin_never_read_past_version(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, vmdrv_driver_load(f->ctx, VMDRV_TEST_PLUGIN_GOOD_V1));
    vmdrv_driver_desc d;
    fh_assert_ok(f->ctx, vmdrv_driver_get(
                             f->ctx, (size_t)vmdrv_driver_find(f->ctx, "goodv1"),
                             &d));
    assert_int_equal(d.abi_version, 1);
    assert_int_equal(d.caps, VMDRV_CAP_BIT(VMDRV_CAP_SNAPSHOTS));

    /* the registry's copy has zeros where ABI 2 fields would be, not the
     * guard pointers that follow the short table in the plugin */
    reg_entry *e = vmdrv__registry_find(f->ctx, "goodv1");
    assert_non_null(e);
    assert_null(e->table.networks_list);
    assert_null(e->table.network_add);
    assert_null(e->table.guest_exec);
    assert_non_null(e->table.instance_state);

    vmdrv_conn *conn;
    fh_assert_ok(f->ctx, vmdrv_conn_open(&conn, f->ctx, "goodv1", NULL, NULL,
                                         0));
    vmdrv_state st;
    fh_assert_ok(f->ctx, vmdrv_instance_state(conn, "vm1", &st, 0));
    assert_int_equal(st, VMDRV_STATE_STOPPED);
    vmdrv_networks nets = {0};
    fh_assert_error(f->ctx, vmdrv_networks_list(conn, &nets, 0),
                    VMDRV_E_NOTSUP,
                    "Extra networks (extra_networks) are not supported by "
                    "the Good v1 driver ('goodv1')");
    fh_assert_error(f->ctx, vmdrv_network_add(conn, "vm1", "br0", 0),
                    VMDRV_E_NOTSUP,
                    "Extra networks (extra_networks) are not supported by "
                    "the Good v1 driver ('goodv1')");
    vmdrv_exec_result r;
    fh_assert_error(f->ctx, vmdrv_guest_exec(conn, "vm1", "true", &r, 0),
                    VMDRV_E_NOTSUP,
                    "Guest exec (guest_exec) is not supported by the Good v1 "
                    "driver ('goodv1')");
    int *hits = plugin_sym(VMDRV_TEST_PLUGIN_GOOD_V1, "v1_guard_hits");
    assert_int_equal(*hits, 0);
    vmdrv_conn_close(conn);
}

static void expect_refusal(fixture *f, const char *path, int code,
                           const char *fmt)
{
    size_t n = vmdrv_driver_count(f->ctx);
    char *want = vu_asprintf(fmt, path);
    fh_assert_error(f->ctx, vmdrv_driver_load(f->ctx, path), code, want);
    assert_string_equal(vmdrv_last_error(f->ctx)->origin, "sdk");
    free(want);
    /* a refused library adds nothing */
    assert_int_equal(vmdrv_driver_count(f->ctx), n);
}

static void test_registry__refuses_abi_0(void **state)
{
    expect_refusal(*state, VMDRV_TEST_PLUGIN_ABI0, VMDRV_E_ABI,
                   "driver library '%s' declares ABI version 0, which is "
                   "never valid");
}

static void test_registry__refuses_newer_abi(void **state)
{
    fixture *f = *state;
    expect_refusal(f, VMDRV_TEST_PLUGIN_ABI99, VMDRV_E_ABI,
                   "driver library '%s' needs ABI version 99; this SDK "
                   "knows versions 1 to 2");
    assert_int_equal(vmdrv_last_error(f->ctx)->native, 99);
}

static void test_registry__refuses_duplicate_name(void **state)
{
    expect_refusal(*state, VMDRV_TEST_PLUGIN_DUP_NAME, VMDRV_E_EXISTS,
                   "driver library '%s' names its driver 'test', which is "
                   "already registered");
}

static void test_registry__refuses_same_plugin_twice(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, vmdrv_driver_load(f->ctx, VMDRV_TEST_PLUGIN_GOOD_V2));
    expect_refusal(f, VMDRV_TEST_PLUGIN_GOOD_V2, VMDRV_E_EXISTS,
                   "driver library '%s' names its driver 'goodv2', which is "
                   "already registered");
    /* the first copy still works after the second was refused */
    vmdrv_conn *conn;
    fh_assert_ok(f->ctx, vmdrv_conn_open(&conn, f->ctx, "goodv2", NULL, NULL,
                                         0));
    fh_assert_ok(f->ctx, vmdrv_instance_start(conn, "vm1", 0));
    vmdrv_conn_close(conn);
}

static void test_registry__refuses_missing_entry_point(void **state)
{
    expect_refusal(*state, VMDRV_TEST_PLUGIN_NO_ENTRY, VMDRV_E_NOTFOUND,
                   "driver library '%s' has no entry point "
                   "'vmdrv_driver_entry'");
}

static void test_registry__refuses_null_table(void **state)
{
    expect_refusal(*state, VMDRV_TEST_PLUGIN_NULL_TABLE, VMDRV_E_INVAL,
                   "driver library '%s' returned no driver table");
}

static void test_registry__refuses_table_without_name(void **state)
{
    expect_refusal(*state, VMDRV_TEST_PLUGIN_NO_NAME, VMDRV_E_INVAL,
                   "driver library '%s' has a table without a name");
}

static void test_registry__refuses_invalid_name(void **state)
{
    expect_refusal(*state, VMDRV_TEST_PLUGIN_BAD_NAME, VMDRV_E_INVAL,
                   "driver library '%s' names its driver '../Bad Name', "
                   "which is not a valid driver name (lower-case letters, "
                   "digits and hyphens, starting with a letter)");
}

static void test_registry__refuses_unloadable_file(void **state)
{
    fixture *f = *state;
    char *text = fh_write(f->dir, "notalib.so", "just text\n");
    size_t n = vmdrv_driver_count(f->ctx);
    int rc = vmdrv_driver_load(f->ctx, text);
    assert_int_equal(rc, VMDRV_E_NOTFOUND);
    char *prefix = vu_asprintf("cannot load driver library '%s': ", text);
    const char *msg = vmdrv_last_error(f->ctx)->message;
    assert_true(vu_starts_with(msg, prefix));
    assert_true(strlen(msg) > strlen(prefix)); /* the loader's reason */
    assert_int_equal(vmdrv_driver_count(f->ctx), n);
    free(prefix);

    char *missing = vu_path_join(f->dir, "missing.so");
    assert_int_equal(vmdrv_driver_load(f->ctx, missing), VMDRV_E_NOTFOUND);
    prefix = vu_asprintf("cannot load driver library '%s': ", missing);
    assert_true(vu_starts_with(vmdrv_last_error(f->ctx)->message, prefix));
    free(prefix);
    free(missing);
    free(text);
}

static void test_registry__connections_survive_later_loads(void **state)
{
    fixture *f = *state;
    vmdrv_conn *conn;
    fh_assert_ok(f->ctx, vmdrv_conn_open(&conn, f->ctx, "test", NULL, NULL, 0));
    /* loading plugins grows the registry; the open connection keeps
     * pointing at a live entry */
    fh_assert_ok(f->ctx, vmdrv_driver_load(f->ctx, VMDRV_TEST_PLUGIN_GOOD_V2));
    fh_assert_ok(f->ctx, vmdrv_driver_load(f->ctx, VMDRV_TEST_PLUGIN_GOOD_V1));
    fh_assert_ok(f->ctx, vmdrv_driver_load(f->ctx, VMDRV_TEST_PLUGIN_NULL_OPS));
    assert_string_equal(vmdrv_conn_driver_name(conn), "test");
    assert_string_equal(vmdrv_conn_display_name(conn), "Test");
    vmdrv_instance_spec spec = {.name = "survivor"};
    fh_assert_ok(f->ctx, vmdrv_instance_create(conn, &spec, 0));
    vmdrv_state st;
    fh_assert_ok(f->ctx, vmdrv_instance_state(conn, "survivor", &st, 0));
    assert_int_equal(st, VMDRV_STATE_OFF);
    vmdrv_conn_close(conn);
}

static void test_registry__plugins_are_per_context(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, vmdrv_driver_load(f->ctx, VMDRV_TEST_PLUGIN_GOOD_V2));
    char *dir2;
    vmdrv_ctx *other = fh_ctx(&dir2);
    assert_int_equal(vmdrv_driver_find(other, "goodv2"), -1);
    assert_int_equal(vmdrv_driver_count(other), 4);
    /* and each context may load the same library */
    fh_assert_ok(other, vmdrv_driver_load(other, VMDRV_TEST_PLUGIN_GOOD_V2));
    vmdrv_ctx_free(other);
    fh_rmdir(dir2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_registry__builtins_listed_built_or_not),
        T(test_registry__retired_and_unknown_not_found),
        T(test_registry__get_out_of_range),
        T(test_registry__loads_v2_plugin),
        T(test_registry__v1_plugin_never_read_past_version),
        T(test_registry__refuses_abi_0),
        T(test_registry__refuses_newer_abi),
        T(test_registry__refuses_duplicate_name),
        T(test_registry__refuses_same_plugin_twice),
        T(test_registry__refuses_missing_entry_point),
        T(test_registry__refuses_null_table),
        T(test_registry__refuses_table_without_name),
        T(test_registry__refuses_invalid_name),
        T(test_registry__refuses_unloadable_file),
        T(test_registry__connections_survive_later_loads),
        T(test_registry__plugins_are_per_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
