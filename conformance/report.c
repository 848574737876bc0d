/*
 * report.c: the conformance result, and every report rendered from it.
 *
 * The versioned JSON result (schema "vmdrv-conformance-result/1") is the
 * truth. JUnit XML, TAP 14, the Markdown summary (with the disparity table
 * as observed), the HTML page and the bundle are all rendered from the
 * JSON alone, so `vmdrv report` can redo them from a saved result.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "runner_priv.h"
#include "vmdrv/sys/driver.h"
#include "vu_fs.h"
#include "vu_json.h"

#define RESULT_SCHEMA "vmdrv-conformance-result/1"

static json_t *host_json(const vc_host_target *tg)
{
    const vmdrv_host *h = &tg->host;
    json_t *tools = json_object();
    for (int t = 0; t < VMDRV_TOOL__COUNT; t++)
        if (h->tools[t].found)
            json_object_set_new(
                tools, vmdrv_tool_program((vmdrv_tool)t),
                json_pack("{s:s,s:s,s:b}", "path", h->tools[t].path, "version",
                          h->tools[t].version, "simulated",
                          h->tools[t].simulated));
    json_t *drivers = json_array();
    for (size_t i = 0; i < tg->drivers.n; i++)
        json_array_append_new(drivers, json_string(tg->drivers.v[i]));
    return json_pack("{s:s,s:s*,s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "name",
                     tg->name, "profile", tg->profile, "os",
                     vmdrv_os_name(h->os), "os_name", h->os_name,
                     "os_version", h->os_version, "edition",
                     vmdrv_edition_name(h->edition), "arch",
                     vmdrv_arch_name(h->arch), "tools", tools, "drivers",
                     drivers);
}

json_t *vc__result_json(const vc_run_opts *o, const char *run_id,
                        const vc_matrix *m, const char *at, vc_job *jobs,
                        size_t n_jobs, vc_host_target *targets,
                        size_t n_targets, double started, double finished)
{
    char stamp[32];
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_t *hosts = json_array();
    for (size_t i = 0; i < n_targets; i++)
        json_array_append_new(hosts, host_json(&targets[i]));
    json_t *cells = json_array();
    size_t counts[VC_OUTCOME__COUNT] = {0};
    for (size_t i = 0; i < n_jobs; i++) {
        vc_job *j = &jobs[i];
        if (!j->selected)
            continue;
        counts[j->outcome]++;
        const vc_cell *c = j->cell;
        char hostname[64];
        vc_cell_host_name(c, hostname, sizeof hostname);
        json_t *cell = json_pack(
            "{s:s,s:s,s:s,s:s,s:s,s:s*,s:s,s:s,s:b,s:s,s:s,s:s,s:i,s:f}",
            "id", j->id, "case", c->kase->id, "driver", j->driver, "host",
            j->target->name, "platform", hostname, "feature",
            c->feature ? c->feature->key : NULL, "expect",
            vc_expect_name(c->base), "matrix_src",
            c->src.file ? c->src.file : "", "must_run", c->must_run,
            "outcome", vc_outcome_name(j->outcome), "failure", j->failure,
            "message", j->message ? j->message : "", "attempts", j->attempts,
            "seconds", j->seconds);
        char src[512];
        snprintf(src, sizeof src, "%s:%d:%d", c->src.file ? c->src.file : "?",
                 c->src.line, c->src.col);
        json_object_set_new(cell, "matrix_src", json_string(src));
        if (j->expect_a >= 0)
            json_object_set_new(cell, "advertised", json_boolean(j->expect_a));
        if (j->skip_reason)
            json_object_set_new(cell, "skip_reason",
                                json_string(j->skip_reason));
        if (j->skip_detail[0])
            json_object_set_new(cell, "skip_detail",
                                json_string(j->skip_detail));
        if (c->broken)
            json_object_set_new(cell, "known_broken",
                                json_pack("{s:s,s:s}", "link", c->broken->link,
                                          "expires", c->broken->expires));
        if (j->leaked)
            json_object_set_new(cell, "leaked", json_string(j->leak_detail));
        if (j->log_path[0])
            json_object_set_new(cell, "log", json_string(j->log_path));
        if (j->attempt_log)
            json_object_set(cell, "attempt_log", j->attempt_log);
        json_array_append_new(cells, cell);
    }
    json_t *summary = json_object();
    for (int i = 0; i < VC_OUTCOME__COUNT; i++)
        json_object_set_new(summary, vc_outcome_name((vc_outcome)i),
                            json_integer((json_int_t)counts[i]));
    json_t *env = json_pack(
        "{s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:f,s:o}", "vmdrv_version",
        VMDRV_VERSION_STRING, "matrix_hash", m->hash_str, "matrix_dir",
        o->matrix_dir ? o->matrix_dir : "", "matrix_at", at, "seed",
        (json_int_t)o->seed, "command_line",
        o->command_line ? o->command_line : "", "finished_at", stamp,
        "seconds", finished - started, "hosts", hosts);
    json_object_set_new(env, "driver_abi",
                        json_integer(VMDRV_DRIVER_ABI_VERSION));
    return json_pack("{s:s,s:s,s:o,s:o,s:o}", "schema", RESULT_SCHEMA,
                     "run_id", run_id, "environment", env, "summary", summary,
                     "cells", cells);
}

/* ---- renderers (from the JSON only) ------------------------------------- */

static void xml_escape(vu_buf *b, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '<': vu_buf_puts(b, "&lt;"); break;
        case '>': vu_buf_puts(b, "&gt;"); break;
        case '&': vu_buf_puts(b, "&amp;"); break;
        case '"': vu_buf_puts(b, "&quot;"); break;
        case '\'': vu_buf_puts(b, "&apos;"); break;
        default:
            /* XML 1.0 forbids most control characters even escaped */
            if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
                vu_buf_putc(b, '?');
            else
                vu_buf_putc(b, (char)c);
        }
    }
}

static int is_failure(const char *oc)
{
    return strcmp(oc, "fail") == 0 || strcmp(oc, "xpass") == 0 ||
           strcmp(oc, "leaked") == 0;
}

static int is_error(const char *oc)
{
    return strcmp(oc, "error") == 0 || strcmp(oc, "timeout") == 0;
}

static int is_skip(const char *oc)
{
    return strcmp(oc, "skip") == 0;
}

char *vc_render_junit(json_t *result)
{
    vu_buf b = VU_BUF_INIT;
    json_t *cells = json_object_get(result, "cells");
    /* one testsuite per driver x host, in first-seen order */
    vu_strv suites = VU_STRV_INIT;
    size_t i;
    json_t *c;
    json_array_foreach(cells, i, c) {
        char *key = vu_asprintf("%s@%s", vu_json_str(c, "driver", ""),
                                vu_json_str(c, "host", ""));
        int seen = 0;
        for (size_t k = 0; k < suites.n; k++)
            seen |= strcmp(suites.v[k], key) == 0;
        if (!seen)
            vu_strv_add(&suites, key);
        free(key);
    }
    size_t tests = json_array_size(cells), fails = 0, errors = 0, skips = 0;
    double total = 0;
    json_array_foreach(cells, i, c) {
        const char *oc = vu_json_str(c, "outcome", "");
        fails += is_failure(oc);
        errors += is_error(oc);
        skips += is_skip(oc);
        total += json_real_value(json_object_get(c, "seconds"));
    }
    vu_buf_printf(&b,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<testsuites name=\"vmdrv conform %s\" tests=\"%zu\" "
                  "failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
                  "time=\"%.3f\">\n",
                  vu_json_str(result, "run_id", ""), tests, fails, errors,
                  skips, total);
    for (size_t s = 0; s < suites.n; s++) {
        size_t st = 0, sf = 0, se = 0, ss = 0;
        double stime = 0;
        json_array_foreach(cells, i, c) {
            char *key = vu_asprintf("%s@%s", vu_json_str(c, "driver", ""),
                                    vu_json_str(c, "host", ""));
            if (strcmp(key, suites.v[s]) == 0) {
                const char *oc = vu_json_str(c, "outcome", "");
                st++;
                sf += is_failure(oc);
                se += is_error(oc);
                ss += is_skip(oc);
                stime += json_real_value(json_object_get(c, "seconds"));
            }
            free(key);
        }
        vu_buf_puts(&b, "  <testsuite name=\"");
        xml_escape(&b, suites.v[s]);
        vu_buf_printf(&b,
                      "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
                      "skipped=\"%zu\" time=\"%.3f\">\n",
                      st, sf, se, ss, stime);
        json_array_foreach(cells, i, c) {
            char *key = vu_asprintf("%s@%s", vu_json_str(c, "driver", ""),
                                    vu_json_str(c, "host", ""));
            int mine = strcmp(key, suites.v[s]) == 0;
            free(key);
            if (!mine)
                continue;
            const char *oc = vu_json_str(c, "outcome", "");
            const char *msg = vu_json_str(c, "message", "");
            const char *failure = vu_json_str(c, "failure", "");
            vu_buf_puts(&b, "    <testcase classname=\"");
            xml_escape(&b, suites.v[s]);
            vu_buf_puts(&b, "\" name=\"");
            xml_escape(&b, vu_json_str(c, "case", ""));
            vu_buf_printf(&b, "\" time=\"%.3f\">\n",
                          json_real_value(json_object_get(c, "seconds")));
            if (is_failure(oc)) {
                vu_buf_puts(&b, "      <failure type=\"");
                xml_escape(&b, failure[0] ? failure : oc);
                vu_buf_puts(&b, "\" message=\"");
                xml_escape(&b, msg);
                vu_buf_puts(&b, "\">");
                xml_escape(&b, msg);
                if (json_object_get(c, "leaked")) {
                    vu_buf_puts(&b, "\nleft behind: ");
                    xml_escape(&b, vu_json_str(c, "leaked", ""));
                }
                vu_buf_puts(&b, "</failure>\n");
            } else if (is_error(oc)) {
                vu_buf_puts(&b, "      <error type=\"");
                xml_escape(&b, oc);
                vu_buf_puts(&b, "\" message=\"");
                xml_escape(&b, msg);
                vu_buf_puts(&b, "\"/>\n");
            } else if (is_skip(oc)) {
                vu_buf_puts(&b, "      <skipped message=\"");
                xml_escape(&b, vu_json_str(c, "skip_detail",
                                           vu_json_str(c, "skip_reason", "")));
                vu_buf_puts(&b, "\"/>\n");
            } else if (strcmp(oc, "flaky") == 0) {
                /* the failed attempts, as Surefire reports reruns */
                size_t k;
                json_t *a;
                json_array_foreach(json_object_get(c, "attempt_log"), k, a) {
                    if (strcmp(vu_json_str(a, "outcome", ""), "pass") == 0)
                        continue;
                    vu_buf_puts(&b, "      <rerunFailure message=\"");
                    xml_escape(&b, vu_json_str(a, "message", ""));
                    vu_buf_puts(&b, "\" type=\"");
                    xml_escape(&b, vu_json_str(a, "outcome", ""));
                    vu_buf_puts(&b, "\"/>\n");
                }
            }
            vu_buf_puts(&b, "      <properties>\n");
            vu_buf_puts(&b, "        <property name=\"outcome\" value=\"");
            xml_escape(&b, oc);
            vu_buf_puts(&b, "\"/>\n        <property name=\"expect\" value=\"");
            xml_escape(&b, vu_json_str(c, "expect", ""));
            vu_buf_puts(&b, "\"/>\n        <property name=\"matrix\" value=\"");
            xml_escape(&b, vu_json_str(c, "matrix_src", ""));
            vu_buf_puts(&b, "\"/>\n      </properties>\n");
            vu_buf_puts(&b, "    </testcase>\n");
        }
        vu_buf_puts(&b, "  </testsuite>\n");
    }
    vu_buf_puts(&b, "</testsuites>\n");
    vu_strv_clear(&suites);
    return vu_buf_detach(&b);
}

/* TAP 14: one test point per cell; skips as # SKIP, known-broken as # TODO. */
char *vc_render_tap(json_t *result)
{
    vu_buf b = VU_BUF_INIT;
    json_t *cells = json_object_get(result, "cells");
    vu_buf_printf(&b, "TAP version 14\n1..%zu\n", json_array_size(cells));
    size_t i;
    json_t *c;
    json_array_foreach(cells, i, c) {
        const char *oc = vu_json_str(c, "outcome", "");
        int ok = !is_failure(oc) && !is_error(oc);
        vu_buf_printf(&b, "%s %zu - %s", ok ? "ok" : "not ok", i + 1,
                      vu_json_str(c, "id", ""));
        if (is_skip(oc))
            vu_buf_printf(&b, " # SKIP %s",
                          vu_json_str(c, "skip_detail",
                                      vu_json_str(c, "skip_reason", "")));
        else if (strcmp(oc, "xfail") == 0 || strcmp(oc, "xpass") == 0)
            vu_buf_printf(&b, " # TODO known broken: %s",
                          vu_json_str(json_object_get(c, "known_broken"),
                                      "link", ""));
        vu_buf_putc(&b, '\n');
        if (!ok || strcmp(oc, "pass") != 0) {
            vu_buf_printf(&b, "  ---\n  outcome: %s\n", oc);
            if (*vu_json_str(c, "failure", ""))
                vu_buf_printf(&b, "  failure: %s\n", vu_json_str(c, "failure", ""));
            const char *msg = vu_json_str(c, "message", "");
            if (*msg) {
                /* YAML block scalar: every line indented */
                vu_buf_puts(&b, "  message: |\n    ");
                for (const char *p = msg; *p; p++) {
                    vu_buf_putc(&b, *p);
                    if (*p == '\n' && p[1])
                        vu_buf_puts(&b, "    ");
                }
                vu_buf_putc(&b, '\n');
            }
            vu_buf_printf(&b, "  matrix: %s\n  ...\n",
                          vu_json_str(c, "matrix_src", ""));
        }
    }
    return vu_buf_detach(&b);
}

/* The observed disparity table: feature x driver, from the cells. */
static void observed_table(vu_buf *b, json_t *cells)
{
    vu_strv features = VU_STRV_INIT, drivers = VU_STRV_INIT;
    size_t i;
    json_t *c;
    json_array_foreach(cells, i, c) {
        const char *f = json_string_value(json_object_get(c, "feature"));
        const char *d = vu_json_str(c, "driver", "");
        int sf = 0, sd = 0;
        for (size_t k = 0; f && k < features.n; k++)
            sf |= strcmp(features.v[k], f) == 0;
        for (size_t k = 0; k < drivers.n; k++)
            sd |= strcmp(drivers.v[k], d) == 0;
        if (f && !sf)
            vu_strv_add(&features, f);
        if (!sd)
            vu_strv_add(&drivers, d);
    }
    if (!features.n) {
        vu_strv_clear(&features);
        vu_strv_clear(&drivers);
        return;
    }
    vu_buf_puts(b, "\n## Observed feature support\n\n| Feature |");
    for (size_t d = 0; d < drivers.n; d++)
        vu_buf_printf(b, " %s |", drivers.v[d]);
    vu_buf_puts(b, "\n|---|");
    for (size_t d = 0; d < drivers.n; d++)
        vu_buf_puts(b, "---|");
    vu_buf_putc(b, '\n');
    for (size_t f = 0; f < features.n; f++) {
        vu_buf_printf(b, "| %s |", features.v[f]);
        for (size_t d = 0; d < drivers.n; d++) {
            /* works somewhere / verified unsupported / failing / not run */
            int works = 0, notsup = 0, bad = 0, any = 0;
            json_array_foreach(cells, i, c) {
                const char *cf = json_string_value(json_object_get(c, "feature"));
                if (!cf || strcmp(cf, features.v[f]) ||
                    strcmp(vu_json_str(c, "driver", ""), drivers.v[d]))
                    continue;
                const char *oc = vu_json_str(c, "outcome", "");
                any = 1;
                works |= strcmp(oc, "pass") == 0 || strcmp(oc, "flaky") == 0;
                notsup |= strcmp(oc, "unsupported-verified") == 0;
                bad |= is_failure(oc) || is_error(oc);
            }
            vu_buf_printf(b, " %s |",
                          !any    ? "not run"
                          : bad   ? "**fails**"
                          : works ? (notsup ? "partly" : "yes")
                          : notsup ? "no (verified)"
                                   : "skipped");
        }
        vu_buf_putc(b, '\n');
    }
    vu_strv_clear(&features);
    vu_strv_clear(&drivers);
}

char *vc_render_markdown(json_t *result)
{
    vu_buf b = VU_BUF_INIT;
    json_t *env = json_object_get(result, "environment");
    json_t *summary = json_object_get(result, "summary");
    vu_buf_printf(&b,
                  "# vmdrv conformance: run %s\n\n"
                  "- matrix: %s at %s\n- seed: %lld\n- vmdrv: %s\n"
                  "- finished: %s (%.1f s)\n\n",
                  vu_json_str(result, "run_id", ""),
                  vu_json_str(env, "matrix_hash", ""),
                  vu_json_str(env, "matrix_at", ""),
                  (long long)json_integer_value(json_object_get(env, "seed")),
                  vu_json_str(env, "vmdrv_version", ""),
                  vu_json_str(env, "finished_at", ""),
                  json_real_value(json_object_get(env, "seconds")));
    vu_buf_puts(&b, "| Outcome | Cells |\n|---|---|\n");
    const char *k;
    json_t *v;
    json_object_foreach(summary, k, v)
        if (json_integer_value(v))
            vu_buf_printf(&b, "| %s | %lld |\n", k,
                          (long long)json_integer_value(v));
    json_t *cells = json_object_get(result, "cells");
    size_t i;
    json_t *c;
    int header = 0;
    json_array_foreach(cells, i, c) {
        const char *oc = vu_json_str(c, "outcome", "");
        if (!is_failure(oc) && !is_error(oc))
            continue;
        if (!header) {
            vu_buf_puts(&b, "\n## Failures\n\n| Cell | Outcome | Failure | "
                            "Message |\n|---|---|---|---|\n");
            header = 1;
        }
        vu_buf_printf(&b, "| `%s` | %s | %s | ", vu_json_str(c, "id", ""), oc,
                      vu_json_str(c, "failure", ""));
        for (const char *p = vu_json_str(c, "message", ""); *p; p++)
            vu_buf_puts(&b, *p == '|' ? "\\|" : *p == '\n' ? " " : (char[]){*p, 0});
        vu_buf_puts(&b, " |\n");
    }
    observed_table(&b, cells);
    return vu_buf_detach(&b);
}

char *vc_render_html(json_t *result)
{
    vu_buf b = VU_BUF_INIT;
    char *md = vc_render_markdown(result);
    vu_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
                    "charset=\"utf-8\"><title>vmdrv conformance</title>\n"
                    "<style>body{font-family:sans-serif;margin:2em}"
                    "td,th{border:1px solid #ccc;padding:2px 6px}"
                    "table{border-collapse:collapse}.pass{background:#dfd}"
                    ".fail,.error,.timeout,.xpass,.leaked{background:#fdd}"
                    ".skip,.flaky{background:#ffd}</style></head><body>\n");
    vu_buf_printf(&b, "<h1>vmdrv conformance: run %s</h1>\n<table><tr>"
                      "<th>cell</th><th>outcome</th><th>failure</th>"
                      "<th>message</th></tr>\n",
                  vu_json_str(result, "run_id", ""));
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(result, "cells"), i, c) {
        const char *oc = vu_json_str(c, "outcome", "");
        vu_buf_printf(&b, "<tr class=\"%s\"><td>", oc);
        xml_escape(&b, vu_json_str(c, "id", ""));
        vu_buf_printf(&b, "</td><td>%s</td><td>", oc);
        xml_escape(&b, vu_json_str(c, "failure", ""));
        vu_buf_puts(&b, "</td><td>");
        xml_escape(&b, vu_json_str(c, "message", ""));
        vu_buf_puts(&b, "</td></tr>\n");
    }
    vu_buf_puts(&b, "</table>\n<h2>Summary (Markdown)</h2><pre>");
    xml_escape(&b, md);
    vu_buf_puts(&b, "</pre></body></html>\n");
    free(md);
    return vu_buf_detach(&b);
}

static int write_text(const char *path, char *text)
{
    int rc = vu_write_atomic(path, text, strlen(text));
    if (rc)
        fprintf(stderr, "vmdrv: cannot write '%s': %s\n", path, strerror(-rc));
    free(text);
    return rc;
}

static int bundle_add(struct archive *a, const char *name, const char *path)
{
    char *data;
    size_t len;
    if (vu_read_file(path, &data, &len) != 0)
        return 0; /* a log a case never wrote is not an error */
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, time(NULL), 0);
    int rc = archive_write_header(a, e) == ARCHIVE_OK &&
                     archive_write_data(a, data, len) == (la_ssize_t)len
                 ? 0
                 : -1;
    archive_entry_free(e);
    free(data);
    return rc;
}

int vc_write_bundle(json_t *result, const char *result_path, const char *out)
{
    struct archive *a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    int rc = -1;
    if (archive_write_open_filename(a, out) != ARCHIVE_OK) {
        fprintf(stderr, "vmdrv: cannot write bundle '%s': %s\n", out,
                archive_error_string(a));
        goto done;
    }
    if (bundle_add(a, "result.json", result_path))
        goto done;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(result, "cells"), i, c) {
        const char *log = json_string_value(json_object_get(c, "log"));
        if (!log)
            continue;
        char *name = vu_asprintf("logs/%s.log", vu_json_str(c, "id", "cell"));
        for (char *p = name; *p; p++)
            if (*p == ':')
                *p = '_';
        rc = bundle_add(a, name, log);
        /* what the case process printed (a crash's last words) */
        char *out_path = vu_strdup(log);
        char *slash = strrchr(out_path, '/');
        if (slash) {
            *slash = '\0';
            char *case_out = vu_path_join(out_path, "case.out");
            char *oname = vu_asprintf("logs/%s.out", vu_json_str(c, "id", "cell"));
            for (char *p = oname; *p; p++)
                if (*p == ':')
                    *p = '_';
            if (!rc)
                rc = bundle_add(a, oname, case_out);
            free(oname);
            free(case_out);
        }
        free(out_path);
        free(name);
        if (rc)
            goto done;
    }
    char *md = vc_render_markdown(result);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "summary.md");
    archive_entry_set_size(e, (la_int64_t)strlen(md));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, md, strlen(md));
    archive_entry_free(e);
    free(md);
    rc = 0;
done:
    if (archive_write_close(a) != ARCHIVE_OK)
        rc = -1;
    archive_write_free(a);
    return rc;
}

int vc__write_reports(const vc_run_opts *o, json_t *result, const char *run_dir)
{
    char *path = vu_path_join(run_dir, "result.json");
    int rc = vu_json_write_atomic(path, result);
    if (rc)
        fprintf(stderr, "vmdrv: cannot write '%s': %s\n", path, strerror(-rc));
    if (!rc && o->json_out)
        rc = vu_json_write_atomic(o->json_out, result);
    if (!rc && o->junit_out)
        rc = write_text(o->junit_out, vc_render_junit(result));
    if (!rc && o->tap_out)
        rc = write_text(o->tap_out, vc_render_tap(result));
    if (!rc && o->md_out)
        rc = write_text(o->md_out, vc_render_markdown(result));
    if (!rc && o->html_out)
        rc = write_text(o->html_out, vc_render_html(result));
    if (!rc && o->bundle_out)
        rc = vc_write_bundle(result, path, o->bundle_out);
    free(path);
    return rc;
}
