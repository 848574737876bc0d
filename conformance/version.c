/*
 * version.c: release versions and version ranges (see version.h).
 */
#include "version.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vc_version_parse(const char *s, vc_version *out)
{
    vc_version v;
    memset(&v, 0, sizeof v);
    if (!s || !*s)
        return -1;
    const char *p = s;
    for (int i = 0;; i++) {
        if (i >= VC_VERSION_PARTS || !isdigit((unsigned char)*p))
            return -1;
        char *end;
        errno = 0;
        unsigned long n = strtoul(p, &end, 10);
        if (errno)
            return -1;
        v.part[i] = n;
        if (*end == '\0')
            break;
        if (*end != '.')
            return -1;
        p = end + 1;
    }
    if (out)
        *out = v;
    return 0;
}

int vc_version_valid(const char *s)
{
    return vc_version_parse(s, NULL) == 0;
}

int vc_version_cmp(const char *a, const char *b)
{
    vc_version va, vb;
    int oka = vc_version_parse(a, &va) == 0;
    int okb = vc_version_parse(b, &vb) == 0;
    if (!oka || !okb)
        return oka - okb;
    for (int i = 0; i < VC_VERSION_PARTS; i++) {
        if (va.part[i] != vb.part[i])
            return va.part[i] < vb.part[i] ? -1 : 1;
    }
    return 0;
}

int vc_range_contains(const vc_range *r, const char *at)
{
    if (r->since && vc_version_cmp(at, r->since) < 0)
        return 0;
    if (r->until && vc_version_cmp(at, r->until) >= 0)
        return 0;
    return 1;
}

int vc_range_overlaps(const vc_range *a, const vc_range *b)
{
    /* [s1,u1) and [s2,u2) meet unless one ends before the other starts */
    if (a->until && b->since && vc_version_cmp(a->until, b->since) <= 0)
        return 0;
    if (b->until && a->since && vc_version_cmp(b->until, a->since) <= 0)
        return 0;
    return 1;
}
