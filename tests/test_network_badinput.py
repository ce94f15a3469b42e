# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_network_badinput: refused networks and faults, through the real provctl.

Every case checks the error (exit status 1, an 'error:' line naming the network and
the offending value) and that NOTHING changed: links, addresses, routes, the nft
ruleset and the processes of the host namespace, and the files under the state root
are compared before and after.  Root only; see tests/nettest.py.
"""

import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import os

import nettest
from nettest import DNSMASQ, RADVD, NetTestCase, net_xml, proc_running, wait_until


def v4(address="192.168.150.1", prefix=24, range_=("192.168.150.10", "192.168.150.50"),
       hosts=()):
    return dict(address=address, prefix=prefix, range=range_, hosts=list(hosts))


class BadInput(NetTestCase):

    def snapshot(self):
        return nettest.ns_snapshot(self.host, self.root)

    def assert_unchanged(self, before, what):
        self.assertEqual(self.snapshot(), before, "%s changed the host" % what)

    def define_refused(self, name, xml, *needles):
        """net-define of @xml fails naming @needles, and nothing changes."""
        f = self.write_file("bad-%s.xml" % name, xml)
        before = self.snapshot()
        res = self.ctl("net-define", f)
        self.assert_error(res, *needles)
        self.assert_unchanged(before, "a refused net-define")
        self.assertFalse(os.path.exists(self.config_path(self.root, name)))
        self.assertNotIn(name, self.net_list("--all"))
        return res

    def start_refused(self, name, *needles, env=None):
        """net-start @name fails naming @needles, and nothing changes."""
        before = self.snapshot()
        res = self.ctl("net-start", name, env=env)
        self.assert_error(res, name, *needles)
        self.assert_unchanged(before, "a refused net-start")
        self.assertIs(self.net_list("--all")[name]["active"], False)
        return res

    # ---- refused at start ------------------------------------------------------

    def test_overlapping_subnets(self):
        self.define_and_start(net_xml("first", ipv4=v4(), ipv6=nettest.default_ipv6()),
                              "first")
        cases = (
            ("second", dict(ipv4=v4("192.168.150.129", 25,
                                    ("192.168.150.130", "192.168.150.140")))),
            ("third", dict(ipv4=v4("192.168.0.1", 16, ("192.168.1.10", "192.168.1.20")))),
            ("fourth", dict(ipv4=v4("10.9.0.1", 24, ("10.9.0.10", "10.9.0.20")),
                            ipv6=dict(address="fd00:150::1:1", prefix=112))),
        )
        for name, ips in cases:
            with self.subTest(name):
                self.define(net_xml(name, **ips), name)
                self.start_refused(name, "first")
        # The first network still serves: its daemons are the same (snapshot) and alive.
        st = self.status("first")
        self.assertTrue(proc_running(st["dnsmasq"], DNSMASQ))
        self.assertTrue(proc_running(st["radvd"], RADVD))

    def test_bridge_in_use_by_foreign_device(self):
        # Someone else's bridge (this kernel has no dummy devices; a bridge is what a
        # hand-made brctl/nmcli set-up would hold the name with anyway).
        self.host.ip("link", "add", "provbr0", "type", "bridge")
        self.host.ip("link", "set", "provbr0", "up")
        self.define(net_xml("taken", bridge="provbr0", ipv4=v4()), "taken")
        self.start_refused("taken", "'provbr0'")
        self.assertTrue(self.host.link_exists("provbr0"), "the foreign device was removed")

    def test_subnet_collides_with_host_route(self):
        self.host.ip("link", "add", "vpn0", "type", "veth", "peer", "name", "vpn0p")
        self.host.ip("addr", "add", "192.168.150.7/24", "dev", "vpn0")
        self.host.ip("link", "set", "vpn0", "up")
        self.host.ip("link", "set", "vpn0p", "up")
        self.define(net_xml("collide", ipv4=v4()), "collide")
        self.start_refused("collide", "vpn0", "192.168.150.")

    def test_dnsmasq_rejects_option(self):
        ns = "xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'"
        extra = ("  <dnsmasq:options>\n"
                 "    <dnsmasq:option value='no-such-option-provtest'/>\n"
                 "  </dnsmasq:options>")
        self.define(net_xml("badopt", ipv4=v4(), ipv6=nettest.default_ipv6(), extra=extra,
                            namespaces=ns), "badopt")
        res = self.start_refused("badopt", "dnsmasq")
        self.assertIn("bad option", res.stderr, "dnsmasq's own message is not shown\n"
                      + self.describe(res))

    def test_radvd_pidfile_held_rolls_back_everything(self):
        """radvd, the last step, cannot start: everything before it is undone, and only
        that: a radvd already holding the network's pid file (a leftover, or someone
        else's) makes the start refuse ("already running", as prov_net_daemon_start
        documents), and the rollback must not kill the process it refused to replace."""
        self.define(net_xml("late", ipv4=v4(), ipv6=nettest.default_ipv6()), "late")
        datadir = os.path.dirname(self.data_path(self.root, "late", ".conf"))
        os.makedirs(datadir, exist_ok=True)
        self.host.ip("link", "add", "other0", "type", "veth", "peer", "name", "other1")
        # Its advertisements must not teach the host routes (other1 hears them):
        # provd would rightly refuse to turn IPv6 forwarding on then.
        self.host.sysctl(**{"net.ipv6.conf.other1.accept_ra": 0})
        self.host.ip("link", "set", "other0", "up")
        self.host.ip("link", "set", "other1", "up")
        conf = self.write_file("other-radvd.conf",
                               "interface other0 {\n  AdvSendAdvert on;\n"
                               "  prefix fd00:99::/64 { };\n};\n")
        pidfile = self.data_path(self.root, "late", "-radvd.pid")
        self.host.run(RADVD, "--config", conf, "--pidfile", pidfile)
        other = wait_until(lambda: nettest.read_pidfile(pidfile), timeout=5,
                           what="the foreign radvd's pid file")
        self.assertTrue(proc_running(other, RADVD))
        before = self.snapshot()
        res = self.ctl("net-start", "late")
        self.assert_error(res, "late", "radvd")
        self.assert_unchanged(before, "a net-start that failed at radvd")
        self.assertTrue(proc_running(other, RADVD), "someone else's radvd was killed")

    # ---- refused at define -------------------------------------------------------

    def test_dhcp_range_outside_subnet(self):
        self.define_refused("outside", net_xml("outside", ipv4=v4(
            range_=("192.168.160.10", "192.168.160.50"))), "outside", "192.168.160.10")
        self.define_refused("straddle", net_xml("straddle", ipv4=v4(
            range_=("192.168.150.200", "192.168.151.20"))), "straddle", "192.168.151.20")

    def test_duplicate_static_host_mac(self):
        hosts = [dict(mac="52:54:00:15:00:05", name="a", ip="192.168.150.5"),
                 dict(mac="52:54:00:15:00:05", name="b", ip="192.168.150.6")]
        self.define_refused("dupmac", net_xml("dupmac", ipv4=v4(hosts=hosts)), "dupmac",
                            "52:54:00:15:00:05")

    def test_duplicate_static_host_ip(self):
        hosts = [dict(mac="52:54:00:15:00:05", name="a", ip="192.168.150.5"),
                 dict(mac="52:54:00:15:00:06", name="b", ip="192.168.150.5")]
        self.define_refused("dupip", net_xml("dupip", ipv4=v4(hosts=hosts)), "dupip",
                            "192.168.150.5")

    def test_invalid_mac(self):
        self.define_refused("badmac", net_xml("badmac", mac="52:54:00:zz:00:01", ipv4=v4()),
                            "52:54:00:zz:00:01")
        self.define_refused("shortmac", net_xml("shortmac", ipv4=v4(hosts=[
            dict(mac="52:54:00:15:00", name="a", ip="192.168.150.5")])), "52:54:00:15:00")
        self.define_refused("mcastmac", net_xml("mcastmac", mac="01:00:5e:00:00:01",
                                                ipv4=v4()), "01:00:5e:00:00:01")

    def test_prefix_0_and_129(self):
        self.define_refused("zero", net_xml("zero", ipv4=v4(prefix=0, range_=None)),
                            "zero", "'0'")
        self.define_refused("v4big", net_xml("v4big", ipv4=v4(prefix=33, range_=None)),
                            "v4big", "'33'")
        self.define_refused("v6big", net_xml("v6big", ipv6=dict(address="fd00:150::1",
                                                                prefix=129)),
                            "v6big", "'129'")
        self.define_refused("v6zero", net_xml("v6zero", ipv6=dict(address="fd00:150::1",
                                                                  prefix=0)),
                            "v6zero", "'0'")

    # ---- faults while running ----------------------------------------------------

    def bridge_deleted(self, then):
        before = nettest.ns_snapshot(self.host, self.root)
        st = self.define_and_start(net_xml("victim", ipv4=v4(), ipv6=nettest.default_ipv6()),
                                   "victim")
        bridge = st["bridge"]
        pids = (st["dnsmasq"], st["radvd"])
        self.assertTrue(all(proc_running(p) for p in pids))
        self.assertIn(bridge, nettest.nft_ruleset(self.host))
        self.host.ip("link", "del", bridge)
        res = then()
        self.assert_nothing_left(self.host, self.root, "victim", bridge, pids)
        after = nettest.ns_snapshot(self.host, self.root)
        # The config was written by define; compare everything else with before start.
        after["files"].pop("0:etc/provd/network/victim.xml", None)
        self.assertEqual(after, before, "a vanished bridge left things behind")
        self.assertIs(self.net_list("--all")["victim"]["active"], False)
        return res

    def test_bridge_deleted_then_list(self):
        def then():
            nets = self.net_list("--all")
            self.assertIs(nets["victim"]["active"], False,
                          "net-list must show a network whose bridge vanished as inactive")
        self.bridge_deleted(then)

    def test_bridge_deleted_then_destroy(self):
        def then():
            res = self.ctl("net-destroy", "victim")
            if res.returncode != 0:
                # Already found dead and cleaned up: only "not active" is acceptable.
                self.assert_error(res, "victim", "not active")
            return res
        self.bridge_deleted(then)

    def test_daemons_killed_then_destroy(self):
        """dnsmasq and radvd gone behind our back: destroy still removes the rest."""
        before = nettest.ns_snapshot(self.host)
        st = self.define_and_start(net_xml("orphan", ipv4=v4(), ipv6=nettest.default_ipv6()),
                                   "orphan")
        nettest.kill_and_wait([st["dnsmasq"], st["radvd"]])
        self.ok("net-destroy", "orphan")
        self.assert_nothing_left(self.host, self.root, "orphan", st["bridge"])
        self.assertEqual(nettest.ns_snapshot(self.host), before)


if __name__ == "__main__":
    nettest.main()
