/*
 * commands.h: every vmdrv command, once. X(ident, "name", "summary").
 * Each command lives in cli/cmd_<ident>.c and defines
 *   int cli_cmd_<ident>(cli_env *env, int argc, char **argv);
 *   extern const char cli_help_<ident>[];   (the full --help text)
 */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

#define CLI_COMMAND_LIST(X)                                                    \
    X(drivers, "drivers", "List the drivers: built or not, available here or why not, capabilities") \
    X(host, "host", "Describe this host, or a host profile")                   \
    X(get, "get", "Print a setting (local.driver)")                            \
    X(set, "set", "Change a setting (local.driver=NAME)")                      \
    X(launch, "launch", "Create and start an instance")                        \
    X(list, "list", "List the instances (or their snapshots) of the current driver") \
    X(info, "info", "Show an instance's details")                              \
    X(start, "start", "Start or resume an instance")                           \
    X(stop, "stop", "Stop an instance")                                        \
    X(suspend, "suspend", "Suspend an instance")                               \
    X(delete, "delete", "Delete an instance")                                  \
    X(snapshot, "snapshot", "Take a snapshot of an instance")                  \
    X(restore, "restore", "Restore an instance to a snapshot")                 \
    X(mount, "mount", "Mount a host folder into an instance (native mount)")   \
    X(umount, "umount", "Unmount a folder from an instance")                   \
    X(networks, "networks", "List the host networks instances can bridge to") \
    X(exec, "exec", "Run a command inside an instance")                        \
    X(migrate, "migrate", "Migrate instances between scopes (hyperkit to qemu)") \
    X(matrix, "matrix", "Check the conformance matrix or print its cells")    \
    X(table, "table", "Render the feature-disparity table from the matrix")   \
    X(docs_check, "docs-check", "Compare a docs page with the matrix")        \
    X(conform, "conform", "Run the conformance cases")                         \
    X(sweep, "sweep", "Remove what earlier conformance runs left behind")     \
    X(merge, "merge", "Join conformance results from many hosts")             \
    X(report, "report", "Render a conformance result as JUnit, TAP, Markdown or HTML")

#endif
