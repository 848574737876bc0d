/*
 * cmd_mount.c: `vmdrv mount SOURCE NAME[:TARGET]...`: mount a host folder
 * into instances with the driver's native mounts (Multipass's
 * `multipass mount --type native`).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "instance_common.h"
#include "vu_fs.h"

const char cli_help_mount[] =
    "Usage: vmdrv mount [--type native] SOURCE NAME[:TARGET]...\n"
    "\n"
    "Mount the host folder SOURCE into each instance NAME of the current\n"
    "scope, at TARGET (an absolute guest path; default\n"
    "/home/ubuntu/<the source folder's name>, as Multipass). vmdrv has\n"
    "only native mounts (the hypervisor's own: 9p on QEMU, SMB on\n"
    "Hyper-V): a driver without them answers that it does not support\n"
    "them, and the instance is left exactly as it was.\n"
    "\n"
    "Options:\n"
    "  -t, --type native  the only mount type (classic SSHFS mounts are\n"
    "                     not part of vmdrv)\n"
    "  -h, --help         print this help\n"
    "\n"
    "Exit status: 0 success, 1 when any mount failed (the others are still\n"
    "made), 2 usage error (invalid name, relative target, missing source).\n";

/* An absolute path without ".", ".." or doubled slashes, so the default
 * target takes the folder's real name. */
static char *normalize(const char *abs)
{
    vu_strv parts = VU_STRV_INIT;
    char *copy = vu_strdup(abs), *save = NULL;
    for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (strcmp(t, ".") == 0)
            continue;
        if (strcmp(t, "..") == 0) {
            if (parts.n)
                free(parts.v[--parts.n]);
            continue;
        }
        vu_strv_add(&parts, t);
    }
    vu_buf out = VU_BUF_INIT;
    for (size_t i = 0; i < parts.n; i++)
        vu_buf_printf(&out, "/%s", parts.v[i]);
    if (out.len == 0)
        vu_buf_putc(&out, '/');
    vu_strv_clear(&parts);
    free(copy);
    return vu_buf_detach(&out);
}

int cli_cmd_mount(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {{"type", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    char *src = NULL;
    cli_mgr m;
    int c, rc = CLI_OK;
    while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
        if (c == 't' && strcmp(optarg, "native") == 0)
            continue;
        if (c == 't')
            return cli_usage("mount", "mount type '%s' is not supported: "
                                      "vmdrv has native mounts only",
                             optarg);
        return cli_usage("mount", "unknown option");
    }
    if (argc - optind < 2)
        return cli_usage("mount", "expected SOURCE and at least one "
                                  "NAME[:TARGET]");
    char *abs = vu_is_dir(argv[optind]) ? vu_path_abs(argv[optind]) : NULL;
    if (!abs)
        return cli_usage("mount", "source folder '%s' does not exist",
                         argv[optind]);
    src = normalize(abs);
    free(abs);
    /* check every target before mounting anything */
    int n = argc - optind - 1;
    char **names = vu_calloc((size_t)n, sizeof *names);
    char **targets = vu_calloc((size_t)n, sizeof *targets);
    for (int i = 0; i < n && rc == CLI_OK; i++) {
        const char *arg = argv[optind + 1 + i];
        const char *colon = strchr(arg, ':');
        names[i] = colon ? vu_strndup(arg, (size_t)(colon - arg)) : vu_strdup(arg);
        if ((rc = cli_check_instance("mount", names[i])))
            break;
        if (colon) {
            targets[i] = vu_strdup(colon + 1);
        } else {
            const char *base = strrchr(src, '/');
            targets[i] = vu_asprintf("/home/ubuntu/%s",
                                     base && base[1] ? base + 1 : "root");
        }
        if (targets[i][0] != '/')
            rc = cli_usage("mount", "target '%s' is not an absolute path",
                           targets[i]);
    }
    if (rc == CLI_OK && cli_scope_open(env, &m) == 0) {
        for (int i = 0; i < n; i++)
            if (vmdrv_scope_mount(m.scope, names[i], src, targets[i], 0) != 0)
                rc = cli_fail(&m, "mount");
        cli_mgr_close(&m);
    } else if (rc == CLI_OK) {
        rc = CLI_FAIL;
    }
    for (int i = 0; i < n; i++) {
        free(names[i]);
        free(targets[i]);
    }
    free(names);
    free(targets);
    free(src);
    return rc;
}
