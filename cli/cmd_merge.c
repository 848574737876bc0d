/*
 * cmd_merge.c: `vmdrv merge`: join conformance results from many hosts.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "merge.h"
#include "report.h"
#include "vu_fs.h"
#include "vu_json.h"

const char cli_help_merge[] =
    "Usage: vmdrv merge [OPTIONS] RESULT.json...\n"
    "\n"
    "Join the conformance results of many hosts (one per CI job) and check\n"
    "them against the matrix: every must-run cell of a driver offered on its\n"
    "platform needs evidence from exactly one host. Two hosts reporting the\n"
    "same platform x driver x case is an error, as is a must-run cell no\n"
    "host ran (or every host skipped).\n"
    "\n"
    "Options:\n"
    "  --matrix DIR    the matrix (default: the shipped one)\n"
    "  --json FILE     write the merged result\n"
    "  --md FILE       write the Markdown summary with the observed table\n"
    "  --junit FILE    write JUnit XML for the merged cells\n"
    "  -h, --help      print this help\n"
    "\n"
    "Exit status: 0 complete and nothing failed, 1 incomplete, conflicting\n"
    "or failing evidence, 2 usage error.\n";

int cli_cmd_merge(cli_env *env, int argc, char **argv)
{
    (void)env;
    const char *json_out = NULL, *md_out = NULL, *junit_out = NULL;
    char *matrix = NULL;
    int c;
    static const struct option opts[] = {
        {"matrix", required_argument, NULL, 'm'},
        {"json", required_argument, NULL, 'j'},
        {"md", required_argument, NULL, 'd'},
        {"junit", required_argument, NULL, 'u'},
        {NULL, 0, NULL, 0}};
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm': free(matrix); matrix = vu_strdup(optarg); break;
        case 'j': json_out = optarg; break;
        case 'd': md_out = optarg; break;
        case 'u': junit_out = optarg; break;
        default:
            free(matrix);
            return cli_usage("merge", "unknown option");
        }
    }
    if (optind >= argc) {
        free(matrix);
        return cli_usage("merge", "no result files given");
    }
    if (!matrix)
        matrix = cli_data_path("matrix");
    json_t *merged = NULL;
    int rc = vc_merge((const char *const *)argv + optind, (size_t)(argc - optind),
                      matrix, &merged, stderr);
    int wrc = 0;
    if (json_out)
        wrc |= vu_json_write_atomic(json_out, merged);
    if (md_out) {
        char *md = vc_render_markdown(merged);
        wrc |= vu_write_atomic(md_out, md, strlen(md));
        free(md);
    }
    if (junit_out) {
        char *x = vc_render_junit(merged);
        wrc |= vu_write_atomic(junit_out, x, strlen(x));
        free(x);
    }
    if (wrc)
        cli_error("cannot write an output file");
    json_decref(merged);
    free(matrix);
    return wrc ? CLI_FAIL : rc;
}
