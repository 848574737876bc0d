/*
 * runner.h: `vmdrv conform`: expand the matrix into cells for the chosen
 * hosts and drivers, run each cell's case in a child process with a
 * watchdog, combine what the matrix expects (E), what the driver
 * advertises (A) and what it does (O) into an outcome, tear down and
 * audit what each case created, and write one versioned JSON result from
 * which every report is rendered.
 */
#ifndef VC_RUNNER_H
#define VC_RUNNER_H

#include <stdio.h>

#include "vu_str.h"

/* Exit statuses of `vmdrv conform` (documented in its --help). */
enum {
    VC_EXIT_OK = 0,       /* every selected cell passed (or is allowed) */
    VC_EXIT_FAIL = 1,     /* failures, errors, timeouts, skipped must-runs */
    VC_EXIT_USAGE = 2,    /* usage or configuration error */
    VC_EXIT_NOTHING = 3,  /* the selection matched no cell */
    VC_EXIT_LEAKS = 4     /* nothing failed, but objects leaked */
};

/* Outcomes, in the order reports list them. X(ENUM, "name"). */
#define VC_OUTCOME_LIST(X)                                                     \
    X(PASS, "pass")                                                            \
    X(FAIL, "fail")                                                            \
    X(ERROR, "error")                                                          \
    X(TIMEOUT, "timeout")                                                      \
    X(SKIP, "skip")                                                            \
    X(UNSUPPORTED_VERIFIED, "unsupported-verified")                           \
    X(XFAIL, "xfail")                                                          \
    X(XPASS, "xpass")                                                          \
    X(FLAKY, "flaky")                                                          \
    X(LEAKED, "leaked")

typedef enum vc_outcome {
#define X(e, name) VC_OUTCOME_##e,
    VC_OUTCOME_LIST(X)
#undef X
    VC_OUTCOME__COUNT
} vc_outcome;

const char *vc_outcome_name(vc_outcome o);
int vc_outcome_from_name(const char *name);

typedef struct vc_run_opts {
    const char *matrix_dir;   /* NULL: the shipped matrix */
    const char *at;           /* release; NULL: the matrix's current */
    const char *work_dir;     /* where runs, data and ledgers live */
    const char *today;        /* "YYYY-MM-DD" for known-broken expiry */
    vu_strv drivers;          /* --driver (empty: every driver available) */
    vu_strv driver_libs;      /* --driver-lib */
    vu_strv driver_opts;      /* --driver-opt KEY=VALUE */
    vu_strv hosts;            /* --host PROFILE (empty: the default set) */
    int real_host;            /* include this machine (default when no --host) */
    int jobs;
    unsigned long seed;
    int seed_set;
    const char *focus;        /* PCRE2, searched in the cell id */
    const char *skip;
    int plan;
    int retries;
    unsigned int max_timeout; /* seconds; caps every cell's timeout (0: none) */
    int keep_on_failure;
    const char *rerun_failed; /* a result.json */
    int sweep;
    const char *json_out, *junit_out, *tap_out, *md_out, *html_out;
    const char *bundle_out;
    int progress;             /* 1: a live progress line (a terminal) */
    int color;
    int verbose;
    const char *command_line;
    const char *self_exe; /* the vmdrv executable: runs each case as
                             `self_exe __case JOBFILE` */
} vc_run_opts;

/* Run; returns one of the VC_EXIT_* statuses. Messages go to stderr. */
int vc_run(const vc_run_opts *o);

/*
 * Remove every object earlier runs left (from the ledgers in work_dir,
 * and any tagged instance found in the scopes they name); driver_libs
 * (may be NULL) are loaded so plugin drivers' leftovers can go too. dry_run lists
 * them only. Returns 0 when nothing is left, 1 when something could not
 * be removed, 2 on a usage or configuration error.
 */
int vc_sweep(const char *work_dir, const vu_strv *driver_libs, int dry_run,
             int verbose, FILE *out);

/*
 * The case process: `vmdrv __case JOBFILE` (hidden from `vmdrv help`).
 * Loads the job file the runner wrote, the matrix and the cell, runs the
 * case and writes result.json beside the job file. Returns the exit
 * status: 0 when the result was written, 1 otherwise (with a message on
 * stderr, which the runner shows).
 */
int vc_case_main(const char *job_file);
#define VC_CASE_COMMAND "__case"

/* The default work dir: <vmdrv data dir>/conform. Owned. */
char *vc_default_work_dir(void);

#endif
