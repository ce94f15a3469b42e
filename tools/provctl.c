/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provctl.c: the provctl CLI: global options, command table, option parser, help, exit codes. */
#define G_LOG_DOMAIN "provctl"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "tools/provctl-util.h"

/*
 * A group of commands, as virsh lists them in `help` ("Storage Pool (help
 * keyword 'pool')").  The keyword also works as `provctl help pool`.
 */
typedef struct {
    const char *name;
    const char *keyword;
    const ProvCtlCmdDef *cmds;
} ProvCtlCmdGroup;

/* A parsed command line: one value slot per option of the definition. */
struct _ProvCtlCmd {
    const ProvCtlCmdDef *def;
    guint nopts;
    char **values;            /* NULL = not given; "" for a given bool */
    guint64 *sizes;           /* parsed PROV_CTL_OPT_SIZE values */
};

static const ProvCtlCmdGroup *cmd_groups_get(void);

/* ---- the parsed command --------------------------------------------------- */

static void
prov_ctl_cmd_free(ProvCtlCmd *cmd)
{
    guint i;

    if (!cmd)
        return;
    for (i = 0; i < cmd->nopts; i++)
        g_free(cmd->values[i]);
    g_free(cmd->values);
    g_free(cmd->sizes);
    g_free(cmd);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvCtlCmd, prov_ctl_cmd_free)

static int
cmd_def_opt_index(const ProvCtlCmdDef *def, const char *name)
{
    int i;

    for (i = 0; def->opts && def->opts[i].name; i++) {
        if (g_str_equal(def->opts[i].name, name))
            return i;
    }
    return -1;
}

/* Handlers only ask for their own options: anything else is a programming error. */
static int
cmd_opt_index_checked(const ProvCtlCmd *cmd, const char *name, ProvCtlOptType type)
{
    int i = cmd_def_opt_index(cmd->def, name);

    if (i < 0 || (cmd->def->opts[i].type == PROV_CTL_OPT_BOOL) != (type == PROV_CTL_OPT_BOOL))
        g_error("command '%s' has no %s option '%s'", cmd->def->name,
                type == PROV_CTL_OPT_BOOL ? "bool" : "value", name);
    return i;
}

bool
prov_ctl_opt_bool(const ProvCtlCmd *cmd, const char *name)
{
    return cmd->values[cmd_opt_index_checked(cmd, name, PROV_CTL_OPT_BOOL)] != NULL;
}

const char *
prov_ctl_opt_string(const ProvCtlCmd *cmd, const char *name)
{
    return cmd->values[cmd_opt_index_checked(cmd, name, PROV_CTL_OPT_STRING)];
}

bool
prov_ctl_opt_size(const ProvCtlCmd *cmd, const char *name, guint64 *ret)
{
    int i = cmd_opt_index_checked(cmd, name, PROV_CTL_OPT_SIZE);

    if (!cmd->values[i])
        return false;
    *ret = cmd->sizes[i];
    return true;
}

ProvCtlExit
prov_ctl_exclusive(const ProvCtlCmd *cmd, const char *a, const char *b)
{
    int ia = cmd_def_opt_index(cmd->def, a);
    int ib = cmd_def_opt_index(cmd->def, b);

    g_assert(ia >= 0 && ib >= 0);
    if (cmd->values[ia] && cmd->values[ib]) {
        prov_ctl_error("Options --%s and --%s are mutually exclusive", a, b);
        return PROV_CTL_EXIT_USAGE;
    }
    return PROV_CTL_EXIT_OK;
}

/* ---- help ----------------------------------------------------------------- */

static const char *
opt_value_word(const ProvCtlOptDef *opt)
{
    return opt->type == PROV_CTL_OPT_SIZE ? "size" : "string";
}

/* "pool-info <pool> [--bytes]": the one-line synopsis, also used in usage hints. */
static char *
cmd_synopsis(const ProvCtlCmdDef *def)
{
    GString *out = g_string_new(def->name);
    const ProvCtlOptDef *opt;

    for (opt = def->opts; opt && opt->name; opt++) {
        if (opt->type == PROV_CTL_OPT_BOOL)
            g_string_append_printf(out, " [--%s]", opt->name);
        else if (opt->flags & PROV_CTL_OPT_REQUIRED)
            g_string_append_printf(out, " <%s>", opt->name);
        else
            g_string_append_printf(out, " [--%s <%s>]", opt->name, opt_value_word(opt));
    }
    if (def->flags & PROV_CTL_CMD_JSON)
        g_string_append(out, " [--json]");
    return g_string_free(out, FALSE);
}

/* virsh's `help COMMAND` layout: NAME, SYNOPSIS, DESCRIPTION, OPTIONS. */
static void
cmd_print_help(const ProvCtlCmdDef *def)
{
    g_autofree char *synopsis = cmd_synopsis(def);
    const ProvCtlOptDef *opt;

    printf("  NAME\n    %s - %s\n", def->name, def->help);
    printf("\n  SYNOPSIS\n    %s\n", synopsis);
    if (def->desc && def->desc[0])
        printf("\n  DESCRIPTION\n    %s\n", def->desc);

    if ((def->opts && def->opts[0].name) || (def->flags & PROV_CTL_CMD_JSON)) {
        printf("\n  OPTIONS\n");
        for (opt = def->opts; opt && opt->name; opt++) {
            g_autofree char *left = NULL;

            if (opt->type == PROV_CTL_OPT_BOOL)
                left = g_strdup_printf("--%s", opt->name);
            else if ((opt->flags & PROV_CTL_OPT_REQUIRED) && !(opt->flags & PROV_CTL_OPT_NAMED))
                left = g_strdup_printf("[--%s] <%s>", opt->name, opt_value_word(opt));
            else
                left = g_strdup_printf("--%s <%s>", opt->name, opt_value_word(opt));
            printf("    %-15s  %s\n", left, opt->help);
        }
        if (def->flags & PROV_CTL_CMD_JSON)
            printf("    %-15s  %s\n", "--json", "print the result as JSON (see docs/provctl.md)");
    }
    printf("\n");
}

static void
group_print_help(const ProvCtlCmdGroup *grp)
{
    const ProvCtlCmdDef *def;

    printf(" %s (help keyword '%s'):\n", grp->name, grp->keyword);
    for (def = grp->cmds; def->name; def++)
        printf("    %-30s %s\n", def->name, def->help);
    printf("\n");
}

static const char exit_status_text[] =
    "Exit status:\n"
    "  0   success\n"
    "  1   the operation failed (the error is printed on stderr)\n"
    "  2   usage error: unknown command or option, missing, extra or malformed argument\n";

static void
print_usage(void)
{
    const ProvCtlCmdGroup *grp;

    printf("Usage: provctl [OPTIONS] COMMAND [ARGS...]\n"
           "\n"
           "Manage provd storage pools and volumes with virsh's command names and arguments.\n"
           "\n"
           "Options (before the command):\n"
           "    --root DIR        use DIR as the state root instead of the system paths\n"
           "    --json            print listings and info as JSON\n"
           "    -q, --quiet       no table headers, success messages or progress bars\n"
           "    -h, --help        print this help\n"
           "    -V, --version     print the version\n"
           "\n"
           "Grouping of commands:\n"
           "\n");
    for (grp = cmd_groups_get(); grp->name; grp++)
        group_print_help(grp);
    printf("%s\n", exit_status_text);
    printf("Run 'provctl help COMMAND' (or 'provctl COMMAND --help') for its options.\n");
}

static const ProvCtlCmdDef *
cmd_def_search(const char *name)
{
    const ProvCtlCmdGroup *grp;
    const ProvCtlCmdDef *def;

    for (grp = cmd_groups_get(); grp->name; grp++) {
        for (def = grp->cmds; def->name; def++) {
            if (g_str_equal(def->name, name))
                return def;
        }
    }
    return NULL;
}

static void
print_cmd_usage_hint(const ProvCtlCmdDef *def)
{
    g_autofree char *synopsis = cmd_synopsis(def);

    fflush(stdout);
    fprintf(stderr, "Usage: provctl %s\nRun 'provctl help %s' for details.\n",
            synopsis, def->name);
}

static void
print_usage_hint(void)
{
    fflush(stdout);
    fprintf(stderr, "Usage: provctl [--root DIR] [--json] [-q] COMMAND [ARGS...]\n"
                    "Run 'provctl help' for the list of commands.\n");
}

/* ---- option parser (virsh's vshCommandParse) ------------------------------ */

typedef struct {
    bool help;                /* --help / -h seen: print help instead of running */
    bool json;                /* --json seen after a command that has a JSON form */
} ProvCtlParseExtra;

static ProvCtlExit
cmd_store_value(ProvCtlCmd *cmd, int idx, const char *value)
{
    const ProvCtlOptDef *opt = &cmd->def->opts[idx];

    if (!value[0]) {
        prov_ctl_error("Failed to get option '%s': Option argument is empty", opt->name);
        return PROV_CTL_EXIT_USAGE;
    }
    if (opt->type == PROV_CTL_OPT_SIZE &&
        !prov_ctl_parse_size(value, opt->name, &cmd->sizes[idx]))
        return PROV_CTL_EXIT_USAGE;
    cmd->values[idx] = g_strdup(value);
    return PROV_CTL_EXIT_OK;
}

/* The next option that takes a positional argument, or -1. */
static int
cmd_next_positional(const ProvCtlCmd *cmd)
{
    guint i;

    for (i = 0; i < cmd->nopts; i++) {
        const ProvCtlOptDef *opt = &cmd->def->opts[i];

        if (opt->type != PROV_CTL_OPT_BOOL && !(opt->flags & PROV_CTL_OPT_NAMED) &&
            !cmd->values[i])
            return (int)i;
    }
    return -1;
}

/*
 * Parses the arguments after the command name.  "--opt value", "--opt=value"
 * and bare positional values work as in virsh; "--" ends the options.  Every
 * mistake prints one "error:" line and returns PROV_CTL_EXIT_USAGE.
 */
static ProvCtlExit
cmd_parse(const ProvCtlCmdDef *def, int argc, char **argv, ProvCtlCmd **ret_cmd,
          ProvCtlParseExtra *extra)
{
    g_autoptr(ProvCtlCmd) cmd = g_new0(ProvCtlCmd, 1);
    bool data_only = false;
    ProvCtlExit rc;
    int i;

    cmd->def = def;
    while (def->opts && def->opts[cmd->nopts].name)
        cmd->nopts++;
    cmd->values = g_new0(char *, cmd->nopts + 1);
    cmd->sizes = g_new0(guint64, cmd->nopts + 1);

    /* --help wins over every other mistake on the line, as in virsh. */
    for (i = 0; i < argc && !g_str_equal(argv[i], "--"); i++) {
        if (g_str_equal(argv[i], "--help") || g_str_equal(argv[i], "-h")) {
            extra->help = true;
            *ret_cmd = g_steal_pointer(&cmd);
            return PROV_CTL_EXIT_OK;
        }
    }

    for (i = 0; i < argc; i++) {
        const char *arg = argv[i];

        if (!data_only && arg[0] == '-' && arg[1] == '-' && g_ascii_isalnum(arg[2])) {
            g_autofree char *name = g_strdup(arg + 2);
            char *eq = strchr(name, '=');
            const char *value = NULL;
            int idx;

            if (eq) {
                *eq = '\0';
                value = eq + 1;
            }
            if (g_str_equal(name, "json") && (def->flags & PROV_CTL_CMD_JSON) && !value) {
                extra->json = true;
                continue;
            }
            idx = cmd_def_opt_index(def, name);
            if (idx < 0) {
                prov_ctl_error("command '%s' doesn't support option --%s", def->name, name);
                return PROV_CTL_EXIT_USAGE;
            }
            if (cmd->values[idx]) {
                prov_ctl_error("option --%s already seen", name);
                return PROV_CTL_EXIT_USAGE;
            }
            if (def->opts[idx].type == PROV_CTL_OPT_BOOL) {
                if (value) {
                    prov_ctl_error("invalid '=' after option --%s", name);
                    return PROV_CTL_EXIT_USAGE;
                }
                cmd->values[idx] = g_strdup("");
                continue;
            }
            if (!value) {
                if (i + 1 >= argc) {
                    prov_ctl_error("expected syntax: --%s <%s>", name,
                                   opt_value_word(&def->opts[idx]));
                    return PROV_CTL_EXIT_USAGE;
                }
                value = argv[++i];
            }
            if ((rc = cmd_store_value(cmd, idx, value)) != PROV_CTL_EXIT_OK)
                return rc;
        } else if (!data_only && g_str_equal(arg, "--")) {
            data_only = true;
        } else {
            int idx = cmd_next_positional(cmd);

            if (idx < 0) {
                prov_ctl_error("unexpected data '%s'", arg);
                return PROV_CTL_EXIT_USAGE;
            }
            if ((rc = cmd_store_value(cmd, idx, arg)) != PROV_CTL_EXIT_OK)
                return rc;
        }
    }

    for (i = 0; i < (int)cmd->nopts; i++) {
        if ((def->opts[i].flags & PROV_CTL_OPT_REQUIRED) && !cmd->values[i]) {
            prov_ctl_error("command '%s' requires <%s> option", def->name, def->opts[i].name);
            return PROV_CTL_EXIT_USAGE;
        }
    }

    *ret_cmd = g_steal_pointer(&cmd);
    return PROV_CTL_EXIT_OK;
}

/* ---- commands of provctl itself ------------------------------------------- */

static ProvCtlExit
cmd_help(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *topic = prov_ctl_opt_string(cmd, "command");
    const ProvCtlCmdGroup *grp;
    const ProvCtlCmdDef *def;

    if (!topic) {
        print_usage();
        return PROV_CTL_EXIT_OK;
    }
    if ((def = cmd_def_search(topic))) {
        cmd_print_help(def);
        return PROV_CTL_EXIT_OK;
    }
    for (grp = cmd_groups_get(); grp->name; grp++) {
        if (g_str_equal(grp->keyword, topic) || g_str_equal(grp->name, topic)) {
            group_print_help(grp);
            return PROV_CTL_EXIT_OK;
        }
    }
    prov_ctl_error("command or command group '%s' doesn't exist", topic);
    return PROV_CTL_EXIT_USAGE;
}

static ProvCtlExit
cmd_version(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    prov_ctl_print(ctl, "provctl %s\n", PROV_VERSION);
    return PROV_CTL_EXIT_OK;
}

/*
 * What the host runs at boot (provd-autostart.service): networks first (their
 * dnsmasq, radvd and firewall rules checked and restored, autostart networks started),
 * then the autostart storage pools, which may live on those networks.
 */
static ProvCtlExit
cmd_autostart(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    g_autoptr(GError) neterr = NULL;
    g_autoptr(GError) err = NULL;
    ProvNetworkDriver *netdrv = prov_ctl_network_driver(ctl);
    ProvStorageDriver *drv;
    ProvCtlExit rc = PROV_CTL_EXIT_OK;

    if (!netdrv)
        return PROV_CTL_EXIT_FAILED;
    if (!prov_network_driver_recover(netdrv, &neterr)) {
        prov_ctl_error("Failed to restore or autostart networks");
        prov_ctl_error_detail(neterr);
        rc = PROV_CTL_EXIT_FAILED;
    }
    if (!(drv = prov_ctl_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!prov_storage_driver_autostart(drv, &err)) {
        prov_ctl_error("Failed to autostart storage pools");
        prov_ctl_error_detail(err);
        rc = PROV_CTL_EXIT_FAILED;
    }
    return rc;
}

static const ProvCtlOptDef opts_help[] = {
    {.name = "command", .type = PROV_CTL_OPT_STRING,
     .help = "prints global help, command specific help, or help for a group of commands"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_none[] = {
    {.name = NULL}
};

static const ProvCtlCmdDef prov_ctl_misc_cmds[] = {
    {.name = "autostart",
     .handler = cmd_autostart,
     .opts = opts_none,
     .help = "restore running networks, start autostart networks and pools",
     .desc = "Check every running network (dnsmasq and radvd restarted when dead, "
             "firewall rules re-applied), start the networks marked with net-autostart "
             "and the pools marked with pool-autostart that are not active yet; "
             "failures are reported per object after all were tried.  This is what "
             "provd-autostart.service runs at boot."},
    {.name = "help",
     .handler = cmd_help,
     .opts = opts_help,
     .help = "print help",
     .desc = "Prints global help, command specific help, or help for a group of "
             "related commands"},
    {.name = "version",
     .handler = cmd_version,
     .opts = opts_none,
     .help = "show version",
     .desc = "Print the provctl version."},
    {.name = NULL}
};

extern const ProvCtlCmdDef prov_ctl_secret_cmds[];   /* provctl-secret.c */

static const ProvCtlCmdGroup cmd_groups[] = {
    {"Storage Pool", "pool", prov_ctl_pool_cmds},
    {"Storage Volume", "volume", prov_ctl_vol_cmds},
    {"Networking", "network", prov_ctl_net_cmds},
    {"Secret", "secret", prov_ctl_secret_cmds},
    {"provctl itself", "provctl", prov_ctl_misc_cmds},
    {NULL, NULL, NULL}
};

static const ProvCtlCmdGroup *
cmd_groups_get(void)
{
    return cmd_groups;
}

/* ---- main ----------------------------------------------------------------- */

static void
prov_ctl_clear(ProvCtl *ctl)
{
    g_clear_pointer(&ctl->drv, prov_storage_driver_free);
    g_clear_pointer(&ctl->netdrv, prov_network_driver_free);
    g_clear_pointer(&ctl->root, g_free);
}

/*
 * Global options come before the command (provctl --root /tmp/r pool-list);
 * the first argument that is not one of them names the command.  Returns -1
 * to go on with the command at *ret_index, or an exit status to stop with.
 */
static int
parse_global_options(ProvCtl *ctl, int argc, char **argv, int *ret_index)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (g_str_equal(arg, "--root") || g_str_has_prefix(arg, "--root=")) {
            const char *value = arg[6] == '=' ? arg + 7 : NULL;

            if (!value) {
                if (i + 1 >= argc) {
                    prov_ctl_error("option --root requires a directory");
                    print_usage_hint();
                    return PROV_CTL_EXIT_USAGE;
                }
                value = argv[++i];
            }
            if (!value[0]) {
                prov_ctl_error("option --root requires a directory");
                return PROV_CTL_EXIT_USAGE;
            }
            g_free(ctl->root);
            ctl->root = g_strdup(value);
        } else if (g_str_equal(arg, "--json")) {
            ctl->json = true;
        } else if (g_str_equal(arg, "-q") || g_str_equal(arg, "--quiet")) {
            ctl->quiet = true;
        } else if (g_str_equal(arg, "-h") || g_str_equal(arg, "--help")) {
            print_usage();
            return PROV_CTL_EXIT_OK;
        } else if (g_str_equal(arg, "-V") || g_str_equal(arg, "--version")) {
            printf("provctl %s\n", PROV_VERSION);
            return PROV_CTL_EXIT_OK;
        } else if (g_str_equal(arg, "--")) {
            i++;
            break;
        } else if (arg[0] == '-') {
            prov_ctl_error("unknown option '%s'", arg);
            print_usage_hint();
            return PROV_CTL_EXIT_USAGE;
        } else {
            break;
        }
    }
    if (i >= argc) {
        prov_ctl_error("no command given");
        print_usage_hint();
        return PROV_CTL_EXIT_USAGE;
    }
    *ret_index = i;
    return -1;
}

/*
 * Lower layers warn about problems they step over ("..., ignoring"); a CLI user
 * sees them as "warning: ..." lines, like our errors, not as GLib's raw log
 * format.  Debug messages appear only with G_MESSAGES_DEBUG, as GLib does.
 */
static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
    const char *message = NULL;
    gsize i;

    if (level & G_LOG_LEVEL_DEBUG || level & G_LOG_LEVEL_INFO)
        return g_log_writer_default(level, fields, n_fields, data);
    for (i = 0; i < n_fields; i++)
        if (g_str_equal(fields[i].key, "MESSAGE"))
            message = fields[i].value;
    if (!message)
        return G_LOG_WRITER_UNHANDLED;
    fprintf(stderr, "%s: %s\n",
            level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL) ? "error" : "warning", message);
    return G_LOG_WRITER_HANDLED;
}

int
main(int argc, char **argv)
{
    ProvCtl ctl = {0};
    g_autoptr(ProvCtlCmd) cmd = NULL;
    ProvCtlParseExtra extra = {0};
    const ProvCtlCmdDef *def;
    ProvCtlExit rc;
    int first;
    int status;

    g_log_set_writer_func(log_writer, NULL, NULL);
    status = parse_global_options(&ctl, argc, argv, &first);
    if (status >= 0) {
        prov_ctl_clear(&ctl);
        return status;
    }

    def = cmd_def_search(argv[first]);
    if (!def) {
        prov_ctl_error("unknown command: '%s'", argv[first]);
        print_usage_hint();
        prov_ctl_clear(&ctl);
        return PROV_CTL_EXIT_USAGE;
    }

    rc = cmd_parse(def, argc - first - 1, argv + first + 1, &cmd, &extra);
    if (rc != PROV_CTL_EXIT_OK) {
        print_cmd_usage_hint(def);
        prov_ctl_clear(&ctl);
        return rc;
    }
    if (extra.json)
        ctl.json = true;

    if (extra.help) {
        /* `provctl CMD --help` is `provctl help CMD`, as in virsh. */
        cmd_print_help(def);
        rc = PROV_CTL_EXIT_OK;
    } else {
        rc = def->handler(&ctl, cmd);
    }

    /* virsh ends every command's output with a blank line (not in quiet mode);
     * JSON output stays a clean document, and a usage error prints no output. */
    if (rc == PROV_CTL_EXIT_USAGE)
        print_cmd_usage_hint(def);
    else if (!ctl.quiet && !(ctl.json && (def->flags & PROV_CTL_CMD_JSON)))
        fputc('\n', stdout);
    fflush(stdout);

    prov_ctl_clear(&ctl);
    return rc;
}
