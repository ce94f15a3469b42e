# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_network_conf_tools: the real dnsmasq reads our golden files as we mean them.

networkxml2conftest checks that the generator writes the golden files in
tests/networkxml2confdata/ and that `dnsmasq --test` and `radvd --configtest` accept
them.  A syntax check cannot tell how dnsmasq *understood* a line, so here dnsmasq
runs on the golden configurations themselves (only the fake root /provtest is moved
into a temporary directory and the lease script left out) and is asked:
  - dns-records: TXT values with ',', '"' and '#' arrive as one string, unchanged;
    SRV records, addn-hosts names merged per address, expand-hosts;
  - odd-name: a network named 'lab "west" #2, a:b' gets its pid file, DHCP hosts file
    and DNS hosts file at the real paths (the quoted paths of the conf);
  - static-hosts: the hosts file gives each MAC and name its fixed address;
and radvd runs on the golden radvd.conf files, the guest's kernel being the judge:
  - routed-v6-slaac (the IPv6 seed's setup): a SLAAC address from the /64 and a
    default route through the host;
  - isolated: the SLAAC address, but no default route (router lifetime 0);
  - v6-not-64: no address from the /80 (advertised on-link only), one from the /64;
  - dhcp6: no SLAAC address (the managed flag sends the guest to DHCPv6).
Everything runs in two private network namespaces made here: a "host" one with a
bridge named as in the conf and a "guest" one on a veth into it (busybox udhcpc for
DHCP, a few lines of Python for DNS).  `ip` is for the set-up only.  Needs root.
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

import nettest  # same directory: namespaces, processes, run()
from nettest import BUSYBOX, DNSMASQ, IP, RADVD, SYSCTL, run

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "networkxml2confdata")
# The fixed fake root of the golden files (GOLDEN_CONFIG_DIR in networkxml2conftest.c).
GOLDEN_DIR = "/provtest/var/lib/provd/network"


# A DNS client small enough to run with `python3 -c` inside the guest namespace: one
# question over UDP, the answers of the asked type printed as JSON.
DNS_CLIENT = r"""
import json, random, socket, struct, sys
server, name, qtype = sys.argv[1], sys.argv[2], int(sys.argv[3])
qid = random.randrange(65536)
q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
for label in name.rstrip(".").split("."):
    q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack("!HH", qtype, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(q, (server, 53))
r = s.recv(4096)

def read_name(off):
    labels = []
    while True:
        n = r[off]
        if n & 0xc0 == 0xc0:
            labels.append(read_name(((n & 0x3f) << 8) | r[off + 1])[0])
            return ".".join(x for x in labels if x), off + 2
        off += 1
        if n == 0:
            return ".".join(labels), off
        labels.append(r[off:off + n].decode())
        off += n

rid, flags, qd, an = struct.unpack("!HHHH", r[:8])
off = 12
for _ in range(qd):
    off = read_name(off)[1] + 4
out = []
for _ in range(an):
    off = read_name(off)[1]
    rtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", r[off:off + 10])
    off += 10
    rd = r[off:off + rdlen]
    if rtype == qtype == 1:
        out.append(socket.inet_ntop(socket.AF_INET, rd))
    elif rtype == qtype == 28:
        out.append(socket.inet_ntop(socket.AF_INET6, rd))
    elif rtype == qtype == 16:
        strings, i = [], 0
        while i < len(rd):
            strings.append(rd[i + 1:i + 1 + rd[i]].decode())
            i += 1 + rd[i]
        out.append(strings)
    elif rtype == qtype == 33:
        prio, weight, port = struct.unpack("!HHH", rd[:6])
        out.append([prio, weight, port, read_name(off + 6)[0]])
    off += rdlen
print(json.dumps({"rcode": flags & 0xf, "answers": out}))
"""


class GoldenConfDnsmasqTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="provtest-netconf-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        # dnsmasq drops to an unprivileged user before it reads the hosts files.
        os.chmod(self.tmp, 0o755)
        self.pidfile = None
        # Deleting a namespace kills what runs in it (dnsmasq, radvd, clients).
        self.host = nettest.Netns("h")
        self.addCleanup(self.host.delete)
        self.guest = nettest.Netns("g")
        self.addCleanup(self.guest.delete)

    # ---- helpers ---------------------------------------------------------

    def topology(self, bridge, host_addrs, guest_addr, guest_mac):
        """A bridge in the host namespace, a veth from it into the guest namespace."""
        h = self.host
        g = self.guest
        h.ip("link", "add", bridge, "type", "bridge")
        for addr in host_addrs:
            h.ip("addr", "add", addr, "dev", bridge)
        h.ip("link", "set", bridge, "up")
        h.ip("link", "add", "vh", "type", "veth", "peer", "name", "vg", "netns", g.name)
        h.ip("link", "set", "vh", "master", bridge)
        h.ip("link", "set", "vh", "up")
        g.ip("link", "set", "vg", "address", guest_mac)
        if guest_addr:
            g.ip("addr", "add", guest_addr, "dev", "vg")
        g.ip("link", "set", "vg", "up")

    def install(self, case):
        """The golden conf of @case with its fake root moved to self.tmp; its hosts
        files copied to where the conf says.  Returns the conf text."""
        with open(os.path.join(DATA, case + ".conf")) as f:
            conf = f.read().replace(GOLDEN_DIR, self.tmp)
        # The lease script is provd-leases, tested with the real dnsmasq elsewhere
        # (test_dnsmasq_leases.py); leasefile-ro stays, so no lease file is written.
        lines = [line for line in conf.split("\n") if not line.startswith("dhcp-script=")]
        lines[-1:] = ["log-facility=" + os.path.join(self.tmp, "dnsmasq.log"), "log-dhcp",
                      "no-ping", ""]
        conf = "\n".join(lines)
        m = re.search(r"^pid-file=(.*)$", conf, re.M)
        self.pidfile = self.unquote(m.group(1))
        for option, suffix in (("dhcp-hostsfile", ".hostsfile"), ("addn-hosts", ".addnhosts")):
            m = re.search(r"^%s=(.*)$" % option, conf, re.M)
            if not m:
                continue
            path = self.unquote(m.group(1))
            self.assertTrue(path.startswith(self.tmp + "/"), path)
            shutil.copyfile(os.path.join(DATA, case + suffix), path)
            os.chmod(path, 0o644)
        conf_path = os.path.join(self.tmp, case + ".conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        os.chmod(conf_path, 0o600)
        self.conf_path = conf_path
        return conf

    @staticmethod
    def unquote(value):
        """What dnsmasq makes of a value we quoted: "..." with \\" and \\\\ escapes."""
        if not value.startswith('"'):
            return value
        return re.sub(r'\\(["\\])', r"\1", value[1:-1])

    def start_dnsmasq(self):
        self.host.run(DNSMASQ, "--conf-file=" + self.conf_path)
        pid = nettest.read_pidfile(self.pidfile)
        self.assertTrue(nettest.proc_running(pid, DNSMASQ), "no dnsmasq at %r" % self.pidfile)

    def start_radvd(self, case):
        """radvd on the golden radvd.conf of @case, in the host namespace, which
        routes IPv6 as the driver makes the host do (radvd warns otherwise)."""
        conf = os.path.join(self.tmp, case + ".radvd.conf")
        pidfile = os.path.join(self.tmp, case + ".radvd.pid")
        shutil.copyfile(os.path.join(DATA, case + ".radvd.conf"), conf)
        os.chmod(conf, 0o600)
        self.host.sysctl(**{"net.ipv6.conf.all.forwarding": 1})
        self.host.run(RADVD, "--config=" + conf, "--pidfile=" + pidfile, "--logmethod=stderr")
        nettest.wait_until(lambda: nettest.proc_running(nettest.read_pidfile(pidfile), RADVD),
                           what="radvd's pid file")

    def guest_v6(self):
        """(global addresses, default routes) of the guest."""
        addrs = self.guest.ip("-6", "-o", "addr", "show", "dev", "vg", "scope", "global").stdout
        routes = self.guest.ip("-6", "route", "show", "default").stdout
        return re.findall(r"inet6 (\S+)", addrs), routes.strip()

    def wait_guest_v6(self, want_addrs, timeout=20):
        """Waits until the guest has the addresses @want_addrs (and then a little for
        anything else the RA may bring)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            addrs, routes = self.guest_v6()
            if set(want_addrs) <= set(addrs):
                return addrs, routes
            time.sleep(0.1)
        self.fail("the guest did not get %s by SLAAC, it has %s" % (want_addrs, self.guest_v6()))

    def query(self, server, name, qtype):
        types = {"A": 1, "TXT": 16, "AAAA": 28, "SRV": 33}
        proc = self.guest.run(sys.executable, "-c", DNS_CLIENT, server, name,
                              str(types[qtype]))
        reply = json.loads(proc.stdout)
        self.assertEqual(reply["rcode"], 0, "%s %s: rcode %d" % (qtype, name, reply["rcode"]))
        return reply["answers"]

    def udhcpc(self, *extra):
        proc = self.guest.run(BUSYBOX, "udhcpc", "-f", "-q", "-n", "-i", "vg", "-t", "10",
                              "-T", "1", "-s", "/bin/true", *extra)
        m = re.search(r"lease of (\S+) obtained", proc.stdout + proc.stderr)
        self.assertIsNotNone(m, proc.stdout + proc.stderr)
        return m.group(1)

    def set_guest_mac(self, mac):
        self.guest.ip("link", "set", "vg", "down")
        self.guest.ip("link", "set", "vg", "address", mac)
        self.guest.ip("link", "set", "vg", "up")

    # ---- tests -----------------------------------------------------------

    def test_dns_records(self):
        conf = self.install("dns-records")
        # The quoting this test is about is in the file as generated.
        self.assertIn('txt-record=_spf.lab.example,"v=spf1 a, \\"quoted\\" #not-a-comment "\n',
                      conf)
        self.topology("virbr3", ["192.168.130.1/24", "fd00:130::1/64"], "192.168.130.50/24",
                      "52:54:00:00:13:32")
        self.start_dnsmasq()
        q = lambda name, qtype: self.query("192.168.130.1", name, qtype)
        self.assertEqual(q("example", "TXT"), [["example value"]])
        # One string, commas, quotes, '#' and the trailing space kept.
        self.assertEqual(q("_spf.lab.example", "TXT"), [['v=spf1 a, "quoted" #not-a-comment ']])
        self.assertEqual(q("_ldap._tcp.lab.example", "SRV"), [[10, 50, 389, "dc1.lab.example"]])
        # No domain in the record: dnsmasq puts it in the network's domain.
        self.assertEqual(q("_sip._udp.lab.example", "SRV"), [[0, 5, 1, "pbx.lab.example"]])
        # addn-hosts: three names merged on one line, expand-hosts adds the domain.
        for name in ("gateway", "router", "ns", "router.lab.example"):
            self.assertEqual(q(name, "A"), ["192.168.130.1"], name)
        self.assertEqual(q("files", "A"), ["192.168.130.5"])
        self.assertEqual(q("files.lab.example", "AAAA"), ["fd00:130::5"])

    def test_odd_name_paths(self):
        conf = self.install("odd-name")
        self.assertIn('addn-hosts="', conf)
        self.topology("virbr8", ["192.168.170.1/24"], None, "52:54:00:00:17:01")
        addn = os.path.join(self.tmp, 'lab "west" #2, a:b.addnhosts')
        with open(addn, "w") as f:
            f.write("192.168.170.1\toddhost\n")
        self.start_dnsmasq()
        # The pid file, the DHCP hosts file and the DNS hosts file were all found at
        # the paths with the quotes, '#', ',' and ':' of the network's name.
        self.assertEqual(self.pidfile, os.path.join(self.tmp, 'lab "west" #2, a:b.pid'))
        self.assertEqual(self.udhcpc(), "192.168.170.10")
        self.guest.ip("addr", "add", "192.168.170.60/24", "dev", "vg")
        self.assertEqual(self.query("192.168.170.1", "oddhost", "A"), ["192.168.170.1"])

    def test_static_hosts(self):
        self.install("static-hosts")
        self.topology("virbr4", ["192.168.140.1/24", "fd00:140::1/64"], None,
                      "52:54:00:00:14:01")
        self.start_dnsmasq()
        self.assertEqual(self.udhcpc(), "192.168.140.10")
        self.set_guest_mac("52:54:00:00:14:02")
        self.assertEqual(self.udhcpc(), "192.168.140.11")
        # A host known by name only.
        self.set_guest_mac("52:54:00:00:14:99")
        self.assertEqual(self.udhcpc("-x", "hostname:printer"), "192.168.140.12")
        # Anyone else gets an address of the range.
        self.set_guest_mac("52:54:00:00:14:98")
        addr = self.udhcpc()
        last = int(addr.rsplit(".", 1)[1])
        self.assertTrue(addr.startswith("192.168.140.") and 100 <= last <= 200, addr)

    # ---- radvd -----------------------------------------------------------

    GUEST_MAC = "52:54:00:e6:1f:01"      # the seed's guest: EUI-64 5054:ff:fee6:1f01

    def test_radvd_routed_slaac(self):
        self.topology("virbr1", ["2000:dead:beef:a::1/64"], None, self.GUEST_MAC)
        self.start_radvd("routed-v6-slaac")
        addrs, routes = self.wait_guest_v6(["2000:dead:beef:a:5054:ff:fee6:1f01/64"])
        # The host is the guest's router, as in the seed's "ip -6 route" of the guest.
        self.assertRegex(routes, r"default via fe80::\S+ dev vg proto ra")

    def test_radvd_isolated(self):
        self.topology("virbr2", ["fd00:10::1/64", "10.10.0.1/24"], None, self.GUEST_MAC)
        self.start_radvd("isolated")
        self.wait_guest_v6(["fd00:10::5054:ff:fee6:1f01/64"])
        # A few more advertisements' worth of time: still no default route.
        time.sleep(1)
        self.assertEqual(self.guest_v6()[1], "")

    def test_radvd_prefix_not_64(self):
        self.topology("virbr10", ["fd00:190::1/80", "fd00:191::1/64"], None, self.GUEST_MAC)
        self.start_radvd("v6-not-64")
        addrs, _ = self.wait_guest_v6(["fd00:191::5054:ff:fee6:1f01/64"])
        self.assertEqual([a for a in addrs if a.startswith("fd00:190:")], [])
        # The /80 is still on-link for the guest.
        onlink = self.guest.ip("-6", "route", "show", "fd00:190::/80").stdout
        self.assertIn("dev vg", onlink)

    def test_radvd_dhcp6_no_slaac(self):
        self.topology("virbr6", ["2001:db8:6::1/64", "192.168.126.1/24"], None,
                      self.GUEST_MAC)
        self.start_radvd("dhcp6")
        # The default route shows the RA arrived; no address may come from it.
        nettest.wait_until(lambda: self.guest_v6()[1], timeout=20, what="the RA's route")
        addrs, routes = self.guest_v6()
        self.assertRegex(routes, r"default via fe80::")
        self.assertEqual(addrs, [])


if __name__ == "__main__":
    if os.geteuid() != 0:
        nettest.skip_module("needs root to make network namespaces")
    for tool, path in (("dnsmasq", DNSMASQ), ("radvd", RADVD), ("ip", IP),
                       ("sysctl", SYSCTL), ("busybox", BUSYBOX)):
        if not path:
            nettest.skip_module("%s is not installed" % tool)
    probe = subprocess.run([IP, "netns", "add", nettest.NS_PREFIX + "probe"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        nettest.skip_module("cannot make a network namespace: " + probe.stderr.strip())
    run([IP, "netns", "del", nettest.NS_PREFIX + "probe"], check=False)
    unittest.main(verbosity=2)
