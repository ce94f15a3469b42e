#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-vm.sh: run a script as root inside a throw-away VM that sees this machine's root
# filesystem read-only (9p) under a tmpfs overlay, booted from Debian's stock kernel.
#
# Why a VM: the host kernel here has no device-mapper, iSCSI initiator, NFS client or
# scsi_debug; linux-image-amd64 has them all as modules.  /dev/kvm cannot run that
# kernel on these machines, so qemu emulates (TCG).
#
# Usage: run-vm.sh SCRIPT [OUTDIR]
#   SCRIPT runs in the guest as `bash SCRIPT` (an absolute host path: the guest sees the
#   host's files).  Its output goes to OUTDIR/log.txt (printed at the end), its exit code
#   to OUTDIR/rc, which becomes ours.  125: the guest never reported one.
# Environment: VM_TIMEOUT (s, default 900), VM_MEM (MiB, 2048), VM_CPUS (2), and
#   VM_ENV: extra "NAME=value ..." words exported to SCRIPT.
#
# Facts this depends on (found making it work, kept here for the next reader):
# - qemu: '-accel tcg,thread=multi -cpu max' (KVM with -cpu host fails on these hosts);
# - 9p root needs 'multidevs=remap' on the host side and msize=262144 in the guest;
# - the initramfs needs these modules, in order, to mount the root: virtio_ring virtio
#   virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet
#   9pnet_virtio 9p overlay;
# - the kernel passes unknown name=value boot parameters to init as environment;
# - the guest needs tmpfs on /run, devpts, /dev/fd, and udevd started by hand
#   (/lib/systemd/systemd-udevd --daemon; udevadm trigger; udevadm settle).
set -euo pipefail

script=${1:?usage: run-vm.sh SCRIPT [OUTDIR]}
out=${2:-$(mktemp -d /tmp/provd-vm.XXXXXX)}
case "$script" in /*) ;; *) script=$PWD/$script ;; esac
case "$out" in /*) ;; *) out=$PWD/$out ;; esac

kver=$(ls /lib/modules 2>/dev/null | grep -E -- '-amd64$' | sort -V | tail -1 || true)
if [ -z "$kver" ] || [ ! -f "/boot/vmlinuz-$kver" ]; then
    echo "run-vm.sh: no Debian kernel (install linux-image-amd64)" >&2
    exit 77
fi
for tool in qemu-system-x86_64 busybox cpio; do
    command -v "$tool" >/dev/null || { echo "run-vm.sh: $tool is missing" >&2; exit 77; }
done

mkdir -p "$out"
rm -f "$out/rc" "$out/log.txt"
cache=${VM_CACHE:-/var/tmp/provd-vm-initrd-$kver}
mods="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"

# The initramfs: busybox, the modules above, and an init that builds the overlay root.
if [ ! -f "$cache/initrd.gz" ]; then
    tmp=$(mktemp -d)
    mkdir -p "$tmp/bin" "$tmp/mods" "$tmp/proc" "$tmp/sys" "$tmp/dev"
    cp "$(command -v busybox)" "$tmp/bin/busybox"
    for a in sh mount insmod mkdir chroot; do ln -s busybox "$tmp/bin/$a"; done
    for m in $mods; do
        f=$(modinfo -k "$kver" -F filename "$m")
        case "$f" in
            *.ko.xz) xz -dc "$f" > "$tmp/mods/$m.ko" ;;
            *.ko.zst) zstd -qdc "$f" > "$tmp/mods/$m.ko" ;;
            *) cp "$f" "$tmp/mods/$m.ko" ;;
        esac
    done
    cat > "$tmp/init" <<INIT
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $mods; do insmod /mods/\$m.ko; done
mkdir -p /host /rw /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /host
mount -t tmpfs -o size=6g tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot
for d in proc sys dev; do mount --move /\$d /newroot/\$d; done
exec chroot /newroot /bin/bash "\$provd_vm_wrapper"
INIT
    chmod +x "$tmp/init"
    mkdir -p "$cache"
    (cd "$tmp" && find . | cpio -o -H newc 2>/dev/null | gzip > "$cache/initrd.gz.new")
    mv "$cache/initrd.gz.new" "$cache/initrd.gz"
    rm -rf "$tmp"
fi

# The guest side: basic mounts, udev, then SCRIPT; power off when done.
cat > "$out/guest-wrapper.sh" <<WRAP
#!/bin/bash
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 ${VM_ENV:-}
ln -sf /proc/self/fd /dev/fd
mount -t tmpfs tmpfs /run
mkdir -p /run/lock /dev/pts /dev/shm /out
mount -t devpts devpts /dev/pts
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out /out
ip link set lo up
/lib/systemd/systemd-udevd --daemon >/dev/null 2>&1
udevadm trigger --action=add >/dev/null 2>&1
udevadm settle --timeout=30 >/dev/null 2>&1
bash "$script" > /out/log.txt 2>&1
echo \$? > /out/rc
sync
echo o > /proc/sysrq-trigger
sleep 60
WRAP
chmod +x "$out/guest-wrapper.sh"

timeout "${VM_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg,thread=multi -cpu max \
    -m "${VM_MEM:-2048}" -smp "${VM_CPUS:-2}" -nographic -no-reboot \
    -kernel "/boot/vmlinuz-$kver" -initrd "$cache/initrd.gz" \
    -append "console=ttyS0 quiet panic=-1 provd_vm_wrapper=$out/guest-wrapper.sh" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap \
    -virtfs local,path="$out",mount_tag=out,security_model=passthrough \
    > "$out/console.txt" 2>&1 || true

[ -f "$out/log.txt" ] && cat "$out/log.txt"
if [ ! -f "$out/rc" ]; then
    echo "run-vm.sh: the guest reported no exit code; console in $out/console.txt" >&2
    tail -20 "$out/console.txt" >&2 || true
    exit 125
fi
exit "$(cat "$out/rc")"
