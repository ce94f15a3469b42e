/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* unitstest.c: size units as libvirt's XML and virsh's command line spell them. */
#include <glib.h>
#include <locale.h>
#include <string.h>

#include "util/error.h"
#include "util/units.h"

#define KIB 1024ULL
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)
#define TIB (GIB * 1024)
#define PIB (TIB * 1024)
#define EIB (PIB * 1024)

static const struct {
    guint64 value;
    const char *unit;
    guint64 expect;
} scale_ok[] = {
    { 5, NULL, 5 },
    { 5, "", 5 },
    { 5, "b", 5 },
    { 5, "B", 5 },
    { 5, "byte", 5 },
    { 5, "Bytes", 5 },
    { 5, "k", 5 * KIB },
    { 5, "K", 5 * KIB },
    { 5, "KiB", 5 * KIB },
    { 5, "kib", 5 * KIB },
    { 5, "KB", 5000 },
    { 5, "kb", 5000 },
    { 1, "M", MIB },
    { 1, "MiB", MIB },
    { 1, "MB", 1000000 },
    { 10, "G", 10 * GIB },
    { 10, "GB", 10000000000ULL },
    { 1, "TiB", TIB },
    { 1, "TB", 1000000000000ULL },
    { 1, "P", PIB },
    { 1, "PB", 1000000000000000ULL },
    { 7, "EiB", 7 * EIB },
    { 9, "EB", 9000000000000000000ULL },
    { 0, "EiB", 0 },
    { G_MAXINT64, "bytes", G_MAXINT64 },
};

static void
test_scale_ok(void)
{
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(scale_ok); i++) {
        g_autoptr(GError) error = NULL;
        guint64 out = 0;

        if (!prov_scale_by_unit(scale_ok[i].value, scale_ok[i].unit, G_MAXINT64, "capacity",
                                &out, &error))
            g_error("case %zu (%s): %s", i, scale_ok[i].unit, error->message);
        g_assert_cmpuint(out, ==, scale_ok[i].expect);
    }
}

static const struct {
    guint64 value;
    const char *unit;
    guint64 max;
    const char *expect;
} scale_bad[] = {
    { 1, "XB", G_MAXINT64, "unknown capacity unit 'XB'" },
    { 1, "KiBi", G_MAXINT64, "unknown capacity unit 'KiBi'" },
    { 1, "Kb2", G_MAXINT64, "unknown capacity unit 'Kb2'" },
    { 1, "bits", G_MAXINT64, "unknown capacity unit 'bits'" },
    { 1, "Z", G_MAXINT64, "unknown capacity unit 'Z'" },
    { 1, " G", G_MAXINT64, "unknown capacity unit ' G'" },
    { 8, "EiB", G_MAXINT64, "capacity '8 EiB' is too large (maximum 9223372036854775807 bytes)" },
    { 10, "EB", G_MAXINT64, "capacity '10 EB' is too large" },
    { G_MAXUINT64, NULL, G_MAXINT64, "capacity '18446744073709551615' is too large" },
    { 2, "K", 2047, "capacity '2 K' is too large (maximum 2047 bytes)" },
    { G_MAXUINT64 / 1000 + 1, "KB", G_MAXUINT64, "is too large" },
};

static void
test_scale_bad(void)
{
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(scale_bad); i++) {
        g_autoptr(GError) error = NULL;
        guint64 out = 12345;

        g_assert_false(prov_scale_by_unit(scale_bad[i].value, scale_bad[i].unit, scale_bad[i].max,
                                          "capacity", &out, &error));
        g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
        if (!strstr(error->message, scale_bad[i].expect))
            g_error("case %zu: '%s' lacks '%s'", i, error->message, scale_bad[i].expect);
        /* ret_* is written only on success */
        g_assert_cmpuint(out, ==, 12345);
    }
}

/* virsh vol-create-as / vol-resize sizes: binary suffixes, bare numbers are bytes. */
static const struct {
    const char *str;
    const char *default_unit;
    guint64 expect;
} parse_ok[] = {
    { "1024", NULL, 1024 },
    { "0", NULL, 0 },
    { "10G", NULL, 10 * GIB },
    { "10g", NULL, 10 * GIB },
    { "10GiB", NULL, 10 * GIB },
    { "10GB", NULL, 10000000000ULL },
    { "1 GiB", NULL, GIB },
    { "  512M  ", NULL, 512 * MIB },
    { "3k", NULL, 3 * KIB },
    { "3KB", NULL, 3000 },
    { "2T", NULL, 2 * TIB },
    { "100b", NULL, 100 },
    { "100bytes", NULL, 100 },
    { "4", "M", 4 * MIB },
    { "4K", "M", 4 * KIB },
    { "9223372036854775807", NULL, G_MAXINT64 },
};

static void
test_parse_ok(void)
{
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(parse_ok); i++) {
        g_autoptr(GError) error = NULL;
        guint64 out = 0;

        if (!prov_parse_size(parse_ok[i].str, parse_ok[i].default_unit, G_MAXINT64, "capacity",
                             &out, &error))
            g_error("'%s': %s", parse_ok[i].str, error->message);
        g_assert_cmpuint(out, ==, parse_ok[i].expect);
    }
}

static const struct {
    const char *str;
    const char *expect;
} parse_bad[] = {
    { "", "invalid capacity ''" },
    { "G", "invalid capacity 'G'" },
    { "-1", "invalid capacity '-1'" },
    { "+5", "invalid capacity '+5'" },
    { "1.5GiB", "invalid capacity '1.5GiB': only whole numbers are accepted" },
    { "1,5G", "only whole numbers" },
    { "10XB", "unknown capacity unit 'XB'" },
    { "10 G B", "unknown capacity unit 'G B'" },
    { "0x10", "unknown capacity unit 'x10'" },
    { "9223372036854775808", "capacity '9223372036854775808' is too large" },
    { "99999999999999999999", "capacity '99999999999999999999' is too large" },
    { "8E", "capacity '8 E' is too large" },
};

static void
test_parse_bad(void)
{
    gsize i;
    g_autoptr(GError) error = NULL;
    guint64 out = 7;

    for (i = 0; i < G_N_ELEMENTS(parse_bad); i++) {
        g_assert_false(prov_parse_size(parse_bad[i].str, NULL, G_MAXINT64, "capacity", &out,
                                       &error));
        g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
        if (!strstr(error->message, parse_bad[i].expect))
            g_error("'%s': '%s' lacks '%s'", parse_bad[i].str, error->message,
                    parse_bad[i].expect);
        g_clear_error(&error);
        g_assert_cmpuint(out, ==, 7);
    }
    g_assert_false(prov_parse_size(NULL, NULL, G_MAXINT64, "capacity", &out, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
}

static const struct {
    guint64 bytes;
    const char *expect;
} human[] = {
    { 0, "0.00 B" },
    { 1, "1.00 B" },
    { 1023, "1023.00 B" },
    { 1024, "1.00 KiB" },
    { 1536, "1.50 KiB" },
    { MIB - 1, "1024.00 KiB" },
    { MIB, "1.00 MiB" },
    { 10 * GIB, "10.00 GiB" },
    { 5368709120ULL, "5.00 GiB" },
    { 1099511627776ULL, "1.00 TiB" },
    { 3 * PIB / 2, "1.50 PiB" },
    { EIB, "1.00 EiB" },
    { G_MAXUINT64, "16.00 EiB" },
};

static void
test_format_human(void)
{
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(human); i++) {
        g_autofree char *s = prov_format_size_human(human[i].bytes);

        g_assert_cmpstr(s, ==, human[i].expect);
    }
}

/* The decimal point stays a '.' whatever LC_NUMERIC says. */
static void
test_format_human_locale(void)
{
    g_autofree char *s = NULL;

    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        g_test_skip("no locale with a decimal comma is installed");
        return;
    }
    s = prov_format_size_human(1536);
    setlocale(LC_NUMERIC, "C");
    g_assert_cmpstr(s, ==, "1.50 KiB");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/units/scale/ok", test_scale_ok);
    g_test_add_func("/units/scale/bad", test_scale_bad);
    g_test_add_func("/units/parse/ok", test_parse_ok);
    g_test_add_func("/units/parse/bad", test_parse_bad);
    g_test_add_func("/units/format-human", test_format_human);
    g_test_add_func("/units/format-human-locale", test_format_human_locale);
    return g_test_run();
}
