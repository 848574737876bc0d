/*
 * win32/proc_win32.h: what the Windows process runner (proc_win32.c)
 * shares with vmdrv_proc_spawn() (spawn_win32.c).
 */
#ifndef VMDRV_PROC_WIN32_H
#define VMDRV_PROC_WIN32_H

#include <wchar.h>

/*
 * Our environment with extra ("KEY=VALUE", UTF-8) merged in (names
 * compare case-insensitively; a later extra entry wins), as the sorted
 * UTF-16 block CreateProcessW takes with CREATE_UNICODE_ENVIRONMENT.
 * Owned; NULL with errno EINVAL when an entry is not UTF-8 or has no '='.
 */
wchar_t *vmdrv__win_env_block(const char *const *extra);

#endif
