# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_network_routed6: the seed's routed IPv6 set-up, in namespaces.

    guest1 --[routed1: 2001:db8:1::/64]-- host1 --+
                                                  +-- lan (2001:db8::/64) -- router R
    guest2 --[routed2: 2001:db8:2::/64]-- host2 --+

Each host runs provctl with its own state root and a <forward mode='route'/> network
with its own /64 (radvd advertises it, the guests configure themselves by SLAAC);
the hosts have static LAN addresses and a default route via R; R has a static route
per host /64 via that host's LAN address, as the seed says the LAN router needs.
guest1 then reaches guest2 across R.  Also: enabling IPv6 forwarding is refused when
an uplink learned routes from router advertisements with accept_ra=1, the seed's
trap, and accepted with accept_ra=2.  Root only; see tests/nettest.py.
"""

import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import nettest
from nettest import RADVD, NetTestCase, net_xml, proc_running

LAN_ROUTER = "2001:db8::1"


def routed_network(name, subnet_no):
    return net_xml(name, forward="route", bridge="vbr%d" % subnet_no,
                   ipv6=dict(address="2001:db8:%d::1" % subnet_no, prefix=64))


class RoutedIPv6(NetTestCase):

    def setUp(self):
        super().setUp()
        self.router = self.make_ns("r")
        self.router.ip("link", "add", "lan", "type", "bridge")
        self.router.ip("addr", "add", LAN_ROUTER + "/64", "dev", "lan", "nodad")
        self.router.ip("link", "set", "lan", "up")
        self.router.sysctl(**{"net.ipv6.conf.all.forwarding": 1})

    def add_lan_host(self, n, ns=None, uplink_accept_ra=None):
        """A host namespace with a static LAN address 2001:db8::1n on its uplink 'up0'."""
        host = ns or self.make_ns("h%d" % n)
        port = "lanp%d" % n
        self.router.ip("link", "add", port, "type", "veth", "peer", "name", "up0",
                       "netns", host.name)
        self.router.ip("link", "set", port, "master", "lan")
        self.router.ip("link", "set", port, "up")
        if uplink_accept_ra is not None:
            host.sysctl(**{"net.ipv6.conf.up0.accept_ra": uplink_accept_ra})
        host.ip("addr", "add", "2001:db8::1%d/64" % n, "dev", "up0", "nodad")
        host.ip("link", "set", "up0", "up")
        host.ip("-6", "route", "add", "default", "via", LAN_ROUTER, "dev", "up0")
        return host

    def test_guests_on_two_hosts_reach_each_other(self):
        hosts, guests, addrs = [], [], []
        for n in (1, 2):
            host = self.add_lan_host(n, ns=self.host if n == 1 else None)
            root = self.root if n == 1 else self.make_root("root%d" % n)
            # The LAN router's static route to this host's /64 (the seed's step).
            self.router.ip("-6", "route", "add", "2001:db8:%d::/64" % n,
                           "via", "2001:db8::1%d" % n)
            name = "routed%d" % n
            self.define(routed_network(name, n), name, ns=host, root=root)
            self.ok("net-start", name, ns=host, root=root)
            st = self.status(name, root=root)
            self.assertEqual(st["bridge"], "vbr%d" % n)
            self.assertTrue(proc_running(st["radvd"], RADVD), "no radvd on host %d" % n)
            self.assertEqual(host.read_sysctl("net.ipv6.conf.all.forwarding"), "1")
            self.assertNotIn("masquerade", nettest.nft_ruleset(host),
                             "a routed network must not masquerade")
            guest = self.add_guest(st["bridge"], host=host, tag="g%d-" % n)
            hosts.append(host)
            guests.append(guest)
        for n, guest in enumerate(guests, start=1):
            got = self.wait_slaac(guest, "2001:db8:%d::/64" % n)
            addrs.append(got[0])
            self.assertTrue(guest.ping("2001:db8:%d::1" % n), "guest%d -> its host" % n)
        self.assertTrue(guests[0].ping(LAN_ROUTER), "guest1 cannot reach the LAN router")
        self.assertTrue(guests[0].ping(addrs[1]), "guest1 cannot reach guest2 across R")
        self.assertTrue(guests[1].ping(addrs[0]), "guest2 cannot reach guest1 across R")
        # Hosts keep their own connectivity with forwarding on (static addressing).
        self.assertTrue(nettest.Guest(hosts[0], "up0", None).ping("2001:db8::12"))

    def test_forwarding_refused_with_ra_routes(self):
        """An uplink that learned a route from RAs with accept_ra=1: start refused."""
        self.add_lan_host(1, ns=self.host, uplink_accept_ra=1)
        self.host.ip("-6", "route", "add", "2001:db8:9::/64", "via", LAN_ROUTER, "dev", "up0",
                     "proto", "ra")
        self.define(routed_network("routed1", 1), "routed1")
        before = nettest.ns_snapshot(self.host, self.root)
        res = self.ctl("net-start", "routed1")
        self.assert_error(res, "routed1", "up0", "accept_ra=2")
        self.assertEqual(nettest.ns_snapshot(self.host, self.root), before,
                         "a refused start left things behind")
        self.assertEqual(self.host.read_sysctl("net.ipv6.conf.all.forwarding"), "0")
        self.assertIs(self.net_list("--all")["routed1"]["active"], False)
        self.assertFalse(self.host.link_exists("vbr1"))

        # The seed's fix: accept_ra=2 keeps the RA routes with forwarding on.
        self.host.sysctl(**{"net.ipv6.conf.up0.accept_ra": 2})
        self.ok("net-start", "routed1")
        self.assertEqual(self.host.read_sysctl("net.ipv6.conf.all.forwarding"), "1")
        routes = self.host.ip("-6", "route", "show", "2001:db8:9::/64").stdout
        self.assertIn("proto ra", routes, "the host lost its RA-learned route")
        st = self.status("routed1")
        self.ok("net-destroy", "routed1")
        self.assert_nothing_left(self.host, self.root, "routed1", "vbr1",
                                 (st["dnsmasq"], st["radvd"]))


if __name__ == "__main__":
    nettest.main()
