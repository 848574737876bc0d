/*
 * cmd_drivers.c: `vmdrv drivers`: every driver this binary knows, built
 * or not, whether it is available on this host (or why not), and its
 * capabilities (static and after the runtime probe).
 */
#include <getopt.h>
#include <jansson.h>
#include <string.h>

#include "cli.h"

const char cli_help_drivers[] =
    "Usage: vmdrv [--host PROFILE] drivers [--json]\n"
    "\n"
    "List every driver vmdrv knows: built in or a plugin (--driver-lib),\n"
    "built or not, available on this host or the reason it is not, and\n"
    "the capabilities it declares.\n"
    "\n"
    "Options:\n"
    "  --json     print a JSON array instead of a table\n"
    "  -h, --help print this help\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

static void caps_text(uint64_t caps, vu_buf *out)
{
    int first = 1;
    for (int c = 0; c < VMDRV_CAP__COUNT; c++) {
        if (!(caps & VMDRV_CAP_BIT(c)))
            continue;
        vu_buf_printf(out, "%s%s", first ? "" : ",", vmdrv_cap_key((vmdrv_cap)c));
        first = 0;
    }
    if (first)
        vu_buf_puts(out, "-");
}

int cli_cmd_drivers(cli_env *env, int argc, char **argv)
{
    int json = 0, c;
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else
            return cli_usage("drivers", "unknown option");
    }
    if (optind < argc)
        return cli_usage("drivers", "unexpected argument '%s'", argv[optind]);
    vmdrv_ctx *ctx = cli_open_ctx(env);
    if (!ctx)
        return CLI_FAIL;
    json_t *arr = json_array();
    if (!json)
        printf("%-11s %-11s %-8s %-10s %-44s %s\n", "DRIVER", "NAME", "ORIGIN",
               "BUILT", "AVAILABLE HERE", "CAPABILITIES");
    for (size_t i = 0; i < vmdrv_driver_count(ctx); i++) {
        vmdrv_driver_desc d;
        vmdrv_driver_get(ctx, i, &d);
        int rc = vmdrv_driver_probe(ctx, d.name);
        const char *why = rc ? vmdrv_last_error(ctx)->message : "";
        char *why_copy = vu_strdup(why);
        uint64_t eff = 0;
        int have_eff = 0;
        if (rc == 0) {
            vmdrv_conn *conn;
            if (vmdrv_conn_open(&conn, ctx, d.name, NULL,
                                (const char *const *)vu_strv_argv(&env->driver_opts),
                                0) == 0) {
                have_eff = vmdrv_conn_caps(conn, NULL, &eff) == 0;
                vmdrv_conn_close(conn);
            }
        }
        vu_buf caps = VU_BUF_INIT, effs = VU_BUF_INIT;
        caps_text(d.caps, &caps);
        caps_text(eff, &effs);
        if (json) {
            json_t *o = json_pack(
                "{s:s,s:s,s:s,s:b,s:i,s:b,s:s,s:s}", "name", d.name,
                "display_name", d.display_name, "origin",
                d.origin == VMDRV_ORIGIN_PLUGIN ? "plugin" : "builtin",
                "built", d.built, "abi_version", (int)d.abi_version,
                "available", rc == 0, "status",
                rc == 0 ? "available"
                        : rc == VMDRV_E_NOT_BUILT
                              ? "not-built"
                              : rc == VMDRV_E_DECLINED ? "declined" : "error",
                "reason", why_copy);
            json_t *ca = json_array();
            for (int k = 0; k < VMDRV_CAP__COUNT; k++)
                if (d.caps & VMDRV_CAP_BIT(k))
                    json_array_append_new(ca, json_string(vmdrv_cap_key((vmdrv_cap)k)));
            json_object_set_new(o, "capabilities", ca);
            if (have_eff) {
                json_t *ea = json_array();
                for (int k = 0; k < VMDRV_CAP__COUNT; k++)
                    if (eff & VMDRV_CAP_BIT(k))
                        json_array_append_new(ea, json_string(vmdrv_cap_key((vmdrv_cap)k)));
                json_object_set_new(o, "effective_capabilities", ea);
            }
            if (d.plugin_path)
                json_object_set_new(o, "path", json_string(d.plugin_path));
            json_array_append_new(arr, o);
        } else {
            char avail[256];
            if (rc == 0)
                snprintf(avail, sizeof avail, "yes");
            else if (rc == VMDRV_E_NOT_BUILT)
                snprintf(avail, sizeof avail, "no: not built yet");
            else
                snprintf(avail, sizeof avail, "no: %.200s", why_copy);
            printf("%-11s %-11s %-8s %-10s %-44s %s%s%s%s\n", d.name,
                   d.display_name,
                   d.origin == VMDRV_ORIGIN_PLUGIN ? "plugin" : "builtin",
                   d.built ? "yes" : "no", avail, vu_buf_str(&caps),
                   have_eff && eff != d.caps ? " (here: " : "",
                   have_eff && eff != d.caps ? vu_buf_str(&effs) : "",
                   have_eff && eff != d.caps ? ")" : "");
        }
        vu_buf_clear(&caps);
        vu_buf_clear(&effs);
        free(why_copy);
    }
    if (json) {
        char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(s);
        free(s);
    }
    json_decref(arr);
    vmdrv_ctx_free(ctx);
    return CLI_OK;
}
