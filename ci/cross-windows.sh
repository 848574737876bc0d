#!/usr/bin/env bash
# ci/cross-windows.sh: prove that vmdrv's Windows code builds, with
# Debian's mingw-w64 cross compiler.
#
# Default mode (fast, ~10-20 s): a COMPILE check. Every SDK source with the
# win32 platform layer (not the POSIX one), the util layer, every built
# driver (drivers/<name>/ with a CMakeLists.txt), the conformance harness
# and the CLI are compiled with x86_64-w64-mingw32-gcc -std=c11 -Wall
# -Wextra -Werror and the project's warnings, with -c and no link. Debian
# has no mingw builds of libyaml, pcre2, jansson or libarchive, so their
# public headers are copied from the native -dev packages into a temporary
# include folder (they are architecture-independent); each header is first
# checked on its own under mingw.
#
# --full (SLOW: ~10-15 min on a fresh machine, mostly libarchive's
# configure): cross-builds those four libraries (static) from Debian
# source packages into a cache (a temporary deb-src entry is added for
# 'apt-get source' and removed again), configures vmdrv with
# cmake/toolchains/mingw-w64-x86_64.cmake, links vmdrv.exe and runs under
# wine: 'vmdrv.exe --version', 'vmdrv.exe --host windows-home drivers',
# tests/cross/proc_check.exe (the Windows process runner: argument
# quoting of spaces, quotes and backslashes, stdin, environment, exit
# codes, a timeout that kills a process tree, PATHEXT search), and
# 'vmdrv.exe conform --driver test' with a Z:\ work dir (each case a
# 'vmdrv.exe __case' process in a Job object): on wine's own host (first
# refused, as wine's registry has no EditionID; then given one, as Windows
# Pro) and on the windows-home profile, where every cell must pass; with a case
# that aborts (reported as crashed) and one that hangs (killed by the
# watchdog, reported as a timeout, no case process left). The cache
# ($VMDRV_CROSS_CACHE, default ~/.cache/vmdrv/mingw) makes later runs take
# about a minute; vmdrv itself is built in $VMDRV_CROSS_BUILD (default
# build-mingw/ in the source tree).
#
# Options:
#   --full         the slow link-and-run mode described above
#   --deps-only    only cross-build the dependencies into the cache
#   --no-install   never call apt-get: exit 77 (skipped) when the cross
#                  compiler or the headers are missing (used by ctest)
#   -h, --help     this text
#
# Exit status: 0 all compiled (and, with --full, all ran), 1 a failure,
# 2 usage error, 77 skipped (--no-install and the tools are missing).
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

MODE=compile
INSTALL=1
while [ $# -gt 0 ]; do
    case "$1" in
    --full) MODE=full ;;
    --deps-only) MODE=deps ;;
    --no-install) INSTALL=0 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "cross-windows.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done

SRC=$(cd "$(dirname "$0")/.." && pwd)
TRIPLET=x86_64-w64-mingw32
CC=$TRIPLET-gcc
JOBS=$(nproc 2>/dev/null || echo 2)
DEP_HEADERS="yaml.h pcre2.h jansson.h jansson_config.h archive.h archive_entry.h"
DEP_DEV_PKGS="libyaml-dev libpcre2-dev libjansson-dev libarchive-dev"

# Files known not to compile for Windows yet, each with the reason and
# the portable fix. They are still compiled: each failing one is reported
# as KNOWN (counted as skipped, never as passed). A file entry FAILS the
# check once it compiles, so the list can only shrink; an entry ending in
# '/' covers a folder still being written and is not held to that.
# Anything else that fails to compile fails the check.
# (Empty now: the conformance runner starts cases with vmdrv_proc_spawn.)
KNOWN_UNPORTED=()

# Drivers a Windows build leaves out (drivers/<name>/CMakeLists.txt
# refuses WIN32): QEMU is not one of Multipass's Windows drivers.
WINDOWS_DRIVERS_OFF="qemu"

log() { echo "cross-windows: $*"; }
die() { echo "cross-windows: error: $*" >&2; exit 1; }

# apt-get install only what is missing; quiet when all is there.
apt_install() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$INSTALL" = 0 ]; then
        echo "SKIPPED: missing packages: ${missing[*]} (run ci/cross-windows.sh without --no-install, or apt-get install ${missing[*]})"
        exit 77
    fi
    [ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
    log "installing ${missing[*]}"
    local t0=$SECONDS
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/tmp/cross-windows-apt.log 2>&1; then
        # a stale package list is the usual reason; refresh it once
        apt-get update -qq >>/tmp/cross-windows-apt.log 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >>/tmp/cross-windows-apt.log 2>&1 ||
            die "apt-get install ${missing[*]} failed: see /tmp/cross-windows-apt.log"
    fi
    log "installed in $((SECONDS - t0)) s"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmdrv-cross.XXXXXX")
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

# ---- the compile check ------------------------------------------------

# The generated config header, from the same template CMake uses, with the
# values a Windows build would give it.
make_config_header() {
    local out=$1 d
    local defs=()
    for d in test qemu hyperv virtualbox; do
        local have=0
        [ -f "$SRC/drivers/$d/CMakeLists.txt" ] && have=1
        case " $WINDOWS_DRIVERS_OFF " in *" $d "*) have=0 ;; esac
        defs+=("-DVMDRV_HAVE_DRIVER_${d^^}=$have")
    done
    cat >"$WORK/config.cmake" <<'EOF'
set(PROJECT_SOURCE_DIR "${SRC}")
set(PROJECT_BINARY_DIR "${BIN}")
set(CMAKE_INSTALL_FULL_DATADIR "C:/Program Files/vmdrv/share")
set(VMDRV_GUEST_CACHE "")
configure_file("${SRC}/cmake/vmdrv_config.h.in" "${OUT}" @ONLY)
file(READ "${SRC}/CMakeLists.txt" top)
string(REGEX MATCH "project\\(vmdrv VERSION ([0-9.]+)" _ "${top}")
set(PROJECT_VERSION "${CMAKE_MATCH_1}")
get_filename_component(gen "${OUT}" DIRECTORY)
configure_file("${SRC}/cmake/version.h.in" "${gen}/vmdrv/version.h" @ONLY)
EOF
    cmake "${defs[@]}" -DSRC="$SRC" -DBIN="$WORK/build" -DOUT="$out" \
        -P "$WORK/config.cmake"
    if grep -n '@[A-Za-z_]*@' "$out"; then
        die "cmake/vmdrv_config.h.in has a variable this script does not set (above)"
    fi
}

compile_check() {
    command -v cmake >/dev/null || apt_install cmake
    command -v "$CC" >/dev/null || apt_install gcc-mingw-w64-x86-64-win32
    local h
    for h in $DEP_HEADERS; do
        [ -f "/usr/include/$h" ] || apt_install $DEP_DEV_PKGS
    done
    local t0=$SECONDS
    local inc=$WORK/include gen=$WORK/generated
    mkdir -p "$inc" "$gen"
    for h in $DEP_HEADERS; do cp "/usr/include/$h" "$inc/"; done
    make_config_header "$gen/vmdrv_config.h"

    # The flags the top-level CMakeLists.txt and the toolchain file give.
    CFLAGS=(-std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
        -Wno-unused-parameter -Werror
        -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D__USE_MINGW_ANSI_STDIO=1
        -DYAML_DECLARE_STATIC -DPCRE2_STATIC -DLIBARCHIVE_STATIC
        -I"$SRC/sdk/include" -I"$SRC/sdk/util" -I"$gen" -I"$inc")

    # Each dependency header alone: the copied Linux headers must be usable
    # by a Windows compiler (jansson_config.h is generated per platform).
    local bad=0
    for h in $DEP_HEADERS; do
        # pcre2.h needs its code-unit width first, as vu_regex.c gives it
        if printf '#define PCRE2_CODE_UNIT_WIDTH 8\n#include <%s>\nint vmdrv_cross_probe;\n' "$h" |
            "$CC" "${CFLAGS[@]}" -x c -fsyntax-only - 2>"$WORK/h.err"; then
            log "header $h: ok under mingw"
        else
            log "header $h: FAILS under mingw:"; cat "$WORK/h.err"; bad=1
        fi
    done
    [ $bad = 0 ] || die "a dependency header does not compile under mingw"

    # What goes into which target, as the CMake files say.
    : >"$WORK/units"
    local f d
    for f in "$SRC"/sdk/src/*.c "$SRC"/sdk/util/*.c "$SRC"/sdk/src/platform/win32/*.c; do
        [ -f "$f" ] && echo "sdk $f" >>"$WORK/units"
    done
    for d in test qemu hyperv virtualbox; do
        [ -f "$SRC/drivers/$d/CMakeLists.txt" ] || continue
        case " $WINDOWS_DRIVERS_OFF " in *" $d "*) log "drivers/$d: not part of a Windows build"; continue ;; esac
        find "$SRC/drivers/$d" -name '*.c' | sort | sed 's/^/sdk /' >>"$WORK/units"
    done
    for f in "$SRC"/conformance/*.c; do
        [ -f "$f" ] && echo "conformance $f" >>"$WORK/units"
    done
    for f in "$SRC"/cli/*.c; do
        [ -f "$f" ] && echo "cli $f" >>"$WORK/units"
    done

    export CC WORK SRC
    export CFLAGS_STR="${CFLAGS[*]}"
    # one compiler per unit, $JOBS at a time; failures leave a .err file
    # shellcheck disable=SC2016
    xargs -P "$JOBS" -L 1 bash -c '
        group=$1 f=$2
        # shellcheck disable=SC2086
        case $group in
        sdk) extra="-DVMDRV_BUILDING -I$SRC/sdk/src" ;;
        conformance) extra="-I$SRC/conformance" ;;
        cli) extra="-I$SRC/cli -I$SRC/conformance" ;;
        esac
        name=$(echo "${f#$SRC/}" | tr / _)
        if ! $CC $CFLAGS_STR $extra -c -o "$WORK/$name.o" "$f" 2>"$WORK/$name.err"; then
            echo "FAIL ${f#$SRC/}"
            exit 0
        fi
        rm -f "$WORK/$name.err"
    ' _ <"$WORK/units" >"$WORK/failed"

    local total=0 passed=0 failed=0 known=0 entry rel why
    while read -r _ f; do
        total=$((total + 1))
        rel=${f#"$SRC"/}
        why=""
        local strict=1
        for entry in "${KNOWN_UNPORTED[@]}"; do
            local key=${entry%%|*}
            if [ "$key" = "$rel" ]; then
                why=${entry#*|}
            elif [ "${key%/}" != "$key" ] && [ "${rel#"$key"}" != "$rel" ]; then
                why=${entry#*|} strict=0
            fi
        done
        local err="$WORK/$(echo "$rel" | tr / _).err"
        if grep -qx "FAIL $rel" "$WORK/failed"; then
            if [ -n "$why" ]; then
                known=$((known + 1))
                log "KNOWN $rel: not portable yet: $why"
            else
                failed=$((failed + 1))
                cat "$err"
                log "FAIL $rel"
            fi
        elif [ -n "$why" ] && [ $strict = 1 ]; then
            failed=$((failed + 1))
            log "FAIL $rel now compiles: take it off KNOWN_UNPORTED in $0"
        else
            passed=$((passed + 1))
        fi
    done <"$WORK/units"
    log "compiled $total units for $TRIPLET in $((SECONDS - t0)) s"
    echo "cross-compile: $passed passed, $failed failed, $known skipped"
    [ "$failed" = 0 ]
}

# ---- the full cross-build ---------------------------------------------

CACHE=${VMDRV_CROSS_CACHE:-${HOME:-/root}/.cache/vmdrv/mingw}
PREFIX=$CACHE/prefix
WINE=""

find_wine() {
    local w
    for w in /usr/lib/wine/wine64 "$(command -v wine64 || true)" "$(command -v wine || true)"; do
        if [ -n "$w" ] && [ -x "$w" ]; then WINE=$w; return 0; fi
    done
    return 1
}

# apt-get source needs a deb-src entry; add one beside debian.sources for
# the time of the download only, and leave the package lists as they were.
fetch_sources() {
    local need=() p
    for p in "$@"; do
        ls -d "$CACHE/src/$p"-*/ >/dev/null 2>&1 || need+=("$p")
    done
    [ ${#need[@]} -eq 0 ] && return 0
    local list=/etc/apt/sources.list.d/vmdrv-cross-src.sources
    local main=/etc/apt/sources.list.d/debian.sources
    [ -f "$main" ] || die "no $main to derive a deb-src entry from"
    # shellcheck disable=SC2064
    trap "rm -f '$list'; apt-get update -qq >/dev/null 2>&1 || true; cleanup" EXIT
    # only the main archive's bookworm suite: the security mirror may list
    # sources it does not serve, and pinning the suite keeps builds alike
    awk -v RS= -v ORS='\n\n' '/URIs: [^ ]*\/debian\/?(\n|$)/' "$main" |
        sed -e 's/^Types: deb$/Types: deb-src/' -e 's/^Suites: .*/Suites: bookworm/' >"$list"
    grep -q '^Types: deb-src' "$list" || die "no main Debian archive in $main"
    apt-get update -qq >/dev/null
    mkdir -p "$CACHE/src"
    (cd "$CACHE/src" && apt-get source -qq "${need[@]}" >"$WORK/apt-source.log" 2>&1) ||
        { cat "$WORK/apt-source.log"; die "apt-get source ${need[*]} failed"; }
    rm -f "$list"
    apt-get update -qq >/dev/null 2>&1 || true
    trap cleanup EXIT
}

# build_dep NAME CMAKE-ARGS...: configure, build and install one static
# library into $PREFIX, once.
build_dep() {
    local name=$1; shift
    [ -f "$PREFIX/.done-$name" ] && { log "$name: cached"; return 0; }
    local dir
    dir=$(ls -d "$CACHE/src/$name"-*/ | head -n 1)
    local t0=$SECONDS
    log "$name: building from $(basename "$dir") (this is slow once)"
    rm -rf "$CACHE/build/$name"
    cmake -S "$dir" -B "$CACHE/build/$name" -G "Unix Makefiles" \
        -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchains/mingw-w64-x86_64.cmake" \
        -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_BUILD_TYPE=Release \
        -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF "$@" \
        </dev/null >"$CACHE/build/$name.log" 2>&1 &&
        cmake --build "$CACHE/build/$name" -j "$JOBS" >>"$CACHE/build/$name.log" 2>&1 &&
        cmake --install "$CACHE/build/$name" >>"$CACHE/build/$name.log" 2>&1 ||
        { tail -n 40 "$CACHE/build/$name.log"; die "$name: cross-build failed (log: $CACHE/build/$name.log)"; }
    touch "$PREFIX/.done-$name"
    log "$name: built in $((SECONDS - t0)) s"
}

# Our own .pc files: they name the static archives and the Windows system
# libraries each one needs, whatever the upstream build installed.
write_pc() {
    local name=$1 libs=$2 cflags=$3 version=$4
    mkdir -p "$PREFIX/lib/pkgconfig"
    cat >"$PREFIX/lib/pkgconfig/$name.pc" <<EOF
prefix=$PREFIX
Name: $name
Description: $name, static mingw build for vmdrv
Version: $version
Libs: -L\${prefix}/lib $libs
Cflags: -I\${prefix}/include $cflags
EOF
}

build_deps() {
    # libarchive's configure runs test programs (try_run): under wine, and
    # CMake 3.25 crashes on try_run when no emulator is set
    find_wine || die "wine64 is installed but its loader was not found"
    start_wine
    fetch_sources libyaml pcre2 jansson libarchive
    mkdir -p "$PREFIX" "$CACHE/build"
    build_dep libyaml -DINSTALL_CMAKE_DIR=lib/cmake/yaml
    build_dep pcre2 -DPCRE2_BUILD_PCRE2GREP=OFF -DPCRE2_BUILD_TESTS=OFF \
        -DPCRE2_SUPPORT_JIT=OFF -DPCRE2_STATIC_PIC=ON
    build_dep jansson -DJANSSON_BUILD_SHARED_LIBS=OFF -DJANSSON_BUILD_DOCS=OFF \
        -DJANSSON_EXAMPLES=OFF -DJANSSON_WITHOUT_TESTS=ON
    build_dep libarchive -DENABLE_OPENSSL=OFF -DENABLE_NETTLE=OFF -DENABLE_LZMA=OFF \
        -DENABLE_ZSTD=OFF -DENABLE_BZip2=OFF -DENABLE_LIBXML2=OFF -DENABLE_EXPAT=OFF \
        -DENABLE_ICONV=OFF -DENABLE_LZ4=OFF -DENABLE_LIBB2=OFF -DENABLE_CNG=OFF \
        -DENABLE_TAR=OFF -DENABLE_CPIO=OFF -DENABLE_CAT=OFF -DENABLE_TEST=OFF \
        -DENABLE_ACL=OFF -DENABLE_XATTR=OFF -DENABLE_ZLIB=ON \
        -DZLIB_LIBRARY=/usr/$TRIPLET/lib/libz.a -DZLIB_INCLUDE_DIR=/usr/$TRIPLET/include
    # static archives only: -lNAME must never find an import library, so
    # zlib's static archive is copied beside the others (-L comes first)
    cp "/usr/$TRIPLET/lib/libz.a" "$PREFIX/lib/libz.a"
    [ -f "$PREFIX/lib/libarchive_static.a" ] || die "libarchive_static.a was not built"
    write_pc yaml-0.1 "-lyaml" -DYAML_DECLARE_STATIC 0.2.5
    write_pc libpcre2-8 "-lpcre2-8" "-DPCRE2_STATIC" 10.42
    write_pc jansson "-ljansson" "" 2.14
    write_pc libarchive "-larchive_static -lz -lbcrypt" -DLIBARCHIVE_STATIC 3.6.2
}

# Wine: a scratch prefix, no Mono/Gecko prompts, and a persistent server
# whose services start detached from any pipe (else they inherit ctest's
# or our $(...) pipe and the caller waits for them forever).
start_wine() {
    export WINEPREFIX=$CACHE/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
    local server=${WINE%/*}/wineserver64
    [ -x "$server" ] || server=$(command -v wineserver || true)
    [ -n "$server" ] && "$server" -p >/dev/null 2>&1 || true
    "$WINE" cmd /c exit 0 </dev/null >/dev/null 2>&1 || true
}

stop_wine() {
    local server=${WINE%/*}/wineserver64
    [ -x "$server" ] || server=$(command -v wineserver || true)
    [ -n "$server" ] && "$server" -k >/dev/null 2>&1 || true
}

# conform_check LABEL WANT-EXIT REGEX FAULTS ARGS...: one 'vmdrv.exe
# conform ARGS' under wine, in a fresh work dir given as a Z:\ path (as a
# Windows user would give one), with VMDRV_TEST_FAULTS=FAULTS; it must
# exit WANT-EXIT and its output match REGEX. Counts into full_build's
# checks and fails.
conform_check() {
    local label=$1 want=$2 re=$3 faults=$4
    shift 4
    checks=$((checks + 1))
    local dir="$WORK/conform-$checks"
    local zdir="Z:${dir//\//\\}"
    log "wine: vmdrv.exe $label"
    if [ "$have_exe" = 0 ]; then
        log "FAIL: no vmdrv.exe to run"; fails=$((fails + 1)); return 0
    fi
    local rc=0 out t0=$SECONDS
    out=$(cd "$SRC" && VMDRV_SOURCE_DIR=$SRC VMDRV_TEST_FAULTS=$faults NO_COLOR=1 \
        timeout 900 "$WINE" "$bld/cli/vmdrv.exe" --data-dir "$zdir\\data" conform \
        --no-progress --work-dir "$zdir\\work" "$@" </dev/null 2>&1) || rc=$?
    out=${out//$'\r'/} # the C runtime's text mode: CRLF
    # the summary, or (a refused run) the line that was looked for
    if echo "$out" | grep -q '^outcome'; then
        echo "$out" | sed -n '/^outcome/,$p' | sed 's/^/  /'
    else
        echo "$out" | grep -E "$re" | sed 's/^/  /' || true
    fi
    if [ "$rc" != "$want" ] || ! echo "$out" | grep -Eq "$re"; then
        echo "$out" | tail -n 40 | sed 's/^/  /'
        log "FAIL: vmdrv.exe $label: exit $rc (want $want), or no line matching '$re'"
        fails=$((fails + 1))
    else
        log "ok in $((SECONDS - t0)) s"
    fi
}

full_build() {
    apt_install gcc-mingw-w64-x86-64-win32 libz-mingw-w64-dev wine64 cmake dpkg-dev pkg-config
    local t0=$SECONDS
    build_deps
    local bld=${VMDRV_CROSS_BUILD:-$SRC/build-mingw}
    log "configuring vmdrv for $TRIPLET"
    VMDRV_MINGW_PREFIX=$PREFIX cmake -S "$SRC" -B "$bld" \
        -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchains/mingw-w64-x86_64.cmake" \
        -DVMDRV_MINGW_PREFIX="$PREFIX" -DBUILD_TESTING=OFF -DVMDRV_WERROR=ON \
        $(for d in $WINDOWS_DRIVERS_OFF; do echo "-DVMDRV_DRIVER_${d^^}=OFF"; done) \
        >"$WORK/configure.log" 2>&1 || { cat "$WORK/configure.log"; die "configure failed"; }
    cmake --build "$bld" -j "$JOBS" --target vmdrv >"$WORK/build.log" 2>&1 ||
        { cat "$WORK/build.log"; die "building libvmdrv.dll failed"; }
    log "libvmdrv.dll linked in $((SECONDS - t0)) s"
    # vmdrv.exe needs the conformance harness too; while a file of it is on
    # KNOWN_UNPORTED it cannot link, and its checks below count as failed
    local have_exe=1
    if cmake --build "$bld" -j "$JOBS" --target vmdrv_cli >"$WORK/build-cli.log" 2>&1; then
        cp "$bld/sdk/libvmdrv.dll" "$bld/cli/" # beside the exe, as installed
        log "vmdrv.exe linked: $(stat -c %s "$bld/cli/vmdrv.exe") bytes"
    else
        have_exe=0
        grep -E 'error|Error' "$WORK/build-cli.log" | head -n 20
        log "FAIL: vmdrv.exe did not build (errors above)"
    fi
    local bins=("$bld/sdk/libvmdrv.dll")
    [ $have_exe = 1 ] && bins+=("$bld/cli/vmdrv.exe")
    if "$TRIPLET-objdump" -p "${bins[@]}" | grep 'DLL Name' |
        grep -viE 'kernel32|msvcrt|advapi32|shell32|bcrypt|user32|ws2_32|libvmdrv'; then
        die "libvmdrv.dll or vmdrv.exe needs a DLL real Windows does not have (above)"
    fi

    # the platform check and its helper programs, against the real DLL
    local pc=$WORK/platform_check
    mkdir -p "$pc"
    local ccx=("$CC" -std=c11 -Wall -Wextra -Werror -D__USE_MINGW_ANSI_STDIO=1)
    "${ccx[@]}" -o "$pc/argv_echo.exe" "$SRC/tests/cross/argv_echo.c" -lshell32
    "${ccx[@]}" -o "$pc/sleeper.exe" "$SRC/tests/cross/sleeper.c"
    "${ccx[@]}" -I"$SRC/sdk/include" -I"$SRC/sdk/util" -I"$bld/generated" \
        -o "$pc/platform_check.exe" "$SRC/tests/cross/platform_check.c" \
        -L"$bld/sdk" -lvmdrv
    "${ccx[@]}" -shared -I"$SRC/sdk/include" -I"$bld/generated" \
        -o "$pc/crossplug.dll" "$SRC/tests/cross/plugin_min.c" -L"$bld/sdk" -lvmdrv
    cp "$bld/sdk/libvmdrv.dll" "$pc/"

    start_wine
    local fails=0 checks=0 out
    checks=$((checks + 1))
    log "wine: vmdrv.exe --version"
    if [ $have_exe = 0 ]; then
        log "FAIL: no vmdrv.exe to run"; fails=$((fails + 1))
    elif out=$("$WINE" "$bld/cli/vmdrv.exe" --version </dev/null 2>&1) &&
        echo "$out" | grep -q '^vmdrv [0-9]'; then
        echo "  $out"
    else
        echo "$out" | sed 's/^/  /'; log "FAIL: vmdrv.exe --version"; fails=$((fails + 1))
    fi
    checks=$((checks + 1))
    log "wine: vmdrv.exe --host windows-home drivers"
    # the cwd is on wine's Z: drive, where the Linux paths the build
    # recorded (VMDRV_SOURCE_DIR: profiles, simulators) stay valid
    if [ $have_exe = 0 ]; then
        log "FAIL: no vmdrv.exe to run"; fails=$((fails + 1))
    elif out=$(cd "$SRC" && VMDRV_SOURCE_DIR=$SRC "$WINE" "$bld/cli/vmdrv.exe" \
        --data-dir "$WORK/data" --host windows-home drivers </dev/null 2>&1) &&
        echo "$out" | grep -q 'test'; then
        echo "$out" | sed 's/^/  /'
    else
        echo "$out" | sed 's/^/  /'; log "FAIL: vmdrv.exe --host windows-home drivers"
        fails=$((fails + 1))
    fi
    checks=$((checks + 1))
    log "wine: platform_check.exe (process runner, files, host probe)"
    if (cd "$pc" && "$WINE" ./platform_check.exe "$SRC" </dev/null) >"$WORK/platform_check.log" 2>&1; then
        sed 's/^/  /' "$WORK/platform_check.log"
    else
        sed 's/^/  /' "$WORK/platform_check.log"; log "FAIL: platform_check.exe"
        fails=$((fails + 1))
    fi

    # the conformance runner: every case a vmdrv.exe process of its own.
    # Wine's registry has no EditionID (every Windows 10 and 11 has one):
    # conform must refuse such a host rather than mix Home's and Pro's
    # cells; then wine's host plays Windows Pro for the run on it.
    conform_check "conform on a host of unknown edition" 2 'host of unknown edition' "" \
        --driver test --host real
    local edkey='HKLM\Software\Microsoft\Windows NT\CurrentVersion'
    "$WINE" reg add "$edkey" /v EditionID /t REG_SZ /d Professional /f \
        </dev/null >/dev/null 2>&1 || log "warning: cannot set EditionID in wine's registry"
    conform_check "conform --host real (EditionID Professional)" 0 \
        '^[0-9]+ passed, 0 failed, [0-9]+ skipped$' "" --driver test --host real
    conform_check "conform --host windows-home" 0 '^[0-9]+ passed, 0 failed, [0-9]+ skipped$' "" \
        --driver test --host windows-home
    conform_check "conform, a case that aborts" 1 'lifecycle\.create_delete .*the case crashed' \
        crash:instance_create --driver test --host real --focus 'lifecycle\.create_delete'
    conform_check "conform, a case that hangs" 1 '^timeout .*lifecycle\.start_stop .*killed' \
        hang:instance_start --driver test --host real --focus 'lifecycle\.start_stop' \
        --max-timeout 3
    "$WINE" reg delete "$edkey" /v EditionID /f </dev/null >/dev/null 2>&1 || true
    if pgrep -f 'vmdrv\.exe.*__case' >/dev/null; then
        pgrep -af 'vmdrv\.exe.*__case' | sed 's/^/  /'
        log "FAIL: a case process outlived its run (above)"
        fails=$((fails + 1))
    fi
    stop_wine
    log "full cross-build finished in $((SECONDS - t0)) s"
    echo "cross-full: $((checks - fails)) passed, $fails failed"
    [ $fails = 0 ]
}

if [ "$MODE" = full ]; then
    compile_check
    full_build
elif [ "$MODE" = deps ]; then
    apt_install gcc-mingw-w64-x86-64-win32 libz-mingw-w64-dev wine64 cmake dpkg-dev pkg-config
    build_deps
    stop_wine
else
    compile_check
fi
