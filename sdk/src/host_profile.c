/*
 * host_profile.c: host profiles (fixtures/hosts/NAME.yaml): a simulated
 * host for the drivers whose hypervisor cannot run here. Every problem
 * names file:line:column; unknown keys are errors.
 *
 *   name: windows-home
 *   os: windows                   # linux | macos | windows
 *   os_name: "Windows 10 Home"
 *   os_version: "10.0.19045"
 *   edition_id: Core              # Windows EditionID; Core* means Home
 *   arch: x86_64                  # x86_64 | arm64
 *   accelerators: [whpx]          # kvm | hvf | whpx
 *   tools:
 *     VBoxManage: {simulator: vboxmanage-sim, version: "7.0.14r161095"}
 *     qemu-img: {path: host}      # the real tool found on PATH
 *   env: {VMDRV_SIM_EDITION: home}   # given to every program started
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "vmdrv_config.h"
#include "vu_fs.h"
#include "vu_yaml.h"

/* Where a simulator named in a profile lives: $VMDRV_SIM_DIR, the build
 * tree, then PATH. */
static int find_simulator(const char *name, char *buf, size_t size)
{
    const char *dirs[] = {getenv("VMDRV_SIM_DIR"),
                          VMDRV_BUILD_DIR "/fixtures/sim"};
    for (size_t i = 0; i < 2; i++) {
        if (!dirs[i] || !*dirs[i])
            continue;
        snprintf(buf, size, "%s/%s", dirs[i], name);
        if (vu_path_exists(buf))
            return 0;
    }
    return vmdrv__find_program(name, buf, size);
}

static int parse_enum(vu_strv *errs, vu_ydoc *doc, vu_ynode *n,
                      const char *what, const char *const *names, int *out)
{
    const char *s;
    if (vu_yget_str(errs, doc, n, &s))
        return -1;
    vu_buf valid = VU_BUF_INIT;
    for (int i = 0; names[i]; i++) {
        if (strcmp(names[i], s) == 0) {
            vu_buf_clear(&valid);
            *out = i;
            return 0;
        }
        vu_buf_printf(&valid, "%s%s", i ? ", " : "", names[i]);
    }
    vu_yerr(errs, doc, n, "unknown %s '%s' (valid: %s)", what, s,
            vu_buf_str(&valid));
    vu_buf_clear(&valid);
    return -1;
}

static int copy_str(vu_strv *errs, vu_ydoc *doc, vu_ynode *n, char *buf,
                    size_t size)
{
    const char *s;
    if (!n)
        return 0;
    if (vu_yget_str(errs, doc, n, &s))
        return -1;
    if (vu_strlcpy(buf, s, size))
        return vu_yerr(errs, doc, n, "value too long (at most %zu bytes)",
                       size - 1);
    return 0;
}

static void parse_tools(vmdrv_ctx *ctx, vu_strv *errs, vu_ydoc *doc,
                        vu_ynode *tools, vmdrv_host *h)
{
    static const char *const tool_keys[] = {"simulator", "path", "version",
                                            NULL};
    if (vu_yexpect(errs, doc, tools, VU_Y_MAP, "tools"))
        return;
    for (size_t i = 0; i < tools->n; i++) {
        vu_ynode *key = tools->keys[i], *val = tools->items[i];
        int t = -1;
        for (int k = 0; k < VMDRV_TOOL__COUNT; k++)
            if (strcmp(vmdrv_tool_program((vmdrv_tool)k), key->scalar) == 0)
                t = k;
        if (t < 0) {
            vu_buf valid = VU_BUF_INIT;
            for (int k = 0; k < VMDRV_TOOL__COUNT; k++)
                vu_buf_printf(&valid, "%s%s", k ? ", " : "",
                              vmdrv_tool_program((vmdrv_tool)k));
            vu_yerr(errs, doc, key, "unknown tool '%s' (valid: %s)",
                    key->scalar, vu_buf_str(&valid));
            vu_buf_clear(&valid);
            continue;
        }
        if (val->kind != VU_Y_MAP) {
            vu_yerr(errs, doc, val, "tool '%s': expected a mapping, found a %s",
                    key->scalar, vu_ykind_name(val->kind));
            continue;
        }
        if (vu_ycheck_keys(errs, doc, val, tool_keys))
            continue;
        vmdrv_tool_info *info = &h->tools[t];
        vu_ynode *sim = vu_ymap_get(val, "simulator");
        vu_ynode *path = vu_ymap_get(val, "path");
        const char *s;
        if ((sim != NULL) == (path != NULL)) {
            vu_yerr(errs, doc, val,
                    "tool '%s' needs exactly one of 'simulator' or 'path'",
                    key->scalar);
            continue;
        }
        if (sim) {
            if (vu_yget_str(errs, doc, sim, &s))
                continue;
            if (find_simulator(s, info->path, sizeof info->path) == 0) {
                info->found = 1;
                info->simulated = 1;
            } else {
                /* a profile stays loadable without its simulators built;
                 * drivers then decline with "not found" */
                info->path[0] = '\0';
            }
        } else {
            if (vu_yget_str(errs, doc, path, &s))
                continue;
            if (strcmp(s, "host") == 0) {
                if (vmdrv__find_program(key->scalar, info->path,
                                        sizeof info->path) == 0)
                    info->found = 1;
                else
                    info->path[0] = '\0'; /* not the last place searched */
            } else if (vmdrv__find_program(s, info->path,
                                           sizeof info->path) == 0) {
                info->found = 1;
            } else {
                /* shown as configured, and not found */
                vu_strlcpy(info->path, s, sizeof info->path);
            }
        }
        copy_str(errs, doc, vu_ymap_get(val, "version"), info->version,
                 sizeof info->version);
        if (info->found && !info->version[0])
            vmdrv__tool_version(ctx, (vmdrv_tool)t, info, h);
    }
}

int vmdrv_host_load_profile(vmdrv_ctx *ctx, const char *path, vmdrv_host *out)
{
    static const char *const keys[] = {
        "name", "os", "os_name", "os_version", "edition_id", "arch",
        "accelerators", "tools", "env", NULL};
    static const char *const required[] = {"name", "os", "arch", NULL};
    /* index + 1 is the enum value: "unknown" is never a valid answer */
    static const char *const os_names[] = {"linux", "macos", "windows", NULL};
    static const char *const arch_names[] = {"x86_64", "arm64", NULL};
    static const char *const accel_names[] = {"kvm", "hvf", "whpx", NULL};
    char err[1024];
    vu_ydoc *doc = NULL;
    vu_strv errs = VU_STRV_INIT;
    int rc = 0;
    vmdrv_host h;
    memset(&h, 0, sizeof h);

    if (vu_yaml_load_file(path, &doc, err, sizeof err) != 0)
        return vmdrv_error_set(ctx,
                               vu_path_exists(path) ? VMDRV_E_PARSE
                                                    : VMDRV_E_NOTFOUND,
                               NULL, 1, "%s", err);
    vu_ynode *root = doc->root;
    if (!root) {
        vu_yerr(&errs, doc, NULL, "empty host profile");
        goto done;
    }
    if (root->kind != VU_Y_MAP) {
        vu_yerr(&errs, doc, root, "host profile: expected a mapping, found a %s",
                vu_ykind_name(root->kind));
        goto done;
    }
    if (vu_ycheck_keys(&errs, doc, root, keys) ||
        vu_ycheck_required(&errs, doc, root, required))
        goto done;
    copy_str(&errs, doc, vu_ymap_get(root, "name"), h.profile_name,
             sizeof h.profile_name);
    int v;
    if (parse_enum(&errs, doc, vu_ymap_get(root, "os"), "os", os_names,
                   &v) == 0)
        h.os = (vmdrv_os)(v + 1);
    if (parse_enum(&errs, doc, vu_ymap_get(root, "arch"), "arch", arch_names,
                   &v) == 0)
        h.arch = (vmdrv_arch)(v + 1);
    copy_str(&errs, doc, vu_ymap_get(root, "os_name"), h.os_name,
             sizeof h.os_name);
    copy_str(&errs, doc, vu_ymap_get(root, "os_version"), h.os_version,
             sizeof h.os_version);
    vu_ynode *ed = vu_ymap_get(root, "edition_id");
    copy_str(&errs, doc, ed, h.edition_id, sizeof h.edition_id);
    if (h.os == VMDRV_OS_WINDOWS) {
        if (!ed)
            vu_yerr(&errs, doc, root,
                    "a windows profile needs 'edition_id' (e.g. Core for "
                    "Home, Professional for Pro)");
        h.edition = vmdrv__edition_from_id(h.edition_id);
    } else if (ed) {
        vu_yerr(&errs, doc, vu_ymap_key(root, "edition_id"),
                "'edition_id' only applies to windows profiles");
    }
    vu_ynode *acc = vu_ymap_get(root, "accelerators");
    if (acc && vu_yexpect(&errs, doc, acc, VU_Y_SEQ, "accelerators") == 0) {
        for (size_t i = 0; i < acc->n; i++)
            if (parse_enum(&errs, doc, acc->items[i], "accelerator",
                           accel_names, &v) == 0)
                h.accels |= 1u << v;
    }
    vu_ynode *env = vu_ymap_get(root, "env");
    if (env && vu_yexpect(&errs, doc, env, VU_Y_MAP, "env") == 0) {
        for (size_t i = 0; i < env->n; i++) {
            const char *name = env->keys[i]->scalar, *val;
            if (h.n_env >= 8) {
                vu_yerr(&errs, doc, env->keys[i], "at most 8 env entries");
                break;
            }
            if (!name[0] || strchr(name, '=')) {
                vu_yerr(&errs, doc, env->keys[i],
                        "invalid environment variable name '%s'", name);
                continue;
            }
            if (vu_yget_str(&errs, doc, env->items[i], &val))
                continue;
            /* a simulator must see the value whole, never cut short */
            if (strlen(name) + 1 + strlen(val) >= sizeof h.env[0]) {
                vu_yerr(&errs, doc, env->items[i],
                        "environment entry '%s' is too long (at most %zu "
                        "bytes with its name)",
                        name, sizeof h.env[0] - 1);
                continue;
            }
            snprintf(h.env[h.n_env++], sizeof h.env[0], "%s=%s", name, val);
        }
    }
    vu_ynode *tools = vu_ymap_get(root, "tools");
    if (tools)
        parse_tools(ctx, &errs, doc, tools, &h);
done:
    if (errs.n) {
        vu_buf all = VU_BUF_INIT;
        for (size_t i = 0; i < errs.n; i++)
            vu_buf_printf(&all, "%s%s", i ? "\n" : "", errs.v[i]);
        rc = vmdrv_error_set(ctx, VMDRV_E_PARSE, NULL, (long)errs.n, "%s",
                             vu_buf_str(&all));
        vu_buf_clear(&all);
    } else {
        h.simulated = 1;
        vu_strlcpy(h.profile_path, path, sizeof h.profile_path);
        *out = h;
    }
    vu_strv_clear(&errs);
    vu_ydoc_free(doc);
    return rc;
}
