/*
 * cmd_report.c: `vmdrv report`: render a saved conformance result.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "vu_fs.h"
#include "vu_json.h"

const char cli_help_report[] =
    "Usage: vmdrv report RESULT.json [--junit F] [--tap F] [--md F] [--html F]\n"
    "                    [--bundle F.tar.gz]\n"
    "\n"
    "Render a conformance result (the JSON a run wrote) again. With no\n"
    "output option, the Markdown summary goes to standard output.\n"
    "\n"
    "Exit status: 0 success, 1 an unreadable result or unwritable output,\n"
    "2 usage error.\n";

int cli_cmd_report(cli_env *env, int argc, char **argv)
{
    (void)env;
    const char *outs[5] = {NULL};
    int c;
    static const struct option opts[] = {
        {"junit", required_argument, NULL, 0},
        {"tap", required_argument, NULL, 1},
        {"md", required_argument, NULL, 2},
        {"html", required_argument, NULL, 3},
        {"bundle", required_argument, NULL, 4},
        {NULL, 0, NULL, 0}};
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c < 0 || c > 4)
            return cli_usage("report", "unknown option");
        outs[c] = optarg;
    }
    if (optind != argc - 1)
        return cli_usage("report", "give exactly one result file");
    char err[512];
    json_t *r = vu_json_load_file(argv[optind], err, sizeof err);
    if (!r) {
        cli_error("%s", err);
        return CLI_FAIL;
    }
    int rc = 0, any = 0;
    char *(*render[4])(json_t *) = {vc_render_junit, vc_render_tap,
                                    vc_render_markdown, vc_render_html};
    for (int i = 0; i < 4; i++) {
        if (!outs[i])
            continue;
        any = 1;
        char *text = render[i](r);
        if (vu_write_atomic(outs[i], text, strlen(text)) != 0) {
            cli_error("cannot write '%s'", outs[i]);
            rc = 1;
        }
        free(text);
    }
    if (outs[4]) {
        any = 1;
        rc |= vc_write_bundle(r, argv[optind], outs[4]) != 0;
    }
    if (!any) {
        char *md = vc_render_markdown(r);
        fputs(md, stdout);
        free(md);
    }
    json_decref(r);
    return rc ? CLI_FAIL : CLI_OK;
}
