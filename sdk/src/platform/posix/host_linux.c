/*
 * host_linux.c: the real host probe for Linux (os-release, uname, and
 * /dev/kvm opened read-write and asked to create a VM). The macOS and
 * Windows probes live beside it and are compiled only there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "internal.h"

#if defined(__linux__)
#include <linux/kvm.h>

/* One KEY=value line of os-release; strips one pair of quotes. */
static int os_release_value(const char *line, const char *key, char *buf,
                            size_t size)
{
    size_t klen = strlen(key);
    if (strncmp(line, key, klen) != 0 || line[klen] != '=')
        return 0;
    const char *v = line + klen + 1;
    size_t len = strcspn(v, "\r\n");
    if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
        v++;
        len -= 2;
    }
    snprintf(buf, size, "%.*s", (int)len, v);
    return 1;
}

static void read_os_release(vmdrv_host *h)
{
    FILE *f = fopen("/etc/os-release", "r");
    if (!f)
        f = fopen("/usr/lib/os-release", "r");
    if (!f) {
        vu_strlcpy(h->os_name, "Linux", sizeof h->os_name);
        return;
    }
    char line[512];
    while (fgets(line, sizeof line, f)) {
        os_release_value(line, "PRETTY_NAME", h->os_name, sizeof h->os_name);
        os_release_value(line, "VERSION_ID", h->os_version,
                         sizeof h->os_version);
    }
    fclose(f);
}

/* vmx (Intel) or svm (AMD) in /proc/cpuinfo; arm64 has no such flag. */
static int cpu_has_virt_flags(void)
{
#if defined(__x86_64__) || defined(__i386__)
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[4096];
    int found = 0;
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof line, f))
        if (strncmp(line, "flags", 5) == 0)
            found = strstr(line, " vmx") || strstr(line, " svm");
    fclose(f);
    return found;
#else
    return 1;
#endif
}

static void probe_kvm(vmdrv_host *h)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(h->accel_note, sizeof h->accel_note,
                 errno == ENOENT
                     ? "KVM support is not enabled on this machine (no /dev/kvm)"
                     : "the KVM device cannot be opened for reading and "
                       "writing: %s",
                 strerror(errno));
        return;
    }
    /* /dev/kvm can exist and open without working hardware support;
     * only creating a VM proves it (EBUSY: another hypervisor owns VT-x) */
    int api = ioctl(fd, KVM_GET_API_VERSION, 0);
    int vm = api == KVM_API_VERSION ? ioctl(fd, KVM_CREATE_VM, 0) : -1;
    if (vm >= 0 && !cpu_has_virt_flags()) {
        /* seen here: a paravirtual KVM (kvm_pvm) creates VMs, then fails
         * to run a guest (emulation failure on cmpxchg16b); only hardware
         * virtualisation flags make KVM worth using */
        snprintf(h->accel_note, sizeof h->accel_note,
                 "/dev/kvm creates VMs but the CPU shows no vmx/svm flag "
                 "(a paravirtual KVM): not used");
        close(vm);
    } else if (vm >= 0) {
        h->accels |= VMDRV_ACCEL_KVM;
        close(vm);
    } else {
        snprintf(h->accel_note, sizeof h->accel_note,
                 "/dev/kvm opens but cannot create a VM: %s",
                 api != KVM_API_VERSION ? "unexpected KVM API version"
                                        : strerror(errno));
    }
    close(fd);
}
#endif

/* host_macos.c probes Apple systems */
#if !defined(__APPLE__)
int vmdrv__host_probe_platform(vmdrv_ctx *ctx, vmdrv_host *h)
{
    struct utsname u;
    (void)ctx;
#if defined(__linux__)
    h->os = VMDRV_OS_LINUX;
    read_os_release(h);
    probe_kvm(h);
#else
    h->os = VMDRV_OS_UNKNOWN;
    vu_strlcpy(h->os_name, "unknown POSIX system", sizeof h->os_name);
#endif
    if (uname(&u) == 0) {
        if (strcmp(u.machine, "x86_64") == 0 || strcmp(u.machine, "amd64") == 0)
            h->arch = VMDRV_ARCH_X86_64;
        else if (strcmp(u.machine, "aarch64") == 0 ||
                 strcmp(u.machine, "arm64") == 0)
            h->arch = VMDRV_ARCH_ARM64;
    }
    return 0;
}
#endif
