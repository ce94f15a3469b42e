#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue-3 benchmark: boots the throw-away VM and runs bench/vm_bench_guest.py in it, which
# times iSCSI and LVM pools with provctl and with Debian's libvirtd in the same VM run.
#
#   PROVCTL=/path/to/provctl bash bench/vm-bench.sh [OUTDIR] [-- guest args...]
#
# Guest args: --luns N --lvs N --reps N --only iscsi|lvm (see vm_bench_guest.py --help).
# The markdown fragment lands in OUTDIR/vm-bench.md.  Needs root, qemu-system-x86,
# linux-image-amd64, tgt, open-iscsi, lvm2, libvirt-daemon.  Never run from ctest.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(dirname "$here")"
provctl="${PROVCTL:-$src/build/provctl}"
out="${1:-$(mktemp -d /tmp/provd-vmbench.XXXXXX)}"
[ "$#" -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
case "$out" in /*) ;; *) out=$PWD/$out ;; esac

if [ ! -x "$provctl" ]; then
    echo "vm-bench.sh: no provctl at '$provctl' (set PROVCTL)" >&2
    exit 1
fi
mkdir -p "$out"

# The guest sees this machine's files, so the script can live in OUTDIR (not hidden).
guest="$out/guest.sh"
{
    echo '#!/bin/bash'
    printf 'exec timeout %s /usr/bin/python3 %q --markdown /out/vm-bench.md' \
        "${VM_BENCH_GUEST_TIMEOUT:-840}" "$here/vm_bench_guest.py"
    for a in "$@"; do printf ' %q' "$a"; done
    echo
} > "$guest"

VM_TIMEOUT="${VM_TIMEOUT:-900}" VM_ENV="PROVCTL=$provctl PROV_SOURCE_DIR=$src" \
    bash "$src/tests/vm/run-vm.sh" "$guest" "$out"
