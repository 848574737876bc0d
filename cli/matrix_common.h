/*
 * matrix_common.h: what the matrix commands (matrix cells, table,
 * docs-check) share: checking --at, and finding and loading the matrix
 * folder with the same messages everywhere.
 */
#ifndef CLI_MATRIX_COMMON_H
#define CLI_MATRIX_COMMON_H

#include "matrix.h"

/* CLI_OK when at is NULL or a release such as "1.16"; else the usage
 * error of cmd, printed, and CLI_USAGE. */
int cli_matrix_check_at(const char *cmd, const char *at);

/* dir_arg, else the shipped matrix's folder; owned. NULL, the reason
 * printed (hint says how to name a folder: "--matrix DIR"), when there
 * is no shipped one. */
char *cli_matrix_dir(const char *dir_arg, const char *hint);

/* Load the folder dir_arg, else the shipped matrix, into *m and its path
 * into *dir (owned); hint as for cli_matrix_dir, today as for
 * vc_matrix_load. 0, or -1 with every problem printed. */
int cli_matrix_open(const char *dir_arg, const char *hint, const char *today,
                    vc_matrix **m, char **dir);

#endif
