# SPDX-License-Identifier: LGPL-2.1-or-later
"""vmtest_scsi: scsi pools on a real SCSI host (scsi_debug), driven through provctl.

Runs inside the test VM (tests/vm/run-vm.sh) as root: loads scsi_debug with one
target and two 16 MiB LUNs, and drives provctl as a user would against it: a pool
on the scsi_debug host with target /dev/disk/by-id, stable keys (scsi_id's
identifier) across restarts and autostart, data through the volume paths, a LUN
added and one removed behind our back, a pool whose target directory has no link
for the LUNs (by-path: scsi_debug is a pseudo bus), bad targets and adapters, and
an adapter found by its PCI parent (the VM's own ATA controller and its DVD drive).
Skips (exit 77) outside such a VM.

PROV_LUN_CAPTURE=DIR also writes the sysfs/dev layout, scsi_id output and volumes
seen here as luntest fixtures (tests/lundata/scsi_debug.{tree,scsi_id,vols}).
"""

import glob
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import provtest  # noqa: E402

SCSI_ID = "/lib/udev/scsi_id"
DEBUG_DRIVER = "/sys/bus/pseudo/drivers/scsi_debug"
LUN_BYTES = 16 * provtest.MIB
# The backend's bound for waiting on missing links in one refresh
# (PROV_LUN_SCAN_OPTIONS_DEFAULT.link_wait_ms).
LINK_WAIT_S = 5.0


def sh(argv, check=True):
    res = subprocess.run(argv, capture_output=True, text=True, timeout=provtest.TIMEOUT)
    if check and res.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (" ".join(argv), res.returncode,
                                                     res.stderr.strip()))
    return res


def write_sysfs(path, text):
    with open(path, "w") as f:
        f.write(text)


def settle():
    sh(["udevadm", "settle", "--timeout=60"], check=False)


def scsi_id(dev):
    res = sh([SCSI_ID, "--whitelisted", "--replace-whitespace", "--device=" + dev],
             check=False)
    return res.stdout.strip() if res.returncode == 0 else ""


def host_luns(host):
    """{'H:B:T:L': '/dev/sdX'} of disk LUNs on SCSI host number @host."""
    luns = {}
    for path in glob.glob("/sys/bus/scsi/devices/%d:*" % host):
        block = glob.glob(os.path.join(path, "block", "*"))
        if block:
            luns[os.path.basename(path)] = "/dev/" + os.path.basename(block[0])
    return luns


def unit_name(addr):
    return "unit:" + addr.split(":", 1)[1]


def links_to(directory, dev):
    """Entries of @directory that resolve to @dev, sorted."""
    real = os.path.realpath(dev)
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    return sorted(os.path.join(directory, n) for n in names
                  if os.path.realpath(os.path.join(directory, n)) == real)


def scsi_pool_xml(name, target, adapter):
    return ("<pool type='scsi'>\n  <name>%s</name>\n  <source>\n    %s\n  </source>\n"
            "  <target>\n    <path>%s</path>\n  </target>\n</pool>\n" % (name, adapter, target))


class ScsiPoolTest(provtest.ProvTestCase):

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root (modprobe scsi_debug)")
        if not provtest.PROVCTL or not os.access(provtest.PROVCTL, os.X_OK):
            raise unittest.SkipTest("no provctl binary (set PROVCTL)")
        if not os.path.exists(SCSI_ID):
            raise unittest.SkipTest("%s is not installed (package udev)" % SCSI_ID)
        if os.path.exists("/sys/module/scsi_debug"):
            raise unittest.SkipTest("scsi_debug is already loaded by someone else")
        res = subprocess.run(["modprobe", "scsi_debug", "num_tgts=1", "max_luns=2",
                              "dev_size_mb=16"], capture_output=True, text=True, timeout=60)
        if res.returncode != 0:
            raise unittest.SkipTest("cannot load scsi_debug (not in the test VM?): %s"
                                    % res.stderr.strip())
        try:
            hosts = glob.glob(os.path.join(DEBUG_DRIVER, "adapter*", "host*"))
            if len(hosts) != 1:
                raise AssertionError("scsi_debug made %d hosts: %r" % (len(hosts), hosts))
            cls.host = int(os.path.basename(hosts[0])[4:])
            settle()
            cls.wait_links(2)
        except BaseException:
            cls.unload()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.unload()

    @classmethod
    def unload(cls):
        settle()
        for _ in range(50):
            if sh(["rmmod", "scsi_debug"], check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise AssertionError("cannot unload scsi_debug")

    @classmethod
    def wait_links(cls, count):
        """Until @count LUNs of our host have a by-id link (udev is asynchronous)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            luns = host_luns(cls.host)
            if len(luns) == count and all(links_to("/dev/disk/by-id", d)
                                          for d in luns.values()):
                return luns
            time.sleep(0.2)
        raise AssertionError("LUNs of host%d: %r" % (cls.host, host_luns(cls.host)))

    # ---- helpers

    def setUp(self):
        super().setUp()
        self.addCleanup(self.restore_luns)

    def restore_luns(self):
        """Back to the two LUNs setUpClass made, whatever a test did."""
        write_sysfs(os.path.join(DEBUG_DRIVER, "max_luns"), "2")
        for addr in host_luns(self.host):
            if int(addr.split(":")[3]) >= 2:
                write_sysfs("/sys/bus/scsi/devices/%s/delete" % addr, "1")
        write_sysfs("/sys/class/scsi_host/host%d/scan" % self.host, "- - -")
        settle()
        self.wait_links(2)

    def define(self, name, target, adapter=None):
        adapter = adapter or "<adapter type='scsi_host' name='host%d'/>" % self.host
        xml = self.write_file(name + ".xml", scsi_pool_xml(name, target, adapter))
        self.ok("pool-define", xml)
        self.addCleanup(self.ctl, "pool-undefine", name)
        self.addCleanup(self.ctl, "pool-destroy", name)

    def vols(self, pool):
        data = self.ok_json("vol-list", pool)
        return {v["name"]: v for v in data}

    def expected_vols(self, directory="/dev/disk/by-id"):
        """What the pool should list: name -> (path, key), from sysfs, udev and scsi_id."""
        want = {}
        for addr, dev in host_luns(self.host).items():
            links = links_to(directory, dev)
            self.assertTrue(links, "no link to %s in %s" % (dev, directory))
            want[unit_name(addr)] = (links[0], scsi_id(dev) or links[0])
        return want

    def assert_vols(self, pool, want):
        got = self.vols(pool)
        self.assertEqual(sorted(got), sorted(want))
        for name, (path, key) in want.items():
            self.assertEqual(got[name]["path"], path, name)
            self.assertEqual(got[name]["key"], key, name)
            self.assertEqual(got[name]["type"], "block", name)
        return got

    # ---- tests

    def test_by_id_pool(self):
        """The walkthrough: define, start, list, info by path, data, restart, autostart."""
        self.define("sd", "/dev/disk/by-id")
        self.ok("pool-start", "sd")
        want = self.expected_vols()
        self.assertEqual(sorted(want), ["unit:0:0:0", "unit:0:0:1"])
        got = self.assert_vols("sd", want)
        for name, (path, key) in want.items():
            # The key is the LUN's SCSI identifier (the by-id link carries it too).
            self.assertRegex(key, r"^[0-9a-f]{17}$")
            self.assertEqual(path, "/dev/disk/by-id/scsi-" + key)
            self.assertEqual(got[name]["capacity"], LUN_BYTES)
        info = provtest.parse_colon_table(self.ok("pool-info", "sd"))
        self.assertEqual(info["State"], "running")
        self.assertEqual(info["Capacity"], "32.00 MiB")

        # Lookups by path and by key, as in the walkthrough.
        path, key = want["unit:0:0:1"]
        info = provtest.parse_colon_table(self.ok("vol-info", path))
        self.assertEqual(info["Name"], "unit:0:0:1")
        self.assertEqual(info["Type"], "block")
        self.assertEqual(info["Capacity"], "16.00 MiB")
        tree = provtest.ET.fromstring(self.ok("vol-dumpxml", key))
        self.assertEqual(tree.findtext("key"), key)
        self.assertEqual(tree.findtext("target/path"), path)
        self.assertEqual(self.ok("vol-path", "unit:0:0:1", "--pool", "sd").strip(), path)

        # Data written through one volume's path is read back through the device, and
        # vol-upload / vol-download move data through the pool.
        data = os.urandom(provtest.MIB)
        fd = os.open(path, os.O_RDWR)
        try:
            os.pwrite(fd, data, provtest.MIB)
            os.fsync(fd)
        finally:
            os.close(fd)
        sh(["blockdev", "--flushbufs", os.path.realpath(path)])
        with open(os.path.realpath(path), "rb") as f:
            f.seek(provtest.MIB)
            self.assertEqual(f.read(len(data)), data)
        upload = self.write_file("upload.bin", "")
        with open(upload, "wb") as f:
            f.write(os.urandom(3 * provtest.MIB))
        self.ok("vol-upload", "unit:0:0:0", upload, "--pool", "sd")
        download = self.path("download.bin")
        self.ok("vol-download", "unit:0:0:0", download, "--pool", "sd", "--length",
                str(3 * provtest.MIB))
        self.assertEqual(provtest.sha256_file(download), provtest.sha256_file(upload))

        # LUNs are made on the storage side: no volume create/delete here.
        self.refused(["vol-create-as", "sd", "new", "1M"], 1, "does not support")
        self.refused(["vol-delete", "unit:0:0:0", "--pool", "sd"], 1, "does not support")

        # Same names, paths and keys after a restart of the pool.
        self.ok("pool-refresh", "sd")
        self.assert_vols("sd", want)
        self.ok("pool-destroy", "sd")
        self.assertEqual(self.pool_state("sd"), "inactive")
        # pool-build has nothing to do (as in libvirt, where it succeeds as a no-op).
        self.ok("pool-build", "sd")
        self.ok("pool-start", "sd")
        self.assert_vols("sd", want)

        # And after a host restart (the run dir is gone): autostart brings it back.
        self.ok("pool-autostart", "sd")
        subprocess.run(["rm", "-rf", os.path.join(self.root, "run")], check=True)
        self.assertEqual(self.pool_state("sd"), "inactive")
        self.ok("autostart")
        self.assertEqual(self.pool_state("sd"), "running")
        self.assert_vols("sd", want)
        if os.environ.get("PROV_LUN_CAPTURE"):
            self.capture(os.environ["PROV_LUN_CAPTURE"], self.vols("sd"))

    def test_lun_added_and_removed(self):
        """A LUN added on the storage side appears on refresh; one removed behind our
        back is dropped, and the refresh says so."""
        self.define("sd", "/dev/disk/by-id")
        self.ok("pool-start", "sd")
        self.assertEqual(sorted(self.vols("sd")), ["unit:0:0:0", "unit:0:0:1"])

        write_sysfs(os.path.join(DEBUG_DRIVER, "max_luns"), "3")
        res = self.ctl("pool-refresh", "sd")
        self.assertEqual(res.returncode, 0, self.describe(res))
        self.wait_links(3)
        # udev may still be making the new link when the refresh looked (it waits a
        # bounded time for it); a second refresh certainly sees it.
        if "unit:0:0:2" not in self.vols("sd"):
            self.ok("pool-refresh", "sd")
        want = self.expected_vols()
        self.assertEqual(sorted(want), ["unit:0:0:0", "unit:0:0:1", "unit:0:0:2"])
        self.assert_vols("sd", want)
        info = provtest.parse_colon_table(self.ok("pool-info", "sd"))
        self.assertEqual(info["Capacity"], "48.00 MiB")

        # Remove LUN 2 for good: the target stops reporting it, the kernel drops it.
        gone_path = want["unit:0:0:2"][0]
        write_sysfs(os.path.join(DEBUG_DRIVER, "max_luns"), "2")
        write_sysfs("/sys/bus/scsi/devices/%d:0:0:2/delete" % self.host, "1")
        settle()
        res = self.ctl("pool-refresh", "sd")
        self.assertEqual(res.returncode, 0, self.describe(res))
        self.assertIn("warning: storage pool 'sd': volume 'unit:0:0:2' ('%s') is gone "
                      "since the last refresh" % gone_path, res.stderr)
        self.assertEqual(sorted(self.vols("sd")), ["unit:0:0:0", "unit:0:0:1"])
        self.assertEqual(self.pool_state("sd"), "running")
        res = self.ctl("vol-info", "unit:0:0:2", "--pool", "sd")
        self.assertNotEqual(res.returncode, 0, self.describe(res))

    def test_by_path_has_no_links(self):
        """scsi_debug is a pseudo bus: udev makes no by-path links.  The pool starts,
        every LUN is reported, and the wait for links is bounded once per refresh
        (libvirt waits ~10 s per LUN, then silently drops it)."""
        self.define("bp", "/dev/disk/by-path")
        start = time.monotonic()
        res = self.ctl("pool-start", "bp")
        elapsed = time.monotonic() - start
        self.assertEqual(res.returncode, 0, self.describe(res))
        for addr, dev in sorted(host_luns(self.host).items()):
            self.assertIn("warning: storage pool 'bp': LUN %s ('%s') has no link in "
                          "'/dev/disk/by-path'" % (addr, dev), res.stderr)
        self.assertEqual(self.vols("bp"), {})
        self.assertGreaterEqual(elapsed, LINK_WAIT_S)
        self.assertLess(elapsed, LINK_WAIT_S + 8, "waited per LUN?\n" + self.describe(res))

    def test_raw_dev_target(self):
        """Target /dev itself: volumes get the kernel's sdX names."""
        self.define("raw", "/dev")
        self.ok("pool-start", "raw")
        got = self.vols("raw")
        for addr, dev in host_luns(self.host).items():
            self.assertEqual(got[unit_name(addr)]["path"], dev)
            self.assertEqual(got[unit_name(addr)]["key"], scsi_id(dev))

    def test_bad_target_and_adapters(self):
        """Clear errors, and the pool stays inactive."""
        cases = [
            ("tmp", "/tmp/x", None, "storage pool 'tmp': target path '/tmp/x' is not under /dev"),
            ("nohost", "/dev/disk/by-id", "<adapter type='scsi_host' name='host999'/>",
             "storage pool 'nohost': SCSI host 'host999' does not exist"),
            ("badname", "/dev/disk/by-id", "<adapter type='scsi_host' name='sda'/>",
             "invalid adapter name 'sda' (expected 'hostN')"),
            ("fc", "/dev/disk/by-path",
             "<adapter type='fc_host' wwnn='2001001b32a9da4e' wwpn='2101001b32a9da4e'/>",
             "'fc_host' adapters (NPIV vHBAs) are not supported yet"),
            ("noparent", "/dev/disk/by-path",
             "<adapter type='scsi_host'><parentaddr unique_id='7'><address domain='0' "
             "bus='0' slot='0x1e' function='0'/></parentaddr></adapter>",
             "no SCSI host with unique_id '7' at PCI address '0000:00:1e.0'"),
        ]
        for name, target, adapter, message in cases:
            with self.subTest(name):
                self.define(name, target, adapter)
                self.refused(["pool-start", name], 1, message)
                self.assertEqual(self.pool_state(name), "inactive")

    def test_parent_address(self):
        """<parentaddr>: the host under a PCI function with a given unique_id.  The VM's
        ATA controller (qemu's IDE at 00:01.1) has a DVD drive: a CD-ROM LUN."""
        found = None
        for link in sorted(glob.glob("/sys/class/scsi_host/host*")):
            m = re.search(r"/([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])/[^/]+/host\d+/",
                          os.path.realpath(link))
            host = int(os.path.basename(link)[4:])
            luns = {}
            for path in glob.glob("/sys/bus/scsi/devices/%d:*" % host):
                block = glob.glob(os.path.join(path, "block", "*"))
                with open(os.path.join(path, "type")) as f:
                    lun_type = f.read().strip()
                if block and lun_type in ("0", "5"):
                    dev = "/dev/" + os.path.basename(block[0])
                    if links_to("/dev/disk/by-path", dev):
                        luns[os.path.basename(path)] = dev
            if m and luns:
                with open(os.path.join(link, "unique_id")) as f:
                    found = (m.groups(), int(f.read()), host, luns)
                break
        if not found:
            self.skipTest("no SCSI host with a PCI parent and a LUN in this VM")
        (dom, bus, slot, fn), uid, host, luns = found
        adapter = ("<adapter type='scsi_host'><parentaddr unique_id='%d'><address "
                   "domain='0x%s' bus='0x%s' slot='0x%s' function='0x%s'/></parentaddr>"
                   "</adapter>" % (uid, dom, bus, slot, fn))
        self.define("pci", "/dev/disk/by-path", adapter)
        self.ok("pool-start", "pci")
        got = self.vols("pci")
        want = {unit_name(a): links_to("/dev/disk/by-path", d)[0] for a, d in luns.items()}
        self.assertEqual({n: v["path"] for n, v in got.items()}, want)
        # A pool on our scsi_debug host lists none of these LUNs, and vice versa.
        self.assertNotEqual(host, self.host)

    # ---- fixtures for luntest

    def capture(self, outdir, vols):
        """The parts of /sys and /dev the scan reads, as a luntest tree (see
        tests/lundata/hosts.tree), with scsi_id's answers and what provctl listed."""
        os.makedirs(outdir, exist_ok=True)
        lines = ["# SPDX-License-Identifier: LGPL-2.1-or-later",
                 "# Captured by tests/vm/vmtest_scsi.py (PROV_LUN_CAPTURE) in the test VM:",
                 "# scsi_debug num_tgts=1 max_luns=2 dev_size_mb=16; format in hosts.tree."]

        def rel(path):
            return os.path.relpath(path, "/")

        def link(path):
            lines.append("l %s %s" % (rel(path), os.readlink(path)))

        def file(path):
            with open(path) as f:
                lines.append(("f %s %s" % (rel(path), f.read().strip())).rstrip())

        cls_link = "/sys/class/scsi_host/host%d" % self.host
        link(cls_link)
        hostdir = os.path.realpath(cls_link)
        file(os.path.join(hostdir, "unique_id"))
        lines.append("f " + rel(os.path.join(hostdir, "scan")))
        ids = ["host %d" % self.host]
        for entry in sorted(os.listdir("/sys/bus/scsi/devices")):
            if not re.match(r"(host%d|target%d:|%d:)" % ((self.host,) * 3), entry):
                continue
            path = os.path.join("/sys/bus/scsi/devices", entry)
            link(path)
            real = os.path.realpath(path)
            if not os.path.exists(os.path.join(real, "type")):
                continue
            file(os.path.join(real, "type"))
            for blk in sorted(os.listdir(os.path.join(real, "block"))):
                file(os.path.join(real, "block", blk, "size"))
                link("/sys/block/" + blk)
                lines.append("f dev/" + blk)
                for by in ("/dev/disk/by-id", "/dev/disk/by-path"):
                    for entry2 in links_to(by, "/dev/" + blk):
                        link(entry2)
                ids.append("%s %s" % (blk, scsi_id("/dev/" + blk)))
        with open(os.path.join(outdir, "scsi_debug.tree"), "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(os.path.join(outdir, "scsi_debug.scsi_id"), "w") as f:
            f.write("\n".join(ids) + "\n")
        with open(os.path.join(outdir, "scsi_debug.vols"), "w") as f:
            for name in sorted(vols):
                v = vols[name]
                f.write("%s|%s|%s|%d\n" % (name, "@ROOT@" + v["path"], v["key"],
                                           v["capacity"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
