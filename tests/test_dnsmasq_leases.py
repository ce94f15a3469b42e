# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_dnsmasq_leases: the real dnsmasq with provd-leases as its --dhcp-script.

Two private network namespaces made here (never the host's own): a "host" one with
dnsmasq on one end of a veth pair (192.168.150.1/24, fd00:150::1/64) and a "guest"
one with a DHCP client on the other end (busybox udhcpc for DHCPv4, ISC dhclient
for DHCPv6 when installed).  Checks that leases land in the store keyed by the
network name, that a release removes them, that "init" gives dnsmasq its leases
and server DUID back after a restart, and that SIGHUP re-reads dhcp-hostsfile.
`ip` is used for the test set-up only.  Needs root; PROV_BUILD_DIR (ctest sets it)
locates provd-leases.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

SKIP_EXIT = 77
TIMEOUT = 30

DNSMASQ = "/usr/sbin/dnsmasq"
IP = shutil.which("ip", path="/usr/sbin:/usr/bin:/sbin:/bin")
BUSYBOX = shutil.which("busybox", path="/usr/bin:/bin:/usr/sbin:/sbin")
DHCLIENT = shutil.which("dhclient", path="/usr/sbin:/sbin:/usr/bin:/bin")

NETWORK = "net1"
HOST_V4 = "192.168.150.1"
HOST_V6 = "fd00:150::1"
SUBNETS = "192.168.150.1/24 fd00:150::1/64"
MAC1 = "02:00:00:00:00:01"


def skip_module(reason):
    print("SKIP: " + reason, flush=True)
    sys.exit(SKIP_EXIT)


def find_helper():
    build = os.environ.get("PROV_BUILD_DIR")
    if not build:
        src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        build = os.path.join(src, "build")
    return os.path.join(build, "provd-leases")


HELPER = find_helper()


def run(argv, check=True, env=None, timeout=TIMEOUT):
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError("%s failed with %d: %s%s" % (" ".join(argv), proc.returncode,
                                                          proc.stdout, proc.stderr))
    return proc


def exe_of(pid):
    try:
        return os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return None


def is_gone(pid):
    """No such process, or a zombie (its sockets are closed by then)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2] in "ZX"


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def hexbytes(text):
    """'0:1:0:1:aa' or '00:01:00:01:AA' -> 'aabbcc...' normalised for comparison."""
    return "".join("%02x" % int(part, 16) for part in text.split(":"))


class DnsmasqLeasesTest(unittest.TestCase):

    def setUp(self):
        tag = secrets.token_hex(3)
        self.host = "provtest-%s-h" % tag
        self.guest = "provtest-%s-g" % tag
        self.tmp = tempfile.mkdtemp(prefix="provtest-leases-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        # dnsmasq drops to user nobody: what it re-reads must be reachable for it.
        os.chmod(self.tmp, 0o755)
        self.store = os.path.join(self.tmp, "store")
        self.conf = os.path.join(self.tmp, "dnsmasq.conf")
        self.pidfile = os.path.join(self.tmp, "dnsmasq.pid")
        self.log = os.path.join(self.tmp, "dnsmasq.log")
        self.hostsfile = os.path.join(self.tmp, "hostsfile")
        self.pid = None
        self.dhclients = []

        for ns in (self.host, self.guest):
            run([IP, "netns", "add", ns])
            self.addCleanup(run, [IP, "netns", "del", ns], False)
            # No duplicate address detection: addresses are usable at once.
            for key in ("net.ipv6.conf.default.accept_dad", "net.ipv6.conf.all.accept_dad"):
                run(self.ns(ns, "/usr/sbin/sysctl", "-qw", key + "=0"))
        self.addCleanup(self.kill_clients)
        self.addCleanup(self.stop_dnsmasq)

        # Created inside the namespaces: nothing ever appears in the host's own.
        run([IP, "-n", self.host, "link", "add", "vh", "type", "veth", "peer", "name", "vg",
             "netns", self.guest])
        run([IP, "-n", self.host, "addr", "add", HOST_V4 + "/24", "dev", "vh"])
        run([IP, "-n", self.host, "addr", "add", HOST_V6 + "/64", "dev", "vh", "nodad"])
        run([IP, "-n", self.host, "link", "set", "lo", "up"])
        run([IP, "-n", self.host, "link", "set", "vh", "up"])
        run([IP, "-n", self.guest, "link", "set", "lo", "up"])
        self.set_guest_mac(MAC1)

        with open(self.hostsfile, "w") as f:
            f.write("")
        os.chmod(self.hostsfile, 0o644)
        with open(self.conf, "w") as f:
            f.write("\n".join([
                "interface=vh",
                "except-interface=lo",
                "bind-dynamic",
                "no-resolv",
                "pid-file=" + self.pidfile,
                "dhcp-range=192.168.150.10,192.168.150.100,255.255.255.0,1h",
                "dhcp-range=fd00:150::10,fd00:150::100,64,1h",
                "enable-ra",
                "dhcp-host=%s,192.168.150.50,web" % MAC1,
                "dhcp-hostsfile=" + self.hostsfile,
                "dhcp-script=" + HELPER,
                "leasefile-ro",
                "log-facility=" + self.log,
                "log-dhcp",
                # Before offering a new address dnsmasq pings it and waits ~3 s for an
                # answer; nothing else lives on this veth.
                "no-ping",
                ""]))
        os.chmod(self.conf, 0o600)

    # ---- helpers ---------------------------------------------------------

    @staticmethod
    def ns(name, *argv):
        return [IP, "netns", "exec", name] + list(argv)

    def script_env(self, **extra):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C",
               "PROV_LEASES_DIR": self.store, "PROV_LEASES_NETWORK": NETWORK,
               "PROV_LEASES_SUBNETS": SUBNETS}
        env.update(extra)
        return env

    def start_dnsmasq(self):
        """As provd will: the store's location travels in dnsmasq's environment."""
        try:
            os.unlink(self.pidfile)
        except FileNotFoundError:
            pass
        start = time.monotonic()
        run(self.ns(self.host, DNSMASQ, "--conf-file=" + self.conf), env=self.script_env())
        elapsed = time.monotonic() - start
        self.pid = read_pid(self.pidfile)
        self.assertIsNotNone(self.pid, "dnsmasq wrote no pid file")
        self.assertEqual(exe_of(self.pid), DNSMASQ)
        return elapsed

    def stop_dnsmasq(self):
        if self.pid is None:
            return
        if exe_of(self.pid) == DNSMASQ:
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while not is_gone(self.pid) and time.monotonic() < deadline:
                time.sleep(0.005)
        self.pid = None

    def restart_dnsmasq(self):
        self.stop_dnsmasq()
        return self.start_dnsmasq()

    def kill_clients(self):
        for pidfile in self.dhclients:
            pid = read_pid(pidfile)
            if pid and exe_of(pid) == DHCLIENT:
                os.kill(pid, signal.SIGTERM)
                deadline = time.monotonic() + 10
                while not is_gone(pid) and time.monotonic() < deadline:
                    time.sleep(0.005)
        self.dhclients = []

    def set_guest_mac(self, mac):
        # The MAC is set while the link is down, so the link-local address follows it.
        run([IP, "-n", self.guest, "link", "set", "vg", "down"])
        run([IP, "-n", self.guest, "addr", "flush", "dev", "vg"])
        run([IP, "-n", self.guest, "link", "set", "vg", "address", mac])
        run([IP, "-n", self.guest, "link", "set", "vg", "up"])

    def dhclient6(self, leasefile, pidfile):
        """One DHCPv6 exchange in the guest (-D LL: the DUID is 00:03:00:01 + MAC)."""
        def have_link_local():
            out = run([IP, "-n", self.guest, "-6", "addr", "show", "dev", "vg", "scope",
                       "link"]).stdout
            return "inet6 fe80" in out and "tentative" not in out
        # dhclient gives up at once ("no link-local IPv6 address") when started too early.
        self.wait_for(have_link_local, "the guest's link-local address")
        self.dhclients.append(pidfile)
        # -1: one try; once bound it forks into the background (stopped by kill_clients).
        run(self.ns(self.guest, DHCLIENT, "-6", "-1", "-D", "LL", "-sf", "/bin/true",
                    "-lf", leasefile, "-pf", pidfile, "vg"))
        with open(leasefile) as f:
            client_lease = f.read()
        addr = re.search(r"iaaddr (\S+) \{", client_lease).group(1)
        server_id = re.search(r"option dhcp6.server-id (\S+);", client_lease).group(1)
        return addr, server_id

    def udhcpc(self, *extra):
        """One DHCPv4 exchange in the guest; returns the address obtained."""
        proc = run(self.ns(self.guest, BUSYBOX, "udhcpc", "-f", "-q", "-n", "-i", "vg",
                           "-t", "10", "-T", "1", "-s", "/bin/true", *extra))
        m = re.search(r"lease of (\S+) obtained", proc.stdout + proc.stderr)
        self.assertIsNotNone(m, proc.stdout + proc.stderr)
        return m.group(1)

    def leases(self):
        path = os.path.join(self.store, NETWORK + ".leases.json")
        try:
            with open(path) as f:
                return json.load(f)
        except FileNotFoundError:
            # Not written yet: the script runs after dnsmasq has answered the client.
            return {"leases": []}

    def lease_for(self, ip):
        for lease in self.leases()["leases"]:
            if lease["ip-address"] == ip:
                return lease
        return None

    def wait_for(self, predicate, what, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        self.fail("timed out waiting for " + what)

    def dnsmasq_log(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def send_release(self, ip, mac, client_id):
        """A DHCPRELEASE from the guest (busybox udhcpc -q -R never sends one)."""
        code = r"""
import socket, struct, sys
ip, mac, server, cid = sys.argv[1:5]
chaddr = bytes.fromhex(mac.replace(":", "")).ljust(16, b"\0")
pkt = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, 0x1234abcd, 0, 0,
                  socket.inet_aton(ip), bytes(4), bytes(4), bytes(4), chaddr, b"", b"")
cidb = bytes.fromhex(cid.replace(":", ""))
pkt += b"\x63\x82\x53\x63" + bytes([53, 1, 7, 54, 4]) + socket.inet_aton(server)
pkt += bytes([61, len(cidb)]) + cidb + b"\xff"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((ip, 68))
s.sendto(pkt, (server, 67))
"""
        run([IP, "-n", self.guest, "addr", "add", ip + "/24", "dev", "vg"])
        run(self.ns(self.guest, sys.executable, "-c", code, ip, mac, HOST_V4, client_id))

    # ---- tests -----------------------------------------------------------

    def test_dhcpv4_lease_recorded(self):
        elapsed = self.start_dnsmasq()
        print("\n  dnsmasq start (foreground process exit): %.1f ms" % (elapsed * 1000),
              file=sys.stderr)
        # It drops root: files it re-reads on SIGHUP must be readable by that user.
        with open("/proc/%d/status" % self.pid) as f:
            uid = re.search(r"^Uid:\s+(\d+)", f.read(), re.M).group(1)
        self.assertNotEqual(uid, "0")

        before = int(time.time())
        self.assertEqual(self.udhcpc("-x", "hostname:guest1"), "192.168.150.50")
        self.wait_for(lambda: self.lease_for("192.168.150.50") is not None, "the lease")
        lease = self.lease_for("192.168.150.50")
        self.assertEqual(lease["family"], "ipv4")
        self.assertEqual(lease["mac-address"], MAC1)
        # The name dnsmasq uses (from dhcp-host) wins over the one the client supplied.
        self.assertEqual(lease["hostname"], "web")
        self.assertEqual(lease["prefix"], 24)
        self.assertEqual(lease["client-id"], "01:" + MAC1)
        self.assertGreaterEqual(lease["expiry-time"], before + 3600)
        self.assertLessEqual(lease["expiry-time"], int(time.time()) + 3600)
        self.assertEqual(self.leases()["network"], NETWORK)

        # A dynamic client: its own name is recorded.
        self.set_guest_mac("02:00:00:00:00:02")
        ip2 = self.udhcpc("-x", "hostname:guest2")
        self.wait_for(lambda: self.lease_for(ip2) is not None, "the second lease")
        self.assertEqual(self.lease_for(ip2)["hostname"], "guest2")
        self.assertEqual(self.lease_for(ip2)["mac-address"], "02:00:00:00:00:02")

    def test_dhcpv4_release_deletes(self):
        self.start_dnsmasq()
        mac = "02:00:00:00:00:03"
        self.set_guest_mac(mac)
        ip = self.udhcpc()
        self.wait_for(lambda: self.lease_for(ip) is not None, "the lease")
        self.send_release(ip, mac, "01:" + mac)
        self.wait_for(lambda: self.lease_for(ip) is None, "the 'del' of the released lease")
        self.assertIn("DHCPRELEASE", self.dnsmasq_log())

    def test_init_restores_leases_across_restart(self):
        self.start_dnsmasq()
        mac2 = "02:00:00:00:00:02"
        self.set_guest_mac(mac2)
        ip2 = self.udhcpc()
        self.wait_for(lambda: self.lease_for(ip2) is not None, "the lease")

        # A lease dnsmasq never handed out in this run, recorded as the script would be.
        expires = int(time.time()) + 3000
        run([HELPER, "add", "02:00:00:00:00:04", "192.168.150.77", "restored"],
            env=self.script_env(DNSMASQ_LEASE_EXPIRES=str(expires),
                                DNSMASQ_CLIENT_ID="01:02:00:00:00:00:04"))
        elapsed = self.restart_dnsmasq()
        print("\n  dnsmasq restart with 'init': %.1f ms" % (elapsed * 1000), file=sys.stderr)

        # dnsmasq knows the restored lease: the client gets its address back ...
        self.set_guest_mac("02:00:00:00:00:04")
        self.assertEqual(self.udhcpc(), "192.168.150.77")
        # ... and another client asking for the address of the lease from before the
        # restart is given a different one.
        self.set_guest_mac("02:00:00:00:00:05")
        ip5 = self.udhcpc("-r", ip2)
        self.assertNotEqual(ip5, ip2)
        self.wait_for(lambda: self.lease_for(ip5) is not None, "the new lease")
        self.assertEqual(self.lease_for(ip2)["mac-address"], mac2)
        self.assertEqual(self.lease_for("192.168.150.77")["hostname"], "restored")

    def test_sighup_rereads_hostsfile(self):
        self.start_dnsmasq()
        mac = "02:00:00:00:00:06"
        with open(self.hostsfile, "w") as f:
            f.write("%s,192.168.150.56,h6\n" % mac)
        # A root-only hosts file is unreadable once dnsmasq runs as nobody.
        os.chmod(self.hostsfile, 0o600)
        os.kill(self.pid, signal.SIGHUP)
        self.wait_for(lambda: "cannot read %s: Permission denied" % self.hostsfile
                      in self.dnsmasq_log(), "dnsmasq's complaint about the 0600 hosts file")
        os.chmod(self.hostsfile, 0o644)
        os.kill(self.pid, signal.SIGHUP)
        self.wait_for(lambda: self.dnsmasq_log().count("read %s\n" % self.hostsfile) >= 2,
                      "dnsmasq re-reading the hosts file")
        self.set_guest_mac(mac)
        self.assertEqual(self.udhcpc(), "192.168.150.56")
        self.wait_for(lambda: self.lease_for("192.168.150.56") is not None, "the lease")
        self.assertEqual(self.lease_for("192.168.150.56")["hostname"], "h6")
        self.assertEqual(exe_of(self.pid), DNSMASQ)

    def test_dhcpv6_lease_and_server_duid_kept(self):
        if not DHCLIENT:
            self.skipTest("no DHCPv6 client: install isc-dhcp-client (busybox has no udhcpc6)")
        # A server DUID dnsmasq could not have made up: it must come from "init".
        server_duid = "00:01:00:01:aa:bb:cc:dd:02:00:00:00:00:99"
        run([HELPER, "add", "00:03:00:01:02:00:00:00:00:98", "fd00:150::98"],
            env=self.script_env(DNSMASQ_IAID="1", DNSMASQ_SERVER_DUID=server_duid,
                                DNSMASQ_LEASE_EXPIRES=str(int(time.time()) + 3000)))
        self.start_dnsmasq()

        addr, server_id = self.dhclient6(os.path.join(self.tmp, "dhclient6.leases"),
                                         os.path.join(self.tmp, "dhclient6.pid"))
        self.assertEqual(hexbytes(server_id), hexbytes(server_duid))

        duid = "00:03:00:01:" + MAC1
        self.wait_for(lambda: self.lease_for(addr) is not None, "the DHCPv6 lease")
        lease = self.lease_for(addr)
        self.assertEqual(lease["family"], "ipv6")
        self.assertEqual(lease["client-id"], duid)
        self.assertEqual(lease["mac-address"], MAC1)
        self.assertEqual(lease["prefix"], 64)
        self.assertEqual(lease["server-duid"], server_duid)
        self.assertRegex(lease["iaid"], r"^\d+$")
        self.assertEqual(self.leases()["server-duid"], server_duid)

        # After a restart the start-up "old" for it lacks DNSMASQ_MAC: the MAC stays.
        self.kill_clients()
        self.restart_dnsmasq()
        self.wait_for(lambda: (self.lease_for(addr) or {}).get("mac-address") == MAC1,
                      "the lease to survive the restart with its MAC")
        addr2, server_id = self.dhclient6(os.path.join(self.tmp, "dhclient6-again.leases"),
                                          os.path.join(self.tmp, "dhclient6-again.pid"))
        self.assertEqual(addr2, addr)
        self.assertEqual(hexbytes(server_id), hexbytes(server_duid))


def main():
    if os.geteuid() != 0:
        skip_module("must run as root (network namespaces)")
    for tool, path in (("dnsmasq", DNSMASQ), ("ip", IP), ("busybox", BUSYBOX)):
        if not path or not os.access(path, os.X_OK):
            skip_module("%s is not installed" % tool)
    if not os.access(HELPER, os.X_OK):
        skip_module("provd-leases is not built at '%s' (set PROV_BUILD_DIR)" % HELPER)
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
