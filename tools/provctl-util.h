/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provctl-util.h: provctl's command model, option accessors, printers and progress bar. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "network/network_driver.h"
#include "storage/storage_driver.h"
#include "util/progress.h"

/*
 * Exit status of provctl (documented in docs/provctl.md and `provctl help`).
 * virsh exits 1 for everything; we keep 1 for a failed operation and give
 * command-line mistakes their own code so scripts can tell them apart.
 */
typedef enum {
    PROV_CTL_EXIT_OK = 0,
    PROV_CTL_EXIT_FAILED = 1,
    PROV_CTL_EXIT_USAGE = 2,
} ProvCtlExit;

/* ---- command and option definitions (virsh's vshCmdDef / vshCmdOptDef) ---- */

typedef enum {
    PROV_CTL_OPT_BOOL,      /* --flag, never positional */
    PROV_CTL_OPT_STRING,    /* --name VALUE, or the next free positional argument */
    PROV_CTL_OPT_SIZE,      /* like STRING, parsed with prov_parse_size ("10G"; bare = bytes) */
} ProvCtlOptType;

typedef enum {
    PROV_CTL_OPT_REQUIRED = 1 << 0,   /* must be given, by position or by name */
    PROV_CTL_OPT_NAMED = 1 << 1,      /* only as --name VALUE, never filled by position */
} ProvCtlOptFlags;

/*
 * One option of a command.  Positional arguments fill the non-bool options
 * without PROV_CTL_OPT_NAMED in declaration order, skipping the ones already
 * given by name: `vol-info disk1 images` == `vol-info disk1 --pool images`, as
 * in virsh.  Required options come first in every table.
 */
typedef struct {
    const char *name;
    ProvCtlOptType type;
    unsigned int flags;       /* ProvCtlOptFlags */
    const char *help;
} ProvCtlOptDef;

typedef struct _ProvCtl ProvCtl;
typedef struct _ProvCtlCmd ProvCtlCmd;

/*
 * A command's handler.  It prints its own output and errors and returns the
 * exit status; PROV_CTL_EXIT_USAGE only for mistakes found before touching
 * anything (main then prints the command's synopsis).
 */
typedef ProvCtlExit (*ProvCtlHandler)(ProvCtl *ctl, const ProvCtlCmd *cmd);

typedef enum {
    PROV_CTL_CMD_JSON = 1 << 0,   /* has a --json form (also accepted after the command) */
} ProvCtlCmdFlags;

typedef struct {
    const char *name;
    ProvCtlHandler handler;
    const ProvCtlOptDef *opts;    /* terminated by an entry with name NULL */
    const char *help;             /* one line, for the command list */
    const char *desc;             /* a paragraph for `provctl help COMMAND` */
    unsigned int flags;           /* ProvCtlCmdFlags */
} ProvCtlCmdDef;

/* The command tables of provctl-pool.c, -vol.c and -net.c, terminated by {NULL}. */
extern const ProvCtlCmdDef prov_ctl_pool_cmds[];
extern const ProvCtlCmdDef prov_ctl_vol_cmds[];
extern const ProvCtlCmdDef prov_ctl_net_cmds[];

/* State of one provctl run. */
struct _ProvCtl {
    char *root;                   /* --root DIR, NULL = system paths */
    bool json;                    /* --json */
    bool quiet;                   /* -q: no headers, no success messages, no progress */
    ProvStorageDriver *drv;       /* opened on first use by prov_ctl_driver() */
    ProvNetworkDriver *netdrv;    /* opened on first use by prov_ctl_network_driver() */
};

/* ---- option accessors (provctl.c) ---- */

/**
 * prov_ctl_opt_bool:
 * @cmd: the parsed command
 * @name: one of the command's bool options (anything else aborts: a programming error)
 *
 * Returns whether the option was given.
 */
bool prov_ctl_opt_bool(const ProvCtlCmd *cmd, const char *name);

/**
 * prov_ctl_opt_string:
 * @cmd: the parsed command
 * @name: one of the command's string options
 *
 * Returns the value (owned by @cmd, never empty), or NULL when it was not given.
 */
const char *prov_ctl_opt_string(const ProvCtlCmd *cmd, const char *name);

/**
 * prov_ctl_opt_size:
 * @cmd: the parsed command
 * @name: one of the command's size options
 * @ret: where the size in bytes goes
 *
 * Returns true with *@ret set when the option was given, false (and *@ret
 * untouched) when not.  The parser has already refused malformed sizes.
 */
bool prov_ctl_opt_size(const ProvCtlCmd *cmd, const char *name, guint64 *ret);

/**
 * prov_ctl_exclusive:
 * @cmd: the parsed command
 * @a: an option name
 * @b: another option name
 *
 * Returns PROV_CTL_EXIT_USAGE after printing virsh's "Options --a and --b are
 * mutually exclusive" when both were given, PROV_CTL_EXIT_OK otherwise.
 */
ProvCtlExit prov_ctl_exclusive(const ProvCtlCmd *cmd, const char *a, const char *b);

/* ---- driver and messages (provctl-util.c) ---- */

/**
 * prov_ctl_driver:
 * @ctl: the run
 *
 * Opens the storage driver on @ctl->root the first time it is needed (commands
 * such as help and --print-xml never open it).  Prints the error and returns
 * NULL when the driver cannot be opened.  The driver stays owned by @ctl.
 */
ProvStorageDriver *prov_ctl_driver(ProvCtl *ctl);

/* The same for the network driver. */
ProvNetworkDriver *prov_ctl_network_driver(ProvCtl *ctl);

/**
 * prov_ctl_print:
 * @ctl: the run
 * @fmt: printf-style format
 *
 * Output that is always printed on stdout (listings, XML, names).
 */
void prov_ctl_print(ProvCtl *ctl, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/**
 * prov_ctl_print_extra:
 * @ctl: the run
 * @fmt: printf-style format
 *
 * A success message ("Pool p1 started") on stdout, suppressed by -q as virsh's
 * vshPrintExtra.
 */
void prov_ctl_print_extra(ProvCtl *ctl, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/**
 * prov_ctl_error:
 * @fmt: printf-style format
 *
 * Prints "error: <message>" on stderr, one such line per line of the message.
 */
void prov_ctl_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/**
 * prov_ctl_error_detail:
 * @err: the error (may be NULL: nothing is printed)
 *
 * Prints @err's message as "error: " lines: the second line of virsh's
 * two-line errors.
 */
void prov_ctl_error_detail(const GError *err);

/**
 * prov_ctl_pool_error:
 * @pool: the pool name or UUID the user gave
 * @err: the driver's error
 * @fmt: virsh's context line, e.g. "Failed to start pool %s"
 *
 * Prints two lines as virsh does: the context ("failed to get pool 'x'" instead
 * when the pool does not exist) and the driver's message.
 */
void prov_ctl_pool_error(const char *pool, const GError *err, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/**
 * prov_ctl_parse_size:
 * @str: "10G", "512", "1MiB" (a bare number is bytes)
 * @what: what is sized, for the message ("capacity")
 * @ret: where the size in bytes goes
 *
 * Returns false after printing "Malformed size '<str>'" and the reason when
 * @str is not a whole number with a known unit, or exceeds 2^63 - 1 bytes.
 */
bool prov_ctl_parse_size(const char *str, const char *what, guint64 *ret);

/**
 * prov_ctl_read_file:
 * @path: an XML file named on the command line
 *
 * Returns the contents (caller frees), or NULL after printing the error.
 */
char *prov_ctl_read_file(const char *path);

/**
 * prov_ctl_xml_line:
 * @buf: the document being built
 * @indent: spaces before the line
 * @fmt: printf-style line; every %s argument is XML-escaped (g_markup_vprintf_escaped)
 *
 * Appends one line of a generated document (pool-define-as, vol-create-as).
 */
void prov_ctl_xml_line(GString *buf, int indent, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/**
 * prov_ctl_print_document:
 * @ctl: the run
 * @text: an XML document
 *
 * Prints @text on stdout, followed by a newline unless it already ends with one.
 */
void prov_ctl_print_document(ProvCtl *ctl, const char *text);

/* ---- table printer (virsh's vshTable) ---- */

typedef struct _ProvCtlTable ProvCtlTable;

/**
 * prov_ctl_table_new:
 * @first_header: the first column title, then the others, then NULL
 *
 * Returns a new table (free with prov_ctl_table_free) with that header row.
 */
ProvCtlTable *prov_ctl_table_new(const char *first_header, ...) G_GNUC_NULL_TERMINATED;

/**
 * prov_ctl_table_add_row:
 * @table: the table
 * @first_cell: the first cell, then the others, then NULL; as many as header columns
 *
 * Appends a row; the cells are copied.
 */
void prov_ctl_table_add_row(ProvCtlTable *table, const char *first_cell, ...)
    G_GNUC_NULL_TERMINATED;

/**
 * prov_ctl_table_format:
 * @table: the table
 * @header: include the header and the dash line
 *
 * Returns the table as text (caller frees): " Name   State" header, a dash line,
 * then the rows; cells left-aligned, columns separated by three blanks.
 */
char *prov_ctl_table_format(const ProvCtlTable *table, bool header);

/**
 * prov_ctl_table_print:
 * @ctl: the run
 * @table: the table
 *
 * Prints the table on stdout, without the header under -q.
 */
void prov_ctl_table_print(ProvCtl *ctl, const ProvCtlTable *table);

void prov_ctl_table_free(ProvCtlTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvCtlTable, prov_ctl_table_free)

/* ---- JSON (the one --json printer) ---- */

/**
 * prov_ctl_json_add_string:
 * @builder: a builder inside an object
 * @key: member name
 * @value: the string (NULL gives JSON null)
 *
 * Adds "key": "value".  File names need not be UTF-8 but JSON must be: bytes
 * that are not valid UTF-8 become U+FFFD.
 */
void prov_ctl_json_add_string(JsonBuilder *builder, const char *key, const char *value);

/**
 * prov_ctl_json_add_size:
 * @builder: a builder inside an object
 * @key: member name
 * @bytes: the size
 *
 * Adds "key": bytes, clamped to 2^63 - 1 (json-glib integers are signed).
 */
void prov_ctl_json_add_size(JsonBuilder *builder, const char *key, guint64 bytes);

/**
 * prov_ctl_json_print:
 * @builder: a builder with a complete root
 *
 * Pretty-prints the root on stdout, followed by a newline.
 */
void prov_ctl_json_print(JsonBuilder *builder);

/* ---- progress bar for long volume jobs ---- */

typedef struct {
    bool enabled;             /* stderr is a terminal and not -q */
    bool drawn;               /* something is on the line */
    int last_permille;
    gint64 last_draw_us;
    gsize last_len;
} ProvCtlProgressBar;

/**
 * prov_ctl_progress_start:
 * @ctl: the run
 * @bar: caller-owned state, lives as long as the job
 * @ret_progress: filled with the callback to pass to the driver
 *
 * Draws "\r[#####     ]  47% 1.20 GiB/2.50 GiB" on stderr while the job runs,
 * only when stderr is a terminal; otherwise the callback does nothing.
 */
void prov_ctl_progress_start(ProvCtl *ctl, ProvCtlProgressBar *bar, ProvProgress *ret_progress);

/**
 * prov_ctl_progress_finish:
 * @bar: the bar of a finished job
 *
 * Ends the bar's line (a newline, only if a bar was drawn).
 */
void prov_ctl_progress_finish(ProvCtlProgressBar *bar);
