/*
 * catalog.c: the runner's catalog, from VC_CASE_LIST (cases.h). The
 * runner checks it against the matrix's case list both ways.
 */
#include <string.h>

#include "cases.h"

const vc_casedef vc_catalog[] = {
#define X(fn, id, flags, summary) {id, vc_case_##fn, flags, summary},
    VC_CASE_LIST(X)
#undef X
};

const size_t vc_catalog_size = sizeof vc_catalog / sizeof vc_catalog[0];

const vc_casedef *vc_catalog_find(const char *id)
{
    for (size_t i = 0; i < vc_catalog_size; i++)
        if (strcmp(vc_catalog[i].id, id) == 0)
            return &vc_catalog[i];
    return NULL;
}
