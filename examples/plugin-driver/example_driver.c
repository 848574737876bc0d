/*
 * example_driver.c: a minimal out-of-tree vmdrv driver, the starting point
 * for a driver author. It keeps each instance as a small state file in
 * its scope folder (a real driver asks its hypervisor instead) and
 * implements the lifecycle only: every feature op is left NULL, so the
 * SDK's dispatcher answers "unsupported" for it, naming the feature and
 * this driver, and `vmdrv conform` verifies exactly that.
 *
 * Built against the installed SDK only (vmdrv/sys/driver.h); exports one
 * function, vmdrv_driver_entry, that returns the table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include <vmdrv/sys/driver.h>

/* <scope>/instances/<name>/example.state: "state cpus memory_mb\n" */
static int state_path(vmdrv_conn *conn, const char *name, char *buf,
                      size_t size)
{
    char dir[1024];
    int rc = vmdrv_conn_instance_dir(conn, name, dir, sizeof dir);
    if (rc)
        return rc;
    snprintf(buf, size, "%s/example.state", dir);
    return 0;
}

static int load(vmdrv_conn *conn, const char *name, int *state, int *cpus,
                unsigned long long *mem)
{
    char path[1100];
    int rc = state_path(conn, name, path, sizeof path);
    if (rc)
        return rc;
    FILE *f = fopen(path, "r");
    if (!f)
        return vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                                "instance '%s' does not exist", name);
    int n = fscanf(f, "%d %d %llu", state, cpus, mem);
    fclose(f);
    if (n != 3)
        return vmdrv_conn_error(conn, VMDRV_E_CORRUPT, 0,
                                "state of instance '%s' is unreadable", name);
    return 0;
}

static int save(vmdrv_conn *conn, const char *name, int state, int cpus,
                unsigned long long mem)
{
    char path[1100], tmp[1200];
    int rc = state_path(conn, name, path, sizeof path);
    if (rc)
        return rc;
    /* write then rename: a crash never leaves half a state file */
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%d %d %llu\n", state, cpus, mem) < 0 ||
        fflush(f) != 0 || fsync(fileno(f)) != 0) {
        if (f)
            fclose(f);
        return vmdrv_conn_error(conn, VMDRV_E_IO, errno,
                                "cannot write '%s': %s", tmp, strerror(errno));
    }
    fclose(f);
    if (rename(tmp, path) != 0)
        return vmdrv_conn_error(conn, VMDRV_E_IO, errno,
                                "cannot write '%s': %s", path, strerror(errno));
    return 0;
}

static int example_instance_create(vmdrv_conn *conn,
                                   const vmdrv_instance_spec *spec,
                                   unsigned int flags)
{
    char dir[1024];
    int st, cpus;
    unsigned long long mem;
    (void)flags;
    if (load(conn, spec->name, &st, &cpus, &mem) == 0)
        return vmdrv_conn_error(conn, VMDRV_E_EXISTS, 0,
                                "instance '%s' already exists", spec->name);
    vmdrv_error_clear(vmdrv_conn_ctx(conn));
    int rc = vmdrv_conn_instance_dir(conn, spec->name, dir, sizeof dir);
    if (rc)
        return rc;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return vmdrv_conn_error(conn, VMDRV_E_IO, errno,
                                "cannot create '%s': %s", dir, strerror(errno));
    return save(conn, spec->name, VMDRV_STATE_OFF, spec->cpus ? spec->cpus : 1,
                spec->memory_mb ? spec->memory_mb : 512);
}

static int example_instance_start(vmdrv_conn *conn, const char *name,
                                  unsigned int flags)
{
    int st, cpus;
    unsigned long long mem;
    (void)flags;
    int rc = load(conn, name, &st, &cpus, &mem);
    if (rc)
        return rc;
    return save(conn, name, VMDRV_STATE_RUNNING, cpus, mem);
}

static int example_instance_stop(vmdrv_conn *conn, const char *name,
                                 unsigned int flags)
{
    int st, cpus;
    unsigned long long mem;
    (void)flags; /* no suspension here, so a forced stop is a stop */
    int rc = load(conn, name, &st, &cpus, &mem);
    if (rc)
        return rc;
    if (st != VMDRV_STATE_RUNNING)
        return 0; /* stop is idempotent */
    return save(conn, name, VMDRV_STATE_STOPPED, cpus, mem);
}

static int example_instance_state(vmdrv_conn *conn, const char *name,
                                  vmdrv_state *state, unsigned int flags)
{
    int st, cpus;
    unsigned long long mem;
    (void)flags;
    int rc = load(conn, name, &st, &cpus, &mem);
    if (!rc)
        *state = (vmdrv_state)st;
    return rc;
}

static int example_instance_info(vmdrv_conn *conn, const char *name,
                                 vmdrv_info *info, unsigned int flags)
{
    int st, cpus;
    unsigned long long mem;
    (void)flags;
    int rc = load(conn, name, &st, &cpus, &mem);
    if (rc)
        return rc;
    info->state = (vmdrv_state)st;
    info->cpus = cpus;
    info->memory_mb = mem;
    vmdrv_info_add(info, "driver", "example (out of tree)");
    return 0;
}

static int example_instance_delete(vmdrv_conn *conn, const char *name,
                                   unsigned int flags)
{
    char path[1100], dir[1024];
    int st, cpus;
    unsigned long long mem;
    (void)flags;
    int rc = load(conn, name, &st, &cpus, &mem);
    if (rc)
        return rc;
    state_path(conn, name, path, sizeof path);
    vmdrv_conn_instance_dir(conn, name, dir, sizeof dir);
    if (unlink(path) != 0 || rmdir(dir) != 0)
        return vmdrv_conn_error(conn, VMDRV_E_IO, errno,
                                "cannot delete instance '%s': %s", name,
                                strerror(errno));
    return 0;
}

static int example_instance_list(vmdrv_conn *conn, vmdrv_names *names,
                                 unsigned int flags)
{
    char dir[1024];
    (void)flags;
    snprintf(dir, sizeof dir, "%s/instances", vmdrv_conn_dir(conn));
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && vmdrv_name_valid(e->d_name))
            vmdrv_names_add(names, e->d_name);
    if (d)
        closedir(d);
    return 0;
}

static const vmdrv_driver example_driver = {
    .abi_version = VMDRV_DRIVER_ABI_VERSION,
    .name = "example",
    .display_name = "Example",
    .caps = 0, /* no features: every feature op below is NULL */
    .instance_create = example_instance_create,
    .instance_start = example_instance_start,
    .instance_stop = example_instance_stop,
    .instance_state = example_instance_state,
    .instance_info = example_instance_info,
    .instance_delete = example_instance_delete,
    .instance_list = example_instance_list,
};

/* The one exported symbol: vmdrv --driver-lib looks it up by name. */
__attribute__((visibility("default"))) const vmdrv_driver *
vmdrv_driver_entry(unsigned int sdk_abi)
{
    (void)sdk_abi; /* built against ABI 2; the SDK refuses what it cannot read */
    return &example_driver;
}
