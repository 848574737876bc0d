/*
 * cmd_networks.c: `vmdrv networks`: the host networks the current
 * driver can bridge instances to (Multipass's `multipass networks`).
 */
#include <getopt.h>

#include "instance_common.h"

const char cli_help_networks[] =
    "Usage: vmdrv networks [--json]\n"
    "\n"
    "List the host networks (bridges, switches, adapters) the driver\n"
    "local.driver selects can connect instances to. A driver without extra\n"
    "networks answers that it does not support them (exit status 1).\n"
    "\n"
    "Options:\n"
    "  --json      print JSON: {\"list\": [{\"name\", \"type\", \"description\"}]}\n"
    "  -h, --help  print this help\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

int cli_cmd_networks(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    int json = 0, c, rc = CLI_OK;
    vmdrv_networks nets = {0};
    cli_mgr m;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else
            return cli_usage("networks", "unknown option");
    }
    if (optind < argc)
        return cli_usage("networks", "unexpected argument '%s'", argv[optind]);
    if (cli_scope_open(env, &m))
        return CLI_FAIL;
    if (vmdrv_networks_list(vmdrv_scope_conn(m.scope), &nets, 0) != 0) {
        rc = cli_fail(&m, "networks");
    } else if (json) {
        json_t *list = json_array();
        for (size_t i = 0; i < nets.count; i++)
            json_array_append_new(
                list, json_pack("{s:s,s:s,s:s}", "name", nets.items[i].id,
                                "type", nets.items[i].type, "description",
                                nets.items[i].description));
        cli_print_json(json_pack("{s:o}", "list", list));
    } else if (nets.count == 0) {
        puts("No network interfaces found.");
    } else {
        printf("%-24s %-10s %s\n", "Name", "Type", "Description");
        for (size_t i = 0; i < nets.count; i++)
            printf("%-24s %-10s %s\n", nets.items[i].id, nets.items[i].type,
                   nets.items[i].description);
    }
    vmdrv_networks_clear(&nets);
    cli_mgr_close(&m);
    return rc;
}
