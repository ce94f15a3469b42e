/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* command.h: the one way provd runs external tools: argv only, never a shell. */
#pragma once

#include <glib.h>
#include <stdbool.h>

/*
 * A builder that defers errors to run time (libvirt's virCommand): add arguments
 * freely, then prov_command_run() reports the first problem.
 *
 * Every command runs with: an absolute program path (relative ones are refused),
 * a clean environment (PATH=/usr/sbin:/usr/bin:/sbin:/bin, LC_ALL=C, plus whatever
 * prov_command_add_env() adds), stdin from /dev/null unless input is given, no fd
 * other than 0/1/2 inherited, and a timeout (default 120 s; SIGTERM, then SIGKILL
 * 5 s later, then reap).  A non-zero exit becomes a PROV_COMMAND_ERROR error whose
 * message names the program, the exit status and the last lines of its stderr.
 */
typedef struct _ProvCommand ProvCommand;

#define PROV_COMMAND_DEFAULT_TIMEOUT_MS (120 * 1000)

ProvCommand *prov_command_new(const char *program);
ProvCommand *prov_command_new_args(const char *program, ...) G_GNUC_NULL_TERMINATED;
void prov_command_add_arg(ProvCommand *cmd, const char *arg);
void prov_command_add_arg_format(ProvCommand *cmd, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void prov_command_add_args(ProvCommand *cmd, ...) G_GNUC_NULL_TERMINATED;
/*
 * One argument the program gets as is but that is shown as *** by
 * prov_command_to_string() (so in debug logs and the dry-run record): a password
 * a tool only takes on its command line.  Its copy is wiped when @cmd is freed.
 */
void prov_command_add_arg_secret(ProvCommand *cmd, const char *arg);
void prov_command_add_env(ProvCommand *cmd, const char *name, const char *value);
void prov_command_set_timeout(ProvCommand *cmd, guint timeout_ms);
/* Feed @data to the child's stdin (copied). */
void prov_command_set_input(ProvCommand *cmd, const char *data, gsize len);
/* Treat exit status @status as success too (e.g. iscsiadm 21 = "no objects found"). */
void prov_command_allow_exit_status(ProvCommand *cmd, int status);

/**
 * prov_command_run:
 * @cmd: the command
 * @ret_stdout: (out) (optional): the child's stdout, NUL-terminated, caller frees
 * @ret_exit_status: (out) (optional): the exit status; when given, any exit status is
 *   reported here instead of failing (the caller interprets it)
 *
 * Runs the command to completion.  Returns false with @error set when the program
 * could not be started, timed out (PROV_ERR_OPERATION_TIMEOUT), died from a signal, or
 * exited non-zero while @ret_exit_status is NULL and the status was not allowed.
 */
bool prov_command_run(ProvCommand *cmd, char **ret_stdout, int *ret_exit_status,
                      GError **error);

/* The argv as one line, arguments with shell-special characters single-quoted and secret
 * ones as *** (for logs). */
char *prov_command_to_string(const ProvCommand *cmd);
/* The argv (NULL-terminated, owned by @cmd). */
const char *const *prov_command_get_argv(const ProvCommand *cmd);

void prov_command_free(ProvCommand *cmd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvCommand, prov_command_free)

/*
 * Test seam (libvirt virCommandSetDryRun).  While set, no process is started:
 * each run appends prov_command_to_string() plus "\n" to @log (if non-NULL) and
 * calls @cb (if non-NULL) to produce the canned stdout, stderr and exit status.
 * Pass NULL, NULL, NULL to restore real execution.  Not thread-safe: tests only.
 */
typedef void (*ProvCommandDryRunFunc)(const char *const *argv, const char *input,
                                      char **ret_stdout, char **ret_stderr,
                                      int *ret_status, void *opaque);
void prov_command_set_dry_run(GString *log, ProvCommandDryRunFunc cb, void *opaque);
