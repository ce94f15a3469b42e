#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what bench/run-bench.sh needs: Debian's libvirt 9.0 daemon and client (the
# reference we compare against), its Python binding and qemu-img.  Timing is done in
# Python (bench/run_bench.py), so no timing tool is needed.
#
# Only the daemon binary is wanted, not libvirt-daemon-system: that package enables
# systemd units and defines the 'default' NAT network, and the benchmark must never touch
# the host's networks. run-bench.sh starts libvirtd itself in private namespaces.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "bench-deps.sh: must run as root" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive

apt-get install -y --no-install-recommends \
    libvirt-daemon \
    libvirt-clients \
    python3-libvirt \
    qemu-utils

# libvirtd's QEMU driver looks up this account at start-up (the default 'user'/'group'
# of qemu.conf) and refuses to load without it. libvirt-daemon-system normally creates
# it; we do not install that package, so make the account here.
if ! getent passwd libvirt-qemu >/dev/null; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin libvirt-qemu
fi
