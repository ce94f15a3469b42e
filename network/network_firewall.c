/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_firewall.c: a virtual network's firewall rules (nftables or iptables), exactly undone. */
#define G_LOG_DOMAIN "prov-netfw"

#include "network/network_firewall.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>

#include "util/error.h"
#include "util/xml.h"

/* Our nftables table; never any other. */
#define PROV_NFT_FAMILY "inet"
#define PROV_NFT_TABLE "provd"

/* Family bits of a plan or rule. */
#define PROV_FAM4 (1u << 0)
#define PROV_FAM6 (1u << 1)

/* Linux IFNAMSIZ - 1. */
#define PROV_IFNAME_MAX 15

/* Chain suffixes of one network in table inet provd. */
static const char *const prov_nft_chain_suffixes[] = { "in", "out", "nat" };

static const char *const prov_net_firewall_mode_names[] = { "nat", "route", "open", "isolated" };
G_STATIC_ASSERT(G_N_ELEMENTS(prov_net_firewall_mode_names) == PROV_NET_FIREWALL_MODE_LAST);

const char *
prov_net_firewall_mode_to_string(ProvNetFirewallMode mode)
{
    if ((int) mode < 0 || mode >= PROV_NET_FIREWALL_MODE_LAST)
        return NULL;
    return prov_net_firewall_mode_names[mode];
}

int
prov_net_firewall_mode_from_string(const char *str)
{
    guint i;

    for (i = 0; str && i < G_N_ELEMENTS(prov_net_firewall_mode_names); i++) {
        if (g_str_equal(str, prov_net_firewall_mode_names[i]))
            return (int) i;
    }
    return -1;
}

/* ---- spec and record ---------------------------------------------------- */

static void
prov_net_firewall_subnet_free(ProvNetFirewallSubnet *subnet)
{
    if (!subnet)
        return;
    g_free(subnet->address);
    g_free(subnet);
}

ProvNetFirewallSpec *
prov_net_firewall_spec_new(const char *name, const char *bridge, ProvNetFirewallMode mode)
{
    ProvNetFirewallSpec *spec = g_new0(ProvNetFirewallSpec, 1);

    spec->name = g_strdup(name);
    spec->bridge = g_strdup(bridge);
    spec->mode = mode;
    spec->subnets = g_ptr_array_new_with_free_func((GDestroyNotify) prov_net_firewall_subnet_free);
    return spec;
}

void
prov_net_firewall_spec_add_subnet(ProvNetFirewallSpec *spec, int family, const char *address,
                                  unsigned int prefix)
{
    ProvNetFirewallSubnet *subnet = g_new0(ProvNetFirewallSubnet, 1);

    subnet->family = family;
    subnet->address = g_strdup(address);
    subnet->prefix = prefix;
    g_ptr_array_add(spec->subnets, subnet);
}

void
prov_net_firewall_spec_free(ProvNetFirewallSpec *spec)
{
    if (!spec)
        return;
    g_free(spec->name);
    g_free(spec->bridge);
    g_clear_pointer(&spec->subnets, g_ptr_array_unref);
    g_free(spec->forward_dev);
    g_free(spec->nat_addr_start);
    g_free(spec->nat_addr_end);
    g_free(spec);
}

static void
prov_net_firewall_item_free(ProvNetFirewallItem *item)
{
    if (!item)
        return;
    g_free(item->family);
    g_free(item->table);
    g_free(item->chain);
    g_free(item->key);
    g_free(item);
}

static ProvNetFirewallItem *
prov_net_firewall_item_new(ProvNetFirewallItemKind kind, const char *family, const char *table,
                           const char *chain, const char *key, guint64 handle)
{
    ProvNetFirewallItem *item = g_new0(ProvNetFirewallItem, 1);

    item->kind = kind;
    item->family = g_strdup(family);
    item->table = g_strdup(table);
    item->chain = g_strdup(chain);
    item->key = g_strdup(key);
    item->handle = handle;
    return item;
}

static ProvNetFirewallRecord *
prov_net_firewall_record_new(ProvFirewallBackend backend, const char *bridge)
{
    ProvNetFirewallRecord *record = g_new0(ProvNetFirewallRecord, 1);

    record->backend = backend;
    record->bridge = g_strdup(bridge);
    record->items = g_ptr_array_new_with_free_func((GDestroyNotify) prov_net_firewall_item_free);
    return record;
}

void
prov_net_firewall_record_free(ProvNetFirewallRecord *record)
{
    if (!record)
        return;
    g_free(record->bridge);
    g_clear_pointer(&record->items, g_ptr_array_unref);
    g_free(record);
}

/* ---- names ---------------------------------------------------------------- */

/*
 * Interface names go into nft strings and iptables arguments.  The kernel allows
 * almost anything but '/', ':' and blanks; we take the portable set, which also
 * keeps out nft's '*' and iptables' '+' wildcards and the quote character.
 */
static bool
prov_fw_ifname_valid(const char *name)
{
    const char *p;

    if (!name || !name[0] || strlen(name) > PROV_IFNAME_MAX || g_str_equal(name, ".") ||
        g_str_equal(name, ".."))
        return false;
    for (p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '.' && *p != '-')
            return false;
    }
    return true;
}

static bool
prov_fw_is_word(const char *name)
{
    const char *p;

    if (!name || !name[0])
        return false;
    for (p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_')
            return false;
    }
    return true;
}

/*
 * A name from someone else's table that nft syntax can spell.  libnftables 1.0.6
 * takes table and chain names only as bare words, ({letter}|[_.])({letter}|{digit}|
 * [/-_.])* in its scanner (a quoted "name" is a syntax error there), so a chain
 * named otherwise cannot be addressed and is left alone.
 */
static bool
prov_fw_foreign_name_valid(const char *name)
{
    const char *p;

    if (!name || !name[0] || strlen(name) > 256 ||
        (!g_ascii_isalpha(name[0]) && name[0] != '_' && name[0] != '.'))
        return false;
    for (p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("/-_.", *p))
            return false;
    }
    return true;
}

/*
 * The per-network part of our chain names.  nft only takes [A-Za-z0-9_] names
 * unquoted in jump verdicts (1.0.6 refuses a quoted jump target), and iptables chain
 * names are at most 28 characters: "PROV_" + id + "_FWI" leaves 19 for the id.
 */
static char *
prov_fw_id(const char *bridge)
{
    g_autofree char *sum = NULL;
    GString *id;
    const char *p;

    if (prov_fw_is_word(bridge))
        return g_strdup(bridge);
    sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, bridge, -1);
    id = g_string_new(NULL);
    for (p = bridge; *p && id->len < 10; p++)
        g_string_append_c(id, g_ascii_isalnum(*p) ? *p : '_');
    g_string_append_printf(id, "_%.8s", sum);
    return g_string_free(id, FALSE);
}

/* "192.168.122.1", 24 -> "192.168.122.0/24"; NULL when invalid. */
static char *
prov_fw_cidr(int family, const char *address, unsigned int prefix)
{
    g_autoptr(GInetAddress) addr = NULL;
    g_autoptr(GInetAddress) net = NULL;
    g_autofree char *text = NULL;
    guint8 bytes[16];
    gsize len;
    gsize i;

    if (!address)
        return NULL;
    addr = g_inet_address_new_from_string(address);
    if (!addr)
        return NULL;
    if ((family == AF_INET && g_inet_address_get_family(addr) != G_SOCKET_FAMILY_IPV4) ||
        (family == AF_INET6 && g_inet_address_get_family(addr) != G_SOCKET_FAMILY_IPV6) ||
        (family != AF_INET && family != AF_INET6))
        return NULL;
    len = g_inet_address_get_native_size(addr);
    if (prefix < 1 || prefix > len * 8)
        return NULL;
    memcpy(bytes, g_inet_address_to_bytes(addr), len);
    for (i = 0; i < len; i++) {
        unsigned int bit = i * 8;

        if (bit >= prefix)
            bytes[i] = 0;
        else if (prefix - bit < 8)
            bytes[i] &= (guint8) (0xff << (8 - (prefix - bit)));
    }
    net = g_inet_address_new_from_bytes(bytes, g_inet_address_get_family(addr));
    text = g_inet_address_to_string(net);
    return g_strdup_printf("%s/%u", text, prefix);
}

static bool
prov_fw_ipv4_valid(const char *address)
{
    g_autoptr(GInetAddress) addr = address ? g_inet_address_new_from_string(address) : NULL;

    return addr && g_inet_address_get_family(addr) == G_SOCKET_FAMILY_IPV4;
}

/* ---- the plan: what the spec means, independent of the backend ------------ */

typedef struct {
    int family;  /* AF_INET / AF_INET6 */
    char *cidr;  /* "192.168.122.0/24" */
    bool nat;    /* masqueraded (else routed) */
} ProvFwNet;

typedef struct {
    const ProvNetFirewallSpec *spec;
    char *id;
    char *comment;       /* "provd:<bridge>" on rules we put in foreign chains */
    guint fams;          /* families whose forwarding we filter */
    guint svc_fams;      /* families in which the bridge has addresses (host services) */
    GPtrArray *nets;     /* ProvFwNet forwarded subnets (nat, route) */
    bool any_nat4;
    bool any_nat6;
    unsigned int port_start;
    unsigned int port_end;
    char *snat_to;       /* "10.0.0.1-10.0.0.5", or NULL: masquerade */
} ProvFwPlan;

static void
prov_fw_net_free(ProvFwNet *net)
{
    if (!net)
        return;
    g_free(net->cidr);
    g_free(net);
}

static void
prov_fw_plan_clear(ProvFwPlan *plan)
{
    g_clear_pointer(&plan->id, g_free);
    g_clear_pointer(&plan->comment, g_free);
    g_clear_pointer(&plan->nets, g_ptr_array_unref);
    g_clear_pointer(&plan->snat_to, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ProvFwPlan, prov_fw_plan_clear)

static bool
prov_fw_plan_init(ProvFwPlan *plan, const ProvNetFirewallSpec *spec, GError **error)
{
    const char *name = spec->name ? spec->name : "";
    bool have_v6 = false;
    guint i;

    memset(plan, 0, sizeof(*plan));
    plan->spec = spec;
    plan->nets = g_ptr_array_new_with_free_func((GDestroyNotify) prov_fw_net_free);
    if ((int) spec->mode < 0 || spec->mode >= PROV_NET_FIREWALL_MODE_LAST) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INTERNAL_ERROR,
                    "network '%s': unknown firewall mode %d", name, (int) spec->mode);
        return false;
    }
    if (!prov_fw_ifname_valid(spec->bridge)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "network '%s': bridge name '%s' cannot be used in firewall rules "
                    "(1-15 characters of A-Z a-z 0-9 _ . -)",
                    name, spec->bridge ? spec->bridge : "");
        return false;
    }
    if (spec->forward_dev && !prov_fw_ifname_valid(spec->forward_dev)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "network '%s': forward device '%s' cannot be used in firewall rules "
                    "(1-15 characters of A-Z a-z 0-9 _ . -)",
                    name, spec->forward_dev);
        return false;
    }
    if (spec->nat_addr_start || spec->nat_addr_end) {
        const char *end = spec->nat_addr_end ? spec->nat_addr_end : spec->nat_addr_start;

        if (!prov_fw_ipv4_valid(spec->nat_addr_start) || !prov_fw_ipv4_valid(end)) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                        "network '%s': nat address range '%s'-'%s' is not a pair of IPv4 "
                        "addresses",
                        name, spec->nat_addr_start ? spec->nat_addr_start : "", end ? end : "");
            return false;
        }
        if (g_str_equal(spec->nat_addr_start, end))
            plan->snat_to = g_strdup(end);
        else
            plan->snat_to = g_strdup_printf("%s-%s", spec->nat_addr_start, end);
    }
    plan->port_start = spec->nat_port_start ? spec->nat_port_start : 1024;
    plan->port_end = spec->nat_port_end ? spec->nat_port_end : 65535;
    if (plan->port_end > 65535 || plan->port_start > plan->port_end) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                    "network '%s': nat port range %u-%u is invalid", name, plan->port_start,
                    plan->port_end);
        return false;
    }

    for (i = 0; i < spec->subnets->len; i++) {
        const ProvNetFirewallSubnet *s = g_ptr_array_index(spec->subnets, i);
        g_autofree char *cidr = prov_fw_cidr(s->family, s->address, s->prefix);
        ProvFwNet *net;

        if (!cidr) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK,
                        "network '%s': subnet '%s/%u' is not a valid %s subnet", name,
                        s->address ? s->address : "", s->prefix,
                        s->family == AF_INET6 ? "IPv6" : "IPv4");
            return false;
        }
        if (s->family == AF_INET6)
            have_v6 = true;
        if (spec->mode != PROV_NET_FIREWALL_MODE_NAT && spec->mode != PROV_NET_FIREWALL_MODE_ROUTE)
            continue;
        net = g_new0(ProvFwNet, 1);
        net->family = s->family;
        net->cidr = g_steal_pointer(&cidr);
        /* libvirt: IPv6 is masqueraded only with <nat ipv6='yes'>, else routed. */
        net->nat = spec->mode == PROV_NET_FIREWALL_MODE_NAT &&
                   (s->family == AF_INET || spec->nat_ipv6);
        if (net->nat && s->family == AF_INET)
            plan->any_nat4 = true;
        if (net->nat && s->family == AF_INET6)
            plan->any_nat6 = true;
        g_ptr_array_add(plan->nets, net);
    }
    /* libvirt adds its IPv4 rules for every L3 network, IPv6 ones only with IPv6. */
    plan->fams = PROV_FAM4 | (spec->ipv6 || have_v6 ? PROV_FAM6 : 0);
    plan->svc_fams = PROV_FAM4 | (have_v6 ? PROV_FAM6 : 0);
    plan->id = prov_fw_id(spec->bridge);
    plan->comment = g_strdup_printf("provd:%s", spec->bridge);
    return true;
}

static bool
prov_fw_plan_filters(const ProvFwPlan *plan)
{
    return plan->spec->mode != PROV_NET_FIREWALL_MODE_OPEN;
}

/* ---- nftables: rule lists ------------------------------------------------- */

/*
 * A rule in a family-neutral form: emitted as is into an ip/ip6 table when its
 * family matches, and into an inet table with a "meta nfproto" prefix when it is
 * for one family only and its text does not already say which (ip saddr, icmpv6).
 */
typedef struct {
    guint fams;
    bool implied;
    char *text;
} ProvFwRule;

static void
prov_fw_rule_free(ProvFwRule *rule)
{
    if (!rule)
        return;
    g_free(rule->text);
    g_free(rule);
}

static void prov_fw_rule_add(GPtrArray *rules, guint fams, bool implied, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static void
prov_fw_rule_add(GPtrArray *rules, guint fams, bool implied, const char *fmt, ...)
{
    ProvFwRule *rule = g_new0(ProvFwRule, 1);
    va_list ap;

    rule->fams = fams;
    rule->implied = implied;
    va_start(ap, fmt);
    rule->text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_ptr_array_add(rules, rule);
}

static GPtrArray *
prov_fw_rules_new(void)
{
    return g_ptr_array_new_with_free_func((GDestroyNotify) prov_fw_rule_free);
}

/* @rule as text for a chain of @family; NULL when it does not apply there. */
static char *
prov_fw_rule_text(const ProvFwRule *rule, const char *family)
{
    if (g_str_equal(family, "ip"))
        return (rule->fams & PROV_FAM4) ? g_strdup(rule->text) : NULL;
    if (g_str_equal(family, "ip6"))
        return (rule->fams & PROV_FAM6) ? g_strdup(rule->text) : NULL;
    if (rule->implied || rule->fams == (PROV_FAM4 | PROV_FAM6))
        return g_strdup(rule->text);
    return g_strdup_printf("meta nfproto %s %s", rule->fams == PROV_FAM4 ? "ipv4" : "ipv6",
                           rule->text);
}

static const char *
prov_fw_ipkw(int family)
{
    return family == AF_INET6 ? "ip6" : "ip";
}

static guint
prov_fw_fam(int family)
{
    return family == AF_INET6 ? PROV_FAM6 : PROV_FAM4;
}

/*
 * Chain net_<id>_in: packets forwarded TO the bridge (dispatched on oifname).
 * libvirt's guest_cross + guest_input: same-bridge traffic is accepted, then what
 * comes back to the subnet (nat: only established/related), everything else to the
 * bridge is rejected.
 */
static GPtrArray *
prov_fw_nft_in_rules(const ProvFwPlan *plan)
{
    const char *br = plan->spec->bridge;
    const char *dev = plan->spec->forward_dev;
    GPtrArray *rules = prov_fw_rules_new();
    guint i;

    prov_fw_rule_add(rules, plan->fams, false, "iifname \"%s\" counter accept", br);
    for (i = 0; i < plan->nets->len; i++) {
        const ProvFwNet *n = g_ptr_array_index(plan->nets, i);
        g_autofree char *in = dev ? g_strdup_printf("iifname \"%s\" ", dev) : g_strdup("");

        prov_fw_rule_add(rules, prov_fw_fam(n->family), true, "%s%s daddr %s %scounter accept",
                         in, prov_fw_ipkw(n->family), n->cidr,
                         n->nat ? "ct state related,established " : "");
    }
    prov_fw_rule_add(rules, plan->fams, false, "counter reject");
    return rules;
}

/* Chain net_<id>_out: packets forwarded FROM the bridge (libvirt's guest_output). */
static GPtrArray *
prov_fw_nft_out_rules(const ProvFwPlan *plan)
{
    const char *dev = plan->spec->forward_dev;
    GPtrArray *rules = prov_fw_rules_new();
    guint i;

    for (i = 0; i < plan->nets->len; i++) {
        const ProvFwNet *n = g_ptr_array_index(plan->nets, i);
        g_autofree char *out = dev ? g_strdup_printf("oifname \"%s\" ", dev) : g_strdup("");

        prov_fw_rule_add(rules, prov_fw_fam(n->family), true, "%s saddr %s %scounter accept",
                         prov_fw_ipkw(n->family), n->cidr, out);
    }
    prov_fw_rule_add(rules, plan->fams, false, "counter reject");
    return rules;
}

/*
 * Chain net_<id>_nat, reached from postrouting through the source-address maps.
 * Broadcast and link-local multicast are never translated; tcp/udp get a source
 * port range because masquerade otherwise keeps ports < 1024, which NFS servers
 * trust (libvirt's reason).
 */
static GPtrArray *
prov_fw_nft_nat_rules(const ProvFwPlan *plan)
{
    const char *dev = plan->spec->forward_dev;
    GPtrArray *rules = prov_fw_rules_new();
    static const char *const protos[] = { "tcp", "udp" };
    guint i;
    guint j;

    if (plan->any_nat4) {
        prov_fw_rule_add(rules, PROV_FAM4, true, "ip daddr 255.255.255.255 counter return");
        prov_fw_rule_add(rules, PROV_FAM4, true, "ip daddr 224.0.0.0/24 counter return");
    }
    if (plan->any_nat6)
        prov_fw_rule_add(rules, PROV_FAM6, true, "ip6 daddr ff02::/16 counter return");
    for (i = 0; i < plan->nets->len; i++) {
        const ProvFwNet *n = g_ptr_array_index(plan->nets, i);
        const char *kw = prov_fw_ipkw(n->family);
        g_autofree char *out = dev ? g_strdup_printf("oifname \"%s\" ", dev) : g_strdup("");
        /* The nat address range is IPv4 (libvirt): IPv6 is always masqueraded. */
        bool snat = plan->snat_to && n->family == AF_INET;

        if (!n->nat)
            continue;
        for (j = 0; j < G_N_ELEMENTS(protos); j++) {
            if (snat)
                prov_fw_rule_add(rules, PROV_FAM4, true,
                                 "%s%s saddr %s %s daddr != %s meta l4proto %s counter "
                                 "snat ip to %s:%u-%u",
                                 out, kw, n->cidr, kw, n->cidr, protos[j], plan->snat_to,
                                 plan->port_start, plan->port_end);
            else
                prov_fw_rule_add(rules, prov_fw_fam(n->family), true,
                                 "%s%s saddr %s %s daddr != %s meta l4proto %s counter "
                                 "masquerade to :%u-%u",
                                 out, kw, n->cidr, kw, n->cidr, protos[j], plan->port_start,
                                 plan->port_end);
        }
        if (snat)
            prov_fw_rule_add(rules, PROV_FAM4, true,
                             "%s%s saddr %s %s daddr != %s counter snat ip to %s", out, kw,
                             n->cidr, kw, n->cidr, plan->snat_to);
        else
            prov_fw_rule_add(rules, prov_fw_fam(n->family), true,
                             "%s%s saddr %s %s daddr != %s counter masquerade", out, kw,
                             n->cidr, kw, n->cidr);
    }
    return rules;
}

/*
 * Accepts for a foreign forward chain that may drop.  They need not repeat our
 * conntrack condition: the packet also crosses our own forward chain, which still
 * rejects what the mode forbids.  Only matches that iptables-nft can translate back
 * (interface, address/prefix, single port, single icmpv6 type; no sets, no ct) are
 * used, so `iptables-save` of Docker's table keeps working.
 */
static GPtrArray *
prov_fw_foreign_forward_rules(const ProvFwPlan *plan)
{
    const char *br = plan->spec->bridge;
    const char *dev = plan->spec->forward_dev;
    GPtrArray *rules = prov_fw_rules_new();
    guint i;

    prov_fw_rule_add(rules, plan->fams, false, "iifname \"%s\" oifname \"%s\" accept", br, br);
    for (i = 0; i < plan->nets->len; i++) {
        const ProvFwNet *n = g_ptr_array_index(plan->nets, i);
        const char *kw = prov_fw_ipkw(n->family);
        g_autofree char *in = dev ? g_strdup_printf("iifname \"%s\" ", dev) : g_strdup("");
        g_autofree char *out = dev ? g_strdup_printf(" oifname \"%s\"", dev) : g_strdup("");

        prov_fw_rule_add(rules, prov_fw_fam(n->family), true, "iifname \"%s\" %s saddr %s%s accept",
                         br, kw, n->cidr, out);
        prov_fw_rule_add(rules, prov_fw_fam(n->family), true, "%soifname \"%s\" %s daddr %s accept",
                         in, br, kw, n->cidr);
    }
    return rules;
}

/* Host services from the guests: DHCP, DNS, TFTP, DHCPv6 and neighbour discovery. */
static GPtrArray *
prov_fw_foreign_input_rules(const ProvFwPlan *plan)
{
    const ProvNetFirewallSpec *spec = plan->spec;
    const char *br = spec->bridge;
    GPtrArray *rules = prov_fw_rules_new();

    if (spec->dhcp_v4)
        prov_fw_rule_add(rules, PROV_FAM4, false, "iifname \"%s\" udp dport 67 accept", br);
    if (spec->dns) {
        prov_fw_rule_add(rules, plan->svc_fams, false, "iifname \"%s\" udp dport 53 accept", br);
        prov_fw_rule_add(rules, plan->svc_fams, false, "iifname \"%s\" tcp dport 53 accept", br);
    }
    if (spec->tftp)
        prov_fw_rule_add(rules, PROV_FAM4, false, "iifname \"%s\" udp dport 69 accept", br);
    if (plan->svc_fams & PROV_FAM6) {
        if (spec->dhcp_v6)
            prov_fw_rule_add(rules, PROV_FAM6, false, "iifname \"%s\" udp dport 547 accept", br);
        if (spec->ra)
            prov_fw_rule_add(rules, PROV_FAM6, true,
                             "iifname \"%s\" icmpv6 type nd-router-solicit accept", br);
        prov_fw_rule_add(rules, PROV_FAM6, true,
                         "iifname \"%s\" icmpv6 type nd-neighbor-solicit accept", br);
        prov_fw_rule_add(rules, PROV_FAM6, true,
                         "iifname \"%s\" icmpv6 type nd-neighbor-advert accept", br);
    }
    return rules;
}

/* The host's answers: DHCP replies, DNS replies, router advertisements. */
static GPtrArray *
prov_fw_foreign_output_rules(const ProvFwPlan *plan)
{
    const ProvNetFirewallSpec *spec = plan->spec;
    const char *br = spec->bridge;
    GPtrArray *rules = prov_fw_rules_new();

    if (spec->dhcp_v4)
        prov_fw_rule_add(rules, PROV_FAM4, false, "oifname \"%s\" udp dport 68 accept", br);
    if (spec->dns) {
        prov_fw_rule_add(rules, plan->svc_fams, false, "oifname \"%s\" udp sport 53 accept", br);
        prov_fw_rule_add(rules, plan->svc_fams, false, "oifname \"%s\" tcp sport 53 accept", br);
    }
    if (plan->svc_fams & PROV_FAM6) {
        if (spec->dhcp_v6)
            prov_fw_rule_add(rules, PROV_FAM6, false, "oifname \"%s\" udp dport 546 accept", br);
        if (spec->ra)
            prov_fw_rule_add(rules, PROV_FAM6, true,
                             "oifname \"%s\" icmpv6 type nd-router-advert accept", br);
        prov_fw_rule_add(rules, PROV_FAM6, true,
                         "oifname \"%s\" icmpv6 type nd-neighbor-solicit accept", br);
        prov_fw_rule_add(rules, PROV_FAM6, true,
                         "oifname \"%s\" icmpv6 type nd-neighbor-advert accept", br);
    }
    return rules;
}

/* ---- nftables: apply and remove ------------------------------------------ */

typedef struct {
    char *name;
    GPtrArray *rules; /* ProvFwRule */
} ProvFwChain;

typedef struct {
    const char *map;
    char *key;
    bool key_is_string;
    char *target;
} ProvFwElement;

typedef struct {
    char *family;
    char *table;
    char *chain;
    guint64 handle;
} ProvFwForeign;

static void
prov_fw_chain_free(ProvFwChain *c)
{
    if (!c)
        return;
    g_free(c->name);
    g_clear_pointer(&c->rules, g_ptr_array_unref);
    g_free(c);
}

static void
prov_fw_element_free(ProvFwElement *e)
{
    if (!e)
        return;
    g_free(e->key);
    g_free(e->target);
    g_free(e);
}

static void
prov_fw_foreign_free(ProvFwForeign *f)
{
    if (!f)
        return;
    g_free(f->family);
    g_free(f->table);
    g_free(f->chain);
    g_free(f);
}

static bool
prov_fw_is_ours(const char *family, const char *table)
{
    return g_str_equal(family, PROV_NFT_FAMILY) && g_str_equal(table, PROV_NFT_TABLE);
}

static bool
prov_fw_is_base_chain(const char *name)
{
    return g_str_equal(name, "forward") || g_str_equal(name, "postrouting");
}

/* The element key in nft syntax. */
static char *
prov_fw_key_syntax(const char *key, bool is_string)
{
    return is_string ? g_strdup_printf("\"%s\"", key) : g_strdup(key);
}

static bool
prov_fw_map_key_is_string(const char *map)
{
    return g_str_equal(map, "guest_in") || g_str_equal(map, "guest_out");
}

/* Our base chains, their hooks and the verdict maps their two rules dispatch through. */
static const struct {
    const char *name;
    const char *decl;
    const char *vmaps[2];
    const char *rules[2];
} prov_nft_base[] = {
    { "forward", "{ type filter hook forward priority filter; policy accept; }",
      { "guest_in", "guest_out" },
      { "oifname vmap @guest_in", "iifname vmap @guest_out" } },
    { "postrouting", "{ type nat hook postrouting priority srcnat; policy accept; }",
      { "nat_v4", "nat_v6" },
      { "ip saddr vmap @nat_v4", "ip6 saddr vmap @nat_v6" } },
};

static const char *const prov_nft_base_names[] = { "forward", "postrouting", NULL };

/*
 * 1 when base chain @i exists with exactly its two dispatch rules, 0 when it is
 * missing, -1 when it exists otherwise (someone changed it): it is then re-created.
 */
static int
prov_fw_nft_base_state(const ProvNftRuleset *rs, guint i)
{
    const ProvNftChain *c = prov_nft_ruleset_find_chain(rs, PROV_NFT_FAMILY, PROV_NFT_TABLE,
                                                        prov_nft_base[i].name);
    guint n = 0;
    guint j;

    if (!c)
        return 0;
    if (g_strcmp0(c->hook, prov_nft_base[i].name) != 0)
        return -1;
    for (j = 0; j < rs->rules->len; j++) {
        const ProvNftRule *r = g_ptr_array_index(rs->rules, j);

        if (!prov_fw_is_ours(r->family, r->table) || !g_str_equal(r->chain, c->name))
            continue;
        if (n >= 2 || g_strcmp0(r->vmap, prov_nft_base[i].vmaps[n]) != 0)
            return -1;
        n++;
    }
    return n == 2 ? 1 : -1;
}

/*
 * Which skeleton lines a batch needs.  `add` of an existing table, chain or map is a
 * no-op, so those are always there; the dispatch rules are added only to a base
 * chain this batch creates (a broken one is deleted first), because `flush chain`
 * would make libnftables 1.0.6 load every rule of the ruleset into its cache, a
 * cost that grows with the number of networks.
 */
static void
prov_fw_nft_skeleton_head(GString *s, const ProvNftRuleset *rs, bool *ret_new_base)
{
    guint i;

    g_string_append(s, "add table inet provd\n");
    for (i = 0; i < G_N_ELEMENTS(prov_nft_base); i++) {
        int state = prov_fw_nft_base_state(rs, i);

        if (state < 0)
            g_string_append_printf(s, "delete chain inet provd %s\n", prov_nft_base[i].name);
        ret_new_base[i] = state <= 0;
    }
}

/*
 * Chains come before the maps: libnftables 1.0.6 sends the elements of an interval
 * map right after the map itself, so a jump to a chain declared later in the batch
 * fails with ENOENT.
 */
static void
prov_fw_nft_skeleton_body(GString *s, GPtrArray *chains, const bool *new_base)
{
    guint i;
    guint j;

    for (i = 0; i < G_N_ELEMENTS(prov_nft_base); i++)
        g_string_append_printf(s, "add chain inet provd %s %s\n", prov_nft_base[i].name,
                               prov_nft_base[i].decl);
    for (i = 0; i < chains->len; i++)
        g_string_append_printf(s, "add chain inet provd %s\n",
                               ((ProvFwChain *) g_ptr_array_index(chains, i))->name);
    g_string_append(s, "add map inet provd guest_in { type ifname : verdict; }\n"
                       "add map inet provd guest_out { type ifname : verdict; }\n"
                       "add map inet provd nat_v4 { type ipv4_addr : verdict; flags interval; }\n"
                       "add map inet provd nat_v6 { type ipv6_addr : verdict; flags interval; }\n");
    for (i = 0; i < G_N_ELEMENTS(prov_nft_base); i++) {
        for (j = 0; new_base[i] && j < G_N_ELEMENTS(prov_nft_base[i].rules); j++)
            g_string_append_printf(s, "add rule inet provd %s %s\n", prov_nft_base[i].name,
                                   prov_nft_base[i].rules[j]);
    }
}

/* What the world holds of ours, and what is to be deleted from it. */
typedef struct {
    GPtrArray *del_elements;  /* const ProvNftElement * (borrowed from the ruleset) */
    GPtrArray *del_chains;    /* const char * */
    GPtrArray *del_foreign;   /* const ProvNftRule * */
    bool drop_table;          /* delete the whole table instead */
} ProvFwNftCleanup;

static void
prov_fw_nft_cleanup_clear(ProvFwNftCleanup *c)
{
    g_clear_pointer(&c->del_elements, g_ptr_array_unref);
    g_clear_pointer(&c->del_chains, g_ptr_array_unref);
    g_clear_pointer(&c->del_foreign, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ProvFwNftCleanup, prov_fw_nft_cleanup_clear)

/*
 * @mine: chain names in our table that belong (or belonged) to the network;
 * @keep: chain names the apply re-creates (not deleted, kept in the count);
 * @comments/@handles: foreign rules are ours when their comment is one of
 * @comments, or when they sit at a recorded handle AND carry such a comment.
 */
static void
prov_fw_nft_cleanup_find(ProvFwNftCleanup *c, const ProvNftRuleset *rs, GHashTable *mine,
                         GHashTable *keep, GPtrArray *comments)
{
    guint remaining = 0;
    guint i;
    guint j;

    c->del_elements = g_ptr_array_new();
    c->del_chains = g_ptr_array_new();
    c->del_foreign = g_ptr_array_new();
    for (i = 0; i < rs->elements->len; i++) {
        const ProvNftElement *e = g_ptr_array_index(rs->elements, i);

        if (prov_fw_is_ours(e->family, e->table) && e->target &&
            g_hash_table_contains(mine, e->target))
            g_ptr_array_add(c->del_elements, (gpointer) e);
    }
    for (i = 0; i < rs->chains->len; i++) {
        const ProvNftChain *ch = g_ptr_array_index(rs->chains, i);

        if (!prov_fw_is_ours(ch->family, ch->table) || prov_fw_is_base_chain(ch->name))
            continue;
        if (g_hash_table_contains(keep, ch->name))
            remaining++;
        else if (g_hash_table_contains(mine, ch->name))
            g_ptr_array_add(c->del_chains, ch->name);
        else
            remaining++;
    }
    for (i = 0; i < rs->rules->len; i++) {
        const ProvNftRule *r = g_ptr_array_index(rs->rules, i);

        if (prov_fw_is_ours(r->family, r->table) || !r->comment ||
            !prov_fw_foreign_name_valid(r->table) || !prov_fw_foreign_name_valid(r->chain))
            continue;
        for (j = 0; j < comments->len; j++) {
            if (g_str_equal(r->comment, g_ptr_array_index(comments, j))) {
                g_ptr_array_add(c->del_foreign, (gpointer) r);
                break;
            }
        }
    }
    c->drop_table = remaining == 0 && prov_nft_ruleset_has_table(rs, PROV_NFT_FAMILY,
                                                                  PROV_NFT_TABLE);
}

static void
prov_fw_nft_cleanup_script(const ProvFwNftCleanup *c, GString *s, bool own_part,
                           bool foreign_part)
{
    guint i;

    if (own_part) {
        for (i = 0; i < c->del_elements->len; i++) {
            const ProvNftElement *e = g_ptr_array_index(c->del_elements, i);
            g_autofree char *key = prov_fw_key_syntax(e->key, e->key_is_string);

            g_string_append_printf(s, "delete element inet provd %s { %s }\n", e->map, key);
        }
        for (i = 0; i < c->del_chains->len; i++)
            g_string_append_printf(s, "delete chain inet provd %s\n",
                                   (const char *) g_ptr_array_index(c->del_chains, i));
    }
    for (i = 0; foreign_part && i < c->del_foreign->len; i++) {
        const ProvNftRule *r = g_ptr_array_index(c->del_foreign, i);

        g_string_append_printf(s, "delete rule %s %s %s handle %" G_GUINT64_FORMAT "\n",
                               r->family, r->table, r->chain, r->handle);
    }
}

static GHashTable *
prov_fw_str_set_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

/* Record items of @record of kind CHAIN in our table into @set. */
static void
prov_fw_record_own_chains(const ProvNetFirewallRecord *record, GHashTable *set)
{
    guint i;

    for (i = 0; record && i < record->items->len; i++) {
        const ProvNetFirewallItem *it = g_ptr_array_index(record->items, i);

        if (it->kind == PROV_NET_FIREWALL_ITEM_CHAIN && prov_fw_is_ours(it->family, it->table))
            g_hash_table_add(set, g_strdup(it->chain));
    }
}

/*
 * Foreign rules recorded by handle that the listing no longer shows with our comment
 * are gone or were replaced by someone else's rule: they are left alone.  The ones
 * still there are found by their comment anyway, so only the comments matter here.
 */
static GPtrArray *
prov_fw_comments(const char *bridge, const ProvNetFirewallRecord *previous)
{
    GPtrArray *comments = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(comments, g_strdup_printf("provd:%s", bridge));
    if (previous && previous->bridge && g_strcmp0(previous->bridge, bridge) != 0)
        g_ptr_array_add(comments, g_strdup_printf("provd:%s", previous->bridge));
    return comments;
}

/* The ruleset as far as we need it; @record's foreign tables are listed in full too. */
static ProvNftRuleset *
prov_fw_nft_world(const ProvNetFirewallRecord *record, GError **error)
{
    g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
    guint i;

    for (i = 0; record && i < record->items->len; i++) {
        const ProvNetFirewallItem *it = g_ptr_array_index(record->items, i);

        if (it->kind == PROV_NET_FIREWALL_ITEM_RULE)
            g_ptr_array_add(extra, g_strdup_printf("%s %s", it->family, it->table));
    }
    return prov_nft_ruleset_survey(PROV_NFT_FAMILY, PROV_NFT_TABLE, prov_nft_base_names, extra,
                                   error);
}

/*
 * The handles of the rules a batch inserted into foreign tables: the rules carrying
 * @comment that the table did not hold before.  Listing the few tables concerned is
 * much cheaper than the batch's echo (see prov_nft_echo_rules()).
 */
static bool
prov_fw_nft_find_inserted(const ProvNftRuleset *before, GPtrArray *foreign, const char *comment,
                          GPtrArray *ret_items, GError **error)
{
    g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func(g_free);
    guint i;
    guint j;

    for (i = 0; i < foreign->len; i++) {
        const ProvFwForeign *f = g_ptr_array_index(foreign, i);
        g_autofree char *key = g_strdup_printf("%s %s", f->family, f->table);
        bool dup = false;

        for (j = 0; j < tables->len && !dup; j++)
            dup = g_str_equal(g_ptr_array_index(tables, j), key);
        if (!dup)
            g_ptr_array_add(tables, g_steal_pointer(&key));
    }
    for (i = 0; i < tables->len; i++) {
        g_autofree char *what = g_strdup_printf("table %s", (char *) g_ptr_array_index(tables, i));
        g_autofree char *json = prov_firewall_nft_list(what, error);
        g_autoptr(ProvNftRuleset) rs = NULL;

        if (!json || !(rs = prov_nft_ruleset_parse(json, error)))
            return false;
        for (j = 0; j < rs->rules->len; j++) {
            const ProvNftRule *r = g_ptr_array_index(rs->rules, j);

            if (g_strcmp0(r->comment, comment) != 0 ||
                prov_nft_ruleset_find_rule(before, r->family, r->table, r->handle))
                continue;
            g_ptr_array_add(ret_items,
                            prov_net_firewall_item_new(PROV_NET_FIREWALL_ITEM_RULE, r->family,
                                                       r->table, r->chain, NULL, r->handle));
        }
    }
    return true;
}

static bool
prov_fw_nft_apply_once(const ProvFwPlan *plan, const ProvNetFirewallRecord *previous,
                       bool *ret_retry, ProvNetFirewallRecord **ret_record, GError **error)
{
    const ProvNetFirewallSpec *spec = plan->spec;
    g_autoptr(ProvNftRuleset) rs = NULL;
    g_autoptr(GPtrArray) chains = g_ptr_array_new_with_free_func(
        (GDestroyNotify) prov_fw_chain_free);
    g_autoptr(GPtrArray) elements = g_ptr_array_new_with_free_func(
        (GDestroyNotify) prov_fw_element_free);
    g_autoptr(GPtrArray) foreign = g_ptr_array_new_with_free_func(
        (GDestroyNotify) prov_fw_foreign_free);
    g_autoptr(GPtrArray) fwd_rules = NULL;
    g_autoptr(GPtrArray) in_rules = NULL;
    g_autoptr(GPtrArray) out_rules = NULL;
    g_autoptr(GHashTable) mine = prov_fw_str_set_new();
    g_autoptr(GHashTable) keep = prov_fw_str_set_new();
    g_autoptr(GPtrArray) comments = prov_fw_comments(spec->bridge, previous);
    g_autoptr(GString) s = g_string_new(NULL);
    g_autoptr(GString) inserts = g_string_new(NULL);
    g_autoptr(ProvNetFirewallRecord) record = NULL;
    g_autoptr(GPtrArray) found = NULL;
    g_auto(ProvFwNftCleanup) cleanup = { 0 };
    bool new_base[G_N_ELEMENTS(prov_nft_base)] = { false };
    guint i;
    guint j;

    *ret_retry = false;
    if (!(rs = prov_fw_nft_world(previous, error)))
        return false;

    for (i = 0; i < G_N_ELEMENTS(prov_nft_chain_suffixes); i++)
        g_hash_table_add(mine, g_strdup_printf("net_%s_%s", plan->id, prov_nft_chain_suffixes[i]));
    prov_fw_record_own_chains(previous, mine);

    if (prov_fw_plan_filters(plan)) {
        ProvFwChain *c;
        ProvFwElement *e;

        c = g_new0(ProvFwChain, 1);
        c->name = g_strdup_printf("net_%s_in", plan->id);
        c->rules = prov_fw_nft_in_rules(plan);
        g_ptr_array_add(chains, c);
        c = g_new0(ProvFwChain, 1);
        c->name = g_strdup_printf("net_%s_out", plan->id);
        c->rules = prov_fw_nft_out_rules(plan);
        g_ptr_array_add(chains, c);
        e = g_new0(ProvFwElement, 1);
        e->map = "guest_in";
        e->key = g_strdup(spec->bridge);
        e->key_is_string = true;
        e->target = g_strdup_printf("net_%s_in", plan->id);
        g_ptr_array_add(elements, e);
        e = g_new0(ProvFwElement, 1);
        e->map = "guest_out";
        e->key = g_strdup(spec->bridge);
        e->key_is_string = true;
        e->target = g_strdup_printf("net_%s_out", plan->id);
        g_ptr_array_add(elements, e);
        if (plan->any_nat4 || plan->any_nat6) {
            c = g_new0(ProvFwChain, 1);
            c->name = g_strdup_printf("net_%s_nat", plan->id);
            c->rules = prov_fw_nft_nat_rules(plan);
            g_ptr_array_add(chains, c);
        }
        for (i = 0; i < plan->nets->len; i++) {
            const ProvFwNet *n = g_ptr_array_index(plan->nets, i);

            if (!n->nat)
                continue;
            e = g_new0(ProvFwElement, 1);
            e->map = n->family == AF_INET6 ? "nat_v6" : "nat_v4";
            e->key = g_strdup(n->cidr);
            e->target = g_strdup_printf("net_%s_nat", plan->id);
            g_ptr_array_add(elements, e);
        }
        fwd_rules = prov_fw_foreign_forward_rules(plan);
        in_rules = prov_fw_foreign_input_rules(plan);
        out_rules = prov_fw_foreign_output_rules(plan);
    }
    for (i = 0; i < chains->len; i++)
        g_hash_table_add(keep, g_strdup(((ProvFwChain *) g_ptr_array_index(chains, i))->name));

    prov_fw_nft_cleanup_find(&cleanup, rs, mine, keep, comments);

    /* Foreign base chains that would drop what our table accepts. */
    for (i = 0; fwd_rules && i < rs->chains->len; i++) {
        const ProvNftChain *ch = g_ptr_array_index(rs->chains, i);
        GPtrArray *list = NULL;

        if (prov_fw_is_ours(ch->family, ch->table) || !ch->hook || !ch->may_drop ||
            g_strcmp0(ch->type, "filter") != 0)
            continue;
        if (!g_str_equal(ch->family, "ip") && !g_str_equal(ch->family, "ip6") &&
            !g_str_equal(ch->family, "inet"))
            continue;
        if (!prov_fw_foreign_name_valid(ch->table) || !prov_fw_foreign_name_valid(ch->name))
            continue;
        if (g_str_equal(ch->hook, "forward"))
            list = fwd_rules;
        else if (g_str_equal(ch->hook, "input"))
            list = in_rules;
        else if (g_str_equal(ch->hook, "output"))
            list = out_rules;
        /* `insert` puts a rule first: go backwards so the chain shows them in order. */
        for (j = list ? list->len : 0; j > 0; j--) {
            g_autofree char *text = prov_fw_rule_text(g_ptr_array_index(list, j - 1),
                                                      ch->family);
            ProvFwForeign *f;

            if (!text)
                continue;
            g_string_append_printf(inserts, "insert rule %s %s %s %s comment \"%s\"\n",
                                   ch->family, ch->table, ch->name, text, plan->comment);
            f = g_new0(ProvFwForeign, 1);
            f->family = g_strdup(ch->family);
            f->table = g_strdup(ch->table);
            f->chain = g_strdup(ch->name);
            g_ptr_array_add(foreign, f);
        }
    }

    if (chains->len > 0) {
        prov_fw_nft_skeleton_head(s, rs, new_base);
        prov_fw_nft_cleanup_script(&cleanup, s, true, false);
        /* Our chains that exist are re-created empty (a flush would cost a full cache). */
        for (i = 0; i < chains->len; i++) {
            const ProvFwChain *c = g_ptr_array_index(chains, i);

            if (prov_nft_ruleset_find_chain(rs, PROV_NFT_FAMILY, PROV_NFT_TABLE, c->name))
                g_string_append_printf(s, "delete chain inet provd %s\n", c->name);
        }
        prov_fw_nft_skeleton_body(s, chains, new_base);
        for (i = 0; i < chains->len; i++) {
            const ProvFwChain *c = g_ptr_array_index(chains, i);

            for (j = 0; j < c->rules->len; j++) {
                g_autofree char *text = prov_fw_rule_text(g_ptr_array_index(c->rules, j),
                                                          PROV_NFT_FAMILY);

                g_string_append_printf(s, "add rule inet provd %s %s\n", c->name, text);
            }
        }
        for (i = 0; i < elements->len; i++) {
            const ProvFwElement *e = g_ptr_array_index(elements, i);
            g_autofree char *key = prov_fw_key_syntax(e->key, e->key_is_string);

            g_string_append_printf(s, "add element inet provd %s { %s : jump %s }\n", e->map,
                                   key, e->target);
        }
        prov_fw_nft_cleanup_script(&cleanup, s, false, true);
    } else if (cleanup.drop_table) {
        g_string_append(s, "delete table inet provd\n");
        prov_fw_nft_cleanup_script(&cleanup, s, false, true);
    } else {
        prov_fw_nft_cleanup_script(&cleanup, s, true, true);
    }
    g_string_append(s, inserts->str);

    if (s->len > 0 && !prov_firewall_nft_apply(s->str, NULL, error)) {
        *ret_retry = foreign->len > 0 || cleanup.del_foreign->len > 0;
        return false;
    }

    record = prov_net_firewall_record_new(PROV_FIREWALL_BACKEND_NFTABLES, spec->bridge);
    for (i = 0; i < chains->len; i++)
        g_ptr_array_add(record->items,
                        prov_net_firewall_item_new(PROV_NET_FIREWALL_ITEM_CHAIN, PROV_NFT_FAMILY,
                                                   PROV_NFT_TABLE,
                                                   ((ProvFwChain *) chains->pdata[i])->name,
                                                   NULL, 0));
    for (i = 0; i < elements->len; i++) {
        const ProvFwElement *e = g_ptr_array_index(elements, i);

        g_ptr_array_add(record->items,
                        prov_net_firewall_item_new(PROV_NET_FIREWALL_ITEM_ELEMENT,
                                                   PROV_NFT_FAMILY, PROV_NFT_TABLE, e->map,
                                                   e->key, 0));
    }
    if (foreign->len > 0) {
        found = g_ptr_array_new_with_free_func((GDestroyNotify) prov_net_firewall_item_free);
        if (!prov_fw_nft_find_inserted(rs, foreign, plan->comment, found, error))
            return false;
        /*
         * A dry run inserts nothing: the rules are then recorded without handles,
         * which removal does not need (it goes by the comment).
         */
        if (found->len > 0) {
            for (i = 0; i < found->len; i++)
                g_ptr_array_add(record->items, g_steal_pointer(&found->pdata[i]));
        } else {
            for (i = 0; i < foreign->len; i++) {
                const ProvFwForeign *f = g_ptr_array_index(foreign, i);

                g_ptr_array_add(record->items,
                                prov_net_firewall_item_new(PROV_NET_FIREWALL_ITEM_RULE,
                                                           f->family, f->table, f->chain, NULL,
                                                           0));
            }
        }
    }
    *ret_record = g_steal_pointer(&record);
    return true;
}

static bool
prov_fw_nft_remove_once(const ProvNetFirewallRecord *record, bool *ret_retry, GError **error)
{
    g_autoptr(ProvNftRuleset) rs = NULL;
    g_autoptr(GHashTable) mine = prov_fw_str_set_new();
    g_autoptr(GHashTable) keep = prov_fw_str_set_new();
    g_autoptr(GPtrArray) comments = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) s = g_string_new(NULL);
    g_auto(ProvFwNftCleanup) cleanup = { 0 };

    *ret_retry = false;
    if (!(rs = prov_fw_nft_world(record, error)))
        return false;
    prov_fw_record_own_chains(record, mine);
    g_ptr_array_add(comments, g_strdup_printf("provd:%s", record->bridge));
    prov_fw_nft_cleanup_find(&cleanup, rs, mine, keep, comments);

    /*
     * Foreign rules: the recorded handles say where they were put, but a handle is
     * only unique while its table lives (Docker or firewalld may have recreated it,
     * and handles restart), so what identifies ours is the comment: every rule still
     * carrying "provd:<bridge>" goes, which covers each recorded handle that is still
     * ours and never touches a rule that merely reuses one.
     */
    if (cleanup.drop_table) {
        g_string_append(s, "delete table inet provd\n");
        prov_fw_nft_cleanup_script(&cleanup, s, false, true);
    } else {
        prov_fw_nft_cleanup_script(&cleanup, s, true, true);
    }
    if (s->len == 0)
        return true;
    if (!prov_firewall_nft_apply(s->str, NULL, error)) {
        *ret_retry = cleanup.del_foreign->len > 0;
        return false;
    }
    return true;
}

/* ---- iptables ------------------------------------------------------------- */

/*
 * One network's chain kinds: the table, the shared chain that dispatches to it, the
 * built-in chain that jumps to the shared one, and the interface match of the
 * dispatch rule.
 */
typedef enum {
    PROV_IPT_INP,
    PROV_IPT_OUT,
    PROV_IPT_FWI,
    PROV_IPT_FWO,
    PROV_IPT_PRT,
    PROV_IPT_LAST
} ProvIptKind;

static const struct {
    const char *suffix;
    const char *table;
    const char *shared;
    const char *builtin;
    const char *dir;
} prov_ipt_kinds[PROV_IPT_LAST] = {
    [PROV_IPT_INP] = { "INP", "filter", "PROV_INP", "INPUT", "-i" },
    [PROV_IPT_OUT] = { "OUT", "filter", "PROV_OUT", "OUTPUT", "-o" },
    /* FWI (to the bridge) is jumped to before FWO (from it), as libvirt orders
     * FWX/FWI/FWO: traffic between two networks meets the receiver's rules first. */
    [PROV_IPT_FWI] = { "FWI", "filter", "PROV_FWI", "FORWARD", "-o" },
    [PROV_IPT_FWO] = { "FWO", "filter", "PROV_FWO", "FORWARD", "-i" },
    [PROV_IPT_PRT] = { "PRT", "nat", "PROV_PRT", "POSTROUTING", NULL },
};

static const char *const prov_ipt_tables[] = { "filter", "nat" };

static const char *
prov_ipt_family_name(ProvFirewallFamily family)
{
    return family == PROV_FIREWALL_IPV6 ? "ipv6" : "ipv4";
}

static char *
prov_ipt_chain_name(const char *id, ProvIptKind kind)
{
    return g_strdup_printf("PROV_%s_%s", id, prov_ipt_kinds[kind].suffix);
}

static char *
prov_ipt_dispatch_spec(const char *id, const char *bridge, ProvIptKind kind)
{
    g_autofree char *chain = prov_ipt_chain_name(id, kind);

    if (!prov_ipt_kinds[kind].dir)
        return g_strdup_printf("-j %s", chain);
    return g_strdup_printf("%s %s -j %s", prov_ipt_kinds[kind].dir, bridge, chain);
}

static void prov_ipt_add(GPtrArray *rules, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
prov_ipt_add(GPtrArray *rules, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(rules, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/* Rules of chain @kind for @family, or NULL when the network has no such chain. */
static GPtrArray *
prov_ipt_rules(const ProvFwPlan *plan, ProvIptKind kind, ProvFirewallFamily family)
{
    const ProvNetFirewallSpec *spec = plan->spec;
    bool v6 = family == PROV_FIREWALL_IPV6;
    int af = v6 ? AF_INET6 : AF_INET;
    bool svc = (plan->svc_fams & (v6 ? PROV_FAM6 : PROV_FAM4)) != 0;
    const char *reject = v6 ? "icmp6-port-unreachable" : "icmp-port-unreachable";
    const char *dev = spec->forward_dev;
    g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func(g_free);
    guint i;

    if (!prov_fw_plan_filters(plan))
        return NULL;
    switch (kind) {
    case PROV_IPT_INP:
        if (svc && !v6 && spec->dhcp_v4)
            prov_ipt_add(rules, "-p udp -m udp --dport 67 -j ACCEPT");
        if (svc && spec->dns) {
            prov_ipt_add(rules, "-p udp -m udp --dport 53 -j ACCEPT");
            prov_ipt_add(rules, "-p tcp -m tcp --dport 53 -j ACCEPT");
        }
        if (svc && !v6 && spec->tftp)
            prov_ipt_add(rules, "-p udp -m udp --dport 69 -j ACCEPT");
        if (svc && v6) {
            if (spec->dhcp_v6)
                prov_ipt_add(rules, "-p udp -m udp --dport 547 -j ACCEPT");
            if (spec->ra)
                prov_ipt_add(rules, "-p ipv6-icmp -m icmp6 --icmpv6-type 133 -j ACCEPT");
            prov_ipt_add(rules, "-p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT");
            prov_ipt_add(rules, "-p ipv6-icmp -m icmp6 --icmpv6-type 136 -j ACCEPT");
        }
        break;
    case PROV_IPT_OUT:
        if (svc && !v6 && spec->dhcp_v4)
            prov_ipt_add(rules, "-p udp -m udp --dport 68 -j ACCEPT");
        if (svc && spec->dns) {
            prov_ipt_add(rules, "-p udp -m udp --sport 53 -j ACCEPT");
            prov_ipt_add(rules, "-p tcp -m tcp --sport 53 -j ACCEPT");
        }
        if (svc && v6) {
            if (spec->dhcp_v6)
                prov_ipt_add(rules, "-p udp -m udp --dport 546 -j ACCEPT");
            if (spec->ra)
                prov_ipt_add(rules, "-p ipv6-icmp -m icmp6 --icmpv6-type 134 -j ACCEPT");
            prov_ipt_add(rules, "-p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT");
            prov_ipt_add(rules, "-p ipv6-icmp -m icmp6 --icmpv6-type 136 -j ACCEPT");
        }
        break;
    case PROV_IPT_FWI:
        prov_ipt_add(rules, "-i %s -j ACCEPT", spec->bridge);
        for (i = 0; i < plan->nets->len; i++) {
            const ProvFwNet *n = g_ptr_array_index(plan->nets, i);
            g_autofree char *in = dev ? g_strdup_printf(" -i %s", dev) : g_strdup("");

            if (n->family != af)
                continue;
            prov_ipt_add(rules, "-d %s%s%s -j ACCEPT", n->cidr, in,
                         n->nat ? " -m conntrack --ctstate RELATED,ESTABLISHED" : "");
        }
        prov_ipt_add(rules, "-j REJECT --reject-with %s", reject);
        break;
    case PROV_IPT_FWO:
        for (i = 0; i < plan->nets->len; i++) {
            const ProvFwNet *n = g_ptr_array_index(plan->nets, i);
            g_autofree char *out = dev ? g_strdup_printf(" -o %s", dev) : g_strdup("");

            if (n->family != af)
                continue;
            prov_ipt_add(rules, "-s %s%s -j ACCEPT", n->cidr, out);
        }
        prov_ipt_add(rules, "-j REJECT --reject-with %s", reject);
        break;
    case PROV_IPT_PRT: {
        bool any = false;

        for (i = 0; i < plan->nets->len; i++) {
            const ProvFwNet *n = g_ptr_array_index(plan->nets, i);
            g_autofree char *out = dev ? g_strdup_printf(" -o %s", dev) : g_strdup("");
            bool snat = plan->snat_to && !v6;

            if (n->family != af || !n->nat)
                continue;
            if (!any) {
                if (v6) {
                    prov_ipt_add(rules, "-d ff02::/16 -j RETURN");
                } else {
                    prov_ipt_add(rules, "-d 255.255.255.255/32 -j RETURN");
                    prov_ipt_add(rules, "-d 224.0.0.0/24 -j RETURN");
                }
                any = true;
            }
            if (snat) {
                prov_ipt_add(rules, "-s %s ! -d %s%s -p tcp -j SNAT --to-source %s:%u-%u",
                             n->cidr, n->cidr, out, plan->snat_to, plan->port_start,
                             plan->port_end);
                prov_ipt_add(rules, "-s %s ! -d %s%s -p udp -j SNAT --to-source %s:%u-%u",
                             n->cidr, n->cidr, out, plan->snat_to, plan->port_start,
                             plan->port_end);
                prov_ipt_add(rules, "-s %s ! -d %s%s -j SNAT --to-source %s", n->cidr, n->cidr,
                             out, plan->snat_to);
            } else {
                prov_ipt_add(rules, "-s %s ! -d %s%s -p tcp -j MASQUERADE --to-ports %u-%u",
                             n->cidr, n->cidr, out, plan->port_start, plan->port_end);
                prov_ipt_add(rules, "-s %s ! -d %s%s -p udp -j MASQUERADE --to-ports %u-%u",
                             n->cidr, n->cidr, out, plan->port_start, plan->port_end);
                prov_ipt_add(rules, "-s %s ! -d %s%s -j MASQUERADE", n->cidr, n->cidr, out);
            }
        }
        break;
    }
    case PROV_IPT_LAST:
        g_assert_not_reached();
    }
    if (rules->len == 0)
        return NULL;
    return g_steal_pointer(&rules);
}

static void
prov_ipt_add_once(GPtrArray *lines, const char *line)
{
    guint i;

    for (i = 0; i < lines->len; i++) {
        if (g_str_equal(g_ptr_array_index(lines, i), line))
            return;
    }
    g_ptr_array_add(lines, g_strdup(line));
}

/* Items of @record for (@family, @table) of @kind. */
static GPtrArray *
prov_ipt_record_items(const ProvNetFirewallRecord *record, ProvFirewallFamily family,
                      const char *table, ProvNetFirewallItemKind kind)
{
    GPtrArray *items = g_ptr_array_new();
    guint i;

    for (i = 0; record && i < record->items->len; i++) {
        const ProvNetFirewallItem *it = g_ptr_array_index(record->items, i);

        if (it->kind == kind && g_str_equal(it->family, prov_ipt_family_name(family)) &&
            g_str_equal(it->table, table))
            g_ptr_array_add(items, (gpointer) it);
    }
    return items;
}

/*
 * The restore input for one table of one family.  In --noflush mode a ":CHAIN"
 * line creates a user chain or flushes the existing one (iptables-restore(8)), which
 * makes re-applying a network's own chains idempotent; the shared chains are only
 * declared while missing, since declaring them would flush the other networks'
 * dispatch rules.  Rules and jumps are deleted by their exact spec when
 * iptables-save shows them, then added again, so nothing duplicates.
 */
static char *
prov_ipt_apply_input(const ProvFwPlan *plan, const ProvNetFirewallRecord *previous,
                     ProvFirewallFamily family, const char *table, const ProvIptablesDump *dump,
                     GPtrArray *ret_items)
{
    const char *br = plan->spec->bridge;
    g_autoptr(GPtrArray) decl = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) cmds = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) adds = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) prev_rules = prov_ipt_record_items(previous, family, table,
                                                            PROV_NET_FIREWALL_ITEM_RULE);
    g_autoptr(GPtrArray) prev_chains = prov_ipt_record_items(previous, family, table,
                                                             PROV_NET_FIREWALL_ITEM_CHAIN);
    g_autoptr(GHashTable) wanted = prov_fw_str_set_new();
    GPtrArray *rules[PROV_IPT_LAST] = { NULL };
    g_autoptr(GString) text = NULL;
    const char *fam = prov_ipt_family_name(family);
    int k;
    guint i;

    for (k = 0; k < PROV_IPT_LAST; k++) {
        if (g_str_equal(prov_ipt_kinds[k].table, table))
            rules[k] = prov_ipt_rules(plan, k, family);
        if (rules[k])
            g_hash_table_add(wanted, prov_ipt_chain_name(plan->id, k));
    }

    /* Declarations first: missing shared chains, then ours (create or flush). */
    for (k = 0; k < PROV_IPT_LAST; k++) {
        if (rules[k] && !prov_iptables_dump_has_chain(dump, table, prov_ipt_kinds[k].shared))
            prov_ipt_add_once(decl, prov_ipt_kinds[k].shared);
    }
    for (k = 0; k < PROV_IPT_LAST; k++) {
        g_autofree char *chain = prov_ipt_chain_name(plan->id, k);

        if (rules[k])
            prov_ipt_add_once(decl, chain);
    }

    /* Jumps from the built-in chains, (re)placed first; FWO before FWI ends FWI first. */
    for (k = PROV_IPT_LAST - 1; k >= 0; k--) {
        g_autofree char *jump = g_strdup_printf("-j %s", prov_ipt_kinds[k].shared);

        if (!rules[k])
            continue;
        if (prov_iptables_dump_has_rule(dump, table, prov_ipt_kinds[k].builtin, jump))
            g_ptr_array_add(cmds, g_strdup_printf("-D %s %s", prov_ipt_kinds[k].builtin, jump));
        g_ptr_array_add(cmds, g_strdup_printf("-I %s 1 %s", prov_ipt_kinds[k].builtin, jump));
    }

    /* Our old dispatch rules (current names, then the previous record's). */
    for (k = 0; k < PROV_IPT_LAST; k++) {
        g_autofree char *spec = NULL;
        g_autofree char *line = NULL;

        if (!g_str_equal(prov_ipt_kinds[k].table, table))
            continue;
        spec = prov_ipt_dispatch_spec(plan->id, br, k);
        if (prov_iptables_dump_has_rule(dump, table, prov_ipt_kinds[k].shared, spec)) {
            line = g_strdup_printf("-D %s %s", prov_ipt_kinds[k].shared, spec);
            prov_ipt_add_once(cmds, line);
        }
    }
    for (i = 0; i < prev_rules->len; i++) {
        const ProvNetFirewallItem *it = g_ptr_array_index(prev_rules, i);
        g_autofree char *line = NULL;

        if (!prov_iptables_dump_has_rule(dump, table, it->chain, it->key))
            continue;
        line = g_strdup_printf("-D %s %s", it->chain, it->key);
        prov_ipt_add_once(cmds, line);
    }

    /* Chains of ours that the network no longer needs. */
    for (k = 0; k < PROV_IPT_LAST; k++) {
        g_autofree char *chain = prov_ipt_chain_name(plan->id, k);

        if (!g_str_equal(prov_ipt_kinds[k].table, table) || rules[k] ||
            !prov_iptables_dump_has_chain(dump, table, chain))
            continue;
        g_ptr_array_add(cmds, g_strdup_printf("-F %s", chain));
        g_ptr_array_add(cmds, g_strdup_printf("-X %s", chain));
    }
    for (i = 0; i < prev_chains->len; i++) {
        const ProvNetFirewallItem *it = g_ptr_array_index(prev_chains, i);
        g_autofree char *flush = g_strdup_printf("-F %s", it->chain);

        if (g_hash_table_contains(wanted, it->chain) ||
            !prov_iptables_dump_has_chain(dump, table, it->chain))
            continue;
        prov_ipt_add_once(cmds, flush);
        g_ptr_array_add(cmds, g_strdup_printf("-X %s", it->chain));
    }

    for (k = 0; k < PROV_IPT_LAST; k++) {
        g_autofree char *chain = prov_ipt_chain_name(plan->id, k);
        g_autofree char *spec = NULL;

        if (!rules[k])
            continue;
        for (i = 0; i < rules[k]->len; i++)
            g_ptr_array_add(adds, g_strdup_printf("-A %s %s", chain,
                                                  (char *) g_ptr_array_index(rules[k], i)));
        spec = prov_ipt_dispatch_spec(plan->id, br, k);
        g_ptr_array_add(adds, g_strdup_printf("-A %s %s", prov_ipt_kinds[k].shared, spec));
        g_ptr_array_add(ret_items,
                        prov_net_firewall_item_new(PROV_NET_FIREWALL_ITEM_CHAIN, fam, table,
                                                   chain, NULL, 0));
        g_ptr_array_add(ret_items,
                        prov_net_firewall_item_new(PROV_NET_FIREWALL_ITEM_RULE, fam, table,
                                                   prov_ipt_kinds[k].shared, spec, 0));
    }
    for (k = 0; k < PROV_IPT_LAST; k++)
        g_clear_pointer(&rules[k], g_ptr_array_unref);

    if (decl->len == 0 && cmds->len == 0 && adds->len == 0)
        return NULL;
    text = g_string_new(NULL);
    g_string_append_printf(text, "*%s\n", table);
    for (i = 0; i < decl->len; i++)
        g_string_append_printf(text, ":%s - [0:0]\n", (char *) g_ptr_array_index(decl, i));
    for (i = 0; i < cmds->len; i++)
        g_string_append_printf(text, "%s\n", (char *) g_ptr_array_index(cmds, i));
    for (i = 0; i < adds->len; i++)
        g_string_append_printf(text, "%s\n", (char *) g_ptr_array_index(adds, i));
    g_string_append(text, "COMMIT\n");
    return g_string_free(g_steal_pointer(&text), FALSE);
}

/*
 * Removal input for one table: the recorded dispatch rules and chains that are still
 * there, then the shared chains (and their jumps) that nobody uses any more.
 */
static char *
prov_ipt_remove_input(const ProvNetFirewallRecord *record, ProvFirewallFamily family,
                      const char *table, const ProvIptablesDump *dump)
{
    g_autoptr(GPtrArray) rec_rules = prov_ipt_record_items(record, family, table,
                                                           PROV_NET_FIREWALL_ITEM_RULE);
    g_autoptr(GPtrArray) rec_chains = prov_ipt_record_items(record, family, table,
                                                            PROV_NET_FIREWALL_ITEM_CHAIN);
    g_autoptr(GPtrArray) cmds = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) deleted = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GString) text = NULL;
    int k;
    guint i;

    for (i = 0; i < rec_rules->len; i++) {
        const ProvNetFirewallItem *it = g_ptr_array_index(rec_rules, i);
        g_autofree char *line = NULL;
        guint n;

        if (!prov_iptables_dump_has_rule(dump, table, it->chain, it->key))
            continue;
        line = g_strdup_printf("-D %s %s", it->chain, it->key);
        prov_ipt_add_once(cmds, line);
        n = GPOINTER_TO_UINT(g_hash_table_lookup(deleted, it->chain));
        g_hash_table_insert(deleted, it->chain, GUINT_TO_POINTER(n + 1));
    }
    for (i = 0; i < rec_chains->len; i++) {
        const ProvNetFirewallItem *it = g_ptr_array_index(rec_chains, i);

        if (!prov_iptables_dump_has_chain(dump, table, it->chain))
            continue;
        g_ptr_array_add(cmds, g_strdup_printf("-F %s", it->chain));
        g_ptr_array_add(cmds, g_strdup_printf("-X %s", it->chain));
    }
    for (k = 0; k < PROV_IPT_LAST; k++) {
        const char *shared = prov_ipt_kinds[k].shared;
        g_autofree char *jump = g_strdup_printf("-j %s", shared);
        guint n;

        if (!g_str_equal(prov_ipt_kinds[k].table, table) ||
            !prov_iptables_dump_has_chain(dump, table, shared))
            continue;
        n = prov_iptables_dump_count_rules(dump, table, shared);
        if (n > GPOINTER_TO_UINT(g_hash_table_lookup(deleted, shared)))
            continue;
        if (prov_iptables_dump_has_rule(dump, table, prov_ipt_kinds[k].builtin, jump))
            g_ptr_array_add(cmds, g_strdup_printf("-D %s %s", prov_ipt_kinds[k].builtin, jump));
        g_ptr_array_add(cmds, g_strdup_printf("-X %s", shared));
    }
    if (cmds->len == 0)
        return NULL;
    text = g_string_new(NULL);
    g_string_append_printf(text, "*%s\n", table);
    for (i = 0; i < cmds->len; i++)
        g_string_append_printf(text, "%s\n", (char *) g_ptr_array_index(cmds, i));
    g_string_append(text, "COMMIT\n");
    return g_string_free(g_steal_pointer(&text), FALSE);
}

static bool
prov_ipt_record_has_family(const ProvNetFirewallRecord *record, ProvFirewallFamily family)
{
    guint i;

    for (i = 0; record && i < record->items->len; i++) {
        const ProvNetFirewallItem *it = g_ptr_array_index(record->items, i);

        if (g_str_equal(it->family, prov_ipt_family_name(family)))
            return true;
    }
    return false;
}

static bool
prov_ipt_remove(const ProvNetFirewallRecord *record, GError **error)
{
    static const ProvFirewallFamily families[] = { PROV_FIREWALL_IPV4, PROV_FIREWALL_IPV6 };
    guint f;
    guint t;

    for (f = 0; f < G_N_ELEMENTS(families); f++) {
        g_autofree char *save = NULL;
        g_autoptr(ProvIptablesDump) dump = NULL;

        if (!prov_ipt_record_has_family(record, families[f]))
            continue;
        if (!(save = prov_firewall_iptables_save(families[f], error)))
            return false;
        dump = prov_iptables_dump_parse(save);
        for (t = 0; t < G_N_ELEMENTS(prov_ipt_tables); t++) {
            g_autofree char *input = prov_ipt_remove_input(record, families[f],
                                                           prov_ipt_tables[t], dump);

            if (input && !prov_firewall_iptables_restore(families[f], prov_ipt_tables[t], input,
                                                         error))
                return false;
        }
    }
    return true;
}

static bool
prov_ipt_apply(const ProvFwPlan *plan, const ProvNetFirewallRecord *previous,
               ProvNetFirewallRecord **ret_record, GError **error)
{
    static const ProvFirewallFamily families[] = { PROV_FIREWALL_IPV4, PROV_FIREWALL_IPV6 };
    g_autoptr(ProvNetFirewallRecord) record = NULL;
    guint f;
    guint t;

    record = prov_net_firewall_record_new(PROV_FIREWALL_BACKEND_IPTABLES, plan->spec->bridge);
    for (f = 0; f < G_N_ELEMENTS(families); f++) {
        g_autofree char *save = NULL;
        g_autoptr(ProvIptablesDump) dump = NULL;
        bool want = families[f] == PROV_FIREWALL_IPV4 || (plan->fams & PROV_FAM6);

        if (!want && !prov_ipt_record_has_family(previous, families[f]))
            continue;
        if (!(save = prov_firewall_iptables_save(families[f], error)))
            goto rollback;
        dump = prov_iptables_dump_parse(save);
        for (t = 0; t < G_N_ELEMENTS(prov_ipt_tables); t++) {
            g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(
                (GDestroyNotify) prov_net_firewall_item_free);
            g_autofree char *input = NULL;
            guint i;

            if (want)
                input = prov_ipt_apply_input(plan, previous, families[f], prov_ipt_tables[t],
                                             dump, items);
            else
                input = prov_ipt_remove_input(previous, families[f], prov_ipt_tables[t], dump);
            if (input && !prov_firewall_iptables_restore(families[f], prov_ipt_tables[t], input,
                                                         error))
                goto rollback;
            for (i = 0; i < items->len; i++)
                g_ptr_array_add(record->items, g_steal_pointer(&items->pdata[i]));
        }
    }
    *ret_record = g_steal_pointer(&record);
    return true;

rollback:
    /* Undo the tables that did change; the first error is the one reported. */
    {
        g_autoptr(GError) ignored = NULL;

        if (!prov_ipt_remove(record, &ignored))
            g_debug("rollback of '%s' failed: %s, ignoring", plan->spec->bridge,
                    ignored->message);
    }
    return false;
}

/* ---- public entry points ------------------------------------------------- */

bool
prov_net_firewall_apply(const ProvNetFirewallSpec *spec, ProvFirewallBackend backend,
                        const ProvNetFirewallRecord *previous, ProvNetFirewallRecord **ret_record,
                        GError **error)
{
    g_auto(ProvFwPlan) plan = { 0 };
    g_autoptr(ProvNetFirewallRecord) record = NULL;
    const ProvNetFirewallRecord *same = NULL;
    bool ok = false;
    bool retry = false;
    int attempt;

    if (!prov_fw_plan_init(&plan, spec, error))
        return false;
    if ((int) backend < 0 || backend >= PROV_FIREWALL_BACKEND_LAST) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INTERNAL_ERROR,
                    "network '%s': unknown firewall backend %d", spec->name, (int) backend);
        return false;
    }
    prov_firewall_lock();
    if (previous && previous->backend != backend) {
        if (!prov_net_firewall_remove(previous, error)) {
            prov_firewall_unlock();
            return false;
        }
    } else {
        same = previous;
    }
    if (backend == PROV_FIREWALL_BACKEND_NFTABLES) {
        /*
         * One retry: between our listing and our batch another program (Docker
         * restarting, firewalld reloading) may have changed a foreign chain we
         * insert into or delete from, which fails the whole batch harmlessly.
         */
        for (attempt = 0; attempt < 2; attempt++) {
            g_autoptr(GError) local = NULL;

            ok = prov_fw_nft_apply_once(&plan, same, &retry, &record, &local);
            if (ok || !retry || attempt == 1) {
                if (!ok)
                    g_propagate_error(error, g_steal_pointer(&local));
                break;
            }
            g_debug("network '%s': nftables batch failed (%s), retrying", spec->name,
                    local->message);
        }
    } else {
        ok = prov_ipt_apply(&plan, same, &record, error);
    }
    prov_firewall_unlock();
    if (!ok) {
        g_prefix_error(error, "network '%s': ", spec->name);
        return false;
    }
    *ret_record = g_steal_pointer(&record);
    return true;
}

bool
prov_net_firewall_remove(const ProvNetFirewallRecord *record, GError **error)
{
    bool ok = true;
    bool retry = false;
    int attempt;

    if (!record || record->items->len == 0)
        return true;
    prov_firewall_lock();
    if (record->backend == PROV_FIREWALL_BACKEND_NFTABLES) {
        for (attempt = 0; attempt < 2; attempt++) {
            g_autoptr(GError) local = NULL;

            ok = prov_fw_nft_remove_once(record, &retry, &local);
            if (ok || !retry || attempt == 1) {
                if (!ok)
                    g_propagate_error(error, g_steal_pointer(&local));
                break;
            }
        }
    } else {
        ok = prov_ipt_remove(record, error);
    }
    prov_firewall_unlock();
    if (!ok)
        g_prefix_error(error, "bridge '%s': cannot remove firewall rules: ", record->bridge);
    return ok;
}

/* ---- record XML ------------------------------------------------------------ */

char *
prov_net_firewall_record_format(const ProvNetFirewallRecord *record)
{
    g_auto(ProvXmlBuf) buf = { 0 };
    guint i;

    prov_xml_buf_init(&buf);
    prov_xml_buf_add(&buf, "<firewall backend='%s'",
                     prov_firewall_backend_to_string(record->backend));
    prov_xml_buf_escape(&buf, " bridge='%s'", record->bridge);
    if (record->items->len == 0) {
        prov_xml_buf_add(&buf, "/>\n");
        return prov_xml_buf_steal(&buf);
    }
    prov_xml_buf_add(&buf, ">\n");
    prov_xml_buf_adjust_indent(&buf, 2);
    for (i = 0; i < record->items->len; i++) {
        const ProvNetFirewallItem *it = g_ptr_array_index(record->items, i);

        switch (it->kind) {
        case PROV_NET_FIREWALL_ITEM_CHAIN:
            prov_xml_buf_add(&buf, "<chain");
            prov_xml_buf_escape(&buf, " family='%s'", it->family);
            prov_xml_buf_escape(&buf, " table='%s'", it->table);
            prov_xml_buf_escape(&buf, " name='%s'", it->chain);
            break;
        case PROV_NET_FIREWALL_ITEM_ELEMENT:
            prov_xml_buf_add(&buf, "<element");
            prov_xml_buf_escape(&buf, " family='%s'", it->family);
            prov_xml_buf_escape(&buf, " table='%s'", it->table);
            prov_xml_buf_escape(&buf, " map='%s'", it->chain);
            prov_xml_buf_escape(&buf, " key='%s'", it->key);
            break;
        case PROV_NET_FIREWALL_ITEM_RULE:
            prov_xml_buf_add(&buf, "<rule");
            prov_xml_buf_escape(&buf, " family='%s'", it->family);
            prov_xml_buf_escape(&buf, " table='%s'", it->table);
            prov_xml_buf_escape(&buf, " chain='%s'", it->chain);
            if (it->key)
                prov_xml_buf_escape(&buf, " spec='%s'", it->key);
            if (it->handle)
                prov_xml_buf_add(&buf, " handle='%" G_GUINT64_FORMAT "'", it->handle);
            break;
        }
        prov_xml_buf_add(&buf, "/>\n");
    }
    prov_xml_buf_adjust_indent(&buf, -2);
    prov_xml_buf_add(&buf, "</firewall>\n");
    return prov_xml_buf_steal(&buf);
}

/* iptables rule specs as provd writes them: no newline, no quote, no shell-ish bytes. */
static bool
prov_fw_spec_valid(const char *spec)
{
    const char *p;

    if (!spec || !spec[0] || strlen(spec) > 512)
        return false;
    for (p = spec; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr(" _./:!-", *p))
            return false;
    }
    return true;
}

static bool
prov_fw_item_valid(const ProvNetFirewallRecord *record, const ProvNetFirewallItem *it)
{
    bool nft = record->backend == PROV_FIREWALL_BACKEND_NFTABLES;

    if (!it->family || !it->table || !it->chain)
        return false;
    if (nft) {
        if (!g_str_equal(it->family, "inet") && !g_str_equal(it->family, "ip") &&
            !g_str_equal(it->family, "ip6"))
            return false;
    } else if (!g_str_equal(it->family, "ipv4") && !g_str_equal(it->family, "ipv6")) {
        return false;
    }
    switch (it->kind) {
    case PROV_NET_FIREWALL_ITEM_CHAIN:
        /* Only our own chains are ever recorded as chains. */
        if (nft && !prov_fw_is_ours(it->family, it->table))
            return false;
        return prov_fw_is_word(it->chain) && prov_fw_is_word(it->table);
    case PROV_NET_FIREWALL_ITEM_ELEMENT: {
        g_autoptr(GInetAddress) addr = NULL;
        g_auto(GStrv) parts = NULL;

        if (!nft || !prov_fw_is_ours(it->family, it->table) || !it->key)
            return false;
        if (prov_fw_map_key_is_string(it->chain))
            return prov_fw_ifname_valid(it->key);
        if (!g_str_equal(it->chain, "nat_v4") && !g_str_equal(it->chain, "nat_v6"))
            return false;
        parts = g_strsplit(it->key, "/", 2);
        addr = g_inet_address_new_from_string(parts[0]);
        return addr && (!parts[1] || (parts[1][0] && strspn(parts[1], "0123456789") ==
                                                         strlen(parts[1])));
    }
    case PROV_NET_FIREWALL_ITEM_RULE:
        if (nft)
            return prov_fw_foreign_name_valid(it->table) && prov_fw_foreign_name_valid(it->chain);
        return prov_fw_is_word(it->table) && prov_fw_is_word(it->chain) &&
               prov_fw_spec_valid(it->key);
    }
    return false;
}

ProvNetFirewallRecord *
prov_net_firewall_record_parse_node(struct _xmlNode *node, GError **error)
{
    g_autoptr(ProvNetFirewallRecord) record = NULL;
    g_autofree char *backend_str = NULL;
    g_autofree char *bridge = NULL;
    xmlNode *child;
    int backend;

    if (!node || node->type != XML_ELEMENT_NODE ||
        !g_str_equal(prov_xml_node_name(node), "firewall")) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "firewall status: expected a <firewall> element");
        return NULL;
    }
    backend_str = prov_xml_prop_string(node, "backend");
    bridge = prov_xml_prop_string(node, "bridge");
    if ((backend = prov_firewall_backend_from_string(backend_str)) < 0) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL,
                    "firewall status: unknown backend '%s'", backend_str ? backend_str : "");
        return NULL;
    }
    if (!prov_fw_ifname_valid(bridge)) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL,
                    "firewall status: invalid bridge name '%s'", bridge ? bridge : "");
        return NULL;
    }
    record = prov_net_firewall_record_new(backend, bridge);
    for (child = node->children; child; child = child->next) {
        const char *name;
        g_autofree char *handle = NULL;
        ProvNetFirewallItem *it;

        if (child->type != XML_ELEMENT_NODE)
            continue;
        name = prov_xml_node_name(child);
        it = g_new0(ProvNetFirewallItem, 1);
        it->family = prov_xml_prop_string(child, "family");
        it->table = prov_xml_prop_string(child, "table");
        if (g_str_equal(name, "chain")) {
            it->kind = PROV_NET_FIREWALL_ITEM_CHAIN;
            it->chain = prov_xml_prop_string(child, "name");
        } else if (g_str_equal(name, "element")) {
            it->kind = PROV_NET_FIREWALL_ITEM_ELEMENT;
            it->chain = prov_xml_prop_string(child, "map");
            it->key = prov_xml_prop_string(child, "key");
        } else if (g_str_equal(name, "rule")) {
            it->kind = PROV_NET_FIREWALL_ITEM_RULE;
            it->chain = prov_xml_prop_string(child, "chain");
            it->key = prov_xml_prop_string(child, "spec");
            handle = prov_xml_prop_string(child, "handle");
            if (handle && !g_ascii_string_to_unsigned(handle, 10, 1, G_MAXUINT64,
                                                      &it->handle, NULL)) {
                g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL,
                            "firewall status: invalid rule handle '%s'", handle);
                prov_net_firewall_item_free(it);
                return NULL;
            }
        } else {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL,
                        "firewall status: unknown element <%s>", name);
            prov_net_firewall_item_free(it);
            return NULL;
        }
        if (!prov_fw_item_valid(record, it)) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL,
                        "firewall status: invalid <%s> (family '%s', table '%s', '%s')", name,
                        it->family ? it->family : "", it->table ? it->table : "",
                        it->chain ? it->chain : "");
            prov_net_firewall_item_free(it);
            return NULL;
        }
        g_ptr_array_add(record->items, it);
    }
    return g_steal_pointer(&record);
}

ProvNetFirewallRecord *
prov_net_firewall_record_parse(const char *xml, GError **error)
{
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(xmlDoc) doc = NULL;

    doc = prov_xml_parse(xml, -1, "firewall status", "firewall", &ctxt, error);
    if (!doc)
        return NULL;
    return prov_net_firewall_record_parse_node(xmlDocGetRootElement(doc), error);
}
