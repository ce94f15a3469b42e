# SPDX-License-Identifier: LGPL-2.1-or-later
"""vmtest_logical: LVM pools driven through the real provctl, in the test VM.

Two loop devices over 256 MiB sparse files become a volume group; a third one is
the victim of the bad-input cases (a filesystem on it, mounted, a PV of another
VG).  Every provctl run gets an extra open fd and prints the runner's debug log,
so a leaked fd would show up as LVM's "File descriptor N leaked on ... invocation".
Needs root, device-mapper with dm_thin_pool, and loop devices: elsewhere the
module skips.  Cleans up its VGs, PVs, loop devices and the modules it loaded.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import provtest  # noqa: E402
from provtest import MIB, LoopDevice, ProvTestCase, run_tool  # noqa: E402

VG = "provtest_vg"
OTHER_VG = "provtest_other"
SPARE_VG = "provtest_spare"
POOL = "lvpool"
THIN_POOL = "provd-thinpool"
LVM_FIELDS = "lv_name,lv_attr,lv_size,pool_lv,origin,lv_tags,data_percent"


def lvm_report(tool, key, *args):
    res = run_tool([tool, "--reportformat", "json", "--units", "b", "--nosuffix"] + list(args))
    if res.returncode != 0:
        return None
    rows = []
    for elem in json.loads(res.stdout)["report"]:
        rows.extend(elem.get(key, []))
    return rows


def lvs(vg):
    """LV name -> row, or None when the VG does not exist."""
    rows = lvm_report("lvs", "lv", "-o", LVM_FIELDS, vg)
    return None if rows is None else {r["lv_name"]: r for r in rows}


def vg_names():
    return {r["vg_name"] for r in lvm_report("vgs", "vg", "-o", "vg_name") or []}


def blkid_type(dev):
    """What a low-level probe finds on @dev (None = nothing)."""
    res = run_tool(["blkid", "-p", "-o", "value", "-s", "TYPE", dev])
    return res.stdout.strip() or None


def pids_of(name):
    res = run_tool(["pgrep", "-x", name])
    return {int(p) for p in res.stdout.split()}


def loaded_modules():
    try:
        with open("/proc/modules") as f:
            return {line.split()[0] for line in f}
    except OSError:
        return set()


def kernel_problem():
    """None when this kernel can run the module, else why not."""
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("lvs", "losetup", "modprobe", "dmsetup", "mkfs.ext4"):
        if shutil.which(tool) is None:
            return "%s is not installed" % tool
    for mod in ("dm_mod", "dm_thin_pool", "loop"):
        run_tool(["modprobe", mod])
    if not os.path.exists("/dev/mapper/control"):
        return "no device-mapper in this kernel (run it in the test VM: tests/vm/run-vm.sh)"
    res = run_tool(["dmsetup", "targets"])
    if "thin-pool" not in res.stdout:
        return "no dm thin-pool target in this kernel"
    return provtest.loop_devices_supported()


class LogicalPoolTest(ProvTestCase):

    @classmethod
    def setUpClass(cls):
        if not provtest.PROVCTL or not os.access(provtest.PROVCTL, os.X_OK):
            raise unittest.SkipTest("no provctl binary (set PROVCTL)")
        cls.modules_before = loaded_modules()
        problem = kernel_problem()
        if problem:
            cls.unload_modules()
            raise unittest.SkipTest(problem)
        cls.dmeventd_before = pids_of("dmeventd")
        cls.dir = tempfile.mkdtemp(prefix="vmtest-logical-")
        cls.loops = []
        try:
            for i in range(3):
                cls.loops.append(LoopDevice(os.path.join(cls.dir, "pv%d.img" % i), 256 * MIB))
        except OSError:
            cls.tearDownClass()
            raise
        cls.started = time.monotonic()
        cls.timings = []

    @classmethod
    def unload_modules(cls):
        """Unload what this module loaded (LVM pulls in dm_snapshot and dm_bufio itself);
        modprobe -r also drops dependencies nothing else uses."""
        for mod in ("dm_thin_pool", "dm_snapshot", "dm_mod", "loop"):
            if mod not in cls.modules_before and mod in loaded_modules():
                run_tool(["modprobe", "-r", mod])

    @classmethod
    def tearDownClass(cls):
        for vg in (VG, OTHER_VG, SPARE_VG):
            if vg in vg_names():
                run_tool(["vgchange", "-an", vg])
                run_tool(["vgremove", "-ff", "-y", vg])
        for loop in getattr(cls, "loops", []):
            if loop.path:
                run_tool(["pvremove", "-ff", "-y", loop.path])
                run_tool(["umount", loop.path])
                loop.detach()
        # Activating a thin pool makes LVM start dmeventd to watch it; it is ours to stop.
        for pid in pids_of("dmeventd") - getattr(cls, "dmeventd_before", set()):
            try:
                os.kill(pid, 15)
            except ProcessLookupError:
                pass
        cls.unload_modules()
        if getattr(cls, "dir", None):
            shutil.rmtree(cls.dir, ignore_errors=True)
        if getattr(cls, "started", None):
            slow = sorted(cls.timings, reverse=True)[:8]
            print("vmtest_logical: %.0f s, %d provctl runs taking %.0f s; slowest: %s"
                  % (time.monotonic() - cls.started, len(cls.timings),
                     sum(t for t, _ in cls.timings),
                     ", ".join("%s %.1fs" % (a, t) for t, a in slow)), flush=True)

    def setUp(self):
        super().setUp()
        self.stderr_seen = []
        # An fd every provctl run inherits: the runner must not hand it to LVM.
        self.extra_fd = os.open("/dev/null", os.O_RDONLY)
        self.addCleanup(os.close, self.extra_fd)
        self.addCleanup(self.assert_no_fd_leaks)

    # -- provctl with the debug log of every command's stderr

    def run_ctl(self, *args, json_out=False):
        # GLib prints debug messages on stdout: not into a JSON document.
        env = {} if json_out else {"G_MESSAGES_DEBUG": "prov-command"}
        t0 = time.monotonic()
        res = self.ctl(*args, json_out=json_out, env=env, pass_fds=(self.extra_fd,))
        self.timings.append((time.monotonic() - t0, " ".join(args)))
        if not json_out:
            self.stderr_seen.append((args, res.stdout + res.stderr))
        else:
            self.assertNotIn("leaked on", res.stderr)
        return res

    def lv(self, *args):
        res = self.run_ctl(*args)
        self.assertEqual(res.returncode, 0, "provctl failed\n" + self.describe(res))
        return res.stdout

    def lv_json(self, *args):
        res = self.run_ctl(*args, json_out=True)
        self.assertEqual(res.returncode, 0, "provctl failed\n" + self.describe(res))
        return json.loads(res.stdout)

    def lv_refused(self, args, *needles):
        res = self.run_ctl(*args)
        self.assert_error(res, 1, *needles)
        return res

    def assert_no_fd_leaks(self):
        """No LVM command complained of an fd, in the debug log of every command run."""
        runs = 0
        for args, err in self.stderr_seen:
            self.assertNotIn("leaked on", err, "an LVM command inherited an fd in %r" % (args,))
            runs += err.count("running /")
        # The debug log is really there (else this check would prove nothing).
        if self.stderr_seen:
            self.assertGreater(runs, 0, "no command was logged: G_MESSAGES_DEBUG not honoured")

    def vols(self, pool=POOL):
        return {v["name"]: v for v in self.lv_json("vol-list", pool)}

    def pool_xml(self, devices, vg=VG, name=POOL):
        src = "".join("    <device path='%s'/>\n" % d for d in devices)
        return self.write_file("%s.xml" % name,
                               "<pool type='logical'>\n  <name>%s</name>\n  <source>\n%s"
                               "    <name>%s</name>\n  </source>\n</pool>\n" % (name, src, vg))

    @staticmethod
    def write_at(path, offset, data):
        fd = os.open(path, os.O_WRONLY)
        try:
            os.pwrite(fd, data, offset)
            os.fsync(fd)
        finally:
            os.close(fd)

    @staticmethod
    def read_at(path, offset, length):
        # O_DIRECT-free reads can be served from the page cache of another device
        # instance; drop it so we see what the LV really holds.
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            return os.pread(fd, length, offset)
        finally:
            os.close(fd)

    # ---- the whole life of a pool -------------------------------------------------

    def test_lifecycle(self):
        a, b = self.loops[0].path, self.loops[1].path
        self.lv("pool-define", self.pool_xml([a, b]))
        # Empty devices need no --overwrite.
        self.lv("pool-build", POOL)
        self.assertIn(VG, vg_names())
        self.assertEqual(blkid_type(a), "LVM2_member")
        self.lv("pool-start", POOL)
        info = self.lv_json("pool-info", POOL)
        self.assertEqual(info["state"], "running")
        # 2 x 256 MiB minus LVM metadata: 63 extents of 4 MiB each.
        self.assertEqual(info["capacity"], 2 * 63 * 4 * MIB)

        # A linear volume and a thin one (--allocation 0).
        self.lv("vol-create-as", POOL, "lin", "64M")
        self.lv("vol-create-as", POOL, "thin", "128M", "--allocation", "0")
        vols = self.vols()
        self.assertEqual(sorted(vols), ["lin", "thin"], "the thin pool must not be listed")
        self.assertEqual(vols["lin"]["path"], "/dev/%s/lin" % VG)
        self.assertEqual((vols["lin"]["capacity"], vols["lin"]["allocation"]), (64 * MIB, 64 * MIB))
        self.assertEqual((vols["thin"]["capacity"], vols["thin"]["allocation"]), (128 * MIB, 0))
        rows = lvs(VG)
        self.assertEqual(rows["thin"]["lv_attr"][0], "V")
        self.assertEqual(rows["thin"]["pool_lv"], THIN_POOL)
        self.assertEqual(rows["lin"]["lv_attr"][0], "-")
        self.assertRegex(vols["lin"]["key"], r"^[A-Za-z0-9]{6}(-[A-Za-z0-9]{4}){5}-[A-Za-z0-9]{6}$")

        # Data written through /dev/VG/LV reads back; the thin volume allocates what is written.
        lin_data = os.urandom(4 * MIB)
        thin_data = os.urandom(8 * MIB)
        self.write_at("/dev/%s/lin" % VG, MIB, lin_data)
        self.write_at("/dev/%s/thin" % VG, 0, thin_data)
        self.assertEqual(self.read_at("/dev/%s/lin" % VG, MIB, 4 * MIB), lin_data)
        self.assertEqual(self.read_at("/dev/%s/thin" % VG, 0, 8 * MIB), thin_data)
        # Looked up by path; 8 MiB of 128 MiB written (whole 64 KiB thin chunks).
        info = self.lv_json("vol-info", "/dev/%s/thin" % VG)
        self.assertEqual((info["name"], info["pool"]), ("thin", POOL))
        self.assertEqual(info["capacity"], 128 * MIB)
        self.assertEqual(info["allocation"], 8 * MIB)

        # Resize: grow; shrink only with --shrink.
        self.lv("vol-resize", "lin", "96M", "--pool", POOL)
        self.assertEqual(int(lvs(VG)["lin"]["lv_size"]), 96 * MIB)
        self.lv_refused(("vol-resize", "lin", "32M", "--pool", POOL), "--shrink")
        self.assertEqual(int(lvs(VG)["lin"]["lv_size"]), 96 * MIB)
        self.lv("vol-resize", "lin", "64M", "--pool", POOL, "--shrink")
        self.assertEqual(int(lvs(VG)["lin"]["lv_size"]), 64 * MIB)
        self.assertEqual(self.read_at("/dev/%s/lin" % VG, MIB, 4 * MIB), lin_data)

        # Clone: a thin snapshot of the thin volume, a full copy of the linear one.
        self.lv("vol-clone", "thin", "thin-snap", "--pool", POOL)
        self.lv("vol-clone", "lin", "lin-copy", "--pool", POOL)
        rows = lvs(VG)
        self.assertEqual(rows["thin-snap"]["lv_attr"][0], "V")
        self.assertEqual(rows["thin-snap"]["origin"], "thin")
        self.assertEqual(rows["lin-copy"]["lv_attr"][0], "-")
        self.assertEqual(rows["lin-copy"]["lv_tags"], "", "the clone is still marked unfinished")
        self.assertEqual(self.read_at("/dev/%s/thin-snap" % VG, 0, 8 * MIB), thin_data)
        self.assertEqual(self.read_at("/dev/%s/lin-copy" % VG, MIB, 4 * MIB), lin_data)
        self.assertEqual(self.read_at("/dev/%s/lin-copy" % VG, 0, MIB), bytes(MIB))
        self.assertEqual(int(rows["lin-copy"]["lv_size"]), 64 * MIB)
        self.assertEqual(int(rows["thin-snap"]["lv_size"]), 128 * MIB)

        # Upload through the volume (volume_local's copy on the LV's device).
        blob = os.urandom(2 * MIB)
        src = self.path("blob.bin")
        with open(src, "wb") as f:
            f.write(blob)
        self.lv("vol-upload", "lin-copy", src, "--pool", POOL, "--offset", str(16 * MIB))
        self.assertEqual(self.read_at("/dev/%s/lin-copy" % VG, 16 * MIB, 2 * MIB), blob)

        # Wipe: the linear copy reads as zeros; the thin snapshot gives its blocks back.
        self.lv("vol-wipe", "lin-copy", "--pool", POOL)
        self.assertEqual(self.read_at("/dev/%s/lin-copy" % VG, 0, 24 * MIB), bytes(24 * MIB))
        self.lv("vol-wipe", "thin-snap", "--pool", POOL)
        self.assertEqual(self.read_at("/dev/%s/thin-snap" % VG, 0, 8 * MIB), bytes(8 * MIB))
        self.assertEqual(float(lvs(VG)["thin-snap"]["data_percent"]), 0.0)
        # The origin keeps its data.
        self.assertEqual(self.read_at("/dev/%s/thin" % VG, 0, 8 * MIB), thin_data)

        # Deleting an open volume is refused; closed, it goes.
        holder = open("/dev/%s/lin-copy" % VG, "rb")
        try:
            self.lv_refused(("vol-delete", "lin-copy", "--pool", POOL), "is in use")
            self.assertIn("lin-copy", lvs(VG))
        finally:
            holder.close()
        self.lv("vol-delete", "lin-copy", "--pool", POOL)
        self.lv("vol-delete", "thin-snap", "--pool", POOL)
        self.assertNotIn("lin-copy", lvs(VG))
        self.assertNotIn("thin-snap", lvs(VG))

        # Host restart: the run dir is gone, LVs inactive; autostart brings the pool back.
        self.lv("pool-autostart", POOL)
        run_tool(["vgchange", "-an", VG])
        shutil.rmtree(os.path.join(self.root, "run"))
        self.lv("autostart")
        self.assertEqual(self.pool_state(POOL), "running")
        self.assertTrue(os.path.exists("/dev/%s/thin" % VG))
        self.assertEqual(self.read_at("/dev/%s/thin" % VG, 0, 8 * MIB), thin_data)
        # The VG deactivated behind our back: the pool shows inactive.
        res = run_tool(["vgchange", "-an", VG])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(self.pool_state(POOL), "inactive")
        self.lv("pool-start", POOL)

        # The last thin volume takes provd's thin pool with it.
        self.lv("vol-delete", "thin", "--pool", POOL)
        self.assertNotIn(THIN_POOL, lvs(VG))

        # Stop: every LV inactive; delete: VG and PV labels gone.
        self.lv("pool-destroy", POOL)
        self.assertEqual(lvs(VG)["lin"]["lv_attr"][4], "-")
        self.lv("pool-delete", POOL)
        self.assertNotIn(VG, vg_names())
        self.assertIsNone(blkid_type(a))
        self.assertIsNone(blkid_type(b))
        self.lv("pool-undefine", POOL)
        self.assertNotIn(POOL, self.pool_list())

    # ---- discovery and refusals --------------------------------------------------

    def test_bad_input(self):
        c = self.loops[2].path
        # VG names LVM cannot take are refused at define, before any command runs,
        # and no definition is stored.
        for i, (bad, needle) in enumerate((("a/b", "must not contain '/'"),
                                           ("-ff", "must not start with '-'"))):
            name = "bad%d" % i
            self.lv_refused(("pool-define", self.pool_xml([c], vg=bad, name=name)),
                            "volume group name '%s' %s" % (bad, needle))
            self.assertNotIn(name, self.pool_list())
        self.assertIsNone(blkid_type(c))

        # A filesystem: refused without --overwrite, and kept.
        res = run_tool(["mkfs.ext4", "-q", c])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.lv("pool-define", self.pool_xml([c], vg=SPARE_VG, name="spare"))
        self.lv_refused(("pool-build", "spare"), "'%s' already holds 'ext4'" % c, "--overwrite")
        self.assertEqual(blkid_type(c), "ext4")
        self.assertNotIn(SPARE_VG, vg_names())
        # Mounted: refused even with --overwrite.
        mnt = self.path("mnt")
        os.mkdir(mnt)
        res = run_tool(["mount", c, mnt])
        self.assertEqual(res.returncode, 0, res.stderr)
        try:
            self.lv_refused(("pool-build", "spare", "--overwrite"), "'%s' is mounted on" % c)
        finally:
            run_tool(["umount", mnt])
        self.assertEqual(blkid_type(c), "ext4")
        # --overwrite wipes the filesystem and builds.
        self.lv("pool-build", "spare", "--overwrite")
        self.assertIn(SPARE_VG, vg_names())

        # Discovery lists the VG with its PV.
        found = self.lv("find-storage-pool-sources", "logical")
        self.assertRegex(found, r"<source>\s*<device path='%s'/>\s*<name>%s</name>\s*"
                         r"<format type='lvm2'/>\s*</source>" % (re.escape(c), SPARE_VG))
        self.lv("pool-delete", "spare")
        self.assertNotIn(SPARE_VG, vg_names())
        self.assertIsNone(blkid_type(c))

        # A PV of another VG is never taken, not even with --overwrite.
        res = run_tool(["vgcreate", OTHER_VG, c])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.lv_refused(("pool-build", "spare", "--overwrite"),
                        "'%s' is already a physical volume of volume group '%s'" % (c, OTHER_VG))
        self.assertIn(OTHER_VG, vg_names())
        # Its VG is not the pool's: start refuses.
        self.lv_refused(("pool-start", "spare"), "volume group '%s' not found" % SPARE_VG)


if __name__ == "__main__":
    unittest.main(verbosity=2)
