/*
 * cmd_sweep.c: `vmdrv sweep`: remove what earlier conformance runs left.
 */
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "runner.h"
#include "vu_fs.h"

const char cli_help_sweep[] =
    "Usage: vmdrv [--driver-lib PATH] sweep [--dry-run] [--work-dir DIR]\n"
    "\n"
    "Every conformance case records each object it creates in a ledger\n"
    "before creating it; a ledger is deleted once the case's teardown and\n"
    "audit found nothing left. sweep reads the ledgers that remain (a crash,\n"
    "--keep-on-failure, a leak), removes each object they name, and every\n"
    "instance carrying the same run's tag in the scopes they name.\n"
    "\n"
    "Options:\n"
    "  --dry-run         list what would be removed; remove nothing\n"
    "  --work-dir DIR    the conformance work dir (default: <data dir>/conform)\n"
    "  -h, --help        print this help\n"
    "\n"
    "Exit status: 0 nothing is left, 1 something could not be removed (or,\n"
    "with --dry-run, something would be), 2 usage error.\n";

int cli_cmd_sweep(cli_env *env, int argc, char **argv)
{
    int dry = 0, c;
    char *work = NULL;
    static const struct option opts[] = {
        {"dry-run", no_argument, NULL, 'n'},
        {"work-dir", required_argument, NULL, 'w'},
        {NULL, 0, NULL, 0}};
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n') {
            dry = 1;
        } else if (c == 'w') {
            free(work);
            work = vu_path_abs(optarg);
        } else {
            free(work);
            return cli_usage("sweep", "unknown option");
        }
    }
    if (optind < argc) {
        free(work);
        return cli_usage("sweep", "unexpected argument '%s'", argv[optind]);
    }
    if (!work)
        work = env->data_dir ? vu_path_join(env->data_dir, "conform")
                             : vc_default_work_dir();
    if (!work) {
        cli_error("cannot find the work dir: pass --work-dir");
        return CLI_USAGE;
    }
    int rc = vc_sweep(work, &env->driver_libs, dry, env->verbose, stdout);
    free(work);
    return rc ? CLI_FAIL : CLI_OK;
}
