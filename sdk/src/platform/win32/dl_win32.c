/*
 * dl_win32.c: loading driver plugins (platform.h) with LoadLibraryW.
 */
#include "win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

void *vmdrv__dl_open(const char *path, char *err, size_t err_size)
{
    wchar_t *w = vmdrv__wide(path);
    if (!w) {
        snprintf(err, err_size, "the path is not valid UTF-8");
        return NULL;
    }
    /* with a path, the plugin's own DLLs are looked up beside it rather
     * than beside vmdrv.exe; LOAD_WITH_ALTERED_SEARCH_PATH needs the path
     * absolute. A bare name keeps the normal search order. */
    DWORD flags = 0;
    if (wcschr(w, L'\\') || wcschr(w, L'/')) {
        wchar_t full[MAX_PATH];
        DWORD n = GetFullPathNameW(w, MAX_PATH, full, NULL);
        wchar_t *dup = n > 0 && n < MAX_PATH ? _wcsdup(full) : NULL;
        if (dup) {
            free(w);
            w = dup;
            flags = LOAD_WITH_ALTERED_SEARCH_PATH;
        }
    }
    /* no "cannot find the DLL" message box on old Windows */
    UINT old_mode = SetErrorMode(SEM_FAILCRITICALERRORS);
    HMODULE h = LoadLibraryExW(w, NULL, flags);
    DWORD e = GetLastError();
    SetErrorMode(old_mode);
    free(w);
    if (!h)
        vmdrv__win_strerror(e, err, err_size);
    return (void *)h;
}

void *vmdrv__dl_sym(void *handle, const char *name)
{
    FARPROC f = GetProcAddress((HMODULE)handle, name);
    void *p;
    /* a function address as data, without the cast ISO C forbids */
    memcpy(&p, &f, sizeof p);
    return p;
}

void vmdrv__dl_close(void *handle)
{
    FreeLibrary((HMODULE)handle);
}
