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

#endif
