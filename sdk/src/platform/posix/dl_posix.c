/*
 * dl_posix.c: loading driver plugins (platform.h) with dlopen.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "platform/platform.h"

void *vmdrv__dl_open(const char *path, char *err, size_t err_size)
{
    /* RTLD_LOCAL: two plugins may both define static helpers of the same
     * name; only the entry point is looked up, by handle */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(err, err_size, "%s", why ? why : "unknown dlopen error");
    }
    return h;
}

void *vmdrv__dl_sym(void *handle, const char *name)
{
    return dlsym(handle, name);
}

void vmdrv__dl_close(void *handle)
{
    dlclose(handle);
}
