/*
 * cases_scope.c: scope.* cases. Each driver owns a scope; these cases
 * pair the driver under test with the test driver (or, when the test
 * driver is under test, with a second scope of it under the alias
 * "vmdrvc-b"), switch local.driver between the two through the manager,
 * and check isolation and the state each instance gets back.
 */
#include <string.h>

#include "cases.h"
#include "vmdrv/manager.h"

typedef struct pair {
    vmdrv_manager *mgr;
    const char *x; /* the driver under test */
    const char *y; /* the other scope: "test" or the alias */
    const char *y_driver;
} pair;

static vc_obs pair_open(vc_t *t, pair *p)
{
    memset(p, 0, sizeof *p);
    p->x = vc_driver_name(t);
    if (vmdrv_manager_new(&p->mgr, vc_ctx(t)) != 0)
        return vc_error_sdk(t, "cannot create the manager");
    p->y_driver = "test";
    if (strcmp(p->x, "test") == 0) {
        p->y = "vmdrvc-b";
        if (vmdrv_manager_add_alias(p->mgr, p->y, "test") != 0)
            return vc_error_sdk(t, "cannot add the second test scope");
    } else {
        p->y = "test";
    }
    return VC_O_WORKS;
}

static vc_obs pair_close(pair *p, vc_obs o)
{
    vmdrv_manager_free(p->mgr);
    return o;
}

static vc_obs select_scope(vc_t *t, pair *p, const char *name)
{
    vmdrv_report rep = {0};
    int rc = vmdrv_local_driver_set(p->mgr, name, &rep);
    vc_obs o = VC_O_WORKS;
    if (rc != 0)
        o = vc_fail_sdk(t, "switch-failed", name);
    for (size_t i = 0; i < rep.count; i++)
        vc_note(t, "switch to %s: %s/%s %s (%s -> %s)%s%s", name,
                rep.items[i].scope, rep.items[i].name,
                vmdrv_report_action_name(rep.items[i].action),
                vmdrv_state_name(rep.items[i].before),
                vmdrv_state_name(rep.items[i].after),
                rep.items[i].message[0] ? ": " : "", rep.items[i].message);
    vmdrv_report_clear(&rep);
    return o;
}

/* Launch label in the scope in effect (recorded in the ledger first). */
static vc_obs launch_in(vc_t *t, pair *p, const char *scope_name,
                        const char *driver, const char *label,
                        const char **name)
{
    vmdrv_scope *s;
    *name = vc_name(t, label);
    vc_ledger_add(t, driver, scope_name, *name);
    if (vmdrv_scope_open(&s, p->mgr, NULL, 0) != 0)
        return vc_fail_sdk(t, "scope-open-failed", scope_name);
    vmdrv_instance_spec spec = {.name = *name, .cpus = 1, .memory_mb = 256,
                                .disk_mb = 256};
    int rc = vmdrv_scope_launch(s, &spec, NULL, 0, 0);
    vmdrv_scope_close(s);
    if (rc != 0)
        return vc_fail_sdk(t, "launch-failed", "launch");
    return VC_O_WORKS;
}

/* Open the pair, select the scope under test and launch "a" in it. On
 * failure the pair is closed and the observation returned. */
static vc_obs pair_launch(vc_t *t, pair *p, const char **a)
{
    vc_obs o;
    if ((o = pair_open(t, p)))
        return o;
    if ((o = select_scope(t, p, p->x)) ||
        (o = launch_in(t, p, p->x, p->x, "a", a)))
        return pair_close(p, o);
    return VC_O_WORKS;
}

/* The live state of name in the named scope (opened without switching). */
static int state_in(vc_t *t, pair *p, const char *scope_name, const char *name,
                    vmdrv_state *st)
{
    vmdrv_scope *s;
    int live;
    (void)t;
    int rc = vmdrv_scope_open(&s, p->mgr, scope_name, 0);
    if (rc)
        return rc;
    rc = vmdrv_scope_state(s, name, st, &live);
    vmdrv_scope_close(s);
    return rc;
}

static vc_obs expect_state_in(vc_t *t, pair *p, const char *scope_name,
                              const char *name, vmdrv_state want,
                              const char *failure)
{
    vmdrv_state st;
    if (state_in(t, p, scope_name, name, &st) != 0)
        return vc_fail_sdk(t, failure, "state");
    if (st != want)
        return vc_fail(t, failure, "'%s' in scope '%s' is %s, expected %s",
                       name, scope_name, vmdrv_state_name(st),
                       vmdrv_state_name(want));
    return VC_O_WORKS;
}

static size_t live_records(vc_t *t, const char *scope_name)
{
    vmdrv_records recs = {0};
    size_t n = 0;
    if (vmdrv_records_load(vc_ctx(t), scope_name, &recs) == 0)
        for (size_t i = 0; i < recs.count; i++)
            n += !recs.items[i].deleted;
    vmdrv_records_clear(&recs);
    return n;
}

static int has_record(vc_t *t, const char *scope_name, const char *name)
{
    vmdrv_records recs = {0};
    int found = 0;
    if (vmdrv_records_load(vc_ctx(t), scope_name, &recs) == 0)
        found = vmdrv_records_find(&recs, name) != NULL;
    vmdrv_records_clear(&recs);
    return found;
}

vc_obs vc_case_scope_new_scope_empty(vc_t *t)
{
    pair p;
    const char *a;
    vc_obs o;
    if ((o = pair_launch(t, &p, &a)))
        return o;
    if ((o = select_scope(t, &p, p.y)))
        return pair_close(&p, o);
    if (live_records(t, p.y) != 0)
        o = vc_fail(t, "new-scope-not-empty",
                    "scope '%s' is not empty after switching to it", p.y);
    else if (!has_record(t, p.x, a))
        o = vc_fail(t, "scope-lost-instance",
                    "scope '%s' lost '%s' when '%s' was selected", p.x, a, p.y);
    return pair_close(&p, o);
}

vc_obs vc_case_scope_same_name_two_scopes(vc_t *t)
{
    pair p;
    const char *a, *a2;
    vc_obs o;
    if ((o = pair_launch(t, &p, &a)))
        return o;
    if ((o = select_scope(t, &p, p.y)) ||
        (o = launch_in(t, &p, p.y, p.y_driver, "a", &a2)))
        return pair_close(&p, o);
    if (!has_record(t, p.x, a) || !has_record(t, p.y, a2))
        o = vc_fail(t, "same-name-not-kept",
                    "'%s' is not recorded in both '%s' and '%s'", a, p.x, p.y);
    return pair_close(&p, o);
}

vc_obs vc_case_scope_no_cross_effect(vc_t *t)
{
    pair p;
    const char *a, *a2;
    vc_obs o;
    vmdrv_scope *s;
    if ((o = pair_launch(t, &p, &a)))
        return o;
    if ((o = select_scope(t, &p, p.y)) ||
        (o = launch_in(t, &p, p.y, p.y_driver, "a", &a2)))
        return pair_close(&p, o);
    /* stop, then purge the namesake in the other scope */
    if (vmdrv_scope_open(&s, p.mgr, NULL, 0) != 0)
        return pair_close(&p, vc_fail_sdk(t, "scope-open-failed", p.y));
    int rc = vmdrv_scope_stop(s, a2, VMDRV_STOP_FORCE);
    if (!rc)
        rc = vmdrv_scope_delete(s, a2, VMDRV_DELETE_PURGE);
    vmdrv_scope_close(s);
    if (rc)
        return pair_close(&p, vc_fail_sdk(t, "other-scope-op-failed",
                                          "stop and purge in the other scope"));
    if (!has_record(t, p.x, a))
        return pair_close(&p, vc_fail(t, "cross-scope-effect",
                                      "purging '%s' in '%s' removed it from "
                                      "'%s'",
                                      a2, p.y, p.x));
    if ((o = select_scope(t, &p, p.x)))
        return pair_close(&p, o);
    o = expect_state_in(t, &p, p.x, a, VMDRV_STATE_RUNNING,
                        "cross-scope-effect");
    return pair_close(&p, o);
}

/* Switch away and back; name must then be in state want. */
static vc_obs away_and_back(vc_t *t, pair *p, const char *name,
                            vmdrv_state want)
{
    vc_obs o;
    vmdrv_state st;
    if ((o = select_scope(t, p, p->y)))
        return o;
    /* while away, nothing of the left scope may still run */
    if (state_in(t, p, p->x, name, &st) == 0 && st == VMDRV_STATE_RUNNING)
        return vc_fail(t, "left-running",
                       "'%s' still runs after switching away from '%s'", name,
                       p->x);
    if ((o = select_scope(t, p, p->x)))
        return o;
    return expect_state_in(t, p, p->x, name, want, "state-not-restored");
}

/* Launch in the scope under test, apply op (if any), switch away and
 * back. */
static vc_obs launch_op_away_back(vc_t *t,
                                  int (*op)(vmdrv_scope *, const char *,
                                            unsigned int),
                                  const char *what, vmdrv_state want)
{
    pair p;
    const char *a;
    vc_obs o;
    vmdrv_scope *s;
    if ((o = pair_launch(t, &p, &a)))
        return o;
    if (!op)
        return pair_close(&p, away_and_back(t, &p, a, want));
    if (vmdrv_scope_open(&s, p.mgr, NULL, 0) != 0)
        return pair_close(&p, vc_fail_sdk(t, "scope-open-failed", p.x));
    int rc = op(s, a, 0);
    vmdrv_scope_close(s);
    if (rc)
        return pair_close(&p, vc_fail_sdk(t, "op-failed", what));
    return pair_close(&p, away_and_back(t, &p, a, want));
}

vc_obs vc_case_scope_restore_running(vc_t *t)
{
    return launch_op_away_back(t, NULL, NULL, VMDRV_STATE_RUNNING);
}

vc_obs vc_case_scope_restore_suspended(vc_t *t)
{
    if (!vc_has(t, VMDRV_CAP_SUSPEND))
        return vc_skip(t, "needs-suspend",
                       "the driver does not advertise suspension");
    return launch_op_away_back(t, vmdrv_scope_suspend, "suspend",
                               VMDRV_STATE_SUSPENDED);
}

vc_obs vc_case_scope_restore_stopped(vc_t *t)
{
    return launch_op_away_back(t, vmdrv_scope_stop, "stop",
                               VMDRV_STATE_STOPPED);
}

vc_obs vc_case_scope_survives_restart(vc_t *t)
{
    pair p;
    const char *a;
    vc_obs o;
    if ((o = pair_launch(t, &p, &a)))
        return o;
    vmdrv_manager_free(p.mgr);
    /* a new context and manager: what a new vmdrv process would see */
    vmdrv_ctx *ctx;
    if (vc_open_ctx(t, &ctx) != 0)
        return VC_O_ERROR;
    vmdrv_manager *mgr;
    vmdrv_driver_choice ch;
    vmdrv_scope *s = NULL;
    vmdrv_state st;
    int live;
    if (vmdrv_manager_new(&mgr, ctx) != 0) {
        vmdrv_ctx_free(ctx);
        return vc_error(t, "cannot create a second manager");
    }
    if (vmdrv_local_driver(mgr, &ch) != 0 || strcmp(ch.name, p.x) != 0)
        o = vc_fail(t, "setting-lost", "a new process sees local.driver '%s'",
                    ch.name);
    else if (vmdrv_scope_open(&s, mgr, NULL, 0) != 0 ||
             vmdrv_scope_state(s, a, &st, &live) != 0)
        o = vc_fail(t, "instance-lost", "a new process cannot find '%s': %s",
                    a, vmdrv_last_error(ctx)->message);
    else if (st != VMDRV_STATE_RUNNING)
        o = vc_fail(t, "state-lost", "a new process sees '%s' %s", a,
                    vmdrv_state_name(st));
    vmdrv_scope_close(s);
    vmdrv_manager_free(mgr);
    vmdrv_ctx_free(ctx);
    return o;
}
