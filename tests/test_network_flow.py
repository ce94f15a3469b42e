# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_network_flow: virtual networks through the real provctl, dnsmasq, radvd and nft.

Each test runs provctl in a private "host" network namespace with its own state root;
guests are namespaces on veths plugged into the network's bridge and get their
addresses from the real daemons (busybox udhcpc for DHCPv4, the kernel's SLAAC from
radvd's advertisements); an "upstream" namespace behind the host shows what the
forward mode lets through.  Root only; see tests/nettest.py.
"""

import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import ipaddress
import os
import stat
import time

import nettest
from nettest import (DNSMASQ, DNS_RECORD_IP, DNS_RECORD_NAME, DOMAIN, RADVD, STATIC_IP,
                     STATIC_MAC, STATIC_NAME, UPSTREAM_HOST_V4, UPSTREAM_V4, UPSTREAM_V6,
                     V4_HOST, V4_SUBNET, V6_HOST, NetTestCase, net_xml, proc_running)

NAT_MAC = "52:54:00:0f:15:01"


def nat_network(name="natnet", ipv6=True, **kw):
    # STP off unless a test checks it: with STP on the kernel holds a new port in the
    # listening and learning states for at least 2 s each (it raises a forward delay
    # of 0 to 2 s when STP is enabled), which every guest would wait for.
    kw.setdefault("stp", "off")
    kw.setdefault("delay", "0")
    kw.setdefault("mac", NAT_MAC)
    kw.setdefault("domain", DOMAIN)
    kw.setdefault("dns_hosts", [(DNS_RECORD_IP, [DNS_RECORD_NAME])])
    kw.setdefault("ipv4", nettest.default_ipv4())
    if ipv6:
        kw.setdefault("ipv6", nettest.default_ipv6())
    return net_xml(name, forward="nat", **kw)


def in_range(ip, start, end):
    a = ipaddress.ip_address(ip)
    return ipaddress.ip_address(start) <= a <= ipaddress.ip_address(end)


class NatNetwork(NetTestCase):
    """A NAT network with DHCPv4, DNS and an IPv6 /64."""

    def test_lifecycle_and_host_state(self):
        self.add_upstream()
        self.define(nat_network(stp="on", delay="3"), "natnet")
        cfg = self.config_path(self.root, "natnet")
        self.assertTrue(os.path.isfile(cfg), "net-define wrote no config %s" % cfg)
        nets = self.net_list("--all")
        self.assertIn("natnet", nets)
        self.assertIs(nets["natnet"]["active"], False)
        self.assertIs(nets["natnet"]["persistent"], True)
        self.assertIs(nets["natnet"]["autostart"], False)
        self.assertEqual(nets["natnet"]["forward"], "nat")
        self.assertNotIn("natnet", self.net_list(), "an inactive network in plain net-list")
        uuid = self.ok("net-uuid", "natnet").strip()
        self.assertRegex(uuid, r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        self.assertEqual(self.ok("net-name", uuid).strip(), "natnet")
        before = nettest.ns_snapshot(self.host)

        self.ok("net-start", "natnet")
        st = self.status("natnet")
        bridge = st["bridge"]
        self.assertTrue(bridge, "the status file names no bridge")
        self.assertEqual(bridge, "virbr0", "the first free name of the virbr%d template")

        # provctl's views of the running network.
        nets = self.net_list()
        self.assertIs(nets["natnet"]["active"], True)
        self.assertEqual(nets["natnet"]["bridge"], bridge)
        info = self.ok_json("net-info", "natnet")
        self.assertEqual(info["name"], "natnet")
        self.assertEqual(info["uuid"], uuid)
        self.assertIs(info["active"], True)
        self.assertEqual(info["bridge"], bridge)
        text = nettest.provtest.parse_colon_table(self.ok("net-info", "natnet"))
        self.assertEqual(text.get("Active"), "yes")
        self.assertEqual(text.get("Bridge"), bridge)
        live = self.live_xml("natnet")
        self.assertEqual(live.find("bridge").get("name"), bridge,
                         "the live XML must show the bridge in use")
        self.assertEqual(live.find("mac").get("address"), NAT_MAC)
        self.assertEqual(live.findtext("uuid"), uuid)
        inactive = self.live_xml("natnet", "--inactive")
        self.assertEqual(inactive.findtext("name"), "natnet")
        self.assertEqual(inactive.find("forward").get("mode"), "nat")

        # The bridge: MAC, STP and delay, addresses, link up.
        link = self.host.link_info(bridge)
        self.assertIsNotNone(link, "bridge %s does not exist" % bridge)
        self.assertEqual(link["address"], NAT_MAC)
        self.assertEqual(link["linkinfo"]["info_kind"], "bridge")
        data = link["linkinfo"]["info_data"]
        self.assertEqual(data["stp_state"], 1, "stp='on' not applied: %r" % data)
        self.assertEqual(data["forward_delay"], 300, "delay='3' not applied: %r" % data)
        self.assertIn("UP", link["flags"])
        addrs = {(a, p) for a, p, _ in self.host.addresses(bridge)}
        self.assertIn((V4_HOST, 24), addrs)
        self.assertIn((V6_HOST, 64), addrs)
        routes = self.host.ip("-4", "route", "show", "dev", bridge).stdout
        self.assertIn(V4_SUBNET, routes)

        # Sysctls: forwarding for a NAT network, no RA learning on the bridge.
        self.assertEqual(self.host.read_sysctl("net.ipv4.ip_forward"), "1")
        self.assertEqual(self.host.read_sysctl("net.ipv6.conf.all.forwarding"), "1")
        self.assertEqual(self.host.read_sysctl("net.ipv6.conf.%s.accept_ra" % bridge), "0")
        self.assertEqual(self.host.read_sysctl("net.ipv6.conf.%s.autoconf" % bridge), "0")

        # Daemons: pids in the status file are ours and match their pid files.
        self.assertTrue(proc_running(st["dnsmasq"], DNSMASQ), "dnsmasq %r" % st["dnsmasq"])
        self.assertTrue(proc_running(st["radvd"], RADVD), "radvd %r" % st["radvd"])
        self.assertEqual(nettest.read_pidfile(self.data_path(self.root, "natnet", ".pid")),
                         st["dnsmasq"])
        self.assertEqual(nettest.read_pidfile(self.data_path(self.root, "natnet",
                                                             "-radvd.pid")), st["radvd"])
        conf = self.data_path(self.root, "natnet", ".conf")
        self.assertEqual(stat.S_IMODE(os.stat(conf).st_mode), 0o600, "dnsmasq conf mode")
        self.assertTrue(os.path.isfile(self.data_path(self.root, "natnet", "-radvd.conf")))
        # dnsmasq answers DNS on the bridge only, never on the uplink or a wildcard.
        ss = self.host.run("ss", "-H", "-lnu", check=False).stdout
        dns_locals = [l.split()[3] for l in ss.splitlines()
                      if len(l.split()) > 3 and l.split()[3].rsplit(":", 1)[-1] == "53"]
        self.assertTrue(dns_locals, "nothing listens on port 53: %s" % ss)
        for local in dns_locals:
            addr, _, iface = local.rsplit(":", 1)[0].partition("%")
            addr = addr.strip("[]")
            self.assertTrue(addr in (V4_HOST, V6_HOST) or
                            (addr.startswith("fe80:") and iface == bridge),
                            "dnsmasq listens on %s, not only on its bridge:\n%s" % (local, ss))

        # Firewall: rules of ours naming the bridge, with masquerading.
        ruleset = nettest.nft_ruleset(self.host)
        self.assertIn(bridge, ruleset)
        self.assertIn("masquerade", ruleset)

        pids = (st["dnsmasq"], st["radvd"])
        self.ok("net-destroy", "natnet")
        self.assert_nothing_left(self.host, self.root, "natnet", bridge, pids)
        after = nettest.ns_snapshot(self.host)
        self.assertEqual(after, before, "net-destroy did not restore the host namespace")
        nets = self.net_list("--all")
        self.assertIs(nets["natnet"]["active"], False)

        self.ok("net-undefine", "natnet")
        self.assertFalse(os.path.exists(cfg), "net-undefine left the config")
        self.assertNotIn("natnet", self.net_list("--all"))
        left = []
        for dirpath, _, files in os.walk(self.root):
            left.extend(os.path.join(dirpath, f) for f in files if "natnet" in f)
        self.assertEqual(left, [], "files of the undefined network remain")

    def test_guest_dhcp_dns_leases_masquerade(self):
        upstream = self.add_upstream()   # no route back to the guests' subnet
        self.define_and_start(nat_network(ipv6=False), "natnet")
        bridge = self.status("natnet")["bridge"]

        g1 = self.add_guest(bridge, mac="52:54:00:aa:00:01")
        lease = self.dhcp(g1, hostname="guest1")
        self.assertTrue(in_range(lease["ip"], "192.168.150.10", "192.168.150.50"),
                        "lease %r outside the DHCP range" % lease)
        self.assertEqual(lease["mask"], "24")
        self.assertEqual(lease["router"].split()[0], V4_HOST)
        self.assertEqual(lease["dns"].split()[0], V4_HOST)
        self.assertEqual(lease["domain"], DOMAIN)

        g2 = self.add_guest(bridge, mac=STATIC_MAC)
        self.assertEqual(self.dhcp(g2)["ip"], STATIC_IP, "the static host's address")

        # DNS: the network's host record, the guest's own name, the static host's name.
        self.assertEqual(self.nslookup(g1, "%s.%s" % (DNS_RECORD_NAME, DOMAIN), V4_HOST),
                         [DNS_RECORD_IP])
        self.assertEqual(self.nslookup(g1, "guest1.%s" % DOMAIN, V4_HOST), [lease["ip"]])
        self.assertEqual(self.nslookup(g2, "%s.%s" % (STATIC_NAME, DOMAIN), V4_HOST),
                         [STATIC_IP])

        # net-dhcp-leases: JSON, --mac, the table.
        l1 = self.wait_lease("natnet", g1.mac)
        self.assertEqual(l1["ip"], lease["ip"])
        self.assertEqual(l1["prefix"], 24)
        self.assertEqual(l1["hostname"], "guest1")
        self.assertEqual(l1["protocol"], "ipv4")
        self.assertGreater(l1["expiry-time"], time.time())
        self.wait_lease("natnet", g2.mac)
        only = self.leases("natnet", "--mac", g1.mac)
        self.assertEqual([l["mac"].lower() for l in only], [g1.mac])
        table = self.ok("net-dhcp-leases", "natnet")
        self.assertIn(g1.mac, table.lower())
        self.assertIn("%s/24" % lease["ip"], table)
        self.assertIn("guest1", table)

        # Masquerading: the upstream has no route back, so only NAT brings answers.
        self.assertTrue(g1.ping(V4_HOST), "the guest cannot reach the host")
        self.assertTrue(g1.ping(UPSTREAM_V4), "the guest cannot reach upstream through NAT")
        self.assertNotEqual(upstream.ip("route", "get", lease["ip"], check=False).returncode,
                            0, "the upstream must have no route to the guests")

    def test_ipv6_slaac_and_routing(self):
        upstream = self.add_upstream(v6=True, route_back=["fd00:150::/64"])
        self.define_and_start(nat_network(), "natnet")
        bridge = self.status("natnet")["bridge"]
        g = self.add_guest(bridge)
        addrs = self.wait_slaac(g, "fd00:150::/64")
        self.assertTrue(addrs)
        default = g.ns.ip("-6", "route", "show", "default").stdout
        self.assertIn("dev eth0", default, "radvd's RA gave the guest no default route")
        self.assertTrue(g.ping(V6_HOST), "the guest cannot reach the host over IPv6")
        self.assertTrue(g.ping(UPSTREAM_V6), "IPv6 is routed (not masqueraded) to upstream")
        self.assertTrue(nettest.Guest(upstream, "eth0", None).ping(addrs[0]),
                        "upstream cannot reach the guest's routed IPv6 address")

    def test_net_update_dhcp_host_live(self):
        self.define_and_start(nat_network(ipv6=False), "natnet")
        st = self.status("natnet")
        pid = st["dnsmasq"]
        host_xml = "<host mac='52:54:00:15:00:77' name='late' ip='192.168.150.77'/>"
        self.ok("net-update", "natnet", "add", "ip-dhcp-host", host_xml, "--live", "--config")
        st2 = self.status("natnet")
        self.assertEqual(st2["dnsmasq"], pid, "net-update restarted dnsmasq")
        self.assertTrue(proc_running(pid, DNSMASQ), "dnsmasq %d is gone" % pid)
        for tree in (self.live_xml("natnet"), self.live_xml("natnet", "--inactive")):
            macs = [h.get("mac") for h in tree.findall("ip/dhcp/host")]
            self.assertIn("52:54:00:15:00:77", macs)
        g = self.add_guest(st["bridge"], mac="52:54:00:15:00:77")
        self.assertEqual(self.dhcp(g)["ip"], "192.168.150.77",
                         "the host added live is not served")
        self.assertEqual(self.nslookup(g, "late.%s" % DOMAIN, V4_HOST), ["192.168.150.77"])
        self.assertEqual(self.status("natnet")["dnsmasq"], pid)

        self.ok("net-update", "natnet", "delete", "ip-dhcp-host", host_xml, "--live",
                "--config")
        for tree in (self.live_xml("natnet"), self.live_xml("natnet", "--inactive")):
            macs = [h.get("mac") for h in tree.findall("ip/dhcp/host")]
            self.assertNotIn("52:54:00:15:00:77", macs)
        self.assertTrue(proc_running(pid, DNSMASQ))

    def test_two_networks_destroy_one(self):
        """Stopping one network removes exactly its own rules, addresses and daemons."""
        self.add_upstream()
        st_a = self.define_and_start(nat_network("neta", ipv6=False), "neta")
        alone = nettest.ns_snapshot(self.host)
        ipv4 = nettest.default_ipv4(address="192.168.160.1",
                                    range_=("192.168.160.10", "192.168.160.50"), hosts=[])
        st_b = self.define_and_start(net_xml("netb", forward="nat", ipv4=ipv4,
                                             ipv6=nettest.default_ipv6("fd00:160::1")),
                                     "netb")
        self.assertNotEqual(st_a["bridge"], st_b["bridge"])
        ruleset = nettest.nft_ruleset(self.host)
        self.assertIn(st_a["bridge"], ruleset)
        self.assertIn(st_b["bridge"], ruleset)
        self.ok("net-destroy", "netb")
        self.assertEqual(nettest.ns_snapshot(self.host), alone,
                         "destroying netb changed what neta had")
        g = self.add_guest(st_a["bridge"], mac=STATIC_MAC)
        self.assertEqual(self.dhcp(g)["ip"], STATIC_IP)
        self.assertTrue(g.ping(UPSTREAM_V4))

    def test_transient_network(self):
        out = self.ok("net-create", self.write_file("t.xml", nat_network("trans", ipv6=False)))
        self.assertIn("trans", out)
        nets = self.net_list("--all")
        self.assertIs(nets["trans"]["active"], True)
        self.assertIs(nets["trans"]["persistent"], False)
        self.assertFalse(os.path.exists(self.config_path(self.root, "trans")))
        st = self.status("trans")
        self.assertTrue(proc_running(st["dnsmasq"], DNSMASQ))
        self.refused("net-autostart", "trans", needles=("trans", "transient"))
        self.ok("net-destroy", "trans")
        self.assertNotIn("trans", self.net_list("--all"), "a destroyed transient network "
                         "must be forgotten")
        self.assert_nothing_left(self.host, self.root, "trans", st["bridge"],
                                 (st["dnsmasq"],))

    def test_start_stop_50_times_leaves_nothing(self):
        self.add_upstream()
        files_before_define = nettest.provtest.tree_snapshot(self.root)
        self.define(nat_network(), "natnet")
        before = nettest.ns_snapshot(self.host, self.root)
        start = time.monotonic()
        pids = set()
        for i in range(50):
            self.ok("net-start", "natnet")
            st = self.status("natnet")
            pids.update(p for p in (st["dnsmasq"], st["radvd"]) if p)
            if i == 0:
                bridge = st["bridge"]
                self.assertTrue(self.host.link_exists(bridge))
            self.ok("net-destroy", "natnet")
        elapsed = time.monotonic() - start
        print("\n50 start/destroy cycles: %.2f s (%.0f ms per cycle)"
              % (elapsed, elapsed * 20), file=sys.stderr)
        self.assertEqual(len(pids), 100, "each start runs its own dnsmasq and radvd")
        self.assert_nothing_left(self.host, self.root, "natnet", bridge, pids)
        self.assertEqual(nettest.ns_snapshot(self.host, self.root), before)

        self.ok("net-undefine", "natnet")
        files_after = nettest.provtest.tree_snapshot(self.root)
        new_files = sorted(k for k, v in files_after.items()
                           if v[0] != "dir" and k not in files_before_define)
        self.assertEqual(new_files, [], "files left after 50 cycles and undefine")


class OtherModes(NetTestCase):
    """Isolated, route and open networks: what reaches the guests and what does not."""

    def test_isolated(self):
        upstream = self.add_upstream(route_back=["192.168.151.0/24"])
        # Forwarding on, as on a host that also runs a NAT network or Docker: only the
        # firewall can keep the isolated guests in, and it must.
        self.host.sysctl(**{"net.ipv4.ip_forward": 1})
        ipv4 = nettest.default_ipv4(address="192.168.151.1",
                                    range_=("192.168.151.10", "192.168.151.50"), hosts=[])
        self.define_and_start(net_xml("iso", forward=None, domain=DOMAIN, ipv4=ipv4), "iso")
        st = self.status("iso")
        g = self.add_guest(st["bridge"])
        lease = self.dhcp(g, hostname="lonely")
        self.assertTrue(in_range(lease["ip"], "192.168.151.10", "192.168.151.50"))
        self.assertEqual(lease["router"], "", "an isolated network offers no router")
        self.assertTrue(g.ping("192.168.151.1"), "the guest must reach the host's services")
        self.assertEqual(self.nslookup(g, "lonely.%s" % DOMAIN, "192.168.151.1"), [lease["ip"]])
        # Even with a route of its own the guest reaches nothing beyond the host (the
        # host itself, on any of its addresses, is not forwarding: libvirt allows it)...
        g.ns.ip("route", "add", "203.0.113.0/24", "via", "192.168.151.1")
        self.assertTrue(g.no_ping(UPSTREAM_V4), "an isolated guest reached upstream")
        # ... and nothing from outside reaches it.
        guest_ns_ping = nettest.Guest(upstream, "eth0", None)
        self.assertTrue(guest_ns_ping.no_ping(lease["ip"]), "upstream reached an isolated guest")

    def test_route(self):
        upstream = self.add_upstream()
        ipv4 = nettest.default_ipv4(address="192.168.152.1",
                                    range_=("192.168.152.10", "192.168.152.50"), hosts=[])
        self.define_and_start(net_xml("routed", forward="route", ipv4=ipv4), "routed")
        st = self.status("routed")
        self.assertNotIn("masquerade", nettest.nft_ruleset(self.host),
                         "a route network must not masquerade")
        g = self.add_guest(st["bridge"])
        lease = self.dhcp(g)
        up = nettest.Guest(upstream, "eth0", None)
        # Without a route back on the upstream side nothing comes back: no NAT.
        self.assertTrue(g.no_ping(UPSTREAM_V4), "route mode answered without a route back")
        upstream.ip("route", "add", "192.168.152.0/24", "via", UPSTREAM_HOST_V4)
        self.assertTrue(g.ping(UPSTREAM_V4), "the routed guest cannot reach upstream")
        self.assertTrue(up.ping(lease["ip"]), "upstream cannot reach the routed guest")

    def test_open(self):
        upstream = self.add_upstream(route_back=["192.168.153.0/24"])
        ruleset_before = nettest.nft_ruleset(self.host)
        ipv4 = nettest.default_ipv4(address="192.168.153.1",
                                    range_=("192.168.153.10", "192.168.153.50"), hosts=[])
        self.define_and_start(net_xml("opennet", forward="open", ipv4=ipv4), "opennet")
        st = self.status("opennet")
        self.assertEqual(nettest.nft_ruleset(self.host), ruleset_before,
                         "an open network adds no firewall rules")
        g = self.add_guest(st["bridge"])
        lease = self.dhcp(g)
        self.assertTrue(g.ping(UPSTREAM_V4))
        self.assertTrue(nettest.Guest(upstream, "eth0", None).ping(lease["ip"]))
        self.ok("net-destroy", "opennet")
        self.assert_nothing_left(self.host, self.root, "opennet", st["bridge"],
                                 (st["dnsmasq"],))


if __name__ == "__main__":
    nettest.main()
