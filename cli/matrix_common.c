/*
 * matrix_common.c: the matrix folder and --at handling the matrix
 * commands share (see matrix_common.h).
 */
#include "matrix_common.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "vu_str.h"

int cli_matrix_check_at(const char *cmd, const char *at)
{
    if (at && !vc_version_valid(at))
        return cli_usage(cmd, "--at takes a release such as '1.16', not '%s'",
                         at);
    return CLI_OK;
}

char *cli_matrix_dir(const char *dir_arg, const char *hint)
{
    char *dir = dir_arg ? vu_strdup(dir_arg) : cli_data_path("matrix");
    if (!dir)
        cli_error("cannot find the shipped matrix: give %s, or set "
                  "VMDRV_SOURCE_DIR",
                  hint);
    return dir;
}

int cli_matrix_open(const char *dir_arg, const char *hint, const char *today,
                    vc_matrix **m, char **dir)
{
    *m = NULL;
    *dir = cli_matrix_dir(dir_arg, hint);
    if (!*dir)
        return -1;
    if (vc_matrix_load_print(m, *dir, today, stderr)) {
        cli_error("the matrix '%s' does not load; run 'vmdrv matrix check'",
                  *dir);
        return -1;
    }
    return 0;
}
