/*
 * test_scope.c: instance scopes on the test driver: isolation between
 * scopes and the state each instance gets back (running, suspended,
 * stopped) on every host profile; a driver that cannot suspend; a switch
 * that fails halfway and is undone; unsupported features leaving the
 * instance as it was; delete and purge; launch failures; pending records;
 * a stale scope handle after a switch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mgr_internal.h"
#include "scopes_helpers.h"

#ifndef SCOPES_FLAKY_PLUGIN
#error "the build defines SCOPES_FLAKY_PLUGIN, the flaky plugin's path"
#endif

static vmdrv_scope *open_current(sh_env *e)
{
    vmdrv_scope *s = NULL;
    sh_check(e, vmdrv_scope_open(&s, e->mgr, NULL, 0));
    return s;
}

static size_t count_live(sh_env *e, const char *scope)
{
    vmdrv_scope *s = NULL;
    vmdrv_records recs;
    sh_check(e, vmdrv_scope_open(&s, e->mgr, scope, 0));
    sh_check(e, vmdrv_scope_records(s, &recs, 0));
    size_t n = recs.count;
    vmdrv_records_clear(&recs);
    vmdrv_scope_close(s);
    return n;
}

static const vmdrv_report_entry *find_entry(const vmdrv_report *rep,
                                            const char *scope,
                                            const char *name)
{
    for (size_t i = 0; i < rep->count; i++)
        if (strcmp(rep->items[i].scope, scope) == 0 &&
            strcmp(rep->items[i].name, name) == 0)
            return &rep->items[i];
    return NULL;
}

/* A guest file in RAM (/tmp): kept by suspend, lost by a stop. */
static void guest_write(sh_env *e, const char *name, const char *cmd)
{
    vmdrv_scope *s = open_current(e);
    vmdrv_exec_result res = {0};
    sh_check(e, vmdrv_scope_require(s, name));
    sh_check(e, vmdrv_guest_exec(vmdrv_scope_conn(s), name, cmd, &res, 0));
    assert_int_equal(res.exit_code, 0);
    vmdrv_exec_result_clear(&res);
    vmdrv_scope_close(s);
}

static int guest_has(sh_env *e, const char *name, const char *path)
{
    vmdrv_scope *s = open_current(e);
    vmdrv_exec_result res = {0};
    char *cmd = vu_asprintf("test -e %s", path);
    sh_check(e, vmdrv_guest_exec(vmdrv_scope_conn(s), name, cmd, &res, 0));
    int has = res.exit_code == 0;
    free(cmd);
    vmdrv_exec_result_clear(&res);
    vmdrv_scope_close(s);
    return has;
}

/*
 * The scenario, on every profile: launch web, switch, see an
 * empty scope, launch another web, switch back, find the first web (and
 * its neighbours) in the state each had.
 */
static void test_scope__isolation_and_restore_on_every_profile(void **state)
{
    (void)state;
    for (size_t p = 0; p < SH_N_PROFILES; p++) {
        sh_env e;
        vmdrv_scope *s;
        vmdrv_record r;
        vmdrv_report rep = {0};
        sh_open(&e, sh_profiles[p].name, NULL);
        sh_select(&e, "test");
        sh_launch(&e, "web");   /* stays running */
        sh_launch(&e, "db");    /* will be stopped */
        sh_launch(&e, "cache"); /* will be suspended */
        s = open_current(&e);
        sh_check(&e, vmdrv_scope_stop(s, "db", 0));
        sh_check(&e, vmdrv_scope_suspend(s, "cache", 0));
        vmdrv_scope_close(s);
        guest_write(&e, "web", "echo hello > /tmp/ram");

        sh_check(&e, vmdrv_local_driver_set(e.mgr, "test-b", &rep));
        assert_true(rep.switched);
        assert_false(rep.rolled_back);
        assert_string_equal(rep.from, "test");
        assert_string_equal(rep.to, "test-b");
        const vmdrv_report_entry *w = find_entry(&rep, "test", "web");
        assert_non_null(w);
        assert_int_equal(w->action, VMDRV_ACT_SUSPENDED);
        assert_int_equal(w->before, VMDRV_STATE_RUNNING);
        assert_int_equal(w->after, VMDRV_STATE_SUSPENDED);
        assert_int_equal(find_entry(&rep, "test", "db")->action, VMDRV_ACT_KEPT);
        assert_int_equal(find_entry(&rep, "test", "cache")->action,
                         VMDRV_ACT_KEPT);
        vmdrv_report_clear(&rep);

        /* a new driver starts with an empty scope */
        assert_int_equal(count_live(&e, NULL), 0);
        /* the same name may exist in several scopes */
        sh_launch(&e, "web");
        assert_int_equal(sh_state(&e, NULL, "web"), VMDRV_STATE_RUNNING);
        /* nothing done in one scope touches another */
        assert_int_equal(sh_state(&e, "test", "web"), VMDRV_STATE_SUSPENDED);
        sh_record(&e, "test", "web", &r);
        assert_true(r.remembered);
        assert_int_equal(r.state_before_switch, VMDRV_STATE_RUNNING);
        vmdrv_record_clear(&r);
        sh_record(&e, "test", "db", &r);
        assert_int_equal(r.state_before_switch, VMDRV_STATE_STOPPED);
        vmdrv_record_clear(&r);
        sh_record(&e, "test", "cache", &r);
        assert_int_equal(r.state_before_switch, VMDRV_STATE_SUSPENDED);
        vmdrv_record_clear(&r);

        sh_check(&e, vmdrv_local_driver_set(e.mgr, "test", &rep));
        assert_int_equal(find_entry(&rep, "test", "web")->action,
                         VMDRV_ACT_RESUMED);
        assert_int_equal(find_entry(&rep, "test-b", "web")->action,
                         VMDRV_ACT_SUSPENDED);
        vmdrv_report_clear(&rep);
        assert_int_equal(count_live(&e, NULL), 3);
        assert_int_equal(sh_state(&e, NULL, "web"), VMDRV_STATE_RUNNING);
        assert_int_equal(sh_state(&e, NULL, "db"), VMDRV_STATE_STOPPED);
        assert_int_equal(sh_state(&e, NULL, "cache"), VMDRV_STATE_SUSPENDED);
        /* resumed, not rebooted: what was in RAM is still there */
        assert_true(guest_has(&e, "web", "/tmp/ram"));
        sh_record(&e, "test", "web", &r);
        assert_false(r.remembered);
        assert_int_equal(r.state, VMDRV_STATE_RUNNING);
        vmdrv_record_clear(&r);
        /* and the other web waits, suspended, in its own scope */
        assert_int_equal(sh_state(&e, "test-b", "web"), VMDRV_STATE_SUSPENDED);
        sh_close(&e);
    }
}

/* A driver that cannot suspend: its running instances are stopped, and
 * booted again on return. */
static void test_scope__driver_without_suspend_stops(void **state)
{
    (void)state;
    static const char *const opts[] = {"faults=unsupported:suspend", NULL};
    sh_env e;
    vmdrv_report rep = {0};
    vmdrv_record r;
    sh_open(&e, "windows-home", opts);
    sh_select(&e, "test");
    sh_launch(&e, "web");
    guest_write(&e, "web", "echo hi > /tmp/ram");
    /* a switch that succeeds, through recovered failures (suspend said
     * "unsupported"), leaves the context's error as it found it */
    vmdrv_error_set(e.ctx, VMDRV_E_IO, "sentinel", 7, "earlier failure");
    sh_check(&e, vmdrv_local_driver_set(e.mgr, "test-b", &rep));
    assert_int_equal(vmdrv_last_error(e.ctx)->code, VMDRV_E_IO);
    assert_string_equal(vmdrv_last_error(e.ctx)->origin, "sentinel");
    assert_int_equal(vmdrv_last_error(e.ctx)->native, 7);
    assert_string_equal(vmdrv_last_error(e.ctx)->message, "earlier failure");
    const vmdrv_report_entry *w = find_entry(&rep, "test", "web");
    assert_int_equal(w->action, VMDRV_ACT_STOPPED);
    assert_int_equal(w->after, VMDRV_STATE_STOPPED);
    vmdrv_report_clear(&rep);
    sh_record(&e, "test", "web", &r);
    assert_int_equal(r.state, VMDRV_STATE_STOPPED);
    assert_int_equal(r.state_before_switch, VMDRV_STATE_RUNNING);
    vmdrv_record_clear(&r);
    sh_select(&e, "test");
    assert_int_equal(sh_state(&e, NULL, "web"), VMDRV_STATE_RUNNING);
    /* a fresh boot this time */
    assert_false(guest_has(&e, "web", "/tmp/ram"));
    sh_close(&e);
}

/*
 * One instance refuses both suspend and stop, after another was already
 * suspended: the switch is abandoned, the suspended one resumed, the
 * setting unchanged, every record kept and no memory left behind.
 */
static void test_scope__failure_halfway_is_undone(void **state)
{
    (void)state;
    sh_env e;
    vmdrv_report rep = {0};
    vmdrv_records recs;
    char value[64];
    sh_open(&e, "linux-x86_64", NULL);
    sh_check(&e, vmdrv_driver_load(e.ctx, SCOPES_FLAKY_PLUGIN));
    sh_select(&e, "flaky");
    sh_launch(&e, "alpha");
    sh_launch(&e, "stuck");
    sh_launch(&e, "zulu");
    char *file = sh_path(&e, "flaky/" VMDRV__RECORDS_FILE);
    char *before = sh_slurp(file);

    int rc = vmdrv_local_driver_set(e.mgr, "test", &rep);
    assert_int_equal(rc, VMDRV_E_TOOL);
    assert_string_equal(vmdrv_last_error(e.ctx)->message,
                        "cannot switch local.driver from 'flaky' to 'test': "
                        "instance 'stuck' could be neither suspended nor "
                        "stopped: instance 'stuck' is stuck and cannot be "
                        "stopped; the switch was abandoned and local.driver "
                        "is still 'flaky'; resumed 'alpha'");
    assert_true(rep.rolled_back);
    assert_false(rep.switched);
    assert_int_equal(find_entry(&rep, "flaky", "stuck")->action,
                     VMDRV_ACT_FAILED);
    /* alpha: suspended, then resumed by the undo */
    int suspended = 0, resumed = 0;
    for (size_t i = 0; i < rep.count; i++) {
        if (strcmp(rep.items[i].name, "alpha") != 0)
            continue;
        suspended |= rep.items[i].action == VMDRV_ACT_SUSPENDED;
        resumed |= rep.items[i].action == VMDRV_ACT_RESUMED;
    }
    assert_true(suspended && resumed);
    assert_null(find_entry(&rep, "flaky", "zulu"));
    vmdrv_report_clear(&rep);

    sh_check(&e, vmdrv_setting_get(e.mgr, "local.driver", value, sizeof value));
    assert_string_equal(value, "flaky");
    assert_int_equal(sh_state(&e, NULL, "alpha"), VMDRV_STATE_RUNNING);
    assert_int_equal(sh_state(&e, NULL, "stuck"), VMDRV_STATE_RUNNING);
    assert_int_equal(sh_state(&e, NULL, "zulu"), VMDRV_STATE_RUNNING);
    sh_check(&e, vmdrv_records_load(e.ctx, "flaky", &recs));
    assert_int_equal(recs.count, 3);
    for (size_t i = 0; i < recs.count; i++)
        assert_false(recs.items[i].remembered);
    vmdrv_records_clear(&recs);
    /* the records are as they were before the attempt */
    char *after = sh_slurp(file);
    assert_string_equal(after, before);
    free(after);
    free(before);
    free(file);
    sh_close(&e);
}

/* An earlier switch killed halfway left a memory: the next switch keeps
 * it instead of remembering "suspended". */
static void test_scope__interrupted_switch_memory_is_kept(void **state)
{
    (void)state;
    sh_env e;
    vmdrv__store st;
    sh_open(&e, "macos-arm64", NULL);
    sh_select(&e, "test");
    sh_launch(&e, "web");
    vmdrv_scope *s = open_current(&e);
    sh_check(&e, vmdrv_scope_suspend(s, "web", 0));
    vmdrv_scope_close(s);
    /* what a switch killed after suspending web leaves behind */
    char *dir = sh_path(&e, "test");
    sh_check(&e, vmdrv__store_begin(e.ctx, dir, "test", "test", &st));
    json_object_set_new(json_object_get(st.instances, "web"),
                        "state_before_switch",
                        json_integer(VMDRV_STATE_RUNNING));
    sh_check(&e, vmdrv__store_commit(&st));
    sh_select(&e, "test-b");
    sh_select(&e, "test");
    assert_int_equal(sh_state(&e, NULL, "web"), VMDRV_STATE_RUNNING);

    /* killed before local.driver was written: the scope in effect holds
     * the memory; setting the same value again finishes the job */
    s = open_current(&e);
    sh_check(&e, vmdrv_scope_suspend(s, "web", 0));
    vmdrv_scope_close(s);
    sh_check(&e, vmdrv__store_begin(e.ctx, dir, "test", "test", &st));
    json_object_set_new(json_object_get(st.instances, "web"),
                        "state_before_switch",
                        json_integer(VMDRV_STATE_RUNNING));
    sh_check(&e, vmdrv__store_commit(&st));
    vmdrv_report rep = {0};
    sh_check(&e, vmdrv_local_driver_set(e.mgr, "test", &rep));
    assert_false(rep.switched);
    assert_int_equal(rep.count, 1);
    assert_int_equal(rep.items[0].action, VMDRV_ACT_RESUMED);
    vmdrv_report_clear(&rep);
    assert_int_equal(sh_state(&e, NULL, "web"), VMDRV_STATE_RUNNING);
    vmdrv_record r;
    sh_record(&e, "test", "web", &r);
    assert_false(r.remembered);
    vmdrv_record_clear(&r);
    free(dir);
    sh_close(&e);
}

/* An unsupported feature: the dispatcher's message, exit as error, and
 * the instance and its record exactly as they were. */
static void test_scope__unsupported_leaves_instance_as_it_was(void **state)
{
    (void)state;
    static const char *const opts[] = {
        "faults=unsupported:suspend,unsupported:snapshots,"
        "unsupported:native_mounts",
        NULL};
    sh_env e;
    sh_open(&e, "linux-x86_64", opts);
    sh_select(&e, "test");
    sh_launch(&e, "web");
    char *file = sh_path(&e, "test/" VMDRV__RECORDS_FILE);
    char *hv = sh_path(&e, "test/testhv.json");
    char *before = sh_slurp(file), *hv_before = sh_slurp(hv);
    vmdrv_scope *s = open_current(&e);

    assert_int_equal(vmdrv_scope_suspend(s, "web", 0), VMDRV_E_NOTSUP);
    assert_string_equal(vmdrv_last_error(e.ctx)->message,
                        "VM suspension (suspend) is not supported by the "
                        "Test driver ('test')");
    assert_int_equal(vmdrv_scope_snapshot(s, "web", "s1", NULL, 0, 0),
                     VMDRV_E_NOTSUP);
    assert_string_equal(vmdrv_last_error(e.ctx)->message,
                        "Snapshots (snapshots) are not supported by the Test "
                        "driver ('test')");
    assert_int_equal(vmdrv_scope_restore(s, "web", "s1", 0), VMDRV_E_NOTSUP);
    assert_int_equal(vmdrv_scope_mount(s, "web", "/tmp", "/mnt", 0),
                     VMDRV_E_NOTSUP);
    sh_assert_contains(vmdrv_last_error(e.ctx)->message,
                       "Native mounts (native_mounts) are not supported");
    assert_int_equal(vmdrv_scope_umount(s, "web", "/mnt", 0), VMDRV_E_NOTSUP);
    vmdrv_scope_close(s);

    char *after = sh_slurp(file), *hv_after = sh_slurp(hv);
    assert_string_equal(after, before);
    assert_string_equal(hv_after, hv_before);
    assert_int_equal(sh_state(&e, NULL, "web"), VMDRV_STATE_RUNNING);
    free(before);
    free(after);
    free(hv_before);
    free(hv_after);
    free(file);
    free(hv);
    sh_close(&e);
}

static void test_scope__delete_and_purge(void **state)
{
    (void)state;
    sh_env e;
    vmdrv_records recs;
    vmdrv_record r;
    vmdrv_names names = {0};
    sh_open(&e, "windows-pro", NULL);
    sh_select(&e, "test");
    sh_launch(&e, "web");
    vmdrv_scope *s = open_current(&e);
    sh_check(&e, vmdrv_scope_suspend(s, "web", 0));
    /* delete powers off, whatever the state, and hides the record */
    sh_check(&e, vmdrv_scope_delete(s, "web", 0));
    sh_check(&e, vmdrv_scope_records(s, &recs, 0));
    assert_int_equal(recs.count, 0);
    vmdrv_records_clear(&recs);
    sh_check(&e, vmdrv_scope_records(s, &recs, VMDRV_SCOPE_DELETED));
    assert_int_equal(recs.count, 1);
    assert_true(recs.items[0].deleted);
    assert_int_equal(recs.items[0].state, VMDRV_STATE_STOPPED);
    vmdrv_records_clear(&recs);
    /* a deleted instance keeps its name and takes no orders */
    vmdrv_instance_spec spec = {.name = "web"};
    assert_int_equal(vmdrv_scope_launch(s, &spec, NULL, 0, 0), VMDRV_E_EXISTS);
    assert_string_equal(vmdrv_last_error(e.ctx)->message,
                        "instance 'web' already exists in the 'test' scope "
                        "(deleted, but not purged)");
    assert_int_equal(vmdrv_scope_start(s, "web", 0), VMDRV_E_STATE);
    assert_string_equal(vmdrv_last_error(e.ctx)->message,
                        "instance 'web' is deleted");
    assert_int_equal(vmdrv_scope_delete(s, "web", 0), VMDRV_E_STATE);
    sh_check(&e, vmdrv_scope_info(s, "web", &r, NULL));
    assert_true(r.deleted);
    vmdrv_record_clear(&r);
    /* purge removes it through the driver, files included */
    char dir[1024];
    sh_check(&e, vmdrv_conn_instance_dir(vmdrv_scope_conn(s), "web", dir,
                                         sizeof dir));
    assert_true(vu_is_dir(dir));
    sh_check(&e, vmdrv_scope_delete(s, "web", VMDRV_DELETE_PURGE));
    assert_false(vu_path_exists(dir));
    sh_check(&e, vmdrv_scope_records(s, &recs, VMDRV_SCOPE_DELETED));
    assert_int_equal(recs.count, 0);
    vmdrv_records_clear(&recs);
    sh_check(&e, vmdrv_instance_list(vmdrv_scope_conn(s), &names, 0));
    assert_int_equal(names.count, 0);
    vmdrv_names_clear(&names);
    assert_int_equal(vmdrv_scope_delete(s, "web", VMDRV_DELETE_PURGE),
                     VMDRV_E_NOTFOUND);
    assert_string_equal(vmdrv_last_error(e.ctx)->message,
                        "instance 'web' does not exist in the 'test' scope");
    /* and the name is free again */
    sh_check(&e, vmdrv_scope_launch(s, &spec, NULL, 0, 0));
    vmdrv_scope_close(s);
    sh_close(&e);
}

/* A launch that fails leaves nothing behind: no record, no instance. */
static void test_scope__failed_launch_leaves_nothing(void **state)
{
    (void)state;
    static const char *const faults[] = {"faults=fail:instance_create",
                                         "faults=fail:instance_start"};
    for (size_t i = 0; i < 2; i++) {
        const char *opts[] = {faults[i], NULL};
        sh_env e;
        vmdrv_records recs;
        vmdrv_names names = {0};
        sh_open(&e, "linux-x86_64", opts);
        sh_select(&e, "test");
        vmdrv_scope *s = open_current(&e);
        vmdrv_instance_spec spec = {.name = "web"};
        assert_int_equal(vmdrv_scope_launch(s, &spec, NULL, 0, 0),
                         VMDRV_E_TOOL);
        sh_assert_contains(vmdrv_last_error(e.ctx)->message,
                           "injected failure in instance_");
        sh_check(&e, vmdrv_scope_records(s, &recs, VMDRV_SCOPE_DELETED));
        assert_int_equal(recs.count, 0);
        vmdrv_records_clear(&recs);
        sh_check(&e, vmdrv_instance_list(vmdrv_scope_conn(s), &names, 0));
        assert_int_equal(names.count, 0);
        vmdrv_names_clear(&names);
        vmdrv_scope_close(s);
        sh_close(&e);
    }
}

/* A record whose driver never saw the instance (a launch killed between
 * the record and the driver, or a migrated instance) is created on first
 * use, with the record's sizes. */
static void test_scope__pending_record_is_completed(void **state)
{
    (void)state;
    sh_env e;
    vmdrv__store st;
    vmdrv_info info;
    vmdrv_record r;
    sh_open(&e, "linux-x86_64", NULL);
    sh_select(&e, "test");
    char *dir = sh_path(&e, "test");
    sh_check(&e, vmdrv__store_begin(e.ctx, dir, "test", "test", &st));
    json_t *rec = vmdrv__record_new("orphan", 3, 2048, 4096);
    json_object_set_new(rec, "pending_create", json_true());
    json_object_set_new(st.instances, "orphan", rec);
    sh_check(&e, vmdrv__store_commit(&st));
    vmdrv_scope *s = open_current(&e);
    vmdrv_state stt;
    int live = 1;
    sh_check(&e, vmdrv_scope_state(s, "orphan", &stt, &live));
    assert_int_equal(live, 0);
    assert_int_equal(stt, VMDRV_STATE_OFF);
    sh_check(&e, vmdrv_scope_start(s, "orphan", 0));
    sh_check(&e, vmdrv_instance_info(vmdrv_scope_conn(s), "orphan", &info, 0));
    assert_int_equal(info.cpus, 3);
    assert_int_equal(info.memory_mb, 2048);
    assert_int_equal(info.disk_mb, 4096);
    assert_int_equal(info.state, VMDRV_STATE_RUNNING);
    vmdrv_scope_close(s);
    sh_record(&e, "test", "orphan", &r);
    assert_false(r.pending_create);
    assert_int_equal(r.state, VMDRV_STATE_RUNNING);
    vmdrv_record_clear(&r);
    free(dir);
    sh_close(&e);
}

/* A handle on "the scope in effect" is not used after a switch. */
static void test_scope__stale_handle_after_switch(void **state)
{
    (void)state;
    sh_env e;
    sh_open(&e, "linux-x86_64", NULL);
    sh_select(&e, "test");
    sh_launch(&e, "web");
    vmdrv_scope *s = open_current(&e);
    sh_select(&e, "test-b");
    vmdrv_instance_spec spec = {.name = "db"};
    assert_int_equal(vmdrv_scope_launch(s, &spec, NULL, 0, 0), VMDRV_E_STATE);
    assert_string_equal(vmdrv_last_error(e.ctx)->message,
                        "local.driver changed from 'test' to 'test-b' while "
                        "this command waited; nothing was done");
    assert_int_equal(vmdrv_scope_start(s, "web", 0), VMDRV_E_STATE);
    vmdrv_scope_close(s);
    /* web stayed suspended: the stale start did nothing */
    assert_int_equal(sh_state(&e, "test", "web"), VMDRV_STATE_SUSPENDED);
    /* a scope opened by name is not tied to the setting */
    vmdrv_records recs;
    sh_check(&e, vmdrv_scope_open(&s, e.mgr, "test", 0));
    sh_check(&e, vmdrv_scope_records(s, &recs, 0));
    assert_int_equal(recs.count, 1);
    vmdrv_records_clear(&recs);
    sh_check(&e, vmdrv_scope_start(s, "web", 0));
    vmdrv_scope_close(s);
    assert_int_equal(sh_state(&e, "test", "web"), VMDRV_STATE_RUNNING);
    sh_close(&e);
}

static void test_scope__snapshots_and_mounts_are_recorded(void **state)
{
    (void)state;
    sh_env e;
    vmdrv_record r;
    char taken[64];
    sh_open(&e, "linux-x86_64", NULL);
    sh_select(&e, "test");
    sh_launch(&e, "web");
    vmdrv_scope *s = open_current(&e);
    sh_check(&e, vmdrv_scope_snapshot(s, "web", NULL, taken, sizeof taken, 0));
    assert_string_equal(taken, "snapshot1");
    sh_check(&e, vmdrv_scope_snapshot(s, "web", "mine", taken, sizeof taken, 0));
    assert_string_equal(taken, "mine");
    sh_check(&e, vmdrv_scope_snapshot(s, "web", NULL, taken, sizeof taken, 0));
    assert_string_equal(taken, "snapshot3");
    assert_int_equal(vmdrv_scope_snapshot(s, "web", "mine", NULL, 0, 0),
                     VMDRV_E_EXISTS);
    sh_check(&e, vmdrv_scope_restore(s, "web", "snapshot1", 0));
    char *host = vu_strdup(e.dir);
    sh_check(&e, vmdrv_scope_mount(s, "web", host, "/mnt/a", 0));
    sh_check(&e, vmdrv_scope_mount(s, "web", host, "/mnt/b", 0));
    sh_check(&e, vmdrv_scope_info(s, "web", &r, NULL));
    assert_int_equal(r.snapshots.count, 3);
    assert_string_equal(r.snapshots.names[1], "mine");
    assert_int_equal(r.n_mounts, 2);
    assert_string_equal(r.mounts[1].target, "/mnt/b");
    assert_string_equal(r.mounts[1].source, host);
    vmdrv_record_clear(&r);
    sh_check(&e, vmdrv_scope_umount(s, "web", "/mnt/a", 0));
    sh_check(&e, vmdrv_scope_info(s, "web", &r, NULL));
    assert_int_equal(r.n_mounts, 1);
    vmdrv_record_clear(&r);
    sh_check(&e, vmdrv_scope_umount(s, "web", NULL, 0));
    assert_int_equal(vmdrv_scope_umount(s, "web", NULL, 0), VMDRV_E_NOTFOUND);
    assert_string_equal(vmdrv_last_error(e.ctx)->message,
                        "no folders are mounted in 'web'");
    vmdrv_scope_close(s);
    free(host);
    sh_close(&e);
}

/* A folder once used by another driver under an alias is refused. */
static void test_scope__folder_of_another_driver_is_refused(void **state)
{
    (void)state;
    sh_env e;
    vmdrv__store st;
    sh_open(&e, "linux-x86_64", NULL);
    char *dir = sh_path(&e, "test-b");
    sh_check(&e, vmdrv__store_begin(e.ctx, dir, "test-b", "qemu", &st));
    sh_check(&e, vmdrv__store_commit(&st));
    vmdrv_scope *s = NULL;
    assert_int_equal(vmdrv_scope_open(&s, e.mgr, "test-b", 0), VMDRV_E_CONFIG);
    sh_assert_contains(vmdrv_last_error(e.ctx)->message,
                       "holds instances of the 'qemu' driver, not of 'test'");
    free(dir);
    sh_close(&e);
}

/*
 * The scope being left belongs to a driver that cannot be reached here
 * (VirtualBox whose VBoxManage cannot be run; or not built at all):
 * nothing can be suspended, the switch
 * goes on with a warning, and the recorded states are remembered;
 * coming back to it says that its instances cannot be restored.
 */
static void test_scope__unreachable_driver(void **state)
{
    (void)state;
    sh_env e;
    vmdrv__store st;
    vmdrv_report rep = {0};
    vmdrv_record r;
    setenv("VMDRV_TOOL_VBOXMANAGE", "/nonexistent/VBoxManage", 1);
    sh_open(&e, "windows-home", NULL);
    char *dir = sh_path(&e, "virtualbox");
    sh_check(&e, vmdrv__store_begin(e.ctx, dir, "virtualbox", "virtualbox",
                                    &st));
    json_t *rec = vmdrv__record_new("old", 1, 1024, 5120);
    json_object_set_new(rec, "state", json_integer(VMDRV_STATE_RUNNING));
    json_object_set_new(st.instances, "old", rec);
    sh_check(&e, vmdrv__store_commit(&st));
    char value[64];
    sh_check(&e, vmdrv_setting_get(e.mgr, "local.driver", value, sizeof value));
    assert_string_equal(value, "virtualbox");

    sh_check(&e, vmdrv_local_driver_set(e.mgr, "test", &rep));
    assert_true(rep.switched);
    assert_int_equal(rep.count, 1);
    assert_int_equal(rep.items[0].action, VMDRV_ACT_KEPT);
    sh_assert_contains(rep.items[0].message, "its driver cannot be reached");
    assert_int_equal(vmdrv_manager_warning_count(e.mgr), 1);
    sh_assert_contains(vmdrv_manager_warning(e.mgr, 0),
                       "the instances of the 'virtualbox' scope could not be "
                       "suspended");
    vmdrv_report_clear(&rep);
    sh_record(&e, "virtualbox", "old", &r);
    assert_true(r.remembered);
    assert_int_equal(r.state_before_switch, VMDRV_STATE_RUNNING);
    vmdrv_record_clear(&r);

    int rc = vmdrv_local_driver_set(e.mgr, "virtualbox", &rep);
    assert_true(rc != 0);
    sh_assert_contains(vmdrv_last_error(e.ctx)->message,
                       "switched to 'virtualbox', but its instances cannot "
                       "be restored: ");
    assert_true(rep.switched);
    assert_int_equal(rep.items[rep.count - 1].action, VMDRV_ACT_FAILED);
    vmdrv_report_clear(&rep);
    sh_check(&e, vmdrv_setting_get(e.mgr, "local.driver", value, sizeof value));
    assert_string_equal(value, "virtualbox");
    /* the memory stays for a later, successful return */
    sh_record(&e, "virtualbox", "old", &r);
    assert_true(r.remembered);
    vmdrv_record_clear(&r);
    unsetenv("VMDRV_TOOL_VBOXMANAGE");
    free(dir);
    sh_close(&e);
}

/* A target scope whose records cannot be read: refused before anything
 * is suspended. */
static void test_scope__corrupt_target_is_not_entered(void **state)
{
    (void)state;
    sh_env e;
    sh_open(&e, "macos-x86_64", NULL);
    sh_select(&e, "test");
    sh_launch(&e, "web");
    char *dir = sh_path(&e, "test-b");
    assert_int_equal(vu_mkdir_p(dir), 0);
    char *file = sh_path(&e, "test-b/" VMDRV__RECORDS_FILE);
    sh_spit(file, "{\"schema\": 9, \"instances\": {}}\n");
    assert_int_equal(vmdrv_local_driver_set(e.mgr, "test-b", NULL),
                     VMDRV_E_CORRUPT);
    sh_assert_contains(vmdrv_last_error(e.ctx)->message, "schema version 9");
    char value[64];
    sh_check(&e, vmdrv_setting_get(e.mgr, "local.driver", value, sizeof value));
    assert_string_equal(value, "test");
    assert_int_equal(sh_state(&e, NULL, "web"), VMDRV_STATE_RUNNING);
    vmdrv_record r;
    sh_record(&e, "test", "web", &r);
    assert_false(r.remembered);
    vmdrv_record_clear(&r);
    free(file);
    free(dir);
    sh_close(&e);
}

/* An instance its hypervisor lost (removed behind vmdrv's back, or a
 * data folder moved to another machine) shows as unknown and does not
 * hold a switch up. */
static void test_scope__lost_instance_does_not_block_a_switch(void **state)
{
    (void)state;
    sh_env e;
    vmdrv_report rep = {0};
    vmdrv_records recs;
    sh_open(&e, "linux-arm64", NULL);
    sh_select(&e, "test");
    sh_launch(&e, "web");
    sh_launch(&e, "lost");
    vmdrv_scope *s = open_current(&e);
    sh_check(&e, vmdrv_instance_delete(vmdrv_scope_conn(s), "lost", 0));
    sh_check(&e, vmdrv_scope_records(s, &recs, 0));
    assert_int_equal(vmdrv_records_find(&recs, "lost")->state,
                     VMDRV_STATE_UNKNOWN);
    vmdrv_records_clear(&recs);
    vmdrv_state st;
    int live = 1;
    sh_check(&e, vmdrv_scope_state(s, "lost", &st, &live));
    assert_int_equal(st, VMDRV_STATE_UNKNOWN);
    assert_int_equal(live, 0);
    vmdrv_scope_close(s);

    sh_check(&e, vmdrv_local_driver_set(e.mgr, "test-b", &rep));
    const vmdrv_report_entry *l = find_entry(&rep, "test", "lost");
    assert_int_equal(l->action, VMDRV_ACT_KEPT);
    sh_assert_contains(l->message, "its driver does not know it");
    assert_int_equal(find_entry(&rep, "test", "web")->action,
                     VMDRV_ACT_SUSPENDED);
    vmdrv_report_clear(&rep);
    sh_check(&e, vmdrv_local_driver_set(e.mgr, "test", &rep));
    sh_assert_contains(find_entry(&rep, "test", "lost")->message,
                       "its state could not be given back");
    assert_int_equal(find_entry(&rep, "test", "web")->action,
                     VMDRV_ACT_RESUMED);
    vmdrv_report_clear(&rep);
    /* purge clears what is left */
    s = open_current(&e);
    sh_check(&e, vmdrv_scope_delete(s, "lost", VMDRV_DELETE_PURGE));
    vmdrv_scope_close(s);
    sh_close(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope__isolation_and_restore_on_every_profile),
        cmocka_unit_test(test_scope__driver_without_suspend_stops),
        cmocka_unit_test(test_scope__failure_halfway_is_undone),
        cmocka_unit_test(test_scope__interrupted_switch_memory_is_kept),
        cmocka_unit_test(test_scope__unsupported_leaves_instance_as_it_was),
        cmocka_unit_test(test_scope__delete_and_purge),
        cmocka_unit_test(test_scope__failed_launch_leaves_nothing),
        cmocka_unit_test(test_scope__pending_record_is_completed),
        cmocka_unit_test(test_scope__stale_handle_after_switch),
        cmocka_unit_test(test_scope__snapshots_and_mounts_are_recorded),
        cmocka_unit_test(test_scope__folder_of_another_driver_is_refused),
        cmocka_unit_test(test_scope__unreachable_driver),
        cmocka_unit_test(test_scope__corrupt_target_is_not_entered),
        cmocka_unit_test(test_scope__lost_instance_does_not_block_a_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
