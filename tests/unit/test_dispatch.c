/*
 * test_dispatch.c: the dispatcher and connections. Every public operation
 * checks its arguments, names and flag bits before the driver sees them;
 * a NULL op is answered VMDRV_E_NOTSUP by the dispatcher with a message
 * naming the feature and the driver; "not built", "declined by probe" and
 * "unsupported" are distinct answers; a driver that breaks the error
 * contract gets a named contract violation.
 *
 * The drivers are the plugins of tests/plugins: "goodv2" records every
 * call (spy_*), "nullops" implements nothing.
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

/* ---- the operations, callable by number ----------------------------- */

enum op {
    OP_CREATE, OP_START, OP_STOP, OP_SUSPEND, OP_STATE, OP_INFO, OP_DELETE,
    OP_LIST, OP_SNAP_TAKE, OP_SNAP_RESTORE, OP_SNAP_LIST, OP_SNAP_DELETE,
    OP_MOUNT, OP_UMOUNT, OP_NETS_LIST, OP_NET_ADD, OP_EXEC, OP__COUNT
};

static const char *const op_names[OP__COUNT] = {
    "instance_create", "instance_start",   "instance_stop",
    "instance_suspend", "instance_state",  "instance_info",
    "instance_delete", "instance_list",    "snapshot_take",
    "snapshot_restore", "snapshot_list",   "snapshot_delete",
    "mount",           "umount",           "networks_list",
    "network_add",     "guest_exec"};

/* Operations that take an instance name. */
static int op_named(int op)
{
    return op != OP_LIST && op != OP_NETS_LIST;
}

/* Operations that take a snapshot name. */
static int op_snapshot(int op)
{
    return op == OP_SNAP_TAKE || op == OP_SNAP_RESTORE || op == OP_SNAP_DELETE;
}

static int call_op(vmdrv_conn *c, int op, const char *name,
                   const char *snap, unsigned int flags)
{
    vmdrv_instance_spec spec = {.name = name};
    vmdrv_state st;
    vmdrv_info info;
    vmdrv_names names = {0};
    vmdrv_snapshots snaps = {0};
    vmdrv_networks nets = {0};
    vmdrv_exec_result r = {0};
    int rc = 0;
    switch (op) {
    case OP_CREATE: rc = vmdrv_instance_create(c, &spec, flags); break;
    case OP_START: rc = vmdrv_instance_start(c, name, flags); break;
    case OP_STOP: rc = vmdrv_instance_stop(c, name, flags); break;
    case OP_SUSPEND: rc = vmdrv_instance_suspend(c, name, flags); break;
    case OP_STATE: rc = vmdrv_instance_state(c, name, &st, flags); break;
    case OP_INFO: rc = vmdrv_instance_info(c, name, &info, flags); break;
    case OP_DELETE: rc = vmdrv_instance_delete(c, name, flags); break;
    case OP_LIST: rc = vmdrv_instance_list(c, &names, flags); break;
    case OP_SNAP_TAKE: rc = vmdrv_snapshot_take(c, name, snap, flags); break;
    case OP_SNAP_RESTORE:
        rc = vmdrv_snapshot_restore(c, name, snap, flags);
        break;
    case OP_SNAP_LIST: rc = vmdrv_snapshot_list(c, name, &snaps, flags); break;
    case OP_SNAP_DELETE:
        rc = vmdrv_snapshot_delete(c, name, snap, flags);
        break;
    case OP_MOUNT: rc = vmdrv_mount(c, name, "/srv/data", "/mnt/data", flags);
        break;
    case OP_UMOUNT: rc = vmdrv_umount(c, name, "/mnt/data", flags); break;
    case OP_NETS_LIST: rc = vmdrv_networks_list(c, &nets, flags); break;
    case OP_NET_ADD: rc = vmdrv_network_add(c, name, "br0", flags); break;
    case OP_EXEC: rc = vmdrv_guest_exec(c, name, "true", &r, flags); break;
    }
    vmdrv_names_clear(&names);
    vmdrv_snapshots_clear(&snaps);
    vmdrv_networks_clear(&nets);
    vmdrv_exec_result_clear(&r);
    return rc;
}

/* ---- fixture -------------------------------------------------------- */

typedef struct fixture {
    char *dir;
    vmdrv_ctx *ctx;
    vmdrv_conn *spy;   /* goodv2 */
    vmdrv_conn *empty; /* nullops */
} fixture;

static int *spy_calls, *spy_mode, *spy_probe_mode, *spy_open_mode,
    *spy_caps_mode, *spy_closes;
static unsigned int *spy_last_flags;
static char *spy_last_op;

static void *spy_sym(const char *name)
{
    void *h = dlopen(VMDRV_TEST_PLUGIN_GOOD_V2, RTLD_NOW | RTLD_NOLOAD);
    assert_non_null(h);
    void *sym = dlsym(h, name);
    assert_non_null(sym);
    dlclose(h);
    return sym;
}

static int setup(void **state)
{
    fixture *f = vu_calloc(1, sizeof *f);
    f->ctx = fh_ctx(&f->dir);
    fh_assert_ok(f->ctx, vmdrv_driver_load(f->ctx, VMDRV_TEST_PLUGIN_GOOD_V2));
    fh_assert_ok(f->ctx,
                 vmdrv_driver_load(f->ctx, VMDRV_TEST_PLUGIN_NULL_OPS));
    spy_calls = spy_sym("spy_calls");
    spy_mode = spy_sym("spy_mode");
    spy_probe_mode = spy_sym("spy_probe_mode");
    spy_open_mode = spy_sym("spy_open_mode");
    spy_caps_mode = spy_sym("spy_caps_mode");
    spy_closes = spy_sym("spy_closes");
    spy_last_flags = spy_sym("spy_last_flags");
    spy_last_op = spy_sym("spy_last_op");
    *spy_calls = *spy_mode = *spy_probe_mode = *spy_open_mode = 0;
    *spy_caps_mode = *spy_closes = 0;
    fh_assert_ok(f->ctx,
                 vmdrv_conn_open(&f->spy, f->ctx, "goodv2", NULL, NULL, 0));
    fh_assert_ok(f->ctx,
                 vmdrv_conn_open(&f->empty, f->ctx, "nullops", NULL, NULL, 0));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    vmdrv_conn_close(f->spy);
    vmdrv_conn_close(f->empty);
    vmdrv_ctx_free(f->ctx);
    fh_rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- unsupported ---------------------------------------------------- */

static void test_dispatch__null_op_answers_notsup(void **state)
{
    fixture *f = *state;
    static const char *const feature[OP__COUNT] = {
        [OP_SUSPEND] = "VM suspension (suspend) is",
        [OP_SNAP_TAKE] = "Snapshots (snapshots) are",
        [OP_SNAP_RESTORE] = "Snapshots (snapshots) are",
        [OP_SNAP_LIST] = "Snapshots (snapshots) are",
        [OP_SNAP_DELETE] = "Snapshots (snapshots) are",
        [OP_MOUNT] = "Native mounts (native_mounts) are",
        [OP_UMOUNT] = "Native mounts (native_mounts) are",
        [OP_NETS_LIST] = "Extra networks (extra_networks) are",
        [OP_NET_ADD] = "Extra networks (extra_networks) are",
        [OP_EXEC] = "Guest exec (guest_exec) is",
    };
    for (int op = 0; op < OP__COUNT; op++) {
        char *want;
        if (feature[op])
            want = vu_asprintf("%s not supported by the Null ops driver "
                               "('nullops')",
                               feature[op]);
        else /* a core operation: the feature is the operation */
            want = vu_asprintf("operation '%s' is not supported by the Null "
                               "ops driver ('nullops')",
                               op_names[op]);
        fh_assert_error(f->ctx, call_op(f->empty, op, "vm1", "snap1", 0),
                        VMDRV_E_NOTSUP, want);
        assert_string_equal(vmdrv_last_error(f->ctx)->origin, "nullops");
        free(want);
    }
}

static void test_dispatch__conn_notsup_matches_dispatcher(void **state)
{
    fixture *f = *state;
    /* what a driver answers at run time is the dispatcher's exact text */
    static const int op_of_cap[VMDRV_CAP__COUNT] = {
        [VMDRV_CAP_NATIVE_MOUNTS] = OP_MOUNT,
        [VMDRV_CAP_EXTRA_NETWORKS] = OP_NETS_LIST,
        [VMDRV_CAP_SNAPSHOTS] = OP_SNAP_TAKE,
        [VMDRV_CAP_SUSPEND] = OP_SUSPEND,
        [VMDRV_CAP_GUEST_EXEC] = OP_EXEC,
    };
    for (int c = 0; c < VMDRV_CAP__COUNT; c++) {
        call_op(f->empty, op_of_cap[c], "vm1", "s1", 0);
        char *dispatcher = vu_strdup(vmdrv_last_error(f->ctx)->message);
        /* the same answer from the conn helper of a driver named the same
         * way gives the same words, with that driver's names */
        int rc = vmdrv_conn_notsup(f->empty, (vmdrv_cap)c);
        fh_assert_error(f->ctx, rc, VMDRV_E_NOTSUP, dispatcher);
        free(dispatcher);
    }
}

static void test_dispatch__null_probe_open_close_are_fine(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, vmdrv_driver_probe(f->ctx, "nullops"));
    uint64_t s = 1, e = 1;
    fh_assert_ok(f->ctx, vmdrv_conn_caps(f->empty, &s, &e));
    assert_int_equal(s, 0);
    assert_int_equal(e, 0);
}

/* ---- flags ---------------------------------------------------------- */

static void test_dispatch__unknown_flags_refused_for_every_op(void **state)
{
    fixture *f = *state;
    for (int op = 0; op < OP__COUNT; op++) {
        char *want = vu_asprintf("unknown flags 0x80000000 for %s",
                                 op_names[op]);
        fh_assert_error(f->ctx, call_op(f->spy, op, "vm1", "s1", 1u << 31),
                        VMDRV_E_FLAGS, want);
        free(want);
        /* the flag that means something to stop means nothing elsewhere */
        if (op != OP_STOP) {
            want = vu_asprintf("unknown flags 0x1 for %s", op_names[op]);
            fh_assert_error(f->ctx,
                            call_op(f->spy, op, "vm1", "s1", VMDRV_STOP_FORCE),
                            VMDRV_E_FLAGS, want);
            free(want);
        }
        /* the same refusal where the op is missing: flags come first */
        want = vu_asprintf("unknown flags 0x10 for %s", op_names[op]);
        fh_assert_error(f->ctx, call_op(f->empty, op, "vm1", "s1", 0x10),
                        VMDRV_E_FLAGS, want);
        free(want);
    }
    assert_int_equal(*spy_calls, 0);
    fh_assert_error(f->ctx,
                    vmdrv_instance_stop(f->spy, "vm1", VMDRV_STOP_FORCE | 4),
                    VMDRV_E_FLAGS, "unknown flags 0x4 for instance_stop");
    assert_int_equal(*spy_calls, 0);
}

static void test_dispatch__known_flags_reach_driver(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, vmdrv_instance_stop(f->spy, "vm1", VMDRV_STOP_FORCE));
    assert_int_equal(*spy_calls, 1);
    assert_string_equal(spy_last_op, "instance_stop");
    assert_int_equal(*spy_last_flags, VMDRV_STOP_FORCE);
}

static void test_dispatch__unknown_flags_refused_at_open(void **state)
{
    fixture *f = *state;
    vmdrv_conn *c = (vmdrv_conn *)1;
    fh_assert_error(f->ctx,
                    vmdrv_conn_open(&c, f->ctx, "goodv2", "other", NULL, 4),
                    VMDRV_E_FLAGS, "unknown flags 0x4 for opening a driver");
    assert_null(c);
}

/* ---- names and arguments -------------------------------------------- */

static void test_dispatch__invalid_instance_names_never_reach_driver(
    void **state)
{
    fixture *f = *state;
    static const char *const bad[] = {"",     "1vm",     "a b",  "../x",
                                      "vm;rm", "vm$(id)", "vm-",  "a\nb",
                                      "x/y",  "vm_1"};
    for (int op = 0; op < OP__COUNT; op++) {
        if (!op_named(op))
            continue;
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            char *want = vu_asprintf(
                "invalid instance name '%s': use letters, digits and "
                "hyphens, start with a letter, end with a letter or digit, "
                "at most 63 characters",
                bad[i]);
            fh_assert_error(f->ctx, call_op(f->spy, op, bad[i], "s1", 0),
                            VMDRV_E_INVAL, want);
            free(want);
        }
        fh_assert_error(f->ctx, call_op(f->spy, op, NULL, "s1", 0),
                        VMDRV_E_INVAL, "no instance name given");
        /* a missing op does not hide a bad name either */
        assert_int_equal(call_op(f->empty, op, "bad name", "s1", 0),
                         VMDRV_E_INVAL);
    }
    assert_int_equal(*spy_calls, 0);
}

static void test_dispatch__invalid_snapshot_names_never_reach_driver(
    void **state)
{
    fixture *f = *state;
    for (int op = 0; op < OP__COUNT; op++) {
        if (!op_snapshot(op))
            continue;
        fh_assert_error(f->ctx, call_op(f->spy, op, "vm1", "snap shot", 0),
                        VMDRV_E_INVAL,
                        "invalid snapshot name 'snap shot': use letters, "
                        "digits and hyphens, start with a letter, end with a "
                        "letter or digit, at most 63 characters");
        fh_assert_error(f->ctx, call_op(f->spy, op, "vm1", "--all", 0),
                        VMDRV_E_INVAL,
                        "invalid snapshot name '--all': use letters, "
                        "digits and hyphens, start with a letter, end with a "
                        "letter or digit, at most 63 characters");
        fh_assert_error(f->ctx, call_op(f->spy, op, "vm1", NULL, 0),
                        VMDRV_E_INVAL, "no snapshot name given");
    }
    assert_int_equal(*spy_calls, 0);
}

static void test_dispatch__paths_and_text_checked(void **state)
{
    fixture *f = *state;
    fh_assert_error(f->ctx, vmdrv_mount(f->spy, "vm1", "rel/dir", "/mnt", 0),
                    VMDRV_E_INVAL, "host path 'rel/dir' is not an absolute "
                                   "path");
    fh_assert_error(f->ctx, vmdrv_mount(f->spy, "vm1", "/srv", "mnt", 0),
                    VMDRV_E_INVAL, "guest path 'mnt' is not an absolute path");
    fh_assert_error(f->ctx, vmdrv_mount(f->spy, "vm1", "/srv\n", "/mnt", 0),
                    VMDRV_E_INVAL,
                    "host path '/srv\n' contains a control character");
    fh_assert_error(f->ctx, vmdrv_mount(f->spy, "vm1", NULL, "/mnt", 0),
                    VMDRV_E_INVAL, "no host path given");
    fh_assert_error(f->ctx, vmdrv_umount(f->spy, "vm1", "", 0),
                    VMDRV_E_INVAL, "no guest path given");
    fh_assert_error(f->ctx, vmdrv_network_add(f->spy, "vm1", "br\x1b[0", 0),
                    VMDRV_E_INVAL,
                    "network 'br\x1b[0' contains a control character");
    fh_assert_error(f->ctx, vmdrv_network_add(f->spy, "vm1", "", 0),
                    VMDRV_E_INVAL, "no network given");
    vmdrv_exec_result r;
    fh_assert_error(f->ctx, vmdrv_guest_exec(f->spy, "vm1", "", &r, 0),
                    VMDRV_E_INVAL, "no command given for 'vm1'");
    fh_assert_error(f->ctx, vmdrv_guest_exec(f->spy, "vm1", NULL, &r, 0),
                    VMDRV_E_INVAL, "no command given for 'vm1'");
    assert_int_equal(*spy_calls, 0);
    /* a Windows drive path is absolute too */
    fh_assert_ok(f->ctx, vmdrv_mount(f->spy, "vm1", "C:\\data", "/mnt", 0));
    assert_int_equal(*spy_calls, 1);
}

static void test_dispatch__missing_outputs_refused(void **state)
{
    fixture *f = *state;
    fh_assert_error(f->ctx, vmdrv_instance_create(f->spy, NULL, 0),
                    VMDRV_E_INVAL, "no instance spec given");
    vmdrv_instance_spec spec = {.name = "vm1", .cpus = -1};
    fh_assert_error(f->ctx, vmdrv_instance_create(f->spy, &spec, 0),
                    VMDRV_E_INVAL, "invalid cpu count -1 for 'vm1'");
    fh_assert_error(f->ctx, vmdrv_instance_state(f->spy, "vm1", NULL, 0),
                    VMDRV_E_INVAL, "no state output given");
    fh_assert_error(f->ctx, vmdrv_instance_info(f->spy, "vm1", NULL, 0),
                    VMDRV_E_INVAL, "no info output given");
    fh_assert_error(f->ctx, vmdrv_instance_list(f->spy, NULL, 0),
                    VMDRV_E_INVAL, "no list output given");
    fh_assert_error(f->ctx, vmdrv_snapshot_list(f->spy, "vm1", NULL, 0),
                    VMDRV_E_INVAL, "no list output given");
    fh_assert_error(f->ctx, vmdrv_networks_list(f->spy, NULL, 0),
                    VMDRV_E_INVAL, "no list output given");
    fh_assert_error(f->ctx, vmdrv_guest_exec(f->spy, "vm1", "true", NULL, 0),
                    VMDRV_E_INVAL, "no exec result output given");
    assert_int_equal(*spy_calls, 0);
    /* no connection: nothing to hang an error on, but still refused */
    assert_int_equal(vmdrv_instance_start(NULL, "vm1", 0), VMDRV_E_INVAL);
    assert_int_equal(vmdrv_networks_list(NULL, NULL, 0), VMDRV_E_INVAL);
}

/* ---- the error contract --------------------------------------------- */

static void test_dispatch__silent_failure_is_contract_violation(void **state)
{
    fixture *f = *state;
    *spy_mode = 1; /* return VMDRV_E_TOOL, set no message */
    for (int op = 0; op < OP__COUNT; op++) {
        vmdrv_error_clear(f->ctx);
        char *want = vu_asprintf("driver 'goodv2' failed in %s with E_TOOL "
                                 "but set no message (contract violation)",
                                 op_names[op]);
        fh_assert_error(f->ctx, call_op(f->spy, op, "vm1", "s1", 0),
                        VMDRV_E_TOOL, want);
        assert_string_equal(vmdrv_last_error(f->ctx)->origin, "goodv2");
        /* even when an older error was on the context */
        vmdrv_error_set(f->ctx, VMDRV_E_IO, NULL, 0, "stale");
        fh_assert_error(f->ctx, call_op(f->spy, op, "vm1", "s1", 0),
                        VMDRV_E_TOOL, want);
        free(want);
    }
    assert_int_equal(*spy_calls, 2 * OP__COUNT);
}

static void test_dispatch__positive_return_is_contract_violation(void **state)
{
    fixture *f = *state;
    *spy_mode = 3;
    for (int op = 0; op < OP__COUNT; op++) {
        char *want = vu_asprintf("driver 'goodv2' returned 7 from %s, which "
                                 "is not a status (contract violation)",
                                 op_names[op]);
        fh_assert_error(f->ctx, call_op(f->spy, op, "vm1", "s1", 0),
                        VMDRV_E_INTERNAL, want);
        free(want);
    }
}

static void test_dispatch__driver_message_passes_through(void **state)
{
    fixture *f = *state;
    *spy_mode = 2;
    for (int op = 0; op < OP__COUNT; op++) {
        char *want = vu_asprintf("goodv2 failed in %s on purpose",
                                 op_names[op]);
        fh_assert_error(f->ctx, call_op(f->spy, op, "vm1", "s1", 0),
                        VMDRV_E_TOOL, want);
        assert_string_equal(vmdrv_last_error(f->ctx)->origin, "goodv2");
        assert_int_equal(vmdrv_last_error(f->ctx)->native, 42);
        free(want);
    }
}

static void test_dispatch__success_never_touches_error(void **state)
{
    fixture *f = *state;
    vmdrv_error_set(f->ctx, VMDRV_E_IO, "earlier", 5, "an earlier failure");
    for (int op = 0; op < OP__COUNT; op++) {
        fh_assert_ok(f->ctx, call_op(f->spy, op, "vm1", "s1", 0));
        const vmdrv_error *e = vmdrv_last_error(f->ctx);
        assert_int_equal(e->code, VMDRV_E_IO);
        assert_string_equal(e->origin, "earlier");
        assert_int_equal(e->native, 5);
        assert_string_equal(e->message, "an earlier failure");
    }
    assert_int_equal(*spy_calls, OP__COUNT);
}

static void test_dispatch__success_with_error_set_restores_error(void **state)
{
    fixture *f = *state;
    /* a driver that sets an error and then reports success does not get
     * to overwrite the caller's last error */
    *spy_mode = 4;
    vmdrv_error_set(f->ctx, VMDRV_E_STATE, "earlier", 9, "kept");
    for (int op = 0; op < OP__COUNT; op++) {
        fh_assert_ok(f->ctx, call_op(f->spy, op, "vm1", "s1", 0));
        const vmdrv_error *e = vmdrv_last_error(f->ctx);
        assert_int_equal(e->code, VMDRV_E_STATE);
        assert_string_equal(e->origin, "earlier");
        assert_int_equal(e->native, 9);
        assert_string_equal(e->message, "kept");
    }
    /* and with no earlier error, none is left */
    vmdrv_error_clear(f->ctx);
    fh_assert_ok(f->ctx, vmdrv_instance_start(f->spy, "vm1", 0));
    assert_int_equal(vmdrv_last_error(f->ctx)->code, VMDRV_OK);
    assert_string_equal(vmdrv_last_error(f->ctx)->message, "");
}

static void test_dispatch__returned_code_is_recorded_code(void **state)
{
    fixture *f = *state;
    *spy_mode = 5;
    fh_assert_error(f->ctx, vmdrv_instance_start(f->spy, "vm1", 0),
                    VMDRV_E_TOOL, "goodv2 mixed up instance_start");
}

static void test_dispatch__outputs_prefilled(void **state)
{
    fixture *f = *state;
    vmdrv_info info;
    memset(&info, 0xff, sizeof info);
    fh_assert_ok(f->ctx, vmdrv_instance_info(f->spy, "vm7", &info, 0));
    assert_string_equal(info.name, "vm7");
    assert_int_equal(info.n_details, 0);
    assert_int_equal(info.state, VMDRV_STATE_RUNNING);
    vmdrv_names names = {0};
    fh_assert_ok(f->ctx, vmdrv_instance_list(f->spy, &names, 0));
    assert_int_equal(names.count, 1);
    assert_string_equal(names.names[0], "alpha");
    vmdrv_names_clear(&names);
}

/* ---- probe: not built, declined, broken ------------------------------ */

static void test_dispatch__probe_answers(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, vmdrv_driver_probe(f->ctx, "goodv2"));
    *spy_probe_mode = 1;
    fh_assert_error(f->ctx, vmdrv_driver_probe(f->ctx, "goodv2"),
                    VMDRV_E_DECLINED, "goodv2 needs a host it will never get");
    *spy_probe_mode = 2;
    fh_assert_error(f->ctx, vmdrv_driver_probe(f->ctx, "goodv2"), VMDRV_E_IO,
                    "driver 'goodv2' probe failed without saying why "
                    "(contract violation)");
    *spy_probe_mode = 3;
    fh_assert_error(f->ctx, vmdrv_driver_probe(f->ctx, "goodv2"),
                    VMDRV_E_INTERNAL,
                    "driver 'goodv2' probe returned 5, which is not a status "
                    "(contract violation)");
    fh_assert_error(f->ctx, vmdrv_driver_probe(f->ctx, "nope"),
                    VMDRV_E_NOTFOUND, "unknown driver 'nope'");
}

static void expect_not_built(vmdrv_ctx *ctx, const char *name)
{
    char upper[32];
    vu_strlcpy(upper, name, sizeof upper);
    for (char *p = upper; *p; p++)
        *p = (char)(*p - 'a' + 'A');
    char *want = vu_asprintf("driver '%s' is not built into this vmdrv "
                             "(configure with -DVMDRV_DRIVER_%s=ON)",
                             name, upper);
    fh_assert_error(ctx, vmdrv_driver_probe(ctx, name), VMDRV_E_NOT_BUILT,
                    want);
    vmdrv_conn *c = (vmdrv_conn *)1;
    fh_assert_error(ctx, vmdrv_conn_open(&c, ctx, name, NULL, NULL, 0),
                    VMDRV_E_NOT_BUILT, want);
    assert_null(c);
    free(want);
}

static void test_dispatch__not_built_builtin(void **state)
{
    fixture *f = *state;
    /* every built-in this binary lacks answers "not built" */
    static const struct {
        const char *name;
        int built;
    } builtins[] = {{"qemu", VMDRV_HAVE_DRIVER_QEMU},
                    {"hyperv", VMDRV_HAVE_DRIVER_HYPERV},
                    {"virtualbox", VMDRV_HAVE_DRIVER_VIRTUALBOX}};
    for (size_t i = 0; i < 3; i++)
        if (!builtins[i].built)
            expect_not_built(f->ctx, builtins[i].name);
    /* and so does a driver whose registry entry is marked not built,
     * whichever drivers this particular build has */
    reg_entry *e = vmdrv__registry_find(f->ctx, "test");
    assert_non_null(e);
    e->built = 0;
    expect_not_built(f->ctx, "test");
    vmdrv_driver_desc d;
    fh_assert_ok(f->ctx, vmdrv_driver_get(f->ctx, 0, &d));
    assert_int_equal(d.built, 0);
    assert_int_equal(d.abi_version, 0);
    assert_int_equal(d.caps, 0);
}

static void test_dispatch__three_answers_are_distinct(void **state)
{
    fixture *f = *state;
    reg_entry *e = vmdrv__registry_find(f->ctx, "qemu");
    e->built = 0;
    int not_built = vmdrv_driver_probe(f->ctx, "qemu");
    *spy_probe_mode = 1;
    int declined = vmdrv_driver_probe(f->ctx, "goodv2");
    int unsupported = vmdrv_instance_suspend(f->empty, "vm1", 0);
    assert_int_equal(not_built, VMDRV_E_NOT_BUILT);
    assert_int_equal(declined, VMDRV_E_DECLINED);
    assert_int_equal(unsupported, VMDRV_E_NOTSUP);
}

/* ---- connections ---------------------------------------------------- */

static void test_dispatch__open_refusals(void **state)
{
    fixture *f = *state;
    vmdrv_conn *c = (vmdrv_conn *)1;
    fh_assert_error(f->ctx, vmdrv_conn_open(&c, f->ctx, NULL, NULL, NULL, 0),
                    VMDRV_E_INVAL, "no driver given");
    assert_null(c);
    fh_assert_error(f->ctx, vmdrv_conn_open(&c, f->ctx, "nope", NULL, NULL, 0),
                    VMDRV_E_NOTFOUND,
                    "unknown driver 'nope' (known drivers: test, qemu, "
                    "hyperv, virtualbox, goodv2, nullops)");
    fh_assert_error(f->ctx,
                    vmdrv_conn_open(&c, f->ctx, "goodv2", "Bad Scope", NULL,
                                    0),
                    VMDRV_E_INVAL, "invalid scope name 'Bad Scope'");
    fh_assert_error(f->ctx,
                    vmdrv_conn_open(&c, f->ctx, "goodv2", "../up", NULL, 0),
                    VMDRV_E_INVAL, "invalid scope name '../up'");
    const char *opts[] = {"a=1", "novalue", NULL};
    fh_assert_error(f->ctx,
                    vmdrv_conn_open(&c, f->ctx, "goodv2", NULL, opts, 0),
                    VMDRV_E_INVAL, "driver option 'novalue' is not KEY=VALUE");
    assert_null(c);
    assert_int_equal(*spy_closes, 0); /* never opened, never closed */
}

static void test_dispatch__open_failure_contract(void **state)
{
    fixture *f = *state;
    vmdrv_conn *c = (vmdrv_conn *)1;
    *spy_open_mode = 1;
    fh_assert_error(f->ctx,
                    vmdrv_conn_open(&c, f->ctx, "goodv2", "s2", NULL, 0),
                    VMDRV_E_IO,
                    "driver 'goodv2' failed to open scope 's2' without saying "
                    "why (contract violation)");
    assert_null(c);
    *spy_open_mode = 2;
    fh_assert_error(f->ctx,
                    vmdrv_conn_open(&c, f->ctx, "goodv2", "s2", NULL, 0),
                    VMDRV_E_IO, "goodv2 cannot open scope 's2' on purpose");
    assert_null(c);
    /* a failed open is not closed */
    assert_int_equal(*spy_closes, 0);
}

static void test_dispatch__scope_folder(void **state)
{
    fixture *f = *state;
    char *want = vu_path_join(f->dir, "goodv2");
    assert_string_equal(vmdrv_conn_dir(f->spy), want);
    assert_string_equal(vmdrv_conn_scope(f->spy), "goodv2");
    assert_string_equal(vmdrv_conn_driver_name(f->spy), "goodv2");
    assert_string_equal(vmdrv_conn_display_name(f->spy), "Good v2");
    char *inst = vu_path_join(want, "instances");
    assert_true(vu_is_dir(inst));
    char buf[1024];
    fh_assert_ok(f->ctx, vmdrv_conn_instance_dir(f->spy, "vm1", buf,
                                                 sizeof buf));
    char *vm1 = vu_path_join(inst, "vm1");
    assert_string_equal(buf, vm1);
    fh_assert_error(f->ctx,
                    vmdrv_conn_instance_dir(f->spy, "../x", buf, sizeof buf),
                    VMDRV_E_INVAL, "invalid instance name '../x'");
    fh_assert_error(f->ctx, vmdrv_conn_instance_dir(f->spy, "vm1", buf, 8),
                    VMDRV_E_INVAL, "instance path for 'vm1' is too long");

    /* a second scope of the same driver has its own folder */
    vmdrv_conn *c;
    fh_assert_ok(f->ctx, vmdrv_conn_open(&c, f->ctx, "goodv2", "second", NULL,
                                         0));
    char *second = vu_path_join(f->dir, "second");
    assert_string_equal(vmdrv_conn_dir(c), second);
    vmdrv_conn_close(c);
    assert_int_equal(*spy_closes, 1);

    /* a scope folder that cannot be made is refused with its reason */
    char *blocker = fh_write(f->dir, "blocked", "a file, not a folder");
    char *msg = vu_asprintf("cannot create scope folder '%s': Not a "
                            "directory",
                            blocker);
    fh_assert_error(f->ctx,
                    vmdrv_conn_open(&c, f->ctx, "goodv2", "blocked", NULL, 0),
                    VMDRV_E_IO, msg);
    free(msg);
    free(blocker);
    free(second);
    free(vm1);
    free(inst);
    free(want);
}

static void test_dispatch__options(void **state)
{
    fixture *f = *state;
    const char *opts[] = {"faults=x", "a=1", "a=2", "empty=", NULL};
    vmdrv_conn *c;
    fh_assert_ok(f->ctx, vmdrv_conn_open(&c, f->ctx, "goodv2", "opts", opts,
                                         0));
    assert_string_equal(vmdrv_conn_option(c, "a"), "2"); /* last wins */
    assert_string_equal(vmdrv_conn_option(c, "empty"), "");
    assert_string_equal(vmdrv_conn_option(c, "faults"), "x");
    assert_null(vmdrv_conn_option(c, "fault"));
    assert_null(vmdrv_conn_option(c, "missing"));
    vmdrv_conn_close(c);
}

static void test_dispatch__caps(void **state)
{
    fixture *f = *state;
    uint64_t s, e;
    fh_assert_ok(f->ctx, vmdrv_conn_caps(f->spy, &s, &e));
    assert_int_equal(s, VMDRV_CAPS_ALL);
    assert_int_equal(e, VMDRV_CAPS_ALL & ~VMDRV_CAP_BIT(VMDRV_CAP_SUSPEND));

    vmdrv_conn *c;
    *spy_caps_mode = 1;
    fh_assert_ok(f->ctx, vmdrv_conn_open(&c, f->ctx, "goodv2", "caps", NULL,
                                         0));
    fh_assert_error(f->ctx, vmdrv_conn_caps(c, &s, &e), VMDRV_E_IO,
                    "driver 'goodv2' failed its capability probe without "
                    "saying why (contract violation)");
    vmdrv_conn_close(c);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_dispatch__null_op_answers_notsup),
        T(test_dispatch__conn_notsup_matches_dispatcher),
        T(test_dispatch__null_probe_open_close_are_fine),
        T(test_dispatch__unknown_flags_refused_for_every_op),
        T(test_dispatch__known_flags_reach_driver),
        T(test_dispatch__unknown_flags_refused_at_open),
        T(test_dispatch__invalid_instance_names_never_reach_driver),
        T(test_dispatch__invalid_snapshot_names_never_reach_driver),
        T(test_dispatch__paths_and_text_checked),
        T(test_dispatch__missing_outputs_refused),
        T(test_dispatch__silent_failure_is_contract_violation),
        T(test_dispatch__positive_return_is_contract_violation),
        T(test_dispatch__driver_message_passes_through),
        T(test_dispatch__success_never_touches_error),
        T(test_dispatch__success_with_error_set_restores_error),
        T(test_dispatch__returned_code_is_recorded_code),
        T(test_dispatch__outputs_prefilled),
        T(test_dispatch__probe_answers),
        T(test_dispatch__not_built_builtin),
        T(test_dispatch__three_answers_are_distinct),
        T(test_dispatch__open_refusals),
        T(test_dispatch__open_failure_contract),
        T(test_dispatch__scope_folder),
        T(test_dispatch__options),
        T(test_dispatch__caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
