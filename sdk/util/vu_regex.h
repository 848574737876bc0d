/*
 * vu_regex.h: a thin wrapper around PCRE2 (internal), so no PCRE2 type
 * leaks into any other header.
 */
#ifndef VU_REGEX_H
#define VU_REGEX_H

#include <stddef.h>

typedef struct vu_regex vu_regex;

enum { VU_RE_CASELESS = 1, VU_RE_MULTILINE = 2, VU_RE_DOTALL = 4 };

/* Compile; on failure NULL and err holds "offset N: message". */
vu_regex *vu_regex_new(const char *pattern, int opts, char *err, size_t size);
void vu_regex_free(vu_regex *re);

/*
 * Match against subject[0..len). Returns 1 on a match, 0 on none, -1 on an
 * error. When groups is not NULL, groups[2*i] / groups[2*i+1] receive the
 * start and end offsets of group i (0 is the whole match; -1 when unset)
 * for i < ngroups.
 */
int vu_regex_match(const vu_regex *re, const char *subject, size_t len,
                   size_t start, long *groups, int ngroups);
/* Copy group i of the last match into buf; returns 1 when it was set. */
int vu_regex_group(const char *subject, const long *groups, int i, char *buf,
                   size_t size);
/* One-shot: does subject match pattern? -1 when pattern is invalid. */
int vu_regex_test(const char *pattern, const char *subject);

#endif
