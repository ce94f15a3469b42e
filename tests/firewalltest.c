/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* firewalltest.c: network firewall apply/remove against the kernel, in a private netns. */
#include <errno.h>
#include <stdlib.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "network/network_firewall.h"
#include "util/command.h"
#include "util/error.h"
#include "util/firewall.h"

/*
 * The program unshares a network namespace before any test runs, so the ruleset
 * starts empty and everything made here dies with the process.  Each test starts
 * with `flush ruleset`.  What the code did is read back through libnftables' own
 * text listing (stateless: no counters) and through iptables-save, readers that
 * share no code with the generator.
 */

/* `nft -s list ruleset` through libnftables. */
static char *
nft_list(void)
{
    struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    char *out;

    g_assert_nonnull(ctx);
    nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_STATELESS);
    g_assert_cmpint(nft_ctx_buffer_output(ctx), ==, 0);
    g_assert_cmpint(nft_ctx_buffer_error(ctx), ==, 0);
    if (nft_run_cmd_from_buffer(ctx, "list ruleset") != 0)
        g_error("nft list ruleset: %s", nft_ctx_get_error_buffer(ctx));
    out = g_strdup(nft_ctx_get_output_buffer(ctx));
    nft_ctx_free(ctx);
    return out;
}

static int
cmp_blocks(gconstpointer a, gconstpointer b, gpointer unused)
{
    return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

/*
 * The listing with its chains, maps and sets sorted: the kernel lists them in
 * creation order, which a remove + re-add legitimately changes.
 */
static char *
canon(const char *listing)
{
    g_auto(GStrv) lines = g_strsplit(listing, "\n", -1);
    g_autoptr(GPtrArray) blocks = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *table = g_strdup("");
    GString *cur = NULL;
    GString *out = g_string_new(NULL);
    guint i;

    for (i = 0; lines[i]; i++) {
        const char *l = lines[i];

        if (!l[0] || g_str_equal(l, "}"))
            continue;
        if (g_str_has_prefix(l, "table ")) {
            g_free(table);
            table = g_strdup(l);
        }
        if (g_str_has_prefix(l, "table ") || g_str_has_prefix(l, "\tchain ") ||
            g_str_has_prefix(l, "\tmap ") || g_str_has_prefix(l, "\tset ")) {
            if (cur)
                g_ptr_array_add(blocks, g_string_free(cur, FALSE));
            cur = g_string_new(table);
            g_string_append_c(cur, '\n');
        }
        if (cur)
            g_string_append_printf(cur, "%s\n", l);
    }
    if (cur)
        g_ptr_array_add(blocks, g_string_free(cur, FALSE));
    g_ptr_array_sort_with_data(blocks, (GCompareDataFunc) cmp_blocks, NULL);
    for (i = 0; i < blocks->len; i++)
        g_string_append(out, g_ptr_array_index(blocks, i));
    return g_string_free(out, FALSE);
}

static void
nft_run(const char *script)
{
    g_autoptr(GError) error = NULL;

    if (!prov_firewall_nft_apply(script, NULL, &error))
        g_error("%s", error->message);
}

static void
reset(void)
{
    nft_run("flush ruleset");
}

static int
cmp_lines(const void *a, const void *b)
{
    return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

/* iptables-save without its date comments. */
static char *
ipt_save(ProvFirewallFamily family)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *out = prov_firewall_iptables_save(family, &error);
    g_auto(GStrv) lines = NULL;
    GString *s = g_string_new(NULL);
    guint i;

    g_assert_no_error(error);
    lines = g_strsplit(out, "\n", -1);
    for (i = 0; lines[i]; i++) {
        if (lines[i][0] == '#' || !lines[i][0])
            continue;
        g_string_append_printf(s, "%s\n", lines[i]);
    }
    return g_string_free(s, FALSE);
}

/* The lines sorted: dispatch rules of a re-applied network move to the end. */
static char *
sorted_lines(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    qsort(lines, g_strv_length(lines), sizeof(char *), cmp_lines);
    return g_strjoinv("\n", lines);
}

static guint
count_substr(const char *haystack, const char *needle)
{
    guint n = 0;
    const char *p = haystack;

    while ((p = strstr(p, needle))) {
        n++;
        p += strlen(needle);
    }
    return n;
}

/* nat network, IPv4 with DHCP and DNS. */
static ProvNetFirewallSpec *
spec_nat(const char *name, const char *bridge, const char *addr)
{
    ProvNetFirewallSpec *spec = prov_net_firewall_spec_new(name, bridge,
                                                           PROV_NET_FIREWALL_MODE_NAT);

    prov_net_firewall_spec_add_subnet(spec, AF_INET, addr, 24);
    spec->dhcp_v4 = true;
    spec->dns = true;
    return spec;
}

/* route network, IPv4 and IPv6 with RA. */
static ProvNetFirewallSpec *
spec_route(const char *name, const char *bridge)
{
    ProvNetFirewallSpec *spec = prov_net_firewall_spec_new(name, bridge,
                                                           PROV_NET_FIREWALL_MODE_ROUTE);

    prov_net_firewall_spec_add_subnet(spec, AF_INET, "10.20.0.1", 24);
    prov_net_firewall_spec_add_subnet(spec, AF_INET6, "2001:db8:20::1", 64);
    spec->dhcp_v4 = true;
    spec->dns = true;
    spec->ra = true;
    return spec;
}

static ProvNetFirewallRecord *
apply(const ProvNetFirewallSpec *spec, ProvFirewallBackend backend,
      const ProvNetFirewallRecord *previous)
{
    g_autoptr(GError) error = NULL;
    ProvNetFirewallRecord *record = NULL;

    if (!prov_net_firewall_apply(spec, backend, previous, &record, &error))
        g_error("apply: %s", error->message);
    g_assert_nonnull(record);
    return record;
}

static void
remove_record(const ProvNetFirewallRecord *record)
{
    g_autoptr(GError) error = NULL;

    if (!prov_net_firewall_remove(record, &error))
        g_error("remove: %s", error->message);
}

/* A record survives the status file: format, parse, and it still removes everything. */
static ProvNetFirewallRecord *
roundtrip(const ProvNetFirewallRecord *record)
{
    g_autofree char *xml = prov_net_firewall_record_format(record);
    g_autofree char *again = NULL;
    g_autoptr(GError) error = NULL;
    ProvNetFirewallRecord *parsed = prov_net_firewall_record_parse(xml, &error);

    g_assert_no_error(error);
    again = prov_net_firewall_record_format(parsed);
    g_assert_cmpstr(again, ==, xml);
    return parsed;
}

static void
test_nft_two_networks(void)
{
    g_autoptr(ProvNetFirewallSpec) a = spec_nat("a", "provbr1", "192.168.150.1");
    g_autoptr(ProvNetFirewallSpec) b = spec_route("b", "provbr2");
    g_autoptr(ProvNetFirewallRecord) ra = NULL;
    g_autoptr(ProvNetFirewallRecord) rb = NULL;
    g_autoptr(ProvNetFirewallRecord) ra2 = NULL;
    g_autofree char *before = NULL;
    g_autofree char *only_b = NULL;
    g_autofree char *both = NULL;
    g_autofree char *after_a = NULL;
    g_autofree char *after_all = NULL;

    reset();
    before = nft_list();
    g_assert_cmpstr(before, ==, "");

    /* What b alone looks like. */
    rb = apply(b, PROV_FIREWALL_BACKEND_NFTABLES, NULL);
    only_b = nft_list();
    remove_record(rb);
    g_clear_pointer(&rb, prov_net_firewall_record_free);
    after_all = nft_list();
    g_assert_cmpstr(after_all, ==, before);
    g_clear_pointer(&after_all, g_free);

    ra = apply(a, PROV_FIREWALL_BACKEND_NFTABLES, NULL);
    rb = apply(b, PROV_FIREWALL_BACKEND_NFTABLES, NULL);
    both = nft_list();
    g_test_message("%s", both);
    g_assert_nonnull(strstr(both, "chain net_provbr1_in {"));
    g_assert_nonnull(strstr(both, "chain net_provbr1_nat {"));
    g_assert_nonnull(strstr(both, "chain net_provbr2_out {"));
    g_assert_nonnull(strstr(both, "\"provbr1\" : jump net_provbr1_in"));
    g_assert_nonnull(strstr(both, "192.168.150.0/24 : jump net_provbr1_nat"));
    g_assert_nonnull(strstr(both, "masquerade to :1024-65535"));
    g_assert_null(strstr(both, "chain net_provbr2_nat"));
    /* The shared dispatch rules exist once, whatever the number of networks. */
    g_assert_cmpuint(count_substr(both, "oifname vmap @guest_in"), ==, 1);
    g_assert_cmpuint(count_substr(both, "ip saddr vmap @nat_v4"), ==, 1);

    /* Removing a leaves b exactly as if a had never been there. */
    {
        g_autoptr(ProvNetFirewallRecord) parsed = roundtrip(ra);

        remove_record(parsed);
    }
    after_a = nft_list();
    g_assert_cmpstr(after_a, ==, only_b);

    /* a again, twice: nothing doubles. */
    ra2 = apply(a, PROV_FIREWALL_BACKEND_NFTABLES, NULL);
    g_clear_pointer(&ra, prov_net_firewall_record_free);
    ra = apply(a, PROV_FIREWALL_BACKEND_NFTABLES, ra2);
    {
        g_autofree char *again = nft_list();
        g_autofree char *c1 = canon(again);
        g_autofree char *c2 = canon(both);

        g_assert_cmpstr(c1, ==, c2);
    }

    remove_record(rb);
    remove_record(ra);
    after_all = nft_list();
    g_assert_cmpstr(after_all, ==, before);
}

/* Re-applying without the earlier record (a crash before the status file was written). */
static void
test_nft_reapply_without_record(void)
{
    g_autoptr(ProvNetFirewallSpec) a = spec_route("a", "provbr1");
    g_autoptr(ProvNetFirewallRecord) r1 = NULL;
    g_autoptr(ProvNetFirewallRecord) r2 = NULL;
    g_autoptr(ProvNetFirewallRecord) r3 = NULL;
    g_autofree char *once = NULL;
    g_autofree char *end = NULL;

    reset();
    nft_run("table ip filter {\n  chain FORWARD { type filter hook forward priority 0; "
            "policy drop; }\n}\n");
    r1 = apply(a, PROV_FIREWALL_BACKEND_NFTABLES, NULL);
    once = nft_list();
    r2 = apply(a, PROV_FIREWALL_BACKEND_NFTABLES, NULL);
    r3 = apply(a, PROV_FIREWALL_BACKEND_NFTABLES, NULL);
    {
        g_autofree char *thrice = nft_list();

        g_assert_cmpstr(thrice, ==, once);
    }
    remove_record(r3);
    end = nft_list();
    g_assert_cmpstr(end, ==, "table ip filter {\n\tchain FORWARD {\n\t\ttype filter hook "
                             "forward priority filter; policy drop;\n\t}\n}\n");
}

static void
test_nft_mode_change(void)
{
    g_autoptr(ProvNetFirewallSpec) nat = spec_nat("a", "provbr1", "192.168.150.1");
    g_autoptr(ProvNetFirewallSpec) iso =
        prov_net_firewall_spec_new("a", "provbr1", PROV_NET_FIREWALL_MODE_ISOLATED);
    g_autoptr(ProvNetFirewallSpec) open = prov_net_firewall_spec_new("a", "provbr1",
                                                                     PROV_NET_FIREWALL_MODE_OPEN);
    g_autoptr(ProvNetFirewallRecord) r1 = NULL;
    g_autoptr(ProvNetFirewallRecord) r2 = NULL;
    g_autoptr(ProvNetFirewallRecord) r3 = NULL;
    g_autofree char *iso_only = NULL;
    g_autofree char *listing = NULL;
    g_autofree char *end = NULL;

    reset();
    prov_net_firewall_spec_add_subnet(iso, AF_INET, "192.168.150.1", 24);
    r2 = apply(iso, PROV_FIREWALL_BACKEND_NFTABLES, NULL);
    iso_only = nft_list();
    remove_record(r2);
    g_clear_pointer(&r2, prov_net_firewall_record_free);

    r1 = apply(nat, PROV_FIREWALL_BACKEND_NFTABLES, NULL);
    r2 = apply(iso, PROV_FIREWALL_BACKEND_NFTABLES, r1);
    listing = nft_list();
    g_assert_cmpstr(listing, ==, iso_only);
    g_assert_null(strstr(listing, "net_provbr1_nat"));

    /* open: no rules, and the table goes with the last network's rules. */
    r3 = apply(open, PROV_FIREWALL_BACKEND_NFTABLES, r2);
    g_assert_cmpuint(r3->items->len, ==, 0);
    end = nft_list();
    g_assert_cmpstr(end, ==, "");
    remove_record(r3);
}

/*
 * Docker leaves `table ip filter` with a FORWARD policy of drop (made by
 * iptables-nft); a host firewall has an input policy of drop; a hand-written table
 * has a rule and an accept policy.  Under nftables each would drop what our table
 * accepts, so the chains that may drop get our narrow accepts, and lose them again.
 */
static void
test_nft_foreign_tables(void)
{
    g_autoptr(ProvNetFirewallSpec) a = spec_nat("a", "provbr1", "192.168.150.1");
    g_autoptr(ProvNetFirewallSpec) b = spec_route("b", "provbr2");
    g_autoptr(ProvNetFirewallRecord) ra = NULL;
    g_autoptr(ProvNetFirewallRecord) rb = NULL;
    g_autoptr(ProvNetFirewallRecord) parsed = NULL;
    g_autofree char *before = NULL;
    g_autofree char *during = NULL;
    g_autofree char *after = NULL;
    guint with_handle = 0;
    guint i;

    reset();
    nft_run("table ip filter {\n"
            "  chain FORWARD { type filter hook forward priority 0; policy drop; }\n"
            "}\n"
            "table inet host {\n"
            "  chain input { type filter hook input priority 0; policy accept;\n"
            "    ct state established,related accept\n"
            "    jump host_rules\n"
            "  }\n"
            "  chain host_rules { tcp dport 22 accept; counter drop; }\n"
            "}\n"
            "table inet hand {\n"
            "  chain c { type filter hook input priority 10; policy accept;\n"
            "    tcp dport 80 accept; }\n"
            "  chain f { type filter hook forward priority 10; policy accept; counter; }\n"
            "}\n");
    before = nft_list();

    ra = apply(a, PROV_FIREWALL_BACKEND_NFTABLES, NULL);
    rb = apply(b, PROV_FIREWALL_BACKEND_NFTABLES, NULL);
    during = nft_list();
    g_test_message("%s", during);
    /* Docker's FORWARD: forward accepts for both bridges. */
    g_assert_nonnull(strstr(during, "iifname \"provbr1\" ip saddr 192.168.150.0/24 accept "
                                    "comment \"provd:provbr1\""));
    g_assert_nonnull(strstr(during, "oifname \"provbr1\" ip daddr 192.168.150.0/24 accept "
                                    "comment \"provd:provbr1\""));
    /* The ip table gets no IPv6 rule; the inet input gets DHCP/DNS and ND. */
    g_assert_null(strstr(during, "ip6 saddr 2001:db8:20::/64 accept comment"));
    g_assert_nonnull(strstr(during, "iifname \"provbr1\" udp dport 67 accept comment"));
    g_assert_nonnull(strstr(during, "iifname \"provbr2\" icmpv6 type nd-router-solicit accept"));
    g_assert_nonnull(strstr(during, "meta nfproto ipv4 iifname \"provbr1\" udp dport 53 accept"));
    /* The hand-written table cannot drop: untouched. */
    g_assert_nonnull(strstr(during, "table inet hand {\n\tchain c {\n\t\ttype filter hook input "
                                    "priority filter + 10; policy accept;\n"
                                    "\t\ttcp dport 80 accept\n\t}\n"));

    for (i = 0; i < ra->items->len; i++) {
        const ProvNetFirewallItem *it = g_ptr_array_index(ra->items, i);

        if (it->kind == PROV_NET_FIREWALL_ITEM_RULE) {
            g_assert_cmpuint(it->handle, >, 0);
            with_handle++;
        }
    }
    g_assert_cmpuint(with_handle, >=, 5);

    /* Re-apply: the foreign accepts are replaced, not doubled. */
    {
        g_autoptr(ProvNetFirewallRecord) again = apply(a, PROV_FIREWALL_BACKEND_NFTABLES, ra);
        g_autofree char *listing = nft_list();

        g_assert_cmpuint(count_substr(listing, "comment \"provd:provbr1\""), ==,
                         count_substr(during, "comment \"provd:provbr1\""));
        g_clear_pointer(&ra, prov_net_firewall_record_free);
        ra = g_steal_pointer(&again);
    }

    parsed = roundtrip(ra);
    remove_record(parsed);
    {
        g_autofree char *mid = nft_list();

        g_assert_null(strstr(mid, "provd:provbr1"));
        g_assert_nonnull(strstr(mid, "provd:provbr2"));
    }
    remove_record(rb);
    after = nft_list();
    g_assert_cmpstr(after, ==, before);
}

/* The same through iptables-nft's own view: Docker's table stays listable. */
static void
test_nft_docker_iptables_view(void)
{
    g_autoptr(ProvNetFirewallSpec) a = spec_nat("a", "provbr1", "192.168.150.1");
    g_autoptr(ProvNetFirewallRecord) ra = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *before = NULL;
    g_autofree char *during = NULL;
    g_autofree char *after = NULL;

    if (!g_file_test(IPTABLES_RESTORE, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("iptables-restore is not installed");
        return;
    }
    reset();
    /* Roughly what dockerd leaves behind. */
    g_assert_true(prov_firewall_iptables_restore(
        PROV_FIREWALL_IPV4, "filter",
        "*filter\n:FORWARD DROP [0:0]\n:DOCKER-USER - [0:0]\n:DOCKER - [0:0]\n"
        "-A FORWARD -j DOCKER-USER\n-A FORWARD -o docker0 -j DOCKER\n"
        "-A FORWARD -i docker0 ! -o docker0 -j ACCEPT\n-A DOCKER-USER -j RETURN\nCOMMIT\n",
        &error));
    g_assert_no_error(error);
    before = ipt_save(PROV_FIREWALL_IPV4);

    ra = apply(a, PROV_FIREWALL_BACKEND_NFTABLES, NULL);
    during = ipt_save(PROV_FIREWALL_IPV4);
    g_test_message("%s", during);
    g_assert_null(strstr(during, "incompatible"));
    g_assert_nonnull(strstr(during, "-A FORWARD -s 192.168.150.0/24 -i provbr1 -m comment "
                                    "--comment \"provd:provbr1\" -j ACCEPT"));
    g_assert_nonnull(strstr(during, "-A FORWARD -j DOCKER-USER"));

    remove_record(ra);
    after = ipt_save(PROV_FIREWALL_IPV4);
    g_assert_cmpstr(after, ==, before);
}

/* Errors carry libnftables' message and change nothing. */
static void
test_nft_error(void)
{
    g_autoptr(ProvNetFirewallSpec) a = spec_nat("a", "provbr1", "192.168.0.1");
    g_autoptr(ProvNetFirewallSpec) b = spec_nat("b", "provbr2", "192.168.150.1");
    g_autoptr(ProvNetFirewallRecord) ra = NULL;
    g_autoptr(ProvNetFirewallRecord) rb = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;

    reset();
    /* a's /16 contains b's /24: the interval map refuses the overlap. */
    g_ptr_array_set_size(a->subnets, 0);
    prov_net_firewall_spec_add_subnet(a, AF_INET, "192.168.0.1", 16);
    ra = apply(a, PROV_FIREWALL_BACKEND_NFTABLES, NULL);
    before = nft_list();
    g_assert_false(prov_net_firewall_apply(b, PROV_FIREWALL_BACKEND_NFTABLES, NULL, &rb, &error));
    g_assert_null(rb);
    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    g_assert_true(g_str_has_prefix(error->message, "network 'b': nftables transaction failed: "));
    g_assert_nonnull(strstr(error->message, "192.168.150.0/24"));
    after = nft_list();
    g_assert_cmpstr(after, ==, before);
    remove_record(ra);
}

/*
 * iptables backend: real iptables-restore; iptables-save before/after identical
 * (the tables already exist, as on any host where Docker or a firewall runs).
 */
static void
test_iptables(void)
{
    g_autoptr(ProvNetFirewallSpec) a = spec_nat("a", "provbr1", "192.168.150.1");
    g_autoptr(ProvNetFirewallSpec) b = spec_route("b", "provbr2");
    g_autoptr(ProvNetFirewallRecord) ra = NULL;
    g_autoptr(ProvNetFirewallRecord) ra2 = NULL;
    g_autoptr(ProvNetFirewallRecord) rb = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *before4 = NULL;
    g_autofree char *before6 = NULL;
    g_autofree char *during4 = NULL;
    g_autofree char *during6 = NULL;

    if (!g_file_test(IPTABLES_RESTORE, G_FILE_TEST_IS_EXECUTABLE) ||
        !g_file_test(IP6TABLES_RESTORE, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("iptables-restore/ip6tables-restore are not installed");
        return;
    }
    reset();
    prov_net_firewall_spec_add_subnet(a, AF_INET6, "2001:db8:10::1", 64);
    a->nat_ipv6 = true;
    a->dhcp_v6 = true;
    g_assert_true(prov_firewall_iptables_restore(
        PROV_FIREWALL_IPV4, "filter",
        "*filter\n:FORWARD DROP [0:0]\n:DOCKER-USER - [0:0]\n-A FORWARD -j DOCKER-USER\n"
        "-A DOCKER-USER -j RETURN\nCOMMIT\n", &error));
    g_assert_true(prov_firewall_iptables_restore(PROV_FIREWALL_IPV4, "nat",
                                                 "*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n",
                                                 &error));
    g_assert_true(prov_firewall_iptables_restore(PROV_FIREWALL_IPV6, "filter",
                                                 "*filter\n:INPUT DROP [0:0]\nCOMMIT\n", &error));
    g_assert_true(prov_firewall_iptables_restore(PROV_FIREWALL_IPV6, "nat",
                                                 "*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n",
                                                 &error));
    g_assert_no_error(error);
    before4 = ipt_save(PROV_FIREWALL_IPV4);
    before6 = ipt_save(PROV_FIREWALL_IPV6);

    ra = apply(a, PROV_FIREWALL_BACKEND_IPTABLES, NULL);
    rb = apply(b, PROV_FIREWALL_BACKEND_IPTABLES, NULL);
    during4 = ipt_save(PROV_FIREWALL_IPV4);
    during6 = ipt_save(PROV_FIREWALL_IPV6);
    g_test_message("%s\n%s", during4, during6);
    /* Our jumps come first in FORWARD, receiver's chain before sender's. */
    g_assert_nonnull(strstr(during4, "-A FORWARD -j PROV_FWI\n-A FORWARD -j PROV_FWO\n"
                                     "-A FORWARD -j DOCKER-USER\n"));
    g_assert_nonnull(strstr(during4, "-A PROV_FWI -o provbr1 -j PROV_provbr1_FWI\n"));
    g_assert_nonnull(strstr(during4, "-A PROV_provbr1_FWI -d 192.168.150.0/24 -m conntrack "
                                     "--ctstate RELATED,ESTABLISHED -j ACCEPT\n"));
    g_assert_nonnull(strstr(during4, "-A PROV_provbr1_PRT -s 192.168.150.0/24 ! -d "
                                     "192.168.150.0/24 -p tcp -j MASQUERADE --to-ports "
                                     "1024-65535\n"));
    g_assert_nonnull(strstr(during6, "-A PROV_provbr1_PRT -s 2001:db8:10::/64 ! -d "
                                     "2001:db8:10::/64 -j MASQUERADE\n"));
    g_assert_nonnull(strstr(during6, "-A INPUT -j PROV_INP\n"));
    g_assert_null(strstr(during6, "PROV_provbr2_PRT"));

    /* Re-apply with and without the record: identical. */
    ra2 = apply(a, PROV_FIREWALL_BACKEND_IPTABLES, ra);
    {
        g_autoptr(ProvNetFirewallRecord) r3 = apply(a, PROV_FIREWALL_BACKEND_IPTABLES, NULL);
        g_autofree char *again4 = ipt_save(PROV_FIREWALL_IPV4);
        g_autofree char *again6 = ipt_save(PROV_FIREWALL_IPV6);
        g_autofree char *s1 = sorted_lines(again4);
        g_autofree char *s2 = sorted_lines(during4);
        g_autofree char *s3 = sorted_lines(again6);
        g_autofree char *s4 = sorted_lines(during6);

        g_assert_cmpstr(s1, ==, s2);
        g_assert_cmpstr(s3, ==, s4);
    }

    {
        g_autoptr(ProvNetFirewallRecord) parsed = roundtrip(ra2);
        g_autofree char *mid4 = NULL;

        remove_record(parsed);
        mid4 = ipt_save(PROV_FIREWALL_IPV4);
        g_assert_null(strstr(mid4, "provbr1"));
        g_assert_nonnull(strstr(mid4, "-A PROV_FWI -o provbr2 -j PROV_provbr2_FWI\n"));
    }
    remove_record(rb);
    {
        g_autofree char *after4 = ipt_save(PROV_FIREWALL_IPV4);
        g_autofree char *after6 = ipt_save(PROV_FIREWALL_IPV6);

        g_assert_cmpstr(after4, ==, before4);
        g_assert_cmpstr(after6, ==, before6);
    }
}

/*
 * A failing second table rolls the first one back.  The nat table is made unusable
 * for iptables-nft the way a confused host can: its POSTROUTING exists with the
 * wrong chain type ("CHAIN_ADD failed (File exists)").
 */
static void
test_iptables_rollback(void)
{
    g_autoptr(ProvNetFirewallSpec) a = spec_nat("a", "provbr1", "192.168.150.1");
    g_autoptr(ProvNetFirewallRecord) ra = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;

    if (!g_file_test(IPTABLES_RESTORE, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("iptables-restore is not installed");
        return;
    }
    reset();
    g_assert_true(prov_firewall_iptables_restore(PROV_FIREWALL_IPV4, "filter",
                                                 "*filter\n:FORWARD DROP [0:0]\nCOMMIT\n",
                                                 &error));
    g_assert_no_error(error);
    nft_run("table ip nat {\n  chain POSTROUTING { type filter hook postrouting priority 100; }\n"
            "}\n");
    before = ipt_save(PROV_FIREWALL_IPV4);
    g_assert_false(prov_net_firewall_apply(a, PROV_FIREWALL_BACKEND_IPTABLES, NULL, &ra, &error));
    g_assert_null(ra);
    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    g_assert_true(g_str_has_prefix(error->message, "network 'a': table 'nat': "));
    g_assert_nonnull(strstr(error->message, "POSTROUTING"));
    after = ipt_save(PROV_FIREWALL_IPV4);
    g_assert_cmpstr(after, ==, before);
}

/* Switching backends across a restart removes the old backend's rules first. */
static void
test_backend_switch(void)
{
    g_autoptr(ProvNetFirewallSpec) a = spec_nat("a", "provbr1", "192.168.150.1");
    g_autoptr(ProvNetFirewallRecord) r1 = NULL;
    g_autoptr(ProvNetFirewallRecord) r2 = NULL;
    g_autofree char *save = NULL;
    g_autofree char *listing = NULL;

    if (!g_file_test(IPTABLES_RESTORE, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("iptables-restore is not installed");
        return;
    }
    reset();
    r1 = apply(a, PROV_FIREWALL_BACKEND_IPTABLES, NULL);
    r2 = apply(a, PROV_FIREWALL_BACKEND_NFTABLES, r1);
    save = ipt_save(PROV_FIREWALL_IPV4);
    g_assert_null(strstr(save, "PROV_"));
    listing = nft_list();
    g_assert_nonnull(strstr(listing, "table inet provd"));
    remove_record(r2);
}

/*
 * Every golden script of networkxml2firewalltest that starts from an empty world is
 * accepted by the kernel as it is (that test only compares text).
 */
static void
test_golden_scripts_apply(void)
{
    const char *dir_path = PROV_TEST_DATA_DIR "/networkfirewalldata";
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    const char *name;
    guint applied = 0;

    g_assert_nonnull(dir);
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(dir_path, name, NULL);
        g_autofree char *text = NULL;
        g_autoptr(GError) error = NULL;
        bool v6 = g_str_has_suffix(name, ".ip6tables");

        if (!g_str_has_suffix(name, ".nft") && !g_str_has_suffix(name, ".iptables") && !v6)
            continue;
        g_assert_true(g_file_get_contents(path, &text, NULL, &error));
        /* Scripts that edit a canned world (deletes, foreign inserts) need that world. */
        if (!text[0] || strstr(text, "delete ") || strstr(text, "insert rule") ||
            strstr(text, "\n-D ") || g_str_has_prefix(name, "rollback"))
            continue;
        reset();
        if (g_str_has_suffix(name, ".nft")) {
            if (!prov_firewall_nft_apply(text, NULL, &error))
                g_error("%s: %s", name, error->message);
        } else {
            g_auto(GStrv) tables = g_strsplit(text, "COMMIT\n", -1);
            guint i;

            if (!g_file_test(v6 ? IP6TABLES_RESTORE : IPTABLES_RESTORE,
                             G_FILE_TEST_IS_EXECUTABLE))
                continue;
            for (i = 0; tables[i] && tables[i][0]; i++) {
                g_autofree char *one = g_strconcat(tables[i], "COMMIT\n", NULL);

                if (!prov_firewall_iptables_restore(v6 ? PROV_FIREWALL_IPV6 : PROV_FIREWALL_IPV4,
                                                    "golden", one, &error))
                    g_error("%s: %s", name, error->message);
            }
        }
        applied++;
    }
    g_test_message("%u golden scripts applied", applied);
    g_assert_cmpuint(applied, >=, 30);
}

/* ---- packets: a guest behind the bridge reaching an upstream host ------------ */

static const char *ip_tool;
static char *ns_guest;
static char *ns_up;

static int G_GNUC_NULL_TERMINATED
run_status(const char *first, ...)
{
    g_autoptr(ProvCommand) cmd = prov_command_new(first);
    g_autoptr(GError) error = NULL;
    const char *arg;
    int status = -1;
    va_list ap;

    va_start(ap, first);
    for (arg = va_arg(ap, const char *); arg; arg = va_arg(ap, const char *))
        prov_command_add_arg(cmd, arg);
    va_end(ap);
    prov_command_set_timeout(cmd, 20000);
    if (!prov_command_run(cmd, NULL, &status, &error))
        g_error("%s", error->message);
    return status;
}

/* `ip <args>`, which must succeed. */
#define IP(...) g_assert_cmpint(run_status(ip_tool, __VA_ARGS__, NULL), ==, 0)

static void
netns_cleanup(void)
{
    if (ns_guest)
        run_status(ip_tool, "netns", "del", ns_guest, NULL);
    if (ns_up)
        run_status(ip_tool, "netns", "del", ns_up, NULL);
    g_clear_pointer(&ns_guest, g_free);
    g_clear_pointer(&ns_up, g_free);
}

/* One ICMP echo from the guest namespace; true when answered. */
static bool
guest_ping(const char *addr)
{
    return run_status(ip_tool, "netns", "exec", ns_guest, "/bin/busybox", "ping", "-c", "1",
                      "-W", "1", addr, NULL) == 0;
}

static void
test_packets_body(void)
{
    g_autoptr(ProvNetFirewallSpec) nat = spec_nat("pk", "provbr9", "10.77.0.1");
    g_autoptr(ProvNetFirewallSpec) iso = NULL;
    g_autoptr(ProvNetFirewallSpec) route = NULL;

    reset();
    IP("netns", "add", ns_guest);
    IP("netns", "add", ns_up);

    /* The bridge with one guest, and an uplink to a host that knows no route back. */
    IP("link", "add", "provbr9", "type", "bridge");
    IP("addr", "add", "10.77.0.1/24", "dev", "provbr9");
    IP("link", "set", "provbr9", "up");
    IP("link", "add", "pkvh0", "type", "veth", "peer", "name", "pkvg0");
    IP("link", "set", "pkvh0", "master", "provbr9", "up");
    IP("link", "set", "pkvg0", "netns", ns_guest);
    IP("-n", ns_guest, "addr", "add", "10.77.0.2/24", "dev", "pkvg0");
    IP("-n", ns_guest, "link", "set", "pkvg0", "up");
    IP("-n", ns_guest, "route", "add", "default", "via", "10.77.0.1");
    IP("link", "add", "pkup0", "type", "veth", "peer", "name", "pkup1");
    IP("addr", "add", "198.51.100.1/24", "dev", "pkup0");
    IP("link", "set", "pkup0", "up");
    IP("link", "set", "pkup1", "netns", ns_up);
    IP("-n", ns_up, "addr", "add", "198.51.100.2/24", "dev", "pkup1");
    IP("-n", ns_up, "link", "set", "pkup1", "up");
    /* This process's own namespace: the file reflects the netns of the opener. */
    {
        FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "we");

        g_assert_nonnull(f);
        g_assert_cmpint(fputs("1\n", f), >=, 0);
        g_assert_cmpint(fclose(f), ==, 0);
    }

    /* What Docker leaves: FORWARD policy drop.  The guest reaches only the host. */
    nft_run("table ip filter {\n  chain FORWARD { type filter hook forward priority 0; "
            "policy drop; }\n}\n");
    g_assert_true(guest_ping("10.77.0.1"));
    g_assert_false(guest_ping("198.51.100.2"));

    /* nat: out through masquerade, despite Docker's policy. */
    {
        g_autoptr(ProvNetFirewallRecord) r = apply(nat, PROV_FIREWALL_BACKEND_NFTABLES, NULL);

        g_assert_true(guest_ping("198.51.100.2"));
        remove_record(r);
    }
    g_assert_false(guest_ping("198.51.100.2"));

    /* nat through iptables: our jumps come first in Docker's FORWARD. */
    {
        g_autoptr(ProvNetFirewallRecord) r = NULL;

        if (g_file_test(IPTABLES_RESTORE, G_FILE_TEST_IS_EXECUTABLE)) {
            r = apply(nat, PROV_FIREWALL_BACKEND_IPTABLES, NULL);
            g_assert_true(guest_ping("198.51.100.2"));
            remove_record(r);
            g_assert_false(guest_ping("198.51.100.2"));
        }
    }

    /* isolated: nothing forwarded, the host still answers. */
    iso = prov_net_firewall_spec_new("pk", "provbr9", PROV_NET_FIREWALL_MODE_ISOLATED);
    prov_net_firewall_spec_add_subnet(iso, AF_INET, "10.77.0.1", 24);
    {
        g_autoptr(ProvNetFirewallRecord) r = apply(iso, PROV_FIREWALL_BACKEND_NFTABLES, NULL);

        nft_run("flush chain ip filter FORWARD\nchain ip filter FORWARD { policy accept; }\n");
        g_assert_false(guest_ping("198.51.100.2"));
        g_assert_true(guest_ping("10.77.0.1"));
        remove_record(r);
        /* Without Docker's drop and without our rules, plain forwarding works again,
         * but unanswered: upstream has no route back to an untranslated subnet. */
        g_assert_false(guest_ping("198.51.100.2"));
    }

    /* route: upstream routes the subnet back; no translation needed. */
    IP("-n", ns_up, "route", "add", "10.77.0.0/24", "via", "198.51.100.1");
    g_assert_true(guest_ping("198.51.100.2"));
    nft_run("chain ip filter FORWARD { policy drop; }\n");
    g_assert_false(guest_ping("198.51.100.2"));
    route = prov_net_firewall_spec_new("pk", "provbr9", PROV_NET_FIREWALL_MODE_ROUTE);
    prov_net_firewall_spec_add_subnet(route, AF_INET, "10.77.0.1", 24);
    {
        g_autoptr(ProvNetFirewallRecord) r = apply(route, PROV_FIREWALL_BACKEND_NFTABLES, NULL);

        g_assert_true(guest_ping("198.51.100.2"));
        remove_record(r);
    }
    g_assert_false(guest_ping("198.51.100.2"));
}

/*
 * The guest and upstream namespaces are named (ip netns add), so they would outlive
 * a failed assertion: the body runs in a subprocess (its own private netns for the
 * bridge, from main()) and this parent deletes them whatever happened.
 */
static void
test_packets(void)
{
    pid_t owner = g_test_subprocess() ? getppid() : getpid();

    if (!g_file_test("/bin/busybox", G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("busybox (for ping) is not installed");
        return;
    }
    ip_tool = g_file_test("/usr/sbin/ip", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/sbin/ip" : "/bin/ip";
    if (!g_file_test(ip_tool, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("iproute2's ip is not installed");
        return;
    }
    ns_guest = g_strdup_printf("provfw-g-%d", (int) owner);
    ns_up = g_strdup_printf("provfw-u-%d", (int) owner);
    if (g_test_subprocess()) {
        test_packets_body();
        return;
    }
    g_test_trap_subprocess(NULL, 120 * G_USEC_PER_SEC,
                           G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
    netns_cleanup();
    g_test_trap_assert_passed();
}

int
main(int argc, char **argv)
{
    if (geteuid() != 0) {
        printf("SKIP: firewalltest needs root to unshare a network namespace\n");
        return 77;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        printf("SKIP: cannot unshare a network namespace: %s\n", g_strerror(errno));
        return 77;
    }
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/firewall/nft/two-networks", test_nft_two_networks);
    g_test_add_func("/firewall/nft/reapply-without-record", test_nft_reapply_without_record);
    g_test_add_func("/firewall/nft/mode-change", test_nft_mode_change);
    g_test_add_func("/firewall/nft/foreign-tables", test_nft_foreign_tables);
    g_test_add_func("/firewall/nft/docker-iptables-view", test_nft_docker_iptables_view);
    g_test_add_func("/firewall/nft/error", test_nft_error);
    g_test_add_func("/firewall/iptables/apply-remove", test_iptables);
    g_test_add_func("/firewall/iptables/rollback", test_iptables_rollback);
    g_test_add_func("/firewall/backend-switch", test_backend_switch);
    g_test_add_func("/firewall/packets", test_packets);
    g_test_add_func("/firewall/golden-scripts-apply", test_golden_scripts_apply);
    return g_test_run();
}
