/*
 * merge.h: joining conformance results from many hosts.
 */
#ifndef VC_MERGE_H
#define VC_MERGE_H

#include <jansson.h>
#include <stdio.h>

/*
 * Merge the result files; *merged gets the joined result (owned). Problems
 * (unreadable files, mixed matrices, a cell with evidence from two hosts,
 * a must-run cell nobody ran) are printed to out. Returns 0 when the
 * evidence is complete and nothing failed, 1 otherwise.
 */
int vc_merge(const char *const *files, size_t n_files, const char *matrix_dir,
             json_t **merged, FILE *out);

#endif
