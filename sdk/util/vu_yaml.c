/*
 * vu_yaml.c: libyaml events folded into a tree of vu_ynode with marks
 * (see vu_yaml.h).
 */
#include "vu_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "vu_fs.h"

static vu_ynode *node_new(vu_ykind kind, yaml_mark_t mark)
{
    vu_ynode *n = vu_calloc(1, sizeof *n);
    n->kind = kind;
    n->line = (int)mark.line + 1;
    n->col = (int)mark.column + 1;
    return n;
}

static void node_free(vu_ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        node_free(n->items[i]);
        if (n->keys)
            node_free(n->keys[i]);
    }
    free(n->items);
    free(n->keys);
    free(n->scalar);
    free(n);
}

static void node_push(vu_ynode *parent, vu_ynode *key, vu_ynode *value)
{
    parent->items = vu_realloc(parent->items, (parent->n + 1) * sizeof(void *));
    parent->items[parent->n] = value;
    if (parent->kind == VU_Y_MAP) {
        parent->keys = vu_realloc(parent->keys, (parent->n + 1) * sizeof(void *));
        parent->keys[parent->n] = key;
    }
    parent->n++;
}

typedef struct loader {
    yaml_parser_t parser;
    const char *file;
    char *err;
    size_t err_size;
} loader;

static int fail_at(loader *l, size_t line, size_t col, const char *fmt, ...)
    VU_PRINTF(4, 5);

static int fail_at(loader *l, size_t line, size_t col, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(l->err, l->err_size, "%s:%zu:%zu: %s", l->file, line, col, msg);
    return -1;
}

static int parser_error(loader *l)
{
    yaml_parser_t *p = &l->parser;
    yaml_mark_t m = p->problem_mark;
    if (p->context)
        return fail_at(l, m.line + 1, m.column + 1, "%s %s", p->problem,
                       p->context);
    return fail_at(l, m.line + 1, m.column + 1, "%s",
                   p->problem ? p->problem : "invalid YAML");
}

/* Parse one node whose first event is ev (consumed by the caller). */
static int parse_node(loader *l, yaml_event_t *ev, vu_ynode **out);

static int next_event(loader *l, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&l->parser, ev))
        return parser_error(l);
    return 0;
}

static int parse_children(loader *l, vu_ynode *parent, yaml_event_type_t end)
{
    for (;;) {
        yaml_event_t ev;
        if (next_event(l, &ev))
            return -1;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            return 0;
        }
        vu_ynode *key = NULL, *value = NULL;
        if (parent->kind == VU_Y_MAP) {
            if (parse_node(l, &ev, &key))
                return -1;
            if (key->kind != VU_Y_SCALAR) {
                int rc = fail_at(l, (size_t)key->line, (size_t)key->col,
                                 "mapping keys must be scalars");
                node_free(key);
                return rc;
            }
            for (size_t i = 0; i < parent->n; i++) {
                if (strcmp(parent->keys[i]->scalar, key->scalar) == 0) {
                    int rc = fail_at(l, (size_t)key->line, (size_t)key->col,
                                     "duplicate key '%s' (first at line %d)",
                                     key->scalar, parent->keys[i]->line);
                    node_free(key);
                    return rc;
                }
            }
            if (next_event(l, &ev)) {
                node_free(key);
                return -1;
            }
        }
        if (parse_node(l, &ev, &value)) {
            node_free(key);
            return -1;
        }
        node_push(parent, key, value);
    }
}

static int parse_node(loader *l, yaml_event_t *ev, vu_ynode **out)
{
    int rc = 0;
    *out = NULL;
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        vu_ynode *n = node_new(VU_Y_SCALAR, ev->start_mark);
        n->scalar = vu_strndup((const char *)ev->data.scalar.value,
                               ev->data.scalar.length);
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        *out = n;
        break;
    }
    case YAML_SEQUENCE_START_EVENT:
        *out = node_new(VU_Y_SEQ, ev->start_mark);
        rc = parse_children(l, *out, YAML_SEQUENCE_END_EVENT);
        break;
    case YAML_MAPPING_START_EVENT:
        *out = node_new(VU_Y_MAP, ev->start_mark);
        rc = parse_children(l, *out, YAML_MAPPING_END_EVENT);
        break;
    case YAML_ALIAS_EVENT:
        rc = fail_at(l, ev->start_mark.line + 1, ev->start_mark.column + 1,
                     "aliases are not supported");
        break;
    default:
        rc = fail_at(l, ev->start_mark.line + 1, ev->start_mark.column + 1,
                     "unexpected YAML event");
        break;
    }
    yaml_event_delete(ev);
    if (rc) {
        node_free(*out);
        *out = NULL;
    }
    return rc;
}

int vu_yaml_load_string(const char *name, const char *text, size_t len,
                        vu_ydoc **out, char *err, size_t size)
{
    loader l = {.file = name, .err = err, .err_size = size};
    vu_ynode *root = NULL;
    int rc = -1;
    *out = NULL;
    if (!yaml_parser_initialize(&l.parser)) {
        snprintf(err, size, "%s: cannot initialise the YAML parser", name);
        return -1;
    }
    yaml_parser_set_input_string(&l.parser, (const unsigned char *)text, len);
    yaml_event_t ev;
    int docs = 0;
    for (;;) {
        if (next_event(&l, &ev))
            goto cleanup;
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (ev.type == YAML_DOCUMENT_START_EVENT) {
            if (++docs > 1) {
                fail_at(&l, ev.start_mark.line + 1, ev.start_mark.column + 1,
                        "only one YAML document is allowed per file");
                yaml_event_delete(&ev);
                goto cleanup;
            }
            yaml_event_delete(&ev);
            if (next_event(&l, &ev))
                goto cleanup;
            if (ev.type == YAML_DOCUMENT_END_EVENT) {
                yaml_event_delete(&ev);
                continue;
            }
            if (parse_node(&l, &ev, &root))
                goto cleanup;
            if (next_event(&l, &ev))
                goto cleanup;
            yaml_event_delete(&ev); /* document end */
            continue;
        }
        yaml_event_delete(&ev);
    }
    *out = vu_calloc(1, sizeof **out);
    (*out)->file = vu_strdup(name);
    (*out)->root = root;
    root = NULL;
    rc = 0;
cleanup:
    node_free(root);
    yaml_parser_delete(&l.parser);
    return rc;
}

int vu_yaml_load_file(const char *path, vu_ydoc **out, char *err, size_t size)
{
    char *text;
    size_t len;
    *out = NULL;
    int rc = vu_read_file(path, &text, &len);
    if (rc) {
        snprintf(err, size, "%s: cannot read: %s", path, strerror(-rc));
        return -1;
    }
    rc = vu_yaml_load_string(path, text, len, out, err, size);
    free(text);
    return rc;
}

void vu_ydoc_free(vu_ydoc *doc)
{
    if (!doc)
        return;
    node_free(doc->root);
    free(doc->file);
    free(doc);
}

int vu_yerr(vu_strv *errs, const vu_ydoc *doc, const vu_ynode *n,
            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vu_vasprintf(fmt, ap);
    va_end(ap);
    if (n)
        vu_strv_addf(errs, "%s:%d:%d: %s", doc->file, n->line, n->col, msg);
    else
        vu_strv_addf(errs, "%s:1:1: %s", doc->file, msg);
    free(msg);
    return -1;
}

const char *vu_ykind_name(vu_ykind k)
{
    switch (k) {
    case VU_Y_SCALAR:
        return "scalar";
    case VU_Y_SEQ:
        return "sequence";
    case VU_Y_MAP:
        return "mapping";
    }
    return "?";
}

vu_ynode *vu_ymap_get(const vu_ynode *map, const char *key)
{
    if (!map || map->kind != VU_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->scalar, key) == 0)
            return map->items[i];
    return NULL;
}

vu_ynode *vu_ymap_key(const vu_ynode *map, const char *key)
{
    if (!map || map->kind != VU_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->scalar, key) == 0)
            return map->keys[i];
    return NULL;
}

int vu_yexpect(vu_strv *errs, const vu_ydoc *doc, const vu_ynode *n,
               vu_ykind k, const char *what)
{
    if (n && n->kind == k)
        return 0;
    return vu_yerr(errs, doc, n, "%s: expected a %s, found a %s", what,
                   vu_ykind_name(k), n ? vu_ykind_name(n->kind) : "nothing");
}

int vu_ycheck_keys(vu_strv *errs, const vu_ydoc *doc, const vu_ynode *map,
                   const char *const *allowed)
{
    if (vu_yexpect(errs, doc, map, VU_Y_MAP, "this"))
        return -1;
    int rc = 0;
    for (size_t i = 0; i < map->n; i++) {
        const char *k = map->keys[i]->scalar;
        int ok = 0;
        for (size_t j = 0; allowed[j]; j++)
            if (strcmp(allowed[j], k) == 0)
                ok = 1;
        if (ok)
            continue;
        vu_buf valid = VU_BUF_INIT;
        for (size_t j = 0; allowed[j]; j++)
            vu_buf_printf(&valid, "%s%s", j ? ", " : "", allowed[j]);
        rc = vu_yerr(errs, doc, map->keys[i], "unknown key '%s' (valid keys: %s)",
                     k, vu_buf_str(&valid));
        vu_buf_clear(&valid);
    }
    return rc;
}

int vu_ycheck_required(vu_strv *errs, const vu_ydoc *doc, const vu_ynode *map,
                       const char *const *required)
{
    if (vu_yexpect(errs, doc, map, VU_Y_MAP, "this"))
        return -1;
    int rc = 0;
    for (size_t j = 0; required[j]; j++)
        if (!vu_ymap_get(map, required[j]))
            rc = vu_yerr(errs, doc, map, "missing required key '%s'",
                         required[j]);
    return rc;
}

int vu_yget_str(vu_strv *errs, const vu_ydoc *doc, const vu_ynode *n,
                const char **out)
{
    if (!n || n->kind != VU_Y_SCALAR)
        return vu_yerr(errs, doc, n, "expected a string, found %s%s",
                       n ? "a " : "", n ? vu_ykind_name(n->kind) : "nothing");
    *out = n->scalar;
    return 0;
}

int vu_yget_int(vu_strv *errs, const vu_ydoc *doc, const vu_ynode *n,
                long long *out)
{
    if (!n || n->kind != VU_Y_SCALAR || !n->plain || !n->scalar[0])
        return vu_yerr(errs, doc, n, "expected an integer, found %s%s%s",
                       n && n->kind == VU_Y_SCALAR ? "'" : "a ",
                       n ? (n->kind == VU_Y_SCALAR ? n->scalar
                                                   : vu_ykind_name(n->kind))
                         : "nothing",
                       n && n->kind == VU_Y_SCALAR ? "'" : "");
    char *end;
    errno = 0;
    long long v = strtoll(n->scalar, &end, 10);
    if (*end || errno)
        return vu_yerr(errs, doc, n, "expected an integer, found '%s'",
                       n->scalar);
    *out = v;
    return 0;
}

int vu_yget_bool(vu_strv *errs, const vu_ydoc *doc, const vu_ynode *n,
                 int *out)
{
    if (n && n->kind == VU_Y_SCALAR && n->plain) {
        if (strcmp(n->scalar, "true") == 0) {
            *out = 1;
            return 0;
        }
        if (strcmp(n->scalar, "false") == 0) {
            *out = 0;
            return 0;
        }
    }
    return vu_yerr(errs, doc, n, "expected true or false, found %s%s%s",
                   n && n->kind == VU_Y_SCALAR ? "'" : "a ",
                   n ? (n->kind == VU_Y_SCALAR ? n->scalar
                                               : vu_ykind_name(n->kind))
                     : "nothing",
                   n && n->kind == VU_Y_SCALAR ? "'" : "");
}
