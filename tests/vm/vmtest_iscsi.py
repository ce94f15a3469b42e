# SPDX-License-Identifier: LGPL-2.1-or-later
"""vmtest_iscsi: iscsi pools against a real iSCSI target (tgtd) and initiator (iscsid).

Runs inside the test VM (tests/vm/run-vm.sh) as root.  setUpClass starts tgtd with
two targets on 127.0.0.1:3260 -- the seed walkthrough's target with a 64 MiB and a
32 MiB LUN (sparse files), and a target that wants CHAP -- and iscsid, then provctl
is driven exactly as the seed walkthrough does: pool-define kvmguests.xml,
pool-start, vol-list with /dev/disk/by-path paths, vol-info and vol-dumpxml by path,
data through the path, pool-autostart and a simulated host restart; discovery;
CHAP with a secret (and a wrong password); a target that does not exist; a portal
that does not answer; a LUN removed behind our back; an initiator name of our own.
Every test ends with no session and no node record left; tearDownClass stops the
daemons and cleans /etc/iscsi.  Skips (exit 77) outside such a VM.

PROV_ISCSI_CAPTURE=DIR writes the real iscsiadm outputs seen here (session,
sendtargets, iface listings) to DIR, for tests/iscsidata.
"""

import glob
import mmap
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import provtest  # noqa: E402

T1 = "iqn.2004-04.fedora:fedora13:iscsi.kvmguests"
T2 = "iqn.2024-01.org.provd:chap"
NOSUCH = "iqn.2024-01.org.provd:nosuch"
PORTAL = "127.0.0.1:3260"
CHAP_USER = "chapuser"
CHAP_PASSWORD = "chapsecret123"
HOST_INITIATOR = "iqn.1993-08.org.debian:01:provdvmtest"
OWN_INITIATOR = "iqn.2024-01.org.provd:vmtest-init"
INITIATORNAME = "/etc/iscsi/initiatorname.iscsi"
LUN1_BYTES = 64 * provtest.MIB
LUN2_BYTES = 32 * provtest.MIB
CHAP_LUN_BYTES = 16 * provtest.MIB
# What the backend promises for a portal that does not answer (two 8 s login
# attempts), with room for a slow emulated VM.
DEAD_PORTAL_BOUND_S = 40

TOOLS = ["tgtd", "tgtadm", "iscsid", "iscsiadm"]


def sh(argv, check=True, timeout=provtest.TIMEOUT):
    res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and res.returncode != 0:
        raise AssertionError("%s failed (%d): %s %s" % (" ".join(argv), res.returncode,
                                                        res.stdout.strip(), res.stderr.strip()))
    return res


def tgtadm(*args, check=True):
    return sh(["tgtadm", "--lld", "iscsi"] + list(args), check=check)


def by_path(target, lun):
    return "/dev/disk/by-path/ip-%s-iscsi-%s-lun-%d" % (PORTAL, target, lun)


def sessions():
    """[(sid, portal, target)] from `iscsiadm -m session`."""
    res = sh(["iscsiadm", "-m", "session"], check=False)
    if res.returncode == 21:
        return []
    if res.returncode != 0:
        raise AssertionError("iscsiadm -m session failed: %s" % res.stderr)
    out = []
    for line in res.stdout.splitlines():
        f = line.split()
        if len(f) >= 4:
            out.append((int(f[1].strip("[]")), f[2].rsplit(",", 1)[0], f[3]))
    return out


def node_records():
    res = sh(["iscsiadm", "-m", "node"], check=False)
    return [] if res.returncode == 21 else res.stdout.splitlines()


def running(comm):
    """Is a process named @comm running?"""
    for path in glob.glob("/proc/[0-9]*/comm"):
        try:
            with open(path) as f:
                if f.read().strip() == comm:
                    return True
        except OSError:
            pass
    return False


def settle():
    sh(["udevadm", "settle", "--timeout=60"], check=False)


def pool_xml(name, target, port=None, auth="", initiator=""):
    """The seed's kvmguests.xml, with optional port, <auth> and <initiator>."""
    return ("<pool type='iscsi'>\n"
            "  <name>%s</name>\n"
            "  <source>\n"
            "    <host name='127.0.0.1'%s/>\n"
            "    <device path='%s'/>\n%s%s"
            "  </source>\n"
            "  <target>\n"
            "    <path>/dev/disk/by-path</path>\n"
            "  </target>\n"
            "</pool>\n" % (name, " port='%d'" % port if port else "", target, auth, initiator))


def read_direct(path, offset, length):
    """Bytes read with O_DIRECT: from the device, not from the page cache."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    try:
        buf = mmap.mmap(-1, length)
        n = os.preadv(fd, [buf], offset)
        return bytes(buf[:n])
    finally:
        os.close(fd)


class IscsiPoolTest(provtest.ProvTestCase):

    tgtd = None
    iscsid = None
    loaded_modules = []
    saved_initiatorname = None
    started = 0.0

    @classmethod
    def setUpClass(cls):
        cls.started = time.monotonic()
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root (tgtd, iscsid)")
        if not provtest.PROVCTL or not os.access(provtest.PROVCTL, os.X_OK):
            raise unittest.SkipTest("no provctl binary (set PROVCTL)")
        for tool in TOOLS:
            if not shutil.which(tool):
                raise unittest.SkipTest("%s is not installed (packages tgt, open-iscsi)" % tool)
        if not os.path.exists("/sys/module/iscsi_tcp"):
            res = subprocess.run(["modprobe", "iscsi_tcp"], capture_output=True, text=True,
                                 timeout=60)
            if res.returncode != 0:
                raise unittest.SkipTest("cannot load iscsi_tcp (not in the test VM?): %s"
                                        % res.stderr.strip())
            cls.loaded_modules = ["iscsi_tcp", "libiscsi_tcp", "libiscsi",
                                  "scsi_transport_iscsi"]
        if sessions() or running("tgtd") or running("iscsid"):
            cls.unload_modules()
            raise unittest.SkipTest("an iSCSI target or initiator is already running here")
        cls.store = tempfile.mkdtemp(prefix="vmtest-iscsi-")
        try:
            cls.start_target()
            cls.start_initiator()
        except BaseException:
            cls.stop_all()
            raise

    @classmethod
    def start_target(cls):
        for name, size in (("lun1.img", LUN1_BYTES), ("lun2.img", LUN2_BYTES),
                           ("chap1.img", CHAP_LUN_BYTES)):
            with open(os.path.join(cls.store, name), "wb") as f:
                f.truncate(size)
        cls.tgtd_log = open(os.path.join(cls.store, "tgtd.log"), "w")
        # Own sessions: the daemons' signals on exit must not reach us.
        cls.tgtd = subprocess.Popen(["tgtd", "-f"], stdout=cls.tgtd_log, stderr=cls.tgtd_log,
                                    start_new_session=True)
        deadline = time.monotonic() + 30
        while tgtadm("--op", "show", "--mode", "target", check=False).returncode != 0:
            if time.monotonic() > deadline or cls.tgtd.poll() is not None:
                raise AssertionError("tgtd did not come up")
            time.sleep(0.2)
        tgtadm("--op", "new", "--mode", "target", "--tid", "1", "--targetname", T1)
        cls.add_lun(2)
        cls.add_lun(1)
        tgtadm("--op", "bind", "--mode", "target", "--tid", "1", "--initiator-address", "ALL")
        tgtadm("--op", "new", "--mode", "target", "--tid", "2", "--targetname", T2)
        tgtadm("--op", "new", "--mode", "logicalunit", "--tid", "2", "--lun", "1",
               "--backing-store", os.path.join(cls.store, "chap1.img"))
        tgtadm("--op", "new", "--mode", "account", "--user", CHAP_USER, "--password",
               CHAP_PASSWORD)
        tgtadm("--op", "bind", "--mode", "account", "--tid", "2", "--user", CHAP_USER)
        tgtadm("--op", "bind", "--mode", "target", "--tid", "2", "--initiator-address", "ALL")

    @classmethod
    def add_lun(cls, lun):
        tgtadm("--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", str(lun),
               "--backing-store", os.path.join(cls.store, "lun%d.img" % lun))

    @classmethod
    def start_initiator(cls):
        try:
            with open(INITIATORNAME) as f:
                cls.saved_initiatorname = f.read()
        except FileNotFoundError:
            cls.saved_initiatorname = None
        with open(INITIATORNAME, "w") as f:
            f.write("InitiatorName=%s\n" % HOST_INITIATOR)
        cls.iscsid_log = open(os.path.join(cls.store, "iscsid.log"), "w")
        cls.iscsid = subprocess.Popen(["iscsid", "-f"], stdout=cls.iscsid_log,
                                      stderr=cls.iscsid_log, start_new_session=True)
        # Its pid file says it listens; logins fail until then.
        deadline = time.monotonic() + 10
        while not os.path.exists("/run/iscsid.pid") and cls.iscsid.poll() is None and \
                time.monotonic() < deadline:
            time.sleep(0.1)
        if cls.iscsid.poll() is not None:
            raise AssertionError("iscsid exited: %s" % open(cls.iscsid_log.name).read())

    @classmethod
    def tearDownClass(cls):
        cls.stop_all()
        print("vmtest_iscsi: %.1f s in all" % (time.monotonic() - cls.started), flush=True)

    @classmethod
    def clean_initiator(cls):
        """No session, no node record, no interface record of ours (each tool run only
        when there is something to clean: they are slow under emulation)."""
        if glob.glob("/sys/class/iscsi_session/session*"):
            sh(["iscsiadm", "-m", "session", "-u"], check=False)
            settle()
        if glob.glob("/etc/iscsi/nodes/*"):
            sh(["iscsiadm", "-m", "node", "-o", "delete"], check=False)
        for path in glob.glob("/etc/iscsi/ifaces/provd-iface-*"):
            sh(["iscsiadm", "-m", "iface", "-I", os.path.basename(path), "-o", "delete"],
               check=False)

    @staticmethod
    def stop_process(proc):
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)

    @classmethod
    def stop_all(cls):
        if cls.iscsid is not None:
            cls.clean_initiator()
        cls.stop_process(cls.iscsid)
        cls.iscsid = None
        if cls.tgtd is not None and cls.tgtd.poll() is None:
            tgtadm("--op", "update", "--mode", "sys", "--name", "State", "--value", "offline",
                   check=False)
        cls.stop_process(cls.tgtd)
        cls.tgtd = None
        for path in ("/etc/iscsi/nodes", "/etc/iscsi/send_targets", "/run/iscsid.pid"):
            subprocess.run(["rm", "-rf", path], check=False)
        if cls.saved_initiatorname is not None:
            with open(INITIATORNAME, "w") as f:
                f.write(cls.saved_initiatorname)
            cls.saved_initiatorname = None
        if getattr(cls, "store", None):
            shutil.rmtree(cls.store, ignore_errors=True)
            cls.store = None
        cls.unload_modules()

    @classmethod
    def unload_modules(cls):
        settle()
        for mod in cls.loaded_modules:
            subprocess.run(["rmmod", mod], capture_output=True, check=False)
        cls.loaded_modules = []

    # ---- helpers

    def setUp(self):
        super().setUp()
        self.test_started = time.monotonic()
        self.addCleanup(self.report_time)
        self.addCleanup(self.clean_initiator)

    def report_time(self):
        print("  (%s: %.1f s)" % (self._testMethodName, time.monotonic() - self.test_started),
              flush=True)

    def define(self, name, xml):
        path = self.write_file(name + ".xml", xml)
        out = self.ok("pool-define", path)
        self.assertIn("Pool %s defined" % name, out)
        # The state root goes with the test's temp dir; clean_initiator ends sessions.

    def vols(self, pool):
        return {v["name"]: v for v in self.ok_json("vol-list", pool)}

    def our_sessions(self, target):
        return [s for s in sessions() if s[2] == target]

    def define_chap_secret(self, password):
        xml = self.write_file("secret.xml",
                              "<secret ephemeral='no' private='yes'>\n"
                              "  <description>CHAP password of %s</description>\n"
                              "  <usage type='iscsi'>\n"
                              "    <target>kvmguests-chap</target>\n"
                              "  </usage>\n"
                              "</secret>\n" % T2)
        out = self.ok("secret-define", xml)
        uuid = out.split()[1]
        value = self.write_file("chap.txt", password)
        self.assertIn("Secret value set", self.ok("secret-set-value", "--secret", uuid,
                                                  "--file", value, "--plain"))
        os.unlink(value)
        return uuid

    def assert_clean(self, target):
        """No session to @target and no node record left behind."""
        self.assertEqual(self.our_sessions(target), [])
        self.assertEqual([r for r in node_records() if target in r], [])

    def capture(self, directory):
        os.makedirs(directory, exist_ok=True)
        for name, argv in (("session.txt", ["iscsiadm", "-m", "session"]),
                           ("sendtargets.txt", ["iscsiadm", "-m", "discovery", "-t",
                                                "sendtargets", "-p", PORTAL, "-o",
                                                "nonpersistent"]),
                           ("iface.txt", ["iscsiadm", "-m", "iface"])):
            with open(os.path.join(directory, name), "w") as f:
                f.write(sh(argv).stdout)

    # ---- tests

    def test_1_walkthrough(self):
        """The seed walkthrough, verbatim with provctl in place of virsh."""
        self.define("kvmguests", pool_xml("kvmguests", T1))
        t0 = time.monotonic()
        self.assertIn("Pool kvmguests started", self.ok("pool-start", "kvmguests"))
        first_list = self.vols("kvmguests")
        print("  pool-start to first vol-list: %.2f s" % (time.monotonic() - t0), flush=True)
        self.assertEqual([s[1:] for s in sessions()], [(PORTAL, T1)])

        self.assertEqual(sorted(first_list), ["unit:0:0:1", "unit:0:0:2"])
        for lun, size in ((1, LUN1_BYTES), (2, LUN2_BYTES)):
            vol = first_list["unit:0:0:%d" % lun]
            self.assertEqual(vol["path"], by_path(T1, lun))
            self.assertEqual(vol["type"], "block")
            self.assertEqual(vol["capacity"], size)
            key = sh(["/lib/udev/scsi_id", "--whitelisted", "--replace-whitespace",
                      "--device=" + vol["path"]]).stdout.strip()
            self.assertEqual(vol["key"], key)
        table = self.ok("vol-list", "kvmguests")
        self.assertIn(by_path(T1, 1), table)

        info = provtest.parse_colon_table(self.ok("pool-info", "kvmguests"))
        self.assertEqual(info["State"], "running")
        self.assertEqual(info["Capacity"], "96.00 MiB")
        # As libvirt: the running definition shows the port in use.
        pool = provtest.ET.fromstring(self.ok("pool-dumpxml", "kvmguests"))
        self.assertEqual(pool.find("source/host").get("port"), "3260")

        path = by_path(T1, 1)
        info = provtest.parse_colon_table(self.ok("vol-info", path))
        self.assertEqual(info["Name"], "unit:0:0:1")
        self.assertEqual(info["Type"], "block")
        self.assertEqual(info["Capacity"], "64.00 MiB")
        vol = provtest.ET.fromstring(self.ok("vol-dumpxml", path))
        self.assertEqual(vol.findtext("name"), "unit:0:0:1")
        self.assertEqual(vol.findtext("target/path"), path)
        self.assertEqual(vol.findtext("key"), first_list["unit:0:0:1"]["key"])
        self.assertEqual(vol.findtext("capacity"), str(LUN1_BYTES))

        # Data written through the stable path reaches the target's backing file and
        # reads back from the device.
        data = os.urandom(provtest.MIB)
        fd = os.open(path, os.O_RDWR)
        try:
            os.pwrite(fd, data, 4 * provtest.MIB)
            os.fsync(fd)
        finally:
            os.close(fd)
        with open(os.path.join(self.store, "lun1.img"), "rb") as f:
            f.seek(4 * provtest.MIB)
            self.assertEqual(f.read(len(data)), data)
        self.assertEqual(read_direct(path, 4 * provtest.MIB, len(data)), data)

        # LUNs are made on the target: no volume creation here.
        self.refused(["vol-create-as", "kvmguests", "new", "1M"], 1, "does not support")

        self.assertIn("marked as autostarted", self.ok("pool-autostart", "kvmguests"))
        if os.environ.get("PROV_ISCSI_CAPTURE"):
            self.capture(os.environ["PROV_ISCSI_CAPTURE"])

        # A host restart as provd sees it: the run dir is gone, the session is not
        # (a real reboot ends it too; then autostart logs in again).  autostart adopts
        # the session: still exactly one.
        subprocess.run(["rm", "-rf", os.path.join(self.root, "run")], check=True)
        self.assertEqual(self.pool_state("kvmguests"), "inactive")
        self.ok("autostart")
        self.assertEqual(self.pool_state("kvmguests"), "running")
        self.assertEqual([s[1:] for s in sessions()], [(PORTAL, T1)])
        self.assertEqual(self.vols("kvmguests"), first_list)

        # ... and after the session really ended (a reboot), autostart logs in.
        self.ok("pool-destroy", "kvmguests")
        self.assert_clean(T1)
        subprocess.run(["rm", "-rf", os.path.join(self.root, "run")], check=True)
        self.ok("autostart")
        self.assertEqual(self.pool_state("kvmguests"), "running")
        self.assertEqual(sorted(self.vols("kvmguests")), ["unit:0:0:1", "unit:0:0:2"])

        self.assertIn("Pool kvmguests destroyed", self.ok("pool-destroy", "kvmguests"))
        # pool-destroy logs out and removes the node record it added.
        self.assert_clean(T1)
        settle()
        self.assertFalse(os.path.exists(path))
        self.ok("pool-undefine", "kvmguests")

    def test_2_discovery(self):
        """find-storage-pool-sources-as lists both targets; a dead portal fails in time."""
        for args in (["iscsi", "127.0.0.1", "3260"], ["iscsi", "127.0.0.1"]):
            sources = provtest.ET.fromstring(self.ok("find-storage-pool-sources-as", *args))
            found = sorted(s.find("device").get("path") for s in sources.findall("source"))
            self.assertEqual(found, sorted([T1, T2]))
            for s in sources.findall("source"):
                self.assertEqual(s.find("host").get("name"), "127.0.0.1")
                self.assertEqual(s.find("host").get("port"), "3260")
        # Discovery writes no node records.
        self.assertEqual(node_records(), [])

        t0 = time.monotonic()
        res = self.ctl("find-storage-pool-sources-as", "iscsi", "127.0.0.1", "3261")
        took = time.monotonic() - t0
        self.assert_error(res, 1, "cannot discover iSCSI targets at '127.0.0.1:3261'")
        self.assertLess(took, 30, "discovery against a dead portal took %.1f s" % took)

        # With an initiator name no interface record carries yet: said clearly.
        self.refused(["find-storage-pool-sources-as", "iscsi", "127.0.0.1", "3260",
                      "--initiator", OWN_INITIATOR], 1,
                     "no iSCSI interface record has initiator name '%s'" % OWN_INITIATOR)

    def test_3_chap(self):
        """CHAP from a secret works; the password never shows; a wrong one fails clean."""
        uuid = self.define_chap_secret(CHAP_PASSWORD)
        auth = ("    <auth type='chap' username='%s'>\n"
                "      <secret usage='kvmguests-chap'/>\n"
                "    </auth>\n" % CHAP_USER)
        self.define("chap", pool_xml("chap", T2, auth=auth))

        # The secret's files are private, and a private value is not printed back.
        for suffix in (".xml", ".value"):
            st = os.stat(os.path.join(self.root, "etc", "provd", "secrets", uuid + suffix))
            self.assertEqual(st.st_mode & 0o777, 0o600)
        self.refused(["secret-get-value", uuid], 1, "is private")
        listing = self.ok("secret-list")
        self.assertIn("iscsi kvmguests-chap", listing)
        self.assertNotIn(CHAP_PASSWORD, self.ok("secret-dumpxml", uuid))

        res = self.ctl("pool-start", "chap", env={"G_MESSAGES_DEBUG": "all"})
        self.assertEqual(res.returncode, 0, self.describe(res))
        # The debug log (GLib writes it on stdout) shows every command run, the
        # password as ***.
        self.assertIn("node.session.auth.password -v ***", res.stdout + res.stderr)
        self.assertNotIn(CHAP_PASSWORD, res.stderr + res.stdout)
        self.assertEqual(len(self.our_sessions(T2)), 1)
        vols = self.vols("chap")
        self.assertEqual(sorted(vols), ["unit:0:0:1"])
        self.assertEqual(vols["unit:0:0:1"]["path"], by_path(T2, 1))
        self.assertEqual(vols["unit:0:0:1"]["capacity"], CHAP_LUN_BYTES)
        self.ok("pool-destroy", "chap")
        self.assert_clean(T2)

        # A wrong password: a clear error, no session, no record, the pool inactive.
        value = self.write_file("wrong.txt", "wrongpassword1")
        self.ok("secret-set-value", uuid, "--file", value, "--plain")
        t0 = time.monotonic()
        res = self.ctl("pool-start", "chap")
        self.assert_error(res, 1, "storage pool 'chap': login to target '%s' at '%s' failed: "
                          "authorization failure (CHAP)" % (T2, PORTAL))
        self.assertLess(time.monotonic() - t0, 30)
        self.assertNotIn("wrongpassword1", res.stderr + res.stdout)
        self.assert_clean(T2)
        self.assertEqual(self.pool_state("chap"), "inactive")

        # A value with a newline (echo > file) is refused before iscsiadm sees it.
        value = self.write_file("newline.txt", CHAP_PASSWORD + "\n")
        self.ok("secret-set-value", uuid, "--file", value, "--plain")
        self.refused(["pool-start", "chap"], 1, "not usable as a CHAP password")
        self.assert_clean(T2)

        # No secret at all.
        self.ok("secret-undefine", uuid)
        self.refused(["pool-start", "chap"], 1, "no iscsi secret with usage 'kvmguests-chap'")
        self.assert_clean(T2)

    def test_4_unknown_target(self):
        """A target the portal does not have: a clear error and nothing left behind."""
        self.define("nosuch", pool_xml("nosuch", NOSUCH))
        res = self.ctl("pool-start", "nosuch")
        self.assert_error(res, 1, "login to target '%s' at '%s' failed: the portal offers no "
                          "target named '%s'" % (NOSUCH, PORTAL, NOSUCH), T1)
        self.assert_clean(NOSUCH)
        self.assertEqual(self.pool_state("nosuch"), "inactive")

    def test_5_dead_portal(self):
        """A portal that does not answer fails in bounded time, leaving nothing."""
        self.define("dead", pool_xml("dead", T1, port=3261))
        t0 = time.monotonic()
        res = self.ctl("pool-start", "dead")
        took = time.monotonic() - t0
        print("  pool-start against a dead portal failed after %.1f s" % took, flush=True)
        self.assert_error(res, 1, "login to target '%s' at '127.0.0.1:3261' failed" % T1,
                          "does not answer")
        self.assertLess(took, DEAD_PORTAL_BOUND_S)
        self.assertEqual(sessions(), [])
        self.assertEqual(node_records(), [])
        self.assertEqual(self.pool_state("dead"), "inactive")

    def test_6_lun_removed(self):
        """A LUN removed behind our back: refresh drops it and says so; a new one appears."""
        self.addCleanup(self.restore_lun2)
        self.define("kvmguests", pool_xml("kvmguests", T1))
        self.ok("pool-start", "kvmguests")
        self.assertEqual(sorted(self.vols("kvmguests")), ["unit:0:0:1", "unit:0:0:2"])

        tgtadm("--op", "delete", "--mode", "logicalunit", "--tid", "1", "--lun", "2")
        res = self.ctl("pool-refresh", "kvmguests")
        self.assertEqual(res.returncode, 0, self.describe(res))
        self.assertRegex(res.stderr, r"warning: storage pool 'kvmguests': volume 'unit:0:0:2'"
                         r" .*gone")
        self.assertEqual(sorted(self.vols("kvmguests")), ["unit:0:0:1"])
        settle()
        self.assertFalse(os.path.exists(by_path(T1, 2)))
        info = provtest.parse_colon_table(self.ok("pool-info", "kvmguests"))
        self.assertEqual(info["Capacity"], "64.00 MiB")

        # Back on the target: the rescan of the next refresh finds it.
        self.add_lun(2)
        self.ok("pool-refresh", "kvmguests")
        if "unit:0:0:2" not in self.vols("kvmguests"):
            settle()
            self.ok("pool-refresh", "kvmguests")
        self.assertEqual(sorted(self.vols("kvmguests")), ["unit:0:0:1", "unit:0:0:2"])
        self.ok("pool-destroy", "kvmguests")
        self.assert_clean(T1)

    def restore_lun2(self):
        res = tgtadm("--op", "show", "--mode", "target", check=False)
        if "lun2.img" not in res.stdout:
            self.add_lun(2)

    def test_7_own_initiator(self):
        """<initiator><iqn/></initiator>: the session uses that name (an iface record)."""
        initiator = "    <initiator>\n      <iqn name='%s'/>\n    </initiator>\n" % OWN_INITIATOR
        self.define("own", pool_xml("own", T1, initiator=initiator))
        self.ok("pool-start", "own")
        (sid, _, _), = self.our_sessions(T1)
        with open("/sys/class/iscsi_session/session%d/initiatorname" % sid) as f:
            self.assertEqual(f.read().strip(), OWN_INITIATOR)
        self.assertEqual(sorted(self.vols("own")), ["unit:0:0:1", "unit:0:0:2"])
        # Discovery through that interface record works now.
        sources = provtest.ET.fromstring(self.ok("find-storage-pool-sources-as", "iscsi",
                                                 "127.0.0.1", "--initiator", OWN_INITIATOR))
        self.assertEqual(sources.find("source/initiator/iqn").get("name"), OWN_INITIATOR)
        self.ok("pool-destroy", "own")
        self.assert_clean(T1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
