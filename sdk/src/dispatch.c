/*
 * dispatch.c: connections and the dispatcher. Every public operation
 * checks its arguments, instance names and flag bits, then calls the
 * driver's op, or answers VMDRV_E_NOTSUP itself when the op is NULL.
 * It also holds drivers to the error contract: a failure without a
 * message is turned into a named contract violation.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "vu_fs.h"

/* ---- connections ---------------------------------------------------- */

vmdrv_ctx *vmdrv_conn_ctx(vmdrv_conn *conn)
{
    return conn->ctx;
}

const vmdrv_host *vmdrv_conn_host(vmdrv_conn *conn)
{
    return vmdrv_ctx_host(conn->ctx);
}

const char *vmdrv_conn_driver_name(vmdrv_conn *conn)
{
    return conn->entry->name;
}

const char *vmdrv_conn_display_name(vmdrv_conn *conn)
{
    return conn->entry->display_name;
}

const char *vmdrv_conn_scope(vmdrv_conn *conn)
{
    return conn->scope;
}

const char *vmdrv_conn_dir(vmdrv_conn *conn)
{
    return conn->dir;
}

int vmdrv_conn_instance_dir(vmdrv_conn *conn, const char *name, char *buf,
                            size_t size)
{
    if (!vmdrv_name_valid(name))
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "invalid instance name '%s'", name);
    int n = snprintf(buf, size, "%s/instances/%s", conn->dir, name);
    if (n < 0 || (size_t)n >= size)
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "instance path for '%s' is too long", name);
    return 0;
}

void *vmdrv_conn_data(vmdrv_conn *conn)
{
    return conn->data;
}

void vmdrv_conn_set_data(vmdrv_conn *conn, void *data)
{
    conn->data = data;
}

const char *vmdrv_conn_option(vmdrv_conn *conn, const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = conn->options.n; i-- > 0;) {
        const char *o = conn->options.v[i];
        if (strncmp(o, key, klen) == 0 && o[klen] == '=')
            return o + klen + 1;
    }
    return NULL;
}

int vmdrv_conn_error(vmdrv_conn *conn, int code, long native, const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vmdrv_error_setv(conn->ctx, code, conn->entry->name, native, fmt,
                              ap);
    va_end(ap);
    return rc;
}

int vmdrv_conn_notsup(vmdrv_conn *conn, vmdrv_cap cap)
{
    return vmdrv_error_set(conn->ctx, VMDRV_E_NOTSUP, conn->entry->name, 0,
                           "%s (%s) %s not supported by the %s driver "
                           "('%s')",
                           vmdrv_cap_display(cap), vmdrv_cap_key(cap),
                           cap == VMDRV_CAP_SUSPEND ||
                                   cap == VMDRV_CAP_GUEST_EXEC
                               ? "is"
                               : "are",
                           conn->entry->display_name, conn->entry->name);
}

static int scope_name_valid(const char *s)
{
    return vmdrv_name_valid(s);
}

/* "Not built" names the CMake option that builds the driver. */
static int not_built(vmdrv_ctx *ctx, const reg_entry *e)
{
    char upper[64];
    vu_strlcpy(upper, e->name, sizeof upper);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return vmdrv_error_set(ctx, VMDRV_E_NOT_BUILT, NULL, 0,
                           "driver '%s' is not built into this vmdrv "
                           "(configure with -DVMDRV_DRIVER_%s=ON)",
                           e->name, upper);
}

/*
 * The error contract says a driver call that succeeds leaves the
 * context's error as it was. The dispatcher holds every driver to it:
 * before the call it takes the current error aside (the context still
 * shows it), and afterwards puts it back unless the call failed.
 */
typedef struct err_guard {
    vmdrv_error err;
    char *msg, *origin;
    unsigned long gen;
} err_guard;

static void guard_begin(vmdrv_ctx *ctx, err_guard *g)
{
    g->err = ctx->err;
    g->msg = ctx->err_msg;
    g->origin = ctx->err_origin;
    g->gen = ctx->err_gen;
    /* the strings stay alive in g while the driver runs; a new error
     * must not free them */
    ctx->err_msg = ctx->err_origin = NULL;
}

/* After a call that returned rc: 1 when the driver set a new error. */
static int guard_end(vmdrv_ctx *ctx, err_guard *g, int rc)
{
    int changed = ctx->err_gen != g->gen;
    if (rc < 0 && changed) {
        free(g->msg);
        free(g->origin);
        return 1;
    }
    if (changed) {
        vmdrv_log(ctx, "sdk", "a driver call succeeded but set the error "
                              "'%s'; the previous error is kept",
                  ctx->err.message);
    }
    free(ctx->err_msg);
    free(ctx->err_origin);
    ctx->err = g->err;
    ctx->err_msg = g->msg;
    ctx->err_origin = g->origin;
    ctx->err_gen = g->gen; /* as if nothing had been set */
    return 0;
}

int vmdrv_conn_open(vmdrv_conn **out, vmdrv_ctx *ctx, const char *driver,
                    const char *scope, const char *const *options,
                    unsigned int flags)
{
    *out = NULL;
    if (!driver)
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                               "no driver given");
    if (flags)
        return vmdrv_error_set(ctx, VMDRV_E_FLAGS, NULL, flags,
                               "unknown flags 0x%x for opening a driver",
                               flags);
    reg_entry *e = vmdrv__registry_find(ctx, driver);
    if (!e) {
        vu_buf known = VU_BUF_INIT;
        for (size_t i = 0; i < ctx->n_drivers; i++)
            vu_buf_printf(&known, "%s%s", i ? ", " : "",
                          ctx->drivers[i].name);
        int rc = vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, NULL, 0,
                                 "unknown driver '%s' (known drivers: %s)",
                                 driver, vu_buf_str(&known));
        vu_buf_clear(&known);
        return rc;
    }
    if (!e->built)
        return not_built(ctx, e);
    if (!scope)
        scope = e->name;
    if (!scope_name_valid(scope))
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                               "invalid scope name '%s'", scope);
    vmdrv_conn *c = vu_calloc(1, sizeof *c);
    c->ctx = ctx;
    c->entry = e;
    c->drv = &e->table;
    c->scope = vu_strdup(scope);
    c->dir = vu_path_join(ctx->data_dir, scope);
    for (size_t i = 0; options && options[i]; i++) {
        if (!strchr(options[i], '=')) {
            int rc = vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                                     "driver option '%s' is not KEY=VALUE",
                                     options[i]);
            vmdrv_conn_close(c);
            return rc;
        }
        vu_strv_add(&c->options, options[i]);
    }
    char *inst = vu_path_join(c->dir, "instances");
    int rc = vu_mkdir_p(inst);
    free(inst);
    if (rc) {
        rc = vmdrv_error_set(ctx, VMDRV_E_IO, NULL, -rc,
                             "cannot create scope folder '%s': %s", c->dir,
                             strerror(-rc));
        vmdrv_conn_close(c);
        return rc;
    }
    if (c->drv->open) {
        err_guard g;
        guard_begin(ctx, &g);
        rc = c->drv->open(c, 0);
        if (!guard_end(ctx, &g, rc) && rc < 0)
            vmdrv_error_set(ctx, rc, e->name, 0,
                            "driver '%s' failed to open scope '%s' without "
                            "saying why (contract violation)",
                            e->name, scope);
        if (rc < 0) {
            rc = ctx->err.code;
            vmdrv_conn_close(c);
            return rc;
        }
    }
    c->opened = 1;
    *out = c;
    return 0;
}

void vmdrv_conn_close(vmdrv_conn *conn)
{
    if (!conn)
        return;
    if (conn->opened && conn->drv->close)
        conn->drv->close(conn);
    vu_strv_clear(&conn->options);
    free(conn->scope);
    free(conn->dir);
    free(conn);
}

int vmdrv_conn_caps(vmdrv_conn *conn, uint64_t *static_caps,
                    uint64_t *effective_caps)
{
    if (static_caps)
        *static_caps = conn->drv->caps;
    if (!conn->caps_probed) {
        uint64_t caps = conn->drv->caps;
        if (conn->drv->caps_probe) {
            err_guard g;
            guard_begin(conn->ctx, &g);
            int rc = conn->drv->caps_probe(conn, &caps, 0);
            if (!guard_end(conn->ctx, &g, rc) && rc < 0)
                vmdrv_error_set(conn->ctx, rc, conn->entry->name, 0,
                                "driver '%s' failed its capability probe "
                                "without saying why (contract violation)",
                                conn->entry->name);
            if (rc < 0)
                return conn->ctx->err.code;
        }
        conn->caps_effective = caps;
        conn->caps_probed = 1;
    }
    if (effective_caps)
        *effective_caps = conn->caps_effective;
    return 0;
}

/* ---- probe ----------------------------------------------------------- */

int vmdrv_driver_probe(vmdrv_ctx *ctx, const char *name)
{
    reg_entry *e = vmdrv__registry_find(ctx, name);
    if (!e)
        return vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, NULL, 0,
                               "unknown driver '%s'", name);
    if (!e->built)
        return not_built(ctx, e);
    if (!e->table.probe)
        return 0;
    const vmdrv_host *host = vmdrv_ctx_host(ctx);
    err_guard g;
    guard_begin(ctx, &g);
    int rc = e->table.probe(ctx, host, 0);
    if (!guard_end(ctx, &g, rc) && rc < 0)
        return vmdrv_error_set(ctx, rc, name, 0,
                               "driver '%s' probe failed without saying why "
                               "(contract violation)",
                               name);
    if (rc > 0)
        return vmdrv_error_set(ctx, VMDRV_E_INTERNAL, name, rc,
                               "driver '%s' probe returned %d, which is not "
                               "a status (contract violation)",
                               name, rc);
    return rc;
}

/* ---- argument checks ------------------------------------------------- */

static int check_conn(vmdrv_conn *conn)
{
    return conn ? 0 : VMDRV_E_INVAL;
}

static int check_flags(vmdrv_conn *conn, const char *op, unsigned int flags,
                       unsigned int known)
{
    if (flags & ~known)
        return vmdrv_error_set(conn->ctx, VMDRV_E_FLAGS, NULL, flags & ~known,
                               "unknown flags 0x%x for %s", flags & ~known,
                               op);
    return 0;
}

static int check_name(vmdrv_conn *conn, const char *what, const char *name)
{
    if (!name)
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "no %s name given", what);
    if (!vmdrv_name_valid(name))
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "invalid %s name '%s': use letters, digits "
                               "and hyphens, start with a letter, end with "
                               "a letter or digit, at most 63 characters",
                               what, name);
    return 0;
}

/* Text handed to drivers (paths, network ids) may reach a shell or
 * PowerShell: no control characters at all. */
static int check_text(vmdrv_conn *conn, const char *what, const char *s,
                      int absolute)
{
    if (!s || !*s)
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "no %s given", what);
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                                   "%s '%s' contains a control character",
                                   what, s);
    if (absolute && s[0] != '/' &&
        !(s[1] == ':' && (s[2] == '\\' || s[2] == '/')))
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "%s '%s' is not an absolute path", what, s);
    return 0;
}

static int unsupported_op(vmdrv_conn *conn, const char *op)
{
    return vmdrv_error_set(conn->ctx, VMDRV_E_NOTSUP, conn->entry->name, 0,
                           "operation '%s' is not supported by the %s "
                           "driver ('%s')",
                           op, conn->entry->display_name, conn->entry->name);
}

/* Hold the driver to the error contract after an op returned rc. */
static int finish(vmdrv_conn *conn, const char *op, err_guard *g, int rc)
{
    int set = guard_end(conn->ctx, g, rc);
    if (rc == 0)
        return 0;
    if (rc > 0)
        return vmdrv_error_set(conn->ctx, VMDRV_E_INTERNAL, conn->entry->name,
                               rc,
                               "driver '%s' returned %d from %s, which is "
                               "not a status (contract violation)",
                               conn->entry->name, rc, op);
    if (!set)
        return vmdrv_error_set(conn->ctx, rc, conn->entry->name, 0,
                               "driver '%s' failed in %s with %s but set no "
                               "message (contract violation)",
                               conn->entry->name, op,
                               vmdrv_status_name(rc) ? vmdrv_status_name(rc)
                                                     : "an unknown status");
    /* the code returned and the code recorded must agree, or callers
     * that read one and callers that read the other see different
     * failures; the return value is the driver's answer */
    conn->ctx->err.code = rc;
    return rc;
}

#define CALL(conn, op, ...)                                                    \
    do {                                                                       \
        err_guard g_;                                                          \
        guard_begin((conn)->ctx, &g_);                                         \
        return finish((conn), #op, &g_, (conn)->drv->op(__VA_ARGS__));         \
    } while (0)

/* ---- operations ------------------------------------------------------ */

int vmdrv_instance_create(vmdrv_conn *conn, const vmdrv_instance_spec *spec,
                          unsigned int flags)
{
    int rc;
    if ((rc = check_conn(conn)))
        return rc;
    if (!spec)
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "no instance spec given");
    if ((rc = check_flags(conn, "instance_create", flags, 0)) ||
        (rc = check_name(conn, "instance", spec->name)))
        return rc;
    if (spec->cpus < 0 || spec->cpus > 1024)
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "invalid cpu count %d for '%s'", spec->cpus,
                               spec->name);
    if (!conn->drv->instance_create)
        return unsupported_op(conn, "instance_create");
    CALL(conn, instance_create, conn, spec, flags);
}

#define NAMED_OP(fn, op, known)                                                \
    int fn(vmdrv_conn *conn, const char *name, unsigned int flags)             \
    {                                                                          \
        int rc;                                                                \
        if ((rc = check_conn(conn)))                                           \
            return rc;                                                         \
        if ((rc = check_flags(conn, #op, flags, (known))) ||                   \
            (rc = check_name(conn, "instance", name)))                         \
            return rc;                                                         \
        if (!conn->drv->op)                                                    \
            return unsupported_op(conn, #op);                                  \
        CALL(conn, op, conn, name, flags);                                     \
    }

NAMED_OP(vmdrv_instance_start, instance_start, 0)
NAMED_OP(vmdrv_instance_stop, instance_stop, VMDRV_STOP_FORCE)
NAMED_OP(vmdrv_instance_delete, instance_delete, 0)

int vmdrv_instance_suspend(vmdrv_conn *conn, const char *name,
                           unsigned int flags)
{
    int rc;
    if ((rc = check_conn(conn)))
        return rc;
    if ((rc = check_flags(conn, "instance_suspend", flags, 0)) ||
        (rc = check_name(conn, "instance", name)))
        return rc;
    if (!conn->drv->instance_suspend)
        return vmdrv_conn_notsup(conn, VMDRV_CAP_SUSPEND);
    CALL(conn, instance_suspend, conn, name, flags);
}

int vmdrv_instance_state(vmdrv_conn *conn, const char *name,
                         vmdrv_state *state, unsigned int flags)
{
    int rc;
    if ((rc = check_conn(conn)))
        return rc;
    if (!state)
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "no state output given");
    if ((rc = check_flags(conn, "instance_state", flags, 0)) ||
        (rc = check_name(conn, "instance", name)))
        return rc;
    if (!conn->drv->instance_state)
        return unsupported_op(conn, "instance_state");
    *state = VMDRV_STATE_UNKNOWN;
    CALL(conn, instance_state, conn, name, state, flags);
}

int vmdrv_instance_info(vmdrv_conn *conn, const char *name,
                        vmdrv_info *info, unsigned int flags)
{
    int rc;
    if ((rc = check_conn(conn)))
        return rc;
    if (!info)
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "no info output given");
    if ((rc = check_flags(conn, "instance_info", flags, 0)) ||
        (rc = check_name(conn, "instance", name)))
        return rc;
    if (!conn->drv->instance_info)
        return unsupported_op(conn, "instance_info");
    memset(info, 0, sizeof *info);
    vu_strlcpy(info->name, name, sizeof info->name);
    info->state = VMDRV_STATE_UNKNOWN;
    CALL(conn, instance_info, conn, name, info, flags);
}

int vmdrv_instance_list(vmdrv_conn *conn, vmdrv_names *names,
                        unsigned int flags)
{
    int rc;
    if ((rc = check_conn(conn)))
        return rc;
    if (!names)
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "no list output given");
    if ((rc = check_flags(conn, "instance_list", flags, 0)))
        return rc;
    if (!conn->drv->instance_list)
        return unsupported_op(conn, "instance_list");
    CALL(conn, instance_list, conn, names, flags);
}

#define SNAP_OP(fn, op)                                                        \
    int fn(vmdrv_conn *conn, const char *name, const char *snapshot,           \
           unsigned int flags)                                                 \
    {                                                                          \
        int rc;                                                                \
        if ((rc = check_conn(conn)))                                           \
            return rc;                                                         \
        if ((rc = check_flags(conn, #op, flags, 0)) ||                         \
            (rc = check_name(conn, "instance", name)) ||                       \
            (rc = check_name(conn, "snapshot", snapshot)))                     \
            return rc;                                                         \
        if (!conn->drv->op)                                                    \
            return vmdrv_conn_notsup(conn, VMDRV_CAP_SNAPSHOTS);               \
        CALL(conn, op, conn, name, snapshot, flags);                           \
    }

SNAP_OP(vmdrv_snapshot_take, snapshot_take)
SNAP_OP(vmdrv_snapshot_restore, snapshot_restore)
SNAP_OP(vmdrv_snapshot_delete, snapshot_delete)

int vmdrv_snapshot_list(vmdrv_conn *conn, const char *name,
                        vmdrv_snapshots *list, unsigned int flags)
{
    int rc;
    if ((rc = check_conn(conn)))
        return rc;
    if (!list)
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "no list output given");
    if ((rc = check_flags(conn, "snapshot_list", flags, 0)) ||
        (rc = check_name(conn, "instance", name)))
        return rc;
    if (!conn->drv->snapshot_list)
        return vmdrv_conn_notsup(conn, VMDRV_CAP_SNAPSHOTS);
    CALL(conn, snapshot_list, conn, name, list, flags);
}

int vmdrv_mount(vmdrv_conn *conn, const char *name, const char *host_path,
                const char *guest_path, unsigned int flags)
{
    int rc;
    if ((rc = check_conn(conn)))
        return rc;
    if ((rc = check_flags(conn, "mount", flags, 0)) ||
        (rc = check_name(conn, "instance", name)) ||
        (rc = check_text(conn, "host path", host_path, 1)) ||
        (rc = check_text(conn, "guest path", guest_path, 1)))
        return rc;
    if (!conn->drv->mount)
        return vmdrv_conn_notsup(conn, VMDRV_CAP_NATIVE_MOUNTS);
    CALL(conn, mount, conn, name, host_path, guest_path, flags);
}

int vmdrv_umount(vmdrv_conn *conn, const char *name, const char *guest_path,
                 unsigned int flags)
{
    int rc;
    if ((rc = check_conn(conn)))
        return rc;
    if ((rc = check_flags(conn, "umount", flags, 0)) ||
        (rc = check_name(conn, "instance", name)) ||
        (rc = check_text(conn, "guest path", guest_path, 1)))
        return rc;
    if (!conn->drv->umount)
        return vmdrv_conn_notsup(conn, VMDRV_CAP_NATIVE_MOUNTS);
    CALL(conn, umount, conn, name, guest_path, flags);
}

int vmdrv_networks_list(vmdrv_conn *conn, vmdrv_networks *list,
                        unsigned int flags)
{
    int rc;
    if ((rc = check_conn(conn)))
        return rc;
    if (!list)
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "no list output given");
    if ((rc = check_flags(conn, "networks_list", flags, 0)))
        return rc;
    if (!conn->drv->networks_list)
        return vmdrv_conn_notsup(conn, VMDRV_CAP_EXTRA_NETWORKS);
    CALL(conn, networks_list, conn, list, flags);
}

int vmdrv_network_add(vmdrv_conn *conn, const char *name, const char *network,
                      unsigned int flags)
{
    int rc;
    if ((rc = check_conn(conn)))
        return rc;
    if ((rc = check_flags(conn, "network_add", flags, 0)) ||
        (rc = check_name(conn, "instance", name)) ||
        (rc = check_text(conn, "network", network, 0)))
        return rc;
    if (!conn->drv->network_add)
        return vmdrv_conn_notsup(conn, VMDRV_CAP_EXTRA_NETWORKS);
    CALL(conn, network_add, conn, name, network, flags);
}

int vmdrv_guest_exec(vmdrv_conn *conn, const char *name, const char *command,
                     vmdrv_exec_result *result, unsigned int flags)
{
    int rc;
    if ((rc = check_conn(conn)))
        return rc;
    if (!result)
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "no exec result output given");
    if ((rc = check_flags(conn, "guest_exec", flags, 0)) ||
        (rc = check_name(conn, "instance", name)))
        return rc;
    if (!command || !*command)
        return vmdrv_error_set(conn->ctx, VMDRV_E_INVAL, NULL, 0,
                               "no command given for '%s'", name);
    if (!conn->drv->guest_exec)
        return vmdrv_conn_notsup(conn, VMDRV_CAP_GUEST_EXEC);
    memset(result, 0, sizeof *result);
    CALL(conn, guest_exec, conn, name, command, result, flags);
}
