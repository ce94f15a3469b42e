/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_conf.c: virtual network XML model (libvirt's <network>): parse, check, format. */
#define G_LOG_DOMAIN "prov-network-conf"

#include "network/network_conf.h"

#include <errno.h>
#include <string.h>

#include "util/error.h"
#include "network/network_conf_xml.h"
#include "util/xml.h"

/* libvirt's namespace for verbatim dnsmasq options (<dnsmasq:options>). */
#define NET_DNSMASQ_NS_HREF "http://libvirt.org/schemas/network/dnsmasq/1.0"

/* Longest Linux interface name (IFNAMSIZ - 1). */
#define NET_IFNAME_MAX 15

/* libvirt: a SRV service name fits a 512-byte record minus the fixed part. */
#define NET_SRV_SERVICE_MAX (512 - 30)

/* dnsmasq refuses DHCP leases shorter than two minutes. */
#define NET_LEASE_MIN_SECONDS 120

/* ---- enum string tables ------------------------------------------------------------- */

static const char *const net_forward_mode_names[PROV_NET_FORWARD_LAST] = {
    "none", "nat", "route", "open", "bridge", "private", "vepa", "passthrough", "hostdev",
};

static const char *const net_mac_table_names[PROV_NET_MAC_TABLE_LAST] = {
    "default", "kernel", "libvirt",
};

static const char *const net_forward_driver_names[PROV_NET_FORWARD_DRIVER_LAST] = {
    "default", "kvm", "vfio",
};

static const char *const net_lease_unit_names[PROV_NET_LEASE_LAST] = {
    "seconds", "minutes", "hours",
};

static const char *const net_virtport_names[PROV_NET_VPORT_LAST] = {
    "none", "802.1Qbg", "802.1Qbh", "openvswitch", "midonet",
};

static const char *const net_vlan_native_names[PROV_NET_VLAN_NATIVE_LAST] = {
    "default", "tagged", "untagged",
};

static const char *
net_enum_to_string(const char *const *table, int n, int value)
{
    if (value < 0 || value >= n)
        return NULL;
    return table[value];
}

static int
net_enum_from_string(const char *const *table, int n, const char *str)
{
    int i;

    if (!str)
        return -1;
    for (i = 0; i < n; i++) {
        if (g_str_equal(table[i], str))
            return i;
    }
    return -1;
}

#define NET_ENUM_IMPL(prefix, type, table) \
    const char *prefix##_to_string(type value) \
    { \
        return net_enum_to_string(table, G_N_ELEMENTS(table), (int) value); \
    } \
    int prefix##_from_string(const char *str) \
    { \
        return net_enum_from_string(table, G_N_ELEMENTS(table), str); \
    }

NET_ENUM_IMPL(prov_net_forward_mode, ProvNetForwardMode, net_forward_mode_names)
NET_ENUM_IMPL(prov_net_mac_table_manager, ProvNetMacTableManager, net_mac_table_names)
NET_ENUM_IMPL(prov_net_forward_driver_name, ProvNetForwardDriverName, net_forward_driver_names)
NET_ENUM_IMPL(prov_net_lease_unit, ProvNetLeaseUnit, net_lease_unit_names)
NET_ENUM_IMPL(prov_net_virtport_type, ProvNetVirtPortType, net_virtport_names)
NET_ENUM_IMPL(prov_net_vlan_native_mode, ProvNetVlanNativeMode, net_vlan_native_names)

/* ---- constructors and destructors --------------------------------------------------- */

void
prov_net_vlan_init(ProvNetVlan *vlan)
{
    memset(vlan, 0, sizeof(*vlan));
    vlan->tags = g_array_new(FALSE, FALSE, sizeof(guint));
}

void
prov_net_vlan_clear(ProvNetVlan *vlan)
{
    if (vlan->tags)
        g_array_unref(vlan->tags);
    memset(vlan, 0, sizeof(*vlan));
}

void
prov_net_dhcp_range_free(ProvNetDhcpRange *range)
{
    if (!range)
        return;
    g_free(range->lease);
    g_free(range);
}

void
prov_net_dhcp_host_free(ProvNetDhcpHost *host)
{
    if (!host)
        return;
    g_free(host->mac);
    g_free(host->id);
    g_free(host->name);
    g_free(host->lease);
    g_free(host);
}

static ProvNetIpDef *
net_ip_def_new(void)
{
    ProvNetIpDef *ip = g_new0(ProvNetIpDef, 1);

    ip->family = AF_INET;
    ip->ranges = g_ptr_array_new_with_free_func((GDestroyNotify) prov_net_dhcp_range_free);
    ip->hosts = g_ptr_array_new_with_free_func((GDestroyNotify) prov_net_dhcp_host_free);
    return ip;
}

static void
net_ip_def_free(ProvNetIpDef *ip)
{
    if (!ip)
        return;
    g_free(ip->tftp_root);
    g_clear_pointer(&ip->ranges, g_ptr_array_unref);
    g_clear_pointer(&ip->hosts, g_ptr_array_unref);
    g_free(ip->bootp_file);
    g_free(ip);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetIpDef, net_ip_def_free)

void
prov_net_forward_if_free(ProvNetForwardIf *fif)
{
    if (!fif)
        return;
    g_free(fif->dev);
    g_free(fif);
}

static void
net_virtport_param_free(ProvNetVirtPortParam *param)
{
    if (!param)
        return;
    g_free(param->name);
    g_free(param->value);
    g_free(param);
}

static ProvNetVirtPort *
net_virtport_new(void)
{
    ProvNetVirtPort *vport = g_new0(ProvNetVirtPort, 1);

    vport->params = g_ptr_array_new_with_free_func((GDestroyNotify) net_virtport_param_free);
    return vport;
}

void
prov_net_virtport_free(ProvNetVirtPort *vport)
{
    if (!vport)
        return;
    g_clear_pointer(&vport->params, g_ptr_array_unref);
    g_free(vport);
}

void
prov_net_bandwidth_free(ProvNetBandwidth *bw)
{
    if (!bw)
        return;
    g_free(bw->in);
    g_free(bw->out);
    g_free(bw);
}

void
prov_net_portgroup_free(ProvNetPortGroup *pg)
{
    if (!pg)
        return;
    g_free(pg->name);
    prov_net_vlan_clear(&pg->vlan);
    prov_net_bandwidth_free(pg->bandwidth);
    prov_net_virtport_free(pg->virtualport);
    g_free(pg);
}

static ProvNetPortGroup *
net_portgroup_new(void)
{
    ProvNetPortGroup *pg = g_new0(ProvNetPortGroup, 1);

    prov_net_vlan_init(&pg->vlan);
    return pg;
}

void
prov_net_dns_host_free(ProvNetDnsHost *host)
{
    if (!host)
        return;
    g_clear_pointer(&host->hostnames, g_ptr_array_unref);
    g_free(host);
}

static ProvNetDnsHost *
net_dns_host_new(void)
{
    ProvNetDnsHost *host = g_new0(ProvNetDnsHost, 1);

    host->hostnames = g_ptr_array_new_with_free_func(g_free);
    return host;
}

void
prov_net_dns_txt_free(ProvNetDnsTxt *txt)
{
    if (!txt)
        return;
    g_free(txt->name);
    g_free(txt->value);
    g_free(txt);
}

void
prov_net_dns_srv_free(ProvNetDnsSrv *srv)
{
    if (!srv)
        return;
    g_free(srv->service);
    g_free(srv->protocol);
    g_free(srv->domain);
    g_free(srv->target);
    g_free(srv);
}

static void
net_dns_forwarder_free(ProvNetDnsForwarder *fwd)
{
    if (!fwd)
        return;
    g_free(fwd->domain);
    g_free(fwd);
}

ProvNetworkDef *
prov_network_def_new(void)
{
    ProvNetworkDef *def = g_new0(ProvNetworkDef, 1);

    def->forward.mode = PROV_NET_FORWARD_NONE;
    def->forward.ifs = g_ptr_array_new_with_free_func((GDestroyNotify) prov_net_forward_if_free);
    def->stp = true;
    def->dns.forwarders =
        g_ptr_array_new_with_free_func((GDestroyNotify) net_dns_forwarder_free);
    def->dns.txts = g_ptr_array_new_with_free_func((GDestroyNotify) prov_net_dns_txt_free);
    def->dns.srvs = g_ptr_array_new_with_free_func((GDestroyNotify) prov_net_dns_srv_free);
    def->dns.hosts = g_ptr_array_new_with_free_func((GDestroyNotify) prov_net_dns_host_free);
    prov_net_vlan_init(&def->vlan);
    def->ips = g_ptr_array_new_with_free_func((GDestroyNotify)net_ip_def_free);
    def->routes = g_ptr_array_new_with_free_func(g_free);
    def->portgroups = g_ptr_array_new_with_free_func((GDestroyNotify) prov_net_portgroup_free);
    def->dnsmasq_options = g_ptr_array_new_with_free_func(g_free);
    return def;
}

void
prov_network_def_free(ProvNetworkDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->title);
    g_free(def->description);
    g_free(def->metadata);
    g_free(def->forward.driver_model);
    g_clear_pointer(&def->forward.ifs, g_ptr_array_unref);
    g_free(def->forward.pf_dev);
    g_free(def->bridge);
    g_free(def->bridge_zone);
    g_free(def->domain);
    g_clear_pointer(&def->dns.forwarders, g_ptr_array_unref);
    g_clear_pointer(&def->dns.txts, g_ptr_array_unref);
    g_clear_pointer(&def->dns.srvs, g_ptr_array_unref);
    g_clear_pointer(&def->dns.hosts, g_ptr_array_unref);
    prov_net_vlan_clear(&def->vlan);
    prov_net_bandwidth_free(def->bandwidth);
    g_clear_pointer(&def->ips, g_ptr_array_unref);
    g_clear_pointer(&def->routes, g_ptr_array_unref);
    prov_net_virtport_free(def->virtualport);
    g_clear_pointer(&def->portgroups, g_ptr_array_unref);
    g_clear_pointer(&def->dnsmasq_options, g_ptr_array_unref);
    g_free(def);
}

/* ---- small value helpers ------------------------------------------------------------ */

guint64
prov_net_dhcp_lease_seconds(const ProvNetDhcpLease *lease)
{
    if (!lease)
        return 0;
    switch (lease->unit) {
    case PROV_NET_LEASE_SECONDS:
        return lease->expiry;
    case PROV_NET_LEASE_MINUTES:
        return lease->expiry * 60;
    case PROV_NET_LEASE_HOURS:
        return lease->expiry * 3600;
    case PROV_NET_LEASE_LAST:
        break;
    }
    return lease->expiry;
}

const char *
prov_net_virtport_param(const ProvNetVirtPort *vport, const char *name)
{
    guint i;

    if (!vport)
        return NULL;
    for (i = 0; i < vport->params->len; i++) {
        const ProvNetVirtPortParam *p = g_ptr_array_index(vport->params, i);

        if (g_str_equal(p->name, name))
            return p->value;
    }
    return NULL;
}

int
prov_net_ip_def_prefix(const ProvNetIpDef *ip)
{
    if (ip->prefix > 0)
        return (int) ip->prefix;
    if (prov_net_addr_is_set(&ip->netmask))
        return prov_net_netmask_to_prefix(&ip->netmask);
    if (ip->address.family == AF_INET) {
        /* The classful default libvirt still applies when neither is given. */
        guint8 octet = ip->address.bytes[0];

        if ((octet & 0x80) == 0)
            return 8;
        if ((octet & 0xc0) == 0x80)
            return 16;
        if ((octet & 0xe0) == 0xc0)
            return 24;
        return -1;
    }
    if (ip->address.family == AF_INET6)
        return 64;
    return -1;
}

bool
prov_net_ip_def_netmask(const ProvNetIpDef *ip, ProvNetAddr *ret)
{
    int prefix = prov_net_ip_def_prefix(ip);

    if (prefix < 0 || !prov_net_addr_is_set(&ip->address))
        return false;
    prov_net_prefix_to_netmask(ip->address.family, (unsigned int) prefix, ret);
    return true;
}

bool
prov_net_ip_def_network(const ProvNetIpDef *ip, ProvNetAddr *ret)
{
    int prefix = prov_net_ip_def_prefix(ip);

    if (prefix < 0 || !prov_net_addr_is_set(&ip->address))
        return false;
    prov_net_addr_mask(&ip->address, (unsigned int) prefix, ret);
    return true;
}

bool
prov_net_ip_def_broadcast(const ProvNetIpDef *ip, ProvNetAddr *ret)
{
    int prefix = prov_net_ip_def_prefix(ip);

    if (prefix < 0 || !prov_net_addr_is_set(&ip->address))
        return false;
    prov_net_addr_broadcast(&ip->address, (unsigned int) prefix, ret);
    return true;
}

bool
prov_net_ip_def_contains(const ProvNetIpDef *ip, const ProvNetAddr *addr)
{
    int prefix = prov_net_ip_def_prefix(ip);

    if (prefix < 0)
        return false;
    return prov_net_addr_in_subnet(addr, &ip->address, (unsigned int) prefix);
}

bool
prov_net_ip_def_has_dhcp(const ProvNetIpDef *ip)
{
    return ip->ranges->len > 0 || ip->hosts->len > 0;
}

guint64
prov_net_ip_def_dhcp_size(const ProvNetIpDef *ip)
{
    guint64 total = 0;
    guint i;

    for (i = 0; i < ip->ranges->len; i++) {
        const ProvNetDhcpRange *r = g_ptr_array_index(ip->ranges, i);
        gint64 n = prov_net_range_size(&r->start, &r->end);

        if (n > 0)
            total += (guint64) n;
    }
    return total;
}

/*
 * Reverse zones name the network part of the address, most specific label first:
 * 192.168.122.0/24 -> "122.168.192.in-addr.arpa", 2001:db8::/32 -> nibbles
 * "8.b.d.0.1.0.0.2.ip6.arpa".  dnsmasq's local=/<zone>/ then answers PTR queries
 * for the subnet itself instead of forwarding them.
 */
bool
prov_net_ip_def_ptr_zone(const ProvNetIpDef *ip, char **ret, GError **error)
{
    g_autoptr(GString) zone = g_string_new(NULL);
    char addr[PROV_NET_ADDR_STRLEN];
    ProvNetAddr net;
    int prefix = prov_net_ip_def_prefix(ip);
    int i;

    prov_net_addr_to_string(&ip->address, addr);
    if (prefix <= 0 || !prov_net_ip_def_network(ip, &net)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "cannot compute the reverse DNS zone of '%s': unknown prefix", addr);
        return false;
    }
    if (ip->address.family == AF_INET) {
        if (prefix % 8 != 0) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "localPtr='yes' needs an IPv4 prefix that is a multiple of 8, "
                        "'%s/%d' is not", addr, prefix);
            return false;
        }
        for (i = prefix / 8 - 1; i >= 0; i--)
            g_string_append_printf(zone, "%u.", net.bytes[i]);
        g_string_append(zone, "in-addr.arpa");
    } else {
        if (prefix % 4 != 0) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "localPtr='yes' needs an IPv6 prefix that is a multiple of 4, "
                        "'%s/%d' is not", addr, prefix);
            return false;
        }
        for (i = prefix / 4 - 1; i >= 0; i--) {
            guint8 byte = net.bytes[i / 2];
            guint nibble = (i % 2 == 0) ? (guint) (byte >> 4) : (guint) (byte & 0xf);

            g_string_append_printf(zone, "%x.", nibble);
        }
        g_string_append(zone, "ip6.arpa");
    }
    *ret = g_string_free(g_steal_pointer(&zone), FALSE);
    return true;
}

unsigned int
prov_net_route_prefix(const ProvNetRoute *route)
{
    int p;

    if (route->prefix > 0)
        return route->prefix;
    p = prov_net_netmask_to_prefix(&route->netmask);
    return p > 0 ? (unsigned int) p : 0;
}

/* ---- parse helpers ------------------------------------------------------------------ */

static const char *
net_node_name(const xmlNode *node)
{
    return (const char *) node->name;
}

/* An element of libvirt's (empty) namespace named @name. */
static bool
net_elem_is(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && !node->ns &&
           g_str_equal((const char *) node->name, name);
}

static xmlNode *
net_child(xmlNode *parent, const char *name)
{
    return prov_xml_child(parent, NULL, name);
}

static guint
net_count_children(xmlNode *parent, const char *name)
{
    xmlNode *c;
    guint n = 0;

    for (c = parent ? parent->children : NULL; c; c = c->next) {
        if (net_elem_is(c, name))
            n++;
    }
    return n;
}

/* @value for messages: control characters made visible.  Caller frees. */
char *
prov_net_xml_shown(const char *value)
{
    return g_strescape(value ? value : "", NULL);
}

/* Strings that end up in dnsmasq's conf or hosts files are one line each. */
static bool
net_check_text(const char *who, const char *what, const char *value, GError **error)
{
    const unsigned char *p;

    if (!value)
        return true;
    for (p = (const unsigned char *) value; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            g_autofree char *shown = prov_net_xml_shown(value);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: %s '%s' must not contain control characters or line breaks", who, what,
                        shown);
            return false;
        }
    }
    return true;
}

/* DNS names as libvirt's schema spells them (plus '_', which SRV labels use). */
static bool
net_is_dns_name(const char *s)
{
    const char *p;

    if (!s || !*s)
        return false;
    for (p = s; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-' && *p != '_')
            return false;
    }
    return true;
}

/* Interface names: what the kernel accepts and libvirt's deviceName allows. */
static bool
net_is_device_name(const char *s)
{
    const char *p;

    if (!s || !*s || g_str_equal(s, ".") || g_str_equal(s, ".."))
        return false;
    for (p = s; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("_.-:%", *p))
            return false;
    }
    return true;
}

static bool
net_parse_u64(const char *str, int base, guint64 *ret)
{
    guint64 v;
    char *end = NULL;

    if (!str || !g_ascii_isdigit(str[0]))
        return false;
    errno = 0;
    v = g_ascii_strtoull(str, &end, base);
    if (errno != 0 || !end || end == str || *end != '\0')
        return false;
    *ret = v;
    return true;
}

/*
 * Numeric attribute in [@min, @max] (@base as strtoull: 0 accepts 0x.. hex).
 * Returns 1 when present, 0 when absent, -1 with an error naming the value.
 */
static int
net_attr_number(xmlNode *node, const char *attr, int base, guint64 min, guint64 max,
                const char *who, guint64 *ret, GError **error)
{
    g_autofree char *str = prov_xml_prop_string(node, attr);
    guint64 v = 0;

    if (!str)
        return 0;
    if (!net_parse_u64(str, base, &v) || v < min || v > max) {
        g_autofree char *shown = prov_net_xml_shown(str);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: invalid %s='%s' in <%s>: expected a number from %" G_GUINT64_FORMAT
                    " to %" G_GUINT64_FORMAT,
                    who, attr, shown, net_node_name(node), min, max);
        return -1;
    }
    *ret = v;
    return 1;
}

/* Unsigned attribute in [@min, @max]; *@ret is written only when it is present. */
static bool
net_attr_uint_base(xmlNode *node, const char *attr, int base, guint64 min, guint64 max,
                   const char *who, unsigned int *ret, GError **error)
{
    guint64 v = 0;
    int rc = net_attr_number(node, attr, base, min, max, who, &v, error);

    if (rc < 0)
        return false;
    if (rc > 0)
        *ret = (unsigned int) v;
    return true;
}

static bool
net_attr_uint(xmlNode *node, const char *attr, guint64 min, guint64 max, const char *who,
              unsigned int *ret, GError **error)
{
    return net_attr_uint_base(node, attr, 10, min, max, who, ret, error);
}

static bool
net_has_attr(xmlNode *node, const char *attr)
{
    return xmlHasProp(node, (const xmlChar *) attr) != NULL;
}

/* yes/no attribute; absent leaves *@ret ABSENT. */
bool
prov_net_xml_attr_tristate(xmlNode *node, const char *attr, const char *who, ProvNetTristate *ret,
                           GError **error)
{
    g_autofree char *str = prov_xml_prop_string(node, attr);

    *ret = PROV_NET_TRISTATE_ABSENT;
    if (!str)
        return true;
    if (g_str_equal(str, "yes")) {
        *ret = PROV_NET_TRISTATE_YES;
    } else if (g_str_equal(str, "no")) {
        *ret = PROV_NET_TRISTATE_NO;
    } else {
        g_autofree char *shown = prov_net_xml_shown(str);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: invalid %s='%s' in <%s>: expected 'yes' or 'no'", who, attr, shown,
                    net_node_name(node));
        return false;
    }
    return true;
}

/*
 * Enumerated attribute; value 0 of the table ("none", "default") cannot be written.
 * Returns 1 when present, 0 when absent, -1 on error.
 */
static int
net_attr_enum(xmlNode *node, const char *attr, int (*from_string)(const char *),
              const char *who, int *ret, GError **error)
{
    g_autofree char *str = prov_xml_prop_string(node, attr);
    int v;

    if (!str)
        return 0;
    v = from_string(str);
    if (v <= 0) {
        g_autofree char *shown = prov_net_xml_shown(str);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR, "%s: unknown %s='%s' in <%s>",
                    who, attr, shown, net_node_name(node));
        return -1;
    }
    *ret = v;
    return 1;
}

static const char *
net_family_name(int family)
{
    return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* Address attribute of @family (AF_UNSPEC: either); absent leaves *@ret unset. */
static bool
net_attr_addr(xmlNode *node, const char *attr, int family, const char *who, ProvNetAddr *ret,
              GError **error)
{
    g_autofree char *str = prov_xml_prop_string(node, attr);

    memset(ret, 0, sizeof(*ret));
    if (!str)
        return true;
    if (!prov_net_addr_parse(str, family, ret)) {
        g_autofree char *shown = prov_net_xml_shown(str);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: invalid %saddress '%s' in %s='...' of <%s>", who,
                    family == AF_INET    ? "IPv4 "
                    : family == AF_INET6 ? "IPv6 "
                                         : "IP ",
                    shown, attr, net_node_name(node));
        return false;
    }
    return true;
}

static bool
net_mac_attr(xmlNode *node, const char *attr, const char *who, guint8 mac[6], bool *ret_present,
             GError **error)
{
    g_autofree char *str = prov_xml_prop_string(node, attr);
    g_autofree char *shown = NULL;

    *ret_present = false;
    if (!str)
        return true;
    shown = prov_net_xml_shown(str);
    if (!prov_net_mac_parse(str, mac)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_MAC,
                    "%s: invalid MAC address '%s' in <%s>", who, shown, net_node_name(node));
        return false;
    }
    if (prov_net_mac_is_multicast(mac)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_MAC,
                    "%s: MAC address '%s' in <%s> is a multicast address, expected unicast",
                    who, shown, net_node_name(node));
        return false;
    }
    *ret_present = true;
    return true;
}

/* Name every error after the network, even before its name is checked. */
static char *
net_who(const char *name)
{
    g_autofree char *shown = NULL;

    if (!name)
        return g_strdup("network");
    shown = prov_net_xml_shown(name);
    return g_strdup_printf("network '%s'", shown);
}

/* ---- element parsers ------------------------------------------------------------------ */

static bool
net_lease_parse(xmlNode *node, const char *who, ProvNetDhcpLease **ret, GError **error)
{
    g_autofree ProvNetDhcpLease *lease = g_new0(ProvNetDhcpLease, 1);
    g_autofree char *expiry = prov_xml_prop_string(node, "expiry");
    g_autofree char *unit = prov_xml_prop_string(node, "unit");
    guint64 seconds;
    int u;

    if (!expiry) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: missing expiry='...' in <lease>", who);
        return false;
    }
    lease->unit = PROV_NET_LEASE_MINUTES;
    if (unit) {
        if ((u = prov_net_lease_unit_from_string(unit)) < 0) {
            g_autofree char *shown = prov_net_xml_shown(unit);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: unknown lease unit='%s' (expected seconds, minutes or hours)", who,
                        shown);
            return false;
        }
        lease->unit = u;
    }
    /* dnsmasq keeps lease times in 32 bits of seconds. */
    if (net_attr_number(node, "expiry", 10, 0, G_MAXUINT32, who, &lease->expiry, error) < 0)
        return false;
    seconds = prov_net_dhcp_lease_seconds(lease);
    if (seconds > G_MAXUINT32) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: lease time '%s %s' is too long (at most %u seconds)", who, expiry,
                    net_lease_unit_names[lease->unit], G_MAXUINT32);
        return false;
    }
    if (seconds > 0 && seconds < NET_LEASE_MIN_SECONDS) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: lease time '%s %s' is shorter than the 2 minutes dnsmasq accepts",
                    who, expiry, net_lease_unit_names[lease->unit]);
        return false;
    }
    *ret = g_steal_pointer(&lease);
    return true;
}

static ProvNetDhcpRange *
net_range_parse(xmlNode *node, const char *who, GError **error)
{
    g_autoptr(ProvNetDhcpRange) range = g_new0(ProvNetDhcpRange, 1);
    xmlNode *lease;

    if (!net_has_attr(node, "start") || !net_has_attr(node, "end")) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <range> of <dhcp> needs both start='...' and end='...'", who);
        return NULL;
    }
    if (!net_attr_addr(node, "start", AF_UNSPEC, who, &range->start, error) ||
        !net_attr_addr(node, "end", AF_UNSPEC, who, &range->end, error))
        return NULL;
    if ((lease = net_child(node, "lease")) && !net_lease_parse(lease, who, &range->lease, error))
        return NULL;
    return g_steal_pointer(&range);
}

/* DUIDs are colon-separated hex bytes ("0:1:0:1:18:aa:62:fe:0:16:3e:44:55:66"). */
static bool
net_is_duid(const char *id)
{
    const char *p;

    if (!id || !*id)
        return false;
    for (p = id; *p; p++) {
        if (!g_ascii_isxdigit(*p) && *p != ':')
            return false;
    }
    return true;
}

static ProvNetDhcpHost *
net_host_parse(xmlNode *node, const char *who, bool partial, GError **error)
{
    g_autoptr(ProvNetDhcpHost) host = g_new0(ProvNetDhcpHost, 1);
    g_autofree char *ip = prov_xml_prop_string(node, "ip");
    guint8 mac[6];
    bool has_mac;
    xmlNode *lease;

    if (!net_mac_attr(node, "mac", who, mac, &has_mac, error))
        return NULL;
    if (has_mac) {
        char buf[PROV_NET_MAC_STRLEN];

        host->mac = g_strdup(prov_net_mac_format(mac, buf));
    }
    host->id = prov_xml_prop_string(node, "id");
    if (host->id && !net_is_duid(host->id)) {
        g_autofree char *shown = prov_net_xml_shown(host->id);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: invalid DHCPv6 id '%s' of a static host: expected colon-separated "
                    "hex bytes",
                    who, shown);
        return NULL;
    }
    host->name = prov_xml_prop_string(node, "name");
    if (host->name) {
        const char *p;
        bool ok = g_ascii_isalpha(host->name[0]);

        for (p = host->name; ok && *p; p++)
            ok = g_ascii_isalnum(*p) || *p == '.' || *p == '-' || *p == '_';
        if (!ok) {
            g_autofree char *shown = prov_net_xml_shown(host->name);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: invalid static host name '%s': it must start with a letter and "
                        "hold only letters, digits, '.', '-' and '_'",
                        who, shown);
            return NULL;
        }
    }
    if (ip && !net_attr_addr(node, "ip", AF_UNSPEC, who, &host->ip, error))
        return NULL;
    if ((lease = net_child(node, "lease")) && !net_lease_parse(lease, who, &host->lease, error))
        return NULL;
    if (partial && !host->mac && !host->id && !host->name && !ip) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: a static host needs at least one of mac, id, name or ip", who);
        return NULL;
    }
    return g_steal_pointer(&host);
}

static ProvNetIpDef *
net_ip_parse(xmlNode *node, const char *who, GError **error)
{
    g_autoptr(ProvNetIpDef) ip = net_ip_def_new();
    g_autofree char *family = prov_xml_prop_string(node, "family");
    g_autofree char *address = prov_xml_prop_string(node, "address");
    g_autofree char *prefix = prov_xml_prop_string(node, "prefix");
    xmlNode *c;

    if (family) {
        ip->family_explicit = true;
        if (g_str_equal(family, "ipv4")) {
            ip->family = AF_INET;
        } else if (g_str_equal(family, "ipv6")) {
            ip->family = AF_INET6;
        } else {
            g_autofree char *shown = prov_net_xml_shown(family);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: unknown family='%s' in <ip> (expected 'ipv4' or 'ipv6')", who, shown);
            return NULL;
        }
    }
    if (!address) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <ip> needs an address='...'", who);
        return NULL;
    }
    if (!net_attr_addr(node, "address", AF_UNSPEC, who, &ip->address, error) ||
        !net_attr_addr(node, "netmask", AF_UNSPEC, who, &ip->netmask, error))
        return NULL;
    if (prefix && g_str_equal(prefix, "0")) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: invalid prefix '0' for <ip address='%s'>: the bridge address needs "
                    "a subnet (a prefix from 1 to %u)", who, address,
                    ip->family == AF_INET6 ? 128 : 32);
        return NULL;
    }
    if (!net_attr_uint(node, "prefix", 1, G_MAXUINT32, who, &ip->prefix, error))
        return NULL;
    if (!prov_net_xml_attr_tristate(node, "localPtr", who, &ip->local_ptr, error))
        return NULL;

    for (c = node->children; c; c = c->next) {
        if (net_elem_is(c, "tftp")) {
            if (ip->tftp_root) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                            "%s: more than one <tftp> in <ip address='%s'>", who, address);
                return NULL;
            }
            if (!(ip->tftp_root = prov_xml_prop_string(c, "root")) || !ip->tftp_root[0]) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                            "%s: <tftp> needs a root='...' directory", who);
                return NULL;
            }
        } else if (net_elem_is(c, "dhcp")) {
            xmlNode *d;

            for (d = c->children; d; d = d->next) {
                if (net_elem_is(d, "range")) {
                    ProvNetDhcpRange *range = net_range_parse(d, who, error);

                    if (!range)
                        return NULL;
                    g_ptr_array_add(ip->ranges, range);
                } else if (net_elem_is(d, "host")) {
                    ProvNetDhcpHost *host = net_host_parse(d, who, false, error);

                    if (!host)
                        return NULL;
                    g_ptr_array_add(ip->hosts, host);
                } else if (net_elem_is(d, "bootp")) {
                    if (ip->bootp_file) {
                        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                                    "%s: more than one <bootp> in <dhcp>", who);
                        return NULL;
                    }
                    if (!(ip->bootp_file = prov_xml_prop_string(d, "file")) ||
                        !ip->bootp_file[0]) {
                        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                                    "%s: <bootp> needs a file='...'", who);
                        return NULL;
                    }
                    if (!net_attr_addr(d, "server", AF_UNSPEC, who, &ip->bootp_server, error))
                        return NULL;
                }
            }
        }
    }
    return g_steal_pointer(&ip);
}

static ProvNetRoute *
net_route_parse(xmlNode *node, const char *who, GError **error)
{
    g_autofree ProvNetRoute *route = g_new0(ProvNetRoute, 1);
    g_autofree char *family = prov_xml_prop_string(node, "family");
    g_autofree char *address = prov_xml_prop_string(node, "address");
    g_autofree char *gateway = prov_xml_prop_string(node, "gateway");
    g_autofree char *metric = prov_xml_prop_string(node, "metric");

    route->family = AF_INET;
    if (family) {
        route->family_explicit = true;
        if (g_str_equal(family, "ipv4")) {
            route->family = AF_INET;
        } else if (g_str_equal(family, "ipv6")) {
            route->family = AF_INET6;
        } else {
            g_autofree char *shown = prov_net_xml_shown(family);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: unknown family='%s' in <route> (expected 'ipv4' or 'ipv6')", who,
                        shown);
            return NULL;
        }
    }
    if (!address || !gateway) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <route> needs both address='...' and gateway='...'", who);
        return NULL;
    }
    if (!net_attr_addr(node, "address", AF_UNSPEC, who, &route->address, error) ||
        !net_attr_addr(node, "gateway", AF_UNSPEC, who, &route->gateway, error) ||
        !net_attr_addr(node, "netmask", AF_UNSPEC, who, &route->netmask, error) ||
        !net_attr_uint(node, "prefix", 0, G_MAXUINT32, who, &route->prefix, error))
        return NULL;
    if (metric && g_str_equal(metric, "0")) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: invalid metric '0' in <route address='%s'>: it must be greater than 0",
                    who, address);
        return NULL;
    }
    if (!net_attr_uint(node, "metric", 1, G_MAXUINT32, who, &route->metric, error))
        return NULL;
    return g_steal_pointer(&route);
}

/* PCI address attributes (hex with 0x, as libvirt writes them); absent ones are 0. */
bool
prov_net_xml_pci_parse(xmlNode *node, const char *who, ProvNetPciAddr *pci, GError **error)
{
    memset(pci, 0, sizeof(*pci));
    return net_attr_uint_base(node, "domain", 0, 0, 0xffff, who, &pci->domain, error) &&
           net_attr_uint_base(node, "bus", 0, 0, 0xff, who, &pci->bus, error) &&
           net_attr_uint_base(node, "slot", 0, 0, 0x1f, who, &pci->slot, error) &&
           net_attr_uint_base(node, "function", 0, 0, 7, who, &pci->function, error);
}

/* <virtualport> parameters in libvirt's output order. */
static const char *const net_vport_param_names[] = {
    "managerid", "typeid", "typeidversion", "instanceid", "interfaceid", "profileid",
};

static bool
net_vport_param_allowed(ProvNetVirtPortType type, const char *name)
{
    switch (type) {
    case PROV_NET_VPORT_NONE:
        return true;
    case PROV_NET_VPORT_8021QBG:
        return g_str_equal(name, "managerid") || g_str_equal(name, "typeid") ||
               g_str_equal(name, "typeidversion") || g_str_equal(name, "instanceid");
    case PROV_NET_VPORT_8021QBH:
        return g_str_equal(name, "profileid");
    case PROV_NET_VPORT_OPENVSWITCH:
        return g_str_equal(name, "profileid") || g_str_equal(name, "interfaceid");
    case PROV_NET_VPORT_MIDONET:
        return g_str_equal(name, "interfaceid");
    case PROV_NET_VPORT_LAST:
        break;
    }
    return false;
}

ProvNetVirtPort *
prov_net_xml_virtport_parse(xmlNode *node, bool require_type, const char *who, GError **error)
{
    g_autoptr(ProvNetVirtPort) vport = net_virtport_new();
    xmlNode *params = net_child(node, "parameters");
    int type = PROV_NET_VPORT_NONE;
    int rc;
    gsize i;

    rc = net_attr_enum(node, "type", prov_net_virtport_type_from_string, who, &type, error);
    if (rc < 0)
        return NULL;
    if (rc == 0 && require_type) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <virtualport> needs a type='...'", who);
        return NULL;
    }
    vport->type = type;

    for (i = 0; params && i < G_N_ELEMENTS(net_vport_param_names); i++) {
        const char *name = net_vport_param_names[i];
        g_autofree char *value = prov_xml_prop_string(params, name);
        g_autofree char *shown = NULL;
        g_autofree char *norm = NULL;
        ProvNetVirtPortParam *param;
        guint64 v = 0;
        guint8 uuid[16];

        if (!value)
            continue;
        shown = prov_net_xml_shown(value);
        if (!net_vport_param_allowed(vport->type, name)) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: parameter %s='%s' is not allowed in <virtualport type='%s'>", who,
                        name, shown, net_virtport_names[vport->type]);
            return NULL;
        }
        if (g_str_equal(name, "managerid") || g_str_equal(name, "typeidversion") ||
            g_str_equal(name, "typeid")) {
            guint64 max = g_str_equal(name, "typeid") ? 0xffffff : 0xff;

            if (!net_parse_u64(value, 0, &v) || v > max) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                            "%s: invalid <virtualport> parameter %s='%s': expected a number "
                            "from 0 to %" G_GUINT64_FORMAT, who, name, shown, max);
                return NULL;
            }
            norm = g_strdup_printf("%" G_GUINT64_FORMAT, v);
        } else if (g_str_equal(name, "instanceid") || g_str_equal(name, "interfaceid")) {
            char buf[37];

            if (!prov_net_uuid_parse(value, uuid)) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                            "%s: invalid <virtualport> parameter %s='%s': expected a UUID",
                            who, name, shown);
                return NULL;
            }
            prov_net_uuid_format(uuid, buf);
            norm = g_strdup(buf);
        } else {
            if (!value[0] || strlen(value) > 39) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                            "%s: invalid <virtualport> profileid='%s': 1 to 39 characters "
                            "expected", who, shown);
                return NULL;
            }
            if (!net_check_text(who, "virtualport profileid", value, error))
                return NULL;
            norm = g_strdup(value);
        }
        param = g_new0(ProvNetVirtPortParam, 1);
        param->name = g_strdup(name);
        param->value = g_steal_pointer(&norm);
        g_ptr_array_add(vport->params, param);
    }
    if (vport->type == PROV_NET_VPORT_MIDONET && !prov_net_virtport_param(vport, "interfaceid")) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <virtualport type='midonet'> needs <parameters interfaceid='...'/>",
                    who);
        return NULL;
    }
    return g_steal_pointer(&vport);
}

/* Rates are kB/s and burst KiB; libvirt's schema caps speeds at 2^54. */
#define NET_SPEED_MAX G_GUINT64_CONSTANT(18014398509481984)

static bool
net_rate_parse(xmlNode *node, bool allow_floor, const char *who, ProvNetBandwidthRate **ret,
               GError **error)
{
    g_autofree ProvNetBandwidthRate *rate = g_new0(ProvNetBandwidthRate, 1);
    const char *dir = net_node_name(node);

    if (net_attr_number(node, "average", 10, 1, NET_SPEED_MAX, who, &rate->average, error) < 0 ||
        net_attr_number(node, "peak", 10, 1, NET_SPEED_MAX, who, &rate->peak, error) < 0 ||
        net_attr_number(node, "floor", 10, 1, NET_SPEED_MAX, who, &rate->floor, error) < 0 ||
        net_attr_number(node, "burst", 10, 1, G_MAXUINT32, who, &rate->burst, error) < 0)
        return false;
    if (rate->floor && !allow_floor) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: floor='%" G_GUINT64_FORMAT "' in <%s> is only supported in the "
                    "<inbound> of a network port", who, rate->floor, dir);
        return false;
    }
    if (!rate->average && !rate->floor) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <%s> of <bandwidth> needs average='...'", who, dir);
        return false;
    }
    if ((rate->peak || rate->burst) && !rate->average) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: peak and burst in <%s> of <bandwidth> need average='...'", who, dir);
        return false;
    }
    *ret = g_steal_pointer(&rate);
    return true;
}

/* @allow_floor: network ports may reserve a floor on their inbound rate. */
bool
prov_net_xml_bandwidth_parse(xmlNode *node, bool allow_floor, const char *who,
                             ProvNetBandwidth **ret, GError **error)
{
    g_autoptr(ProvNetBandwidth) bw = g_new0(ProvNetBandwidth, 1);
    xmlNode *in = net_child(node, "inbound");
    xmlNode *out = net_child(node, "outbound");

    if (net_count_children(node, "inbound") > 1 || net_count_children(node, "outbound") > 1) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <bandwidth> allows one <inbound> and one <outbound>", who);
        return false;
    }
    if (!net_attr_uint(node, "classID", 1, G_MAXUINT32, who, &bw->class_id, error))
        return false;
    if (in && !net_rate_parse(in, allow_floor, who, &bw->in, error))
        return false;
    if (out && !net_rate_parse(out, false, who, &bw->out, error))
        return false;
    /* An empty <bandwidth/> limits nothing: keep none, as libvirt does. */
    *ret = (bw->in || bw->out || bw->class_id) ? g_steal_pointer(&bw) : NULL;
    return true;
}

bool
prov_net_xml_vlan_parse(xmlNode *node, const char *who, ProvNetVlan *vlan, GError **error)
{
    g_autofree char *trunk = prov_xml_prop_string(node, "trunk");
    xmlNode *c;
    guint i;

    for (c = node->children; c; c = c->next) {
        unsigned int id = G_MAXUINT;
        int mode = 0;
        int rc;

        if (!net_elem_is(c, "tag"))
            continue;
        if (!net_has_attr(c, "id")) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: <tag> of <vlan> needs an id='...'", who);
            return false;
        }
        if (!net_attr_uint(c, "id", 0, 4095, who, &id, error))
            return false;
        for (i = 0; i < vlan->tags->len; i++) {
            if (g_array_index(vlan->tags, guint, i) == id) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                            "%s: vlan tag '%u' is listed more than once", who, id);
                return false;
            }
        }
        rc = net_attr_enum(c, "nativeMode", prov_net_vlan_native_mode_from_string, who, &mode,
                           error);
        if (rc < 0)
            return false;
        if (rc > 0) {
            if (vlan->native_mode != PROV_NET_VLAN_NATIVE_DEFAULT) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                            "%s: more than one native vlan tag (%u and %u)", who,
                            vlan->native_tag, id);
                return false;
            }
            vlan->native_mode = mode;
            vlan->native_tag = id;
        }
        g_array_append_val(vlan->tags, id);
    }
    if (vlan->tags->len == 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <vlan> needs at least one <tag id='n'/>", who);
        return false;
    }
    vlan->trunk = vlan->tags->len > 1;
    if (trunk) {
        if (g_str_equal(trunk, "yes")) {
            vlan->trunk = true;
        } else if (g_str_equal(trunk, "no")) {
            if (vlan->tags->len > 1 || vlan->native_mode != PROV_NET_VLAN_NATIVE_DEFAULT) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                            "%s: trunk='no' in <vlan> is not possible with several tags or a "
                            "native tag", who);
                return false;
            }
        } else {
            g_autofree char *shown = prov_net_xml_shown(trunk);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: invalid trunk='%s' in <vlan>: expected 'yes' or 'no'", who, shown);
            return false;
        }
    }
    return true;
}

static bool
net_nat_parse(xmlNode *node, ProvNetForward *fwd, const char *who, GError **error)
{
    xmlNode *addr = net_child(node, "address");
    xmlNode *port = net_child(node, "port");

    if (!prov_net_xml_attr_tristate(node, "ipv6", who, &fwd->nat_ipv6, error))
        return false;
    if (net_count_children(node, "address") > 1 || net_count_children(node, "port") > 1) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <nat> allows one <address> and one <port>", who);
        return false;
    }
    if (addr) {
        if (!net_has_attr(addr, "start") || !net_has_attr(addr, "end")) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: <address> of <nat> needs both start='...' and end='...'", who);
            return false;
        }
        if (!net_attr_addr(addr, "start", AF_INET, who, &fwd->nat_addr_start, error) ||
            !net_attr_addr(addr, "end", AF_INET, who, &fwd->nat_addr_end, error))
            return false;
    }
    if (port) {
        if (!net_has_attr(port, "start") || !net_has_attr(port, "end")) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: <port> of <nat> needs both start='...' and end='...'", who);
            return false;
        }
        if (!net_attr_uint(port, "start", 1, 65535, who, &fwd->nat_port_start, error) ||
            !net_attr_uint(port, "end", 1, 65535, who, &fwd->nat_port_end, error))
            return false;
    }
    return true;
}

static bool
net_forward_parse(xmlNode *node, ProvNetworkDef *def, const char *who, GError **error)
{
    ProvNetForward *fwd = &def->forward;
    g_autofree char *dev = prov_xml_prop_string(node, "dev");
    xmlNode *driver = net_child(node, "driver");
    xmlNode *nat = net_child(node, "nat");
    ProvNetTristate managed;
    bool dev_matched = false;
    xmlNode *c;
    int mode = PROV_NET_FORWARD_NAT;
    int v;
    int rc;

    /* <forward/> without a mode is NAT, libvirt's historical default. */
    if (net_attr_enum(node, "mode", prov_net_forward_mode_from_string, who, &mode, error) < 0)
        return false;
    fwd->mode = mode;
    if (!prov_net_xml_attr_tristate(node, "managed", who, &managed, error))
        return false;
    fwd->managed = managed == PROV_NET_TRISTATE_YES;
    if (driver) {
        rc = net_attr_enum(driver, "name", prov_net_forward_driver_name_from_string, who, &v,
                           error);
        if (rc < 0)
            return false;
        if (rc > 0)
            fwd->driver_name = v;
        fwd->driver_model = prov_xml_prop_string(driver, "model");
        if (fwd->driver_model && !net_is_device_name(fwd->driver_model)) {
            g_autofree char *shown = prov_net_xml_shown(fwd->driver_model);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: invalid <driver model='%s'> in <forward>", who, shown);
            return false;
        }
    }
    if (net_count_children(node, "interface") > 0 && net_count_children(node, "address") > 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <interface> and <address> in <forward> are mutually exclusive", who);
        return false;
    }
    if (net_count_children(node, "pf") > 1) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: only one <pf> is allowed in <forward>", who);
        return false;
    }
    if (net_count_children(node, "nat") > 1) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: only one <nat> is allowed in <forward>", who);
        return false;
    }
    if (dev && (net_count_children(node, "address") > 0 || net_count_children(node, "pf") > 0)) {
        g_autofree char *shown = prov_net_xml_shown(dev);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <forward dev='%s'> cannot be combined with <address> or <pf>", who, shown);
        return false;
    }
    if (dev) {
        ProvNetForwardIf *fif = g_new0(ProvNetForwardIf, 1);

        fif->type = PROV_NET_FORWARD_IF_NETDEV;
        fif->dev = g_strdup(dev);
        g_ptr_array_add(fwd->ifs, fif);
    }

    for (c = node->children; c; c = c->next) {
        if (net_elem_is(c, "interface")) {
            g_autofree char *idev = prov_xml_prop_string(c, "dev");
            ProvNetForwardIf *fif;

            if (!idev || !idev[0]) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                            "%s: <interface> in <forward> needs a dev='...'", who);
                return false;
            }
            if (dev && !dev_matched) {
                /* <forward dev='X'> is a shorthand for the first <interface dev='X'/>. */
                if (!g_str_equal(idev, dev)) {
                    g_autofree char *s1 = prov_net_xml_shown(dev);
                    g_autofree char *s2 = prov_net_xml_shown(idev);

                    g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                                "%s: <forward dev='%s'> must match the first <interface "
                                "dev='%s'/>",
                                who, s1, s2);
                    return false;
                }
                dev_matched = true;
                fif = g_ptr_array_index(fwd->ifs, 0);
            } else {
                fif = g_new0(ProvNetForwardIf, 1);
                fif->type = PROV_NET_FORWARD_IF_NETDEV;
                fif->dev = g_steal_pointer(&idev);
                g_ptr_array_add(fwd->ifs, fif);
            }
            if (!net_attr_uint(c, "connections", 0, G_MAXUINT32, who, &fif->connections,
                               error))
                return false;
        } else if (net_elem_is(c, "address")) {
            g_autofree char *type = prov_xml_prop_string(c, "type");
            g_autoptr(ProvNetForwardIf) fif = g_new0(ProvNetForwardIf, 1);

            if (!type || !g_str_equal(type, "pci")) {
                g_autofree char *shown = prov_net_xml_shown(type);

                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                            "%s: <address> in <forward> needs type='pci', not '%s'", who, shown);
                return false;
            }
            fif->type = PROV_NET_FORWARD_IF_PCI;
            if (!prov_net_xml_pci_parse(c, who, &fif->pci, error) ||
                !net_attr_uint(c, "connections", 0, G_MAXUINT32, who, &fif->connections, error))
                return false;
            g_ptr_array_add(fwd->ifs, g_steal_pointer(&fif));
        } else if (net_elem_is(c, "pf")) {
            fwd->pf_dev = prov_xml_prop_string(c, "dev");
            if (!fwd->pf_dev || !fwd->pf_dev[0]) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                            "%s: <pf> in <forward> needs a dev='...'", who);
                return false;
            }
        }
    }
    if (nat) {
        if (fwd->mode != PROV_NET_FORWARD_NAT) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: <nat> is only allowed with forward mode 'nat', not '%s'", who,
                        net_forward_mode_names[fwd->mode]);
            return false;
        }
        if (!net_nat_parse(nat, fwd, who, error))
            return false;
    }
    return true;
}

/* ---- DNS records (also net-update snippets) ---------------------------------------- */

static bool
net_txt_check(const char *who, const ProvNetDnsTxt *txt, bool partial, GError **error)
{
    if (!txt->name || !txt->name[0]) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: DNS <txt> record needs a name='...'", who);
        return false;
    }
    if (strpbrk(txt->name, " ,") || !net_check_text(who, "DNS TXT record name", txt->name,
                                                      NULL)) {
        g_autofree char *shown = prov_net_xml_shown(txt->name);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: DNS TXT record name '%s' must not contain spaces, commas or control "
                    "characters",
                    who, shown);
        return false;
    }
    if (!txt->value && !partial) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: DNS TXT record '%s' needs a value='...'", who, txt->name);
        return false;
    }
    return net_check_text(who, "DNS TXT record value", txt->value, error);
}

static ProvNetDnsTxt *
net_txt_parse(xmlNode *node, const char *who, bool partial, GError **error)
{
    g_autoptr(ProvNetDnsTxt) txt = g_new0(ProvNetDnsTxt, 1);

    txt->name = prov_xml_prop_string(node, "name");
    txt->value = prov_xml_prop_string(node, "value");
    if (!net_txt_check(who, txt, partial, error))
        return NULL;
    return g_steal_pointer(&txt);
}

static bool
net_srv_check(const char *who, const ProvNetDnsSrv *srv, bool partial, GError **error)
{
    const char *p;

    if (!partial && (!srv->service || !srv->protocol)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: DNS <srv> record needs service='...' and protocol='...'", who);
        return false;
    }
    if (partial && !srv->service && !srv->protocol) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: DNS <srv> record needs service='...' or protocol='...'", who);
        return false;
    }
    if (srv->service) {
        bool ok = srv->service[0] && strlen(srv->service) <= NET_SRV_SERVICE_MAX;

        for (p = srv->service; ok && *p; p++)
            ok = g_ascii_isalnum(*p) || strchr("_+/*-", *p);
        if (!ok) {
            g_autofree char *shown = prov_net_xml_shown(srv->service);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: invalid DNS SRV service '%s': 1 to %d characters of "
                        "[A-Za-z0-9_+/*-] expected",
                        who, shown, NET_SRV_SERVICE_MAX);
            return false;
        }
    }
    if (srv->protocol && !g_str_equal(srv->protocol, "tcp") &&
        !g_str_equal(srv->protocol, "udp")) {
        g_autofree char *shown = prov_net_xml_shown(srv->protocol);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: invalid DNS SRV protocol '%s': expected 'tcp' or 'udp'", who, shown);
        return false;
    }
    if (srv->domain && !net_is_dns_name(srv->domain)) {
        g_autofree char *shown = prov_net_xml_shown(srv->domain);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: invalid DNS SRV domain '%s'", who, shown);
        return false;
    }
    if (srv->target && !net_is_dns_name(srv->target)) {
        g_autofree char *shown = prov_net_xml_shown(srv->target);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: invalid DNS SRV target '%s'", who, shown);
        return false;
    }
    if (!srv->target && (srv->port || srv->priority || srv->weight)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: DNS SRV record '%s': port, priority and weight need a target='...'",
                    who, srv->service ? srv->service : "");
        return false;
    }
    return true;
}

static ProvNetDnsSrv *
net_srv_parse(xmlNode *node, const char *who, bool partial, GError **error)
{
    g_autoptr(ProvNetDnsSrv) srv = g_new0(ProvNetDnsSrv, 1);

    srv->service = prov_xml_prop_string(node, "service");
    srv->protocol = prov_xml_prop_string(node, "protocol");
    srv->domain = prov_xml_prop_string(node, "domain");
    srv->target = prov_xml_prop_string(node, "target");
    if (!srv->target && (net_has_attr(node, "port") || net_has_attr(node, "priority") ||
                         net_has_attr(node, "weight"))) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: DNS SRV record '%s': port, priority and weight need a target='...'",
                    who, srv->service ? srv->service : "");
        return NULL;
    }
    if (!net_attr_uint(node, "port", 0, 65535, who, &srv->port, error) ||
        !net_attr_uint(node, "priority", 0, 65535, who, &srv->priority, error) ||
        !net_attr_uint(node, "weight", 0, 65535, who, &srv->weight, error) ||
        !net_srv_check(who, srv, partial, error))
        return NULL;
    return g_steal_pointer(&srv);
}

static bool
net_dns_host_check(const char *who, const ProvNetDnsHost *host, bool partial, GError **error)
{
    guint i;

    if (!partial && !prov_net_addr_is_set(&host->ip)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: DNS <host> record needs an ip='...'", who);
        return false;
    }
    if (!partial && host->hostnames->len == 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: DNS <host> record needs at least one <hostname>", who);
        return false;
    }
    if (partial && !prov_net_addr_is_set(&host->ip) && host->hostnames->len == 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: DNS <host> record needs an ip='...' or a <hostname>", who);
        return false;
    }
    for (i = 0; i < host->hostnames->len; i++) {
        const char *name = g_ptr_array_index(host->hostnames, i);

        if (!net_is_dns_name(name)) {
            g_autofree char *shown = prov_net_xml_shown(name);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: invalid DNS hostname '%s'", who, shown);
            return false;
        }
    }
    return true;
}

static ProvNetDnsHost *
net_dns_host_parse(xmlNode *node, const char *who, bool partial, GError **error)
{
    g_autoptr(ProvNetDnsHost) host = net_dns_host_new();
    xmlNode *c;

    if (!net_attr_addr(node, "ip", AF_UNSPEC, who, &host->ip, error))
        return NULL;
    for (c = node->children; c; c = c->next) {
        if (net_elem_is(c, "hostname"))
            g_ptr_array_add(host->hostnames, prov_xml_node_text(c));
    }
    if (!net_dns_host_check(who, host, partial, error))
        return NULL;
    return g_steal_pointer(&host);
}

static bool
net_dns_parse(xmlNode *node, ProvNetDns *dns, const char *who, GError **error)
{
    xmlNode *c;

    if (!prov_net_xml_attr_tristate(node, "enable", who, &dns->enable, error) ||
        !prov_net_xml_attr_tristate(node, "forwardPlainNames", who, &dns->forward_plain_names,
                                    error))
        return false;
    for (c = node->children; c; c = c->next) {
        if (net_elem_is(c, "forwarder")) {
            ProvNetDnsForwarder *fwd = g_new0(ProvNetDnsForwarder, 1);

            g_ptr_array_add(dns->forwarders, fwd);
            fwd->domain = prov_xml_prop_string(c, "domain");
            if (!net_attr_addr(c, "addr", AF_UNSPEC, who, &fwd->addr, error))
                return false;
        } else if (net_elem_is(c, "txt")) {
            ProvNetDnsTxt *txt = net_txt_parse(c, who, false, error);

            if (!txt)
                return false;
            g_ptr_array_add(dns->txts, txt);
        } else if (net_elem_is(c, "srv")) {
            ProvNetDnsSrv *srv = net_srv_parse(c, who, false, error);

            if (!srv)
                return false;
            g_ptr_array_add(dns->srvs, srv);
        } else if (net_elem_is(c, "host")) {
            ProvNetDnsHost *host = net_dns_host_parse(c, who, false, error);

            if (!host)
                return false;
            g_ptr_array_add(dns->hosts, host);
        }
    }
    return true;
}

static ProvNetPortGroup *
net_portgroup_parse(xmlNode *node, const char *who, GError **error)
{
    g_autoptr(ProvNetPortGroup) pg = net_portgroup_new();
    ProvNetTristate is_default;
    xmlNode *c;

    pg->name = prov_xml_prop_string(node, "name");
    if (!pg->name || !net_is_device_name(pg->name)) {
        g_autofree char *shown = prov_net_xml_shown(pg->name);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <portgroup> needs a valid name='...' (got '%s')", who, shown);
        return NULL;
    }
    if (!prov_net_xml_attr_tristate(node, "default", who, &is_default, error) ||
        !prov_net_xml_attr_tristate(node, "trustGuestRxFilters", who, &pg->trust_guest_rx_filters,
                                    error))
        return NULL;
    pg->is_default = is_default == PROV_NET_TRISTATE_YES;
    if ((c = net_child(node, "virtualport")) &&
        !(pg->virtualport = prov_net_xml_virtport_parse(c, false, who, error)))
        return NULL;
    if ((c = net_child(node, "bandwidth")) &&
        !prov_net_xml_bandwidth_parse(c, false, who, &pg->bandwidth, error))
        return NULL;
    if ((c = net_child(node, "vlan")) && !prov_net_xml_vlan_parse(c, who, &pg->vlan, error))
        return NULL;
    return g_steal_pointer(&pg);
}

/* ---- semantic checks ------------------------------------------------------------------ */

/* "192.168.122.0/24" for messages. */
static char *
net_subnet_string(const ProvNetIpDef *ip)
{
    char buf[PROV_NET_ADDR_STRLEN];
    ProvNetAddr net;

    if (!prov_net_ip_def_network(ip, &net))
        return g_strdup(prov_net_addr_to_string(&ip->address, buf));
    return g_strdup_printf("%s/%d", prov_net_addr_to_string(&net, buf),
                           prov_net_ip_def_prefix(ip));
}

/*
 * A DHCP range lies inside its <ip>'s subnet, is not reversed, does not start at the
 * network address or end at the IPv4 broadcast address, and holds at most 65535
 * addresses (dnsmasq's lease database and libvirt's limit).
 */
static bool
net_range_check(const char *who, const ProvNetIpDef *ip, const ProvNetDhcpRange *range,
                GError **error)
{
    char s[PROV_NET_ADDR_STRLEN];
    char e[PROV_NET_ADDR_STRLEN];
    g_autofree char *subnet = net_subnet_string(ip);
    ProvNetAddr net;
    ProvNetAddr bcast;
    gint64 size;

    prov_net_addr_to_string(&range->start, s);
    prov_net_addr_to_string(&range->end, e);
    if (range->start.family != range->end.family || range->start.family != ip->family) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: DHCP range '%s' - '%s' does not match the %s family of subnet %s",
                    who, s, e, net_family_name(ip->family), subnet);
        return false;
    }
    if (!prov_net_ip_def_contains(ip, &range->start) ||
        !prov_net_ip_def_contains(ip, &range->end)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: DHCP range '%s' - '%s' is not within subnet %s", who, s, e, subnet);
        return false;
    }
    if (prov_net_addr_compare(&range->start, &range->end) > 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: DHCP range '%s' - '%s' is reversed (its start is after its end)", who,
                    s, e);
        return false;
    }
    if (ip->family == AF_INET && prov_net_ip_def_network(ip, &net) &&
        prov_net_ip_def_broadcast(ip, &bcast)) {
        if (prov_net_addr_equal(&range->start, &net)) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                        "%s: DHCP range '%s' - '%s' starts at the network address of subnet %s",
                        who, s, e, subnet);
            return false;
        }
        if (prov_net_addr_equal(&range->end, &bcast)) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                        "%s: DHCP range '%s' - '%s' ends at the broadcast address of subnet %s",
                        who, s, e, subnet);
            return false;
        }
    }
    size = prov_net_range_size(&range->start, &range->end);
    if (size > 65535) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: DHCP range '%s' - '%s' is too large (%s%" G_GINT64_FORMAT
                    " addresses, at most 65535)", who, s, e, size == G_MAXINT64 ? "over " : "",
                    size);
        return false;
    }
    return true;
}

/* A complete static host of @ip: what dnsmasq needs to hand out its address. */
static bool
net_host_check(const char *who, const ProvNetIpDef *ip, const ProvNetDhcpHost *host,
               GError **error)
{
    char addr[PROV_NET_ADDR_STRLEN];
    g_autofree char *subnet = net_subnet_string(ip);

    if (ip->family == AF_INET6 && host->mac) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: static host with mac='%s' in IPv6 subnet %s: IPv6 hosts are matched "
                    "by id (DUID) or name, not by MAC", who, host->mac, subnet);
        return false;
    }
    if (ip->family == AF_INET6 && !host->id && !host->name) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: static host in IPv6 subnet %s needs an id='...' or a name='...'", who,
                    subnet);
        return false;
    }
    if (ip->family == AF_INET && !host->mac && !host->name) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: static host in IPv4 subnet %s needs a mac='...' or a name='...'", who,
                    subnet);
        return false;
    }
    if (!prov_net_addr_is_set(&host->ip)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: static host '%s' in subnet %s needs an ip='...'", who,
                    host->mac ? host->mac : host->name ? host->name : host->id, subnet);
        return false;
    }
    prov_net_addr_to_string(&host->ip, addr);
    if (host->ip.family != ip->family || !prov_net_ip_def_contains(ip, &host->ip)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: static host IP '%s' is not within subnet %s", who, addr, subnet);
        return false;
    }
    return true;
}

static bool
net_ip_check(const char *who, const ProvNetIpDef *ip, GError **error)
{
    char addr[PROV_NET_ADDR_STRLEN];
    char mask[PROV_NET_ADDR_STRLEN];
    unsigned int bits = prov_net_family_bits(ip->family);
    guint i;
    guint j;

    prov_net_addr_to_string(&ip->address, addr);
    if (!prov_net_addr_is_set(&ip->address)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <ip> needs an address='...'", who);
        return false;
    }
    if (ip->address.family != ip->family) {
        if (ip->family == AF_INET && !ip->family_explicit)
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: IPv6 address '%s' in <ip> needs family='ipv6'", who, addr);
        else
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: family '%s' of <ip> does not match address '%s'", who,
                        prov_net_family_to_string(ip->family), addr);
        return false;
    }
    if (prov_net_addr_is_set(&ip->netmask)) {
        int p = prov_net_netmask_to_prefix(&ip->netmask);

        prov_net_addr_to_string(&ip->netmask, mask);
        if (ip->family == AF_INET6) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: netmask='%s' is not allowed for IPv6 address '%s' (use prefix)",
                        who, mask, addr);
            return false;
        }
        if (ip->netmask.family != AF_INET) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: netmask '%s' of address '%s' is not an IPv4 netmask", who, mask,
                        addr);
            return false;
        }
        if (ip->prefix > 0) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: <ip address='%s'> has both netmask='%s' and prefix='%u': give "
                        "only one", who, addr, mask, ip->prefix);
            return false;
        }
        if (p <= 0) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                        "%s: invalid netmask '%s' for address '%s'%s", who, mask, addr,
                        p == 0 ? ": the bridge address needs a subnet" : "");
            return false;
        }
    }
    if (ip->prefix > bits) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: invalid %s prefix '%u' for address '%s' (1 to %u)", who,
                    net_family_name(ip->family), ip->prefix, addr, bits);
        return false;
    }
    if (prov_net_ip_def_prefix(ip) < 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: no subnet for address '%s': give prefix='...' or netmask='...'", who,
                    addr);
        return false;
    }
    if (ip->tftp_root && ip->family != AF_INET) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: <tftp> is not supported in IPv6 <ip address='%s'>", who, addr);
        return false;
    }
    if (ip->bootp_file && ip->family != AF_INET) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: <bootp> is not supported in IPv6 <ip address='%s'>", who, addr);
        return false;
    }
    if (prov_net_addr_is_set(&ip->bootp_server) && ip->bootp_server.family != AF_INET) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: <bootp server='%s'> must be an IPv4 address", who,
                    prov_net_addr_to_string(&ip->bootp_server, mask));
        return false;
    }
    if (!net_check_text(who, "tftp root", ip->tftp_root, error) ||
        !net_check_text(who, "bootp file", ip->bootp_file, error))
        return false;
    for (i = 0; i < ip->ranges->len; i++) {
        if (!net_range_check(who, ip, g_ptr_array_index(ip->ranges, i), error))
            return false;
    }
    for (i = 0; i < ip->hosts->len; i++) {
        const ProvNetDhcpHost *h = g_ptr_array_index(ip->hosts, i);

        if (!net_host_check(who, ip, h, error))
            return false;
        for (j = 0; j < i; j++) {
            const ProvNetDhcpHost *o = g_ptr_array_index(ip->hosts, j);

            if (h->mac && o->mac && g_ascii_strcasecmp(h->mac, o->mac) == 0) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                            "%s: two static hosts have the same MAC address '%s'", who,
                            h->mac);
                return false;
            }
            if (h->id && o->id && g_ascii_strcasecmp(h->id, o->id) == 0) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                            "%s: two static hosts have the same id '%s'", who, h->id);
                return false;
            }
            if (prov_net_addr_equal(&h->ip, &o->ip)) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                            "%s: two static hosts have the same IP address '%s'", who,
                            prov_net_addr_to_string(&h->ip, mask));
                return false;
            }
        }
    }
    return true;
}

static bool
net_route_check(const char *who, const ProvNetworkDef *def, const ProvNetRoute *route,
                GError **error)
{
    char addr[PROV_NET_ADDR_STRLEN];
    char gw[PROV_NET_ADDR_STRLEN];
    char mask[PROV_NET_ADDR_STRLEN];
    unsigned int bits = prov_net_family_bits(route->family);
    unsigned int prefix;
    ProvNetAddr net;
    guint i;

    prov_net_addr_to_string(&route->address, addr);
    prov_net_addr_to_string(&route->gateway, gw);
    if (route->address.family != route->family || route->gateway.family != route->family) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <route address='%s' gateway='%s'>: both addresses must be %s%s", who,
                    addr, gw, net_family_name(route->family),
                    route->family_explicit ? "" : " (an IPv6 route needs family='ipv6')");
        return false;
    }
    if (prov_net_addr_is_set(&route->netmask)) {
        prov_net_addr_to_string(&route->netmask, mask);
        if (route->family != AF_INET || route->netmask.family != AF_INET) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: netmask='%s' of <route address='%s'> must be an IPv4 netmask of "
                        "an IPv4 route", who, mask, addr);
            return false;
        }
        if (route->prefix > 0) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: <route address='%s'> has both netmask and prefix", who, addr);
            return false;
        }
        if (prov_net_netmask_to_prefix(&route->netmask) < 0) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                        "%s: invalid netmask '%s' in <route address='%s'>", who, mask, addr);
            return false;
        }
    }
    if (route->prefix > bits) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: invalid %s prefix '%u' in <route address='%s'> (0 to %u)", who,
                    net_family_name(route->family), route->prefix, addr, bits);
        return false;
    }
    prefix = prov_net_route_prefix(route);
    prov_net_addr_mask(&route->address, prefix, &net);
    if (!prov_net_addr_equal(&net, &route->address)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: route address '%s' is not a network address for prefix %u (did you "
                    "mean '%s'?)", who, addr, prefix, prov_net_addr_to_string(&net, mask));
        return false;
    }
    for (i = 0; i < def->ips->len; i++) {
        const ProvNetIpDef *ip = g_ptr_array_index(def->ips, i);

        if (ip->family == route->family && prov_net_ip_def_contains(ip, &route->gateway))
            return true;
    }
    g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                "%s: unreachable static route gateway '%s' for route '%s/%u': it is not "
                "inside any <ip> subnet of the network", who, gw, addr, prefix);
    return false;
}

static bool
net_dns_check(const char *who, const ProvNetDns *dns, GError **error)
{
    guint i;

    if (dns->enable == PROV_NET_TRISTATE_NO &&
        (dns->forwarders->len || dns->txts->len || dns->srvs->len || dns->hosts->len)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: DNS is disabled (<dns enable='no'>) but <dns> still holds forwarders "
                    "or records: remove them or enable DNS", who);
        return false;
    }
    for (i = 0; i < dns->forwarders->len; i++) {
        const ProvNetDnsForwarder *fwd = g_ptr_array_index(dns->forwarders, i);

        if (!prov_net_addr_is_set(&fwd->addr) && !fwd->domain) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: DNS <forwarder> needs addr='...' or domain='...'", who);
            return false;
        }
        if (fwd->domain && !net_is_dns_name(fwd->domain)) {
            g_autofree char *shown = prov_net_xml_shown(fwd->domain);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: invalid DNS forwarder domain '%s'", who, shown);
            return false;
        }
    }
    for (i = 0; i < dns->txts->len; i++) {
        if (!net_txt_check(who, g_ptr_array_index(dns->txts, i), false, error))
            return false;
    }
    for (i = 0; i < dns->srvs->len; i++) {
        if (!net_srv_check(who, g_ptr_array_index(dns->srvs, i), false, error))
            return false;
    }
    for (i = 0; i < dns->hosts->len; i++) {
        if (!net_dns_host_check(who, g_ptr_array_index(dns->hosts, i), false, error))
            return false;
    }
    return true;
}

/* Network names become file names and dnsmasq/radvd arguments. */
static bool
net_name_check(const char *who, const char *name, GError **error)
{
    const unsigned char *p;

    if (!name || !name[0]) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "network: missing or empty <name>");
        return false;
    }
    if (strlen(name) > 255 || !g_utf8_validate(name, -1, NULL)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: the name must be valid UTF-8 of at most 255 bytes", who);
        return false;
    }
    for (p = (const unsigned char *) name; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '/') {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: the name must not contain '/', line breaks or control characters",
                        who);
            return false;
        }
    }
    if (g_str_equal(name, ".") || g_str_equal(name, "..") || name[0] == '-') {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: the name must not be '.' or '..' or start with '-'", who);
        return false;
    }
    return true;
}

/* A bridge name, or a template with exactly one %d ("virbr%d"). */
static bool
net_bridge_name_check(const char *who, const char *name, GError **error)
{
    const char *pct = strchr(name, '%');
    bool ok = net_is_device_name(name);
    gsize len = strlen(name);

    if (ok && pct) {
        ok = pct[1] == 'd' && !strchr(pct + 1, '%');
        len -= 2;   /* the number replaces "%d" */
    }
    if (!ok || len > NET_IFNAME_MAX - (pct ? 1 : 0)) {
        g_autofree char *shown = prov_net_xml_shown(name);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: invalid bridge name '%s': at most %d characters of [A-Za-z0-9_.:-], "
                    "or a template with one '%%d'",
                    who, shown, NET_IFNAME_MAX);
        return false;
    }
    return true;
}

static bool
net_forward_check(const char *who, const ProvNetworkDef *def, GError **error)
{
    const ProvNetForward *fwd = &def->forward;
    const char *mode = net_enum_to_string(net_forward_mode_names, PROV_NET_FORWARD_LAST,
                                          fwd->mode);
    char a[PROV_NET_ADDR_STRLEN];
    char b[PROV_NET_ADDR_STRLEN];
    guint i;
    guint j;

    if (!mode) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INTERNAL_ERROR,
                    "%s: unknown forward mode %d", who, (int) fwd->mode);
        return false;
    }
    if (fwd->mode != PROV_NET_FORWARD_NAT &&
        (prov_net_addr_is_set(&fwd->nat_addr_start) || fwd->nat_port_start ||
         fwd->nat_ipv6 != PROV_NET_TRISTATE_ABSENT)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: <nat> is only allowed with forward mode 'nat', not '%s'", who, mode);
        return false;
    }
    if (prov_net_addr_is_set(&fwd->nat_addr_start) || prov_net_addr_is_set(&fwd->nat_addr_end)) {
        prov_net_addr_to_string(&fwd->nat_addr_start, a);
        prov_net_addr_to_string(&fwd->nat_addr_end, b);
        if (fwd->nat_addr_start.family != AF_INET || fwd->nat_addr_end.family != AF_INET) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: <nat><address start='%s' end='%s'/> needs two IPv4 addresses",
                        who, a, b);
            return false;
        }
        if (prov_net_addr_compare(&fwd->nat_addr_start, &fwd->nat_addr_end) > 0) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                        "%s: NAT address range '%s' - '%s' is reversed", who, a, b);
            return false;
        }
    }
    if (fwd->nat_port_start || fwd->nat_port_end) {
        if (!fwd->nat_port_start || fwd->nat_port_end < fwd->nat_port_start ||
            fwd->nat_port_end > 65535) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                        "%s: NAT port range '%u' - '%u' is invalid (1 <= start <= end <= "
                        "65535)", who, fwd->nat_port_start, fwd->nat_port_end);
            return false;
        }
    }
    for (i = 0; i < fwd->ifs->len; i++) {
        const ProvNetForwardIf *fi = g_ptr_array_index(fwd->ifs, i);
        const ProvNetForwardIf *first = g_ptr_array_index(fwd->ifs, 0);

        if (fi->type != first->type) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: <interface> and <address> in <forward> are mutually exclusive",
                        who);
            return false;
        }
        if (fi->type == PROV_NET_FORWARD_IF_NETDEV && !net_is_device_name(fi->dev)) {
            g_autofree char *shown = prov_net_xml_shown(fi->dev);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: invalid forward device name '%s'", who, shown);
            return false;
        }
        for (j = 0; j < i; j++) {
            const ProvNetForwardIf *o = g_ptr_array_index(fwd->ifs, j);

            if (fi->type == PROV_NET_FORWARD_IF_NETDEV && g_str_equal(fi->dev, o->dev)) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                            "%s: forward interface '%s' is listed more than once", who,
                            fi->dev);
                return false;
            }
            if (fi->type == PROV_NET_FORWARD_IF_PCI &&
                memcmp(&fi->pci, &o->pci, sizeof(fi->pci)) == 0) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                            "%s: PCI device '%04x:%02x:%02x.%x' is listed more than once in "
                            "<forward>", who, fi->pci.domain, fi->pci.bus, fi->pci.slot,
                            fi->pci.function);
                return false;
            }
        }
    }

    switch (fwd->mode) {
    case PROV_NET_FORWARD_NONE:
        break;
    case PROV_NET_FORWARD_NAT:
    case PROV_NET_FORWARD_ROUTE:
    case PROV_NET_FORWARD_OPEN:
        if (def->ips->len == 0) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: forward mode '%s' needs at least one <ip> address", who, mode);
            return false;
        }
        if (fwd->mode == PROV_NET_FORWARD_OPEN && fwd->ifs->len > 0) {
            const ProvNetForwardIf *fi = g_ptr_array_index(fwd->ifs, 0);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: forward dev '%s' is not allowed with forward mode 'open' (an open "
                        "network adds no firewall rules to restrict)", who,
                        fi->dev ? fi->dev : "");
            return false;
        }
        if (fwd->ifs->len > 1) {
            const ProvNetForwardIf *f0 = g_ptr_array_index(fwd->ifs, 0);
            const ProvNetForwardIf *f1 = g_ptr_array_index(fwd->ifs, 1);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: forward mode '%s' supports one forward device, found %u ('%s', "
                        "'%s', ...)", who, mode, fwd->ifs->len, f0->dev ? f0->dev : "pci",
                        f1->dev ? f1->dev : "pci");
            return false;
        }
        if (fwd->ifs->len == 1 &&
            ((const ProvNetForwardIf *) g_ptr_array_index(fwd->ifs, 0))->type !=
                PROV_NET_FORWARD_IF_NETDEV) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: forward mode '%s' needs a device name, not a PCI address", who,
                        mode);
            return false;
        }
        if (fwd->pf_dev) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: <pf dev='%s'> is not allowed with forward mode '%s'", who,
                        fwd->pf_dev, mode);
            return false;
        }
        break;
    case PROV_NET_FORWARD_PRIVATE:
    case PROV_NET_FORWARD_VEPA:
    case PROV_NET_FORWARD_PASSTHROUGH:
    case PROV_NET_FORWARD_HOSTDEV:
        if (def->bridge) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: bridge name '%s' is not allowed with forward mode '%s'", who,
                        def->bridge, mode);
            return false;
        }
        if (def->mac_table_manager != PROV_NET_MAC_TABLE_DEFAULT) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: bridge macTableManager is not allowed with forward mode '%s'",
                        who, mode);
            return false;
        }
        G_GNUC_FALLTHROUGH;
    case PROV_NET_FORWARD_BRIDGE:
        if (!def->stp || def->delay || def->bridge_zone) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: bridge stp, delay and zone are only allowed with forward modes "
                        "nat, route, open and isolated networks, not '%s'", who, mode);
            return false;
        }
        if (def->bridge && (fwd->ifs->len > 0 || fwd->pf_dev)) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: forward mode '%s' takes a bridge name ('%s') or forward devices, "
                        "not both", who, mode, def->bridge);
            return false;
        }
        break;
    case PROV_NET_FORWARD_LAST:
        break;
    }
    if (def->mtu && !prov_network_def_is_l3(def)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: <mtu size='%u'> is only allowed with forward modes nat, route, open "
                    "and isolated networks, not '%s'", who, def->mtu, mode);
        return false;
    }
    return true;
}

bool
prov_network_def_check(const ProvNetworkDef *def, GError **error)
{
    g_autofree char *who = net_who(def->name);
    const ProvNetIpDef *dhcp4 = NULL;
    const ProvNetIpDef *dhcp6 = NULL;
    const ProvNetIpDef *tftp = NULL;
    bool have_default = false;
    char addr[PROV_NET_ADDR_STRLEN];
    guint i;
    guint j;

    if (!net_name_check(who, def->name, error))
        return false;
    if (def->title && strpbrk(def->title, "\r\n")) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <title> must not contain line breaks", who);
        return false;
    }
    if (def->mac_specified && prov_net_mac_is_multicast(def->mac)) {
        char mac[PROV_NET_MAC_STRLEN];

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_MAC,
                    "%s: bridge MAC address '%s' is a multicast address, expected unicast", who,
                    prov_net_mac_format(def->mac, mac));
        return false;
    }
    if (def->bridge && !net_bridge_name_check(who, def->bridge, error))
        return false;
    if (def->bridge_zone) {
        const char *p;
        bool ok = def->bridge_zone[0] != '\0';

        for (p = def->bridge_zone; ok && *p; p++)
            ok = g_ascii_isalnum(*p) || *p == '_' || *p == '-';
        if (!ok) {
            g_autofree char *shown = prov_net_xml_shown(def->bridge_zone);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: invalid firewalld zone '%s' (letters, digits, '_' and '-')", who,
                        shown);
            return false;
        }
    }
    if (def->mtu && (def->mtu < 68 || def->mtu > 65535)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "%s: invalid MTU '%u' (68 to 65535)", who, def->mtu);
        return false;
    }
    if (!net_forward_check(who, def, error))
        return false;
    if (def->domain && !net_is_dns_name(def->domain)) {
        g_autofree char *shown = prov_net_xml_shown(def->domain);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: invalid DNS domain name '%s'", who, shown);
        return false;
    }
    if (def->domain_register == PROV_NET_TRISTATE_YES &&
        def->domain_local_only != PROV_NET_TRISTATE_YES) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: <domain name='%s' register='yes'> requires localOnly='yes'", who,
                    def->domain ? def->domain : "");
        return false;
    }
    if (!net_dns_check(who, &def->dns, error))
        return false;
    if (def->bandwidth && def->bandwidth->in && def->bandwidth->in->floor) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: floor is only supported in the <inbound> of a network port", who);
        return false;
    }

    for (i = 0; i < def->ips->len; i++) {
        const ProvNetIpDef *ip = g_ptr_array_index(def->ips, i);

        if (!net_ip_check(who, ip, error))
            return false;
        prov_net_addr_to_string(&ip->address, addr);
        if (ip->tftp_root) {
            if (tftp) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                            "%s: <tftp> is allowed on one <ip> only (found it again on '%s')",
                            who, addr);
                return false;
            }
            tftp = ip;
        }
        if (!prov_net_ip_def_has_dhcp(ip))
            continue;
        if ((ip->family == AF_INET && dhcp4) || (ip->family == AF_INET6 && dhcp6)) {
            char other[PROV_NET_ADDR_STRLEN];

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: more than one %s <ip> has <dhcp> ('%s' and '%s'): DHCP is "
                        "supported on one IPv4 and one IPv6 address per network", who,
                        net_family_name(ip->family), prov_net_addr_to_string(
                            &(ip->family == AF_INET ? dhcp4 : dhcp6)->address, other), addr);
            return false;
        }
        if (ip->family == AF_INET)
            dhcp4 = ip;
        else
            dhcp6 = ip;
    }
    for (i = 0; i < def->routes->len; i++) {
        if (!net_route_check(who, def, g_ptr_array_index(def->routes, i), error))
            return false;
    }
    for (i = 0; i < def->portgroups->len; i++) {
        const ProvNetPortGroup *pg = g_ptr_array_index(def->portgroups, i);

        if (pg->is_default) {
            if (have_default) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                            "%s: more than one default <portgroup> (the second is '%s')", who,
                            pg->name);
                return false;
            }
            have_default = true;
        }
        for (j = 0; j < i; j++) {
            const ProvNetPortGroup *o = g_ptr_array_index(def->portgroups, j);

            if (g_str_equal(o->name, pg->name)) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                            "%s: more than one <portgroup> is named '%s'", who, pg->name);
                return false;
            }
        }
    }
    for (i = 0; i < def->dnsmasq_options->len; i++) {
        if (!net_check_text(who, "dnsmasq option",
                            g_ptr_array_index(def->dnsmasq_options, i), error))
            return false;
    }
    return true;
}

/* ---- the <network> element -------------------------------------------------------------- */

static void
net_strip_blank_text(xmlNode *node)
{
    xmlNode *c;
    xmlNode *next;

    for (c = node->children; c; c = next) {
        next = c->next;
        if (c->type == XML_TEXT_NODE && xmlIsBlankNode(c)) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        } else if (c->type == XML_ELEMENT_NODE) {
            net_strip_blank_text(c);
        }
    }
}

/*
 * <metadata> children are kept as text: each child element re-serialised by libxml2
 * with its namespace declared on it and two-space indentation, separated by newlines.
 * Sample: <app1:foo xmlns:app1="http://foo.org/">fooish</app1:foo>
 */
static char *
net_metadata_dump(xmlDoc *doc, xmlNode *metadata)
{
    g_autoptr(GString) out = g_string_new(NULL);
    xmlNode *c;

    for (c = metadata->children; c; c = c->next) {
        xmlNode *copy;
        xmlBuffer *buf;

        if (c->type != XML_ELEMENT_NODE)
            continue;
        /* The copy declares namespaces inherited from outside on its own root. */
        copy = xmlDocCopyNode(c, doc, 1);
        if (!copy)
            g_error("out of memory copying <metadata>");
        net_strip_blank_text(copy);
        buf = xmlBufferCreate();
        xmlNodeDump(buf, doc, copy, 0, 1);
        if (out->len)
            g_string_append_c(out, '\n');
        g_string_append(out, (const char *) xmlBufferContent(buf));
        xmlBufferFree(buf);
        xmlFreeNode(copy);
    }
    if (out->len == 0)
        return NULL;
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static bool
net_dnsmasq_options_parse(xmlNode *root, ProvNetworkDef *def, const char *who, GError **error)
{
    xmlNode *opts = prov_xml_child(root, NET_DNSMASQ_NS_HREF, "options");
    xmlNode *c;

    for (c = opts ? opts->children : NULL; c; c = c->next) {
        char *value;

        if (c->type != XML_ELEMENT_NODE || !c->ns || !c->ns->href ||
            !g_str_equal((const char *) c->ns->href, NET_DNSMASQ_NS_HREF) ||
            !g_str_equal((const char *) c->name, "option"))
            continue;
        if (!(value = prov_xml_prop_string(c, "value"))) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: <dnsmasq:option> needs a value='...'", who);
            return false;
        }
        g_ptr_array_add(def->dnsmasq_options, value);
    }
    return true;
}

static ProvNetworkDef *
net_def_parse_node(xmlDoc *doc, xmlNode *root, GError **error)
{
    g_autoptr(ProvNetworkDef) def = prov_network_def_new();
    g_autofree char *who = NULL;
    g_autofree char *stp = NULL;
    ProvNetTristate ipv6;
    xmlNode *node;
    xmlNode *c;
    guint8 mac[6];
    bool has_mac;
    int v;
    int rc;

    if ((node = net_child(root, "name")))
        def->name = prov_xml_node_text(node);
    who = net_who(def->name);
    if (!net_name_check(who, def->name, error))
        return NULL;

    if (!net_attr_uint(root, "connections", 0, G_MAXUINT32, who, &def->connections, error) ||
        !prov_net_xml_attr_tristate(root, "ipv6", who, &ipv6, error) ||
        !prov_net_xml_attr_tristate(root, "trustGuestRxFilters", who, &def->trust_guest_rx_filters,
                                    error))
        return NULL;
    def->ipv6_nogw = ipv6 == PROV_NET_TRISTATE_YES;

    if ((node = net_child(root, "uuid"))) {
        g_autofree char *uuid = prov_xml_node_text(node);

        if (!prov_net_uuid_parse(uuid, def->uuid)) {
            g_autofree char *shown = prov_net_xml_shown(uuid);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR, "%s: invalid UUID '%s'", who,
                        shown);
            return NULL;
        }
    } else {
        prov_net_uuid_generate(def->uuid);
    }
    if ((node = net_child(root, "title")))
        def->title = prov_xml_node_text(node);
    if ((node = net_child(root, "description")))
        def->description = prov_xml_node_text(node);
    if ((node = net_child(root, "metadata")))
        def->metadata = net_metadata_dump(doc, node);

    if ((node = net_child(root, "forward")) && !net_forward_parse(node, def, who, error))
        return NULL;

    if ((node = net_child(root, "bridge"))) {
        guint64 delay = 0;

        def->bridge = prov_xml_prop_string(node, "name");
        def->bridge_zone = prov_xml_prop_string(node, "zone");
        stp = prov_xml_prop_string(node, "stp");
        if (stp && !g_str_equal(stp, "on") && !g_str_equal(stp, "off")) {
            g_autofree char *shown = prov_net_xml_shown(stp);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: invalid stp='%s' in <bridge>: expected 'on' or 'off'", who, shown);
            return NULL;
        }
        def->stp = !stp || g_str_equal(stp, "on");
        if (net_attr_number(node, "delay", 10, 0, G_MAXUINT32, who, &delay, error) < 0)
            return NULL;
        def->delay = (unsigned long) delay;
        rc = net_attr_enum(node, "macTableManager", prov_net_mac_table_manager_from_string, who,
                           &v, error);
        if (rc < 0)
            return NULL;
        if (rc > 0)
            def->mac_table_manager = v;
    }
    if ((node = net_child(root, "mtu")) &&
        !net_attr_uint(node, "size", 0, 65535, who, &def->mtu, error))
        return NULL;
    if ((node = net_child(root, "mac"))) {
        if (!net_mac_attr(node, "address", who, mac, &has_mac, error))
            return NULL;
        if (!has_mac) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: <mac> needs an address='...'", who);
            return NULL;
        }
        memcpy(def->mac, mac, 6);
        def->mac_specified = true;
    }
    if ((node = net_child(root, "domain"))) {
        if (!(def->domain = prov_xml_prop_string(node, "name"))) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                        "%s: <domain> needs a name='...'", who);
            return NULL;
        }
        if (!prov_net_xml_attr_tristate(node, "localOnly", who, &def->domain_local_only, error) ||
            !prov_net_xml_attr_tristate(node, "register", who, &def->domain_register, error))
            return NULL;
    }
    if ((node = net_child(root, "dns")) && !net_dns_parse(node, &def->dns, who, error))
        return NULL;
    if ((node = net_child(root, "vlan")) && !prov_net_xml_vlan_parse(node, who, &def->vlan, error))
        return NULL;
    if ((node = net_child(root, "bandwidth")) &&
        !prov_net_xml_bandwidth_parse(node, false, who, &def->bandwidth, error))
        return NULL;
    if ((node = net_child(root, "port")) &&
        !prov_net_xml_attr_tristate(node, "isolated", who, &def->port_isolated, error))
        return NULL;
    if ((node = net_child(root, "virtualport")) &&
        !(def->virtualport = prov_net_xml_virtport_parse(node, true, who, error)))
        return NULL;

    for (c = root->children; c; c = c->next) {
        if (net_elem_is(c, "ip")) {
            ProvNetIpDef *ip = net_ip_parse(c, who, error);

            if (!ip)
                return NULL;
            g_ptr_array_add(def->ips, ip);
        } else if (net_elem_is(c, "route")) {
            ProvNetRoute *route = net_route_parse(c, who, error);

            if (!route)
                return NULL;
            g_ptr_array_add(def->routes, route);
        } else if (net_elem_is(c, "portgroup")) {
            ProvNetPortGroup *pg = net_portgroup_parse(c, who, error);

            if (!pg)
                return NULL;
            g_ptr_array_add(def->portgroups, pg);
        }
    }
    if (!net_dnsmasq_options_parse(root, def, who, error))
        return NULL;

    /* stp='on' written out is as wrong as 'off' where there is no bridge of ours. */
    if (stp && !prov_network_def_is_l3(def)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: bridge stp, delay and zone are only allowed with forward modes nat, "
                    "route, open and isolated networks, not '%s'", who,
                    net_forward_mode_names[def->forward.mode]);
        return NULL;
    }
    if (!prov_network_def_check(def, error))
        return NULL;
    return g_steal_pointer(&def);
}

/* Validates against our network.rng the subtree @node (the whole document when root). */
static bool
net_validate_node(xmlDoc *doc, xmlNode *node, GError **error)
{
    g_autofree char *rng = prov_xml_schema_path("network.rng");
    g_autoptr(xmlDoc) copy = NULL;

    if (node == xmlDocGetRootElement(doc))
        return prov_xml_validate_rng(doc, rng, error);
    copy = xmlNewDoc((const xmlChar *) "1.0");
    xmlDocSetRootElement(copy, xmlDocCopyNode(node, copy, 1));
    return prov_xml_validate_rng(copy, rng, error);
}

static ProvNetworkDef *
net_def_parse_doc(xmlDoc *doc, xmlNode *node, unsigned int flags, GError **error)
{
    if (flags & ~PROV_NETWORK_PARSE_VALIDATE) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "unsupported network parse flags 0x%x", flags);
        return NULL;
    }
    if ((flags & PROV_NETWORK_PARSE_VALIDATE) && !net_validate_node(doc, node, error))
        return NULL;
    return net_def_parse_node(doc, node, error);
}

ProvNetworkDef *
prov_network_def_parse_string(const char *xml, unsigned int flags, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;

    doc = prov_xml_parse(xml, -1, "network definition", "network", NULL, error);
    if (!doc)
        return NULL;
    return net_def_parse_doc(doc, xmlDocGetRootElement(doc), flags, error);
}

ProvNetworkDef *
prov_network_def_parse_file(const char *path, unsigned int flags, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;

    doc = prov_xml_parse_file(path, "network", NULL, error);
    if (!doc)
        return NULL;
    return net_def_parse_doc(doc, xmlDocGetRootElement(doc), flags, error);
}

ProvNetworkDef *
prov_network_def_parse_embedded(const char *xml, const char *root, unsigned int flags,
                                GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *node;

    doc = prov_xml_parse(xml, -1, "network status", root, NULL, error);
    if (!doc)
        return NULL;
    node = prov_xml_child(xmlDocGetRootElement(doc), NULL, "network");
    if (!node) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "network status: missing <network> element in <%s>", root);
        return NULL;
    }
    return net_def_parse_doc(doc, node, flags, error);
}

/* ---- formatting ------------------------------------------------------------------------ */

static const char *
net_yes_no(ProvNetTristate value)
{
    return value == PROV_NET_TRISTATE_YES ? "yes" : "no";
}

static void
net_format_lease(ProvXmlBuf *buf, const ProvNetDhcpLease *lease)
{
    prov_xml_buf_add(buf, "<lease expiry='%" G_GUINT64_FORMAT "'", lease->expiry);
    if (lease->expiry)
        prov_xml_buf_add(buf, " unit='%s'", net_lease_unit_names[lease->unit]);
    prov_xml_buf_add(buf, "/>\n");
}

void
prov_net_xml_format_pci(ProvXmlBuf *buf, const ProvNetPciAddr *pci, bool with_type)
{
    prov_xml_buf_add(buf,
                     "<address%s domain='0x%04x' bus='0x%02x' slot='0x%02x' "
                     "function='0x%x'",
                     with_type ? " type='pci'" : "", pci->domain, pci->bus, pci->slot,
                     pci->function);
}

void
prov_net_xml_format_vlan(ProvXmlBuf *buf, const ProvNetVlan *vlan)
{
    guint i;

    if (!vlan->tags || vlan->tags->len == 0)
        return;
    prov_xml_buf_add(buf, "<vlan%s>\n", vlan->trunk ? " trunk='yes'" : "");
    prov_xml_buf_adjust_indent(buf, 2);
    for (i = 0; i < vlan->tags->len; i++) {
        guint tag = g_array_index(vlan->tags, guint, i);

        prov_xml_buf_add(buf, "<tag id='%u'", tag);
        if (vlan->native_mode != PROV_NET_VLAN_NATIVE_DEFAULT && vlan->native_tag == tag)
            prov_xml_buf_add(buf, " nativeMode='%s'", net_vlan_native_names[vlan->native_mode]);
        prov_xml_buf_add(buf, "/>\n");
    }
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</vlan>\n");
}

static void
net_format_rate(ProvXmlBuf *buf, const char *element, const ProvNetBandwidthRate *rate)
{
    if (!rate || (!rate->average && !rate->floor))
        return;
    prov_xml_buf_add(buf, "<%s", element);
    if (rate->average)
        prov_xml_buf_add(buf, " average='%" G_GUINT64_FORMAT "'", rate->average);
    if (rate->peak)
        prov_xml_buf_add(buf, " peak='%" G_GUINT64_FORMAT "'", rate->peak);
    if (rate->floor)
        prov_xml_buf_add(buf, " floor='%" G_GUINT64_FORMAT "'", rate->floor);
    if (rate->burst)
        prov_xml_buf_add(buf, " burst='%" G_GUINT64_FORMAT "'", rate->burst);
    prov_xml_buf_add(buf, "/>\n");
}

void
prov_net_xml_format_bandwidth(ProvXmlBuf *buf, const ProvNetBandwidth *bw)
{
    if (!bw)
        return;
    prov_xml_buf_add(buf, "<bandwidth");
    if (bw->class_id)
        prov_xml_buf_add(buf, " classID='%u'", bw->class_id);
    prov_xml_buf_add(buf, ">\n");
    prov_xml_buf_adjust_indent(buf, 2);
    net_format_rate(buf, "inbound", bw->in);
    net_format_rate(buf, "outbound", bw->out);
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</bandwidth>\n");
}

void
prov_net_xml_format_virtport(ProvXmlBuf *buf, const ProvNetVirtPort *vport)
{
    gsize i;

    if (!vport)
        return;
    prov_xml_buf_add(buf, "<virtualport");
    if (vport->type != PROV_NET_VPORT_NONE)
        prov_xml_buf_add(buf, " type='%s'", net_virtport_names[vport->type]);
    if (vport->params->len == 0) {
        prov_xml_buf_add(buf, "/>\n");
        return;
    }
    prov_xml_buf_add(buf, ">\n");
    prov_xml_buf_adjust_indent(buf, 2);
    prov_xml_buf_add(buf, "<parameters");
    for (i = 0; i < G_N_ELEMENTS(net_vport_param_names); i++) {
        const char *value = prov_net_virtport_param(vport, net_vport_param_names[i]);
        g_autofree char *fmt = NULL;

        if (!value)
            continue;
        fmt = g_strdup_printf(" %s='%%s'", net_vport_param_names[i]);
        prov_xml_buf_escape(buf, fmt, value);
    }
    prov_xml_buf_add(buf, "/>\n");
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</virtualport>\n");
}

static void
net_format_forward(ProvXmlBuf *buf, const ProvNetworkDef *def, unsigned int flags)
{
    const ProvNetForward *fwd = &def->forward;
    const char *dev = fwd->pf_dev ? NULL : prov_network_def_forward_dev(def);
    bool nat_addr = prov_net_addr_is_set(&fwd->nat_addr_start);
    bool nat_port = fwd->nat_port_start || fwd->nat_port_end;
    bool nat = nat_addr || nat_port || fwd->nat_ipv6 != PROV_NET_TRISTATE_ABSENT;
    bool driver = fwd->driver_name != PROV_NET_FORWARD_DRIVER_DEFAULT || fwd->driver_model;
    bool ifs = fwd->ifs->len > 0 && (!fwd->pf_dev || !(flags & PROV_NETWORK_FORMAT_INACTIVE));
    char a[PROV_NET_ADDR_STRLEN];
    guint i;

    if (fwd->mode == PROV_NET_FORWARD_NONE)
        return;
    prov_xml_buf_add(buf, "<forward");
    prov_xml_buf_escape(buf, " dev='%s'", dev);
    prov_xml_buf_add(buf, " mode='%s'", net_forward_mode_names[fwd->mode]);
    if (fwd->mode == PROV_NET_FORWARD_HOSTDEV)
        prov_xml_buf_add(buf, " managed='%s'", fwd->managed ? "yes" : "no");
    if (!(ifs || fwd->pf_dev || nat || driver)) {
        prov_xml_buf_add(buf, "/>\n");
        return;
    }
    prov_xml_buf_add(buf, ">\n");
    prov_xml_buf_adjust_indent(buf, 2);
    if (driver) {
        prov_xml_buf_add(buf, "<driver");
        if (fwd->driver_name != PROV_NET_FORWARD_DRIVER_DEFAULT)
            prov_xml_buf_add(buf, " name='%s'", net_forward_driver_names[fwd->driver_name]);
        prov_xml_buf_escape(buf, " model='%s'", fwd->driver_model);
        prov_xml_buf_add(buf, "/>\n");
    }
    if (nat) {
        prov_xml_buf_add(buf, "<nat");
        if (fwd->nat_ipv6 != PROV_NET_TRISTATE_ABSENT)
            prov_xml_buf_add(buf, " ipv6='%s'", net_yes_no(fwd->nat_ipv6));
        if (!nat_addr && !nat_port) {
            prov_xml_buf_add(buf, "/>\n");
        } else {
            prov_xml_buf_add(buf, ">\n");
            prov_xml_buf_adjust_indent(buf, 2);
            if (nat_addr) {
                prov_xml_buf_add(buf, "<address start='%s'",
                                 prov_net_addr_to_string(&fwd->nat_addr_start, a));
                if (prov_net_addr_is_set(&fwd->nat_addr_end))
                    prov_xml_buf_add(buf, " end='%s'",
                                     prov_net_addr_to_string(&fwd->nat_addr_end, a));
                prov_xml_buf_add(buf, "/>\n");
            }
            if (nat_port) {
                prov_xml_buf_add(buf, "<port start='%u'", fwd->nat_port_start);
                if (fwd->nat_port_end)
                    prov_xml_buf_add(buf, " end='%u'", fwd->nat_port_end);
                prov_xml_buf_add(buf, "/>\n");
            }
            prov_xml_buf_adjust_indent(buf, -2);
            prov_xml_buf_add(buf, "</nat>\n");
        }
    }
    prov_xml_buf_escape(buf, "<pf dev='%s'/>\n", fwd->pf_dev);
    for (i = 0; ifs && i < fwd->ifs->len; i++) {
        const ProvNetForwardIf *fi = g_ptr_array_index(fwd->ifs, i);

        if (fi->type == PROV_NET_FORWARD_IF_NETDEV)
            prov_xml_buf_escape(buf, "<interface dev='%s'", fi->dev);
        else
            prov_net_xml_format_pci(buf, &fi->pci, true);
        if (!(flags & PROV_NETWORK_FORMAT_INACTIVE) && fi->connections > 0)
            prov_xml_buf_add(buf, " connections='%u'", fi->connections);
        prov_xml_buf_add(buf, "/>\n");
    }
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</forward>\n");
}

static void
net_format_dns(ProvXmlBuf *buf, const ProvNetDns *dns)
{
    char a[PROV_NET_ADDR_STRLEN];
    bool children = dns->forwarders->len || dns->txts->len || dns->srvs->len ||
                    dns->hosts->len;
    guint i;
    guint j;

    if (!children && dns->enable == PROV_NET_TRISTATE_ABSENT &&
        dns->forward_plain_names == PROV_NET_TRISTATE_ABSENT)
        return;
    prov_xml_buf_add(buf, "<dns");
    if (dns->enable != PROV_NET_TRISTATE_ABSENT)
        prov_xml_buf_add(buf, " enable='%s'", net_yes_no(dns->enable));
    if (dns->forward_plain_names != PROV_NET_TRISTATE_ABSENT)
        prov_xml_buf_add(buf, " forwardPlainNames='%s'", net_yes_no(dns->forward_plain_names));
    if (!children) {
        prov_xml_buf_add(buf, "/>\n");
        return;
    }
    prov_xml_buf_add(buf, ">\n");
    prov_xml_buf_adjust_indent(buf, 2);
    for (i = 0; i < dns->forwarders->len; i++) {
        const ProvNetDnsForwarder *fwd = g_ptr_array_index(dns->forwarders, i);

        prov_xml_buf_add(buf, "<forwarder");
        prov_xml_buf_escape(buf, " domain='%s'", fwd->domain);
        if (prov_net_addr_is_set(&fwd->addr))
            prov_xml_buf_add(buf, " addr='%s'", prov_net_addr_to_string(&fwd->addr, a));
        prov_xml_buf_add(buf, "/>\n");
    }
    for (i = 0; i < dns->txts->len; i++) {
        const ProvNetDnsTxt *txt = g_ptr_array_index(dns->txts, i);

        prov_xml_buf_escape(buf, "<txt name='%s'", txt->name);
        prov_xml_buf_escape(buf, " value='%s'/>\n", txt->value ? txt->value : "");
    }
    for (i = 0; i < dns->srvs->len; i++) {
        const ProvNetDnsSrv *srv = g_ptr_array_index(dns->srvs, i);

        prov_xml_buf_escape(buf, "<srv service='%s'", srv->service);
        prov_xml_buf_escape(buf, " protocol='%s'", srv->protocol);
        prov_xml_buf_escape(buf, " domain='%s'", srv->domain);
        prov_xml_buf_escape(buf, " target='%s'", srv->target);
        if (srv->port)
            prov_xml_buf_add(buf, " port='%u'", srv->port);
        if (srv->priority)
            prov_xml_buf_add(buf, " priority='%u'", srv->priority);
        if (srv->weight)
            prov_xml_buf_add(buf, " weight='%u'", srv->weight);
        prov_xml_buf_add(buf, "/>\n");
    }
    for (i = 0; i < dns->hosts->len; i++) {
        const ProvNetDnsHost *host = g_ptr_array_index(dns->hosts, i);

        prov_xml_buf_add(buf, "<host ip='%s'>\n", prov_net_addr_to_string(&host->ip, a));
        prov_xml_buf_adjust_indent(buf, 2);
        for (j = 0; j < host->hostnames->len; j++)
            prov_xml_buf_escape(buf, "<hostname>%s</hostname>\n",
                                g_ptr_array_index(host->hostnames, j));
        prov_xml_buf_adjust_indent(buf, -2);
        prov_xml_buf_add(buf, "</host>\n");
    }
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</dns>\n");
}

static void
net_format_host(ProvXmlBuf *buf, const ProvNetDhcpHost *host)
{
    char a[PROV_NET_ADDR_STRLEN];

    prov_xml_buf_add(buf, "<host");
    prov_xml_buf_escape(buf, " mac='%s'", host->mac);
    prov_xml_buf_escape(buf, " id='%s'", host->id);
    prov_xml_buf_escape(buf, " name='%s'", host->name);
    if (prov_net_addr_is_set(&host->ip))
        prov_xml_buf_add(buf, " ip='%s'", prov_net_addr_to_string(&host->ip, a));
    if (!host->lease) {
        prov_xml_buf_add(buf, "/>\n");
        return;
    }
    prov_xml_buf_add(buf, ">\n");
    prov_xml_buf_adjust_indent(buf, 2);
    net_format_lease(buf, host->lease);
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</host>\n");
}

static void
net_format_ip(ProvXmlBuf *buf, const ProvNetIpDef *ip)
{
    char a[PROV_NET_ADDR_STRLEN];
    char b[PROV_NET_ADDR_STRLEN];
    guint i;

    prov_xml_buf_add(buf, "<ip");
    if (ip->family_explicit || ip->family == AF_INET6)
        prov_xml_buf_add(buf, " family='%s'", prov_net_family_to_string(ip->family));
    if (prov_net_addr_is_set(&ip->address))
        prov_xml_buf_add(buf, " address='%s'", prov_net_addr_to_string(&ip->address, a));
    if (prov_net_addr_is_set(&ip->netmask))
        prov_xml_buf_add(buf, " netmask='%s'", prov_net_addr_to_string(&ip->netmask, a));
    if (ip->prefix > 0)
        prov_xml_buf_add(buf, " prefix='%u'", ip->prefix);
    if (ip->local_ptr != PROV_NET_TRISTATE_ABSENT)
        prov_xml_buf_add(buf, " localPtr='%s'", net_yes_no(ip->local_ptr));
    /* libvirt always writes <ip> open and closed, even when empty. */
    prov_xml_buf_add(buf, ">\n");
    prov_xml_buf_adjust_indent(buf, 2);
    prov_xml_buf_escape(buf, "<tftp root='%s'/>\n", ip->tftp_root);
    if (ip->ranges->len || ip->hosts->len || ip->bootp_file) {
        prov_xml_buf_add(buf, "<dhcp>\n");
        prov_xml_buf_adjust_indent(buf, 2);
        for (i = 0; i < ip->ranges->len; i++) {
            const ProvNetDhcpRange *r = g_ptr_array_index(ip->ranges, i);

            prov_xml_buf_add(buf, "<range start='%s' end='%s'",
                             prov_net_addr_to_string(&r->start, a),
                             prov_net_addr_to_string(&r->end, b));
            if (!r->lease) {
                prov_xml_buf_add(buf, "/>\n");
                continue;
            }
            prov_xml_buf_add(buf, ">\n");
            prov_xml_buf_adjust_indent(buf, 2);
            net_format_lease(buf, r->lease);
            prov_xml_buf_adjust_indent(buf, -2);
            prov_xml_buf_add(buf, "</range>\n");
        }
        for (i = 0; i < ip->hosts->len; i++)
            net_format_host(buf, g_ptr_array_index(ip->hosts, i));
        if (ip->bootp_file) {
            prov_xml_buf_escape(buf, "<bootp file='%s'", ip->bootp_file);
            if (prov_net_addr_is_set(&ip->bootp_server))
                prov_xml_buf_add(buf, " server='%s'",
                                 prov_net_addr_to_string(&ip->bootp_server, a));
            prov_xml_buf_add(buf, "/>\n");
        }
        prov_xml_buf_adjust_indent(buf, -2);
        prov_xml_buf_add(buf, "</dhcp>\n");
    }
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</ip>\n");
}

static void
net_format_route(ProvXmlBuf *buf, const ProvNetRoute *route)
{
    char a[PROV_NET_ADDR_STRLEN];

    prov_xml_buf_add(buf, "<route");
    if (route->family_explicit || route->family == AF_INET6)
        prov_xml_buf_add(buf, " family='%s'", prov_net_family_to_string(route->family));
    prov_xml_buf_add(buf, " address='%s'", prov_net_addr_to_string(&route->address, a));
    if (prov_net_addr_is_set(&route->netmask))
        prov_xml_buf_add(buf, " netmask='%s'", prov_net_addr_to_string(&route->netmask, a));
    if (route->prefix > 0)
        prov_xml_buf_add(buf, " prefix='%u'", route->prefix);
    prov_xml_buf_add(buf, " gateway='%s'", prov_net_addr_to_string(&route->gateway, a));
    if (route->metric > 0)
        prov_xml_buf_add(buf, " metric='%u'", route->metric);
    prov_xml_buf_add(buf, "/>\n");
}

static void
net_format_portgroup(ProvXmlBuf *buf, const ProvNetPortGroup *pg)
{
    prov_xml_buf_escape(buf, "<portgroup name='%s'", pg->name);
    if (pg->is_default)
        prov_xml_buf_add(buf, " default='yes'");
    if (pg->trust_guest_rx_filters != PROV_NET_TRISTATE_ABSENT)
        prov_xml_buf_add(buf, " trustGuestRxFilters='%s'",
                         net_yes_no(pg->trust_guest_rx_filters));
    prov_xml_buf_add(buf, ">\n");
    prov_xml_buf_adjust_indent(buf, 2);
    prov_net_xml_format_vlan(buf, &pg->vlan);
    prov_net_xml_format_virtport(buf, pg->virtualport);
    prov_net_xml_format_bandwidth(buf, pg->bandwidth);
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</portgroup>\n");
}

static void
net_format_buf(ProvXmlBuf *buf, const ProvNetworkDef *def, unsigned int flags)
{
    bool l3 = prov_network_def_is_l3(def);
    char uuid[37];
    char mac[PROV_NET_MAC_STRLEN];
    guint i;

    prov_xml_buf_add(buf, "<network");
    if (!(flags & PROV_NETWORK_FORMAT_INACTIVE) && def->connections > 0)
        prov_xml_buf_add(buf, " connections='%u'", def->connections);
    if (def->ipv6_nogw)
        prov_xml_buf_add(buf, " ipv6='yes'");
    if (def->trust_guest_rx_filters != PROV_NET_TRISTATE_ABSENT)
        prov_xml_buf_add(buf, " trustGuestRxFilters='%s'",
                         net_yes_no(def->trust_guest_rx_filters));
    if (def->dnsmasq_options->len > 0)
        prov_xml_buf_add(buf, " xmlns:dnsmasq='%s'", NET_DNSMASQ_NS_HREF);
    prov_xml_buf_add(buf, ">\n");
    prov_xml_buf_adjust_indent(buf, 2);

    prov_xml_buf_escape(buf, "<name>%s</name>\n", def->name);
    prov_net_uuid_format(def->uuid, uuid);
    prov_xml_buf_add(buf, "<uuid>%s</uuid>\n", uuid);
    prov_xml_buf_escape(buf, "<title>%s</title>\n", def->title);
    prov_xml_buf_escape(buf, "<description>%s</description>\n", def->description);
    if (def->metadata) {
        prov_xml_buf_add(buf, "<metadata>\n");
        prov_xml_buf_adjust_indent(buf, 2);
        prov_xml_buf_add_block(buf, def->metadata);
        prov_xml_buf_add(buf, "\n");
        prov_xml_buf_adjust_indent(buf, -2);
        prov_xml_buf_add(buf, "</metadata>\n");
    }
    net_format_forward(buf, def, flags);

    /*
     * libvirt writes <bridge> for isolated networks and whenever there is a name or a
     * macTableManager; we also keep a non-default stp/delay/zone of a nat/route/open
     * network whose bridge name the driver has not chosen yet.
     */
    if (def->forward.mode == PROV_NET_FORWARD_NONE || def->bridge ||
        def->mac_table_manager != PROV_NET_MAC_TABLE_DEFAULT ||
        (l3 && (!def->stp || def->delay || def->bridge_zone))) {
        prov_xml_buf_add(buf, "<bridge");
        prov_xml_buf_escape(buf, " name='%s'", def->bridge);
        prov_xml_buf_escape(buf, " zone='%s'", def->bridge_zone);
        if (l3)
            prov_xml_buf_add(buf, " stp='%s' delay='%lu'", def->stp ? "on" : "off", def->delay);
        if (def->mac_table_manager != PROV_NET_MAC_TABLE_DEFAULT)
            prov_xml_buf_add(buf, " macTableManager='%s'",
                             net_mac_table_names[def->mac_table_manager]);
        prov_xml_buf_add(buf, "/>\n");
    }
    if (def->mtu)
        prov_xml_buf_add(buf, "<mtu size='%u'/>\n", def->mtu);
    if (def->mac_specified)
        prov_xml_buf_add(buf, "<mac address='%s'/>\n", prov_net_mac_format(def->mac, mac));
    if (def->domain) {
        prov_xml_buf_escape(buf, "<domain name='%s'", def->domain);
        if (def->domain_local_only != PROV_NET_TRISTATE_ABSENT)
            prov_xml_buf_add(buf, " localOnly='%s'", net_yes_no(def->domain_local_only));
        if (def->domain_register != PROV_NET_TRISTATE_ABSENT)
            prov_xml_buf_add(buf, " register='%s'", net_yes_no(def->domain_register));
        prov_xml_buf_add(buf, "/>\n");
    }
    net_format_dns(buf, &def->dns);
    prov_net_xml_format_vlan(buf, &def->vlan);
    prov_net_xml_format_bandwidth(buf, def->bandwidth);
    if (def->port_isolated != PROV_NET_TRISTATE_ABSENT)
        prov_xml_buf_add(buf, "<port isolated='%s'/>\n", net_yes_no(def->port_isolated));
    for (i = 0; i < def->ips->len; i++)
        net_format_ip(buf, g_ptr_array_index(def->ips, i));
    for (i = 0; i < def->routes->len; i++)
        net_format_route(buf, g_ptr_array_index(def->routes, i));
    prov_net_xml_format_virtport(buf, def->virtualport);
    for (i = 0; i < def->portgroups->len; i++)
        net_format_portgroup(buf, g_ptr_array_index(def->portgroups, i));
    if (def->dnsmasq_options->len > 0) {
        prov_xml_buf_add(buf, "<dnsmasq:options>\n");
        prov_xml_buf_adjust_indent(buf, 2);
        for (i = 0; i < def->dnsmasq_options->len; i++)
            prov_xml_buf_escape(buf, "<dnsmasq:option value='%s'/>\n",
                                g_ptr_array_index(def->dnsmasq_options, i));
        prov_xml_buf_adjust_indent(buf, -2);
        prov_xml_buf_add(buf, "</dnsmasq:options>\n");
    }
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</network>\n");
}

char *
prov_network_def_format(const ProvNetworkDef *def, unsigned int flags)
{
    g_auto(ProvXmlBuf) buf = { NULL, 0 };

    g_return_val_if_fail(def != NULL, NULL);
    prov_xml_buf_init(&buf);
    net_format_buf(&buf, def, flags);
    return prov_xml_buf_steal(&buf);
}

ProvNetworkDef *
prov_network_def_copy(const ProvNetworkDef *def, GError **error)
{
    g_autofree char *xml = prov_network_def_format(def, 0);

    return prov_network_def_parse_string(xml, 0, error);
}

/* ---- driver-level rules --------------------------------------------------------------- */

bool
prov_network_def_validate(ProvNetworkDef *def, GError **error)
{
    g_autofree char *who = NULL;
    const char *mode;
    bool l3;
    bool vlan_allowed;
    bool vlan_used;
    bool bandwidth_allowed;
    bool uses_netdev = false;
    bool uses_pci = false;
    guint i;

    if (!prov_network_def_check(def, error))
        return false;
    who = net_who(def->name);
    mode = net_forward_mode_names[def->forward.mode];
    l3 = prov_network_def_is_l3(def);

    /* Only the networks whose bridge we create have a host-side address and services. */
    bandwidth_allowed = l3 || (def->forward.mode == PROV_NET_FORWARD_BRIDGE && def->bridge);
    if (!l3) {
        if (def->mac_specified) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: <mac> is not supported with forward mode '%s'", who, mode);
            return false;
        }
        if (def->ips->len > 0) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: <ip> is not supported with forward mode '%s'", who, mode);
            return false;
        }
        if (def->dns.txts->len || def->dns.hosts->len || def->dns.srvs->len) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: DNS records in <dns> are not supported with forward mode '%s'",
                        who, mode);
            return false;
        }
        if (def->domain) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: <domain> is not supported with forward mode '%s'", who, mode);
            return false;
        }
        if (def->bandwidth && !bandwidth_allowed) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: a network-wide <bandwidth> is not supported with forward mode "
                        "'%s'%s", who, mode,
                        def->forward.mode == PROV_NET_FORWARD_BRIDGE ? " without a bridge name"
                                                                     : "");
            return false;
        }
    }
    for (i = 0; i < def->forward.ifs->len; i++) {
        const ProvNetForwardIf *fi = g_ptr_array_index(def->forward.ifs, i);

        if (fi->type == PROV_NET_FORWARD_IF_NETDEV) {
            uses_netdev = true;
            if (def->forward.mode == PROV_NET_FORWARD_HOSTDEV) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                            "%s: hostdev networks list their devices by PCI address, not by "
                            "device name ('%s')", who, fi->dev);
                return false;
            }
        } else {
            uses_pci = true;
            if (def->forward.mode != PROV_NET_FORWARD_HOSTDEV) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                            "%s: PCI addresses in <forward> are only supported with forward "
                            "mode 'hostdev', not '%s'", who, mode);
                return false;
            }
        }
    }
    if ((def->forward.pf_dev != NULL) + uses_netdev + uses_pci > 1) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: <address>, <interface> and <pf> in <forward> are mutually exclusive",
                    who);
        return false;
    }

    vlan_allowed = def->forward.mode == PROV_NET_FORWARD_HOSTDEV ||
                   def->forward.mode == PROV_NET_FORWARD_PASSTHROUGH ||
                   (def->forward.mode == PROV_NET_FORWARD_BRIDGE &&
                    (!def->virtualport ||
                     def->virtualport->type == PROV_NET_VPORT_OPENVSWITCH));
    vlan_used = def->vlan.tags->len > 0;
    for (i = 0; i < def->portgroups->len; i++) {
        const ProvNetPortGroup *pg = g_ptr_array_index(def->portgroups, i);

        vlan_used = vlan_used || pg->vlan.tags->len > 0;
        if (pg->bandwidth && !bandwidth_allowed) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: <bandwidth> in portgroup '%s' is not supported with forward mode "
                        "'%s'", who, pg->name, mode);
            return false;
        }
    }
    if (vlan_used && !vlan_allowed) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: <vlan> is not supported with forward mode '%s'", who, mode);
        return false;
    }

    if (l3 && !def->mac_specified) {
        prov_network_def_generate_mac(def->mac);
        def->mac_specified = true;
    }
    return true;
}

/* ---- accessors ------------------------------------------------------------------------ */

const ProvNetIpDef *
prov_network_def_get_ip(const ProvNetworkDef *def, int family, guint n)
{
    guint i;

    for (i = 0; i < def->ips->len; i++) {
        const ProvNetIpDef *ip = g_ptr_array_index(def->ips, i);

        if (family != AF_UNSPEC && ip->family != family)
            continue;
        if (n == 0)
            return ip;
        n--;
    }
    return NULL;
}

const ProvNetIpDef *
prov_network_def_first_ipv4(const ProvNetworkDef *def)
{
    return prov_network_def_get_ip(def, AF_INET, 0);
}

GPtrArray *
prov_network_def_ipv6_defs(const ProvNetworkDef *def)
{
    GPtrArray *ret = g_ptr_array_new();
    guint i;

    for (i = 0; i < def->ips->len; i++) {
        ProvNetIpDef *ip = g_ptr_array_index(def->ips, i);

        if (ip->family == AF_INET6)
            g_ptr_array_add(ret, ip);
    }
    return ret;
}

bool
prov_network_def_has_ipv4(const ProvNetworkDef *def)
{
    return prov_network_def_get_ip(def, AF_INET, 0) != NULL;
}

bool
prov_network_def_has_ipv6(const ProvNetworkDef *def)
{
    return prov_network_def_get_ip(def, AF_INET6, 0) != NULL;
}

const ProvNetIpDef *
prov_network_def_dhcp_ip(const ProvNetworkDef *def, int family)
{
    guint i;

    for (i = 0; i < def->ips->len; i++) {
        const ProvNetIpDef *ip = g_ptr_array_index(def->ips, i);

        if (ip->family == family && prov_net_ip_def_has_dhcp(ip))
            return ip;
    }
    return NULL;
}

bool
prov_network_def_dhcp_enabled(const ProvNetworkDef *def)
{
    return prov_network_def_dhcp_ip(def, AF_INET) || prov_network_def_dhcp_ip(def, AF_INET6);
}

bool
prov_network_def_tftp_enabled(const ProvNetworkDef *def)
{
    guint i;

    for (i = 0; i < def->ips->len; i++) {
        const ProvNetIpDef *ip = g_ptr_array_index(def->ips, i);

        if (ip->family == AF_INET && ip->tftp_root)
            return true;
    }
    return false;
}

bool
prov_network_def_dns_enabled(const ProvNetworkDef *def)
{
    return def->dns.enable != PROV_NET_TRISTATE_NO;
}

bool
prov_network_def_dnsmasq_needed(const ProvNetworkDef *def)
{
    return prov_network_def_is_l3(def) && def->ips->len > 0 &&
           (prov_network_def_dhcp_enabled(def) || prov_network_def_tftp_enabled(def) ||
            prov_network_def_dns_enabled(def));
}

bool
prov_network_def_is_l3(const ProvNetworkDef *def)
{
    return def->forward.mode == PROV_NET_FORWARD_NONE ||
           def->forward.mode == PROV_NET_FORWARD_NAT ||
           def->forward.mode == PROV_NET_FORWARD_ROUTE ||
           def->forward.mode == PROV_NET_FORWARD_OPEN;
}

const char *
prov_network_def_forward_dev(const ProvNetworkDef *def)
{
    const ProvNetForwardIf *fi;

    if (def->forward.ifs->len == 0)
        return NULL;
    fi = g_ptr_array_index(def->forward.ifs, 0);
    return fi->type == PROV_NET_FORWARD_IF_NETDEV ? fi->dev : NULL;
}

const ProvNetPortGroup *
prov_network_def_find_portgroup(const ProvNetworkDef *def, const char *name)
{
    guint i;

    for (i = 0; i < def->portgroups->len; i++) {
        const ProvNetPortGroup *pg = g_ptr_array_index(def->portgroups, i);

        if (name ? g_str_equal(pg->name, name) : pg->is_default)
            return pg;
    }
    return NULL;
}

bool
prov_network_def_ip_overlaps(const ProvNetworkDef *a, const ProvNetworkDef *b, char **ret_desc)
{
    guint i;
    guint j;

    for (i = 0; i < a->ips->len; i++) {
        const ProvNetIpDef *ia = g_ptr_array_index(a->ips, i);
        int pa = prov_net_ip_def_prefix(ia);

        for (j = 0; pa >= 0 && j < b->ips->len; j++) {
            const ProvNetIpDef *ib = g_ptr_array_index(b->ips, j);
            int pb = prov_net_ip_def_prefix(ib);

            if (pb < 0 || ia->family != ib->family ||
                !prov_net_subnets_overlap(&ia->address, (unsigned int) pa, &ib->address,
                                          (unsigned int) pb))
                continue;
            if (ret_desc) {
                g_autofree char *sa = net_subnet_string(ia);
                g_autofree char *sb = net_subnet_string(ib);

                *ret_desc = g_strdup_printf("%s overlaps %s", sa, sb);
            }
            return true;
        }
    }
    return false;
}

/* ---- single elements (net-update snippets) ---------------------------------------------- */

/* Parses @xml, whose root element must be <@expected>; returns the document. */
static xmlDoc *
net_snippet_parse(const ProvNetworkDef *def, const char *xml, const char *expected,
                  xmlNode **ret_root, GError **error)
{
    g_autofree char *who = net_who(def ? def->name : NULL);
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *root;

    doc = prov_xml_parse(xml, -1, "network update element", NULL, NULL, error);
    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (!net_elem_is(root, expected)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: unexpected element <%s>, expecting <%s>", who, net_node_name(root),
                    expected);
        return NULL;
    }
    *ret_root = root;
    return g_steal_pointer(&doc);
}

ProvNetDhcpHost *
prov_net_dhcp_host_parse_string(const ProvNetworkDef *def, const ProvNetIpDef *ip,
                                const char *xml, bool partial, GError **error)
{
    g_autofree char *who = net_who(def ? def->name : NULL);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(ProvNetDhcpHost) host = NULL;
    xmlNode *root;

    if (!(doc = net_snippet_parse(def, xml, "host", &root, error)))
        return NULL;
    if (!(host = net_host_parse(root, who, partial, error)))
        return NULL;
    if (ip && ip->family == AF_INET6 && host->mac) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: static host with mac='%s' in an IPv6 subnet: IPv6 hosts are matched "
                    "by id (DUID) or name, not by MAC", who, host->mac);
        return NULL;
    }
    if (!partial && ip && !net_host_check(who, ip, host, error))
        return NULL;
    return g_steal_pointer(&host);
}

ProvNetDhcpRange *
prov_net_dhcp_range_parse_string(const ProvNetworkDef *def, const ProvNetIpDef *ip,
                                 const char *xml, GError **error)
{
    g_autofree char *who = net_who(def ? def->name : NULL);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(ProvNetDhcpRange) range = NULL;
    xmlNode *root;

    if (!(doc = net_snippet_parse(def, xml, "range", &root, error)))
        return NULL;
    if (!(range = net_range_parse(root, who, error)))
        return NULL;
    if (ip && !net_range_check(who, ip, range, error))
        return NULL;
    return g_steal_pointer(&range);
}

ProvNetForwardIf *
prov_net_forward_if_parse_string(const ProvNetworkDef *def, const char *xml, GError **error)
{
    g_autofree char *who = net_who(def ? def->name : NULL);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(ProvNetForwardIf) fif = g_new0(ProvNetForwardIf, 1);
    xmlNode *root;

    if (!(doc = net_snippet_parse(def, xml, "interface", &root, error)))
        return NULL;
    fif->type = PROV_NET_FORWARD_IF_NETDEV;
    fif->dev = prov_xml_prop_string(root, "dev");
    if (!fif->dev || !net_is_device_name(fif->dev)) {
        g_autofree char *shown = prov_net_xml_shown(fif->dev);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <interface> needs a valid dev='...' (got '%s')", who, shown);
        return NULL;
    }
    if (!net_attr_uint(root, "connections", 0, G_MAXUINT32, who, &fif->connections, error))
        return NULL;
    return g_steal_pointer(&fif);
}

ProvNetPortGroup *
prov_net_portgroup_parse_string(const ProvNetworkDef *def, const char *xml, GError **error)
{
    g_autofree char *who = net_who(def ? def->name : NULL);
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *root;

    if (!(doc = net_snippet_parse(def, xml, "portgroup", &root, error)))
        return NULL;
    return net_portgroup_parse(root, who, error);
}

ProvNetDnsHost *
prov_net_dns_host_parse_string(const ProvNetworkDef *def, const char *xml, bool partial,
                               GError **error)
{
    g_autofree char *who = net_who(def ? def->name : NULL);
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *root;

    if (!(doc = net_snippet_parse(def, xml, "host", &root, error)))
        return NULL;
    return net_dns_host_parse(root, who, partial, error);
}

ProvNetDnsTxt *
prov_net_dns_txt_parse_string(const ProvNetworkDef *def, const char *xml, bool partial,
                              GError **error)
{
    g_autofree char *who = net_who(def ? def->name : NULL);
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *root;

    if (!(doc = net_snippet_parse(def, xml, "txt", &root, error)))
        return NULL;
    return net_txt_parse(root, who, partial, error);
}

ProvNetDnsSrv *
prov_net_dns_srv_parse_string(const ProvNetworkDef *def, const char *xml, bool partial,
                              GError **error)
{
    g_autofree char *who = net_who(def ? def->name : NULL);
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *root;

    if (!(doc = net_snippet_parse(def, xml, "srv", &root, error)))
        return NULL;
    return net_srv_parse(root, who, partial, error);
}
