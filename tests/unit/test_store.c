/*
 * test_store.c: the instance records of a scope: a failure injected at
 * each step of a write leaves the previous file intact and readable; a
 * corrupt file, or one of an unknown schema, is an error and is never
 * written over; fields vmdrv does not know survive rewrites; concurrent
 * writers serialize; and a writer killed at any moment never loses a
 * record it had committed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "mgr_internal.h"
#include "scopes_helpers.h"
#include "vu_json.h"

/* ---- write faults ---------------------------------------------------- */

static const char *fault_step;

/* Fail one step, only for the records file (the test driver's own
 * state file goes through the same writer and must keep working). */
static int records_fault(const char *step, const char *path)
{
    return fault_step && strcmp(step, fault_step) == 0 &&
           vu_ends_with(path, VMDRV__RECORDS_FILE);
}

static int count_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    int n = 0;
    if (!d)
        return 0;
    while ((ent = readdir(d)) != NULL)
        n += vu_starts_with(ent->d_name, VMDRV__RECORDS_FILE ".tmp.");
    closedir(d);
    return n;
}

static void test_store__fault_at_each_write_step(void **state)
{
    (void)state;
    static const char *const steps[] = {"create", "write", "fsync", "rename",
                                        "dirsync"};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sh_env e;
        vmdrv__store st;
        sh_open(&e, "linux-x86_64", NULL);
        char *dir = sh_path(&e, "test");
        char *file = sh_path(&e, "test/" VMDRV__RECORDS_FILE);
        sh_check(&e, vmdrv__store_begin(e.ctx, dir, "test", "test", &st));
        json_object_set_new(st.instances, "old",
                            vmdrv__record_new("old", 1, 512, 1024));
        sh_check(&e, vmdrv__store_commit(&st));
        char *before = sh_slurp(file);

        fault_step = steps[i];
        vu_set_write_fault(records_fault);
        sh_check(&e, vmdrv__store_begin(e.ctx, dir, "test", "test", &st));
        json_object_set_new(st.instances, "new",
                            vmdrv__record_new("new", 2, 512, 1024));
        int rc = vmdrv__store_commit(&st);
        vu_set_write_fault(NULL);
        fault_step = NULL;
        assert_int_equal(rc, VMDRV_E_IO);
        sh_assert_contains(vmdrv_last_error(e.ctx)->message,
                           "cannot write instance records");

        vmdrv_records recs;
        sh_check(&e, vmdrv_records_load(e.ctx, "test", &recs));
        assert_non_null(vmdrv_records_find(&recs, "old"));
        char *after = sh_slurp(file);
        if (strcmp(steps[i], "dirsync") == 0) {
            /* the rename happened: the new file is whole, only its
             * durability was in doubt */
            assert_non_null(vmdrv_records_find(&recs, "new"));
        } else {
            assert_null(vmdrv_records_find(&recs, "new"));
            assert_string_equal(after, before);
        }
        assert_int_equal(count_temporaries(dir), 0);
        vmdrv_records_clear(&recs);
        free(before);
        free(after);
        free(dir);
        free(file);
        sh_close(&e);
    }
}

/* Through the public API: a launch whose record cannot be written calls
 * no driver and changes nothing. */
static void test_store__failed_write_leaves_launch_undone(void **state)
{
    (void)state;
    static const char *const steps[] = {"create", "write", "fsync", "rename"};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sh_env e;
        vmdrv_scope *s;
        vmdrv_names names = {0};
        sh_open(&e, "linux-x86_64", NULL);
        sh_select(&e, "test");
        sh_launch(&e, "one");
        char *file = sh_path(&e, "test/" VMDRV__RECORDS_FILE);
        char *before = sh_slurp(file);
        sh_check(&e, vmdrv_scope_open(&s, e.mgr, NULL, 0));
        fault_step = steps[i];
        vu_set_write_fault(records_fault);
        vmdrv_instance_spec spec = {.name = "two"};
        int rc = vmdrv_scope_launch(s, &spec, NULL, 0, 0);
        vu_set_write_fault(NULL);
        fault_step = NULL;
        assert_int_equal(rc, VMDRV_E_IO);
        char *after = sh_slurp(file);
        assert_string_equal(after, before);
        sh_check(&e, vmdrv_instance_list(vmdrv_scope_conn(s), &names, 0));
        assert_int_equal(names.count, 1);
        assert_string_equal(names.names[0], "one");
        vmdrv_names_clear(&names);
        vmdrv_scope_close(s);
        free(before);
        free(after);
        free(file);
        sh_close(&e);
    }
}

/* A records write that fails in the middle of a switch: the switch is
 * undone and the message is the store's, not a made-up one. */
static int writes_left;

static int nth_records_write_fails(const char *step, const char *path)
{
    if (strcmp(step, "rename") != 0 ||
        !vu_ends_with(path, VMDRV__RECORDS_FILE))
        return 0;
    return --writes_left == 0;
}

static void test_store__failed_write_during_switch_is_undone(void **state)
{
    (void)state;
    sh_env e;
    vmdrv_report rep = {0};
    vmdrv_records recs;
    sh_open(&e, "windows-pro", NULL);
    sh_select(&e, "test");
    sh_launch(&e, "a");
    sh_launch(&e, "b");
    /* a: memory, suspended; b: memory <- this third write fails */
    writes_left = 3;
    vu_set_write_fault(nth_records_write_fails);
    int rc = vmdrv_local_driver_set(e.mgr, "test-b", &rep);
    vu_set_write_fault(NULL);
    assert_int_equal(rc, VMDRV_E_IO);
    sh_assert_contains(vmdrv_last_error(e.ctx)->message,
                       "cannot switch local.driver from 'test' to 'test-b': "
                       "cannot write instance records '");
    sh_assert_contains(vmdrv_last_error(e.ctx)->message,
                       "the switch was abandoned and local.driver is still "
                       "'test'; resumed 'a'");
    assert_true(rep.rolled_back);
    vmdrv_report_clear(&rep);
    char value[64];
    sh_check(&e, vmdrv_setting_get(e.mgr, "local.driver", value, sizeof value));
    assert_string_equal(value, "test");
    assert_int_equal(sh_state(&e, NULL, "a"), VMDRV_STATE_RUNNING);
    assert_int_equal(sh_state(&e, NULL, "b"), VMDRV_STATE_RUNNING);
    sh_check(&e, vmdrv_records_load(e.ctx, "test", &recs));
    assert_int_equal(recs.count, 2);
    for (size_t i = 0; i < recs.count; i++)
        assert_false(recs.items[i].remembered);
    vmdrv_records_clear(&recs);
    sh_close(&e);
}

/* ---- corrupt and foreign files --------------------------------------- */

static void check_refused(const char *text, const char *needle)
{
    sh_env e;
    vmdrv_records recs;
    vmdrv_scope *s = NULL;
    sh_open(&e, "linux-x86_64", NULL);
    sh_select(&e, "test");
    char *dir = sh_path(&e, "test");
    assert_int_equal(vu_mkdir_p(dir), 0);
    char *file = sh_path(&e, "test/" VMDRV__RECORDS_FILE);
    sh_spit(file, text);

    assert_int_equal(vmdrv_records_load(e.ctx, "test", &recs), VMDRV_E_CORRUPT);
    sh_assert_contains(vmdrv_last_error(e.ctx)->message, needle);
    sh_assert_contains(vmdrv_last_error(e.ctx)->message, "left untouched");
    /* opening the scope reads the records: refused too */
    assert_int_equal(vmdrv_scope_open(&s, e.mgr, NULL, 0), VMDRV_E_CORRUPT);
    /* a writer refuses rather than starting afresh */
    vmdrv__store st;
    assert_int_equal(vmdrv__store_begin(e.ctx, dir, "test", "test", &st),
                     VMDRV_E_CORRUPT);
    /* and a switch away from that scope fails before changing anything */
    assert_int_equal(vmdrv_local_driver_set(e.mgr, "test-b", NULL),
                     VMDRV_E_CORRUPT);
    char value[64];
    sh_check(&e, vmdrv_setting_get(e.mgr, "local.driver", value, sizeof value));
    assert_string_equal(value, "test");
    char *after = sh_slurp(file);
    assert_string_equal(after, text);
    free(after);
    free(file);
    free(dir);
    sh_close(&e);
}

static void test_store__corrupt_file_is_never_overwritten(void **state)
{
    (void)state;
    check_refused("{\"schema\": 1, \"instances\": {\"web\": {\"state\": 4,\n",
                  VMDRV__RECORDS_FILE ":");
    check_refused("", VMDRV__RECORDS_FILE ":");
    check_refused("[1, 2, 3]\n", "is not a vmdrv instance records file");
    check_refused("{\"schema\": 1, \"instances\": {\"web\": {\"state\": "
                  "\"running\"}}}\n",
                  "instance record 'web' in '");
    check_refused("{\"schema\": 1, \"instances\": {\"we b\": {\"state\": 1}}}\n",
                  "the name is not a valid instance name");
    check_refused("{\"schema\": 1, \"instances\": {\"web\": {\"state\": 1, "
                  "\"mem_size\": \"1G\"}}}\n",
                  "'mem_size' must be a byte count");
}

static void test_store__unknown_schema_is_never_overwritten(void **state)
{
    (void)state;
    check_refused("{\"schema\": 2, \"instances\": {}}\n",
                  "holds instance records of schema version 2, and this "
                  "vmdrv reads version 1");
    check_refused("{\"instances\": {}}\n", "has no schema version");
}

/* Multipass fields vmdrv does not use (a migrated record's MAC address,
 * metadata) survive every rewrite. */
static void test_store__unknown_fields_survive(void **state)
{
    (void)state;
    sh_env e;
    vmdrv_scope *s;
    vmdrv__store st;
    sh_open(&e, "linux-x86_64", NULL);
    sh_select(&e, "test");
    sh_launch(&e, "web");
    char *dir = sh_path(&e, "test");
    sh_check(&e, vmdrv__store_begin(e.ctx, dir, "test", "test", &st));
    json_t *r = json_object_get(st.instances, "web");
    json_object_set_new(r, "mac_addr", json_string("52:54:00:12:34:56"));
    json_object_set_new(r, "metadata", json_pack("{s:s}", "machine_type", "pc"));
    sh_check(&e, vmdrv__store_commit(&st));
    sh_check(&e, vmdrv_scope_open(&s, e.mgr, NULL, 0));
    sh_check(&e, vmdrv_scope_stop(s, "web", 0));
    sh_check(&e, vmdrv_scope_snapshot(s, "web", NULL, NULL, 0, 0));
    sh_check(&e, vmdrv_scope_start(s, "web", 0));
    vmdrv_scope_close(s);
    json_t *root;
    sh_check(&e, vmdrv__store_read(e.ctx, dir, &root));
    r = json_object_get(json_object_get(root, "instances"), "web");
    assert_string_equal(vu_json_str(r, "mac_addr", ""), "52:54:00:12:34:56");
    assert_string_equal(
        vu_json_str(json_object_get(r, "metadata"), "machine_type", ""), "pc");
    assert_int_equal(json_integer_value(json_object_get(r, "state")),
                     VMDRV_STATE_RUNNING);
    assert_int_equal(json_array_size(json_object_get(r, "snapshots")), 1);
    json_decref(root);
    free(dir);
    sh_close(&e);
}

/* The file's own shape: schema, scope, driver, Multipass's field names. */
static void test_store__record_format(void **state)
{
    (void)state;
    sh_env e;
    json_t *root;
    sh_open(&e, "linux-x86_64", NULL);
    sh_select(&e, "test-b");
    sh_launch(&e, "web");
    char *dir = sh_path(&e, "test-b");
    sh_check(&e, vmdrv__store_read(e.ctx, dir, &root));
    assert_int_equal(json_integer_value(json_object_get(root, "schema")), 1);
    assert_string_equal(vu_json_str(root, "scope", ""), "test-b");
    assert_string_equal(vu_json_str(root, "driver", ""), "test");
    json_t *r = json_object_get(json_object_get(root, "instances"), "web");
    assert_string_equal(vu_json_str(r, "name", ""), "web");
    assert_int_equal(json_integer_value(json_object_get(r, "state")), 4);
    assert_int_equal(json_integer_value(json_object_get(r, "num_cores")), 1);
    assert_string_equal(vu_json_str(r, "mem_size", ""), "536870912");
    assert_string_equal(vu_json_str(r, "disk_space", ""), "1073741824");
    assert_true(json_is_false(json_object_get(r, "deleted")));
    assert_true(json_is_array(json_object_get(r, "mounts")));
    assert_true(json_is_array(json_object_get(r, "extra_interfaces")));
    assert_true(json_is_array(json_object_get(r, "snapshots")));
    assert_null(json_object_get(r, "pending_create"));
    assert_null(json_object_get(r, "state_before_switch"));
    json_decref(root);
    free(dir);
    sh_close(&e);
}

/* ---- concurrency ----------------------------------------------------- */

static void add_record(vmdrv_ctx *ctx, const char *dir, const char *name)
{
    vmdrv__store st;
    if (vmdrv__store_begin(ctx, dir, "test", "test", &st) != 0)
        _exit(10);
    json_object_set_new(st.instances, name, vmdrv__record_new(name, 1, 1, 1));
    if (vmdrv__store_commit(&st) != 0)
        _exit(11);
}

static void test_store__concurrent_writers_serialize(void **state)
{
    (void)state;
    enum { KIDS = 4, EACH = 40 };
    sh_env e;
    sh_open(&e, "linux-x86_64", NULL);
    char *dir = sh_path(&e, "test");
    pid_t kids[KIDS];
    for (int k = 0; k < KIDS; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            for (int i = 0; i < EACH; i++) {
                char name[32];
                snprintf(name, sizeof name, "k%d-r%d", k, i);
                add_record(e.ctx, dir, name);
            }
            _exit(0);
        }
    }
    for (int k = 0; k < KIDS; k++) {
        int status;
        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    vmdrv_records recs;
    sh_check(&e, vmdrv_records_load(e.ctx, "test", &recs));
    assert_int_equal(recs.count, KIDS * EACH);
    vmdrv_records_clear(&recs);
    free(dir);
    sh_close(&e);
}

/*
 * A writer SIGKILLed at random moments: after every kill the file parses
 * and holds every record whose commit had returned (the child reports
 * each one through a pipe after its commit). Records are fat, so a write
 * takes long enough for kills to land inside it.
 */
static void test_store__kill_never_loses_a_record(void **state)
{
    (void)state;
    sh_env e;
    sh_open(&e, "linux-x86_64", NULL);
    char *dir = sh_path(&e, "test");
    unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
    int next = 0;
    int committed[4096];
    int n_committed = 0;
    int kills_mid_write = 0;
    for (int round = 0; round < 40; round++) {
        int p[2];
        assert_int_equal(pipe(p), 0);
        int first = next;
        pid_t kid = fork();
        assert_true(kid >= 0);
        if (kid == 0) {
            close(p[0]);
            for (int i = first;; i++) {
                char name[32];
                vmdrv__store st;
                snprintf(name, sizeof name, "r%d", i);
                if (vmdrv__store_begin(e.ctx, dir, "test", "test", &st) != 0)
                    _exit(10);
                json_t *r = vmdrv__record_new(name, 1, 1, 1);
                /* padding, so each write takes a while */
                char pad[2048];
                memset(pad, 'x', sizeof pad - 1);
                pad[sizeof pad - 1] = '\0';
                json_object_set_new(r, "padding", json_string(pad));
                json_object_set_new(st.instances, name, r);
                if (vmdrv__store_commit(&st) != 0)
                    _exit(11);
                if (write(p[1], &i, sizeof i) != sizeof i)
                    _exit(12);
            }
        }
        close(p[1]);
        struct timespec ts = {0, (long)(rand_r(&seed) % 40000) * 1000};
        nanosleep(&ts, NULL);
        kill(kid, SIGKILL);
        int status;
        assert_int_equal(waitpid(kid, &status, 0), kid);
        assert_true(WIFSIGNALED(status));
        int i;
        while (read(p[0], &i, sizeof i) == sizeof i) {
            if (n_committed < 4096)
                committed[n_committed++] = i;
            next = i + 1;
        }
        close(p[0]);
        kills_mid_write += count_temporaries(dir) > 0;
        /* a record committed but not yet reported may exist: next round
         * starts after the highest name present */
        vmdrv_records recs;
        sh_check(&e, vmdrv_records_load(e.ctx, "test", &recs));
        for (int k = 0; k < n_committed; k++) {
            char name[32];
            snprintf(name, sizeof name, "r%d", committed[k]);
            if (!vmdrv_records_find(&recs, name))
                print_error("round %d: committed record '%s' is lost\n", round,
                            name);
            assert_non_null(vmdrv_records_find(&recs, name));
        }
        for (size_t k = 0; k < recs.count; k++) {
            int v = atoi(recs.items[k].name + 1);
            if (v + 1 > next)
                next = v + 1;
        }
        vmdrv_records_clear(&recs);
    }
    /* the next writer sweeps what killed writers left */
    add_record(e.ctx, dir, "last");
    assert_int_equal(count_temporaries(dir), 0);
    print_message("kill test: %d records committed, %d of 40 kills left a "
                  "temporary file behind\n",
                  n_committed, kills_mid_write);
    assert_true(n_committed > 0);
    free(dir);
    sh_close(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store__fault_at_each_write_step),
        cmocka_unit_test(test_store__failed_write_leaves_launch_undone),
        cmocka_unit_test(test_store__failed_write_during_switch_is_undone),
        cmocka_unit_test(test_store__corrupt_file_is_never_overwritten),
        cmocka_unit_test(test_store__unknown_schema_is_never_overwritten),
        cmocka_unit_test(test_store__unknown_fields_survive),
        cmocka_unit_test(test_store__record_format),
        cmocka_unit_test(test_store__concurrent_writers_serialize),
        cmocka_unit_test(test_store__kill_never_loses_a_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
