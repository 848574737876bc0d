/*
 * caps.c: capability and state names, from the X-macro lists in caps.h.
 */
#include <string.h>

#include "vmdrv/caps.h"

static const struct {
    const char *key, *display, *phrase;
} caps[] = {
#define X(e, key, disp, phrase) {#key, disp, phrase},
    VMDRV_CAP_LIST(X)
#undef X
};

const char *vmdrv_cap_display(vmdrv_cap cap)
{
    return (unsigned)cap < VMDRV_CAP__COUNT ? caps[cap].display : NULL;
}

const char *vmdrv_cap_key(vmdrv_cap cap)
{
    return (unsigned)cap < VMDRV_CAP__COUNT ? caps[cap].key : NULL;
}

const char *vmdrv_cap_phrase(vmdrv_cap cap)
{
    return (unsigned)cap < VMDRV_CAP__COUNT ? caps[cap].phrase : NULL;
}

int vmdrv_cap_from_key(const char *key)
{
    if (!key)
        return -1;
    for (int i = 0; i < VMDRV_CAP__COUNT; i++)
        if (strcmp(caps[i].key, key) == 0)
            return i;
    return -1;
}

static const char *const states[VMDRV_STATE__COUNT] = {
#define X(e, name, value) [value] = name,
    VMDRV_STATE_LIST(X)
#undef X
};

const char *vmdrv_state_name(int state)
{
    return state >= 0 && state < VMDRV_STATE__COUNT ? states[state] : NULL;
}

int vmdrv_state_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < VMDRV_STATE__COUNT; i++)
        if (strcmp(states[i], name) == 0)
            return i;
    return -1;
}
