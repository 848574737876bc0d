/*
 * vu_yaml.h: a YAML document as a small tree that remembers where every
 * node came from, built with libyaml (internal).
 *
 * Loaders (host profiles, the matrix, settings) walk the tree and report
 * each problem as "file:line:column: message" through vu_yerr(); unknown
 * keys are found with vu_ycheck_keys(), which lists the valid ones.
 * Lines and columns are 1-based. Aliases and duplicate keys are errors.
 */
#ifndef VU_YAML_H
#define VU_YAML_H

#include <stddef.h>

#include "vu_str.h"

typedef enum vu_ykind { VU_Y_SCALAR, VU_Y_SEQ, VU_Y_MAP } vu_ykind;

typedef struct vu_ynode vu_ynode;
struct vu_ynode {
    vu_ykind kind;
    int line, col;
    char *scalar;      /* VU_Y_SCALAR: the text */
    int plain;         /* VU_Y_SCALAR: 1 when unquoted */
    size_t n;          /* items in a sequence, pairs in a map */
    vu_ynode **items;  /* sequence items, or map values */
    vu_ynode **keys;   /* map keys (scalars) */
};

typedef struct vu_ydoc {
    char *file;       /* the name errors use */
    vu_ynode *root;   /* NULL for an empty document */
} vu_ydoc;

/* Load; on failure *out is NULL and err holds "file:line:col: message". */
int vu_yaml_load_file(const char *path, vu_ydoc **out, char *err, size_t size);
int vu_yaml_load_string(const char *name, const char *text, size_t len,
                        vu_ydoc **out, char *err, size_t size);
void vu_ydoc_free(vu_ydoc *doc);

/* Record "file:line:col: message" for node n into errs. Returns -1. */
int vu_yerr(vu_strv *errs, const vu_ydoc *doc, const vu_ynode *n,
            const char *fmt, ...) VU_PRINTF(4, 5);

const char *vu_ykind_name(vu_ykind k); /* "scalar", "sequence", "mapping" */

/* The value for key in map (NULL when absent or map is not a mapping). */
vu_ynode *vu_ymap_get(const vu_ynode *map, const char *key);
/* The key node for key (for error positions), or NULL. */
vu_ynode *vu_ymap_key(const vu_ynode *map, const char *key);

/*
 * Check map is a mapping whose keys are all in allowed (NULL-terminated);
 * each unknown key is reported with the valid keys. 0, or -1 with errors.
 */
int vu_ycheck_keys(vu_strv *errs, const vu_ydoc *doc, const vu_ynode *map,
                   const char *const *allowed);
/* Like vu_ycheck_keys, and also require each key in required. */
int vu_ycheck_required(vu_strv *errs, const vu_ydoc *doc, const vu_ynode *map,
                       const char *const *required);

/* Require n to be of kind k ("expected a mapping, found a sequence"). */
int vu_yexpect(vu_strv *errs, const vu_ydoc *doc, const vu_ynode *n,
               vu_ykind k, const char *what);
/* Typed scalars; each reports a wrong type with the node's position. */
int vu_yget_str(vu_strv *errs, const vu_ydoc *doc, const vu_ynode *n,
                const char **out);
int vu_yget_int(vu_strv *errs, const vu_ydoc *doc, const vu_ynode *n,
                long long *out);
int vu_yget_bool(vu_strv *errs, const vu_ydoc *doc, const vu_ynode *n,
                 int *out);

#endif
