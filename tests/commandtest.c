/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* commandtest.c: the command runner against real programs (and this binary as a helper). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/command.h"
#include "util/error.h"

/*
 * Some checks need a child that behaves in a precise way (ignores SIGTERM, floods
 * both pipes, forks).  Rather than a shell, this test binary re-executes itself
 * with "--helper <mode>" (see prov_test_helper_main).
 */
static char *self_exe;
static char *self_name; /* its basename, as error messages show it */

#define FLOOD_LINE_LEN 13 /* "out 00000000\n" */

static int
prov_test_helper_main(int argc, char **argv)
{
    const char *mode = argv[2];

    if (g_str_equal(mode, "list-fds") && argc == 3) {
        /* Every open fd but the one reading the directory, in readdir's (numeric) order. */
        DIR *dir = opendir("/proc/self/fd");
        struct dirent *entry;

        if (!dir)
            return 2;
        while ((entry = readdir(dir))) {
            if (entry->d_name[0] != '.' && atoi(entry->d_name) != dirfd(dir))
                printf("%s\n", entry->d_name);
        }
        closedir(dir);
        return 0;
    }
    if (g_str_equal(mode, "flood") && argc == 5) {
        /* argv[3] lines on stdout and stderr each, interleaved; exit status argv[4]. */
        long lines = atol(argv[3]);
        long i;

        for (i = 0; i < lines; i++) {
            printf("out %08ld\n", i);
            fprintf(stderr, "err %08ld\n", i);
        }
        fflush(stdout);
        return atoi(argv[4]);
    }
    if (g_str_equal(mode, "ignore-term") && argc == 3) {
        signal(SIGTERM, SIG_IGN);
        for (;;)
            pause();
    }
    if (g_str_equal(mode, "fork-sleep") && argc == 4) {
        /* A grandchild in the same process group; its pid goes to file argv[3]. */
        pid_t pid = fork();
        g_autofree char *text = NULL;

        if (pid == 0) {
            for (;;)
                pause();
        }
        text = g_strdup_printf("%d", (int)pid);
        g_file_set_contents(argv[3], text, -1, NULL);
        for (;;)
            pause();
    }
    if (g_str_equal(mode, "fail-with") && argc >= 5) {
        /* argv[3] on stderr, exit status argv[4]; further arguments are ignored. */
        fprintf(stderr, "%s\n", argv[3]);
        return atoi(argv[4]);
    }
    if (g_str_equal(mode, "raise") && argc == 4) {
        fprintf(stderr, "about to die\n");
        raise(atoi(argv[3]));
        return 3;
    }
    fprintf(stderr, "unknown helper mode\n");
    return 2;
}

static ProvCommand *
prov_test_helper(const char *mode)
{
    return prov_command_new_args(self_exe, "--helper", mode, NULL);
}

static gint64
prov_test_elapsed_ms(gint64 start_us)
{
    return (g_get_monotonic_time() - start_us) / 1000;
}

static void
test_command_echo(void)
{
    g_autoptr(ProvCommand) cmd = prov_command_new_args("/usr/bin/echo", "a b", "c", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;

    g_assert_true(prov_command_run(cmd, &out, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(out, ==, "a b c\n");
}

static void
test_command_relative_program(void)
{
    g_autoptr(ProvCommand) cmd = prov_command_new_args("ls", "-l", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;

    g_assert_false(prov_command_run(cmd, &out, NULL, &error));
    g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_INTERNAL_ERROR);
    g_assert_nonnull(strstr(error->message, "'ls'"));
    g_assert_nonnull(strstr(error->message, "absolute"));
    g_assert_null(out);
}

static void
test_command_missing_program(void)
{
    g_autoptr(ProvCommand) cmd = prov_command_new("/nonexistent/provd-no-such-tool");
    g_autoptr(GError) error = NULL;

    g_assert_false(prov_command_run(cmd, NULL, NULL, &error));
    g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_NO_SUPPORT);
    g_assert_cmpstr(error->message, ==, "'/nonexistent/provd-no-such-tool' is not installed");
}

static void
test_command_deferred_errors(void)
{
    g_autoptr(ProvCommand) cmd = prov_command_new("/usr/bin/true");
    g_autoptr(GError) error = NULL;

    prov_command_add_env(cmd, "BAD=NAME", "x");
    prov_command_add_arg(cmd, NULL);
    g_assert_false(prov_command_run(cmd, NULL, NULL, &error));
    g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_INTERNAL_ERROR);
    /* The first problem is the one reported. */
    g_assert_nonnull(strstr(error->message, "'BAD=NAME'"));
}

static void
test_command_exit_status(void)
{
    g_autoptr(GError) error = NULL;
    int status = -1;

    {
        g_autoptr(ProvCommand) cmd = prov_command_new("/usr/bin/false");

        g_assert_false(prov_command_run(cmd, NULL, NULL, &error));
        g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_FAILED);
        g_assert_cmpstr(error->message, ==, "'false' exited with status 1");
        g_clear_error(&error);
    }
    {
        /* An allowed status is success. */
        g_autoptr(ProvCommand) cmd = prov_command_new("/usr/bin/false");
        g_autofree char *out = NULL;

        prov_command_allow_exit_status(cmd, 1);
        g_assert_true(prov_command_run(cmd, &out, NULL, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(out, ==, "");
    }
    {
        /* With ret_exit_status, any status is reported instead of failing. */
        g_autoptr(ProvCommand) cmd = prov_test_helper("flood");

        prov_command_add_args(cmd, "2", "42", NULL);
        g_assert_true(prov_command_run(cmd, NULL, &status, &error));
        g_assert_no_error(error);
        g_assert_cmpint(status, ==, 42);
    }
    {
        g_autoptr(ProvCommand) cmd = prov_command_new("/usr/bin/true");

        status = -1;
        g_assert_true(prov_command_run(cmd, NULL, &status, &error));
        g_assert_cmpint(status, ==, 0);
    }
}

static void
test_command_stderr_tail(void)
{
    g_autoptr(ProvCommand) cmd = prov_test_helper("flood");
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) lines = NULL;
    g_autofree char *out = NULL;
    g_autofree char *prefix = NULL;
    const char *tail;
    guint i;

    prov_command_add_args(cmd, "100", "3", NULL);
    g_assert_false(prov_command_run(cmd, &out, NULL, &error));
    g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_FAILED);
    g_assert_null(out);
    prefix = g_strdup_printf("'%s' exited with status 3: ", self_name);
    g_assert_true(g_str_has_prefix(error->message, prefix));

    /* Exactly the last ten lines of stderr, nothing of stdout. */
    tail = error->message + strlen(prefix);
    lines = g_strsplit(tail, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 10);
    for (i = 0; i < 10; i++) {
        g_autofree char *want = g_strdup_printf("err %08u", 90 + i);

        g_assert_cmpstr(lines[i], ==, want);
    }
}

static void
test_command_stderr_tail_bytes(void)
{
    g_autoptr(ProvCommand) cmd = prov_command_new_args("/usr/bin/ls", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) name = g_string_new("/nonexistent/");

    /* One 3000-byte line of stderr: only its last KiB reaches the message. */
    while (name->len < 3000)
        g_string_append(name, "abcdefghij");
    prov_command_add_arg(cmd, name->str);
    g_assert_false(prov_command_run(cmd, NULL, NULL, &error));
    g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_FAILED);
    g_assert_true(g_str_has_prefix(error->message, "'ls' exited with status 2: "));
    g_assert_cmpuint(strlen(error->message), <=, strlen("'ls' exited with status 2: ") + 1024);
    g_assert_true(g_str_has_suffix(error->message, "No such file or directory"));
}

static void
test_command_signal(void)
{
    g_autoptr(ProvCommand) cmd = prov_test_helper("raise");
    g_autoptr(GError) error = NULL;
    g_autofree char *want = NULL;
    int status = -1;

    prov_command_add_arg_format(cmd, "%d", SIGUSR1);
    /* Death by a signal fails even when the caller takes any exit status. */
    g_assert_false(prov_command_run(cmd, NULL, &status, &error));
    g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_FAILED);
    want = g_strdup_printf("'%s' was killed by signal SIGUSR1: about to die", self_name);
    g_assert_cmpstr(error->message, ==, want);
    g_assert_cmpint(status, ==, -1);
}

static void
test_command_timeout(void)
{
    g_autoptr(ProvCommand) cmd = prov_command_new_args("/usr/bin/sleep", "30", NULL);
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();
    gint64 elapsed;

    prov_command_set_timeout(cmd, 200);
    g_assert_false(prov_command_run(cmd, NULL, NULL, &error));
    elapsed = prov_test_elapsed_ms(start);
    g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_TIMEOUT);
    g_assert_cmpstr(error->message, ==, "'/usr/bin/sleep' timed out after 0.2 s");
    g_assert_cmpint(elapsed, >=, 200);
    g_assert_cmpint(elapsed, <, 3000);
}

static void
test_command_timeout_sigkill(void)
{
    g_autoptr(ProvCommand) cmd = prov_test_helper("ignore-term");
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();
    gint64 elapsed;
    g_autofree char *msg = NULL;

    /* SIGTERM is ignored, so SIGKILL must follow after the 5 s grace. */
    prov_command_set_timeout(cmd, 250);
    g_assert_false(prov_command_run(cmd, NULL, NULL, &error));
    elapsed = prov_test_elapsed_ms(start);
    g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_TIMEOUT);
    msg = g_strdup_printf("'%s' timed out after 0.25 s", self_exe);
    g_assert_cmpstr(error->message, ==, msg);
    g_assert_cmpint(elapsed, >=, 5250);
    g_assert_cmpint(elapsed, <, 9000);
}

static void
test_command_timeout_process_group(void)
{
    g_autofree char *dir = g_dir_make_tmp("commandtest-XXXXXX", NULL);
    g_autofree char *pidfile = g_build_filename(dir, "grandchild.pid", NULL);
    g_autoptr(ProvCommand) cmd = prov_test_helper("fork-sleep");
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    gint64 start = g_get_monotonic_time();
    int wstatus = 0;
    pid_t grandchild;

    g_assert_nonnull(dir);
    /* Become the reaper of orphans, so the grandchild's fate can be waited for. */
    g_assert_cmpint(prctl(PR_SET_CHILD_SUBREAPER, 1), ==, 0);

    prov_command_add_arg(cmd, pidfile);
    prov_command_set_timeout(cmd, 300);
    g_assert_false(prov_command_run(cmd, NULL, NULL, &error));
    g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_TIMEOUT);
    /* Both got SIGTERM at once: no wait for the SIGKILL grace. */
    g_assert_cmpint(prov_test_elapsed_ms(start), <, 3000);

    g_assert_true(g_file_get_contents(pidfile, &text, NULL, NULL));
    grandchild = atoi(text);
    g_assert_cmpint(grandchild, >, 0);
    g_assert_cmpint(waitpid(grandchild, &wstatus, 0), ==, grandchild);
    g_assert_true(WIFSIGNALED(wstatus));
    g_assert_cmpint(WTERMSIG(wstatus), ==, SIGTERM);

    g_assert_cmpint(prctl(PR_SET_CHILD_SUBREAPER, 0), ==, 0);
    g_unlink(pidfile);
    g_rmdir(dir);
}

static void
test_command_own_process_group(void)
{
    g_autoptr(ProvCommand) cmd = prov_command_new_args("/usr/bin/cat", "/proc/self/stat", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    g_auto(GStrv) fields = NULL;
    const char *after_comm;

    g_assert_true(prov_command_run(cmd, &out, NULL, &error));
    /* /proc/PID/stat: "pid (comm) state ppid pgrp ..." */
    after_comm = strrchr(out, ')');
    g_assert_nonnull(after_comm);
    fields = g_strsplit(after_comm + 2, " ", 4);
    g_assert_cmpint(atoi(out), ==, atoi(fields[2]));
    g_assert_cmpint(atoi(fields[1]), ==, getpid());
}

static void
test_command_no_fd_leak(void)
{
    g_autoptr(ProvCommand) cmd = prov_test_helper("list-fds");
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    int leaky;

    /* Deliberately without O_CLOEXEC, and at a high number too. */
    leaky = open("/dev/null", O_RDONLY);
    g_assert_cmpint(leaky, >=, 0);
    g_assert_cmpint(dup2(leaky, 77), ==, 77);

    g_assert_true(prov_command_run(cmd, &out, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(out, ==, "0\n1\n2\n");

    /* The same through a real tool: ls sees 0, 1, 2 and its own directory fd, 3. */
    {
        g_autoptr(ProvCommand) ls = prov_command_new_args("/usr/bin/ls", "/proc/self/fd", NULL);
        g_autofree char *listing = NULL;

        g_assert_true(prov_command_run(ls, &listing, NULL, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(listing, ==, "0\n1\n2\n3\n");
    }

    close(leaky);
    close(77);
}

static void
test_command_stdin_devnull(void)
{
    g_autoptr(ProvCommand) cmd =
        prov_command_new_args("/usr/bin/readlink", "/proc/self/fd/0", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;

    g_assert_true(prov_command_run(cmd, &out, NULL, &error));
    g_assert_cmpstr(out, ==, "/dev/null\n");
}

static void
test_command_clean_env(void)
{
    g_autoptr(ProvCommand) cmd = prov_command_new("/usr/bin/env");
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;

    g_setenv("PROVD_TEST_KILL_AT", "never-passed-on", TRUE);
    g_setenv("LANG", "de_DE.UTF-8", TRUE);
    prov_command_add_env(cmd, "FOO", "bar baz");
    prov_command_add_env(cmd, "FOO", "replaced");
    prov_command_add_env(cmd, "LC_ALL", "C.UTF-8");
    g_assert_true(prov_command_run(cmd, &out, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(out, ==, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nFOO=replaced\nLC_ALL=C.UTF-8\n");
    g_unsetenv("PROVD_TEST_KILL_AT");
    g_unsetenv("LANG");
}

static void
test_command_default_env(void)
{
    g_autoptr(ProvCommand) cmd = prov_command_new("/usr/bin/env");
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;

    g_assert_true(prov_command_run(cmd, &out, NULL, &error));
    g_assert_cmpstr(out, ==, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nLC_ALL=C\n");
}

static void
test_command_signals_reset(void)
{
    g_autoptr(ProvCommand) cmd =
        prov_command_new_args("/usr/bin/grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    sigset_t block;
    sigset_t old;
    void (*old_pipe)(int);

    /* A daemon thread with SIGTERM blocked and SIGPIPE ignored must not pass that on. */
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    old_pipe = signal(SIGPIPE, SIG_IGN);

    g_assert_true(prov_command_run(cmd, &out, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(out, ==, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");

    signal(SIGPIPE, old_pipe);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void
test_command_large_output(void)
{
    /* 600000 lines of 13 bytes: 7.4 MiB on each pipe, far beyond their 64 KiB buffers. */
    const long lines = 600000;
    g_autoptr(ProvCommand) cmd = prov_test_helper("flood");
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    g_autofree char *last = g_strdup_printf("out %08ld\n", lines - 1);

    prov_command_add_arg_format(cmd, "%ld", lines);
    prov_command_add_arg(cmd, "0");
    g_assert_true(prov_command_run(cmd, &out, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(strlen(out), ==, lines * FLOOD_LINE_LEN);
    g_assert_true(g_str_has_prefix(out, "out 00000000\nout 00000001\n"));
    g_assert_true(g_str_has_suffix(out, last));
}

static void
test_command_large_input(void)
{
    const gsize len = 6 * 1024 * 1024;
    g_autofree char *data = g_malloc(len);
    g_autoptr(ProvCommand) cmd = prov_command_new("/usr/bin/cat");
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    gsize i;

    /* cat writes while we still write: both directions must flow at once. */
    for (i = 0; i < len; i++)
        data[i] = 'a' + i % 26;
    prov_command_set_input(cmd, data, len);
    g_assert_true(prov_command_run(cmd, &out, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(strlen(out), ==, len);
    g_assert_cmpint(memcmp(out, data, len), ==, 0);
}

static void
test_command_input_not_read(void)
{
    const gsize len = 4 * 1024 * 1024;
    g_autofree char *data = g_malloc0(len);
    g_autoptr(ProvCommand) cmd = prov_command_new("/usr/bin/true");
    g_autoptr(GError) error = NULL;

    /* The child exits without reading: no SIGPIPE for us, no hang, its status counts. */
    prov_command_set_input(cmd, data, len);
    g_assert_true(prov_command_run(cmd, NULL, NULL, &error));
    g_assert_no_error(error);
}

static void
test_command_small_input(void)
{
    g_autoptr(ProvCommand) cmd = prov_command_new_args("/usr/bin/tr", "a-z", "A-Z", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;

    prov_command_set_input(cmd, "hello\n", 6);
    g_assert_true(prov_command_run(cmd, &out, NULL, &error));
    g_assert_cmpstr(out, ==, "HELLO\n");
}

typedef struct {
    const char *const *argv;
    const char *want;
} ToStringCase;

static void
test_command_to_string(void)
{
    static const char *const plain[] = { "/usr/bin/qemu-img", "create", "-f", "qcow2",
                                         "/pool/a.img",       "1024K",  NULL };
    static const char *const special[] = {
        "/usr/bin/x", "a b", "", "it's", "$HOME", "*", "key=val,x:y@z%+", "semi;colon", NULL
    };
    static const ToStringCase cases[] = {
        { plain, "/usr/bin/qemu-img create -f qcow2 /pool/a.img 1024K" },
        { special, "/usr/bin/x 'a b' '' 'it'\\''s' '$HOME' '*' key=val,x:y@z%+ 'semi;colon'" },
    };
    guint i;
    guint j;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(ProvCommand) cmd = prov_command_new(cases[i].argv[0]);
        g_autofree char *str = NULL;
        const char *const *argv;

        for (j = 1; cases[i].argv[j]; j++)
            prov_command_add_arg(cmd, cases[i].argv[j]);
        str = prov_command_to_string(cmd);
        g_assert_cmpstr(str, ==, cases[i].want);
        argv = prov_command_get_argv(cmd);
        for (j = 0; cases[i].argv[j]; j++)
            g_assert_cmpstr(argv[j], ==, cases[i].argv[j]);
        g_assert_null(argv[j]);
    }

    {
        g_autoptr(ProvCommand) cmd = prov_command_new_args("/usr/bin/env", "x", NULL);
        g_autofree char *str = NULL;

        prov_command_add_env(cmd, "LVM_SUPPRESS_FD_WARNINGS", "1");
        prov_command_add_env(cmd, "SPACED", "a b");
        str = prov_command_to_string(cmd);
        g_assert_cmpstr(str, ==, "LVM_SUPPRESS_FD_WARNINGS=1 SPACED='a b' /usr/bin/env x");
    }
}

/* Records the argv a dry run hands over, to show a secret argument arrives unmasked. */
static void
prov_test_secret_cb(const char *const *argv, const char *input, char **ret_stdout,
                    char **ret_stderr, int *ret_status, void *opaque)
{
    GPtrArray *seen = opaque;
    guint i;

    for (i = 0; argv[i]; i++)
        g_ptr_array_add(seen, g_strdup(argv[i]));
    *ret_stderr = g_strdup("login failed\n");
    *ret_status = 24;
}

static void
test_command_secret_arg(void)
{
    g_autoptr(GError) error = NULL;

    /* The program gets the value; the string form shows ***, quoted or not. */
    {
        g_autoptr(ProvCommand) cmd = prov_command_new_args("/bin/echo", "-n", "user", NULL);
        g_autofree char *str = NULL;
        g_autofree char *out = NULL;

        prov_command_add_arg_secret(cmd, "s3cr3t pass'word");
        prov_command_add_arg(cmd, "after");
        str = prov_command_to_string(cmd);
        g_assert_cmpstr(str, ==, "/bin/echo -n user *** after");
        g_assert_cmpstr(prov_command_get_argv(cmd)[3], ==, "s3cr3t pass'word");
        g_assert_true(prov_command_run(cmd, &out, NULL, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(out, ==, "user s3cr3t pass'word after");
    }
    /* A failing program: the error names it and its stderr, never the value. */
    {
        g_autoptr(ProvCommand) cmd = prov_test_helper("fail-with");
        g_autofree char *expected = NULL;

        prov_command_add_args(cmd, "bad password", "3", NULL);

        prov_command_add_arg_secret(cmd, "hunter2");
        g_assert_false(prov_command_run(cmd, NULL, NULL, &error));
        g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_FAILED);
        expected = g_strdup_printf("'%s' exited with status 3: bad password", self_name);
        g_assert_cmpstr(error->message, ==, expected);
        g_clear_error(&error);
    }
    /* The dry-run record masks it; the callback sees the real argv. */
    {
        g_autoptr(GString) log = g_string_new(NULL);
        g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(ProvCommand) cmd = prov_command_new_args("/sbin/iscsiadm", "-m", "node", "-o",
                                                           "update", "-v", NULL);

        prov_command_add_arg_secret(cmd, "hunter2");
        prov_command_set_dry_run(log, prov_test_secret_cb, seen);
        g_assert_false(prov_command_run(cmd, NULL, NULL, &error));
        prov_command_set_dry_run(NULL, NULL, NULL);
        g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_FAILED);
        g_assert_null(strstr(error->message, "hunter2"));
        g_assert_cmpstr(log->str, ==, "/sbin/iscsiadm -m node -o update -v ***\n");
        g_assert_cmpuint(seen->len, ==, 7);
        g_assert_cmpstr(g_ptr_array_index(seen, 6), ==, "hunter2");
        g_clear_error(&error);
    }
    /* NULL is a deferred error like for any argument, and names no value. */
    {
        g_autoptr(ProvCommand) cmd = prov_command_new_args("/bin/true", NULL);

        prov_command_add_arg_secret(cmd, NULL);
        g_assert_false(prov_command_run(cmd, NULL, NULL, &error));
        g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_INTERNAL_ERROR);
        g_assert_cmpstr(error->message, ==, "argument 1 of '/bin/true' is NULL");
    }
}

typedef struct {
    GPtrArray *seen; /* argv[1] of each call */
    char *input;
} DryRunData;

static void
prov_test_dry_run_cb(const char *const *argv, const char *input, char **ret_stdout,
                     char **ret_stderr, int *ret_status, void *opaque)
{
    DryRunData *data = opaque;

    g_ptr_array_add(data->seen, g_strdup(argv[1] ? argv[1] : ""));
    if (input)
        data->input = g_strdup(input);
    if (argv[1] && g_str_equal(argv[1], "fail")) {
        *ret_stderr = g_strdup("canned failure\n");
        *ret_status = 5;
        return;
    }
    *ret_stdout = g_strdup("canned output");
    *ret_status = 0;
}

static void
test_command_dry_run(void)
{
    g_autoptr(GString) log = g_string_new(NULL);
    g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    DryRunData data = { seen, NULL };

    prov_command_set_dry_run(log, prov_test_dry_run_cb, &data);
    {
        /* Nothing runs: the program does not even exist. */
        g_autoptr(ProvCommand) cmd =
            prov_command_new_args("/nonexistent/tool", "list", "a b", NULL);

        prov_command_set_input(cmd, "secret", 6);
        g_assert_true(prov_command_run(cmd, &out, NULL, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(out, ==, "canned output");
        g_assert_cmpstr(data.input, ==, "secret");
    }
    {
        g_autoptr(ProvCommand) cmd = prov_command_new_args("/nonexistent/tool", "fail", NULL);

        g_assert_false(prov_command_run(cmd, NULL, NULL, &error));
        g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_FAILED);
        g_assert_cmpstr(error->message, ==, "'tool' exited with status 5: canned failure");
        g_clear_error(&error);
    }
    {
        g_autoptr(ProvCommand) cmd = prov_command_new_args("/nonexistent/tool", "fail", NULL);
        int status = 0;

        g_assert_true(prov_command_run(cmd, NULL, &status, &error));
        g_assert_cmpint(status, ==, 5);
    }
    /* A log alone: success with empty output. */
    prov_command_set_dry_run(log, NULL, NULL);
    {
        g_autoptr(ProvCommand) cmd = prov_command_new_args("/nonexistent/tool", "quiet", NULL);
        g_autofree char *quiet = NULL;

        g_assert_true(prov_command_run(cmd, &quiet, NULL, &error));
        g_assert_cmpstr(quiet, ==, "");
    }
    prov_command_set_dry_run(NULL, NULL, NULL);

    g_assert_cmpstr(log->str, ==,
                    "/nonexistent/tool list 'a b'\n"
                    "/nonexistent/tool fail\n"
                    "/nonexistent/tool fail\n"
                    "/nonexistent/tool quiet\n");
    g_assert_cmpuint(seen->len, ==, 3);
    g_free(data.input);

    /* Real execution is back. */
    {
        g_autoptr(ProvCommand) cmd = prov_command_new("/nonexistent/tool");

        g_assert_false(prov_command_run(cmd, NULL, NULL, &error));
        g_assert_error(error, PROV_COMMAND_ERROR, PROV_ERR_NO_SUPPORT);
    }
}

#define THREADS 6
#define RUNS_PER_THREAD 25

static gpointer
prov_test_thread(gpointer data)
{
    guint id = GPOINTER_TO_UINT(data);
    guint i;

    for (i = 0; i < RUNS_PER_THREAD; i++) {
        g_autoptr(ProvCommand) cmd = prov_command_new("/usr/bin/echo");
        g_autoptr(GError) error = NULL;
        g_autofree char *out = NULL;
        g_autofree char *want = g_strdup_printf("thread %u run %u\n", id, i);

        prov_command_add_arg_format(cmd, "thread %u run %u", id, i);
        if (!prov_command_run(cmd, &out, NULL, &error) || !g_str_equal(out, want))
            return GUINT_TO_POINTER(1);
    }
    return GUINT_TO_POINTER(0);
}

static void
test_command_threads(void)
{
    GThread *threads[THREADS];
    guint i;

    for (i = 0; i < THREADS; i++)
        threads[i] = g_thread_new("runner", prov_test_thread, GUINT_TO_POINTER(i));
    for (i = 0; i < THREADS; i++)
        g_assert_cmpuint(GPOINTER_TO_UINT(g_thread_join(threads[i])), ==, 0);
}

static void
test_command_no_zombies(void)
{
    int status;

    /* Every earlier test reaped its children: none is left, dead or alive. */
    g_assert_cmpint(waitpid(-1, &status, WNOHANG), ==, -1);
    g_assert_cmpint(errno, ==, ECHILD);
}

int
main(int argc, char **argv)
{
    if (argc >= 3 && g_str_equal(argv[1], "--helper"))
        return prov_test_helper_main(argc, argv);

    g_test_init(&argc, &argv, NULL);
    self_exe = g_file_read_link("/proc/self/exe", NULL);
    g_assert_nonnull(self_exe);
    self_name = g_path_get_basename(self_exe);

    g_test_add_func("/command/echo", test_command_echo);
    g_test_add_func("/command/relative-program", test_command_relative_program);
    g_test_add_func("/command/missing-program", test_command_missing_program);
    g_test_add_func("/command/deferred-errors", test_command_deferred_errors);
    g_test_add_func("/command/exit-status", test_command_exit_status);
    g_test_add_func("/command/stderr-tail", test_command_stderr_tail);
    g_test_add_func("/command/stderr-tail-bytes", test_command_stderr_tail_bytes);
    g_test_add_func("/command/signal", test_command_signal);
    g_test_add_func("/command/timeout", test_command_timeout);
    g_test_add_func("/command/timeout-sigkill", test_command_timeout_sigkill);
    g_test_add_func("/command/timeout-process-group", test_command_timeout_process_group);
    g_test_add_func("/command/own-process-group", test_command_own_process_group);
    g_test_add_func("/command/no-fd-leak", test_command_no_fd_leak);
    g_test_add_func("/command/stdin-devnull", test_command_stdin_devnull);
    g_test_add_func("/command/clean-env", test_command_clean_env);
    g_test_add_func("/command/default-env", test_command_default_env);
    g_test_add_func("/command/signals-reset", test_command_signals_reset);
    g_test_add_func("/command/large-output", test_command_large_output);
    g_test_add_func("/command/large-input", test_command_large_input);
    g_test_add_func("/command/input-not-read", test_command_input_not_read);
    g_test_add_func("/command/small-input", test_command_small_input);
    g_test_add_func("/command/to-string", test_command_to_string);
    g_test_add_func("/command/secret-arg", test_command_secret_arg);
    g_test_add_func("/command/dry-run", test_command_dry_run);
    g_test_add_func("/command/threads", test_command_threads);
    g_test_add_func("/command/no-zombies", test_command_no_zombies);

    return g_test_run();
}
