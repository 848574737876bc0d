/*
 * docs_check.c: a docs page against the matrix (see docs_check.h).
 *
 * The page is read for meaning, not compared as text: each section's
 * sentences are parsed with PCRE2 into facts (which drivers a platform
 * offers, which are retired as of which release, the defaults, the
 * exception, each feature's drivers) and each fact is compared with the
 * matrix both ways, so a driver moved from one bullet to another is two
 * named disagreements and Hyper-V taken out of a row is exactly one.
 * Only when a section agrees in meaning is its wording compared with what
 * `vmdrv table` renders, and a difference there is a warning.
 */
#include "docs_check.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "vu_regex.h"

#define MAX_GROUPS 10

typedef struct checker {
    const vc_matrix *m;
    const char *at, *hist;
    char **lines; /* lines[i] is page line i + 1, without its newline */
    int n_lines;
    vc_docs_report *r;
    size_t cap_issues, cap_warnings;
    vu_regex *re_mention; /* any driver name, with an edition qualifier */
} checker;

/* ---- reporting ---------------------------------------------------------- */

static void add(checker *c, int warning, int line, const char *section,
                const vc_src *src, const char *fmt, ...) VU_PRINTF(6, 7);

static void add(checker *c, int warning, int line, const char *section,
                const vc_src *src, const char *fmt, ...)
{
    vc_docs_issue **v = warning ? &c->r->warnings : &c->r->issues;
    size_t *n = warning ? &c->r->n_warnings : &c->r->n_issues;
    size_t *cap = warning ? &c->cap_warnings : &c->cap_issues;
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *v = vu_realloc(*v, *cap * sizeof **v);
    }
    vc_docs_issue *is = &(*v)[(*n)++];
    memset(is, 0, sizeof *is);
    va_list ap;
    va_start(ap, fmt);
    is->message = vu_vasprintf(fmt, ap);
    va_end(ap);
    is->line = line;
    is->section = section;
    if (src)
        is->matrix = *src;
}

#define DISAGREE(c, line, section, src, ...)                                   \
    add((c), 0, (line), (section), (src), __VA_ARGS__)
#define WARN(c, line, section, ...)                                            \
    add((c), 1, (line), (section), NULL, __VA_ARGS__)

/* ---- small helpers ------------------------------------------------------ */

static vu_regex *re(const char *pattern)
{
    char err[256];
    vu_regex *r = vu_regex_new(pattern, 0, err, sizeof err);
    if (!r) {
        /* the patterns are constants of this file: a failure is a bug */
        fprintf(stderr, "vmdrv: internal error: pattern '%s': %s\n", pattern,
                err);
        abort();
    }
    return r;
}

/* Match re against s; groups[] receives the offsets. */
static int match(vu_regex *r, const char *s, size_t start, long *groups)
{
    return vu_regex_match(r, s, strlen(s), start, groups, MAX_GROUPS) == 1;
}

/* Group i of the last match, owned ("" when unset). */
static char *grp(const char *s, const long *g, int i)
{
    if (g[2 * i] < 0)
        return vu_strdup("");
    return vu_strndup(s + g[2 * i], (size_t)(g[2 * i + 1] - g[2 * i]));
}

static int ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

static const vc_driver *driver_by_name(const vc_matrix *m, const char *name)
{
    for (size_t i = 0; i < m->n_drivers; i++)
        if (strcmp(m->drivers[i].name, name) == 0)
            return &m->drivers[i];
    for (size_t i = 0; i < m->n_drivers; i++)
        if (ieq(m->drivers[i].name, name) || ieq(m->drivers[i].key, name))
            return &m->drivers[i];
    return NULL;
}

static const vc_platform *platform_by_name(const vc_matrix *m, const char *name)
{
    for (size_t i = 0; i < m->n_platforms; i++)
        if (strcmp(m->platforms[i].name, name) == 0)
            return &m->platforms[i];
    for (size_t i = 0; i < m->n_platforms; i++)
        if (ieq(m->platforms[i].name, name) || ieq(m->platforms[i].key, name))
            return &m->platforms[i];
    return NULL;
}

static const vc_edition *edition_by_name(const vc_platform *p, const char *name)
{
    for (size_t i = 0; i < p->n_editions; i++)
        if (strcmp(p->editions[i].name, name) == 0 ||
            ieq(p->editions[i].name, name) || ieq(p->editions[i].key, name))
            return &p->editions[i];
    return NULL;
}

static const vc_feature *feature_by_name(const vc_matrix *m, const char *name)
{
    for (size_t i = 0; i < m->n_features; i++)
        if (strcmp(m->features[i].name, name) == 0)
            return &m->features[i];
    for (size_t i = 0; i < m->n_features; i++)
        if (ieq(m->features[i].name, name) || ieq(m->features[i].key, name))
            return &m->features[i];
    return NULL;
}

/* Split "A, B, and C" / "A and B" / "A or B" into owned words. */
static void split_list(const char *s, vu_strv *out)
{
    static const char *const seps[] = {", and ", ", or ", " and ",
                                       " or ",   ", ",    NULL};
    const char *p = s;
    while (*p) {
        const char *best = NULL;
        size_t best_len = 0;
        for (size_t i = 0; seps[i]; i++) {
            const char *q = strstr(p, seps[i]);
            if (q && (!best || q < best)) {
                best = q;
                best_len = strlen(seps[i]);
            }
        }
        size_t n = best ? (size_t)(best - p) : strlen(p);
        char *w = vu_strndup(p, n);
        vu_str_trim(w);
        if (*w)
            vu_strv_add(out, w);
        free(w);
        if (!best)
            break;
        p = best + best_len;
    }
}

static const char *names_of_platforms(const vc_matrix *m, vu_buf *b,
                                      const char *const *keys, size_t n)
{
    const char *names[16];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 16; i++) {
        const vc_platform *p = vc_matrix_platform(m, keys[i]);
        names[k++] = p ? p->name : keys[i];
    }
    vc_join_words(b, names, k, "and");
    return vu_buf_str(b);
}

/* ---- the page ----------------------------------------------------------- */

enum section {
    SEC_NONE,
    SEC_SUPPORTED,
    SEC_DEFAULTS,
    SEC_EXCEPTIONS,
    SEC_FEATURES,
    SEC_OTHER
};

typedef struct layout {
    int heading[SEC_OTHER]; /* line of each section's heading, 0 if none */
    int *lines[SEC_OTHER];  /* the section's bullet or table lines */
    int n[SEC_OTHER];
    int *comment; /* bullets of the features' HTML comment */
    int n_comment;
    int comment_line; /* where that comment starts */
    int table_header; /* line of "| Feature | ..." */
    int count_line;   /* "There are two exceptions ..." */
} layout;

static void push_line(int **v, int *n, int line)
{
    *v = vu_realloc(*v, (size_t)(*n + 1) * sizeof **v);
    (*v)[(*n)++] = line;
}

static void read_layout(checker *c, layout *lo)
{
    vu_regex *re_head = re("^#{1,6}\\s+(.+?)\\s*$");
    long g[2 * MAX_GROUPS];
    enum section sec = SEC_NONE;
    int in_comment = 0, in_fence = 0;
    memset(lo, 0, sizeof *lo);
    for (int i = 0; i < c->n_lines; i++) {
        const char *s = c->lines[i];
        int line = i + 1;
        if (vu_starts_with(s, "```")) {
            in_fence = !in_fence;
            continue;
        }
        if (in_fence)
            continue;
        if (!in_comment && strstr(s, "<!--")) {
            in_comment = !strstr(s, "-->");
            if (sec == SEC_FEATURES && !lo->comment_line)
                lo->comment_line = line;
            continue;
        }
        if (in_comment) {
            if (strstr(s, "-->"))
                in_comment = 0;
            else if (sec == SEC_FEATURES && vu_starts_with(s, "- "))
                push_line(&lo->comment, &lo->n_comment, line);
            continue;
        }
        if (match(re_head, s, 0, g)) {
            char *h = grp(s, g, 1);
            sec = ieq(h, "Supported drivers")     ? SEC_SUPPORTED
                  : ieq(h, "Default drivers")     ? SEC_DEFAULTS
                  : ieq(h, "Exceptions")          ? SEC_EXCEPTIONS
                  : ieq(h, "Feature disparities") ? SEC_FEATURES
                                                  : SEC_OTHER;
            if (sec != SEC_OTHER && !lo->heading[sec])
                lo->heading[sec] = line;
            free(h);
            continue;
        }
        const char *t = s;
        while (*t == ' ')
            t++;
        switch (sec) {
        case SEC_SUPPORTED:
        case SEC_DEFAULTS:
        case SEC_EXCEPTIONS:
            if (vu_starts_with(t, "- ") || vu_starts_with(t, "+ ") ||
                vu_starts_with(t, "* "))
                push_line(&lo->lines[sec], &lo->n[sec], line);
            else if (sec == SEC_EXCEPTIONS && strstr(t, "exception") &&
                     vu_starts_with(t, "There "))
                lo->count_line = line;
            break;
        case SEC_FEATURES:
            if (*t == '|') {
                if (!lo->table_header)
                    lo->table_header = line;
                else
                    push_line(&lo->lines[sec], &lo->n[sec], line);
            }
            break;
        case SEC_NONE:
        case SEC_OTHER:
            break;
        }
    }
    vu_regex_free(re_head);
}

static void free_layout(layout *lo)
{
    for (int i = 0; i < SEC_OTHER; i++)
        free(lo->lines[i]);
    free(lo->comment);
}

/* Compare page lines with rendered text, line by line (a warning). */
static void wording(checker *c, const char *section, const int *lines, int n,
                    const char *rendered, const char *how)
{
    vu_strv want = VU_STRV_INIT;
    const char *p = rendered;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *l = vu_strndup(p, len);
        vu_strv_add(&want, l);
        free(l);
        p += len + (nl ? 1 : 0);
    }
    for (int i = 0; i < n && (size_t)i < want.n; i++) {
        if (strcmp(c->lines[lines[i] - 1], want.v[i]) != 0) {
            WARN(c, lines[i], section,
                 "this line is worded differently from what '%s' renders: "
                 "'%s'",
                 how, want.v[i]);
            goto cleanup;
        }
    }
    if ((size_t)n != want.n)
        WARN(c, n ? lines[n - 1] : 0, section,
             "the section has %d lines where '%s' renders %zu", n, how, want.n);
cleanup:
    vu_strv_clear(&want);
}

/* ---- supported drivers -------------------------------------------------- */

static vu_regex *mention_regex(const vc_matrix *m)
{
    /* longest names first, so "Hyper-V" wins over a shorter prefix */
    const char **names = vu_calloc(m->n_drivers + 1, sizeof *names);
    for (size_t i = 0; i < m->n_drivers; i++)
        names[i] = m->drivers[i].name;
    for (size_t i = 0; i < m->n_drivers; i++)
        for (size_t j = i + 1; j < m->n_drivers; j++)
            if (strlen(names[j]) > strlen(names[i])) {
                const char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    vu_buf b = VU_BUF_INIT;
    vu_buf_puts(&b, "(?<![A-Za-z0-9-])(");
    for (size_t i = 0; i < m->n_drivers; i++)
        vu_buf_printf(&b, "%s\\Q%s\\E", i ? "|" : "", names[i]);
    vu_buf_puts(&b, ")(?![A-Za-z0-9-])(?: \\(only available on ([^)]*)\\))?");
    vu_regex *r = re(vu_buf_str(&b));
    vu_buf_clear(&b);
    free(names);
    return r;
}

typedef struct mention {
    const vc_driver *driver;
    const char *only[8]; /* edition keys */
    size_t n_only;
    int qualified;
} mention;

static int has_str(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

static int same_set(const char *const *a, size_t na, const char *const *b,
                    size_t nb)
{
    for (size_t i = 0; i < na; i++)
        if (!has_str(b, nb, a[i]))
            return 0;
    for (size_t i = 0; i < nb; i++)
        if (!has_str(a, na, b[i]))
            return 0;
    return 1;
}

static void edition_names(const vc_platform *p, const char *const *keys,
                          size_t n, vu_buf *b)
{
    const char *names[8];
    for (size_t i = 0; i < n && i < 8; i++) {
        const vc_edition *e = vc_platform_edition(p, keys[i]);
        names[i] = e ? e->name : keys[i];
    }
    vc_join_words(b, names, n < 8 ? n : 8, "and");
}

static void check_offers(checker *c, int line, const vc_platform *pl,
                         const mention *mt, size_t n_mt)
{
    vc_offer *offers;
    size_t n;
    vc_platform_offers(c->m, pl, c->at, &offers, &n);
    for (size_t i = 0; i < n_mt; i++) {
        const vc_offer *o = NULL;
        for (size_t k = 0; k < n; k++)
            if (offers[k].driver == mt[i].driver)
                o = &offers[k];
        if (!o) {
            vc_target t = {pl->key, NULL, NULL};
            vc_driver_state st;
            vc_matrix_driver_status(c->m, c->at, &t, mt[i].driver->key, &st);
            if (st.status == VC_DRIVER_RETIRED)
                DISAGREE(c, line, "supported-drivers", &st.src,
                         "the page offers '%s' on '%s', but the matrix retires "
                         "it there as of '%s'",
                         mt[i].driver->name, pl->name, st.retired_in);
            else if (!mt[i].driver->published)
                DISAGREE(
                    c, line, "supported-drivers", &mt[i].driver->src,
                    "the page offers '%s' on '%s', but the matrix does not "
                    "publish that driver",
                    mt[i].driver->name, pl->name);
            else
                DISAGREE(
                    c, line, "supported-drivers", &mt[i].driver->src,
                    "the page offers '%s' on '%s', but the matrix does not "
                    "offer it there at release '%s'",
                    mt[i].driver->name, pl->name, c->at);
            continue;
        }
        if (same_set(mt[i].only, mt[i].n_only, o->only, o->n_only))
            continue;
        vu_buf pb = VU_BUF_INIT, mb = VU_BUF_INIT;
        edition_names(pl, mt[i].only, mt[i].n_only, &pb);
        edition_names(pl, o->only, o->n_only, &mb);
        if (!mt[i].n_only)
            DISAGREE(c, line, "supported-drivers", &o->src,
                     "the page offers '%s' on every edition of '%s', but the "
                     "matrix only on '%s'",
                     o->driver->name, pl->name, vu_buf_str(&mb));
        else if (!o->n_only)
            DISAGREE(c, line, "supported-drivers", &o->src,
                     "the page says '%s' is only available on '%s', but the "
                     "matrix offers it on every edition of '%s'",
                     o->driver->name, vu_buf_str(&pb), pl->name);
        else
            DISAGREE(c, line, "supported-drivers", &o->src,
                     "the page says '%s' is only available on '%s', the matrix "
                     "on '%s'",
                     o->driver->name, vu_buf_str(&pb), vu_buf_str(&mb));
        vu_buf_clear(&pb);
        vu_buf_clear(&mb);
    }
    for (size_t k = 0; k < n; k++) {
        int listed = 0;
        for (size_t i = 0; i < n_mt; i++)
            if (mt[i].driver == offers[k].driver)
                listed = 1;
        if (!listed)
            DISAGREE(
                c, line, "supported-drivers", &offers[k].src,
                "the matrix offers '%s' on '%s' at release '%s', but the page "
                "does not list it",
                offers[k].driver->name, pl->name, c->at);
    }
    free(offers);
}

typedef struct retired_mention {
    const vc_driver *driver;
    char *version;
} retired_mention;

static void check_retired(checker *c, int line, const vc_platform *pl,
                          const retired_mention *rm, size_t n_rm)
{
    vc_retired *ret;
    size_t n;
    vc_matrix_retired(c->m, c->at, pl->key, &ret, &n);
    for (size_t i = 0; i < n_rm; i++) {
        const vc_retired *r = NULL;
        for (size_t k = 0; k < n; k++)
            if (ret[k].driver == rm[i].driver)
                r = &ret[k];
        if (r) {
            if (vc_version_cmp(r->version, rm[i].version) != 0)
                DISAGREE(c, line, "retired-drivers", &r->src,
                         "the page says '%s' is no longer available on '%s' as "
                         "of '%s', the matrix retires it as of '%s'",
                         rm[i].driver->name, pl->name, rm[i].version,
                         r->version);
            continue;
        }
        vc_target t = {pl->key, NULL, NULL};
        vc_driver_state st;
        vc_matrix_driver_status(c->m, c->at, &t, rm[i].driver->key, &st);
        if (st.status == VC_DRIVER_AVAILABLE)
            DISAGREE(c, line, "retired-drivers", &st.src,
                     "the page says '%s' is no longer available on '%s' as of "
                     "'%s', but the matrix offers it there at release '%s'",
                     rm[i].driver->name, pl->name, rm[i].version, c->at);
        else
            DISAGREE(c, line, "retired-drivers", &rm[i].driver->src,
                     "the page says '%s' is no longer available on '%s' as of "
                     "'%s', but the matrix never offered it there",
                     rm[i].driver->name, pl->name, rm[i].version);
    }
    for (size_t k = 0; k < n; k++) {
        int said = 0;
        for (size_t i = 0; i < n_rm; i++)
            if (rm[i].driver == ret[k].driver)
                said = 1;
        if (!said && ret[k].driver->published)
            DISAGREE(c, line, "retired-drivers", &ret[k].src,
                     "the matrix retires '%s' on '%s' as of '%s', but the page "
                     "does not say so",
                     ret[k].driver->name, pl->name, ret[k].version);
    }
    free(ret);
}

static void check_supported(checker *c, const layout *lo)
{
    vu_regex *re_on = re("^- On ([^,]+), (.*)$");
    vu_regex *re_ret = re("As of Multipass version (\\S+?), (.+?) (?:is|are) "
                          "no longer available\\.");
    long g[2 * MAX_GROUPS];
    int *seen = vu_calloc(c->m->n_platforms + 1, sizeof *seen);
    size_t before = c->r->n_issues;
    for (int i = 0; i < lo->n[SEC_SUPPORTED]; i++) {
        int line = lo->lines[SEC_SUPPORTED][i];
        const char *s = c->lines[line - 1];
        if (!match(re_on, s, 0, g)) {
            DISAGREE(c, line, "supported-drivers", NULL,
                     "cannot read this bullet: expected '- On <platform>, "
                     "...'");
            continue;
        }
        char *pname = grp(s, g, 1);
        char *rest = grp(s, g, 2);
        const vc_platform *pl = platform_by_name(c->m, pname);
        if (!pl) {
            DISAGREE(c, line, "supported-drivers", NULL,
                     "the page names a platform '%s' that the matrix does "
                     "not know",
                     pname);
            goto next;
        }
        seen[pl - c->m->platforms] = 1;
        /* the retired sentences first, then blank them out */
        retired_mention rm[32];
        size_t n_rm = 0;
        size_t at = 0;
        while (match(re_ret, rest, at, g)) {
            char *ver = grp(rest, g, 1);
            char *list = grp(rest, g, 2);
            vu_strv names = VU_STRV_INIT;
            split_list(list, &names);
            for (size_t k = 0; k < names.n; k++) {
                const vc_driver *d = driver_by_name(c->m, names.v[k]);
                if (!d) {
                    DISAGREE(c, line, "retired-drivers", NULL,
                             "the page names a driver '%s' that the matrix "
                             "does not know",
                             names.v[k]);
                    continue;
                }
                if (n_rm < 32) {
                    rm[n_rm].driver = d;
                    rm[n_rm++].version = vu_strdup(ver);
                }
            }
            vu_strv_clear(&names);
            memset(rest + g[0], ' ', (size_t)(g[1] - g[0]));
            at = (size_t)g[1];
            free(ver);
            free(list);
        }
        mention mt[32];
        size_t n_mt = 0;
        at = 0;
        while (n_mt < 32 && match(c->re_mention, rest, at, g)) {
            char *name = grp(rest, g, 1);
            char *qual = grp(rest, g, 2);
            mention *x = &mt[n_mt];
            memset(x, 0, sizeof *x);
            x->driver = driver_by_name(c->m, name);
            if (g[4] >= 0) {
                vu_strv eds = VU_STRV_INIT;
                split_list(qual, &eds);
                x->qualified = 1;
                for (size_t k = 0; k < eds.n; k++) {
                    const vc_edition *e = edition_by_name(pl, eds.v[k]);
                    if (!e)
                        DISAGREE(c, line, "supported-drivers", &pl->src,
                                 "the page names an edition '%s' that '%s' "
                                 "does not have in the matrix",
                                 eds.v[k], pl->name);
                    else if (x->n_only < 8)
                        x->only[x->n_only++] = e->key;
                }
                vu_strv_clear(&eds);
            }
            int dup = 0;
            for (size_t k = 0; k < n_mt; k++)
                if (mt[k].driver == x->driver)
                    dup = 1;
            if (x->driver && !dup)
                n_mt++;
            at = (size_t)g[1];
            free(name);
            free(qual);
        }
        check_offers(c, line, pl, mt, n_mt);
        check_retired(c, line, pl, rm, n_rm);
        for (size_t k = 0; k < n_rm; k++)
            free(rm[k].version);
    next:
        free(pname);
        free(rest);
    }
    int line0 = lo->heading[SEC_SUPPORTED];
    for (size_t p = 0; p < c->m->n_platforms; p++)
        if (!seen[p])
            DISAGREE(c, line0, "supported-drivers", &c->m->platforms[p].src,
                     "the page has no supported-drivers bullet for '%s'",
                     c->m->platforms[p].name);
    if (c->r->n_issues == before) {
        vu_buf b = VU_BUF_INIT;
        vc_render_supported(c->m, c->at, &b);
        wording(c, "supported-drivers", lo->lines[SEC_SUPPORTED],
                lo->n[SEC_SUPPORTED], vu_buf_str(&b),
                "vmdrv table --list supported");
        vu_buf_clear(&b);
    }
    free(seen);
    vu_regex_free(re_on);
    vu_regex_free(re_ret);
}

/* ---- default drivers ---------------------------------------------------- */

typedef struct page_default {
    const vc_platform *platform;
    const vc_edition *edition; /* NULL: every edition */
    const vc_driver *driver;
    int line;
} page_default;

static void check_one_default(checker *c, const page_default *pd)
{
    const vc_platform *pl = pd->platform;
    size_t ne = pl->n_editions ? pl->n_editions : 1;
    for (size_t e = 0; e < ne; e++) {
        const vc_edition *ed = pl->n_editions ? &pl->editions[e] : NULL;
        if (pd->edition && ed != pd->edition)
            continue;
        const vc_default *rule = NULL;
        int varies = 0;
        for (size_t a = 0; a < pl->n_arches; a++) {
            vc_target t = {pl->key, ed ? ed->key : NULL, pl->arches[a]};
            const vc_default *d = vc_matrix_default(c->m, c->at, &t);
            if (!d)
                continue;
            if (rule && strcmp(rule->driver, d->driver) != 0)
                varies = 1;
            if (!rule || strcmp(d->driver, pd->driver->key) != 0)
                rule = d;
        }
        const char *where = ed ? ed->name : pl->name;
        if (!rule) {
            DISAGREE(
                c, pd->line, "default-drivers", &pl->src,
                "the page says '%s' is the default on '%s', but the matrix "
                "has no default there at release '%s'",
                pd->driver->name, where, c->at);
        } else if (varies) {
            DISAGREE(c, pd->line, "default-drivers", &rule->src,
                     "the page says '%s' is the default on '%s', but in the "
                     "matrix the default there depends on the architecture",
                     pd->driver->name, where);
        } else if (strcmp(rule->driver, pd->driver->key) != 0) {
            const vc_driver *md = vc_matrix_driver(c->m, rule->driver);
            DISAGREE(
                c, pd->line, "default-drivers", &rule->src,
                "the page says '%s' is the default on '%s', the matrix says "
                "'%s'",
                pd->driver->name, where, md ? md->name : rule->driver);
        }
    }
}

static void check_defaults(checker *c, const layout *lo)
{
    vu_regex *re_used = re("^- On (.+), (.+?) is used\\.\\s*$");
    vu_regex *re_dep =
        re("^- On (.+?), the default driver depends on the OS version:?\\s*$");
    vu_regex *re_sub = re("^\\s+[-+*] (.+?) on (.+?)\\.?\\s*$");
    long g[2 * MAX_GROUPS];
    page_default *pd = NULL;
    size_t n_pd = 0;
    const vc_platform *dep = NULL;
    size_t before = c->r->n_issues;
    for (int i = 0; i < lo->n[SEC_DEFAULTS]; i++) {
        int line = lo->lines[SEC_DEFAULTS][i];
        const char *s = c->lines[line - 1];
        if (match(re_used, s, 0, g)) {
            char *plist = grp(s, g, 1), *dname = grp(s, g, 2);
            const vc_driver *d = driver_by_name(c->m, dname);
            vu_strv names = VU_STRV_INIT;
            split_list(plist, &names);
            dep = NULL;
            if (!d)
                DISAGREE(c, line, "default-drivers", NULL,
                         "the page names a driver '%s' that the matrix does "
                         "not know",
                         dname);
            for (size_t k = 0; d && k < names.n; k++) {
                const vc_platform *pl = platform_by_name(c->m, names.v[k]);
                if (!pl) {
                    DISAGREE(c, line, "default-drivers", NULL,
                             "the page names a platform '%s' that the matrix "
                             "does not know",
                             names.v[k]);
                    continue;
                }
                pd = vu_realloc(pd, (n_pd + 1) * sizeof *pd);
                pd[n_pd++] = (page_default){pl, NULL, d, line};
            }
            vu_strv_clear(&names);
            free(plist);
            free(dname);
        } else if (match(re_dep, s, 0, g)) {
            char *pname = grp(s, g, 1);
            dep = platform_by_name(c->m, pname);
            if (!dep)
                DISAGREE(c, line, "default-drivers", NULL,
                         "the page names a platform '%s' that the matrix "
                         "does not know",
                         pname);
            free(pname);
        } else if (dep && match(re_sub, s, 0, g)) {
            char *dname = grp(s, g, 1), *ename = grp(s, g, 2);
            const vc_driver *d = driver_by_name(c->m, dname);
            const vc_edition *e = edition_by_name(dep, ename);
            if (!d)
                DISAGREE(c, line, "default-drivers", NULL,
                         "the page names a driver '%s' that the matrix does "
                         "not know",
                         dname);
            else if (!e)
                DISAGREE(c, line, "default-drivers", &dep->src,
                         "the page names an edition '%s' that '%s' does not "
                         "have in the matrix",
                         ename, dep->name);
            else {
                pd = vu_realloc(pd, (n_pd + 1) * sizeof *pd);
                pd[n_pd++] = (page_default){dep, e, d, line};
            }
            free(dname);
            free(ename);
        } else {
            DISAGREE(c, line, "default-drivers", NULL,
                     "cannot read this bullet: expected '- On <platforms>, "
                     "<driver> is used.' or '  + <driver> on <edition>'");
        }
    }
    for (size_t i = 0; i < n_pd; i++)
        check_one_default(c, &pd[i]);
    /* every host combination with a default must be covered */
    for (size_t p = 0; p < c->m->n_platforms; p++) {
        const vc_platform *pl = &c->m->platforms[p];
        size_t ne = pl->n_editions ? pl->n_editions : 1;
        for (size_t e = 0; e < ne; e++) {
            const vc_edition *ed = pl->n_editions ? &pl->editions[e] : NULL;
            vc_target t = {pl->key, ed ? ed->key : NULL, NULL};
            const vc_default *d = vc_matrix_default(c->m, c->at, &t);
            if (!d)
                continue;
            int covered = 0;
            for (size_t i = 0; i < n_pd; i++)
                if (pd[i].platform == pl &&
                    (!pd[i].edition || pd[i].edition == ed))
                    covered = 1;
            if (!covered) {
                const vc_driver *md = vc_matrix_driver(c->m, d->driver);
                DISAGREE(c, lo->heading[SEC_DEFAULTS], "default-drivers",
                         &d->src,
                         "the page does not name the default driver of '%s' "
                         "(the matrix says '%s')",
                         ed ? ed->name : pl->name, md ? md->name : d->driver);
            }
        }
    }
    if (c->r->n_issues == before) {
        vu_buf b = VU_BUF_INIT;
        vc_render_defaults(c->m, c->at, &b);
        wording(c, "default-drivers", lo->lines[SEC_DEFAULTS],
                lo->n[SEC_DEFAULTS], vu_buf_str(&b),
                "vmdrv table --list defaults");
        vu_buf_clear(&b);
    }
    free(pd);
    vu_regex_free(re_used);
    vu_regex_free(re_dep);
    vu_regex_free(re_sub);
}

/* ---- exceptions --------------------------------------------------------- */

static int number_word(const char *w)
{
    static const char *const words[] = {"no",    "one",  "two", "three",
                                        "four",  "five", "six", "seven",
                                        "eight", "nine", "ten", NULL};
    for (int i = 0; words[i]; i++)
        if (ieq(w, words[i]))
            return i;
    if (isdigit((unsigned char)*w))
        return atoi(w);
    return -1;
}

static void check_exceptions(checker *c, const layout *lo)
{
    vu_regex *re_exc =
        re("^\\s*[-*] On ([^,]+), (.+?) (\\S+) instances are automatically "
           "migrated to (\\S+) by Multipass(?:'s version (\\S+) or later)?"
           "(?: \\(see \\[(.*?)\\]\\((.*?)\\)\\))?\\.\\s*$");
    vu_regex *re_count = re("There (?:is|are) (\\w+) exceptions?");
    long g[2 * MAX_GROUPS];
    size_t before = c->r->n_issues;
    int *matched = vu_calloc(c->m->n_exceptions + 1, sizeof *matched);
    for (int i = 0; i < lo->n[SEC_EXCEPTIONS]; i++) {
        int line = lo->lines[SEC_EXCEPTIONS][i];
        const char *s = c->lines[line - 1];
        if (!match(re_exc, s, 0, g)) {
            DISAGREE(c, line, "exceptions", NULL,
                     "cannot read this exception: expected '- On <platform>, "
                     "<states> <driver> instances are automatically migrated "
                     "to <driver> by Multipass's version <X> or later'");
            continue;
        }
        char *pname = grp(s, g, 1), *states = grp(s, g, 2);
        char *from = grp(s, g, 3), *to = grp(s, g, 4), *since = grp(s, g, 5);
        char *ltext = grp(s, g, 6), *link = grp(s, g, 7);
        const vc_platform *pl = platform_by_name(c->m, pname);
        const vc_driver *df = driver_by_name(c->m, from);
        const vc_driver *dt = driver_by_name(c->m, to);
        const vc_exception *e = NULL;
        for (size_t k = 0; pl && df && dt && k < c->m->n_exceptions; k++) {
            const vc_exception *x = &c->m->exceptions[k];
            if (strcmp(x->platform, pl->key) == 0 &&
                strcmp(x->from, df->key) == 0 && strcmp(x->to, dt->key) == 0)
                e = x;
        }
        if (!e || !vc_exception_active(e, c->at)) {
            DISAGREE(c, line, "exceptions", e ? &e->src : NULL,
                     "the page says '%s' instances of '%s' migrate to '%s' on "
                     "'%s', but the matrix has no such exception at release "
                     "'%s'",
                     states, from, to, pname, c->at);
            goto next;
        }
        matched[e - c->m->exceptions] = 1;
        vu_strv st = VU_STRV_INIT;
        split_list(states, &st);
        if (!same_set((const char *const *)st.v, st.n, e->states,
                      e->n_states)) {
            vu_buf mb = VU_BUF_INIT;
            vc_join_words(&mb, e->states, e->n_states, "and");
            DISAGREE(
                c, line, "exceptions", &e->src,
                "the page migrates '%s' instances of '%s', the matrix '%s' "
                "ones",
                states, from, vu_buf_str(&mb));
            vu_buf_clear(&mb);
        }
        vu_strv_clear(&st);
        if (*since && e->range.since &&
            vc_version_cmp(since, e->range.since) != 0)
            DISAGREE(c, line, "exceptions", &e->src,
                     "the page says the migration happens from version '%s', "
                     "the matrix from '%s'",
                     since, e->range.since);
        else if (*since && !e->range.since)
            DISAGREE(c, line, "exceptions", &e->src,
                     "the page says the migration happens from version '%s', "
                     "the matrix in every version",
                     since);
        else if (!*since && e->range.since)
            DISAGREE(c, line, "exceptions", &e->src,
                     "the page does not say from which version the migration "
                     "happens, the matrix says from '%s'",
                     e->range.since);
        if (e->link && *link && strcmp(link, e->link) != 0)
            DISAGREE(c, line, "exceptions", &e->src,
                     "the page links to '%s', the matrix to '%s'", link,
                     e->link);
        if (e->link_text && *ltext && strcmp(ltext, e->link_text) != 0)
            DISAGREE(c, line, "exceptions", &e->src,
                     "the page titles the link '%s', the matrix '%s'", ltext,
                     e->link_text);
    next:
        free(pname);
        free(states);
        free(from);
        free(to);
        free(since);
        free(ltext);
        free(link);
    }
    int n_active = 0;
    for (size_t k = 0; k < c->m->n_exceptions; k++) {
        const vc_exception *x = &c->m->exceptions[k];
        if (!vc_exception_active(x, c->at))
            continue;
        n_active++;
        if (!matched[k])
            DISAGREE(c, lo->heading[SEC_EXCEPTIONS], "exceptions", &x->src,
                     "the matrix has the exception '%s' at release '%s', but "
                     "the page does not state it",
                     x->key, c->at);
    }
    if (lo->count_line) {
        const char *s = c->lines[lo->count_line - 1];
        if (match(re_count, s, 0, g)) {
            char *w = grp(s, g, 1);
            int said = number_word(w);
            if (said >= 0 && said != lo->n[SEC_EXCEPTIONS])
                WARN(c, lo->count_line, "exceptions",
                     "the page announces %s exceptions but lists %d (the "
                     "matrix has %d)",
                     w, lo->n[SEC_EXCEPTIONS], n_active);
            free(w);
        }
    }
    if (c->r->n_issues == before) {
        vu_buf b = VU_BUF_INIT;
        vc_render_exceptions(c->m, c->at, &b);
        wording(c, "exceptions", lo->lines[SEC_EXCEPTIONS],
                lo->n[SEC_EXCEPTIONS], vu_buf_str(&b),
                "vmdrv table --list exceptions");
        vu_buf_clear(&b);
    }
    free(matched);
    vu_regex_free(re_exc);
    vu_regex_free(re_count);
}

/* ---- features ----------------------------------------------------------- */

typedef struct page_item {
    const vc_driver *driver;
    const char *platforms[8]; /* keys; n_platforms 0: not limited */
    size_t n_platforms;
    char since[32];
} page_item;

/* "QEMU on macOS (since version 1.15)" into it; 0, or -1 (reported). */
static int parse_item(checker *c, int line, const char *section,
                      const vc_feature *f, const char *text, page_item *it)
{
    char *s = vu_strdup(text);
    int rc = -1;
    memset(it, 0, sizeof *it);
    vu_str_trim(s);
    static const char *const since_forms[] = {" (since version ",
                                              " *[since version ", NULL};
    for (size_t i = 0; since_forms[i]; i++) {
        char *p = strstr(s, since_forms[i]);
        if (!p)
            continue;
        const char *v = p + strlen(since_forms[i]);
        size_t n = strcspn(v, ")]");
        if (n >= sizeof it->since)
            n = sizeof it->since - 1;
        memcpy(it->since, v, n);
        it->since[n] = '\0';
        *p = '\0';
    }
    char *on = strstr(s, " on ");
    if (on) {
        *on = '\0';
        vu_strv plats = VU_STRV_INIT;
        split_list(on + 4, &plats);
        for (size_t i = 0; i < plats.n; i++) {
            const vc_platform *p = platform_by_name(c->m, plats.v[i]);
            if (!p) {
                DISAGREE(c, line, section, NULL,
                         "the page names a platform '%s' under '%s' that the "
                         "matrix does not know",
                         plats.v[i], f->name);
                vu_strv_clear(&plats);
                goto cleanup;
            }
            if (it->n_platforms < 8)
                it->platforms[it->n_platforms++] = p->key;
        }
        vu_strv_clear(&plats);
    }
    it->driver = driver_by_name(c->m, s);
    if (!it->driver) {
        DISAGREE(c, line, section, NULL,
                 "the page names a driver '%s' under '%s' that the matrix "
                 "does not know",
                 s, f->name);
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(s);
    return rc;
}

/* A page's drivers of a feature against the matrix at release at. */
static void compare_items(checker *c, int line, const char *section,
                          const vc_feature *f, const char *at,
                          const page_item *items, size_t n)
{
    vc_fitem *mi;
    size_t nm;
    vc_feature_items(c->m, f, at, &mi, &nm);
    int *used = vu_calloc(nm + 1, sizeof *used);
    for (size_t i = 0; i < n; i++) {
        const vc_fitem *x = NULL;
        for (size_t k = 0; k < nm && !x; k++)
            if (!used[k] && mi[k].driver == items[i].driver) {
                x = &mi[k];
                used[k] = 1;
            }
        if (!x) {
            /* say why, pointing at the entry if there is one */
            const vc_support *s = NULL;
            for (size_t k = 0; k < f->n_support && !s; k++)
                if (strcmp(f->support[k].driver, items[i].driver->key) == 0)
                    s = &f->support[k];
            if (s && s->range.since && vc_version_cmp(at, s->range.since) < 0)
                DISAGREE(
                    c, line, section, &s->src,
                    "the page lists '%s' for '%s', but the matrix supports "
                    "it only since '%s' (the page is compared at '%s')",
                    items[i].driver->name, f->name, s->range.since, at);
            else if (s && s->range.until &&
                     vc_version_cmp(at, s->range.until) >= 0)
                DISAGREE(
                    c, line, section, &s->src,
                    "the page lists '%s' for '%s', but the matrix supports "
                    "it only until '%s' (the page is compared at '%s')",
                    items[i].driver->name, f->name, s->range.until, at);
            else if (s)
                DISAGREE(
                    c, line, section, &s->src,
                    "the page lists '%s' for '%s', but the matrix does not "
                    "offer '%s' at release '%s'",
                    items[i].driver->name, f->name, items[i].driver->name, at);
            else
                DISAGREE(
                    c, line, section, &f->src,
                    "the page lists '%s' for '%s', but the matrix does not "
                    "support it at release '%s'",
                    items[i].driver->name, f->name, at);
            continue;
        }
        const vc_support *s = x->support;
        if (!same_set(items[i].platforms, items[i].n_platforms, s->platforms,
                      s->platforms ? s->n_platforms : 0)) {
            vu_buf pb = VU_BUF_INIT, mb = VU_BUF_INIT;
            names_of_platforms(c->m, &pb, items[i].platforms,
                               items[i].n_platforms);
            names_of_platforms(c->m, &mb, s->platforms,
                               s->platforms ? s->n_platforms : 0);
            DISAGREE(c, line, section, &s->src,
                     "the page has '%s' on '%s' %s%s%s, the matrix %s%s%s",
                     f->name, items[i].driver->name,
                     items[i].n_platforms ? "on '" : "on every platform",
                     items[i].n_platforms ? vu_buf_str(&pb) : "",
                     items[i].n_platforms ? "'" : "",
                     s->platforms ? "on '" : "on every platform",
                     s->platforms ? vu_buf_str(&mb) : "",
                     s->platforms ? "'" : "");
            vu_buf_clear(&pb);
            vu_buf_clear(&mb);
        }
        const char *ms = s->range.since ? s->range.since : "";
        const char *ps = items[i].since;
        if ((*ps || *ms) && (!*ps || !*ms || vc_version_cmp(ps, ms) != 0))
            DISAGREE(c, line, section, &s->src,
                     "the page has '%s' on '%s' %s%s%s, the matrix %s%s%s",
                     f->name, items[i].driver->name,
                     *ps ? "since version '" : "with no since version", ps,
                     *ps ? "'" : "", *ms ? "since '" : "in every version", ms,
                     *ms ? "'" : "");
    }
    for (size_t k = 0; k < nm; k++)
        if (!used[k])
            DISAGREE(
                c, line, section, &mi[k].support->src,
                "the matrix says '%s' supports '%s' at release '%s', but the "
                "page does not list it",
                mi[k].label, f->name, at);
    free(used);
    free(mi);
}

/* Split a table row at the pipes that are not escaped. */
static void split_row(const char *s, vu_strv *cells)
{
    const char *p = s;
    while (*p == ' ')
        p++;
    if (*p == '|')
        p++;
    vu_buf cell = VU_BUF_INIT;
    for (; *p; p++) {
        if (*p == '\\' && p[1] == '|') {
            vu_buf_putc(&cell, '|');
            p++;
            continue;
        }
        if (*p == '|') {
            char *t = vu_strdup(vu_buf_str(&cell));
            vu_strv_add(cells, vu_str_trim(t));
            free(t);
            vu_buf_clear(&cell);
            continue;
        }
        vu_buf_putc(&cell, *p);
    }
    /* text after the last pipe is not a cell */
    vu_buf_clear(&cell);
}

static void check_table(checker *c, const layout *lo)
{
    vu_regex *re_li = re("<li>(.*?)</li>");
    vu_regex *re_name = re("^\\*\\*(.+?)\\*\\*$");
    long g[2 * MAX_GROUPS];
    size_t before = c->r->n_issues;
    int *rowed = vu_calloc(c->m->n_features + 1, sizeof *rowed);
    int rows = 0;
    for (int i = 0; i < lo->n[SEC_FEATURES]; i++) {
        int line = lo->lines[SEC_FEATURES][i];
        const char *s = c->lines[line - 1];
        vu_strv cells = VU_STRV_INIT;
        split_row(s, &cells);
        if (cells.n >= 1 && strspn(cells.v[0], "-: ") == strlen(cells.v[0]))
            goto next; /* the separator */
        rows++;
        if (cells.n != 3 || !match(re_name, cells.v[0], 0, g)) {
            DISAGREE(c, line, "table", NULL,
                     "cannot read this row: expected '| **<feature>** | "
                     "<drivers> | <notes> |'");
            goto next;
        }
        char *fname = grp(cells.v[0], g, 1);
        const vc_feature *f = feature_by_name(c->m, fname);
        if (!f || !f->published) {
            DISAGREE(c, line, "table", f ? &f->src : NULL,
                     "the table has a row for '%s', which is not a published "
                     "feature of the matrix",
                     fname);
            free(fname);
            goto next;
        }
        free(fname);
        rowed[f - c->m->features] = 1;
        if (!f->shown)
            DISAGREE(c, line, "table", &f->src,
                     "the table shows '%s', but the matrix marks it "
                     "'shown: false'",
                     f->name);
        page_item items[32];
        size_t n = 0;
        vu_strv words = VU_STRV_INIT;
        const char *cell = cells.v[1];
        if (strstr(cell, "<li>")) {
            size_t at = 0;
            while (match(re_li, cell, at, g)) {
                char *w = grp(cell, g, 1);
                vu_strv_add(&words, w);
                free(w);
                at = (size_t)g[1];
            }
        } else if (strcmp(cell, "none") != 0) {
            split_list(cell, &words);
        }
        int ok = 1;
        for (size_t k = 0; k < words.n && n < 32; k++) {
            if (parse_item(c, line, "table", f, words.v[k], &items[n]) == 0)
                n++;
            else
                ok = 0;
        }
        vu_strv_clear(&words);
        if (ok)
            compare_items(c, line, "table", f, c->at, items, n);
        if (strcmp(cells.v[2], f->notes) != 0)
            DISAGREE(c, line, "table", &f->src,
                     "the notes of '%s' differ: the page has '%s', the "
                     "matrix '%s'",
                     f->name, cells.v[2], f->notes);
    next:
        vu_strv_clear(&cells);
    }
    int where = lo->table_header ? lo->table_header : lo->heading[SEC_FEATURES];
    for (size_t k = 0; k < c->m->n_features; k++) {
        const vc_feature *f = &c->m->features[k];
        if (f->shown && !rowed[k])
            DISAGREE(c, where, "table", &f->src,
                     "the matrix shows '%s' in the table, but the page's "
                     "table has no row for it",
                     f->name);
    }
    (void)rows;
    if (c->r->n_issues == before && lo->table_header) {
        vu_buf b = VU_BUF_INIT;
        vc_table_opts o = {c->at, 0};
        vc_table_render(c->m, VC_TABLE_MYST, &o, &b);
        int *lines = vu_calloc((size_t)lo->n[SEC_FEATURES] + 2, sizeof *lines);
        lines[0] = lo->table_header;
        for (int i = 0; i < lo->n[SEC_FEATURES]; i++)
            lines[i + 1] = lo->lines[SEC_FEATURES][i];
        wording(c, "table", lines, lo->n[SEC_FEATURES] + 1, vu_buf_str(&b),
                "vmdrv table --format myst");
        free(lines);
        vu_buf_clear(&b);
    }
    free(rowed);
    vu_regex_free(re_li);
    vu_regex_free(re_name);
}

static void check_history(checker *c, const layout *lo)
{
    vu_regex *re_b = re("^- \\*\\*(.+?)\\*\\* ((?:is|are) supported(?: only)? "
                        "on) (.+?)\\.(?: (.+?))?\\s*$");
    vu_regex *re_latter =
        re(" \\*\\[the latter since version ([^\\]]+)\\]\\*$");
    long g[2 * MAX_GROUPS];
    size_t before = c->r->n_issues;
    int *said = vu_calloc(c->m->n_features + 1, sizeof *said);
    for (int i = 0; i < lo->n_comment; i++) {
        int line = lo->comment[i];
        const char *s = c->lines[line - 1];
        if (!match(re_b, s, 0, g)) {
            DISAGREE(c, line, "history", NULL,
                     "cannot read this bullet: expected '- **<feature>** are "
                     "supported only on <drivers>. <notes>'");
            continue;
        }
        char *fname = grp(s, g, 1), *phrase = grp(s, g, 2);
        char *list = grp(s, g, 3), *notes = grp(s, g, 4);
        const vc_feature *f = feature_by_name(c->m, fname);
        if (!f || !f->published) {
            DISAGREE(c, line, "history", f ? &f->src : NULL,
                     "the page has a bullet for '%s', which is not a "
                     "published feature of the matrix",
                     fname);
            goto next;
        }
        said[f - c->m->features] = 1;
        if (strcmp(phrase, f->phrase) != 0)
            DISAGREE(c, line, "history", &f->src,
                     "the page words '%s' as '%s', the matrix as '%s'", f->name,
                     phrase, f->phrase);
        char latter[32] = "";
        if (match(re_latter, list, 0, g)) {
            char *v = grp(list, g, 1);
            vu_strlcpy(latter, v, sizeof latter);
            free(v);
            list[g[0]] = '\0';
        }
        vu_strv words = VU_STRV_INIT;
        split_list(list, &words);
        page_item items[32];
        size_t n = 0;
        int ok = 1;
        for (size_t k = 0; k < words.n && n < 32; k++) {
            if (parse_item(c, line, "history", f, words.v[k], &items[n]) == 0)
                n++;
            else
                ok = 0;
        }
        if (n && *latter)
            vu_strlcpy(items[n - 1].since, latter, sizeof items[n - 1].since);
        vu_strv_clear(&words);
        if (ok)
            compare_items(c, line, "history", f, c->hist, items, n);
        if (strcmp(notes, f->notes) != 0)
            DISAGREE(c, line, "history", &f->src,
                     "the notes of '%s' differ: the page has '%s', the "
                     "matrix '%s'",
                     f->name, notes, f->notes);
    next:
        free(fname);
        free(phrase);
        free(list);
        free(notes);
    }
    if (lo->comment_line) {
        for (size_t k = 0; k < c->m->n_features; k++) {
            const vc_feature *f = &c->m->features[k];
            if (f->published && !said[k])
                DISAGREE(c, lo->comment_line, "history", &f->src,
                         "the page's old-formatting comment has no bullet "
                         "for '%s'",
                         f->name);
        }
        if (c->r->n_issues == before) {
            vu_buf b = VU_BUF_INIT;
            vc_render_feature_bullets(c->m, c->hist, &b);
            wording(c, "history", lo->comment, lo->n_comment, vu_buf_str(&b),
                    "vmdrv table --list features --at <history_at>");
            vu_buf_clear(&b);
        }
    }
    free(said);
    vu_regex_free(re_b);
    vu_regex_free(re_latter);
}

/* ---- entry points
 * ------------------------------------------------------------ */

int vc_docs_check(const vc_matrix *m, const char *page_name, const char *text,
                  size_t len, const char *at, vc_docs_report *out,
                  vu_strv *errs)
{
    checker c = {.m = m, .r = out};
    layout lo;
    memset(out, 0, sizeof *out);
    out->page = vu_strdup(page_name);
    c.at = vc_matrix_at(m, at);
    c.hist = m->history_at ? m->history_at : c.at;
    out->at = c.at;
    out->history_at = c.hist;
    if (!vc_version_valid(c.at)) {
        vu_strv_addf(errs,
                     "invalid version '%s': expected numbers separated by "
                     "dots, such as '1.16'",
                     c.at);
        return -1;
    }
    /* lines, without their \n or \r\n */
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n && p[n - 1] == '\r')
            n--;
        c.lines =
            vu_realloc(c.lines, (size_t)(c.n_lines + 1) * sizeof *c.lines);
        c.lines[c.n_lines++] = vu_strndup(p, n);
        p = nl ? nl + 1 : end;
    }
    c.re_mention = mention_regex(m);
    read_layout(&c, &lo);
    static const struct {
        int sec;
        const char *name, *section;
    } need[] = {{SEC_SUPPORTED, "Supported drivers", "supported-drivers"},
                {SEC_DEFAULTS, "Default drivers", "default-drivers"},
                {SEC_EXCEPTIONS, "Exceptions", "exceptions"},
                {SEC_FEATURES, "Feature disparities", "table"}};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!lo.heading[need[i].sec])
            DISAGREE(&c, 0, need[i].section, NULL,
                     "the page has no '%s' section", need[i].name);
    if (lo.heading[SEC_SUPPORTED])
        check_supported(&c, &lo);
    if (lo.heading[SEC_DEFAULTS])
        check_defaults(&c, &lo);
    if (lo.heading[SEC_EXCEPTIONS])
        check_exceptions(&c, &lo);
    if (lo.heading[SEC_FEATURES]) {
        check_table(&c, &lo);
        check_history(&c, &lo);
    }
    free_layout(&lo);
    vu_regex_free(c.re_mention);
    for (int i = 0; i < c.n_lines; i++)
        free(c.lines[i]);
    free(c.lines);
    return 0;
}

void vc_docs_report_free(vc_docs_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_issues; i++)
        free(r->issues[i].message);
    for (size_t i = 0; i < r->n_warnings; i++)
        free(r->warnings[i].message);
    free(r->issues);
    free(r->warnings);
    free(r->page);
    memset(r, 0, sizeof *r);
}

static void issue_text(const vc_docs_report *r, const vc_docs_issue *is,
                       int warning, vu_buf *out)
{
    if (is->line)
        vu_buf_printf(out, "%s:%d: ", r->page, is->line);
    else
        vu_buf_printf(out, "%s: ", r->page);
    vu_buf_printf(out, "%s%s", warning ? "warning: " : "", is->message);
    if (is->matrix.file)
        vu_buf_printf(out, " (%s:%d:%d)", is->matrix.file, is->matrix.line,
                      is->matrix.col);
    vu_buf_putc(out, '\n');
}

void vc_docs_report_text(const vc_docs_report *r, vu_buf *out)
{
    for (size_t i = 0; i < r->n_issues; i++)
        issue_text(r, &r->issues[i], 0, out);
    for (size_t i = 0; i < r->n_warnings; i++)
        issue_text(r, &r->warnings[i], 1, out);
}

static json_t *issues_json(const vc_docs_issue *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "line", json_integer(v[i].line));
        json_object_set_new(o, "section", json_string(v[i].section));
        json_object_set_new(o, "message", json_string(v[i].message));
        if (v[i].matrix.file) {
            char *src = vu_asprintf("%s:%d:%d", v[i].matrix.file,
                                    v[i].matrix.line, v[i].matrix.col);
            json_object_set_new(o, "matrix", json_string(src));
            free(src);
        } else {
            json_object_set_new(o, "matrix", json_null());
        }
        json_array_append_new(a, o);
    }
    return a;
}

void vc_docs_report_json(const vc_docs_report *r, const vc_matrix *m,
                         vu_buf *out)
{
    json_t *root = json_object();
    json_object_set_new(root, "page", json_string(r->page));
    json_object_set_new(root, "matrix", json_string(m->hash_str));
    json_object_set_new(root, "release", json_string(r->at));
    json_object_set_new(root, "history_at", json_string(r->history_at));
    json_object_set_new(root, "agree", json_boolean(r->n_issues == 0));
    json_object_set_new(root, "disagreements",
                        issues_json(r->issues, r->n_issues));
    json_object_set_new(root, "warnings",
                        issues_json(r->warnings, r->n_warnings));
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    vu_buf_puts(out, s);
    vu_buf_putc(out, '\n');
    free(s);
    json_decref(root);
}
