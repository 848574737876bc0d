/*
 * case.h: what a conformance case is and the helpers case authors use.
 *
 * A case is a function that runs in its own child process against one
 * cell (host x driver x case) and reports what it *observed* (O): the
 * feature worked and its effect was checked, the driver answered
 * "unsupported", a check failed (with a failure name), the harness could
 * not do its job (error), or the case does not apply (skip, with a reason
 * code). The runner combines O with what the matrix expects (E) and what
 * the driver advertises (A) into the outcome; a case never decides
 * pass/fail of a capability mismatch itself.
 *
 * Every object a case creates goes through vc_create() & co, which name it
 * with the run id and case id and write it to the run's ledger *before*
 * creating it, so the parent can tear it down in reverse order and audit
 * it even when the case crashed or timed out.
 */
#ifndef VC_CASE_H
#define VC_CASE_H

#include "matrix.h"
#include "vmdrv/vmdrv.h"

typedef enum vc_obs {
    VC_O_WORKS = 0, /* everything the case checked held */
    VC_O_NOTSUP,    /* a feature call answered VMDRV_E_NOTSUP */
    VC_O_FAIL,      /* a check failed: see failure/message */
    VC_O_ERROR,     /* the harness could not do its job */
    VC_O_SKIP       /* the case does not apply: see skip reason */
} vc_obs;

typedef struct vc_t vc_t;
typedef vc_obs (*vc_case_fn)(vc_t *t);

enum vc_case_flags {
    /* the case needs its own data dir (it changes settings or scopes) */
    VC_CASE_PRIVATE = 1u << 0,
    /* host-level: runs once per host, not per driver (defaults, setting) */
    VC_CASE_HOST = 1u << 1,
};

typedef struct vc_casedef {
    const char *id;      /* the matrix case id */
    vc_case_fn run;
    unsigned int flags;
    const char *summary; /* one line: what is checked */
} vc_casedef;

/* The catalog (catalog.c): every case the runner knows. */
extern const vc_casedef vc_catalog[];
extern const size_t vc_catalog_size;
const vc_casedef *vc_catalog_find(const char *id);

/* ---- what a case sees ------------------------------------------------ */

vmdrv_ctx *vc_ctx(vc_t *t);
vmdrv_conn *vc_conn(vc_t *t);        /* the driver under test */
const char *vc_driver_name(vc_t *t);      /* its name */
const vc_cell *vc_cell_of(vc_t *t);  /* the matrix cell */
const vc_matrix *vc_matrix_of(vc_t *t);
const char *vc_data_dir(vc_t *t);    /* the data dir the case runs in */
const char *vc_work_dir(vc_t *t);    /* a scratch folder of the case */
const char *vc_profile(vc_t *t);     /* host profile path, or NULL */
int vc_expect_unsupported(vc_t *t);  /* E (or A) says the feature is off */
/*
 * Another context on the case's data dir, as a new vmdrv process would
 * open it: same host, same driver libraries. 0, or -1 with the reason in
 * the case's message.
 */
int vc_open_ctx(vc_t *t, vmdrv_ctx **out);
/* Is cap in the driver's advertised (effective) mask? */
int vc_has(vc_t *t, vmdrv_cap cap);

/* ---- objects --------------------------------------------------------- */

/* "vmdrvc-<run>-<case>-<label>": a valid instance name, tagged. */
const char *vc_name(vc_t *t, const char *label);
/*
 * Create an instance named vc_name(label) on conn (NULL: the driver under
 * test), recorded in the ledger first. 0, or the SDK status (the error is
 * on the context).
 */
int vc_create_on(vc_t *t, vmdrv_conn *conn, const char *label,
                 const char **name);
int vc_create(vc_t *t, const char *label, const char **name);
/* vc_create and start. */
int vc_launch(vc_t *t, const char *label, const char **name);
/* Record an object the case creates by other means (scope, sim VM...). */
void vc_ledger_add(vc_t *t, const char *driver, const char *scope,
                   const char *name);
/* A second scope for pairing: the test driver, under scope name "vmdrvc-b"
 * when the test driver is itself under test. Opened once, owned by t. */
vmdrv_conn *vc_second_conn(vc_t *t);

/* ---- results --------------------------------------------------------- */

/* A failed check: failure is a short kebab-case name ("state-not-kept"). */
vc_obs vc_fail(vc_t *t, const char *failure, const char *fmt, ...)
    VU_PRINTF(3, 4);
/* An SDK call failed where it must not: message from the context. */
vc_obs vc_fail_sdk(vc_t *t, const char *failure, const char *what);
vc_obs vc_error(vc_t *t, const char *fmt, ...) VU_PRINTF(2, 3);
vc_obs vc_error_sdk(vc_t *t, const char *what);
vc_obs vc_skip(vc_t *t, const char *reason, const char *fmt, ...)
    VU_PRINTF(3, 4);
/* Free-form note for the log. */
void vc_note(vc_t *t, const char *fmt, ...) VU_PRINTF(2, 3);

/* ---- checks ---------------------------------------------------------- */

/* The instance is in state want, else a failure named failure. */
vc_obs vc_check_state(vc_t *t, const char *name, vmdrv_state want,
                      const char *failure);
/*
 * Run cmd in the guest; *out (owned, may be NULL) and *code get the
 * output and exit status. 0, or the SDK status.
 */
int vc_exec(vc_t *t, const char *name, const char *cmd, char **out,
            int *code);

/*
 * The first call of the feature under test. Remembers the instance's
 * state and info before (name may be NULL for instance-less calls), makes
 * the call with rc, and answers:
 *  - VC_O_NOTSUP when rc is VMDRV_E_NOTSUP (and records whether anything
 *    changed, which the runner checks for unsupported cells);
 *  - VC_O_FAIL "feature-call-failed" for any other error;
 *  - VC_O_WORKS when rc is 0.
 * Use as: VC_FEATURE(t, name, vmdrv_snapshot_take(...), "snapshot_take").
 */
#define VC_FEATURE(t, name, call, opname)                                      \
    do {                                                                       \
        vc_feature_before((t), (name));                                        \
        vc_obs o_ = vc_feature_after((t), (name), (call), (opname));           \
        if (o_ != VC_O_WORKS)                                                  \
            return o_;                                                         \
    } while (0)

void vc_feature_before(vc_t *t, const char *name);
vc_obs vc_feature_after(vc_t *t, const char *name, int rc, const char *op);

/* Bail out of a case on an SDK failure: VC_TRY(t, call, "what"). */
#define VC_TRY(t, call, what)                                                  \
    do {                                                                       \
        if ((call) != 0)                                                       \
            return vc_fail_sdk((t), "call-failed", (what));                    \
    } while (0)

#endif
