/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* firewall.c: firewall transactions: one libnftables batch, or one iptables-restore per table. */
#define G_LOG_DOMAIN "prov-firewall"

#include "util/firewall.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <nftables/libnftables.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "util/command.h"
#include "util/error.h"
#include "util/fileutil.h"

typedef struct nft_ctx ProvNftCtx;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNftCtx, nft_ctx_free)

static const char *const prov_firewall_backend_names[] = { "nftables", "iptables" };
G_STATIC_ASSERT(G_N_ELEMENTS(prov_firewall_backend_names) == PROV_FIREWALL_BACKEND_LAST);

static GRecMutex prov_firewall_mutex;

/* Dry-run state (tests only, see firewall.h). */
static bool prov_firewall_dry_run_active;
static GString *prov_firewall_dry_run_log;
static ProvFirewallDryRunFunc prov_firewall_dry_run_cb;
static void *prov_firewall_dry_run_opaque;

const char *
prov_firewall_backend_to_string(ProvFirewallBackend backend)
{
    if ((int) backend < 0 || backend >= PROV_FIREWALL_BACKEND_LAST)
        return NULL;
    return prov_firewall_backend_names[backend];
}

int
prov_firewall_backend_from_string(const char *str)
{
    guint i;

    for (i = 0; str && i < G_N_ELEMENTS(prov_firewall_backend_names); i++) {
        if (g_str_equal(str, prov_firewall_backend_names[i]))
            return (int) i;
    }
    return -1;
}

void
prov_firewall_lock(void)
{
    g_rec_mutex_lock(&prov_firewall_mutex);
}

void
prov_firewall_unlock(void)
{
    g_rec_mutex_unlock(&prov_firewall_mutex);
}

void
prov_firewall_set_dry_run(GString *log, ProvFirewallDryRunFunc cb, void *opaque)
{
    prov_firewall_dry_run_log = log;
    prov_firewall_dry_run_cb = cb;
    prov_firewall_dry_run_opaque = opaque;
    prov_firewall_dry_run_active = log || cb;
}

/* Routes one operation to the test callback; @header non-NULL logs @input as a write. */
static bool
prov_firewall_dry_run(ProvFirewallOp op, ProvFirewallFamily family, const char *header,
                      const char *input, char **ret_output, GError **error)
{
    g_autofree char *output = NULL;

    if (header && prov_firewall_dry_run_log) {
        g_string_append_printf(prov_firewall_dry_run_log, "%s\n", header);
        g_string_append(prov_firewall_dry_run_log, input);
        if (input[0] && input[strlen(input) - 1] != '\n')
            g_string_append_c(prov_firewall_dry_run_log, '\n');
    }
    if (prov_firewall_dry_run_cb &&
        !prov_firewall_dry_run_cb(op, family, input, &output, prov_firewall_dry_run_opaque,
                                  error))
        return false;
    if (ret_output)
        *ret_output = output ? g_steal_pointer(&output) : g_strdup("");
    return true;
}

/* libnftables' error buffer without its trailing newlines, or a fallback text. */
static char *
prov_firewall_nft_error_text(struct nft_ctx *ctx)
{
    const char *err = nft_ctx_get_error_buffer(ctx);
    char *text;

    if (!err || !err[0])
        return g_strdup("unknown error (libnftables printed no message)");
    text = g_strdup(err);
    return g_strstrip(text);
}

/*
 * libnftables 1.0.6 reports an error in a buffer against the buffer's FIRST line
 * (erec_print() cuts INDESC_BUFFER input at its first newline), which for a
 * 40-line batch names the wrong command.  From a file it prints the right line, so
 * a script is handed over as a sealed memfd, /proc/self/fd/N.  It is still one
 * call, parsed whole and sent as one netlink batch.  The "/proc/self/fd/N:" prefix
 * of each message becomes "line ".
 */
static char *
prov_firewall_nft_fix_error(const char *msg, const char *path)
{
    g_autofree char *prefix = g_strdup_printf("%s:", path);
    g_auto(GStrv) parts = g_strsplit(msg, prefix, -1);

    return g_strjoinv("line ", parts);
}

/*
 * One nft_run_cmd_from_buffer() (or _from_filename()) call.  With
 * NFT_CTX_OUTPUT_JSON set, libnftables first tries the input as JSON and falls back
 * to the text parser when that fails (nftables src/libnftables.c), so text scripts
 * and JSON output mix.
 */
static bool
prov_firewall_nft_run(const char *cmds, bool from_file, unsigned int flags, char **ret_output,
                      const char *what, GError **error)
{
    g_autoptr(ProvNftCtx) ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    g_autofree char *path = NULL;
    PROV_AUTOCLOSE int fd = -1;
    const char *out;
    int rc;

    if (!ctx) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_FAILED,
                    "%s: cannot create a libnftables context", what);
        return false;
    }
    nft_ctx_output_set_flags(ctx, flags);
    if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_FAILED,
                    "%s: cannot buffer libnftables output", what);
        return false;
    }
    g_debug("nft: %s", cmds);
    if (from_file) {
        gsize len = strlen(cmds);
        gsize done = 0;

        fd = memfd_create("provd-nft", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
            return prov_error_set_errno(error, PROV_UTIL_ERROR, errno,
                                        "%s: cannot create a memfd", what);
        while (done < len) {
            ssize_t n = write(fd, cmds + done, len - done);

            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return prov_error_set_errno(error, PROV_UTIL_ERROR, errno,
                                            "%s: cannot write the script", what);
            done += (gsize) n;
        }
        (void) fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK);
        path = g_strdup_printf("/proc/self/fd/%d", fd);
        rc = nft_run_cmd_from_filename(ctx, path);
    } else {
        rc = nft_run_cmd_from_buffer(ctx, cmds);
    }
    if (rc != 0) {
        g_autofree char *msg = prov_firewall_nft_error_text(ctx);
        g_autofree char *fixed = path ? prov_firewall_nft_fix_error(msg, path) : NULL;

        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_FAILED, "%s: %s", what,
                    fixed ? fixed : msg);
        return false;
    }
    if (ret_output) {
        out = nft_ctx_get_output_buffer(ctx);
        *ret_output = g_strdup(out ? out : "");
    }
    return true;
}

bool
prov_firewall_nft_apply(const char *script, char **ret_echo, GError **error)
{
    unsigned int flags = 0;
    g_autofree char *out = NULL;

    prov_firewall_lock();
    if (prov_firewall_dry_run_active) {
        bool ok = prov_firewall_dry_run(PROV_FIREWALL_OP_NFT_APPLY, PROV_FIREWALL_IPV4, "# nft",
                                        script, &out, error);

        prov_firewall_unlock();
        if (ok && ret_echo)
            *ret_echo = g_steal_pointer(&out);
        return ok;
    }
    if (ret_echo)
        flags = NFT_CTX_OUTPUT_ECHO | NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE;
    if (!prov_firewall_nft_run(script, true, flags, ret_echo ? &out : NULL,
                               "nftables transaction failed", error)) {
        prov_firewall_unlock();
        return false;
    }
    prov_firewall_unlock();
    if (ret_echo)
        *ret_echo = g_steal_pointer(&out);
    return true;
}

char *
prov_firewall_nft_list(const char *what, GError **error)
{
    g_autofree char *cmd = g_strdup_printf("list %s", what);
    char *out = NULL;
    bool ok;

    prov_firewall_lock();
    if (prov_firewall_dry_run_active)
        ok = prov_firewall_dry_run(PROV_FIREWALL_OP_NFT_LIST, PROV_FIREWALL_IPV4, NULL, cmd, &out,
                                   error);
    else
        ok = prov_firewall_nft_run(cmd, false, NFT_CTX_OUTPUT_JSON, &out,
                                   "cannot list the nftables ruleset", error);
    prov_firewall_unlock();
    return ok ? out : NULL;
}

static const char *
prov_firewall_iptables_tool(ProvFirewallFamily family, bool save)
{
    if (family == PROV_FIREWALL_IPV6)
        return save ? IP6TABLES_SAVE : IP6TABLES_RESTORE;
    return save ? IPTABLES_SAVE : IPTABLES_RESTORE;
}

static bool
prov_firewall_check_tool(const char *path, GError **error)
{
    if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
        return true;
    g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_FAILED,
                "'%s' is not installed: the iptables firewall backend needs it", path);
    return false;
}

char *
prov_firewall_iptables_save(ProvFirewallFamily family, GError **error)
{
    const char *tool = prov_firewall_iptables_tool(family, true);
    g_autoptr(ProvCommand) cmd = NULL;
    char *out = NULL;
    bool ok;

    prov_firewall_lock();
    if (prov_firewall_dry_run_active) {
        ok = prov_firewall_dry_run(PROV_FIREWALL_OP_IPTABLES_SAVE, family, NULL, "", &out,
                                   error);
    } else {
        ok = prov_firewall_check_tool(tool, error);
        if (ok) {
            cmd = prov_command_new(tool);
            ok = prov_command_run(cmd, &out, NULL, error);
        }
    }
    prov_firewall_unlock();
    return ok ? out : NULL;
}

bool
prov_firewall_iptables_restore(ProvFirewallFamily family, const char *table, const char *input,
                               GError **error)
{
    const char *tool = prov_firewall_iptables_tool(family, false);
    g_autoptr(ProvCommand) cmd = NULL;
    g_autofree char *header = NULL;
    bool ok;

    prov_firewall_lock();
    if (prov_firewall_dry_run_active) {
        header = g_strdup_printf("# %s --noflush --wait",
                                 family == PROV_FIREWALL_IPV6 ? "ip6tables-restore"
                                                              : "iptables-restore");
        ok = prov_firewall_dry_run(PROV_FIREWALL_OP_IPTABLES_RESTORE, family, header, input,
                                   NULL, error);
        prov_firewall_unlock();
        return ok;
    }
    ok = prov_firewall_check_tool(tool, error);
    if (ok) {
        /* --wait: queue behind other users of the xtables lock (iptables-legacy). */
        cmd = prov_command_new_args(tool, "--noflush", "--wait", NULL);
        prov_command_set_input(cmd, input, strlen(input));
        ok = prov_command_run(cmd, NULL, NULL, error);
        if (!ok)
            g_prefix_error(error, "table '%s': ", table);
    }
    prov_firewall_unlock();
    return ok;
}

/* ---- nft JSON ------------------------------------------------------------ */

/*
 * `nft -j list ruleset` (libnftables 1.0.6, JSON schema 1) is one array of objects,
 * each with a single member naming its kind:
 *   {"nftables": [{"metainfo": {...}},
 *     {"table": {"family": "ip", "name": "filter", "handle": 1}},
 *     {"chain": {"family": "ip", "table": "filter", "name": "FORWARD", "handle": 1,
 *                "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}},
 *     {"rule": {"family": "inet", "table": "t", "chain": "input", "handle": 4,
 *               "comment": "x", "expr": [{"jump": {"target": "sub"}}]}},
 *     {"map": {"family": "inet", "table": "provd", "name": "guest_in", "type": "ifname",
 *              "map": "verdict", "elem": [["virbr0", {"jump": {"target": "c"}}]]}}]}
 * Interval keys look like {"prefix": {"addr": "192.168.122.0", "len": 24}}.
 */

static void
prov_nft_chain_free(ProvNftChain *c)
{
    if (!c)
        return;
    g_free(c->family);
    g_free(c->table);
    g_free(c->name);
    g_free(c->type);
    g_free(c->hook);
    g_free(c);
}

static void
prov_nft_rule_free(ProvNftRule *r)
{
    if (!r)
        return;
    g_free(r->family);
    g_free(r->table);
    g_free(r->chain);
    g_free(r->comment);
    g_free(r->vmap);
    g_free(r);
}

static void
prov_nft_element_free(ProvNftElement *e)
{
    if (!e)
        return;
    g_free(e->family);
    g_free(e->table);
    g_free(e->map);
    g_free(e->key);
    g_free(e->target);
    g_free(e);
}

/* What the listings showed beyond the public arrays, for prov_nft_ruleset_finish(). */
struct _ProvNftRulesetPriv {
    GHashTable *seen;   /* "kind family table name-or-handle" of every object added */
    GHashTable *direct; /* "family table chain" of chains with a drop/reject rule */
    GHashTable *jumps;  /* "family table chain" -> GPtrArray of jump/goto targets */
};

void
prov_nft_ruleset_free(ProvNftRuleset *rs)
{
    if (!rs)
        return;
    g_clear_pointer(&rs->tables, g_ptr_array_unref);
    g_clear_pointer(&rs->chains, g_ptr_array_unref);
    g_clear_pointer(&rs->rules, g_ptr_array_unref);
    g_clear_pointer(&rs->elements, g_ptr_array_unref);
    if (rs->priv) {
        g_hash_table_unref(rs->priv->seen);
        g_hash_table_unref(rs->priv->direct);
        g_hash_table_unref(rs->priv->jumps);
        g_free(rs->priv);
    }
    g_free(rs);
}

ProvNftRuleset *
prov_nft_ruleset_new(void)
{
    ProvNftRuleset *rs = g_new0(ProvNftRuleset, 1);

    rs->tables = g_ptr_array_new_with_free_func(g_free);
    rs->chains = g_ptr_array_new_with_free_func((GDestroyNotify) prov_nft_chain_free);
    rs->rules = g_ptr_array_new_with_free_func((GDestroyNotify) prov_nft_rule_free);
    rs->elements = g_ptr_array_new_with_free_func((GDestroyNotify) prov_nft_element_free);
    rs->priv = g_new0(ProvNftRulesetPriv, 1);
    rs->priv->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    rs->priv->direct = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    rs->priv->jumps = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_ptr_array_unref);
    return rs;
}

/* True the first time an object with this identity is offered. */
static bool
prov_nft_ruleset_first(ProvNftRuleset *rs, const char *kind, const char *family,
                       const char *table, const char *name)
{
    char *key = g_strdup_printf("%s %s %s %s", kind, family, table, name);

    if (g_hash_table_contains(rs->priv->seen, key)) {
        g_free(key);
        return false;
    }
    g_hash_table_add(rs->priv->seen, key);
    return true;
}

static char *
prov_json_dup_string(JsonObject *obj, const char *member)
{
    JsonNode *node = json_object_get_member(obj, member);

    if (!node || json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    return g_strdup(json_node_get_string(node));
}

/* What a rule's expressions can do: end the packet's path, or jump elsewhere. */
typedef struct {
    bool drops;
    GPtrArray *targets; /* chain names (borrowed from the parser's tree) */
    const char *vmap;   /* named verdict map, without '@' (borrowed) */
} ProvNftExprScan;

static void
prov_nft_scan_expr(JsonNode *node, ProvNftExprScan *scan)
{
    if (JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *arr = json_node_get_array(node);
        guint i;

        for (i = 0; i < json_array_get_length(arr); i++)
            prov_nft_scan_expr(json_array_get_element(arr, i), scan);
    } else if (JSON_NODE_HOLDS_OBJECT(node)) {
        JsonObject *obj = json_node_get_object(node);
        g_autoptr(GList) members = json_object_get_members(obj);
        GList *l;

        for (l = members; l; l = l->next) {
            const char *name = l->data;
            JsonNode *value = json_object_get_member(obj, name);

            if (g_str_equal(name, "drop") || g_str_equal(name, "reject")) {
                scan->drops = true;
            } else if ((g_str_equal(name, "jump") || g_str_equal(name, "goto")) &&
                       JSON_NODE_HOLDS_OBJECT(value)) {
                JsonObject *v = json_node_get_object(value);

                if (json_object_has_member(v, "target") &&
                    json_node_get_value_type(json_object_get_member(v, "target")) ==
                        G_TYPE_STRING)
                    g_ptr_array_add(scan->targets,
                                    (gpointer) json_object_get_string_member(v, "target"));
            } else if (g_str_equal(name, "vmap") && JSON_NODE_HOLDS_OBJECT(value)) {
                JsonNode *data = json_object_get_member(json_node_get_object(value), "data");

                /* "@name": a named verdict map whose elements may say drop. */
                if (data && json_node_get_value_type(data) == G_TYPE_STRING) {
                    const char *name_ref = json_node_get_string(data);

                    scan->drops = true;
                    scan->vmap = name_ref[0] == '@' ? name_ref + 1 : name_ref;
                }
            }
            prov_nft_scan_expr(value, scan);
        }
    }
}

/* An element key as nft syntax; NULL for shapes provd never creates (concatenations). */
static char *
prov_nft_key_text(JsonNode *key, bool *ret_is_string)
{
    JsonObject *obj;

    *ret_is_string = false;
    if (JSON_NODE_HOLDS_VALUE(key)) {
        if (json_node_get_value_type(key) == G_TYPE_STRING) {
            *ret_is_string = true;
            return g_strdup(json_node_get_string(key));
        }
        return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(key));
    }
    if (!JSON_NODE_HOLDS_OBJECT(key))
        return NULL;
    obj = json_node_get_object(key);
    if (json_object_has_member(obj, "elem")) {
        JsonNode *inner = json_object_get_member(obj, "elem");

        if (JSON_NODE_HOLDS_OBJECT(inner) &&
            json_object_has_member(json_node_get_object(inner), "val"))
            return prov_nft_key_text(json_object_get_member(json_node_get_object(inner), "val"),
                                     ret_is_string);
        return NULL;
    }
    if (json_object_has_member(obj, "prefix")) {
        JsonObject *p = json_object_get_object_member(obj, "prefix");

        if (!p || !json_object_has_member(p, "addr") || !json_object_has_member(p, "len"))
            return NULL;
        return g_strdup_printf("%s/%" G_GINT64_FORMAT, json_object_get_string_member(p, "addr"),
                               json_object_get_int_member(p, "len"));
    }
    if (json_object_has_member(obj, "range")) {
        JsonArray *r = json_object_get_array_member(obj, "range");

        if (!r || json_array_get_length(r) != 2)
            return NULL;
        return g_strdup_printf("%s-%s", json_array_get_string_element(r, 0),
                               json_array_get_string_element(r, 1));
    }
    return NULL;
}

static void
prov_nft_parse_map(ProvNftRuleset *rs, JsonObject *map)
{
    JsonArray *elems;
    const char *type;
    bool address_type;
    guint i;

    if (!json_object_has_member(map, "elem"))
        return;
    elems = json_object_get_array_member(map, "elem");
    if (!elems)
        return;
    type = json_object_has_member(map, "type") &&
                   json_node_get_value_type(json_object_get_member(map, "type")) == G_TYPE_STRING
               ? json_object_get_string_member(map, "type")
               : "";
    /* Addresses print as JSON strings too ("10.0.0.1") but are not nft strings. */
    address_type = g_str_equal(type, "ipv4_addr") || g_str_equal(type, "ipv6_addr");
    for (i = 0; i < json_array_get_length(elems); i++) {
        JsonNode *item = json_array_get_element(elems, i);
        JsonArray *pair;
        ProvNftElement *e;
        JsonNode *data;
        bool is_string;
        char *key;

        if (!JSON_NODE_HOLDS_ARRAY(item))
            continue;
        pair = json_node_get_array(item);
        if (json_array_get_length(pair) != 2)
            continue;
        key = prov_nft_key_text(json_array_get_element(pair, 0), &is_string);
        if (!key)
            continue;
        {
            g_autofree char *fam = prov_json_dup_string(map, "family");
            g_autofree char *tab = prov_json_dup_string(map, "table");
            g_autofree char *id = g_strdup_printf("%s/%s", json_object_has_member(map, "name")
                                                               ? json_object_get_string_member(
                                                                     map, "name")
                                                               : "",
                                                  key);

            if (!prov_nft_ruleset_first(rs, "element", fam, tab, id)) {
                g_free(key);
                continue;
            }
        }
        e = g_new0(ProvNftElement, 1);
        e->family = prov_json_dup_string(map, "family");
        e->table = prov_json_dup_string(map, "table");
        e->map = prov_json_dup_string(map, "name");
        e->key = key;
        e->key_is_string = is_string && !address_type;
        data = json_array_get_element(pair, 1);
        if (JSON_NODE_HOLDS_OBJECT(data)) {
            JsonObject *d = json_node_get_object(data);
            JsonObject *v = NULL;

            if (json_object_has_member(d, "jump"))
                v = json_object_get_object_member(d, "jump");
            else if (json_object_has_member(d, "goto"))
                v = json_object_get_object_member(d, "goto");
            if (v && json_object_has_member(v, "target"))
                e->target = prov_json_dup_string(v, "target");
        }
        g_ptr_array_add(rs->elements, e);
    }
}

static bool
prov_nft_chain_may_drop(const ProvNftRuleset *rs, const ProvNftChain *chain, GHashTable *visited)
{
    GHashTable *direct = rs->priv->direct;
    GHashTable *jumps = rs->priv->jumps;
    g_autofree char *key = g_strdup_printf("%s %s %s", chain->family, chain->table, chain->name);
    GPtrArray *targets;
    guint i;

    if (g_hash_table_contains(visited, key))
        return false;
    g_hash_table_add(visited, g_strdup(key));
    if (chain->policy_drop || g_hash_table_contains(direct, key))
        return true;
    targets = g_hash_table_lookup(jumps, key);
    for (i = 0; targets && i < targets->len; i++) {
        const ProvNftChain *t = prov_nft_ruleset_find_chain(rs, chain->family, chain->table,
                                                            g_ptr_array_index(targets, i));

        if (t && prov_nft_chain_may_drop(rs, t, visited))
            return true;
    }
    return false;
}

static JsonArray *
prov_nft_top_array(JsonParser *parser, const char *what, GError **error)
{
    JsonNode *root = json_parser_get_root(parser);
    JsonObject *obj;

    if (!root || !JSON_NODE_HOLDS_OBJECT(root) ||
        !json_object_has_member((obj = json_node_get_object(root)), "nftables") ||
        !JSON_NODE_HOLDS_ARRAY(json_object_get_member(obj, "nftables"))) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_PARSE_FAILED,
                    "%s: no 'nftables' array in libnftables' JSON output", what);
        return NULL;
    }
    return json_object_get_array_member(obj, "nftables");
}

static void
prov_nft_ruleset_add_object(ProvNftRuleset *rs, JsonObject *obj)
{
    if (json_object_has_member(obj, "table")) {
        JsonObject *t = json_object_get_object_member(obj, "table");
        g_autofree char *fam = t ? prov_json_dup_string(t, "family") : NULL;
        g_autofree char *name = t ? prov_json_dup_string(t, "name") : NULL;

        if (fam && name && prov_nft_ruleset_first(rs, "table", fam, name, ""))
            g_ptr_array_add(rs->tables, g_strdup_printf("%s %s", fam, name));
    } else if (json_object_has_member(obj, "chain")) {
        JsonObject *c = json_object_get_object_member(obj, "chain");
        ProvNftChain *chain;
        g_autofree char *policy = NULL;

        if (!c)
            return;
        chain = g_new0(ProvNftChain, 1);
        chain->family = prov_json_dup_string(c, "family");
        chain->table = prov_json_dup_string(c, "table");
        chain->name = prov_json_dup_string(c, "name");
        chain->type = prov_json_dup_string(c, "type");
        chain->hook = prov_json_dup_string(c, "hook");
        policy = prov_json_dup_string(c, "policy");
        chain->policy_drop = g_strcmp0(policy, "drop") == 0;
        if (!chain->family || !chain->table || !chain->name ||
            !prov_nft_ruleset_first(rs, "chain", chain->family, chain->table, chain->name)) {
            prov_nft_chain_free(chain);
            return;
        }
        /* A chain implies its table (`list chains` prints no table objects). */
        if (prov_nft_ruleset_first(rs, "table", chain->family, chain->table, ""))
            g_ptr_array_add(rs->tables, g_strdup_printf("%s %s", chain->family, chain->table));
        g_ptr_array_add(rs->chains, chain);
    } else if (json_object_has_member(obj, "rule")) {
        JsonObject *r = json_object_get_object_member(obj, "rule");
        ProvNftExprScan scan = { 0 };
        g_autofree char *handle_id = NULL;
        ProvNftRule *rule;
        char *key;
        guint before;
        guint j;

        if (!r)
            return;
        rule = g_new0(ProvNftRule, 1);
        rule->family = prov_json_dup_string(r, "family");
        rule->table = prov_json_dup_string(r, "table");
        rule->chain = prov_json_dup_string(r, "chain");
        rule->comment = prov_json_dup_string(r, "comment");
        rule->handle = json_object_has_member(r, "handle")
                           ? (guint64) json_object_get_int_member(r, "handle")
                           : 0;
        handle_id = g_strdup_printf("%" G_GUINT64_FORMAT, rule->handle);
        if (!rule->family || !rule->table || !rule->chain ||
            !prov_nft_ruleset_first(rs, "rule", rule->family, rule->table, handle_id)) {
            prov_nft_rule_free(rule);
            return;
        }
        g_ptr_array_add(rs->rules, rule);
        if (!json_object_has_member(r, "expr"))
            return;
        key = g_strdup_printf("%s %s %s", rule->family, rule->table, rule->chain);
        scan.targets = g_hash_table_lookup(rs->priv->jumps, key);
        if (!scan.targets) {
            scan.targets = g_ptr_array_new_with_free_func(g_free);
            g_hash_table_insert(rs->priv->jumps, g_strdup(key), scan.targets);
        }
        /* The scan collects borrowed names; the per-chain list owns copies. */
        before = scan.targets->len;
        prov_nft_scan_expr(json_object_get_member(r, "expr"), &scan);
        for (j = before; j < scan.targets->len; j++)
            scan.targets->pdata[j] = g_strdup(scan.targets->pdata[j]);
        rule->vmap = g_strdup(scan.vmap);
        if (scan.drops)
            g_hash_table_add(rs->priv->direct, key);
        else
            g_free(key);
    } else if (json_object_has_member(obj, "map")) {
        JsonObject *m = json_object_get_object_member(obj, "map");

        if (m)
            prov_nft_parse_map(rs, m);
    }
}

bool
prov_nft_ruleset_add_json(ProvNftRuleset *rs, const char *json, GError **error)
{
    g_auto(GStrv) docs = NULL;
    guint d;

    /*
     * libnftables prints one JSON document per listed command, each on one line; a
     * single document may also be pretty-printed over many lines (test data).
     */
    if (json && !strstr(json, "}\n{")) {
        docs = g_new0(char *, 2);
        docs[0] = g_strdup(json);
    } else {
        docs = g_strsplit(json ? json : "", "\n", -1);
    }
    for (d = 0; docs[d]; d++) {
        g_autoptr(JsonParser) parser = NULL;
        g_autoptr(GError) local = NULL;
        JsonArray *arr;
        guint i;

        g_strstrip(docs[d]);
        if (!docs[d][0])
            continue;
        parser = json_parser_new();
        if (!json_parser_load_from_data(parser, docs[d], -1, &local)) {
            g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_PARSE_FAILED,
                        "cannot parse the nftables ruleset: %s", local->message);
            return false;
        }
        if (!(arr = prov_nft_top_array(parser, "nftables ruleset", error)))
            return false;
        for (i = 0; i < json_array_get_length(arr); i++) {
            JsonNode *node = json_array_get_element(arr, i);

            if (JSON_NODE_HOLDS_OBJECT(node))
                prov_nft_ruleset_add_object(rs, json_node_get_object(node));
        }
    }
    return true;
}

void
prov_nft_ruleset_finish(ProvNftRuleset *rs)
{
    guint i;

    for (i = 0; i < rs->chains->len; i++) {
        ProvNftChain *chain = g_ptr_array_index(rs->chains, i);
        g_autoptr(GHashTable) visited = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                              NULL);

        chain->may_drop = prov_nft_chain_may_drop(rs, chain, visited);
    }
}

ProvNftRuleset *
prov_nft_ruleset_parse(const char *json, GError **error)
{
    g_autoptr(ProvNftRuleset) rs = prov_nft_ruleset_new();

    if (!prov_nft_ruleset_add_json(rs, json, error))
        return NULL;
    prov_nft_ruleset_finish(rs);
    return g_steal_pointer(&rs);
}

static bool
prov_nft_ruleset_add_listing(ProvNftRuleset *rs, const char *what, GError **error)
{
    g_autofree char *json = prov_firewall_nft_list(what, error);

    return json && prov_nft_ruleset_add_json(rs, json, error);
}

ProvNftRuleset *
prov_nft_ruleset_survey(const char *own_family, const char *own_table,
                        const char *const *own_chains, GPtrArray *extra_tables, GError **error)
{
    g_autoptr(ProvNftRuleset) rs = prov_nft_ruleset_new();
    g_autoptr(GPtrArray) full = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *own = g_strdup_printf("%s %s", own_family, own_table);
    guint i;

    if (prov_firewall_dry_run_active) {
        if (!prov_nft_ruleset_add_listing(rs, "ruleset", error))
            return NULL;
        prov_nft_ruleset_finish(rs);
        return g_steal_pointer(&rs);
    }
    /*
     * Separate calls: libnftables 1.0.6 mis-builds its cache for some combinations
     * of list commands in one buffer ("Unknown set 'x' in lookup expression").
     */
    /*
     * `list chains` also shows every table that has one.  (`list tables` would be
     * the obvious first call, but libnftables 1.0.6 fills its whole cache, rules
     * included, for it: ~8 ms at 300 rules against ~1 ms for `list chains`.)
     */
    if (!prov_nft_ruleset_add_listing(rs, "chains", error))
        return NULL;
    for (i = 0; i < rs->chains->len; i++) {
        const ProvNftChain *c = g_ptr_array_index(rs->chains, i);
        g_autofree char *key = g_strdup_printf("%s %s", c->family, c->table);
        guint j;
        bool dup = false;

        if (!c->hook || g_strcmp0(c->type, "filter") != 0 || g_str_equal(key, own) ||
            (!g_str_equal(c->hook, "forward") && !g_str_equal(c->hook, "input") &&
             !g_str_equal(c->hook, "output")) ||
            (!g_str_equal(c->family, "ip") && !g_str_equal(c->family, "ip6") &&
             !g_str_equal(c->family, "inet")))
            continue;
        for (j = 0; j < full->len && !dup; j++)
            dup = g_str_equal(g_ptr_array_index(full, j), key);
        if (!dup)
            g_ptr_array_add(full, g_steal_pointer(&key));
    }
    for (i = 0; extra_tables && i < extra_tables->len; i++) {
        const char *key = g_ptr_array_index(extra_tables, i);
        guint j;
        bool dup = g_str_equal(key, own);

        for (j = 0; j < full->len && !dup; j++)
            dup = g_str_equal(g_ptr_array_index(full, j), key);
        if (!dup && prov_nft_ruleset_has_table(rs, key, NULL))
            g_ptr_array_add(full, g_strdup(key));
    }
    for (i = 0; i < full->len; i++) {
        g_autofree char *what = g_strdup_printf("table %s", (char *) g_ptr_array_index(full, i));

        if (!prov_nft_ruleset_add_listing(rs, what, error))
            return NULL;
    }
    if (prov_nft_ruleset_has_table(rs, own_family, own_table)) {
        g_autofree char *maps = g_strdup_printf("maps %s", own_family);

        if (!prov_nft_ruleset_add_listing(rs, maps, error))
            return NULL;
        for (i = 0; own_chains && own_chains[i]; i++) {
            g_autofree char *what = NULL;

            if (!prov_nft_ruleset_find_chain(rs, own_family, own_table, own_chains[i]))
                continue;
            what = g_strdup_printf("chain %s %s %s", own_family, own_table, own_chains[i]);
            if (!prov_nft_ruleset_add_listing(rs, what, error))
                return NULL;
        }
    }
    prov_nft_ruleset_finish(rs);
    return g_steal_pointer(&rs);
}

bool
prov_nft_ruleset_has_table(const ProvNftRuleset *rs, const char *family, const char *table)
{
    /* @table NULL: @family is the whole "family table" key. */
    g_autofree char *key = table ? g_strdup_printf("%s %s", family, table) : g_strdup(family);
    guint i;

    for (i = 0; i < rs->tables->len; i++) {
        if (g_str_equal(g_ptr_array_index(rs->tables, i), key))
            return true;
    }
    return false;
}

const ProvNftChain *
prov_nft_ruleset_find_chain(const ProvNftRuleset *rs, const char *family, const char *table,
                            const char *name)
{
    guint i;

    for (i = 0; i < rs->chains->len; i++) {
        const ProvNftChain *c = g_ptr_array_index(rs->chains, i);

        if (g_str_equal(c->family, family) && g_str_equal(c->table, table) &&
            g_str_equal(c->name, name))
            return c;
    }
    return NULL;
}

const ProvNftRule *
prov_nft_ruleset_find_rule(const ProvNftRuleset *rs, const char *family, const char *table,
                           guint64 handle)
{
    guint i;

    for (i = 0; i < rs->rules->len; i++) {
        const ProvNftRule *r = g_ptr_array_index(rs->rules, i);

        if (r->handle == handle && g_str_equal(r->family, family) && g_str_equal(r->table, table))
            return r;
    }
    return NULL;
}

/*
 * The echo of a batch run with NFT_CTX_OUTPUT_ECHO|JSON|HANDLE lists every created
 * object with its kernel handle:
 *   {"nftables": [{"add": {"table": {...}}},
 *     {"insert": {"rule": {"family": "ip", "table": "filter", "chain": "FORWARD",
 *                          "handle": 2, "comment": "provd:virbr0", "expr": [...]}}}]}
 */
GPtrArray *
prov_nft_echo_rules(const char *echo_json, const char *comment, const char *skip_family,
                    const char *skip_table, GError **error)
{
    g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func(
        (GDestroyNotify) prov_nft_rule_free);
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(GError) local = NULL;
    JsonArray *arr;
    guint i;

    if (!echo_json || !echo_json[0])
        return g_steal_pointer(&rules);
    parser = json_parser_new();
    if (!json_parser_load_from_data(parser, echo_json, -1, &local)) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_PARSE_FAILED,
                    "cannot parse the nftables echo: %s", local->message);
        return NULL;
    }
    if (!(arr = prov_nft_top_array(parser, "nftables echo", error)))
        return NULL;
    for (i = 0; i < json_array_get_length(arr); i++) {
        JsonNode *node = json_array_get_element(arr, i);
        JsonObject *obj;
        JsonObject *cmd = NULL;
        JsonObject *r;
        ProvNftRule *rule;

        if (!JSON_NODE_HOLDS_OBJECT(node))
            continue;
        obj = json_node_get_object(node);
        if (json_object_has_member(obj, "insert"))
            cmd = json_object_get_object_member(obj, "insert");
        else if (json_object_has_member(obj, "add"))
            cmd = json_object_get_object_member(obj, "add");
        if (!cmd || !json_object_has_member(cmd, "rule"))
            continue;
        r = json_object_get_object_member(cmd, "rule");
        if (!r)
            continue;
        rule = g_new0(ProvNftRule, 1);
        rule->family = prov_json_dup_string(r, "family");
        rule->table = prov_json_dup_string(r, "table");
        rule->chain = prov_json_dup_string(r, "chain");
        rule->comment = prov_json_dup_string(r, "comment");
        rule->handle = json_object_has_member(r, "handle")
                           ? (guint64) json_object_get_int_member(r, "handle")
                           : 0;
        if (!rule->family || !rule->table || !rule->chain || !rule->handle ||
            g_strcmp0(rule->comment, comment) != 0 ||
            (g_str_equal(rule->family, skip_family) && g_str_equal(rule->table, skip_table))) {
            prov_nft_rule_free(rule);
            continue;
        }
        g_ptr_array_add(rules, rule);
    }
    return g_steal_pointer(&rules);
}

/* ---- iptables-save ------------------------------------------------------- */

typedef struct {
    GHashTable *chains; /* name -> GUINT_TO_POINTER(number of -A lines) */
    GHashTable *rules;  /* "CHAIN spec" */
} ProvIptablesTable;

struct _ProvIptablesDump {
    GHashTable *tables; /* name -> ProvIptablesTable */
};

static void
prov_iptables_table_free(ProvIptablesTable *t)
{
    if (!t)
        return;
    g_hash_table_unref(t->chains);
    g_hash_table_unref(t->rules);
    g_free(t);
}

void
prov_iptables_dump_free(ProvIptablesDump *dump)
{
    if (!dump)
        return;
    g_hash_table_unref(dump->tables);
    g_free(dump);
}

ProvIptablesDump *
prov_iptables_dump_parse(const char *text)
{
    ProvIptablesDump *dump = g_new0(ProvIptablesDump, 1);
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    ProvIptablesTable *cur = NULL;
    guint i;

    dump->tables = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) prov_iptables_table_free);
    for (i = 0; lines[i]; i++) {
        const char *line = lines[i];

        if (line[0] == '*') {
            cur = g_new0(ProvIptablesTable, 1);
            cur->chains = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
            cur->rules = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
            g_hash_table_replace(dump->tables, g_strdup(line + 1), cur);
        } else if (!cur) {
            continue;
        } else if (line[0] == ':') {
            const char *sp = strchr(line, ' ');
            g_autofree char *name = sp ? g_strndup(line + 1, sp - line - 1) : g_strdup(line + 1);

            if (!g_hash_table_contains(cur->chains, name))
                g_hash_table_insert(cur->chains, g_steal_pointer(&name), GUINT_TO_POINTER(0));
        } else if (g_str_has_prefix(line, "-A ")) {
            const char *rest = line + 3;
            const char *sp = strchr(rest, ' ');
            g_autofree char *name = sp ? g_strndup(rest, sp - rest) : g_strdup(rest);
            guint n = GPOINTER_TO_UINT(g_hash_table_lookup(cur->chains, name));

            g_hash_table_add(cur->rules, g_strdup(rest));
            g_hash_table_replace(cur->chains, g_steal_pointer(&name), GUINT_TO_POINTER(n + 1));
        } else if (g_str_equal(line, "COMMIT")) {
            cur = NULL;
        }
    }
    return dump;
}

bool
prov_iptables_dump_has_chain(const ProvIptablesDump *dump, const char *table, const char *chain)
{
    ProvIptablesTable *t = g_hash_table_lookup(dump->tables, table);

    return t && g_hash_table_contains(t->chains, chain);
}

bool
prov_iptables_dump_has_rule(const ProvIptablesDump *dump, const char *table, const char *chain,
                            const char *spec)
{
    ProvIptablesTable *t = g_hash_table_lookup(dump->tables, table);
    g_autofree char *key = g_strdup_printf("%s %s", chain, spec);

    return t && g_hash_table_contains(t->rules, key);
}

guint
prov_iptables_dump_count_rules(const ProvIptablesDump *dump, const char *table, const char *chain)
{
    ProvIptablesTable *t = g_hash_table_lookup(dump->tables, table);

    return t ? GPOINTER_TO_UINT(g_hash_table_lookup(t->chains, chain)) : 0;
}
