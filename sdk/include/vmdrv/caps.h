/*
 * vmdrv/caps.h: driver capabilities and instance states.
 *
 * One X-macro list per concept gives the enum, the display name and the
 * YAML key, so the three can never drift apart.
 */
#ifndef VMDRV_CAPS_H
#define VMDRV_CAPS_H

#include <stdint.h>

#include "vmdrv/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * X(ENUM, yaml_key, "Display name", "phrase used in messages").
 * Append only: bit positions are ABI.
 */
#define VMDRV_CAP_LIST(X)                                                      \
    X(NATIVE_MOUNTS, native_mounts, "Native mounts", "native mounts")         \
    X(EXTRA_NETWORKS, extra_networks, "Extra networks", "extra networks")     \
    X(SNAPSHOTS, snapshots, "Snapshots", "snapshots")                          \
    X(SUSPEND, suspend, "VM suspension", "suspension")                         \
    X(GUEST_EXEC, guest_exec, "Guest exec", "guest exec")

typedef enum vmdrv_cap {
#define VMDRV_X_(e, key, disp, phrase) VMDRV_CAP_##e,
    VMDRV_CAP_LIST(VMDRV_X_)
#undef VMDRV_X_
    VMDRV_CAP__COUNT
} vmdrv_cap;

#define VMDRV_CAP_BIT(cap) ((uint64_t)1 << (cap))
#define VMDRV_CAPS_ALL (VMDRV_CAP_BIT(VMDRV_CAP__COUNT) - 1)

/* "Native mounts"; NULL for an unknown capability. */
VMDRV_EXTERN const char *vmdrv_cap_display(vmdrv_cap cap);
/* "native_mounts"; NULL for an unknown capability. */
VMDRV_EXTERN const char *vmdrv_cap_key(vmdrv_cap cap);
/* "native mounts"; NULL for an unknown capability. */
VMDRV_EXTERN const char *vmdrv_cap_phrase(vmdrv_cap cap);
/* The capability whose YAML key is key; -1 if none. */
VMDRV_EXTERN int vmdrv_cap_from_key(const char *key);

/*
 * Multipass's instance states, in Multipass's order: its records store
 * them as these integers, so the values never change.
 * X(ENUM, "name", value).
 */
#define VMDRV_STATE_LIST(X)                                                    \
    X(OFF, "off", 0)                                                           \
    X(STOPPED, "stopped", 1)                                                   \
    X(STARTING, "starting", 2)                                                 \
    X(RESTARTING, "restarting", 3)                                             \
    X(RUNNING, "running", 4)                                                   \
    X(DELAYED_SHUTDOWN, "delayed_shutdown", 5)                                 \
    X(SUSPENDING, "suspending", 6)                                             \
    X(SUSPENDED, "suspended", 7)                                               \
    X(UNKNOWN, "unknown", 8)                                                   \
    X(UNAVAILABLE, "unavailable", 9)

typedef enum vmdrv_state {
#define VMDRV_X_(e, name, value) VMDRV_STATE_##e = value,
    VMDRV_STATE_LIST(VMDRV_X_)
#undef VMDRV_X_
} vmdrv_state;

#define VMDRV_STATE__COUNT 10

/* "running"; NULL for a value outside the list. */
VMDRV_EXTERN const char *vmdrv_state_name(int state);
/* The state named name; -1 if none. */
VMDRV_EXTERN int vmdrv_state_from_name(const char *name);

#ifdef __cplusplus
}
#endif

#endif
