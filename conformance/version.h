/*
 * version.h: release versions as the matrix writes them ("1.16", "1.12.1")
 * and the half-open ranges [since, until) every fact of the matrix carries.
 *
 * Versions compare numerically per component, so 1.9 < 1.10 < 1.16;
 * missing components count as 0 (1.16 == 1.16.0).
 */
#ifndef VC_VERSION_H
#define VC_VERSION_H

#define VC_VERSION_PARTS 4

typedef struct vc_version {
    unsigned long part[VC_VERSION_PARTS];
} vc_version;

/* Parse "1.16"; 0, or -1 when s is not 1 to 4 dot-separated numbers. */
int vc_version_parse(const char *s, vc_version *out);
int vc_version_valid(const char *s);
/* <0, 0, >0 like strcmp. An invalid string sorts before every valid one. */
int vc_version_cmp(const char *a, const char *b);

/*
 * A version range: since inclusive, until exclusive (the release that
 * dropped the fact); NULL means unbounded on that side.
 */
typedef struct vc_range {
    const char *since;
    const char *until;
} vc_range;

/* Does r hold at version at? */
int vc_range_contains(const vc_range *r, const char *at);
/* Do a and b share at least one version? */
int vc_range_overlaps(const vc_range *a, const vc_range *b);

#endif
