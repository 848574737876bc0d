/*
 * test_qemu_qmp.c: unit tests of the QEMU driver's QMP client
 * (drivers/qemu/qemu_qmp.c) against a fake QMP server.
 *
 * The fake server is a child process on the other end of a socketpair.
 * It plays a script: the greeting and the qmp_capabilities handshake,
 * then for each step it reads one command, checks its name, and writes
 * the step's lines, with %ID% replaced by the command's id and %JOB% by
 * the last job-id it saw. It exits 0 only when every command arrived in
 * order, so a client that sends a command too many, too few or in the
 * wrong order fails the test.
 */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "qemu.h"
#include "qemu_test_helpers.h"

#define GREETING                                                               \
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, "        \
    "\"major\": 7}, \"package\": \"Debian\"}, \"capabilities\": [\"oob\"]}}"
#define OK "{\"return\": {}, \"id\": \"%ID%\"}"
/* A step: a command and the lines answering it; the script's end. */
#define S(cmd, ...)                                                            \
    {                                                                          \
        cmd, {__VA_ARGS__, NULL}, 0                                            \
    }
#define CLOSE(cmd)                                                             \
    {                                                                          \
        cmd, {NULL}, 1                                                         \
    }
#define END                                                                    \
    {                                                                          \
        NULL, {NULL}, 0                                                        \
    }

typedef struct step {
    const char *expect;   /* command name; NULL ends the script */
    const char *lines[8]; /* written back, NULL-terminated */
    int close_after;      /* close the connection instead of going on */
} step;

typedef struct fixture {
    vmdrv_ctx *ctx;
    char dir[256];
    pid_t server;
    int fd;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    qemu_test_open(&f->ctx, f->dir, sizeof f->dir, "qmp", NULL);
    f->fd = -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->fd >= 0)
        close(f->fd);
    qemu_test_close(f->ctx, f->dir);
    free(f);
    return 0;
}

/* ---- the fake server (child) --------------------------------------------- */

static int read_line(int fd, char *buf, size_t size)
{
    size_t n = 0;
    while (n + 1 < size) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r <= 0)
            return -1;
        if (c == '\n')
            break;
        buf[n++] = c;
    }
    buf[n] = '\0';
    return 0;
}

static void write_str(int fd, const char *s)
{
    size_t len = strlen(s), off = 0;
    while (off < len) {
        ssize_t w = write(fd, s + off, len - off);
        if (w <= 0)
            _exit(90);
        off += (size_t)w;
    }
}

/* Replace %ID% and %JOB% in tmpl. */
static void expand(const char *tmpl, const char *id, const char *job, char *out,
                   size_t size)
{
    size_t n = 0;
    for (const char *p = tmpl; *p && n + 1 < size;) {
        if (strncmp(p, "%ID%", 4) == 0) {
            n += (size_t)snprintf(out + n, size - n, "%s", id);
            p += 4;
        } else if (strncmp(p, "%JOB%", 5) == 0) {
            n += (size_t)snprintf(out + n, size - n, "%s", job);
            p += 5;
        } else {
            out[n++] = *p++;
        }
    }
    out[n < size ? n : size - 1] = '\0';
}

/* Play one step: read a command, check it is st's, write st's lines. */
static void play(int fd, const step *st, int i, char *last_job, size_t size)
{
    char line[4096], out[4096];
    if (read_line(fd, line, sizeof line) != 0)
        _exit(10 + i); /* the client stopped too early */
    json_t *req = json_loads(line, 0, NULL);
    const char *cmd = json_string_value(json_object_get(req, "execute"));
    const char *id = json_string_value(json_object_get(req, "id"));
    const char *job = json_string_value(
        json_object_get(json_object_get(req, "arguments"), "job-id"));
    /* query-jobs and job-dismiss answer about the last job started */
    if (job)
        snprintf(last_job, size, "%s", job);
    if (!cmd || strcmp(cmd, st->expect) != 0 || !id)
        _exit(40 + i); /* wrong command, or no id */
    for (int k = 0; st->lines[k]; k++) {
        expand(st->lines[k], id, last_job, out, sizeof out);
        write_str(fd, out);
        write_str(fd, "\r\n");
    }
    json_decref(req);
    if (st->close_after)
        _exit(0);
}

/* Every client negotiates capabilities first: step 0 of every script. */
static void serve(int fd, const char *greeting, const step *steps)
{
    static const step handshake = S("qmp_capabilities", OK);
    char line[4096], last_job[128] = "";
    write_str(fd, greeting);
    write_str(fd, "\r\n");
    play(fd, &handshake, 0, last_job, sizeof last_job);
    for (int i = 0; steps[i].expect; i++)
        play(fd, &steps[i], i + 1, last_job, sizeof last_job);
    /* anything more from the client is a command too many */
    if (read_line(fd, line, sizeof line) == 0)
        _exit(70);
    _exit(0);
}

/* Start the server; f->fd is the client's end. */
static void start_server(fixture *f, const char *greeting, const step *steps)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    f->server = fork();
    assert_true(f->server >= 0);
    if (f->server == 0) {
        close(sv[0]);
        serve(sv[1], greeting, steps);
    }
    close(sv[1]);
    f->fd = sv[0];
}

/* The server's verdict: 0 when the client spoke exactly the script. */
static int server_verdict(fixture *f)
{
    int status = 0;
    while (waitpid(f->server, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* A client attached to a server that greets like QEMU 7.2 and plays steps
   after the capabilities handshake. */
static qemu_qmp *attach(fixture *f, const step *steps)
{
    qemu_qmp *q = NULL;
    start_server(f, GREETING, steps);
    int rc = qemu_qmp_attach(f->ctx, f->fd, 5000, &q);
    f->fd = -1; /* owned by the client now, or closed by it */
    assert_int_equal(rc, 0);
    return q;
}

/* Close the client; the server must have heard exactly its script. */
static void finish(fixture *f, qemu_qmp *q)
{
    qemu_qmp_close(q);
    assert_int_equal(server_verdict(f), 0);
}

static const char *msg(fixture *f)
{
    return vmdrv_last_error(f->ctx)->message;
}

/* ---- tests --------------------------------------------------------------- */

static void test_qemu_qmp__greeting_and_capabilities(void **state)
{
    fixture *f = *state;
    static const step s[] = {END};
    qemu_qmp *q = attach(f, s);
    assert_string_equal(qemu_qmp_version(q), "7.2.22");
    finish(f, q);
}

static void test_qemu_qmp__refuses_a_non_qmp_greeting(void **state)
{
    fixture *f = *state;
    static const step s[] = {END};
    qemu_qmp *q = NULL;
    start_server(f, "{\"hello\": 1}", s);
    assert_int_equal(qemu_qmp_attach(f->ctx, f->fd, 2000, &q), VMDRV_E_PARSE);
    f->fd = -1;
    assert_null(q);
    assert_non_null(strstr(msg(f), "QMP"));
    server_verdict(f);

    start_server(f, "this is not json", s);
    assert_int_equal(qemu_qmp_attach(f->ctx, f->fd, 2000, &q), VMDRV_E_PARSE);
    f->fd = -1;
    server_verdict(f);
}

static void
test_qemu_qmp__events_queue_and_stale_replies_are_skipped(void **state)
{
    fixture *f = *state;
    static const step s[] = {
        S("query-status",
          "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, "
          "\"event\": \"STOP\"}",
          "{\"return\": {\"status\": \"wrong\"}, \"id\": \"vmdrv-999\"}",
          "{\"return\": {\"status\": \"paused\", \"running\": false}, "
          "\"id\": \"%ID%\"}"),
        END};
    qemu_qmp *q = attach(f, s);
    char status[32];
    assert_int_equal(qemu_qmp_status(q, status, sizeof status), 0);
    assert_string_equal(status, "paused");
    assert_int_equal(qemu_qmp_queued_events(q), 1);
    /* the queued event answers without reading */
    json_t *data = NULL;
    assert_int_equal(qemu_qmp_wait_event(q, "STOP", NULL, NULL, 100, &data), 0);
    assert_int_equal(qemu_qmp_queued_events(q), 0);
    json_decref(data);
    /* nothing else is coming: a wait times out with a message */
    assert_int_equal(qemu_qmp_wait_event(q, "RESUME", NULL, NULL, 100, NULL),
                     VMDRV_E_TIMEOUT);
    assert_non_null(strstr(msg(f), "RESUME"));
    finish(f, q);
}

static void test_qemu_qmp__error_object_is_a_tool_error(void **state)
{
    fixture *f = *state;
    static const step s[] = {
        S("cont",
          "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Resetting "
          "the Virtual Machine is required\"}, \"id\": \"%ID%\"}"),
        END};
    qemu_qmp *q = attach(f, s);
    vmdrv_error_clear(f->ctx);
    assert_int_equal(qemu_qmp_exec(q, "cont", NULL, NULL), VMDRV_E_TOOL);
    assert_non_null(strstr(msg(f), "'cont'"));
    assert_non_null(strstr(msg(f), "Resetting the Virtual Machine"));
    assert_string_equal(vmdrv_last_error(f->ctx)->origin, "qemu");
    finish(f, q);
}

static void test_qemu_qmp__hmp_text_is_checked(void **state)
{
    fixture *f = *state;
    static const step s[] = {
        S("human-monitor-command",
          "{\"return\": \"Error: Migration is disabled when VirtFS export "
          "path '/srv' is mounted in the guest using mount_tag 'm1'\\r\\n\", "
          "\"id\": \"%ID%\"}"),
        S("human-monitor-command", "{\"return\": \"\", \"id\": \"%ID%\"}"),
        S("human-monitor-command",
          "{\"return\": \"List of snapshots\\r\\n\", \"id\": \"%ID%\"}"),
        END};
    qemu_qmp *q = attach(f, s);
    assert_int_equal(qemu_qmp_hmp_checked(q, "savevm suspend"), VMDRV_E_TOOL);
    assert_non_null(strstr(msg(f), "Migration is disabled"));
    assert_non_null(strstr(msg(f), "'savevm suspend'"));
    /* an empty answer is success and leaves the error alone */
    vmdrv_error_set(f->ctx, VMDRV_E_IO, "marker", 0, "left alone");
    assert_int_equal(qemu_qmp_hmp_checked(q, "delvm suspend"), 0);
    assert_string_equal(msg(f), "left alone");
    /* the raw form hands the text over */
    char *text = NULL;
    assert_int_equal(qemu_qmp_hmp(q, "info snapshots", &text), 0);
    assert_string_equal(text, "List of snapshots\r\n");
    free(text);
    finish(f, q);
}

#define JOB_EVENT(st)                                                          \
    "{\"event\": \"JOB_STATUS_CHANGE\", \"data\": {\"status\": \"" st          \
    "\", \"id\": \"%JOB%\"}, \"timestamp\": {\"seconds\": 1, "                 \
    "\"microseconds\": 1}}"

static void test_qemu_qmp__snapshot_job_runs_to_dismissal(void **state)
{
    fixture *f = *state;
    static const step s[] = {
        S("snapshot-save", JOB_EVENT("created"), OK, JOB_EVENT("running"),
          JOB_EVENT("pending"), JOB_EVENT("concluded")),
        S("query-jobs",
          "{\"return\": [{\"current-progress\": 1, \"status\": \"concluded\", "
          "\"total-progress\": 1, \"type\": \"snapshot-save\", \"id\": "
          "\"%JOB%\"}], \"id\": \"%ID%\"}"),
        S("job-dismiss", OK), END};
    qemu_qmp *q = attach(f, s);
    assert_int_equal(qemu_qmp_snapshot_save(q, "snap1", "disk0", 5000), 0);
    finish(f, q);
}

static void test_qemu_qmp__job_error_is_reported(void **state)
{
    fixture *f = *state;
    static const step s[] = {
        S("snapshot-delete", OK, JOB_EVENT("running"), JOB_EVENT("concluded")),
        S("query-jobs",
          "{\"return\": [{\"status\": \"concluded\", \"type\": "
          "\"snapshot-delete\", \"id\": \"%JOB%\", \"error\": \"Snapshot "
          "'nope' does not exist in one or more devices\"}], \"id\": "
          "\"%ID%\"}"),
        S("job-dismiss", OK), END};
    qemu_qmp *q = attach(f, s);
    assert_int_equal(qemu_qmp_snapshot_delete(q, "nope", "disk0", 5000),
                     VMDRV_E_TOOL);
    assert_non_null(strstr(msg(f), "does not exist in one or more devices"));
    finish(f, q);
}

static void test_qemu_qmp__failed_load_is_continued(void **state)
{
    fixture *f = *state;
    static const step s[] = {
        S("snapshot-load", OK, JOB_EVENT("concluded")),
        S("query-jobs",
          "{\"return\": [{\"status\": \"concluded\", \"id\": \"%JOB%\", "
          "\"error\": \"This is a disk-only snapshot. Revert to it offline "
          "using qemu-img\"}], \"id\": \"%ID%\"}"),
        S("job-dismiss", OK),
        /* the VM is left paused in restore-vm: the client must go on */
        S("query-status",
          "{\"return\": {\"status\": \"restore-vm\", \"running\": false}, "
          "\"id\": \"%ID%\"}"),
        S("cont", OK), END};
    qemu_qmp *q = attach(f, s);
    assert_int_equal(qemu_qmp_snapshot_load(q, "offline1", "disk0", 5000),
                     VMDRV_E_TOOL);
    assert_non_null(strstr(msg(f), "disk-only snapshot"));
    finish(f, q);
}

static void
test_qemu_qmp__failed_load_of_a_running_vm_needs_no_cont(void **state)
{
    fixture *f = *state;
    static const step s[] = {
        S("snapshot-load", OK, JOB_EVENT("concluded")),
        S("query-jobs",
          "{\"return\": [{\"status\": \"concluded\", \"id\": \"%JOB%\", "
          "\"error\": \"boom\"}], \"id\": \"%ID%\"}"),
        S("job-dismiss", OK),
        S("query-status",
          "{\"return\": {\"status\": \"running\", \"running\": true}, "
          "\"id\": \"%ID%\"}"),
        END};
    qemu_qmp *q = attach(f, s);
    assert_int_equal(qemu_qmp_snapshot_load(q, "x", "disk0", 5000),
                     VMDRV_E_TOOL);
    finish(f, q);
}

static void test_qemu_qmp__eof_during_a_command(void **state)
{
    fixture *f = *state;
    static const step s[] = {CLOSE("query-status"), END};
    qemu_qmp *q = attach(f, s);
    char status[32];
    assert_int_equal(qemu_qmp_status(q, status, sizeof status), VMDRV_E_IO);
    assert_non_null(strstr(msg(f), "'query-status'"));
    finish(f, q);
}

static void test_qemu_qmp__quit_may_close_without_answer(void **state)
{
    fixture *f = *state;
    static const step s[] = {CLOSE("quit"), END};
    qemu_qmp *q = attach(f, s);
    assert_int_equal(qemu_qmp_exec(q, "quit", NULL, NULL), 0);
    finish(f, q);
}

static void test_qemu_qmp__silence_times_out(void **state)
{
    fixture *f = *state;
    static const step s[] = {S("query-status", NULL), END};
    qemu_qmp *q = attach(f, s);
    qemu_qmp_set_timeout(q, 200);
    char status[32];
    assert_int_equal(qemu_qmp_status(q, status, sizeof status),
                     VMDRV_E_TIMEOUT);
    assert_non_null(strstr(msg(f), "did not answer"));
    finish(f, q);
}

static void test_qemu_qmp__migrate_out_waits_for_completion(void **state)
{
    fixture *f = *state;
    static const step s[] = {
        S("migrate-set-parameters", OK),
        S("stop", "{\"event\": \"STOP\"}", OK),
        S("migrate", OK),
        S("query-migrate",
          "{\"return\": {\"status\": \"active\"}, \"id\": \"%ID%\"}"),
        S("query-migrate",
          "{\"return\": {\"status\": \"completed\"}, \"id\": \"%ID%\"}"),
        END};
    qemu_qmp *q = attach(f, s);
    assert_int_equal(qemu_qmp_migrate_out(q, "exec:cat > /dev/null", 5000), 0);
    finish(f, q);
}

static void test_qemu_qmp__migrate_out_failure_says_why(void **state)
{
    fixture *f = *state;
    static const step s[] = {
        S("migrate-set-parameters", OK), S("stop", OK), S("migrate", OK),
        S("query-migrate",
          "{\"return\": {\"status\": \"failed\", \"error-desc\": \"disk "
          "full\"}, \"id\": \"%ID%\"}"),
        END};
    qemu_qmp *q = attach(f, s);
    assert_int_equal(qemu_qmp_migrate_out(q, "exec:cat > /x", 5000),
                     VMDRV_E_TOOL);
    assert_non_null(strstr(msg(f), "disk full"));
    finish(f, q);
}

static void test_qemu_qmp__wait_status_leaves_incoming(void **state)
{
    fixture *f = *state;
    static const step s[] = {
        S("query-status",
          "{\"return\": {\"status\": \"inmigrate\"}, \"id\": \"%ID%\"}"),
        S("query-status",
          "{\"return\": {\"status\": \"inmigrate\"}, \"id\": \"%ID%\"}"),
        S("query-status",
          "{\"return\": {\"status\": \"paused\"}, \"id\": \"%ID%\"}"),
        END};
    qemu_qmp *q = attach(f, s);
    char status[32];
    assert_int_equal(qemu_qmp_wait_status_leaves(q, "inmigrate", 5000, status,
                                                 sizeof status),
                     0);
    assert_string_equal(status, "paused");
    finish(f, q);
}

static void test_qemu_qmp__connect_to_a_missing_socket_fails(void **state)
{
    fixture *f = *state;
    char path[300];
    qemu_qmp *q = NULL;
    snprintf(path, sizeof path, "%s/none.sock", f->dir);
    assert_int_equal(qemu_qmp_connect(f->ctx, path, 100, &q), VMDRV_E_TIMEOUT);
    assert_null(q);
    assert_non_null(strstr(msg(f), "none.sock"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_qemu_qmp__greeting_and_capabilities),
        T(test_qemu_qmp__refuses_a_non_qmp_greeting),
        T(test_qemu_qmp__events_queue_and_stale_replies_are_skipped),
        T(test_qemu_qmp__error_object_is_a_tool_error),
        T(test_qemu_qmp__hmp_text_is_checked),
        T(test_qemu_qmp__snapshot_job_runs_to_dismissal),
        T(test_qemu_qmp__job_error_is_reported),
        T(test_qemu_qmp__failed_load_is_continued),
        T(test_qemu_qmp__failed_load_of_a_running_vm_needs_no_cont),
        T(test_qemu_qmp__eof_during_a_command),
        T(test_qemu_qmp__quit_may_close_without_answer),
        T(test_qemu_qmp__silence_times_out),
        T(test_qemu_qmp__migrate_out_waits_for_completion),
        T(test_qemu_qmp__migrate_out_failure_says_why),
        T(test_qemu_qmp__wait_status_leaves_incoming),
        T(test_qemu_qmp__connect_to_a_missing_socket_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
