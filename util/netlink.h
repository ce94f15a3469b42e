/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netlink.h: network devices, bridges, addresses and routes over rtnetlink (libnl-route-3). */
#pragma once

#include <glib.h>
#include <stdbool.h>

/*
 * Every function here talks to the kernel over NETLINK_ROUTE through libnl-3 and
 * libnl-route-3; no `ip`, `brctl` or ioctl.  Each call opens its own socket (libnl
 * creates it with SOCK_CLOEXEC) and closes it before returning, so:
 *   - no fd outlives a call, and a forked helper never inherits one;
 *   - a call acts in the network namespace the calling thread is in at that moment;
 *   - calls from different threads do not share sequence numbers or buffers.
 * The cost is one socket() + bind() per call, a few microseconds.
 *
 * Errors are in the PROV_UTIL_ERROR domain, name the device and the value, and end
 * with the kernel's reason: its extended-ACK text and errno when the kernel refused
 * ("mtu greater than device maximum (Invalid argument)"), else libnl's nl_geterror()
 * text.  (libnl alone maps errnos it does not know, ENETUNREACH among them, to
 * "Unspecific failure".)  Codes:
 *   PROV_ERR_INVALID_ARG        malformed name, address or prefix; the device does
 *                               not exist ("network device 'x' does not exist")
 *   PROV_ERR_INVALID_MAC        malformed, multicast or all-zero MAC address
 *   PROV_ERR_OPERATION_INVALID  the object already exists ("network device 'x'
 *                               already exists", "address ... already exists")
 *                               or the device has the wrong kind ("is not a bridge")
 *   PROV_ERR_OPERATION_TIMEOUT  prov_netdev_wait_ipv6_dad() ran out of time
 *   PROV_ERR_OPERATION_FAILED   anything else the kernel refused
 *   PROV_ERR_SYSTEM_ERROR       the netlink socket itself failed
 *
 * Names are checked as the kernel does (dev_valid_name): 1..15 bytes, no '/', ':' or
 * white space, not "." or "..".  MAC addresses are "xx:xx:xx:xx:xx:xx" (either case
 * on input, lower case on output).  IP addresses are strings in the usual notation
 * (inet_pton); the family follows from the string.
 */

/* Refuses (PROV_ERR_INVALID_ARG) a name the kernel would refuse as a device name. */
bool prov_netdev_check_name(const char *name, GError **error);

/* Is there a device called @name? */
bool prov_netdev_exists(const char *name, bool *ret_exists, GError **error);
/* ifindex of @name (error when it does not exist). */
bool prov_netdev_get_index(const char *name, int *ret_ifindex, GError **error);
/* Is @name a Linux bridge (IFLA_INFO_KIND "bridge")? */
bool prov_netdev_is_bridge(const char *name, bool *ret_is_bridge, GError **error);
/* MAC address of @name, "52:54:00:ab:cd:ef" (caller frees). */
bool prov_netdev_get_mac(const char *name, char **ret_mac, GError **error);
bool prov_netdev_get_mtu(const char *name, guint *ret_mtu, GError **error);
/* Is IFF_UP set on @name (administratively up, whatever the carrier)? */
bool prov_netdev_is_up(const char *name, bool *ret_up, GError **error);

/**
 * prov_netdev_bridge_create:
 * @name: bridge name
 * @mac: (nullable): MAC address the bridge gets at creation
 * @mtu: MTU, 0 for the kernel default (1500)
 *
 * One RTM_NEWLINK (kind "bridge", NLM_F_CREATE|NLM_F_EXCL) that carries IFLA_ADDRESS
 * and IFLA_MTU, so the bridge never exists with a random MAC (a Linux bridge otherwise
 * takes the lowest MAC of its ports, and systemd-udevd may pin a generated one).
 * An existing device of any kind is refused with PROV_ERR_OPERATION_INVALID:
 * "network device 'x' already exists".  The bridge is created down, STP off, forward
 * delay 15 s (kernel defaults).
 */
bool prov_netdev_bridge_create(const char *name, const char *mac, guint mtu, GError **error);

/*
 * Bridge STP and forward delay (IFLA_LINKINFO / IFLA_INFO_DATA, IFLA_BR_STP_STATE and
 * IFLA_BR_FORWARD_DELAY).  Kernel facts these rely on (net/bridge/br_netlink.c,
 * br_stp_if.c; checked on 6.x):
 *   - IFLA_BR_FORWARD_DELAY is in clock_t units (USER_HZ = 100, centiseconds); this API
 *     takes and returns milliseconds and rounds to 10 ms.  The default is 1500 (15 s).
 *   - With STP on, a delay outside 2..30 s is refused (ERANGE).  With STP off any delay
 *     is kept, including 0.
 *   - Turning STP on clamps the stored delay into 2..30 s.  So libvirt's defaults
 *     (stp on, delay 0), applied in libvirt's order (delay first, then STP), end as
 *     STP on with a 2 s delay; prov_netdev_bridge_set_stp_delay() does the same.
 *   - With STP on, a bridge without ports has no carrier: its IPv6 addresses stay
 *     tentative until a port reaches the forwarding state.  With STP off an empty bridge
 *     has carrier (6.x).
 */
bool prov_netdev_bridge_set_stp(const char *name, bool stp, GError **error);
/* Refused with a message naming the 2..30 s range when STP is on and @delay_ms is outside. */
bool prov_netdev_bridge_set_forward_delay(const char *name, guint delay_ms, GError **error);
/*
 * Both at once, in the order that always succeeds: the delay is stored while STP is off
 * (STP is switched off first if it was on), then STP is switched to @stp.  With @stp the
 * kernel clamps the delay into 2..30 s; read it back for the effective value.
 */
bool prov_netdev_bridge_set_stp_delay(const char *name, bool stp, guint delay_ms,
                                      GError **error);
bool prov_netdev_bridge_get_stp(const char *name, bool *ret_stp, GError **error);
bool prov_netdev_bridge_get_forward_delay(const char *name, guint *ret_delay_ms,
                                          GError **error);

bool prov_netdev_set_mtu(const char *name, guint mtu, GError **error);
bool prov_netdev_set_mac(const char *name, const char *mac, GError **error);
bool prov_netdev_set_up(const char *name, bool up, GError **error);

typedef enum {
    PROV_NETDEV_DELETE_MISSING_OK = 1 << 0, /* a device that does not exist is success */
} ProvNetdevDeleteFlags;

/* RTM_DELLINK by name.  @flags: ProvNetdevDeleteFlags. */
bool prov_netdev_delete(const char *name, unsigned int flags, GError **error);

typedef enum {
    /*
     * IPv6 only: IFA_F_NODAD, the address is usable at once instead of staying
     * "tentative" for about 1-2 s of duplicate address detection, or indefinitely on a
     * bridge without carrier (STP on, no port forwarding yet).  dnsmasq and radvd can
     * then bind to it as soon as they start.  libvirt instead waits for DAD to finish
     * (virNetDevIPWaitDadFinish); on a bridge we create and own, a duplicate is only
     * possible if a guest claims the router's address, which DAD would not prevent
     * later anyway.
     */
    PROV_NETDEV_ADDR_NODAD = 1 << 0,
} ProvNetdevAddrFlags;

/**
 * prov_netdev_add_address:
 * @name: device
 * @address: IPv4 or IPv6 address, e.g. "192.168.122.1" or "2001:db8:ca2:2::1"
 * @prefix: prefix length (0..32 or 0..128)
 * @flags: ProvNetdevAddrFlags
 *
 * RTM_NEWADDR with NLM_F_EXCL.  IPv4 addresses get IFA_BROADCAST (the subnet's last
 * address) when @prefix is 30 or shorter, as `ip addr add ... brd +` does; /31 and /32
 * have no broadcast address.  An identical address already on @name is refused with
 * PROV_ERR_OPERATION_INVALID.
 *
 * Order matters for IPv6: addresses added while the device is down survive bringing it
 * up, but bringing a device down deletes its IPv6 addresses (keep_addr_on_down=0, the
 * default).  So add them, then prov_netdev_set_up(), and never cycle the link.
 */
bool prov_netdev_add_address(const char *name, const char *address, guint prefix,
                             unsigned int flags, GError **error);
bool prov_netdev_del_address(const char *name, const char *address, guint prefix,
                             GError **error);

typedef struct {
    int family;        /* AF_INET or AF_INET6 */
    char *address;     /* the local address */
    guint prefix;
    char *broadcast;   /* IPv4 broadcast address, NULL when none */
    guint flags;       /* IFA_F_* (IFA_F_TENTATIVE, IFA_F_NODAD, IFA_F_DADFAILED...) */
} ProvNetdevAddr;

void prov_netdev_addr_free(ProvNetdevAddr *addr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetdevAddr, prov_netdev_addr_free)

/* Addresses on @name (both families) as a GPtrArray of ProvNetdevAddr, owned by the caller. */
bool prov_netdev_list_addresses(const char *name, GPtrArray **ret_addrs, GError **error);

/*
 * Waits until no IPv6 address on @name is tentative, polling every 20 ms.  Fails with
 * PROV_ERR_OPERATION_FAILED when an address failed DAD (IFA_F_DADFAILED: a duplicate
 * exists on the link) and PROV_ERR_OPERATION_TIMEOUT after @timeout_ms.
 */
bool prov_netdev_wait_ipv6_dad(const char *name, guint timeout_ms, GError **error);

/**
 * prov_netdev_add_route:
 * @name: device the route goes out of
 * @dest: destination network (host bits must be zero, as the kernel requires)
 * @prefix: destination prefix length
 * @gateway: (nullable): next hop, same family as @dest; NULL for an on-link route
 * @metric: route priority (RTA_PRIORITY); 0 is the kernel default (0 for IPv4, 1024
 *   for IPv6)
 *
 * RTM_NEWROUTE in the main table, protocol "static" (as libvirt), NLM_F_EXCL.
 */
bool prov_netdev_add_route(const char *name, const char *dest, guint prefix,
                           const char *gateway, guint metric, GError **error);
/* RTM_DELROUTE of the route prov_netdev_add_route() added with the same arguments. */
bool prov_netdev_del_route(const char *name, const char *dest, guint prefix,
                           const char *gateway, guint metric, GError **error);

typedef struct {
    int family;        /* AF_INET or AF_INET6 */
    char *dest;        /* destination network; "0.0.0.0" or "::" for a default route */
    guint prefix;
    char *gateway;     /* first next hop's gateway, NULL when none */
    char *ifname;      /* first next hop's device, NULL when none (blackhole...) */
    guint metric;      /* RTA_PRIORITY */
    guint protocol;    /* RTPROT_*: RTPROT_KERNEL, RTPROT_STATIC, RTPROT_RA... */
    guint table;       /* RT_TABLE_MAIN is 254 */
    guint type;        /* RTN_UNICAST, RTN_LOCAL, RTN_BLACKHOLE... */
} ProvRoute;

void prov_route_free(ProvRoute *route);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvRoute, prov_route_free)

/*
 * Every route of @family (AF_INET, AF_INET6, or AF_UNSPEC for both) in every table, as a
 * GPtrArray of ProvRoute (RTM_GETROUTE dump; routing-cache clones excluded).
 */
bool prov_route_list(int family, GPtrArray **ret_routes, GError **error);

/**
 * prov_route_find_collision:
 * @address: any address of the subnet (host bits are ignored), v4 or v6
 * @prefix: subnet prefix length
 * @exclude_ifname: (nullable): routes on this device are ignored (our own bridge,
 *   e.g. when a running network is re-checked)
 * @ret_ifname: (out): the device of a main-table unicast route to exactly this
 *   destination and prefix, or NULL when there is none
 *
 * What libvirt's networkCheckRouteCollision does with /proc/net/route, over netlink and
 * for IPv6 as well.  Returns false only when the routes could not be read.
 */
bool prov_route_find_collision(const char *address, guint prefix, const char *exclude_ifname,
                               char **ret_ifname, GError **error);

/*
 * Like prov_route_find_collision() but for any main-table unicast route whose
 * destination overlaps the subnet (contains it or lies inside it), default routes
 * excepted.  @ret_route gets that route as "dest/prefix" (both NULL when none).
 */
bool prov_route_find_overlap(const char *address, guint prefix, const char *exclude_ifname,
                             char **ret_ifname, char **ret_route, GError **error);

/**
 * prov_ipv6_check_forwarding_safe:
 *
 * Refuses (PROV_ERR_OPERATION_INVALID) when turning on net.ipv6.conf.all.forwarding
 * would make the host lose routes it learned from router advertisements: any IPv6
 * route with protocol RTPROT_RA ("proto ra": default routers and route-information
 * options) on a device whose accept_ra is not 2.  With forwarding on, the kernel only
 * honours RAs where accept_ra is 2, and purges RA default routes at once on every other
 * device (rt6_purge_dflt_routers); SLAAC addresses and prefix routes then expire
 * unrenewed.  The message names the devices and the fixes (accept_ra=2 or static
 * configuration).  Succeeds when the kernel has no IPv6, and when all/forwarding is
 * already 1 (nothing changes then: the purge happened when it was switched on).
 *
 * libvirt (virNetDevIPCheckIPv6Forwarding) does the same dump but also accepts the
 * host when all/accept_ra is 2; the kernel never reads "all" for this decision, so we
 * do not.
 */
bool prov_ipv6_check_forwarding_safe(GError **error);
