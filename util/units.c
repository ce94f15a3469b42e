/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* units.c: scaled sizes as libvirt and virsh spell them (unit='G', "10G", "1 GiB"). */
#define G_LOG_DOMAIN "prov-units"

#include "util/units.h"

#include <errno.h>
#include <string.h>

#include "util/error.h"

/*
 * libvirt's unit grammar (also what virsh accepts as a suffix), case-insensitive:
 *   ""  b  byte  bytes        -> 1
 *   k   kib                   -> 1024      kb -> 1000
 *   m   mib                   -> 1024^2    mb -> 1000^2
 *   ... g t p e likewise up to 1024^6 / 1000^6.
 * Returns the multiplier, or 0 when the unit is unknown.
 */
static guint64
prov_unit_multiplier(const char *unit)
{
    static const char powers[] = "kmgtpe";
    const char *pos;
    guint64 base;
    guint64 scale = 1;
    int power;
    int i;

    if (!unit || unit[0] == '\0')
        return 1;
    if (g_ascii_strcasecmp(unit, "b") == 0 || g_ascii_strcasecmp(unit, "byte") == 0 ||
        g_ascii_strcasecmp(unit, "bytes") == 0)
        return 1;

    pos = strchr(powers, g_ascii_tolower(unit[0]));
    if (!pos || unit[0] == '\0')
        return 0;
    power = (int) (pos - powers) + 1;

    if (unit[1] == '\0' || g_ascii_strcasecmp(unit + 1, "ib") == 0)
        base = 1024;
    else if (g_ascii_strcasecmp(unit + 1, "b") == 0)
        base = 1000;
    else
        return 0;

    for (i = 0; i < power; i++)
        scale *= base;
    return scale;
}

bool
prov_scale_by_unit(guint64 value, const char *unit, guint64 max, const char *what,
                   guint64 *ret, GError **error)
{
    guint64 scale = prov_unit_multiplier(unit);

    if (scale == 0) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG, "unknown %s unit '%s'", what,
                    unit);
        return false;
    }
    if (value > max / scale) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                    "%s '%" G_GUINT64_FORMAT "%s%s' is too large (maximum %" G_GUINT64_FORMAT
                    " bytes)", what, value, unit && *unit ? " " : "", unit ? unit : "", max);
        return false;
    }
    *ret = value * scale;
    return true;
}

bool
prov_parse_size(const char *str, const char *default_unit, guint64 max, const char *what,
                guint64 *ret, GError **error)
{
    g_autofree char *copy = NULL;
    const char *unit;
    char *end = NULL;
    guint64 value;

    if (!str) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG, "missing %s", what);
        return false;
    }
    copy = g_strstrip(g_strdup(str));
    if (!g_ascii_isdigit(copy[0])) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                    "invalid %s '%s': expected a whole number of bytes with an optional unit",
                    what, str);
        return false;
    }

    errno = 0;
    value = g_ascii_strtoull(copy, &end, 10);
    if (errno == ERANGE) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                    "%s '%s' is too large (maximum %" G_GUINT64_FORMAT " bytes)", what, str, max);
        return false;
    }
    if (*end == '.' || *end == ',') {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                    "invalid %s '%s': only whole numbers are accepted", what, str);
        return false;
    }
    while (g_ascii_isspace(*end))
        end++;
    unit = *end ? end : default_unit;
    return prov_scale_by_unit(value, unit, max, what, ret, error);
}

char *
prov_format_size_human(guint64 bytes)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    char number[G_ASCII_DTOSTR_BUF_SIZE];
    double value = (double) bytes;
    size_t i = 0;

    /* virsh's vshPrettyCapacity: below 1 KiB stays in B, then binary steps up to EiB. */
    while (value >= 1024.0 && i + 1 < G_N_ELEMENTS(units)) {
        value /= 1024.0;
        i++;
    }
    /* Always a '.' decimal point, whatever the locale. */
    g_ascii_formatd(number, sizeof(number), "%.2f", value);
    return g_strdup_printf("%s %s", number, units[i]);
}
