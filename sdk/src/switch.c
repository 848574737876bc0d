/*
 * switch.c: changing local.driver, which switches instance scopes (the
 * sequence is documented at vmdrv_local_driver_set in vmdrv/manager.h).
 *
 * The settings lock is held from the first look at the old value to the
 * end of the switch, so two processes switching at once run one after the
 * other. Each scope is locked while it is left or entered, which keeps
 * instance commands of other processes out of it meanwhile. The state an
 * instance had before the switch is written into its record before the
 * instance is touched, so a switch killed halfway loses nothing: the next
 * switch keeps the older memory, and records are never dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgr_internal.h"

static int running_like(vmdrv_state s)
{
    return s == VMDRV_STATE_RUNNING || s == VMDRV_STATE_STARTING ||
           s == VMDRV_STATE_RESTARTING || s == VMDRV_STATE_DELAYED_SHUTDOWN;
}

/* What leaving a scope did, so it can be undone. */
typedef struct undo_item {
    char name[VMDRV_NAME_MAX + 1];
    int acted;      /* suspended or stopped by us */
    int set_memory; /* state_before_switch written by us (not inherited) */
} undo_item;

typedef struct undo {
    vmdrv_scope *scope;
    vu_lock lock;
    int locked;
    undo_item *items;
    size_t n;
} undo;

static void undo_free(undo *u)
{
    vmdrv_scope_close(u->scope);
    if (u->locked)
        vu_lock_release(&u->lock);
    free(u->items);
    memset(u, 0, sizeof *u);
}

static undo_item *undo_add(undo *u, const char *name, int set_memory)
{
    u->items = vu_realloc(u->items, (u->n + 1) * sizeof *u->items);
    undo_item *it = &u->items[u->n++];
    memset(it, 0, sizeof *it);
    vu_strlcpy(it->name, name, sizeof it->name);
    it->set_memory = set_memory;
    return it;
}

/*
 * Put the scope back as it was: resume what we suspended, forget what we
 * remembered. Then fail with code, naming why (the context's error is
 * replaced by one sentence that says what happened to the switch).
 */
static int roll_back(vmdrv_manager *mgr, undo *u, const char *from,
                     const char *to, int code, const char *why,
                     vmdrv_report *rep)
{
    vu_buf resumed = VU_BUF_INIT, failed = VU_BUF_INIT;
    for (size_t i = u->n; i-- > 0;) {
        undo_item *it = &u->items[i];
        vmdrv_state st = VMDRV_STATE_UNKNOWN;
        int live;
        if (it->acted) {
            vmdrv__live_state(u->scope, it->name, &st, &live);
            if (vmdrv_instance_start(vmdrv_scope_conn(u->scope), it->name,
                                     0) == 0) {
                vmdrv__report_add(rep, from, it->name, VMDRV_ACT_RESUMED, st,
                                  VMDRV_STATE_RUNNING, 0, "switch undone");
                vu_buf_printf(&resumed, "%s'%s'", resumed.len ? ", " : "",
                              it->name);
            } else {
                const vmdrv_error *e = vmdrv_last_error(mgr->ctx);
                vmdrv__report_add(rep, from, it->name, VMDRV_ACT_FAILED, st,
                                  st, e->code, e->message);
                vu_buf_printf(&failed, "%s'%s'", failed.len ? ", " : "",
                              it->name);
            }
        }
        vmdrv__record_update(u->scope, it->name, 1, it->set_memory ? -2 : -1);
    }
    if (rep)
        rep->rolled_back = 1;
    int rc = vmdrv_error_set(
        mgr->ctx, code, NULL, 0,
        "cannot switch local.driver from '%s' to '%s': %s; the switch was "
        "abandoned and local.driver is still '%s'%s%s%s%s%s",
        from, to, why, from, resumed.len ? "; resumed " : "",
        vu_buf_str(&resumed), failed.len ? "; could not resume " : "",
        vu_buf_str(&failed),
        failed.len ? " (their records keep the state to restore)" : "");
    vu_buf_clear(&resumed);
    vu_buf_clear(&failed);
    return rc;
}

/* The live (not deleted) records of a scope folder. */
static int live_records(vmdrv_manager *mgr, const char *scope,
                        vmdrv_records *out)
{
    vmdrv_records all;
    int rc = vmdrv_records_load(mgr->ctx, scope, &all);
    memset(out, 0, sizeof *out);
    if (rc)
        return rc;
    *out = all;
    size_t k = 0;
    for (size_t i = 0; i < all.count; i++) {
        if (all.items[i].deleted)
            vmdrv_record_clear(&out->items[i]);
        else
            out->items[k++] = all.items[i];
    }
    out->count = k;
    return 0;
}

/*
 * The driver of the scope being left cannot be reached (not built here,
 * declined this host): nothing can be suspended, but the recorded states
 * are remembered so that coming back restores what it can.
 */
static int leave_unreachable(vmdrv_manager *mgr, const char *from,
                             vmdrv_records *recs, vmdrv_report *rep)
{
    char *why = vmdrv__err_copy(mgr->ctx);
    char *dir = vu_path_join(vmdrv_ctx_data_dir(mgr->ctx), from);
    int rc = 0;
    for (size_t i = 0; i < recs->count && !rc; i++) {
        vmdrv_record *r = &recs->items[i];
        vmdrv__store st;
        if ((rc = vmdrv__store_begin(mgr->ctx, dir, from, NULL, &st)))
            break;
        json_t *j = json_object_get(st.instances, r->name);
        if (j && !r->remembered)
            json_object_set_new(j, "state_before_switch",
                                json_integer(r->state));
        if ((rc = vmdrv__store_commit(&st)))
            break;
        vmdrv__report_add(rep, from, r->name, VMDRV_ACT_KEPT, r->state,
                          r->state, 0,
                          "its driver cannot be reached, so it was left as "
                          "recorded");
    }
    if (!rc)
        vmdrv__warn(mgr,
                    "the instances of the '%s' scope could not be suspended, "
                    "because its driver cannot be reached (%s); their "
                    "recorded states are remembered",
                    from, why);
    free(why);
    free(dir);
    return rc;
}

/* Leave scope from for to. On failure the scope is as it was. */
static int leave(vmdrv_manager *mgr, const char *from, const char *to,
                 vmdrv_report *rep, undo *u)
{
    vmdrv_records recs;
    char *dir = vu_path_join(vmdrv_ctx_data_dir(mgr->ctx), from);
    int rc;
    memset(u, 0, sizeof *u);
    if ((rc = live_records(mgr, from, &recs)))
        goto cleanup;
    if (recs.count == 0)
        goto cleanup; /* nothing runs there: nothing to do */
    if ((rc = vmdrv__scope_lock(mgr->ctx, dir, &u->lock)))
        goto cleanup;
    u->locked = 1;
    vmdrv__saved_err saved_open;
    vmdrv__err_save(mgr->ctx, &saved_open);
    if (vmdrv_scope_open(&u->scope, mgr, from, 0) != 0) {
        if ((rc = leave_unreachable(mgr, from, &recs, rep)) == 0)
            vmdrv__err_restore(mgr->ctx, &saved_open);
        else
            vmdrv__err_drop(&saved_open);
        goto cleanup;
    }
    vmdrv__err_drop(&saved_open);
    const char *refused = NULL; /* the instance that would not go down */
    for (size_t i = 0; i < recs.count; i++) {
        vmdrv_record *r = &recs.items[i];
        vmdrv_state st, after;
        int live;
        if ((rc = vmdrv__live_state(u->scope, r->name, &st, &live)))
            break;
        /* an interrupted earlier switch already remembered the state from
         * before it: that one is the truth, not today's "suspended" */
        int remember = r->remembered ? (int)r->state_before_switch : (int)st;
        if ((rc = vmdrv__record_update(u->scope, r->name, 1, remember)))
            break;
        undo_item *it = undo_add(u, r->name, !r->remembered);
        if (live < 0) {
            /* the hypervisor lost it (another machine's data folder, an
             * instance removed behind vmdrv's back): nothing to suspend,
             * and it must not hold the switch up */
            vmdrv__report_add(rep, from, r->name, VMDRV_ACT_KEPT, st, st, 0,
                              "its driver does not know it, so it was left "
                              "as recorded");
            continue;
        }
        if (!running_like(st)) {
            vmdrv__report_add(rep, from, r->name, VMDRV_ACT_KEPT, st, st, 0,
                              NULL);
            continue;
        }
        vmdrv_report_action act = VMDRV_ACT_SUSPENDED;
        char *why_not = NULL;
        vmdrv__saved_err saved;
        vmdrv__err_save(mgr->ctx, &saved);
        rc = vmdrv_instance_suspend(vmdrv_scope_conn(u->scope), r->name, 0);
        if (rc) {
            /* a driver that cannot suspend stops instead (Multipass's
             * AppleVZ does the same when its daemon goes down); so does
             * one whose suspend fails: a clean shutdown keeps the disk,
             * and the switch can go on */
            if (rc != VMDRV_E_NOTSUP)
                why_not = vu_asprintf("could not be suspended (%s), so it "
                                      "was stopped",
                                      vmdrv_last_error(mgr->ctx)->message);
            act = VMDRV_ACT_STOPPED;
            rc = vmdrv_instance_stop(vmdrv_scope_conn(u->scope), r->name, 0);
        }
        if (rc) {
            refused = r->name;
            free(why_not);
            vmdrv__err_drop(&saved);
            break;
        }
        vmdrv__err_restore(mgr->ctx, &saved);
        it->acted = 1;
        vmdrv__record_update(u->scope, r->name, 1, -1);
        vmdrv__live_state(u->scope, r->name, &after, &live);
        vmdrv__report_add(rep, from, r->name, act, st, after, 0, why_not);
        free(why_not);
    }
    if (rc) {
        /* either an instance would not go down, or its record could not
         * be written: the message says which */
        char *why = vmdrv__err_copy(mgr->ctx);
        char *what = refused ? vu_asprintf("instance '%s' could be neither "
                                           "suspended nor stopped: %s",
                                           refused, why)
                             : vu_strdup(why);
        if (refused)
            vmdrv__report_add(rep, from, refused, VMDRV_ACT_FAILED,
                              VMDRV_STATE_RUNNING, VMDRV_STATE_RUNNING, rc,
                              why);
        rc = roll_back(mgr, u, from, to, rc, what, rep);
        free(why);
        free(what);
    }
cleanup:
    if (rc)
        undo_free(u);
    vmdrv_records_clear(&recs);
    free(dir);
    return rc;
}

/* Enter scope to: give each remembered instance its state back. */
static int enter(vmdrv_manager *mgr, const char *to, vmdrv_report *rep)
{
    vmdrv_records recs;
    vmdrv_scope *s = NULL;
    vu_lock lock;
    int locked = 0, first = 0;
    char *first_msg = NULL;
    char *dir = vu_path_join(vmdrv_ctx_data_dir(mgr->ctx), to);
    int rc = live_records(mgr, to, &recs);
    if (rc)
        goto cleanup;
    size_t remembered = 0;
    for (size_t i = 0; i < recs.count; i++)
        remembered += recs.items[i].remembered;
    if (remembered == 0)
        goto cleanup; /* a new scope, or nothing to give back */
    if ((rc = vmdrv__scope_lock(mgr->ctx, dir, &lock)))
        goto cleanup;
    locked = 1;
    if ((rc = vmdrv_scope_open(&s, mgr, to, 0))) {
        char *why = vmdrv__err_copy(mgr->ctx);
        for (size_t i = 0; i < recs.count; i++)
            if (recs.items[i].remembered)
                vmdrv__report_add(rep, to, recs.items[i].name,
                                  VMDRV_ACT_FAILED, recs.items[i].state,
                                  recs.items[i].state, rc, why);
        rc = vmdrv_error_set(mgr->ctx, rc, NULL, 0,
                             "switched to '%s', but its instances cannot be "
                             "restored: %s",
                             to, why);
        free(why);
        goto cleanup;
    }
    for (size_t i = 0; i < recs.count; i++) {
        vmdrv_record *r = &recs.items[i];
        vmdrv_state st;
        int live;
        if (!r->remembered)
            continue;
        if (vmdrv__live_state(s, r->name, &st, &live) != 0)
            st = r->state;
        if (live < 0) {
            /* nothing to give the state back to; the memory stays for
             * when the hypervisor knows it again */
            vmdrv__report_add(rep, to, r->name, VMDRV_ACT_KEPT, st, st, 0,
                              "its driver does not know it, so its state "
                              "could not be given back");
            continue;
        }
        if (running_like(r->state_before_switch) &&
            st != VMDRV_STATE_RUNNING) {
            /* resumes a suspended one, boots one that had to be stopped */
            rc = vmdrv_scope_require(s, r->name);
            if (!rc)
                rc = vmdrv_instance_start(vmdrv_scope_conn(s), r->name, 0);
            if (rc) {
                const vmdrv_error *e = vmdrv_last_error(mgr->ctx);
                vmdrv__report_add(rep, to, r->name, VMDRV_ACT_FAILED, st, st,
                                  rc, e->message);
                if (!first) {
                    first = rc;
                    first_msg = vu_asprintf(
                        "switched to '%s', but instance '%s' could not be "
                        "restored to running: %s (its record keeps the "
                        "state to restore)",
                        to, r->name, e->message);
                }
                continue;
            }
            vmdrv__report_add(rep, to, r->name, VMDRV_ACT_RESUMED, st,
                              VMDRV_STATE_RUNNING, 0, NULL);
        } else {
            vmdrv__report_add(rep, to, r->name, VMDRV_ACT_KEPT, st, st, 0,
                              NULL);
        }
        /* given back: the memory has served */
        vmdrv__record_update(s, r->name, 1, -2);
    }
    rc = 0;
    if (first)
        rc = vmdrv_error_set(mgr->ctx, first, NULL, 0, "%s", first_msg);
cleanup:
    vmdrv_scope_close(s);
    if (locked)
        vu_lock_release(&lock);
    vmdrv_records_clear(&recs);
    free(first_msg);
    free(dir);
    return rc;
}

int vmdrv_local_driver_set(vmdrv_manager *mgr, const char *value,
                           vmdrv_report *rep)
{
    vmdrv_ctx *ctx = mgr->ctx;
    char canon[VMDRV_NAME_MAX + 1], why[1024], stored_canon[VMDRV_NAME_MAX + 1];
    const char *driver;
    vmdrv__settings set;
    vmdrv_driver_choice cur;
    vu_lock lock;
    undo u;
    int rc;
    memset(&u, 0, sizeof u);
    memset(&set, 0, sizeof set);
    vmdrv_report_clear(rep);
    if ((rc = vmdrv__driver_value_check(mgr, value, canon, sizeof canon,
                                        &driver, why, sizeof why)))
        return vmdrv_error_set(ctx, rc, NULL, 0,
                               "cannot set local.driver to '%s': %s",
                               value ? value : "", why);
    if ((rc = vmdrv__settings_lock(ctx, &lock)))
        return rc;
    /* no warning about an invalid stored value: it is being replaced */
    if ((rc = vmdrv__settings_read(ctx, &set)) ||
        (rc = vmdrv__choose(mgr, set.values[0], &cur, 0)))
        goto cleanup;
    if (rep) {
        vu_strlcpy(rep->from, cur.name, sizeof rep->from);
        vu_strlcpy(rep->to, canon, sizeof rep->to);
    }
    /* Multipass 1.12's trigger: hyperkit stored, qemu asked for, on a Mac */
    int migrate = vmdrv_ctx_host(ctx)->os == VMDRV_OS_MACOS &&
                  strcmp(canon, "qemu") == 0 && set.values[0] &&
                  vmdrv_driver_canonical(set.values[0], stored_canon,
                                         sizeof stored_canon) == 0 &&
                  strcmp(stored_canon, "hyperkit") == 0;
    int switching = strcmp(cur.name, canon) != 0;
    if (switching) {
        /* a scope whose records cannot be read is not entered: find out
         * before anything is suspended */
        vmdrv_records target;
        if ((rc = vmdrv_records_load(ctx, canon, &target)))
            goto cleanup;
        vmdrv_records_clear(&target);
        if ((rc = leave(mgr, cur.name, canon, rep, &u)))
            goto cleanup;
    }
    if (!set.values[0] || strcmp(set.values[0], canon) != 0) {
        free(set.values[0]);
        set.values[0] = vu_strdup(canon);
        if ((rc = vmdrv__settings_write(ctx, &set))) {
            if (switching) {
                char *w = vmdrv__err_copy(ctx);
                rc = roll_back(mgr, &u, cur.name, canon, rc, w, rep);
                free(w);
            }
            goto cleanup;
        }
    }
    /* committed: from here on failures are reported, not undone */
    undo_free(&u);
    if (rep)
        rep->switched = switching;
    int first = 0;
    char *first_msg = NULL;
    if (migrate) {
        vmdrv_report mrep;
        memset(&mrep, 0, sizeof mrep);
        if (rep)
            rep->migrated = 1;
        if ((first = vmdrv_migrate(mgr, "hyperkit", "qemu", 0, &mrep)))
            first_msg = vmdrv__err_copy(ctx);
        for (size_t i = 0; i < mrep.count; i++) {
            vmdrv_report_entry *e = &mrep.items[i];
            vmdrv__report_add(rep, e->scope, e->name, e->action, e->before,
                              e->after, e->rc, e->message);
        }
        vmdrv_report_clear(&mrep);
    }
    /* entering the scope in effect again finishes a switch that was
     * killed halfway: its instances still remember their states */
    if ((rc = enter(mgr, canon, rep)) && !first) {
        first = rc;
        first_msg = vmdrv__err_copy(ctx);
    }
    rc = first;
    if (first)
        vmdrv_error_set(ctx, first, NULL, 0, "%s", first_msg);
    free(first_msg);
cleanup:
    undo_free(&u);
    vmdrv__settings_clear(&set);
    vu_lock_release(&lock);
    return rc;
}
