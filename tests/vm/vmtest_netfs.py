# SPDX-License-Identifier: LGPL-2.1-or-later
"""vmtest_netfs: netfs (NFS) pools against a real NFS server on 127.0.0.1, inside the test VM.

The server exports a tmpfs (overlayfs, the VM's root, cannot be exported): one
export with no_root_squash for the pools, one with root_squash for the permission
case.  Every pool mounts with <protocol ver='3'/> and the mount option nolock, so
no rpc.statd is started.  The server is made to disappear with `rpc.nfsd 0` (the
kernel stops answering NFS, so the client's hard mount blocks) and with
`exportfs -u` (the server answers, with errors).

Run inside the VM as root: PROVCTL=... python3 tests/vm/vmtest_netfs.py -v
Outside the VM, or without the NFS modules, every test is skipped with the reason.
"""

import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import os
import subprocess
import time
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import provtest  # noqa: E402
from provtest import MIB, ProvTestCase, run_tool  # noqa: E402

HOST = "127.0.0.1"
BASE = "/srv/provd-vmtest-nfs"
EXPORT = BASE + "/export"
SQUASH = BASE + "/squash"
# Seen in the VM (TCG): a dead server makes provctl give up after the 10 s probe
# limit; anything near a minute means something waited without a bound.
BOUND = 45


def _pids(name):
    res = subprocess.run(["pidof", name], capture_output=True, text=True)
    return set(int(p) for p in res.stdout.split())


def _modules():
    with open("/proc/modules") as f:
        return {line.split()[0] for line in f}


def _must(argv):
    res = run_tool(argv)
    if res.returncode != 0:
        raise OSError("%s failed (%d): %s" % (" ".join(argv), res.returncode,
                                              res.stderr.strip()))
    return res.stdout


class NfsServer:
    """The kernel NFS server on 127.0.0.1 with our two exports; stop() undoes it all."""

    def __init__(self):
        self.modules_before = set()
        self.mounted = []
        self.pids = set()
        self.exported = []

    def start(self):
        self.modules_before = _modules()
        for mod in ("nfsd", "nfs"):
            _must(["modprobe", mod])
        os.makedirs(BASE, exist_ok=True)
        _must(["mount", "-t", "tmpfs", "-o", "size=256m,mode=0755", "provd-nfs", BASE])
        self.mounted.append(BASE)
        for d in (EXPORT, SQUASH):
            os.mkdir(d, 0o755)
        if not any(e["mountpoint"] == "/proc/fs/nfsd" for e in provtest.mountinfo_entries()):
            _must(["mount", "-t", "nfsd", "nfsd", "/proc/fs/nfsd"])
            self.mounted.append("/proc/fs/nfsd")
        for daemon, argv in (("rpcbind", ["rpcbind", "-w"]), ("rpc.mountd", ["rpc.mountd"])):
            before = _pids(daemon)
            _must(argv)
            self.pids |= _pids(daemon) - before
        self.export(EXPORT, "no_root_squash", 101)
        self.export(SQUASH, "root_squash", 102)
        self.nfsd_up()

    def export(self, path, squash, fsid):
        _must(["exportfs", "-o", "rw,%s,fsid=%d,insecure" % (squash, fsid),
               "%s:%s" % (HOST, path)])
        if path not in self.exported:
            self.exported.append(path)

    def unexport(self, path):
        _must(["exportfs", "-u", "%s:%s" % (HOST, path)])

    @staticmethod
    def nfsd_up():
        _must(["rpc.nfsd", "2"])

    @staticmethod
    def nfsd_down():
        _must(["rpc.nfsd", "0"])

    def stop(self):
        run_tool(["rpc.nfsd", "0"])
        for path in self.exported:
            run_tool(["exportfs", "-u", "%s:%s" % (HOST, path)])
        for pid in self.pids:
            try:
                os.kill(pid, 15)
            except ProcessLookupError:
                pass
        for mnt in reversed(self.mounted):
            run_tool(["umount", "-l", mnt])
        # Unload what this module loaded (the client's version modules hold nfs, and
        # modprobe -r takes unused dependencies such as lockd and sunrpc along).
        loaded = _modules() - self.modules_before
        tops = [m for m in ("nfsv3", "nfsv4", "nfs", "nfsd", "lockd", "nfs_acl", "grace",
                            "auth_rpcgss", "sunrpc") if m in loaded]
        if tops:
            run_tool(["modprobe", "-r", "-a"] + tops)


def _skip_reason():
    if os.geteuid() != 0:
        return "must run as root"
    try:
        with open("/proc/cmdline") as f:
            if "provd_vm_wrapper=" not in f.read():
                return "not inside the provd test VM (tests/vm/run-vm.sh): it starts an NFS server"
    except OSError as exc:
        return "cannot read /proc/cmdline: %s" % exc
    for tool in ("rpcbind", "rpc.mountd", "rpc.nfsd", "exportfs", "showmount", "modprobe"):
        if not any(os.access(os.path.join(d, tool), os.X_OK)
                   for d in ("/usr/sbin", "/sbin", "/usr/bin")):
            return "%s is not installed (nfs-kernel-server, nfs-common, rpcbind)" % tool
    for mod in ("nfsd", "nfs"):
        if run_tool(["modprobe", "-n", mod]).returncode != 0:
            return "kernel module %s is not available" % mod
    return None


def pool_xml(name, target, export=EXPORT):
    return ("<pool type='netfs' xmlns:fs='http://libvirt.org/schemas/storagepool/fs/1.0'>\n"
            "  <name>%s</name>\n"
            "  <source>\n"
            "    <host name='%s'/>\n"
            "    <dir path='%s'/>\n"
            "    <format type='nfs'/>\n"
            "    <protocol ver='3'/>\n"
            "  </source>\n"
            "  <target>\n    <path>%s</path>\n  </target>\n"
            "  <fs:mount_opts>\n    <fs:option name='nolock'/>\n  </fs:mount_opts>\n"
            "</pool>\n" % (name, HOST, export, target))


class NetfsPool(ProvTestCase):

    server = None

    @classmethod
    def setUpClass(cls):
        reason = _skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        if not provtest.PROVCTL or not os.access(provtest.PROVCTL, os.X_OK):
            raise unittest.SkipTest("no provctl binary: set PROVCTL")
        cls.server = NfsServer()
        try:
            cls.server.start()
        except OSError:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.stop()

    def setUp(self):
        super().setUp()
        # The server's side of the export starts empty for every test.
        for d in (EXPORT, SQUASH):
            for name in os.listdir(d):
                os.unlink(os.path.join(d, name))
        self.target = self.path("mnt")

    # -- helpers

    def define(self, name="nfs", target=None, export=EXPORT):
        xmlfile = self.write_file(name + ".xml", pool_xml(name, target or self.target, export))
        self.ok("pool-define", xmlfile)

    def nfs_mounts(self, target=None):
        return [m for m in provtest.mounts_at(target or self.target)
                if m["fstype"].startswith("nfs")]

    def assert_mounted(self, export=EXPORT, target=None):
        mounts = self.nfs_mounts(target)
        self.assertEqual(len(mounts), 1, "expected one NFS mount: %r" % mounts)
        m = mounts[0]
        self.assertEqual(m["source"], "%s:%s" % (HOST, export))
        for opt in ("nodev", "nosuid", "noexec"):
            self.assertIn(opt, m["options"])
        self.assertIn("vers=3", m["super_options"])
        self.assertIn("nolock", m["super_options"])

    def assert_not_mounted(self, target=None):
        self.assertEqual(provtest.mounts_at(target or self.target), [])

    def timed(self, *args):
        start = time.monotonic()
        res = self.ctl(*args, timeout=3 * BOUND)
        return res, time.monotonic() - start

    def server_down(self):
        NfsServer.nfsd_down()
        self.addCleanup(NfsServer.nfsd_up)

    # -- the tests

    def test_lifecycle(self):
        """define, build, start (mount), volumes through the mount, destroy, delete."""
        self.define()
        self.ok("pool-build", "nfs")
        self.assertTrue(os.path.isdir(self.target))
        self.ok("pool-start", "nfs")
        self.assert_mounted()
        self.assertEqual(self.pool_state("nfs"), "running")

        self.ok("vol-create-as", "nfs", "disk.raw", "16M", "--format", "raw")
        self.ok("vol-create-as", "nfs", "disk.qcow2", "32M", "--format", "qcow2")
        self.assertEqual(self.vol_names("nfs"), ["disk.qcow2", "disk.raw"])
        # They are on the server, not in the local mount-point directory.
        self.assertEqual(sorted(os.listdir(EXPORT)), ["disk.qcow2", "disk.raw"])
        self.assertEqual(provtest.qemu_img_info(EXPORT + "/disk.qcow2")["format"], "qcow2")
        vols = {v["name"]: v for v in self.ok_json("vol-list", "nfs")}
        self.assertEqual(vols["disk.raw"]["path"], os.path.join(self.target, "disk.raw"))

        # Data written through the volume's path is what the server stores.
        path = self.ok("vol-path", "disk.raw", "--pool", "nfs").strip()
        self.assertEqual(path, os.path.join(self.target, "disk.raw"))
        data = os.urandom(MIB)
        with open(path, "r+b") as f:
            f.seek(3 * MIB)
            f.write(data)
        with open(EXPORT + "/disk.raw", "rb") as f:
            f.seek(3 * MIB)
            self.assertEqual(f.read(MIB), data)

        self.ok("vol-clone", "disk.raw", "copy.raw", "--pool", "nfs")
        self.assertEqual(provtest.sha256_file(EXPORT + "/copy.raw"),
                         provtest.sha256_file(EXPORT + "/disk.raw"))
        self.ok("vol-resize", "disk.qcow2", "64M", "--pool", "nfs")
        info = provtest.parse_colon_table(self.ok("vol-info", "disk.qcow2", "--pool", "nfs",
                                                  "--bytes"))
        self.assertEqual(info["Capacity"].split()[0], str(64 * MIB))
        self.ok("vol-delete", "copy.raw", "--pool", "nfs")
        self.ok("vol-delete", "disk.qcow2", "--pool", "nfs")
        self.assertEqual(sorted(os.listdir(EXPORT)), ["disk.raw"])
        self.assertEqual(self.vol_names("nfs"), ["disk.raw"])

        self.ok("pool-destroy", "nfs")
        self.assert_not_mounted()
        self.assertEqual(self.pool_state("nfs"), "inactive")
        self.assertEqual(os.listdir(self.target), [])
        self.ok("pool-delete", "nfs")
        self.assertFalse(os.path.exists(self.target))
        self.ok("pool-undefine", "nfs")
        # The data stays on the server.
        self.assertEqual(os.listdir(EXPORT), ["disk.raw"])

    def test_find_sources(self):
        """find-storage-pool-sources-as asks the server (showmount) for its exports."""
        out = self.ok("find-storage-pool-sources-as", "netfs", HOST)
        root = ET.fromstring(out)
        self.assertEqual(root.tag, "sources")
        found = {}
        for src in root.findall("source"):
            self.assertEqual(src.find("host").get("name"), HOST)
            self.assertEqual(src.find("format").get("type"), "nfs")
            found[src.find("dir").get("path")] = src
        self.assertEqual(sorted(found), [EXPORT, SQUASH])
        # A spec without a host is refused before anything runs.
        res = self.ctl("find-storage-pool-sources", "netfs")
        self.assert_error(res, 1, "host")

    def test_server_stops_answering(self):
        """rpc.nfsd 0: refresh fails in bounded time and stops the pool; destroy works."""
        self.define()
        self.ok("pool-build", "nfs")
        self.ok("pool-start", "nfs")
        self.ok("vol-create-as", "nfs", "keep.raw", "4M")
        self.server_down()

        res, took = self.timed("pool-refresh", "nfs")
        self.assert_error(res, 1, "NFS server '127.0.0.1' is not responding")
        self.assertLess(took, BOUND, "pool-refresh took %.1f s" % took)
        # libvirt's rule: a pool that cannot be refreshed is stopped; with the server
        # gone that is a lazy detach, reported as a warning.
        self.assertIn("detached", res.stderr)
        self.assert_not_mounted()
        self.assertEqual(self.pool_state("nfs"), "inactive")

        # The server comes back: the pool starts again, its volume is there.
        NfsServer.nfsd_up()
        self.ok("pool-start", "nfs")
        self.assertEqual(self.vol_names("nfs"), ["keep.raw"])

        # The server goes away again.  Listings stay quick (sizes are optional), and
        # this time the user destroys the pool directly.
        NfsServer.nfsd_down()
        start = time.monotonic()
        self.assertEqual(self.pool_state("nfs"), "running")
        took = time.monotonic() - start
        self.assertLess(took, 9, "pool-list took %.1f s (the 2 s limit on sizes)" % took)
        res, took = self.timed("pool-destroy", "nfs")
        self.assertEqual(res.returncode, 0, self.describe(res))
        self.assertLess(took, BOUND, "pool-destroy took %.1f s" % took)
        self.assertIn("lazily", res.stderr)
        self.assert_not_mounted()
        self.assertEqual(self.pool_state("nfs"), "inactive")

    def test_export_withdrawn(self):
        """exportfs -u: the server answers with errors; refresh says so, destroy unmounts."""
        self.define()
        self.ok("pool-build", "nfs")
        self.ok("pool-start", "nfs")
        self.server.unexport(EXPORT)
        self.addCleanup(self.server.export, EXPORT, "no_root_squash", 101)
        res, took = self.timed("pool-refresh", "nfs")
        self.assert_error(res, 1, "storage pool 'nfs'", self.target, "withdrawn the export")
        self.assertLess(took, BOUND)
        self.assert_not_mounted()
        self.assertEqual(self.pool_state("nfs"), "inactive")

    def test_root_squash(self):
        """root_squash: creating a volume as root fails with an error that says why."""
        self.define("sq", export=SQUASH)
        self.ok("pool-build", "sq")
        self.ok("pool-start", "sq")
        self.assert_mounted(SQUASH)
        res = self.ctl("vol-create-as", "sq", "v.raw", "4M")
        self.assert_error(res, 1, "root_squash", "'v.raw'")
        self.assertEqual(os.listdir(SQUASH), [])
        self.assertEqual(self.vol_names("sq"), [])
        self.ok("pool-destroy", "sq")
        self.assert_not_mounted()

    def test_source_conflict(self):
        """A second pool on the same host and export is refused at define time."""
        self.define()
        other = self.path("other")
        res = self.ctl("pool-define", self.write_file("b.xml", pool_xml("b", other)))
        self.assert_error(res, 1, "source conflict", "'nfs'")
        self.assertNotIn("b", self.pool_list())

    def test_restart(self):
        """Status reload: a mount that vanished makes the pool inactive; after a simulated
        host restart, autostart mounts it again."""
        self.define()
        self.ok("pool-build", "nfs")
        self.ok("pool-autostart", "nfs")
        self.ok("pool-start", "nfs")
        self.ok("vol-create-as", "nfs", "a.raw", "4M")

        # provctl runs again: the mount is found, the pool is still running.
        self.assertEqual(self.pool_state("nfs"), "running")

        # The export is unmounted behind provctl's back: the pool is no longer running.
        _must(["umount", self.target])
        self.assertEqual(self.pool_state("nfs"), "inactive")

        # Host restart: /run is empty and nothing is mounted; autostart starts the pool.
        self.ok("pool-start", "nfs")
        _must(["umount", self.target])
        run_tool(["rm", "-rf", os.path.join(self.root, "run")])
        self.ok("autostart")
        self.assert_mounted()
        self.assertEqual(self.pool_state("nfs"), "running")
        self.assertEqual(self.vol_names("nfs"), ["a.raw"])
        self.ok("pool-destroy", "nfs")
        self.assert_not_mounted()


if __name__ == "__main__":
    unittest.main(verbosity=2)
