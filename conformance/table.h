/*
 * table.h: the docs page's facts rendered from the matrix: the
 * "Feature disparities" table (MyST, plain Markdown, JSON, a standalone
 * HTML grid), the supported-drivers, default-drivers and exceptions
 * lists, and the feature bullets of the page's "old formatting" comment.
 *
 * The fact helpers (offers, feature items, defaults) are shared with
 * docs-check, so what is rendered and what is checked cannot drift apart.
 * Only published drivers and features appear on the page.
 */
#ifndef VC_TABLE_H
#define VC_TABLE_H

#include <stddef.h>

#include "matrix.h"
#include "vu_str.h"

/* ---- facts -------------------------------------------------------------- */

/* A published driver offered on a platform at a release. */
typedef struct vc_offer {
    const vc_driver *driver;
    /* the editions it is limited to ("pro"), n_only == 0 when on all */
    const char *only[8];
    size_t n_only;
    vc_src src; /* the availability entry */
} vc_offer;

/* Offers on p at at, in driver order. *out owned (free()). */
void vc_platform_offers(const vc_matrix *m, const vc_platform *p,
                        const char *at, vc_offer **out, size_t *n);

/* A driver that has a feature at a release, as the page names it. */
typedef struct vc_fitem {
    const vc_support *support;
    const vc_driver *driver;
    char label[160]; /* "QEMU", "QEMU on macOS" */
} vc_fitem;

/*
 * The support entries of f in force at at whose (published) driver is
 * offered there, in the matrix's order. *out owned (free()).
 */
void vc_feature_items(const vc_matrix *m, const vc_feature *f, const char *at,
                      vc_fitem **out, size_t *n);

/* The default of one host combination at a release. */
typedef struct vc_pdefault {
    const vc_edition *edition; /* NULL for a platform without editions */
    const char *arch;
    const vc_default *rule; /* NULL when none applies */
} vc_pdefault;

/* Every edition x arch of p, in matrix order. *out owned (free()). */
void vc_platform_defaults(const vc_matrix *m, const vc_platform *p,
                          const char *at, vc_pdefault **out, size_t *n);

/* "A", "A and B", "A, B, and C" (conj "and" or "or"). */
void vc_join_words(vu_buf *b, const char *const *words, size_t n,
                   const char *conj);

/* ---- rendering ---------------------------------------------------------- */

typedef enum vc_table_format {
    VC_TABLE_MYST, /* the page's own table, <ul><li> lists in cells */
    VC_TABLE_MD,   /* plain Markdown */
    VC_TABLE_JSON,
    VC_TABLE_HTML /* a standalone page: platform x driver x feature grid */
} vc_table_format;

/* "myst", "md", "json", "html" into *out; 0, or -1 when unknown. */
int vc_table_format_parse(const char *s, vc_table_format *out);

typedef struct vc_table_opts {
    const char *at;   /* release; NULL: the matrix's current */
    int all_features; /* every published feature, not just the shown ones */
} vc_table_opts;

/* The feature-disparity table; appended to out. */
void vc_table_render(const vc_matrix *m, vc_table_format fmt,
                     const vc_table_opts *o, vu_buf *out);

/* The page's lists, as Markdown bullets; appended to out. */
void vc_render_supported(const vc_matrix *m, const char *at, vu_buf *out);
void vc_render_defaults(const vc_matrix *m, const char *at, vu_buf *out);
void vc_render_exceptions(const vc_matrix *m, const char *at, vu_buf *out);
/* The "old formatting" bullets: every published feature. */
void vc_render_feature_bullets(const vc_matrix *m, const char *at, vu_buf *out);

/* One line of each kind (no newline): shared with docs-check. */
void vc_render_feature_row(const vc_matrix *m, const vc_feature *f,
                           const char *at, vc_table_format fmt, vu_buf *out);
void vc_render_feature_bullet(const vc_matrix *m, const vc_feature *f,
                              const char *at, vu_buf *out);

/* The table's two header lines, with their newlines. */
extern const char vc_table_header_myst[];

#endif
