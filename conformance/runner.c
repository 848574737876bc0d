/*
 * runner.c: `vmdrv conform`'s engine. It plans jobs (one per matrix cell
 * the chosen hosts and drivers cover), runs each as a case process
 * (`vmdrv __case JOBFILE`, see case.c) with a watchdog that kills it and
 * all it started, decides the outcome from E (matrix), A (advertised) and
 * O (observed), tears down and audits what each case created, and writes
 * the result. See runner.h.
 *
 * A case runs in a new process of the vmdrv executable rather than a
 * fork() of this one: the same path on every OS (Windows has no fork),
 * and nothing of the parent's state (open connections, a half-written
 * stdio buffer) leaks into a case. What the case needs is in its job
 * file; the host descriptor goes with it, so nothing is probed twice.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner_priv.h"
#include "vu_fs.h"
#include "vu_json.h"
#include "vu_regex.h"

const char *vc_outcome_name(vc_outcome o)
{
    switch (o) {
#define X(e, name)                                                             \
    case VC_OUTCOME_##e:                                                       \
        return name;
        VC_OUTCOME_LIST(X)
#undef X
    case VC_OUTCOME__COUNT:
        break;
    }
    return "error";
}

int vc_outcome_from_name(const char *name)
{
    for (int i = 0; i < VC_OUTCOME__COUNT; i++)
        if (strcmp(vc_outcome_name((vc_outcome)i), name) == 0)
            return i;
    return -1;
}

char *vc_default_work_dir(void)
{
    char buf[1024];
    if (vmdrv_default_data_dir(buf, sizeof buf) != 0)
        return NULL;
    return vu_path_join(buf, "conform");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* FNV-1a 32 of s, as 6 base-36 characters: short, name-safe. */
static void short_hash(const char *s, char out[8])
{
    unsigned long h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 16777619u;
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (int i = 0; i < 6; i++) {
        out[i] = digits[h % 36];
        h /= 36;
    }
    out[6] = '\0';
}

/* xorshift64*: a seedable order that a run can replay. */
static unsigned long long rng_next(unsigned long long *s)
{
    unsigned long long x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 2685821657736338717ULL;
}

/* ---- targets ---------------------------------------------------------- */

static int open_target_ctx(const vc_run_opts *o, const char *data_dir,
                           const char *profile, vmdrv_ctx **out)
{
    char err[1024];
    if (vmdrv_ctx_open(out, data_dir, err, sizeof err) != 0) {
        fprintf(stderr, "vmdrv conform: %s\n", err);
        return -1;
    }
    if (profile && vmdrv_ctx_use_profile(*out, profile) != 0) {
        fprintf(stderr, "vmdrv conform: %s\n", vmdrv_last_error(*out)->message);
        vmdrv_ctx_free(*out);
        *out = NULL;
        return -1;
    }
    for (size_t i = 0; i < o->driver_libs.n; i++) {
        if (vmdrv_driver_load(*out, o->driver_libs.v[i]) != 0) {
            fprintf(stderr, "vmdrv conform: %s\n",
                    vmdrv_last_error(*out)->message);
            vmdrv_ctx_free(*out);
            *out = NULL;
            return -1;
        }
    }
    return 0;
}

static int wanted_driver(const vc_run_opts *o, const char *name)
{
    if (o->drivers.n == 0)
        return 1;
    for (size_t i = 0; i < o->drivers.n; i++)
        if (strcmp(o->drivers.v[i], name) == 0)
            return 1;
    return 0;
}

/* Fill a target: its host, and the drivers to run there. */
static int setup_target(const vc_run_opts *o, vc_host_target *tg,
                        const char *profile)
{
    vmdrv_ctx *ctx;
    tg->profile = profile ? vu_strdup(profile) : NULL;
    char *data = vu_path_join(o->work_dir, "data");
    if (profile) {
        const char *base = strrchr(profile, '/');
        base = base ? base + 1 : profile;
        snprintf(tg->name, sizeof tg->name, "%.*s",
                 (int)(strcspn(base, ".")), base);
    } else {
        vu_strlcpy(tg->name, "host", sizeof tg->name);
    }
    tg->data_dir = vu_path_join(data, tg->name);
    free(data);
    if (vu_mkdir_p(tg->data_dir) != 0) {
        fprintf(stderr, "vmdrv conform: cannot create '%s'\n", tg->data_dir);
        return -1;
    }
    if (open_target_ctx(o, tg->data_dir, profile, &ctx))
        return -1;
    tg->host = *vmdrv_ctx_host(ctx);
    vc_target_from_host(&tg->mt, &tg->host);
    for (size_t i = 0; i < vmdrv_driver_count(ctx); i++) {
        vmdrv_driver_desc d;
        vmdrv_driver_get(ctx, i, &d);
        if (!wanted_driver(o, d.name))
            continue;
        /* explicit --driver: keep it even when it declines, so the cells
         * say why they were not run; otherwise only what works here */
        if (o->drivers.n > 0 || vmdrv_driver_probe(ctx, d.name) == 0) {
            vu_strv_add(&tg->drivers, d.name);
            tg->caps = vu_realloc(tg->caps, tg->drivers.n * sizeof *tg->caps);
            tg->caps[tg->drivers.n - 1] = 0;
            vmdrv_conn *conn;
            if (vmdrv_conn_open(&conn, ctx, d.name, NULL,
                                (const char *const *)o->driver_opts.v, 0) == 0) {
                vmdrv_conn_caps(conn, NULL, &tg->caps[tg->drivers.n - 1]);
                vmdrv_conn_close(conn);
            }
        }
    }
    vmdrv_ctx_free(ctx);
    return 0;
}

/* ---- planning ---------------------------------------------------------- */

typedef struct plan {
    vc_job *jobs;
    size_t n, cap;
    vc_cells *cells;     /* one per target */
} plan;

static vc_job *add_job(plan *p)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->jobs = vu_realloc(p->jobs, p->cap * sizeof *p->jobs);
    }
    vc_job *j = &p->jobs[p->n++];
    memset(j, 0, sizeof *j);
    j->expect_a = -1;
    return j;
}

static int target_has_driver(const vc_host_target *tg, const char *d)
{
    for (size_t i = 0; i < tg->drivers.n; i++)
        if (strcmp(tg->drivers.v[i], d) == 0)
            return 1;
    return 0;
}

/* Cells that --rerun-failed keeps: ids whose outcome was not good. */
static int load_rerun(const char *path, vu_strv *ids)
{
    char err[512];
    json_t *r = vu_json_load_file(path, err, sizeof err);
    if (!r) {
        fprintf(stderr, "vmdrv conform: %s\n", err);
        return -1;
    }
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r, "cells"), i, c) {
        const char *oc = vu_json_str(c, "outcome", "");
        if (strcmp(oc, "fail") == 0 || strcmp(oc, "error") == 0 ||
            strcmp(oc, "timeout") == 0 || strcmp(oc, "xpass") == 0 ||
            strcmp(oc, "leaked") == 0 || strcmp(oc, "flaky") == 0)
            vu_strv_add(ids, vu_json_str(c, "id", ""));
    }
    json_decref(r);
    return 0;
}

static int in_strv(const vu_strv *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

/*
 * Jobs for one target. Host-level cases (defaults, setting, migration)
 * do not need the driver to run here: they check the SDK's answers for
 * this host. Everything else runs per selected driver.
 */
static void plan_target(const vc_run_opts *o, plan *p, vc_host_target *tg,
                        const vc_cells *cells, int from_matrix)
{
    for (size_t i = 0; i < cells->n; i++) {
        const vc_cell *c = &cells->v[i];
        const vc_casedef *def = vc_catalog_find(c->kase->id);
        int host_level = def && (def->flags & VC_CASE_HOST);
        const char *driver = c->driver->key;
        if (!wanted_driver(o, driver))
            continue;
        if (!host_level) {
            /* a driver not offered here is checked by the setting cases
             * (it must be refused); its per-driver cases only appear when
             * asked for by name, as skips that say why */
            int offered = c->base != VC_EXPECT_UNAVAILABLE &&
                          c->base != VC_EXPECT_RETIRED;
            if (!target_has_driver(tg, driver))
                continue;
            if (!offered && o->drivers.n == 0)
                continue;
        }
        vc_job *j = add_job(p);
        j->cell = c;
        j->cell_index = from_matrix ? (long)i : -1;
        j->def = def;
        j->target = tg;
        j->driver = driver;
        snprintf(j->id, sizeof j->id, "%s:%s:%s", tg->name, driver,
                 c->kase->id);
        short_hash(j->id, j->tag);
        j->selected = 1;
        if (!host_level && (c->base == VC_EXPECT_UNAVAILABLE ||
                            c->base == VC_EXPECT_RETIRED)) {
            j->skip_reason = "driver-not-offered";
            snprintf(j->skip_detail, sizeof j->skip_detail,
                     "the matrix says %s is %s on %s", driver,
                     vc_expect_name(c->base), tg->name);
        } else if (!def) {
            j->skip_reason = "no-implementation";
        } else if (c->missing) {
            /* the harness needs a capability the matrix denies here */
            vu_buf caps = VU_BUF_INIT;
            for (int k = 0; k < VMDRV_CAP__COUNT; k++)
                if (c->missing & VMDRV_CAP_BIT(k))
                    vu_buf_printf(&caps, "%s%s", caps.len ? ", " : "",
                                  vmdrv_cap_key((vmdrv_cap)k));
            j->skip_reason = "needs-capability";
            snprintf(j->skip_detail, sizeof j->skip_detail,
                     "the case needs %s, which the matrix does not give %s "
                     "on %s",
                     vu_buf_str(&caps), driver, tg->name);
            vu_buf_clear(&caps);
        }
    }
}

void vc__unknown_driver_cell(const vc_matrix *m, const vc_platform *pf,
                             const vc_target *mt, const vc_driver *vd,
                             const vc_case *kc, uint64_t caps, vc_cell *c)
{
    memset(c, 0, sizeof *c);
    c->platform = pf;
    c->edition = mt->edition ? vc_platform_edition(pf, mt->edition) : NULL;
    c->arch = mt->arch;
    c->driver = vd;
    c->kase = kc;
    c->feature = kc->feature ? vc_matrix_feature(m, kc->feature) : NULL;
    c->base = VC_EXPECT_SUPPORTED;
    if (c->feature && !(caps & VMDRV_CAP_BIT(c->feature->cap)))
        c->base = VC_EXPECT_UNSUPPORTED;
    c->expect = c->base;
    c->must_run = kc->must_run;
    c->timeout = vc_case_timeout(kc, vd->key);
    c->requires = kc->requires;
    c->src = vd->src;
}

int vc__unknown_driver_case(const vc_case *kc)
{
    return kc->area != VC_AREA_DEFAULTS && kc->area != VC_AREA_SETTING &&
           kc->area != VC_AREA_MIGRATION;
}

/* The effective caps of a driver on a target (0 when not opened). */
static uint64_t target_caps(const vc_host_target *tg, const char *driver)
{
    for (size_t k = 0; k < tg->drivers.n; k++)
        if (strcmp(tg->drivers.v[k], driver) == 0)
            return tg->caps[k];
    return 0;
}

/*
 * A driver the matrix does not know (an out-of-tree plugin) is held to
 * its own word: one cell per driver-level case, expecting each feature
 * to work exactly when the driver advertises it.
 */
static void plan_unknown_drivers(const vc_matrix *m, vc_host_target *tg)
{
    const vc_platform *pf = vc_matrix_platform(m, tg->mt.platform);
    if (!pf)
        return;
    for (size_t d = 0; d < tg->drivers.n; d++) {
        const char *name = tg->drivers.v[d];
        if (vc_matrix_driver(m, name))
            continue;
        tg->extra_drivers = vu_realloc(tg->extra_drivers,
                                       (tg->n_extra_drivers + 1) *
                                           sizeof *tg->extra_drivers);
        vc_driver *vd = &tg->extra_drivers[tg->n_extra_drivers++];
        memset(vd, 0, sizeof *vd);
        vd->key = name;
        vd->name = name;
        vd->src.file = VC_UNKNOWN_DRIVER_SRC;
    }
    size_t n_known = tg->n_extra_drivers;
    if (!n_known)
        return;
    tg->extra = vu_calloc(n_known * m->n_cases, sizeof *tg->extra);
    for (size_t d = 0; d < n_known; d++) {
        const vc_driver *vd = &tg->extra_drivers[d];
        uint64_t caps = target_caps(tg, vd->key);
        for (size_t i = 0; i < m->n_cases; i++) {
            if (vc__unknown_driver_case(&m->cases[i]))
                vc__unknown_driver_cell(m, pf, &tg->mt, vd, &m->cases[i], caps,
                                        &tg->extra[tg->n_extra++]);
        }
    }
}

/* ---- teardown and audit ------------------------------------------------ */

/*
 * Tear down what the ledger lists (newest first), then audit each scope
 * it names for instances still carrying prefix. Returns the number left,
 * their names in *left.
 */
static int teardown(const char *ledger, const char *prefix, const vu_strv *libs,
                    int remove, vu_buf *left)
{
    vc_ledger_entry *e;
    size_t n = vc__ledger_read(ledger, &e);
    int leftovers = 0;
    vc_scopes *scopes = vc__scopes_new(libs);
    vmdrv_ctx *ctx;
    for (size_t i = n; remove && i-- > 0;) {
        vmdrv_conn *conn = vc__scopes_get(scopes, &e[i], &ctx);
        if (conn)
            vc__remove_instance(conn, e[i].name);
    }
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        for (size_t k = 0; k < i; k++)
            seen |= strcmp(e[k].data_dir, e[i].data_dir) == 0 &&
                    strcmp(e[k].driver, e[i].driver) == 0 &&
                    strcmp(e[k].scope, e[i].scope) == 0;
        vmdrv_conn *conn = seen ? NULL : vc__scopes_get(scopes, &e[i], &ctx);
        vmdrv_names names = {0};
        if (conn && vmdrv_instance_list(conn, &names, 0) == 0) {
            for (size_t k = 0; k < names.count; k++) {
                if (!vu_starts_with(names.names[k], prefix))
                    continue;
                leftovers++;
                vu_buf_printf(left, "%s%s/%s/%s", left->len ? ", " : "",
                              e[i].driver, e[i].scope, names.names[k]);
            }
        }
        vmdrv_names_clear(&names);
    }
    vc__scopes_free(scopes);
    vc__ledger_free(e, n);
    return leftovers;
}

/* ---- running one job ----------------------------------------------------- */

typedef struct running {
    vc_job *job;
    vmdrv_proc *proc;
    double started;
    double deadline;
    unsigned int limit; /* seconds */
    vc_t t;
    int timed_out; /* killed: KILLED_ON_TIMEOUT or KILLED_ON_INTERRUPT */
} running;

enum { KILLED_ON_TIMEOUT = 1, KILLED_ON_INTERRUPT = 2 };

/* What start_job needs besides the job: the same for every job. */
typedef struct launcher {
    const vc_run_opts *o;
    const vc_matrix *m;
    const char *run_id;
    const char *run_dir;
    vmdrv_ctx *ctx; /* starts the case processes */
} launcher;

static int start_job(const launcher *l, size_t index, vc_job *j, running *r)
{
    const vc_run_opts *o = l->o;
    memset(r, 0, sizeof *r);
    r->job = j;
    vc_t *t = &r->t;
    t->m = l->m;
    t->cell = j->cell;
    t->def = j->def;
    t->driver = j->driver;
    t->profile = j->target->profile;
    t->host = &j->target->host;
    t->driver_opts = &o->driver_opts;
    t->driver_libs = &o->driver_libs;
    vu_strlcpy(t->run_id, l->run_id, sizeof t->run_id);
    vu_strlcpy(t->tag, j->tag, sizeof t->tag);
    snprintf(t->work_dir, sizeof t->work_dir, "%s/cases/%04zu-%s", l->run_dir,
             index, j->tag);
    /* attempts reuse the folder: the previous attempt's files go */
    vu_rm_rf(t->work_dir);
    vu_mkdir_p(t->work_dir);
    if (j->def->flags & VC_CASE_PRIVATE) {
        snprintf(t->data_dir, sizeof t->data_dir, "%s/data", t->work_dir);
        vu_mkdir_p(t->data_dir);
    } else {
        vu_strlcpy(t->data_dir, j->target->data_dir, sizeof t->data_dir);
    }
    snprintf(t->ledger, sizeof t->ledger, "%s/ledger", t->work_dir);
    snprintf(t->log_path, sizeof t->log_path, "%s/case.log", t->work_dir);
    vu_strlcpy(j->log_path, t->log_path, sizeof j->log_path);
    t->expect_unsupported = j->cell->feature &&
                            j->cell->base != VC_EXPECT_SUPPORTED;

    vc_job_info info = {.matrix_dir = o->matrix_dir,
                        .at = o->at,
                        .today = o->today,
                        .cell_index = j->cell_index,
                        .driver_caps = target_caps(j->target, j->driver)};
    char *job_path = vu_path_join(t->work_dir, "job.json");
    char *out_path = vu_path_join(t->work_dir, VC_CASE_OUTPUT);
    int rc = vc__job_write(t, &info, job_path);
    if (rc != 0) {
        fprintf(stderr, "vmdrv conform: cannot write '%s': %s\n", job_path,
                strerror(-rc));
        goto done;
    }
    const char *argv[] = {o->self_exe, VC_CASE_COMMAND, job_path, NULL};
    vmdrv_proc_spec spec = {
        .argv = argv, .stdout_path = out_path, .stderr_path = out_path};
    rc = vmdrv_proc_spawn(l->ctx, &spec, &r->proc);
    if (rc != 0) {
        fprintf(stderr, "vmdrv conform: cannot start the case process: %s\n",
                vmdrv_last_error(l->ctx)->message);
        goto done;
    }
    r->started = now_s();
    unsigned int limit = j->cell->timeout ? j->cell->timeout : 60;
    if (o->max_timeout && limit > o->max_timeout)
        limit = o->max_timeout;
    r->limit = limit;
    r->deadline = r->started + limit;
done:
    free(job_path);
    free(out_path);
    return rc;
}

/* E, A and O into an outcome (before known-broken and leaks). */
static vc_outcome decide(vc_job *j, const char *obs, json_t *res,
                         char *failure, size_t fsize)
{
    const vc_cell *c = j->cell;
    failure[0] = '\0';
    if (strcmp(obs, "error") == 0)
        return VC_OUTCOME_ERROR;
    if (strcmp(obs, "skip") == 0)
        return VC_OUTCOME_SKIP;
    const char *case_failure = vu_json_str(res, "failure", "");
    if (!c->feature) {
        if (strcmp(obs, "works") == 0)
            return VC_OUTCOME_PASS;
        vu_strlcpy(failure, strcmp(obs, "notsup") == 0 ? "unexpected-notsup"
                                                       : case_failure,
                   fsize);
        return VC_OUTCOME_FAIL;
    }
    int e = c->base == VC_EXPECT_SUPPORTED;
    uint64_t caps = (uint64_t)json_integer_value(json_object_get(res, "caps"));
    int a = (caps & VMDRV_CAP_BIT(c->feature->cap)) != 0;
    j->expect_a = a;
    if (strcmp(obs, "works") == 0) {
        if (e && a)
            return VC_OUTCOME_PASS;
        vu_strlcpy(failure, !a ? "under-advertised" : "matrix-understates",
                   fsize);
        return VC_OUTCOME_FAIL;
    }
    if (strcmp(obs, "notsup") == 0) {
        if (a)
            vu_strlcpy(failure, "false-advertisement", fsize);
        else if (e)
            vu_strlcpy(failure, "capability-regression", fsize);
        else if (json_integer_value(json_object_get(res, "unchanged")) == 0)
            vu_strlcpy(failure, "unsupported-changed-state", fsize);
        else
            return VC_OUTCOME_UNSUPPORTED_VERIFIED;
        return VC_OUTCOME_FAIL;
    }
    /* a failed check */
    if (e && !a)
        vu_strlcpy(failure, "capability-regression", fsize);
    else if (!e && !a && strcmp(case_failure, "feature-call-failed") == 0)
        vu_strlcpy(failure, "wrong-error", fsize);
    else
        vu_strlcpy(failure, case_failure[0] ? case_failure : "check-failed",
                   fsize);
    return VC_OUTCOME_FAIL;
}

static int good(vc_outcome o)
{
    return o == VC_OUTCOME_PASS || o == VC_OUTCOME_UNSUPPORTED_VERIFIED ||
           o == VC_OUTCOME_XFAIL || o == VC_OUTCOME_SKIP;
}

/* The last non-empty line the case process wrote to its output (an
 * assertion, the C runtime's abort text, a message of `vmdrv __case`),
 * for the message of a case that ended without a result. Owned or NULL. */
static char *output_tail(const vc_t *t)
{
    char *path = vu_path_join(t->work_dir, VC_CASE_OUTPUT);
    char *text = NULL, *line = NULL;
    size_t len = 0;
    if (vu_read_file(path, &text, &len) == 0) {
        while (len > 0 && strchr("\r\n \t", text[len - 1]))
            text[--len] = '\0';
        char *start = text + len;
        while (start > text && start[-1] != '\n')
            start--;
        if (*start)
            line = vu_asprintf("%.200s", start);
    }
    free(text);
    free(path);
    return line;
}

/* The case process has ended (or been killed): decide, tear down, audit.
 * pr is how it ended. */
static void finish_job(const vc_run_opts *o, running *r,
                       const vmdrv_proc_result *pr)
{
    vc_job *j = r->job;
    vc_t *t = &r->t;
    double secs = now_s() - r->started;
    char *path = vu_path_join(t->work_dir, "result.json");
    char err[512];
    json_t *res = vu_path_exists(path) ? vu_json_load_file(path, err, sizeof err)
                                       : NULL;
    free(path);
    vc_outcome oc;
    char failure[64] = "";
    char *message = NULL;
    if (r->timed_out) {
        oc = VC_OUTCOME_TIMEOUT;
        message = r->timed_out == KILLED_ON_INTERRUPT
                      ? vu_asprintf("interrupted after %.1f s: killed", secs)
                      : vu_asprintf("no result after %u s: killed", r->limit);
    } else if (!res) {
        oc = VC_OUTCOME_ERROR;
        char why[128];
        char *tail = output_tail(t);
        if (vmdrv_proc_crashed(pr, why, sizeof why))
            message = vu_asprintf("the case crashed (%s)%s%s", why,
                                  tail ? ": " : "", tail ? tail : "");
        else
            message = vu_asprintf("the case exited (status %d) without a "
                                  "result%s%s",
                                  pr->exited ? pr->status : -1,
                                  tail ? ": " : "", tail ? tail : "");
        free(tail);
    } else {
        const char *obs = vu_json_str(res, "obs", "error");
        oc = decide(j, obs, res, failure, sizeof failure);
        message = vu_strdup(vu_json_str(res, "message", ""));
        if (oc == VC_OUTCOME_SKIP) {
            j->skip_reason = "case-skipped";
            snprintf(j->skip_detail, sizeof j->skip_detail, "%s: %s",
                     vu_json_str(res, "skip_reason", "skipped"), message);
        }
    }
    /* known-broken cells: expected to fail until they expire */
    if (j->cell->broken) {
        if (oc == VC_OUTCOME_FAIL || oc == VC_OUTCOME_ERROR ||
            oc == VC_OUTCOME_TIMEOUT)
            oc = VC_OUTCOME_XFAIL;
        else if (oc == VC_OUTCOME_PASS)
            oc = VC_OUTCOME_XPASS;
    }
    int keep = o->keep_on_failure && !good(oc);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "vmdrvc-%s-%s-", t->run_id, t->tag);
    vu_buf left = VU_BUF_INIT;
    int leftovers = teardown(t->ledger, prefix, &o->driver_libs, !keep, &left);
    if (leftovers && !keep) {
        j->leaked = 1;
        free(j->leak_detail);
        j->leak_detail = vu_buf_detach(&left);
        if (oc == VC_OUTCOME_PASS || oc == VC_OUTCOME_UNSUPPORTED_VERIFIED)
            oc = VC_OUTCOME_LEAKED;
    } else if (!keep) {
        /* nothing left: the ledger has done its job, and a private data
         * dir holds nothing anyone needs */
        remove(t->ledger);
        if (j->def->flags & VC_CASE_PRIVATE)
            vu_rm_rf(t->data_dir);
    }
    vu_buf_clear(&left);
    json_t *attempt = json_pack("{s:s,s:s,s:s,s:f,s:i}", "outcome",
                                vc_outcome_name(oc), "failure", failure,
                                "message", message ? message : "", "seconds",
                                secs, "error_code",
                                res ? (int)json_integer_value(
                                          json_object_get(res, "error_code"))
                                    : 0);
    if (res && *vu_json_str(res, "notes", ""))
        json_object_set_new(attempt, "notes",
                            json_string(vu_json_str(res, "notes", "")));
    if (!j->attempt_log)
        j->attempt_log = json_array();
    json_array_append_new(j->attempt_log, attempt);
    j->attempts++;
    j->seconds += secs;
    j->outcome = oc;
    vu_strlcpy(j->failure, failure, sizeof j->failure);
    free(j->message);
    j->message = message;
    json_decref(res);
    vu_buf_clear(&t->message);
    vu_buf_clear(&t->notes);
    vu_strv_clear(&t->names);
    vmdrv_proc_free(r->proc);
    r->proc = NULL;
}

/* ---- progress ------------------------------------------------------------ */

typedef struct progress {
    size_t total, done, failed;
    double started;
    int live;
    int color;
} progress;

static const char *outcome_color(vc_outcome o)
{
    switch (o) {
    case VC_OUTCOME_PASS:
    case VC_OUTCOME_UNSUPPORTED_VERIFIED:
    case VC_OUTCOME_XFAIL:
        return "\033[32m";
    case VC_OUTCOME_SKIP:
    case VC_OUTCOME_FLAKY:
    case VC_OUTCOME_LEAKED:
        return "\033[33m";
    default:
        return "\033[31m";
    }
}

static void progress_job(progress *p, const vc_job *j)
{
    p->done++;
    if (!good(j->outcome))
        p->failed++;
    if (p->live)
        fputs("\r\033[K", stderr);
    {
        fprintf(stderr, "%s%-21s%s %s (%.2fs)", p->color ? outcome_color(j->outcome) : "",
                vc_outcome_name(j->outcome), p->color ? "\033[0m" : "", j->id,
                j->seconds);
        if (j->failure[0])
            fprintf(stderr, " [%s]", j->failure);
        if (!good(j->outcome) && j->message && *j->message)
            fprintf(stderr, ": %s", j->message);
        if (j->outcome == VC_OUTCOME_SKIP && j->skip_reason)
            fprintf(stderr, " [%s]%s%s", j->skip_reason,
                    j->skip_detail[0] ? ": " : "", j->skip_detail);
        if (j->leaked)
            fprintf(stderr, " (left: %s)", j->leak_detail);
        fputc('\n', stderr);
    }
    if (p->live) {
        double el = now_s() - p->started;
        double eta = p->done ? el / (double)p->done * (double)(p->total - p->done)
                             : 0;
        fprintf(stderr, "[%zu/%zu] failures: %zu  elapsed: %.0fs  eta: %.0fs",
                p->done, p->total, p->failed, el, eta);
        fflush(stderr);
    }
}

/* ---- leftovers --------------------------------------------------------- */

/* ---- the run ------------------------------------------------------------- */

static void make_run_id(char out[8], unsigned long long seed)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned long long s = seed ^ (unsigned long long)time(NULL) ^
                           ((unsigned long long)getpid() << 20);
    if (!s)
        s = 88172645463325252ULL;
    out[0] = digits[rng_next(&s) % 26]; /* a name starts with a letter */
    for (int i = 1; i < 6; i++)
        out[i] = digits[rng_next(&s) % 36];
    out[6] = '\0';
}

/* Ctrl-C: finish what runs (killing it), start nothing new, report.
 * ISO C signal(), which the Windows C runtime also maps Ctrl-C to. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* How long the scheduler sleeps at most: a Ctrl-C is noticed this soon
 * (the process waits do not return early for it). */
enum { TICK_MS = 100, MAX_JOBS = 64 };

/*
 * Sleep until a case process ends, its watchdog fires, or a tick passes.
 * Returns the slot of an ended process, or -1.
 */
static int wait_for_slot(running *slots, int jobs)
{
    vmdrv_proc *procs[MAX_JOBS];
    int index[MAX_JOBS];
    size_t n = 0;
    double now = now_s(), next = now + TICK_MS / 1000.0;
    for (int k = 0; k < jobs && n < MAX_JOBS; k++) {
        if (!slots[k].job)
            continue;
        procs[n] = slots[k].proc;
        index[n++] = k;
        if (!slots[k].timed_out && slots[k].deadline < next)
            next = slots[k].deadline;
    }
    int ms = next > now ? (int)((next - now) * 1000.0) + 1 : 0;
    size_t which;
    if (n && vmdrv_proc_wait_any(procs, n, ms, &which) == 0)
        return index[which];
    return -1;
}

int vc_run(const vc_run_opts *o)
{
    int exit_code = VC_EXIT_USAGE;
    vu_strv errs = VU_STRV_INIT;
    vc_matrix *m = NULL;
    plan p = {0};
    vc_host_target *targets = NULL;
    size_t n_targets = 0;
    vu_regex *focus = NULL, *skip = NULL;
    vu_strv rerun = VU_STRV_INIT;
    running *slots = NULL;
    /* at most 64: what one wait can watch on Windows (and --jobs allows) */
    int jobs = o->jobs < 1 ? 1 : o->jobs > MAX_JOBS ? MAX_JOBS : o->jobs;
    launcher l = {.o = o};
    void (*old_int)(int) = SIG_DFL;
    int caught = 0;
    json_t *result = NULL;
    char *run_dir = NULL;
    char err[512];

    if (vc_matrix_load(&m, o->matrix_dir, o->today, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "%s\n", errs.v[i]);
        fprintf(stderr, "vmdrv conform: the matrix in '%s' is invalid\n",
                o->matrix_dir);
        goto done;
    }
    /* the catalog and the matrix must name the same cases */
    int mismatch = 0;
    for (size_t i = 0; i < m->n_cases; i++)
        if (!vc_catalog_find(m->cases[i].id)) {
            fprintf(stderr,
                    "%s:%d:%d: case '%s' has no implementation in the "
                    "runner's catalog\n",
                    m->cases[i].src.file, m->cases[i].src.line,
                    m->cases[i].src.col, m->cases[i].id);
            mismatch = 1;
        }
    for (size_t i = 0; i < vc_catalog_size; i++)
        if (!vc_matrix_case(m, vc_catalog[i].id)) {
            fprintf(stderr,
                    "vmdrv conform: the catalog's case '%s' is not in the "
                    "matrix\n",
                    vc_catalog[i].id);
            mismatch = 1;
        }
    if (mismatch)
        goto done;
    if (o->focus && !(focus = vu_regex_new(o->focus, 0, err, sizeof err))) {
        fprintf(stderr, "vmdrv conform: invalid --focus pattern: %s\n", err);
        goto done;
    }
    if (o->skip && !(skip = vu_regex_new(o->skip, 0, err, sizeof err))) {
        fprintf(stderr, "vmdrv conform: invalid --skip pattern: %s\n", err);
        goto done;
    }
    if (o->rerun_failed && load_rerun(o->rerun_failed, &rerun) != 0)
        goto done;

    /* targets: this machine and/or the profiles */
    n_targets = o->hosts.n + (o->real_host ? 1 : 0);
    targets = vu_calloc(n_targets, sizeof *targets);
    size_t ti = 0;
    if (o->real_host && setup_target(o, &targets[ti++], NULL) != 0)
        goto done;
    for (size_t i = 0; i < o->hosts.n; i++)
        if (setup_target(o, &targets[ti++], o->hosts.v[i]) != 0)
            goto done;

    /* A host whose edition or architecture is unknown (Windows without
     * an EditionID, as under wine) would get the cells of every edition
     * or architecture at once, under the same ids, expecting
     * contradictory things. */
    for (size_t i = 0; i < n_targets; i++) {
        const vc_host_target *tg = &targets[i];
        const vc_platform *pf = vc_matrix_platform(m, tg->mt.platform);
        const char *unknown = !pf                                 ? NULL
                              : pf->n_editions && !tg->mt.edition ? "edition"
                              : !tg->mt.arch ? "architecture"
                                             : NULL;
        if (unknown) {
            fprintf(stderr,
                    "vmdrv conform: '%s' is a %s host of unknown %s, and the "
                    "matrix's cells differ by %s: test a host profile "
                    "instead (--host PROFILE)\n",
                    tg->name, pf->name, unknown, unknown);
            goto done;
        }
    }
    p.cells = vu_calloc(n_targets, sizeof *p.cells);
    for (size_t i = 0; i < n_targets; i++) {
        vc_filter f = {.at = o->at, .target = targets[i].mt};
        if (vc_matrix_cells(m, &f, &p.cells[i], &errs) != 0) {
            for (size_t k = 0; k < errs.n; k++)
                fprintf(stderr, "vmdrv conform: %s\n", errs.v[k]);
            goto done;
        }
        plan_target(o, &p, &targets[i], &p.cells[i], 1);
        plan_unknown_drivers(m, &targets[i]);
        vc_cells extra = {.v = targets[i].extra, .n = targets[i].n_extra};
        plan_target(o, &p, &targets[i], &extra, 0);
    }
    /* selection */
    size_t n_selected = 0;
    for (size_t i = 0; i < p.n; i++) {
        vc_job *j = &p.jobs[i];
        size_t len = strlen(j->id);
        if (focus && vu_regex_match(focus, j->id, len, 0, NULL, 0) != 1)
            j->selected = 0;
        if (skip && vu_regex_match(skip, j->id, len, 0, NULL, 0) == 1)
            j->selected = 0;
        if (o->rerun_failed && !in_strv(&rerun, j->id))
            j->selected = 0;
        n_selected += j->selected;
    }
    if (n_selected == 0) {
        fprintf(stderr, "vmdrv conform: the selection matches no cell "
                        "(%zu cells before filtering)\n",
                p.n);
        exit_code = VC_EXIT_NOTHING;
        goto done;
    }
    unsigned long long seed = o->seed_set ? o->seed
                                          : ((unsigned long long)time(NULL) ^
                                             ((unsigned long long)getpid() << 16));
    if (!seed)
        seed = 1;
    /* a shuffled order, reproducible from the seed */
    unsigned long long s = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (size_t i = p.n; i > 1; i--) {
        size_t k = (size_t)(rng_next(&s) % i);
        vc_job tmp = p.jobs[i - 1];
        p.jobs[i - 1] = p.jobs[k];
        p.jobs[k] = tmp;
    }
    const char *at = vc_matrix_at(m, o->at);

    if (o->plan) {
        printf("plan: %zu cells, %zu selected, matrix at %s, seed %llu\n",
               p.n, n_selected, at, seed);
        for (size_t i = 0; i < p.n; i++) {
            vc_job *j = &p.jobs[i];
            const char *why;
            char buf[320];
            if (!j->selected)
                why = "skip: not selected (--focus/--skip/--rerun-failed)";
            else if (j->skip_reason) {
                snprintf(buf, sizeof buf, "skip: %s%s%s", j->skip_reason,
                         j->skip_detail[0] ? " (" : "", j->skip_detail);
                if (j->skip_detail[0])
                    strcat(buf, ")");
                why = buf;
            } else {
                snprintf(buf, sizeof buf, "run: expect %s, timeout %us%s",
                         vc_expect_name(j->cell->expect), j->cell->timeout,
                         j->cell->must_run ? ", must-run" : "");
                why = buf;
            }
            printf("%-72s %s\n", j->id, why);
        }
        exit_code = VC_EXIT_OK;
        goto done;
    }

    if (!o->self_exe) {
        fprintf(stderr, "vmdrv conform: cannot find the vmdrv executable "
                        "to run the cases with\n");
        goto done;
    }
    /* leftovers of earlier runs: refuse, or sweep first */
    vu_strv ledgers = VU_STRV_INIT;
    vc__glob_ledgers(o->work_dir, &ledgers);
    if (ledgers.n > 0) {
        if (!o->sweep) {
            fprintf(stderr,
                    "vmdrv conform: earlier runs left objects behind (%zu "
                    "ledger%s under '%s/runs'); run 'vmdrv sweep' or pass "
                    "--sweep\n",
                    ledgers.n, ledgers.n == 1 ? "" : "s", o->work_dir);
            vu_strv_clear(&ledgers);
            goto done;
        }
        if (vc_sweep(o->work_dir, &o->driver_libs, 0, o->verbose, stderr) != 0) {
            fprintf(stderr, "vmdrv conform: the sweep could not remove "
                            "everything; see above\n");
            vu_strv_clear(&ledgers);
            goto done;
        }
    }
    vu_strv_clear(&ledgers);

    char run_id[8];
    make_run_id(run_id, seed);
    char *runs = vu_path_join(o->work_dir, "runs");
    run_dir = vu_path_join(runs, run_id);
    free(runs);
    if (vu_mkdir_p(run_dir) != 0) {
        fprintf(stderr, "vmdrv conform: cannot create '%s'\n", run_dir);
        goto done;
    }
    fprintf(stderr,
            "vmdrv conform: run %s, %zu cells, matrix %s at %s, "
            "seed %llu (replay with --seed %llu), jobs %d\n",
            run_id, n_selected, m->hash_str, at, seed, seed, jobs);

    double started = now_s();
    progress pr = {.total = n_selected,
                   .started = started,
                   .live = o->progress,
                   .color = o->color};
    slots = vu_calloc((size_t)jobs, sizeof *slots);
    l.m = m;
    l.run_id = run_id;
    l.run_dir = run_dir;
    if (vmdrv_ctx_open(&l.ctx, run_dir, err, sizeof err) != 0) {
        fprintf(stderr, "vmdrv conform: %s\n", err);
        goto done;
    }
    /* a wait that times out is the normal case here, not worth a log line */
    vmdrv_ctx_set_verbose(l.ctx, 0);
    size_t next = 0, active = 0;
    interrupted = 0;
    old_int = signal(SIGINT, on_interrupt);
    caught = 1;
    for (;;) {
        /* start what fits */
        while (!interrupted && active < (size_t)jobs && next < p.n) {
            vc_job *j = &p.jobs[next++];
            if (!j->selected)
                continue;
            if (j->skip_reason) {
                j->outcome = VC_OUTCOME_SKIP;
                progress_job(&pr, j);
                continue;
            }
            for (int k = 0; k < jobs; k++) {
                if (slots[k].job)
                    continue;
                if (start_job(&l, next, j, &slots[k]) != 0)
                    goto done;
                active++;
                break;
            }
        }
        if (active == 0 && (next >= p.n || interrupted))
            break;
        /* reap, or fire the watchdogs */
        int k = wait_for_slot(slots, jobs);
        if (k >= 0) {
            running *r = &slots[k];
            vmdrv_proc_result res;
            vmdrv_proc_wait(r->proc, 0, &res);
            finish_job(o, r, &res);
            vmdrv_proc_result_clear(&res);
            vc_job *j = r->job;
            /* retries: a later pass makes the cell flaky */
            if (!good(j->outcome) && j->outcome != VC_OUTCOME_LEAKED &&
                j->outcome != VC_OUTCOME_XPASS && j->attempts <= o->retries &&
                !interrupted) {
                if (start_job(&l, (size_t)(j - p.jobs) + 1, j, r) != 0)
                    goto done;
                continue;
            }
            if (j->attempts > 1 && j->outcome == VC_OUTCOME_PASS)
                j->outcome = VC_OUTCOME_FLAKY;
            progress_job(&pr, j);
            r->job = NULL;
            active--;
            continue;
        }
        double now = now_s();
        for (int i = 0; i < jobs; i++) {
            running *r = &slots[i];
            if (r->job && !r->timed_out && (now > r->deadline || interrupted)) {
                r->timed_out =
                    now > r->deadline ? KILLED_ON_TIMEOUT : KILLED_ON_INTERRUPT;
                vmdrv_proc_kill(r->proc);
            }
        }
    }
    signal(SIGINT, old_int);
    caught = 0;
    if (pr.live)
        fputs("\r\033[K", stderr);
    double finished = now_s();

    result = vc__result_json(o, run_id, m, at, p.jobs, p.n, targets, n_targets,
                             started, finished);
    if (vc__write_reports(o, result, run_dir) != 0) {
        exit_code = VC_EXIT_USAGE;
        goto done;
    }
    /* the summary and the exit status */
    size_t counts[VC_OUTCOME__COUNT] = {0};
    size_t must_skipped = 0, leaks = 0;
    for (size_t i = 0; i < p.n; i++) {
        vc_job *j = &p.jobs[i];
        if (!j->selected)
            continue;
        counts[j->outcome]++;
        if (j->outcome == VC_OUTCOME_SKIP && j->cell->must_run &&
            j->cell->base != VC_EXPECT_UNAVAILABLE &&
            j->cell->base != VC_EXPECT_RETIRED)
            must_skipped++;
        leaks += j->leaked;
    }
    fprintf(stderr, "\n%-22s %s\n", "outcome", "cells");
    for (int i = 0; i < VC_OUTCOME__COUNT; i++)
        if (counts[i])
            fprintf(stderr, "%-22s %zu\n", vc_outcome_name((vc_outcome)i),
                    counts[i]);
    if (must_skipped)
        fprintf(stderr, "%-22s %zu (each fails the run)\n", "must-run skipped",
                must_skipped);
    size_t bad = counts[VC_OUTCOME_FAIL] + counts[VC_OUTCOME_ERROR] +
                 counts[VC_OUTCOME_TIMEOUT] + counts[VC_OUTCOME_XPASS];
    fprintf(stderr, "%zu passed, %zu failed, %zu skipped\n",
            counts[VC_OUTCOME_PASS] + counts[VC_OUTCOME_UNSUPPORTED_VERIFIED] +
                counts[VC_OUTCOME_XFAIL] + counts[VC_OUTCOME_FLAKY],
            bad + must_skipped, counts[VC_OUTCOME_SKIP]);
    fprintf(stderr, "result: %s/result.json (%.1fs)\n", run_dir,
            finished - started);
    if (interrupted)
        exit_code = VC_EXIT_FAIL;
    else if (bad || must_skipped)
        exit_code = VC_EXIT_FAIL;
    else if (leaks || counts[VC_OUTCOME_LEAKED])
        exit_code = VC_EXIT_LEAKS;
    else
        exit_code = VC_EXIT_OK;
done:
    if (caught)
        signal(SIGINT, old_int);
    /* a case that could not start stops the run: end the others */
    for (int k = 0; slots && k < jobs; k++) {
        if (slots[k].proc) {
            vmdrv_proc_kill(slots[k].proc);
            vmdrv_proc_result res;
            vmdrv_proc_wait(slots[k].proc, -1, &res);
            vmdrv_proc_result_clear(&res);
            vmdrv_proc_free(slots[k].proc);
        }
    }
    vmdrv_ctx_free(l.ctx);
    json_decref(result);
    free(slots);
    free(run_dir);
    for (size_t i = 0; i < p.n; i++) {
        free(p.jobs[i].message);
        free(p.jobs[i].leak_detail);
        json_decref(p.jobs[i].attempt_log);
    }
    free(p.jobs);
    for (size_t i = 0; p.cells && i < n_targets; i++)
        vc_cells_free(&p.cells[i]);
    free(p.cells);
    for (size_t i = 0; i < n_targets; i++) {
        free(targets[i].profile);
        free(targets[i].data_dir);
        vu_strv_clear(&targets[i].drivers);
        free(targets[i].caps);
        free(targets[i].extra);
        free(targets[i].extra_drivers);
    }
    free(targets);
    vu_regex_free(focus);
    vu_regex_free(skip);
    vu_strv_clear(&rerun);
    vu_strv_clear(&errs);
    vc_matrix_free(m);
    return exit_code;
}
