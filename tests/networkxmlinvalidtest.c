/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* networkxmlinvalidtest.c: bad network documents are refused with a precise error. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "network/network_conf.h"
#include "tests/testutil.h"
#include "util/error.h"

/* Every case names network 'n1', so messages can be checked for the name too. */
#define H "<network><name>n1</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>"
#define E "</network>"
#define NAT "<forward mode='nat'/>"
#define IP4 "<ip address='192.168.122.1' prefix='24'>"
#define IP6 "<ip family='ipv6' address='2001:db8:ac10:fd01::1' prefix='64'>"
#define HOST_A "<host mac='00:16:3e:77:e2:ed' name='a' ip='192.168.122.10'/>"

typedef enum {
    DOM_NET,    /* PROV_NETWORK_ERROR, message names the network */
    DOM_XML,    /* PROV_XML_ERROR (malformed document, wrong root) */
} TestDomain;

typedef struct {
    const char *name;
    const char *xml;
    TestDomain domain;
    int code;
    const char *msg;   /* piece of the message, quoting the offending value */
} TestCase;

static const TestCase parse_cases[] = {
    /* document level */
    { "malformed", "<network><name>n1</name>", DOM_XML, PROV_ERR_XML_ERROR, "line" },
    { "wrong-root", "<pool type='dir'><name>n1</name></pool>", DOM_XML, PROV_ERR_XML_ERROR,
      "network" },
    { "doctype-entity", "<!DOCTYPE network [<!ENTITY x 'n1'>]><network><name>&x;</name>"
      "</network>", DOM_XML, PROV_ERR_XML_ERROR, "DOCTYPE" },
    { "missing-name", "<network><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid></network>",
      DOM_NET, PROV_ERR_XML_ERROR, "missing or empty <name>" },
    { "name-slash", "<network><name>a/b</name></network>", DOM_NET, PROV_ERR_XML_ERROR,
      "network 'a/b': the name must not contain '/'" },
    { "name-newline", "<network><name>a&#10;b</name></network>", DOM_NET, PROV_ERR_XML_ERROR,
      "network 'a\\nb'" },
    { "bad-uuid", "<network><name>n1</name><uuid>1234</uuid></network>", DOM_NET,
      PROV_ERR_XML_ERROR, "invalid UUID '1234'" },
    { "connections-negative", "<network connections='-1'><name>n1</name></network>",
      DOM_NET, PROV_ERR_XML_ERROR, "connections='-1'" },
    { "ipv6-attr", "<network ipv6='maybe'><name>n1</name></network>", DOM_NET,
      PROV_ERR_XML_ERROR, "ipv6='maybe'" },
    { "title-newline", H "<title>a&#10;b</title>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "<title> must not contain line breaks" },

    /* forward */
    { "forward-mode-unknown", H "<forward mode='tunnel'/>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "mode='tunnel'" },
    { "forward-mode-none", H "<forward mode='none'/>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "mode='none'" },
    { "nat-without-ip", H NAT E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED,
      "forward mode 'nat' needs at least one <ip>" },
    { "route-two-devices", H "<forward mode='route'><interface dev='eth0'/>"
      "<interface dev='eth1'/></forward>" IP4 "</ip>" E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED,
      "found 2 ('eth0', 'eth1'" },
    { "forward-dev-mismatch", H "<forward mode='nat' dev='eth0'><interface dev='eth1'/>"
      "</forward>" IP4 "</ip>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "<forward dev='eth0'> must match the first <interface dev='eth1'/>" },
    { "open-with-dev", H "<forward mode='open' dev='eth0'/>" IP4 "</ip>" E, DOM_NET,
      PROV_ERR_CONFIG_UNSUPPORTED, "forward dev 'eth0'" },
    { "nat-in-route-mode", H "<forward mode='route'><nat><port start='1' end='2'/></nat>"
      "</forward>" IP4 "</ip>" E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED, "not 'route'" },
    { "nat-address-reversed", H "<forward mode='nat'><nat><address start='10.0.0.9' "
      "end='10.0.0.1'/></nat></forward>" IP4 "</ip>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "'10.0.0.9' - '10.0.0.1' is reversed" },
    { "nat-address-ipv6", H "<forward mode='nat'><nat><address start='::1' end='::2'/>"
      "</nat></forward>" IP4 "</ip>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "invalid IPv4 address '::1'" },
    { "nat-port-reversed", H "<forward mode='nat'><nat><port start='2000' end='1000'/>"
      "</nat></forward>" IP4 "</ip>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "'2000' - '1000'" },
    { "nat-port-too-big", H "<forward mode='nat'><nat><port start='1024' end='70000'/>"
      "</nat></forward>" IP4 "</ip>" E, DOM_NET, PROV_ERR_XML_ERROR, "end='70000'" },
    { "forward-address-and-interface", H "<forward mode='hostdev'><interface dev='eth0'/>"
      "<address type='pci' bus='1' slot='0' function='1'/></forward>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "mutually exclusive" },
    { "forward-address-type", H "<forward mode='hostdev'><address type='usb' bus='1'/>"
      "</forward>" E, DOM_NET, PROV_ERR_XML_ERROR, "not 'usb'" },
    { "forward-pci-slot", H "<forward mode='hostdev'><address type='pci' bus='0x01' "
      "slot='0x40' function='0x0'/></forward>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "slot='0x40'" },
    { "two-pf", H "<forward mode='passthrough'><pf dev='eth0'/><pf dev='eth1'/></forward>" E,
      DOM_NET, PROV_ERR_XML_ERROR, "only one <pf>" },
    { "driver-name", H "<forward mode='hostdev'><driver name='xen'/><pf dev='eth0'/>"
      "</forward>" E, DOM_NET, PROV_ERR_XML_ERROR, "name='xen'" },

    /* bridge, mtu, mac, domain */
    { "bridge-stp", H "<bridge name='virbr9' stp='maybe'/>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "stp='maybe'" },
    { "bridge-delay", H "<bridge name='virbr9' delay='abc'/>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "delay='abc'" },
    { "bridge-mac-table", H "<bridge name='virbr9' macTableManager='switch'/>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "macTableManager='switch'" },
    { "bridge-zone", H "<bridge name='virbr9' zone='my zone'/>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "'my zone'" },
    { "bridge-name-long", H "<bridge name='averyveryverylongbridge'/>" E, DOM_NET,
      PROV_ERR_INVALID_NETWORK, "'averyveryverylongbridge'" },
    { "bridge-template-two", H "<bridge name='br%d%d'/>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "'br%d%d'" },
    { "bridge-mode-stp", H "<forward mode='bridge'/><bridge name='br0' stp='on'/>" E, DOM_NET,
      PROV_ERR_CONFIG_UNSUPPORTED, "not 'bridge'" },
    { "bridge-mode-name-and-dev", H "<forward mode='bridge' dev='eth0'/><bridge name='br0'/>"
      E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED, "bridge name ('br0') or forward devices" },
    { "private-with-bridge", H "<forward mode='private' dev='eth0'/><bridge name='br0'/>" E,
      DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED, "bridge name 'br0' is not allowed" },
    { "mtu-in-bridge-mode", H "<forward mode='bridge'/><bridge name='br0'/>"
      "<mtu size='9000'/>" E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED, "<mtu size='9000'>" },
    { "mtu-too-small", H "<mtu size='20'/>" E, DOM_NET, PROV_ERR_INVALID_NETWORK, "MTU '20'" },
    { "mac-invalid", H "<mac address='52:54:00:zz:00:01'/>" E, DOM_NET, PROV_ERR_INVALID_MAC,
      "'52:54:00:zz:00:01'" },
    { "mac-multicast", H "<mac address='01:00:5E:00:00:01'/>" E, DOM_NET,
      PROV_ERR_INVALID_MAC, "'01:00:5E:00:00:01' in <mac> is a multicast address" },
    { "domain-register", H "<domain name='example.com' register='yes'/>" E, DOM_NET,
      PROV_ERR_CONFIG_UNSUPPORTED, "<domain name='example.com' register='yes'>" },
    { "domain-name", H "<domain name='bad domain'/>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "'bad domain'" },

    /* <ip> */
    { "ip-no-address", H "<ip prefix='24'/>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "<ip> needs an address" },
    { "ip-bad-address", H "<ip address='192.168.1.300' prefix='24'/>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "'192.168.1.300'" },
    { "ip-prefix-0", H "<ip address='192.168.122.1' prefix='0'/>" E, DOM_NET,
      PROV_ERR_INVALID_NETWORK, "invalid prefix '0' for <ip address='192.168.122.1'>: the "
      "bridge address needs a subnet" },
    { "ip-prefix-33", H "<ip address='192.168.122.1' prefix='33'/>" E, DOM_NET,
      PROV_ERR_INVALID_NETWORK, "IPv4 prefix '33'" },
    { "ip6-prefix-129", H "<ip family='ipv6' address='2001:db8::1' prefix='129'/>" E, DOM_NET,
      PROV_ERR_INVALID_NETWORK, "IPv6 prefix '129'" },
    { "ip-netmask-and-prefix", H "<ip address='192.168.122.1' netmask='255.255.255.0' "
      "prefix='24'/>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "both netmask='255.255.255.0' and prefix='24'" },
    { "ip-netmask-noncontiguous", H "<ip address='192.168.122.1' netmask='255.0.255.0'/>" E,
      DOM_NET, PROV_ERR_INVALID_NETWORK, "invalid netmask '255.0.255.0'" },
    { "ip-netmask-zero", H "<ip address='192.168.122.1' netmask='0.0.0.0'/>" E, DOM_NET,
      PROV_ERR_INVALID_NETWORK, "'0.0.0.0' for address '192.168.122.1': the bridge address "
      "needs a subnet" },
    { "ip6-netmask", H "<ip family='ipv6' address='2001:db8::1' netmask='255.255.255.0'/>" E,
      DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED, "netmask='255.255.255.0' is not allowed for IPv6" },
    { "ip6-without-family", H "<ip address='2001:db8::1' prefix='64'/>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "IPv6 address '2001:db8::1' in <ip> needs family='ipv6'" },
    { "ip-family-mismatch", H "<ip family='ipv6' address='10.0.0.1' prefix='8'/>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "family 'ipv6' of <ip> does not match address '10.0.0.1'" },
    { "ip-family-unknown", H "<ip family='ipv5' address='10.0.0.1'/>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "family='ipv5'" },
    { "ip-class-d-no-prefix", H "<ip address='224.0.0.1'/>" E, DOM_NET,
      PROV_ERR_INVALID_NETWORK, "no subnet for address '224.0.0.1'" },
    { "ip-localptr", H IP4 "</ip>" "<ip address='10.0.0.1' prefix='8' localPtr='perhaps'/>" E,
      DOM_NET, PROV_ERR_XML_ERROR, "localPtr='perhaps'" },

    /* DHCP ranges */
    { "range-outside-subnet", H IP4 "<dhcp><range start='10.0.0.2' end='10.0.0.9'/></dhcp>"
      "</ip>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "network 'n1': DHCP range '10.0.0.2' - '10.0.0.9' is not within subnet "
      "192.168.122.0/24" },
    { "range-half-outside", H IP4 "<dhcp><range start='192.168.122.100' "
      "end='192.168.123.5'/></dhcp></ip>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "'192.168.122.100' - '192.168.123.5' is not within subnet" },
    { "range-reversed", H IP4 "<dhcp><range start='192.168.122.254' end='192.168.122.2'/>"
      "</dhcp></ip>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "'192.168.122.254' - '192.168.122.2' is reversed" },
    { "range-network-address", H IP4 "<dhcp><range start='192.168.122.0' "
      "end='192.168.122.9'/></dhcp></ip>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "'192.168.122.0' - '192.168.122.9' starts at the network address" },
    { "range-broadcast-address", H IP4 "<dhcp><range start='192.168.122.2' "
      "end='192.168.122.255'/></dhcp></ip>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "'192.168.122.2' - '192.168.122.255' ends at the broadcast address" },
    { "range-too-large", H "<ip address='10.0.0.1' prefix='8'><dhcp><range start='10.0.0.2' "
      "end='10.1.0.10'/></dhcp></ip>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "'10.0.0.2' - '10.1.0.10' is too large (65545 addresses" },
    { "range6-too-large", H IP6 "<dhcp><range start='2001:db8:ac10:fd01::10' "
      "end='2001:db8:ac10:fd01::1:ffff'/></dhcp></ip>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "is too large" },
    { "range-wrong-family", H IP4 "<dhcp><range start='2001:db8::2' end='2001:db8::9'/>"
      "</dhcp></ip>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "'2001:db8::2' - '2001:db8::9' does not match the IPv4 family" },
    { "range-missing-end", H IP4 "<dhcp><range start='192.168.122.2'/></dhcp></ip>" E,
      DOM_NET, PROV_ERR_XML_ERROR, "needs both start='...' and end='...'" },
    { "range-bad-address", H IP4 "<dhcp><range start='192.168.122.2' end='192.168.122'/>"
      "</dhcp></ip>" E, DOM_NET, PROV_ERR_XML_ERROR, "'192.168.122'" },
    { "lease-too-short", H IP4 "<dhcp><range start='192.168.122.2' end='192.168.122.9'>"
      "<lease expiry='1' unit='minutes'/></range></dhcp></ip>" E, DOM_NET,
      PROV_ERR_INVALID_NETWORK, "lease time '1 minutes' is shorter" },
    { "lease-unit", H IP4 "<dhcp><range start='192.168.122.2' end='192.168.122.9'>"
      "<lease expiry='1' unit='days'/></range></dhcp></ip>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "unit='days'" },

    /* DHCP static hosts */
    { "host-duplicate-mac", H IP4 "<dhcp>" HOST_A "<host mac='00:16:3E:77:E2:ED' name='b' "
      "ip='192.168.122.11'/></dhcp></ip>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "same MAC address '00:16:3e:77:e2:ed'" },
    { "host-duplicate-ip", H IP4 "<dhcp>" HOST_A "<host mac='00:16:3e:77:e2:ee' name='b' "
      "ip='192.168.122.10'/></dhcp></ip>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "same IP address '192.168.122.10'" },
    { "host6-duplicate-id", H IP6 "<dhcp><host id='0:3:0:1:0:16:3e:11:22:33' "
      "ip='2001:db8:ac10:fd01::1:20'/><host id='0:3:0:1:0:16:3e:11:22:33' "
      "ip='2001:db8:ac10:fd01::1:21'/></dhcp></ip>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "same id '0:3:0:1:0:16:3e:11:22:33'" },
    { "host-ip-outside", H IP4 "<dhcp><host mac='00:16:3e:77:e2:ed' ip='10.1.1.1'/></dhcp>"
      "</ip>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "static host IP '10.1.1.1' is not within subnet 192.168.122.0/24" },
    { "host-no-ip", H IP4 "<dhcp><host mac='00:16:3e:77:e2:ed' name='a'/></dhcp></ip>" E,
      DOM_NET, PROV_ERR_XML_ERROR, "static host '00:16:3e:77:e2:ed'" },
    { "host-no-mac-no-name", H IP4 "<dhcp><host ip='192.168.122.10'/></dhcp></ip>" E,
      DOM_NET, PROV_ERR_XML_ERROR, "needs a mac='...' or a name='...'" },
    { "host-mac-invalid", H IP4 "<dhcp><host mac='00:16:3e:77:e2' ip='192.168.122.10'/>"
      "</dhcp></ip>" E, DOM_NET, PROV_ERR_INVALID_MAC, "'00:16:3e:77:e2'" },
    { "host-mac-multicast", H IP4 "<dhcp><host mac='03:16:3e:77:e2:ed' "
      "ip='192.168.122.10'/></dhcp></ip>" E, DOM_NET, PROV_ERR_INVALID_MAC,
      "'03:16:3e:77:e2:ed' in <host> is a multicast address" },
    { "host6-with-mac", H IP6 "<dhcp><host mac='00:16:3e:77:e2:ed' name='x' "
      "ip='2001:db8:ac10:fd01::1:20'/></dhcp></ip>" E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED,
      "mac='00:16:3e:77:e2:ed' in IPv6 subnet" },
    { "host6-no-id-no-name", H IP6 "<dhcp><host ip='2001:db8:ac10:fd01::1:20'/></dhcp></ip>"
      E, DOM_NET, PROV_ERR_XML_ERROR, "needs an id='...' or a name='...'" },
    { "host-name-digit", H IP4 "<dhcp><host mac='00:16:3e:77:e2:ed' name='1abc' "
      "ip='192.168.122.10'/></dhcp></ip>" E, DOM_NET, PROV_ERR_XML_ERROR, "'1abc'" },
    { "host-name-comma", H IP4 "<dhcp><host mac='00:16:3e:77:e2:ed' name='a,b' "
      "ip='192.168.122.10'/></dhcp></ip>" E, DOM_NET, PROV_ERR_XML_ERROR, "'a,b'" },
    { "host-bad-id", H IP6 "<dhcp><host id='0:1:zz' ip='2001:db8:ac10:fd01::1:20'/></dhcp>"
      "</ip>" E, DOM_NET, PROV_ERR_XML_ERROR, "'0:1:zz'" },

    /* tftp / bootp / one DHCP per family */
    { "tftp-ipv6", H IP6 "<tftp root='/srv/tftp'/></ip>" E, DOM_NET,
      PROV_ERR_CONFIG_UNSUPPORTED, "<tftp> is not supported in IPv6 <ip "
      "address='2001:db8:ac10:fd01::1'>" },
    { "bootp-ipv6", H IP6 "<dhcp><host id='0:3:0:1:0:16:3e:11:22:33' "
      "ip='2001:db8:ac10:fd01::1:20'/><bootp file='pxe.img'/></dhcp></ip>" E, DOM_NET,
      PROV_ERR_CONFIG_UNSUPPORTED, "<bootp> is not supported in IPv6" },
    { "bootp-server-ipv6", H IP4 "<dhcp><bootp file='pxe.img' server='2001:db8::5'/></dhcp>"
      "</ip>" E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED, "<bootp server='2001:db8::5'>" },
    { "tftp-root-newline", H IP4 "<tftp root='/srv&#10;enable-ra'/></ip>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "tftp root '/srv\\nenable-ra'" },
    { "two-tftp", H IP4 "<tftp root='/a'/></ip><ip address='10.0.0.1' prefix='8'>"
      "<tftp root='/b'/></ip>" E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED,
      "found it again on '10.0.0.1'" },
    { "two-ipv4-dhcp", H IP4 "<dhcp>" HOST_A "</dhcp></ip><ip address='192.168.123.1' "
      "prefix='24'><dhcp><range start='192.168.123.2' end='192.168.123.9'/></dhcp></ip>" E,
      DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED,
      "more than one IPv4 <ip> has <dhcp> ('192.168.122.1' and '192.168.123.1')" },
    { "two-ipv6-dhcp", H IP6 "<dhcp><range start='2001:db8:ac10:fd01::10' "
      "end='2001:db8:ac10:fd01::20'/></dhcp></ip><ip family='ipv6' address='2001:db8:1::1' "
      "prefix='64'><dhcp><range start='2001:db8:1::10' end='2001:db8:1::20'/></dhcp></ip>" E,
      DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED, "more than one IPv6 <ip> has <dhcp>" },

    /* static routes */
    { "route-gateway-unreachable", H IP4 "</ip><route address='192.168.222.0' prefix='24' "
      "gateway='10.9.9.1'/>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "unreachable static route gateway '10.9.9.1'" },
    { "route6-gateway-unreachable", H IP6 "</ip><route family='ipv6' "
      "address='2001:db8:ac10:fc00::' prefix='64' gateway='2001:db8:ffff::1'/>" E, DOM_NET,
      PROV_ERR_INVALID_NETWORK, "unreachable static route gateway '2001:db8:ffff::1'" },
    { "route-not-network-address", H IP4 "</ip><route address='192.168.222.5' prefix='24' "
      "gateway='192.168.122.2'/>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "route address '192.168.222.5' is not a network address" },
    { "route-metric-0", H IP4 "</ip><route address='192.168.222.0' prefix='24' "
      "gateway='192.168.122.2' metric='0'/>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "invalid metric '0'" },
    { "route-missing-gateway", H IP4 "</ip><route address='192.168.222.0' prefix='24'/>" E,
      DOM_NET, PROV_ERR_XML_ERROR, "needs both address='...' and gateway='...'" },
    { "route6-without-family", H IP6 "</ip><route address='2001:db8:ac10:fc00::' "
      "prefix='64' gateway='2001:db8:ac10:fd01::2'/>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "<route address='2001:db8:ac10:fc00::' gateway='2001:db8:ac10:fd01::2'>" },
    { "route-prefix-33", H IP4 "</ip><route address='192.168.222.0' prefix='33' "
      "gateway='192.168.122.2'/>" E, DOM_NET, PROV_ERR_INVALID_NETWORK, "prefix '33'" },

    /* DNS */
    { "dns-disabled-with-records", H IP4 "</ip><dns enable='no'><host ip='192.168.122.5'>"
      "<hostname>a</hostname></host></dns>" E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED,
      "DNS is disabled" },
    { "dns-enable", H "<dns enable='off'/>" E, DOM_NET, PROV_ERR_XML_ERROR, "enable='off'" },
    { "dns-forwarder-empty", H "<dns><forwarder/></dns>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "<forwarder> needs addr='...' or domain='...'" },
    { "dns-forwarder-addr", H "<dns><forwarder addr='8.8.8'/></dns>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "'8.8.8'" },
    { "dns-txt-name", H "<dns><txt name='a b' value='x'/></dns>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "'a b'" },
    { "dns-txt-no-value", H "<dns><txt name='ab'/></dns>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "DNS TXT record 'ab' needs a value" },
    { "dns-srv-protocol", H "<dns><srv service='ldap' protocol='sctp'/></dns>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "protocol 'sctp'" },
    { "dns-srv-port-without-target", H "<dns><srv service='ldap' protocol='tcp' "
      "port='389'/></dns>" E, DOM_NET, PROV_ERR_XML_ERROR, "need a target" },
    { "dns-srv-no-service", H "<dns><srv protocol='tcp'/></dns>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "needs service='...' and protocol='...'" },
    { "dns-srv-service-chars", H "<dns><srv service='a b' protocol='tcp'/></dns>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "service 'a b'" },
    { "dns-srv-port-range", H "<dns><srv service='x' protocol='tcp' target='t' "
      "port='70000'/></dns>" E, DOM_NET, PROV_ERR_XML_ERROR, "port='70000'" },
    { "dns-host-no-ip", H "<dns><host><hostname>a</hostname></host></dns>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "DNS <host> record needs an ip" },
    { "dns-host-no-hostname", H "<dns><host ip='192.168.122.5'/></dns>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "at least one <hostname>" },
    { "dns-host-bad-hostname", H "<dns><host ip='192.168.122.5'><hostname>bad name"
      "</hostname></host></dns>" E, DOM_NET, PROV_ERR_XML_ERROR, "'bad name'" },

    /* vlan, bandwidth, virtualport, portgroups, dnsmasq options */
    { "vlan-tag-too-big", H "<vlan><tag id='5000'/></vlan>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "id='5000'" },
    { "vlan-no-tag", H "<vlan/>" E, DOM_NET, PROV_ERR_XML_ERROR, "at least one <tag" },
    { "vlan-trunk-no", H "<vlan trunk='no'><tag id='1'/><tag id='2'/></vlan>" E, DOM_NET,
      PROV_ERR_INVALID_NETWORK, "trunk='no'" },
    { "vlan-two-native", H "<vlan trunk='yes'><tag id='1' nativeMode='tagged'/><tag id='2' "
      "nativeMode='untagged'/></vlan>" E, DOM_NET, PROV_ERR_INVALID_NETWORK,
      "more than one native vlan tag (1 and 2)" },
    { "vlan-duplicate", H "<vlan><tag id='7'/><tag id='7'/></vlan>" E, DOM_NET,
      PROV_ERR_INVALID_NETWORK, "vlan tag '7'" },
    { "bandwidth-floor", H "<bandwidth><inbound average='1000' floor='100'/></bandwidth>" E,
      DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED, "floor='100'" },
    { "bandwidth-no-average", H "<bandwidth><inbound peak='10'/></bandwidth>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "<inbound> of <bandwidth> needs average" },
    { "bandwidth-two-inbound", H "<bandwidth><inbound average='1'/><inbound average='2'/>"
      "</bandwidth>" E, DOM_NET, PROV_ERR_XML_ERROR, "one <inbound>" },
    { "bandwidth-zero", H "<bandwidth><outbound average='0'/></bandwidth>" E, DOM_NET,
      PROV_ERR_XML_ERROR, "average='0'" },
    { "virtualport-no-type", H "<forward mode='bridge'/><bridge name='br0'/><virtualport/>" E,
      DOM_NET, PROV_ERR_XML_ERROR, "<virtualport> needs a type" },
    { "virtualport-extra-param", H "<forward mode='private' dev='eth0'/>"
      "<virtualport type='802.1Qbh'><parameters managerid='5'/></virtualport>" E, DOM_NET,
      PROV_ERR_CONFIG_UNSUPPORTED, "managerid='5' is not allowed in <virtualport "
      "type='802.1Qbh'>" },
    { "virtualport-bad-uuid", H "<forward mode='bridge'/><bridge name='br0'/>"
      "<virtualport type='openvswitch'><parameters interfaceid='xyz'/></virtualport>" E,
      DOM_NET, PROV_ERR_XML_ERROR, "interfaceid='xyz'" },
    { "virtualport-typeid-range", H "<forward mode='vepa' dev='eth0'/>"
      "<virtualport type='802.1Qbg'><parameters typeid='16777216'/></virtualport>" E,
      DOM_NET, PROV_ERR_XML_ERROR, "typeid='16777216'" },
    { "virtualport-midonet", H "<forward mode='bridge'/><bridge name='br0'/>"
      "<virtualport type='midonet'/>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "<virtualport type='midonet'> needs <parameters interfaceid" },
    { "portgroup-duplicate", H "<portgroup name='pg1'/><portgroup name='pg1'/>" E, DOM_NET,
      PROV_ERR_CONFIG_UNSUPPORTED, "more than one <portgroup> is named 'pg1'" },
    { "portgroup-two-defaults", H "<portgroup name='pg1' default='yes'/>"
      "<portgroup name='pg2' default='yes'/>" E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED,
      "the second is 'pg2'" },
    { "portgroup-no-name", H "<portgroup/>" E, DOM_NET, PROV_ERR_XML_ERROR,
      "<portgroup> needs a valid name" },
    { "dnsmasq-option-newline", "<network xmlns:dnsmasq='http://libvirt.org/schemas/network/"
      "dnsmasq/1.0'><name>n1</name><dnsmasq:options><dnsmasq:option value='a&#10;b'/>"
      "</dnsmasq:options></network>", DOM_NET, PROV_ERR_XML_ERROR,
      "dnsmasq option 'a\\nb'" },
    { "dnsmasq-option-no-value", "<network xmlns:dnsmasq='http://libvirt.org/schemas/network/"
      "dnsmasq/1.0'><name>n1</name><dnsmasq:options><dnsmasq:option/></dnsmasq:options>"
      "</network>", DOM_NET, PROV_ERR_XML_ERROR, "<dnsmasq:option> needs a value" },
};

/* Documents that parse but break the driver-level rules (prov_network_def_validate). */
static const TestCase validate_cases[] = {
    { "bridge-with-mac", H "<forward mode='bridge'/><bridge name='br0'/>"
      "<mac address='52:54:00:00:00:01'/>" E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED,
      "<mac> is not supported with forward mode 'bridge'" },
    { "bridge-with-ip", H "<forward mode='bridge'/><bridge name='br0'/>" IP4 "</ip>" E,
      DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED, "<ip> is not supported with forward mode" },
    { "vepa-with-domain", H "<forward mode='vepa' dev='eth0'/><domain name='x.org'/>" E,
      DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED, "<domain> is not supported with forward mode "
      "'vepa'" },
    { "private-with-dns-records", H "<forward mode='private' dev='eth0'/><dns><txt name='a' "
      "value='b'/></dns>" E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED, "DNS records" },
    { "passthrough-with-bandwidth", H "<forward mode='passthrough' dev='eth0'/><bandwidth>"
      "<inbound average='1000'/></bandwidth>" E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED,
      "network-wide <bandwidth>" },
    { "hostdev-netdev", H "<forward mode='hostdev' dev='eth0'/>" E, DOM_NET,
      PROV_ERR_CONFIG_UNSUPPORTED, "not by device name ('eth0')" },
    { "passthrough-pci", H "<forward mode='passthrough'><address type='pci' bus='1' "
      "slot='0' function='1'/></forward>" E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED,
      "not 'passthrough'" },
    { "nat-with-vlan", H NAT IP4 "</ip><vlan><tag id='5'/></vlan>" E, DOM_NET,
      PROV_ERR_CONFIG_UNSUPPORTED, "<vlan> is not supported with forward mode 'nat'" },
    { "portgroup-vlan-in-vepa", H "<forward mode='vepa' dev='eth0'/><portgroup name='p'>"
      "<vlan><tag id='5'/></vlan></portgroup>" E, DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED,
      "<vlan> is not supported with forward mode 'vepa'" },
    { "portgroup-bandwidth-in-private", H "<forward mode='private' dev='eth0'/>"
      "<portgroup name='p'><bandwidth><inbound average='5'/></bandwidth></portgroup>" E,
      DOM_NET, PROV_ERR_CONFIG_UNSUPPORTED, "portgroup 'p'" },
};

static void
test_check_error(const TestCase *tc, const GError *error)
{
    g_test_message("%s: %s", tc->name, error->message);
    if (tc->domain == DOM_XML) {
        g_assert_true(error->domain == PROV_XML_ERROR);
    } else {
        g_assert_true(error->domain == PROV_NETWORK_ERROR);
        if (!g_str_equal(tc->name, "missing-name"))
            g_assert_nonnull(strstr(error->message, "network '"));
    }
    if (error->code != tc->code || !strstr(error->message, tc->msg)) {
        g_test_message("%s: expected code %d with '%s', got code %d", tc->name, tc->code,
                       tc->msg, error->code);
        g_test_fail();
    }
}

static void
test_parse_invalid(gconstpointer data)
{
    const TestCase *tc = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) error2 = NULL;
    g_autoptr(ProvNetworkDef) def = prov_network_def_parse_string(tc->xml, 0, &error);
    g_autoptr(ProvNetworkDef) def2 = NULL;

    if (def) {
        g_autofree char *out = prov_network_def_format(def, 0);

        g_test_message("%s: accepted\n%s", tc->name, out);
        g_test_fail();
        return;
    }
    test_check_error(tc, error);
    /* With schema validation on the document is refused as well (by either check). */
    def2 = prov_network_def_parse_string(tc->xml, PROV_NETWORK_PARSE_VALIDATE, &error2);
    g_assert_null(def2);
    g_assert_nonnull(error2);
}

static void
test_validate_invalid(gconstpointer data)
{
    const TestCase *tc = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvNetworkDef) def = prov_network_def_parse_string(tc->xml, 0, &error);

    g_assert_no_error(error);
    g_assert_false(prov_network_def_validate(def, &error));
    test_check_error(tc, error);
}

/* The minimal documents around the bad pieces are themselves fine. */
static void
test_baselines(void)
{
    static const char *const good[] = {
        H E,
        H NAT IP4 "<dhcp><range start='192.168.122.2' end='192.168.122.254'/>" HOST_A
        "</dhcp></ip>" E,
        H IP6 "<dhcp><host id='0:3:0:1:0:16:3e:11:22:33' ip='2001:db8:ac10:fd01::1:20'/>"
        "<range start='2001:db8:ac10:fd01::10' end='2001:db8:ac10:fd01::ffff'/></dhcp></ip>" E,
        H "<forward mode='route'/>" IP4 "</ip><route address='192.168.222.0' prefix='24' "
        "gateway='192.168.122.2' metric='5'/><route address='0.0.0.0' gateway='192.168.122.3'/>"
        E,
        H "<ip address='10.0.0.1' prefix='8'><dhcp><range start='10.0.0.2' end='10.0.255.254'/>"
        "</dhcp></ip>" E,
        /* a bridge name template the driver fills in */
        H "<bridge name='provbr%d'/>" NAT IP4 "</ip>" E,
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvNetworkDef) def = prov_network_def_parse_string(good[i],
                                                                      PROV_NETWORK_PARSE_VALIDATE,
                                                                      &error);

        g_assert_no_error(error);
        g_assert_true(prov_network_def_validate(def, &error));
        g_assert_no_error(error);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    PROV_TEST_ADD_CASES("/network/invalid/parse", parse_cases, name, test_parse_invalid);
    PROV_TEST_ADD_CASES("/network/invalid/validate", validate_cases, name,
                        test_validate_invalid);
    g_test_add_func("/network/invalid/baselines", test_baselines);
    printf("network invalid inputs: %zu parse cases, %zu validate cases\n",
           G_N_ELEMENTS(parse_cases), G_N_ELEMENTS(validate_cases));
    return g_test_run();
}
