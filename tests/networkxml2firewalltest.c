/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* networkxml2firewalltest.c: network firewall specs -> nft scripts and iptables-restore input. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "network/network_firewall.h"
#include "tests/testutil.h"
#include "util/error.h"
#include "util/firewall.h"

/*
 * Every case runs prov_net_firewall_apply() through the firewall dry run: nothing
 * reaches the kernel, the canned "world" (the ruleset listing and iptables-save
 * output) comes from tests/networkfirewalldata/world-*, and what would be applied is
 * compared with tests/networkfirewalldata/<case>.nft, .iptables and .ip6tables
 * (PROV_TEST_REGENERATE=1 rewrites them).
 *
 * The cases mirror libvirt's networkxml2firewalldata networks.  For those, each rule
 * of libvirt's nftables expectation (<case>-linux.nftables, read at run time from the
 * conformance data) must have a counterpart of the same meaning in our script: same
 * family, direction, addresses, interfaces, protocol, conntrack state and verdict,
 * where our chains' dispatch supplies what libvirt's rules spell out (net_X_in is
 * reached for oifname X, net_X_out for iifname X, net_X_nat for source addresses in
 * the network's subnets).
 */

#define DATA PROV_TEST_DATA_DIR "/networkfirewalldata"

typedef void (*SpecFunc)(ProvNetFirewallSpec *spec);

typedef struct {
    const char *name;
    ProvNetFirewallMode mode;
    SpecFunc fill;
    const char *libvirt;    /* networkxml2firewalldata case, or NULL */
    const char *world;      /* world-<x>.json / .iptables-save, or NULL: empty */
} Case;

static guint libvirt_rules_total;
static guint libvirt_rules_matched;

/* ---- specs (as the driver builds them from libvirt's XML) ------------------ */

static void
add_v4(ProvNetFirewallSpec *spec, const char *addr)
{
    prov_net_firewall_spec_add_subnet(spec, AF_INET, addr, 24);
}

static void
add_v6(ProvNetFirewallSpec *spec)
{
    prov_net_firewall_spec_add_subnet(spec, AF_INET6, "2001:db8:ca2:2::1", 64);
}

/* <ip address='192.168.122.1' netmask='255.255.255.0'><dhcp>...</dhcp></ip> */
static void
fill_default(ProvNetFirewallSpec *spec)
{
    add_v4(spec, "192.168.122.1");
    spec->dhcp_v4 = true;
    spec->dns = true;
}

static void
fill_forward_dev(ProvNetFirewallSpec *spec)
{
    fill_default(spec);
    spec->forward_dev = g_strdup("enp0s7");
}

static void
fill_tftp(ProvNetFirewallSpec *spec)
{
    fill_default(spec);
    spec->tftp = true;
}

static void
fill_no_dhcp(ProvNetFirewallSpec *spec)
{
    add_v4(spec, "192.168.122.1");
    add_v6(spec);
    spec->dns = true;
    spec->ra = true;
}

static void
fill_many_ips(ProvNetFirewallSpec *spec)
{
    fill_default(spec);
    add_v4(spec, "192.168.128.1");
    add_v4(spec, "192.168.150.1");
}

static void
fill_ipv6(ProvNetFirewallSpec *spec)
{
    fill_default(spec);
    add_v6(spec);
    spec->dhcp_v6 = true;
    spec->ra = true;
}

static void
fill_ipv6_masquerade(ProvNetFirewallSpec *spec)
{
    fill_ipv6(spec);
    spec->nat_ipv6 = true;
}

static void
fill_port_range(ProvNetFirewallSpec *spec)
{
    fill_default(spec);
    add_v4(spec, "192.168.128.1");
    add_v6(spec);
    spec->dhcp_v6 = true;
    spec->ra = true;
    spec->nat_port_start = 500;
    spec->nat_port_end = 1000;
}

static void
fill_port_range_ipv6(ProvNetFirewallSpec *spec)
{
    fill_port_range(spec);
    spec->nat_ipv6 = true;
}

static void
fill_address_range(ProvNetFirewallSpec *spec)
{
    fill_default(spec);
    spec->nat_addr_start = g_strdup("203.0.113.10");
    spec->nat_addr_end = g_strdup("203.0.113.20");
    spec->nat_port_start = 2000;
    spec->nat_port_end = 3000;
}

static void
fill_isolated(ProvNetFirewallSpec *spec)
{
    fill_default(spec);
    add_v4(spec, "192.168.128.1");
    add_v6(spec);
    spec->dhcp_v6 = true;
    spec->ra = true;
}

static void
fill_route_v6(ProvNetFirewallSpec *spec)
{
    fill_default(spec);
    prov_net_firewall_spec_add_subnet(spec, AF_INET6, "2001:db8:ac10:fd01::1", 64);
    spec->ra = true;
}

/* <network ipv6='yes'> without an IPv6 address: IPv6 forwarding is still filtered. */
static void
fill_ipv6_flag(ProvNetFirewallSpec *spec)
{
    fill_default(spec);
    spec->ipv6 = true;
}

static void
fill_odd_bridge(ProvNetFirewallSpec *spec)
{
    fill_default(spec);
}

static const Case cases[] = {
    { "nat-default", PROV_NET_FIREWALL_MODE_NAT, fill_default, "nat-default", NULL },
    { "forward-dev", PROV_NET_FIREWALL_MODE_NAT, fill_forward_dev, "forward-dev", NULL },
    { "nat-tftp", PROV_NET_FIREWALL_MODE_NAT, fill_tftp, "nat-tftp", NULL },
    { "nat-no-dhcp", PROV_NET_FIREWALL_MODE_NAT, fill_no_dhcp, "nat-no-dhcp", NULL },
    { "nat-many-ips", PROV_NET_FIREWALL_MODE_NAT, fill_many_ips, "nat-many-ips", NULL },
    { "nat-ipv6", PROV_NET_FIREWALL_MODE_NAT, fill_ipv6, "nat-ipv6", NULL },
    { "nat-ipv6-masquerade", PROV_NET_FIREWALL_MODE_NAT, fill_ipv6_masquerade,
      "nat-ipv6-masquerade", NULL },
    { "nat-port-range", PROV_NET_FIREWALL_MODE_NAT, fill_port_range, "nat-port-range", NULL },
    { "nat-port-range-ipv6", PROV_NET_FIREWALL_MODE_NAT, fill_port_range_ipv6,
      "nat-port-range-ipv6", NULL },
    { "nat-address-range", PROV_NET_FIREWALL_MODE_NAT, fill_address_range, NULL, NULL },
    { "route-default", PROV_NET_FIREWALL_MODE_ROUTE, fill_default, "route-default", NULL },
    { "route-ipv6", PROV_NET_FIREWALL_MODE_ROUTE, fill_route_v6, NULL, NULL },
    { "isolated", PROV_NET_FIREWALL_MODE_ISOLATED, fill_isolated, "isolated", NULL },
    { "isolated-ipv6-flag", PROV_NET_FIREWALL_MODE_ISOLATED, fill_ipv6_flag, NULL, NULL },
    { "open", PROV_NET_FIREWALL_MODE_OPEN, fill_default, NULL, NULL },
    { "nat-docker-host", PROV_NET_FIREWALL_MODE_NAT, fill_ipv6, NULL, "docker" },
    { "nat-reapply", PROV_NET_FIREWALL_MODE_NAT, fill_default, NULL, "reapply" },
    { "nat-odd-bridge", PROV_NET_FIREWALL_MODE_NAT, fill_odd_bridge, NULL, NULL },
};

/* ---- the dry run ------------------------------------------------------------ */

typedef struct {
    const char *world;
    GString *nft;
    GString *ipt4;
    GString *ipt6;
    const char *fail_table; /* inject a failure into the restore of this table */
    ProvFirewallFamily fail_family;
    GString *state4;        /* non-NULL: iptables-save replays the restores so far */
} DryRun;

/* The save output after @input was restored: -I becomes -A (position aside), -D drops. */
static void
replay_restore(GString *state, const char *input)
{
    g_auto(GStrv) lines = g_strsplit(input, "\n", -1);
    guint i;

    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) toks = NULL;

        if (g_str_has_prefix(lines[i], "-I ")) {
            toks = g_strsplit(lines[i], " ", 4);
            g_string_append_printf(state, "-A %s %s\n", toks[1], toks[3]);
        } else if (lines[i][0] && !g_str_has_prefix(lines[i], "-D ") &&
                   !g_str_has_prefix(lines[i], "-F ") && !g_str_has_prefix(lines[i], "-X ")) {
            g_string_append_printf(state, "%s\n", lines[i]);
        }
    }
}

static char *
world_file(const char *world, const char *ext)
{
    g_autofree char *path = NULL;

    if (!world)
        return NULL;
    path = g_strdup_printf(DATA "/world-%s.%s", world, ext);
    return prov_test_read(path);
}

static bool
dry_run_cb(ProvFirewallOp op, ProvFirewallFamily family, const char *input, char **ret_output,
           void *opaque, GError **error)
{
    DryRun *dr = opaque;

    switch (op) {
    case PROV_FIREWALL_OP_NFT_LIST:
        *ret_output = world_file(dr->world, "json");
        break;
    case PROV_FIREWALL_OP_NFT_APPLY:
        g_string_append(dr->nft, input);
        break;
    case PROV_FIREWALL_OP_IPTABLES_SAVE:
        if (dr->state4 && family == PROV_FIREWALL_IPV4)
            *ret_output = g_strdup(dr->state4->str);
        else if (family == PROV_FIREWALL_IPV4)
            *ret_output = world_file(dr->world, "iptables-save");
        break;
    case PROV_FIREWALL_OP_IPTABLES_RESTORE:
        g_string_append(family == PROV_FIREWALL_IPV6 ? dr->ipt6 : dr->ipt4, input);
        if (dr->fail_table && family == dr->fail_family &&
            g_str_has_prefix(input + 1, dr->fail_table)) {
            g_set_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_FAILED,
                        "injected failure of table '%s'", dr->fail_table);
            return false;
        }
        if (dr->state4 && family == PROV_FIREWALL_IPV4)
            replay_restore(dr->state4, input);
        break;
    }
    return true;
}

static void
dry_run_init(DryRun *dr, const char *world)
{
    memset(dr, 0, sizeof(*dr));
    dr->world = world;
    dr->nft = g_string_new(NULL);
    dr->ipt4 = g_string_new(NULL);
    dr->ipt6 = g_string_new(NULL);
    prov_firewall_set_dry_run(NULL, dry_run_cb, dr);
}

static void
dry_run_clear(DryRun *dr)
{
    prov_firewall_set_dry_run(NULL, NULL, NULL);
    if (dr->nft)
        g_string_free(dr->nft, TRUE);
    if (dr->ipt4)
        g_string_free(dr->ipt4, TRUE);
    if (dr->ipt6)
        g_string_free(dr->ipt6, TRUE);
    if (dr->state4)
        g_string_free(dr->state4, TRUE);
    memset(dr, 0, sizeof(*dr));
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DryRun, dry_run_clear)

static ProvNetFirewallSpec *
case_spec(const Case *c)
{
    ProvNetFirewallSpec *spec = prov_net_firewall_spec_new(
        "default", g_str_equal(c->name, "nat-odd-bridge") ? "br-lan.7" : "virbr0", c->mode);

    c->fill(spec);
    return spec;
}

/* Applies @spec, which must succeed (the error is shown when it does not). */
static ProvNetFirewallRecord *
apply_ok(const ProvNetFirewallSpec *spec, ProvFirewallBackend backend)
{
    g_autoptr(GError) error = NULL;
    ProvNetFirewallRecord *rec = NULL;
    bool ok = prov_net_firewall_apply(spec, backend, NULL, &rec, &error);

    g_assert_no_error(error);
    g_assert_true(ok);
    return rec;
}

/* ---- libvirt's rules, by meaning -------------------------------------------- */

/*
 * One rule reduced to what it means: "fam=ip chain=out iif=virbr0 oif= saddr=NET
 * daddr= ndaddr= l4= ct= verdict=accept".
 */
typedef struct {
    char *fam;
    char *chain;
    char *iif;
    char *oif;
    char *saddr;
    char *daddr;
    char *ndaddr;
    char *l4;
    char *ct;
    char *verdict;
} Meaning;

static void
meaning_clear(Meaning *m)
{
    g_free(m->fam);
    g_free(m->chain);
    g_free(m->iif);
    g_free(m->oif);
    g_free(m->saddr);
    g_free(m->daddr);
    g_free(m->ndaddr);
    g_free(m->l4);
    g_free(m->ct);
    g_free(m->verdict);
    memset(m, 0, sizeof(*m));
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Meaning, meaning_clear)

static char *
unquote(const char *tok)
{
    gsize len = strlen(tok);

    if (len >= 2 && (tok[0] == '"' || tok[0] == '\'') && tok[len - 1] == tok[0])
        return g_strndup(tok + 1, len - 2);
    return g_strdup(tok);
}

static void
set_str(char **field, const char *value)
{
    g_free(*field);
    *field = g_strdup(value);
}

/* The tokens of a rule body (after its chain name). */
static void
meaning_parse(Meaning *m, char **toks)
{
    guint i;

    for (i = 0; toks[i]; i++) {
        g_autofree char *t = unquote(toks[i]);
        g_autofree char *next = toks[i + 1] ? unquote(toks[i + 1]) : NULL;

        if (g_str_equal(t, "meta") && next && toks[i + 2]) {
            g_autofree char *v = unquote(toks[i + 2]);

            if (g_str_equal(next, "nfproto"))
                set_str(&m->fam, g_str_equal(v, "ipv4") ? "ip" : "ip6");
            else if (g_str_equal(next, "l4proto"))
                set_str(&m->l4, v);
            i += 2;
        } else if ((g_str_equal(t, "iif") || g_str_equal(t, "iifname")) && next) {
            set_str(&m->iif, next);
            i++;
        } else if ((g_str_equal(t, "oif") || g_str_equal(t, "oifname")) && next) {
            set_str(&m->oif, next);
            i++;
        } else if ((g_str_equal(t, "ip") || g_str_equal(t, "ip6")) && next && toks[i + 2]) {
            g_autofree char *v = unquote(toks[i + 2]);
            bool neg = g_str_equal(v, "!=");

            set_str(&m->fam, t);
            if (neg) {
                g_free(v);
                v = toks[i + 3] ? unquote(toks[i + 3]) : g_strdup("");
                i++;
            }
            if (g_str_has_suffix(v, "/32"))
                v[strlen(v) - 3] = '\0';
            if (g_str_equal(next, "saddr"))
                set_str(&m->saddr, v);
            else if (neg)
                set_str(&m->ndaddr, v);
            else
                set_str(&m->daddr, v);
            i += 2;
        } else if (g_str_equal(t, "ct") && next && toks[i + 2]) {
            set_str(&m->ct, toks[i + 2]);
            i += 2;
        } else if (g_str_equal(t, "masquerade")) {
            if (next && g_str_equal(next, "to") && toks[i + 2]) {
                g_autofree char *v = g_strdup_printf("masquerade to %s", toks[i + 2]);

                set_str(&m->verdict, v);
                i += 2;
            } else {
                set_str(&m->verdict, "masquerade");
            }
        } else if (g_str_equal(t, "accept") || g_str_equal(t, "reject") ||
                   g_str_equal(t, "return")) {
            set_str(&m->verdict, t);
        }
    }
}

static char *
meaning_key(const Meaning *m, const char *fam)
{
    return g_strdup_printf("fam=%s chain=%s iif=%s oif=%s saddr=%s daddr=%s ndaddr=%s l4=%s "
                           "ct=%s verdict=%s",
                           fam, m->chain, m->iif ? m->iif : "", m->oif ? m->oif : "",
                           m->saddr ? m->saddr : "", m->daddr ? m->daddr : "",
                           m->ndaddr ? m->ndaddr : "", m->l4 ? m->l4 : "", m->ct ? m->ct : "",
                           m->verdict ? m->verdict : "");
}

/* Our own chains' rules as meanings, with what the dispatch implies filled in. */
static GHashTable *
our_meanings(const char *script, const char *bridge)
{
    GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_auto(GStrv) lines = g_strsplit(script, "\n", -1);
    g_autofree char *in = g_strdup_printf("net_%s_in", bridge);
    g_autofree char *out = g_strdup_printf("net_%s_out", bridge);
    g_autofree char *nat = g_strdup_printf("net_%s_nat", bridge);
    guint i;

    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) toks = NULL;
        g_auto(Meaning) m = { 0 };

        if (!g_str_has_prefix(lines[i], "add rule inet provd net_"))
            continue;
        toks = g_strsplit(lines[i], " ", -1);
        meaning_parse(&m, toks + 5);
        if (g_str_equal(toks[4], in)) {
            set_str(&m.chain, "in");
            set_str(&m.oif, bridge);
        } else if (g_str_equal(toks[4], out)) {
            set_str(&m.chain, "out");
            set_str(&m.iif, bridge);
        } else if (g_str_equal(toks[4], nat)) {
            set_str(&m.chain, "nat");
        } else {
            continue;
        }
        if (m.fam) {
            g_hash_table_add(set, meaning_key(&m, m.fam));
        } else {
            g_hash_table_add(set, meaning_key(&m, "ip"));
            g_hash_table_add(set, meaning_key(&m, "ip6"));
        }
    }
    return set;
}

/*
 * libvirt's file: argv of `nft -ae insert rule <fam> libvirt_network <chain> ...`
 * (and tc) commands, one token per line joined by " \\\n".
 */
static void
check_libvirt(const Case *c, const char *script)
{
    g_autofree char *rel = g_strdup_printf("network/networkxml2firewalldata/%s-linux.nftables",
                                           c->libvirt);
    g_autofree char *path = prov_test_conformance_path(rel);
    g_autofree char *text = NULL;
    g_autoptr(GHashTable) ours = NULL;
    g_autoptr(GString) flat = g_string_new(NULL);
    g_auto(GStrv) cmds = NULL;
    guint i;

    if (!path) {
        g_test_message("libvirt's %s-linux.nftables absent: meaning check skipped", c->libvirt);
        return;
    }
    text = prov_test_read_required(path);
    /* One command per line: tokens are joined by " \\\n", commands by "\n". */
    {
        g_auto(GStrv) parts = g_strsplit(text, " \\\n", -1);
        g_autofree char *joined = g_strjoinv(" ", parts);

        g_string_append(flat, joined);
    }
    ours = our_meanings(script, "virbr0");
    cmds = g_strsplit(flat->str, "\n", -1);
    for (i = 0; cmds[i]; i++) {
        g_auto(GStrv) toks = g_strsplit(cmds[i], " ", -1);
        g_auto(Meaning) m = { 0 };
        g_autofree char *key = NULL;
        const char *chain;

        /* nft -ae insert rule <fam> libvirt_network <chain> ... */
        if (g_strv_length(toks) < 8 || !g_str_equal(toks[0], "nft") ||
            !g_str_equal(toks[2], "insert"))
            continue;
        chain = toks[6];
        meaning_parse(&m, toks + 7);
        if (g_str_equal(chain, "guest_output"))
            set_str(&m.chain, "out");
        else if (g_str_equal(chain, "guest_input") || g_str_equal(chain, "guest_cross"))
            set_str(&m.chain, "in");
        else
            set_str(&m.chain, "nat");
        /*
         * Our nat chain is only reached from the network's subnets, so its
         * broadcast/multicast returns need no saddr; nor an oifname <dev>: out of
         * another device those packets are not translated either way, since every
         * masquerade rule carries the oifname.
         */
        if (g_str_equal(m.chain, "nat") && g_strcmp0(m.verdict, "return") == 0) {
            g_clear_pointer(&m.saddr, g_free);
            g_clear_pointer(&m.oif, g_free);
        }
        key = meaning_key(&m, toks[4]);
        libvirt_rules_total++;
        if (g_hash_table_contains(ours, key)) {
            libvirt_rules_matched++;
        } else {
            g_test_message("libvirt rule without a counterpart in ours: %s\n  (%s)", key,
                           cmds[i]);
            g_test_fail();
        }
    }
}

/* ---- the cases ------------------------------------------------------------------ */

static void
test_case(gconstpointer data)
{
    const Case *c = data;
    g_autoptr(ProvNetFirewallSpec) spec = case_spec(c);
    g_autoptr(ProvNetFirewallRecord) rec_nft = NULL;
    g_autoptr(ProvNetFirewallRecord) rec_ipt = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *nft_path = g_strdup_printf(DATA "/%s.nft", c->name);
    g_autofree char *ipt_path = g_strdup_printf(DATA "/%s.iptables", c->name);
    g_autofree char *ip6t_path = g_strdup_printf(DATA "/%s.ip6tables", c->name);
    g_autofree char *nft = NULL;
    g_auto(DryRun) dr = { 0 };

    dry_run_init(&dr, c->world);
    rec_nft = apply_ok(spec, PROV_FIREWALL_BACKEND_NFTABLES);
    rec_ipt = apply_ok(spec, PROV_FIREWALL_BACKEND_IPTABLES);
    nft = g_strdup(dr.nft->str);
    prov_test_check_golden(nft_path, nft);
    prov_test_check_golden(ipt_path, dr.ipt4->str);
    prov_test_check_golden(ip6t_path, dr.ipt6->str);

    /* The records say what was added and survive the status file. */
    {
        g_autofree char *x1 = prov_net_firewall_record_format(rec_nft);
        g_autofree char *x2 = prov_net_firewall_record_format(rec_ipt);
        g_autoptr(ProvNetFirewallRecord) p1 = prov_net_firewall_record_parse(x1, &error);
        g_autoptr(ProvNetFirewallRecord) p2 = NULL;
        g_autofree char *y1 = NULL;
        g_autofree char *y2 = NULL;

        g_assert_no_error(error);
        p2 = prov_net_firewall_record_parse(x2, &error);
        g_assert_no_error(error);
        y1 = prov_net_firewall_record_format(p1);
        y2 = prov_net_firewall_record_format(p2);
        g_assert_cmpstr(x1, ==, y1);
        g_assert_cmpstr(x2, ==, y2);
        g_test_message("%s%s", x1, x2);
        if (c->mode == PROV_NET_FIREWALL_MODE_OPEN) {
            g_assert_cmpuint(rec_nft->items->len, ==, 0);
            g_assert_cmpuint(rec_ipt->items->len, ==, 0);
        } else {
            g_assert_cmpuint(rec_nft->items->len, >=, 4);
            g_assert_cmpuint(rec_ipt->items->len, >=, 4);
        }
    }
    if (c->libvirt)
        check_libvirt(c, nft);
}

/* The record shows what was applied: chains, elements, and foreign rules by chain. */
static void
test_record_docker(void)
{
    g_autoptr(ProvNetFirewallSpec) spec = case_spec(&cases[0]);
    g_autoptr(ProvNetFirewallRecord) rec = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    g_auto(DryRun) dr = { 0 };

    dry_run_init(&dr, "docker");
    rec = apply_ok(spec, PROV_FIREWALL_BACKEND_NFTABLES);
    xml = prov_net_firewall_record_format(rec);
    prov_test_check_golden(DATA "/nat-docker-host.status.xml", xml);
    /* The hand-written table's chains cannot drop (policy accept, no drop/reject). */
    g_assert_null(strstr(dr.nft->str, "inet hand c"));
    /* Its output chain uses a named verdict map: it may drop, conservatively. */
    g_assert_nonnull(strstr(dr.nft->str, "insert rule inet hand out meta nfproto ipv4 oifname "
                                         "\"virbr0\" udp dport 68 accept comment "
                                         "\"provd:virbr0\""));
}

/* A later table failing undoes the earlier ones (iptables has no cross-table batch). */
static void
test_iptables_rollback(void)
{
    g_autoptr(ProvNetFirewallSpec) spec = case_spec(&cases[0]);
    g_autoptr(ProvNetFirewallRecord) rec = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(DryRun) dr = { 0 };

    dry_run_init(&dr, NULL);
    dr.state4 = g_string_new(NULL);
    dr.fail_table = "nat";
    dr.fail_family = PROV_FIREWALL_IPV4;
    g_assert_false(prov_net_firewall_apply(spec, PROV_FIREWALL_BACKEND_IPTABLES, NULL, &rec,
                                           &error));
    g_assert_null(rec);
    g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_FAILED);
    g_assert_cmpstr(error->message, ==, "network 'default': injected failure of table 'nat'");
    prov_test_check_golden(DATA "/rollback.iptables", dr.ipt4->str);
}

static void
test_invalid_specs(void)
{
    static const struct {
        const char *bridge;
        int family;
        const char *addr;
        unsigned int prefix;
        const char *nat_start;
        unsigned int port_start;
        unsigned int port_end;
        const char *msg;
    } bad[] = {
        { "vir br0", AF_INET, "10.0.0.1", 24, NULL, 0, 0,
          "network 'n': bridge name 'vir br0' cannot be used in firewall rules "
          "(1-15 characters of A-Z a-z 0-9 _ . -)" },
        { "br\"0", AF_INET, "10.0.0.1", 24, NULL, 0, 0, NULL },
        { "virbr+", AF_INET, "10.0.0.1", 24, NULL, 0, 0, NULL },
        { "abcdefghijklmnop", AF_INET, "10.0.0.1", 24, NULL, 0, 0, NULL },
        { "virbr0", AF_INET, "10.0.0.1", 0, NULL, 0, 0,
          "network 'n': subnet '10.0.0.1/0' is not a valid IPv4 subnet" },
        { "virbr0", AF_INET6, "2001:db8::1", 129, NULL, 0, 0,
          "network 'n': subnet '2001:db8::1/129' is not a valid IPv6 subnet" },
        { "virbr0", AF_INET, "2001:db8::1", 24, NULL, 0, 0, NULL },
        { "virbr0", AF_INET, "10.0.0.1", 24, "2001:db8::1", 0, 0,
          "network 'n': nat address range '2001:db8::1'-'2001:db8::1' is not a pair of IPv4 "
          "addresses" },
        { "virbr0", AF_INET, "10.0.0.1", 24, NULL, 2000, 1000,
          "network 'n': nat port range 2000-1000 is invalid" },
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(ProvNetFirewallSpec) spec = prov_net_firewall_spec_new(
            "n", bad[i].bridge, PROV_NET_FIREWALL_MODE_NAT);
        g_autoptr(ProvNetFirewallRecord) rec = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(DryRun) dr = { 0 };

        dry_run_init(&dr, NULL);
        prov_net_firewall_spec_add_subnet(spec, bad[i].family, bad[i].addr, bad[i].prefix);
        spec->nat_addr_start = g_strdup(bad[i].nat_start);
        spec->nat_port_start = bad[i].port_start;
        spec->nat_port_end = bad[i].port_end;
        g_assert_false(prov_net_firewall_apply(spec, PROV_FIREWALL_BACKEND_NFTABLES, NULL, &rec,
                                               &error));
        g_assert_nonnull(error);
        g_assert_true(error->domain == PROV_NETWORK_ERROR);
        if (bad[i].msg)
            g_assert_cmpstr(error->message, ==, bad[i].msg);
        /* Nothing was even read. */
        g_assert_cmpuint(dr.nft->len, ==, 0);
    }
}

/* A status file is input: nothing in it may smuggle commands into the removal. */
static void
test_record_parse_refuses(void)
{
    static const char *const bad[] = {
        "<firewall backend='pf' bridge='virbr0'/>",
        "<firewall backend='nftables' bridge='vir br0'/>",
        "<firewall backend='nftables' bridge='virbr0'><element family='inet' table='provd' "
        "map='guest_in' key='x&quot; }; flush ruleset; #'/></firewall>",
        "<firewall backend='nftables' bridge='virbr0'><element family='inet' table='provd' "
        "map='nat_v4' key='10.0.0.0/24 }; flush ruleset'/></firewall>",
        "<firewall backend='nftables' bridge='virbr0'><chain family='ip' table='filter' "
        "name='FORWARD'/></firewall>",
        "<firewall backend='nftables' bridge='virbr0'><rule family='ip' table='filter' "
        "chain='FORWARD; flush ruleset' handle='3'/></firewall>",
        "<firewall backend='nftables' bridge='virbr0'><rule family='ip' table='filter' "
        "chain='FORWARD' handle='-3'/></firewall>",
        "<firewall backend='iptables' bridge='virbr0'><rule family='ipv4' table='filter' "
        "chain='PROV_FWI' spec='-o virbr0&#10;-F INPUT'/></firewall>",
        "<firewall backend='iptables' bridge='virbr0'><rule family='ipv5' table='filter' "
        "chain='PROV_FWI' spec='-o virbr0 -j X'/></firewall>",
        "<firewall backend='nftables' bridge='virbr0'><bogus/></firewall>",
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvNetFirewallRecord) rec = prov_net_firewall_record_parse(bad[i], &error);

        g_test_message("%s -> %s", bad[i], error ? error->message : "(accepted)");
        g_assert_null(rec);
        g_assert_nonnull(error);
    }
}

/* Removal against a canned world: only what is there and ours is deleted. */
static void
test_remove_reapply_world(void)
{
    static const char *const xml =
        "<firewall backend='nftables' bridge='virbr0'>\n"
        "  <chain family='inet' table='provd' name='net_virbr0_in'/>\n"
        "  <chain family='inet' table='provd' name='net_virbr0_out'/>\n"
        "  <chain family='inet' table='provd' name='net_virbr0_nat'/>\n"
        "  <element family='inet' table='provd' map='guest_in' key='virbr0'/>\n"
        "  <rule family='ip' table='filter' chain='FORWARD' handle='7'/>\n"
        "  <rule family='ip' table='filter' chain='FORWARD' handle='8'/>\n"
        "  <rule family='ip' table='filter' chain='FORWARD' handle='99'/>\n"
        "</firewall>\n";
    g_autoptr(ProvNetFirewallRecord) rec = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(DryRun) dr = { 0 };

    dry_run_init(&dr, "reapply");
    rec = prov_net_firewall_record_parse(xml, &error);
    g_assert_no_error(error);
    g_assert_true(prov_net_firewall_remove(rec, &error));
    g_assert_no_error(error);
    /* Handle 8 carries another bridge's comment (its table was recreated since the
     * record was written): it is that network's rule now, and stays. */
    prov_test_check_golden(DATA "/remove-reapply.nft", dr.nft->str);
    g_assert_null(strstr(dr.nft->str, "net_virbr1"));
    g_assert_null(strstr(dr.nft->str, "handle 8\n"));
    g_assert_null(strstr(dr.nft->str, "handle 99"));
    g_assert_nonnull(strstr(dr.nft->str, "delete rule ip filter FORWARD handle 7\n"));
}

static void
test_ruleset_parse(void)
{
    g_autofree char *json = prov_test_read_required(DATA "/world-docker.json");
    g_autoptr(ProvNftRuleset) rs = NULL;
    g_autoptr(GError) error = NULL;
    const ProvNftChain *c;

    rs = prov_nft_ruleset_parse(json, &error);
    g_assert_no_error(error);
    c = prov_nft_ruleset_find_chain(rs, "ip", "filter", "FORWARD");
    g_assert_nonnull(c);
    g_assert_true(c->policy_drop && c->may_drop);
    g_assert_cmpstr(c->hook, ==, "forward");
    /* input jumps to a chain that ends in drop */
    c = prov_nft_ruleset_find_chain(rs, "inet", "host", "input");
    g_assert_true(!c->policy_drop && c->may_drop);
    c = prov_nft_ruleset_find_chain(rs, "inet", "hand", "c");
    g_assert_false(c->may_drop);
    c = prov_nft_ruleset_find_chain(rs, "ip", "filter", "DOCKER-USER");
    g_assert_null(c->hook);
    g_assert_false(c->may_drop);
    g_assert_true(prov_nft_ruleset_has_table(rs, "inet", "hand"));
    g_assert_false(prov_nft_ruleset_has_table(rs, "inet", "provd"));

    g_clear_pointer(&rs, prov_nft_ruleset_free);
    g_clear_pointer(&json, g_free);
    json = prov_test_read_required(DATA "/world-reapply.json");
    rs = prov_nft_ruleset_parse(json, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rs->elements->len, ==, 6);
    {
        const ProvNftElement *e = g_ptr_array_index(rs->elements, 4);

        g_assert_cmpstr(e->map, ==, "nat_v4");
        g_assert_cmpstr(e->key, ==, "192.168.99.0/24");
        g_assert_false(e->key_is_string);
        g_assert_cmpstr(e->target, ==, "net_virbr0_nat");
        e = g_ptr_array_index(rs->elements, 5);
        g_assert_cmpstr(e->key, ==, "10.9.9.9");
        g_assert_false(e->key_is_string);
        e = g_ptr_array_index(rs->elements, 0);
        g_assert_cmpstr(e->key, ==, "virbr0");
        g_assert_true(e->key_is_string);
    }
    g_assert_cmpuint(prov_nft_ruleset_find_rule(rs, "ip", "filter", 7)->handle, ==, 7);
    g_assert_cmpstr(prov_nft_ruleset_find_rule(rs, "ip", "filter", 7)->comment, ==,
                    "provd:virbr0");

    g_clear_pointer(&rs, prov_nft_ruleset_free);
    rs = prov_nft_ruleset_parse("", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rs->chains->len, ==, 0);
    g_clear_pointer(&rs, prov_nft_ruleset_free);
    rs = prov_nft_ruleset_parse("{\"x\": 1}", &error);
    g_assert_null(rs);
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_PARSE_FAILED);
}

static void
test_echo_parse(void)
{
    static const char *const echo =
        "{\"nftables\": [{\"add\": {\"table\": {\"family\": \"inet\", \"name\": \"provd\", "
        "\"handle\": 3}}}, {\"add\": {\"rule\": {\"family\": \"inet\", \"table\": \"provd\", "
        "\"chain\": \"forward\", \"handle\": 4, \"expr\": []}}}, {\"insert\": {\"rule\": "
        "{\"family\": \"ip\", \"table\": \"filter\", \"chain\": \"FORWARD\", \"handle\": 12, "
        "\"comment\": \"provd:virbr0\", \"expr\": []}}}, {\"insert\": {\"rule\": {\"family\": "
        "\"ip\", \"table\": \"filter\", \"chain\": \"FORWARD\", \"handle\": 13, \"comment\": "
        "\"provd:virbr1\", \"expr\": []}}}]}";
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) rules = prov_nft_echo_rules(echo, "provd:virbr0", "inet", "provd",
                                                     &error);
    const ProvNftRule *r;

    g_assert_no_error(error);
    g_assert_cmpuint(rules->len, ==, 1);
    r = g_ptr_array_index(rules, 0);
    g_assert_cmpstr(r->table, ==, "filter");
    g_assert_cmpuint(r->handle, ==, 12);
}

static void
test_iptables_dump(void)
{
    g_autofree char *text = prov_test_read_required(DATA "/world-reapply.iptables-save");
    g_autoptr(ProvIptablesDump) dump = prov_iptables_dump_parse(text);

    g_assert_true(prov_iptables_dump_has_chain(dump, "filter", "PROV_FWI"));
    g_assert_true(prov_iptables_dump_has_chain(dump, "filter", "FORWARD"));
    g_assert_false(prov_iptables_dump_has_chain(dump, "nat", "PROV_PRT"));
    g_assert_true(prov_iptables_dump_has_rule(dump, "filter", "FORWARD", "-j PROV_FWI"));
    g_assert_true(prov_iptables_dump_has_rule(dump, "filter", "PROV_FWI",
                                              "-o virbr0 -j PROV_virbr0_FWI"));
    g_assert_false(prov_iptables_dump_has_rule(dump, "filter", "PROV_FWI",
                                               "-o virbr0 -j PROV_virbr0"));
    g_assert_cmpuint(prov_iptables_dump_count_rules(dump, "filter", "PROV_FWI"), ==, 2);
    g_assert_cmpuint(prov_iptables_dump_count_rules(dump, "filter", "FORWARD"), ==, 3);
    g_assert_cmpuint(prov_iptables_dump_count_rules(dump, "filter", "INPUT"), ==, 0);
}

static void
test_backend_names(void)
{
    g_assert_cmpstr(prov_firewall_backend_to_string(PROV_FIREWALL_BACKEND_NFTABLES), ==,
                    "nftables");
    g_assert_cmpint(prov_firewall_backend_from_string("iptables"), ==,
                    PROV_FIREWALL_BACKEND_IPTABLES);
    g_assert_cmpint(prov_firewall_backend_from_string("ebtables"), ==, -1);
    g_assert_cmpstr(prov_net_firewall_mode_to_string(PROV_NET_FIREWALL_MODE_ISOLATED), ==,
                    "isolated");
    g_assert_cmpint(prov_net_firewall_mode_from_string("route"), ==,
                    PROV_NET_FIREWALL_MODE_ROUTE);
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    PROV_TEST_ADD_CASES("/network/firewall/golden", cases, name, test_case);
    g_test_add_func("/network/firewall/record-docker", test_record_docker);
    g_test_add_func("/network/firewall/iptables-rollback", test_iptables_rollback);
    g_test_add_func("/network/firewall/invalid-specs", test_invalid_specs);
    g_test_add_func("/network/firewall/record-parse-refuses", test_record_parse_refuses);
    g_test_add_func("/network/firewall/remove-world", test_remove_reapply_world);
    g_test_add_func("/network/firewall/ruleset-parse", test_ruleset_parse);
    g_test_add_func("/network/firewall/echo-parse", test_echo_parse);
    g_test_add_func("/network/firewall/iptables-dump", test_iptables_dump);
    g_test_add_func("/network/firewall/backend-names", test_backend_names);
    ret = g_test_run();
    printf("conformance: libvirt nftables rules with a counterpart of the same meaning: "
           "%u/%u\n", libvirt_rules_matched, libvirt_rules_total);
    return ret;
}
