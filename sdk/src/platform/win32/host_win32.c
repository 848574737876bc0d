/*
 * host_win32.c: the real host probe on Windows: the edition and version
 * from the registry (EditionID, CurrentBuildNumber, DisplayVersion), the
 * machine's architecture, and whether the Windows Hypervisor Platform
 * (WHPX, what QEMU accelerates with) answers.
 *
 * Edition: EditionID as Multipass's health check reads it; "Core*" is
 * Home, which has no Hyper-V (vmdrv__edition_from_id(), shared with host
 * profiles). ProductName is not used: it still says "Windows 10" on many
 * Windows 11 installs; build 22000 and later is Windows 11.
 */
#include "win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CURRENT_VERSION_KEY L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"

#ifndef RRF_SUBKEY_WOW6464KEY
#define RRF_SUBKEY_WOW6464KEY 0x00010000 /* winreg.h; older mingw lacks it */
#endif

/* A REG_SZ value of CurrentVersion as UTF-8; 0 when found. */
static int reg_string(const wchar_t *name, char *buf, size_t size)
{
    wchar_t w[256];
    DWORD len = sizeof w;
    /* RRF_SUBKEY_WOW6464KEY: a 32-bit build must not read the WOW64
     * view, whose EditionID can differ */
    if (RegGetValueW(HKEY_LOCAL_MACHINE, CURRENT_VERSION_KEY, name,
                     RRF_RT_REG_SZ | RRF_SUBKEY_WOW6464KEY, NULL, w,
                     &len) != ERROR_SUCCESS)
        return -1;
    char *u = vmdrv__utf8(w);
    vu_strlcpy(buf, u, size);
    free(u);
    return 0;
}

static int reg_dword(const wchar_t *name, DWORD *out)
{
    DWORD len = sizeof *out;
    return RegGetValueW(HKEY_LOCAL_MACHINE, CURRENT_VERSION_KEY, name,
                        RRF_RT_REG_DWORD | RRF_SUBKEY_WOW6464KEY, NULL, out,
                        &len) == ERROR_SUCCESS
               ? 0
               : -1;
}

static void probe_version(vmdrv_host *h)
{
    char build[32] = "", display[32] = "";
    DWORD major = 0, minor = 0;
    if (reg_string(L"EditionID", h->edition_id, sizeof h->edition_id) != 0)
        h->edition_id[0] = '\0';
    h->edition = vmdrv__edition_from_id(h->edition_id);
    reg_string(L"CurrentBuildNumber", build, sizeof build);
    /* DisplayVersion ("22H2") from 20H2 on; ReleaseId ("2009") before */
    if (reg_string(L"DisplayVersion", display, sizeof display) != 0)
        reg_string(L"ReleaseId", display, sizeof display);
    if (reg_dword(L"CurrentMajorVersionNumber", &major) == 0) {
        reg_dword(L"CurrentMinorVersionNumber", &minor);
        snprintf(h->os_version, sizeof h->os_version, "%lu.%lu.%s",
                 (unsigned long)major, (unsigned long)minor,
                 build[0] ? build : "0");
    } else {
        /* before Windows 10: CurrentVersion is "6.1", "6.3", ... */
        char cur[16] = "";
        reg_string(L"CurrentVersion", cur, sizeof cur);
        snprintf(h->os_version, sizeof h->os_version, "%s.%s",
                 cur[0] ? cur : "0.0", build[0] ? build : "0");
    }
    long b = strtol(build, NULL, 10);
    const char *family = major >= 10 ? (b >= 22000 ? "Windows 11" : "Windows 10")
                                     : "Windows";
    snprintf(h->os_name, sizeof h->os_name, "%s%s%s%s%s", family,
             h->edition_id[0] ? " " : "", h->edition_id,
             display[0] ? " " : "", display);
}

typedef BOOL(WINAPI *is_wow64_process2_fn)(HANDLE, USHORT *, USHORT *);

static void probe_arch(vmdrv_host *h)
{
    /* IsWow64Process2 (Windows 10 1709+) names the machine's own
     * architecture even to an x64 process emulated on ARM64, which
     * GetNativeSystemInfo reports as x64 */
    USHORT process = 0, native = 0;
    FARPROC p = GetProcAddress(GetModuleHandleW(L"kernel32.dll"),
                               "IsWow64Process2");
    is_wow64_process2_fn fn;
    memcpy(&fn, &p, sizeof fn);
    if (fn && fn(GetCurrentProcess(), &process, &native)) {
        if (native == IMAGE_FILE_MACHINE_AMD64)
            h->arch = VMDRV_ARCH_X86_64;
        else if (native == 0xAA64) /* IMAGE_FILE_MACHINE_ARM64 */
            h->arch = VMDRV_ARCH_ARM64;
        return;
    }
    SYSTEM_INFO si;
    GetNativeSystemInfo(&si);
    if (si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_AMD64)
        h->arch = VMDRV_ARCH_X86_64;
    else if (si.wProcessorArchitecture == 12) /* PROCESSOR_ARCHITECTURE_ARM64 */
        h->arch = VMDRV_ARCH_ARM64;
}

/* WHvGetCapability(WHvCapabilityCodeHypervisorPresent, ...): the WHPX
 * API's own answer. WinHvPlatform.dll exists only when the "Windows
 * Hypervisor Platform" feature is enabled; asking it is cheap (no WMI,
 * no PowerShell, no admin). */
typedef HRESULT(WINAPI *whv_get_capability_fn)(UINT32 code, VOID *buf,
                                                UINT32 size, UINT32 *written);

static void probe_whpx(vmdrv_host *h)
{
    HMODULE dll = LoadLibraryExW(L"WinHvPlatform.dll", NULL,
                                 LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (!dll) {
        snprintf(h->accel_note, sizeof h->accel_note,
                 "the Windows Hypervisor Platform is not enabled "
                 "(no WinHvPlatform.dll)");
        return;
    }
    FARPROC p = GetProcAddress(dll, "WHvGetCapability");
    whv_get_capability_fn fn;
    memcpy(&fn, &p, sizeof fn);
    /* the capability is a union of at most a few dozen bytes; the
     * HypervisorPresent answer is its first BOOL */
    union {
        BOOL present;
        unsigned char raw[256];
    } cap;
    memset(&cap, 0, sizeof cap);
    UINT32 written = 0;
    HRESULT hr = fn ? fn(0, &cap, sizeof cap, &written) : E_NOTIMPL;
    if (SUCCEEDED(hr) && cap.present)
        h->accels |= VMDRV_ACCEL_WHPX;
    else if (SUCCEEDED(hr))
        snprintf(h->accel_note, sizeof h->accel_note,
                 "the Windows Hypervisor Platform is enabled but no "
                 "hypervisor is running (reboot, or enable virtualization "
                 "in the firmware)");
    else
        snprintf(h->accel_note, sizeof h->accel_note,
                 "the Windows Hypervisor Platform did not answer "
                 "(HRESULT 0x%08lx)",
                 (unsigned long)hr);
    FreeLibrary(dll);
}

int vmdrv__host_probe_platform(vmdrv_ctx *ctx, vmdrv_host *h)
{
    (void)ctx;
    h->os = VMDRV_OS_WINDOWS;
    probe_version(h);
    probe_arch(h);
    probe_whpx(h);
    return 0;
}
