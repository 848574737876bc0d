/*
 * cmd_launch.c: `vmdrv launch`: create and start an instance in the scope
 * of local.driver, shaped like Multipass's `multipass launch`.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "instance_common.h"

const char cli_help_launch[] =
    "Usage: vmdrv launch [--name NAME] [--cpus N] [--memory SIZE]\n"
    "                    [--disk SIZE] [IMAGE]\n"
    "\n"
    "Create an instance in the scope of the driver local.driver selects,\n"
    "and start it. Without --name, a name like 'brave-otter' is made up.\n"
    "The instance is recorded before the driver is called, so it is never\n"
    "lost; a launch that fails removes what it made.\n"
    "\n"
    "Options:\n"
    "  -n, --name NAME     instance name: letters, digits and hyphens,\n"
    "                      starting with a letter, ending with a letter or\n"
    "                      digit, at most 63 characters; it must not be\n"
    "                      used in this scope (deleted instances included)\n"
    "  -c, --cpus N        number of CPUs (default: the driver's)\n"
    "  -m, --memory SIZE   memory: bytes, or with a K, M, G suffix (512M, 1G)\n"
    "  -d, --disk SIZE     disk size, same units (default: the driver's)\n"
    "  IMAGE               a driver-specific image reference (default: the\n"
    "                      driver's)\n"
    "  -h, --help          print this help\n"
    "\n"
    "Examples:\n"
    "  vmdrv launch --name web --cpus 2 --memory 1G --disk 5G\n"
    "  vmdrv launch\n"
    "\n"
    "Output: 'Launched: NAME'.\n"
    "Exit status: 0 success, 1 failure (the driver's message says why),\n"
    "2 usage error (invalid name or size, unknown option).\n";

int cli_cmd_launch(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'},
        {"cpus", required_argument, NULL, 'c'},
        {"memory", required_argument, NULL, 'm'},
        {"mem", required_argument, NULL, 'm'},
        {"disk", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0}};
    vmdrv_instance_spec spec = {0};
    unsigned long long mb;
    char name[VMDRV_NAME_MAX + 1];
    char *end;
    cli_mgr m;
    int c, rc;
    while ((c = getopt_long(argc, argv, "n:c:m:d:", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if ((rc = cli_check_instance("launch", optarg)))
                return rc;
            spec.name = optarg;
            break;
        case 'c': {
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end || v < 1 || v > 1024)
                return cli_usage("launch", "invalid CPU count '%s' (1 to "
                                           "1024)",
                                 optarg);
            spec.cpus = (int)v;
            break;
        }
        case 'm':
        case 'd':
            if (cli_parse_size_mb(optarg, &mb) != 0)
                return cli_usage("launch", "invalid %s size '%s' (e.g. 512M, "
                                           "1G)",
                                 c == 'm' ? "memory" : "disk", optarg);
            if (c == 'm')
                spec.memory_mb = mb;
            else
                spec.disk_mb = mb;
            break;
        default:
            return cli_usage("launch", "unknown option");
        }
    }
    if (optind < argc)
        spec.image = argv[optind++];
    if (optind < argc)
        return cli_usage("launch", "unexpected argument '%s'", argv[optind]);
    if (cli_scope_open(env, &m))
        return CLI_FAIL;
    if (vmdrv_scope_launch(m.scope, &spec, name, sizeof name, 0) != 0) {
        rc = cli_fail(&m, "launch");
    } else {
        printf("Launched: %s\n", name);
        rc = CLI_OK;
    }
    cli_mgr_close(&m);
    return rc;
}
