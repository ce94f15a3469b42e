/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provctl-secret.c: provctl's secret commands (virsh secret-* names, arguments, output). */
#define G_LOG_DOMAIN "provctl"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "storage/secret.h"
#include "storage/storage_conf.h"
#include "tools/provctl-util.h"
#include "util/error.h"
#include "util/fileutil.h"

/* A value never needs more; the store refuses more as well. */
#define PROV_CTL_SECRET_MAX (64 * 1024)

/* virsh's "failed to get secret 'x'" when the secret is not there, else @fmt. */
static void
secret_error(const char *secret, const GError *err, const char *fmt)
{
    if (prov_error_code(err) == PROV_ERR_NO_SECRET && g_str_has_suffix(err->message, "not found"))
        prov_ctl_error("failed to get secret '%s'", secret);
    else
        prov_ctl_error("%s", fmt);
    prov_ctl_error_detail(err);
}

static ProvCtlExit
cmd_secret_define(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *file = prov_ctl_opt_string(cmd, "file");
    g_autofree char *xml = NULL;
    g_autofree char *uuid = NULL;
    g_autoptr(GError) err = NULL;

    if (!(xml = prov_ctl_read_file(file)))
        return PROV_CTL_EXIT_FAILED;
    if (!prov_secret_define(ctl->root, xml, &uuid, &err)) {
        prov_ctl_error("Failed to set attributes from %s", file);
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_extra(ctl, "Secret %s created\n", uuid);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_secret_undefine(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *secret = prov_ctl_opt_string(cmd, "secret");
    g_autoptr(ProvSecretDef) def = NULL;
    g_autoptr(GError) err = NULL;
    char uuid[37];

    if (!(def = prov_secret_lookup(ctl->root, secret, &err))) {
        secret_error(secret, err, "Failed to delete secret");
        return PROV_CTL_EXIT_FAILED;
    }
    prov_uuid_format(def->uuid, uuid);
    if (!prov_secret_undefine(ctl->root, uuid, &err)) {
        prov_ctl_error("Failed to delete secret %s", uuid);
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_extra(ctl, "Secret %s deleted\n", uuid);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_secret_dumpxml(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *secret = prov_ctl_opt_string(cmd, "secret");
    g_autoptr(ProvSecretDef) def = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL;

    if (!(def = prov_secret_lookup(ctl->root, secret, &err))) {
        secret_error(secret, err, "Failed to get the secret's XML");
        return PROV_CTL_EXIT_FAILED;
    }
    xml = prov_secret_def_format(def);
    prov_ctl_print_document(ctl, xml);
    return PROV_CTL_EXIT_OK;
}

/* {"uuid": "...", "usage": "iscsi", "usage_id": "kvmguests", "ephemeral": false,
 *  "private": true, "description": null} */
static void
secret_to_json(JsonBuilder *b, const ProvSecretDef *def)
{
    char uuid[37];

    prov_uuid_format(def->uuid, uuid);
    json_builder_begin_object(b);
    prov_ctl_json_add_string(b, "uuid", uuid);
    prov_ctl_json_add_string(b, "usage", prov_secret_usage_type_to_string(def->usage_type));
    prov_ctl_json_add_string(b, "usage_id", def->usage_id);
    json_builder_set_member_name(b, "ephemeral");
    json_builder_add_boolean_value(b, def->ephemeral);
    json_builder_set_member_name(b, "private");
    json_builder_add_boolean_value(b, def->is_private);
    prov_ctl_json_add_string(b, "description", def->description);
    json_builder_end_object(b);
}

static ProvCtlExit
cmd_secret_list(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    bool ephemeral = prov_ctl_opt_bool(cmd, "ephemeral");
    bool no_ephemeral = prov_ctl_opt_bool(cmd, "no-ephemeral");
    bool private_only = prov_ctl_opt_bool(cmd, "private");
    bool no_private = prov_ctl_opt_bool(cmd, "no-private");
    g_autoptr(GPtrArray) secrets = NULL;
    g_autoptr(GPtrArray) shown = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    guint i;

    if (!(secrets = prov_secret_list(ctl->root, &err))) {
        prov_ctl_error("Failed to list secrets");
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    for (i = 0; i < secrets->len; i++) {
        const ProvSecretDef *def = g_ptr_array_index(secrets, i);

        /* Like virsh: giving both of a pair filters nothing out. */
        if (ephemeral != no_ephemeral && def->ephemeral != ephemeral)
            continue;
        if (private_only != no_private && def->is_private != private_only)
            continue;
        g_ptr_array_add(shown, (gpointer)def);
    }

    if (ctl->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_array(b);
        for (i = 0; i < shown->len; i++)
            secret_to_json(b, g_ptr_array_index(shown, i));
        json_builder_end_array(b);
        prov_ctl_json_print(b);
        return PROV_CTL_EXIT_OK;
    }
    {
        g_autoptr(ProvCtlTable) table = prov_ctl_table_new("UUID", "Usage", NULL);

        for (i = 0; i < shown->len; i++) {
            const ProvSecretDef *def = g_ptr_array_index(shown, i);
            g_autofree char *usage = NULL;
            char uuid[37];

            prov_uuid_format(def->uuid, uuid);
            if (def->usage_type == PROV_SECRET_USAGE_NONE)
                usage = g_strdup("Unused");
            else
                usage = g_strdup_printf("%s %s",
                                        prov_secret_usage_type_to_string(def->usage_type),
                                        def->usage_id);
            prov_ctl_table_add_row(table, uuid, usage, NULL);
        }
        prov_ctl_table_print(ctl, table);
    }
    return PROV_CTL_EXIT_OK;
}

/* Strict base64 (the alphabet, '=' padding, whitespace ignored); NULL if it is not. */
static guint8 *
decode_base64(const char *text, gsize *ret_len)
{
    g_autoptr(GString) clean = g_string_new(NULL);
    const char *p;

    for (p = text; *p; p++) {
        if (g_ascii_isspace(*p))
            continue;
        if (!g_ascii_isalnum(*p) && *p != '+' && *p != '/' && *p != '=')
            return NULL;
        g_string_append_c(clean, *p);
    }
    if (clean->len % 4 != 0)
        return NULL;
    p = strchr(clean->str, '=');
    if (p && (strspn(p, "=") != strlen(p) || strlen(p) > 2))
        return NULL;
    if (clean->len == 0) {
        *ret_len = 0;
        return g_new0(guint8, 1);
    }
    return g_base64_decode(clean->str, ret_len);
}

/* One line from the terminal without echo, or from stdin when it is not a terminal. */
static char *
read_value_interactive(void)
{
    struct termios old;
    struct termios quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    char buf[4096];
    char *line;

    if (tty) {
        fputs("Enter new value for secret:", stdout);
        fflush(stdout);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    line = fgets(buf, sizeof(buf), stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stdout);
    }
    if (!line)
        return NULL;
    buf[strcspn(buf, "\n")] = '\0';
    line = g_strdup(buf);
    explicit_bzero(buf, sizeof(buf));
    return line;
}

static ProvCtlExit
cmd_secret_set_value(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *secret = prov_ctl_opt_string(cmd, "secret");
    const char *base64 = prov_ctl_opt_string(cmd, "base64");
    const char *file = prov_ctl_opt_string(cmd, "file");
    bool plain = prov_ctl_opt_bool(cmd, "plain");
    bool interactive = prov_ctl_opt_bool(cmd, "interactive");
    g_autoptr(ProvSecretValue) value = g_new0(ProvSecretValue, 1);
    g_autoptr(GError) err = NULL;
    ProvCtlExit rc;

    if ((rc = prov_ctl_exclusive(cmd, "file", "base64")) != PROV_CTL_EXIT_OK ||
        (rc = prov_ctl_exclusive(cmd, "file", "interactive")) != PROV_CTL_EXIT_OK ||
        (rc = prov_ctl_exclusive(cmd, "interactive", "base64")) != PROV_CTL_EXIT_OK ||
        (rc = prov_ctl_exclusive(cmd, "plain", "base64")) != PROV_CTL_EXIT_OK)
        return rc;
    if (!file && !base64 && !interactive) {
        prov_ctl_error("Input secret value is missing");
        return PROV_CTL_EXIT_USAGE;
    }

    if (file) {
        g_autofree char *text = prov_file_read_all(file, PROV_CTL_SECRET_MAX, &value->len,
                                                   &err);

        if (!text) {
            prov_ctl_error("Failed to read secret value from '%s'", file);
            prov_ctl_error_detail(err);
            return PROV_CTL_EXIT_FAILED;
        }
        if (plain) {
            value->data = (guint8 *)g_steal_pointer(&text);
        } else if (!(value->data = decode_base64(text, &value->len))) {
            explicit_bzero(text, strlen(text));
            prov_ctl_error("the contents of '%s' are not valid base64 (use --plain for a raw "
                           "value)", file);
            return PROV_CTL_EXIT_FAILED;
        } else {
            explicit_bzero(text, strlen(text));
        }
    } else if (interactive) {
        char *line = read_value_interactive();

        if (!line) {
            prov_ctl_error("Failed to read secret value");
            return PROV_CTL_EXIT_FAILED;
        }
        value->len = strlen(line);
        value->data = (guint8 *)line;
    } else if (!(value->data = decode_base64(base64, &value->len))) {
        prov_ctl_error("the secret value is not valid base64");
        return PROV_CTL_EXIT_FAILED;
    }

    if (!prov_secret_set_value(ctl->root, secret, value->data, value->len, &err)) {
        secret_error(secret, err, "Failed to set secret value");
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_extra(ctl, "Secret value set\n");
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_secret_get_value(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *secret = prov_ctl_opt_string(cmd, "secret");
    bool plain = prov_ctl_opt_bool(cmd, "plain");
    g_autoptr(ProvSecretDef) def = NULL;
    g_autoptr(ProvSecretValue) value = NULL;
    g_autoptr(GError) err = NULL;

    if (!(def = prov_secret_lookup(ctl->root, secret, &err)) ||
        !(value = prov_secret_get_value(ctl->root, def->uuid, 0, &err))) {
        secret_error(secret, err, "Failed to get secret value");
        return PROV_CTL_EXIT_FAILED;
    }
    if (plain) {
        fwrite(value->data, 1, value->len, stdout);
    } else {
        g_autofree char *text = g_base64_encode(value->data, value->len);

        prov_ctl_print(ctl, "%s\n", text);
        explicit_bzero(text, strlen(text));
    }
    return PROV_CTL_EXIT_OK;
}

#define OPT_SECRET \
    {.name = "secret", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED, \
     .help = "secret UUID (or its usage id)"}

static const ProvCtlOptDef opts_secret_define[] = {
    {.name = "file", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "file containing secret attributes in XML"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_secret[] = {
    OPT_SECRET,
    {.name = NULL}
};

static const ProvCtlOptDef opts_secret_list[] = {
    {.name = "ephemeral", .type = PROV_CTL_OPT_BOOL, .help = "list ephemeral secrets"},
    {.name = "no-ephemeral", .type = PROV_CTL_OPT_BOOL, .help = "list non-ephemeral secrets"},
    {.name = "private", .type = PROV_CTL_OPT_BOOL, .help = "list private secrets"},
    {.name = "no-private", .type = PROV_CTL_OPT_BOOL, .help = "list non-private secrets"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_secret_set_value[] = {
    OPT_SECRET,
    {.name = "base64", .type = PROV_CTL_OPT_STRING, .help = "base64-encoded secret value"},
    {.name = "file", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_NAMED,
     .help = "read the value from a file (base64 unless --plain)"},
    {.name = "plain", .type = PROV_CTL_OPT_BOOL,
     .help = "the file holds the raw value, not base64"},
    {.name = "interactive", .type = PROV_CTL_OPT_BOOL,
     .help = "read the value from the terminal, without echo"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_secret_get_value[] = {
    OPT_SECRET,
    {.name = "plain", .type = PROV_CTL_OPT_BOOL, .help = "print the raw value, not base64"},
    {.name = NULL}
};

/* Sorted by name, as virsh lists them. */
const ProvCtlCmdDef prov_ctl_secret_cmds[] = {
    {.name = "secret-define",
     .handler = cmd_secret_define,
     .opts = opts_secret_define,
     .help = "define or modify a secret from an XML file",
     .desc = "Define a secret (e.g. the CHAP password of an iSCSI pool) from a <secret> "
             "document; an existing secret with the same UUID is updated."},
    {.name = "secret-dumpxml",
     .handler = cmd_secret_dumpxml,
     .opts = opts_secret,
     .help = "secret attributes in XML",
     .desc = "Print the secret's <secret> document (never its value)."},
    {.name = "secret-get-value",
     .handler = cmd_secret_get_value,
     .opts = opts_secret_get_value,
     .help = "output a secret value",
     .desc = "Print the value of a non-private secret, base64-encoded unless --plain.  "
             "Private secrets (private='yes') refuse, as in libvirt."},
    {.name = "secret-list",
     .handler = cmd_secret_list,
     .opts = opts_secret_list,
     .help = "list secrets",
     .desc = "List the secrets with their usage.",
     .flags = PROV_CTL_CMD_JSON},
    {.name = "secret-set-value",
     .handler = cmd_secret_set_value,
     .opts = opts_secret_set_value,
     .help = "set a secret value",
     .desc = "Set the value of a secret, from a base64 argument, a file (--file, base64 "
             "unless --plain) or the terminal (--interactive).  The value is stored in a "
             "mode 0600 file and never printed."},
    {.name = "secret-undefine",
     .handler = cmd_secret_undefine,
     .opts = opts_secret,
     .help = "undefine a secret",
     .desc = "Remove a secret and its value."},
    {.name = NULL}
};
