/*
 * docs_check.h: compare a docs page shaped like the seed driver page with
 * the matrix, and name every disagreement with its page line and the
 * matrix fact it contradicts.
 *
 * What is read (PCRE2), section by section:
 *  - "Supported drivers": one "- On <Platform>, ..." bullet per platform;
 *    the drivers it names (with "(only available on <Edition>)") and its
 *    "As of Multipass version X, A and B are no longer available." sentences;
 *  - "Default drivers": "- On A and B, X is used." and "- On P, the default
 *    driver depends on the OS version:" with "  + X on <Edition>" lines;
 *  - "Exceptions": "On P, stopped A instances are automatically migrated
 *    to B by Multipass's version X or later (see [text](link))";
 *  - "Feature disparities": the "| Feature | Only supported on... | Notes |"
 *    table, and the bullets of its "old formatting" HTML comment, which
 *    are compared at the matrix's history_at release.
 * The page is compared at one release (the matrix's current by default).
 * Differences of wording only (the page's text is not what `vmdrv table`
 * renders, but means the same) are warnings, which do not fail the check.
 */
#ifndef VC_DOCS_CHECK_H
#define VC_DOCS_CHECK_H

#include <stddef.h>

#include "matrix.h"
#include "vu_str.h"

typedef struct vc_docs_issue {
    int line;            /* 1-based page line; 0: the page as a whole */
    const char *section; /* "supported-drivers", "retired-drivers",
                            "default-drivers", "exceptions", "table",
                            "history" */
    char *message;
    vc_src matrix; /* the matrix fact; file NULL when there is none */
} vc_docs_issue;

typedef struct vc_docs_report {
    char *page;     /* the page's name, as given */
    const char *at; /* the release the page was compared at */
    const char *history_at;
    vc_docs_issue *issues; /* disagreements */
    size_t n_issues;
    vc_docs_issue *warnings;
    size_t n_warnings;
} vc_docs_report;

/*
 * Check page text (named page_name in messages) against m at release at
 * (NULL: the matrix's current). Fills out; 0, or -1 with errs when at is
 * not a version. Disagreements are not errors: see out->n_issues.
 */
int vc_docs_check(const vc_matrix *m, const char *page_name, const char *text,
                  size_t len, const char *at, vc_docs_report *out,
                  vu_strv *errs);
void vc_docs_report_free(vc_docs_report *r);

/* "page.md:57: message (matrix/features.yaml:16:5)", one per line,
   warnings after disagreements with "warning: " before the message. */
void vc_docs_report_text(const vc_docs_report *r, vu_buf *out);
/* {"page", "release", "history_at", "agree", "disagreements": [...],
    "warnings": [...]} */
void vc_docs_report_json(const vc_docs_report *r, const vc_matrix *m,
                         vu_buf *out);

#endif
