# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_network_recovery: what `provctl autostart` (the host's boot step) restores.

Running networks are found from their status files: a dead dnsmasq or radvd is
restarted (new pid, serving again), a live one kept; the firewall is re-applied
idempotently (the ruleset text is identical after two runs, and comes back after a
flush); autostart-marked networks start.  Also the iptables backend for a NAT flow,
and a Docker-like foreign `ip filter FORWARD` chain with policy drop that must neither
block our guests nor be changed.  Root only; see tests/nettest.py.
"""

import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import os
import signal

import nettest
from nettest import (DNSMASQ, IP6TABLES, IP6TABLES_SAVE, IPTABLES, IPTABLES_SAVE, NFT, RADVD,
                     UPSTREAM_V4, NetTestCase, net_xml, proc_running, wait_until)

DOCKER_LIKE = """table ip filter {
	chain FORWARD {
		type filter hook forward priority 0; policy drop;
	}
}
"""


def nat_network(name="natnet", ipv6=True, bridge=None):
    return net_xml(name, forward="nat", bridge=bridge, domain=nettest.DOMAIN,
                   ipv4=nettest.default_ipv4(),
                   ipv6=nettest.default_ipv6() if ipv6 else None)


class Recovery(NetTestCase):

    def sigkill(self, pid):
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not proc_running(pid), timeout=5, what="pid %d to die" % pid)

    def test_dead_dnsmasq_restarted(self):
        st = self.define_and_start(nat_network(), "natnet")
        old = st["dnsmasq"]
        self.sigkill(old)
        self.ok("autostart")
        st2 = self.status("natnet")
        self.assertNotEqual(st2["dnsmasq"], old, "the status file still names the dead pid")
        self.assertTrue(proc_running(st2["dnsmasq"], DNSMASQ), "dnsmasq was not restarted")
        self.assertEqual(nettest.read_pidfile(self.data_path(self.root, "natnet", ".pid")),
                         st2["dnsmasq"])
        self.assertEqual(st2["radvd"], st["radvd"], "a live radvd must be kept")
        self.assertEqual(self.host.daemons_of(DNSMASQ), [st2["dnsmasq"]])
        g = self.add_guest(st2["bridge"])
        lease = self.dhcp(g, hostname="after")
        self.assertTrue(lease["ip"].startswith("192.168.150."))
        self.assertEqual(self.nslookup(g, "after.%s" % nettest.DOMAIN, nettest.V4_HOST),
                         [lease["ip"]])
        # A second run keeps the restarted one.
        self.ok("autostart")
        self.assertEqual(self.status("natnet")["dnsmasq"], st2["dnsmasq"])

    def test_recycled_pid_is_not_ours(self):
        """The recorded dnsmasq pid now belongs to another program (pid reuse after a
        crash): it is never signalled, and a new dnsmasq is started."""
        st = self.define_and_start(nat_network(ipv6=False), "natnet")
        other = self.host.popen("sleep", "60")
        self._procs.append(other)
        self.sigkill(st["dnsmasq"])
        status = self.status_path(self.root, "natnet")
        with open(status) as f:
            text = f.read()
        self.assertIn("pid='%d'" % st["dnsmasq"], text)
        with open(status, "w") as f:
            f.write(text.replace("pid='%d'" % st["dnsmasq"], "pid='%d'" % other.pid))
        with open(self.data_path(self.root, "natnet", ".pid"), "w") as f:
            f.write("%d\n" % other.pid)
        self.ok("autostart")
        st2 = self.status("natnet")
        self.assertTrue(proc_running(st2["dnsmasq"], DNSMASQ), "no dnsmasq was started")
        self.assertNotEqual(st2["dnsmasq"], other.pid)
        self.assertIsNone(other.poll(), "provctl autostart signalled a foreign process")
        self.ok("net-destroy", "natnet")
        self.assertIsNone(other.poll(), "net-destroy signalled a foreign process")
        self.assert_nothing_left(self.host, self.root, "natnet", st["bridge"],
                                 (st2["dnsmasq"],))

    def test_dead_radvd_restarted(self):
        st = self.define_and_start(nat_network(), "natnet")
        old = st["radvd"]
        self.sigkill(old)
        self.ok("autostart")
        st2 = self.status("natnet")
        self.assertNotEqual(st2["radvd"], old)
        self.assertTrue(proc_running(st2["radvd"], RADVD), "radvd was not restarted")
        self.assertEqual(st2["dnsmasq"], st["dnsmasq"], "a live dnsmasq must be kept")
        self.assertEqual(self.host.daemons_of(RADVD), [st2["radvd"]])
        g = self.add_guest(st2["bridge"])
        self.wait_slaac(g, "fd00:150::/64")

    def test_firewall_reapplied_idempotently(self):
        self.add_upstream()
        st = self.define_and_start(nat_network(), "natnet")
        ruleset = nettest.nft_ruleset(self.host)
        self.assertIn(st["bridge"], ruleset)
        for _ in range(2):
            self.ok("autostart")
            self.assertEqual(nettest.nft_ruleset(self.host), ruleset,
                             "provctl autostart changed (or duplicated) the rules")
        st2 = self.status("natnet")
        self.assertEqual((st2["dnsmasq"], st2["radvd"]), (st["dnsmasq"], st["radvd"]))

        # A flushed firewall (a firewall reload by someone else) comes back.
        g = self.add_guest(st["bridge"])
        self.dhcp(g)
        self.assertTrue(g.ping(UPSTREAM_V4))
        self.host.run(NFT, "flush", "ruleset")
        self.assertTrue(g.no_ping(UPSTREAM_V4), "without masquerading upstream cannot answer")
        self.ok("autostart")
        self.assertEqual(nettest.nft_ruleset(self.host), ruleset)
        self.assertTrue(g.ping(UPSTREAM_V4), "re-applied rules do not work")
        self.ok("net-destroy", "natnet")
        self.assert_nothing_left(self.host, self.root, "natnet", st["bridge"])
        self.assertEqual(nettest.nft_ruleset(self.host), "")

    def test_autostart_networks_started(self):
        self.define(nat_network("auto", ipv6=False), "auto")
        self.define(net_xml("manual", forward=None, ipv4=nettest.default_ipv4(
            address="192.168.151.1", range_=("192.168.151.10", "192.168.151.20"), hosts=[])),
            "manual")
        self.ok("net-autostart", "auto")
        self.assertTrue(os.path.lexists(self.autostart_path(self.root, "auto")))
        self.assertEqual(sorted(self.net_list("--all", "--autostart")), ["auto"])
        self.ok("autostart")
        nets = self.net_list("--all")
        self.assertIs(nets["auto"]["active"], True)
        self.assertIs(nets["manual"]["active"], False, "a network not marked was started")
        st = self.status("auto")
        self.assertTrue(self.host.link_exists(st["bridge"]))
        self.assertTrue(proc_running(st["dnsmasq"], DNSMASQ))
        # Already running: a second boot step changes nothing.
        before = nettest.ns_snapshot(self.host, self.root)
        self.ok("autostart")
        self.assertEqual(nettest.ns_snapshot(self.host, self.root), before)
        g = self.add_guest(st["bridge"])
        self.dhcp(g)

        self.ok("net-autostart", "auto", "--disable")
        self.assertFalse(os.path.lexists(self.autostart_path(self.root, "auto")))
        self.ok("net-destroy", "auto")
        self.ok("autostart")
        self.assertIs(self.net_list("--all")["auto"]["active"], False)

    def test_boot_after_everything_was_lost(self):
        """A reboot with a persistent state root: the status file says running, but
        bridge, rules and daemons are gone.  The boot step starts it afresh."""
        self.add_upstream()
        st = self.define_and_start(nat_network(), "natnet")
        self.ok("net-autostart", "natnet")
        nettest.kill_and_wait([st["dnsmasq"], st["radvd"]])
        self.host.ip("link", "del", st["bridge"])
        self.host.run(NFT, "flush", "ruleset")
        self.ok("autostart")
        self.assertIs(self.net_list("--all")["natnet"]["active"], True)
        st2 = self.status("natnet")
        self.assertTrue(self.host.link_exists(st2["bridge"]))
        self.assertTrue(proc_running(st2["dnsmasq"], DNSMASQ))
        self.assertTrue(proc_running(st2["radvd"], RADVD))
        self.assertEqual(self.host.daemons_of(DNSMASQ), [st2["dnsmasq"]])
        self.assertEqual(self.host.daemons_of(RADVD), [st2["radvd"]])
        g = self.add_guest(st2["bridge"])
        self.dhcp(g)
        self.assertTrue(g.ping(UPSTREAM_V4))
        self.wait_slaac(g, "fd00:150::/64")

    def test_docker_like_forward_drop(self):
        self.add_upstream()
        self.host.run(NFT, "-f", "-", input=DOCKER_LIKE)
        foreign = self.host.run(NFT, "-a", "list", "table", "ip", "filter").stdout
        st = self.define_and_start(nat_network(), "natnet")
        g = self.add_guest(st["bridge"])
        self.dhcp(g)
        self.assertTrue(g.ping(UPSTREAM_V4),
                        "a foreign FORWARD chain with policy drop blocks the guests")
        ruleset = nettest.nft_ruleset(self.host)
        self.ok("autostart")
        self.assertEqual(nettest.nft_ruleset(self.host), ruleset,
                         "re-applying duplicated the accepts in the foreign chain")
        self.ok("net-destroy", "natnet")
        self.assertEqual(self.host.run(NFT, "-a", "list", "table", "ip", "filter").stdout,
                         foreign, "the foreign table was changed")
        self.assert_nothing_left(self.host, self.root, "natnet", st["bridge"])


class IptablesBackend(NetTestCase):

    ENV = {"PROVD_FIREWALL_BACKEND": "iptables"}

    def setUp(self):
        if not all((IPTABLES, IP6TABLES, IPTABLES_SAVE, IP6TABLES_SAVE)):
            self.skipTest("iptables/ip6tables tools not installed")
        super().setUp()
        # A host that uses iptables has its tables already, with rules of its own.
        for tool in (IPTABLES, IP6TABLES):
            self.host.run(tool, "-A", "INPUT", "-i", "lo", "-j", "ACCEPT")
            self.host.run(tool, "-A", "FORWARD", "-i", "nonexist0", "-j", "DROP")
            self.host.run(tool, "-t", "nat", "-A", "POSTROUTING", "-o", "nonexist0",
                          "-j", "RETURN")

    def test_nat_flow(self):
        self.add_upstream()
        before4 = nettest.iptables_save(self.host, 4)
        before6 = nettest.iptables_save(self.host, 6)
        self.define(nat_network(), "natnet")
        self.ok("net-start", "natnet", env=self.ENV)
        st = self.status("natnet")
        fw = st["tree"].find("firewall")
        self.assertIsNotNone(fw, "no firewall record in the status file")
        self.assertEqual(fw.get("backend"), "iptables")
        saved4 = nettest.iptables_save(self.host, 4)
        self.assertIn(st["bridge"], saved4)
        self.assertIn("MASQUERADE", saved4)
        self.assertIn(st["bridge"], nettest.iptables_save(self.host, 6))
        self.assertNotIn("table inet provd", nettest.nft_ruleset(self.host),
                         "the iptables backend must not create the nftables table")
        # Idempotent re-apply with the same backend.
        self.ok("autostart", env=self.ENV)
        self.assertEqual(nettest.iptables_save(self.host, 4), saved4)

        g = self.add_guest(st["bridge"])
        self.dhcp(g)
        self.assertTrue(g.ping(UPSTREAM_V4), "no NAT to upstream with the iptables backend")

        self.ok("net-destroy", "natnet", env=self.ENV)
        self.assert_nothing_left(self.host, self.root, "natnet", st["bridge"])
        self.assertEqual(nettest.iptables_save(self.host, 4), before4)
        self.assertEqual(nettest.iptables_save(self.host, 6), before6)


if __name__ == "__main__":
    nettest.main()
