#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark entry point: builds provctl (Release) and runs bench/run_bench.py, which times
# the same storage work against provctl and against Debian's libvirtd in the same run.
#
#   bash bench/run-bench.sh [--volumes N] [--creates N] [--markdown FILE] [--libvirt-only] ...
#
# Needs root (libvirtd runs in private network and mount namespaces) and the packages
# installed by scripts/bench-deps.sh.  Never run from ctest; it asserts no timings.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(dirname "$here")"
build="${PROV_BENCH_BUILD_DIR:-$src/build-bench}"

if [ "$(id -u)" -ne 0 ]; then
    echo "run-bench.sh: must run as root (libvirtd is started in private namespaces)" >&2
    exit 1
fi

args=("$@")
libvirt_only=0
for a in "$@"; do
    case "$a" in
        --libvirt-only) libvirt_only=1 ;;
        -h|--help) exec /usr/bin/python3 "$here/run_bench.py" --help ;;
    esac
done

# An explicit PROVCTL wins; otherwise build our own Release binary.  A build failure is
# not fatal: the libvirt side is still measured and the provd column says "pending".
if [ -z "${PROVCTL:-}" ] && [ "$libvirt_only" -eq 0 ]; then
    echo "== building provctl (Release) in $build" >&2
    mkdir -p "$build"
    log="$build/bench-build.log"
    # Warnings are not fatal here: -O3 finds maybe-uninitialized cases the -O2 CI
    # build does not, and the benchmark is not the place to enforce them.
    if timeout 900 cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release \
           -DPROV_WERROR=OFF >"$log" 2>&1 &&
       timeout 900 cmake --build "$build" -j2 --target provctl >>"$log" 2>&1; then
        export PROVCTL="$build/provctl"
    else
        echo "== provctl did not build (see $log); measuring libvirt only" >&2
    fi
fi

exec /usr/bin/python3 "$here/run_bench.py" "${args[@]}"
