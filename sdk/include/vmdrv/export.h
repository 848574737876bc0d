/*
 * vmdrv/export.h: the symbol-visibility macro for public SDK functions.
 */
#ifndef VMDRV_EXPORT_H
#define VMDRV_EXPORT_H

#if defined(_WIN32)
#if defined(VMDRV_BUILDING)
#define VMDRV_EXTERN __declspec(dllexport)
#elif defined(VMDRV_STATIC)
#define VMDRV_EXTERN
#else
#define VMDRV_EXTERN __declspec(dllimport)
#endif
#else
#define VMDRV_EXTERN __attribute__((visibility("default")))
#endif

/* The archetype for printf-style format checks. MinGW's "printf" means
 * msvcrt's, which lacks %zu and %lld; libvmdrv is built as C11, which
 * selects MinGW's own C99 printf, so its functions are checked as such. */
#if defined(__MINGW32__)
#define VMDRV_PRINTF_FORMAT gnu_printf
#else
#define VMDRV_PRINTF_FORMAT printf
#endif

#endif
