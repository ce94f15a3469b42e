#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the throw-away VM: times iSCSI and LVM pools, provctl versus libvirtd.
"""Storage backends in the VM (issue 3): provctl versus Debian's libvirtd, same VM run.

Workloads (the same pool XML for both sides):
  I  iSCSI pool start to first vol-list: `pool-start P && vol-list P` against a tgtd
     target on 127.0.0.1 with N sparse-file LUNs; the pool is destroyed (logout) and the
     initiator checked clean between runs, untimed.
  L  pool-refresh of a logical pool whose VG (one PV on a loop device) holds M LVs.

libvirtd is started as bench/run_bench.py starts it, with its state in a temporary
directory, but only in a private mount namespace: iscsiadm reaches iscsid through an
abstract unix socket, which a private network namespace would hide, and the target is on
127.0.0.1.  Only libvirt's own directories get fresh tmpfs mounts (/run as a whole holds
udev's database and LVM's locks, which both sides must share).

Medians of --reps timed runs after one warm-up, sides alternated.  Writes a markdown
fragment to --markdown.  Never asserts a timing; never run from ctest.
"""

import argparse
import datetime
import glob
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_bench  # noqa: E402  (reused: Libvirt, Provd, run, alternate, fmt_secs...)
from run_bench import (BenchError, Deadline, alternate, fmt_secs, listed, log,  # noqa: E402
                       run)

MIB = 1024 * 1024
IQN = "iqn.2026-01.org.provd:bench"
INITIATOR = "iqn.2026-01.org.provd:bench-initiator"
INITIATORNAME = "/etc/iscsi/initiatorname.iscsi"
VG = "provbenchvg"
POOL_I = "benchiscsi"
POOL_L = "benchlvm"
TARGET = 2.0
LIBVIRT_DIRS = ("/run/libvirt", "/etc/libvirt", "/var/lib/libvirt", "/var/cache/libvirt",
                "/var/log/libvirt")


class VmLibvirt(run_bench.Libvirt):
    """run_bench.Libvirt without the network namespace, tmpfs only on libvirt's dirs
    (made when missing), and more time to come up in the VM."""

    NEW_NET = False
    TMPFS_DIRS = LIBVIRT_DIRS
    TMPFS_SIZE = "64m"
    MAKE_DIRS = True
    PID_FILE = "/run/libvirt/provbench.pid"

    def start(self, timeout=120, answer_timeout=30, poll=0.2):
        super().start(timeout=timeout, answer_timeout=answer_timeout, poll=poll)


def timed_seq(argvs, timeout):
    """Wall time of processes run one after the other (like `a && b`); stdout of the last."""
    env = dict(os.environ, LC_ALL="C", LANG="C")
    start = time.monotonic()
    out = ""
    for argv in argvs:
        t0 = time.monotonic()
        proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout, text=True)
        if proc.returncode != 0:
            raise BenchError("command failed (exit %d): %s\n%s"
                             % (proc.returncode, " ".join(argv), proc.stderr.strip()[-2000:]))
        out = proc.stdout
        log("    %.2f s: %s" % (time.monotonic() - t0, " ".join(argv[-2:])))
    return time.monotonic() - start, out


def settle():
    run(["udevadm", "settle", "--timeout=60"], timeout=90, check=False)


# ---------------------------------------------------------------------------------------
# iSCSI target and initiator


class Iscsi:
    def __init__(self, workdir, luns, lun_mib):
        self.dir = os.path.join(workdir, "iscsi")
        self.luns = luns
        self.lun_mib = lun_mib
        self.tgtd = None
        self.iscsid = None
        self.saved_name = None

    def tgtadm(self, *args, check=True):
        return run(["tgtadm", "--lld", "iscsi"] + list(args), timeout=60, check=check)

    def start(self):
        os.makedirs(self.dir)
        run(["modprobe", "iscsi_tcp"], timeout=60)
        self.tgtd = subprocess.Popen(["tgtd", "-f"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.tgtadm("--op", "show", "--mode", "target")
                break
            except BenchError:
                if time.monotonic() > deadline or self.tgtd.poll() is not None:
                    raise BenchError("tgtd did not come up")
                time.sleep(0.2)
        self.tgtadm("--op", "new", "--mode", "target", "--tid", "1", "--targetname", IQN)
        for lun in range(1, self.luns + 1):
            path = os.path.join(self.dir, "lun%d.img" % lun)
            with open(path, "wb") as f:
                f.truncate(self.lun_mib * MIB)
            self.tgtadm("--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun",
                        str(lun), "--backing-store", path)
        self.tgtadm("--op", "bind", "--mode", "target", "--tid", "1",
                    "--initiator-address", "ALL")
        try:
            with open(INITIATORNAME) as f:
                self.saved_name = f.read()
        except FileNotFoundError:
            self.saved_name = ""
        with open(INITIATORNAME, "w") as f:
            f.write("InitiatorName=%s\n" % INITIATOR)
        logname = os.path.join(self.dir, "iscsid.log")
        with open(logname, "w") as logf:
            self.iscsid = subprocess.Popen(["iscsid", "-f"], stdout=logf, stderr=logf,
                                           start_new_session=True)
        # In the foreground iscsid may not write its pid file: wait for it at most 10 s
        # (as tests/vm/vmtest_iscsi.py does), then go on if the daemon still runs.
        deadline = time.monotonic() + 10
        while not os.path.exists("/run/iscsid.pid") and time.monotonic() < deadline:
            if self.iscsid.poll() is not None:
                with open(logname) as f:
                    raise BenchError("iscsid did not come up (exit %s): %s"
                                     % (self.iscsid.poll(), f.read()[-1500:]))
            time.sleep(0.1)

    def logout_all(self):
        """No session left (untimed, between runs)."""
        if glob.glob("/sys/class/iscsi_session/session*"):
            run(["iscsiadm", "-m", "session", "-u"], timeout=120, check=False)
        settle()
        if glob.glob("/sys/class/iscsi_session/session*"):
            raise BenchError("an iSCSI session survived the logout")

    @staticmethod
    def stop_process(proc):
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)

    def stop(self):
        if self.iscsid is not None:
            try:
                self.logout_all()
            except (BenchError, subprocess.TimeoutExpired):
                pass
            run(["iscsiadm", "-m", "node", "-o", "delete"], timeout=60, check=False)
        self.stop_process(self.iscsid)
        if self.tgtd is not None and self.tgtd.poll() is None:
            self.tgtadm("--op", "update", "--mode", "sys", "--name", "State", "--value",
                        "offline", check=False)
        self.stop_process(self.tgtd)
        for path in ("/etc/iscsi/nodes", "/etc/iscsi/send_targets", "/run/iscsid.pid"):
            subprocess.run(["rm", "-rf", path], check=False, timeout=30)
        if self.saved_name is not None:
            with open(INITIATORNAME, "w") as f:
                f.write(self.saved_name)


def pool_xml_iscsi():
    return ("<pool type='iscsi'>\n  <name>%s</name>\n  <source>\n"
            "    <host name='127.0.0.1' port='3260'/>\n    <device path='%s'/>\n"
            "  </source>\n  <target>\n    <path>/dev/disk/by-path</path>\n  </target>\n"
            "</pool>\n" % (POOL_I, IQN))


# ---------------------------------------------------------------------------------------
# LVM: a VG with many LVs, made by one vgcfgrestore


def lvm_id():
    # LVM's own ids skip its alphabet's last two characters, "!" and "#" (libvirt splits
    # lvs output on "#").
    chars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    s = "".join(random.choice(chars) for _ in range(32))
    return "-".join((s[0:6], s[6:10], s[10:14], s[14:18], s[18:22], s[22:26], s[26:32]))


class Lvm:
    def __init__(self, workdir, lvs):
        self.dir = os.path.join(workdir, "lvm")
        self.lvs = lvs
        self.loop = None
        self.vg = False

    def start(self):
        os.makedirs(self.dir)
        for mod in ("dm_mod", "loop"):
            run(["modprobe", mod], timeout=60)
        img = os.path.join(self.dir, "pv.img")
        with open(img, "wb") as f:
            f.truncate((self.lvs * 4 + 64) * MIB)
        self.loop = run(["losetup", "--find", "--show", img], timeout=60).strip()
        run(["pvcreate", "-y", "--metadatasize", "8m", self.loop], timeout=120)
        run(["vgcreate", "-y", "-s", "4m", VG, self.loop], timeout=120)
        self.vg = True
        # One LV made by lvcreate is the template; the rest are copies of its metadata
        # section with their own name, id and extent, restored in one vgcfgrestore (one
        # lvcreate per LV takes seconds each under emulation).  The section looks like:
        #   lv0000 {
        #           id = "aB3dEf-...-Xy12Zq"
        #           status = ["READ", "WRITE", "VISIBLE"]
        #           ...
        #           segment1 {
        #                   start_extent = 0
        #                   extent_count = 1
        #                   type = "striped"
        #                   stripe_count = 1
        #                   stripes = [
        #                           "pv0", 0
        #                   ]
        #           }
        #   }
        run(["lvcreate", "-y", "-an", "-Zn", "-L", "4m", "-n", "lv0000", VG], timeout=120)
        meta = os.path.join(self.dir, "vg.meta")
        run(["vgcfgbackup", "-f", meta, VG], timeout=120)
        with open(meta) as f:
            text = f.read()
        m = re.search(r"\n(\s*)lv0000 \{\n.*?\n\1\}\n", text, re.S)
        if not m:
            raise BenchError("no lv0000 section in %s" % meta)
        block = m.group(0)
        pe = re.search(r'"pv0", (\d+)', block)
        base = int(pe.group(1))
        copies = [block]
        for i in range(1, self.lvs):
            b = block.replace("lv0000 {", "lv%04d {" % i)
            b = re.sub(r'id = "[^"]+"', 'id = "%s"' % lvm_id(), b, count=1)
            b = b.replace('"pv0", %d' % base, '"pv0", %d' % (base + i))
            copies.append(b)
        text = text[:m.start()] + "".join(copies) + text[m.end():]
        with open(meta, "w") as f:
            f.write(text)
        run(["vgchange", "-an", VG], timeout=120)
        run(["vgcfgrestore", "-f", meta, VG], timeout=300)
        t0 = time.monotonic()
        run(["vgchange", "-ay", VG], timeout=1200)
        settle()
        log("activated %d LVs in %.1f s" % (self.lvs, time.monotonic() - t0))
        n = len(run(["lvs", "--noheadings", "-o", "lv_name", VG], timeout=120).split())
        if n != self.lvs:
            raise BenchError("VG %s has %d LVs, wanted %d" % (VG, n, self.lvs))

    def stop(self):
        if self.vg:
            run(["vgchange", "-an", VG], timeout=1200, check=False)
            run(["vgremove", "-ff", "-y", VG], timeout=600, check=False)
        if self.loop:
            run(["pvremove", "-ff", "-y", self.loop], timeout=120, check=False)
            run(["losetup", "-d", self.loop], timeout=60, check=False)


def pool_xml_lvm(loop):
    return ("<pool type='logical'>\n  <name>%s</name>\n  <source>\n"
            "    <device path='%s'/>\n    <name>%s</name>\n    <format type='lvm2'/>\n"
            "  </source>\n  <target>\n    <path>/dev/%s</path>\n  </target>\n</pool>\n"
            % (POOL_L, loop, VG, VG))


# ---------------------------------------------------------------------------------------


def row(title, st, extra=""):
    lv, pv = st["libvirt"], st["provd"]
    ratio = lv.median / pv.median
    return ("| %s | %s (min %s) | %s (min %s) | %.1f× | ≥%.0f× | %s |%s"
            % (title, fmt_secs(lv.median), fmt_secs(lv.min), fmt_secs(pv.median),
               fmt_secs(pv.min), ratio, TARGET, "yes" if ratio >= TARGET else "no", extra))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--provctl", default=os.environ.get("PROVCTL"))
    p.add_argument("--luns", type=int, default=8)
    p.add_argument("--lun-mib", type=int, default=16)
    p.add_argument("--lvs", type=int, default=500)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--markdown", default="vm-bench.md")
    p.add_argument("--max-seconds", type=int, default=780)
    p.add_argument("--only", choices=("iscsi", "lvm"))
    return p.parse_args()


def main():
    args = parse_args()
    if os.geteuid() != 0:
        print("vm_bench_guest.py: must run as root", file=sys.stderr)
        return 1
    if not args.provctl or not os.access(args.provctl, os.X_OK):
        print("vm_bench_guest.py: no provctl (set PROVCTL)", file=sys.stderr)
        return 1
    for tool in ("tgtd", "tgtadm", "iscsid", "iscsiadm", "lvcreate", "vgcfgrestore",
                 "virsh", run_bench.LIBVIRTD):
        if shutil.which(tool) is None:
            print("vm_bench_guest.py: %s missing" % tool, file=sys.stderr)
            return 1

    run_bench.arm_deadline(args.max_seconds)

    workdir = tempfile.mkdtemp(prefix="provd-vmbench-")
    libvirt = VmLibvirt(workdir)
    provd = run_bench.Provd(workdir, os.path.abspath(args.provctl))
    sides = {"libvirt": libvirt, "provd": provd}
    iscsi = Iscsi(workdir, args.luns, args.lun_mib)
    lvm = Lvm(workdir, args.lvs)
    rows = []
    notes = []
    timeout = 600
    try:
        log("starting libvirtd (private mount namespace)")
        t0 = time.monotonic()
        libvirt.start()
        provd.start()
        log("libvirtd up in %.1f s" % (time.monotonic() - t0))

        if args.only in (None, "iscsi"):
            log("I: tgtd target with %d LUNs of %d MiB, iscsid" % (args.luns, args.lun_mib))
            iscsi.start()
            xml = os.path.join(workdir, "iscsi.xml")
            with open(xml, "w") as f:
                f.write(pool_xml_iscsi())
            for side in sides.values():
                run(side.cmd("pool-define", xml), timeout=120)
            seen = {}

            def start_list(name, side):
                t, out = timed_seq([side.cmd("pool-start", POOL_I),
                                    side.cmd("vol-list", POOL_I)], timeout)
                seen[name] = sorted(listed(out))
                if len(seen[name]) != args.luns:
                    raise BenchError("%s listed %d volumes, wanted %d:\n%s"
                                     % (name, len(seen[name]), args.luns, out))
                run(side.cmd("pool-destroy", POOL_I), timeout=timeout)
                iscsi.logout_all()
                return t

            log("I: pool-start && vol-list, x%d (+1 warm-up) per side" % args.reps)
            st = alternate(sides, args.reps, 1, start_list, log_rounds=True)
            rows.append(row("iSCSI pool-start && vol-list, %d LUNs" % args.luns, st))
            if seen["libvirt"] == seen["provd"]:
                notes.append("I cross-check: virsh and provctl list the same %d volume names"
                             % args.luns)
            else:
                notes.append("I cross-check: names differ: libvirt %s, provd %s"
                             % (seen["libvirt"], seen["provd"]))
            for side in sides.values():
                run(side.cmd("pool-undefine", POOL_I), timeout=120, check=False)
            iscsi.stop()

        if args.only in (None, "lvm"):
            log("L: VG %s with %d LVs of 4 MiB" % (VG, args.lvs))
            t0 = time.monotonic()
            lvm.start()
            log("L: made in %.1f s" % (time.monotonic() - t0))
            xml = os.path.join(workdir, "lvm.xml")
            with open(xml, "w") as f:
                f.write(pool_xml_lvm(lvm.loop))
            counts = {}
            for name, side in sides.items():
                run(side.cmd("pool-define", xml), timeout=120)
                run(side.cmd("pool-start", POOL_L), timeout=1200)
                counts[name] = len(listed(run(side.cmd("vol-list", POOL_L), timeout=timeout)))
                if counts[name] != args.lvs:
                    raise BenchError("%s lists %d LVs, wanted %d"
                                     % (name, counts[name], args.lvs))

            def refresh(name, side):
                return run_bench.timed(side.cmd("pool-refresh", POOL_L), timeout)

            log("L: pool-refresh x%d (+1 warm-up) per side" % args.reps)
            st = alternate(sides, args.reps, 1, refresh, log_rounds=True)
            rows.append(row("logical pool-refresh, %d LVs" % args.lvs, st))
            notes.append("L cross-check: virsh and provctl vol-list both list %d LVs" % args.lvs)
            for side in sides.values():
                run(side.cmd("pool-destroy", POOL_L), timeout=1200, check=False)
                run(side.cmd("pool-undefine", POOL_L), timeout=120, check=False)

        info = {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "libvirt": libvirt.version(),
            "kernel": os.uname().release,
            "cpus": os.cpu_count(),
        }
    except Deadline as e:
        log("aborted (%s), cleaning up" % e)
        return 2
    except (BenchError, subprocess.TimeoutExpired) as e:
        log("failed: %s" % e)
        return 1
    finally:
        signal.alarm(0)
        libvirt.stop()
        try:
            iscsi.stop()
        except Exception as e:  # cleanup must go on
            log("iscsi cleanup: %s" % e)
        try:
            lvm.stop()
        except Exception as e:
            log("lvm cleanup: %s" % e)
        shutil.rmtree(workdir, ignore_errors=True)

    text = ("- Guest: kernel %s, %d vCPUs (qemu TCG), libvirt %s, %s\n"
            "- Medians of %d timed runs after one warm-up, sides alternated\n\n"
            "| workload | libvirt | provd | libvirt/provd | target | met |\n"
            "|---|---:|---:|---:|---:|---|\n%s\n\n%s\n"
            % (info["kernel"], info["cpus"], info["libvirt"], info["date"], args.reps,
               "\n".join(rows), "".join("- %s\n" % n for n in notes)))
    print(text)
    with open(args.markdown, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
