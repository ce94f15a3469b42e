/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_conf.h: virtual network XML model (libvirt's <network> format): parse, check, format. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Layout of this model
 * --------------------
 * A ProvNetworkDef is a plain tree of structs that mirrors libvirt's <network> element by
 * element.  Arrays are GPtrArrays that are never NULL after prov_network_def_new() (they
 * free their elements); optional sub-structures are pointers (NULL = element absent);
 * optional yes/no attributes are ProvNetTristate; addresses are stored parsed
 * (ProvNetAddr) and formatted canonically (inet_ntop), as libvirt does.
 *
 * Checks are split as in libvirt:
 *  - parsing (prov_network_def_parse_*) applies every rule libvirt's parser applies, plus
 *    provd's own stricter ones (duplicate static hosts, range in subnet, ...);
 *  - prov_network_def_validate() applies the rules libvirt's network driver checks at
 *    define/start time (networkValidate) and fills the defaults a live network needs.
 * Overlap with other networks and bridge names in use are the driver's business; it can
 * use prov_network_def_ip_overlaps().
 *
 * Errors are PROV_NETWORK_ERROR (util/error.h) unless they come from the XML layer
 * (PROV_XML_ERROR: malformed document, schema violation).  Messages name the network
 * and quote the offending value: "network 'default': DHCP range '10.0.0.2' - '10.0.0.9'
 * is not within subnet 192.168.122.0/24".
 */

/* ---- small shared types ------------------------------------------------------------- */

/* Optional yes/no attribute (yes / no / not given). */
typedef enum {
    PROV_NET_TRISTATE_ABSENT = 0,
    PROV_NET_TRISTATE_YES,
    PROV_NET_TRISTATE_NO,
} ProvNetTristate;

/* An IPv4 or IPv6 address.  family == AF_UNSPEC (0) means "not set". */
typedef struct {
    int family;              /* AF_UNSPEC, AF_INET or AF_INET6 */
    guint8 bytes[16];        /* network byte order; IPv4 uses bytes[0..3] */
} ProvNetAddr;

/* Buffer size for prov_net_addr_to_string() (INET6_ADDRSTRLEN). */
#define PROV_NET_ADDR_STRLEN 46

/* A MAC address as text: "52:54:00:ab:cd:ef" plus NUL. */
#define PROV_NET_MAC_STRLEN 18

/*
 * prov_net_addr_parse:
 * @str: dotted quad or IPv6 text (no prefix, no brackets, no zone)
 * @family: AF_UNSPEC to accept either, or the family required
 * @ret: (out): the address, written only on success
 *
 * Returns false (without a GError: callers name the network and the field) when @str is
 * NULL, not an address, or of the other family.
 */
bool prov_net_addr_parse(const char *str, int family, ProvNetAddr *ret);
/* Canonical text of @addr (inet_ntop) in @buf; "" when unset.  Returns @buf. */
const char *prov_net_addr_to_string(const ProvNetAddr *addr, char buf[PROV_NET_ADDR_STRLEN]);
/* Same, newly allocated (NULL when unset).  Caller frees. */
char *prov_net_addr_format(const ProvNetAddr *addr);
static inline bool
prov_net_addr_is_set(const ProvNetAddr *addr)
{
    return addr->family == AF_INET || addr->family == AF_INET6;
}
/* Same family and same bytes (two unset addresses are equal). */
bool prov_net_addr_equal(const ProvNetAddr *a, const ProvNetAddr *b);
/* Orders addresses of one family numerically: <0, 0, >0.  Families compare v4 < v6. */
int prov_net_addr_compare(const ProvNetAddr *a, const ProvNetAddr *b);
/* Bits in an address of @family: 32 or 128 (0 for anything else). */
unsigned int prov_net_family_bits(int family);
/* "ipv4" / "ipv6" (the XML family attribute), NULL for other families. */
const char *prov_net_family_to_string(int family);

/*
 * Subnet arithmetic.  @prefix must be <= the family's bit count.
 * prov_net_addr_mask: @addr with the host bits cleared (the network address).
 * prov_net_addr_broadcast: @addr with the host bits set (IPv4 broadcast; for IPv6 the
 *   last address of the subnet).
 * prov_net_prefix_to_netmask / prov_net_netmask_to_prefix: netmask <-> prefix length;
 *   the latter returns -1 for a non-contiguous mask.
 * prov_net_addr_in_subnet: @addr lies inside @net/@prefix (same family).
 * prov_net_range_size: number of addresses from @start to @end inclusive, -1 when the
 *   families differ or @end < @start; saturates at G_MAXINT64 for huge IPv6 ranges.
 */
void prov_net_addr_mask(const ProvNetAddr *addr, unsigned int prefix, ProvNetAddr *ret);
void prov_net_addr_broadcast(const ProvNetAddr *addr, unsigned int prefix, ProvNetAddr *ret);
void prov_net_prefix_to_netmask(int family, unsigned int prefix, ProvNetAddr *ret);
int prov_net_netmask_to_prefix(const ProvNetAddr *netmask);
bool prov_net_addr_in_subnet(const ProvNetAddr *addr, const ProvNetAddr *net,
                             unsigned int prefix);
gint64 prov_net_range_size(const ProvNetAddr *start, const ProvNetAddr *end);
/* Two subnets share at least one address. */
bool prov_net_subnets_overlap(const ProvNetAddr *a, unsigned int a_prefix,
                              const ProvNetAddr *b, unsigned int b_prefix);

/*
 * MAC addresses.  prov_net_mac_parse accepts "xx:xx:xx:xx:xx:xx" (one or two hex digits
 * per byte, either case) and nothing else; prov_net_mac_format writes lower case.
 */
bool prov_net_mac_parse(const char *str, guint8 ret_mac[6]);
const char *prov_net_mac_format(const guint8 mac[6], char buf[PROV_NET_MAC_STRLEN]);
static inline bool
prov_net_mac_is_multicast(const guint8 mac[6])
{
    return (mac[0] & 0x01) != 0;
}
/* A random locally administered unicast MAC in QEMU/KVM's range: 52:54:00:xx:xx:xx. */
void prov_network_def_generate_mac(guint8 ret_mac[6]);

/* UUIDs: 32 hex digits, dashed (8-4-4-4-12) or not; formatted lower case and dashed. */
bool prov_net_uuid_parse(const char *str, guint8 ret_uuid[16]);
void prov_net_uuid_format(const guint8 uuid[16], char buf[37]);
void prov_net_uuid_generate(guint8 ret_uuid[16]);

/* ---- enums (each with one string table: _to_string returns NULL, _from_string -1) ----- */

/* <forward mode=...>; NONE means no <forward> element (an isolated network). */
typedef enum {
    PROV_NET_FORWARD_NONE,
    PROV_NET_FORWARD_NAT,
    PROV_NET_FORWARD_ROUTE,
    PROV_NET_FORWARD_OPEN,
    PROV_NET_FORWARD_BRIDGE,
    PROV_NET_FORWARD_PRIVATE,
    PROV_NET_FORWARD_VEPA,
    PROV_NET_FORWARD_PASSTHROUGH,
    PROV_NET_FORWARD_HOSTDEV,
    PROV_NET_FORWARD_LAST
} ProvNetForwardMode;
const char *prov_net_forward_mode_to_string(ProvNetForwardMode mode);
int prov_net_forward_mode_from_string(const char *str);

/* <bridge macTableManager=...>; DEFAULT = attribute absent (behaves as kernel). */
typedef enum {
    PROV_NET_MAC_TABLE_DEFAULT,
    PROV_NET_MAC_TABLE_KERNEL,
    PROV_NET_MAC_TABLE_LIBVIRT,
    PROV_NET_MAC_TABLE_LAST
} ProvNetMacTableManager;
const char *prov_net_mac_table_manager_to_string(ProvNetMacTableManager value);
int prov_net_mac_table_manager_from_string(const char *str);

/* <forward><driver name=...>: how hostdev VFs are assigned. */
typedef enum {
    PROV_NET_FORWARD_DRIVER_DEFAULT,
    PROV_NET_FORWARD_DRIVER_KVM,
    PROV_NET_FORWARD_DRIVER_VFIO,
    PROV_NET_FORWARD_DRIVER_LAST
} ProvNetForwardDriverName;
const char *prov_net_forward_driver_name_to_string(ProvNetForwardDriverName value);
int prov_net_forward_driver_name_from_string(const char *str);

/* <lease unit=...>; libvirt's default is minutes. */
typedef enum {
    PROV_NET_LEASE_SECONDS,
    PROV_NET_LEASE_MINUTES,
    PROV_NET_LEASE_HOURS,
    PROV_NET_LEASE_LAST
} ProvNetLeaseUnit;
const char *prov_net_lease_unit_to_string(ProvNetLeaseUnit unit);
int prov_net_lease_unit_from_string(const char *str);

/* <virtualport type=...>; NONE = no type attribute (filled from the network later). */
typedef enum {
    PROV_NET_VPORT_NONE,
    PROV_NET_VPORT_8021QBG,
    PROV_NET_VPORT_8021QBH,
    PROV_NET_VPORT_OPENVSWITCH,
    PROV_NET_VPORT_MIDONET,
    PROV_NET_VPORT_LAST
} ProvNetVirtPortType;
const char *prov_net_virtport_type_to_string(ProvNetVirtPortType type);
int prov_net_virtport_type_from_string(const char *str);

/* <tag nativeMode=...>. */
typedef enum {
    PROV_NET_VLAN_NATIVE_DEFAULT,
    PROV_NET_VLAN_NATIVE_TAGGED,
    PROV_NET_VLAN_NATIVE_UNTAGGED,
    PROV_NET_VLAN_NATIVE_LAST
} ProvNetVlanNativeMode;
const char *prov_net_vlan_native_mode_to_string(ProvNetVlanNativeMode mode);
int prov_net_vlan_native_mode_from_string(const char *str);

/* <srv protocol=...> is free text in libvirt's schema ([A-Za-z0-9+/-]); kept as a string. */

/* ---- sub-elements -------------------------------------------------------------------- */

/* <lease expiry= unit=/> of a DHCP range or host. */
typedef struct {
    guint64 expiry;          /* in @unit; 0 = infinite */
    ProvNetLeaseUnit unit;
} ProvNetDhcpLease;

/* Lease time in seconds; 0 means infinite. */
guint64 prov_net_dhcp_lease_seconds(const ProvNetDhcpLease *lease);

/* <range start= end=> with an optional <lease>. */
typedef struct {
    ProvNetAddr start;
    ProvNetAddr end;
    ProvNetDhcpLease *lease;  /* NULL = dnsmasq's default */
} ProvNetDhcpRange;

/*
 * <host> inside <dhcp>.  IPv4: mac + ip [+ name], or name + ip.  IPv6: id and/or name,
 * plus ip (mac is refused).  All strings are NULL when absent; @mac is lower case.
 */
typedef struct {
    char *mac;               /* "52:54:00:..." lower case, or NULL */
    char *id;                /* IPv6 DUID "0:1:0:1:..." or NULL */
    char *name;
    ProvNetAddr ip;          /* always set after parsing a complete host */
    ProvNetDhcpLease *lease;
} ProvNetDhcpHost;

/* One <ip> element. */
typedef struct {
    int family;              /* AF_INET or AF_INET6 (from family=, default ipv4) */
    bool family_explicit;    /* family= was written (formatted back only then) */
    ProvNetAddr address;     /* the bridge's own address */
    unsigned int prefix;     /* prefix= as given, 0 = not given */
    ProvNetAddr netmask;     /* netmask= as given (IPv4 only), unset = not given */
    ProvNetTristate local_ptr;
    char *tftp_root;         /* <tftp root=>, IPv4 only */
    GPtrArray *ranges;       /* of ProvNetDhcpRange*, never NULL */
    GPtrArray *hosts;        /* of ProvNetDhcpHost*, never NULL */
    char *bootp_file;        /* <bootp file=>, IPv4 only */
    ProvNetAddr bootp_server;  /* <bootp server=>, unset = not given */
} ProvNetIpDef;

/*
 * Effective prefix length of an <ip>: prefix=, else the netmask's, else the classful
 * default libvirt uses for IPv4 (class A /8, B /16, C /24; -1 for class D/E addresses)
 * and 64 for IPv6.  Returns -1 when none can be derived.
 */
int prov_net_ip_def_prefix(const ProvNetIpDef *ip);
/* Netmask of the effective prefix (IPv4 and IPv6). False when the prefix is unknown. */
bool prov_net_ip_def_netmask(const ProvNetIpDef *ip, ProvNetAddr *ret);
/* Network address (address with host bits cleared).  False when the prefix is unknown. */
bool prov_net_ip_def_network(const ProvNetIpDef *ip, ProvNetAddr *ret);
/* Broadcast (last) address of the subnet.  False when the prefix is unknown. */
bool prov_net_ip_def_broadcast(const ProvNetIpDef *ip, ProvNetAddr *ret);
/* @addr is inside this <ip>'s subnet. */
bool prov_net_ip_def_contains(const ProvNetIpDef *ip, const ProvNetAddr *addr);
/* The <ip> has DHCP (at least one range or static host: an empty <dhcp/> is no DHCP). */
bool prov_net_ip_def_has_dhcp(const ProvNetIpDef *ip);
/* Sum of the sizes of its DHCP ranges. */
guint64 prov_net_ip_def_dhcp_size(const ProvNetIpDef *ip);
/*
 * The reverse-DNS zone of the subnet for localPtr ("122.168.192.in-addr.arpa",
 * "1.0.d.f.0.1.c.a.8.b.d.0.1.0.0.2.ip6.arpa").  Fails (CONFIG_UNSUPPORTED) when the
 * prefix is not a multiple of 8 (IPv4) or 4 (IPv6).  Caller frees *@ret.
 */
bool prov_net_ip_def_ptr_zone(const ProvNetIpDef *ip, char **ret, GError **error);

/* One <route>. */
typedef struct {
    int family;              /* AF_INET or AF_INET6 */
    bool family_explicit;    /* family= was written (formatted back only then) */
    ProvNetAddr address;
    unsigned int prefix;     /* 0 = not given (then netmask, else 0 = default route) */
    ProvNetAddr netmask;     /* IPv4 only, unset = not given */
    ProvNetAddr gateway;
    unsigned int metric;     /* 0 = not given (the route is added with metric 1) */
} ProvNetRoute;

/* Effective prefix of a route: prefix=, else the netmask's, else 0. */
unsigned int prov_net_route_prefix(const ProvNetRoute *route);

/* <forwarder addr= domain=/>: at least one of the two is set. */
typedef struct {
    ProvNetAddr addr;        /* unset = not given */
    char *domain;
} ProvNetDnsForwarder;

/* <txt name= value=/>. */
typedef struct {
    char *name;
    char *value;
} ProvNetDnsTxt;

/* <srv>: service and protocol are required; numbers are 0 when not given. */
typedef struct {
    char *service;
    char *protocol;
    char *domain;
    char *target;
    unsigned int port;
    unsigned int priority;
    unsigned int weight;
} ProvNetDnsSrv;

/* <host ip=><hostname>...</hostname>+</host>. */
typedef struct {
    ProvNetAddr ip;
    GPtrArray *hostnames;    /* of char*, never NULL, at least one after parsing */
} ProvNetDnsHost;

/* <dns>.  A network without a <dns> element has an all-empty one. */
typedef struct {
    ProvNetTristate enable;              /* absent = yes */
    ProvNetTristate forward_plain_names;
    GPtrArray *forwarders;   /* of ProvNetDnsForwarder* */
    GPtrArray *txts;         /* of ProvNetDnsTxt* */
    GPtrArray *srvs;         /* of ProvNetDnsSrv* */
    GPtrArray *hosts;        /* of ProvNetDnsHost* */
} ProvNetDns;

/* One direction of <bandwidth>: kB/s (average, peak, floor) and KiB (burst); 0 = unset. */
typedef struct {
    guint64 average;
    guint64 peak;
    guint64 floor;           /* inbound only */
    guint64 burst;
} ProvNetBandwidthRate;

typedef struct {
    ProvNetBandwidthRate *in;    /* NULL = no <inbound> */
    ProvNetBandwidthRate *out;   /* NULL = no <outbound> */
    unsigned int class_id;       /* classID= (ports, status), 0 = none */
} ProvNetBandwidth;

/* <vlan trunk=><tag id= nativeMode=/>+</vlan>. */
typedef struct {
    bool trunk;
    GArray *tags;            /* of guint (0-4095), never NULL; empty = no <vlan> */
    ProvNetVlanNativeMode native_mode;
    guint native_tag;        /* meaningful when native_mode != DEFAULT */
} ProvNetVlan;

/* One attribute of <virtualport><parameters .../>. */
typedef struct {
    char *name;              /* managerid, typeid, typeidversion, instanceid, interfaceid, profileid */
    char *value;
} ProvNetVirtPortParam;

/*
 * <virtualport type=><parameters .../></virtualport>.  The parameters are kept as
 * name/value pairs (checked per type at parse time, formatted in libvirt's order:
 * managerid, typeid, typeidversion, instanceid, interfaceid, profileid).
 */
typedef struct {
    ProvNetVirtPortType type;
    GPtrArray *params;       /* of ProvNetVirtPortParam*, never NULL */
} ProvNetVirtPort;

/* Value of a virtualport parameter, or NULL. */
const char *prov_net_virtport_param(const ProvNetVirtPort *vport, const char *name);

/* <portgroup>. */
typedef struct {
    char *name;
    bool is_default;
    ProvNetTristate trust_guest_rx_filters;
    ProvNetVlan vlan;
    ProvNetBandwidth *bandwidth;
    ProvNetVirtPort *virtualport;
} ProvNetPortGroup;

/* A PCI address (<address type='pci' domain= bus= slot= function=/>). */
typedef struct {
    unsigned int domain;
    unsigned int bus;
    unsigned int slot;
    unsigned int function;
} ProvNetPciAddr;

typedef enum {
    PROV_NET_FORWARD_IF_NETDEV,  /* <interface dev=/> */
    PROV_NET_FORWARD_IF_PCI,     /* <address type='pci' .../> */
} ProvNetForwardIfType;

/* One member of the forward device pool, in document order. */
typedef struct {
    ProvNetForwardIfType type;
    char *dev;               /* NETDEV */
    ProvNetPciAddr pci;      /* PCI */
    unsigned int connections;  /* live only (connections=), 0 otherwise */
} ProvNetForwardIf;

/* <forward>. */
typedef struct {
    ProvNetForwardMode mode;
    bool managed;            /* hostdev: managed='yes' */
    ProvNetForwardDriverName driver_name;
    char *driver_model;      /* <driver model=> (hostdev), NULL when absent */
    GPtrArray *ifs;          /* of ProvNetForwardIf*, never NULL; dev= is ifs[0] */
    char *pf_dev;            /* <pf dev=>, at most one, NULL when absent */
    /* <nat> (mode nat only) */
    ProvNetAddr nat_addr_start;  /* unset = not given */
    ProvNetAddr nat_addr_end;
    unsigned int nat_port_start; /* 0 = not given (firewall uses 1024) */
    unsigned int nat_port_end;   /* 0 = not given (firewall uses 65535) */
    ProvNetTristate nat_ipv6;
} ProvNetForward;

/* ---- the network --------------------------------------------------------------------- */

typedef struct {
    char *name;
    guint8 uuid[16];
    char *title;
    char *description;
    char *metadata;          /* the <metadata> element verbatim (children only), or NULL */
    unsigned int connections;  /* live only: <network connections=> */
    bool ipv6_nogw;          /* <network ipv6='yes'> */
    ProvNetTristate trust_guest_rx_filters;

    ProvNetForward forward;

    char *bridge;            /* <bridge name=>; may be a template with one %d */
    char *bridge_zone;       /* firewalld zone */
    bool stp;                /* default on */
    unsigned long delay;     /* forward delay in seconds, default 0 */
    ProvNetMacTableManager mac_table_manager;
    unsigned int mtu;        /* 0 = not given */

    guint8 mac[6];
    bool mac_specified;      /* <mac> given (or generated by validate) */

    char *domain;            /* <domain name=> */
    ProvNetTristate domain_local_only;
    ProvNetTristate domain_register;

    ProvNetDns dns;
    ProvNetVlan vlan;
    ProvNetBandwidth *bandwidth;
    ProvNetTristate port_isolated;   /* <port isolated=> */

    GPtrArray *ips;          /* of ProvNetIpDef*, document order, never NULL */
    GPtrArray *routes;       /* of ProvNetRoute*, never NULL */
    ProvNetVirtPort *virtualport;
    GPtrArray *portgroups;   /* of ProvNetPortGroup*, never NULL */
    GPtrArray *dnsmasq_options;  /* of char* (<dnsmasq:option value=>), never NULL */
} ProvNetworkDef;

/* Empty definition (forward mode NONE, stp on, every array empty). */
ProvNetworkDef *prov_network_def_new(void);
void prov_network_def_free(ProvNetworkDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetworkDef, prov_network_def_free)

/* ---- parse / format ---------------------------------------------------------------- */

typedef enum {
    PROV_NETWORK_PARSE_VALIDATE = 1 << 0,   /* also validate against xml-schemas/network.rng */
} ProvNetworkParseFlags;

typedef enum {
    /* Leave out live-only data: connections= counts, and the forward pool a <pf> was
     * expanded into (only the <pf> is written).  As libvirt's VIR_NETWORK_XML_INACTIVE. */
    PROV_NETWORK_FORMAT_INACTIVE = 1 << 0,
} ProvNetworkFormatFlags;

/**
 * prov_network_def_parse_string:
 * @xml: a <network> document (no DTD, no entities, no network access)
 * @flags: ProvNetworkParseFlags
 *
 * Parses and checks a network definition; a missing <uuid> is generated.
 * Returns the definition (caller frees) or NULL with @error set: PROV_XML_ERROR for
 * malformed XML or a schema violation, PROV_NETWORK_ERROR otherwise (XML_ERROR,
 * INVALID_NETWORK, INVALID_MAC, CONFIG_UNSUPPORTED ...), naming the network and value.
 */
ProvNetworkDef *prov_network_def_parse_string(const char *xml, unsigned int flags,
                                              GError **error);
/* Same for the file at @path. */
ProvNetworkDef *prov_network_def_parse_file(const char *path, unsigned int flags,
                                            GError **error);
/*
 * Parses the first <network> child of the root element of @xml (a status document such
 * as <networkstatus><network>...</network>...</networkstatus>).  @root is the required
 * root element name.
 */
ProvNetworkDef *prov_network_def_parse_embedded(const char *xml, const char *root,
                                                unsigned int flags, GError **error);

/**
 * prov_network_def_format:
 * @def: a definition
 * @flags: ProvNetworkFormatFlags
 *
 * Formats @def the way libvirt does: single quotes, two-space indent, elements in
 * canonical order.  Returns the text (caller frees); never fails for a valid def.
 */
char *prov_network_def_format(const ProvNetworkDef *def, unsigned int flags);

/* Deep copy (format + parse).  Returns NULL with @error only for an invalid @def. */
ProvNetworkDef *prov_network_def_copy(const ProvNetworkDef *def, GError **error);

/**
 * prov_network_def_validate:
 * @def: a parsed definition (modified: defaults are filled in)
 *
 * The driver-level rules (libvirt networkValidate), checked at define and start:
 * modes other than none/nat/route/open may not have <mac>, <ip>, <domain>, DNS
 * host/txt/srv records or (except bridge with a bridge name) a network <bandwidth>;
 * <vlan> only where the mode can apply it; at most one IPv4 and one IPv6 <ip> with DHCP;
 * at most one default portgroup and unique portgroup names; bandwidth floors need a
 * network inbound average.  Then fills defaults: a random 52:54:00 <mac> for
 * none/nat/route/open networks that have none (the bridge name is the driver's choice).
 * Returns false with PROV_NETWORK_ERROR (CONFIG_UNSUPPORTED / INVALID_NETWORK).
 */
bool prov_network_def_validate(ProvNetworkDef *def, GError **error);

/* ---- accessors the driver, dnsmasq, radvd and firewall code use ---------------------- */

/* The nth <ip> of @family (AF_UNSPEC = any family), or NULL. */
const ProvNetIpDef *prov_network_def_get_ip(const ProvNetworkDef *def, int family, guint n);
/* The first IPv4 <ip>, or NULL. */
const ProvNetIpDef *prov_network_def_first_ipv4(const ProvNetworkDef *def);
/* All IPv6 <ip>s in document order: a new array of borrowed pointers (free the array). */
GPtrArray *prov_network_def_ipv6_defs(const ProvNetworkDef *def);
bool prov_network_def_has_ipv4(const ProvNetworkDef *def);
bool prov_network_def_has_ipv6(const ProvNetworkDef *def);
/* The <ip> of @family that has DHCP (at most one exists after parsing), or NULL. */
const ProvNetIpDef *prov_network_def_dhcp_ip(const ProvNetworkDef *def, int family);
/* Any <ip> has DHCP (ranges or hosts). */
bool prov_network_def_dhcp_enabled(const ProvNetworkDef *def);
/* Any IPv4 <ip> has <tftp root=>. */
bool prov_network_def_tftp_enabled(const ProvNetworkDef *def);
/* DNS is served (no <dns enable='no'>). */
bool prov_network_def_dns_enabled(const ProvNetworkDef *def);
/*
 * dnsmasq must run: the network has an <ip> and (DHCP or TFTP or DNS is enabled).
 * Only meaningful for none/nat/route/open networks (false for the others).
 */
bool prov_network_def_dnsmasq_needed(const ProvNetworkDef *def);
/* Forward mode is none/nat/route/open: we own the bridge and its addresses. */
bool prov_network_def_is_l3(const ProvNetworkDef *def);
/* The forward device (dev= / first <interface>), or NULL. */
const char *prov_network_def_forward_dev(const ProvNetworkDef *def);
/* Portgroup by name (NULL name = the default portgroup), or NULL. */
const ProvNetPortGroup *prov_network_def_find_portgroup(const ProvNetworkDef *def,
                                                        const char *name);
/*
 * Any IPv4/IPv6 subnet of @a overlaps any subnet of @b (of the same family).  When they
 * do and @ret_desc is given, *@ret_desc describes the first pair:
 * "192.168.122.0/24 overlaps 192.168.0.0/16".  Caller frees.
 */
bool prov_network_def_ip_overlaps(const ProvNetworkDef *a, const ProvNetworkDef *b,
                                  char **ret_desc);

/*
 * The parse-time rules applied to a whole definition (what prov_network_def_parse_*
 * checks once every element is read): forward mode constraints, subnet / range / static
 * host consistency, route gateways, DNS data on a disabled DNS, ...  Used again by
 * net-update on the changed definition.
 */
bool prov_network_def_check(const ProvNetworkDef *def, GError **error);

/* ---- single elements (net-update snippets) ------------------------------------------- */

/* Destructors; all accept NULL. */
void prov_net_dhcp_range_free(ProvNetDhcpRange *range);
void prov_net_dhcp_host_free(ProvNetDhcpHost *host);
void prov_net_forward_if_free(ProvNetForwardIf *fif);
void prov_net_portgroup_free(ProvNetPortGroup *pg);
void prov_net_dns_host_free(ProvNetDnsHost *host);
void prov_net_dns_txt_free(ProvNetDnsTxt *txt);
void prov_net_dns_srv_free(ProvNetDnsSrv *srv);
void prov_net_virtport_free(ProvNetVirtPort *vport);
void prov_net_bandwidth_free(ProvNetBandwidth *bw);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetDhcpRange, prov_net_dhcp_range_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetDhcpHost, prov_net_dhcp_host_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetForwardIf, prov_net_forward_if_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetPortGroup, prov_net_portgroup_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetDnsHost, prov_net_dns_host_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetDnsTxt, prov_net_dns_txt_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetDnsSrv, prov_net_dns_srv_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetVirtPort, prov_net_virtport_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetBandwidth, prov_net_bandwidth_free)

/*
 * Parsers for one element given as a document of its own (net-update's snippets).
 * @def names the network in messages (and gives context: subnets, families).  The root
 * element must have the expected name ("network 'n': unexpected element <foo>,
 * expecting <host>").  @partial accepts an element with required attributes missing,
 * as a pattern to find an existing entry (net-update delete).
 */
ProvNetDhcpHost *prov_net_dhcp_host_parse_string(const ProvNetworkDef *def,
                                                 const ProvNetIpDef *ip, const char *xml,
                                                 bool partial, GError **error);
/* The range is checked against @ip's subnet. */
ProvNetDhcpRange *prov_net_dhcp_range_parse_string(const ProvNetworkDef *def,
                                                   const ProvNetIpDef *ip, const char *xml,
                                                   GError **error);
ProvNetForwardIf *prov_net_forward_if_parse_string(const ProvNetworkDef *def, const char *xml,
                                                   GError **error);
ProvNetPortGroup *prov_net_portgroup_parse_string(const ProvNetworkDef *def, const char *xml,
                                                  GError **error);
ProvNetDnsHost *prov_net_dns_host_parse_string(const ProvNetworkDef *def, const char *xml,
                                               bool partial, GError **error);
ProvNetDnsTxt *prov_net_dns_txt_parse_string(const ProvNetworkDef *def, const char *xml,
                                             bool partial, GError **error);
ProvNetDnsSrv *prov_net_dns_srv_parse_string(const ProvNetworkDef *def, const char *xml,
                                             bool partial, GError **error);

/* ---- net-update (network_update.c) ---------------------------------------------------- */

/* Values match libvirt's virNetworkUpdateCommand. */
typedef enum {
    PROV_NET_UPDATE_NONE = 0,
    PROV_NET_UPDATE_MODIFY = 1,
    PROV_NET_UPDATE_DELETE = 2,
    PROV_NET_UPDATE_ADD_LAST = 3,
    PROV_NET_UPDATE_ADD_FIRST = 4,
    PROV_NET_UPDATE_LAST
} ProvNetUpdateCommand;
/* "none", "modify", "delete", "add-last", "add-first" (from_string also takes "add"). */
const char *prov_net_update_command_to_string(ProvNetUpdateCommand cmd);
int prov_net_update_command_from_string(const char *str);

/* Values match libvirt's virNetworkUpdateSection. */
typedef enum {
    PROV_NET_SECTION_NONE = 0,
    PROV_NET_SECTION_BRIDGE = 1,
    PROV_NET_SECTION_DOMAIN = 2,
    PROV_NET_SECTION_IP = 3,
    PROV_NET_SECTION_IP_DHCP_HOST = 4,
    PROV_NET_SECTION_IP_DHCP_RANGE = 5,
    PROV_NET_SECTION_FORWARD = 6,
    PROV_NET_SECTION_FORWARD_INTERFACE = 7,
    PROV_NET_SECTION_FORWARD_PF = 8,
    PROV_NET_SECTION_PORTGROUP = 9,
    PROV_NET_SECTION_DNS_HOST = 10,
    PROV_NET_SECTION_DNS_TXT = 11,
    PROV_NET_SECTION_DNS_SRV = 12,
    PROV_NET_SECTION_LAST
} ProvNetUpdateSection;
/* virsh's names: "bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range", "forward",
 * "forward-interface", "forward-pf", "portgroup", "dns-host", "dns-txt", "dns-srv". */
const char *prov_net_update_section_to_string(ProvNetUpdateSection section);
int prov_net_update_section_from_string(const char *str);

/* What a live network must do after an update (libvirt's reload rules, plus radvd). */
typedef enum {
    PROV_NET_RELOAD_NONE = 0,
    PROV_NET_RELOAD_DNSMASQ_RESTART = 1 << 0,  /* conf changed: kill + restart dnsmasq */
    PROV_NET_RELOAD_DNSMASQ_HOSTS = 1 << 1,    /* rewrite hostsfile/addnhosts + SIGHUP */
    PROV_NET_RELOAD_FIREWALL = 1 << 2,         /* remove the rules first, re-add after */
    PROV_NET_RELOAD_RADVD = 1 << 3,            /* rewrite radvd.conf + SIGHUP */
} ProvNetReloadFlags;

/**
 * prov_network_def_update_section:
 * @def: the definition to change (unchanged when this fails)
 * @command: ProvNetUpdateCommand
 * @section: ProvNetUpdateSection
 * @parent_index: for ip-dhcp-host / ip-dhcp-range: index of the <ip> among all <ip>s,
 *   or -1 for "the one with DHCP, else the first IPv4, else the first IPv6"
 * @xml: the element to add, modify or delete (<host .../>, <range .../>, ...)
 * @flags: must be 0
 * @ret_reload: (out) (optional): ProvNetReloadFlags the live network needs
 *
 * Implements net-update for the sections ip-dhcp-host, ip-dhcp-range,
 * forward-interface, portgroup, dns-host, dns-txt and dns-srv with MODIFY, DELETE,
 * ADD_FIRST and ADD_LAST, following libvirt's matching rules (a host is found by MAC,
 * name or IP, ...).  The whole result is re-checked with the parse-time rules.  Other
 * sections fail with PROV_ERR_NO_SUPPORT naming the section.
 */
bool prov_network_def_update_section(ProvNetworkDef *def, unsigned int command,
                                     unsigned int section, int parent_index,
                                     const char *xml, unsigned int flags,
                                     unsigned int *ret_reload, GError **error);
