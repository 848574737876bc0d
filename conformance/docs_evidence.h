/*
 * docs_evidence.h: checking the matrix a docs page states against what
 * the drivers did in conformance runs (the evidence).
 */
#ifndef VC_DOCS_EVIDENCE_H
#define VC_DOCS_EVIDENCE_H

#include <jansson.h>

#include "docs_check.h"

/*
 * Add to r an "evidence" disagreement for every published feature cell of
 * result (a conformance result; result_name names it in messages) whose
 * observed support differs from the matrix at release at (NULL: current):
 * it works where the matrix says unsupported, or it was verified
 * unsupported (or regressed) where the matrix says supported. Returns the
 * number of disagreements added.
 */
size_t vc_docs_check_evidence(const vc_matrix *m, const char *at,
                              json_t *result, const char *result_name,
                              vc_docs_report *r);

#endif
