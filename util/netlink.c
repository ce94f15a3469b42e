/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netlink.c: bridges, links, addresses and routes through libnl-3 / libnl-route-3. */
#define G_LOG_DOMAIN "prov-netlink"

#include "util/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/route/rtnl.h>
#include <string.h>
#include <sys/socket.h>

#include "util/error.h"
#include "util/sysctl.h"

/* libnl's types under names G_DEFINE_AUTOPTR_CLEANUP_FUNC accepts. */
typedef struct nl_msg ProvNlMsg;
typedef struct nl_cache ProvNlCache;
typedef struct nl_addr ProvNlAddr;
typedef struct rtnl_link ProvRtnlLink;
typedef struct rtnl_addr ProvRtnlAddr;
typedef struct rtnl_route ProvRtnlRoute;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNlMsg, nlmsg_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNlCache, nl_cache_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNlAddr, nl_addr_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvRtnlLink, rtnl_link_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvRtnlAddr, rtnl_addr_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvRtnlRoute, rtnl_route_put)

#define PROV_MAC_LEN 6
#define PROV_MAC_STRLEN 17 /* "52:54:00:ab:cd:ef" */

/* Kernel bounds of a bridge forward delay while STP is on (BR_MIN/MAX_FORWARD_DELAY). */
#define PROV_BR_MIN_FORWARD_DELAY_MS 2000
#define PROV_BR_MAX_FORWARD_DELAY_MS 30000

/* Delay between two looks at the addresses while waiting for IPv6 DAD. */
#define PROV_DAD_POLL_US 20000

/* ---- sockets and errors ---- */

/*
 * One call's netlink socket, plus what the kernel said in its last error reply.  libnl
 * folds errnos it has no NLE_* code for into NLE_FAILURE ("Unspecific failure": e.g.
 * ENETUNREACH for an unreachable gateway), so the error callback keeps the errno and
 * the kernel's extended-ACK text ("Nexthop has invalid gateway") for the message.
 */
typedef struct {
    struct nl_sock *sk;
    int kernel_errno;       /* errno of the last NLMSG_ERROR, 0 when none */
    char kernel_msg[256];   /* its NLMSGERR_ATTR_MSG, "" when none */
} ProvNl;

static void
prov_nl_close(ProvNl *nl)
{
    if (!nl)
        return;
    nl_socket_free(nl->sk);
    g_free(nl);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNl, prov_nl_close)

/*
 * libnl's error callback: @e points into the received NLMSG_ERROR message.  With
 * NETLINK_EXT_ACK and NETLINK_CAP_ACK the kernel sends
 *   nlmsghdr (flags NLM_F_ACK_TLVS|NLM_F_CAPPED) | nlmsgerr | attributes
 * where NLMSGERR_ATTR_MSG is a NUL-terminated string; without NLM_F_CAPPED the
 * request's payload sits between nlmsgerr and the attributes.
 */
static int
prov_nl_error_cb(struct sockaddr_nl *who, struct nlmsgerr *e, void *opaque)
{
    static struct nla_policy policy[NLMSGERR_ATTR_MAX + 1] = {
        [NLMSGERR_ATTR_MSG] = { .type = NLA_STRING },
    };
    ProvNl *nl = opaque;
    const struct nlmsghdr *hdr = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
    struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
    gsize ack_len = sizeof(*e);

    nl->kernel_errno = -e->error;
    nl->kernel_msg[0] = '\0';
    if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS))
        return NL_STOP;
    if (!(hdr->nlmsg_flags & NLM_F_CAPPED))
        ack_len += e->msg.nlmsg_len - NLMSG_HDRLEN;
    if (hdr->nlmsg_len <= NLMSG_HDRLEN + ack_len)
        return NL_STOP;
    if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + ack_len),
                  hdr->nlmsg_len - NLMSG_HDRLEN - ack_len, policy) < 0 ||
        !tb[NLMSGERR_ATTR_MSG])
        return NL_STOP;
    g_strlcpy(nl->kernel_msg, nla_get_string(tb[NLMSGERR_ATTR_MSG]), sizeof(nl->kernel_msg));
    /* NL_STOP: libnl still returns -nl_syserr2nlerr(errno) to the caller. */
    return NL_STOP;
}

/*
 * A fresh NETLINK_ROUTE socket for one call.  nl_connect() creates it with
 * SOCK_CLOEXEC (libnl >= 3.2.22 always passes it), and prov_nl_close() closes it.
 */
static ProvNl *
prov_nl_open(GError **error)
{
    g_autoptr(ProvNl) nl = g_new0(ProvNl, 1);
    int one = 1;
    int r;

    nl->sk = nl_socket_alloc();
    if (!nl->sk) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_SYSTEM_ERROR,
                    "cannot allocate a netlink socket");
        return NULL;
    }
    r = nl_connect(nl->sk, NETLINK_ROUTE);
    if (r < 0) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_SYSTEM_ERROR,
                    "cannot open a netlink socket: %s", nl_geterror(r));
        return NULL;
    }
    /* Best effort: kernels before 4.12 lack them, and the errno alone still serves. */
    if (setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
                   sizeof(one)) < 0 ||
        setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
                   sizeof(one)) < 0)
        g_debug("no extended netlink ACKs: %s, ignoring", g_strerror(errno));
    r = nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, prov_nl_error_cb, nl);
    if (r < 0) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_SYSTEM_ERROR,
                    "cannot set up a netlink socket: %s", nl_geterror(r));
        return NULL;
    }
    return g_steal_pointer(&nl);
}

/* libnl turns ENODEV and ESRCH into NLE_OBJ_NOTFOUND (and some paths give NLE_NODEV). */
static bool
prov_nl_is_notfound(int r)
{
    return r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV;
}

/* Error code for a libnl error from the kernel; see the table in netlink.h. */
static int
prov_nl_code(int r)
{
    if (r == -NLE_EXIST)
        return PROV_ERR_OPERATION_INVALID;
    if (prov_nl_is_notfound(r))
        return PROV_ERR_INVALID_ARG;
    return PROV_ERR_OPERATION_FAILED;
}

/*
 * Sets the error for libnl result @r: "<what>: <reason>".  The reason is the kernel's
 * own (its extended-ACK text, else strerror of its errno) when @r came from the
 * kernel's last error reply, and nl_geterror(@r) otherwise.
 */
static bool
prov_nl_set_error(GError **error, ProvNl *nl, int r, const char *what)
{
    int code = prov_nl_code(r);

    if (nl && nl->kernel_errno > 0 && -nl_syserr2nlerr(nl->kernel_errno) == r) {
        if (nl->kernel_msg[0])
            g_set_error(error, PROV_UTIL_ERROR, code, "%s: %s (%s)", what, nl->kernel_msg,
                        g_strerror(nl->kernel_errno));
        else
            g_set_error(error, PROV_UTIL_ERROR, code, "%s: %s", what,
                        g_strerror(nl->kernel_errno));
    } else {
        g_set_error(error, PROV_UTIL_ERROR, code, "%s: %s", what, nl_geterror(r));
    }
    return false;
}

static bool
prov_netdev_set_missing(GError **error, const char *name)
{
    g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                "network device '%s' does not exist", name);
    return false;
}

/* ---- names, MAC and IP addresses ---- */

bool
prov_netdev_check_name(const char *name, GError **error)
{
    const char *p;

    /* The kernel's dev_valid_name(). */
    if (!name || !*name || strlen(name) >= IFNAMSIZ || g_str_equal(name, ".") ||
        g_str_equal(name, "..")) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                    "invalid network device name '%s': it must have 1 to %d bytes and "
                    "not be '.' or '..'", name ? name : "", IFNAMSIZ - 1);
        return false;
    }
    for (p = name; *p; p++) {
        if (*p == '/' || *p == ':' || g_ascii_isspace(*p)) {
            g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                        "invalid network device name '%s': it contains '/', ':' or a space",
                        name);
            return false;
        }
    }
    return true;
}

/* Parses "xx:xx:xx:xx:xx:xx" into @ret_mac, refusing multicast and all-zero addresses. */
static bool
prov_mac_parse(const char *text, guint8 ret_mac[PROV_MAC_LEN], GError **error)
{
    guint8 mac[PROV_MAC_LEN];
    gsize i;

    if (!text || strlen(text) != PROV_MAC_STRLEN)
        goto invalid;
    for (i = 0; i < PROV_MAC_LEN; i++) {
        const char *p = text + i * 3;

        if (!g_ascii_isxdigit(p[0]) || !g_ascii_isxdigit(p[1]) ||
            (i < PROV_MAC_LEN - 1 && p[2] != ':'))
            goto invalid;
        mac[i] = g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]);
    }
    if (mac[0] & 0x01) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_MAC,
                    "MAC address '%s' is a multicast address", text);
        return false;
    }
    if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_MAC,
                    "MAC address '%s' is all zeros", text);
        return false;
    }
    memcpy(ret_mac, mac, sizeof(mac));
    return true;

invalid:
    g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_MAC,
                "invalid MAC address '%s'", text ? text : "");
    return false;
}

static struct nl_addr *
prov_mac_to_nl_addr(const char *text, GError **error)
{
    guint8 mac[PROV_MAC_LEN];
    struct nl_addr *addr;

    if (!prov_mac_parse(text, mac, error))
        return NULL;
    /* libnl files link-layer addresses under AF_LLC. */
    addr = nl_addr_build(AF_LLC, mac, sizeof(mac));
    g_assert(addr);
    return addr;
}

/* An IP address in binary form. */
typedef struct {
    int family;
    guint8 bytes[16];
    gsize len;      /* 4 or 16 */
} ProvIpAddr;

static guint
prov_ip_max_prefix(int family)
{
    return family == AF_INET ? 32 : 128;
}

static bool
prov_ip_parse(const char *text, ProvIpAddr *ret, GError **error)
{
    ProvIpAddr ip = { 0 };

    if (text && inet_pton(AF_INET, text, ip.bytes) == 1) {
        ip.family = AF_INET;
        ip.len = 4;
    } else if (text && inet_pton(AF_INET6, text, ip.bytes) == 1) {
        ip.family = AF_INET6;
        ip.len = 16;
    } else {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                    "invalid IP address '%s'", text ? text : "");
        return false;
    }
    *ret = ip;
    return true;
}

static bool
prov_ip_parse_prefix(const char *text, guint prefix, ProvIpAddr *ret, GError **error)
{
    if (!prov_ip_parse(text, ret, error))
        return false;
    if (prefix > prov_ip_max_prefix(ret->family)) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                    "invalid prefix %u for address '%s': the maximum is %u", prefix, text,
                    prov_ip_max_prefix(ret->family));
        return false;
    }
    return true;
}

/* Clears the bits of @ip past @prefix. */
static void
prov_ip_mask(ProvIpAddr *ip, guint prefix)
{
    gsize i;

    for (i = 0; i < ip->len; i++) {
        if (prefix >= (i + 1) * 8)
            continue;
        if (prefix <= i * 8)
            ip->bytes[i] = 0;
        else
            ip->bytes[i] &= (guint8)(0xff << (8 - (prefix - i * 8)));
    }
}

/* Do @a and @b agree in their first @prefix bits? */
static bool
prov_ip_prefix_equal(const ProvIpAddr *a, const ProvIpAddr *b, guint prefix)
{
    ProvIpAddr ma = *a;
    ProvIpAddr mb = *b;

    if (a->family != b->family)
        return false;
    prov_ip_mask(&ma, prefix);
    prov_ip_mask(&mb, prefix);
    return memcmp(ma.bytes, mb.bytes, ma.len) == 0;
}

static char *
prov_ip_format(const ProvIpAddr *ip)
{
    char buf[INET6_ADDRSTRLEN];

    if (!inet_ntop(ip->family, ip->bytes, buf, sizeof(buf)))
        return NULL;
    return g_strdup(buf);
}

static struct nl_addr *
prov_ip_to_nl_addr(const ProvIpAddr *ip, guint prefix)
{
    struct nl_addr *addr = nl_addr_build(ip->family, ip->bytes, ip->len);

    g_assert(addr);
    nl_addr_set_prefixlen(addr, prefix);
    return addr;
}

/*
 * An nl_addr from the kernel as a ProvIpAddr.  A default route has no RTA_DST, and
 * libnl then gives an empty address: that reads as all zeros.
 */
static bool
prov_ip_from_nl_addr(struct nl_addr *addr, int family, ProvIpAddr *ret)
{
    ProvIpAddr ip = { .family = family, .len = family == AF_INET ? 4 : 16 };
    gsize len;

    if (family != AF_INET && family != AF_INET6)
        return false;
    if (addr) {
        len = nl_addr_get_len(addr);
        if (len > ip.len)
            return false;
        memcpy(ip.bytes, nl_addr_get_binary_addr(addr), len);
    }
    *ret = ip;
    return true;
}

static char *
prov_nl_addr_format(struct nl_addr *addr, int family)
{
    ProvIpAddr ip;

    if (!prov_ip_from_nl_addr(addr, family, &ip))
        return NULL;
    return prov_ip_format(&ip);
}

/* ---- links ---- */

/* @name as the kernel has it; NULL with "does not exist" or another error. */
static struct rtnl_link *
prov_nl_link_get(ProvNl *nl, const char *name, GError **error)
{
    struct rtnl_link *link = NULL;
    g_autofree char *what = NULL;
    int r;

    r = rtnl_link_get_kernel(nl->sk, 0, name, &link);
    if (prov_nl_is_notfound(r)) {
        prov_netdev_set_missing(error, name);
        return NULL;
    }
    if (r < 0) {
        what = g_strdup_printf("cannot look up network device '%s'", name);
        prov_nl_set_error(error, nl, r, what);
        return NULL;
    }
    return link;
}

/* Opens a socket and fetches @name, checking the name first. */
static struct rtnl_link *
prov_netdev_lookup(const char *name, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;

    if (!prov_netdev_check_name(name, error))
        return NULL;
    if (!(nl = prov_nl_open(error)))
        return NULL;
    return prov_nl_link_get(nl, name, error);
}

bool
prov_netdev_exists(const char *name, bool *ret_exists, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    g_autoptr(ProvRtnlLink) link = NULL;
    g_autofree char *what = NULL;
    int r;

    if (!prov_netdev_check_name(name, error))
        return false;
    if (!(nl = prov_nl_open(error)))
        return false;
    r = rtnl_link_get_kernel(nl->sk, 0, name, &link);
    if (r < 0 && !prov_nl_is_notfound(r)) {
        what = g_strdup_printf("cannot look up network device '%s'", name);
        return prov_nl_set_error(error, nl, r, what);
    }
    *ret_exists = r >= 0;
    return true;
}

bool
prov_netdev_get_index(const char *name, int *ret_ifindex, GError **error)
{
    g_autoptr(ProvRtnlLink) link = prov_netdev_lookup(name, error);

    if (!link)
        return false;
    *ret_ifindex = rtnl_link_get_ifindex(link);
    return true;
}

bool
prov_netdev_get_mac(const char *name, char **ret_mac, GError **error)
{
    g_autoptr(ProvRtnlLink) link = prov_netdev_lookup(name, error);
    struct nl_addr *addr;
    const guint8 *b;

    if (!link)
        return false;
    addr = rtnl_link_get_addr(link);
    if (!addr || nl_addr_get_len(addr) != PROV_MAC_LEN) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_FAILED,
                    "network device '%s' has no Ethernet MAC address", name);
        return false;
    }
    b = nl_addr_get_binary_addr(addr);
    *ret_mac = g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x",
                               b[0], b[1], b[2], b[3], b[4], b[5]);
    return true;
}

bool
prov_netdev_get_mtu(const char *name, guint *ret_mtu, GError **error)
{
    g_autoptr(ProvRtnlLink) link = prov_netdev_lookup(name, error);

    if (!link)
        return false;
    *ret_mtu = rtnl_link_get_mtu(link);
    return true;
}

bool
prov_netdev_is_up(const char *name, bool *ret_up, GError **error)
{
    g_autoptr(ProvRtnlLink) link = prov_netdev_lookup(name, error);

    if (!link)
        return false;
    *ret_up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
    return true;
}

bool
prov_netdev_is_bridge(const char *name, bool *ret_is_bridge, GError **error)
{
    g_autoptr(ProvRtnlLink) link = prov_netdev_lookup(name, error);

    if (!link)
        return false;
    /* rtnl_link_get_type() is the IFLA_INFO_KIND the kernel reported. */
    *ret_is_bridge = g_strcmp0(rtnl_link_get_type(link), "bridge") == 0;
    return true;
}

bool
prov_netdev_bridge_create(const char *name, const char *mac, guint mtu, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    g_autoptr(ProvRtnlLink) link = NULL;
    g_autoptr(ProvNlAddr) addr = NULL;
    g_autofree char *what = NULL;
    int r;

    if (!prov_netdev_check_name(name, error))
        return false;
    if (mac && !(addr = prov_mac_to_nl_addr(mac, error)))
        return false;
    if (!(nl = prov_nl_open(error)))
        return false;

    /* rtnl_link_bridge_alloc() sets IFLA_INFO_KIND "bridge". */
    link = rtnl_link_bridge_alloc();
    g_assert(link);
    rtnl_link_set_name(link, name);
    if (addr)
        rtnl_link_set_addr(link, addr);
    if (mtu)
        rtnl_link_set_mtu(link, mtu);

    r = rtnl_link_add(nl->sk, link, NLM_F_CREATE | NLM_F_EXCL);
    if (r == -NLE_EXIST) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_INVALID,
                    "cannot create bridge '%s': network device '%s' already exists",
                    name, name);
        return false;
    }
    if (r < 0) {
        if (mac && mtu)
            what = g_strdup_printf("cannot create bridge '%s' with MAC '%s' and MTU %u", name,
                                   mac, mtu);
        else if (mac)
            what = g_strdup_printf("cannot create bridge '%s' with MAC '%s'", name, mac);
        else if (mtu)
            what = g_strdup_printf("cannot create bridge '%s' with MTU %u", name, mtu);
        else
            what = g_strdup_printf("cannot create bridge '%s'", name);
        return prov_nl_set_error(error, nl, r, what);
    }
    g_debug("created bridge %s (MAC %s, MTU %u)", name, mac ? mac : "random", mtu);
    return true;
}

/*
 * Applies @changes to @name with rtnl_link_change() (RTM_NEWLINK on the device's
 * index).  @what starts the error message, e.g. "cannot set MTU 9000 on 'br0'".
 */
static bool
prov_netdev_change(const char *name, struct rtnl_link *changes, const char *what,
                   GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    g_autoptr(ProvRtnlLink) orig = NULL;
    int r;

    if (!(nl = prov_nl_open(error)))
        return false;
    if (!(orig = prov_nl_link_get(nl, name, error)))
        return false;
    r = rtnl_link_change(nl->sk, orig, changes, 0);
    if (prov_nl_is_notfound(r))
        return prov_netdev_set_missing(error, name);
    if (r < 0)
        return prov_nl_set_error(error, nl, r, what);
    return true;
}

bool
prov_netdev_set_mtu(const char *name, guint mtu, GError **error)
{
    g_autoptr(ProvRtnlLink) changes = rtnl_link_alloc();
    g_autofree char *what = NULL;

    if (!prov_netdev_check_name(name, error))
        return false;
    rtnl_link_set_mtu(changes, mtu);
    what = g_strdup_printf("cannot set MTU %u on '%s'", mtu, name);
    return prov_netdev_change(name, changes, what, error);
}

bool
prov_netdev_set_mac(const char *name, const char *mac, GError **error)
{
    g_autoptr(ProvRtnlLink) changes = rtnl_link_alloc();
    g_autoptr(ProvNlAddr) addr = NULL;
    g_autofree char *what = NULL;

    if (!prov_netdev_check_name(name, error))
        return false;
    if (!(addr = prov_mac_to_nl_addr(mac, error)))
        return false;
    rtnl_link_set_addr(changes, addr);
    what = g_strdup_printf("cannot set MAC address '%s' on '%s'", mac, name);
    return prov_netdev_change(name, changes, what, error);
}

bool
prov_netdev_set_up(const char *name, bool up, GError **error)
{
    g_autoptr(ProvRtnlLink) changes = rtnl_link_alloc();
    g_autofree char *what = NULL;

    if (!prov_netdev_check_name(name, error))
        return false;
    if (up)
        rtnl_link_set_flags(changes, IFF_UP);
    else
        rtnl_link_unset_flags(changes, IFF_UP);
    what = g_strdup_printf("cannot bring '%s' %s", name, up ? "up" : "down");
    return prov_netdev_change(name, changes, what, error);
}

bool
prov_netdev_delete(const char *name, unsigned int flags, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    g_autoptr(ProvRtnlLink) link = NULL;
    g_autofree char *what = NULL;
    int r;

    g_return_val_if_fail((flags & ~PROV_NETDEV_DELETE_MISSING_OK) == 0, false);
    if (!prov_netdev_check_name(name, error))
        return false;
    if (!(nl = prov_nl_open(error)))
        return false;
    link = rtnl_link_alloc();
    rtnl_link_set_name(link, name);
    /* Without an index, libnl sends IFLA_IFNAME and the kernel deletes by name. */
    r = rtnl_link_delete(nl->sk, link);
    if (prov_nl_is_notfound(r)) {
        if (flags & PROV_NETDEV_DELETE_MISSING_OK) {
            g_debug("network device %s is already gone", name);
            return true;
        }
        return prov_netdev_set_missing(error, name);
    }
    if (r < 0) {
        what = g_strdup_printf("cannot delete network device '%s'", name);
        return prov_nl_set_error(error, nl, r, what);
    }
    g_debug("deleted network device %s", name);
    return true;
}

/* ---- bridge STP and forward delay (raw IFLA_INFO_DATA: libnl 3.7 has no setters) ---- */

/*
 * Sends RTM_NEWLINK for @name with
 *   IFLA_IFNAME name
 *   IFLA_LINKINFO { IFLA_INFO_KIND "bridge", IFLA_INFO_DATA { IFLA_BR_FORWARD_DELAY u32,
 *                                                           IFLA_BR_STP_STATE u32 } }
 * leaving out the attributes whose value is negative.  The kernel (br_changelink) applies
 * the forward delay before the STP state, whatever the order in the message.
 */
static int
prov_nl_bridge_send(ProvNl *nl, const char *name, gint64 stp, gint64 delay_cs)
{
    g_autoptr(ProvNlMsg) msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
    struct nlattr *linkinfo;
    struct nlattr *data;

    if (!msg)
        return -NLE_NOMEM;
    if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
        nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
        !(linkinfo = nla_nest_start(msg, IFLA_LINKINFO)) ||
        nla_put_string(msg, IFLA_INFO_KIND, "bridge") < 0 ||
        !(data = nla_nest_start(msg, IFLA_INFO_DATA)))
        return -NLE_NOMEM;
    if (delay_cs >= 0 && nla_put_u32(msg, IFLA_BR_FORWARD_DELAY, (guint32)delay_cs) < 0)
        return -NLE_NOMEM;
    if (stp >= 0 && nla_put_u32(msg, IFLA_BR_STP_STATE, (guint32)stp) < 0)
        return -NLE_NOMEM;
    nla_nest_end(msg, data);
    nla_nest_end(msg, linkinfo);
    /* nl_send_sync() frees the message and waits for the kernel's ACK or error. */
    return nl_send_sync(nl->sk, g_steal_pointer(&msg));
}

/* Turns a failure of prov_nl_bridge_send() into the error for @name. */
static bool
prov_nl_bridge_error(GError **error, ProvNl *nl, int r, const char *name, const char *what)
{
    if (prov_nl_is_notfound(r))
        return prov_netdev_set_missing(error, name);
    if (r == -NLE_OPNOTSUPP) {
        /* The kernel refuses IFLA_INFO_DATA of another kind with EOPNOTSUPP. */
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_INVALID,
                    "%s: network device '%s' is not a bridge", what, name);
        return false;
    }
    return prov_nl_set_error(error, nl, r, what);
}

/* ms -> clock_t (USER_HZ = 100), rounded to the nearest 10 ms. */
static guint32
prov_ms_to_clock_t(guint ms)
{
    return (guint32)(((guint64)ms + 5) / 10);
}

bool
prov_netdev_bridge_set_stp(const char *name, bool stp, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    g_autofree char *what = NULL;
    int r;

    if (!prov_netdev_check_name(name, error))
        return false;
    if (!(nl = prov_nl_open(error)))
        return false;
    r = prov_nl_bridge_send(nl, name, stp ? 1 : 0, -1);
    if (r < 0) {
        what = g_strdup_printf(stp ? "cannot enable STP on bridge '%s'"
                                   : "cannot disable STP on bridge '%s'", name);
        return prov_nl_bridge_error(error, nl, r, name, what);
    }
    return true;
}

bool
prov_netdev_bridge_set_forward_delay(const char *name, guint delay_ms, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    g_autofree char *what = NULL;
    int r;

    if (!prov_netdev_check_name(name, error))
        return false;
    if (!(nl = prov_nl_open(error)))
        return false;
    r = prov_nl_bridge_send(nl, name, -1, prov_ms_to_clock_t(delay_ms));
    if (r == -NLE_RANGE) {
        /* br_set_forward_delay(): ERANGE only happens with STP on. */
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                    "cannot set forward delay %u ms on bridge '%s': with STP on the kernel "
                    "accepts %d to %d ms", delay_ms, name, PROV_BR_MIN_FORWARD_DELAY_MS,
                    PROV_BR_MAX_FORWARD_DELAY_MS);
        return false;
    }
    if (r < 0) {
        what = g_strdup_printf("cannot set forward delay %u ms on bridge '%s'", delay_ms, name);
        return prov_nl_bridge_error(error, nl, r, name, what);
    }
    return true;
}

bool
prov_netdev_bridge_set_stp_delay(const char *name, bool stp, guint delay_ms, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    g_autofree char *what = NULL;
    guint effective = delay_ms;
    int r;

    if (!prov_netdev_check_name(name, error))
        return false;
    if (!(nl = prov_nl_open(error)))
        return false;
    what = g_strdup_printf("cannot set STP %s and forward delay %u ms on bridge '%s'",
                           stp ? "on" : "off", delay_ms, name);
    if (stp) {
        /*
         * What the kernel does when STP is switched on after the delay was stored
         * (br_stp_start() clamps it): doing the clamp here lets one message work
         * whether STP is on already or not, and without restarting STP on a bridge
         * that has it on (which would put every port through listening/learning again).
         */
        effective = CLAMP(delay_ms, PROV_BR_MIN_FORWARD_DELAY_MS, PROV_BR_MAX_FORWARD_DELAY_MS);
        r = prov_nl_bridge_send(nl, name, 1, prov_ms_to_clock_t(effective));
    } else {
        /* STP off first: while it is on, the kernel refuses a delay outside 2..30 s. */
        r = prov_nl_bridge_send(nl, name, 0, -1);
        if (r >= 0)
            r = prov_nl_bridge_send(nl, name, -1, prov_ms_to_clock_t(delay_ms));
    }
    if (r < 0)
        return prov_nl_bridge_error(error, nl, r, name, what);
    g_debug("bridge %s: STP %s, forward delay %u ms", name, stp ? "on" : "off", effective);
    return true;
}

typedef struct {
    bool found;
    bool is_bridge;
    bool has_stp;
    guint32 stp;
    bool has_delay;
    guint32 delay_cs;
} ProvBridgeInfo;

/* Parses one RTM_NEWLINK reply: IFLA_LINKINFO { IFLA_INFO_KIND, IFLA_INFO_DATA {...} }. */
static int
prov_nl_bridge_info_cb(struct nl_msg *msg, void *opaque)
{
    static struct nla_policy info_policy[IFLA_INFO_MAX + 1] = {
        [IFLA_INFO_KIND] = { .type = NLA_STRING },
        [IFLA_INFO_DATA] = { .type = NLA_NESTED },
    };
    static struct nla_policy br_policy[IFLA_BR_MAX + 1] = {
        [IFLA_BR_FORWARD_DELAY] = { .type = NLA_U32 },
        [IFLA_BR_STP_STATE] = { .type = NLA_U32 },
    };
    ProvBridgeInfo *info = opaque;
    struct nlmsghdr *hdr = nlmsg_hdr(msg);
    struct nlattr *tb[IFLA_MAX + 1];
    struct nlattr *li[IFLA_INFO_MAX + 1];
    struct nlattr *br[IFLA_BR_MAX + 1];

    if (hdr->nlmsg_type != RTM_NEWLINK ||
        nlmsg_parse(hdr, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0)
        return NL_SKIP;
    info->found = true;
    if (!tb[IFLA_LINKINFO] ||
        nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], info_policy) < 0 ||
        !li[IFLA_INFO_KIND] || g_strcmp0(nla_get_string(li[IFLA_INFO_KIND]), "bridge") != 0)
        return NL_OK;
    info->is_bridge = true;
    if (!li[IFLA_INFO_DATA] ||
        nla_parse_nested(br, IFLA_BR_MAX, li[IFLA_INFO_DATA], br_policy) < 0)
        return NL_OK;
    if (br[IFLA_BR_STP_STATE]) {
        info->has_stp = true;
        info->stp = nla_get_u32(br[IFLA_BR_STP_STATE]);
    }
    if (br[IFLA_BR_FORWARD_DELAY]) {
        info->has_delay = true;
        info->delay_cs = nla_get_u32(br[IFLA_BR_FORWARD_DELAY]);
    }
    return NL_OK;
}

/* RTM_GETLINK of @name, reading the bridge attributes libnl 3.7 does not parse. */
static bool
prov_nl_bridge_info(const char *name, ProvBridgeInfo *ret, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    g_autoptr(ProvNlMsg) msg = NULL;
    g_autofree char *what = NULL;
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
    ProvBridgeInfo info = { 0 };
    int r;

    if (!prov_netdev_check_name(name, error))
        return false;
    if (!(nl = prov_nl_open(error)))
        return false;
    what = g_strdup_printf("cannot read the bridge settings of '%s'", name);
    msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
    if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
        nla_put_string(msg, IFLA_IFNAME, name) < 0)
        return prov_nl_set_error(error, nl, -NLE_NOMEM, what);
    /* A GET is answered by the object or an error, so no ACK is asked for. */
    nl_socket_disable_auto_ack(nl->sk);
    r = nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, prov_nl_bridge_info_cb, &info);
    if (r >= 0)
        r = nl_send_auto(nl->sk, msg);
    if (r >= 0)
        r = nl_recvmsgs_default(nl->sk);
    if (prov_nl_is_notfound(r))
        return prov_netdev_set_missing(error, name);
    if (r < 0)
        return prov_nl_set_error(error, nl, r, what);
    if (!info.found)
        return prov_netdev_set_missing(error, name);
    if (!info.is_bridge) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_INVALID,
                    "%s: network device '%s' is not a bridge", what, name);
        return false;
    }
    if (!info.has_stp || !info.has_delay) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_FAILED,
                    "%s: the kernel did not report STP state and forward delay", what);
        return false;
    }
    *ret = info;
    return true;
}

bool
prov_netdev_bridge_get_stp(const char *name, bool *ret_stp, GError **error)
{
    ProvBridgeInfo info;

    if (!prov_nl_bridge_info(name, &info, error))
        return false;
    /* 0 off, 1 kernel STP, 2 user-space STP daemon: both of the latter are "on". */
    *ret_stp = info.stp != 0;
    return true;
}

bool
prov_netdev_bridge_get_forward_delay(const char *name, guint *ret_delay_ms, GError **error)
{
    ProvBridgeInfo info;

    if (!prov_nl_bridge_info(name, &info, error))
        return false;
    *ret_delay_ms = info.delay_cs * 10;
    return true;
}

/* ---- addresses ---- */

void
prov_netdev_addr_free(ProvNetdevAddr *addr)
{
    if (!addr)
        return;
    g_free(addr->address);
    g_free(addr->broadcast);
    g_free(addr);
}

/*
 * Builds the rtnl_addr for @address/@prefix on @ifindex.  The broadcast address is set
 * for IPv4 subnets of /30 and larger (as `ip addr add ... brd +`).
 */
static struct rtnl_addr *
prov_nl_addr_build(int ifindex, const ProvIpAddr *ip, guint prefix, unsigned int flags)
{
    g_autoptr(ProvNlAddr) local = prov_ip_to_nl_addr(ip, prefix);
    struct rtnl_addr *a = rtnl_addr_alloc();

    g_assert(a);
    rtnl_addr_set_ifindex(a, ifindex);
    rtnl_addr_set_family(a, ip->family);
    g_assert(rtnl_addr_set_local(a, local) == 0);
    rtnl_addr_set_prefixlen(a, prefix);
    if (ip->family == AF_INET && prefix <= 30) {
        ProvIpAddr bcast = *ip;
        g_autoptr(ProvNlAddr) nlbcast = NULL;
        guint32 v4;

        memcpy(&v4, bcast.bytes, 4);
        v4 |= htonl(prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)) - 1);
        memcpy(bcast.bytes, &v4, 4);
        nlbcast = prov_ip_to_nl_addr(&bcast, 32);
        g_assert(rtnl_addr_set_broadcast(a, nlbcast) == 0);
    }
    if (ip->family == AF_INET6 && (flags & PROV_NETDEV_ADDR_NODAD))
        rtnl_addr_set_flags(a, IFA_F_NODAD);
    return a;
}

/* Looks up the ifindex of @name on @nl. */
static bool
prov_nl_ifindex(ProvNl *nl, const char *name, int *ret_ifindex, GError **error)
{
    g_autoptr(ProvRtnlLink) link = NULL;

    if (!prov_netdev_check_name(name, error))
        return false;
    if (!(link = prov_nl_link_get(nl, name, error)))
        return false;
    *ret_ifindex = rtnl_link_get_ifindex(link);
    return true;
}

bool
prov_netdev_add_address(const char *name, const char *address, guint prefix,
                        unsigned int flags, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    g_autoptr(ProvRtnlAddr) a = NULL;
    g_autofree char *what = NULL;
    ProvIpAddr ip;
    int ifindex;
    int r;

    g_return_val_if_fail((flags & ~PROV_NETDEV_ADDR_NODAD) == 0, false);
    if (!prov_ip_parse_prefix(address, prefix, &ip, error))
        return false;
    if (!(nl = prov_nl_open(error)))
        return false;
    if (!prov_nl_ifindex(nl, name, &ifindex, error))
        return false;
    a = prov_nl_addr_build(ifindex, &ip, prefix, flags);
    /* rtnl_addr_add() adds NLM_F_CREATE itself. */
    r = rtnl_addr_add(nl->sk, a, NLM_F_EXCL);
    if (r == -NLE_EXIST) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_INVALID,
                    "cannot add address '%s/%u' to '%s': it already exists", address,
                    prefix, name);
        return false;
    }
    if (r < 0) {
        what = g_strdup_printf("cannot add address '%s/%u' to '%s'", address, prefix, name);
        return prov_nl_set_error(error, nl, r, what);
    }
    g_debug("added %s/%u to %s", address, prefix, name);
    return true;
}

bool
prov_netdev_del_address(const char *name, const char *address, guint prefix, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    g_autoptr(ProvRtnlAddr) a = NULL;
    g_autofree char *what = NULL;
    ProvIpAddr ip;
    int ifindex;
    int r;

    if (!prov_ip_parse_prefix(address, prefix, &ip, error))
        return false;
    if (!(nl = prov_nl_open(error)))
        return false;
    if (!prov_nl_ifindex(nl, name, &ifindex, error))
        return false;
    a = prov_nl_addr_build(ifindex, &ip, prefix, 0);
    r = rtnl_addr_delete(nl->sk, a, 0);
    if (r == -NLE_NOADDR || prov_nl_is_notfound(r)) {
        /* The kernel answers EADDRNOTAVAIL for an address that is not there. */
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                    "cannot delete address '%s/%u' from '%s': it is not there", address,
                    prefix, name);
        return false;
    }
    if (r < 0) {
        what = g_strdup_printf("cannot delete address '%s/%u' from '%s'", address, prefix,
                               name);
        return prov_nl_set_error(error, nl, r, what);
    }
    return true;
}

/* Addresses of @ifindex from one RTM_GETADDR dump. */
static bool
prov_nl_list_addresses(ProvNl *nl, const char *name, int ifindex,
                       GPtrArray **ret_addrs, GError **error)
{
    g_autoptr(ProvNlCache) cache = NULL;
    g_autoptr(GPtrArray) addrs = g_ptr_array_new_with_free_func(
        (GDestroyNotify)prov_netdev_addr_free);
    g_autofree char *what = NULL;
    struct nl_object *obj;
    int r;

    r = rtnl_addr_alloc_cache(nl->sk, &cache);
    if (r < 0) {
        what = g_strdup_printf("cannot list the addresses of '%s'", name);
        return prov_nl_set_error(error, nl, r, what);
    }
    for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
        struct rtnl_addr *a = (struct rtnl_addr *)obj;
        int family = rtnl_addr_get_family(a);
        ProvNetdevAddr *item;

        if (rtnl_addr_get_ifindex(a) != ifindex || (family != AF_INET && family != AF_INET6))
            continue;
        item = g_new0(ProvNetdevAddr, 1);
        item->family = family;
        item->address = prov_nl_addr_format(rtnl_addr_get_local(a), family);
        item->prefix = rtnl_addr_get_prefixlen(a);
        if (family == AF_INET && rtnl_addr_get_broadcast(a))
            item->broadcast = prov_nl_addr_format(rtnl_addr_get_broadcast(a), family);
        item->flags = rtnl_addr_get_flags(a);
        if (!item->address) {
            prov_netdev_addr_free(item);
            continue;
        }
        g_ptr_array_add(addrs, item);
    }
    *ret_addrs = g_steal_pointer(&addrs);
    return true;
}

bool
prov_netdev_list_addresses(const char *name, GPtrArray **ret_addrs, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    int ifindex;

    if (!(nl = prov_nl_open(error)))
        return false;
    if (!prov_nl_ifindex(nl, name, &ifindex, error))
        return false;
    return prov_nl_list_addresses(nl, name, ifindex, ret_addrs, error);
}

bool
prov_netdev_wait_ipv6_dad(const char *name, guint timeout_ms, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    int ifindex;

    if (!(nl = prov_nl_open(error)))
        return false;
    if (!prov_nl_ifindex(nl, name, &ifindex, error))
        return false;
    for (;;) {
        g_autoptr(GPtrArray) addrs = NULL;
        const char *tentative = NULL;
        guint i;

        if (!prov_nl_list_addresses(nl, name, ifindex, &addrs, error))
            return false;
        for (i = 0; i < addrs->len; i++) {
            ProvNetdevAddr *a = g_ptr_array_index(addrs, i);

            if (a->family != AF_INET6)
                continue;
            if (a->flags & IFA_F_DADFAILED) {
                g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_FAILED,
                            "address '%s/%u' on '%s' failed duplicate address detection: "
                            "another host on the link uses it", a->address, a->prefix, name);
                return false;
            }
            if ((a->flags & IFA_F_TENTATIVE) && !tentative)
                tentative = a->address;
        }
        if (!tentative)
            return true;
        if (g_get_monotonic_time() >= deadline) {
            g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_TIMEOUT,
                        "address '%s' on '%s' is still tentative after %u ms of duplicate "
                        "address detection", tentative, name, timeout_ms);
            return false;
        }
        g_usleep(PROV_DAD_POLL_US);
    }
}

/* ---- routes ---- */

void
prov_route_free(ProvRoute *route)
{
    if (!route)
        return;
    g_free(route->dest);
    g_free(route->gateway);
    g_free(route->ifname);
    g_free(route);
}

/* Builds the main-table, protocol-static route prov_netdev_add/del_route() work on. */
static bool
prov_nl_route_build(ProvNl *nl, const char *name, const char *dest, guint prefix,
                    const char *gateway, guint metric, struct rtnl_route **ret_route,
                    GError **error)
{
    g_autoptr(ProvRtnlRoute) route = NULL;
    g_autoptr(ProvNlAddr) nldst = NULL;
    g_autoptr(ProvNlAddr) nlgw = NULL;
    struct rtnl_nexthop *nh;
    ProvIpAddr dst;
    ProvIpAddr masked;
    ProvIpAddr gw;
    int ifindex;

    if (!prov_ip_parse_prefix(dest, prefix, &dst, error))
        return false;
    masked = dst;
    prov_ip_mask(&masked, prefix);
    if (memcmp(masked.bytes, dst.bytes, dst.len) != 0) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                    "route destination '%s/%u' has host bits set", dest, prefix);
        return false;
    }
    if (gateway) {
        if (!prov_ip_parse(gateway, &gw, error))
            return false;
        if (gw.family != dst.family) {
            g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                        "gateway '%s' and route destination '%s' are of different families",
                        gateway, dest);
            return false;
        }
    }
    if (!prov_nl_ifindex(nl, name, &ifindex, error))
        return false;

    route = rtnl_route_alloc();
    g_assert(route);
    rtnl_route_set_family(route, dst.family);
    rtnl_route_set_table(route, RT_TABLE_MAIN);
    rtnl_route_set_protocol(route, RTPROT_STATIC);
    rtnl_route_set_type(route, RTN_UNICAST);
    nldst = prov_ip_to_nl_addr(&dst, prefix);
    g_assert(rtnl_route_set_dst(route, nldst) == 0);
    if (metric)
        rtnl_route_set_priority(route, metric);
    /* libnl guesses the scope: link for an IPv4 route without gateway, else universe. */
    nh = rtnl_route_nh_alloc();
    g_assert(nh);
    rtnl_route_nh_set_ifindex(nh, ifindex);
    if (gateway) {
        nlgw = prov_ip_to_nl_addr(&gw, gw.len * 8);
        rtnl_route_nh_set_gateway(nh, nlgw);
    }
    rtnl_route_add_nexthop(route, nh);
    *ret_route = g_steal_pointer(&route);
    return true;
}

bool
prov_netdev_add_route(const char *name, const char *dest, guint prefix, const char *gateway,
                      guint metric, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    g_autoptr(ProvRtnlRoute) route = NULL;
    g_autofree char *what = NULL;
    int r;

    if (!(nl = prov_nl_open(error)))
        return false;
    if (!prov_nl_route_build(nl, name, dest, prefix, gateway, metric, &route, error))
        return false;
    r = rtnl_route_add(nl->sk, route, NLM_F_EXCL);
    if (r == -NLE_EXIST) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_INVALID,
                    "cannot add route '%s/%u' on '%s': it already exists", dest, prefix, name);
        return false;
    }
    if (r < 0) {
        what = g_strdup_printf("cannot add route '%s/%u' via '%s' metric %u on '%s'", dest,
                               prefix, gateway ? gateway : "(on link)", metric, name);
        return prov_nl_set_error(error, nl, r, what);
    }
    g_debug("added route %s/%u via %s metric %u on %s", dest, prefix,
            gateway ? gateway : "(on link)", metric, name);
    return true;
}

bool
prov_netdev_del_route(const char *name, const char *dest, guint prefix, const char *gateway,
                      guint metric, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    g_autoptr(ProvRtnlRoute) route = NULL;
    g_autofree char *what = NULL;
    int r;

    if (!(nl = prov_nl_open(error)))
        return false;
    if (!prov_nl_route_build(nl, name, dest, prefix, gateway, metric, &route, error))
        return false;
    r = rtnl_route_delete(nl->sk, route, 0);
    if (prov_nl_is_notfound(r)) {
        /* ESRCH: no such route. */
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                    "cannot delete route '%s/%u' on '%s': it is not there", dest, prefix,
                    name);
        return false;
    }
    if (r < 0) {
        what = g_strdup_printf("cannot delete route '%s/%u' on '%s'", dest, prefix, name);
        return prov_nl_set_error(error, nl, r, what);
    }
    return true;
}

bool
prov_route_list(int family, GPtrArray **ret_routes, GError **error)
{
    g_autoptr(ProvNl) nl = NULL;
    g_autoptr(ProvNlCache) links = NULL;
    g_autoptr(ProvNlCache) cache = NULL;
    g_autoptr(GPtrArray) routes = g_ptr_array_new_with_free_func(
        (GDestroyNotify)prov_route_free);
    struct nl_object *obj;
    int r;

    g_return_val_if_fail(family == AF_INET || family == AF_INET6 || family == AF_UNSPEC,
                         false);
    if (!(nl = prov_nl_open(error)))
        return false;
    r = rtnl_link_alloc_cache(nl->sk, AF_UNSPEC, &links);
    if (r < 0)
        return prov_nl_set_error(error, nl, r, "cannot list network devices");
    /* Flags 0: the routing tables, not the cache of cloned routes. */
    r = rtnl_route_alloc_cache(nl->sk, family, 0, &cache);
    if (r < 0)
        return prov_nl_set_error(error, nl, r, "cannot list routes");

    for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
        struct rtnl_route *rt = (struct rtnl_route *)obj;
        int rfamily = rtnl_route_get_family(rt);
        struct rtnl_nexthop *nh = NULL;
        struct nl_addr *dst = rtnl_route_get_dst(rt);
        ProvRoute *item;
        char ifname[IFNAMSIZ];

        /* An AF_UNSPEC dump also returns multicast routing families (RTNL_FAMILY_IPMR...). */
        if (rfamily != AF_INET && rfamily != AF_INET6)
            continue;
        item = g_new0(ProvRoute, 1);
        item->family = rfamily;
        item->dest = prov_nl_addr_format(dst, rfamily);
        item->prefix = dst ? nl_addr_get_prefixlen(dst) : 0;
        item->metric = rtnl_route_get_priority(rt);
        item->protocol = rtnl_route_get_protocol(rt);
        item->table = rtnl_route_get_table(rt);
        item->type = rtnl_route_get_type(rt);
        if (rtnl_route_get_nnexthops(rt) > 0)
            nh = rtnl_route_nexthop_n(rt, 0);
        if (nh) {
            if (rtnl_route_nh_get_gateway(nh))
                item->gateway = prov_nl_addr_format(rtnl_route_nh_get_gateway(nh), rfamily);
            if (rtnl_route_nh_get_ifindex(nh) > 0 &&
                rtnl_link_i2name(links, rtnl_route_nh_get_ifindex(nh), ifname, sizeof(ifname)))
                item->ifname = g_strdup(ifname);
        }
        if (!item->dest) {
            prov_route_free(item);
            continue;
        }
        g_ptr_array_add(routes, item);
    }
    *ret_routes = g_steal_pointer(&routes);
    return true;
}

/*
 * The first main-table unicast route of @address's family that has a device other than
 * @exclude_ifname and whose destination equals (@overlap false) or overlaps (@overlap
 * true, default routes excepted) @address/@prefix.
 */
static bool
prov_route_search(const char *address, guint prefix, const char *exclude_ifname, bool overlap,
                  char **ret_ifname, char **ret_route, GError **error)
{
    g_autoptr(GPtrArray) routes = NULL;
    ProvIpAddr net;
    guint i;

    if (!prov_ip_parse_prefix(address, prefix, &net, error))
        return false;
    prov_ip_mask(&net, prefix);
    if (!prov_route_list(net.family, &routes, error))
        return false;
    for (i = 0; i < routes->len; i++) {
        ProvRoute *rt = g_ptr_array_index(routes, i);
        ProvIpAddr dst;
        bool hit;

        if (rt->table != RT_TABLE_MAIN || rt->type != RTN_UNICAST || !rt->ifname ||
            g_strcmp0(rt->ifname, exclude_ifname) == 0 ||
            !prov_ip_parse(rt->dest, &dst, NULL) || dst.family != net.family)
            continue;
        if (overlap)
            hit = rt->prefix > 0 && prov_ip_prefix_equal(&dst, &net, MIN(prefix, rt->prefix));
        else
            hit = rt->prefix == prefix && prov_ip_prefix_equal(&dst, &net, prefix);
        if (!hit)
            continue;
        g_debug("subnet %s/%u: route %s/%u on %s %s it", address, prefix, rt->dest,
                rt->prefix, rt->ifname, overlap ? "overlaps" : "equals");
        *ret_ifname = g_strdup(rt->ifname);
        if (ret_route)
            *ret_route = g_strdup_printf("%s/%u", rt->dest, rt->prefix);
        return true;
    }
    *ret_ifname = NULL;
    if (ret_route)
        *ret_route = NULL;
    return true;
}

bool
prov_route_find_collision(const char *address, guint prefix, const char *exclude_ifname,
                          char **ret_ifname, GError **error)
{
    return prov_route_search(address, prefix, exclude_ifname, false, ret_ifname, NULL, error);
}

bool
prov_route_find_overlap(const char *address, guint prefix, const char *exclude_ifname,
                        char **ret_ifname, char **ret_route, GError **error)
{
    return prov_route_search(address, prefix, exclude_ifname, true, ret_ifname, ret_route,
                             error);
}

bool
prov_ipv6_check_forwarding_safe(GError **error)
{
    g_autoptr(GPtrArray) routes = NULL;
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GString) offenders = g_string_new(NULL);
    g_autofree char *first = NULL;
    int forwarding;
    guint count = 0;
    guint i;

    if (!prov_sysctl_have_ipv6())
        return true;
    /*
     * Forwarding on already: the purge happened when it was switched on, and writing 1
     * again is skipped (prov_sysctl_write), so this start changes nothing for RAs.
     */
    if (!prov_sysctl_get_ipv6_conf("all", PROV_SYSCTL_IPV6_FORWARDING, &forwarding, error))
        return false;
    if (forwarding == 1)
        return true;
    if (!prov_route_list(AF_INET6, &routes, error))
        return false;
    for (i = 0; i < routes->len; i++) {
        ProvRoute *rt = g_ptr_array_index(routes, i);
        g_autoptr(GError) local_error = NULL;
        int accept_ra;

        /* Routes the kernel learned from RAs carry protocol "ra" over netlink. */
        if (rt->protocol != RTPROT_RA || !rt->ifname ||
            g_hash_table_contains(seen, rt->ifname))
            continue;
        g_hash_table_add(seen, g_strdup(rt->ifname));
        if (!prov_sysctl_get_ipv6_conf(rt->ifname, PROV_SYSCTL_IPV6_ACCEPT_RA, &accept_ra,
                                       &local_error)) {
            /* The device went away between the dump and the read. */
            g_debug("cannot read accept_ra of %s: %s, ignoring", rt->ifname,
                    local_error->message);
            continue;
        }
        g_debug("RA route %s/%u on %s, accept_ra=%d", rt->dest, rt->prefix, rt->ifname,
                accept_ra);
        if (accept_ra == 2)
            continue;
        if (count++ > 0)
            g_string_append(offenders, ", ");
        g_string_append_printf(offenders, "'%s' (accept_ra=%d)", rt->ifname, accept_ra);
        if (!first)
            first = g_strdup(rt->ifname);
    }
    if (count == 0)
        return true;
    g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_INVALID,
                "cannot enable IPv6 forwarding: the host learns IPv6 routes from router "
                "advertisements on %s, and with forwarding on the kernel would drop them; "
                "set accept_ra=2 on %s (e.g. net.ipv6.conf.%s.accept_ra=2) or configure "
                "%s statically", offenders->str, count > 1 ? "these interfaces" : "it",
                first, count > 1 ? "them" : "it");
    return false;
}
