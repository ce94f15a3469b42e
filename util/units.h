/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* units.h: scaled sizes as libvirt spells them (unit='G', "10G", "1 GiB"). */
#pragma once

#include <glib.h>
#include <stdbool.h>

/**
 * prov_scale_by_unit:
 * @value: number already parsed
 * @unit: unit name, case-insensitive: NULL/""/b/byte/bytes = 1; k/KiB = 1024, KB = 1000;
 *   likewise M/MiB/MB, G/GiB/GB, T/TiB/TB, P/PiB/PB, E/EiB/EB
 * @max: largest allowed result (e.g. G_MAXINT64 for 2^63-1)
 * @what: what is being sized, for the message ("capacity of volume 'v1'")
 *
 * Returns false with PROV_ERR_INVALID_ARG naming @what and the unit or value when the
 * unit is unknown or the result overflows / exceeds @max.
 */
bool prov_scale_by_unit(guint64 value, const char *unit, guint64 max, const char *what,
                        guint64 *ret, GError **error);

/**
 * prov_parse_size:
 * @str: "1024", "10G", "1.5GiB" is refused (integers only), "-1" is refused, "0" allowed
 * @default_unit: unit when @str has no suffix (virsh treats bare numbers as bytes)
 *
 * Parses an integer with an optional unit suffix (as virsh vol-create-as accepts).
 */
bool prov_parse_size(const char *str, const char *default_unit, guint64 max, const char *what,
                     guint64 *ret, GError **error);

/* "10.00 GiB" as virsh prints sizes (B, KiB, MiB, GiB, TiB, PiB, EiB with 2 decimals). */
char *prov_format_size_human(guint64 bytes);
