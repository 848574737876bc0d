#!/bin/bash
# scopes_qemu.sh: scope switching with a real hypervisor: an instance of
# the QEMU driver (the test guest) is suspended when local.driver moves to
# the test driver, and resumed (its RAM intact) when it comes back; a
# stopped one stays stopped. Exits 77 (skipped, with the reason) where
# the guest was not built or QEMU is missing.
#
# Usage: scopes_qemu.sh PATH/TO/vmdrv KERNEL INITRD
set -u
VMDRV=${1:?usage: scopes_qemu.sh PATH/TO/vmdrv KERNEL INITRD}
KERNEL=${2:?kernel}
INITRD=${3:?initrd}
for f in "$KERNEL" "$INITRD"; do
    if [ ! -f "$f" ]; then
        echo "SKIP: the test guest is not built ('$f' is missing; cmake --build <build> --target guest_fixture)"
        exit 77
    fi
done
if ! command -v qemu-system-x86_64 >/dev/null && ! command -v qemu-system-aarch64 >/dev/null; then
    echo "SKIP: QEMU is not installed (apt-get install qemu-system-x86)"
    exit 77
fi
export VMDRV_GUEST_KERNEL=$KERNEL VMDRV_GUEST_INITRD=$INITRD NO_COLOR=1
unset VMDRV_DATA_DIR VMDRV_SCOPE_ALIASES
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmdrv-scopes-qemu-XXXXXX")
V=("$VMDRV" --data-dir "$TMP" --host linux-x86_64)
cleanup() {
    "${V[@]}" set local.driver=qemu >/dev/null 2>&1
    "${V[@]}" delete --all --purge >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
run() { # run DESCRIPTION COMMAND...: must exit 0; output in $OUT
    local what=$1
    shift
    OUT=$("$@" 2>&1) || { fail "$what: $OUT"; return 1; }
}
state_of() {
    "${V[@]}" list --json 2>/dev/null | tr -d '\n ' |
        grep -o "\"name\":\"$1\",\"state\":\"[A-Za-z]*\"" | sed 's/.*"state":"\(.*\)"/\1/'
}

run "select qemu" "${V[@]}" set local.driver=qemu
run "launch on qemu" "${V[@]}" launch --name web --memory 256M || exit 1
run "launch db on qemu" "${V[@]}" launch --name db --memory 256M
run "stop db" "${V[@]}" stop db
run "write guest RAM" "${V[@]}" exec web -- sh -c 'echo kept > /tmp/ram'
run "switch to test" "${V[@]}" set local.driver=test
case "$OUT" in *"qemu/web: suspended (running -> suspended)"*) ;;
*) fail "web was not suspended: $OUT" ;; esac
run "list test" "${V[@]}" list
[ "$OUT" = "No instances found." ] || fail "test scope not empty: $OUT"
run "launch on test" "${V[@]}" launch --name web
run "switch back" "${V[@]}" set local.driver=qemu
[ "$(state_of web)" = Running ] || fail "qemu web not running again"
[ "$(state_of db)" = Stopped ] || fail "qemu db not stopped"
run "read guest RAM" "${V[@]}" exec web -- cat /tmp/ram
[ "$OUT" = kept ] || fail "the guest's RAM did not survive the switch: '$OUT'"
echo "scopes_qemu: $FAILS failures"
[ "$FAILS" = 0 ]
