/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* firewall.h: firewall transactions: one libnftables batch, or one iptables-restore per table. */
#pragma once

#include <glib.h>
#include <stdbool.h>

/*
 * The transaction layer under the network firewall (STYLE rules 27-28).  It knows
 * nothing about networks: it applies text, reads the kernel's ruleset back and
 * parses what it read.
 *
 * - nftables: a whole generated script goes through ONE nft_run_cmd_from_buffer()
 *   call, which libnftables turns into ONE netlink batch: the kernel commits all of
 *   it or none of it, so there is nothing to roll back.
 * - iptables: ONE `iptables-restore --noflush --wait` (or ip6tables-restore) per
 *   table, its input on stdin; never one process per rule.  Each COMMIT is atomic;
 *   undoing a table that succeeded before a later one failed is the caller's job.
 *
 * Every call is serialized by a process-wide lock; callers that read the ruleset and
 * then apply a script computed from it hold prov_firewall_lock() across both.
 */

typedef enum {
    PROV_FIREWALL_BACKEND_NFTABLES,
    PROV_FIREWALL_BACKEND_IPTABLES,
    PROV_FIREWALL_BACKEND_LAST
} ProvFirewallBackend;

/* "nftables" / "iptables"; NULL when out of range. */
const char *prov_firewall_backend_to_string(ProvFirewallBackend backend);
/* -1 when unknown. */
int prov_firewall_backend_from_string(const char *str);

typedef enum {
    PROV_FIREWALL_IPV4,
    PROV_FIREWALL_IPV6,
} ProvFirewallFamily;

/* A recursive lock for read-modify-write sequences on the ruleset. */
void prov_firewall_lock(void);
void prov_firewall_unlock(void);

/**
 * prov_firewall_nft_apply:
 * @script: nft commands in the text syntax, one per line
 * @ret_echo: (out) (optional): the kernel's echo of what was created, as nft JSON
 *   ({"nftables": [{"insert": {"rule": {..., "handle": 7}}}, ...]}), caller frees
 *
 * Applies @script as one atomic batch.  On failure nothing was changed and @error
 * (PROV_UTIL_ERROR / PROV_ERR_OPERATION_FAILED) carries libnftables' own message,
 * which quotes the failing command.
 */
bool prov_firewall_nft_apply(const char *script, char **ret_echo, GError **error);

/*
 * `nft -j list <what>` ("ruleset", "chains", "table ip filter", "tables; list chains")
 * of the current network namespace: one JSON document per listed command, one per
 * line.  Caller frees.
 */
char *prov_firewall_nft_list(const char *what, GError **error);

/* `iptables-save` / `ip6tables-save` (all tables).  Caller frees. */
char *prov_firewall_iptables_save(ProvFirewallFamily family, GError **error);

/**
 * prov_firewall_iptables_restore:
 * @family: selects iptables-restore or ip6tables-restore
 * @table: the table @input changes (for messages)
 * @input: "*<table>\n...\nCOMMIT\n"
 *
 * Runs `<tool> --noflush --wait` once with @input on stdin.  A missing tool is a
 * PROV_ERR_OPERATION_FAILED naming it; a failure carries the tool's stderr.
 */
bool prov_firewall_iptables_restore(ProvFirewallFamily family, const char *table,
                                    const char *input, GError **error);

/* ---- the nft ruleset, parsed -------------------------------------------- */

typedef struct {
    char *family;       /* "ip", "ip6", "inet", ... */
    char *table;
    char *name;
    char *type;         /* "filter", "nat", "route"; NULL for a regular chain */
    char *hook;         /* "forward", "input", ...; NULL for a regular chain */
    bool policy_drop;
    /*
     * The chain can end a packet's path with drop or reject: its policy is drop, or a
     * rule in it, or in a chain it jumps to, has a drop/reject verdict or a verdict
     * map (conservatively).  Under nftables such a base chain must accept a packet
     * explicitly, whatever other tables say.
     */
    bool may_drop;
} ProvNftChain;

typedef struct {
    char *family;
    char *table;
    char *chain;
    guint64 handle;     /* unique within its table */
    char *comment;      /* NULL when none */
    char *vmap;         /* the named verdict map it dispatches through ("guest_in"), or NULL */
} ProvNftRule;

typedef struct {
    char *family;
    char *table;
    char *map;
    char *key;          /* "virbr0" (unquoted), "192.168.122.0/24", "10.0.0.1" */
    bool key_is_string; /* an ifname/string key: quote it in nft syntax */
    char *target;       /* chain named by a jump/goto verdict, or NULL */
} ProvNftElement;

typedef struct _ProvNftRulesetPriv ProvNftRulesetPriv;

typedef struct {
    GPtrArray *tables;   /* "family table" strings */
    GPtrArray *chains;   /* ProvNftChain */
    GPtrArray *rules;    /* ProvNftRule */
    GPtrArray *elements; /* ProvNftElement of every listed map */
    ProvNftRulesetPriv *priv;
} ProvNftRuleset;

/*
 * A ruleset is built from one or more listings (prov_nft_ruleset_add_json(), each
 * object counted once however often it is listed), then finished: may_drop is
 * computed from what was listed.  prov_nft_ruleset_parse() does all three for one
 * `nft -j list ruleset` output; an empty string is an empty ruleset.
 */
ProvNftRuleset *prov_nft_ruleset_new(void);
bool prov_nft_ruleset_add_json(ProvNftRuleset *rs, const char *json, GError **error);
void prov_nft_ruleset_finish(ProvNftRuleset *rs);
ProvNftRuleset *prov_nft_ruleset_parse(const char *json, GError **error);
void prov_nft_ruleset_free(ProvNftRuleset *rs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNftRuleset, prov_nft_ruleset_free)

/**
 * prov_nft_ruleset_survey:
 * @own_family: family of the caller's own table ("inet")
 * @own_table: its name ("provd")
 * @own_chains: (nullable): NULL-terminated names of own chains whose rules are wanted
 * @extra_tables: (nullable): more "family table" names to list in full
 *
 * What a table that filters forwarded traffic needs to know, read cheaply: every
 * table and chain (no rules), the own table's maps with their elements and the rules
 * of @own_chains, and in full every other table with a filter base chain on the
 * input, forward or output hook (the chains that may drop what we accept), plus
 * @extra_tables.  A full `list ruleset` costs time in proportion to the whole
 * ruleset, including our own rules for every network, and so would make starting N
 * networks quadratic; this costs a few small listings.  A dry run answers one
 * `list ruleset` instead.
 */
ProvNftRuleset *prov_nft_ruleset_survey(const char *own_family, const char *own_table,
                                        const char *const *own_chains, GPtrArray *extra_tables,
                                        GError **error);

/* @table NULL: @family is a whole "family table" key. */
bool prov_nft_ruleset_has_table(const ProvNftRuleset *rs, const char *family, const char *table);
const ProvNftChain *prov_nft_ruleset_find_chain(const ProvNftRuleset *rs, const char *family,
                                                const char *table, const char *name);
const ProvNftRule *prov_nft_ruleset_find_rule(const ProvNftRuleset *rs, const char *family,
                                              const char *table, guint64 handle);

/*
 * Handles of the rules that the echo of prov_firewall_nft_apply() reports as
 * inserted or added with comment @comment outside table @skip_family/@skip_table.
 * Returns a GPtrArray of ProvNftRule (family, table, chain, handle, comment).
 * Note that libnftables 1.0.6 builds a cache of the whole ruleset to echo, a cost
 * that grows with every rule on the host: listing the one table afterwards is cheaper.
 */
GPtrArray *prov_nft_echo_rules(const char *echo_json, const char *comment,
                               const char *skip_family, const char *skip_table, GError **error);

/* ---- iptables-save output, parsed --------------------------------------- */

typedef struct _ProvIptablesDump ProvIptablesDump;

/*
 * Parses iptables-save text:
 *   *filter
 *   :INPUT ACCEPT [0:0]
 *   :PROV_FWI - [0:0]
 *   -A FORWARD -j PROV_FWI
 *   COMMIT
 */
ProvIptablesDump *prov_iptables_dump_parse(const char *text);
void prov_iptables_dump_free(ProvIptablesDump *dump);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvIptablesDump, prov_iptables_dump_free)

bool prov_iptables_dump_has_chain(const ProvIptablesDump *dump, const char *table,
                                  const char *chain);
/* An "-A @chain @spec" line exists (exact text as iptables-save prints it). */
bool prov_iptables_dump_has_rule(const ProvIptablesDump *dump, const char *table,
                                 const char *chain, const char *spec);
/* Number of "-A @chain ..." lines. */
guint prov_iptables_dump_count_rules(const ProvIptablesDump *dump, const char *table,
                                     const char *chain);

/* ---- test seam ------------------------------------------------------------ */

typedef enum {
    PROV_FIREWALL_OP_NFT_LIST,         /* input: "list ..."; output: nft JSON ("" = empty) */
    PROV_FIREWALL_OP_NFT_APPLY,        /* input: the script; output: JSON echo or "" */
    PROV_FIREWALL_OP_IPTABLES_SAVE,    /* output: iptables-save text */
    PROV_FIREWALL_OP_IPTABLES_RESTORE, /* input: the restore text */
} ProvFirewallOp;

/*
 * While a dry run is set nothing reaches the kernel or a tool.  Every write (nft
 * script, restore input) is appended to @log (if non-NULL) after a header line
 * ("# nft", "# iptables-restore --noflush --wait", "# ip6tables-restore ..."), and
 * @cb (if non-NULL) sees every operation: it returns the canned output in
 * *@ret_output (NULL = empty) or fails with @error to inject a fault.  Without @cb
 * reads return an empty ruleset.  Pass NULL, NULL, NULL to restore real execution.
 * Tests only; not thread-safe.
 */
typedef bool (*ProvFirewallDryRunFunc)(ProvFirewallOp op, ProvFirewallFamily family,
                                       const char *input, char **ret_output,
                                       void *opaque, GError **error);
void prov_firewall_set_dry_run(GString *log, ProvFirewallDryRunFunc cb, void *opaque);
