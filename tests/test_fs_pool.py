# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_fs_pool: fs pools on loop devices the test makes: build (mkfs), start (mount),
volumes, destroy (umount), and a mount that vanished behind provctl's back."""

import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import os
import shutil
import stat

import provtest
from provtest import MIB, ProvTestCase, run_tool


def blkid_value(dev, tag):
    res = run_tool(["blkid", "-p", "-o", "value", "-s", tag, dev])
    return res.stdout.strip() if res.returncode == 0 else ""


class FsPool(ProvTestCase):

    def setUp(self):
        super().setUp()
        self.target = self.path("mnt")

    def make_loop(self, size=64 * MIB, name="disk.img"):
        loop = provtest.LoopDevice(self.path(name), size)
        self.addCleanup(loop.detach)
        return loop

    def define(self, loop, fmt="ext4", name="fsp", target=None):
        target = target or self.target
        src = "    <device path='%s'/>\n    <format type='%s'/>\n" % (loop.path, fmt)
        xmlfile = self.write_file(name + ".xml", provtest.pool_xml(name, target, ptype="fs",
                                                                   extra_source=src))
        self.ok("pool-define", xmlfile)
        return xmlfile

    def mkfs(self, loop, fmt="ext4"):
        argv = {"ext4": ["mkfs.ext4", "-q", "-F"], "xfs": ["mkfs.xfs", "-q", "-f"]}[fmt]
        res = run_tool(argv + [loop.path])
        self.assertEqual(res.returncode, 0, res.stderr)

    def put_marker(self, loop):
        mnt = self.path("manual")
        os.makedirs(mnt, exist_ok=True)
        res = run_tool(["mount", loop.path, mnt])
        self.assertEqual(res.returncode, 0, res.stderr)
        with open(os.path.join(mnt, "marker"), "w") as f:
            f.write("keep me\n")
        res = run_tool(["umount", mnt])
        self.assertEqual(res.returncode, 0, res.stderr)

    def assert_mounted(self, loop, fstype):
        mounts = provtest.mounts_at(self.target)
        self.assertEqual(len(mounts), 1, "expected one mount at %s: %r" % (self.target, mounts))
        m = mounts[0]
        self.assertEqual(m["source"], loop.path)
        self.assertEqual(m["fstype"], fstype)
        rdev = os.stat(loop.path).st_rdev
        self.assertEqual(m["majmin"], "%d:%d" % (os.major(rdev), os.minor(rdev)))
        for opt in ("nodev", "nosuid", "noexec"):
            self.assertIn(opt, m["options"], "fs pools are mounted %s" % opt)
        return m

    def assert_not_mounted(self):
        self.assertEqual(provtest.mounts_at(self.target), [])

    def test_build_refuses_existing_filesystem(self):
        loop = self.make_loop()
        self.mkfs(loop)
        self.put_marker(loop)
        uuid = blkid_value(loop.path, "UUID")
        self.assertTrue(uuid)
        self.define(loop)
        for flags in ([], ["--no-overwrite"]):
            with self.subTest(flags=flags):
                res = self.ctl("pool-build", "fsp", *flags)
                self.assert_error(res, 1, loop.path)
                self.assertEqual(blkid_value(loop.path, "UUID"), uuid,
                                 "pool-build %s reformatted the device" % flags)
        self.ok("pool-build", "fsp", "--overwrite")
        new_uuid = blkid_value(loop.path, "UUID")
        self.assertEqual(blkid_value(loop.path, "TYPE"), "ext4")
        self.assertNotEqual(new_uuid, uuid, "pool-build --overwrite must run mkfs")
        self.assertTrue(os.path.isdir(self.target), "pool-build creates the mount point")
        self.ok("pool-start", "fsp")
        self.assert_mounted(loop, "ext4")
        self.assertFalse(os.path.exists(os.path.join(self.target, "marker")),
                         "old filesystem content still there after --overwrite")

    def test_existing_filesystem_kept_by_start(self):
        loop = self.make_loop()
        self.mkfs(loop)
        self.put_marker(loop)
        os.mkdir(self.target)
        self.define(loop)
        self.ok("pool-start", "fsp")
        self.assert_mounted(loop, "ext4")
        with open(os.path.join(self.target, "marker")) as f:
            self.assertEqual(f.read(), "keep me\n")
        self.assertIn("marker", self.vol_names("fsp"))

    def test_full_cycle_ext4(self):
        loop = self.make_loop()
        self.define(loop)
        self.ok("pool-build", "fsp", "--no-overwrite")
        self.assertEqual(blkid_value(loop.path, "TYPE"), "ext4",
                         "pool-build --no-overwrite on an empty device must run mkfs")
        self.assertEqual(stat.S_IMODE(os.stat(self.target).st_mode), 0o711)
        self.assert_not_mounted()

        self.ok("pool-start", "fsp")
        self.assert_mounted(loop, "ext4")
        self.assertTrue(os.path.isfile(self.status_path("fsp")))
        data = self.ok_json("pool-info", "fsp")
        self.assertEqual(data["state"], "running")
        sv = os.statvfs(self.target)
        self.assertEqual(data["capacity"], sv.f_frsize * sv.f_blocks,
                         "capacity is that of the mounted filesystem")
        self.assertLess(data["capacity"], 64 * MIB)

        self.ok("vol-create-as", "fsp", "v.img", "8M", "--allocation", "8M")
        vol = os.path.join(self.target, "v.img")
        self.assertEqual(os.stat(vol).st_dev, os.stat(loop.path).st_rdev,
                         "the volume must live on the pool's filesystem")
        self.assertGreaterEqual(provtest.allocated_bytes(vol), 8 * MIB)
        self.assertIn("v.img", self.vol_names("fsp"))
        self.ok("vol-create-as", "fsp", "q.qcow2", "1G", "--format", "qcow2")
        self.assertEqual(provtest.qemu_img_info(os.path.join(self.target, "q.qcow2"))["format"],
                         "qcow2")

        self.ok("pool-destroy", "fsp")
        self.assert_not_mounted()
        self.assertFalse(os.path.exists(vol), "volume visible after umount")
        self.assertFalse(os.path.exists(self.status_path("fsp")))
        self.assertEqual(self.pool_state("fsp"), "inactive")

        self.ok("pool-start", "fsp")
        self.assert_mounted(loop, "ext4")
        self.assertEqual(os.stat(vol).st_size, 8 * MIB)
        self.ok("pool-destroy", "fsp")
        self.ok("pool-delete", "fsp")
        self.assertFalse(os.path.exists(self.target), "pool-delete removes the mount point")
        self.assertEqual(blkid_value(loop.path, "TYPE"), "ext4")
        self.ok("pool-undefine", "fsp")
        self.assertFalse(os.path.exists(self.config_path("fsp")))

    def test_mount_vanished(self):
        loop = self.make_loop()
        self.define(loop)
        self.ok("pool-build", "fsp", "--no-overwrite")
        self.ok("pool-start", "fsp")
        self.assert_mounted(loop, "ext4")
        res = run_tool(["umount", self.target])
        self.assertEqual(res.returncode, 0, res.stderr)

        info = provtest.parse_colon_table(self.ok("pool-info", "fsp"))
        self.assertEqual(info.get("State"), "inactive",
                         "a pool whose mount vanished must be shown inactive")
        self.assertEqual(self.pool_state("fsp"), "inactive")
        self.assertFalse(os.path.exists(self.status_path("fsp")),
                         "the stale status file must be removed")
        res = self.ctl("vol-create-as", "fsp", "v.img", "1M")
        self.assert_error(res, 1, "fsp")
        self.assertEqual(os.listdir(self.target), [], "wrote into the bare mount point")

        self.ok("pool-start", "fsp")
        self.assert_mounted(loop, "ext4")

    def test_mounted_elsewhere_is_inactive(self):
        """Only a mount of *this* device on *this* target counts as active."""
        loop = self.make_loop()
        other = self.make_loop(name="other.img")
        self.mkfs(loop)
        self.mkfs(other)
        os.mkdir(self.target)
        self.define(loop)
        self.ok("pool-start", "fsp")
        run_tool(["umount", self.target])
        res = run_tool(["mount", other.path, self.target])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(self.pool_state("fsp"), "inactive",
                         "another device mounted on the target is not this pool")
        run_tool(["umount", self.target])

    def test_start_unformatted_device(self):
        loop = self.make_loop()
        os.mkdir(self.target)
        self.define(loop)
        res = self.ctl("pool-start", "fsp")
        self.assert_error(res, 1, "fsp")
        self.assert_not_mounted()
        self.assertEqual(self.pool_state("fsp"), "inactive")
        self.assertFalse(os.path.exists(self.status_path("fsp")))

    def test_same_device_conflict(self):
        loop = self.make_loop()
        self.define(loop)
        src = "    <device path='%s'/>\n    <format type='ext4'/>\n" % loop.path
        xmlfile = self.write_file("dup.xml", provtest.pool_xml("dup", self.path("mnt2"),
                                                               ptype="fs", extra_source=src))
        res = self.ctl("pool-define", xmlfile)
        self.assert_error(res, 1, "'fsp'")
        self.assertNotIn("dup", self.pool_list())

    def test_xfs(self):
        if not shutil.which("mkfs.xfs"):
            self.skipTest("mkfs.xfs not installed")
        loop = self.make_loop(size=320 * MIB)   # mkfs.xfs wants >= 300 MiB
        self.define(loop, fmt="xfs")
        self.ok("pool-build", "fsp", "--no-overwrite")
        self.assertEqual(blkid_value(loop.path, "TYPE"), "xfs")
        self.ok("pool-start", "fsp")
        self.assert_mounted(loop, "xfs")
        self.ok("vol-create-as", "fsp", "d.qcow2", "10G", "--format", "qcow2")
        path = os.path.join(self.target, "d.qcow2")
        self.assertEqual(provtest.qemu_img_info(path)["virtual-size"], 10 * 1024 ** 3)
        self.assertEqual(os.stat(path).st_dev, os.stat(loop.path).st_rdev)
        self.ok("pool-destroy", "fsp")
        self.assert_not_mounted()
        # --overwrite turns it into ext4 only when the pool says so: an xfs pool stays xfs.
        self.ok("pool-build", "fsp", "--overwrite")
        self.assertEqual(blkid_value(loop.path, "TYPE"), "xfs")


def _module_check():
    provtest.require_provctl()
    provtest.require_root()
    reason = provtest.loop_devices_supported()
    if reason:
        provtest.skip_module("loop devices unavailable: " + reason)
    if not shutil.which("mkfs.ext4") or not shutil.which("blkid"):
        provtest.skip_module("mkfs.ext4 or blkid not installed")


if __name__ == "__main__":
    _module_check()
    provtest.main()
