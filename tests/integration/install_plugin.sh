#!/usr/bin/env bash
# install_plugin.sh BUILD_DIR SOURCE_DIR: the SDK installs (headers, the
# library, a pkg-config file and a CMake package), the out-of-tree example
# driver builds against the installed SDK with both CMake and pkg-config,
# and `vmdrv conform --driver-lib` runs it and passes.
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d /tmp/vmdrv-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/vmdrv/vmdrv.h include/vmdrv/sys/driver.h lib/pkgconfig/vmdrv.pc \
         lib/cmake/vmdrv/vmdrvConfig.cmake bin/vmdrv share/vmdrv/matrix/cases.yaml \
         share/vmdrv/fixtures/hosts/windows-home.yaml; do
  [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done

# CMake package
cmake -S "$src/examples/plugin-driver" -B "$tmp/plugin" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/plugin" >/dev/null
plugin=$tmp/plugin/libexample_driver.so
[ -f "$plugin" ] || { echo "the plugin did not build"; exit 1; }

# pkg-config
PKG_CONFIG_PATH=$prefix/lib/pkgconfig cc -shared -fPIC -Wall -Wextra -Werror \
  -o "$tmp/libexample_pc.so" "$src/examples/plugin-driver/example_driver.c" \
  $(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs vmdrv)

export VMDRV_DATA_DIR=$tmp/data
# the installed binary, with its installed data, not the build tree's
vmdrv=$prefix/bin/vmdrv
"$vmdrv" --driver-lib "$plugin" drivers | grep -E '^example +Example +plugin' >/dev/null \
  || { echo "the plugin is not listed"; "$vmdrv" --driver-lib "$plugin" drivers; exit 1; }
"$vmdrv" --driver-lib "$tmp/libexample_pc.so" drivers >/dev/null
"$vmdrv" conform --driver-lib "$plugin" --driver example --host real \
  --work-dir "$tmp/work" --json "$tmp/result.json" --no-progress
python3 - "$tmp/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cells = r["cells"]
out = {c["case"]: c["outcome"] for c in cells}
assert out["lifecycle.start_stop"] == "pass", out
# no features: each one is called and must be verified unsupported
assert out["feature.snapshots.take_list_delete"] == "unsupported-verified", out
assert out["feature.native_mounts.mount_umount"] == "unsupported-verified", out
print(f"{len(cells)} cells, all good")
PY
