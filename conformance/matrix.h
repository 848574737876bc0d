/*
 * matrix.h: the conformance matrix: what must hold per platform x driver
 * x feature x case, at each release (matrix/README.md is the schema).
 *
 * vc_matrix_load() reads every *.yaml file of a folder, checks it and
 * reports each problem as "file:line:column: message"; it collects every
 * problem rather than stopping at the first. The loaded matrix is
 * read-only: its structs are public so the runner, the table renderer,
 * docs-check and the settings tests can walk them, and every string and
 * pointer in them is borrowed from the matrix and lives until
 * vc_matrix_free(). Every fact remembers where it was written (vc_src),
 * so a failure or a disagreement can name the line that caused it.
 *
 * Facts are versioned: each has a [since, until) range and the queries
 * take the release to answer for ("at"; NULL means the matrix's current).
 */
#ifndef VC_MATRIX_H
#define VC_MATRIX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "version.h"
#include "vmdrv/host.h"
#include "vu_str.h"

/* Where a fact was written: "matrix/drivers.yaml", 12, 7. */
typedef struct vc_src {
    const char *file;
    int line, col;
} vc_src;

typedef struct vc_edition {
    const char *key;  /* "pro": vmdrv_edition_name() of the host */
    const char *name; /* "Windows Pro" */
    vc_src src;
} vc_edition;

typedef struct vc_platform {
    const char *key;     /* "windows": vmdrv_os_name() of the host */
    const char *name;    /* "Windows" */
    const char **arches; /* "x86_64", "arm64": vmdrv_arch_name() */
    size_t n_arches;
    vc_edition *editions; /* NULL when the platform has none */
    size_t n_editions;
    /* The supported-drivers bullet, with {drivers_and} or {drivers_or}. */
    const char *sentence;
    vc_src src;
} vc_platform;

/* One span of time during which a driver is offered on a platform. */
typedef struct vc_avail {
    const char *platform;
    const char **editions; /* NULL: every edition */
    size_t n_editions;
    const char **arches; /* NULL: every arch of the platform */
    size_t n_arches;
    vc_range range;
    const char *note; /* or NULL */
    vc_src src;
} vc_avail;

typedef struct vc_driver {
    const char *key;  /* "hyperv": the local.driver value */
    const char *name; /* "Hyper-V" */
    int published;    /* 0 for drivers the docs page does not list (test) */
    vc_avail *avail;
    size_t n_avail;
    vc_src src;
} vc_driver;

/* "On <platform> [edition] [arches], <driver> is the default" for a range. */
typedef struct vc_default {
    const char *platform;
    const char *edition; /* NULL: every edition */
    const char **arches; /* NULL: every arch */
    size_t n_arches;
    const char *driver;
    vc_range range;
    vc_src src;
} vc_default;

/* The page's exceptions to "instances are tied to a single driver". */
typedef struct vc_exception {
    const char *key;  /* "hyperkit_to_qemu" */
    const char *kind; /* "migration": the only kind so far */
    const char *platform;
    const char *from; /* driver keys */
    const char *to;
    const char **states; /* instance states that migrate: "stopped" */
    size_t n_states;
    vc_range range;
    const char *link;      /* the how-to page, or NULL */
    const char *link_text; /* its title, or NULL */
    vc_src src;
} vc_exception;

typedef struct vc_link {
    const char *text;
    const char *href;
} vc_link;

/* "feature is supported by driver [on platforms] [since, until)" */
typedef struct vc_support {
    const char *driver;
    const char **platforms; /* NULL: wherever the driver is available */
    size_t n_platforms;
    vc_range range;
    const char *note; /* how: "9p", "SMB"; or NULL */
    vc_src src;
} vc_support;

typedef struct vc_feature {
    const char *key;    /* a capability key of the SDK: "native_mounts" */
    int cap;            /* its vmdrv_cap */
    const char *name;   /* "Native mounts" */
    int shown;          /* 1: a row of the page's current table */
    int published;      /* 0: harness-only (guest_exec), never on the page */
    const char *phrase; /* "are supported only on" (the page's bullets) */
    const char *notes;  /* Markdown, exactly as on the page; "" if none */
    vc_link *links;
    size_t n_links;
    vc_support *support; /* in the order the page lists them */
    size_t n_support;
    vc_src src;
} vc_feature;

/*
 * A known-broken cell: the runner reports xfail/xpass instead of fail/pass
 * until the expiry date. NULL selectors match anything; case_id may end
 * in ".*" to match an area or a feature's cases.
 */
typedef struct vc_broken {
    const char *platform, *edition, *arch, *driver, *feature, *case_id;
    const char *link;    /* the issue tracking it */
    const char *expires; /* "YYYY-MM-DD": from that day on, it is an error */
    const char *reason;  /* or NULL */
    vc_src src;
} vc_broken;

typedef enum vc_area {
    VC_AREA_DEFAULTS,
    VC_AREA_SETTING,
    VC_AREA_SCOPE,
    VC_AREA_LIFECYCLE,
    VC_AREA_FEATURE,
    VC_AREA_MIGRATION
} vc_area;

typedef struct vc_timeout {
    const char *driver;
    unsigned int seconds;
} vc_timeout;

typedef struct vc_case {
    const char *id; /* "feature.snapshots.take_restore" */
    vc_area area;
    const char *feature;  /* feature key for VC_AREA_FEATURE, else NULL */
    int must_run;         /* a skip of this case fails CI */
    unsigned int timeout; /* seconds, for drivers not in timeouts */
    vc_timeout *timeouts; /* per-driver overrides */
    size_t n_timeouts;
    uint64_t requires;       /* VMDRV_CAP_BIT() mask the harness needs */
    const char *description; /* or NULL */
    vc_src src;
} vc_case;

typedef struct vc_matrix {
    const char *dir;        /* as given to the loader, or NULL */
    const char *current;    /* the release the matrix describes: "1.16" */
    const char *history_at; /* the release of the page's old-formatting
                               comment, or NULL */
    vc_src current_src, history_src;
    vc_platform *platforms;
    size_t n_platforms;
    vc_driver *drivers;
    size_t n_drivers;
    vc_default *defaults;
    size_t n_defaults;
    vc_exception *exceptions;
    size_t n_exceptions;
    vc_feature *features;
    size_t n_features;
    vc_broken *broken;
    size_t n_broken;
    vc_case *cases;
    size_t n_cases;
    uint64_t hash;     /* FNV-1a 64 over the sorted file names and contents */
    char hash_str[32]; /* "fnv1a64:0123456789abcdef" */
    void *priv_;       /* the loader's own storage */
} vc_matrix;

/*
 * Load every *.yaml file of dir (sorted by name). Sections may be split
 * over files as one likes; lists from several files are concatenated.
 * today ("YYYY-MM-DD") is compared with known-broken expiry dates; NULL
 * skips that check (for readers that only render the matrix).
 * On failure *out is NULL and errs holds every problem found; 0 or -1.
 */
int vc_matrix_load(vc_matrix **out, const char *dir, const char *today,
                   vu_strv *errs);
/* The same for an explicit list of files, read in the order given. */
int vc_matrix_load_files(vc_matrix **out, const char *const *files,
                         size_t n_files, const char *today, vu_strv *errs);
void vc_matrix_free(vc_matrix *m);

/*
 * vc_matrix_load() for a command: every problem is printed to errf, one
 * "file:line:column: message" per line. 0, or -1.
 */
int vc_matrix_load_print(vc_matrix **out, const char *dir, const char *today,
                         FILE *errf);

/* Today's local date as "YYYY-MM-DD" (known-broken expiry). */
void vc_today(char buf[11]);

/* "at" itself, or the matrix's current release when at is NULL. */
const char *vc_matrix_at(const vc_matrix *m, const char *at);

/* Look-ups by key; NULL when absent. */
const vc_platform *vc_matrix_platform(const vc_matrix *m, const char *key);
const vc_edition *vc_platform_edition(const vc_platform *p, const char *key);
const vc_driver *vc_matrix_driver(const vc_matrix *m, const char *key);
const vc_feature *vc_matrix_feature(const vc_matrix *m, const char *key);
const vc_feature *vc_matrix_feature_cap(const vc_matrix *m, int cap);
const vc_case *vc_matrix_case(const vc_matrix *m, const char *id);

/* A host (or a host profile) as the matrix sees it. */
typedef struct vc_target {
    const char *platform; /* "windows" */
    const char *edition;  /* "home"; NULL when the platform has none */
    const char *arch;     /* "x86_64" */
} vc_target;

/* Map an SDK host descriptor; edition is NULL where it is unknown. */
void vc_target_from_host(vc_target *t, const vmdrv_host *host);

/* One host combination of the matrix: a platform, one of its editions
 * (none when it has none) and one of its arches. */
typedef struct vc_host {
    const vc_platform *platform;
    const vc_edition *edition; /* NULL when the platform has none */
    const char *arch;
    vc_target target;
    size_t next_; /* zero before the first */
} vc_host;

/* Step h, zeroed at first, to the next host combination, platforms in
 * order, then editions, then arches: 1, or 0 after the last.
 *     for (vc_host h = {0}; vc_matrix_next_host(m, &h);) ...        */
int vc_matrix_next_host(const vc_matrix *m, vc_host *h);

/* ---- drivers on a platform ---------------------------------------------- */

typedef enum vc_dstatus {
    VC_DRIVER_AVAILABLE,   /* offered here at this release */
    VC_DRIVER_UNAVAILABLE, /* not offered here (yet), e.g. hyperv on Home */
    VC_DRIVER_RETIRED,     /* offered here before, dropped as of a release */
    VC_DRIVER_UNKNOWN      /* the matrix does not know the driver */
} vc_dstatus;

typedef struct vc_driver_state {
    vc_dstatus status;
    const vc_avail *avail;  /* AVAILABLE: the entry; RETIRED: the last one */
    const char *retired_in; /* RETIRED: the release that dropped it */
    vc_src src;             /* the fact behind the answer */
} vc_driver_state;

/*
 * Is driver offered on t at release at? t->edition and t->arch may be
 * NULL: then "on some edition / arch". Returns the status (also in out,
 * when out is not NULL).
 */
vc_dstatus vc_matrix_driver_status(const vc_matrix *m, const char *at,
                                   const vc_target *t, const char *driver,
                                   vc_driver_state *out);

/* The default rule for t at release at (t->arch may be NULL); or NULL. */
const vc_default *vc_matrix_default(const vc_matrix *m, const char *at,
                                    const vc_target *t);

typedef struct vc_retired {
    const vc_driver *driver;
    const char *platform;
    const char *version; /* retired as of */
    vc_src src;          /* the availability entry that ends there */
} vc_retired;

/*
 * Drivers retired on platform (NULL: on every platform) as of a release
 * no later than at, in driver order. *out is owned (free()); 0 always.
 */
int vc_matrix_retired(const vc_matrix *m, const char *at, const char *platform,
                      vc_retired **out, size_t *n);

/* Is exception e in force at release at? */
int vc_exception_active(const vc_exception *e, const char *at);

/* ---- features ----------------------------------------------------------- */

typedef enum vc_expect {
    VC_EXPECT_SUPPORTED,   /* must work */
    VC_EXPECT_UNSUPPORTED, /* must answer VMDRV_E_NOTSUP, change nothing */
    VC_EXPECT_UNAVAILABLE, /* the driver must decline this platform */
    VC_EXPECT_RETIRED,     /* the driver must be refused, naming the release */
    VC_EXPECT_KNOWN_BROKEN /* known-broken: xfail/xpass until it expires */
} vc_expect;

/* "supported", "unsupported", "unavailable", "retired", "known-broken". */
const char *vc_expect_name(vc_expect e);

/*
 * Does driver support feature on t at release at? Answers SUPPORTED,
 * UNSUPPORTED (driver offered here, feature not), UNAVAILABLE or RETIRED.
 * *src (when not NULL) is the fact behind the answer; *entry (when not
 * NULL) the support entry, or NULL.
 */
vc_expect vc_matrix_support(const vc_matrix *m, const char *at,
                            const vc_target *t, const char *driver,
                            const vc_feature *feature, vc_src *src,
                            const vc_support **entry);

/* Timeout of case c for driver, in seconds. */
unsigned int vc_case_timeout(const vc_case *c, const char *driver);

/* ---- cells -------------------------------------------------------------- */

/* NULL members select everything. */
typedef struct vc_filter {
    const char *at;   /* release; NULL: the matrix's current */
    vc_target target; /* platform / edition / arch */
    const char *driver;
    const char *feature; /* only the cases of this feature */
    const char *case_re; /* PCRE2 pattern searched in the case id */
    int available_only;  /* drop cells whose driver is not offered there */
} vc_filter;

typedef struct vc_cell {
    const vc_platform *platform;
    const vc_edition *edition; /* NULL for a platform without editions */
    const char *arch;
    const vc_driver *driver;
    const vc_feature *feature; /* the case's feature, or NULL */
    const vc_case *kase;
    vc_expect expect;              /* what must hold; KNOWN_BROKEN if broken */
    vc_expect base;                /* the expectation without known-broken */
    const vc_broken *broken;       /* the known-broken entry, or NULL */
    const char *retired_in;        /* base RETIRED: the release */
    const vc_exception *exception; /* migration cells: the exception */
    int must_run; /* the case is must-run and the driver is offered here */
    unsigned int timeout; /* seconds, for this driver */
    uint64_t requires;    /* caps the case needs (VMDRV_CAP_BIT mask) */
    uint64_t missing;     /* of those, the ones the matrix denies here */
    vc_src src;           /* the matrix fact the expectation comes from */
} vc_cell;

typedef struct vc_cells {
    vc_cell *v;
    size_t n;
    const char *at; /* the release the cells are for */
} vc_cells;

/*
 * Expand the matrix into cells, platform by platform, then edition, arch,
 * driver (matrix order) and case (matrix order):
 *  - defaults.* cells: one per host combination, for its default driver;
 *  - migration.* cells: for each exception in force, on its platform, for
 *    its target driver;
 *  - every other case: one cell per driver, with SUPPORTED for a driver
 *    offered there (or per the feature's support for feature.* cases),
 *    else UNAVAILABLE or RETIRED.
 * Known-broken entries then override the expectation. 0, or -1 with an
 * error in errs (an invalid case_re or version).
 */
int vc_matrix_cells(const vc_matrix *m, const vc_filter *f, vc_cells *out,
                    vu_strv *errs);
void vc_cells_free(vc_cells *cells);

/* "macos/x86_64", "windows/home/x86_64". */
void vc_cell_host_name(const vc_cell *c, char *buf, size_t size);

#endif
