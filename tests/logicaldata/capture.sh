#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capture.sh: re-captures the LVM reports in tests/logicaldata/ (run inside the test VM:
#   bash tests/vm/run-vm.sh tests/logicaldata/capture.sh /tmp/cap
# then copy /tmp/cap/logicaldata/* here and review the diff).  The fields are read from
# backends/logical.h, so the fixtures always answer what the backend asks.
set -u
OUT=/out/logicaldata
H=$(dirname "$(readlink -f "$0")")/../../backends/logical.h
mkdir -p "$OUT"
modprobe dm_mod; modprobe dm_thin_pool; modprobe loop
before=$(pgrep -x dmeventd)
T=$(mktemp -d)
for i in 0 1 2 3 4; do truncate -s 256M "$T/d$i.img"; losetup "/dev/loop$i" "$T/d$i.img" || exit 1; done
LVSF=$(python3 -c "
import re, sys
s = open(sys.argv[1]).read()
m = re.search(r'#define PROV_LOGICAL_LVS_FIELDS ((?:\"[^\"]*\"\s*\\\\?\s*)+)', s)
print(''.join(re.findall(r'\"([^\"]*)\"', m.group(1))))" "$H")
VGSF=$(sed -n 's/#define PROV_LOGICAL_VGS_FIELDS "\(.*\)"/\1/p' "$H")
PVSF=$(sed -n 's/#define PROV_LOGICAL_PVS_FIELDS "\(.*\)"/\1/p' "$H")
lvsj() { lvs --reportformat json --units b --nosuffix -o "$LVSF" "$@"; }
vgsj() { vgs --reportformat json --units b --nosuffix -o "$VGSF" "$@"; }
pvsj() { pvs --reportformat json -o "$PVSF" "$@"; }
probe() { blkid -p -o export "$1" > "$OUT/$2"; echo "exit $?" >> "$OUT/$2"; }

pvsj > "$OUT/pvs-none.json"
probe /dev/loop0 blkid-empty.txt
pvcreate /dev/loop0 /dev/loop1 >/dev/null
pvsj > "$OUT/pvs-orphans.json"
probe /dev/loop0 blkid-pv.txt
vgcreate vg1 /dev/loop0 /dev/loop1 >/dev/null
vgcreate other /dev/loop2 >/dev/null
vgcreate vg2 /dev/loop3 >/dev/null
lvsj vg2 > "$OUT/lvs-vg2-empty.json"
vgsj > "$OUT/vgs-three.json"
lvcreate -y -n data -L 33554432b vg2 >/dev/null
lvsj vg2 > "$OUT/lvs-vg2-linear.json"
lvcreate -y --type thin-pool -n userpool -L 67108864b vg2 >/dev/null
lvsj vg2 > "$OUT/lvs-vg2-userpool.json"
lvcreate -y -n lin -L 67108864b vg1 >/dev/null
lvsj vg1/lin > "$OUT/lvs-one-lin.json"
lvcreate -y -n striped -i 2 -L 16777216b vg1 >/dev/null 2>&1
lvcreate -y -n multi -L 8388608b vg1 /dev/loop0 >/dev/null
lvextend -L 16777216b vg1/multi /dev/loop1 >/dev/null
lvcreate -y --type thin-pool -n provd-thinpool -L 134217728b vg1 >/dev/null 2>&1
lvcreate -y -n thin1 -V 134217728b -T vg1/provd-thinpool >/dev/null 2>&1
dd if=/dev/urandom of=/dev/vg1/thin1 bs=1M count=10 oflag=direct 2>/dev/null
lvcreate -y -s -kn -n thinsnap vg1/thin1 >/dev/null 2>&1
lvcreate -y -s -n skipsnap vg1/thin1 >/dev/null 2>&1
lvcreate -y -s -L 8388608b -n cowsnap vg1/lin >/dev/null 2>&1
lvcreate -y -n inact -L 4194304b -an vg1 >/dev/null 2>&1
lvcreate -y -n building --addtag provd_incomplete -L 4194304b vg1 >/dev/null 2>&1
udevadm settle
lvsj vg1 > "$OUT/lvs-vg1.json"
lvsj vg1/thin1 > "$OUT/lvs-one-thin.json"
lvsj vg1/thinsnap > "$OUT/lvs-one-thinsnap.json"
lvsj vg1/nosuch > "$OUT/lvs-one-missing.json" 2>/dev/null
lvsj nosuchvg > "$OUT/lvs-missing-vg.json" 2>/dev/null
vgsj > "$OUT/vgs-three-used.json"
pvsj > "$OUT/pvs-three-vgs.json"
exec 7</dev/vg1/lin
lvsj vg1 > "$OUT/lvs-vg1-open.json"
exec 7<&-
vgchange -aln vg1 >/dev/null
lvsj vg1 > "$OUT/lvs-vg1-inactive.json"
vgchange -aly vg1 >/dev/null
mkfs.ext4 -q /dev/loop4
probe /dev/loop4 blkid-ext4.txt

vgremove -f vg1 vg2 other >/dev/null 2>&1
pvremove /dev/loop0 /dev/loop1 /dev/loop2 /dev/loop3 >/dev/null
for i in 0 1 2 3 4; do losetup -d "/dev/loop$i"; done
rm -rf "$T"
for pid in $(pgrep -x dmeventd); do
    case " $before " in *" $pid "*) ;; *) kill "$pid" ;; esac
done
echo "captured into $OUT"
