#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# install-deps.sh: install everything provd needs to build and test, by Debian package name.
set -euo pipefail

# Build: compiler, CMake, and the libraries DESIGN.md names.
BUILD_PKGS=(
    gcc make cmake pkg-config
    libglib2.0-dev libxml2-dev libnl-3-dev libnl-route-3-dev libnftables-dev
    libjson-glib-dev libtirpc-dev rpcsvc-proto libudev-dev
)
# Run time: the tools the storage backends and the network driver drive.
RUN_PKGS=(
    util-linux mount e2fsprogs xfsprogs qemu-utils scrub
    dnsmasq-base radvd nftables iptables ebtables
)
# Tests: schema checks with xmllint, the Python test driver, and the throw-away VM
# (tests/vm/) that runs the LVM, iSCSI, SCSI and NFS backends against real services.
TEST_PKGS=(
    libxml2-utils python3 iproute2 isc-dhcp-client
    qemu-system-x86 linux-image-amd64 busybox-static cpio kmod udev
    lvm2 thin-provisioning-tools open-iscsi tgt nfs-kernel-server nfs-common sg3-utils
)

want=()
for p in "${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" "${TEST_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || want+=("$p")
done
if [ "${#want[@]}" -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: run as root to install: ${want[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${want[@]}"
