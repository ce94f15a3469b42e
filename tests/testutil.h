/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testutil.h: helpers shared by the GTest programs. */
#pragma once

#include <glib.h>
#include <stdbool.h>

/*
 * The argv in the wrapped form libvirt's *.argv golden files use: tokens
 * joined by spaces, " \\\n" before every option and before every positional
 * token that is not an option's value; the program shown by its basename.
 */
char *prov_test_argv_format(const char *const *argv);

/* Path of a conformance fixture, or NULL (and a printed reason) when the
 * conformance data is absent. */
char *prov_test_conformance_path(const char *relpath);

/* Whole file, or NULL. */
char *prov_test_read(const char *path);
