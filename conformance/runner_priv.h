/*
 * runner_priv.h: the runner's own structures, shared by runner.c (the
 * parent), case.c (the helpers a case calls in the case process, and the
 * job file between the two) and report.c.
 */
#ifndef VC_RUNNER_PRIV_H
#define VC_RUNNER_PRIV_H

#include <jansson.h>

#include "case.h"
#include "runner.h"

/* A host the run covers: this machine, or a profile. */
typedef struct vc_host_target {
    char name[64];        /* "host" or the profile name */
    char *profile;        /* profile path, NULL for this machine */
    vmdrv_host host;
    vc_target mt;         /* as the matrix sees it */
    vu_strv drivers;      /* drivers to run here */
    uint64_t *caps;       /* effective caps of each, or 0 when not opened */
    char *data_dir;       /* shared data dir of this target */
    /* cells for drivers the matrix does not know (plugins) */
    vc_cell *extra;
    size_t n_extra;
    vc_driver *extra_drivers;
    size_t n_extra_drivers;
} vc_host_target;

/* One cell to run. */
typedef struct vc_job {
    const vc_cell *cell;
    long cell_index;            /* in the target's matrix cells; -1 for a
                                   plugin driver's cell */
    const vc_casedef *def;      /* NULL: no implementation in the catalog */
    vc_host_target *target;
    const char *driver;         /* the driver under test */
    char id[256];               /* "host:qemu:feature.snapshots.take_restore" */
    char tag[8];                /* short hash of the id */
    int selected;
    const char *skip_reason;    /* set when the job is not run */
    char skip_detail[256];
    /* results */
    vc_outcome outcome;
    char failure[64];
    char *message;
    int attempts;
    double seconds;
    json_t *attempt_log;        /* array of attempts */
    char log_path[512];
    int leaked;
    char *leak_detail;
    int expect_a;               /* advertised: -1 unknown */
} vc_job;

/* What the child and the parent share about a case run. */
struct vc_t {
    const vc_matrix *m;
    const vc_cell *cell;
    const vc_casedef *def;
    const char *driver;
    const char *profile;
    const vmdrv_host *host; /* the target's, so the child need not probe */
    char data_dir[512];
    char work_dir[400]; /* shorter: data, ledger and log paths live under it */
    char run_id[8];
    char tag[8];
    char ledger[512];
    char log_path[512];
    const vu_strv *driver_opts;
    const vu_strv *driver_libs;
    int expect_unsupported;

    vmdrv_ctx *ctx;
    vmdrv_conn *conn;
    vmdrv_conn *second;
    uint64_t caps;

    /* observed */
    char failure[64];
    vu_buf message;
    char skip_reason[48];
    int error_code;
    int unchanged;      /* after a NOTSUP: 1 nothing changed, 0 changed */
    char *before;       /* fingerprint before the feature call */
    vu_buf notes;
    vu_strv names;      /* storage for vc_name() results */
};

/* In a case's work dir: what the case process wrote to stdout/stderr. */
#define VC_CASE_OUTPUT "case.out"
/* The source a plugin driver's cells name (the matrix does not know it). */
#define VC_UNKNOWN_DRIVER_SRC "(advertised by the driver)"

/* What a job file holds besides the vc_t fields. */
typedef struct vc_job_info {
    const char *matrix_dir; /* NULL: the shipped matrix */
    const char *at;         /* NULL: the matrix's current release */
    const char *today;      /* for known-broken expiry */
    long cell_index;        /* the cell among the target's matrix cells
                               (vc_matrix_cells of the target and at);
                               -1: a driver the matrix does not know */
    uint64_t driver_caps;   /* effective caps, for a driver the matrix
                               does not know (its cells come from them) */
} vc_job_info;

/*
 * case.c: write what the case process needs to run t's case (the vc_t
 * fields, the target's host descriptor, and info) to path as JSON.
 * 0, or -errno.
 */
int vc__job_write(const vc_t *t, const vc_job_info *info, const char *path);
/* case.c: run t's case in this (child) process; writes result.json.
 * 0, or -errno when the result could not be written. */
int vc__child_run(vc_t *t);

/* runner.c: the cell of a driver the matrix does not know, for case kc,
 * expecting a feature to work exactly when caps advertise it. */
void vc__unknown_driver_cell(const vc_matrix *m, const vc_platform *pf,
                             const vc_target *mt, const vc_driver *vd,
                             const vc_case *kc, uint64_t caps, vc_cell *c);
/* runner.c: does such a driver get a cell for kc (not the host-level
 * defaults, setting and migration cases)? */
int vc__unknown_driver_case(const vc_case *kc);
/* case.c: an instance's state and info as one comparable string. */
/* (Only the instances whose names start with prefix are listed, when
 * prefix is not NULL.) */
char *vc__fingerprint(vmdrv_conn *conn, const char *name, const char *prefix);

/* sweep.c: the ledger every case writes before creating an object:
 * "data_dir TAB driver TAB scope TAB name TAB profile-or-dash" lines. */
typedef struct vc_ledger_entry {
    char *data_dir, *driver, *scope, *name, *profile;
} vc_ledger_entry;
size_t vc__ledger_read(const char *path, vc_ledger_entry **out);
void vc__ledger_free(vc_ledger_entry *e, size_t n);
/* The scopes ledger entries name, each opened once (with libs loaded). */
typedef struct vc_scopes vc_scopes;
vc_scopes *vc__scopes_new(const vu_strv *libs);
void vc__scopes_free(vc_scopes *c);
/* The scope's connection (NULL when it cannot be opened); borrowed. */
vmdrv_conn *vc__scopes_get(vc_scopes *c, const vc_ledger_entry *e,
                           vmdrv_ctx **ctx);
/* Stop and delete name: 0 it was not there, 1 removed, -1 still there. */
int vc__remove_instance(vmdrv_conn *conn, const char *name);
/* Every ledger still present under work_dir/runs. */
int vc__glob_ledgers(const char *work_dir, vu_strv *out);

/* report.c */
json_t *vc__result_json(const vc_run_opts *o, const char *run_id,
                        const vc_matrix *m, const char *at, vc_job *jobs,
                        size_t n_jobs, vc_host_target *targets,
                        size_t n_targets, double started, double finished);
int vc__write_reports(const vc_run_opts *o, json_t *result,
                      const char *run_dir);

#endif
