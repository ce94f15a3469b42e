/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* networkxml2conftest.c: network XML -> dnsmasq conf, hosts files and radvd.conf, checked
 * against libvirt's data, our golden files and the real dnsmasq and radvd parsers. */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "network/network_conf.h"
#include "network/network_dnsmasq.h"
#include "network/network_radvd.h"
#include "tests/testutil.h"
#include "util/command.h"
#include "util/error.h"

/* libvirt's networkxml2confdata has 27 cases (README of the conformance data). */
#define CONFORMANCE_CASES 27

/* What libvirt's networkxml2conftest passes. */
#define LIBVIRT_CONFIG_DIR "/var/lib/libvirt/dnsmasq"

/* Our production settings, under a fixed fake root so the golden files are stable. */
#define GOLDEN_ROOT "/provtest"
#define GOLDEN_CONFIG_DIR GOLDEN_ROOT "/var/lib/provd/network"
#define GOLDEN_SCRIPT GOLDEN_ROOT "/usr/libexec/provd/provd-leases"

static char *scratch_dir;

/* ---- generating ----------------------------------------------------------------------- */

typedef struct {
    char *conf;
    char *hostsfile;   /* NULL: no DHCP */
    char *addnhosts;   /* NULL: DNS disabled */
    char *radvd;       /* NULL: no IPv6, no radvd */
} Generated;

static void
generated_clear(Generated *gen)
{
    g_clear_pointer(&gen->conf, g_free);
    g_clear_pointer(&gen->hostsfile, g_free);
    g_clear_pointer(&gen->addnhosts, g_free);
    g_clear_pointer(&gen->radvd, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Generated, generated_clear)

typedef enum {
    SETTINGS_LIBVIRT,      /* libvirt's test: dnsmasq does RA, no pid file, no script */
    SETTINGS_PROVD,        /* provd's driver: radvd does RA, pid file, lease script */
} Settings;

static bool
generate_def(const ProvNetworkDef *def, Settings settings, Generated *ret, GError **error)
{
    ProvDnsmasqConfOptions opts = { 0 };
    ProvRadvdConfOptions ra_opts = { 0 };
    g_autofree char *pid_file = NULL;

    if (settings == SETTINGS_LIBVIRT) {
        opts.config_dir = LIBVIRT_CONFIG_DIR;
        opts.ra = true;
        opts.header_tool = "virsh net-edit";
        opts.header_program = "libvirt";
    } else {
        pid_file = g_strdup_printf("%s/%s.pid", GOLDEN_CONFIG_DIR, def->name);
        opts.config_dir = GOLDEN_CONFIG_DIR;
        opts.pid_file = pid_file;
        opts.dhcp_script = GOLDEN_SCRIPT;
    }
    if (!prov_dnsmasq_conf_build(def, &opts, &ret->conf, &ret->hostsfile, &ret->addnhosts,
                                 error))
        return false;
    if (prov_radvd_needed(def) && !prov_radvd_conf_build(def, &ra_opts, &ret->radvd, error))
        return false;
    return true;
}

static ProvNetworkDef *
parse_input(const char *path, GError **error)
{
    g_autoptr(ProvNetworkDef) def = prov_network_def_parse_file(path, 0, error);

    if (!def)
        return NULL;
    return g_steal_pointer(&def);
}

/* ---- libvirt conformance ------------------------------------------------------------------ */

static char *
conformance_dir(void)
{
    return prov_test_conformance_path("network/networkxml2confdata");
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted base names of the *.xml files in @dir. */
static GPtrArray *
list_cases(const char *dir_path)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, &error);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *entry;

    g_assert_no_error(error);
    while ((entry = g_dir_read_name(dir))) {
        if (g_str_has_suffix(entry, ".xml"))
            g_ptr_array_add(names, g_strndup(entry, strlen(entry) - 4));
    }
    g_ptr_array_sort(names, compare_names);
    return names;
}

/*
 * Every place where our output differs from libvirt's expected output, with the
 * reason.  The test replaces @libvirt by @ours in libvirt's file and then wants byte
 * equality, so an unlisted difference fails, and so does an entry that no longer
 * matches anything (the table cannot go stale).
 */
typedef struct {
    const char *name;      /* conformance case */
    const char *file;      /* "conf" or "hostsfile" */
    const char *libvirt;   /* a whole line of libvirt's file */
    const char *ours;      /* the line we write instead */
    const char *reason;
} ConfDifference;

#define QUOTES_REASON \
    "libvirt XML-escapes the network name in the paths it writes into the conf (a " \
    "known quirk): dnsmasq would open 'default&quot;with&quot;quotes&quot;.hostsfile', " \
    "a file libvirt never wrote.  We name the real file, in double quotes because of " \
    "the '\"' characters (dnsmasq removes the quotes and the backslashes)."

static const ConfDifference conf_differences[] = {
    { "nat-network-name-with-quotes", "conf",
      "dhcp-hostsfile=/var/lib/libvirt/dnsmasq/default&quot;with&quot;quotes&quot;.hostsfile",
      "dhcp-hostsfile=\"/var/lib/libvirt/dnsmasq/default\\\"with\\\"quotes\\\".hostsfile\"",
      QUOTES_REASON },
    { "nat-network-name-with-quotes", "conf",
      "addn-hosts=/var/lib/libvirt/dnsmasq/default&quot;with&quot;quotes&quot;.addnhosts",
      "addn-hosts=\"/var/lib/libvirt/dnsmasq/default\\\"with\\\"quotes\\\".addnhosts\"",
      QUOTES_REASON },
};

/*
 * Applies the table to libvirt's @expected text of @file of case @name.  Returns the
 * adjusted text; *@ret_applied counts the entries used.  An entry whose line is not
 * in @expected fails the test.
 */
static char *
apply_differences(const char *name, const char *file, const char *expected,
                  guint *ret_applied)
{
    g_auto(GStrv) lines = g_strsplit(expected, "\n", -1);
    guint applied = 0;
    gsize i;
    guint j;

    for (i = 0; i < G_N_ELEMENTS(conf_differences); i++) {
        const ConfDifference *d = &conf_differences[i];
        bool found = false;

        if (!g_str_equal(d->name, name) || !g_str_equal(d->file, file))
            continue;
        for (j = 0; lines[j]; j++) {
            if (g_str_equal(lines[j], d->libvirt)) {
                g_free(lines[j]);
                lines[j] = g_strdup(d->ours);
                found = true;
            }
        }
        if (!found) {
            g_test_message("%s.%s: expected-difference entry '%s' matches no line of "
                           "libvirt's file (stale table)", name, file, d->libvirt);
            g_test_fail();
        }
        applied++;
    }
    *ret_applied = applied;
    return g_strjoinv("\n", lines);
}

/* Compares one of our outputs with libvirt's file; false for an unexplained difference. */
static bool
conformance_compare(const char *name, const char *file, const char *expected,
                    const char *got, guint *ret_applied)
{
    g_autofree char *adjusted = apply_differences(name, file, expected, ret_applied);

    if (g_str_equal(adjusted, got))
        return true;
    g_test_message("%s.%s differs from libvirt's output and the difference is not "
                   "explained.\n--- libvirt (with the explained differences applied)\n%s"
                   "--- ours\n%s", name, file, adjusted, got);
    return false;
}

static void
test_conformance(void)
{
    g_autofree char *dir = conformance_dir();
    g_autoptr(GPtrArray) names = NULL;
    guint identical = 0;
    guint explained = 0;
    guint failed = 0;
    guint i;

    if (!dir) {
        g_test_skip("libvirt's networkxml2confdata is absent");
        return;
    }
    names = list_cases(dir);
    for (i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *xml_path = g_strdup_printf("%s/%s.xml", dir, name);
        g_autofree char *conf_path = g_strdup_printf("%s/%s.conf", dir, name);
        g_autofree char *hosts_path = g_strdup_printf("%s/%s.hostsfile", dir, name);
        g_autofree char *expected_conf = prov_test_read_required(conf_path);
        g_autofree char *expected_hosts = prov_test_read(hosts_path);
        g_autoptr(ProvNetworkDef) def = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(Generated) gen = { 0 };
        guint applied_conf = 0;
        guint applied_hosts = 0;
        bool ok;

        if (!(def = parse_input(xml_path, &error)) ||
            !generate_def(def, SETTINGS_LIBVIRT, &gen, &error)) {
            g_test_message("%s: %s", name, error->message);
            failed++;
            continue;
        }
        ok = conformance_compare(name, "conf", expected_conf, gen.conf, &applied_conf);
        /* No .hostsfile in libvirt's data means no static host is expected. */
        if (expected_hosts)
            ok = conformance_compare(name, "hostsfile", expected_hosts,
                                     gen.hostsfile ? gen.hostsfile : "", &applied_hosts) &&
                 ok;
        else if (gen.hostsfile && gen.hostsfile[0]) {
            g_test_message("%s: libvirt expects no DHCP host, we wrote:\n%s", name,
                           gen.hostsfile);
            ok = false;
        }
        if (!ok)
            failed++;
        else if (applied_conf + applied_hosts == 0)
            identical++;
        else
            explained++;
    }
    g_test_message("conformance: dnsmasq conf %u/%u byte-identical, %u with explained "
                   "differences, %u failed", identical, names->len, explained, failed);
    printf("conformance: dnsmasq conf %u/%u byte-identical, %u with explained differences "
           "(%" G_GSIZE_FORMAT " table entries), %u failed\n", identical, names->len,
           explained, G_N_ELEMENTS(conf_differences), failed);
    g_assert_cmpuint(names->len, ==, CONFORMANCE_CASES);
    g_assert_cmpuint(failed, ==, 0);
}

/* ---- golden files (our production settings) ------------------------------------------------ */

static const char *const golden_cases[] = {
    "nat-default",
    "nat-dual-stack",
    "dhcp6",
    "routed-v6-slaac",
    "isolated",
    "dns-records",
    "static-hosts",
    "netboot",
    "mtu",
    "odd-name",
    "no-dns",
    "v6-not-64",
    "dnsmasq-options",
};

static char *
golden_path(const char *name, const char *suffix)
{
    return g_strdup_printf("%s/networkxml2confdata/%s%s", PROV_TEST_DATA_DIR, name, suffix);
}

/* A golden file for an output that is not produced must not exist. */
static void
check_golden_optional(const char *name, const char *suffix, const char *got)
{
    g_autofree char *path = golden_path(name, suffix);

    if (got) {
        prov_test_check_golden(path, got);
        return;
    }
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return;
    if (prov_test_regenerating()) {
        g_assert_cmpint(g_unlink(path), ==, 0);
        g_printerr("removed %s\n", path);
        return;
    }
    g_test_message("%s exists, but %s%s is not produced for this network", path, name,
                   suffix);
    g_test_fail();
}

static bool
generate_golden(const char *name, Generated *ret, GError **error)
{
    g_autofree char *xml_path = golden_path(name, ".xml");
    g_autoptr(ProvNetworkDef) def = parse_input(xml_path, error);

    /* What net-define does: the driver-level rules must accept our inputs too. */
    if (!def || !prov_network_def_validate(def, error))
        return false;
    return generate_def(def, SETTINGS_PROVD, ret, error);
}

static void
test_golden(gconstpointer data)
{
    const char *name = data;
    g_autoptr(GError) error = NULL;
    g_auto(Generated) gen = { 0 };
    g_autofree char *conf_path = golden_path(name, ".conf");

    g_assert_true(generate_golden(name, &gen, &error));
    g_assert_no_error(error);
    prov_test_check_golden(conf_path, gen.conf);
    check_golden_optional(name, ".hostsfile", gen.hostsfile);
    check_golden_optional(name, ".addnhosts", gen.addnhosts);
    check_golden_optional(name, ".radvd.conf", gen.radvd);
    /* Production settings: RAs are radvd's, never dnsmasq's. */
    g_assert_null(strstr(gen.conf, "enable-ra"));
    g_assert_null(strstr(gen.conf, "ra-only"));
    g_assert_null(strstr(gen.conf, "ra-param"));
}

/* The choices the golden files show, stated once more as assertions. */
static void
test_golden_semantics(void)
{
    g_autoptr(GError) error = NULL;
    g_auto(Generated) slaac = { 0 };
    g_auto(Generated) dhcp6 = { 0 };
    g_auto(Generated) isolated = { 0 };
    g_auto(Generated) nodns = { 0 };
    g_auto(Generated) wide = { 0 };
    g_auto(Generated) records = { 0 };

    g_assert_true(generate_golden("routed-v6-slaac", &slaac, &error));
    g_assert_true(generate_golden("dhcp6", &dhcp6, &error));
    g_assert_true(generate_golden("isolated", &isolated, &error));
    g_assert_true(generate_golden("no-dns", &nodns, &error));
    g_assert_true(generate_golden("v6-not-64", &wide, &error));
    g_assert_true(generate_golden("dns-records", &records, &error));
    g_assert_no_error(error);

    /* The seed's routed SLAAC network: autonomous prefix, no M/O, DNS via RDNSS. */
    g_assert_nonnull(strstr(slaac.radvd, "prefix 2000:dead:beef:a::/64\n"));
    g_assert_nonnull(strstr(slaac.radvd, "AdvAutonomous on;"));
    g_assert_nonnull(strstr(slaac.radvd, "AdvManagedFlag off;"));
    g_assert_nonnull(strstr(slaac.radvd, "RDNSS 2000:dead:beef:a::1\n"));
    g_assert_nonnull(strstr(slaac.radvd, "DNSSL hosta.example.com\n"));
    g_assert_null(strstr(slaac.radvd, "AdvDefaultLifetime"));
    g_assert_null(slaac.hostsfile);
    /* DHCPv6: managed + other config, no SLAAC on that prefix. */
    g_assert_nonnull(strstr(dhcp6.radvd, "AdvManagedFlag on;"));
    g_assert_nonnull(strstr(dhcp6.radvd, "AdvOtherConfigFlag on;"));
    g_assert_nonnull(strstr(dhcp6.radvd, "AdvAutonomous off;"));
    g_assert_nonnull(strstr(dhcp6.conf, "dhcp-range=2001:db8:6::100,2001:db8:6::1ff,64,30m\n"));
    /* Isolated: no default route from DHCP nor from RAs. */
    g_assert_nonnull(strstr(isolated.conf, "dhcp-option=3\nno-resolv\n"));
    g_assert_nonnull(strstr(isolated.radvd, "AdvDefaultLifetime 0;"));
    /* DNS off: port=0, no addn-hosts, no RDNSS. */
    g_assert_nonnull(strstr(nodns.conf, "port=0\n"));
    g_assert_null(nodns.addnhosts);
    g_assert_null(strstr(nodns.radvd, "RDNSS"));
    g_assert_null(strstr(nodns.radvd, "DNSSL"));
    /* A /80 is advertised on-link only; the /64 next to it still gets SLAAC. */
    g_assert_nonnull(strstr(wide.radvd, "prefix fd00:190::/80\n    {\n        AdvOnLink on;\n"
                                        "        AdvAutonomous off;"));
    g_assert_nonnull(strstr(wide.radvd, "prefix fd00:191::/64\n    {\n        AdvOnLink on;\n"
                                        "        AdvAutonomous on;"));
    /* Free text is quoted only when dnsmasq would otherwise misread it. */
    g_assert_nonnull(strstr(records.conf, "txt-record=example,example value\n"));
    g_assert_nonnull(strstr(records.conf, "txt-record=_spf.lab.example,"
                                          "\"v=spf1 a, \\\"quoted\\\" #not-a-comment \"\n"));
    g_assert_cmpstr(records.addnhosts, ==,
                    "192.168.130.1\tgateway\trouter\tns\n"
                    "192.168.130.5\tfiles\n"
                    "fd00:130::5\tfiles\n");
}

/* ---- bad input ------------------------------------------------------------------------------- */

typedef void (*MutateFunc)(ProvNetworkDef *def);

static void
replace_string(char **field, const char *value)
{
    g_free(*field);
    *field = g_strdup(value);
}

static ProvNetDnsTxt *
first_txt(ProvNetworkDef *def)
{
    return g_ptr_array_index(def->dns.txts, 0);
}

static ProvNetDhcpHost *
first_dhcp_host(ProvNetworkDef *def)
{
    ProvNetIpDef *ip = g_ptr_array_index(def->ips, 0);

    return g_ptr_array_index(ip->hosts, 0);
}

static void
mutate_txt_value_newline(ProvNetworkDef *def)
{
    replace_string(&first_txt(def)->value, "ok\ndhcp-script=/tmp/evil");
}

static void
mutate_txt_value_cr(ProvNetworkDef *def)
{
    replace_string(&first_txt(def)->value, "ok\rmore");
}

static void
mutate_txt_name_newline(ProvNetworkDef *def)
{
    replace_string(&first_txt(def)->name, "x\nconf-file=/tmp/evil");
}

static void
mutate_txt_value_too_long(ProvNetworkDef *def)
{
    g_autofree char *value = g_strnfill(1100, 'a');

    replace_string(&first_txt(def)->value, value);
}

static void
mutate_dns_hostname_newline(ProvNetworkDef *def)
{
    ProvNetDnsHost *host = g_ptr_array_index(def->dns.hosts, 0);
    char **name = (char **)&g_ptr_array_index(host->hostnames, 0);

    replace_string(name, "gw\n10.0.0.1 evil");
}

static void
mutate_dhcp_host_name_comma(ProvNetworkDef *def)
{
    replace_string(&first_dhcp_host(def)->name, "web,set:evil");
}

static void
mutate_dhcp_host_id_newline(ProvNetworkDef *def)
{
    ProvNetIpDef *ip = g_ptr_array_index(def->ips, 1);
    ProvNetDhcpHost *host = g_ptr_array_index(ip->hosts, 0);

    replace_string(&host->id, "0:1\ndhcp-script=/tmp/evil");
}

static void
mutate_option_newline(ProvNetworkDef *def)
{
    char **option = (char **)&g_ptr_array_index(def->dnsmasq_options, 0);

    replace_string(option, "log-dhcp\ndhcp-script=/tmp/evil");
}

static void
mutate_domain_comma(ProvNetworkDef *def)
{
    replace_string(&def->domain, "lab.example,192.168.0.0/16");
}

static void
mutate_forwarder_domain_slash(ProvNetworkDef *def)
{
    ProvNetDnsForwarder *fwd = g_ptr_array_index(def->dns.forwarders, 1);

    replace_string(&fwd->domain, "corp.example/10.0.0.1\nserver=/x");
}

static void
mutate_srv_target_space(ProvNetworkDef *def)
{
    ProvNetDnsSrv *srv = g_ptr_array_index(def->dns.srvs, 0);

    replace_string(&srv->target, "dc1 evil");
}

static void
mutate_tftp_root_newline(ProvNetworkDef *def)
{
    ProvNetIpDef *ip = g_ptr_array_index(def->ips, 0);

    replace_string(&ip->tftp_root, "/srv/tftp\nenable-ra");
}

static void
mutate_bootp_file_newline(ProvNetworkDef *def)
{
    ProvNetIpDef *ip = g_ptr_array_index(def->ips, 0);

    replace_string(&ip->bootp_file, "pxelinux.0\nport=53");
}

static void
mutate_name_newline(ProvNetworkDef *def)
{
    replace_string(&def->name, "net\ndhcp-script=/tmp/evil");
}

static void
mutate_bridge_comma(ProvNetworkDef *def)
{
    replace_string(&def->bridge, "virbr0,lo");
}

typedef struct {
    const char *name;
    const char *base;       /* golden input */
    MutateFunc mutate;
    const char *message;    /* expected in the error */
} BadCase;

static const BadCase bad_cases[] = {
    { "txt-value-newline", "dns-records", mutate_txt_value_newline,
      "network 'dnsrec': TXT record value 'ok\\ndhcp-script=/tmp/evil' contains a control "
      "character" },
    { "txt-value-cr", "dns-records", mutate_txt_value_cr, "TXT record value 'ok\\rmore'" },
    { "txt-name-newline", "dns-records", mutate_txt_name_newline,
      "network 'dnsrec': TXT record name 'x\\nconf-file=/tmp/evil' is not a valid DNS name" },
    { "txt-value-too-long", "dns-records", mutate_txt_value_too_long,
      "more than the 1024 dnsmasq reads as one line" },
    { "dns-hostname-newline", "dns-records", mutate_dns_hostname_newline,
      "network 'dnsrec': DNS host name 'gw\\n10.0.0.1 evil' is not a valid DNS name" },
    { "dhcp-host-name-comma", "static-hosts", mutate_dhcp_host_name_comma,
      "network 'hosts': DHCP host name 'web,set:evil' is not a valid DNS name" },
    { "dhcp-host-id-newline", "static-hosts", mutate_dhcp_host_id_newline,
      "DHCP host id '0:1\\ndhcp-script=/tmp/evil' may only contain" },
    { "dnsmasq-option-newline", "dnsmasq-options", mutate_option_newline,
      "network 'opts': dnsmasq option 'log-dhcp\\ndhcp-script=/tmp/evil' contains a control "
      "character" },
    { "domain-comma", "dns-records", mutate_domain_comma,
      "domain 'lab.example,192.168.0.0/16' is not a valid DNS name" },
    { "forwarder-domain", "dns-records", mutate_forwarder_domain_slash,
      "DNS forwarder domain 'corp.example/10.0.0.1\\nserver=/x' is not a valid DNS name" },
    { "srv-target-space", "dns-records", mutate_srv_target_space,
      "SRV target 'dc1 evil' is not a valid DNS name" },
    { "tftp-root-newline", "netboot", mutate_tftp_root_newline,
      "TFTP root '/srv/tftp\\nenable-ra' contains a control character" },
    { "bootp-file-newline", "netboot", mutate_bootp_file_newline,
      "boot file 'pxelinux.0\\nport=53' contains a control character" },
    { "name-newline", "nat-default", mutate_name_newline,
      "name 'net\\ndhcp-script=/tmp/evil' contains a control character" },
    { "bridge-comma", "nat-default", mutate_bridge_comma,
      "bridge name 'virbr0,lo' cannot be given to dnsmasq" },
};

static void
test_bad_input(gconstpointer data)
{
    const BadCase *tc = data;
    g_autofree char *xml_path = golden_path(tc->base, ".xml");
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvNetworkDef) def = parse_input(xml_path, &error);
    g_auto(Generated) gen = { 0 };

    g_assert_no_error(error);
    tc->mutate(def);
    g_assert_false(generate_def(def, SETTINGS_PROVD, &gen, &error));
    g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED);
    if (!strstr(error->message, tc->message)) {
        g_test_message("error '%s' lacks '%s'", error->message, tc->message);
        g_test_fail();
    }
    g_assert_null(gen.conf);
}

/*
 * The same through XML: a character reference keeps a newline in an attribute (a
 * literal one is normalized to a space by XML itself).  The parser or the generator
 * must refuse it, with a message naming the network.
 */
typedef struct {
    const char *name;
    const char *xml;
} BadXmlCase;

#define BAD_XML_HEAD \
    "<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>" \
    "<name>badxml</name><forward mode='nat'/><bridge name='virbr0'/>"
#define BAD_XML_IP \
    "<ip address='192.168.122.1' prefix='24'><dhcp>" \
    "<range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip>"

static const BadXmlCase bad_xml_cases[] = {
    { "txt-value",
      BAD_XML_HEAD "<dns><txt name='t' value='v&#10;dhcp-script=/tmp/evil'/></dns>"
      BAD_XML_IP "</network>" },
    { "host-name",
      BAD_XML_HEAD "<dns><host ip='192.168.122.9'><hostname>a&#10;b</hostname></host></dns>"
      BAD_XML_IP "</network>" },
    { "dnsmasq-option",
      BAD_XML_HEAD BAD_XML_IP
      "<dnsmasq:options><dnsmasq:option value='log-dhcp&#10;dhcp-script=/tmp/evil'/>"
      "</dnsmasq:options></network>" },
    { "dhcp-host-name",
      BAD_XML_HEAD "<ip address='192.168.122.1' prefix='24'><dhcp>"
      "<host mac='52:54:00:00:00:01' name='a&#10;b' ip='192.168.122.5'/></dhcp></ip>"
      "</network>" },
};

static void
test_bad_xml(gconstpointer data)
{
    const BadXmlCase *tc = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvNetworkDef) def = prov_network_def_parse_string(tc->xml, 0, &error);
    g_auto(Generated) gen = { 0 };

    if (def) {
        g_assert_no_error(error);
        g_assert_false(generate_def(def, SETTINGS_PROVD, &gen, &error));
        g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED);
    } else {
        g_assert_nonnull(error);
        g_test_message("%s: refused by the parser: %s", tc->name, error->message);
    }
    g_assert_nonnull(strstr(error->message, "badxml"));
    /* The message must not carry a raw newline into a log line. */
    g_assert_null(strchr(error->message, '\n'));
}

/* radvd-specific refusals. */
static void
test_radvd_bad(void)
{
    g_autofree char *xml_path = golden_path("routed-v6-slaac", ".xml");
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvNetworkDef) def = parse_input(xml_path, &error);
    g_autofree char *conf = NULL;
    ProvRadvdConfOptions opts = { 0 };

    g_assert_no_error(error);

    opts.bridge = "123";
    g_assert_false(prov_radvd_conf_build(def, &opts, &conf, &error));
    g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "bridge name '123' cannot be given to radvd"));
    g_clear_error(&error);

    opts.bridge = "br#0";
    g_assert_false(prov_radvd_conf_build(def, &opts, &conf, &error));
    g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED);
    g_clear_error(&error);

    opts.bridge = NULL;
    opts.min_interval = 20;
    opts.max_interval = 10;
    g_assert_false(prov_radvd_conf_build(def, &opts, &conf, &error));
    g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "interval 20-10 s"));
    g_clear_error(&error);

    /* A max alone brings the default min down with it. */
    opts.min_interval = 0;
    opts.max_interval = 6;
    g_assert_true(prov_radvd_conf_build(def, &opts, &conf, &error));
    g_assert_no_error(error);
    g_assert_nonnull(strstr(conf, "MinRtrAdvInterval 3;\n    MaxRtrAdvInterval 6;\n"));
    g_clear_pointer(&conf, g_free);
    opts.max_interval = 0;

    replace_string(&def->domain, "x_y.example");
    g_assert_false(prov_radvd_conf_build(def, &opts, &conf, &error));
    g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "domain 'x_y.example' cannot be given to radvd"));
    g_clear_error(&error);

    /* No IPv6: nothing to advertise. */
    g_clear_pointer(&def, prov_network_def_free);
    g_free(xml_path);
    xml_path = golden_path("nat-default", ".xml");
    def = parse_input(xml_path, &error);
    g_assert_no_error(error);
    g_assert_false(prov_radvd_needed(def));
    g_assert_false(prov_radvd_conf_build(def, &opts, &conf, &error));
    g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID);
}

/* ---- the real tools ------------------------------------------------------------------------ */

static bool
have_tool(const char *path, const char *purpose)
{
    g_autofree char *why = NULL;

    if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
        return true;
    why = g_strdup_printf("'%s' is not installed; cannot %s", path, purpose);
    printf("SKIP: %s\n", why);
    g_test_skip(why);
    return false;
}

static char *
write_scratch(const char *label, const char *suffix, const char *text)
{
    g_autofree char *file = g_strdup_printf("%s%s", label, suffix);
    g_autofree char *path = g_build_filename(scratch_dir, file, NULL);
    g_autoptr(GError) error = NULL;

    /* radvd warns about a configuration writable by others; 0600 like the driver's. */
    g_assert_true(g_file_set_contents(path, text, -1, &error));
    g_assert_no_error(error);
    g_assert_cmpint(g_chmod(path, 0600), ==, 0);
    return g_steal_pointer(&path);
}

/*
 * dnsmasq --test parses the conf (and only the conf: not the files it names) and exits:
 * 0 with "dnsmasq: syntax check OK." on stderr, 1 with "dnsmasq: bad option at line N
 * of FILE" or similar.  Returns NULL when it passed, else the error message.
 */
static char *
dnsmasq_check(const char *label, const char *conf)
{
    g_autofree char *path = write_scratch(label, ".conf", conf);
    g_autoptr(ProvCommand) cmd = prov_command_new(DNSMASQ);
    g_autoptr(GError) error = NULL;

    prov_command_add_arg(cmd, "--test");
    prov_command_add_arg_format(cmd, "--conf-file=%s", path);
    if (prov_command_run(cmd, NULL, NULL, &error))
        return NULL;
    return g_strdup(error->message);
}

/*
 * A dhcp-hostsfile line is exactly a dhcp-host= argument, read by the same code: so
 * each line is checked as "dhcp-host=LINE" in a conf of its own.
 */
static char *
dnsmasq_check_hostsfile(const char *label, const char *hostsfile)
{
    g_autoptr(GString) conf = g_string_new(NULL);
    g_auto(GStrv) lines = g_strsplit(hostsfile, "\n", -1);
    guint i;

    for (i = 0; lines[i]; i++) {
        if (lines[i][0])
            g_string_append_printf(conf, "dhcp-host=%s\n", lines[i]);
    }
    return dnsmasq_check(label, conf->str);
}

/* radvd --configtest: 0 and "config file, FILE, syntax ok", else 1 with the error. */
static char *
radvd_check(const char *label, const char *conf)
{
    g_autofree char *path = write_scratch(label, ".radvd.conf", conf);
    g_autoptr(ProvCommand) cmd = prov_command_new(RADVD);
    g_autoptr(GError) error = NULL;

    prov_command_add_arg(cmd, "--configtest");
    prov_command_add_arg_format(cmd, "--config=%s", path);
    prov_command_add_arg(cmd, "--logmethod=stderr");
    if (prov_command_run(cmd, NULL, NULL, &error))
        return NULL;
    return g_strdup(error->message);
}

/* Conformance outputs dnsmasq refuses, and why. */
typedef struct {
    const char *name;
    const char *message;   /* in dnsmasq's error */
    const char *reason;
} ToolFailure;

static const ToolFailure dnsmasq_conformance_failures[] = {
    { "dnsmasq-options", "bad option at line 17",
      "libvirt's test passes the placeholder <dnsmasq:option value='foo=bar'/>, which is "
      "not a dnsmasq option; the cname= line after it is valid" },
};

static const ToolFailure *
find_tool_failure(const char *name)
{
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(dnsmasq_conformance_failures); i++) {
        if (g_str_equal(dnsmasq_conformance_failures[i].name, name))
            return &dnsmasq_conformance_failures[i];
    }
    return NULL;
}

/* Checks one case's outputs; @expected_failure may be NULL. */
static void
tools_check_case(const char *label, const Generated *gen, const ToolFailure *expected_failure,
                 guint *ret_checked)
{
    g_autofree char *msg = dnsmasq_check(label, gen->conf);

    (*ret_checked)++;
    if (expected_failure) {
        if (!msg || !strstr(msg, expected_failure->message)) {
            g_test_message("%s: dnsmasq should refuse it ('%s': %s), got: %s", label,
                           expected_failure->message, expected_failure->reason,
                           msg ? msg : "syntax check OK");
            g_test_fail();
        }
    } else if (msg) {
        g_test_message("%s: dnsmasq --test refused the conf: %s\n%s", label, msg, gen->conf);
        g_test_fail();
    }
    if (gen->hostsfile && gen->hostsfile[0]) {
        g_autofree char *hosts_label = g_strdup_printf("%s-hosts", label);
        g_autofree char *hosts_msg = dnsmasq_check_hostsfile(hosts_label, gen->hostsfile);

        (*ret_checked)++;
        if (hosts_msg) {
            g_test_message("%s: dnsmasq refused a hosts file line: %s\n%s", label, hosts_msg,
                           gen->hostsfile);
            g_test_fail();
        }
    }
    if (gen->radvd) {
        g_autofree char *ra_msg = radvd_check(label, gen->radvd);

        (*ret_checked)++;
        if (ra_msg) {
            g_test_message("%s: radvd --configtest refused the conf: %s\n%s", label, ra_msg,
                           gen->radvd);
            g_test_fail();
        }
    }
}

static void
test_tools_conformance(void)
{
    g_autofree char *dir = conformance_dir();
    g_autoptr(GPtrArray) names = NULL;
    guint checked = 0;
    guint i;

    if (!dir) {
        g_test_skip("libvirt's networkxml2confdata is absent");
        return;
    }
    if (!have_tool(DNSMASQ, "check the generated dnsmasq configurations") ||
        !have_tool(RADVD, "check the generated radvd configurations"))
        return;
    names = list_cases(dir);
    for (i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *xml_path = g_strdup_printf("%s/%s.xml", dir, name);
        g_autofree char *label = g_strdup_printf("libvirt-%s", name);
        g_autoptr(ProvNetworkDef) def = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(Generated) gen = { 0 };

        if (!(def = parse_input(xml_path, &error)) ||
            !generate_def(def, SETTINGS_LIBVIRT, &gen, &error)) {
            g_test_message("%s: %s", name, error->message);
            g_test_fail();
            continue;
        }
        tools_check_case(label, &gen, find_tool_failure(name), &checked);
    }
    printf("real tools: %u files of %u libvirt cases checked with dnsmasq --test and radvd "
           "--configtest\n", checked, names->len);
}

static void
test_tools_golden(void)
{
    guint checked = 0;
    gsize i;

    if (!have_tool(DNSMASQ, "check the generated dnsmasq configurations") ||
        !have_tool(RADVD, "check the generated radvd configurations"))
        return;
    for (i = 0; i < G_N_ELEMENTS(golden_cases); i++) {
        g_autoptr(GError) error = NULL;
        g_auto(Generated) gen = { 0 };

        g_assert_true(generate_golden(golden_cases[i], &gen, &error));
        g_assert_no_error(error);
        tools_check_case(golden_cases[i], &gen, NULL, &checked);
    }
    printf("real tools: %u files of %" G_GSIZE_FORMAT " golden cases checked\n", checked,
           G_N_ELEMENTS(golden_cases));
}

/*
 * The line limit and the tool agree: a TXT line of exactly PROV_DNSMASQ_MAX_LINE bytes is
 * written and dnsmasq reads it as one option; one byte more is refused by us, and
 * dnsmasq itself would have split it (checked by writing the line by hand).
 */
static void
test_tools_line_limit(void)
{
    g_autofree char *xml_path = golden_path("dns-records", ".xml");
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvNetworkDef) def = parse_input(xml_path, &error);
    g_auto(Generated) gen = { 0 };
    g_auto(Generated) too_long = { 0 };
    g_autofree char *value = NULL;
    g_autofree char *msg = NULL;
    g_autofree char *split_conf = NULL;
    g_autofree char *split_value = NULL;
    gsize fixed = strlen("txt-record=example,");

    g_assert_no_error(error);
    if (!have_tool(DNSMASQ, "check dnsmasq's line limit"))
        return;

    value = g_strnfill(PROV_DNSMASQ_MAX_LINE - fixed, 'a');
    replace_string(&first_txt(def)->value, value);
    g_assert_true(generate_def(def, SETTINGS_PROVD, &gen, &error));
    g_assert_no_error(error);
    msg = dnsmasq_check("line-limit", gen.conf);
    g_assert_null(msg);

    g_free(value);
    value = g_strnfill(PROV_DNSMASQ_MAX_LINE - fixed + 1, 'a');
    replace_string(&first_txt(def)->value, value);
    g_assert_false(generate_def(def, SETTINGS_PROVD, &too_long, &error));
    g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED);

    /* What the refusal prevents: the tail of a longer line becomes an option. */
    split_value = g_strnfill(PROV_DNSMASQ_MAX_LINE - fixed, 'a');
    split_conf = g_strdup_printf("txt-record=example,%sbogus-option\n", split_value);
    g_clear_pointer(&msg, g_free);
    msg = dnsmasq_check("line-split", split_conf);
    g_assert_nonnull(msg);
    g_assert_nonnull(strstr(msg, "bad option at line 2"));
}

int
main(int argc, char **argv)
{
    gsize i;

    g_test_init(&argc, &argv, NULL);
    scratch_dir = prov_test_make_tmp_dir("networkxml2conf-XXXXXX");

    g_test_add_func("/network/conf/conformance", test_conformance);
    for (i = 0; i < G_N_ELEMENTS(golden_cases); i++) {
        g_autofree char *path = g_strdup_printf("/network/conf/golden/%s", golden_cases[i]);

        g_test_add_data_func(path, golden_cases[i], test_golden);
    }
    g_test_add_func("/network/conf/golden-semantics", test_golden_semantics);
    PROV_TEST_ADD_CASES("/network/conf/bad-input", bad_cases, name, test_bad_input);
    PROV_TEST_ADD_CASES("/network/conf/bad-xml", bad_xml_cases, name, test_bad_xml);
    g_test_add_func("/network/conf/radvd-bad", test_radvd_bad);
    g_test_add_func("/network/conf/tools/conformance", test_tools_conformance);
    g_test_add_func("/network/conf/tools/golden", test_tools_golden);
    g_test_add_func("/network/conf/tools/line-limit", test_tools_line_limit);
    return prov_test_run_and_remove(scratch_dir);
}
