/*
 * win32/win32.h: helpers shared by the Windows platform files: UTF-8 <->
 * UTF-16 conversion (the SDK speaks UTF-8; the W APIs speak UTF-16),
 * errno from a Windows error, and a Windows error's text.
 */
#ifndef VMDRV_WIN32_H
#define VMDRV_WIN32_H

#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0601 /* Windows 7: PROC_THREAD_ATTRIBUTE_HANDLE_LIST */
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stddef.h>

/* Owned UTF-16 copy of a UTF-8 string; NULL (errno EINVAL) when s is not
 * valid UTF-8. */
wchar_t *vmdrv__wide(const char *s);
/* Owned UTF-8 copy of a UTF-16 string (invalid UTF-16 becomes U+FFFD). */
char *vmdrv__utf8(const wchar_t *w);
/* The errno closest to a Windows error code. */
int vmdrv__errno_from_win(DWORD err);
/* Set errno from GetLastError() and return -1, for the POSIX-like calls
 * of platform.h. */
int vmdrv__fail_win(void);
/* The system's text for a Windows error, without the trailing newline. */
void vmdrv__win_strerror(DWORD err, char *buf, size_t size);

#endif
