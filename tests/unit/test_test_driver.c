/*
 * test_test_driver.c: the reference "test" driver through the public
 * API: Multipass's state machine (every transition, idempotent stop,
 * wrong-state errors), its guest model (/tmp in RAM: kept by suspend,
 * lost by stop), snapshots that restore disk and live RAM, mounts that
 * read and write real host files through guest_exec, networks only when
 * stopped, persistence across contexts, and each fault mode.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/wait.h>
#include <time.h>

#include "found_helpers.h"
#include "vmdrv/sys/driver.h"

typedef struct fixture {
    char *dir;
    vmdrv_ctx *ctx;
    vmdrv_conn *conn;
} fixture;

static int setup(void **state)
{
    fixture *f = vu_calloc(1, sizeof *f);
    unsetenv("VMDRV_TEST_FAULTS");
    f->ctx = fh_ctx(&f->dir);
    fh_assert_ok(f->ctx, vmdrv_conn_open(&f->conn, f->ctx, "test", NULL, NULL,
                                         0));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unsetenv("VMDRV_TEST_FAULTS");
    vmdrv_conn_close(f->conn);
    vmdrv_ctx_free(f->ctx);
    fh_rmdir(f->dir);
    free(f);
    return 0;
}

/* Open another connection of the test driver with a faults option. */
static vmdrv_conn *with_faults(fixture *f, const char *faults)
{
    char *opt = vu_asprintf("faults=%s", faults);
    const char *opts[] = {opt, NULL};
    vmdrv_conn *c;
    fh_assert_ok(f->ctx, vmdrv_conn_open(&c, f->ctx, "test", NULL, opts, 0));
    free(opt);
    return c;
}

static void create(vmdrv_conn *c, const char *name)
{
    vmdrv_instance_spec spec = {.name = name};
    fh_assert_ok(vmdrv_conn_ctx(c), vmdrv_instance_create(c, &spec, 0));
}

static vmdrv_state state_of(vmdrv_conn *c, const char *name)
{
    vmdrv_state s;
    fh_assert_ok(vmdrv_conn_ctx(c), vmdrv_instance_state(c, name, &s, 0));
    return s;
}

/* Run cmd in the guest; returns the owned output, *code its status. */
static char *guest(vmdrv_conn *c, const char *name, const char *cmd,
                   int *code)
{
    vmdrv_exec_result r;
    fh_assert_ok(vmdrv_conn_ctx(c), vmdrv_guest_exec(c, name, cmd, &r, 0));
    *code = r.exit_code;
    char *out = r.output;
    r.output = NULL;
    vmdrv_exec_result_clear(&r);
    return out;
}

/* The guest command must succeed and print want. */
static void guest_says(vmdrv_conn *c, const char *name, const char *cmd,
                       int want_code, const char *want)
{
    int code;
    char *out = guest(c, name, cmd, &code);
    if (code != want_code || strcmp(out, want) != 0)
        print_error("'%s': %d '%s', want %d '%s'\n", cmd, code, out,
                    want_code, want);
    assert_int_equal(code, want_code);
    assert_string_equal(out, want);
    free(out);
}

static int has_name(const vmdrv_names *n, const char *name)
{
    for (size_t i = 0; i < n->count; i++)
        if (strcmp(n->names[i], name) == 0)
            return 1;
    return 0;
}

/* ---- the state machine ----------------------------------------------- */

static void test_test_driver__lifecycle(void **state)
{
    fixture *f = *state;
    vmdrv_conn *c = f->conn;
    vmdrv_instance_spec spec = {.name = "vm", .cpus = 4, .memory_mb = 2048,
                                .disk_mb = 10240};
    fh_assert_ok(f->ctx, vmdrv_instance_create(c, &spec, 0));
    fh_assert_error(f->ctx, vmdrv_instance_create(c, &spec, 0), VMDRV_E_EXISTS,
                    "instance 'vm' already exists");
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_OFF);
    char dir[1024];
    fh_assert_ok(f->ctx, vmdrv_conn_instance_dir(c, "vm", dir, sizeof dir));
    assert_true(vu_is_dir(dir));
    vmdrv_info info;
    fh_assert_ok(f->ctx, vmdrv_instance_info(c, "vm", &info, 0));
    assert_string_equal(info.name, "vm");
    assert_int_equal(info.state, VMDRV_STATE_OFF);
    assert_int_equal(info.cpus, 4);
    assert_int_equal(info.memory_mb, 2048);
    assert_int_equal(info.disk_mb, 10240);
    assert_string_equal(vmdrv_info_get(&info, "snapshots"), "0");

    /* off -> running -> running (start is idempotent) */
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_RUNNING);
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_RUNNING);
    /* running -> stopped -> stopped (stop is idempotent, forced or not) */
    fh_assert_ok(f->ctx, vmdrv_instance_stop(c, "vm", 0));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_STOPPED);
    fh_assert_ok(f->ctx, vmdrv_instance_stop(c, "vm", 0));
    fh_assert_ok(f->ctx, vmdrv_instance_stop(c, "vm", VMDRV_STOP_FORCE));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_STOPPED);
    /* a forced stop of a running instance */
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    fh_assert_ok(f->ctx, vmdrv_instance_stop(c, "vm", VMDRV_STOP_FORCE));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_STOPPED);
    /* stopped -> running -> suspended -> suspended -> running (resume) */
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    fh_assert_ok(f->ctx, vmdrv_instance_suspend(c, "vm", 0));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_SUSPENDED);
    fh_assert_ok(f->ctx, vmdrv_instance_suspend(c, "vm", 0));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_SUSPENDED);
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_RUNNING);
    /* suspended: a clean shutdown is refused, a forced stop discards */
    fh_assert_ok(f->ctx, vmdrv_instance_suspend(c, "vm", 0));
    fh_assert_error(f->ctx, vmdrv_instance_stop(c, "vm", 0), VMDRV_E_STATE,
                    "cannot shut down suspended instance 'vm' (use a forced "
                    "stop to discard its saved state)");
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_SUSPENDED);
    fh_assert_ok(f->ctx, vmdrv_instance_stop(c, "vm", VMDRV_STOP_FORCE));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_STOPPED);
    /* suspend needs a running instance */
    fh_assert_error(f->ctx, vmdrv_instance_suspend(c, "vm", 0), VMDRV_E_STATE,
                    "cannot suspend instance 'vm' while it is stopped");
    assert_int_equal(vmdrv_last_error(f->ctx)->code, VMDRV_E_STATE);
    assert_string_equal(vmdrv_last_error(f->ctx)->origin, "test");

    /* a fresh instance is off; stopping it is a no-op */
    create(c, "fresh");
    fh_assert_error(f->ctx, vmdrv_instance_suspend(c, "fresh", 0),
                    VMDRV_E_STATE,
                    "cannot suspend instance 'fresh' while it is off");
    fh_assert_ok(f->ctx, vmdrv_instance_stop(c, "fresh", 0));
    assert_int_equal(state_of(c, "fresh"), VMDRV_STATE_OFF);

    vmdrv_names names = {0};
    fh_assert_ok(f->ctx, vmdrv_instance_list(c, &names, 0));
    assert_int_equal(names.count, 2);
    assert_true(has_name(&names, "vm") && has_name(&names, "fresh"));
    vmdrv_names_clear(&names);

    /* delete works in any state, and the instance is gone everywhere */
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    fh_assert_ok(f->ctx, vmdrv_instance_delete(c, "vm", 0));
    assert_false(vu_path_exists(dir));
    vmdrv_state s;
    fh_assert_error(f->ctx, vmdrv_instance_state(c, "vm", &s, 0),
                    VMDRV_E_NOTFOUND, "instance 'vm' does not exist");
    fh_assert_error(f->ctx, vmdrv_instance_delete(c, "vm", 0),
                    VMDRV_E_NOTFOUND, "instance 'vm' does not exist");
    fh_assert_error(f->ctx, vmdrv_instance_start(c, "vm", 0), VMDRV_E_NOTFOUND,
                    "instance 'vm' does not exist");
    fh_assert_error(f->ctx, vmdrv_instance_stop(c, "vm", 0), VMDRV_E_NOTFOUND,
                    "instance 'vm' does not exist");
    fh_assert_ok(f->ctx, vmdrv_instance_list(c, &names, 0));
    assert_int_equal(names.count, 1);
    vmdrv_names_clear(&names);
    /* and the name is free again */
    create(c, "vm");
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_OFF);
}

static void test_test_driver__start_refused_in_odd_states(void **state)
{
    fixture *f = *state;
    create(f->conn, "vm");
    /* states the driver never enters by itself, as a crashed hypervisor
     * could leave them in its records */
    char *db = vu_path_join(vmdrv_conn_dir(f->conn), "testhv.json");
    char *text;
    assert_int_equal(vu_read_file(db, &text, NULL), 0);
    char *at = strstr(text, "\"state\": 0");
    assert_non_null(at);
    at[strlen("\"state\": ")] = '8'; /* unknown */
    assert_int_equal(vu_write_atomic(db, text, strlen(text)), 0);
    fh_assert_error(f->ctx, vmdrv_instance_start(f->conn, "vm", 0),
                    VMDRV_E_STATE,
                    "cannot start instance 'vm' while it is unknown");
    free(text);
    free(db);
}

static void test_test_driver__corrupt_state_file(void **state)
{
    fixture *f = *state;
    create(f->conn, "vm");
    char *db = vu_path_join(vmdrv_conn_dir(f->conn), "testhv.json");
    assert_int_equal(vu_write_atomic(db, "{not json", 9), 0);
    vmdrv_state s;
    assert_int_equal(vmdrv_instance_state(f->conn, "vm", &s, 0),
                     VMDRV_E_CORRUPT);
    char *prefix = vu_asprintf("test hypervisor state is corrupt: %s:1:", db);
    assert_true(vu_starts_with(vmdrv_last_error(f->ctx)->message, prefix));
    free(prefix);
    assert_int_equal(vu_write_atomic(db, "{\"schema\": 2}", 13), 0);
    char *msg = vu_asprintf("test hypervisor state '%s' has an unknown "
                            "schema version",
                            db);
    fh_assert_error(f->ctx, vmdrv_instance_state(f->conn, "vm", &s, 0),
                    VMDRV_E_CORRUPT, msg);
    free(msg);
    free(db);
}

/* ---- the guest -------------------------------------------------------- */

static void test_test_driver__guest_shell(void **state)
{
    fixture *f = *state;
    vmdrv_conn *c = f->conn;
    create(c, "vm");
    vmdrv_exec_result r;
    fh_assert_error(f->ctx, vmdrv_guest_exec(c, "vm", "true", &r, 0),
                    VMDRV_E_STATE,
                    "cannot run a command in instance 'vm' while it is off");
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    guest_says(c, "vm", "true", 0, "");
    guest_says(c, "vm", "false", 1, "");
    guest_says(c, "vm", "exit 5", 5, "");
    guest_says(c, "vm", "hostname", 0, "vm\n");
    guest_says(c, "vm", "echo hello  world", 0, "hello world\n");
    guest_says(c, "vm", "nosuch", 127, "sh: nosuch: not found\n");
    guest_says(c, "vm", "true && echo yes", 0, "yes\n");
    guest_says(c, "vm", "false && echo no", 1, "");
    guest_says(c, "vm", "false; echo after", 0, "after\n");
    guest_says(c, "vm", "echo a >> /tmp/x; echo b >> /tmp/x; cat /tmp/x", 0,
               "a\nb\n");
    guest_says(c, "vm", "test /tmp/x", 0, "");
    guest_says(c, "vm", "rm /tmp/x; test /tmp/x", 1, "");
    guest_says(c, "vm", "cat /tmp/x", 1,
               "cat: /tmp/x: No such file or directory\n");
    fh_assert_ok(f->ctx, vmdrv_instance_suspend(c, "vm", 0));
    fh_assert_error(f->ctx, vmdrv_guest_exec(c, "vm", "true", &r, 0),
                    VMDRV_E_STATE,
                    "cannot run a command in instance 'vm' while it is "
                    "suspended");
}

static void test_test_driver__suspend_keeps_ram_stop_loses_it(void **state)
{
    fixture *f = *state;
    vmdrv_conn *c = f->conn;
    create(c, "vm");
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    guest_says(c, "vm", "echo in-ram > /tmp/f; echo on-disk > /home/f", 0, "");
    fh_assert_ok(f->ctx, vmdrv_instance_suspend(c, "vm", 0));
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    guest_says(c, "vm", "cat /tmp/f", 0, "in-ram\n");
    guest_says(c, "vm", "cat /home/f", 0, "on-disk\n");
    fh_assert_ok(f->ctx, vmdrv_instance_stop(c, "vm", 0));
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    guest_says(c, "vm", "test /tmp/f", 1, "");
    guest_says(c, "vm", "cat /home/f", 0, "on-disk\n");
    /* a forced stop of a suspended instance drops its saved RAM too */
    guest_says(c, "vm", "echo again > /tmp/g", 0, "");
    fh_assert_ok(f->ctx, vmdrv_instance_suspend(c, "vm", 0));
    fh_assert_ok(f->ctx, vmdrv_instance_stop(c, "vm", VMDRV_STOP_FORCE));
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    guest_says(c, "vm", "test /tmp/g", 1, "");
}

/* ---- snapshots -------------------------------------------------------- */

static void test_test_driver__snapshots_restore_disk_and_ram(void **state)
{
    fixture *f = *state;
    vmdrv_conn *c = f->conn;
    create(c, "vm");
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    guest_says(c, "vm", "echo v1 > /data/f; echo r1 > /tmp/r", 0, "");
    fh_assert_ok(f->ctx, vmdrv_snapshot_take(c, "vm", "s1", 0)); /* live */
    guest_says(c, "vm", "echo v2 > /data/f; echo r2 > /tmp/r", 0, "");
    fh_assert_ok(f->ctx, vmdrv_snapshot_restore(c, "vm", "s1", 0));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_RUNNING);
    guest_says(c, "vm", "cat /data/f", 0, "v1\n");
    guest_says(c, "vm", "cat /tmp/r", 0, "r1\n");

    /* a snapshot of a stopped instance has a disk but no RAM: restoring
     * it into a running instance is a fresh boot */
    fh_assert_ok(f->ctx, vmdrv_instance_stop(c, "vm", 0));
    fh_assert_ok(f->ctx, vmdrv_snapshot_take(c, "vm", "s2", 0));
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    guest_says(c, "vm", "echo v3 > /data/f; echo t > /tmp/t", 0, "");
    fh_assert_ok(f->ctx, vmdrv_snapshot_restore(c, "vm", "s2", 0));
    guest_says(c, "vm", "cat /data/f", 0, "v1\n");
    guest_says(c, "vm", "test /tmp/t", 1, "");

    /* restoring a stopped instance changes its disk, not its state */
    guest_says(c, "vm", "echo v4 > /data/f", 0, "");
    fh_assert_ok(f->ctx, vmdrv_instance_stop(c, "vm", 0));
    fh_assert_ok(f->ctx, vmdrv_snapshot_restore(c, "vm", "s1", 0));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_STOPPED);
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    guest_says(c, "vm", "cat /data/f", 0, "v1\n");

    vmdrv_snapshots list = {0};
    fh_assert_ok(f->ctx, vmdrv_snapshot_list(c, "vm", &list, 0));
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0].name, "s1");
    assert_string_equal(list.items[0].parent, "");
    assert_string_equal(list.items[1].name, "s2");
    assert_string_equal(list.items[1].parent, "s1");
    assert_true(list.items[0].created > 0);
    vmdrv_snapshots_clear(&list);
    vmdrv_info info;
    fh_assert_ok(f->ctx, vmdrv_instance_info(c, "vm", &info, 0));
    assert_string_equal(vmdrv_info_get(&info, "snapshots"), "2");

    fh_assert_error(f->ctx, vmdrv_snapshot_take(c, "vm", "s2", 0),
                    VMDRV_E_EXISTS, "snapshot 's2' of 'vm' already exists");
    fh_assert_ok(f->ctx, vmdrv_snapshot_delete(c, "vm", "s1", 0));
    fh_assert_error(f->ctx, vmdrv_snapshot_delete(c, "vm", "s1", 0),
                    VMDRV_E_NOTFOUND, "instance 'vm' has no snapshot 's1'");
    fh_assert_error(f->ctx, vmdrv_snapshot_restore(c, "vm", "s1", 0),
                    VMDRV_E_NOTFOUND, "instance 'vm' has no snapshot 's1'");
    fh_assert_ok(f->ctx, vmdrv_snapshot_list(c, "vm", &list, 0));
    assert_int_equal(list.count, 1);
    vmdrv_snapshots_clear(&list);

    /* no snapshots of, or restores into, a suspended instance */
    fh_assert_ok(f->ctx, vmdrv_instance_suspend(c, "vm", 0));
    fh_assert_error(f->ctx, vmdrv_snapshot_take(c, "vm", "s3", 0),
                    VMDRV_E_STATE,
                    "cannot snapshot instance 'vm' while it is suspended");
    fh_assert_error(f->ctx, vmdrv_snapshot_restore(c, "vm", "s2", 0),
                    VMDRV_E_STATE,
                    "cannot restore instance 'vm' while it is suspended");
    fh_assert_error(f->ctx, vmdrv_snapshot_take(c, "nope", "s3", 0),
                    VMDRV_E_NOTFOUND, "instance 'nope' does not exist");
}

/* ---- mounts ------------------------------------------------------------ */

static void test_test_driver__mounts_use_real_host_files(void **state)
{
    fixture *f = *state;
    vmdrv_conn *c = f->conn;
    char *share = vu_path_join(f->dir, "share");
    assert_int_equal(vu_mkdir_p(share), 0);
    create(c, "vm");
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    fh_assert_ok(f->ctx, vmdrv_mount(c, "vm", share, "/mnt/share", 0));
    fh_assert_error(f->ctx, vmdrv_mount(c, "vm", share, "/mnt/share", 0),
                    VMDRV_E_EXISTS, "'/mnt/share' is already mounted in 'vm'");

    /* guest writes land in the host folder, host writes show in the guest */
    guest_says(c, "vm", "echo from-guest > /mnt/share/g.txt", 0, "");
    char *g = vu_path_join(share, "g.txt");
    char *text;
    assert_int_equal(vu_read_file(g, &text, NULL), 0);
    assert_string_equal(text, "from-guest\n");
    free(text);
    free(fh_write(share, "h.txt", "from-host\n"));
    guest_says(c, "vm", "cat /mnt/share/h.txt", 0, "from-host\n");
    guest_says(c, "vm", "rm /mnt/share/h.txt", 0, "");
    char *h = vu_path_join(share, "h.txt");
    assert_false(vu_path_exists(h));
    vmdrv_info info;
    fh_assert_ok(f->ctx, vmdrv_instance_info(c, "vm", &info, 0));
    char *line = vu_asprintf("%s => /mnt/share", share);
    assert_string_equal(vmdrv_info_get(&info, "mount"), line);
    free(line);

    fh_assert_ok(f->ctx, vmdrv_umount(c, "vm", "/mnt/share", 0));
    /* unmounted: the guest path is the guest's own disk again */
    guest_says(c, "vm", "test /mnt/share/g.txt", 1, "");
    assert_true(vu_path_exists(g));
    fh_assert_error(f->ctx, vmdrv_umount(c, "vm", "/mnt/share", 0),
                    VMDRV_E_NOTFOUND,
                    "nothing is mounted at '/mnt/share' in 'vm'");

    char *missing = vu_path_join(f->dir, "missing");
    char *msg = vu_asprintf("host folder '%s' does not exist", missing);
    fh_assert_error(f->ctx, vmdrv_mount(c, "vm", missing, "/mnt/x", 0),
                    VMDRV_E_NOTFOUND, msg);
    free(msg);
    free(missing);

    /* a mount made while stopped is there after start */
    fh_assert_ok(f->ctx, vmdrv_instance_stop(c, "vm", 0));
    fh_assert_ok(f->ctx, vmdrv_mount(c, "vm", share, "/srv", 0));
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    guest_says(c, "vm", "cat /srv/g.txt", 0, "from-guest\n");
    fh_assert_ok(f->ctx, vmdrv_instance_suspend(c, "vm", 0));
    fh_assert_error(f->ctx, vmdrv_mount(c, "vm", share, "/opt", 0),
                    VMDRV_E_STATE,
                    "cannot mount a folder into instance 'vm' while it is "
                    "suspended");
    free(h);
    free(g);
    free(share);
}

/* ---- networks ---------------------------------------------------------- */

static void test_test_driver__networks_only_when_stopped(void **state)
{
    fixture *f = *state;
    vmdrv_conn *c = f->conn;
    vmdrv_networks nets = {0};
    fh_assert_ok(f->ctx, vmdrv_networks_list(c, &nets, 0));
    assert_int_equal(nets.count, 2);
    assert_string_equal(nets.items[0].id, "test-br0");
    assert_string_equal(nets.items[0].type, "bridge");
    assert_string_equal(nets.items[1].id, "test-eth1");
    assert_string_equal(nets.items[1].type, "ethernet");
    vmdrv_networks_clear(&nets);

    create(c, "vm");
    fh_assert_ok(f->ctx, vmdrv_network_add(c, "vm", "test-eth1", 0)); /* off */
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    fh_assert_error(f->ctx, vmdrv_network_add(c, "vm", "test-br0", 0),
                    VMDRV_E_STATE,
                    "cannot add a network to instance 'vm' while it is "
                    "running");
    fh_assert_ok(f->ctx, vmdrv_instance_stop(c, "vm", 0));
    fh_assert_ok(f->ctx, vmdrv_network_add(c, "vm", "test-br0", 0));
    fh_assert_error(f->ctx, vmdrv_network_add(c, "vm", "wifi0", 0),
                    VMDRV_E_NOTFOUND, "no network named 'wifi0' on this host");
    vmdrv_info info;
    fh_assert_ok(f->ctx, vmdrv_instance_info(c, "vm", &info, 0));
    size_t n = 0;
    for (size_t i = 0; i < info.n_details; i++)
        if (strcmp(info.details[i].key, "network") == 0)
            n++;
    assert_int_equal(n, 2);
}

/* ---- persistence and scopes ------------------------------------------ */

static void test_test_driver__persists_across_contexts(void **state)
{
    fixture *f = *state;
    create(f->conn, "vm");
    fh_assert_ok(f->ctx, vmdrv_instance_start(f->conn, "vm", 0));
    guest_says(f->conn, "vm", "echo shared > /tmp/p", 0, "");

    /* a second context on the same data folder, as a second process */
    vmdrv_ctx *ctx2;
    char err[256];
    fh_assert_ok(f->ctx, vmdrv_ctx_open(&ctx2, f->dir, err, sizeof err));
    vmdrv_conn *c2;
    fh_assert_ok(ctx2, vmdrv_conn_open(&c2, ctx2, "test", NULL, NULL, 0));
    assert_int_equal(state_of(c2, "vm"), VMDRV_STATE_RUNNING);
    guest_says(c2, "vm", "cat /tmp/p", 0, "shared\n");
    fh_assert_ok(ctx2, vmdrv_instance_stop(c2, "vm", 0));
    assert_int_equal(state_of(f->conn, "vm"), VMDRV_STATE_STOPPED);
    vmdrv_conn_close(c2);
    vmdrv_ctx_free(ctx2);

    char *db = vu_path_join(vmdrv_conn_dir(f->conn), "testhv.json");
    assert_true(vu_path_exists(db));
    free(db);
}

static void test_test_driver__scopes_are_separate(void **state)
{
    fixture *f = *state;
    create(f->conn, "vm");
    vmdrv_conn *other;
    fh_assert_ok(f->ctx, vmdrv_conn_open(&other, f->ctx, "test", "other", NULL,
                                         0));
    vmdrv_names names = {0};
    fh_assert_ok(f->ctx, vmdrv_instance_list(other, &names, 0));
    assert_int_equal(names.count, 0);
    /* the same name in both, each with its own state */
    create(other, "vm");
    fh_assert_ok(f->ctx, vmdrv_instance_start(other, "vm", 0));
    assert_int_equal(state_of(f->conn, "vm"), VMDRV_STATE_OFF);
    assert_int_equal(state_of(other, "vm"), VMDRV_STATE_RUNNING);
    vmdrv_conn_close(other);
}

static void test_test_driver__probe_and_caps(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, vmdrv_driver_probe(f->ctx, "test"));
    uint64_t s, e;
    fh_assert_ok(f->ctx, vmdrv_conn_caps(f->conn, &s, &e));
    assert_int_equal(s, VMDRV_CAPS_ALL);
    assert_int_equal(e, VMDRV_CAPS_ALL);
}

/* ---- faults ------------------------------------------------------------ */

static const char *const all_ops[] = {
    "instance_create", "instance_start",   "instance_stop",
    "instance_suspend", "instance_state",  "instance_info",
    "instance_delete", "instance_list",    "snapshot_take",
    "snapshot_restore", "snapshot_list",   "snapshot_delete",
    "mount",           "umount",           "networks_list",
    "network_add",     "guest_exec",       NULL};

/* Call the op named op on instance "vm" with valid arguments. */
static int call(vmdrv_conn *c, const char *op, const char *share)
{
    vmdrv_instance_spec spec = {.name = "vm2"};
    vmdrv_state st;
    vmdrv_info info;
    vmdrv_names names = {0};
    vmdrv_snapshots snaps = {0};
    vmdrv_networks nets = {0};
    vmdrv_exec_result r = {0};
    int rc = -999;
    if (!strcmp(op, "instance_create"))
        rc = vmdrv_instance_create(c, &spec, 0);
    else if (!strcmp(op, "instance_start"))
        rc = vmdrv_instance_start(c, "vm", 0);
    else if (!strcmp(op, "instance_stop"))
        rc = vmdrv_instance_stop(c, "vm", 0);
    else if (!strcmp(op, "instance_suspend"))
        rc = vmdrv_instance_suspend(c, "vm", 0);
    else if (!strcmp(op, "instance_state"))
        rc = vmdrv_instance_state(c, "vm", &st, 0);
    else if (!strcmp(op, "instance_info"))
        rc = vmdrv_instance_info(c, "vm", &info, 0);
    else if (!strcmp(op, "instance_delete"))
        rc = vmdrv_instance_delete(c, "vm", 0);
    else if (!strcmp(op, "instance_list"))
        rc = vmdrv_instance_list(c, &names, 0);
    else if (!strcmp(op, "snapshot_take"))
        rc = vmdrv_snapshot_take(c, "vm", "new", 0);
    else if (!strcmp(op, "snapshot_restore"))
        rc = vmdrv_snapshot_restore(c, "vm", "s1", 0);
    else if (!strcmp(op, "snapshot_list"))
        rc = vmdrv_snapshot_list(c, "vm", &snaps, 0);
    else if (!strcmp(op, "snapshot_delete"))
        rc = vmdrv_snapshot_delete(c, "vm", "s1", 0);
    else if (!strcmp(op, "mount"))
        rc = vmdrv_mount(c, "vm", share, "/mnt/new", 0);
    else if (!strcmp(op, "umount"))
        rc = vmdrv_umount(c, "vm", "/mnt/m", 0);
    else if (!strcmp(op, "networks_list"))
        rc = vmdrv_networks_list(c, &nets, 0);
    else if (!strcmp(op, "network_add"))
        rc = vmdrv_network_add(c, "vm", "test-br0", 0);
    else if (!strcmp(op, "guest_exec"))
        rc = vmdrv_guest_exec(c, "vm", "true", &r, 0);
    vmdrv_names_clear(&names);
    vmdrv_snapshots_clear(&snaps);
    vmdrv_networks_clear(&nets);
    vmdrv_exec_result_clear(&r);
    return rc;
}

/* An instance "vm" on which every op above can succeed. */
static char *prepare_vm(fixture *f)
{
    char *share = vu_path_join(f->dir, "share");
    assert_int_equal(vu_mkdir_p(share), 0);
    create(f->conn, "vm");
    fh_assert_ok(f->ctx, vmdrv_mount(f->conn, "vm", share, "/mnt/m", 0));
    fh_assert_ok(f->ctx, vmdrv_snapshot_take(f->conn, "vm", "s1", 0));
    fh_assert_ok(f->ctx, vmdrv_instance_start(f->conn, "vm", 0));
    return share;
}

static void test_test_driver__fault_fail_every_op(void **state)
{
    fixture *f = *state;
    char *share = prepare_vm(f);
    for (size_t i = 0; all_ops[i]; i++) {
        char *spec = vu_asprintf("fail:%s", all_ops[i]);
        vmdrv_conn *c = with_faults(f, spec);
        char *want = vu_asprintf("injected failure in %s", all_ops[i]);
        fh_assert_error(f->ctx, call(c, all_ops[i], share), VMDRV_E_TOOL,
                        want);
        assert_string_equal(vmdrv_last_error(f->ctx)->origin, "test");
        free(want);
        vmdrv_conn_close(c);
        free(spec);
    }
    free(share);
}

static void test_test_driver__fault_fail_n_times(void **state)
{
    fixture *f = *state;
    create(f->conn, "vm");
    vmdrv_conn *c = with_faults(f, "fail:instance_start:2,hide:snapshots");
    for (int i = 0; i < 2; i++) {
        fh_assert_error(f->ctx, vmdrv_instance_start(c, "vm", 0),
                        VMDRV_E_TOOL, "injected failure in instance_start");
        assert_int_equal(state_of(c, "vm"), VMDRV_STATE_OFF); /* unchanged */
    }
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_RUNNING);
    vmdrv_conn_close(c);
    /* the default count is one */
    c = with_faults(f, "fail:instance_stop");
    assert_int_equal(vmdrv_instance_stop(c, "vm", 0), VMDRV_E_TOOL);
    fh_assert_ok(f->ctx, vmdrv_instance_stop(c, "vm", 0));
    vmdrv_conn_close(c);
}

static void test_test_driver__fault_noop(void **state)
{
    fixture *f = *state;
    create(f->conn, "vm");
    vmdrv_conn *c = with_faults(f, "noop:instance_start,noop:instance_delete");
    /* success is reported, nothing happens */
    fh_assert_ok(f->ctx, vmdrv_instance_start(c, "vm", 0));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_OFF);
    fh_assert_ok(f->ctx, vmdrv_instance_delete(c, "vm", 0));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_OFF);
    vmdrv_conn_close(c);
}

static void test_test_driver__fault_leak_create(void **state)
{
    fixture *f = *state;
    vmdrv_conn *c = with_faults(f, "leak:create");
    create(c, "vm");
    fh_assert_ok(f->ctx, vmdrv_instance_delete(c, "vm", 0));
    vmdrv_names names = {0};
    fh_assert_ok(f->ctx, vmdrv_instance_list(c, &names, 0));
    assert_int_equal(names.count, 1);
    assert_string_equal(names.names[0], "vm-leak");
    vmdrv_names_clear(&names);
    vmdrv_conn_close(c);
}

static void test_test_driver__fault_lie(void **state)
{
    fixture *f = *state;
    create(f->conn, "vm");
    fh_assert_ok(f->ctx, vmdrv_instance_start(f->conn, "vm", 0));
    vmdrv_conn *c = with_faults(f, "lie:snapshots,lie:suspend");
    uint64_t e;
    fh_assert_ok(f->ctx, vmdrv_conn_caps(c, NULL, &e));
    /* advertised ... */
    assert_true(e & VMDRV_CAP_BIT(VMDRV_CAP_SNAPSHOTS));
    assert_true(e & VMDRV_CAP_BIT(VMDRV_CAP_SUSPEND));
    /* ... but not honoured */
    fh_assert_error(f->ctx, vmdrv_snapshot_take(c, "vm", "s1", 0),
                    VMDRV_E_NOTSUP,
                    "Snapshots (snapshots) are not supported by the Test "
                    "driver ('test')");
    fh_assert_error(f->ctx, vmdrv_instance_suspend(c, "vm", 0),
                    VMDRV_E_NOTSUP,
                    "VM suspension (suspend) is not supported by the Test "
                    "driver ('test')");
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_RUNNING);
    vmdrv_conn_close(c);
}

static void test_test_driver__fault_hide(void **state)
{
    fixture *f = *state;
    create(f->conn, "vm");
    fh_assert_ok(f->ctx, vmdrv_instance_start(f->conn, "vm", 0));
    vmdrv_conn *c = with_faults(f, "hide:suspend");
    uint64_t s, e;
    fh_assert_ok(f->ctx, vmdrv_conn_caps(c, &s, &e));
    assert_true(s & VMDRV_CAP_BIT(VMDRV_CAP_SUSPEND));
    assert_false(e & VMDRV_CAP_BIT(VMDRV_CAP_SUSPEND));
    assert_int_equal(e | VMDRV_CAP_BIT(VMDRV_CAP_SUSPEND), VMDRV_CAPS_ALL);
    /* not advertised, honoured all the same */
    fh_assert_ok(f->ctx, vmdrv_instance_suspend(c, "vm", 0));
    assert_int_equal(state_of(c, "vm"), VMDRV_STATE_SUSPENDED);
    vmdrv_conn_close(c);
}

static void test_test_driver__fault_unsupported(void **state)
{
    fixture *f = *state;
    char *share = vu_path_join(f->dir, "share");
    assert_int_equal(vu_mkdir_p(share), 0);
    create(f->conn, "vm");
    vmdrv_conn *c = with_faults(f, "unsupported:native_mounts");
    uint64_t e;
    fh_assert_ok(f->ctx, vmdrv_conn_caps(c, NULL, &e));
    assert_false(e & VMDRV_CAP_BIT(VMDRV_CAP_NATIVE_MOUNTS));
    fh_assert_error(f->ctx, vmdrv_mount(c, "vm", share, "/mnt", 0),
                    VMDRV_E_NOTSUP,
                    "Native mounts (native_mounts) are not supported by the "
                    "Test driver ('test')");
    fh_assert_error(f->ctx, vmdrv_umount(c, "vm", "/mnt", 0), VMDRV_E_NOTSUP,
                    "Native mounts (native_mounts) are not supported by the "
                    "Test driver ('test')");
    vmdrv_info info;
    fh_assert_ok(f->ctx, vmdrv_instance_info(c, "vm", &info, 0));
    assert_null(vmdrv_info_get(&info, "mount")); /* instance unchanged */
    vmdrv_conn_close(c);
    free(share);
}

static void test_test_driver__fault_wrongerr(void **state)
{
    fixture *f = *state;
    create(f->conn, "vm");
    vmdrv_conn *c = with_faults(f, "wrongerr:extra_networks");
    uint64_t e;
    fh_assert_ok(f->ctx, vmdrv_conn_caps(c, NULL, &e));
    assert_false(e & VMDRV_CAP_BIT(VMDRV_CAP_EXTRA_NETWORKS));
    vmdrv_networks nets = {0};
    fh_assert_error(f->ctx, vmdrv_networks_list(c, &nets, 0), VMDRV_E_IO,
                    "injected wrong error for extra_networks");
    fh_assert_error(f->ctx, vmdrv_network_add(c, "vm", "test-br0", 0),
                    VMDRV_E_IO, "injected wrong error for extra_networks");
    vmdrv_conn_close(c);
}

/* Run op in a child process with faults; returns its wait status. When
 * give_up_ms > 0 the child is killed if still running after that long,
 * and *was_running says whether it was. */
static int in_child(fixture *f, const char *faults, const char *op,
                    int give_up_ms, int *was_running)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        vmdrv_ctx *ctx;
        char err[256];
        if (vmdrv_ctx_open(&ctx, f->dir, err, sizeof err) != 0)
            _exit(3);
        const char *opt[] = {faults, NULL};
        vmdrv_conn *c;
        if (vmdrv_conn_open(&c, ctx, "test", NULL, opt, 0) != 0)
            _exit(4);
        int rc = call(c, op, f->dir);
        _exit(rc == 0 ? 0 : 5);
    }
    int status = 0;
    if (give_up_ms > 0) {
        *was_running = 1;
        for (int waited = 0; waited < give_up_ms; waited += 10) {
            if (waitpid(pid, &status, WNOHANG) == pid) {
                *was_running = 0;
                return status;
            }
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        kill(pid, SIGKILL);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void test_test_driver__fault_hang(void **state)
{
    fixture *f = *state;
    create(f->conn, "vm");
    int running = 0;
    int status = in_child(f, "faults=hang:instance_start", "instance_start",
                          300, &running);
    assert_true(running);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    /* the hang held no lock: this process carries on */
    assert_int_equal(state_of(f->conn, "vm"), VMDRV_STATE_OFF);
    fh_assert_ok(f->ctx, vmdrv_instance_start(f->conn, "vm", 0));
    /* control: without the fault the same child finishes by itself */
    status = in_child(f, "faults=", "instance_stop", 0, &running);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(state_of(f->conn, "vm"), VMDRV_STATE_STOPPED);
}

static void test_test_driver__fault_crash(void **state)
{
    fixture *f = *state;
    int running;
    int status = in_child(f, "faults=crash:instance_create", "instance_create",
                          0, &running);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    vmdrv_names names = {0};
    fh_assert_ok(f->ctx, vmdrv_instance_list(f->conn, &names, 0));
    assert_int_equal(names.count, 0); /* it died before creating anything */
    vmdrv_names_clear(&names);
}

static void test_test_driver__faults_from_environment(void **state)
{
    fixture *f = *state;
    create(f->conn, "vm");
    setenv("VMDRV_TEST_FAULTS", "fail:instance_state", 1);
    vmdrv_conn *c;
    fh_assert_ok(f->ctx, vmdrv_conn_open(&c, f->ctx, "test", NULL, NULL, 0));
    vmdrv_state s;
    fh_assert_error(f->ctx, vmdrv_instance_state(c, "vm", &s, 0), VMDRV_E_TOOL,
                    "injected failure in instance_state");
    vmdrv_conn_close(c);
    /* an explicit option wins over the environment */
    c = with_faults(f, "noop:instance_start");
    fh_assert_ok(f->ctx, vmdrv_instance_state(c, "vm", &s, 0));
    vmdrv_conn_close(c);
    unsetenv("VMDRV_TEST_FAULTS");
}

static void test_test_driver__bad_fault_specs_refused(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *spec, *msg;
    } bad[] = {
        {"fial:instance_start",
         "unknown fault kind 'fial' in 'fial:instance_start' (valid: fail, "
         "hang, crash, noop, leak, lie, hide, unsupported, wrongerr)"},
        {"fail:instance_strat",
         "unknown operation 'instance_strat' in fault 'fail:instance_strat'"},
        {"lie:snapshot",
         "unknown capability 'snapshot' in fault 'lie:snapshot' (valid: "
         "native_mounts, extra_networks, snapshots, suspend, guest_exec)"},
        {"fail:instance_start:x",
         "fault 'fail:instance_start:x' needs a positive count after the "
         "operation"},
        {"fail:instance_start:0",
         "fault 'fail:instance_start:0' needs a positive count after the "
         "operation"},
        {"noop:instance_start:2",
         "fault 'noop:instance_start:2' takes no count"},
        {"leak:start", "fault 'leak:start' is not known (only leak:create)"},
        {"oops", "fault 'oops' is not KIND:WHAT"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *opt = vu_asprintf("faults=%s", bad[i].spec);
        const char *opts[] = {opt, NULL};
        vmdrv_conn *c = (vmdrv_conn *)1;
        fh_assert_error(f->ctx,
                        vmdrv_conn_open(&c, f->ctx, "test", NULL, opts, 0),
                        VMDRV_E_INVAL, bad[i].msg);
        assert_null(c);
        free(opt);
    }
    /* an empty list means no faults */
    vmdrv_conn *c = with_faults(f, "");
    vmdrv_conn_close(c);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_test_driver__lifecycle),
        T(test_test_driver__start_refused_in_odd_states),
        T(test_test_driver__corrupt_state_file),
        T(test_test_driver__guest_shell),
        T(test_test_driver__suspend_keeps_ram_stop_loses_it),
        T(test_test_driver__snapshots_restore_disk_and_ram),
        T(test_test_driver__mounts_use_real_host_files),
        T(test_test_driver__networks_only_when_stopped),
        T(test_test_driver__persists_across_contexts),
        T(test_test_driver__scopes_are_separate),
        T(test_test_driver__probe_and_caps),
        T(test_test_driver__fault_fail_every_op),
        T(test_test_driver__fault_fail_n_times),
        T(test_test_driver__fault_noop),
        T(test_test_driver__fault_leak_create),
        T(test_test_driver__fault_lie),
        T(test_test_driver__fault_hide),
        T(test_test_driver__fault_unsupported),
        T(test_test_driver__fault_wrongerr),
        T(test_test_driver__fault_hang),
        T(test_test_driver__fault_crash),
        T(test_test_driver__faults_from_environment),
        T(test_test_driver__bad_fault_specs_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
