/*
 * table.c: the docs page's table and lists rendered from the matrix (see
 * table.h). The MyST output is the page's own text, byte for byte: the
 * words come from the matrix (names, phrases, notes, sentences), the
 * grammar (lists joined with commas and a final "and"/"or", "is"/"are")
 * from here.
 */
#include "table.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "vmdrv/caps.h"

const char vc_table_header_myst[] =
    "| Feature | Only supported on... | Notes |\n"
    "|--- | --- | --- |\n";

static const char table_header_md[] =
    "| Feature | Only supported on... | Notes |\n"
    "| --- | --- | --- |\n";

/* ---- facts -------------------------------------------------------------- */

void vc_join_words(vu_buf *b, const char *const *words, size_t n,
                   const char *conj)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && n == 2)
            vu_buf_printf(b, " %s ", conj);
        else if (i > 0 && i == n - 1)
            vu_buf_printf(b, ", %s ", conj);
        else if (i > 0)
            vu_buf_puts(b, ", ");
        vu_buf_puts(b, words[i]);
    }
}

static int list_has(const char **v, size_t n, const char *s)
{
    if (!v)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

void vc_platform_offers(const vc_matrix *m, const vc_platform *p,
                        const char *at, vc_offer **out, size_t *n)
{
    at = vc_matrix_at(m, at);
    *out = vu_calloc(m->n_drivers + 1, sizeof **out);
    *n = 0;
    for (size_t d = 0; d < m->n_drivers; d++) {
        const vc_driver *drv = &m->drivers[d];
        if (!drv->published)
            continue;
        int on[8] = {0}, any = 0, all = 0;
        vc_src src = {0};
        for (size_t i = 0; i < drv->n_avail; i++) {
            const vc_avail *a = &drv->avail[i];
            if (!a->platform || strcmp(a->platform, p->key) != 0 ||
                !vc_range_contains(&a->range, at))
                continue;
            if (!any)
                src = a->src;
            any = 1;
            if (!a->editions)
                all = 1;
            for (size_t e = 0; e < p->n_editions && e < 8; e++)
                if (list_has(a->editions, a->n_editions, p->editions[e].key))
                    on[e] = 1;
        }
        if (!any)
            continue;
        vc_offer *o = &(*out)[(*n)++];
        o->driver = drv;
        o->src = src;
        if (all || !p->n_editions)
            continue;
        size_t count = 0;
        for (size_t e = 0; e < p->n_editions && e < 8; e++)
            count += (size_t)on[e];
        if (count == p->n_editions)
            continue;
        for (size_t e = 0; e < p->n_editions && e < 8; e++)
            if (on[e])
                o->only[o->n_only++] = p->editions[e].key;
    }
}

void vc_feature_items(const vc_matrix *m, const vc_feature *f, const char *at,
                      vc_fitem **out, size_t *n)
{
    at = vc_matrix_at(m, at);
    *out = vu_calloc(f->n_support + 1, sizeof **out);
    *n = 0;
    for (size_t i = 0; i < f->n_support; i++) {
        const vc_support *s = &f->support[i];
        const vc_driver *drv = vc_matrix_driver(m, s->driver);
        if (!drv || !drv->published || !vc_range_contains(&s->range, at))
            continue;
        int offered = 0;
        for (size_t p = 0; p < m->n_platforms; p++) {
            const char *pk = m->platforms[p].key;
            vc_target t = {pk, NULL, NULL};
            if (list_has(s->platforms, s->n_platforms, pk) &&
                vc_matrix_driver_status(m, at, &t, drv->key, NULL) ==
                    VC_DRIVER_AVAILABLE)
                offered = 1;
        }
        if (!offered)
            continue;
        vc_fitem *it = &(*out)[(*n)++];
        it->support = s;
        it->driver = drv;
        vu_buf b = VU_BUF_INIT;
        vu_buf_puts(&b, drv->name);
        if (s->platforms) {
            const char *names[16];
            size_t k = 0;
            for (size_t p = 0; p < s->n_platforms && k < 16; p++) {
                const vc_platform *pl = vc_matrix_platform(m, s->platforms[p]);
                names[k++] = pl ? pl->name : s->platforms[p];
            }
            vu_buf_puts(&b, " on ");
            vc_join_words(&b, names, k, "and");
        }
        vu_strlcpy(it->label, vu_buf_str(&b), sizeof it->label);
        vu_buf_clear(&b);
    }
}

void vc_platform_defaults(const vc_matrix *m, const vc_platform *p,
                          const char *at, vc_pdefault **out, size_t *n)
{
    size_t ne = p->n_editions ? p->n_editions : 1;
    *out = vu_calloc(ne * p->n_arches + 1, sizeof **out);
    *n = 0;
    for (size_t e = 0; e < ne; e++) {
        for (size_t a = 0; a < p->n_arches; a++) {
            vc_pdefault *d = &(*out)[(*n)++];
            d->edition = p->n_editions ? &p->editions[e] : NULL;
            d->arch = p->arches[a];
            vc_target t = {p->key, d->edition ? d->edition->key : NULL,
                           d->arch};
            d->rule = vc_matrix_default(m, at, &t);
        }
    }
}

/* ---- the table ---------------------------------------------------------- */

static void put_escaped_pipes(vu_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            vu_buf_putc(b, '\\');
        vu_buf_putc(b, *s);
    }
}

void vc_render_feature_row(const vc_matrix *m, const vc_feature *f,
                           const char *at, vc_table_format fmt, vu_buf *out)
{
    vc_fitem *items;
    size_t n;
    vc_feature_items(m, f, at, &items, &n);
    vu_buf_printf(out, "| **%s** | ", f->name);
    if (fmt == VC_TABLE_MYST)
        vu_buf_puts(out, "<ul>");
    for (size_t i = 0; i < n; i++) {
        if (fmt == VC_TABLE_MYST)
            vu_buf_puts(out, "<li>");
        else if (i > 0)
            vu_buf_puts(out, ", ");
        vu_buf_puts(out, items[i].label);
        if (items[i].support->range.since)
            vu_buf_printf(out, " (since version %s)",
                          items[i].support->range.since);
        if (fmt == VC_TABLE_MYST)
            vu_buf_puts(out, "</li>");
    }
    if (fmt == VC_TABLE_MYST)
        vu_buf_puts(out, "</ul>");
    else if (n == 0)
        vu_buf_puts(out, "none");
    vu_buf_puts(out, " | ");
    put_escaped_pipes(out, f->notes);
    vu_buf_puts(out, " |");
    free(items);
}

static int feature_selected(const vc_feature *f, const vc_table_opts *o)
{
    return f->published && (f->shown || o->all_features);
}

static void render_markdown_table(const vc_matrix *m, vc_table_format fmt,
                                  const vc_table_opts *o, vu_buf *out)
{
    vu_buf_puts(out,
                fmt == VC_TABLE_MYST ? vc_table_header_myst : table_header_md);
    for (size_t i = 0; i < m->n_features; i++) {
        if (!feature_selected(&m->features[i], o))
            continue;
        vc_render_feature_row(m, &m->features[i], o->at, fmt, out);
        vu_buf_putc(out, '\n');
    }
}

static char *src_str(vc_src s)
{
    return vu_asprintf("%s:%d:%d", s.file, s.line, s.col);
}

static json_t *json_src(vc_src s)
{
    char *p = src_str(s);
    json_t *j = json_string(p);
    free(p);
    return j;
}

static json_t *json_strs(const char **v, size_t n)
{
    if (!v)
        return json_null();
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *json_opt(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Every host combination with each driver's status, default and features. */
static json_t *json_grid(const vc_matrix *m, const char *at,
                         const vc_table_opts *o)
{
    json_t *grid = json_array();
    for (vc_host h = {0}; vc_matrix_next_host(m, &h);) {
        const vc_default *dflt = vc_matrix_default(m, at, &h.target);
        json_t *row = json_object();
        json_object_set_new(row, "platform", json_string(h.platform->key));
        json_object_set_new(row, "edition", json_opt(h.target.edition));
        json_object_set_new(row, "arch", json_string(h.arch));
        json_object_set_new(row, "default",
                            json_opt(dflt ? dflt->driver : NULL));
        json_t *drivers = json_object();
        for (size_t d = 0; d < m->n_drivers; d++) {
            const vc_driver *drv = &m->drivers[d];
            if (!drv->published)
                continue;
            vc_driver_state st;
            vc_matrix_driver_status(m, at, &h.target, drv->key, &st);
            json_t *dj = json_object();
            json_object_set_new(
                dj, "status",
                json_string(st.status == VC_DRIVER_AVAILABLE ? "available"
                            : st.status == VC_DRIVER_RETIRED ? "retired"
                                                             : "unavailable"));
            if (st.retired_in)
                json_object_set_new(dj, "retired_in",
                                    json_string(st.retired_in));
            if (st.status == VC_DRIVER_AVAILABLE) {
                json_t *fj = json_object();
                for (size_t f = 0; f < m->n_features; f++) {
                    if (!feature_selected(&m->features[f], o))
                        continue;
                    vc_expect x =
                        vc_matrix_support(m, at, &h.target, drv->key,
                                          &m->features[f], NULL, NULL);
                    json_object_set_new(fj, m->features[f].key,
                                        json_string(vc_expect_name(x)));
                }
                json_object_set_new(dj, "features", fj);
            }
            json_object_set_new(drivers, drv->key, dj);
        }
        json_object_set_new(row, "drivers", drivers);
        json_array_append_new(grid, row);
    }
    return grid;
}

static void render_json(const vc_matrix *m, const vc_table_opts *o, vu_buf *out)
{
    const char *at = vc_matrix_at(m, o->at);
    json_t *root = json_object();
    json_object_set_new(root, "matrix", json_string(m->hash_str));
    json_object_set_new(root, "release", json_string(at));
    json_t *features = json_array();
    for (size_t i = 0; i < m->n_features; i++) {
        const vc_feature *f = &m->features[i];
        if (!feature_selected(f, o))
            continue;
        json_t *fj = json_object();
        json_object_set_new(fj, "key", json_string(f->key));
        json_object_set_new(fj, "name", json_string(f->name));
        json_object_set_new(fj, "shown", json_boolean(f->shown));
        json_object_set_new(fj, "notes", json_string(f->notes));
        json_t *links = json_array();
        for (size_t k = 0; k < f->n_links; k++) {
            json_t *lj = json_object();
            json_object_set_new(lj, "text", json_string(f->links[k].text));
            json_object_set_new(lj, "href", json_string(f->links[k].href));
            json_array_append_new(links, lj);
        }
        json_object_set_new(fj, "links", links);
        vc_fitem *items;
        size_t n;
        vc_feature_items(m, f, at, &items, &n);
        json_t *on = json_array();
        for (size_t k = 0; k < n; k++) {
            const vc_support *s = items[k].support;
            json_t *sj = json_object();
            json_object_set_new(sj, "driver", json_string(s->driver));
            json_object_set_new(sj, "label", json_string(items[k].label));
            json_object_set_new(sj, "platforms",
                                json_strs(s->platforms, s->n_platforms));
            json_object_set_new(sj, "since", json_opt(s->range.since));
            json_object_set_new(sj, "until", json_opt(s->range.until));
            json_object_set_new(sj, "note", json_opt(s->note));
            json_object_set_new(sj, "source", json_src(s->src));
            json_array_append_new(on, sj);
        }
        free(items);
        json_object_set_new(fj, "supported_on", on);
        json_object_set_new(fj, "source", json_src(f->src));
        json_array_append_new(features, fj);
    }
    json_object_set_new(root, "features", features);
    json_object_set_new(root, "hosts", json_grid(m, at, o));
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    vu_buf_puts(out, s);
    vu_buf_putc(out, '\n');
    free(s);
    json_decref(root);
}

/* ---- HTML --------------------------------------------------------------- */

static void html_text(vu_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        switch (s[i]) {
        case '&':
            vu_buf_puts(b, "&amp;");
            break;
        case '<':
            vu_buf_puts(b, "&lt;");
            break;
        case '>':
            vu_buf_puts(b, "&gt;");
            break;
        case '"':
            vu_buf_puts(b, "&quot;");
            break;
        default:
            vu_buf_putc(b, s[i]);
            break;
        }
    }
}

static void html_esc(vu_buf *b, const char *s)
{
    html_text(b, s, strlen(s));
}

/* The page's inline Markdown: `code` and [text](href), nothing else. */
static void html_inline(vu_buf *b, const char *s)
{
    while (*s) {
        if (*s == '`') {
            const char *end = strchr(s + 1, '`');
            if (end) {
                vu_buf_puts(b, "<code>");
                html_text(b, s + 1, (size_t)(end - s - 1));
                vu_buf_puts(b, "</code>");
                s = end + 1;
                continue;
            }
        }
        if (*s == '[') {
            const char *close = strstr(s, "](");
            const char *end = close ? strchr(close + 2, ')') : NULL;
            if (close && end) {
                char *text = vu_strndup(s + 1, (size_t)(close - s - 1));
                vu_buf_puts(b, "<a href=\"");
                html_text(b, close + 2, (size_t)(end - close - 2));
                vu_buf_puts(b, "\">");
                html_inline(b, text);
                vu_buf_puts(b, "</a>");
                free(text);
                s = end + 1;
                continue;
            }
        }
        html_text(b, s, 1);
        s++;
    }
}

static void render_html(const vc_matrix *m, const vc_table_opts *o, vu_buf *out)
{
    const char *at = vc_matrix_at(m, o->at);
    /* columns: the published drivers offered somewhere at this release */
    const vc_driver **cols = vu_calloc(m->n_drivers + 1, sizeof *cols);
    size_t n_cols = 0;
    for (size_t d = 0; d < m->n_drivers; d++) {
        const vc_driver *drv = &m->drivers[d];
        int offered = 0;
        for (size_t p = 0; p < m->n_platforms; p++) {
            vc_target t = {m->platforms[p].key, NULL, NULL};
            if (vc_matrix_driver_status(m, at, &t, drv->key, NULL) ==
                VC_DRIVER_AVAILABLE)
                offered = 1;
        }
        if (drv->published && offered)
            cols[n_cols++] = drv;
    }
    vu_buf_printf(out,
                  "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                  "<meta charset=\"utf-8\">\n"
                  "<title>Driver feature disparities, release %s</title>\n"
                  "<style>\n"
                  "body{font-family:sans-serif;margin:2em}\n"
                  "table{border-collapse:collapse;margin-bottom:1.5em}\n"
                  "th,td{border:1px solid #999;padding:.3em .6em;"
                  "text-align:center}\n"
                  "th[scope=row]{text-align:left}\n"
                  ".yes{background:#d4f4d4}.no{background:#f6d6d6}"
                  ".na{color:#888}\n"
                  "</style>\n</head>\n<body>\n"
                  "<h1>Driver feature disparities</h1>\n"
                  "<p>Release %s, generated from the conformance matrix "
                  "(<code>%s</code>).</p>\n",
                  at, at, m->hash_str);
    /* one grid per section: availability, then each feature */
    size_t n_sections = 1 + m->n_features;
    for (size_t sec = 0; sec < n_sections; sec++) {
        const vc_feature *f = sec ? &m->features[sec - 1] : NULL;
        if (f && !feature_selected(f, o))
            continue;
        if (f) {
            vu_buf_printf(out, "<h2 id=\"%s\">", f->key);
            html_esc(out, f->name);
            vu_buf_puts(out, "</h2>\n");
            if (f->notes[0]) {
                vu_buf_puts(out, "<p>");
                html_inline(out, f->notes);
                vu_buf_puts(out, "</p>\n");
            }
        } else {
            vu_buf_puts(out, "<h2 id=\"drivers\">Drivers</h2>\n");
        }
        vu_buf_puts(out, "<table>\n<tr><th>Host</th>");
        for (size_t c = 0; c < n_cols; c++) {
            vu_buf_puts(out, "<th>");
            html_esc(out, cols[c]->name);
            vu_buf_puts(out, "</th>");
        }
        vu_buf_puts(out, "</tr>\n");
        for (vc_host h = {0}; vc_matrix_next_host(m, &h);) {
            const vc_default *dflt = vc_matrix_default(m, at, &h.target);
            vu_buf_puts(out, "<tr><th scope=\"row\">");
            html_esc(out, h.edition ? h.edition->name : h.platform->name);
            vu_buf_printf(out, " %s</th>", h.arch);
            for (size_t c = 0; c < n_cols; c++) {
                vc_driver_state st;
                vc_matrix_driver_status(m, at, &h.target, cols[c]->key, &st);
                if (st.status != VC_DRIVER_AVAILABLE) {
                    vu_buf_puts(out, "<td class=\"na\">&mdash;</td>");
                    continue;
                }
                if (!f) {
                    int is_default =
                        dflt && strcmp(dflt->driver, cols[c]->key) == 0;
                    vu_buf_printf(out, "<td class=\"yes\">%s</td>",
                                  is_default ? "default" : "available");
                    continue;
                }
                const vc_support *s;
                vc_expect x = vc_matrix_support(m, at, &h.target, cols[c]->key,
                                                f, NULL, &s);
                if (x != VC_EXPECT_SUPPORTED) {
                    vu_buf_puts(out, "<td class=\"no\">no</td>");
                    continue;
                }
                vu_buf_puts(out, "<td class=\"yes\">yes");
                if (s->range.since)
                    vu_buf_printf(out, " (since %s)", s->range.since);
                if (s->note) {
                    vu_buf_puts(out, "<br><small>");
                    html_esc(out, s->note);
                    vu_buf_puts(out, "</small>");
                }
                vu_buf_puts(out, "</td>");
            }
            vu_buf_puts(out, "</tr>\n");
        }
        vu_buf_puts(out, "</table>\n");
    }
    vu_buf_puts(out, "</body>\n</html>\n");
    free(cols);
}

int vc_table_format_parse(const char *s, vc_table_format *out)
{
    static const struct {
        const char *name;
        vc_table_format fmt;
    } formats[] = {{"myst", VC_TABLE_MYST},
                   {"md", VC_TABLE_MD},
                   {"markdown", VC_TABLE_MD},
                   {"json", VC_TABLE_JSON},
                   {"html", VC_TABLE_HTML}};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (strcmp(s, formats[i].name) == 0) {
            *out = formats[i].fmt;
            return 0;
        }
    }
    return -1;
}

void vc_table_render(const vc_matrix *m, vc_table_format fmt,
                     const vc_table_opts *o, vu_buf *out)
{
    static const vc_table_opts dflt;
    if (!o)
        o = &dflt;
    switch (fmt) {
    case VC_TABLE_MYST:
    case VC_TABLE_MD:
        render_markdown_table(m, fmt, o, out);
        break;
    case VC_TABLE_JSON:
        render_json(m, o, out);
        break;
    case VC_TABLE_HTML:
        render_html(m, o, out);
        break;
    }
}

/* ---- lists -------------------------------------------------------------- */

static const char *edition_name(const vc_platform *p, const char *key)
{
    const vc_edition *e = vc_platform_edition(p, key);
    return e ? e->name : key;
}

/* Replace {platform}, {drivers_and} and {drivers_or} in a sentence. */
static void expand_sentence(vu_buf *out, const char *tmpl, const vc_platform *p,
                            const char *and_list, const char *or_list)
{
    const char *s = tmpl;
    while (*s) {
        if (vu_starts_with(s, "{platform}")) {
            vu_buf_puts(out, p->name);
            s += strlen("{platform}");
        } else if (vu_starts_with(s, "{drivers_and}")) {
            vu_buf_puts(out, and_list);
            s += strlen("{drivers_and}");
        } else if (vu_starts_with(s, "{drivers_or}")) {
            vu_buf_puts(out, or_list);
            s += strlen("{drivers_or}");
        } else {
            vu_buf_putc(out, *s++);
        }
    }
}

void vc_render_supported(const vc_matrix *m, const char *at, vu_buf *out)
{
    at = vc_matrix_at(m, at);
    for (size_t p = 0; p < m->n_platforms; p++) {
        const vc_platform *pl = &m->platforms[p];
        vc_offer *offers;
        size_t n;
        vc_platform_offers(m, pl, at, &offers, &n);
        char **words = vu_calloc(n + 1, sizeof *words);
        for (size_t i = 0; i < n; i++) {
            vu_buf w = VU_BUF_INIT;
            vu_buf_puts(&w, offers[i].driver->name);
            if (offers[i].n_only) {
                const char *names[8];
                for (size_t e = 0; e < offers[i].n_only; e++)
                    names[e] = edition_name(pl, offers[i].only[e]);
                vu_buf_puts(&w, " (only available on ");
                vc_join_words(&w, names, offers[i].n_only, "and");
                vu_buf_puts(&w, ")");
            }
            words[i] = vu_buf_detach(&w);
        }
        vu_buf and_list = VU_BUF_INIT, or_list = VU_BUF_INIT;
        vc_join_words(&and_list, (const char *const *)words, n, "and");
        vc_join_words(&or_list, (const char *const *)words, n, "or");
        vu_buf_puts(out, "- ");
        expand_sentence(out, pl->sentence, pl, vu_buf_str(&and_list),
                        vu_buf_str(&or_list));
        /* retired drivers, grouped by the release that dropped them */
        vc_retired *ret;
        size_t nr;
        vc_matrix_retired(m, at, pl->key, &ret, &nr);
        int *done = vu_calloc(nr + 1, sizeof *done);
        for (size_t i = 0; i < nr; i++) {
            if (done[i] || !ret[i].driver->published)
                continue;
            const char *names[32];
            size_t k = 0;
            for (size_t j = i; j < nr && k < 32; j++) {
                if (done[j] || !ret[j].driver->published ||
                    vc_version_cmp(ret[j].version, ret[i].version) != 0)
                    continue;
                done[j] = 1;
                names[k++] = ret[j].driver->name;
            }
            vu_buf_printf(out, " As of Multipass version %s, ", ret[i].version);
            vc_join_words(out, names, k, "and");
            vu_buf_printf(out, " %s no longer available.",
                          k == 1 ? "is" : "are");
        }
        vu_buf_putc(out, '\n');
        free(done);
        free(ret);
        vu_buf_clear(&and_list);
        vu_buf_clear(&or_list);
        for (size_t i = 0; i < n; i++)
            free(words[i]);
        free(words);
        free(offers);
    }
}

/* The one default of p when it is the same for every edition and arch. */
static const vc_default *uniform_default(const vc_pdefault *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!d[i].rule || strcmp(d[i].rule->driver, d[0].rule->driver) != 0)
            return NULL;
    return n ? d[0].rule : NULL;
}

static const char *driver_name(const vc_matrix *m, const char *key)
{
    const vc_driver *d = vc_matrix_driver(m, key);
    return d ? d->name : key;
}

void vc_render_defaults(const vc_matrix *m, const char *at, vu_buf *out)
{
    at = vc_matrix_at(m, at);
    int *done = vu_calloc(m->n_platforms + 1, sizeof *done);
    for (size_t p = 0; p < m->n_platforms; p++) {
        const vc_platform *pl = &m->platforms[p];
        vc_pdefault *d;
        size_t n;
        if (done[p])
            continue;
        vc_platform_defaults(m, pl, at, &d, &n);
        const vc_default *u = uniform_default(d, n);
        if (u) {
            /* "On Linux and macOS, QEMU is used.": every platform whose
               single default is the same driver goes on one line */
            const char *names[16];
            size_t k = 0;
            for (size_t q = p; q < m->n_platforms && k < 16; q++) {
                vc_pdefault *dq;
                size_t nq;
                vc_platform_defaults(m, &m->platforms[q], at, &dq, &nq);
                const vc_default *uq = uniform_default(dq, nq);
                if (!done[q] && uq && strcmp(uq->driver, u->driver) == 0) {
                    done[q] = 1;
                    names[k++] = m->platforms[q].name;
                }
                free(dq);
            }
            vu_buf_puts(out, "- On ");
            vc_join_words(out, names, k, "and");
            vu_buf_printf(out, ", %s is used.\n", driver_name(m, u->driver));
            free(d);
            continue;
        }
        done[p] = 1;
        int any = 0;
        for (size_t i = 0; i < n; i++)
            any |= d[i].rule != NULL;
        if (!any) {
            free(d);
            continue;
        }
        int by_edition = pl->n_editions > 0;
        for (size_t i = 0; i < n && by_edition; i++)
            for (size_t j = 0; j < n; j++)
                if (d[i].edition == d[j].edition &&
                    (!d[i].rule || !d[j].rule ||
                     strcmp(d[i].rule->driver, d[j].rule->driver) != 0))
                    by_edition = 0;
        if (by_edition) {
            vu_buf_printf(out,
                          "- On %s, the default driver depends on the OS "
                          "version:\n",
                          pl->name);
            for (size_t e = 0; e < pl->n_editions; e++)
                for (size_t i = 0; i < n; i++)
                    if (d[i].edition == &pl->editions[e]) {
                        vu_buf_printf(out, "  + %s on %s\n",
                                      driver_name(m, d[i].rule->driver),
                                      pl->editions[e].name);
                        break;
                    }
        } else {
            vu_buf_printf(out,
                          "- On %s, the default driver depends on the OS "
                          "version and architecture:\n",
                          pl->name);
            for (size_t i = 0; i < n; i++)
                if (d[i].rule)
                    vu_buf_printf(out, "  + %s on %s %s\n",
                                  driver_name(m, d[i].rule->driver),
                                  d[i].edition ? d[i].edition->name : pl->name,
                                  d[i].arch);
        }
        free(d);
    }
    free(done);
}

void vc_render_exceptions(const vc_matrix *m, const char *at, vu_buf *out)
{
    at = vc_matrix_at(m, at);
    for (size_t i = 0; i < m->n_exceptions; i++) {
        const vc_exception *e = &m->exceptions[i];
        if (!vc_exception_active(e, at))
            continue;
        const vc_platform *p = vc_matrix_platform(m, e->platform);
        vu_buf_printf(out, "  - On %s, ", p ? p->name : e->platform);
        vc_join_words(out, e->states, e->n_states, "and");
        vu_buf_printf(out,
                      " %s instances are automatically migrated to %s by "
                      "Multipass",
                      driver_name(m, e->from), driver_name(m, e->to));
        if (e->range.since)
            vu_buf_printf(out, "'s version %s or later", e->range.since);
        if (e->link)
            vu_buf_printf(out, " (see [%s](%s))",
                          e->link_text ? e->link_text : e->link, e->link);
        vu_buf_puts(out, ".\n");
    }
}

void vc_render_feature_bullet(const vc_matrix *m, const vc_feature *f,
                              const char *at, vu_buf *out)
{
    vc_fitem *items;
    size_t n;
    at = vc_matrix_at(m, at);
    vc_feature_items(m, f, at, &items, &n);
    char **words = vu_calloc(n + 1, sizeof *words);
    for (size_t i = 0; i < n; i++) {
        const char *since = items[i].support->range.since;
        if (since && (i + 1 < n || n == 1))
            words[i] =
                vu_asprintf("%s *[since version %s]*", items[i].label, since);
        else
            words[i] = vu_strdup(items[i].label);
    }
    vu_buf_printf(out, "- **%s** %s ", f->name, f->phrase);
    if (n)
        vc_join_words(out, (const char *const *)words, n, "and");
    else
        vu_buf_puts(out, "no driver");
    if (n > 1 && items[n - 1].support->range.since)
        vu_buf_printf(out, " *[the latter since version %s]*",
                      items[n - 1].support->range.since);
    vu_buf_putc(out, '.');
    if (f->notes[0])
        vu_buf_printf(out, " %s", f->notes);
    for (size_t i = 0; i < n; i++)
        free(words[i]);
    free(words);
    free(items);
}

void vc_render_feature_bullets(const vc_matrix *m, const char *at, vu_buf *out)
{
    for (size_t i = 0; i < m->n_features; i++) {
        if (!m->features[i].published)
            continue;
        vc_render_feature_bullet(m, &m->features[i], at, out);
        vu_buf_putc(out, '\n');
    }
}
