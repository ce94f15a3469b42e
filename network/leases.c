/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* leases.c: a network's DHCP lease store and the dnsmasq lease-script protocol. */
#define G_LOG_DOMAIN "prov-leases"

#include "network/leases.h"

#include <errno.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fileutil.h"

/* A store larger than this is not ours (a /16 full of leases is ~15 MiB). */
#define PROV_LEASE_STORE_MAX_BYTES (64 * 1024 * 1024)

/* dnsmasq prints client ids (<= 255 bytes) and DUIDs (<= 130 bytes) as hex "xx:" triples. */
#define PROV_LEASE_ID_MAX_LEN 1024
/* A hardware address: up to 16 bytes, maybe with an ARP type in front ("06-01:23:..."). */
#define PROV_LEASE_MAC_MAX_LEN 64
#define PROV_LEASE_HOSTNAME_MAX_LEN 255

static const char *const prov_lease_family_names[PROV_LEASE_FAMILY_LAST] = {
    [PROV_LEASE_FAMILY_IPV4] = "ipv4",
    [PROV_LEASE_FAMILY_IPV6] = "ipv6",
};

/* What one store file holds. */
typedef struct {
    char *server_duid; /* the latest DNSMASQ_SERVER_DUID seen, NULL if none yet */
    GPtrArray *leases; /* of ProvLease */
} ProvLeaseFile;

static void
prov_lease_file_free(ProvLeaseFile *file)
{
    if (!file)
        return;
    g_free(file->server_duid);
    g_clear_pointer(&file->leases, g_ptr_array_unref);
    g_free(file);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvLeaseFile, prov_lease_file_free)

static ProvLeaseFile *
prov_lease_file_new(void)
{
    ProvLeaseFile *file = g_new0(ProvLeaseFile, 1);

    file->leases = g_ptr_array_new_with_free_func((GDestroyNotify)prov_lease_free);
    return file;
}

/**
 * prov_lease_family_to_string:
 * @family: a family
 *
 * Returns "ipv4" or "ipv6" (static), NULL for an out-of-range value.
 */
const char *
prov_lease_family_to_string(ProvLeaseFamily family)
{
    if ((unsigned int)family >= PROV_LEASE_FAMILY_LAST)
        return NULL;
    return prov_lease_family_names[family];
}

/**
 * prov_lease_family_from_string:
 * @name: "ipv4" or "ipv6"
 *
 * Returns the family, or -1 for anything else.
 */
int
prov_lease_family_from_string(const char *name)
{
    int i;

    for (i = 0; i < PROV_LEASE_FAMILY_LAST; i++) {
        if (g_strcmp0(name, prov_lease_family_names[i]) == 0)
            return i;
    }
    return -1;
}

/**
 * prov_lease_new:
 *
 * Returns an empty IPv4 lease with an unknown prefix; free with prov_lease_free().
 */
ProvLease *
prov_lease_new(void)
{
    ProvLease *lease = g_new0(ProvLease, 1);

    lease->prefix = -1;
    return lease;
}

/**
 * prov_lease_copy:
 * @lease: a lease
 *
 * Returns a deep copy; free with prov_lease_free().
 */
ProvLease *
prov_lease_copy(const ProvLease *lease)
{
    ProvLease *copy = prov_lease_new();

    copy->family = lease->family;
    copy->ip = g_strdup(lease->ip);
    copy->prefix = lease->prefix;
    copy->mac = g_strdup(lease->mac);
    copy->hostname = g_strdup(lease->hostname);
    copy->client_id = g_strdup(lease->client_id);
    copy->iaid = g_strdup(lease->iaid);
    copy->server_duid = g_strdup(lease->server_duid);
    copy->expiry = lease->expiry;
    return copy;
}

/**
 * prov_lease_free:
 * @lease: (nullable): a lease
 */
void
prov_lease_free(ProvLease *lease)
{
    if (!lease)
        return;
    g_free(lease->ip);
    g_free(lease->mac);
    g_free(lease->hostname);
    g_free(lease->client_id);
    g_free(lease->iaid);
    g_free(lease->server_duid);
    g_free(lease);
}

/**
 * prov_lease_is_expired:
 * @lease: a lease
 * @now: epoch seconds
 *
 * Returns whether the lease's expiry has come; an expiry of 0 never comes.
 */
bool
prov_lease_is_expired(const ProvLease *lease, gint64 now)
{
    return lease->expiry != 0 && lease->expiry <= now;
}

/* Hex digits separated by ':' or '-', as dnsmasq prints MACs, client ids and DUIDs. */
static bool
prov_lease_hex_id_valid(const char *id, gsize max_len)
{
    const char *p;

    if (!id || !g_ascii_isxdigit(*id) || strlen(id) > max_len)
        return false;
    for (p = id; *p; p++) {
        if (!g_ascii_isxdigit(*p) && *p != ':' && *p != '-')
            return false;
    }
    return true;
}

/* A host name as dnsmasq hands it over: one or more DNS labels, no spaces or controls. */
static bool
prov_lease_hostname_valid(const char *name)
{
    const char *p;

    if (!name || !*name || strlen(name) > PROV_LEASE_HOSTNAME_MAX_LEN)
        return false;
    for (p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
            return false;
    }
    return true;
}

/* "1" or "T1": dnsmasq's DNSMASQ_IAID, a 32-bit number, T for a temporary address. */
static bool
prov_lease_iaid_valid(const char *iaid)
{
    const char *digits = iaid;
    guint64 value;

    if (!iaid)
        return false;
    if (*digits == 'T')
        digits++;
    return g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT32, &value, NULL);
}

/* The address @text in family @family, or NULL. */
static GInetAddress *
prov_lease_parse_ip(const char *text, ProvLeaseFamily family)
{
    g_autoptr(GInetAddress) addr = NULL;
    GSocketFamily want =
        family == PROV_LEASE_FAMILY_IPV6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;

    if (!text)
        return NULL;
    addr = g_inet_address_new_from_string(text);
    if (!addr || g_inet_address_get_family(addr) != want)
        return NULL;
    return g_steal_pointer(&addr);
}

/**
 * prov_lease_validate:
 * @lease: a lease
 * @error: return location for an error
 *
 * Returns false with PROV_ERR_INVALID_ARG naming the bad field when @lease cannot
 * be stored (see leases.h).
 */
bool
prov_lease_validate(const ProvLease *lease, GError **error)
{
    g_autoptr(GInetAddress) addr = NULL;
    const char *family = prov_lease_family_to_string(lease->family);

    if (!family) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "lease has an invalid address family %d", (int)lease->family);
        return false;
    }
    addr = prov_lease_parse_ip(lease->ip, lease->family);
    if (!addr) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "lease address '%s' is not a valid %s address", lease->ip ? lease->ip : "",
                    family);
        return false;
    }
    if (lease->prefix < -1 ||
        lease->prefix > (lease->family == PROV_LEASE_FAMILY_IPV6 ? 128 : 32)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "lease '%s': prefix %d is out of range", lease->ip, lease->prefix);
        return false;
    }
    if (lease->mac && !prov_lease_hex_id_valid(lease->mac, PROV_LEASE_MAC_MAX_LEN)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "lease '%s': invalid MAC address '%s'", lease->ip, lease->mac);
        return false;
    }
    if (lease->family == PROV_LEASE_FAMILY_IPV4 && !lease->mac) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "lease '%s': an IPv4 lease needs a MAC address", lease->ip);
        return false;
    }
    if (lease->hostname && !prov_lease_hostname_valid(lease->hostname)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "lease '%s': invalid host name '%s'", lease->ip, lease->hostname);
        return false;
    }
    if (lease->client_id && !prov_lease_hex_id_valid(lease->client_id, PROV_LEASE_ID_MAX_LEN)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "lease '%s': invalid client id '%s'", lease->ip, lease->client_id);
        return false;
    }
    if (lease->server_duid && !prov_lease_hex_id_valid(lease->server_duid, PROV_LEASE_ID_MAX_LEN)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "lease '%s': invalid server DUID '%s'", lease->ip, lease->server_duid);
        return false;
    }
    if (lease->iaid && !prov_lease_iaid_valid(lease->iaid)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "lease '%s': invalid IAID '%s'", lease->ip, lease->iaid);
        return false;
    }
    if (lease->family == PROV_LEASE_FAMILY_IPV6 && (!lease->client_id || !lease->iaid)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "lease '%s': an IPv6 lease needs a client DUID and an IAID", lease->ip);
        return false;
    }
    if (lease->expiry < 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "lease '%s': negative expiry time %" G_GINT64_FORMAT, lease->ip, lease->expiry);
        return false;
    }
    return true;
}

static bool
prov_lease_network_name_valid(const char *network)
{
    return network && *network && *network != '.' && !strchr(network, '/');
}

/**
 * prov_lease_store_path:
 * @dir: the store directory
 * @network: the network's name
 * @error: return location for an error
 *
 * Returns "<dir>/<network>.leases.json" (caller frees), or NULL with
 * PROV_ERR_INVALID_ARG when @network cannot be part of a file name.
 */
char *
prov_lease_store_path(const char *dir, const char *network, GError **error)
{
    g_autofree char *name = NULL;

    if (!prov_lease_network_name_valid(network)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "network name '%s' cannot name a lease store", network ? network : "");
        return NULL;
    }
    name = g_strconcat(network, ".leases.json", NULL);
    return g_build_filename(dir, name, NULL);
}

/* The lock beside the store: the store itself is replaced by rename, so cannot be locked. */
static char *
prov_lease_store_lock_path(const char *dir, const char *network)
{
    g_autofree char *name = g_strconcat(network, ".leases.lock", NULL);

    return g_build_filename(dir, name, NULL);
}

static const char *
prov_lease_json_string(JsonObject *obj, const char *member)
{
    JsonNode *node = json_object_get_member(obj, member);

    if (!node || JSON_NODE_HOLDS_NULL(node))
        return NULL;
    if (json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(node);
}

/* An integer member, @fallback when absent; false when it is there but not an integer. */
static bool
prov_lease_json_int(JsonObject *obj, const char *member, gint64 fallback, gint64 *ret_value)
{
    JsonNode *node = json_object_get_member(obj, member);

    if (!node) {
        *ret_value = fallback;
        return true;
    }
    if (json_node_get_value_type(node) != G_TYPE_INT64)
        return false;
    *ret_value = json_node_get_int(node);
    return true;
}

/* One entry of the "leases" array, or NULL with @error set. */
static ProvLease *
prov_lease_from_json(JsonNode *node, const char *path, guint index, GError **error)
{
    g_autoptr(ProvLease) lease = prov_lease_new();
    g_autoptr(GError) local_error = NULL;
    JsonObject *obj;
    gint64 prefix;
    int family;

    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_PARSE_FAILED,
                    "lease store '%s': entry %u is not an object", path, index);
        return NULL;
    }
    obj = json_node_get_object(node);
    family = prov_lease_family_from_string(prov_lease_json_string(obj, "family"));
    if (family < 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_PARSE_FAILED,
                    "lease store '%s': entry %u has no valid 'family'", path, index);
        return NULL;
    }
    lease->family = family;
    lease->ip = g_strdup(prov_lease_json_string(obj, "ip-address"));
    lease->mac = g_strdup(prov_lease_json_string(obj, "mac-address"));
    lease->hostname = g_strdup(prov_lease_json_string(obj, "hostname"));
    lease->client_id = g_strdup(prov_lease_json_string(obj, "client-id"));
    lease->iaid = g_strdup(prov_lease_json_string(obj, "iaid"));
    lease->server_duid = g_strdup(prov_lease_json_string(obj, "server-duid"));
    if (!prov_lease_json_int(obj, "prefix", -1, &prefix) ||
        !prov_lease_json_int(obj, "expiry-time", 0, &lease->expiry)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_PARSE_FAILED,
                    "lease store '%s': entry %u has a non-integer 'prefix' or 'expiry-time'", path,
                    index);
        return NULL;
    }
    lease->prefix = (int)CLAMP(prefix, -2, 129); /* out of range stays out of range */
    if (!prov_lease_validate(lease, &local_error)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_PARSE_FAILED,
                    "lease store '%s': entry %u: %s", path, index, local_error->message);
        return NULL;
    }
    return g_steal_pointer(&lease);
}

/* Parses the text of a store file; NULL with PROV_ERR_PARSE_FAILED when it is not one. */
static ProvLeaseFile *
prov_lease_file_parse(const char *path, const char *data, gsize len, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(ProvLeaseFile) file = prov_lease_file_new();
    g_autoptr(GError) local_error = NULL;
    JsonNode *root;
    JsonObject *obj;
    JsonArray *leases;
    guint i;

    if (!json_parser_load_from_data(parser, data, len, &local_error)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_PARSE_FAILED,
                    "lease store '%s' is not valid JSON: %s", path, local_error->message);
        return NULL;
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_PARSE_FAILED,
                    "lease store '%s' is not a JSON object", path);
        return NULL;
    }
    obj = json_node_get_object(root);
    file->server_duid = g_strdup(prov_lease_json_string(obj, "server-duid"));
    if (file->server_duid && !prov_lease_hex_id_valid(file->server_duid, PROV_LEASE_ID_MAX_LEN)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_PARSE_FAILED,
                    "lease store '%s' has an invalid 'server-duid'", path);
        return NULL;
    }
    if (!json_object_has_member(obj, "leases"))
        return g_steal_pointer(&file);
    if (!JSON_NODE_HOLDS_ARRAY(json_object_get_member(obj, "leases"))) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_PARSE_FAILED,
                    "lease store '%s': 'leases' is not an array", path);
        return NULL;
    }
    leases = json_object_get_array_member(obj, "leases");
    for (i = 0; i < json_array_get_length(leases); i++) {
        ProvLease *lease = prov_lease_from_json(json_array_get_element(leases, i), path, i, error);

        if (!lease)
            return NULL;
        g_ptr_array_add(file->leases, lease);
    }
    return g_steal_pointer(&file);
}

/*
 * Reads the store at @path; a missing file is an empty store.  With @recover, a file
 * that does not parse is moved aside to "<path>.corrupt" and treated as empty, so one
 * bad write cannot stop dnsmasq's script from ever recording a lease again.
 */
static ProvLeaseFile *
prov_lease_file_load(const char *path, bool recover, GError **error)
{
    g_autoptr(GError) local_error = NULL;
    g_autofree char *data = NULL;
    g_autofree char *aside = NULL;
    ProvLeaseFile *file;
    gsize len;

    if (access(path, F_OK) < 0 && errno == ENOENT)
        return prov_lease_file_new();
    data = prov_file_read_all(path, PROV_LEASE_STORE_MAX_BYTES, &len, error);
    if (!data)
        return NULL;
    file = prov_lease_file_parse(path, data, len, &local_error);
    if (file)
        return file;
    if (!recover) {
        g_propagate_error(error, g_steal_pointer(&local_error));
        return NULL;
    }
    aside = g_strconcat(path, ".corrupt", NULL);
    g_warning("%s; moved to '%s', ignoring", local_error->message, aside);
    if (rename(path, aside) < 0) {
        prov_error_set_errno(error, PROV_NETWORK_ERROR, errno, "cannot move '%s' to '%s'", path,
                             aside);
        return NULL;
    }
    return prov_lease_file_new();
}

static void
prov_lease_json_add_string(JsonBuilder *builder, const char *member, const char *value)
{
    if (!value)
        return;
    json_builder_set_member_name(builder, member);
    json_builder_add_string_value(builder, value);
}

static char *
prov_lease_file_format(const ProvLeaseFile *file, const char *network)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    guint i;

    json_builder_begin_object(builder);
    prov_lease_json_add_string(builder, "network", network);
    prov_lease_json_add_string(builder, "server-duid", file->server_duid);
    json_builder_set_member_name(builder, "leases");
    json_builder_begin_array(builder);
    for (i = 0; i < file->leases->len; i++) {
        const ProvLease *lease = g_ptr_array_index(file->leases, i);

        json_builder_begin_object(builder);
        prov_lease_json_add_string(builder, "family", prov_lease_family_to_string(lease->family));
        prov_lease_json_add_string(builder, "ip-address", lease->ip);
        if (lease->prefix >= 0) {
            json_builder_set_member_name(builder, "prefix");
            json_builder_add_int_value(builder, lease->prefix);
        }
        prov_lease_json_add_string(builder, "mac-address", lease->mac);
        prov_lease_json_add_string(builder, "hostname", lease->hostname);
        prov_lease_json_add_string(builder, "client-id", lease->client_id);
        prov_lease_json_add_string(builder, "iaid", lease->iaid);
        prov_lease_json_add_string(builder, "server-duid", lease->server_duid);
        json_builder_set_member_name(builder, "expiry-time");
        json_builder_add_int_value(builder, lease->expiry);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
    json_builder_end_object(builder);

    root = json_builder_get_root(builder);
    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_indent(gen, 2);
    return json_generator_to_data(gen, NULL);
}

static void
prov_lease_file_prune(ProvLeaseFile *file, gint64 now)
{
    guint i = 0;

    while (i < file->leases->len) {
        if (prov_lease_is_expired(g_ptr_array_index(file->leases, i), now))
            g_ptr_array_remove_index(file->leases, i);
        else
            i++;
    }
}

/* A write transaction: the lock is held from load to save. */
typedef struct {
    ProvFileLock *lock;
    char *path;
    ProvLeaseFile *file;
} ProvLeaseTxn;

static void
prov_lease_txn_clear(ProvLeaseTxn *txn)
{
    g_clear_pointer(&txn->file, prov_lease_file_free);
    g_clear_pointer(&txn->path, g_free);
    g_clear_pointer(&txn->lock, prov_file_lock_release);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ProvLeaseTxn, prov_lease_txn_clear)

static bool
prov_lease_txn_begin(ProvLeaseTxn *txn, const char *dir, const char *network, GError **error)
{
    g_autofree char *lock_path = NULL;
    g_autofree char *what = NULL;

    txn->path = prov_lease_store_path(dir, network, error);
    if (!txn->path)
        return false;
    lock_path = prov_lease_store_lock_path(dir, network);
    what = g_strdup_printf("lease store of network '%s'", network);
    txn->lock = prov_file_lock_acquire(lock_path, 0, what, error);
    if (!txn->lock)
        return false;
    txn->file = prov_lease_file_load(txn->path, true, error);
    return txn->file != NULL;
}

static bool
prov_lease_txn_commit(ProvLeaseTxn *txn, const char *network, gint64 now, GError **error)
{
    g_autofree char *data = NULL;

    prov_lease_file_prune(txn->file, now);
    data = prov_lease_file_format(txn->file, network);
    return prov_file_write_atomic(txn->path, data, strlen(data), 0644, error);
}

/* @a and @b name the same address (so "fd00::0:10" and "fd00::10" match). */
static bool
prov_lease_same_ip(const char *a, const char *b, ProvLeaseFamily family)
{
    g_autoptr(GInetAddress) addr_a = prov_lease_parse_ip(a, family);
    g_autoptr(GInetAddress) addr_b = prov_lease_parse_ip(b, family);

    return addr_a && addr_b && g_inet_address_equal(addr_a, addr_b);
}

/* Is @old the same client's lease in @lease's family (see prov_lease_store_add)? */
static bool
prov_lease_same_client(const ProvLease *old, const ProvLease *lease)
{
    if (old->family != lease->family)
        return false;
    if (lease->family == PROV_LEASE_FAMILY_IPV4)
        return old->mac && lease->mac && g_ascii_strcasecmp(old->mac, lease->mac) == 0;
    return old->client_id && lease->client_id && old->iaid && lease->iaid &&
           g_ascii_strcasecmp(old->client_id, lease->client_id) == 0 &&
           g_str_equal(old->iaid, lease->iaid);
}

/* The copy of @lease the store keeps: canonical address, lowercase ids. */
static ProvLease *
prov_lease_normalize(const ProvLease *lease)
{
    g_autoptr(GInetAddress) addr = prov_lease_parse_ip(lease->ip, lease->family);
    ProvLease *copy = prov_lease_copy(lease);

    g_free(copy->ip);
    copy->ip = g_inet_address_to_string(addr);
    if (copy->mac) {
        char *lower = g_ascii_strdown(copy->mac, -1);

        g_free(copy->mac);
        copy->mac = lower;
    }
    if (copy->client_id) {
        char *lower = g_ascii_strdown(copy->client_id, -1);

        g_free(copy->client_id);
        copy->client_id = lower;
    }
    if (copy->server_duid) {
        char *lower = g_ascii_strdown(copy->server_duid, -1);

        g_free(copy->server_duid);
        copy->server_duid = lower;
    }
    return copy;
}

/**
 * prov_lease_store_add:
 * @dir: the store directory (created if missing)
 * @network: the network's name
 * @lease: the lease to record (copied)
 * @now: epoch seconds, for dropping expired entries
 * @error: return location for an error
 *
 * See leases.h.  Returns false with @error set when @lease is invalid or the store
 * cannot be locked, read or written.
 */
bool
prov_lease_store_add(const char *dir, const char *network, const ProvLease *lease, gint64 now,
                     GError **error)
{
    g_auto(ProvLeaseTxn) txn = { 0 };
    g_autoptr(ProvLease) entry = NULL;
    guint i = 0;

    if (!prov_lease_validate(lease, error))
        return false;
    if (!prov_lease_txn_begin(&txn, dir, network, error))
        return false;

    entry = prov_lease_normalize(lease);
    while (i < txn.file->leases->len) {
        ProvLease *old = g_ptr_array_index(txn.file->leases, i);

        if (old->family == entry->family && prov_lease_same_ip(old->ip, entry->ip, old->family)) {
            /*
             * An "old" event may lack what dnsmasq does not keep (DNSMASQ_DATA_MISSING):
             * take it from the entry of the same client, never from a previous holder.
             */
            if (prov_lease_same_client(old, entry)) {
                if (!entry->mac)
                    entry->mac = g_strdup(old->mac);
                if (!entry->client_id)
                    entry->client_id = g_strdup(old->client_id);
            }
            if (!entry->server_duid)
                entry->server_duid = g_strdup(old->server_duid);
            if (entry->prefix < 0)
                entry->prefix = old->prefix;
            g_ptr_array_remove_index(txn.file->leases, i);
        } else if (prov_lease_same_client(old, entry)) {
            g_ptr_array_remove_index(txn.file->leases, i);
        } else {
            i++;
        }
    }
    if (entry->server_duid) {
        g_free(txn.file->server_duid);
        txn.file->server_duid = g_strdup(entry->server_duid);
    }
    g_ptr_array_add(txn.file->leases, g_steal_pointer(&entry));
    return prov_lease_txn_commit(&txn, network, now, error);
}

/**
 * prov_lease_store_remove:
 * @dir: the store directory
 * @network: the network's name
 * @ip: the address whose lease ended
 * @now: epoch seconds, for dropping expired entries
 * @error: return location for an error
 *
 * Returns false with @error set when @ip is not an address or the store cannot be
 * locked, read or written.
 */
bool
prov_lease_store_remove(const char *dir, const char *network, const char *ip, gint64 now,
                        GError **error)
{
    g_auto(ProvLeaseTxn) txn = { 0 };
    g_autoptr(GInetAddress) addr = ip ? g_inet_address_new_from_string(ip) : NULL;
    guint i = 0;

    if (!addr) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG, "'%s' is not an IP address",
                    ip ? ip : "");
        return false;
    }
    if (!prov_lease_txn_begin(&txn, dir, network, error))
        return false;
    while (i < txn.file->leases->len) {
        ProvLease *old = g_ptr_array_index(txn.file->leases, i);
        g_autoptr(GInetAddress) old_addr = g_inet_address_new_from_string(old->ip);

        if (old_addr && g_inet_address_equal(old_addr, addr))
            g_ptr_array_remove_index(txn.file->leases, i);
        else
            i++;
    }
    return prov_lease_txn_commit(&txn, network, now, error);
}

/**
 * prov_lease_store_delete:
 * @dir: the store directory
 * @network: the network's name
 * @error: return location for an error
 *
 * Removes the store file, a ".corrupt" copy and the lock file; missing files are fine.
 */
bool
prov_lease_store_delete(const char *dir, const char *network, GError **error)
{
    g_auto(ProvLeaseTxn) txn = { 0 };
    g_autofree char *aside = NULL;
    g_autofree char *lock_path = NULL;
    g_autofree char *what = NULL;

    txn.path = prov_lease_store_path(dir, network, error);
    if (!txn.path)
        return false;
    if (access(dir, F_OK) < 0 && errno == ENOENT)
        return true;
    lock_path = prov_lease_store_lock_path(dir, network);
    what = g_strdup_printf("lease store of network '%s'", network);
    /* Under the lock, so a lease script running right now finishes first. */
    txn.lock = prov_file_lock_acquire(lock_path, 0, what, error);
    if (!txn.lock)
        return false;
    aside = g_strconcat(txn.path, ".corrupt", NULL);
    if (!prov_file_unlink_durable(txn.path, error) || !prov_file_unlink_durable(aside, error))
        return false;
    /* A script waiting for the lock then writes a fresh store: harmless, and rare. */
    return prov_file_unlink_durable(lock_path, error);
}

/**
 * prov_lease_store_list:
 * @dir: the store directory
 * @network: the network's name
 * @now: epoch seconds; entries expired by then are left out
 * @error: return location for an error
 *
 * See leases.h.
 */
GPtrArray *
prov_lease_store_list(const char *dir, const char *network, gint64 now, GError **error)
{
    g_autoptr(ProvLeaseFile) file = NULL;
    g_autofree char *path = prov_lease_store_path(dir, network, error);

    if (!path)
        return NULL;
    file = prov_lease_file_load(path, false, error);
    if (!file)
        return NULL;
    prov_lease_file_prune(file, now);
    return g_steal_pointer(&file->leases);
}

/**
 * prov_lease_store_format_init:
 * @dir: the store directory
 * @network: the network's name
 * @now: epoch seconds; expired entries are left out
 * @error: return location for an error
 *
 * See leases.h.
 */
char *
prov_lease_store_format_init(const char *dir, const char *network, gint64 now, GError **error)
{
    g_autoptr(ProvLeaseFile) file = NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    g_autofree char *path = prov_lease_store_path(dir, network, error);
    guint i;

    if (!path)
        return NULL;
    file = prov_lease_file_load(path, false, error);
    if (!file)
        return NULL;
    if (file->server_duid)
        g_string_append_printf(out, "duid %s\n", file->server_duid);
    for (i = 0; i < file->leases->len; i++) {
        const ProvLease *lease = g_ptr_array_index(file->leases, i);
        const char *host = lease->hostname ? lease->hostname : "*";

        if (prov_lease_is_expired(lease, now))
            continue;
        /* Validation on load guarantees the fields each family needs. */
        if (lease->family == PROV_LEASE_FAMILY_IPV4)
            g_string_append_printf(out, "%" G_GINT64_FORMAT " %s %s %s %s\n", lease->expiry,
                                   lease->mac, lease->ip, host,
                                   lease->client_id ? lease->client_id : "*");
        else
            g_string_append_printf(out, "%" G_GINT64_FORMAT " %s %s %s %s\n", lease->expiry,
                                   lease->iaid, lease->ip, host, lease->client_id);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Whether the first @prefix bits of @a and @b are equal (same length). */
static bool
prov_lease_bits_equal(const guint8 *a, const guint8 *b, guint prefix)
{
    guint full = prefix / 8;
    guint rest = prefix % 8;
    guint8 mask;

    if (memcmp(a, b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    mask = (guint8)(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

/*
 * The prefix length of the first subnet in @subnets ("192.168.122.1/24 fd00::1/64",
 * separated by spaces or commas; host bits may be set) that holds @ip, or -1.
 */
static int
prov_lease_prefix_from_subnets(const char *subnets, GInetAddress *ip)
{
    g_auto(GStrv) items = NULL;
    guint i;

    if (!subnets)
        return -1;
    items = g_strsplit_set(subnets, " ,", -1);
    for (i = 0; items[i]; i++) {
        g_autoptr(GInetAddress) net = NULL;
        const char *slash = strchr(items[i], '/');
        g_autofree char *addr_text = NULL;
        guint64 prefix;

        if (!slash)
            continue;
        addr_text = g_strndup(items[i], slash - items[i]);
        net = g_inet_address_new_from_string(addr_text);
        if (!net || g_inet_address_get_family(net) != g_inet_address_get_family(ip))
            continue;
        if (!g_ascii_string_to_unsigned(slash + 1, 10, 0, g_inet_address_get_native_size(net) * 8,
                                        &prefix, NULL))
            continue;
        if (prov_lease_bits_equal(g_inet_address_to_bytes(net), g_inet_address_to_bytes(ip),
                                  (guint)prefix))
            return (int)prefix;
    }
    return -1;
}

/*
 * Expiry from dnsmasq's environment: DNSMASQ_LEASE_EXPIRES (epoch seconds, "0" for
 * an infinite lease), or DNSMASQ_LEASE_LENGTH when dnsmasq was built with
 * HAVE_BROKEN_RTC; neither means no expiry.
 */
static bool
prov_lease_script_expiry(const char *const *envp, gint64 now, gint64 *ret_expiry, GError **error)
{
    const char *expires = g_environ_getenv((char **)envp, "DNSMASQ_LEASE_EXPIRES");
    const char *length = g_environ_getenv((char **)envp, "DNSMASQ_LEASE_LENGTH");
    gint64 value;

    if (expires) {
        if (!g_ascii_string_to_signed(expires, 10, 0, G_MAXINT64, &value, NULL)) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                        "DNSMASQ_LEASE_EXPIRES '%s' is not a time", expires);
            return false;
        }
        *ret_expiry = value;
        return true;
    }
    if (length) {
        if (!g_ascii_string_to_signed(length, 10, 0, G_MAXINT32, &value, NULL)) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                        "DNSMASQ_LEASE_LENGTH '%s' is not a number of seconds", length);
            return false;
        }
        /* An infinite lease has length 0 as well. */
        *ret_expiry = value == 0 ? 0 : now + value;
        return true;
    }
    *ret_expiry = 0;
    return true;
}

/*
 * The lease of an "add" or "old" call.  IPv4: argv[2] is the MAC and the client id
 * is in DNSMASQ_CLIENT_ID; IPv6: argv[2] is the client's DUID, with DNSMASQ_MAC,
 * DNSMASQ_IAID and DNSMASQ_SERVER_DUID beside it.  argv[4], when present, is the
 * name dnsmasq uses for the host (never fully qualified); else the name the client
 * supplied, kept only when it is made of DNS characters, as it is the client's.
 */
static ProvLease *
prov_lease_script_lease(const char *const *argv, const char *const *envp, gint64 now,
                        GError **error)
{
    g_autoptr(ProvLease) lease = prov_lease_new();
    g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(argv[3]);
    char **env = (char **)envp;
    const char *hostname = argv[4];

    if (!addr) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "lease address '%s' is not an IP address", argv[3]);
        return NULL;
    }
    lease->ip = g_strdup(argv[3]);
    if (g_inet_address_get_family(addr) == G_SOCKET_FAMILY_IPV6) {
        lease->family = PROV_LEASE_FAMILY_IPV6;
        lease->client_id = g_strdup(argv[2]);
        lease->mac = g_strdup(g_environ_getenv(env, "DNSMASQ_MAC"));
        lease->iaid = g_strdup(g_environ_getenv(env, "DNSMASQ_IAID"));
        lease->server_duid = g_strdup(g_environ_getenv(env, "DNSMASQ_SERVER_DUID"));
    } else {
        lease->family = PROV_LEASE_FAMILY_IPV4;
        lease->mac = g_strdup(argv[2]);
        lease->client_id = g_strdup(g_environ_getenv(env, "DNSMASQ_CLIENT_ID"));
    }
    if (!hostname || !*hostname)
        hostname = g_environ_getenv(env, "DNSMASQ_SUPPLIED_HOSTNAME");
    if (hostname && prov_lease_hostname_valid(hostname))
        lease->hostname = g_strdup(hostname);
    else if (hostname)
        g_debug("lease '%s': ignoring host name '%s'", argv[3], hostname);
    lease->prefix =
        prov_lease_prefix_from_subnets(g_environ_getenv(env, PROV_LEASES_ENV_SUBNETS), addr);
    if (!prov_lease_script_expiry(envp, now, &lease->expiry, error))
        return NULL;
    return g_steal_pointer(&lease);
}

/**
 * prov_lease_script_run:
 * @argv: the script's argv, argv[0] included
 * @envp: its environment
 * @now: epoch seconds
 * @ret_output: (out): what to print on stdout, caller frees
 * @error: return location for an error
 *
 * See leases.h.
 */
bool
prov_lease_script_run(const char *const *argv, const char *const *envp, gint64 now,
                      char **ret_output, GError **error)
{
    char **env = (char **)envp;
    const char *dir = g_environ_getenv(env, PROV_LEASES_ENV_DIR);
    const char *network = g_environ_getenv(env, PROV_LEASES_ENV_NETWORK);
    guint argc = g_strv_length((char **)argv);
    const char *action = argc > 1 ? argv[1] : NULL;
    g_autoptr(ProvLease) lease = NULL;
    char *output;

    if (!action) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "no action given; this is dnsmasq's --dhcp-script");
        return false;
    }
    if (!g_str_equal(action, "init") && !g_str_equal(action, "add") &&
        !g_str_equal(action, "old") && !g_str_equal(action, "del")) {
        /* dnsmasq(8): "scripts should be written to ignore unknown actions". */
        *ret_output = g_strdup("");
        return true;
    }
    if (!dir || !*dir || !network) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "%s and %s are not set: dnsmasq was not started by provd", PROV_LEASES_ENV_DIR,
                    PROV_LEASES_ENV_NETWORK);
        return false;
    }

    if (g_str_equal(action, "init")) {
        output = prov_lease_store_format_init(dir, network, now, error);
        if (!output)
            return false;
        *ret_output = output;
        return true;
    }

    if (argc < 4) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "action '%s' needs a client and an address", action);
        return false;
    }
    if (g_str_equal(action, "del")) {
        if (!prov_lease_store_remove(dir, network, argv[3], now, error))
            return false;
    } else {
        lease = prov_lease_script_lease(argv, envp, now, error);
        if (!lease || !prov_lease_store_add(dir, network, lease, now, error))
            return false;
    }
    *ret_output = g_strdup("");
    return true;
}

/**
 * prov_lease_script_add_env:
 * @cmd: dnsmasq's command
 * @dir: the store directory
 * @network: the network's name
 * @subnets: (nullable): the network's addresses with prefixes, space-separated
 */
void
prov_lease_script_add_env(ProvCommand *cmd, const char *dir, const char *network,
                          const char *subnets)
{
    prov_command_add_env(cmd, PROV_LEASES_ENV_DIR, dir);
    prov_command_add_env(cmd, PROV_LEASES_ENV_NETWORK, network);
    if (subnets)
        prov_command_add_env(cmd, PROV_LEASES_ENV_SUBNETS, subnets);
}
