/*
 * registry.c: the drivers this context knows: the built-in ones (listed
 * even when not built, so they can answer "not built"), and plugins loaded
 * from shared objects.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "internal.h"
#include "platform/platform.h"
#include "vmdrv_config.h"

/* Every in-tree driver, built or not. */
static const struct {
    const char *name, *display_name;
    const vmdrv_driver *table; /* NULL when not built */
} builtins[] = {
    {"test", "Test",
#if VMDRV_HAVE_DRIVER_TEST
     &vmdrv_driver_test
#else
     NULL
#endif
    },
    {"qemu", "QEMU",
#if VMDRV_HAVE_DRIVER_QEMU
     &vmdrv_driver_qemu
#else
     NULL
#endif
    },
    {"hyperv", "Hyper-V",
#if VMDRV_HAVE_DRIVER_HYPERV
     &vmdrv_driver_hyperv
#else
     NULL
#endif
    },
    {"virtualbox", "VirtualBox",
#if VMDRV_HAVE_DRIVER_VIRTUALBOX
     &vmdrv_driver_virtualbox
#else
     NULL
#endif
    },
};

size_t vmdrv__driver_size(unsigned int abi_version)
{
    switch (abi_version) {
    case 1:
        return offsetof(vmdrv_driver, networks_list);
    case 2:
        return sizeof(vmdrv_driver);
    default:
        return 0;
    }
}

/* Copy only the fields the driver's ABI version has; zero the rest. */
static void copy_table(vmdrv_driver *dst, const vmdrv_driver *src)
{
    memset(dst, 0, sizeof *dst);
    memcpy(dst, src, vmdrv__driver_size(src->abi_version));
}

/*
 * Connections point into the entry array (their entry and its table
 * copy), so it never moves: it is allocated once with room for the
 * built-ins and REG_MAX_PLUGINS plugins, and loading more is refused.
 */
#define N_BUILTINS (sizeof builtins / sizeof builtins[0])
#define REG_MAX_PLUGINS 60
#define REG_CAPACITY (N_BUILTINS + REG_MAX_PLUGINS)

static reg_entry *add_entry(vmdrv_ctx *ctx)
{
    reg_entry *e = &ctx->drivers[ctx->n_drivers++];
    memset(e, 0, sizeof *e);
    return e;
}

/* A driver name is a local.driver value and a scope folder name. */
static int driver_name_valid(const char *name)
{
    if (!vmdrv_name_valid(name))
        return 0;
    for (const char *p = name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            return 0;
    return 1;
}

void vmdrv__registry_init(vmdrv_ctx *ctx)
{
    ctx->drivers = vu_calloc(REG_CAPACITY, sizeof *ctx->drivers);
    for (size_t i = 0; i < N_BUILTINS; i++) {
        reg_entry *e = add_entry(ctx);
        e->name = vu_strdup(builtins[i].name);
        e->display_name = vu_strdup(builtins[i].display_name);
        e->origin = VMDRV_ORIGIN_BUILTIN;
        if (builtins[i].table) {
            e->built = 1;
            copy_table(&e->table, builtins[i].table);
        }
    }
}

void vmdrv__registry_free(vmdrv_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_drivers; i++) {
        reg_entry *e = &ctx->drivers[i];
        free(e->name);
        free(e->display_name);
        free(e->plugin_path);
        /* plugin handles stay open: tables and code may still be in use
         * by connections the caller forgot, and the OS unmaps at exit */
    }
    free(ctx->drivers);
    ctx->drivers = NULL;
    ctx->n_drivers = 0;
}

reg_entry *vmdrv__registry_find(vmdrv_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->n_drivers; i++)
        if (strcmp(ctx->drivers[i].name, name) == 0)
            return &ctx->drivers[i];
    return NULL;
}

size_t vmdrv_driver_count(vmdrv_ctx *ctx)
{
    return ctx->n_drivers;
}

int vmdrv_driver_get(vmdrv_ctx *ctx, size_t i, vmdrv_driver_desc *out)
{
    if (i >= ctx->n_drivers)
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                               "driver index %zu out of range (%zu drivers)",
                               i, ctx->n_drivers);
    reg_entry *e = &ctx->drivers[i];
    out->name = e->name;
    out->display_name = e->display_name;
    out->origin = e->origin;
    out->plugin_path = e->plugin_path;
    out->built = e->built;
    out->abi_version = e->built ? e->table.abi_version : 0;
    out->caps = e->built ? e->table.caps : 0;
    return 0;
}

int vmdrv_driver_find(vmdrv_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->n_drivers; i++)
        if (strcmp(ctx->drivers[i].name, name) == 0)
            return (int)i;
    return -1;
}

int vmdrv_driver_load(vmdrv_ctx *ctx, const char *path)
{
    if (!path || !*path)
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                               "no driver library given");
    if (ctx->n_drivers >= REG_CAPACITY)
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                               "cannot load driver library '%s': at most %d "
                               "driver libraries can be loaded",
                               path, REG_MAX_PLUGINS);
    char why[512];
    void *h = vmdrv__dl_open(path, why, sizeof why);
    if (!h)
        return vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, NULL, 0,
                               "cannot load driver library '%s': %s", path,
                               why);
    vmdrv_driver_entry_fn entry;
    /* ISO C forbids converting void* to a function pointer; POSIX allows
     * it, and memcpy says so without a warning */
    void *sym = vmdrv__dl_sym(h, VMDRV_DRIVER_ENTRY_SYMBOL);
    if (!sym) {
        vmdrv__dl_close(h);
        return vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, NULL, 0,
                               "driver library '%s' has no entry point '%s'",
                               path, VMDRV_DRIVER_ENTRY_SYMBOL);
    }
    memcpy(&entry, &sym, sizeof entry);
    const vmdrv_driver *t = entry(VMDRV_DRIVER_ABI_VERSION);
    int rc = 0;
    if (!t) {
        rc = vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                             "driver library '%s' returned no driver table",
                             path);
    } else if (t->abi_version == 0) {
        rc = vmdrv_error_set(ctx, VMDRV_E_ABI, NULL, 0,
                             "driver library '%s' declares ABI version 0, "
                             "which is never valid",
                             path);
    } else if (t->abi_version > VMDRV_DRIVER_ABI_VERSION) {
        rc = vmdrv_error_set(ctx, VMDRV_E_ABI, NULL, t->abi_version,
                             "driver library '%s' needs ABI version %u; "
                             "this SDK knows versions 1 to %u",
                             path, t->abi_version, VMDRV_DRIVER_ABI_VERSION);
    } else if (!t->name || !t->name[0]) {
        rc = vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                             "driver library '%s' has a table without a name",
                             path);
    } else if (!driver_name_valid(t->name)) {
        rc = vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                             "driver library '%s' names its driver '%s', "
                             "which is not a valid driver name (lower-case "
                             "letters, digits and hyphens, starting with a "
                             "letter)",
                             path, t->name);
    } else if (vmdrv__registry_find(ctx, t->name)) {
        rc = vmdrv_error_set(ctx, VMDRV_E_EXISTS, NULL, 0,
                             "driver library '%s' names its driver '%s', "
                             "which is already registered",
                             path, t->name);
    }
    if (rc) {
        vmdrv__dl_close(h);
        return rc;
    }
    reg_entry *e = add_entry(ctx);
    e->name = vu_strdup(t->name);
    e->display_name = vu_strdup(t->display_name ? t->display_name : t->name);
    e->origin = VMDRV_ORIGIN_PLUGIN;
    e->plugin_path = vu_strdup(path);
    e->dl_handle = h;
    e->built = 1;
    copy_table(&e->table, t);
    return 0;
}
