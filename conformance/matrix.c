/*
 * matrix.c: the matrix loader and checker (see matrix.h and
 * matrix/README.md for the schema).
 *
 * Loading runs in three passes so files may come in any order and every
 * problem is found in one go: pass A reads the scalars and platforms and
 * collects the keys of drivers, features and cases; pass B reads the
 * rest, resolving each reference as it goes so a bad one is reported at
 * its own line; pass C checks what needs everything at once (overlapping
 * ranges, default coverage, support that can never apply).
 */
#include "matrix.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmdrv/caps.h"
#include "vu_fs.h"
#include "vu_yaml.h"

/* ---- storage ------------------------------------------------------------ */

typedef struct keyref {
    const char *key;
    const vu_ydoc *doc;
    const vu_ynode *node;
} keyref;

typedef struct keylist {
    keyref *v;
    size_t n, cap;
} keylist;

typedef struct priv {
    vu_ydoc **docs;
    size_t n_docs;
    void **pool; /* small arrays owned by the matrix */
    size_t n_pool, cap_pool;
} priv;

typedef struct loader {
    vc_matrix *m;
    priv *p;
    vu_strv *errs;
    const char *today;
    const char *where; /* names the matrix in whole-matrix messages */
    keylist drivers, features, cases;
    size_t cap_platforms, cap_drivers, cap_defaults, cap_exceptions,
        cap_features, cap_broken, cap_cases;
} loader;

static void *pool_alloc(priv *p, size_t n)
{
    void *mem = vu_calloc(1, n);
    if (p->n_pool == p->cap_pool) {
        p->cap_pool = p->cap_pool ? p->cap_pool * 2 : 64;
        p->pool = vu_realloc(p->pool, p->cap_pool * sizeof(void *));
    }
    p->pool[p->n_pool++] = mem;
    return mem;
}

/* Append one zeroed element to *arr (n elements, capacity *cap). */
static void *grow(void *arr_ptr, size_t *n, size_t *cap, size_t size)
{
    void **arr = arr_ptr;
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *arr = vu_realloc(*arr, *cap * size);
    }
    char *slot = (char *)*arr + *n * size;
    memset(slot, 0, size);
    (*n)++;
    return slot;
}

/* The element of v (n of size bytes each, the key its first member)
   whose key is key; NULL when none is, or key is NULL. */
static void *find_key(const void *v, size_t n, size_t size, const char *key)
{
    for (size_t i = 0; key && i < n; i++) {
        const char *const *k = (const void *)((const char *)v + i * size);
        if (strcmp(*k, key) == 0)
            return (void *)k;
    }
    return NULL;
}

/* The keys of v (as for find_key) joined by ", "; owned. */
static char *join_key_list(const void *v, size_t n, size_t size)
{
    vu_buf b = VU_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        vu_buf_printf(&b, "%s%s", i ? ", " : "",
                      *(const char *const *)((const char *)v + i * size));
    return vu_buf_detach(&b);
}

static void keylist_add(keylist *l, const char *key, const vu_ydoc *doc,
                        const vu_ynode *node)
{
    keyref *r = grow(&l->v, &l->n, &l->cap, sizeof *l->v);
    r->key = key;
    r->doc = doc;
    r->node = node;
}

static const keyref *keylist_find(const keylist *l, const char *key)
{
    return find_key(l->v, l->n, sizeof *l->v, key);
}

static vc_src src_of(const vu_ydoc *doc, const vu_ynode *n)
{
    vc_src s = {doc->file, n ? n->line : 1, n ? n->col : 1};
    return s;
}

/* ---- typed values ------------------------------------------------------- */

static int is_null(const vu_ynode *n)
{
    return n && n->kind == VU_Y_SCALAR && n->plain &&
           (!n->scalar[0] || strcmp(n->scalar, "~") == 0 ||
            strcmp(n->scalar, "null") == 0);
}

/* 1 when n is a mapping; else reports "<what> is a mapping, found ..." */
static int is_map(loader *l, const vu_ydoc *doc, const vu_ynode *n,
                  const char *what)
{
    if (n && n->kind == VU_Y_MAP)
        return 1;
    vu_yerr(l->errs, doc, n, "%s is a mapping of keys, found a %s", what,
            n ? vu_ykind_name(n->kind) : "nothing");
    return 0;
}

/* 1 when n is a mapping (else reported as for is_map) of only the keys
   named in keys, with each of req; the others are reported. */
static int open_item(loader *l, const vu_ydoc *doc, const vu_ynode *n,
                     const char *what, const char *const *keys,
                     const char *const *req)
{
    if (!is_map(l, doc, n, what))
        return 0;
    vu_ycheck_keys(l->errs, doc, n, keys);
    return !vu_ycheck_required(l->errs, doc, n, req);
}

static const char *get_str(loader *l, const vu_ydoc *doc, const vu_ynode *n)
{
    const char *s = NULL;
    if (vu_yget_str(l->errs, doc, n, &s))
        return NULL;
    return s;
}

static const char *get_version(loader *l, const vu_ydoc *doc, const vu_ynode *n)
{
    const char *s = get_str(l, doc, n);
    if (s && !vc_version_valid(s)) {
        vu_yerr(l->errs, doc, n,
                "invalid version '%s': expected numbers separated by dots, "
                "such as '1.16'",
                s);
        return NULL;
    }
    return s;
}

static int get_bool(loader *l, const vu_ydoc *doc, const vu_ynode *n, int dflt)
{
    int v = dflt;
    if (n && vu_yget_bool(l->errs, doc, n, &v))
        return dflt;
    return v;
}

/* A sequence of strings; an empty or null value gives an empty list. */
static const char **get_strlist(loader *l, const vu_ydoc *doc,
                                const vu_ynode *n, const char *what,
                                size_t *count)
{
    *count = 0;
    if (is_null(n))
        return NULL;
    if (vu_yexpect(l->errs, doc, n, VU_Y_SEQ, what))
        return NULL;
    const char **v = pool_alloc(l->p, (n->n + 1) * sizeof *v);
    for (size_t i = 0; i < n->n; i++) {
        const char *s = get_str(l, doc, n->items[i]);
        if (s)
            v[(*count)++] = s;
    }
    return v;
}

static int valid_date(const char *s)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d;
    char tail;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &mo, &d, &tail) != 3)
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1])
        return 0;
    if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return 0;
    return 1;
}

/* since/until of map into r; an inverted range is reported at since. */
static void get_range(loader *l, const vu_ydoc *doc, const vu_ynode *map,
                      vc_range *r)
{
    const vu_ynode *s = vu_ymap_get(map, "since");
    const vu_ynode *u = vu_ymap_get(map, "until");
    r->since = s ? get_version(l, doc, s) : NULL;
    r->until = u ? get_version(l, doc, u) : NULL;
    if (r->since && r->until && vc_version_cmp(r->since, r->until) >= 0) {
        vu_yerr(l->errs, doc, s,
                "inverted version range: since '%s' is not before until '%s'",
                r->since, r->until);
        r->since = r->until = NULL;
    }
}

/* The items of a top-level list section (NULL for an empty one). */
static const vu_ynode *section_list(loader *l, const vu_ydoc *doc,
                                    const char *name)
{
    const vu_ynode *n = vu_ymap_get(doc->root, name);
    if (!n || is_null(n))
        return NULL;
    if (vu_yexpect(l->errs, doc, n, VU_Y_SEQ, name))
        return NULL;
    return n;
}

static char *join_keys(const keylist *l)
{
    return join_key_list(l->v, l->n, sizeof *l->v);
}

/* The capability keys of the SDK joined by ", "; owned. */
static char *join_caps(void)
{
    vu_buf b = VU_BUF_INIT;
    for (int c = 0; c < VMDRV_CAP__COUNT; c++)
        vu_buf_printf(&b, "%s%s", c ? ", " : "", vmdrv_cap_key((vmdrv_cap)c));
    return vu_buf_detach(&b);
}

/* ---- references --------------------------------------------------------- */

static const vc_platform *ref_platform(loader *l, const vu_ydoc *doc,
                                       const vu_ynode *n)
{
    const char *key = get_str(l, doc, n);
    if (!key)
        return NULL;
    const vc_platform *p = vc_matrix_platform(l->m, key);
    if (!p) {
        char *known = join_key_list(l->m->platforms, l->m->n_platforms,
                                    sizeof *l->m->platforms);
        vu_yerr(l->errs, doc, n, "unknown platform '%s' (known platforms: %s)",
                key, known);
        free(known);
    }
    return p;
}

static const char *ref_key(loader *l, const vu_ydoc *doc, const vu_ynode *n,
                           const keylist *list, const char *what)
{
    const char *key = get_str(l, doc, n);
    if (!key)
        return NULL;
    if (keylist_find(list, key))
        return key;
    char *known = join_keys(list);
    vu_yerr(l->errs, doc, n, "unknown %s '%s' (known %ss: %s)", what, key, what,
            known);
    free(known);
    return NULL;
}

static const char *ref_driver(loader *l, const vu_ydoc *doc, const vu_ynode *n)
{
    return ref_key(l, doc, n, &l->drivers, "driver");
}

static const char *ref_edition(loader *l, const vu_ydoc *doc, const vu_ynode *n,
                               const vc_platform *p)
{
    const char *key = get_str(l, doc, n);
    if (!key || !p)
        return key;
    if (!p->n_editions) {
        vu_yerr(l->errs, doc, n, "platform '%s' has no editions, found '%s'",
                p->key, key);
        return NULL;
    }
    if (vc_platform_edition(p, key))
        return key;
    char *known =
        join_key_list(p->editions, p->n_editions, sizeof *p->editions);
    vu_yerr(l->errs, doc, n,
            "unknown edition '%s' of platform '%s' (known editions: %s)", key,
            p->key, known);
    free(known);
    return NULL;
}

static int has_arch(const vc_platform *p, const char *arch)
{
    return find_key(p->arches, p->n_arches, sizeof *p->arches, arch) != NULL;
}

/* An arches list, each one checked against the platform's. */
static const char **ref_arches(loader *l, const vu_ydoc *doc, const vu_ynode *n,
                               const vc_platform *p, size_t *count)
{
    const char **v = get_strlist(l, doc, n, "arches", count);
    if (!p || !v)
        return v;
    for (size_t i = 0; i < *count; i++) {
        if (has_arch(p, v[i]))
            continue;
        char *known = join_key_list(p->arches, p->n_arches, sizeof *p->arches);
        vu_yerr(l->errs, doc, n->items[i],
                "unknown arch '%s' of platform '%s' (known arches: %s)", v[i],
                p->key, known);
        free(known);
    }
    return v;
}

/* ---- pass A: scalars, platforms, keys ----------------------------------- */

static const char *const top_keys[] = {"schema",     "current",  "history_at",
                                       "platforms",  "drivers",  "defaults",
                                       "exceptions", "features", "known_broken",
                                       "cases",      NULL};

static void set_scalar_version(loader *l, const vu_ydoc *doc, const char *key,
                               const char **slot, vc_src *src)
{
    const vu_ynode *n = vu_ymap_get(doc->root, key);
    if (!n)
        return;
    if (*slot || src->file) {
        vu_yerr(l->errs, doc, vu_ymap_key(doc->root, key),
                "'%s' is already set at %s:%d:%d", key, src->file, src->line,
                src->col);
        return;
    }
    *src = src_of(doc, n);
    *slot = get_version(l, doc, n);
}

static int valid_key_syntax(const char *s)
{
    if (!*s || !(*s >= 'a' && *s <= 'z'))
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return 0;
    return 1;
}

/* A "key:" value: a lower-case identifier. */
static const char *get_key(loader *l, const vu_ydoc *doc, const vu_ynode *n)
{
    const char *s = get_str(l, doc, n);
    if (s && !valid_key_syntax(s)) {
        vu_yerr(l->errs, doc, n,
                "invalid key '%s': use lower-case letters, digits and '_', "
                "starting with a letter",
                s);
        return NULL;
    }
    return s;
}

static int check_sentence(loader *l, const vu_ydoc *doc, const vu_ynode *n,
                          const char *s)
{
    int drivers = 0;
    for (const char *p = strchr(s, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        size_t len = end ? (size_t)(end - p + 1) : strlen(p);
        if (len == 13 && strncmp(p, "{drivers_and}", len) == 0)
            drivers = 1;
        else if (len == 12 && strncmp(p, "{drivers_or}", len) == 0)
            drivers = 1;
        else if (len == 10 && strncmp(p, "{platform}", len) == 0)
            ;
        else
            return vu_yerr(l->errs, doc, n,
                           "unknown placeholder '%.*s' (valid: {platform}, "
                           "{drivers_and}, {drivers_or})",
                           (int)len, p);
    }
    if (!drivers)
        return vu_yerr(l->errs, doc, n,
                       "sentence needs {drivers_and} or {drivers_or}");
    return 0;
}

static void read_platform(loader *l, const vu_ydoc *doc, const vu_ynode *n)
{
    static const char *const keys[] = {"key",      "name",     "arches",
                                       "editions", "sentence", NULL};
    static const char *const req[] = {"key", "name", "arches", NULL};
    static const char *const ekeys[] = {"key", "name", NULL};
    if (!is_map(l, doc, n, "a platform"))
        return;
    vu_ycheck_keys(l->errs, doc, n, keys);
    vu_ycheck_required(l->errs, doc, n, req);
    const vu_ynode *kn = vu_ymap_get(n, "key");
    const char *key = kn ? get_str(l, doc, kn) : NULL;
    if (!key)
        return;
    int os_ok = 0;
    for (int os = VMDRV_OS_LINUX; os <= VMDRV_OS_WINDOWS; os++)
        if (strcmp(key, vmdrv_os_name((vmdrv_os)os)) == 0)
            os_ok = 1;
    if (!os_ok) {
        vu_yerr(l->errs, doc, kn,
                "unknown platform key '%s': the SDK knows linux, macos and "
                "windows",
                key);
        return;
    }
    const vc_platform *dup = vc_matrix_platform(l->m, key);
    if (dup) {
        vu_yerr(l->errs, doc, kn, "duplicate platform '%s' (first at %s:%d:%d)",
                key, dup->src.file, dup->src.line, dup->src.col);
        return;
    }
    vc_platform *p = grow(&l->m->platforms, &l->m->n_platforms,
                          &l->cap_platforms, sizeof *p);
    p->key = key;
    p->src = src_of(doc, n);
    const vu_ynode *v = vu_ymap_get(n, "name");
    p->name = v ? get_str(l, doc, v) : NULL;
    if (!p->name)
        p->name = key;
    v = vu_ymap_get(n, "arches");
    if (v) {
        p->arches = get_strlist(l, doc, v, "arches", &p->n_arches);
        for (size_t i = 0; i < p->n_arches; i++) {
            if (strcmp(p->arches[i], vmdrv_arch_name(VMDRV_ARCH_X86_64)) &&
                strcmp(p->arches[i], vmdrv_arch_name(VMDRV_ARCH_ARM64)))
                vu_yerr(l->errs, doc, v->items[i],
                        "unknown arch '%s' (the SDK knows x86_64 and arm64)",
                        p->arches[i]);
        }
    }
    v = vu_ymap_get(n, "editions");
    if (v && !is_null(v) &&
        !vu_yexpect(l->errs, doc, v, VU_Y_SEQ, "editions")) {
        p->editions = pool_alloc(l->p, (v->n + 1) * sizeof *p->editions);
        for (size_t i = 0; i < v->n; i++) {
            const vu_ynode *e = v->items[i];
            if (!open_item(l, doc, e, "an edition", ekeys, ekeys))
                continue;
            const vu_ynode *ek = vu_ymap_get(e, "key");
            const char *k = get_str(l, doc, ek);
            const char *nm = get_str(l, doc, vu_ymap_get(e, "name"));
            if (!k || !nm)
                continue;
            if (strcmp(k, vmdrv_edition_name(VMDRV_EDITION_HOME)) &&
                strcmp(k, vmdrv_edition_name(VMDRV_EDITION_PRO))) {
                vu_yerr(l->errs, doc, ek,
                        "unknown edition '%s' (the SDK knows pro and home)", k);
                continue;
            }
            if (vc_platform_edition(p, k)) {
                vu_yerr(l->errs, doc, ek, "duplicate edition '%s'", k);
                continue;
            }
            vc_edition *ed = &p->editions[p->n_editions++];
            ed->key = k;
            ed->name = nm;
            ed->src = src_of(doc, e);
        }
    }
    v = vu_ymap_get(n, "sentence");
    if (v) {
        p->sentence = get_str(l, doc, v);
        if (p->sentence && check_sentence(l, doc, v, p->sentence))
            p->sentence = NULL;
    }
    if (!p->sentence)
        p->sentence = "On {platform}, the options are {drivers_and}.";
}

/* Record the "key:" (or "id:") of each item of a section, for pass B. */
static void collect_keys(loader *l, const vu_ydoc *doc, const char *section,
                         const char *field, keylist *out, const char *what)
{
    const vu_ynode *list = section_list(l, doc, section);
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++) {
        const vu_ynode *k = vu_ymap_get(list->items[i], field);
        if (!k || k->kind != VU_Y_SCALAR)
            continue;
        const keyref *dup = keylist_find(out, k->scalar);
        if (dup) {
            vu_yerr(l->errs, doc, k, "duplicate %s '%s' (first at %s:%d:%d)",
                    what, k->scalar, dup->doc->file, dup->node->line,
                    dup->node->col);
            continue;
        }
        keylist_add(out, k->scalar, doc, k);
    }
}

static void pass_a(loader *l, const vu_ydoc *doc)
{
    if (doc->root->kind != VU_Y_MAP) {
        vu_yerr(l->errs, doc, doc->root,
                "a matrix file is a mapping of sections (current, platforms, "
                "drivers, ...), found a %s",
                vu_ykind_name(doc->root->kind));
        return;
    }
    vu_ycheck_keys(l->errs, doc, doc->root, top_keys);
    const vu_ynode *schema = vu_ymap_get(doc->root, "schema");
    if (schema) {
        long long v = 0;
        if (!vu_yget_int(l->errs, doc, schema, &v) && v != 1)
            vu_yerr(l->errs, doc, schema,
                    "unsupported schema '%lld': this vmdrv reads schema 1", v);
    }
    set_scalar_version(l, doc, "current", &l->m->current, &l->m->current_src);
    set_scalar_version(l, doc, "history_at", &l->m->history_at,
                       &l->m->history_src);
    const vu_ynode *list = section_list(l, doc, "platforms");
    for (size_t i = 0; list && i < list->n; i++)
        read_platform(l, doc, list->items[i]);
    collect_keys(l, doc, "drivers", "key", &l->drivers, "driver");
    collect_keys(l, doc, "features", "key", &l->features, "feature");
    collect_keys(l, doc, "cases", "id", &l->cases, "case");
}

/* ---- pass B: drivers, defaults, exceptions, features, cases, broken ----- */

static void read_avail(loader *l, const vu_ydoc *doc, const vu_ynode *n,
                       vc_avail *a)
{
    static const char *const keys[] = {
        "platform", "editions", "arches", "since", "until", "note", NULL};
    static const char *const req[] = {"platform", NULL};
    a->src = src_of(doc, n);
    if (!open_item(l, doc, n, "an availability entry", keys, req))
        return;
    const vc_platform *p = ref_platform(l, doc, vu_ymap_get(n, "platform"));
    if (!p)
        return;
    a->platform = p->key;
    const vu_ynode *v = vu_ymap_get(n, "editions");
    if (v) {
        a->editions = get_strlist(l, doc, v, "editions", &a->n_editions);
        for (size_t i = 0; i < a->n_editions; i++)
            if (!ref_edition(l, doc, v->items[i], p))
                break;
        if (!a->n_editions)
            a->editions = NULL;
    }
    v = vu_ymap_get(n, "arches");
    if (v) {
        a->arches = ref_arches(l, doc, v, p, &a->n_arches);
        if (!a->n_arches)
            a->arches = NULL;
    }
    get_range(l, doc, n, &a->range);
    v = vu_ymap_get(n, "note");
    a->note = v ? get_str(l, doc, v) : NULL;
}

static void read_driver(loader *l, const vu_ydoc *doc, const vu_ynode *n)
{
    static const char *const keys[] = {"key", "name", "published", "available",
                                       NULL};
    static const char *const req[] = {"key", "name", NULL};
    if (!open_item(l, doc, n, "a driver", keys, req))
        return;
    const vu_ynode *kn = vu_ymap_get(n, "key");
    const char *key = get_key(l, doc, kn);
    if (!key || vc_matrix_driver(l->m, key))
        return; /* duplicates were reported in pass A */
    vc_driver *d =
        grow(&l->m->drivers, &l->m->n_drivers, &l->cap_drivers, sizeof *d);
    d->key = key;
    d->src = src_of(doc, n);
    d->name = get_str(l, doc, vu_ymap_get(n, "name"));
    if (!d->name)
        d->name = key;
    d->published = get_bool(l, doc, vu_ymap_get(n, "published"), 1);
    const vu_ynode *av = vu_ymap_get(n, "available");
    if (av && !is_null(av) &&
        !vu_yexpect(l->errs, doc, av, VU_Y_SEQ, "available")) {
        d->avail = pool_alloc(l->p, (av->n + 1) * sizeof *d->avail);
        for (size_t i = 0; i < av->n; i++)
            read_avail(l, doc, av->items[i], &d->avail[d->n_avail++]);
    }
}

static void read_default(loader *l, const vu_ydoc *doc, const vu_ynode *n)
{
    static const char *const keys[] = {
        "platform", "edition", "arches", "driver", "since", "until", NULL};
    static const char *const req[] = {"platform", "driver", NULL};
    if (!open_item(l, doc, n, "a default rule", keys, req))
        return;
    const vc_platform *p = ref_platform(l, doc, vu_ymap_get(n, "platform"));
    const char *drv = ref_driver(l, doc, vu_ymap_get(n, "driver"));
    const vu_ynode *ed = vu_ymap_get(n, "edition");
    const char *edition = ed ? ref_edition(l, doc, ed, p) : NULL;
    if (!p || !drv || (ed && !edition))
        return;
    vc_default *d =
        grow(&l->m->defaults, &l->m->n_defaults, &l->cap_defaults, sizeof *d);
    d->platform = p->key;
    d->edition = edition;
    d->driver = drv;
    d->src = src_of(doc, n);
    const vu_ynode *v = vu_ymap_get(n, "arches");
    if (v) {
        d->arches = ref_arches(l, doc, v, p, &d->n_arches);
        if (!d->n_arches)
            d->arches = NULL;
    }
    get_range(l, doc, n, &d->range);
}

static void read_exception(loader *l, const vu_ydoc *doc, const vu_ynode *n)
{
    static const char *const keys[] = {"key",  "kind",      "platform", "from",
                                       "to",   "states",    "since",    "until",
                                       "link", "link_text", NULL};
    static const char *const req[] = {"key", "kind",   "platform", "from",
                                      "to",  "states", NULL};
    if (!open_item(l, doc, n, "an exception", keys, req))
        return;
    const vu_ynode *kn = vu_ymap_get(n, "key");
    const char *key = get_key(l, doc, kn);
    if (!key)
        return;
    const vc_exception *o = find_key(l->m->exceptions, l->m->n_exceptions,
                                     sizeof *l->m->exceptions, key);
    if (o) {
        vu_yerr(l->errs, doc, kn,
                "duplicate exception '%s' (first at %s:%d:%d)", key,
                o->src.file, o->src.line, o->src.col);
        return;
    }
    const vu_ynode *kind = vu_ymap_get(n, "kind");
    const char *k = get_str(l, doc, kind);
    if (k && strcmp(k, "migration") != 0) {
        vu_yerr(l->errs, doc, kind,
                "unknown exception kind '%s' (valid kinds: migration)", k);
        k = NULL;
    }
    const vc_platform *p = ref_platform(l, doc, vu_ymap_get(n, "platform"));
    const char *from = ref_driver(l, doc, vu_ymap_get(n, "from"));
    const char *to = ref_driver(l, doc, vu_ymap_get(n, "to"));
    const vu_ynode *sn = vu_ymap_get(n, "states");
    size_t n_states = 0;
    const char **states = get_strlist(l, doc, sn, "states", &n_states);
    for (size_t i = 0; i < n_states; i++)
        if (vmdrv_state_from_name(states[i]) < 0)
            vu_yerr(l->errs, doc, sn->items[i],
                    "unknown instance state '%s' (valid states: off, stopped, "
                    "starting, restarting, running, delayed_shutdown, "
                    "suspending, suspended, unknown, unavailable)",
                    states[i]);
    if (!k || !p || !from || !to)
        return;
    vc_exception *e = grow(&l->m->exceptions, &l->m->n_exceptions,
                           &l->cap_exceptions, sizeof *e);
    e->key = key;
    e->kind = k;
    e->platform = p->key;
    e->from = from;
    e->to = to;
    e->states = states;
    e->n_states = n_states;
    e->src = src_of(doc, n);
    get_range(l, doc, n, &e->range);
    const vu_ynode *v = vu_ymap_get(n, "link");
    e->link = v ? get_str(l, doc, v) : NULL;
    v = vu_ymap_get(n, "link_text");
    e->link_text = v ? get_str(l, doc, v) : NULL;
}

static void read_support(loader *l, const vu_ydoc *doc, const vu_ynode *n,
                         vc_support *s)
{
    static const char *const keys[] = {"driver", "platforms", "since",
                                       "until",  "note",      NULL};
    static const char *const req[] = {"driver", NULL};
    s->src = src_of(doc, n);
    if (!open_item(l, doc, n, "a support entry", keys, req))
        return;
    s->driver = ref_driver(l, doc, vu_ymap_get(n, "driver"));
    const vu_ynode *v = vu_ymap_get(n, "platforms");
    if (v) {
        s->platforms = get_strlist(l, doc, v, "platforms", &s->n_platforms);
        for (size_t i = 0; i < s->n_platforms; i++)
            ref_platform(l, doc, v->items[i]);
        if (!s->n_platforms)
            s->platforms = NULL;
    }
    get_range(l, doc, n, &s->range);
    v = vu_ymap_get(n, "note");
    s->note = v ? get_str(l, doc, v) : NULL;
}

static void read_feature(loader *l, const vu_ydoc *doc, const vu_ynode *n)
{
    static const char *const keys[] = {"key",       "name",    "shown",
                                       "published", "phrase",  "notes",
                                       "links",     "support", NULL};
    static const char *const req[] = {"key", "name", NULL};
    static const char *const lkeys[] = {"text", "href", NULL};
    if (!open_item(l, doc, n, "a feature", keys, req))
        return;
    const vu_ynode *kn = vu_ymap_get(n, "key");
    const char *key = get_str(l, doc, kn);
    if (!key || vc_matrix_feature(l->m, key))
        return;
    int cap = vmdrv_cap_from_key(key);
    if (cap < 0) {
        char *valid = join_caps();
        vu_yerr(l->errs, doc, kn,
                "unknown feature key '%s': not a capability of the SDK "
                "(valid keys: %s)",
                key, valid);
        free(valid);
        return;
    }
    vc_feature *f =
        grow(&l->m->features, &l->m->n_features, &l->cap_features, sizeof *f);
    f->key = key;
    f->cap = cap;
    f->src = src_of(doc, n);
    f->name = get_str(l, doc, vu_ymap_get(n, "name"));
    if (!f->name)
        f->name = key;
    f->shown = get_bool(l, doc, vu_ymap_get(n, "shown"), 0);
    f->published = get_bool(l, doc, vu_ymap_get(n, "published"), 1);
    if (f->shown && !f->published)
        vu_yerr(l->errs, doc, vu_ymap_get(n, "shown"),
                "feature '%s' is shown in the table but not published", key);
    const vu_ynode *v = vu_ymap_get(n, "phrase");
    f->phrase = v ? get_str(l, doc, v) : NULL;
    if (!f->phrase)
        f->phrase = "are supported only on";
    v = vu_ymap_get(n, "notes");
    f->notes = v && !is_null(v) ? get_str(l, doc, v) : NULL;
    if (!f->notes)
        f->notes = "";
    v = vu_ymap_get(n, "links");
    if (v && !is_null(v) && !vu_yexpect(l->errs, doc, v, VU_Y_SEQ, "links")) {
        f->links = pool_alloc(l->p, (v->n + 1) * sizeof *f->links);
        for (size_t i = 0; i < v->n; i++) {
            const vu_ynode *ln = v->items[i];
            if (!open_item(l, doc, ln, "a link", lkeys, lkeys))
                continue;
            vc_link *lk = &f->links[f->n_links];
            lk->text = get_str(l, doc, vu_ymap_get(ln, "text"));
            lk->href = get_str(l, doc, vu_ymap_get(ln, "href"));
            if (lk->text && lk->href)
                f->n_links++;
        }
    }
    v = vu_ymap_get(n, "support");
    if (v && !is_null(v) && !vu_yexpect(l->errs, doc, v, VU_Y_SEQ, "support")) {
        f->support = pool_alloc(l->p, (v->n + 1) * sizeof *f->support);
        for (size_t i = 0; i < v->n; i++) {
            vc_support *s = &f->support[f->n_support];
            read_support(l, doc, v->items[i], s);
            if (s->driver)
                f->n_support++;
        }
    }
}

static const char *const areas[] = {
    "defaults", "setting", "scope", "lifecycle", "feature", "migration", NULL};

static int valid_case_id(const char *id)
{
    int parts = 1;
    const char *p = id;
    if (!(*p >= 'a' && *p <= 'z'))
        return 0;
    for (; *p; p++) {
        if (*p == '.') {
            if (p[1] == '\0' || p[1] == '.')
                return 0;
            parts++;
        } else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                     *p == '_')) {
            return 0;
        }
    }
    return parts >= 2;
}

static void read_timeout(loader *l, const vu_ydoc *doc, const vu_ynode *n,
                         vc_case *c)
{
    long long v;
    if (n->kind == VU_Y_SCALAR) {
        if (vu_yget_int(l->errs, doc, n, &v))
            return;
        if (v <= 0 || v > 86400) {
            vu_yerr(l->errs, doc, n,
                    "timeout '%lld' out of range: 1 to 86400 seconds", v);
            return;
        }
        c->timeout = (unsigned int)v;
        return;
    }
    if (vu_yexpect(l->errs, doc, n, VU_Y_MAP, "timeout"))
        return;
    c->timeouts = pool_alloc(l->p, (n->n + 1) * sizeof *c->timeouts);
    for (size_t i = 0; i < n->n; i++) {
        const char *k = n->keys[i]->scalar;
        if (strcmp(k, "default") != 0 &&
            !ref_key(l, doc, n->keys[i], &l->drivers, "driver"))
            continue;
        if (vu_yget_int(l->errs, doc, n->items[i], &v))
            continue;
        if (v <= 0 || v > 86400) {
            vu_yerr(l->errs, doc, n->items[i],
                    "timeout '%lld' out of range: 1 to 86400 seconds", v);
            continue;
        }
        if (strcmp(k, "default") == 0) {
            c->timeout = (unsigned int)v;
            continue;
        }
        c->timeouts[c->n_timeouts].driver = k;
        c->timeouts[c->n_timeouts].seconds = (unsigned int)v;
        c->n_timeouts++;
    }
}

static void read_case(loader *l, const vu_ydoc *doc, const vu_ynode *n)
{
    static const char *const keys[] = {"id",          "area",    "feature",
                                       "must_run",    "timeout", "requires",
                                       "description", NULL};
    static const char *const req[] = {"id", NULL};
    if (!open_item(l, doc, n, "a case", keys, req))
        return;
    const vu_ynode *idn = vu_ymap_get(n, "id");
    const char *id = get_str(l, doc, idn);
    if (!id || vc_matrix_case(l->m, id))
        return;
    if (!valid_case_id(id)) {
        vu_yerr(l->errs, doc, idn,
                "invalid case id '%s': use dotted lower-case words, such as "
                "'lifecycle.start_stop'",
                id);
        return;
    }
    size_t alen = strcspn(id, ".");
    int area = -1;
    for (int i = 0; areas[i]; i++)
        if (strlen(areas[i]) == alen && strncmp(id, areas[i], alen) == 0)
            area = i;
    if (area < 0) {
        vu_yerr(l->errs, doc, idn,
                "case id '%s' starts with an unknown area '%.*s' (valid areas: "
                "defaults, setting, scope, lifecycle, feature.<name>, "
                "migration)",
                id, (int)alen, id);
        return;
    }
    const char *feature = NULL;
    char *derived_area = NULL;
    if (area == VC_AREA_FEATURE) {
        const char *fk = id + alen + 1;
        size_t flen = strcspn(fk, ".");
        if (fk[flen] != '.') {
            vu_yerr(l->errs, doc, idn,
                    "case id '%s' needs a name after its feature: "
                    "'feature.<feature>.<name>'",
                    id);
            return;
        }
        for (size_t i = 0; i < l->features.n; i++)
            if (strlen(l->features.v[i].key) == flen &&
                strncmp(l->features.v[i].key, fk, flen) == 0)
                feature = l->features.v[i].key;
        if (!feature) {
            char *known = join_keys(&l->features);
            vu_yerr(l->errs, doc, idn,
                    "case id '%s' names an unknown feature '%.*s' (known "
                    "features: %s)",
                    id, (int)flen, fk, known);
            free(known);
            return;
        }
        derived_area = vu_asprintf("feature.%s", feature);
    } else {
        derived_area = vu_strdup(areas[area]);
    }
    const vu_ynode *an = vu_ymap_get(n, "area");
    const char *as = an ? get_str(l, doc, an) : NULL;
    if (as && strcmp(as, derived_area) != 0)
        vu_yerr(l->errs, doc, an,
                "area '%s' does not match the case id '%s' (expected '%s')", as,
                id, derived_area);
    free(derived_area);
    const vu_ynode *fn = vu_ymap_get(n, "feature");
    const char *fs = fn ? get_str(l, doc, fn) : NULL;
    if (fs && (!feature || strcmp(fs, feature) != 0))
        vu_yerr(l->errs, doc, fn,
                "feature '%s' does not match the case id '%s' (expected '%s')",
                fs, id, feature ? feature : "none");
    vc_case *c = grow(&l->m->cases, &l->m->n_cases, &l->cap_cases, sizeof *c);
    c->id = id;
    c->area = (vc_area)area;
    c->feature = feature;
    c->src = src_of(doc, n);
    c->timeout = 60;
    c->must_run = get_bool(l, doc, vu_ymap_get(n, "must_run"), 0);
    const vu_ynode *v = vu_ymap_get(n, "timeout");
    if (v)
        read_timeout(l, doc, v, c);
    v = vu_ymap_get(n, "requires");
    if (v) {
        size_t cnt;
        const char **caps = get_strlist(l, doc, v, "requires", &cnt);
        for (size_t i = 0; i < cnt; i++) {
            int cap = vmdrv_cap_from_key(caps[i]);
            if (cap < 0) {
                char *valid = join_caps();
                vu_yerr(l->errs, doc, v->items[i],
                        "unknown capability '%s' (valid: %s)", caps[i], valid);
                free(valid);
                continue;
            }
            c->requires |= VMDRV_CAP_BIT(cap);
        }
    }
    v = vu_ymap_get(n, "description");
    c->description = v ? get_str(l, doc, v) : NULL;
}

static int case_selector_matches(const char *sel, const char *id)
{
    size_t len = strlen(sel);
    if (len >= 2 && strcmp(sel + len - 2, ".*") == 0)
        return strncmp(id, sel, len - 1) == 0;
    return strcmp(sel, id) == 0;
}

static void read_broken(loader *l, const vu_ydoc *doc, const vu_ynode *n)
{
    static const char *const keys[] = {"platform", "edition", "arch", "driver",
                                       "feature",  "case",    "link", "expires",
                                       "reason",   NULL};
    static const char *const req[] = {"link", "expires", NULL};
    if (!open_item(l, doc, n, "a known-broken entry", keys, req))
        return;
    vc_broken b = {.src = src_of(doc, n)};
    int ok = 1;
    const vu_ynode *v = vu_ymap_get(n, "platform");
    const vc_platform *p = NULL;
    if (v) {
        p = ref_platform(l, doc, v);
        ok &= p != NULL;
        b.platform = p ? p->key : NULL;
    }
    if ((v = vu_ymap_get(n, "edition"))) {
        if (!p) {
            vu_yerr(l->errs, doc, v, "an edition needs a platform");
            ok = 0;
        } else {
            b.edition = ref_edition(l, doc, v, p);
            ok &= b.edition != NULL;
        }
    }
    if ((v = vu_ymap_get(n, "arch"))) {
        b.arch = get_str(l, doc, v);
        if (b.arch && strcmp(b.arch, vmdrv_arch_name(VMDRV_ARCH_X86_64)) &&
            strcmp(b.arch, vmdrv_arch_name(VMDRV_ARCH_ARM64))) {
            vu_yerr(l->errs, doc, v,
                    "unknown arch '%s' (the SDK knows x86_64 and arm64)",
                    b.arch);
            ok = 0;
        } else if (b.arch && p && !has_arch(p, b.arch)) {
            vu_yerr(l->errs, doc, v, "unknown arch '%s' of platform '%s'",
                    b.arch, p->key);
            ok = 0;
        }
        ok &= b.arch != NULL;
    }
    if ((v = vu_ymap_get(n, "driver"))) {
        b.driver = ref_driver(l, doc, v);
        ok &= b.driver != NULL;
    }
    if ((v = vu_ymap_get(n, "feature"))) {
        b.feature = ref_key(l, doc, v, &l->features, "feature");
        ok &= b.feature != NULL;
    }
    if ((v = vu_ymap_get(n, "case"))) {
        b.case_id = get_str(l, doc, v);
        int found = 0;
        for (size_t i = 0; b.case_id && i < l->cases.n; i++)
            if (case_selector_matches(b.case_id, l->cases.v[i].key))
                found = 1;
        if (b.case_id && !found) {
            vu_yerr(l->errs, doc, v, "unknown case '%s'", b.case_id);
            ok = 0;
        }
    }
    if (!b.driver && !b.case_id && !b.feature) {
        vu_yerr(l->errs, doc, n,
                "a known-broken entry names a driver, a feature or a case");
        ok = 0;
    }
    b.link = get_str(l, doc, vu_ymap_get(n, "link"));
    if (b.link && !vu_starts_with(b.link, "https://") &&
        !vu_starts_with(b.link, "http://")) {
        vu_yerr(l->errs, doc, vu_ymap_get(n, "link"),
                "link '%s' is not an http(s) URL", b.link);
        ok = 0;
    }
    const vu_ynode *en = vu_ymap_get(n, "expires");
    b.expires = get_str(l, doc, en);
    if (b.expires && !valid_date(b.expires)) {
        vu_yerr(l->errs, doc, en, "invalid date '%s': expected YYYY-MM-DD",
                b.expires);
        ok = 0;
    } else if (b.expires && l->today && strcmp(b.expires, l->today) < 0) {
        vu_yerr(l->errs, doc, en,
                "known-broken entry expired on '%s' (today is '%s'): fix the "
                "cell or extend the entry",
                b.expires, l->today);
        ok = 0;
    }
    if ((v = vu_ymap_get(n, "reason")))
        b.reason = get_str(l, doc, v);
    if (!ok || !b.link || !b.expires)
        return;
    vc_broken *slot =
        grow(&l->m->broken, &l->m->n_broken, &l->cap_broken, sizeof *slot);
    *slot = b;
}

typedef void read_item_fn(loader *l, const vu_ydoc *doc, const vu_ynode *n);

/* Pass B's sections in the order they are read, each over every file
   before the next: a step reads what an earlier step resolved. */
static const struct {
    const char *section;
    read_item_fn *read;
    int step;
} pass_b_sections[] = {
    {"drivers", read_driver, 0},       {"defaults", read_default, 1},
    {"exceptions", read_exception, 1}, {"features", read_feature, 1},
    {"cases", read_case, 2},           {"known_broken", read_broken, 3},
};

/* Read the sections of pass B's step in doc. */
static void pass_b(loader *l, const vu_ydoc *doc, int step)
{
    for (size_t s = 0; s < sizeof pass_b_sections / sizeof *pass_b_sections;
         s++) {
        if (pass_b_sections[s].step != step)
            continue;
        const vu_ynode *list = section_list(l, doc, pass_b_sections[s].section);
        for (size_t i = 0; list && i < list->n; i++)
            pass_b_sections[s].read(l, doc, list->items[i]);
    }
}

/* ---- pass C: whole-matrix checks ---------------------------------------- */

static int lists_meet(const char **a, size_t na, const char **b, size_t nb)
{
    if (!a || !b)
        return 1; /* NULL means "all" */
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (strcmp(a[i], b[j]) == 0)
                return 1;
    return 0;
}

static int list_has(const char **v, size_t n, const char *s)
{
    if (!v)
        return 1;
    if (!s)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

static void errf_src(loader *l, vc_src s, const char *fmt, ...) VU_PRINTF(3, 4);

static void errf_src(loader *l, vc_src s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vu_vasprintf(fmt, ap);
    va_end(ap);
    vu_strv_addf(l->errs, "%s:%d:%d: %s", s.file, s.line, s.col, msg);
    free(msg);
}

static void check_avail_overlaps(loader *l)
{
    for (size_t d = 0; d < l->m->n_drivers; d++) {
        const vc_driver *drv = &l->m->drivers[d];
        for (size_t i = 0; i < drv->n_avail; i++) {
            const vc_avail *a = &drv->avail[i];
            if (!a->platform)
                continue;
            for (size_t j = 0; j < i; j++) {
                const vc_avail *b = &drv->avail[j];
                if (!b->platform || strcmp(a->platform, b->platform) != 0)
                    continue;
                if (!lists_meet(a->editions, a->n_editions, b->editions,
                                b->n_editions) ||
                    !lists_meet(a->arches, a->n_arches, b->arches,
                                b->n_arches) ||
                    !vc_range_overlaps(&a->range, &b->range))
                    continue;
                errf_src(l, a->src,
                         "availability of driver '%s' on '%s' overlaps the "
                         "one at %s:%d:%d",
                         drv->key, a->platform, b->src.file, b->src.line,
                         b->src.col);
                break;
            }
        }
    }
}

static void check_support(loader *l)
{
    for (size_t f = 0; f < l->m->n_features; f++) {
        const vc_feature *fe = &l->m->features[f];
        for (size_t i = 0; i < fe->n_support; i++) {
            const vc_support *s = &fe->support[i];
            for (size_t j = 0; j < i; j++) {
                const vc_support *o = &fe->support[j];
                if (strcmp(s->driver, o->driver) != 0 ||
                    !lists_meet(s->platforms, s->n_platforms, o->platforms,
                                o->n_platforms) ||
                    !vc_range_overlaps(&s->range, &o->range))
                    continue;
                errf_src(l, s->src,
                         "support of '%s' by driver '%s' overlaps the one at "
                         "%s:%d:%d",
                         fe->key, s->driver, o->src.file, o->src.line,
                         o->src.col);
                break;
            }
            /* support must be able to apply somewhere, some time */
            const vc_driver *drv = vc_matrix_driver(l->m, s->driver);
            if (!drv)
                continue;
            size_t np = s->platforms ? s->n_platforms : 1;
            for (size_t k = 0; k < np; k++) {
                const char *plat = s->platforms ? s->platforms[k] : NULL;
                if (plat && !vc_matrix_platform(l->m, plat))
                    continue;
                int meets = 0;
                for (size_t a = 0; a < drv->n_avail; a++) {
                    const vc_avail *av = &drv->avail[a];
                    if (av->platform &&
                        (!plat || strcmp(av->platform, plat) == 0) &&
                        vc_range_overlaps(&av->range, &s->range))
                        meets = 1;
                }
                if (!meets)
                    errf_src(l, s->src,
                             "support of '%s' by driver '%s'%s%s%s can never "
                             "apply: the driver is not available there in "
                             "that version range",
                             fe->key, s->driver, plat ? " on '" : "",
                             plat ? plat : "", plat ? "'" : "");
            }
        }
    }
}

/* Every version at which some fact changes, plus the current release. */
static void version_points(const vc_matrix *m, const char ***out, size_t *n)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
#define ADD_POINT(v)                                                           \
    do {                                                                       \
        const char *v_ = (v);                                                  \
        if (!v_ || vc_version_cmp(v_, m->current) > 0)                         \
            break;                                                             \
        int seen_ = 0;                                                         \
        for (size_t q_ = 0; q_ < *n; q_++)                                     \
            if (vc_version_cmp((*out)[q_], v_) == 0)                           \
                seen_ = 1;                                                     \
        if (!seen_)                                                            \
            *(const char **)grow(out, n, &cap, sizeof **out) = v_;             \
    } while (0)
    ADD_POINT(m->current);
    for (size_t d = 0; d < m->n_drivers; d++)
        for (size_t i = 0; i < m->drivers[d].n_avail; i++) {
            ADD_POINT(m->drivers[d].avail[i].range.since);
            ADD_POINT(m->drivers[d].avail[i].range.until);
        }
    for (size_t i = 0; i < m->n_defaults; i++) {
        ADD_POINT(m->defaults[i].range.since);
        ADD_POINT(m->defaults[i].range.until);
    }
#undef ADD_POINT
}

static int default_applies(const vc_default *d, const char *at,
                           const vc_target *t)
{
    return strcmp(d->platform, t->platform) == 0 &&
           (!d->edition || !t->edition ||
            strcmp(d->edition, t->edition) == 0) &&
           (!t->arch || list_has(d->arches, d->n_arches, t->arch)) &&
           vc_range_contains(&d->range, at);
}

static void check_defaults(loader *l)
{
    const vc_matrix *m = l->m;
    for (size_t i = 0; i < m->n_defaults; i++) {
        const vc_default *a = &m->defaults[i];
        for (size_t j = 0; j < i; j++) {
            const vc_default *b = &m->defaults[j];
            if (strcmp(a->platform, b->platform) != 0 ||
                (a->edition && b->edition && strcmp(a->edition, b->edition)) ||
                !lists_meet(a->arches, a->n_arches, b->arches, b->n_arches) ||
                !vc_range_overlaps(&a->range, &b->range))
                continue;
            errf_src(l, a->src,
                     "default driver rule for '%s' overlaps the one at "
                     "%s:%d:%d",
                     a->platform, b->src.file, b->src.line, b->src.col);
            break;
        }
    }
    if (!m->current)
        return;
    const char **points;
    size_t n_points;
    version_points(m, &points, &n_points);
    for (size_t p = 0; p < m->n_platforms; p++) {
        const vc_platform *pl = &m->platforms[p];
        size_t ne = pl->n_editions ? pl->n_editions : 1;
        for (size_t e = 0; e < ne; e++) {
            for (size_t a = 0; a < pl->n_arches; a++) {
                vc_target t = {pl->key,
                               pl->n_editions ? pl->editions[e].key : NULL,
                               pl->arches[a]};
                int reported = 0;
                for (size_t v = 0; v < n_points && !reported; v++) {
                    const char *at = points[v];
                    int any = 0;
                    for (size_t d = 0; d < m->n_drivers; d++)
                        if (vc_matrix_driver_status(m, at, &t,
                                                    m->drivers[d].key, NULL) ==
                            VC_DRIVER_AVAILABLE)
                            any = 1;
                    if (!any)
                        continue;
                    const vc_default *d = vc_matrix_default(m, at, &t);
                    char host[128];
                    snprintf(host, sizeof host, "%s%s%s/%s", t.platform,
                             t.edition ? "/" : "", t.edition ? t.edition : "",
                             t.arch);
                    if (!d) {
                        errf_src(l, pl->src,
                                 "no default driver for '%s' at release '%s'",
                                 host, at);
                        reported = 1;
                    } else if (vc_matrix_driver_status(m, at, &t, d->driver,
                                                       NULL) !=
                               VC_DRIVER_AVAILABLE) {
                        errf_src(l, d->src,
                                 "default driver '%s' is not available on "
                                 "'%s' at release '%s'",
                                 d->driver, host, at);
                        reported = 1;
                    }
                }
            }
        }
    }
    free(points);
}

static void pass_c(loader *l)
{
    if (!l->m->current)
        vu_strv_addf(l->errs,
                     "%s: no file sets 'current', the release the matrix "
                     "describes",
                     l->where);
    if (l->m->current && l->m->history_at &&
        vc_version_cmp(l->m->history_at, l->m->current) > 0)
        errf_src(l, l->m->history_src,
                 "history_at '%s' is after the current release '%s'",
                 l->m->history_at, l->m->current);
    if (!l->m->n_platforms)
        vu_strv_addf(l->errs, "%s: the matrix defines no platforms", l->where);
    check_avail_overlaps(l);
    check_support(l);
    check_defaults(l);
}

/* ---- loading ------------------------------------------------------------ */

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

typedef struct file_text {
    const char *path;
    char *text;
    size_t len;
} file_text;

static int cmp_file_text(const void *a, const void *b)
{
    const file_text *x = a, *y = b;
    return strcmp(base_name(x->path), base_name(y->path));
}

/* Messages in file, line, column order, however the passes found them. */
typedef struct sorted_err {
    char *msg;
    size_t file_len;
    long line, col;
    size_t index;
} sorted_err;

static void parse_pos(sorted_err *e)
{
    /* "file:line:col: message": the first ":<digits>:<digits>: " */
    e->file_len = strlen(e->msg);
    e->line = e->col = 0;
    for (const char *p = strchr(e->msg, ':'); p; p = strchr(p + 1, ':')) {
        char *end1, *end2;
        long line = strtol(p + 1, &end1, 10);
        if (end1 == p + 1 || *end1 != ':')
            continue;
        long col = strtol(end1 + 1, &end2, 10);
        if (end2 == end1 + 1 || *end2 != ':')
            continue;
        e->file_len = (size_t)(p - e->msg);
        e->line = line;
        e->col = col;
        return;
    }
}

static int cmp_err(const void *a, const void *b)
{
    const sorted_err *x = a, *y = b;
    size_t n = x->file_len < y->file_len ? x->file_len : y->file_len;
    int c = strncmp(x->msg, y->msg, n);
    if (c)
        return c;
    if (x->file_len != y->file_len)
        return x->file_len < y->file_len ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void sort_errors(vu_strv *errs, size_t from)
{
    size_t n = errs->n - from;
    sorted_err *v = vu_calloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        v[i].msg = errs->v[from + i];
        v[i].index = i;
        parse_pos(&v[i]);
    }
    qsort(v, n, sizeof *v, cmp_err);
    for (size_t i = 0; i < n; i++)
        errs->v[from + i] = v[i].msg;
    free(v);
}

static int load(vc_matrix **out, const char *dir, const char *const *files,
                size_t n_files, const char *today, vu_strv *errs)
{
    size_t errs_before = errs->n;
    int rc = -1;
    loader l = {.errs = errs, .today = today};
    l.where = dir ? dir : n_files ? files[0] : "matrix";
    file_text *texts = vu_calloc(n_files + 1, sizeof *texts);
    *out = NULL;
    l.m = vu_calloc(1, sizeof *l.m);
    l.p = vu_calloc(1, sizeof *l.p);
    l.m->priv_ = l.p;
    if (dir) {
        char *d = pool_alloc(l.p, strlen(dir) + 1);
        memcpy(d, dir, strlen(dir) + 1);
        l.m->dir = d;
    }
    l.p->docs = vu_calloc(n_files + 1, sizeof *l.p->docs);
    for (size_t i = 0; i < n_files; i++) {
        texts[i].path = files[i];
        int e = vu_read_file(files[i], &texts[i].text, &texts[i].len);
        if (e) {
            vu_strv_addf(errs, "%s: cannot read: %s", files[i], strerror(-e));
            continue;
        }
        char err[1024];
        vu_ydoc *doc;
        if (vu_yaml_load_string(files[i], texts[i].text, texts[i].len, &doc,
                                err, sizeof err)) {
            vu_strv_add(errs, err);
            continue;
        }
        if (!doc->root) {
            vu_ydoc_free(doc); /* an empty file adds nothing */
            continue;
        }
        l.p->docs[l.p->n_docs++] = doc;
    }
    vu_ydoc **docs = l.p->docs;
    for (size_t i = 0; i < l.p->n_docs; i++)
        pass_a(&l, docs[i]);
    /* pass B in dependency order: drivers, then what names them */
    for (int step = 0; step < 4; step++)
        for (size_t i = 0; i < l.p->n_docs; i++)
            if (docs[i]->root->kind == VU_Y_MAP)
                pass_b(&l, docs[i], step);
    if (errs->n == errs_before)
        pass_c(&l);
    qsort(texts, n_files, sizeof *texts, cmp_file_text);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n_files; i++) {
        const char *b = base_name(texts[i].path);
        h = fnv1a(h, b, strlen(b) + 1);
        if (texts[i].text)
            h = fnv1a(h, texts[i].text, texts[i].len + 1);
    }
    l.m->hash = h;
    snprintf(l.m->hash_str, sizeof l.m->hash_str, "fnv1a64:%016llx",
             (unsigned long long)h);
    if (errs->n != errs_before) {
        sort_errors(errs, errs_before);
        goto cleanup;
    }
    *out = l.m;
    l.m = NULL;
    rc = 0;
cleanup:
    for (size_t i = 0; i < n_files; i++)
        free(texts[i].text);
    free(texts);
    free(l.drivers.v);
    free(l.features.v);
    free(l.cases.v);
    vc_matrix_free(l.m);
    return rc;
}

int vc_matrix_load_files(vc_matrix **out, const char *const *files,
                         size_t n_files, const char *today, vu_strv *errs)
{
    return load(out, NULL, files, n_files, today, errs);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int vc_matrix_load(vc_matrix **out, const char *dir, const char *today,
                   vu_strv *errs)
{
    vu_strv files = VU_STRV_INIT;
    int rc = -1;
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d) {
        vu_strv_addf(errs, "%s: cannot open the matrix folder: %s", dir,
                     strerror(errno));
        goto cleanup;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !vu_ends_with(e->d_name, ".yaml"))
            continue;
        char *p = vu_path_join(dir, e->d_name);
        vu_strv_add(&files, p);
        free(p);
    }
    closedir(d);
    if (!files.n) {
        vu_strv_addf(errs, "%s: no *.yaml files: not a matrix folder", dir);
        goto cleanup;
    }
    qsort(files.v, files.n, sizeof *files.v, cmp_str);
    rc = load(out, dir, vu_strv_argv(&files), files.n, today, errs);
cleanup:
    vu_strv_clear(&files);
    return rc;
}

int vc_matrix_load_print(vc_matrix **out, const char *dir, const char *today,
                         FILE *errf)
{
    vu_strv errs = VU_STRV_INIT;
    int rc = vc_matrix_load(out, dir, today, &errs);
    for (size_t i = 0; i < errs.n; i++)
        fprintf(errf, "%s\n", errs.v[i]);
    vu_strv_clear(&errs);
    return rc;
}

void vc_today(char buf[11])
{
    time_t now = time(NULL);
    /* localtime, not localtime_r: Windows has no _r, and a command is
       single-threaded */
    const struct tm *tm = localtime(&now);
    if (!tm || !strftime(buf, 11, "%Y-%m-%d", tm))
        memcpy(buf, "1970-01-01", 11);
}

void vc_matrix_free(vc_matrix *m)
{
    if (!m)
        return;
    priv *p = m->priv_;
    if (p) {
        for (size_t i = 0; i < p->n_docs; i++)
            vu_ydoc_free(p->docs[i]);
        free(p->docs);
        for (size_t i = 0; i < p->n_pool; i++)
            free(p->pool[i]);
        free(p->pool);
        free(p);
    }
    free(m->platforms);
    free(m->drivers);
    free(m->defaults);
    free(m->exceptions);
    free(m->features);
    free(m->broken);
    free(m->cases);
    free(m);
}

/* ---- queries ------------------------------------------------------------ */

const char *vc_matrix_at(const vc_matrix *m, const char *at)
{
    return at ? at : m->current;
}

const vc_platform *vc_matrix_platform(const vc_matrix *m, const char *key)
{
    return find_key(m->platforms, m->n_platforms, sizeof *m->platforms, key);
}

const vc_edition *vc_platform_edition(const vc_platform *p, const char *key)
{
    return find_key(p->editions, p->n_editions, sizeof *p->editions, key);
}

const vc_driver *vc_matrix_driver(const vc_matrix *m, const char *key)
{
    return find_key(m->drivers, m->n_drivers, sizeof *m->drivers, key);
}

const vc_feature *vc_matrix_feature(const vc_matrix *m, const char *key)
{
    return find_key(m->features, m->n_features, sizeof *m->features, key);
}

const vc_feature *vc_matrix_feature_cap(const vc_matrix *m, int cap)
{
    for (size_t i = 0; i < m->n_features; i++)
        if (m->features[i].cap == cap)
            return &m->features[i];
    return NULL;
}

const vc_case *vc_matrix_case(const vc_matrix *m, const char *id)
{
    return find_key(m->cases, m->n_cases, sizeof *m->cases, id);
}

void vc_target_from_host(vc_target *t, const vmdrv_host *host)
{
    t->platform = vmdrv_os_name(host->os);
    t->edition = NULL;
    if (host->os == VMDRV_OS_WINDOWS && host->edition != VMDRV_EDITION_NONE)
        t->edition = vmdrv_edition_name(host->edition);
    t->arch =
        host->arch != VMDRV_ARCH_UNKNOWN ? vmdrv_arch_name(host->arch) : NULL;
}

int vc_matrix_next_host(const vc_matrix *m, vc_host *h)
{
    size_t i = h->next_;
    for (size_t p = 0; p < m->n_platforms; p++) {
        const vc_platform *pl = &m->platforms[p];
        size_t ne = pl->n_editions ? pl->n_editions : 1;
        if (i >= ne * pl->n_arches) {
            i -= ne * pl->n_arches;
            continue;
        }
        h->platform = pl;
        h->edition = pl->n_editions ? &pl->editions[i / pl->n_arches] : NULL;
        h->arch = pl->arches[i % pl->n_arches];
        h->target.platform = pl->key;
        h->target.edition = h->edition ? h->edition->key : NULL;
        h->target.arch = h->arch;
        h->next_++;
        return 1;
    }
    return 0;
}

static int avail_matches(const vc_avail *a, const vc_target *t)
{
    if (!a->platform || strcmp(a->platform, t->platform) != 0)
        return 0;
    if (t->edition && !list_has(a->editions, a->n_editions, t->edition))
        return 0;
    if (t->arch && !list_has(a->arches, a->n_arches, t->arch))
        return 0;
    return 1;
}

vc_dstatus vc_matrix_driver_status(const vc_matrix *m, const char *at,
                                   const vc_target *t, const char *driver,
                                   vc_driver_state *out)
{
    vc_driver_state st = {.status = VC_DRIVER_UNKNOWN};
    const vc_driver *d = vc_matrix_driver(m, driver);
    at = vc_matrix_at(m, at);
    if (d && t->platform) {
        st.status = VC_DRIVER_UNAVAILABLE;
        st.src = d->src;
        for (size_t i = 0; i < d->n_avail; i++) {
            const vc_avail *a = &d->avail[i];
            if (!avail_matches(a, t))
                continue;
            if (vc_range_contains(&a->range, at)) {
                st.status = VC_DRIVER_AVAILABLE;
                st.avail = a;
                st.src = a->src;
                st.retired_in = NULL;
                break;
            }
            /* offered before and dropped: retired as of the latest drop */
            if (a->range.until && vc_version_cmp(a->range.until, at) <= 0 &&
                (!st.retired_in ||
                 vc_version_cmp(a->range.until, st.retired_in) > 0)) {
                st.status = VC_DRIVER_RETIRED;
                st.avail = a;
                st.src = a->src;
                st.retired_in = a->range.until;
            }
        }
    }
    if (out)
        *out = st;
    return st.status;
}

const vc_default *vc_matrix_default(const vc_matrix *m, const char *at,
                                    const vc_target *t)
{
    at = vc_matrix_at(m, at);
    for (size_t i = 0; i < m->n_defaults; i++)
        if (default_applies(&m->defaults[i], at, t))
            return &m->defaults[i];
    return NULL;
}

int vc_matrix_retired(const vc_matrix *m, const char *at, const char *platform,
                      vc_retired **out, size_t *n)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    at = vc_matrix_at(m, at);
    for (size_t d = 0; d < m->n_drivers; d++) {
        for (size_t p = 0; p < m->n_platforms; p++) {
            const vc_platform *pl = &m->platforms[p];
            if (platform && strcmp(platform, pl->key) != 0)
                continue;
            vc_target t = {pl->key, NULL, NULL};
            vc_driver_state st;
            if (vc_matrix_driver_status(m, at, &t, m->drivers[d].key, &st) !=
                VC_DRIVER_RETIRED)
                continue;
            vc_retired *r = grow(out, n, &cap, sizeof **out);
            r->driver = &m->drivers[d];
            r->platform = pl->key;
            r->version = st.retired_in;
            r->src = st.src;
        }
    }
    return 0;
}

int vc_exception_active(const vc_exception *e, const char *at)
{
    return vc_range_contains(&e->range, at);
}

const char *vc_expect_name(vc_expect e)
{
    switch (e) {
    case VC_EXPECT_SUPPORTED:
        return "supported";
    case VC_EXPECT_UNSUPPORTED:
        return "unsupported";
    case VC_EXPECT_UNAVAILABLE:
        return "unavailable";
    case VC_EXPECT_RETIRED:
        return "retired";
    case VC_EXPECT_KNOWN_BROKEN:
        return "known-broken";
    }
    return "?";
}

vc_expect vc_matrix_support(const vc_matrix *m, const char *at,
                            const vc_target *t, const char *driver,
                            const vc_feature *feature, vc_src *src,
                            const vc_support **entry)
{
    vc_driver_state st;
    vc_expect e = VC_EXPECT_UNAVAILABLE;
    const vc_support *found = NULL;
    vc_src where = feature->src;
    at = vc_matrix_at(m, at);
    switch (vc_matrix_driver_status(m, at, t, driver, &st)) {
    case VC_DRIVER_AVAILABLE:
        e = VC_EXPECT_UNSUPPORTED;
        where = feature->src;
        for (size_t i = 0; i < feature->n_support; i++) {
            const vc_support *s = &feature->support[i];
            if (strcmp(s->driver, driver) == 0 &&
                list_has(s->platforms, s->n_platforms, t->platform) &&
                vc_range_contains(&s->range, at)) {
                e = VC_EXPECT_SUPPORTED;
                found = s;
                where = s->src;
                break;
            }
        }
        break;
    case VC_DRIVER_RETIRED:
        e = VC_EXPECT_RETIRED;
        where = st.src;
        break;
    case VC_DRIVER_UNAVAILABLE:
    case VC_DRIVER_UNKNOWN:
        e = VC_EXPECT_UNAVAILABLE;
        where = st.src;
        break;
    }
    if (src)
        *src = where;
    if (entry)
        *entry = found;
    return e;
}

unsigned int vc_case_timeout(const vc_case *c, const char *driver)
{
    for (size_t i = 0; driver && i < c->n_timeouts; i++)
        if (strcmp(c->timeouts[i].driver, driver) == 0)
            return c->timeouts[i].seconds;
    return c->timeout;
}
