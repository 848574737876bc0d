/*
 * test_drvmeta.c: the driver services of vmdrv/sys/meta.h (drvmeta.c):
 * an instance's record is written atomically and read back with its
 * schema and members checked, each failure with its own code and
 * message and the asking driver as origin; machine names are qualified
 * by scope outside the driver's own and map back only for this scope;
 * state-name tables answer exact names only.
 *
 * The connections are of the reference "test" driver, on its own scope
 * ("test") and on another ("other").
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "found_helpers.h"
#include "vmdrv/sys/driver.h"
#include "vu_json.h"

#define FILE_NAME "drv.json"

typedef struct fixture {
    char *dir;
    vmdrv_ctx *ctx;
    vmdrv_conn *own;   /* scope "test", the driver's own */
    vmdrv_conn *other; /* scope "other" */
} fixture;

static int setup(void **state)
{
    fixture *f = vu_calloc(1, sizeof *f);
    unsetenv("VMDRV_TEST_FAULTS");
    f->ctx = fh_ctx(&f->dir);
    fh_assert_ok(f->ctx,
                 vmdrv_conn_open(&f->own, f->ctx, "test", NULL, NULL, 0));
    fh_assert_ok(f->ctx,
                 vmdrv_conn_open(&f->other, f->ctx, "test", "other", NULL, 0));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    vmdrv_conn_close(f->own);
    vmdrv_conn_close(f->other);
    vmdrv_ctx_free(f->ctx);
    fh_rmdir(f->dir);
    free(f);
    return 0;
}

/* The instance's folder, created; owned. */
static char *instance_dir(fixture *f, const char *name)
{
    char dir[1024];
    fh_assert_ok(f->ctx, vmdrv_conn_instance_dir(f->own, name, dir, sizeof dir));
    assert_int_equal(vu_mkdir_p(dir), 0);
    return vu_strdup(dir);
}

/* Write text as the record of name; returns the record's path (owned). */
static char *plant(fixture *f, const char *name, const char *text)
{
    char *dir = instance_dir(f, name);
    char *path = fh_write(dir, FILE_NAME, text);
    free(dir);
    return path;
}

static void assert_origin(fixture *f, const char *origin)
{
    assert_string_equal(vmdrv_last_error(f->ctx)->origin, origin);
}

/* ---- records ---------------------------------------------------------- */

static void test_drvmeta__record_round_trip(void **state)
{
    fixture *f = *state;
    free(instance_dir(f, "web1"));
    assert_int_equal(vmdrv_conn_record_exists(f->own, "web1", FILE_NAME), 0);
    json_t *rec = json_pack("{s:i,s:s,s:[s],s:I}", "schema", 3, "vm", "m1",
                            "mounts", "/srv", "disk_mb", (json_int_t)5120);
    /* success leaves the context's error alone */
    vmdrv_error_set(f->ctx, VMDRV_E_TOOL, "earlier", 7, "an earlier error");
    fh_assert_ok(f->ctx,
                 vmdrv_conn_record_save(f->own, "web1", FILE_NAME, rec));
    json_decref(rec);
    assert_int_equal(vmdrv_conn_record_exists(f->own, "web1", FILE_NAME), 1);

    json_t *back = NULL;
    fh_assert_ok(f->ctx, vmdrv_conn_record_load(f->own, "web1", FILE_NAME, 3,
                                                "vm:string mounts:array "
                                                "disk_mb:integer",
                                                &back));
    assert_string_equal(vu_json_str(back, "vm", ""), "m1");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(back, "mounts"), 0)),
        "/srv");
    json_decref(back);
    assert_int_equal(vmdrv_last_error(f->ctx)->code, VMDRV_E_TOOL);
    assert_string_equal(vmdrv_last_error(f->ctx)->message, "an earlier error");

    /* the record sits in the instance folder under the name given */
    char *path = vmdrv_conn_record_path(f->own, "web1", FILE_NAME);
    char dir[1024];
    fh_assert_ok(f->ctx, vmdrv_conn_instance_dir(f->own, "web1", dir,
                                                 sizeof dir));
    char *want = vu_path_join(dir, FILE_NAME);
    assert_string_equal(path, want);
    assert_true(vu_path_exists(path));
    free(want);
    free(path);
}

static void test_drvmeta__record_missing_is_notfound(void **state)
{
    fixture *f = *state;
    json_t *rec = (json_t *)1;
    fh_assert_error(f->ctx,
                    vmdrv_conn_record_load(f->own, "ghost", FILE_NAME, 1,
                                           "vm:string", &rec),
                    VMDRV_E_NOTFOUND, "instance 'ghost' does not exist");
    assert_null(rec);
    assert_origin(f, "test");
    /* a folder without the record is no instance either */
    free(instance_dir(f, "ghost"));
    fh_assert_error(f->ctx,
                    vmdrv_conn_record_load(f->own, "ghost", FILE_NAME, 1, NULL,
                                           &rec),
                    VMDRV_E_NOTFOUND, "instance 'ghost' does not exist");
    assert_int_equal(vmdrv_conn_record_exists(f->own, "ghost", FILE_NAME), 0);
}

static void test_drvmeta__record_unreadable_names_line_and_column(void **state)
{
    fixture *f = *state;
    char *path = plant(f, "web1", "{\"schema\": 1,\n  \"vm\": }\n");
    json_t *rec = (json_t *)1;
    int rc = vmdrv_conn_record_load(f->own, "web1", FILE_NAME, 1, "vm:string",
                                    &rec);
    assert_int_equal(rc, VMDRV_E_CORRUPT);
    assert_null(rec);
    char *prefix = vu_asprintf("record of instance 'web1' is unreadable: %s:2:",
                               path);
    const char *msg = vmdrv_last_error(f->ctx)->message;
    if (strncmp(msg, prefix, strlen(prefix)) != 0)
        print_error("message '%s' does not start with '%s'\n", msg, prefix);
    assert_int_equal(strncmp(msg, prefix, strlen(prefix)), 0);
    assert_origin(f, "test");
    free(prefix);
    free(path);
}

static void test_drvmeta__record_other_schema_is_corrupt(void **state)
{
    fixture *f = *state;
    char *path = plant(f, "web1", "{\"schema\": 2, \"vm\": \"web1\"}\n");
    char *want = vu_asprintf(
        "record '%s' of instance 'web1' has an unknown schema version", path);
    json_t *rec = (json_t *)1;
    fh_assert_error(f->ctx,
                    vmdrv_conn_record_load(f->own, "web1", FILE_NAME, 1,
                                           "vm:string", &rec),
                    VMDRV_E_CORRUPT, want);
    assert_null(rec);
    free(want);
    free(path);

    /* not an object at all: no schema either */
    path = plant(f, "web2", "[1, 2]\n");
    want = vu_asprintf(
        "record '%s' of instance 'web2' has an unknown schema version", path);
    fh_assert_error(f->ctx,
                    vmdrv_conn_record_load(f->own, "web2", FILE_NAME, 1, NULL,
                                           &rec),
                    VMDRV_E_CORRUPT, want);
    free(want);
    free(path);
}

static void test_drvmeta__record_members_are_checked(void **state)
{
    fixture *f = *state;
    char *path =
        plant(f, "web1", "{\"schema\": 1, \"vm\": \"web1\", \"mounts\": {}}\n");
    json_t *rec = NULL;
    /* present with the right types: fine */
    fh_assert_ok(f->ctx, vmdrv_conn_record_load(f->own, "web1", FILE_NAME, 1,
                                                "  vm:string  mounts:object ",
                                                &rec));
    json_decref(rec);
    /* of another type */
    char *want = vu_asprintf("record '%s' of instance 'web1' has no array "
                             "'mounts'",
                             path);
    fh_assert_error(f->ctx,
                    vmdrv_conn_record_load(f->own, "web1", FILE_NAME, 1,
                                           "vm:string mounts:array", &rec),
                    VMDRV_E_CORRUPT, want);
    assert_null(rec);
    free(want);
    /* missing */
    want = vu_asprintf("record '%s' of instance 'web1' has no integer "
                       "'disk_mb'",
                       path);
    fh_assert_error(f->ctx,
                    vmdrv_conn_record_load(f->own, "web1", FILE_NAME, 1,
                                           "vm:string disk_mb:integer", &rec),
                    VMDRV_E_CORRUPT, want);
    free(want);
    /* a spec the SDK cannot read is the driver's bug, said as such */
    want = vu_asprintf("cannot read record '%s' of instance 'web1': unknown "
                       "member type 'text'",
                       path);
    fh_assert_error(f->ctx,
                    vmdrv_conn_record_load(f->own, "web1", FILE_NAME, 1,
                                           "vm:text", &rec),
                    VMDRV_E_INVAL, want);
    free(want);
    want = vu_asprintf("cannot read record '%s' of instance 'web1': member "
                       "spec 'vm' has no type",
                       path);
    fh_assert_error(f->ctx,
                    vmdrv_conn_record_load(f->own, "web1", FILE_NAME, 1, "vm",
                                           &rec),
                    VMDRV_E_INVAL, want);
    free(want);
    free(path);
}

static void test_drvmeta__record_save_without_folder_fails(void **state)
{
    fixture *f = *state;
    json_t *rec = json_pack("{s:i}", "schema", 1);
    char *path = vmdrv_conn_record_path(f->own, "nodir", FILE_NAME);
    char *want =
        vu_asprintf("cannot write record '%s' of instance 'nodir'", path);
    fh_assert_error(f->ctx,
                    vmdrv_conn_record_save(f->own, "nodir", FILE_NAME, rec),
                    VMDRV_E_IO, want);
    assert_origin(f, "test");
    assert_int_not_equal(vmdrv_last_error(f->ctx)->native, 0);
    assert_false(vu_path_exists(path));
    free(want);
    free(path);
    json_decref(rec);
}

static void test_drvmeta__record_invalid_name_is_refused(void **state)
{
    fixture *f = *state;
    json_t *rec = (json_t *)1;
    assert_null(vmdrv_conn_record_path(f->own, "../x", FILE_NAME));
    assert_int_equal(vmdrv_last_error(f->ctx)->code, VMDRV_E_INVAL);
    fh_assert_error(f->ctx,
                    vmdrv_conn_record_load(f->own, "../x", FILE_NAME, 1, NULL,
                                           &rec),
                    VMDRV_E_INVAL, "invalid instance name '../x'");
    assert_null(rec);
    /* exists() is asked of names read from a hypervisor: no error */
    vmdrv_error_clear(f->ctx);
    assert_int_equal(vmdrv_conn_record_exists(f->own, "../x", FILE_NAME), 0);
    assert_int_equal(vmdrv_last_error(f->ctx)->code, 0);
}

/* ---- machine names ---------------------------------------------------- */

static void test_drvmeta__machine_name_own_scope_is_plain(void **state)
{
    fixture *f = *state;
    char buf[64];
    fh_assert_ok(f->ctx, vmdrv_conn_machine_name(f->own, "web1", buf,
                                                 sizeof buf));
    assert_string_equal(buf, "web1");
    fh_assert_ok(f->ctx, vmdrv_conn_machine_name(f->other, "web1", buf,
                                                 sizeof buf));
    assert_string_equal(buf, "other.web1");
}

static void test_drvmeta__machine_name_too_long_is_refused(void **state)
{
    fixture *f = *state;
    char buf[10];
    /* "other.web1" needs 11 bytes */
    fh_assert_error(f->ctx,
                    vmdrv_conn_machine_name(f->other, "web1", buf, sizeof buf),
                    VMDRV_E_INVAL,
                    "machine name of instance 'web1' in scope 'other' is too "
                    "long");
    fh_assert_ok(f->ctx, vmdrv_conn_machine_name(f->own, "web1", buf, 5));
    assert_string_equal(buf, "web1");
}

static void check_instance(vmdrv_conn *c, const char *machine,
                           const char *want)
{
    char *got = vmdrv_conn_machine_instance(c, machine);
    if (want) {
        assert_non_null(got);
        assert_string_equal(got, want);
    } else if (got) {
        print_error("machine '%s' gave instance '%s', expected none\n",
                    machine, got);
        fail();
    }
    free(got);
}

static void test_drvmeta__machine_instance_maps_back_in_scope(void **state)
{
    fixture *f = *state;
    check_instance(f->own, "web1", "web1");
    check_instance(f->own, "other.web1", NULL); /* another scope's */
    check_instance(f->own, "has space", NULL);
    check_instance(f->other, "other.web1", "web1");
    check_instance(f->other, "web1", NULL);        /* the own scope's */
    check_instance(f->other, "otherx.web1", NULL); /* a longer scope */
    check_instance(f->other, "othe.web1", NULL);
    check_instance(f->other, "other.", NULL);
    check_instance(f->other, "other.a.b", NULL);
    /* what machine_name makes, instance_of reads back */
    char buf[64];
    fh_assert_ok(f->ctx, vmdrv_conn_machine_name(f->other, "db-2", buf,
                                                 sizeof buf));
    check_instance(f->other, buf, "db-2");
}

/* ---- state names ------------------------------------------------------ */

static const vmdrv_state_map map[] = {
    {"Off", VMDRV_STATE_STOPPED, 0},
    {"Running", VMDRV_STATE_RUNNING, 0},
    {"Saving", VMDRV_STATE_SUSPENDING, 1},
};

static void test_drvmeta__state_map_finds_exact_names(void **state)
{
    (void)state;
    vmdrv_state st = VMDRV_STATE_UNKNOWN;
    int transient = -1;
    assert_int_equal(vmdrv_state_map_find(map, 3, "Saving", &st, &transient),
                     0);
    assert_int_equal(st, VMDRV_STATE_SUSPENDING);
    assert_int_equal(transient, 1);
    assert_int_equal(vmdrv_state_map_find(map, 3, "Running", &st, &transient),
                     0);
    assert_int_equal(st, VMDRV_STATE_RUNNING);
    assert_int_equal(transient, 0);
    /* transient may be NULL */
    assert_int_equal(vmdrv_state_map_find(map, 3, "Off", &st, NULL), 0);
    assert_int_equal(st, VMDRV_STATE_STOPPED);
    /* only the first n entries count */
    assert_int_equal(vmdrv_state_map_find(map, 2, "Saving", &st, NULL), -1);
}

static void test_drvmeta__state_map_unknown_names(void **state)
{
    (void)state;
    static const char *const bad[] = {"running", "Run", "Running ", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vmdrv_state st = VMDRV_STATE_RUNNING;
        int transient = 1;
        assert_int_equal(vmdrv_state_map_find(map, 3, bad[i], &st, &transient),
                         -1);
        assert_int_equal(st, VMDRV_STATE_UNKNOWN);
        assert_int_equal(transient, 0);
    }
    vmdrv_state st = VMDRV_STATE_RUNNING;
    assert_int_equal(vmdrv_state_map_find(map, 3, NULL, &st, NULL), -1);
    assert_int_equal(st, VMDRV_STATE_UNKNOWN);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_drvmeta__record_round_trip),
        T(test_drvmeta__record_missing_is_notfound),
        T(test_drvmeta__record_unreadable_names_line_and_column),
        T(test_drvmeta__record_other_schema_is_corrupt),
        T(test_drvmeta__record_members_are_checked),
        T(test_drvmeta__record_save_without_folder_fails),
        T(test_drvmeta__record_invalid_name_is_refused),
        T(test_drvmeta__machine_name_own_scope_is_plain),
        T(test_drvmeta__machine_name_too_long_is_refused),
        T(test_drvmeta__machine_instance_maps_back_in_scope),
        cmocka_unit_test(test_drvmeta__state_map_finds_exact_names),
        cmocka_unit_test(test_drvmeta__state_map_unknown_names),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
