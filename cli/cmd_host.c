/*
 * cmd_host.c: `vmdrv host`: the host descriptor, probed or from a profile.
 */
#include <getopt.h>
#include <jansson.h>
#include <string.h>

#include "cli.h"

const char cli_help_host[] =
    "Usage: vmdrv [--host PROFILE] host [--json] [--profile FILE]\n"
    "\n"
    "Describe this machine (operating system, edition, version, architecture,\n"
    "accelerators, and the tools drivers use with their versions), or the\n"
    "simulated host a profile describes.\n"
    "\n"
    "Options:\n"
    "  --json            print JSON\n"
    "  --profile FILE    describe a host profile (same as the global --host)\n"
    "  -h, --help        print this help\n"
    "\n"
    "Exit status: 0 success, 1 failure (e.g. a bad profile), 2 usage error.\n";

static json_t *host_json(const vmdrv_host *h)
{
    json_t *accels = json_array();
    if (h->accels & VMDRV_ACCEL_KVM)
        json_array_append_new(accels, json_string("kvm"));
    if (h->accels & VMDRV_ACCEL_HVF)
        json_array_append_new(accels, json_string("hvf"));
    if (h->accels & VMDRV_ACCEL_WHPX)
        json_array_append_new(accels, json_string("whpx"));
    json_t *tools = json_object();
    for (int t = 0; t < VMDRV_TOOL__COUNT; t++) {
        const vmdrv_tool_info *ti = &h->tools[t];
        json_t *o = ti->found
                        ? json_pack("{s:b,s:s,s:s,s:b}", "found", 1, "path",
                                    ti->path, "version", ti->version,
                                    "simulated", ti->simulated)
                        : json_pack("{s:b}", "found", 0);
        json_object_set_new(tools, vmdrv_tool_program((vmdrv_tool)t), o);
    }
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o,s:b}", "os",
                          vmdrv_os_name(h->os), "os_name", h->os_name,
                          "os_version", h->os_version, "edition",
                          vmdrv_edition_name(h->edition), "arch",
                          vmdrv_arch_name(h->arch), "accelerators", accels,
                          "accelerator_note", h->accel_note, "tools", tools,
                          "simulated", h->simulated);
    if (h->edition_id[0])
        json_object_set_new(j, "edition_id", json_string(h->edition_id));
    if (h->simulated) {
        json_object_set_new(j, "profile", json_string(h->profile_name));
        json_object_set_new(j, "profile_path", json_string(h->profile_path));
    }
    return j;
}

int cli_cmd_host(cli_env *env, int argc, char **argv)
{
    int json = 0, c;
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"profile", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0}};
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'p')
            env->host_profile = optarg;
        else
            return cli_usage("host", "unknown option");
    }
    if (optind < argc)
        return cli_usage("host", "unexpected argument '%s'", argv[optind]);
    vmdrv_ctx *ctx = cli_open_ctx(env);
    if (!ctx)
        return CLI_FAIL;
    const vmdrv_host *h = vmdrv_ctx_host(ctx);
    if (json) {
        json_t *j = host_json(h);
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(s);
        free(s);
        json_decref(j);
    } else {
        printf("%-14s %s%s%s%s\n", "os:", vmdrv_os_name(h->os),
               h->simulated ? " (simulated by profile " : "",
               h->simulated ? h->profile_name : "", h->simulated ? ")" : "");
        printf("%-14s %s\n", "name:", h->os_name);
        printf("%-14s %s\n", "version:", h->os_version);
        if (h->os == VMDRV_OS_WINDOWS)
            printf("%-14s %s (EditionID %s)\n", "edition:",
                   vmdrv_edition_name(h->edition), h->edition_id);
        printf("%-14s %s\n", "arch:", vmdrv_arch_name(h->arch));
        printf("%-14s %s%s%s%s\n", "accelerators:",
               h->accels & VMDRV_ACCEL_KVM ? "kvm " : "",
               h->accels & VMDRV_ACCEL_HVF ? "hvf " : "",
               h->accels & VMDRV_ACCEL_WHPX ? "whpx " : "",
               h->accels ? "" : "none");
        if (h->accel_note[0])
            printf("%-14s %s\n", "", h->accel_note);
        printf("tools:\n");
        for (int t = 0; t < VMDRV_TOOL__COUNT; t++) {
            const vmdrv_tool_info *ti = &h->tools[t];
            if (ti->found)
                printf("  %-20s %s%s (%s)\n", vmdrv_tool_program((vmdrv_tool)t),
                       ti->version[0] ? ti->version : "version unknown",
                       ti->simulated ? ", simulated" : "", ti->path);
            else
                printf("  %-20s not found\n", vmdrv_tool_program((vmdrv_tool)t));
        }
    }
    vmdrv_ctx_free(ctx);
    return CLI_OK;
}
