/*
 * merge.c: `vmdrv merge`: join the results of many hosts (one per CI job)
 * into one, and check completeness against the matrix: every must-run
 * cell of a driver offered on its platform needs evidence from exactly
 * one host. Hosts never talk to each other; this is where their evidence
 * meets.
 */
#include <stdlib.h>
#include <string.h>

#include "matrix.h"
#include "merge.h"
#include "report.h"
#include "vu_json.h"

static char *cell_key(json_t *c)
{
    return vu_asprintf("%s:%s:%s", vu_json_str(c, "platform", "?"),
                       vu_json_str(c, "driver", "?"),
                       vu_json_str(c, "case", "?"));
}

int vc_merge(const char *const *files, size_t n_files, const char *matrix_dir,
             json_t **merged, FILE *out)
{
    json_t *cells = json_array(), *sources = json_array(), *seen = json_object();
    const char *hash = NULL;
    int problems = 0;
    char err[512];
    json_t *loaded[256] = {0};
    if (n_files > 256)
        n_files = 256;
    for (size_t i = 0; i < n_files; i++) {
        json_t *r = vu_json_load_file(files[i], err, sizeof err);
        if (!r) {
            fprintf(out, "%s\n", err);
            problems++;
            continue;
        }
        loaded[i] = r;
        if (strcmp(vu_json_str(r, "schema", ""), "vmdrv-conformance-result/1")) {
            fprintf(out, "%s: not a vmdrv conformance result (schema '%s')\n",
                    files[i], vu_json_str(r, "schema", ""));
            problems++;
            continue;
        }
        json_t *env = json_object_get(r, "environment");
        const char *h = vu_json_str(env, "matrix_hash", "");
        if (!hash)
            hash = h;
        else if (strcmp(hash, h) != 0) {
            fprintf(out, "%s: made with matrix %s, the others with %s: "
                         "results of different matrices cannot be merged\n",
                    files[i], h, hash);
            problems++;
        }
        json_array_append_new(sources,
                              json_pack("{s:s,s:s,s:O}", "file", files[i],
                                        "run_id", vu_json_str(r, "run_id", ""),
                                        "hosts", json_object_get(env, "hosts")));
        size_t k;
        json_t *c;
        json_array_foreach(json_object_get(r, "cells"), k, c) {
            char *key = cell_key(c);
            json_t *prev = json_object_get(seen, key);
            if (prev) {
                fprintf(out, "%s: evidence from two hosts: %s (%s) and %s "
                             "(%s)\n",
                        key, vu_json_str(prev, "host", "?"),
                        vu_json_str(prev, "file", "?"), vu_json_str(c, "host", "?"),
                        files[i]);
                problems++;
            } else {
                json_object_set_new(seen, key,
                                    json_pack("{s:s,s:s,s:s}", "host",
                                              vu_json_str(c, "host", "?"), "file",
                                              files[i], "outcome",
                                              vu_json_str(c, "outcome", "")));
            }
            json_t *copy = json_deep_copy(c);
            json_object_set_new(copy, "source", json_string(files[i]));
            json_array_append_new(cells, copy);
            free(key);
        }
    }
    /* completeness against the matrix */
    vc_matrix *m = NULL;
    vu_strv errs = VU_STRV_INIT;
    size_t missing = 0, failing = 0;
    if (vc_matrix_load(&m, matrix_dir, NULL, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            fprintf(out, "%s\n", errs.v[i]);
        problems++;
    } else {
        vc_cells all = {0};
        vc_filter f = {0};
        if (vc_matrix_cells(m, &f, &all, &errs) == 0) {
            for (size_t i = 0; i < all.n; i++) {
                const vc_cell *c = &all.v[i];
                if (!c->must_run)
                    continue;
                char host[64];
                vc_cell_host_name(c, host, sizeof host);
                char *key = vu_asprintf("%s:%s:%s", host, c->driver->key,
                                        c->kase->id);
                json_t *ev = json_object_get(seen, key);
                if (!ev) {
                    fprintf(out, "missing: %s (must-run, no host ran it)\n", key);
                    missing++;
                } else if (strcmp(vu_json_str(ev, "outcome", ""), "skip") == 0) {
                    fprintf(out, "missing: %s (must-run, skipped on %s)\n", key,
                            vu_json_str(ev, "host", "?"));
                    missing++;
                }
                free(key);
            }
        }
        vc_cells_free(&all);
    }
    size_t k;
    json_t *c;
    json_array_foreach(cells, k, c) {
        const char *oc = vu_json_str(c, "outcome", "");
        if (!strcmp(oc, "fail") || !strcmp(oc, "error") ||
            !strcmp(oc, "timeout") || !strcmp(oc, "xpass"))
            failing++;
    }
    json_t *summary = json_object();
    json_array_foreach(cells, k, c) {
        const char *oc = vu_json_str(c, "outcome", "");
        json_object_set_new(summary, oc,
                            json_integer(json_integer_value(
                                             json_object_get(summary, oc)) + 1));
    }
    *merged = json_pack("{s:s,s:s,s:o,s:{s:s,s:i,s:i},s:o,s:o}", "schema",
                        "vmdrv-conformance-result/1", "run_id", "merged",
                        "summary", summary, "environment", "matrix_hash",
                        hash ? hash : "", "missing_must_run", (int)missing,
                        "problems", problems, "sources", sources, "cells",
                        cells);
    fprintf(out, "merged %zu result%s: %zu cells, %zu failing, %zu must-run "
                 "missing, %d problem%s\n",
            n_files, n_files == 1 ? "" : "s", json_array_size(cells), failing,
            missing, problems, problems == 1 ? "" : "s");
    for (size_t i = 0; i < n_files; i++)
        json_decref(loaded[i]);
    json_decref(seen);
    vu_strv_clear(&errs);
    vc_matrix_free(m);
    return problems || missing || failing ? 1 : 0;
}
