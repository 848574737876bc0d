/*
 * vmdrv/status.h: status codes and the error detail kept on a context.
 *
 * Every fallible call returns 0 or a negative vmdrv_status. The detail of
 * the last failure (code, origin, native code, message) lives on the
 * context and is read with vmdrv_last_error(). On failure a message is
 * always set; on success it is never touched.
 */
#ifndef VMDRV_STATUS_H
#define VMDRV_STATUS_H

#include "vmdrv/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * X(NAME, value, message). Append only: values are ABI and appear in
 * result files. "Not built", "declined by probe" and "unsupported" are
 * three different answers.
 */
#define VMDRV_STATUS_LIST(X)                                                   \
    X(OK, 0, "success")                                                        \
    X(E_INVAL, -1, "invalid argument")                                         \
    X(E_NOMEM, -2, "out of memory")                                            \
    X(E_NOTSUP, -3, "feature not supported by this driver")                   \
    X(E_NOT_BUILT, -4, "driver not built into this binary")                   \
    X(E_DECLINED, -5, "driver declined this host")                            \
    X(E_NOTFOUND, -6, "no such object")                                        \
    X(E_EXISTS, -7, "object already exists")                                   \
    X(E_STATE, -8, "operation not valid in the current state")                 \
    X(E_FLAGS, -9, "unknown flag bits")                                        \
    X(E_ABI, -10, "driver ABI version not supported")                          \
    X(E_IO, -11, "input/output error")                                         \
    X(E_TOOL, -12, "external tool failed")                                     \
    X(E_TIMEOUT, -13, "operation timed out")                                   \
    X(E_PARSE, -14, "malformed input")                                         \
    X(E_CORRUPT, -15, "stored data is corrupt or of an unknown version")       \
    X(E_LOCKED, -16, "resource is locked")                                     \
    X(E_UNAVAILABLE, -17, "driver not available on this platform")             \
    X(E_RETIRED, -18, "driver has been retired")                               \
    X(E_CONFIG, -19, "configuration error")                                    \
    X(E_INTERNAL, -20, "internal error")

typedef enum vmdrv_status {
#define VMDRV_X_(name, value, msg) VMDRV_##name = value,
    VMDRV_STATUS_LIST(VMDRV_X_)
#undef VMDRV_X_
} vmdrv_status;

/* Static text for a status code; "unknown status" for a value not listed. */
VMDRV_EXTERN const char *vmdrv_strerror(int status);

/* The code's symbolic name ("E_NOTSUP"), or NULL for an unknown value. */
VMDRV_EXTERN const char *vmdrv_status_name(int status);

/* Detail of the last failure on a context. */
typedef struct vmdrv_error {
    int code;            /* a vmdrv_status */
    const char *origin;  /* "sdk", a driver name, or a tool name */
    long native;         /* exit status, HRESULT, errno, ...; 0 if none */
    const char *message; /* one sentence, values quoted; never NULL */
} vmdrv_error;

#ifdef __cplusplus
}
#endif

#endif
