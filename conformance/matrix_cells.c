/*
 * matrix_cells.c: expanding the matrix into cells, one per host
 * combination x driver x case, each with what must hold there (see
 * vc_matrix_cells() in matrix.h).
 *
 * The expectation of a (host, driver, feature) triple is computed once
 * per host and driver, not once per case: a matrix of 100,000 cells has a
 * few hundred distinct triples, so expansion stays a copy loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matrix.h"
#include "vmdrv/caps.h"
#include "vu_regex.h"

typedef struct fcache {
    vc_expect expect;
    vc_src src;
} fcache;

static int sel(const char *want, const char *have)
{
    return !want || (have && strcmp(want, have) == 0);
}

/* The entries that can match cells of one host and driver. */
static size_t broken_for(const vc_matrix *m, const vc_target *t,
                         const char *driver, const vc_broken **out)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_broken; i++) {
        const vc_broken *b = &m->broken[i];
        if (sel(b->platform, t->platform) && sel(b->edition, t->edition) &&
            sel(b->arch, t->arch) && sel(b->driver, driver))
            out[n++] = b;
    }
    return n;
}

static const vc_broken *find_broken(const vc_broken *const *cand, size_t n,
                                    const vc_cell *c)
{
    for (size_t i = 0; i < n; i++) {
        const vc_broken *b = cand[i];
        if (!sel(b->feature, c->feature ? c->feature->key : NULL))
            continue;
        if (b->case_id) {
            size_t len = strlen(b->case_id);
            int wild = len >= 2 && strcmp(b->case_id + len - 2, ".*") == 0;
            if (wild ? strncmp(c->kase->id, b->case_id, len - 1) != 0
                     : strcmp(c->kase->id, b->case_id) != 0)
                continue;
        }
        return b;
    }
    return NULL;
}

static void push(vc_cells *out, size_t *cap, const vc_cell *c)
{
    if (out->n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        out->v = vu_realloc(out->v, *cap * sizeof *out->v);
    }
    out->v[out->n++] = *c;
}

/* Fill the expectation-independent parts and the known-broken overlay. */
static void finish(vc_cell *c, const vc_broken *const *cand, size_t n_cand,
                   uint64_t denied)
{
    c->expect = c->base;
    c->broken = n_cand ? find_broken(cand, n_cand, c) : NULL;
    if (c->broken)
        c->expect = VC_EXPECT_KNOWN_BROKEN;
    c->must_run = c->kase->must_run && (c->base == VC_EXPECT_SUPPORTED ||
                                        c->base == VC_EXPECT_UNSUPPORTED);
    c->timeout = vc_case_timeout(c->kase, c->driver->key);
    c->requires = c->kase->requires;
    c->missing = c->requires & denied;
}

int vc_matrix_cells(const vc_matrix *m, const vc_filter *f, vc_cells *out,
                    vu_strv *errs)
{
    static const vc_filter none;
    int rc = -1;
    size_t cap = 0;
    vu_regex *re = NULL;
    const vc_case **cases = NULL;
    size_t n_cases = 0;
    fcache *fc = NULL;
    size_t *feat_idx = NULL;
    const vc_broken **cand = NULL;
    if (!f)
        f = &none;
    memset(out, 0, sizeof *out);
    const char *at = vc_matrix_at(m, f->at);
    out->at = at;
    if (!vc_version_valid(at)) {
        vu_strv_addf(errs,
                     "invalid version '%s': expected numbers separated by "
                     "dots, such as '1.16'",
                     at);
        goto cleanup;
    }
    if (f->case_re) {
        char err[256];
        re = vu_regex_new(f->case_re, 0, err, sizeof err);
        if (!re) {
            vu_strv_addf(errs, "invalid case pattern '%s': %s", f->case_re,
                         err);
            goto cleanup;
        }
    }
    cases = vu_calloc(m->n_cases + 1, sizeof *cases);
    feat_idx = vu_calloc(m->n_cases + 1, sizeof *feat_idx);
    for (size_t i = 0; i < m->n_cases; i++) {
        const vc_case *c = &m->cases[i];
        if (f->feature && !sel(f->feature, c->feature))
            continue;
        if (re && vu_regex_match(re, c->id, strlen(c->id), 0, NULL, 0) != 1)
            continue;
        if (c->feature)
            feat_idx[n_cases] =
                (size_t)(vc_matrix_feature(m, c->feature) - m->features);
        cases[n_cases++] = c;
    }
    fc = vu_calloc(m->n_features + 1, sizeof *fc);
    cand = vu_calloc(m->n_broken + 1, sizeof *cand);
    for (size_t p = 0; p < m->n_platforms; p++) {
        const vc_platform *pl = &m->platforms[p];
        if (!sel(f->target.platform, pl->key))
            continue;
        size_t ne = pl->n_editions ? pl->n_editions : 1;
        for (size_t e = 0; e < ne; e++) {
            const vc_edition *ed = pl->n_editions ? &pl->editions[e] : NULL;
            if (f->target.edition && ed && strcmp(f->target.edition, ed->key))
                continue;
            for (size_t a = 0; a < pl->n_arches; a++) {
                const char *arch = pl->arches[a];
                if (!sel(f->target.arch, arch))
                    continue;
                vc_target t = {pl->key, ed ? ed->key : NULL, arch};
                const vc_default *dflt = vc_matrix_default(m, at, &t);
                for (size_t d = 0; d < m->n_drivers; d++) {
                    const vc_driver *drv = &m->drivers[d];
                    if (!sel(f->driver, drv->key))
                        continue;
                    vc_driver_state st;
                    vc_matrix_driver_status(m, at, &t, drv->key, &st);
                    uint64_t denied = 0;
                    for (size_t k = 0; k < m->n_features; k++) {
                        fc[k].expect = vc_matrix_support(m, at, &t, drv->key,
                                                         &m->features[k],
                                                         &fc[k].src, NULL);
                        if (fc[k].expect != VC_EXPECT_SUPPORTED)
                            denied |= VMDRV_CAP_BIT(m->features[k].cap);
                    }
                    size_t n_cand = broken_for(m, &t, drv->key, cand);
                    for (size_t i = 0; i < n_cases; i++) {
                        vc_cell c = {.platform = pl,
                                     .edition = ed,
                                     .arch = arch,
                                     .driver = drv,
                                     .kase = cases[i]};
                        switch (cases[i]->area) {
                        case VC_AREA_DEFAULTS:
                            if (!dflt || strcmp(dflt->driver, drv->key) != 0)
                                continue;
                            c.base = VC_EXPECT_SUPPORTED;
                            c.src = dflt->src;
                            break;
                        case VC_AREA_MIGRATION:
                            for (size_t x = 0; x < m->n_exceptions; x++) {
                                const vc_exception *ex = &m->exceptions[x];
                                if (strcmp(ex->platform, pl->key) == 0 &&
                                    strcmp(ex->to, drv->key) == 0 &&
                                    vc_exception_active(ex, at)) {
                                    c.exception = ex;
                                    break;
                                }
                            }
                            if (!c.exception)
                                continue;
                            c.base = VC_EXPECT_SUPPORTED;
                            c.src = c.exception->src;
                            break;
                        case VC_AREA_FEATURE:
                            c.feature = &m->features[feat_idx[i]];
                            c.base = fc[feat_idx[i]].expect;
                            c.src = fc[feat_idx[i]].src;
                            break;
                        case VC_AREA_SETTING:
                        case VC_AREA_SCOPE:
                        case VC_AREA_LIFECYCLE:
                            c.base = st.status == VC_DRIVER_AVAILABLE
                                         ? VC_EXPECT_SUPPORTED
                                     : st.status == VC_DRIVER_RETIRED
                                         ? VC_EXPECT_RETIRED
                                         : VC_EXPECT_UNAVAILABLE;
                            c.src = st.src;
                            break;
                        }
                        if (c.base == VC_EXPECT_RETIRED)
                            c.retired_in = st.retired_in;
                        if (f->available_only &&
                            (c.base == VC_EXPECT_UNAVAILABLE ||
                             c.base == VC_EXPECT_RETIRED))
                            continue;
                        finish(&c, cand, n_cand, denied);
                        push(out, &cap, &c);
                    }
                }
            }
        }
    }
    rc = 0;
cleanup:
    free(cand);
    free(feat_idx);
    free(fc);
    free(cases);
    vu_regex_free(re);
    return rc;
}

void vc_cells_free(vc_cells *cells)
{
    if (!cells)
        return;
    free(cells->v);
    cells->v = NULL;
    cells->n = 0;
}

void vc_cell_host_name(const vc_cell *c, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s/%s", c->platform->key, c->edition ? "/" : "",
             c->edition ? c->edition->key : "", c->arch);
}
