/*
 * status.c: status names and messages, generated from VMDRV_STATUS_LIST
 * as a switch with no default so the compiler flags a missing case.
 */
#include <stddef.h>

#include "vmdrv/status.h"

const char *vmdrv_strerror(int status)
{
    switch ((vmdrv_status)status) {
#define X(name, value, msg)                                                    \
    case VMDRV_##name:                                                         \
        return msg;
        VMDRV_STATUS_LIST(X)
#undef X
    }
    return "unknown status";
}

const char *vmdrv_status_name(int status)
{
    switch ((vmdrv_status)status) {
#define X(name, value, msg)                                                    \
    case VMDRV_##name:                                                         \
        return #name;
        VMDRV_STATUS_LIST(X)
#undef X
    }
    return NULL;
}
