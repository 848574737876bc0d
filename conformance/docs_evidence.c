/*
 * docs_evidence.c: docs-check against evidence. A page agreeing with the
 * matrix is not enough: the matrix itself must agree with what drivers
 * did. For every feature cell of one or more conformance results, the
 * observed outcome is compared with the matrix's support fact for that
 * platform and driver; where they differ, the page (which states the
 * matrix) is wrong in the same place.
 */
#include <stdlib.h>
#include <string.h>

#include "docs_check.h"
#include "docs_evidence.h"
#include "vu_json.h"

/* "windows/home/x86_64" or "linux/x86_64" into a matrix target. */
static int parse_platform(const char *s, char *buf, size_t size, vc_target *t)
{
    vu_strlcpy(buf, s, size);
    char *parts[3];
    int n = 0;
    for (char *p = strtok(buf, "/"); p && n < 3; p = strtok(NULL, "/"))
        parts[n++] = p;
    memset(t, 0, sizeof *t);
    if (n == 2) {
        t->platform = parts[0];
        t->arch = parts[1];
    } else if (n == 3) {
        t->platform = parts[0];
        t->edition = parts[1];
        t->arch = parts[2];
    } else {
        return -1;
    }
    return 0;
}

static void add_issue(vc_docs_report *r, vc_src src, char *message)
{
    r->issues = vu_realloc(r->issues, (r->n_issues + 1) * sizeof *r->issues);
    vc_docs_issue *is = &r->issues[r->n_issues++];
    memset(is, 0, sizeof *is);
    is->section = "evidence";
    is->message = message;
    is->matrix = src;
}

size_t vc_docs_check_evidence(const vc_matrix *m, const char *at,
                              json_t *result, const char *result_name,
                              vc_docs_report *r)
{
    size_t added = 0, i;
    json_t *c;
    at = vc_matrix_at(m, at);
    json_array_foreach(json_object_get(result, "cells"), i, c) {
        const char *fkey = json_string_value(json_object_get(c, "feature"));
        const char *driver = vu_json_str(c, "driver", "");
        const char *oc = vu_json_str(c, "outcome", "");
        const vc_feature *f = fkey ? vc_matrix_feature(m, fkey) : NULL;
        if (!f || !f->published)
            continue; /* only what a docs page can state */
        int works = !strcmp(oc, "pass") || !strcmp(oc, "flaky") ||
                    !strcmp(oc, "xpass");
        int notsup = !strcmp(oc, "unsupported-verified") ||
                     (!strcmp(oc, "fail") &&
                      (!strcmp(vu_json_str(c, "failure", ""),
                               "capability-regression") ||
                       !strcmp(vu_json_str(c, "failure", ""),
                               "false-advertisement")));
        if (!works && !notsup)
            continue; /* a skip or a broken check says nothing of support */
        char buf[128];
        vc_target t;
        if (parse_platform(vu_json_str(c, "platform", ""), buf, sizeof buf, &t))
            continue;
        vc_src src = {0};
        vc_expect e = vc_matrix_support(m, at, &t, driver, f, &src, NULL);
        const vc_driver *d = vc_matrix_driver(m, driver);
        const char *dname = d ? d->name : driver;
        if (works && e == VC_EXPECT_UNSUPPORTED) {
            add_issue(r, src,
                      vu_asprintf("evidence: %s work%s with %s on %s (cell "
                                  "'%s' in '%s'), but the matrix says they "
                                  "are not supported there",
                                  f->name, f->name[strlen(f->name) - 1] == 's'
                                               ? ""
                                               : "s",
                                  dname, vu_json_str(c, "platform", ""),
                                  vu_json_str(c, "id", ""), result_name));
            added++;
        } else if (notsup && e == VC_EXPECT_SUPPORTED) {
            add_issue(r, src,
                      vu_asprintf("evidence: %s did not work with %s on %s "
                                  "(cell '%s' in '%s': %s), but the matrix "
                                  "says they are supported there",
                                  f->name, dname, vu_json_str(c, "platform", ""),
                                  vu_json_str(c, "id", ""), result_name, oc));
            added++;
        }
    }
    return added;
}
