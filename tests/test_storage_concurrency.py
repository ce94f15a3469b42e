# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_storage_concurrency: several provctl processes racing on the same root."""

import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import os
import re
import subprocess
import xml.etree.ElementTree as ET

import provtest
from provtest import MIB, ProvTestCase, LOCAL_TEMP_PREFIX

LOSER_MESSAGE = re.compile(
    r"(?i)already (exists|defined)|busy|in use|being (allocated|created)|running job")


class Concurrency(ProvTestCase):

    def race(self, argvs):
        """Start every command at once; returns CompletedProcess-like results."""
        env = dict(os.environ)
        env.pop("PROVD_TEST_KILL_AT", None)
        procs = [subprocess.Popen(self.ctl_argv(a), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, encoding="utf-8",
                                  errors="backslashreplace", env=env)
                 for a in argvs]
        self._procs.extend(procs)
        results = []
        for argv, proc in zip(argvs, procs):
            out, err = proc.communicate(timeout=provtest.TIMEOUT)
            results.append(subprocess.CompletedProcess(self.ctl_argv(argv), proc.returncode,
                                                       out, err))
        return results

    def assert_one_winner(self, results):
        winners = [r for r in results if r.returncode == 0]
        summary = "\n\n".join(self.describe(r) for r in results)
        self.assertEqual(len(winners), 1, "exactly one command must win:\n" + summary)
        for r in results:
            if r.returncode != 0:
                self.assertEqual(r.returncode, 1, "loser must exit 1:\n" + self.describe(r))
                self.assertRegex(r.stderr, LOSER_MESSAGE, "loser message:\n" + self.describe(r))
                self.assertTrue(r.stderr.startswith("error:"), self.describe(r))
        return winners[0]

    def assert_no_temp_files(self, target):
        leftovers = [e for e in os.listdir(target) if e.startswith(LOCAL_TEMP_PREFIX)
                     or e.startswith(".")]
        self.assertEqual(leftovers, [], "temp files left in the pool dir")

    def same_name_creates(self, count, fmt_args):
        target = self.make_dir_pool("images")
        argv = ["vol-create-as", "images", "same.img", "64M", "--allocation", "64M"] + fmt_args
        winner = self.assert_one_winner(self.race([argv] * count))
        self.assertEqual(sorted(os.listdir(target)), ["same.img"])
        self.assertEqual(self.vol_names("images"), ["same.img"])
        self.assertEqual(self.ok_json("vol-info", "same.img", "--pool", "images")["capacity"],
                         64 * MIB)
        return winner

    def test_two_creates_same_name(self):
        self.same_name_creates(2, [])

    def test_ten_creates_same_name(self):
        self.same_name_creates(10, [])

    def test_ten_creates_same_name_qcow2(self):
        target = self.make_dir_pool("images")
        argv = ["vol-create-as", "images", "same.qcow2", "1G", "--format", "qcow2"]
        self.assert_one_winner(self.race([argv] * 10))
        self.assertEqual(sorted(os.listdir(target)), ["same.qcow2"])
        res = provtest.run_tool(["qemu-img", "check", os.path.join(target, "same.qcow2")])
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)

    def test_creates_different_names(self):
        target = self.make_dir_pool("images")
        names = ["vol%02d.img" % i for i in range(10)]
        results = self.race([["vol-create-as", "images", n, "16M", "--allocation", "16M"]
                             for n in names])
        for r in results:
            self.assertEqual(r.returncode, 0, self.describe(r))
        self.assertEqual(sorted(os.listdir(target)), names)
        self.assertEqual(self.vol_names("images"), names)
        for n in names:
            self.assertEqual(os.stat(os.path.join(target, n)).st_size, 16 * MIB)
        self.assert_no_temp_files(target)

    def test_clone_and_delete_race(self):
        """Deleting a clone source while clones run never leaves a half clone listed."""
        target = self.make_dir_pool("images")
        self.ok("vol-create-as", "images", "src.img", "256M", "--allocation", "256M")
        argvs = [["vol-clone", "src.img", "c%d.img" % i, "--pool", "images"] for i in range(4)]
        argvs.append(["vol-delete", "src.img", "--pool", "images"])
        results = self.race(argvs)
        for r in results[:-1]:
            if r.returncode != 0:
                self.assertEqual(r.returncode, 1, self.describe(r))
        listed = set(self.vol_names("images"))
        on_disk = {e for e in os.listdir(target)}
        self.assertEqual(listed, on_disk)
        for r, argv in zip(results[:-1], argvs[:-1]):
            clone = argv[2]
            if r.returncode == 0:
                self.assertEqual(os.stat(os.path.join(target, clone)).st_size, 256 * MIB)
            else:
                self.assertNotIn(clone, on_disk, "failed clone left a file\n" + self.describe(r))
        self.assert_no_temp_files(target)

    def test_pool_define_same_name(self):
        argvs = []
        for i in range(10):
            doc = provtest.pool_xml("racer", self.path("target%d" % i))
            argvs.append(["pool-define", self.write_file("racer%d.xml" % i, doc)])
        winner = self.assert_one_winner(self.race(argvs))
        idx = [a[1] for a in argvs].index(winner.args[-1])
        self.assert_config_valid("racer", target=self.path("target%d" % idx))
        self.assertEqual(list(self.pool_list()), ["racer"])
        self.assert_config_dir_consistent()
        stray = [e for e in os.listdir(self.config_dir()) if e not in ("racer.xml", "autostart")]
        self.assertEqual(stray, [], "temp files left in the config dir")

    def test_pool_define_as_same_name(self):
        argvs = [["pool-define-as", "racer", "dir", "--target", self.path("t%d" % i)]
                 for i in range(10)]
        self.assert_one_winner(self.race(argvs))
        self.assertEqual(list(self.pool_list()), ["racer"])
        self.assert_config_dir_consistent()

    def test_pool_define_different_names(self):
        argvs = [["pool-define-as", "p%d" % i, "dir", "--target", self.path("t%d" % i)]
                 for i in range(10)]
        for r in self.race(argvs):
            self.assertEqual(r.returncode, 0, self.describe(r))
        self.assertEqual(sorted(self.pool_list()), sorted("p%d" % i for i in range(10)))
        names = self.assert_config_dir_consistent()
        self.assertEqual(len(names), 10)
        for i in range(10):
            self.assert_config_valid("p%d" % i, target=self.path("t%d" % i))

    def test_define_undefine_storm(self):
        """Defines and undefines of one pool racing: the state stays whole each time."""
        uuid = "0c7e3f4a-1b2d-4e5f-8a9b-0c1d2e3f4a5b"
        xmlfile = self.write_file("storm.xml",
                                  provtest.pool_xml("storm", self.path("t"), uuid=uuid))
        for _ in range(5):
            argvs = [["pool-define", xmlfile], ["pool-undefine", "storm"]] * 5
            for r in self.race(argvs):
                self.assertIn(r.returncode, (0, 1), self.describe(r))
                if r.returncode == 1:
                    self.assertTrue(r.stderr.startswith("error:"), self.describe(r))
            names = self.assert_config_dir_consistent()
            if "storm" in names:
                self.assertEqual(self.pool_list()["storm"]["uuid"], uuid)
        self.ok("pool-define", xmlfile)
        self.assert_config_valid("storm", target=self.path("t"))

    def test_pool_ops_refused_during_job(self):
        """While a volume job runs, the pool cannot be destroyed under it."""
        target = self.make_dir_pool("images")
        self.ok("vol-create-as", "images", "dl.img", "8M")
        path = os.path.join(target, "dl.img")
        job = provtest.BlockedDownload(self, "images", "dl.img", path)
        res = self.ctl("pool-destroy", "images")
        self.assert_error(res, 1, "images")
        self.assertTrue(os.path.isfile(self.status_path("images")))
        self.assertEqual(self.pool_state("images"), "running")
        # Other volumes of the pool stay usable meanwhile.
        self.ok("vol-create-as", "images", "other.img", "1M")
        self.ok("vol-delete", "other.img", "--pool", "images")
        rc, _ = job.finish()
        self.assertEqual(rc, 0)
        self.ok("pool-destroy", "images")
        self.assertEqual(self.pool_state("images"), "inactive")

    def test_pool_start_race(self):
        self.make_dir_pool("images", start=False)
        results = self.race([["pool-start", "images"]] * 6)
        winners = [r for r in results if r.returncode == 0]
        self.assertEqual(len(winners), 1, "\n".join(self.describe(r) for r in results))
        for r in results:
            if r.returncode != 0:
                self.assert_error(r, 1, "images")
        status = ET.parse(self.status_path("images")).getroot()
        self.assertEqual(status.findtext("pool/name"), "images")
        self.assertEqual(self.pool_state("images"), "running")


if __name__ == "__main__":
    provtest.main()
