/*
 * platform_table.c: the SDK's platform table: which drivers each platform
 * offers, which one is its default, which drivers are retired, and how a
 * local.driver value is spelled. These are the seed page's facts as the
 * SDK implements them; matrix/ states what is *expected*, separately, and
 * the conformance runner compares the two, so neither copies the other.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "mgr_internal.h"

/* Which hosts a driver is offered on. */
typedef struct offer {
    const char *driver;
    vmdrv_os os;           /* VMDRV_OS_UNKNOWN: every OS */
    vmdrv_edition edition; /* VMDRV_EDITION_NONE: every edition */
    vmdrv_arch arch;       /* VMDRV_ARCH_UNKNOWN: every architecture */
} offer;

static const offer offers[] = {
    {"qemu", VMDRV_OS_LINUX, VMDRV_EDITION_NONE, VMDRV_ARCH_UNKNOWN},
    {"qemu", VMDRV_OS_MACOS, VMDRV_EDITION_NONE, VMDRV_ARCH_UNKNOWN},
    /* Multipass builds its VirtualBox backend on macOS only for x86_64
     * (populate-supported-backends-list.cmake: APPLE and x86_64), so an
     * Apple Silicon Mac is not offered VirtualBox. */
    {"virtualbox", VMDRV_OS_MACOS, VMDRV_EDITION_NONE, VMDRV_ARCH_X86_64},
    /* Hyper-V ships with Pro and above only ("Core" EditionIDs are Home) */
    {"hyperv", VMDRV_OS_WINDOWS, VMDRV_EDITION_PRO, VMDRV_ARCH_UNKNOWN},
    {"virtualbox", VMDRV_OS_WINDOWS, VMDRV_EDITION_NONE, VMDRV_ARCH_UNKNOWN},
    /* the reference driver runs anywhere, so it is offered anywhere */
    {"test", VMDRV_OS_UNKNOWN, VMDRV_EDITION_NONE, VMDRV_ARCH_UNKNOWN},
};

typedef struct dflt {
    vmdrv_os os;
    vmdrv_edition edition; /* VMDRV_EDITION_NONE: every edition */
    const char *driver;
} dflt;

static const dflt defaults[] = {
    {VMDRV_OS_LINUX, VMDRV_EDITION_NONE, "qemu"},
    {VMDRV_OS_MACOS, VMDRV_EDITION_NONE, "qemu"},
    {VMDRV_OS_WINDOWS, VMDRV_EDITION_PRO, "hyperv"},
    {VMDRV_OS_WINDOWS, VMDRV_EDITION_HOME, "virtualbox"},
};

static const struct {
    const char *driver, *display, *version, *platform;
    vmdrv_arch arch; /* VMDRV_ARCH_UNKNOWN: every architecture */
} retired[] = {
    /* Hyperkit is an Intel-only hypervisor: it never ran on Apple Silicon */
    {"hyperkit", "Hyperkit", "1.13", "macos", VMDRV_ARCH_X86_64},
    {"lxd", "LXD", "1.16", "linux", VMDRV_ARCH_UNKNOWN},
    {"libvirt", "libvirt", "1.16", "linux", VMDRV_ARCH_UNKNOWN},
};

static const struct {
    const char *from, *to;
} spellings[] = {
    {"hyper-v", "hyperv"},
    {"vbox", "virtualbox"},
};

/* The in-tree drivers, in the order listings use. */
static const struct {
    const char *name, *display;
} known[] = {
    {"qemu", "QEMU"},
    {"hyperv", "Hyper-V"},
    {"virtualbox", "VirtualBox"},
    {"test", "Test"},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int matches(const offer *o, const vmdrv_host *host)
{
    if (o->os != VMDRV_OS_UNKNOWN && o->os != host->os)
        return 0;
    if (o->edition != VMDRV_EDITION_NONE && o->edition != host->edition)
        return 0;
    if (o->arch != VMDRV_ARCH_UNKNOWN && o->arch != host->arch)
        return 0;
    return 1;
}

const char *vmdrv__display(const char *name)
{
    for (size_t i = 0; i < N_OF(known); i++)
        if (strcmp(known[i].name, name) == 0)
            return known[i].display;
    for (size_t i = 0; i < N_OF(retired); i++)
        if (strcmp(retired[i].driver, name) == 0)
            return retired[i].display;
    return name;
}

static const char *os_words(vmdrv_os os)
{
    switch (os) {
    case VMDRV_OS_LINUX:
        return "Linux";
    case VMDRV_OS_MACOS:
        return "macOS";
    case VMDRV_OS_WINDOWS:
        return "Windows";
    case VMDRV_OS_UNKNOWN:
        break;
    }
    return "an unknown operating system";
}

void vmdrv__host_words(const vmdrv_host *host, char *buf, size_t size)
{
    if (host->os == VMDRV_OS_WINDOWS)
        snprintf(buf, size, "Windows %s",
                 host->edition == VMDRV_EDITION_HOME  ? "Home"
                 : host->edition == VMDRV_EDITION_PRO ? "Pro"
                                                      : "(unknown edition)");
    else if (host->os == VMDRV_OS_MACOS)
        snprintf(buf, size, "macOS (%s)", vmdrv_arch_name(host->arch));
    else
        snprintf(buf, size, "%s", os_words(host->os));
}

int vmdrv__table_knows(const char *name)
{
    for (size_t i = 0; i < N_OF(known); i++)
        if (strcmp(known[i].name, name) == 0)
            return 1;
    return 0;
}

const char *vmdrv_platform_default(const vmdrv_host *host)
{
    if (!host)
        return NULL;
    for (size_t i = 0; i < N_OF(defaults); i++)
        if (defaults[i].os == host->os &&
            (defaults[i].edition == VMDRV_EDITION_NONE ||
             defaults[i].edition == host->edition))
            return defaults[i].driver;
    return NULL;
}

int vmdrv_platform_available(const vmdrv_host *host, const char *name,
                             char *reason, size_t size)
{
    char words[64];
    if (reason && size)
        reason[0] = '\0';
    if (!host || !name)
        return 0;
    int platform_has = 0;
    for (size_t i = 0; i < N_OF(offers); i++) {
        if (strcmp(offers[i].driver, name) != 0)
            continue;
        if (matches(&offers[i], host))
            return 1;
        if (offers[i].os == host->os)
            platform_has = 1;
    }
    if (!reason)
        return 0;
    vmdrv__host_words(host, words, sizeof words);
    if (!vmdrv__table_knows(name)) {
        snprintf(reason, size, "'%s' is not a driver vmdrv knows", name);
    } else if (strcmp(name, "hyperv") == 0 && host->os == VMDRV_OS_WINDOWS) {
        snprintf(reason, size,
                 "Hyper-V needs Windows Pro or above, and this host is %s",
                 words);
    } else if (strcmp(name, "virtualbox") == 0 && platform_has) {
        snprintf(reason, size,
                 "VirtualBox is offered on macOS only for x86_64, and this "
                 "host is %s",
                 words);
    } else {
        snprintf(reason, size, "the %s driver is not offered on %s",
                 vmdrv__display(name), words);
    }
    return 0;
}

size_t vmdrv_platform_drivers(const vmdrv_host *host, const char **names,
                              size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < N_OF(known); i++) {
        if (!vmdrv_platform_available(host, known[i].name, NULL, 0))
            continue;
        if (names && n < max)
            names[n] = known[i].name;
        n++;
    }
    return n;
}

int vmdrv_driver_retired(const char *name, const char **version,
                         const char **platform)
{
    for (size_t i = 0; name && i < N_OF(retired); i++) {
        if (strcmp(retired[i].driver, name) == 0) {
            if (version)
                *version = retired[i].version;
            if (platform)
                *platform = retired[i].platform;
            return 1;
        }
    }
    return 0;
}

int vmdrv__driver_retired_on(const vmdrv_host *host, const char *name)
{
    for (size_t i = 0; name && i < N_OF(retired); i++)
        if (strcmp(retired[i].driver, name) == 0)
            return strcmp(retired[i].platform, vmdrv_os_name(host->os)) == 0 &&
                   (retired[i].arch == VMDRV_ARCH_UNKNOWN ||
                    retired[i].arch == host->arch);
    return 0;
}

int vmdrv_driver_canonical(const char *value, char *buf, size_t size)
{
    if (!value || !buf || size == 0)
        return VMDRV_E_INVAL;
    while (isspace((unsigned char)*value))
        value++;
    size_t n = strlen(value);
    while (n > 0 && isspace((unsigned char)value[n - 1]))
        n--;
    if (n == 0 || n >= size)
        return VMDRV_E_INVAL;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)value[i]);
    buf[n] = '\0';
    for (size_t i = 0; i < N_OF(spellings); i++) {
        if (strcmp(buf, spellings[i].from) == 0) {
            if (strlen(spellings[i].to) >= size)
                return VMDRV_E_INVAL;
            strcpy(buf, spellings[i].to);
            break;
        }
    }
    return 0;
}
