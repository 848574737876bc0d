/*
 * vmdrv/types.h: value types shared by consumers and driver authors:
 * instance specs and info, snapshot, network and name lists, exec results.
 *
 * Lists are filled by drivers through the vmdrv_*_add() helpers and freed
 * by the caller with the matching *_clear(), which accepts an empty or
 * zeroed list.
 */
#ifndef VMDRV_TYPES_H
#define VMDRV_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "vmdrv/caps.h"
#include "vmdrv/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VMDRV_NAME_MAX 63

typedef struct vmdrv_instance_spec {
    const char *name;    /* validated by the SDK before any driver sees it */
    int cpus;            /* 0: driver default */
    uint64_t memory_mb;  /* 0: driver default */
    uint64_t disk_mb;    /* 0: driver default */
    const char *image;   /* driver-specific image reference; NULL: default */
} vmdrv_instance_spec;

typedef struct vmdrv_kv {
    char key[48];
    char value[464];
} vmdrv_kv;

#define VMDRV_INFO_DETAILS_MAX 24

typedef struct vmdrv_info {
    char name[VMDRV_NAME_MAX + 1];
    vmdrv_state state;
    int cpus;
    uint64_t memory_mb;
    uint64_t disk_mb;
    /* Driver-specific facts shown by `info`: accelerator, launch path... */
    vmdrv_kv details[VMDRV_INFO_DETAILS_MAX];
    size_t n_details;
} vmdrv_info;

/* Add a detail line; silently ignored past VMDRV_INFO_DETAILS_MAX. */
VMDRV_EXTERN void vmdrv_info_add(vmdrv_info *info, const char *key,
                                 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(VMDRV_PRINTF_FORMAT, 3, 4)))
#endif
    ;
/* The value of a detail, or NULL. */
VMDRV_EXTERN const char *vmdrv_info_get(const vmdrv_info *info,
                                        const char *key);

typedef struct vmdrv_snapshot {
    char name[VMDRV_NAME_MAX + 1];
    char parent[VMDRV_NAME_MAX + 1]; /* "" for a root snapshot */
    long long created;               /* seconds since the epoch, 0 if unknown */
    char comment[256];
} vmdrv_snapshot;

typedef struct vmdrv_snapshots {
    vmdrv_snapshot *items;
    size_t count;
    size_t cap_;
} vmdrv_snapshots;

VMDRV_EXTERN int vmdrv_snapshots_add(vmdrv_snapshots *list,
                                         const char *name, const char *parent,
                                         long long created,
                                         const char *comment);
VMDRV_EXTERN void vmdrv_snapshots_clear(vmdrv_snapshots *list);

typedef struct vmdrv_network {
    char id[128];          /* what network_add takes: "br0", "Default Switch" */
    char type[32];         /* "bridge", "switch", "ethernet", "wifi" */
    char description[256];
} vmdrv_network;

typedef struct vmdrv_networks {
    vmdrv_network *items;
    size_t count;
    size_t cap_;
} vmdrv_networks;

VMDRV_EXTERN int vmdrv_networks_add(vmdrv_networks *list,
                                        const char *id, const char *type,
                                        const char *description);
VMDRV_EXTERN void vmdrv_networks_clear(vmdrv_networks *list);

typedef struct vmdrv_names {
    char **names;
    size_t count;
    size_t cap_;
} vmdrv_names;

VMDRV_EXTERN int vmdrv_names_add(vmdrv_names *list, const char *name);
VMDRV_EXTERN void vmdrv_names_clear(vmdrv_names *list);

typedef struct vmdrv_exec_result {
    int exit_code;  /* the command's exit status inside the guest */
    char *output;   /* combined stdout/stderr, NUL-terminated, owned */
    size_t output_len;
} vmdrv_exec_result;

VMDRV_EXTERN void vmdrv_exec_result_clear(vmdrv_exec_result *result);

/*
 * Name rules (Multipass's): letters, digits and hyphens, starting with a
 * letter and ending with a letter or digit, at most 63 characters (ASCII).
 * Returns 1 when valid.
 */
VMDRV_EXTERN int vmdrv_name_valid(const char *name);

#ifdef __cplusplus
}
#endif

#endif
