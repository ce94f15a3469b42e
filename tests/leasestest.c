/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* leasestest.c: the lease store, the provd-leases protocol, and daemon process handling. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "network/leases.h"
#include "network/network_dnsmasq_proc.h"
#include "tests/testutil.h"
#include "util/command.h"
#include "util/error.h"

/* A fixed "now" so expiry decisions are reproducible. */
#define NOW G_GINT64_CONSTANT(1700000000)

/* Set in main(): the tests that run a real dnsmasq need a private network namespace. */
static bool have_private_netns;

typedef struct {
    char *dir;
} Fixture;

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
    fx->dir = prov_test_make_tmp_dir("leasestest-XXXXXX");
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
    prov_test_remove_tree(fx->dir);
    g_free(fx->dir);
}

static ProvLease *
make_v4(const char *ip, const char *mac, const char *hostname, gint64 expiry)
{
    ProvLease *lease = prov_lease_new();

    lease->family = PROV_LEASE_FAMILY_IPV4;
    lease->ip = g_strdup(ip);
    lease->mac = g_strdup(mac);
    lease->hostname = g_strdup(hostname);
    lease->expiry = expiry;
    return lease;
}

static ProvLease *
make_v6(const char *ip, const char *duid, const char *iaid, const char *mac, gint64 expiry)
{
    ProvLease *lease = prov_lease_new();

    lease->family = PROV_LEASE_FAMILY_IPV6;
    lease->ip = g_strdup(ip);
    lease->client_id = g_strdup(duid);
    lease->iaid = g_strdup(iaid);
    lease->mac = g_strdup(mac);
    lease->expiry = expiry;
    return lease;
}

/* One line per lease, "-" for what is unset: easy to compare as a whole. */
static char *
format_leases(GPtrArray *leases)
{
    GString *out = g_string_new(NULL);
    guint i;

    for (i = 0; i < leases->len; i++) {
        const ProvLease *l = g_ptr_array_index(leases, i);

        g_string_append_printf(
            out, "%s %s/%d mac=%s host=%s cid=%s iaid=%s sduid=%s exp=%" G_GINT64_FORMAT "\n",
            prov_lease_family_to_string(l->family), l->ip, l->prefix, l->mac ? l->mac : "-",
            l->hostname ? l->hostname : "-", l->client_id ? l->client_id : "-",
            l->iaid ? l->iaid : "-", l->server_duid ? l->server_duid : "-", l->expiry);
    }
    return g_string_free(out, FALSE);
}

static char *
list_store(const char *dir, const char *network, gint64 now)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) leases = prov_lease_store_list(dir, network, now, &error);

    g_assert_no_error(error);
    g_assert_nonnull(leases);
    return format_leases(leases);
}

static void
add_ok(const char *dir, ProvLease *lease, gint64 now)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvLease) owned = lease;

    g_assert_true(prov_lease_store_add(dir, "net1", owned, now, &error));
    g_assert_no_error(error);
}

static void
test_store_add_list(Fixture *fx, gconstpointer data)
{
    g_autofree char *got = NULL;
    g_autofree char *path = NULL;
    g_autofree char *raw = NULL;
    ProvLease *v4 = make_v4("192.168.122.10", "52:54:00:AA:00:01", "web", NOW + 3600);
    ProvLease *v6 =
        make_v6("fd00:0:0::10", "00:03:00:01:52:54:00:aa:00:01", "1", "52:54:00:aa:00:01", 0);

    v4->prefix = 24;
    v4->client_id = g_strdup("01:52:54:00:aa:00:01");
    v6->server_duid = g_strdup("00:01:00:01:2C:5E:11:22:52:54:00:AA:BB:CC");
    add_ok(fx->dir, v4, NOW);
    add_ok(fx->dir, v6, NOW);

    got = list_store(fx->dir, "net1", NOW);
    /* MACs and DUIDs lowercase, the IPv6 address in canonical form. */
    g_assert_cmpstr(got, ==,
                    "ipv4 192.168.122.10/24 mac=52:54:00:aa:00:01 host=web "
                    "cid=01:52:54:00:aa:00:01 iaid=- sduid=- exp=1700003600\n"
                    "ipv6 fd00::10/-1 mac=52:54:00:aa:00:01 host=- "
                    "cid=00:03:00:01:52:54:00:aa:00:01 iaid=1 "
                    "sduid=00:01:00:01:2c:5e:11:22:52:54:00:aa:bb:cc exp=0\n");

    /* Keyed by the network name, not a bridge name; readable by the listing user. */
    path = g_build_filename(fx->dir, "net1.leases.json", NULL);
    raw = prov_test_read_required(path);
    g_assert_nonnull(strstr(raw, "\"network\" : \"net1\""));
    {
        struct stat st;

        g_assert_cmpint(stat(path, &st), ==, 0);
        g_assert_cmpint(st.st_mode & 07777, ==, 0644);
    }
}

static void
test_store_replace(Fixture *fx, gconstpointer data)
{
    g_autofree char *got = NULL;

    /* Same IP, another MAC: the address changed hands. */
    add_ok(fx->dir, make_v4("192.168.122.10", "52:54:00:00:00:01", "a", NOW + 100), NOW);
    add_ok(fx->dir, make_v4("192.168.122.10", "52:54:00:00:00:02", "b", NOW + 100), NOW);
    /* Same MAC, another IP: the "del" for .11 was lost; .12 replaces it. */
    add_ok(fx->dir, make_v4("192.168.122.11", "52:54:00:00:00:03", "c", NOW + 100), NOW);
    add_ok(fx->dir, make_v4("192.168.122.12", "52:54:00:00:00:03", "c", NOW + 200), NOW);
    /* The same MAC in IPv6 is another family: kept apart. */
    add_ok(fx->dir,
           make_v6("fd00::3", "00:03:00:01:52:54:00:00:00:03", "1", "52:54:00:00:00:03", NOW + 100),
           NOW);
    /* Same DUID and IAID, new address: replaced; another IAID and a temporary one: kept. */
    add_ok(fx->dir, make_v6("fd00::4", "00:03:00:01:52:54:00:00:00:03", "1", NULL, NOW + 100), NOW);
    add_ok(fx->dir, make_v6("fd00::5", "00:03:00:01:52:54:00:00:00:03", "2", NULL, NOW + 100), NOW);
    add_ok(fx->dir, make_v6("fd00::6", "00:03:00:01:52:54:00:00:00:03", "T1", NULL, NOW + 100),
           NOW);

    got = list_store(fx->dir, "net1", NOW);
    g_assert_cmpstr(got, ==,
                    "ipv4 192.168.122.10/-1 mac=52:54:00:00:00:02 host=b cid=- iaid=- sduid=- "
                    "exp=1700000100\n"
                    "ipv4 192.168.122.12/-1 mac=52:54:00:00:00:03 host=c cid=- iaid=- sduid=- "
                    "exp=1700000200\n"
                    "ipv6 fd00::4/-1 mac=- host=- cid=00:03:00:01:52:54:00:00:00:03 iaid=1 "
                    "sduid=- exp=1700000100\n"
                    "ipv6 fd00::5/-1 mac=- host=- cid=00:03:00:01:52:54:00:00:00:03 iaid=2 "
                    "sduid=- exp=1700000100\n"
                    "ipv6 fd00::6/-1 mac=- host=- cid=00:03:00:01:52:54:00:00:00:03 iaid=T1 "
                    "sduid=- exp=1700000100\n");
}

/* An "old" event at dnsmasq start-up lacks DNSMASQ_MAC: what the store knew stays. */
static void
test_store_merge(Fixture *fx, gconstpointer data)
{
    g_autofree char *got = NULL;
    ProvLease *first =
        make_v6("fd00::10", "00:03:00:01:52:54:00:00:00:01", "1", "52:54:00:00:00:01", NOW + 100);
    ProvLease *again = make_v6("fd00::10", "00:03:00:01:52:54:00:00:00:01", "1", NULL, NOW + 500);
    ProvLease *v4 = make_v4("192.168.122.10", "52:54:00:00:00:01", NULL, NOW + 100);
    ProvLease *v4_other = make_v4("192.168.122.10", "52:54:00:00:00:02", NULL, NOW + 100);

    first->prefix = 64;
    first->server_duid = g_strdup("00:01:00:01:aa:bb:cc:dd:00:00:00:00:00:01");
    add_ok(fx->dir, first, NOW);
    add_ok(fx->dir, again, NOW);
    /* The address passes to another client: nothing of the previous holder's is kept. */
    v4->client_id = g_strdup("01:52:54:00:00:00:01");
    add_ok(fx->dir, v4, NOW);
    add_ok(fx->dir, v4_other, NOW);
    got = list_store(fx->dir, "net1", NOW);
    g_assert_cmpstr(got, ==,
                    "ipv6 fd00::10/64 mac=52:54:00:00:00:01 host=- "
                    "cid=00:03:00:01:52:54:00:00:00:01 iaid=1 "
                    "sduid=00:01:00:01:aa:bb:cc:dd:00:00:00:00:00:01 exp=1700000500\n"
                    "ipv4 192.168.122.10/-1 mac=52:54:00:00:00:02 host=- cid=- iaid=- sduid=- "
                    "exp=1700000100\n");
}

static void
test_store_remove(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *got = NULL;

    add_ok(fx->dir, make_v4("192.168.122.10", "52:54:00:00:00:01", NULL, 0), NOW);
    add_ok(fx->dir, make_v6("fd00::10", "00:03:00:01:52:54:00:00:00:01", "1", NULL, 0), NOW);
    /* Another spelling of the same address. */
    g_assert_true(prov_lease_store_remove(fx->dir, "net1", "fd00:0::10", NOW, &error));
    g_assert_no_error(error);
    /* Not there: fine. */
    g_assert_true(prov_lease_store_remove(fx->dir, "net1", "192.168.122.99", NOW, &error));
    g_assert_no_error(error);
    g_assert_false(prov_lease_store_remove(fx->dir, "net1", "nonsense", NOW, &error));
    g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG);

    got = list_store(fx->dir, "net1", NOW);
    g_assert_cmpstr(got, ==,
                    "ipv4 192.168.122.10/-1 mac=52:54:00:00:00:01 host=- cid=- iaid=- sduid=- "
                    "exp=0\n");
}

/* libvirt's helper never pruned; here every write drops what has expired. */
static void
test_store_prune(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fx->dir, "net1.leases.json", NULL);
    g_autofree char *raw = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;

    add_ok(fx->dir, make_v4("192.168.122.10", "52:54:00:00:00:01", NULL, NOW + 10), NOW);
    add_ok(fx->dir, make_v4("192.168.122.11", "52:54:00:00:00:02", NULL, 0), NOW);

    /* Listing hides expired entries without writing. */
    before = list_store(fx->dir, "net1", NOW + 10);
    g_assert_cmpstr(before, ==,
                    "ipv4 192.168.122.11/-1 mac=52:54:00:00:00:02 host=- cid=- iaid=- sduid=- "
                    "exp=0\n");
    raw = prov_test_read_required(path);
    g_assert_nonnull(strstr(raw, "192.168.122.10"));
    g_clear_pointer(&raw, g_free);

    /* The next write, 20 s later, drops it from the file; expiry 0 never goes. */
    add_ok(fx->dir, make_v4("192.168.122.12", "52:54:00:00:00:03", NULL, NOW + 1000), NOW + 20);
    raw = prov_test_read_required(path);
    g_assert_null(strstr(raw, "192.168.122.10"));
    after = list_store(fx->dir, "net1", NOW + 20);
    g_assert_cmpstr(after, ==,
                    "ipv4 192.168.122.11/-1 mac=52:54:00:00:00:02 host=- cid=- iaid=- sduid=- "
                    "exp=0\n"
                    "ipv4 192.168.122.12/-1 mac=52:54:00:00:00:03 host=- cid=- iaid=- sduid=- "
                    "exp=1700001000\n");
}

/* A missing store is an empty one (libvirt's missing status file caused errors). */
static void
test_store_missing(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *nodir = g_build_filename(fx->dir, "not", "there", NULL);
    g_autofree char *init = NULL;
    g_autofree char *got = list_store(nodir, "net1", NOW);

    g_assert_cmpstr(got, ==, "");
    init = prov_lease_store_format_init(nodir, "net1", NOW, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(init, ==, "");
    g_assert_true(prov_lease_store_remove(nodir, "net1", "192.168.122.1", NOW, &error));
    g_assert_no_error(error);
    /* The first write made the directory. */
    g_assert_true(g_file_test(nodir, G_FILE_TEST_IS_DIR));
    g_assert_true(prov_lease_store_delete(fx->dir, "net9", &error));
    g_assert_no_error(error);
}

static void
test_store_corrupt(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) leases = NULL;
    g_autofree char *path = g_build_filename(fx->dir, "net1.leases.json", NULL);
    g_autofree char *aside = g_strconcat(path, ".corrupt", NULL);
    g_autofree char *got = NULL;
    static const char *const bad_files[] = {
        "{ not json",
        "[1, 2]",
        "{\"leases\": 5}",
        "{\"leases\": [{\"family\": \"ipv5\", \"ip-address\": \"1.2.3.4\"}]}",
        "{\"leases\": [{\"family\": \"ipv4\", \"ip-address\": \"1.2.3.4\"}]}",
        "{\"leases\": [{\"family\": \"ipv4\", \"ip-address\": \"1.2.3.4\", "
        "\"mac-address\": \"52:54:00:00:00:01\", \"hostname\": \"a b\"}]}",
        "{\"leases\": [{\"family\": \"ipv4\", \"ip-address\": \"1.2.3.4\", "
        "\"mac-address\": \"52:54:00:00:00:01\", \"expiry-time\": \"soon\"}]}",
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(bad_files); i++) {
        g_assert_true(g_file_set_contents(path, bad_files[i], -1, NULL));
        leases = prov_lease_store_list(fx->dir, "net1", NOW, &error);
        g_assert_null(leases);
        g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_PARSE_FAILED);
        g_test_message("%s -> %s", bad_files[i], error->message);
        g_clear_error(&error);
    }

    /* A write moves the bad file aside instead of failing forever. */
    g_test_expect_message("prov-leases", G_LOG_LEVEL_WARNING, "*ignoring");
    add_ok(fx->dir, make_v4("192.168.122.10", "52:54:00:00:00:01", NULL, 0), NOW);
    g_test_assert_expected_messages();
    g_assert_true(g_file_test(aside, G_FILE_TEST_EXISTS));
    got = list_store(fx->dir, "net1", NOW);
    g_assert_cmpstr(got, ==,
                    "ipv4 192.168.122.10/-1 mac=52:54:00:00:00:01 host=- cid=- iaid=- sduid=- "
                    "exp=0\n");

    g_assert_true(prov_lease_store_delete(fx->dir, "net1", &error));
    g_assert_no_error(error);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(aside, G_FILE_TEST_EXISTS));
}

typedef struct {
    const char *name;
    ProvLeaseFamily family;
    const char *ip;
    const char *mac;
    const char *hostname;
    const char *client_id;
    const char *iaid;
    int prefix;
} InvalidCase;

static const InvalidCase invalid_cases[] = {
    { "bad-ip", PROV_LEASE_FAMILY_IPV4, "192.168.122.300", "52:54:00:00:00:01", NULL, NULL, NULL,
      -1 },
    { "v6-ip-as-v4", PROV_LEASE_FAMILY_IPV4, "fd00::1", "52:54:00:00:00:01", NULL, NULL, NULL, -1 },
    { "v4-ip-as-v6", PROV_LEASE_FAMILY_IPV6, "192.168.122.1", NULL, NULL, "00:01", "1", -1 },
    { "v4-without-mac", PROV_LEASE_FAMILY_IPV4, "192.168.122.1", NULL, NULL, NULL, NULL, -1 },
    { "bad-mac", PROV_LEASE_FAMILY_IPV4, "192.168.122.1", "52:54:zz:00:00:01", NULL, NULL, NULL,
      -1 },
    { "hostname-space", PROV_LEASE_FAMILY_IPV4, "192.168.122.1", "52:54:00:00:00:01", "a b", NULL,
      NULL, -1 },
    { "hostname-newline", PROV_LEASE_FAMILY_IPV4, "192.168.122.1", "52:54:00:00:00:01",
      "a\n0 52:54:00:00:00:09 192.168.122.9 x *", NULL, NULL, -1 },
    { "bad-client-id", PROV_LEASE_FAMILY_IPV4, "192.168.122.1", "52:54:00:00:00:01", NULL, "01 02",
      NULL, -1 },
    { "v6-without-iaid", PROV_LEASE_FAMILY_IPV6, "fd00::1", NULL, NULL, "00:01", NULL, -1 },
    { "v6-without-duid", PROV_LEASE_FAMILY_IPV6, "fd00::1", NULL, NULL, NULL, "1", -1 },
    { "bad-iaid", PROV_LEASE_FAMILY_IPV6, "fd00::1", NULL, NULL, "00:01", "x1", -1 },
    { "iaid-too-big", PROV_LEASE_FAMILY_IPV6, "fd00::1", NULL, NULL, "00:01", "4294967296", -1 },
    { "prefix-33", PROV_LEASE_FAMILY_IPV4, "192.168.122.1", "52:54:00:00:00:01", NULL, NULL, NULL,
      33 },
};

static void
test_store_invalid(gconstpointer data)
{
    const InvalidCase *c = data;
    g_autofree char *dir = prov_test_make_tmp_dir("leasestest-XXXXXX");
    g_autofree char *path = g_build_filename(dir, "net1.leases.json", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvLease) lease = prov_lease_new();

    lease->family = c->family;
    lease->ip = g_strdup(c->ip);
    lease->mac = g_strdup(c->mac);
    lease->hostname = g_strdup(c->hostname);
    lease->client_id = g_strdup(c->client_id);
    lease->iaid = g_strdup(c->iaid);
    lease->prefix = c->prefix;
    g_assert_false(prov_lease_store_add(dir, "net1", lease, NOW, &error));
    g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG);
    g_test_message("%s", error->message);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    prov_test_remove_tree(dir);
}

static void
test_store_network_names(Fixture *fx, gconstpointer data)
{
    static const char *const bad[] = { "", ".hidden", "../etc", "a/b" };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvLease) lease = make_v4("192.168.122.10", "52:54:00:00:00:01", NULL, 0);

        g_assert_false(prov_lease_store_add(fx->dir, bad[i], lease, NOW, &error));
        g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG);
        g_clear_error(&error);
        g_assert_null(prov_lease_store_list(fx->dir, bad[i], NOW, &error));
        g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG);
    }
}

/* Two networks on one directory do not see each other's leases. */
static void
test_store_per_network(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvLease) lease = make_v4("192.168.122.10", "52:54:00:00:00:01", NULL, 0);
    g_autofree char *net1 = NULL;
    g_autofree char *net2 = NULL;

    g_assert_true(prov_lease_store_add(fx->dir, "net2", lease, NOW, &error));
    g_assert_no_error(error);
    net1 = list_store(fx->dir, "net1", NOW);
    net2 = list_store(fx->dir, "net2", NOW);
    g_assert_cmpstr(net1, ==, "");
    g_assert_cmpstr(net2, !=, "");
}

/* ---- the lease-script protocol ---- */

typedef struct {
    const char *argv;   /* space-separated, without argv[0] */
    const char *env[8]; /* "NAME=value" on top of the store variables */
    gint64 now_offset;  /* seconds after NOW */
    bool fail;          /* the call must fail */
    const char *output; /* expected stdout, NULL: "" */
} ScriptStep;

typedef struct {
    const char *name;
    ScriptStep steps[6];
    const char *store; /* format_leases() of the store at NOW after the steps */
    const char *init;  /* then what "init" prints */
    bool no_store_env; /* leave PROV_LEASES_DIR/NETWORK out */
} ScriptCase;

#define SUBNETS "PROV_LEASES_SUBNETS=192.168.122.1/24 fd00::1/64"

static const ScriptCase script_cases[] = {
    {
        .name = "v4-add-old-del",
        .steps = {
            { "init", { NULL }, 0, false, "" },
            { "add 52:54:00:00:00:01 192.168.122.10 web",
              { "DNSMASQ_CLIENT_ID=01:52:54:00:00:00:01", "DNSMASQ_LEASE_EXPIRES=1700003600",
                "DNSMASQ_INTERFACE=virbr0", "DNSMASQ_SUPPLIED_HOSTNAME=guest1", SUBNETS },
              0, false, NULL },
            { "old 52:54:00:00:00:01 192.168.122.10 web2",
              { "DNSMASQ_CLIENT_ID=01:52:54:00:00:00:01", "DNSMASQ_LEASE_EXPIRES=1700007200" },
              0, false, NULL },
            { "add 52:54:00:00:00:02 192.168.122.11",
              { "DNSMASQ_SUPPLIED_HOSTNAME=guest2", "DNSMASQ_LEASE_EXPIRES=0", SUBNETS },
              0, false, NULL },
            { "del 52:54:00:00:00:01 192.168.122.10 web2", { NULL }, 0, false, NULL },
        },
        .store = "ipv4 192.168.122.11/24 mac=52:54:00:00:00:02 host=guest2 cid=- iaid=- "
                 "sduid=- exp=0\n",
        .init = "0 52:54:00:00:00:02 192.168.122.11 guest2 *\n",
    },
    {
        .name = "v4-old-keeps-prefix-and-client-id",
        .steps = {
            { "add 52:54:00:00:00:01 192.168.122.10 web",
              { "DNSMASQ_CLIENT_ID=01:52:54:00:00:00:01", "DNSMASQ_LEASE_EXPIRES=1700003600",
                SUBNETS },
              0, false, NULL },
            /* dnsmasq's start-up "old": DNSMASQ_DATA_MISSING, no client id in the env. */
            { "old 52:54:00:00:00:01 192.168.122.10 web",
              { "DNSMASQ_DATA_MISSING=1", "DNSMASQ_LEASE_EXPIRES=1700003600" }, 0, false, NULL },
        },
        .store = "ipv4 192.168.122.10/24 mac=52:54:00:00:00:01 host=web "
                 "cid=01:52:54:00:00:00:01 iaid=- sduid=- exp=1700003600\n",
        .init = "1700003600 52:54:00:00:00:01 192.168.122.10 web 01:52:54:00:00:00:01\n",
    },
    {
        .name = "v6-add-then-restart-old",
        .steps = {
            { "add 00:03:00:01:52:54:00:00:00:01 fd00::10",
              { "DNSMASQ_IAID=1", "DNSMASQ_MAC=52:54:00:00:00:01",
                "DNSMASQ_SERVER_DUID=00:01:00:01:2C:5E:11:22:52:54:00:AA:BB:CC",
                "DNSMASQ_LEASE_EXPIRES=1700003600", SUBNETS },
              0, false, NULL },
            { "old 00:03:00:01:52:54:00:00:00:01 fd00:0::10 v6host",
              { "DNSMASQ_IAID=1", "DNSMASQ_DATA_MISSING=1",
                "DNSMASQ_SERVER_DUID=00:01:00:01:2c:5e:11:22:52:54:00:aa:bb:cc",
                "DNSMASQ_LEASE_EXPIRES=1700007200" },
              0, false, NULL },
        },
        .store = "ipv6 fd00::10/64 mac=52:54:00:00:00:01 host=v6host "
                 "cid=00:03:00:01:52:54:00:00:00:01 iaid=1 "
                 "sduid=00:01:00:01:2c:5e:11:22:52:54:00:aa:bb:cc exp=1700007200\n",
        .init = "duid 00:01:00:01:2c:5e:11:22:52:54:00:aa:bb:cc\n"
                "1700007200 1 fd00::10 v6host 00:03:00:01:52:54:00:00:00:01\n",
    },
    {
        .name = "v4-and-v6-init",
        .steps = {
            { "add 52:54:00:00:00:01 192.168.122.10",
              { "DNSMASQ_LEASE_EXPIRES=1700003600" }, 0, false, NULL },
            { "add 00:03:00:01:52:54:00:00:00:01 fd00::10",
              { "DNSMASQ_IAID=T7", "DNSMASQ_SERVER_DUID=00:01:00:01:aa:bb:cc:dd:00:00:00:00:00:01",
                "DNSMASQ_LEASE_EXPIRES=0" },
              0, false, NULL },
        },
        .store = "ipv4 192.168.122.10/-1 mac=52:54:00:00:00:01 host=- cid=- iaid=- sduid=- "
                 "exp=1700003600\n"
                 "ipv6 fd00::10/-1 mac=- host=- cid=00:03:00:01:52:54:00:00:00:01 iaid=T7 "
                 "sduid=00:01:00:01:aa:bb:cc:dd:00:00:00:00:00:01 exp=0\n",
        .init = "duid 00:01:00:01:aa:bb:cc:dd:00:00:00:00:00:01\n"
                "1700003600 52:54:00:00:00:01 192.168.122.10 * *\n"
                "0 T7 fd00::10 * 00:03:00:01:52:54:00:00:00:01\n",
    },
    {
        .name = "expired-pruned-on-write",
        .steps = {
            { "add 52:54:00:00:00:01 192.168.122.10", { "DNSMASQ_LEASE_EXPIRES=1700000010" },
              0, false, NULL },
            { "add 52:54:00:00:00:02 192.168.122.11", { "DNSMASQ_LEASE_EXPIRES=1700000100" },
              20, false, NULL },
        },
        .store = "ipv4 192.168.122.11/-1 mac=52:54:00:00:00:02 host=- cid=- iaid=- sduid=- "
                 "exp=1700000100\n",
        .init = "1700000100 52:54:00:00:00:02 192.168.122.11 * *\n",
    },
    {
        .name = "lease-length-broken-rtc",
        .steps = {
            { "add 52:54:00:00:00:01 192.168.122.10", { "DNSMASQ_LEASE_LENGTH=600" }, 0, false,
              NULL },
        },
        .store = "ipv4 192.168.122.10/-1 mac=52:54:00:00:00:01 host=- cid=- iaid=- sduid=- "
                 "exp=1700000600\n",
        .init = "1700000600 52:54:00:00:00:01 192.168.122.10 * *\n",
    },
    {
        /* A client-chosen name must not smuggle a second lease line into "init". */
        .name = "supplied-hostname-sanitized",
        .steps = {
            { "add 52:54:00:00:00:01 192.168.122.10",
              { "DNSMASQ_SUPPLIED_HOSTNAME=evil\n0 de:ad:be:ef:00:01 192.168.122.99 x *",
                "DNSMASQ_LEASE_EXPIRES=0" },
              0, false, NULL },
        },
        .store = "ipv4 192.168.122.10/-1 mac=52:54:00:00:00:01 host=- cid=- iaid=- sduid=- "
                 "exp=0\n",
        .init = "0 52:54:00:00:00:01 192.168.122.10 * *\n",
    },
    {
        .name = "unknown-actions-ignored",
        .steps = {
            { "tftp 1234 192.168.122.10 /srv/tftp/pxelinux.0", { NULL }, 0, false, "" },
            { "arp-add 52:54:00:00:00:01 192.168.122.10", { NULL }, 0, false, "" },
            { "relay-snoop virbr0 fe80::1 fd00:1::/64", { NULL }, 0, false, "" },
        },
        .store = "",
        .init = "",
    },
    {
        .name = "bad-calls",
        .steps = {
            { "", { NULL }, 0, true, NULL },
            { "add 52:54:00:00:00:01", { NULL }, 0, true, NULL },
            { "add 52:54:00:00:00:01 not-an-ip", { NULL }, 0, true, NULL },
            { "add not-a-mac 192.168.122.10", { NULL }, 0, true, NULL },
            /* IPv6 without DNSMASQ_IAID */
            { "add 00:03:00:01:52:54:00:00:00:01 fd00::10", { NULL }, 0, true, NULL },
            { "add 52:54:00:00:00:01 192.168.122.10", { "DNSMASQ_LEASE_EXPIRES=soon" }, 0, true,
              NULL },
        },
        .store = "",
        .init = "",
    },
    {
        .name = "no-store-environment",
        .no_store_env = true,
        .steps = {
            { "init", { NULL }, 0, true, NULL },
            { "add 52:54:00:00:00:01 192.168.122.10", { NULL }, 0, true, NULL },
            /* Ignored actions do not need it. */
            { "tftp 1 192.168.122.10 /x", { NULL }, 0, false, "" },
        },
        .store = "",
        .init = "",
    },
};

static char **
script_env(const char *dir, const ScriptStep *step, bool no_store_env)
{
    char **env = g_new0(char *, 1);
    guint i;

    if (!no_store_env) {
        env = g_environ_setenv(env, PROV_LEASES_ENV_DIR, dir, TRUE);
        env = g_environ_setenv(env, PROV_LEASES_ENV_NETWORK, "net1", TRUE);
    }
    for (i = 0; step && step->env[i]; i++) {
        const char *eq = strchr(step->env[i], '=');
        g_autofree char *name = g_strndup(step->env[i], eq - step->env[i]);

        env = g_environ_setenv(env, name, eq + 1, TRUE);
    }
    return env;
}

static char **
script_argv(const char *args)
{
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
    g_auto(GStrv) words = g_strsplit(args, " ", -1);
    guint i;

    g_strv_builder_add(builder, "provd-leases");
    for (i = 0; words[i]; i++) {
        if (*words[i])
            g_strv_builder_add(builder, words[i]);
    }
    return g_strv_builder_end(builder);
}

static void
test_script_case(gconstpointer data)
{
    const ScriptCase *c = data;
    g_autofree char *dir = prov_test_make_tmp_dir("leasestest-XXXXXX");
    g_autofree char *store = NULL;
    g_autofree char *init = NULL;
    g_auto(GStrv) init_env = NULL;
    guint i;

    for (i = 0; i < G_N_ELEMENTS(c->steps) && c->steps[i].argv; i++) {
        const ScriptStep *step = &c->steps[i];
        g_auto(GStrv) argv = script_argv(step->argv);
        g_auto(GStrv) env = script_env(dir, step, c->no_store_env);
        g_autoptr(GError) error = NULL;
        g_autofree char *output = NULL;
        bool ok;

        ok = prov_lease_script_run((const char *const *)argv, (const char *const *)env,
                                   NOW + step->now_offset, &output, &error);
        if (step->fail) {
            g_assert_false(ok);
            g_assert_nonnull(error);
            g_test_message("'%s' -> %s", step->argv, error->message);
            continue;
        }
        g_assert_no_error(error);
        g_assert_true(ok);
        g_assert_cmpstr(output, ==, step->output ? step->output : "");
    }

    store = list_store(dir, "net1", NOW);
    g_assert_cmpstr(store, ==, c->store);
    {
        g_auto(GStrv) argv = script_argv("init");
        g_autoptr(GError) error = NULL;

        init_env = script_env(dir, NULL, false);
        g_assert_true(prov_lease_script_run((const char *const *)argv,
                                            (const char *const *)init_env, NOW, &init, &error));
        g_assert_no_error(error);
    }
    g_assert_cmpstr(init, ==, c->init);
    prov_test_remove_tree(dir);
}

/* The built tool, next to the tests directory of the build tree, or NULL. */
static char *
find_helper(void)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *tests_dir = NULL;
    g_autofree char *build_dir = NULL;
    g_autofree char *helper = NULL;

    if (!self)
        return NULL;
    tests_dir = g_path_get_dirname(self);
    build_dir = g_path_get_dirname(tests_dir);
    helper = g_build_filename(build_dir, "provd-leases", NULL);
    if (!g_file_test(helper, G_FILE_TEST_IS_EXECUTABLE))
        return NULL;
    return g_steal_pointer(&helper);
}

/* The real binary, run the way dnsmasq runs it: argv plus environment. */
static void
test_script_exec(Fixture *fx, gconstpointer data)
{
    g_autofree char *helper = find_helper();
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    g_autofree char *expected = NULL;
    gint64 expires = g_get_real_time() / G_USEC_PER_SEC + 3600;
    g_autofree char *expires_text = g_strdup_printf("%" G_GINT64_FORMAT, expires);
    int status = -1;

    if (!helper) {
        g_test_skip("provd-leases is not built next to this test (build the provd-leases "
                    "target)");
        return;
    }
    {
        g_autoptr(ProvCommand) cmd = prov_command_new_args(helper, "add", "52:54:00:00:00:01",
                                                           "192.168.122.10", "web", NULL);

        prov_lease_script_add_env(cmd, fx->dir, "net1", "192.168.122.1/24");
        prov_command_add_env(cmd, "DNSMASQ_LEASE_EXPIRES", expires_text);
        prov_command_add_env(cmd, "DNSMASQ_CLIENT_ID", "01:52:54:00:00:00:01");
        g_assert_true(prov_command_run(cmd, &out, NULL, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(out, ==, "");
        g_clear_pointer(&out, g_free);
    }
    {
        g_autoptr(ProvCommand) cmd = prov_command_new_args(helper, "init", NULL);

        prov_lease_script_add_env(cmd, fx->dir, "net1", NULL);
        g_assert_true(prov_command_run(cmd, &out, NULL, &error));
        g_assert_no_error(error);
        expected = g_strdup_printf("%s 52:54:00:00:00:01 192.168.122.10 web "
                                   "01:52:54:00:00:00:01\n",
                                   expires_text);
        g_assert_cmpstr(out, ==, expected);
        g_clear_pointer(&out, g_free);
    }
    {
        /* Without provd's variables it fails loudly, so dnsmasq refuses to start. */
        g_autoptr(ProvCommand) cmd = prov_command_new_args(helper, "init", NULL);

        g_assert_true(prov_command_run(cmd, &out, &status, &error));
        g_assert_no_error(error);
        g_assert_cmpint(status, ==, 1);
    }
}

/* Writers in separate processes, all at once: none of their leases may be lost. */
#define WRITERS 8
#define LEASES_PER_WRITER 25

static void
test_store_concurrent(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) leases = NULL;
    pid_t pids[WRITERS];
    int i;

    for (i = 0; i < WRITERS; i++) {
        pids[i] = fork();
        g_assert_cmpint(pids[i], >=, 0);
        if (pids[i] == 0) {
            int j;

            for (j = 0; j < LEASES_PER_WRITER; j++) {
                g_autofree char *ip = g_strdup_printf("10.0.%d.%d", i, j + 1);
                g_autofree char *mac = g_strdup_printf("52:54:00:00:%02x:%02x", i, j);
                g_autoptr(ProvLease) lease = make_v4(ip, mac, NULL, 0);

                if (!prov_lease_store_add(fx->dir, "net1", lease, NOW, NULL))
                    _exit(1);
            }
            _exit(0);
        }
    }
    for (i = 0; i < WRITERS; i++) {
        int status = 0;

        g_assert_cmpint(waitpid(pids[i], &status, 0), ==, pids[i]);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    }
    leases = prov_lease_store_list(fx->dir, "net1", NOW, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(leases->len, ==, WRITERS * LEASES_PER_WRITER);
}

/* ---- daemon processes ---- */

static char *
self_exe(void)
{
    char *exe = g_file_read_link("/proc/self/exe", NULL);

    g_assert_nonnull(exe);
    return exe;
}

static void
write_pidfile(const char *path, pid_t pid)
{
    g_autofree char *text = g_strdup_printf("%d\n", (int)pid);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* Waits until @pid is a zombie (our child that exited and is not reaped yet). */
static void
wait_zombie(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
    int tries;

    for (tries = 0; tries < 500; tries++) {
        g_autofree char *stat = NULL;
        const char *paren;

        g_assert_true(g_file_get_contents(path, &stat, NULL, NULL));
        paren = strrchr(stat, ')');
        if (paren && paren[2] == 'Z')
            return;
        g_usleep(10000);
    }
    g_assert_not_reached();
}

static void
test_daemon_pidfile(Fixture *fx, gconstpointer data)
{
    static const struct {
        const char *content; /* NULL: no file */
        pid_t pid;           /* 0 with content: an error */
    } cases[] = {
        { NULL, 0 },  { "1234\n", 1234 }, { " 77 ", 77 },
        { "", 0 },    { "abc\n", 0 },     { "-5\n", 0 },
        { "0\n", 0 }, { "12 34\n", 0 },   { "99999999999\n", 0 },
    };
    g_autofree char *path = g_build_filename(fx->dir, "d.pid", NULL);
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        pid_t pid = -1;
        bool ok;

        g_remove(path);
        if (cases[i].content)
            g_assert_true(g_file_set_contents(path, cases[i].content, -1, NULL));
        ok = prov_net_daemon_read_pidfile(path, &pid, &error);
        if (cases[i].content && cases[i].pid == 0) {
            g_assert_false(ok);
            g_assert_nonnull(error);
            continue;
        }
        g_assert_no_error(error);
        g_assert_true(ok);
        g_assert_cmpint(pid, ==, cases[i].pid);
    }
}

static void
test_daemon_is_running(Fixture *fx, gconstpointer data)
{
    g_autofree char *exe = self_exe();
    g_autofree char *path = g_build_filename(fx->dir, "d.pid", NULL);
    pid_t child;
    int status;

    g_assert_true(prov_net_daemon_is_running(getpid(), exe));
    g_assert_false(prov_net_daemon_is_running(getpid(), DNSMASQ));
    g_assert_false(prov_net_daemon_is_running(0, exe));
    g_assert_false(prov_net_daemon_is_running(-1, exe));

    write_pidfile(path, getpid());
    g_assert_cmpint(prov_net_daemon_find(path, exe), ==, getpid());
    /* Our pid in a dnsmasq pid file is a stale file, not a dnsmasq. */
    g_assert_cmpint(prov_net_daemon_find(path, DNSMASQ), ==, 0);
    g_assert_true(g_file_set_contents(path, "garbage", -1, NULL));
    g_assert_cmpint(prov_net_daemon_find(path, exe), ==, 0);

    /* A zombie is not running, though kill(pid, 0) still succeeds on it. */
    child = fork();
    g_assert_cmpint(child, >=, 0);
    if (child == 0)
        _exit(0);
    wait_zombie(child);
    g_assert_cmpint(kill(child, 0), ==, 0);
    g_assert_false(prov_net_daemon_is_running(child, exe));
    g_assert_cmpint(waitpid(child, &status, 0), ==, child);
}

/* After a package upgrade /proc/PID/exe reads "/usr/sbin/dnsmasq (deleted)". */
static void
test_daemon_deleted_binary(Fixture *fx, gconstpointer data)
{
    g_autofree char *copy = g_build_filename(fx->dir, "sleep-copy", NULL);
    g_autofree char *pidfile = g_build_filename(fx->dir, "d.pid", NULL);
    g_autofree char *link = NULL;
    g_autofree char *exe = NULL;
    g_autofree char *contents = NULL;
    g_autoptr(GError) error = NULL;
    const char *argv[] = { copy, "60", NULL };
    gsize len;
    GPid pid;
    int status;
    int tries;

    g_assert_true(g_file_get_contents("/bin/sleep", &contents, &len, NULL));
    g_assert_true(
        g_file_set_contents_full(copy, contents, len, G_FILE_SET_CONTENTS_NONE, 0755, NULL));
    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                &pid, &error));
    g_assert_no_error(error);
    link = g_strdup_printf("/proc/%d/exe", (int)pid);
    /* Until the exec has happened, the child is still this test program. */
    for (tries = 0; tries < 500; tries++) {
        g_free(exe);
        exe = g_file_read_link(link, NULL);
        if (g_strcmp0(exe, copy) == 0)
            break;
        g_usleep(10000);
    }
    g_assert_cmpstr(exe, ==, copy);
    g_assert_cmpint(g_unlink(copy), ==, 0);
    g_free(exe);
    exe = g_file_read_link(link, NULL);
    g_assert_true(g_str_has_suffix(exe, " (deleted)"));

    g_assert_true(prov_net_daemon_is_running(pid, copy));
    write_pidfile(pidfile, pid);
    g_assert_cmpint(prov_net_daemon_find(pidfile, copy), ==, pid);
    g_assert_true(prov_net_daemon_reload(pid, copy, &error));
    g_assert_no_error(error);
    /* sleep dies of SIGHUP; stop then finds nothing to stop and removes the pid file. */
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFSIGNALED(status));
    g_assert_cmpint(WTERMSIG(status), ==, SIGHUP);
    g_assert_true(prov_net_daemon_stop(pidfile, 0, copy, 1000, &error));
    g_assert_no_error(error);
    g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
}

/* Never signal what is not the expected binary. */
static void
test_daemon_wrong_binary(Fixture *fx, gconstpointer data)
{
    g_autofree char *pidfile = g_build_filename(fx->dir, "d.pid", NULL);
    g_autoptr(GError) error = NULL;

    write_pidfile(pidfile, getpid());
    g_assert_false(prov_net_daemon_reload(getpid(), DNSMASQ, &error));
    g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_FAILED);
    g_clear_error(&error);
    /* Would be fatal to this test if it signalled us. */
    g_assert_true(prov_net_daemon_stop(pidfile, 0, DNSMASQ, 100, &error));
    g_assert_no_error(error);
    g_assert_true(prov_net_daemon_stop(pidfile, getpid(), DNSMASQ, 100, &error));
    g_assert_no_error(error);
    g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
}

/* A daemon that ignores SIGTERM gets SIGKILL once the grace is over. */
static void
test_daemon_stop_escalates(Fixture *fx, gconstpointer data)
{
    g_autofree char *exe = self_exe();
    g_autofree char *pidfile = g_build_filename(fx->dir, "d.pid", NULL);
    g_autoptr(GError) error = NULL;
    int ready[2];
    char byte;
    pid_t child;
    int status;
    gint64 start;

    g_assert_cmpint(pipe2(ready, O_CLOEXEC), ==, 0);
    child = fork();
    g_assert_cmpint(child, >=, 0);
    if (child == 0) {
        signal(SIGTERM, SIG_IGN);
        if (write(ready[1], "x", 1) != 1)
            _exit(2);
        for (;;)
            pause();
    }
    close(ready[1]);
    g_assert_cmpint(read(ready[0], &byte, 1), ==, 1);
    close(ready[0]);
    write_pidfile(pidfile, child);

    start = g_get_monotonic_time();
    g_assert_true(prov_net_daemon_stop(pidfile, 0, exe, 300, &error));
    g_assert_no_error(error);
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 300 * 1000);
    g_assert_cmpint(waitpid(child, &status, 0), ==, child);
    g_assert_true(WIFSIGNALED(status));
    g_assert_cmpint(WTERMSIG(status), ==, SIGKILL);
    g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
}

static bool
can_run_dnsmasq(void)
{
    if (!have_private_netns) {
        g_test_skip("needs root for a private network namespace to run dnsmasq in");
        return false;
    }
    if (!g_file_test(DNSMASQ, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("'" DNSMASQ "' is not installed");
        return false;
    }
    return true;
}

static char *
write_dnsmasq_conf(const char *dir, const char *extra)
{
    g_autofree char *conf = g_build_filename(dir, "dnsmasq.conf", NULL);
    g_autofree char *text = g_strdup_printf("port=0\n"
                                            "pid-file=%s/dnsmasq.pid\n"
                                            "except-interface=lo\n"
                                            "bind-dynamic\n"
                                            "leasefile-ro\n"
                                            "%s",
                                            dir, extra);

    g_assert_true(g_file_set_contents(conf, text, -1, NULL));
    g_assert_cmpint(chmod(conf, 0600), ==, 0);
    return g_steal_pointer(&conf);
}

static ProvCommand *
dnsmasq_command(const char *conf)
{
    ProvCommand *cmd = prov_command_new(DNSMASQ);

    prov_command_add_arg_format(cmd, "--conf-file=%s", conf);
    prov_command_set_timeout(cmd, 30 * 1000);
    return cmd;
}

/*
 * The real dnsmasq, in this test's own network namespace: the runner returns as soon
 * as the foreground process exits (the daemon holds none of our pipes), the pid file
 * names the daemon, SIGHUP keeps it, a second start is refused, stop leaves nothing.
 */
static void
test_daemon_dnsmasq(Fixture *fx, gconstpointer data)
{
    g_autofree char *conf = NULL;
    g_autofree char *pidfile = g_build_filename(fx->dir, "dnsmasq.pid", NULL);
    g_autofree char *fd1 = NULL;
    g_autofree char *fd1_target = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvCommand) cmd = NULL;
    g_autoptr(ProvCommand) again = NULL;
    gint64 start;
    gint64 elapsed_us;
    pid_t pid = 0;
    pid_t pid2 = 0;

    if (!can_run_dnsmasq())
        return;
    conf = write_dnsmasq_conf(fx->dir, "");
    cmd = dnsmasq_command(conf);

    start = g_get_monotonic_time();
    g_assert_true(prov_net_daemon_start(cmd, pidfile, &pid, &error));
    g_assert_no_error(error);
    elapsed_us = g_get_monotonic_time() - start;
    g_test_message("dnsmasq started in %.1f ms (pid %d)", elapsed_us / 1000.0, (int)pid);
    g_assert_cmpint(elapsed_us, <, 3 * G_USEC_PER_SEC);
    g_assert_cmpint(pid, >, 0);
    g_assert_true(prov_net_daemon_is_running(pid, DNSMASQ));
    g_assert_cmpint(prov_net_daemon_find(pidfile, DNSMASQ), ==, pid);
    fd1 = g_strdup_printf("/proc/%d/fd/1", (int)pid);
    fd1_target = g_file_read_link(fd1, NULL);
    g_assert_cmpstr(fd1_target, ==, "/dev/null");

    g_assert_true(prov_net_daemon_reload(pid, DNSMASQ, &error));
    g_assert_no_error(error);
    g_usleep(50 * 1000);
    g_assert_true(prov_net_daemon_is_running(pid, DNSMASQ));

    again = dnsmasq_command(conf);
    g_assert_false(prov_net_daemon_start(again, pidfile, &pid2, &error));
    g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID);
    g_clear_error(&error);

    start = g_get_monotonic_time();
    g_assert_true(
        prov_net_daemon_stop(pidfile, pid, DNSMASQ, PROV_NET_DAEMON_STOP_TIMEOUT_MS, &error));
    g_assert_no_error(error);
    g_test_message("dnsmasq stopped in %.1f ms", (g_get_monotonic_time() - start) / 1000.0);
    g_assert_false(prov_net_daemon_is_running(pid, DNSMASQ));
    g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
}

/* A start that fails reports dnsmasq's own message and leaves no pid file. */
static void
test_daemon_dnsmasq_fails(Fixture *fx, gconstpointer data)
{
    g_autofree char *conf = NULL;
    g_autofree char *pidfile = g_build_filename(fx->dir, "dnsmasq.pid", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvCommand) cmd = NULL;
    pid_t pid = 0;

    if (!can_run_dnsmasq())
        return;
    conf = write_dnsmasq_conf(fx->dir, "dhcp-range=192.168.1.10,nonsense\n");
    cmd = dnsmasq_command(conf);
    g_assert_false(prov_net_daemon_start(cmd, pidfile, &pid, &error));
    g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_FAILED);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, "dnsmasq"));
    g_assert_nonnull(strstr(error->message, "dhcp-range"));
    g_assert_cmpint(pid, ==, 0);
    g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
}

/*
 * "leasestest --fake-daemon PIDFILE": a daemon that dies at once.  Like dnsmasq it
 * forks, the child writes the pid file, the foreground exits 0; but the child exits
 * too (and is reaped) before anyone looks.
 */
static int
fake_daemon_main(const char *pidfile)
{
    pid_t child = fork();
    int status;

    if (child < 0)
        return 1;
    if (child == 0) {
        g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());

        _exit(g_file_set_contents(pidfile, text, -1, NULL) ? 0 : 1);
    }
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
        return 1;
    return WEXITSTATUS(status);
}

static void
test_daemon_dies_at_once(Fixture *fx, gconstpointer data)
{
    g_autofree char *exe = self_exe();
    g_autofree char *pidfile = g_build_filename(fx->dir, "d.pid", NULL);
    g_autoptr(ProvCommand) cmd = prov_command_new_args(exe, "--fake-daemon", pidfile, NULL);
    g_autoptr(GError) error = NULL;
    pid_t pid = 0;

    g_assert_false(prov_net_daemon_start(cmd, pidfile, &pid, &error));
    g_assert_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_FAILED);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, "exited right after starting"));
    g_assert_cmpint(pid, ==, 0);
    g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
}

int
main(int argc, char **argv)
{
    char *dir;

    if (argc == 3 && g_str_equal(argv[1], "--fake-daemon"))
        return fake_daemon_main(argv[2]);

    g_test_init(&argc, &argv, NULL);
    dir = prov_test_make_tmp_dir("leasestest-main-XXXXXX");

    /* Whatever dnsmasq might bind stays in a namespace of our own. */
    have_private_netns = getuid() == 0 && unshare(CLONE_NEWNET) == 0;

    g_test_add("/leases/store/add-list", Fixture, NULL, fixture_setup, test_store_add_list,
               fixture_teardown);
    g_test_add("/leases/store/replace", Fixture, NULL, fixture_setup, test_store_replace,
               fixture_teardown);
    g_test_add("/leases/store/merge-old", Fixture, NULL, fixture_setup, test_store_merge,
               fixture_teardown);
    g_test_add("/leases/store/remove", Fixture, NULL, fixture_setup, test_store_remove,
               fixture_teardown);
    g_test_add("/leases/store/prune", Fixture, NULL, fixture_setup, test_store_prune,
               fixture_teardown);
    g_test_add("/leases/store/missing", Fixture, NULL, fixture_setup, test_store_missing,
               fixture_teardown);
    g_test_add("/leases/store/corrupt", Fixture, NULL, fixture_setup, test_store_corrupt,
               fixture_teardown);
    g_test_add("/leases/store/network-names", Fixture, NULL, fixture_setup,
               test_store_network_names, fixture_teardown);
    g_test_add("/leases/store/per-network", Fixture, NULL, fixture_setup, test_store_per_network,
               fixture_teardown);
    g_test_add("/leases/store/concurrent", Fixture, NULL, fixture_setup, test_store_concurrent,
               fixture_teardown);
    PROV_TEST_ADD_CASES("/leases/store/invalid", invalid_cases, name, test_store_invalid);
    PROV_TEST_ADD_CASES("/leases/script", script_cases, name, test_script_case);
    g_test_add("/leases/script/exec", Fixture, NULL, fixture_setup, test_script_exec,
               fixture_teardown);

    g_test_add("/net-daemon/pidfile", Fixture, NULL, fixture_setup, test_daemon_pidfile,
               fixture_teardown);
    g_test_add("/net-daemon/is-running", Fixture, NULL, fixture_setup, test_daemon_is_running,
               fixture_teardown);
    g_test_add("/net-daemon/deleted-binary", Fixture, NULL, fixture_setup,
               test_daemon_deleted_binary, fixture_teardown);
    g_test_add("/net-daemon/wrong-binary", Fixture, NULL, fixture_setup, test_daemon_wrong_binary,
               fixture_teardown);
    g_test_add("/net-daemon/stop-escalates", Fixture, NULL, fixture_setup,
               test_daemon_stop_escalates, fixture_teardown);
    g_test_add("/net-daemon/dies-at-once", Fixture, NULL, fixture_setup, test_daemon_dies_at_once,
               fixture_teardown);
    g_test_add("/net-daemon/dnsmasq", Fixture, NULL, fixture_setup, test_daemon_dnsmasq,
               fixture_teardown);
    g_test_add("/net-daemon/dnsmasq-fails", Fixture, NULL, fixture_setup, test_daemon_dnsmasq_fails,
               fixture_teardown);

    return prov_test_run_and_remove(dir);
}
