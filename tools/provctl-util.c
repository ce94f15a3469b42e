/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provctl-util.c: provctl's shared helpers: driver, messages, table, JSON, progress bar. */
#define G_LOG_DOMAIN "provctl"

#include "tools/provctl-util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fileutil.h"
#include "util/units.h"

/* virsh's VSH_MAX_XML_FILE: refuse to slurp anything larger. */
#define PROV_CTL_MAX_XML_FILE (10 * 1024 * 1024)

#define PROV_CTL_BAR_WIDTH 30
/* Redraw at most this often unless the shown percentage changed. */
#define PROV_CTL_BAR_INTERVAL_US (200 * 1000)

ProvStorageDriver *
prov_ctl_driver(ProvCtl *ctl)
{
    g_autoptr(GError) err = NULL;

    if (ctl->drv)
        return ctl->drv;

    ctl->drv = prov_storage_driver_open(ctl->root, &err);
    if (!ctl->drv) {
        if (ctl->root)
            prov_ctl_error("failed to open the storage driver on root '%s'", ctl->root);
        else
            prov_ctl_error("failed to open the storage driver");
        prov_ctl_error_detail(err);
    }
    return ctl->drv;
}

ProvNetworkDriver *
prov_ctl_network_driver(ProvCtl *ctl)
{
    g_autoptr(GError) err = NULL;

    if (ctl->netdrv)
        return ctl->netdrv;
    ctl->netdrv = prov_network_driver_open(ctl->root, &err);
    if (!ctl->netdrv) {
        if (ctl->root)
            prov_ctl_error("failed to open the network driver on root '%s'", ctl->root);
        else
            prov_ctl_error("failed to open the network driver");
        prov_ctl_error_detail(err);
    }
    return ctl->netdrv;
}

void
prov_ctl_print(ProvCtl *ctl, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
}

void
prov_ctl_print_extra(ProvCtl *ctl, const char *fmt, ...)
{
    va_list ap;

    if (ctl->quiet)
        return;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
}

static void
print_error_lines(const char *msg)
{
    g_auto(GStrv) lines = g_strsplit(msg, "\n", -1);
    gsize i;

    /* Keep stdout and stderr in order when both go to the same place. */
    fflush(stdout);
    for (i = 0; lines[i]; i++) {
        if (!lines[i][0] && !lines[i + 1])
            break;          /* a trailing newline adds no empty "error:" line */
        fprintf(stderr, "error: %s\n", lines[i]);
    }
    fflush(stderr);
}

void
prov_ctl_error(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    print_error_lines(msg);
}

void
prov_ctl_error_detail(const GError *err)
{
    if (!err)
        return;
    print_error_lines(err->message);
}

void
prov_ctl_pool_error(const char *pool, const GError *err, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    if (prov_error_code(err) == PROV_ERR_NO_STORAGE_POOL) {
        prov_ctl_error("failed to get pool '%s'", pool);
    } else {
        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        print_error_lines(msg);
    }
    prov_ctl_error_detail(err);
}

bool
prov_ctl_parse_size(const char *str, const char *what, guint64 *ret)
{
    g_autoptr(GError) err = NULL;

    /* Sizes end up as off_t and libvirt's capacity limit: at most 2^63 - 1. */
    if (!prov_parse_size(str, "B", G_MAXINT64, what, ret, &err)) {
        prov_ctl_error("Malformed size '%s'", str);
        prov_ctl_error_detail(err);
        return false;
    }
    return true;
}

char *
prov_ctl_read_file(const char *path)
{
    g_autoptr(GError) err = NULL;
    char *data;

    data = prov_file_read_all(path, PROV_CTL_MAX_XML_FILE, NULL, &err);
    if (!data) {
        prov_ctl_error("Failed to read file '%s'", path);
        prov_ctl_error_detail(err);
    }
    return data;
}

void
prov_ctl_xml_line(GString *buf, int indent, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *line = NULL;

    va_start(ap, fmt);
    line = g_markup_vprintf_escaped(fmt, ap);
    va_end(ap);
    g_string_append_printf(buf, "%*s%s", indent, "", line);
}

void
prov_ctl_print_document(ProvCtl *ctl, const char *text)
{
    gsize len = strlen(text);

    fputs(text, stdout);
    if (len == 0 || text[len - 1] != '\n')
        fputc('\n', stdout);
}

/* ---- table ---------------------------------------------------------------- */

struct _ProvCtlTable {
    guint ncols;
    GPtrArray *rows;          /* of GStrv; row 0 is the header */
};

static GStrv
strv_from_va(const char *first, va_list ap)
{
    GPtrArray *cells = g_ptr_array_new();
    const char *cell;

    for (cell = first; cell; cell = va_arg(ap, const char *))
        g_ptr_array_add(cells, g_strdup(cell));
    g_ptr_array_add(cells, NULL);
    return (GStrv)g_ptr_array_free(cells, FALSE);
}

ProvCtlTable *
prov_ctl_table_new(const char *first_header, ...)
{
    ProvCtlTable *table = g_new0(ProvCtlTable, 1);
    va_list ap;
    GStrv header;

    va_start(ap, first_header);
    header = strv_from_va(first_header, ap);
    va_end(ap);

    table->ncols = g_strv_length(header);
    table->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    g_ptr_array_add(table->rows, header);
    return table;
}

void
prov_ctl_table_add_row(ProvCtlTable *table, const char *first_cell, ...)
{
    va_list ap;
    GStrv row;

    va_start(ap, first_cell);
    row = strv_from_va(first_cell, ap);
    va_end(ap);

    g_return_if_fail(g_strv_length(row) == table->ncols);
    g_ptr_array_add(table->rows, row);
}

void
prov_ctl_table_free(ProvCtlTable *table)
{
    if (!table)
        return;
    if (table->rows)
        g_ptr_array_unref(table->rows);
    g_free(table);
}

/*
 * Escape what would garble a terminal (control characters, invalid UTF-8, and a
 * literal "\x" so the escaping stays unambiguous) as \xNN, as virsh's table
 * does, and measure the display width: wide CJK characters take two columns,
 * combining marks none.
 */
static char *
table_cell_encode(const char *s, gsize *ret_width)
{
    GString *out = g_string_new(NULL);
    gsize width = 0;
    const char *p = s;

    while (*p) {
        gunichar c = g_utf8_get_char_validated(p, -1);
        const char *next;

        if (c == (gunichar)-1 || c == (gunichar)-2 || (p[0] == '\\' && p[1] == 'x') ||
            !g_unichar_isprint(c)) {
            gsize n = (c == (gunichar)-1 || c == (gunichar)-2 || p[0] == '\\')
                ? 1 : (gsize)(g_utf8_next_char(p) - p);
            gsize i;

            for (i = 0; i < n; i++)
                g_string_append_printf(out, "\\x%02x", (unsigned char)p[i]);
            width += 4 * n;
            p += n;
            continue;
        }
        next = g_utf8_next_char(p);
        g_string_append_len(out, p, next - p);
        if (g_unichar_iswide(c))
            width += 2;
        else if (!g_unichar_iszerowidth(c))
            width += 1;
        p = next;
    }
    *ret_width = width;
    return g_string_free(out, FALSE);
}

static void
table_append_row(GString *out, char **cells, const gsize *widths, const gsize *maxwidths,
                 guint ncols)
{
    guint i;
    gsize j;

    for (i = 0; i < ncols; i++) {
        g_string_append_c(out, ' ');
        g_string_append(out, cells[i]);
        /* Columns are separated by three spaces in all (the leading one of the
         * next cell included); the last cell gets no trailing padding. */
        if (i + 1 < ncols) {
            for (j = widths[i]; j < maxwidths[i] + 2; j++)
                g_string_append_c(out, ' ');
        }
    }
    g_string_append_c(out, '\n');
}

char *
prov_ctl_table_format(const ProvCtlTable *table, bool header)
{
    GString *out = g_string_new(NULL);
    guint ncols = table->ncols;
    guint nrows = table->rows->len;
    g_autofree gsize *maxwidths = g_new0(gsize, ncols);
    g_autofree gsize *widths = g_new0(gsize, (gsize)ncols * nrows);
    g_autoptr(GPtrArray) encoded = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    guint r;
    guint c;

    for (r = 0; r < nrows; r++) {
        char **row = g_ptr_array_index(table->rows, r);
        char **enc = g_new0(char *, ncols + 1);

        for (c = 0; c < ncols; c++) {
            enc[c] = table_cell_encode(row[c], &widths[r * ncols + c]);
            /* Without a header, its width does not count (as virsh). */
            if ((r > 0 || header) && widths[r * ncols + c] > maxwidths[c])
                maxwidths[c] = widths[r * ncols + c];
        }
        g_ptr_array_add(encoded, enc);
    }

    if (header) {
        table_append_row(out, g_ptr_array_index(encoded, 0), &widths[0], maxwidths, ncols);
        for (c = 0; c < ncols; c++) {
            gsize j;

            for (j = 0; j < maxwidths[c] + 3; j++)
                g_string_append_c(out, '-');
        }
        g_string_append_c(out, '\n');
    }
    for (r = 1; r < nrows; r++)
        table_append_row(out, g_ptr_array_index(encoded, r), &widths[r * ncols], maxwidths,
                         ncols);

    return g_string_free(out, FALSE);
}

void
prov_ctl_table_print(ProvCtl *ctl, const ProvCtlTable *table)
{
    g_autofree char *text = prov_ctl_table_format(table, !ctl->quiet);

    fputs(text, stdout);
}

/* ---- JSON ----------------------------------------------------------------- */

void
prov_ctl_json_add_string(JsonBuilder *builder, const char *key, const char *value)
{
    json_builder_set_member_name(builder, key);
    if (!value) {
        json_builder_add_null_value(builder);
    } else if (g_utf8_validate(value, -1, NULL)) {
        json_builder_add_string_value(builder, value);
    } else {
        g_autofree char *valid = g_utf8_make_valid(value, -1);

        json_builder_add_string_value(builder, valid);
    }
}

void
prov_ctl_json_add_size(JsonBuilder *builder, const char *key, guint64 bytes)
{
    json_builder_set_member_name(builder, key);
    json_builder_add_int_value(builder, bytes > G_MAXINT64 ? G_MAXINT64 : (gint64)bytes);
}

void
prov_ctl_json_print(JsonBuilder *builder)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(builder);
    g_autofree char *text = NULL;

    json_generator_set_pretty(gen, TRUE);
    json_generator_set_indent(gen, 2);
    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);
    fputs(text, stdout);
    fputc('\n', stdout);
}

/* ---- progress bar --------------------------------------------------------- */

/* "[###   ]  50% 1.00 MiB/2.00 MiB", or "1.00 MiB done" when the total is unknown. */
static char *
progress_format(guint64 done, guint64 total)
{
    g_autofree char *done_str = prov_format_size_human(done);
    g_autofree char *total_str = NULL;
    char bar[PROV_CTL_BAR_WIDTH + 1];
    double fraction;
    guint64 filled;
    guint percent;

    if (total == 0)
        return g_strdup_printf("%s done", done_str);

    if (done > total)
        done = total;
    /* In floating point: done * 100 overflows 64 bits for exabyte volumes. */
    fraction = (double)done / (double)total;
    filled = (guint64)(fraction * PROV_CTL_BAR_WIDTH);
    percent = (guint)(fraction * 100.0);
    if (filled > PROV_CTL_BAR_WIDTH)
        filled = PROV_CTL_BAR_WIDTH;
    memset(bar, '#', filled);
    memset(bar + filled, ' ', PROV_CTL_BAR_WIDTH - filled);
    bar[PROV_CTL_BAR_WIDTH] = '\0';

    total_str = prov_format_size_human(total);
    return g_strdup_printf("[%s] %3u%% %s/%s", bar, MIN(percent, 100u), done_str, total_str);
}

static void
progress_draw(guint64 done, guint64 total, void *opaque)
{
    ProvCtlProgressBar *bar = opaque;
    g_autofree char *text = NULL;
    gint64 now = g_get_monotonic_time();
    int permille = total ? (int)(MIN((double)done / (double)total, 1.0) * 1000.0) : -1;
    gsize len;

    if (!bar->enabled)
        return;
    /* Redraw on visible change, or every now and then for the byte counter. */
    if (bar->drawn && permille / 10 == bar->last_permille / 10 &&
        now - bar->last_draw_us < PROV_CTL_BAR_INTERVAL_US)
        return;

    text = progress_format(done, total);
    len = strlen(text);
    /* Pad with blanks when the new line is shorter, so no stale tail remains. */
    fprintf(stderr, "\r%s%*s", text, bar->last_len > len ? (int)(bar->last_len - len) : 0, "");
    fflush(stderr);

    bar->drawn = true;
    bar->last_permille = permille;
    bar->last_draw_us = now;
    bar->last_len = len;
}

void
prov_ctl_progress_start(ProvCtl *ctl, ProvCtlProgressBar *bar, ProvProgress *ret_progress)
{
    memset(bar, 0, sizeof(*bar));
    bar->enabled = !ctl->quiet && isatty(STDERR_FILENO);
    bar->last_permille = -1;
    ret_progress->func = progress_draw;
    ret_progress->opaque = bar;
}

void
prov_ctl_progress_finish(ProvCtlProgressBar *bar)
{
    if (bar->enabled && bar->drawn) {
        fputc('\n', stderr);
        fflush(stderr);
    }
    bar->drawn = false;
}
