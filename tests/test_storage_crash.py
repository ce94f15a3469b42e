# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_storage_crash: SIGKILL provctl at named steps (PROVD_TEST_KILL_AT), then check that
the next invocation sees a consistent state and the same command succeeds."""

import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import os
import shutil
import time
import xml.etree.ElementTree as ET

import provtest
from provtest import GIB, MIB, LOCAL_TEMP_PREFIX, ProvTestCase, died_by_sigkill

UUID = "5b1d0c3e-7a2f-4d9b-8e6c-1f0a2b3c4d5e"


class CrashBase(ProvTestCase):

    def crash(self, point, *args):
        res = self.ctl(*args, env={"PROVD_TEST_KILL_AT": point})
        self.assertTrue(died_by_sigkill(res),
                        "provctl did not die by SIGKILL at %r\n%s" % (point, self.describe(res)))
        return res


class PoolDefineCrash(CrashBase):

    def define_file(self, name="crashy", target=None):
        target = target or self.path("t-" + name)
        return self.write_file(name + ".xml", provtest.pool_xml(name, target, uuid=UUID)), target

    def test_before_rename(self):
        xmlfile, target = self.define_file()
        self.crash("pool-define:before-rename", "pool-define", xmlfile)
        self.assertNotIn("crashy", self.pool_list(), "a pool whose define crashed before the "
                         "rename must not exist")
        self.assertFalse(os.path.exists(self.config_path("crashy")))
        self.assert_config_dir_consistent()
        self.ok("pool-define", xmlfile)
        tree = self.assert_config_valid("crashy", target=target, ptype="dir")
        self.assertEqual(tree.findtext("uuid"), UUID)
        self.assertEqual(list(self.pool_list()), ["crashy"])
        self.assert_config_dir_consistent()

    def test_after_rename(self):
        xmlfile, target = self.define_file()
        self.crash("pool-define:after-rename", "pool-define", xmlfile)
        pools = self.pool_list()
        self.assertIn("crashy", pools, "the rename happened: the pool must be defined")
        self.assertEqual(pools["crashy"]["uuid"], UUID)
        self.assertEqual(pools["crashy"]["state"], "inactive")
        self.assert_config_valid("crashy", target=target, ptype="dir")
        self.assert_config_dir_consistent()
        # Defining the same document again is an update, and succeeds.
        self.ok("pool-define", xmlfile)
        self.assert_config_valid("crashy", target=target)
        self.assert_config_dir_consistent()
        self.ok("pool-build", "crashy")
        self.ok("pool-start", "crashy")

    def test_define_as_before_rename(self):
        target = self.path("t-as")
        self.crash("pool-define:before-rename", "pool-define-as", "asp", "dir",
                   "--target", target)
        self.assertNotIn("asp", self.pool_list())
        self.assert_config_dir_consistent()
        self.ok("pool-define-as", "asp", "dir", "--target", target)
        self.assert_config_valid("asp", target=target)

    def test_redefine_crash_keeps_old_definition(self):
        xmlfile, old_target = self.define_file()
        self.ok("pool-define", xmlfile)
        new_target = self.path("moved")
        newfile = self.write_file("new.xml", provtest.pool_xml("crashy", new_target, uuid=UUID))
        self.crash("pool-define:before-rename", "pool-define", newfile)
        self.assert_config_valid("crashy", target=old_target)
        self.assert_config_dir_consistent()
        self.crash("pool-define:after-rename", "pool-define", newfile)
        self.assert_config_valid("crashy", target=new_target)
        self.assert_config_dir_consistent()
        self.assertEqual(self.ok_json("pool-info", "crashy")["uuid"], UUID)


class VolCreateCrash(provtest.ImagesPoolMixin, CrashBase):

    def check_consistent_after_vol_crash(self, name):
        final = os.path.join(self.target, name)
        self.assertFalse(os.path.lexists(final),
                         "half-made volume published at %s" % final)
        self.assertNotIn(name, self.vol_names("images"))
        res = self.ctl("vol-info", name, "--pool", "images")
        self.assert_error(res, 1, name)
        self.ok("pool-refresh", "images")
        names = self.vol_names("images")
        self.assertNotIn(name, names)
        self.assertEqual([n for n in names if n.startswith(LOCAL_TEMP_PREFIX)], [],
                         "work-in-progress files listed as volumes")
        self.assertEqual(self.pool_state("images"), "running")

    def check_stale_temp_removed(self):
        leftovers = [e for e in os.listdir(self.target) if e.startswith(LOCAL_TEMP_PREFIX)]
        self.assertEqual(leftovers, [], "pool-refresh must remove stale temp files of a "
                         "crashed create (storage/volume_local.h)")

    def vol_crash(self, point, name, create_args, check_file):
        self.crash(point, "vol-create-as", "images", name, *create_args)
        self.check_consistent_after_vol_crash(name)
        self.ok("vol-create-as", "images", name, *create_args)
        path = os.path.join(self.target, name)
        self.assertTrue(os.path.isfile(path))
        check_file(path)
        self.assertIn(name, self.vol_names("images"))
        self.check_stale_temp_removed()

    def check_raw_allocated(self, path):
        self.assertEqual(os.stat(path).st_size, 256 * MIB)
        self.assertGreaterEqual(provtest.allocated_bytes(path), 256 * MIB)

    def check_qcow2(self, path):
        info = provtest.qemu_img_info(path)
        self.assertEqual(info["format"], "qcow2")
        self.assertEqual(info["virtual-size"], 2 * GIB)

    def test_building_raw(self):
        self.vol_crash("vol-create:building", "r.img", ["256M", "--allocation", "256M"],
                       self.check_raw_allocated)

    def test_before_publish_raw(self):
        self.vol_crash("vol-create:before-publish", "r.img", ["256M", "--allocation", "256M"],
                       self.check_raw_allocated)

    def test_building_qcow2(self):
        self.vol_crash("vol-create:building", "q.qcow2", ["2G", "--format", "qcow2"],
                       self.check_qcow2)

    def test_before_publish_qcow2(self):
        self.vol_crash("vol-create:before-publish", "q.qcow2", ["2G", "--format", "qcow2"],
                       self.check_qcow2)

    def test_before_publish_vol_create_xml(self):
        xmlfile = self.write_file("v.xml", provtest.vol_xml("x.img", 8 * MIB, allocation=0))
        self.crash("vol-create:before-publish", "vol-create", "images", xmlfile)
        self.check_consistent_after_vol_crash("x.img")
        self.ok("vol-create", "images", xmlfile)
        self.assertEqual(os.stat(os.path.join(self.target, "x.img")).st_size, 8 * MIB)

    def test_clone_crash(self):
        self.ok("vol-create-as", "images", "src.img", "64M", "--allocation", "64M")
        dst = os.path.join(self.target, "dst.img")
        for point in ("vol-create:building", "vol-create:before-publish"):
            with self.subTest(point=point):
                if os.path.lexists(dst):   # an earlier point did not crash
                    self.ok("vol-delete", "dst.img", "--pool", "images")
                self.crash(point, "vol-clone", "src.img", "dst.img", "--pool", "images")
                self.check_consistent_after_vol_crash("dst.img")
                self.assertIn("src.img", self.vol_names("images"))
        if os.path.lexists(dst):
            self.ok("vol-delete", "dst.img", "--pool", "images")
        self.ok("vol-clone", "src.img", "dst.img", "--pool", "images")
        self.assertEqual(provtest.sha256_file(os.path.join(self.target, "dst.img")),
                         provtest.sha256_file(os.path.join(self.target, "src.img")))
        self.check_stale_temp_removed()

    def test_sigkill_during_clone_copy(self):
        """A real kill -9 from outside while a clone copies data (no crash point)."""
        src = os.path.join(self.target, "src.img")
        self.ok("vol-create-as", "images", "src.img", "512M")
        with open(src, "r+b") as f:
            block = os.urandom(MIB)
            for _ in range(512):
                f.write(block)
        proc = self.ctl_bg("vol-clone", "src.img", "dst.img", "--pool", "images")
        deadline = time.monotonic() + 60
        writing = None
        while writing is None and proc.poll() is None and time.monotonic() < deadline:
            for pid in provtest.process_tree(proc.pid):
                for p in provtest.open_files(pid):
                    if os.path.dirname(p) == self.target and p != src:
                        writing = p
            time.sleep(0.002)
        if writing is None:
            proc.wait(timeout=provtest.TIMEOUT)
            self.skipTest("the clone finished before it could be killed (rc %s)"
                          % proc.returncode)
        proc.kill()
        proc.wait(timeout=30)
        self.assertEqual(proc.returncode, -9)
        self.check_consistent_after_vol_crash("dst.img")
        self.ok("vol-clone", "src.img", "dst.img", "--pool", "images")
        self.assertEqual(provtest.sha256_file(os.path.join(self.target, "dst.img")),
                         provtest.sha256_file(src))
        self.check_stale_temp_removed()

    def test_crash_does_not_block_the_pool(self):
        self.crash("vol-create:building", "vol-create-as", "images", "a.img", "64M")
        # No lock left behind: other operations on the pool and root still work.
        self.ok("vol-create-as", "images", "b.img", "1M")
        self.ok("pool-refresh", "images")
        self.ok("pool-destroy", "images")
        self.ok("pool-start", "images")
        self.assertEqual(self.vol_names("images"), ["b.img"])


class PoolStartCrash(CrashBase):

    def check_start_crash(self, name):
        status = self.status_path(name)
        if os.path.exists(status):
            try:
                root = ET.parse(status).getroot()
            except ET.ParseError as exc:
                self.fail("half-written status file %s: %s" % (status, exc))
            self.assertEqual(root.findtext("pool/name"), name)
        state = self.pool_state(name)
        self.assertIn(state, ("inactive", "running"))
        if state == "inactive":
            self.assertFalse(os.path.exists(status),
                             "an inactive pool has a status file")
            self.ok("pool-start", name)
        self.assertEqual(self.pool_state(name), "running")
        root = ET.parse(status).getroot()
        self.assertEqual(root.tag, "poolstate")
        self.assertEqual(root.findtext("pool/name"), name)

    def test_dir_pool(self):
        target = self.make_dir_pool("images", start=False)
        self.crash("pool-start:before-status", "pool-start", "images")
        self.assertEqual(self.pool_state("images"), "inactive",
                         "killed before the status was written: the pool is not started")
        self.check_start_crash("images")
        self.ok("vol-create-as", "images", "v.img", "1M")
        self.assertTrue(os.path.isfile(os.path.join(target, "v.img")))

    def test_fs_pool(self):
        reason = provtest.loop_devices_supported()
        if reason:
            self.skipTest("loop devices unavailable: " + reason)
        if not shutil.which("mkfs.ext4"):
            self.skipTest("mkfs.ext4 not installed")
        loop = provtest.LoopDevice(self.path("disk.img"), 64 * MIB)
        self.addCleanup(loop.detach)
        res = provtest.run_tool(["mkfs.ext4", "-q", "-F", loop.path])
        self.assertEqual(res.returncode, 0, res.stderr)
        target = self.path("mnt")
        os.mkdir(target)
        src = "    <device path='%s'/>\n    <format type='ext4'/>\n" % loop.path
        xmlfile = self.write_file("fs.xml", provtest.pool_xml("fsp", target, ptype="fs",
                                                              extra_source=src))
        self.ok("pool-define", xmlfile)
        self.crash("pool-start:before-status", "pool-start", "fsp")
        self.check_start_crash("fsp")
        mounts = provtest.mounts_at(target)
        self.assertEqual(len(mounts), 1, "pool-start after a crash must not mount twice: %r"
                         % mounts)
        self.assertEqual(mounts[0]["source"], loop.path)
        self.ok("pool-destroy", "fsp")
        self.assertEqual(provtest.mounts_at(target), [])


if __name__ == "__main__":
    provtest.main()
