/*
 * vmdrv/host.h: the host descriptor.
 *
 * A descriptor is either probed from the machine vmdrv runs on, or loaded
 * from a host profile (fixtures/hosts/NAME.yaml) to simulate another host.
 */
#ifndef VMDRV_HOST_H
#define VMDRV_HOST_H

#include <stddef.h>

#include "vmdrv/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vmdrv_os {
    VMDRV_OS_UNKNOWN = 0,
    VMDRV_OS_LINUX,
    VMDRV_OS_MACOS,
    VMDRV_OS_WINDOWS
} vmdrv_os;

/* Only meaningful on Windows: Home ("Core" EditionIDs) or Pro and above. */
typedef enum vmdrv_edition {
    VMDRV_EDITION_NONE = 0,
    VMDRV_EDITION_HOME,
    VMDRV_EDITION_PRO
} vmdrv_edition;

typedef enum vmdrv_arch {
    VMDRV_ARCH_UNKNOWN = 0,
    VMDRV_ARCH_X86_64,
    VMDRV_ARCH_ARM64
} vmdrv_arch;

enum vmdrv_accel {
    VMDRV_ACCEL_KVM = 1u << 0,
    VMDRV_ACCEL_HVF = 1u << 1,
    VMDRV_ACCEL_WHPX = 1u << 2
};

/* The external programs drivers use; X(ENUM, "program name", ENV_SUFFIX). */
#define VMDRV_TOOL_LIST(X)                                                     \
    X(QEMU_X86_64, "qemu-system-x86_64", QEMU_SYSTEM_X86_64)                   \
    X(QEMU_AARCH64, "qemu-system-aarch64", QEMU_SYSTEM_AARCH64)                \
    X(QEMU_IMG, "qemu-img", QEMU_IMG)                                          \
    X(VBOXMANAGE, "VBoxManage", VBOXMANAGE)                                    \
    X(POWERSHELL, "powershell.exe", POWERSHELL)

typedef enum vmdrv_tool {
#define VMDRV_X_(e, prog, env) VMDRV_TOOL_##e,
    VMDRV_TOOL_LIST(VMDRV_X_)
#undef VMDRV_X_
    VMDRV_TOOL__COUNT
} vmdrv_tool;

typedef struct vmdrv_tool_info {
    int found;         /* 1 when path is set */
    char path[512];    /* absolute path of the executable */
    char version[128]; /* as the tool reports it, "" if unknown */
    int simulated;     /* 1 when path is a vmdrv simulator */
} vmdrv_tool_info;

typedef struct vmdrv_host {
    vmdrv_os os;
    vmdrv_edition edition;
    vmdrv_arch arch;
    unsigned int accels;     /* enum vmdrv_accel bits */
    char os_name[128];       /* "Debian GNU/Linux 12 (bookworm)" */
    char os_version[64];     /* "12", "14.4.1", "10.0.22631" */
    char edition_id[64];     /* Windows EditionID, "" elsewhere */
    char accel_note[256];    /* why an accelerator is missing, if known */
    vmdrv_tool_info tools[VMDRV_TOOL__COUNT];
    int simulated;           /* 1 when loaded from a profile */
    /* KEY=VALUE pairs a profile gives the simulators it names; the
     * process runner adds them to every program it starts. */
    char env[8][256];
    int n_env;
    char profile_name[64];   /* "windows-home" for a profile, "" otherwise */
    char profile_path[512];
} vmdrv_host;

VMDRV_EXTERN const char *vmdrv_os_name(vmdrv_os os);          /* "linux" */
VMDRV_EXTERN const char *vmdrv_edition_name(vmdrv_edition e); /* "pro", "home", "" */
VMDRV_EXTERN const char *vmdrv_arch_name(vmdrv_arch a);       /* "x86_64" */
VMDRV_EXTERN const char *vmdrv_tool_program(vmdrv_tool t);    /* "VBoxManage" */
/* The environment variable that overrides a tool: "VMDRV_TOOL_VBOXMANAGE". */
VMDRV_EXTERN const char *vmdrv_tool_env(vmdrv_tool t);

#ifdef __cplusplus
}
#endif

#endif
