/*
 * qemu_test_helpers.h: what the QEMU driver's unit tests share: a fresh
 * folder per test with a context on it, removed again at teardown, and
 * the result a fake process runner hands back.
 *
 * Include after <cmocka.h>.
 */
#ifndef QEMU_TEST_HELPERS_H
#define QEMU_TEST_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmdrv/proc.h"
#include "vmdrv/vmdrv.h"

/*
 * Make the folder /tmp/vmdrv-test-qemu-<module>-XXXXXX into dir and open
 * *ctx on it, or on its subfolder data_sub when that is not NULL; fails
 * the test otherwise.
 */
static inline void qemu_test_open(vmdrv_ctx **ctx, char *dir, size_t size,
                                  const char *module, const char *data_sub)
{
    char data[512], err[256];
    snprintf(dir, size, "/tmp/vmdrv-test-qemu-%s-XXXXXX", module);
    assert_non_null(mkdtemp(dir));
    snprintf(data, sizeof data, "%s%s%s", dir, data_sub ? "/" : "",
             data_sub ? data_sub : "");
    assert_int_equal(vmdrv_ctx_open(ctx, data, err, sizeof err), 0);
}

/* Free ctx and remove dir with everything in it; fails the test if the
   removal fails. */
static inline void qemu_test_close(vmdrv_ctx *ctx, const char *dir)
{
    vmdrv_ctx_free(ctx);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Fill r as a program that exited with status, printing out and err. */
static inline void qemu_test_answer(vmdrv_proc_result *r, int status,
                                    const char *out, const char *err)
{
    r->exited = 1;
    r->status = status;
    r->out = strdup(out);
    r->out_len = strlen(out);
    r->err = strdup(err);
    r->err_len = strlen(err);
}

#endif
