/*
 * plugin_min.c: the smallest out-of-tree driver, built as a DLL by
 * ci/cross-windows.sh --full, so platform_check.c proves that plugins
 * load on Windows (LoadLibraryW + GetProcAddress, dl_win32.c).
 */
#include "vmdrv/sys/driver.h"

static int crossplug_probe(vmdrv_ctx *ctx, const vmdrv_host *host,
                           unsigned int flags)
{
    (void)ctx;
    (void)host;
    (void)flags;
    return 0;
}

static const vmdrv_driver crossplug = {
    .abi_version = VMDRV_DRIVER_ABI_VERSION,
    .name = "crossplug",
    .display_name = "Cross plugin",
    .probe = crossplug_probe,
};

__declspec(dllexport) const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi);

const vmdrv_driver *vmdrv_driver_entry(unsigned int sdk_abi)
{
    (void)sdk_abi;
    return &crossplug;
}
