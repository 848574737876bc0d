#!/bin/bash
# scopes_cli.sh: the instance CLI end to end, as a new user would try it,
# on the test driver (and a second scope of it, "test-b") with every host
# profile:
#   - launch web, switch, see an empty list, launch another web, switch
#     back, find the first web as it was (running, suspended, stopped);
#   - set local.driver=hyperv on windows-home is refused with the choices;
#   - an unsupported feature exits 1 with the dispatcher's message and
#     leaves the instance as it was;
#   - bad names and options exit 2 before anything runs;
#   - every instance command has a complete --help;
#   - killing vmdrv at any point of a launch or a switch never loses a
#     record: afterwards the records parse and hold every finished launch.
#
# Usage: scopes_cli.sh PATH/TO/vmdrv
set -u
VMDRV=${1:?usage: scopes_cli.sh PATH/TO/vmdrv}
export VMDRV_SCOPE_ALIASES=test-b=test
export NO_COLOR=1
unset VMDRV_DATA_DIR VMDRV_TEST_FAULTS
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmdrv-scopes-cli-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FAILS=0
CHECKS=0

fail() {
    echo "FAIL: $*" >&2
    FAILS=$((FAILS + 1))
}

# expect STATUS DESCRIPTION -- COMMAND...: run, keep stdout/stderr in
# $OUT/$ERR, check the exit status.
expect() {
    local want=$1 what=$2
    shift 3
    CHECKS=$((CHECKS + 1))
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
    if [ "$got" != "$want" ]; then
        fail "$what: exit $got, expected $want: $*"
        echo "  stdout: $OUT" >&2
        echo "  stderr: $ERR" >&2
        return 1
    fi
    return 0
}

contains() { # HAYSTACK NEEDLE DESCRIPTION
    CHECKS=$((CHECKS + 1))
    case "$1" in
    *"$2"*) ;;
    *) fail "$3: '$2' not found in: $1" ;;
    esac
}

# The state list shows for NAME ("" when absent).
state_of() { # VMDRV-ARGS... NAME
    local name=${!#}
    "${@:1:$#-1}" list --json 2>/dev/null |
        tr -d '\n ' | grep -o "\"name\":\"$name\",\"state\":\"[A-Za-z ]*\"" |
        sed 's/.*"state":"\(.*\)"/\1/'
}

# ---- the issue's scenario on every host profile ------------------------

for profile in linux-x86_64 linux-arm64 macos-arm64 macos-x86_64 \
    windows-pro windows-home; do
    D="$TMP/$profile"
    V=("$VMDRV" --data-dir "$D" --host "$profile")
    expect 0 "$profile: select test" -- "${V[@]}" set local.driver=test
    expect 0 "$profile: launch web" -- "${V[@]}" launch --name web
    contains "$OUT" "Launched: web" "$profile: launch output"
    expect 0 "$profile: launch db" -- "${V[@]}" launch --name db --cpus 2 --memory 512M --disk 2G
    expect 0 "$profile: launch cache" -- "${V[@]}" launch --name cache
    expect 0 "$profile: stop db" -- "${V[@]}" stop db
    expect 0 "$profile: suspend cache" -- "${V[@]}" suspend cache

    expect 0 "$profile: switch to test-b" -- "${V[@]}" set local.driver=test-b
    contains "$OUT" "local.driver is now 'test-b' (was 'test')" "$profile: switch output"
    contains "$OUT" "test/web: suspended (running -> suspended)" "$profile: web suspended"
    expect 0 "$profile: list the new scope" -- "${V[@]}" list
    [ "$OUT" = "No instances found." ] || fail "$profile: new scope not empty: $OUT"
    expect 0 "$profile: launch another web" -- "${V[@]}" launch --name web
    [ "$(state_of "${V[@]}" web)" = "Running" ] || fail "$profile: second web not running"

    expect 0 "$profile: switch back" -- "${V[@]}" set local.driver=test
    expect 0 "$profile: get" -- "${V[@]}" get local.driver
    [ "$OUT" = "test" ] || fail "$profile: get says '$OUT'"
    [ "$(state_of "${V[@]}" web)" = "Running" ] || fail "$profile: first web not running again"
    [ "$(state_of "${V[@]}" db)" = "Stopped" ] || fail "$profile: db not stopped"
    [ "$(state_of "${V[@]}" cache)" = "Suspended" ] || fail "$profile: cache not suspended"
    expect 0 "$profile: info db" -- "${V[@]}" info db
    contains "$OUT" "CPU(s):         2" "$profile: db cpus"
    contains "$OUT" "Memory:         512M" "$profile: db memory"
    # and the second web waits in its own scope
    expect 0 "$profile: back to test-b" -- "${V[@]}" set local.driver=test-b
    [ "$(state_of "${V[@]}" web)" = "Running" ] || fail "$profile: test-b web not restored"
    expect 0 "$profile: stop all" -- "${V[@]}" stop --all
    expect 0 "$profile: delete all" -- "${V[@]}" delete --all --purge
done

# ---- refusals -----------------------------------------------------------

V=("$VMDRV" --data-dir "$TMP/home" --host windows-home)
expect 1 "windows-home refuses hyperv" -- "${V[@]}" set local.driver=hyperv
contains "$ERR" "cannot set local.driver to 'hyperv': Hyper-V needs Windows Pro or above, and this host is Windows Home; valid choices here: virtualbox, test, test-b" "hyperv refusal"
[ -e "$TMP/home/settings.yaml" ] && fail "a refused value was written"
expect 0 "windows-home default" -- "${V[@]}" get local.driver
[ "$OUT" = "virtualbox" ] || fail "windows-home default is '$OUT'"
# hyperkit never ran on Windows: not available here, and the refusal
# still says which release retired it
expect 1 "foreign retired driver" -- "${V[@]}" set local.driver=hyperkit
contains "$ERR" "never offered on windows/x86_64 (it served macos until Multipass 1.13)" "hyperkit refusal"
expect 1 "retired driver" -- "$VMDRV" --data-dir "$TMP/mac" --host macos-x86_64 set local.driver=hyperkit
contains "$ERR" "retired as of Multipass 1.13" "hyperkit refusal on macOS"
expect 0 "alias spelling" -- "$VMDRV" --data-dir "$TMP/pro" --host windows-pro set local.driver=Hyper-V
expect 0 "alias spelling get" -- "$VMDRV" --data-dir "$TMP/pro" --host windows-pro get local.driver
[ "$OUT" = "hyperv" ] || fail "Hyper-V stored as '$OUT'"
# a value stored for another host: the default, a warning, the file kept
cp "$TMP/pro/settings.yaml" "$TMP/pro/settings.before"
expect 0 "stored value invalid here" -- "$VMDRV" --data-dir "$TMP/pro" --host windows-home get local.driver
[ "$OUT" = "virtualbox" ] || fail "fallback is '$OUT'"
contains "$ERR" "warning: stored local.driver 'hyperv' cannot be used here" "fallback warning"
cmp -s "$TMP/pro/settings.yaml" "$TMP/pro/settings.before" || fail "settings rewritten silently"
# a broken settings file is reported and kept
printf 'local.driver: [qemu\n' >"$TMP/pro/settings.yaml"
expect 1 "broken settings" -- "$VMDRV" --data-dir "$TMP/pro" get local.driver
contains "$ERR" "settings.yaml:" "broken settings position"
expect 1 "broken settings set" -- "$VMDRV" --data-dir "$TMP/pro" set local.driver=test
[ "$(cat "$TMP/pro/settings.yaml")" = "local.driver: [qemu" ] || fail "broken settings overwritten"

# ---- unsupported features leave the instance alone ---------------------

V=("$VMDRV" --data-dir "$TMP/nosup" --driver-opt faults=unsupported:suspend,unsupported:snapshots,unsupported:native_mounts,unsupported:extra_networks)
expect 0 "nosup: select" -- "${V[@]}" set local.driver=test
expect 0 "nosup: launch" -- "${V[@]}" launch --name web
cp "$TMP/nosup/test/vmdrv-instances.json" "$TMP/nosup/records.before"
expect 1 "nosup: suspend" -- "${V[@]}" suspend web
contains "$ERR" "VM suspension (suspend) is not supported by the Test driver ('test')" "suspend message"
expect 1 "nosup: snapshot" -- "${V[@]}" snapshot web
contains "$ERR" "Snapshots (snapshots) are not supported by the Test driver ('test')" "snapshot message"
expect 1 "nosup: list --snapshots" -- "${V[@]}" list --snapshots
contains "$ERR" "Snapshots (snapshots) are not supported" "list --snapshots message"
expect 1 "nosup: mount" -- "${V[@]}" mount "$TMP" web:/mnt
contains "$ERR" "Native mounts (native_mounts) are not supported" "mount message"
expect 1 "nosup: networks" -- "${V[@]}" networks
contains "$ERR" "Extra networks (extra_networks) are not supported" "networks message"
cmp -s "$TMP/nosup/test/vmdrv-instances.json" "$TMP/nosup/records.before" || fail "unsupported op changed the record"
[ "$(state_of "${V[@]}" web)" = "Running" ] || fail "unsupported op changed the state"

# ---- the Hyperkit migration, on a Mac profile ---------------------------

D="$TMP/mac"
mkdir -p "$D/hyperkit/vault"
cp "$VMDRV_SOURCE_DIR/fixtures/hyperkit/multipassd-vm-instances.json" "$D/hyperkit/"
cp "$VMDRV_SOURCE_DIR/fixtures/hyperkit/vault/multipassd-instance-image-records.json" "$D/hyperkit/vault/"
QEMU_IMG=$(command -v qemu-img || true)
for n in clash gone running-one stopped-jammy suspended-one off-focal; do
    img=ubuntu-22.04-server-cloudimg-amd64.img
    [ "$n" = off-focal ] && img=ubuntu-20.04-server-cloudimg-amd64.img
    mkdir -p "$D/hyperkit/vault/instances/$n"
    if [ -n "$QEMU_IMG" ]; then
        "$QEMU_IMG" create -q -f qcow2 "$D/hyperkit/vault/instances/$n/$img" 16M
    else
        echo "$n" >"$D/hyperkit/vault/instances/$n/$img"
    fi
done
if [ -z "$QEMU_IMG" ]; then
    echo "note: qemu-img is absent: the migration's repair step runs 'true' instead"
    export VMDRV_TOOL_QEMU_IMG
    VMDRV_TOOL_QEMU_IMG=$(command -v true)
fi
(cd "$D/hyperkit" && find . -type f -exec cksum {} + | sort) >"$TMP/hk.before"
V=("$VMDRV" --data-dir "$D" --host macos-x86_64)
expect 0 "migrate dry run" -- "${V[@]}" migrate --from hyperkit --to qemu --dry-run
contains "$OUT" "hyperkit/stopped-jammy: would-migrate" "dry run plan"
[ -e "$D/qemu/instances/stopped-jammy" ] && fail "dry run copied a disk"
printf 'local.driver: hyperkit\n' >"$D/settings.yaml"
expect 0 "stored hyperkit shows qemu" -- "${V[@]}" get local.driver
[ "$OUT" = qemu ] || fail "stored hyperkit shows '$OUT'"
contains "$ERR" "migrates the stopped Hyperkit instances" "hyperkit hint"
expect 0 "set qemu migrates" -- "${V[@]}" set local.driver=qemu
contains "$OUT" "hyperkit/stopped-jammy: migrated" "stopped-jammy migrated"
contains "$OUT" "hyperkit/off-focal: migrated" "off-focal migrated"
contains "$OUT" "hyperkit/running-one: skipped (running): instance needs to be stopped" "running skipped"
contains "$OUT" "hyperkit/gone: skipped (stopped): instance is deleted" "deleted skipped"
[ -s "$D/qemu/instances/stopped-jammy/disk.qcow2" ] || fail "no migrated disk"
expect 0 "migrated list (recorded states)" -- "${V[@]}" list
contains "$OUT" "stopped-jammy" "migrated instance listed"
expect 0 "migrate again" -- "${V[@]}" migrate --from hyperkit --to qemu
contains "$OUT" "hyperkit/stopped-jammy: skipped (stopped): name already taken by a qemu instance" "second run skips"
(cd "$D/hyperkit" && find . -type f -exec cksum {} + | sort) >"$TMP/hk.after"
cmp -s "$TMP/hk.before" "$TMP/hk.after" || fail "the Hyperkit originals changed"
expect 1 "migrate on Linux" -- "$VMDRV" --data-dir "$D" --host linux-x86_64 migrate --from hyperkit --to qemu
contains "$ERR" "Hyperkit instances are migrated only on macOS, and this host is Linux" "linux refusal"
unset VMDRV_TOOL_QEMU_IMG

# ---- usage errors exit 2 before anything runs --------------------------

V=("$VMDRV" --data-dir "$TMP/usage")
for args in "launch --name 1web" "launch --name web_1" "launch --cpus 0" \
    "launch --memory lots" "start" "start we.b" "stop -x" "info" \
    "info -bad" "delete web --all" "snapshot web --name 9" "restore web" \
    "restore web.-x" "mount /nonexistent-folder web" "mount /tmp web:rel" \
    "umount 1x" "exec" "exec web" "exec 0web -- true" "get" "get nokey" \
    "set nokey=1" "set local.driver" "migrate --from lxd --to qemu" \
    "networks extra" "list extra"; do
    # shellcheck disable=SC2086
    expect 2 "usage: $args" -- "${V[@]}" $args
done
[ -e "$TMP/usage/test" ] && fail "a usage error reached a scope"

# ---- help ---------------------------------------------------------------

for cmd in get set launch list info start stop suspend delete snapshot \
    restore mount umount networks exec migrate; do
    expect 0 "help $cmd" -- "$VMDRV" "$cmd" --help
    contains "$OUT" "Usage: vmdrv $cmd" "help $cmd usage line"
    contains "$OUT" "Exit status" "help $cmd exit status"
    case "$OUT" in *"Not implemented"*) fail "help $cmd is a placeholder" ;; esac
done

# ---- killing vmdrv never loses a record ---------------------------------

D="$TMP/kill"
V=("$VMDRV" --data-dir "$D")
expect 0 "kill: select" -- "${V[@]}" set local.driver=test
done_names=()
for i in $(seq 1 40); do
    "${V[@]}" launch --name "k$i" >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '0.%03d' $((RANDOM % 150)))"
    kill -9 "$pid" 2>/dev/null
    if wait "$pid" 2>/dev/null; then
        done_names+=("k$i")
    fi
done
expect 0 "kill: records still parse" -- "${V[@]}" list --json
for n in "${done_names[@]}"; do
    contains "$OUT" "\"name\": \"$n\"" "kill: finished launch $n kept"
done
# a launch killed halfway left at most a pending record; start completes it
expect 0 "kill: start what is left" -- "${V[@]}" start --all
# now kill switches halfway, then finish with a switch back
expect 0 "kill: all listed" -- "${V[@]}" list --json
n_before=$(grep -c '"name"' <<<"$OUT")
for i in $(seq 1 15); do
    target=test-b
    [ $((i % 2)) = 0 ] && target=test
    "${V[@]}" set local.driver=$target >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '0.%03d' $((RANDOM % 150)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
expect 0 "kill: finish on test" -- "${V[@]}" set local.driver=test
expect 0 "kill: list after switches" -- "${V[@]}" list --json
n_after=$(grep -c '"name"' <<<"$OUT")
[ "$n_after" = "$n_before" ] || fail "kill: $n_before instances before the killed switches, $n_after after"
case "$OUT" in *'"state": "Suspended"'* | *'"state": "Stopped"'*)
    fail "kill: an instance was not given its running state back: $OUT" ;;
esac
ls "$D/test" | grep -q '\.tmp\.' && echo "note: a killed writer's temporary file is left until the next write"

echo "scopes_cli: $CHECKS checks, $FAILS failures (finished launches kept: ${#done_names[@]} of 40)"
[ "$FAILS" = 0 ]
