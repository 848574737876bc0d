/*
 * hyperv_driver.c: the Hyper-V driver, which drives the Hyper-V
 * PowerShell module the way Multipass's hyperv backend does (New-VM,
 * Set-VMFirmware/Processor/Memory, Start-VM, Stop-VM, Save-VM,
 * Checkpoint-VM and the *-VMCheckpoint cmdlets, Get-VMSwitch,
 * Add-VMNetworkAdapter, Remove-VM), plus SMB shares for native mounts.
 *
 * Every script is one pipeline built by hyperv_ps_build(): the driver's
 * own literals, and every other value single-quoted with quote doubling
 * (hyperv_ps.h). Hyper-V is the source of truth for a machine's state;
 * the driver keeps one file of its own, <instance dir>/hyperv.json, which
 * records that this scope made the machine and which SMB shares its
 * mounts use.
 *
 * Machines are named like the instance in the driver's own scope (what
 * Multipass does) and "<scope>.<instance>" in any other scope, because
 * Hyper-V's machine list is the host's, shared by every scope.
 *
 * Native mounts: the host half is real (New-SmbShare of the host folder,
 * with full access for the user PowerShell runs as, removed by umount and
 * delete). The guest
 * half, `mount -t cifs` inside the guest, needs a way into the guest that
 * this driver does not have (no guest exec over Hyper-V here): the mount
 * is recorded and `info` shows the command the guest must run.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hyperv_ps.h"
#include "vmdrv/sys/driver.h"
#include "vu_fs.h"
#include "vu_json.h"
#include "vu_str.h"

#define DRIVER_NAME "hyperv"
#define META_FILE "hyperv.json"
#define META_SCHEMA 1
#define META_MEMBERS "vm:string mounts:array"
/* Windows 10 1709+ "Default Switch"; looked up by id, as Multipass does */
#define DEFAULT_SWITCH_ID "c08cb7b8-9b3c-408e-8e30-5e16a3aeb444"

/* ---- scripts --------------------------------------------------------- */

/*
 * Build a script from fmt (hyperv_ps_build directives) and run it. A
 * value PowerShell must not see is refused with E_INVAL before anything
 * runs.
 */
static int ps(vmdrv_conn *conn, const char *doing, unsigned int flags,
              char **out, hyperv_ps_error *rec, const char *fmt, ...)
{
    vu_buf body = VU_BUF_INIT;
    char err[768];
    va_list ap;
    if (out)
        *out = NULL;
    va_start(ap, fmt);
    int rc = hyperv_ps_vbuild(&body, err, sizeof err, fmt, ap);
    va_end(ap);
    if (rc)
        rc = vmdrv_conn_error(conn, VMDRV_E_INVAL, 0, "cannot %s: %s", doing,
                              err);
    else
        rc = hyperv_ps_exec(conn, doing, vu_buf_str(&body), flags, out, rec);
    vu_buf_clear(&body);
    return rc;
}

/* ---- instances and their machines ------------------------------------ */

/* The instance's record; E_NOTFOUND when this scope never created it. */
static int meta_load(vmdrv_conn *conn, const char *name, json_t **meta)
{
    return vmdrv_conn_record_load(conn, name, META_FILE, META_SCHEMA,
                                  META_MEMBERS, meta);
}

static int meta_save(vmdrv_conn *conn, const char *name, json_t *meta)
{
    return vmdrv_conn_record_save(conn, name, META_FILE, meta);
}

static int lookup(vmdrv_conn *conn, const char *name, char *vm, size_t size)
{
    json_t *meta;
    int rc = meta_load(conn, name, &meta);
    if (rc)
        return rc;
    vu_strlcpy(vm, vu_json_str(meta, "vm", name), size);
    json_decref(meta);
    return 0;
}

typedef struct vm_state {
    char name[40];     /* Hyper-V's VMState name: "Running" */
    vmdrv_state state; /* the instance state it maps to */
    int transient;
} vm_state;

static int get_state(vmdrv_conn *conn, const char *doing, const char *vm,
                     vm_state *st)
{
    char *out;
    int rc = ps(conn, doing, 0, &out, NULL,
                "Get-VM -Name %q | Select-Object -ExpandProperty State", vm);
    if (rc)
        return rc;
    vu_strlcpy(st->name, out, sizeof st->name);
    if (hyperv_state_from_name(out, &st->state, &st->transient) < 0)
        vmdrv_log(vmdrv_conn_ctx(conn), DRIVER_NAME,
                  "VM state '%s' is not one Hyper-V documents: unknown", out);
    free(out);
    return 0;
}

static int is(const vm_state *st, const char *name)
{
    return strcmp(st->name, name) == 0;
}

/* Off, or off with a storage problem, or hibernated by its guest. */
static int is_off(const vm_state *st)
{
    return is(st, "Off") || is(st, "OffCritical") || is(st, "Hibernated");
}

static int is_saved(const vm_state *st)
{
    return is(st, "Saved") || is(st, "SavedCritical") || is(st, "FastSaved") ||
           is(st, "FastSavedCritical");
}

static int is_paused(const vm_state *st)
{
    return is(st, "Paused") || is(st, "PausedCritical");
}

static int is_running(const vm_state *st)
{
    return is(st, "Running") || is(st, "RunningCritical");
}

static int wrong_state(vmdrv_conn *conn, const char *what, const char *name,
                       const vm_state *st)
{
    return vmdrv_conn_error(conn, VMDRV_E_STATE, 0,
                            "cannot %s instance '%s' while it is %s "
                            "(Hyper-V state '%s')",
                            what, name, vmdrv_state_name(st->state), st->name);
}

/* ---- probe ----------------------------------------------------------- */

static int hyperv_probe(vmdrv_ctx *ctx, const vmdrv_host *host,
                        unsigned int flags)
{
    (void)flags;
    if (host->os != VMDRV_OS_WINDOWS)
        return vmdrv_error_set(ctx, VMDRV_E_DECLINED, DRIVER_NAME, 0,
                               "Hyper-V is only available on Windows (this "
                               "host is '%s')",
                               vmdrv_os_name(host->os));
    if (host->edition == VMDRV_EDITION_HOME)
        return vmdrv_error_set(ctx, VMDRV_E_DECLINED, DRIVER_NAME, 0,
                               "Hyper-V is only available on Windows Pro and "
                               "above (this host is Windows Home, EditionID "
                               "'%s')",
                               host->edition_id[0] ? host->edition_id : "Core");
    if (!vmdrv_tool_path(ctx, VMDRV_TOOL_POWERSHELL))
        return vmdrv_error_set(ctx, VMDRV_E_DECLINED, DRIVER_NAME, 0,
                               "powershell.exe not found (set %s to its "
                               "path)",
                               vmdrv_tool_env(VMDRV_TOOL_POWERSHELL));
    return 0;
}

/* ---- create ---------------------------------------------------------- */

static int hyperv_instance_create(vmdrv_conn *conn,
                                  const vmdrv_instance_spec *spec,
                                  unsigned int flags)
{
    (void)flags;
    const char *name = spec->name;
    char dir[1024], vm[160], doing[160];
    char *disk = NULL, *sw = NULL;
    hyperv_ps_error rec;
    json_t *record = NULL;
    int made_dir = 0, registered = 0, rc;
    int cpus = spec->cpus ? spec->cpus : 1;
    unsigned long long mem = (spec->memory_mb ? spec->memory_mb : 1024);
    unsigned long long disk_mb = spec->disk_mb ? spec->disk_mb : 5120;
    unsigned long long mem_bytes = mem * 1024ull * 1024ull;
    unsigned long long disk_bytes = disk_mb * 1024ull * 1024ull;

    snprintf(doing, sizeof doing, "create instance '%s'", name);
    if ((rc = vmdrv_conn_instance_dir(conn, name, dir, sizeof dir)))
        return rc;
    disk = vu_path_join(dir, "disk.vhdx");
    if (vmdrv_conn_record_exists(conn, name, META_FILE)) {
        rc = vmdrv_conn_error(conn, VMDRV_E_EXISTS, 0,
                              "instance '%s' already exists", name);
        goto cleanup;
    }
    if ((rc = vmdrv_conn_machine_name(conn, name, vm, sizeof vm)))
        goto cleanup;
    if (spec->image && !vu_path_exists(spec->image)) {
        rc = vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                              "cannot create instance '%s': image '%s' does "
                              "not exist (give a VHDX file, or none for a "
                              "blank disk)",
                              name, spec->image);
        goto cleanup;
    }
    /* Hyper-V's machines are the host's: never take over another's */
    rc = ps(conn, doing, HYPERV_PS_NOTFOUND_OK, NULL, &rec,
            "Get-VM -Name %q | Select-Object -ExpandProperty Name", vm);
    if (rc == 0) {
        rc = vmdrv_conn_error(conn, VMDRV_E_EXISTS, 0,
                              "cannot create instance '%s': Hyper-V already "
                              "has a machine named '%s'",
                              name, vm);
        goto cleanup;
    }
    if (rc != VMDRV_E_NOTFOUND)
        goto cleanup;
    if ((rc = ps(conn, doing, 0, &sw, NULL,
                 "Get-VMSwitch -Id %q | Select-Object -ExpandProperty Name",
                 DEFAULT_SWITCH_ID)))
        goto cleanup;
    if (!*sw) {
        rc = vmdrv_conn_error(conn, VMDRV_E_CONFIG, 0,
                              "cannot create instance '%s': Hyper-V has no "
                              "'Default Switch' (id %s)",
                              name, DEFAULT_SWITCH_ID);
        goto cleanup;
    }
    if ((rc = vu_mkdir_p(dir))) {
        rc = vmdrv_conn_error(conn, VMDRV_E_IO, -rc,
                              "cannot create folder '%s' for instance '%s'",
                              dir, name);
        goto cleanup;
    }
    made_dir = 1;
    if (spec->image) {
        if ((rc = vu_copy_file(spec->image, disk))) {
            rc = vmdrv_conn_error(conn, VMDRV_E_IO, -rc,
                                  "cannot copy image '%s' to '%s'", spec->image,
                                  disk);
            goto cleanup;
        }
        rc = ps(conn, doing, 0, NULL, NULL,
                "New-VM -Name %q -Generation 2 -MemoryStartupBytes %U "
                "-VHDPath %q -BootDevice VHD -SwitchName %q -Path %q "
                "| Out-Null",
                vm, mem_bytes, disk, sw, dir);
    } else {
        rc = ps(conn, doing, 0, NULL, NULL,
                "New-VM -Name %q -Generation 2 -MemoryStartupBytes %U "
                "-NewVHDPath %q -NewVHDSizeBytes %U -BootDevice VHD "
                "-SwitchName %q -Path %q | Out-Null",
                vm, mem_bytes, disk, disk_bytes, sw, dir);
    }
    if (rc)
        goto cleanup;
    registered = 1;
    if ((spec->image && spec->disk_mb &&
         (rc = ps(conn, doing, 0, NULL, NULL,
                  "Resize-VHD -Path %q -SizeBytes %U", disk, disk_bytes))) ||
        (rc = ps(conn, doing, 0, NULL, NULL,
                 "Set-VMFirmware -VMName %q -EnableSecureBoot Off", vm)) ||
        (rc = ps(conn, doing, 0, NULL, NULL,
                 "Set-VMProcessor -VMName %q -Count %d", vm, cpus)) ||
        (rc = ps(conn, doing, 0, NULL, NULL,
                 "Set-VMMemory -VMName %q -DynamicMemoryEnabled $false", vm)))
        goto cleanup;
    record = json_pack("{s:i,s:s,s:s,s:s,s:i,s:I,s:I,s:I,s:[],s:[]}", "schema",
                       META_SCHEMA, "vm", vm, "disk", disk, "switch", sw,
                       "cpus", cpus, "memory_mb", (json_int_t)mem, "disk_mb",
                       (json_int_t)disk_mb, "created", (json_int_t)time(NULL),
                       "mounts", "networks");
    rc = meta_save(conn, name, record);
cleanup:
    if (rc && registered)
        ps(conn, doing, HYPERV_PS_NO_ERROR, NULL, NULL,
           "Remove-VM -Name %q -Force", vm);
    if (rc && made_dir)
        vu_rm_rf(dir);
    json_decref(record);
    free(disk);
    free(sw);
    return rc;
}

/* ---- lifecycle ------------------------------------------------------- */

/* What an op on one instance works with. */
typedef struct target {
    char doing[192]; /* "start instance 'web1'", for messages */
    char vm[160];    /* the instance's machine */
    vm_state st;     /* and its state when the op began */
} target;

/* Begin the op "<verb> instance '<name>'": find the machine, read its state. */
static int target_get(vmdrv_conn *conn, const char *verb, const char *name,
                      target *t)
{
    snprintf(t->doing, sizeof t->doing, "%s instance '%s'", verb, name);
    int rc = lookup(conn, name, t->vm, sizeof t->vm);
    return rc ? rc : get_state(conn, t->doing, t->vm, &t->st);
}

static int hyperv_instance_start(vmdrv_conn *conn, const char *name,
                                 unsigned int flags)
{
    (void)flags;
    target t;
    int rc = target_get(conn, "start", name, &t);
    if (rc)
        return rc;
    if (is_running(&t.st))
        return 0; /* starting a running instance is not an error */
    if (is_paused(&t.st))
        return ps(conn, t.doing, 0, NULL, NULL, "Resume-VM -Name %q", t.vm);
    if (is_off(&t.st) || is_saved(&t.st))
        return ps(conn, t.doing, 0, NULL, NULL, "Start-VM -Name %q", t.vm);
    return wrong_state(conn, "start", name, &t.st);
}

static int hyperv_instance_stop(vmdrv_conn *conn, const char *name,
                                unsigned int flags)
{
    target t;
    int force = (flags & VMDRV_STOP_FORCE) != 0;
    int rc = target_get(conn, "stop", name, &t);
    if (rc)
        return rc;
    if (is_off(&t.st))
        return 0; /* stop is idempotent */
    if (is_saved(&t.st) || is_paused(&t.st)) {
        if (!force)
            return vmdrv_conn_error(conn, VMDRV_E_STATE, 0,
                                    "cannot shut down suspended instance "
                                    "'%s' (use a forced stop to discard its "
                                    "saved state)",
                                    name);
        if (is_saved(&t.st))
            return ps(conn, t.doing, 0, NULL, NULL,
                      "Remove-VMSavedState -VMName %q", t.vm);
        return ps(conn, t.doing, 0, NULL, NULL, "Stop-VM -Name %q -TurnOff",
                  t.vm);
    }
    if (!is_running(&t.st))
        return wrong_state(conn, "stop", name, &t.st);
    if (force)
        return ps(conn, t.doing, 0, NULL, NULL, "Stop-VM -Name %q -TurnOff",
                  t.vm);
    /* through the guest's integration services; -Force so a guest with
     * unsaved work cannot turn the shutdown into a prompt, which a
     * non-interactive session answers with an error */
    return ps(conn, t.doing, 0, NULL, NULL, "Stop-VM -Name %q -Force", t.vm);
}

static int hyperv_instance_suspend(vmdrv_conn *conn, const char *name,
                                   unsigned int flags)
{
    (void)flags;
    target t;
    int rc = target_get(conn, "suspend", name, &t);
    if (rc)
        return rc;
    if (is_saved(&t.st))
        return 0;
    if (is_running(&t.st) || is_paused(&t.st))
        return ps(conn, t.doing, 0, NULL, NULL, "Save-VM -Name %q", t.vm);
    return wrong_state(conn, "suspend", name, &t.st);
}

static int hyperv_instance_state(vmdrv_conn *conn, const char *name,
                                 vmdrv_state *state, unsigned int flags)
{
    (void)flags;
    target t;
    int rc = target_get(conn, "read the state of", name, &t);
    if (rc == 0)
        *state = t.st.state;
    return rc;
}

/* Records of CSV text with a header: calls fn(header, record, data). */
static int csv_each(const char *text,
                    void (*fn)(const vu_strv *hdr, const vu_strv *rec,
                               void *data),
                    void *data)
{
    vu_strv hdr = VU_STRV_INIT, rec = VU_STRV_INIT;
    const char *p = text;
    int r = hyperv_csv_record(&p, &hdr);
    while (r > 0 && (r = hyperv_csv_record(&p, &rec)) > 0) {
        fn(&hdr, &rec, data);
        vu_strv_clear(&rec);
    }
    vu_strv_clear(&hdr);
    vu_strv_clear(&rec);
    return r < 0 ? -1 : 0;
}

static const char *csv_field(const vu_strv *hdr, const vu_strv *rec,
                             const char *column)
{
    for (size_t i = 0; i < hdr->n && i < rec->n; i++)
        if (strcmp(hdr->v[i], column) == 0)
            return rec->v[i];
    return NULL;
}

static void info_row(const vu_strv *hdr, const vu_strv *rec, void *data)
{
    vmdrv_info *info = data;
    const char *v;
    if ((v = csv_field(hdr, rec, "ProcessorCount")))
        info->cpus = atoi(v);
    if ((v = csv_field(hdr, rec, "MemoryStartup")))
        info->memory_mb = strtoull(v, NULL, 10) / (1024 * 1024);
    if ((v = csv_field(hdr, rec, "Path")))
        vmdrv_info_add(info, "vm_path", "%s", v);
}

static int hyperv_instance_info(vmdrv_conn *conn, const char *name,
                                vmdrv_info *info, unsigned int flags)
{
    (void)flags;
    char doing[160];
    char *out = NULL;
    json_t *meta = NULL;
    vm_state st;
    int rc;

    snprintf(doing, sizeof doing, "read instance '%s'", name);
    if ((rc = meta_load(conn, name, &meta)))
        return rc;
    const char *vm = vu_json_str(meta, "vm", name);
    if ((rc = get_state(conn, doing, vm, &st)) ||
        (rc = ps(conn, doing, 0, &out, NULL,
                 "Get-VM -Name %q | Select-Object "
                 "Name,ProcessorCount,MemoryStartup,Path | ConvertTo-Csv "
                 "-NoTypeInformation",
                 vm)))
        goto cleanup;
    info->state = st.state;
    vmdrv_info_add(info, "vm", "%s", vm);
    vmdrv_info_add(info, "vm_state", "%s", st.name);
    if (csv_each(out, info_row, info) < 0) {
        rc = vmdrv_conn_error(conn, VMDRV_E_PARSE, 0,
                              "cannot %s: unterminated quote in Get-VM's CSV",
                              doing);
        goto cleanup;
    }
    info->disk_mb =
        (uint64_t)json_integer_value(json_object_get(meta, "disk_mb"));
    vmdrv_info_add(info, "disk", "%s", vu_json_str(meta, "disk", ""));
    vmdrv_info_add(info, "switch", "%s", vu_json_str(meta, "switch", ""));
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(meta, "networks"), i, m)
        vmdrv_info_add(info, "network", "%s", json_string_value(m));
    json_array_foreach(json_object_get(meta, "mounts"), i, m) vmdrv_info_add(
        info, "mount",
        "%s => %s (SMB share '%s'; in the guest: sudo mount -t "
        "cifs //<host>/%s %s)",
        vu_json_str(m, "host", "?"), vu_json_str(m, "guest", "?"),
        vu_json_str(m, "share", "?"), vu_json_str(m, "share", "?"),
        vu_json_str(m, "guest", "?"));
cleanup:
    free(out);
    json_decref(meta);
    return rc;
}

static int hyperv_instance_delete(vmdrv_conn *conn, const char *name,
                                  unsigned int flags)
{
    (void)flags;
    char vm[160], doing[160], dir[1024];
    char *out = NULL;
    json_t *meta = NULL;
    hyperv_ps_error rec;
    vm_state st;
    int rc;

    snprintf(doing, sizeof doing, "delete instance '%s'", name);
    if ((rc = meta_load(conn, name, &meta)) ||
        (rc = vmdrv_conn_instance_dir(conn, name, dir, sizeof dir)))
        goto cleanup;
    vu_strlcpy(vm, vu_json_str(meta, "vm", name), sizeof vm);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(meta, "mounts"), i, m)
    {
        rc = ps(conn, doing, HYPERV_PS_NOTFOUND_OK, NULL, NULL,
                "Remove-SmbShare -Name %q -Force", vu_json_str(m, "share", ""));
        if (rc && rc != VMDRV_E_NOTFOUND)
            goto cleanup;
    }
    rc = ps(conn, doing, HYPERV_PS_NOTFOUND_OK, &out, &rec,
            "Get-VM -Name %q | Select-Object -ExpandProperty State", vm);
    if (rc == VMDRV_E_NOTFOUND) {
        /* already gone from Hyper-V: only our folder is left */
        vmdrv_log(vmdrv_conn_ctx(conn), DRIVER_NAME,
                  "machine '%s' of instance '%s' no longer exists", vm, name);
    } else if (rc) {
        goto cleanup;
    } else {
        vu_strlcpy(st.name, out, sizeof st.name);
        hyperv_state_from_name(out, &st.state, &st.transient);
        if (!is_off(&st) && !is_saved(&st) &&
            (rc = ps(conn, doing, 0, NULL, NULL, "Stop-VM -Name %q -TurnOff",
                     vm)))
            goto cleanup;
        if ((rc = ps(conn, doing, 0, NULL, NULL, "Remove-VM -Name %q -Force",
                     vm)))
            goto cleanup;
    }
    /* Remove-VM leaves the virtual disk: it lives in our folder */
    if ((rc = vu_rm_rf(dir)))
        rc = vmdrv_conn_error(conn, VMDRV_E_IO, -rc,
                              "cannot remove folder '%s' of instance '%s'", dir,
                              name);
cleanup:
    free(out);
    json_decref(meta);
    return rc;
}

static int hyperv_instance_list(vmdrv_conn *conn, vmdrv_names *names,
                                unsigned int flags)
{
    (void)flags;
    char *out;
    int rc = ps(conn, "list instances", 0, &out, NULL,
                "Get-VM | Select-Object -ExpandProperty Name");
    if (rc)
        return rc;
    const char *p = out;
    while (*p) {
        size_t len = strcspn(p, "\n");
        char *vm = vu_str_trim(vu_strndup(p, len));
        char *inst = vmdrv_conn_machine_instance(conn, vm);
        /* only the machines this scope created */
        if (inst && vmdrv_conn_record_exists(conn, inst, META_FILE))
            vmdrv_names_add(names, inst);
        free(inst);
        free(vm);
        p += len + (p[len] == '\n');
    }
    free(out);
    return 0;
}

/* ---- snapshots ------------------------------------------------------- */

/* 1 when the checkpoint exists, 0 when not, or a negative status. */
static int checkpoint_exists(vmdrv_conn *conn, const char *doing,
                             const char *vm, const char *snapshot)
{
    char *out;
    int rc = ps(conn, doing, HYPERV_PS_NOTFOUND_OK, &out, NULL,
                "Get-VMCheckpoint -VMName %q -Name %q | Select-Object "
                "-ExpandProperty Name",
                vm, snapshot);
    if (rc == VMDRV_E_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    /* the -Name parameter takes wildcards: only an exact name counts */
    int found = 0;
    for (const char *p = out; *p;) {
        size_t len = strcspn(p, "\n");
        char *line = vu_str_trim(vu_strndup(p, len));
        found |= strcmp(line, snapshot) == 0;
        free(line);
        p += len + (p[len] == '\n');
    }
    free(out);
    return found;
}

/*
 * Shared start of the snapshot ops: the machine, its state, and whether
 * the checkpoint exists; refuses transient states. verb is "take",
 * "restore" or "delete"; what names the op in a wrong-state message.
 */
static int snap_begin(vmdrv_conn *conn, const char *verb, const char *what,
                      const char *name, const char *snapshot, target *t,
                      int *exists)
{
    char op[128];
    snprintf(op, sizeof op, "%s snapshot '%s' of", verb, snapshot);
    int rc = target_get(conn, op, name, t);
    if (rc)
        return rc;
    if (t->st.transient)
        return wrong_state(conn, what, name, &t->st);
    rc = checkpoint_exists(conn, t->doing, t->vm, snapshot);
    if (rc < 0)
        return rc;
    *exists = rc;
    return 0;
}

static int hyperv_snapshot_take(vmdrv_conn *conn, const char *name,
                                const char *snapshot, unsigned int flags)
{
    (void)flags;
    target t;
    int exists = 0;
    int rc = snap_begin(conn, "take", "snapshot", name, snapshot, &t, &exists);
    if (rc)
        return rc;
    if (exists)
        return vmdrv_conn_error(conn, VMDRV_E_EXISTS, 0,
                                "snapshot '%s' of '%s' already exists",
                                snapshot, name);
    return ps(conn, t.doing, 0, NULL, NULL,
              "Checkpoint-VM -Name %q -SnapshotName %q", t.vm, snapshot);
}

/* Restore or delete an existing checkpoint: the two differ in one check. */
static int snap_change(vmdrv_conn *conn, const char *name,
                       const char *snapshot, int restore)
{
    target t;
    int exists = 0;
    int rc = snap_begin(conn, restore ? "restore" : "delete",
                        restore ? "restore a snapshot of"
                                : "delete a snapshot of",
                        name, snapshot, &t, &exists);
    if (rc)
        return rc;
    if (!exists)
        return vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                                "instance '%s' has no snapshot '%s'", name,
                                snapshot);
    if (!restore)
        return ps(conn, t.doing, 0, NULL, NULL,
                  "Remove-VMCheckpoint -VMName %q -Name %q -Confirm:$false",
                  t.vm, snapshot);
    /* as with VirtualBox: a running guest is stopped or suspended first */
    if (!is_off(&t.st) && !is_saved(&t.st))
        return vmdrv_conn_error(conn, VMDRV_E_STATE, 0,
                                "cannot restore snapshot '%s' of instance "
                                "'%s' while it is %s (stop or suspend it "
                                "first)",
                                snapshot, name, vmdrv_state_name(t.st.state));
    return ps(conn, t.doing, 0, NULL, NULL,
              "Restore-VMCheckpoint -VMName %q -Name %q -Confirm:$false", t.vm,
              snapshot);
}

static int hyperv_snapshot_restore(vmdrv_conn *conn, const char *name,
                                   const char *snapshot, unsigned int flags)
{
    (void)flags;
    return snap_change(conn, name, snapshot, 1);
}

static void snapshot_row(const vu_strv *hdr, const vu_strv *rec, void *data)
{
    const char *n = csv_field(hdr, rec, "Name");
    const char *parent = csv_field(hdr, rec, "ParentSnapshotName");
    if (n && *n)
        vmdrv_snapshots_add(data, n, parent ? parent : "", 0, NULL);
}

static int hyperv_snapshot_list(vmdrv_conn *conn, const char *name,
                                vmdrv_snapshots *list, unsigned int flags)
{
    (void)flags;
    char vm[160], doing[160];
    char *out;
    int rc;
    snprintf(doing, sizeof doing, "list the snapshots of instance '%s'", name);
    if ((rc = lookup(conn, name, vm, sizeof vm)) ||
        (rc = ps(conn, doing, 0, &out, NULL,
                 "Get-VMCheckpoint -VMName %q | Select-Object "
                 "Name,ParentSnapshotName | ConvertTo-Csv -NoTypeInformation",
                 vm)))
        return rc;
    if (csv_each(out, snapshot_row, list) < 0)
        rc = vmdrv_conn_error(conn, VMDRV_E_PARSE, 0,
                              "cannot %s: unterminated quote in "
                              "Get-VMCheckpoint's CSV",
                              doing);
    free(out);
    return rc;
}

static int hyperv_snapshot_delete(vmdrv_conn *conn, const char *name,
                                  const char *snapshot, unsigned int flags)
{
    (void)flags;
    return snap_change(conn, name, snapshot, 0);
}

/* ---- native mounts (SMB) --------------------------------------------- */

/* FNV-1a, to give a share a short name that is stable and unique. */
static unsigned long fnv1a(const char *a, const char *b)
{
    unsigned long h = 2166136261ul;
    for (const char *s = a; *s; s++)
        h = ((h ^ (unsigned char)*s) * 16777619ul) & 0xfffffffful;
    h = ((h ^ 0xffu) * 16777619ul) & 0xfffffffful;
    for (const char *s = b; *s; s++)
        h = ((h ^ (unsigned char)*s) * 16777619ul) & 0xfffffffful;
    return h;
}

static int hyperv_mount(vmdrv_conn *conn, const char *name,
                        const char *host_path, const char *guest_path,
                        unsigned int flags)
{
    (void)flags;
    char doing[1200], dir[1024], share[96], desc[1200];
    json_t *meta = NULL;
    vm_state st;
    int rc;

    snprintf(doing, sizeof doing, "mount '%s' into instance '%s'", host_path,
             name);
    if ((rc = meta_load(conn, name, &meta)) ||
        (rc = vmdrv_conn_instance_dir(conn, name, dir, sizeof dir)))
        goto cleanup;
    const char *vm = vu_json_str(meta, "vm", name);
    if (!vu_is_dir(host_path)) {
        rc = vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                              "host folder '%s' does not exist", host_path);
        goto cleanup;
    }
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(meta, "mounts"), i, m)
    {
        if (strcmp(vu_json_str(m, "guest", ""), guest_path) == 0) {
            rc = vmdrv_conn_error(conn, VMDRV_E_EXISTS, 0,
                                  "'%s' is already mounted in '%s'", guest_path,
                                  name);
            goto cleanup;
        }
    }
    if ((rc = get_state(conn, doing, vm, &st)))
        goto cleanup;
    if (is_saved(&st) || is_paused(&st) || st.transient) {
        rc = wrong_state(conn, "mount a folder into", name, &st);
        goto cleanup;
    }
    snprintf(share, sizeof share, "vmdrv-%.40s-%08lx", name,
             fnv1a(dir, guest_path));
    snprintf(desc, sizeof desc, "vmdrv mount of '%s' into %s:%s", host_path, vm,
             guest_path);
    /* granted to the account of the PowerShell that creates the share,
     * which is the user vmdrv runs as: Windows always sets USERNAME */
    if ((rc = ps(conn, doing, 0, NULL, NULL,
                 "New-SmbShare -Name %q -Path %q -FullAccess $env:USERNAME "
                 "-Description %q | Out-Null",
                 share, host_path, desc)))
        goto cleanup;
    json_array_append_new(json_object_get(meta, "mounts"),
                          json_pack("{s:s,s:s,s:s}", "host", host_path, "guest",
                                    guest_path, "share", share));
    if ((rc = meta_save(conn, name, meta)))
        ps(conn, doing, HYPERV_PS_NO_ERROR, NULL, NULL,
           "Remove-SmbShare -Name %q -Force", share);
    else
        vmdrv_log(vmdrv_conn_ctx(conn), DRIVER_NAME,
                  "shared '%s' as '%s'; the guest mounts it with: sudo mount "
                  "-t cifs //<host>/%s %s",
                  host_path, share, share, guest_path);
cleanup:
    json_decref(meta);
    return rc;
}

static int hyperv_umount(vmdrv_conn *conn, const char *name,
                         const char *guest_path, unsigned int flags)
{
    (void)flags;
    char doing[1200];
    json_t *meta = NULL;
    int rc;

    snprintf(doing, sizeof doing, "unmount '%s' from instance '%s'", guest_path,
             name);
    if ((rc = meta_load(conn, name, &meta)))
        return rc;
    json_t *mounts = json_object_get(meta, "mounts");
    size_t i;
    json_t *m;
    json_array_foreach(mounts, i, m)
    {
        if (strcmp(vu_json_str(m, "guest", ""), guest_path) != 0)
            continue;
        rc = ps(conn, doing, HYPERV_PS_NOTFOUND_OK, NULL, NULL,
                "Remove-SmbShare -Name %q -Force", vu_json_str(m, "share", ""));
        if (rc && rc != VMDRV_E_NOTFOUND)
            goto cleanup;
        json_array_remove(mounts, i);
        rc = meta_save(conn, name, meta);
        goto cleanup;
    }
    rc = vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                          "nothing is mounted at '%s' in '%s'", guest_path,
                          name);
cleanup:
    json_decref(meta);
    return rc;
}

/* ---- networks -------------------------------------------------------- */

typedef struct switch_list {
    vmdrv_networks *list;
} switch_list;

static void switch_row(const vu_strv *hdr, const vu_strv *rec, void *data)
{
    switch_list *sl = data;
    const char *n = csv_field(hdr, rec, "Name");
    const char *type = csv_field(hdr, rec, "SwitchType");
    const char *adapter = csv_field(hdr, rec, "NetAdapterInterfaceDescription");
    char desc[256];
    if (!n || !*n)
        return;
    /* Multipass's descriptions of the three switch types */
    if (type && strcmp(type, "External") == 0)
        snprintf(desc, sizeof desc,
                 "Virtual Switch with external networking via \"%s\"",
                 adapter ? adapter : "");
    else if (type && strcmp(type, "Private") == 0)
        vu_strlcpy(desc, "Private virtual switch", sizeof desc);
    else if (type && strcmp(type, "Internal") == 0)
        vu_strlcpy(desc, "Virtual Switch with internal networking",
                   sizeof desc);
    else
        snprintf(desc, sizeof desc, "Virtual Switch of type '%s'",
                 type ? type : "?");
    vmdrv_networks_add(sl->list, n, "switch", desc);
}

static int list_switches(vmdrv_conn *conn, const char *doing,
                         vmdrv_networks *list)
{
    char *out;
    switch_list sl = {list};
    int rc = ps(conn, doing, 0, &out, NULL,
                "Get-VMSwitch | Select-Object "
                "Name,SwitchType,NetAdapterInterfaceDescription | "
                "ConvertTo-Csv -NoTypeInformation");
    if (rc)
        return rc;
    if (csv_each(out, switch_row, &sl) < 0)
        rc = vmdrv_conn_error(conn, VMDRV_E_PARSE, 0,
                              "cannot %s: unterminated quote in "
                              "Get-VMSwitch's CSV",
                              doing);
    free(out);
    return rc;
}

static int hyperv_networks_list(vmdrv_conn *conn, vmdrv_networks *list,
                                unsigned int flags)
{
    (void)flags;
    return list_switches(conn, "list networks", list);
}

static int hyperv_network_add(vmdrv_conn *conn, const char *name,
                              const char *network, unsigned int flags)
{
    (void)flags;
    char doing[384];
    json_t *meta = NULL;
    vmdrv_networks switches;
    vm_state st;
    int rc;

    memset(&switches, 0, sizeof switches);
    snprintf(doing, sizeof doing, "add network '%s' to instance '%s'", network,
             name);
    if ((rc = meta_load(conn, name, &meta)))
        return rc;
    const char *vm = vu_json_str(meta, "vm", name);
    if ((rc = list_switches(conn, doing, &switches)))
        goto cleanup;
    /* compared here, exactly: Get-VMSwitch -Name would expand wildcards */
    int known = 0;
    for (size_t i = 0; i < switches.count; i++)
        known |= strcmp(switches.items[i].id, network) == 0;
    if (!known) {
        rc = vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                              "no network named '%s' on this host", network);
        goto cleanup;
    }
    if ((rc = get_state(conn, doing, vm, &st)))
        goto cleanup;
    if (!is_off(&st)) {
        rc = wrong_state(conn, "add a network to", name, &st);
        goto cleanup;
    }
    if ((rc =
             ps(conn, doing, 0, NULL, NULL,
                "Add-VMNetworkAdapter -VMName %q -SwitchName %q", vm, network)))
        goto cleanup;
    json_array_append_new(json_object_get(meta, "networks"),
                          json_string(network));
    rc = meta_save(conn, name, meta);
cleanup:
    vmdrv_networks_clear(&switches);
    json_decref(meta);
    return rc;
}

const vmdrv_driver vmdrv_driver_hyperv = {
    .abi_version = VMDRV_DRIVER_ABI_VERSION,
    .name = DRIVER_NAME,
    .display_name = "Hyper-V",
    .caps = VMDRV_CAP_BIT(VMDRV_CAP_NATIVE_MOUNTS) |
            VMDRV_CAP_BIT(VMDRV_CAP_EXTRA_NETWORKS) |
            VMDRV_CAP_BIT(VMDRV_CAP_SNAPSHOTS) |
            VMDRV_CAP_BIT(VMDRV_CAP_SUSPEND),
    .probe = hyperv_probe,
    .instance_create = hyperv_instance_create,
    .instance_start = hyperv_instance_start,
    .instance_stop = hyperv_instance_stop,
    .instance_suspend = hyperv_instance_suspend,
    .instance_state = hyperv_instance_state,
    .instance_info = hyperv_instance_info,
    .instance_delete = hyperv_instance_delete,
    .instance_list = hyperv_instance_list,
    .snapshot_take = hyperv_snapshot_take,
    .snapshot_restore = hyperv_snapshot_restore,
    .snapshot_list = hyperv_snapshot_list,
    .snapshot_delete = hyperv_snapshot_delete,
    .mount = hyperv_mount,
    .umount = hyperv_umount,
    .networks_list = hyperv_networks_list,
    .network_add = hyperv_network_add,
    /* guest_exec: no way into the guest over Hyper-V's CLI */
};
