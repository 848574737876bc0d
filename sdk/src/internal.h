/*
 * internal.h: the SDK's private structures (context, connection, registry
 * entries), shared by the files of sdk/src only.
 */
#ifndef VMDRV_INTERNAL_H
#define VMDRV_INTERNAL_H

#include <stdio.h>

#include "vmdrv/sys/driver.h"
#include "vu_str.h"

typedef struct reg_entry {
    char *name;
    char *display_name;
    vmdrv_driver_origin origin;
    char *plugin_path;
    void *dl_handle;
    int built;
    /* A full-size copy of the driver's table: fields past the driver's
     * ABI version are zero, so the dispatcher can read every field. */
    vmdrv_driver table;
} reg_entry;

struct vmdrv_ctx {
    char *data_dir;
    vmdrv_error err;
    unsigned long err_gen; /* bumped by every error set */
    char *err_msg;
    char *err_origin;

    reg_entry *drivers;
    size_t n_drivers;

    vmdrv_host host;
    int host_ready;

    vmdrv_runner_fn runner;
    void *runner_data;
    char *tool_paths[VMDRV_TOOL__COUNT];

    int verbose;
    FILE *log;
};

struct vmdrv_conn {
    vmdrv_ctx *ctx;
    reg_entry *entry;
    const vmdrv_driver *drv;
    char *scope;
    char *dir;
    void *data;
    vu_strv options;
    int opened;
    int caps_probed;
    uint64_t caps_effective;
};

/* registry.c */
void vmdrv__registry_init(vmdrv_ctx *ctx);
void vmdrv__registry_free(vmdrv_ctx *ctx);
reg_entry *vmdrv__registry_find(vmdrv_ctx *ctx, const char *name);
/* Size of the table a driver of this ABI version provides. */
size_t vmdrv__driver_size(unsigned int abi_version);

/* proc_posix.c / proc_win32.c */
int vmdrv__find_program(const char *prog, char *buf, size_t size);

/* host.c (platform/) */
int vmdrv__host_probe_platform(vmdrv_ctx *ctx, vmdrv_host *out);
void vmdrv__host_find_tools(vmdrv_ctx *ctx, vmdrv_host *out);
/* Ask a tool for its version into info->version (best effort). */
void vmdrv__tool_version(vmdrv_ctx *ctx, vmdrv_tool tool,
                         vmdrv_tool_info *info, const vmdrv_host *host);
/* "Core*" EditionIDs are Home; every other known one is Pro or above. */
vmdrv_edition vmdrv__edition_from_id(const char *edition_id);

#endif
