/*
 * host_json.c: vmdrv_host to JSON and back (see host_json.h). Enums go by
 * their names and tools by their program names, so a job file reads like
 * `vmdrv host` output and stays valid if the enums are reordered.
 */
#include <stdio.h>
#include <string.h>

#include "host_json.h"
#include "vu_str.h"

json_t *vc_host_to_json(const vmdrv_host *h)
{
    json_t *tools = json_object();
    for (int i = 0; i < VMDRV_TOOL__COUNT; i++) {
        const vmdrv_tool_info *t = &h->tools[i];
        json_object_set_new(tools, vmdrv_tool_program((vmdrv_tool)i),
                            json_pack("{s:b,s:s,s:s,s:b}", "found", t->found,
                                      "path", t->path, "version", t->version,
                                      "simulated", t->simulated));
    }
    json_t *env = json_array();
    for (int i = 0; i < h->n_env && i < 8; i++)
        json_array_append_new(env, json_string(h->env[i]));
    return json_pack(
        "{s:s,s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:o,s:b,s:o,s:s,s:s}", "os",
        vmdrv_os_name(h->os), "edition", vmdrv_edition_name(h->edition), "arch",
        vmdrv_arch_name(h->arch), "accels", (int)h->accels, "os_name",
        h->os_name, "os_version", h->os_version, "edition_id", h->edition_id,
        "accel_note", h->accel_note, "tools", tools, "simulated", h->simulated,
        "env", env, "profile_name", h->profile_name, "profile_path",
        h->profile_path);
}

/* A string member into a fixed field; -1 when missing or too long. */
static int get_str(const json_t *j, const char *key, char *dst, size_t size,
                   char *err, size_t err_size)
{
    const char *v = json_string_value(json_object_get(j, key));
    if (!v) {
        snprintf(err, err_size, "host: '%s' is missing or not a string", key);
        return -1;
    }
    if (strlen(v) >= size) {
        snprintf(err, err_size, "host: '%s' is longer than %zu bytes", key,
                 size - 1);
        return -1;
    }
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

/* The enum value whose name is j[key], looked up with name_of over
 * 0..count-1; -1 when none is. */
static int get_enum(const json_t *j, const char *key,
                    const char *(*name_of)(int), int count, char *err,
                    size_t err_size)
{
    const char *v = json_string_value(json_object_get(j, key));
    for (int i = 0; v && i < count; i++)
        if (strcmp(name_of(i), v) == 0)
            return i;
    snprintf(err, err_size, "host: '%s' is not a known name ('%s')", key,
             v ? v : "missing");
    return -1;
}

static const char *os_name(int i)
{
    return vmdrv_os_name((vmdrv_os)i);
}

static const char *edition_name(int i)
{
    return vmdrv_edition_name((vmdrv_edition)i);
}

static const char *arch_name(int i)
{
    return vmdrv_arch_name((vmdrv_arch)i);
}

int vc_host_from_json(const json_t *j, vmdrv_host *h, char *err,
                      size_t err_size)
{
    memset(h, 0, sizeof *h);
    if (!json_is_object(j)) {
        snprintf(err, err_size, "host: not an object");
        return -1;
    }
    int os = get_enum(j, "os", os_name, VMDRV_OS_WINDOWS + 1, err, err_size);
    int ed = get_enum(j, "edition", edition_name, VMDRV_EDITION_PRO + 1, err,
                      err_size);
    int arch =
        get_enum(j, "arch", arch_name, VMDRV_ARCH_ARM64 + 1, err, err_size);
    if (os < 0 || ed < 0 || arch < 0)
        return -1;
    h->os = (vmdrv_os)os;
    h->edition = (vmdrv_edition)ed;
    h->arch = (vmdrv_arch)arch;
    h->accels = (unsigned int)json_integer_value(json_object_get(j, "accels"));
    h->simulated = json_is_true(json_object_get(j, "simulated"));
    if (get_str(j, "os_name", h->os_name, sizeof h->os_name, err, err_size) ||
        get_str(j, "os_version", h->os_version, sizeof h->os_version, err,
                err_size) ||
        get_str(j, "edition_id", h->edition_id, sizeof h->edition_id, err,
                err_size) ||
        get_str(j, "accel_note", h->accel_note, sizeof h->accel_note, err,
                err_size) ||
        get_str(j, "profile_name", h->profile_name, sizeof h->profile_name, err,
                err_size) ||
        get_str(j, "profile_path", h->profile_path, sizeof h->profile_path, err,
                err_size))
        return -1;
    const json_t *tools = json_object_get(j, "tools");
    for (int i = 0; i < VMDRV_TOOL__COUNT; i++) {
        const json_t *t =
            json_object_get(tools, vmdrv_tool_program((vmdrv_tool)i));
        if (!t)
            continue; /* not known to the writer: not found */
        vmdrv_tool_info *ti = &h->tools[i];
        ti->found = json_is_true(json_object_get(t, "found"));
        ti->simulated = json_is_true(json_object_get(t, "simulated"));
        if (get_str(t, "path", ti->path, sizeof ti->path, err, err_size) ||
            get_str(t, "version", ti->version, sizeof ti->version, err,
                    err_size))
            return -1;
    }
    const json_t *env = json_object_get(j, "env");
    if (json_array_size(env) > sizeof h->env / sizeof h->env[0]) {
        snprintf(err, err_size, "host: more than %zu env entries",
                 sizeof h->env / sizeof h->env[0]);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(env); i++) {
        const char *v = json_string_value(json_array_get(env, i));
        if (!v || strlen(v) >= sizeof h->env[0]) {
            snprintf(err, err_size,
                     "host: env entry %zu is not a string of "
                     "fewer than %zu bytes",
                     i, sizeof h->env[0]);
            return -1;
        }
        memcpy(h->env[h->n_env++], v, strlen(v) + 1);
    }
    return 0;
}
