#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bootstrap.sh: set-up command 1 of the README.  Installs the dependencies, builds
# provd and runs the main job on an embedded default: a state root (a temp dir
# unless PROVD_DEMO_ROOT is set), a default dir pool, a qcow2 volume, the listings.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
provctl=$PWD/build/provctl
root=${PROVD_DEMO_ROOT:-$(mktemp -d /tmp/provd-demo.XXXXXX)}
run() { echo "+ provctl --root $root $*"; "$provctl" --root "$root" "$@"; }

run pool-define-as default dir --target "$root/var/lib/provd/images"
run pool-build default
run pool-start default
run pool-autostart default
run vol-create-as default demo.qcow2 1G --format qcow2
run vol-create-as default demo.img 64M --allocation 0
run vol-list default --details
run pool-list --all --details
echo "State root: $root (remove it with: rm -rf $root)"
