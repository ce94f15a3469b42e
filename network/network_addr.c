/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_addr.c: IP address, subnet, MAC and UUID helpers of the network XML model. */
#define G_LOG_DOMAIN "prov-network-conf"

#include "network/network_conf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

/* ---- IP addresses ------------------------------------------------------------------ */

/* Bytes an address of @family occupies in ProvNetAddr.bytes. */
static guint
net_addr_len(int family)
{
    if (family == AF_INET)
        return 4;
    if (family == AF_INET6)
        return 16;
    return 0;
}

/*
 * inet_pton() is used rather than getaddrinfo(): it takes only the canonical dotted quad
 * for IPv4 (no "10.1", "0x0a.0.0.1" or octal forms that inet_aton-style parsers accept)
 * and plain IPv6 text without a zone or brackets.
 */
bool
prov_net_addr_parse(const char *str, int family, ProvNetAddr *ret)
{
    ProvNetAddr addr;

    if (!str || !*str)
        return false;
    memset(&addr, 0, sizeof(addr));
    if ((family == AF_UNSPEC || family == AF_INET) && inet_pton(AF_INET, str, addr.bytes) == 1) {
        addr.family = AF_INET;
        *ret = addr;
        return true;
    }
    memset(&addr, 0, sizeof(addr));
    if ((family == AF_UNSPEC || family == AF_INET6) &&
        inet_pton(AF_INET6, str, addr.bytes) == 1) {
        addr.family = AF_INET6;
        *ret = addr;
        return true;
    }
    return false;
}

const char *
prov_net_addr_to_string(const ProvNetAddr *addr, char buf[PROV_NET_ADDR_STRLEN])
{
    buf[0] = '\0';
    if (!addr || !prov_net_addr_is_set(addr))
        return buf;
    if (!inet_ntop(addr->family, addr->bytes, buf, PROV_NET_ADDR_STRLEN))
        buf[0] = '\0';
    return buf;
}

char *
prov_net_addr_format(const ProvNetAddr *addr)
{
    char buf[PROV_NET_ADDR_STRLEN];

    if (!addr || !prov_net_addr_is_set(addr))
        return NULL;
    return g_strdup(prov_net_addr_to_string(addr, buf));
}

bool
prov_net_addr_equal(const ProvNetAddr *a, const ProvNetAddr *b)
{
    bool a_set = prov_net_addr_is_set(a);
    bool b_set = prov_net_addr_is_set(b);

    if (!a_set || !b_set)
        return a_set == b_set;
    return a->family == b->family && memcmp(a->bytes, b->bytes, net_addr_len(a->family)) == 0;
}

int
prov_net_addr_compare(const ProvNetAddr *a, const ProvNetAddr *b)
{
    int fa = prov_net_addr_is_set(a) ? a->family : AF_UNSPEC;
    int fb = prov_net_addr_is_set(b) ? b->family : AF_UNSPEC;
    int rank_a = fa == AF_INET ? 1 : fa == AF_INET6 ? 2 : 0;
    int rank_b = fb == AF_INET ? 1 : fb == AF_INET6 ? 2 : 0;

    if (rank_a != rank_b)
        return rank_a < rank_b ? -1 : 1;
    if (rank_a == 0)
        return 0;
    return memcmp(a->bytes, b->bytes, net_addr_len(fa));
}

unsigned int
prov_net_family_bits(int family)
{
    return net_addr_len(family) * 8;
}

const char *
prov_net_family_to_string(int family)
{
    if (family == AF_INET)
        return "ipv4";
    if (family == AF_INET6)
        return "ipv6";
    return NULL;
}

/* ---- subnets ----------------------------------------------------------------------- */

void
prov_net_prefix_to_netmask(int family, unsigned int prefix, ProvNetAddr *ret)
{
    guint len = net_addr_len(family);
    guint i;

    memset(ret, 0, sizeof(*ret));
    ret->family = family;
    if (prefix > len * 8)
        prefix = len * 8;
    for (i = 0; i < len; i++) {
        if (prefix >= 8) {
            ret->bytes[i] = 0xff;
            prefix -= 8;
        } else {
            ret->bytes[i] = (guint8) (0xff << (8 - prefix));
            prefix = 0;
        }
    }
}

int
prov_net_netmask_to_prefix(const ProvNetAddr *netmask)
{
    guint len;
    guint i;
    int prefix = 0;
    bool zeros = false;

    if (!netmask || !prov_net_addr_is_set(netmask))
        return -1;
    len = net_addr_len(netmask->family);
    for (i = 0; i < len; i++) {
        int bit;

        for (bit = 7; bit >= 0; bit--) {
            bool one = (netmask->bytes[i] >> bit) & 1;

            if (one && zeros)
                return -1;   /* a one after a zero: not contiguous */
            if (one)
                prefix++;
            else
                zeros = true;
        }
    }
    return prefix;
}

void
prov_net_addr_mask(const ProvNetAddr *addr, unsigned int prefix, ProvNetAddr *ret)
{
    ProvNetAddr mask;
    ProvNetAddr out = *addr;
    guint i;

    prov_net_prefix_to_netmask(addr->family, prefix, &mask);
    for (i = 0; i < net_addr_len(addr->family); i++)
        out.bytes[i] = addr->bytes[i] & mask.bytes[i];
    *ret = out;
}

void
prov_net_addr_broadcast(const ProvNetAddr *addr, unsigned int prefix, ProvNetAddr *ret)
{
    ProvNetAddr mask;
    ProvNetAddr out = *addr;
    guint i;

    prov_net_prefix_to_netmask(addr->family, prefix, &mask);
    for (i = 0; i < net_addr_len(addr->family); i++)
        out.bytes[i] = addr->bytes[i] | (guint8) ~mask.bytes[i];
    *ret = out;
}

bool
prov_net_addr_in_subnet(const ProvNetAddr *addr, const ProvNetAddr *net, unsigned int prefix)
{
    ProvNetAddr a;
    ProvNetAddr n;

    if (!prov_net_addr_is_set(addr) || !prov_net_addr_is_set(net) ||
        addr->family != net->family || prefix > prov_net_family_bits(addr->family))
        return false;
    prov_net_addr_mask(addr, prefix, &a);
    prov_net_addr_mask(net, prefix, &n);
    return prov_net_addr_equal(&a, &n);
}

gint64
prov_net_range_size(const ProvNetAddr *start, const ProvNetAddr *end)
{
    guint64 hi_s = 0;
    guint64 lo_s = 0;
    guint64 hi_e = 0;
    guint64 lo_e = 0;
    guint64 hi;
    guint64 lo;
    guint len;
    guint i;

    if (!prov_net_addr_is_set(start) || !prov_net_addr_is_set(end) ||
        start->family != end->family)
        return -1;
    if (prov_net_addr_compare(start, end) > 0)
        return -1;
    /* Both addresses as one 128-bit number (hi:lo); IPv4 fits in lo. */
    len = net_addr_len(start->family);
    for (i = 0; i < len; i++) {
        hi_s = (hi_s << 8) | (lo_s >> 56);
        lo_s = (lo_s << 8) | start->bytes[i];
        hi_e = (hi_e << 8) | (lo_e >> 56);
        lo_e = (lo_e << 8) | end->bytes[i];
    }
    hi = hi_e - hi_s - (lo_e < lo_s ? 1 : 0);
    lo = lo_e - lo_s;
    if (hi != 0 || lo >= (guint64) G_MAXINT64)
        return G_MAXINT64;
    return (gint64) lo + 1;
}

bool
prov_net_subnets_overlap(const ProvNetAddr *a, unsigned int a_prefix, const ProvNetAddr *b,
                         unsigned int b_prefix)
{
    unsigned int prefix = MIN(a_prefix, b_prefix);

    if (!prov_net_addr_is_set(a) || !prov_net_addr_is_set(b) || a->family != b->family)
        return false;
    return prov_net_addr_in_subnet(a, b, prefix);
}

/* ---- MAC addresses ----------------------------------------------------------------- */

bool
prov_net_mac_parse(const char *str, guint8 ret_mac[6])
{
    guint8 mac[6];
    const char *p = str;
    int i;

    if (!str)
        return false;
    for (i = 0; i < 6; i++) {
        int hi = g_ascii_xdigit_value(p[0]);
        int lo;

        if (hi < 0)
            return false;
        lo = g_ascii_xdigit_value(p[1]);
        if (lo >= 0) {
            mac[i] = (guint8) ((hi << 4) | lo);
            p += 2;
        } else {
            mac[i] = (guint8) hi;
            p += 1;
        }
        if (i < 5) {
            if (*p != ':')
                return false;
            p++;
        }
    }
    if (*p != '\0')
        return false;
    memcpy(ret_mac, mac, 6);
    return true;
}

const char *
prov_net_mac_format(const guint8 mac[6], char buf[PROV_NET_MAC_STRLEN])
{
    g_snprintf(buf, PROV_NET_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
               mac[2], mac[3], mac[4], mac[5]);
    return buf;
}

void
prov_network_def_generate_mac(guint8 ret_mac[6])
{
    guint32 r = g_random_int();

    ret_mac[0] = 0x52;
    ret_mac[1] = 0x54;
    ret_mac[2] = 0x00;
    ret_mac[3] = (guint8) (r >> 16);
    ret_mac[4] = (guint8) (r >> 8);
    ret_mac[5] = (guint8) r;
}

/* ---- UUIDs ------------------------------------------------------------------------- */

/* Surrounding whitespace is tolerated, as libvirt's parser does for <uuid> text. */
bool
prov_net_uuid_parse(const char *str, guint8 ret_uuid[16])
{
    guint8 uuid[16];
    const char *p;
    const char *end;
    size_t len;
    bool dashed;
    int i;

    if (!str)
        return false;
    p = str;
    while (g_ascii_isspace(*p))
        p++;
    end = p + strlen(p);
    while (end > p && g_ascii_isspace(end[-1]))
        end--;
    len = (size_t) (end - p);
    if (len == 36)
        dashed = true;
    else if (len == 32)
        dashed = false;
    else
        return false;

    for (i = 0; i < 16; i++) {
        int hi;
        int lo;

        if (dashed && (i == 4 || i == 6 || i == 8 || i == 10)) {
            if (*p != '-')
                return false;
            p++;
        }
        hi = g_ascii_xdigit_value(p[0]);
        lo = g_ascii_xdigit_value(p[1]);
        if (hi < 0 || lo < 0)
            return false;
        uuid[i] = (guint8) ((hi << 4) | lo);
        p += 2;
    }
    memcpy(ret_uuid, uuid, 16);
    return true;
}

void
prov_net_uuid_format(const guint8 uuid[16], char buf[37])
{
    static const char hex[] = "0123456789abcdef";
    char *p = buf;
    int i;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[uuid[i] >> 4];
        *p++ = hex[uuid[i] & 0xf];
    }
    *p = '\0';
}

void
prov_net_uuid_generate(guint8 ret_uuid[16])
{
    g_autofree char *str = g_uuid_string_random();

    if (!prov_net_uuid_parse(str, ret_uuid))
        g_error("GLib produced an unparsable UUID '%s'", str);
}
