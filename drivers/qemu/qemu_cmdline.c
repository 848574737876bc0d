/*
 * qemu_cmdline.c: the QEMU command line for an instance.
 *
 * One function turns a qemu_launch description into argv, so a resumed
 * or relaunched instance gets exactly the device set it was saved with
 * (QEMU refuses to load a state whose devices differ). Choices, and why:
 *  - q35 by default; microvm only with tsc_early_khz on the kernel
 *    command line: without it the guest hangs calibrating its clock
 *    under TCG on a busy host (measured in the guest lab);
 *  - -nodefaults -no-user-config -display none -no-reboot: nothing the
 *    host's QEMU configuration adds, no display, and a guest reboot ends
 *    the process (the driver notices and reports the instance stopped);
 *  - the serial console is a unix-socket chardev with a logfile, so the
 *    boot transcript survives while no client is connected;
 *  - QMP on its own unix socket;
 *  - the disk through -blockdev with stable node names, which the
 *    snapshot jobs name;
 *  - one virtio-9p device per native mount, user-mode networking by
 *    default, bridges through QEMU's bridge helper;
 *  - devices in a fixed order, so PCI slots stay stable when a 9p export
 *    is appended to a running instance's command line.
 */
#include <stdio.h>
#include <string.h>

#include "qemu.h"

static int is_microvm(const char *machine)
{
    return machine && strcmp(machine, "microvm") == 0;
}

/* virtio device model: PCI on q35, MMIO on microvm. */
static const char *virtio_model(const char *machine, const char *what)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "virtio-%s-%s", what,
             is_microvm(machine) ? "device" : "pci");
    return buf;
}

void qemu_mount_tag(const char *host_path, const char *guest_path, char *buf,
                    size_t size)
{
    /* QEMU allows 31 bytes; the pair, not the guest path alone, names a
     * device, so re-mounting another folder at the same place gets a new
     * device instead of reusing the old export */
    vu_buf key = VU_BUF_INIT;
    vu_buf_printf(&key, "%s\n%s", host_path, guest_path);
    snprintf(buf, size, "m%016llx",
             (unsigned long long)qemu_hash64(vu_buf_str(&key)));
    vu_buf_clear(&key);
}

void qemu_cmdline_mount_args(const char *machine, const qemu_mount_dev *m,
                             vu_strv *argv)
{
    vu_buf b = VU_BUF_INIT;
    /* security_model=none: files keep the owner QEMU runs as, which is
     * what a user sharing their own folder expects, root or not */
    vu_buf_printf(&b, "local,id=fs%s,path=", m->tag);
    qemu_opt_escape(&b, m->host_path);
    vu_buf_puts(&b, ",security_model=none");
    vu_strv_add(argv, "-fsdev");
    vu_strv_add(argv, vu_buf_str(&b));
    vu_strv_add(argv, "-device");
    vu_strv_addf(argv, "%s,id=dev%s,fsdev=fs%s,mount_tag=%s",
                 virtio_model(machine, "9p"), m->tag, m->tag, m->tag);
    vu_buf_clear(&b);
}

static int check_launch(vmdrv_ctx *ctx, const qemu_launch *l)
{
    const char *need[][2] = {
        {"QEMU binary", l->binary},
        {"accelerator", l->accel},
        {"kernel", l->kernel},
        {"initrd", l->initrd},
        {"disk", l->disk},
        {"serial socket", l->serial_sock},
        {"serial log", l->serial_log},
        {"QMP socket", l->qmp_sock},
        {"pidfile", l->pidfile},
    };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!need[i][1] || !*need[i][1])
            return qemu_err(ctx, VMDRV_E_INVAL, 0,
                            "cannot build the QEMU command line: no %s given",
                            need[i][0]);
    const char *machine = l->machine ? l->machine : "q35";
    if (strcmp(machine, "q35") != 0 && strcmp(machine, "microvm") != 0)
        return qemu_err(ctx, VMDRV_E_CONFIG, 0,
                        "unknown machine type '%s' (valid: q35, microvm)",
                        machine);
    if (is_microvm(machine) && l->tsc_khz == 0)
        return qemu_err(ctx, VMDRV_E_CONFIG, 0,
                        "machine 'microvm' needs tsc_early_khz (the guest "
                        "kernel can hang calibrating its clock without an "
                        "HPET or PM timer)");
    if (is_microvm(machine) && l->arch != VMDRV_ARCH_X86_64)
        return qemu_err(ctx, VMDRV_E_CONFIG, 0,
                        "machine 'microvm' exists only for x86_64 guests");
    if (l->cpus < 1 || l->cpus > 255)
        return qemu_err(ctx, VMDRV_E_INVAL, 0, "invalid cpu count %d for QEMU",
                        l->cpus);
    if (l->memory_mb < 16)
        return qemu_err(ctx, VMDRV_E_INVAL, 0,
                        "invalid memory size %llu MiB for QEMU (at least 16)",
                        (unsigned long long)l->memory_mb);
    for (size_t i = 0; i < l->n_mounts; i++)
        if (!l->mounts[i].tag || strlen(l->mounts[i].tag) > 31 ||
            !l->mounts[i].host_path || l->mounts[i].host_path[0] != '/')
            return qemu_err(ctx, VMDRV_E_INVAL, 0,
                            "invalid 9p export %zu (tag '%s', folder '%s')", i,
                            l->mounts[i].tag ? l->mounts[i].tag : "",
                            l->mounts[i].host_path ? l->mounts[i].host_path
                                                   : "");
    for (size_t i = 0; i < l->n_nics; i++) {
        const qemu_nic *n = &l->nics[i];
        if (!n->kind || !n->id || !*n->id || !n->mac ||
            (strcmp(n->kind, "bridge") != 0 &&
             strcmp(n->kind, "vmnet-bridged") != 0))
            return qemu_err(ctx, VMDRV_E_INVAL, 0,
                            "invalid network %zu ('%s' of kind '%s')", i,
                            n->id ? n->id : "", n->kind ? n->kind : "");
        if (is_microvm(machine) && strcmp(n->kind, "bridge") != 0)
            return qemu_err(ctx, VMDRV_E_CONFIG, 0,
                            "network kind '%s' is not available on microvm",
                            n->kind);
    }
    return 0;
}

int qemu_cmdline_build(vmdrv_ctx *ctx, const qemu_launch *l, vu_strv *argv)
{
    int rc = check_launch(ctx, l);
    if (rc)
        return rc;
    const char *machine = l->machine ? l->machine : "q35";
    vu_buf b = VU_BUF_INIT;

    vu_strv_add(argv, l->binary);
    if (l->name) {
        vu_strv_add(argv, "-name");
        vu_buf_printf(&b, "vmdrv-");
        qemu_opt_escape(&b, l->name);
        vu_strv_add(argv, vu_buf_str(&b));
        vu_buf_clear(&b);
    }
    vu_strv_add(argv, "-accel");
    vu_strv_add(argv, l->accel);
    vu_strv_add(argv, "-machine");
    vu_strv_add(argv, machine);
    vu_strv_add(argv, "-m");
    vu_strv_addf(argv, "%llu", (unsigned long long)l->memory_mb);
    vu_strv_add(argv, "-smp");
    vu_strv_addf(argv, "%d", l->cpus);
    vu_strv_add(argv, "-nodefaults");
    vu_strv_add(argv, "-no-user-config");
    vu_strv_add(argv, "-display");
    vu_strv_add(argv, "none");
    vu_strv_add(argv, "-no-reboot");

    /* console: a socket for guest exec, a logfile for the transcript */
    vu_buf_puts(&b, "socket,id=ser0,path=");
    qemu_opt_escape(&b, l->serial_sock);
    vu_buf_puts(&b, ",server=on,wait=off,logfile=");
    qemu_opt_escape(&b, l->serial_log);
    vu_buf_puts(&b, ",logappend=on");
    vu_strv_add(argv, "-chardev");
    vu_strv_add(argv, vu_buf_str(&b));
    vu_buf_clear(&b);
    vu_strv_add(argv, "-serial");
    vu_strv_add(argv, "chardev:ser0");

    /* QMP through -chardev + -mon, which can escape any path */
    vu_buf_puts(&b, "socket,id=qmp0,path=");
    qemu_opt_escape(&b, l->qmp_sock);
    vu_buf_puts(&b, ",server=on,wait=off");
    vu_strv_add(argv, "-chardev");
    vu_strv_add(argv, vu_buf_str(&b));
    vu_buf_clear(&b);
    vu_strv_add(argv, "-mon");
    vu_strv_add(argv, "chardev=qmp0,mode=control");

    vu_strv_add(argv, "-kernel");
    vu_strv_add(argv, l->kernel);
    vu_strv_add(argv, "-initrd");
    vu_strv_add(argv, l->initrd);
    vu_buf_puts(&b, "console=ttyS0 panic=-1 quiet");
    if (is_microvm(machine))
        vu_buf_printf(&b, " tsc_early_khz=%lu", l->tsc_khz);
    if (l->append_extra && *l->append_extra)
        vu_buf_printf(&b, " %s", l->append_extra);
    vu_strv_add(argv, "-append");
    vu_strv_add(argv, vu_buf_str(&b));
    vu_buf_clear(&b);

    vu_buf_puts(&b, "driver=file,filename=");
    qemu_opt_escape(&b, l->disk);
    vu_buf_puts(&b, ",node-name=file0");
    vu_strv_add(argv, "-blockdev");
    vu_strv_add(argv, vu_buf_str(&b));
    vu_buf_clear(&b);
    vu_strv_add(argv, "-blockdev");
    vu_strv_add(argv, "driver=qcow2,file=file0,node-name=" QEMU_DISK_NODE);
    vu_strv_add(argv, "-device");
    vu_strv_addf(argv, "%s,id=vda,drive=" QEMU_DISK_NODE,
                 virtio_model(machine, "blk"));

    /* user-mode networking: works unprivileged everywhere */
    vu_strv_add(argv, "-netdev");
    vu_strv_add(argv, "user,id=net0");
    vu_strv_add(argv, "-device");
    vu_strv_addf(argv, "%s,id=nic0,netdev=net0", virtio_model(machine, "net"));
    for (size_t i = 0; i < l->n_nics; i++) {
        const qemu_nic *n = &l->nics[i];
        if (strcmp(n->kind, "bridge") == 0) {
            vu_buf_printf(&b, "bridge,id=net%zu,br=", i + 1);
            qemu_opt_escape(&b, n->id);
            if (n->helper) {
                vu_buf_puts(&b, ",helper=");
                qemu_opt_escape(&b, n->helper);
            }
        } else {
            vu_buf_printf(&b, "vmnet-bridged,id=net%zu,ifname=", i + 1);
            qemu_opt_escape(&b, n->id);
        }
        vu_strv_add(argv, "-netdev");
        vu_strv_add(argv, vu_buf_str(&b));
        vu_buf_clear(&b);
        vu_strv_add(argv, "-device");
        vu_strv_addf(argv, "%s,id=nic%zu,netdev=net%zu,mac=%s",
                     virtio_model(machine, "net"), i + 1, i + 1, n->mac);
    }

    for (size_t i = 0; i < l->n_mounts; i++)
        qemu_cmdline_mount_args(machine, &l->mounts[i], argv);

    vu_strv_add(argv, "-pidfile");
    vu_strv_add(argv, l->pidfile);
    if (l->daemonize)
        vu_strv_add(argv, "-daemonize");
    return 0;
}
