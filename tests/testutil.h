/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testutil.h: helpers shared by the GTest programs. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "storage/storage_conf.h"
#include "util/command.h"

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

/* Whole file; the program aborts, naming the file, when it cannot be read. */
char *prov_test_read_required(const char *path);

/*
 * Folder @sub of the conformance data (e.g. "storage"); when it is absent the
 * whole program is skipped: a "SKIP: ..." line and exit code 77.  For main().
 */
char *prov_test_conformance_dir_or_skip(const char *sub);

/*
 * g_test_init() with --keep-going in front of the program's own arguments, so that a
 * run reports every failing case, not only the first.  For main().
 */
void prov_test_init_keep_going(int *argc, char ***argv);

/* A new directory made by g_dir_make_tmp() from @tmpl; the test fails if it cannot. */
char *prov_test_make_tmp_dir(const char *tmpl);

/* Removes @path and everything below it; symlinks are removed, never followed. */
void prov_test_remove_tree(const char *path);

/* g_test_run(), then removes and frees @dir (a scratch directory the tests used). */
int prov_test_run_and_remove(char *dir);

/*
 * Registers @func once per element of a table of cases, as test "@prefix/<name>"
 * with the element as its data; the name is the `const char *` at @name_offset in
 * each element.  Use PROV_TEST_ADD_CASES, which works the sizes out.
 */
void prov_test_add_cases(const char *prefix, const void *cases, gsize n_cases, gsize case_size,
                         gsize name_offset, GTestDataFunc func);

/* The sizeof() only makes the compiler check that @name_field is a string. */
#define PROV_TEST_ADD_CASES(prefix, cases, name_field, func) \
    prov_test_add_cases((prefix), (cases), G_N_ELEMENTS(cases), sizeof((cases)[0]), \
                        ((void) sizeof((cases)[0].name_field == (const char *) NULL), \
                         (gsize) ((const char *) &(cases)[0].name_field - \
                                  (const char *) &(cases)[0])), \
                        (func))

/*
 * True when QEMU_IMG is installed; otherwise the running test is skipped with
 * the reason "'<qemu-img>' is not installed; cannot @purpose".
 */
bool prov_test_have_qemu_img(const char *purpose);

/*
 * Runs @cmd, which must succeed, and returns its stdout parsed as JSON; the
 * test fails unless that is an object.  @ret_status as for prov_command_run().
 */
JsonNode *prov_test_command_json(ProvCommand *cmd, int *ret_status);

/*
 * The oracle: @xml is valid per libvirt's own schema @rng_name (from the
 * conformance data's storage/schemas), applied with libxml2's RelaxNG API
 * directly, not through util/xml.c, so a bug there cannot hide a failure.
 * When it is not and @ret_msg is given, *@ret_msg (freed first) says so.
 */
bool prov_test_libvirt_schema_valid(const char *rng_name, const char *xml, char **ret_msg);

/*
 * @xml is valid per our own schema @rng_name (PROV_SCHEMA_DIR), checked by the
 * helper the parsers use for PROV_*_PARSE_VALIDATE.  When it is not and
 * @ret_msg is given, *@ret_msg (freed first) holds the validator's message.
 */
bool prov_test_own_schema_valid(const char *rng_name, const char *xml, char **ret_msg);

/*
 * Golden files: compare @got with the file at @path, or (re)write the file when
 * PROV_TEST_REGENERATE=1 (a human then reviews the diff).  A missing or different
 * file fails the current test with a line-by-line "- expected / + got" report.
 */
bool prov_test_regenerating(void);
void prov_test_check_golden(const char *path, const char *got);

/* A pool kind's command builder, e.g. prov_fs_mount_command(). */
typedef ProvCommand *(*ProvTestPoolCommandFunc)(const ProvPoolDef *def);

/*
 * The command @build makes for the pool document @xml, in prov_test_argv_format()'s
 * form, must be @expected; the test fails otherwise.
 */
void prov_test_pool_command_check(const char *xml, ProvTestPoolCommandFunc build,
                                  const char *expected);

/*
 * libvirt's storagepoolxml2argvtest: the command @build makes for the conformance
 * data's storagepoolxml2xmlin/@name.xml must be storagepoolxml2argvdata/@name@suffix.argv
 * (@suffix "" or "-linux").  Returns false, with the test skipped, when that data is
 * absent; true when the comparison ran (a difference fails the test).
 */
bool prov_test_pool_argv_golden(const char *name, const char *suffix,
                                ProvTestPoolCommandFunc build);

/*
 * Appends the <fs:mount_opts> element of a pool document for @opts, comma-separated
 * option names ("ro,noatime"); nothing when @opts is NULL.  The fs namespace must be
 * declared on <pool>.
 */
void prov_test_append_mount_opts(GString *xml, const char *opts);
