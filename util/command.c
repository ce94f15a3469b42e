/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* command.c: run external tools with argv only, a clean environment, timeouts and no fd leaks. */
#define G_LOG_DOMAIN "prov-command"

#include "util/command.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fileutil.h"

/* The fixed part of every child's environment; prov_command_add_env() may override it. */
#define PROV_COMMAND_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

/* Grace between SIGTERM and SIGKILL once the timeout has passed. */
#define PROV_COMMAND_KILL_GRACE_MS 5000

/* The error message carries at most this much of the end of stderr. */
#define PROV_COMMAND_STDERR_TAIL_LINES 10
#define PROV_COMMAND_STDERR_TAIL_BYTES 1024

/*
 * Memory kept of a chatty stderr: only the tail goes into errors, so once the
 * buffer exceeds twice this size the older half is dropped.
 */
#define PROV_COMMAND_STDERR_KEEP (64 * 1024)

/* How much of the end of stderr the debug log shows. */
#define PROV_COMMAND_STDERR_LOG_BYTES 2048

#define PROV_COMMAND_IO_CHUNK (64 * 1024)

struct _ProvCommand {
    GPtrArray *argv;  /* NULL-terminated; [0] is the program */
    GPtrArray *env;   /* added "NAME=value" entries, NULL-terminated */
    guint timeout_ms; /* 0 = no timeout */
    GBytes *input;    /* NULL = stdin from /dev/null */
    GArray *allowed;  /* of int: exit statuses that also mean success */
    GError *deferred; /* first problem found while building */
    GArray *secrets;  /* of guint: argv indices shown as *** (prov_command_add_arg_secret) */
};

/* Dry-run state (tests only, see command.h). */
static bool prov_command_dry_run_active;
static GString *prov_command_dry_run_log;
static ProvCommandDryRunFunc prov_command_dry_run_cb;
static void *prov_command_dry_run_opaque;

static void prov_command_defer_error(ProvCommand *cmd, int code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
prov_command_defer_error(ProvCommand *cmd, int code, const char *fmt, ...)
{
    va_list ap;

    /* Only the first problem is reported: later ones are usually consequences. */
    if (cmd->deferred)
        return;
    va_start(ap, fmt);
    cmd->deferred = g_error_new_valist(PROV_COMMAND_ERROR, code, fmt, ap);
    va_end(ap);
}

/**
 * prov_command_new:
 * @program: absolute path of the program to run
 *
 * Creates a command whose argv starts with @program.  A relative or NULL path is
 * not an error yet: prov_command_run() reports it.  Returns a new command; free it
 * with prov_command_free().
 */
ProvCommand *
prov_command_new(const char *program)
{
    ProvCommand *cmd = g_new0(ProvCommand, 1);

    cmd->argv = g_ptr_array_new_null_terminated(8, g_free, TRUE);
    cmd->env = g_ptr_array_new_null_terminated(2, g_free, TRUE);
    cmd->allowed = g_array_new(FALSE, FALSE, sizeof(int));
    cmd->secrets = g_array_new(FALSE, FALSE, sizeof(guint));
    cmd->timeout_ms = PROV_COMMAND_DEFAULT_TIMEOUT_MS;

    if (!program) {
        prov_command_defer_error(cmd, PROV_ERR_INTERNAL_ERROR, "no program given to run");
        g_ptr_array_add(cmd->argv, g_strdup(""));
        return cmd;
    }
    /* A relative path would be looked up in whatever PATH and cwd we happen to have. */
    if (!g_path_is_absolute(program))
        prov_command_defer_error(cmd, PROV_ERR_INTERNAL_ERROR,
                                 "program '%s' must be given as an absolute path", program);
    g_ptr_array_add(cmd->argv, g_strdup(program));
    return cmd;
}

static void
prov_command_add_args_valist(ProvCommand *cmd, va_list ap)
{
    const char *arg;

    while ((arg = va_arg(ap, const char *)))
        prov_command_add_arg(cmd, arg);
}

/**
 * prov_command_new_args:
 * @program: absolute path of the program
 * @...: arguments, NULL-terminated
 *
 * Shorthand for prov_command_new() plus prov_command_add_args().  Returns a new command.
 */
ProvCommand *
prov_command_new_args(const char *program, ...)
{
    ProvCommand *cmd = prov_command_new(program);
    va_list ap;

    va_start(ap, program);
    prov_command_add_args_valist(cmd, ap);
    va_end(ap);
    return cmd;
}

/**
 * prov_command_add_arg:
 * @cmd: the command
 * @arg: one argument, copied; passed to the program as a single argv entry
 *
 * A NULL @arg is recorded as an error reported by prov_command_run().
 */
void
prov_command_add_arg(ProvCommand *cmd, const char *arg)
{
    if (!arg) {
        prov_command_defer_error(cmd, PROV_ERR_INTERNAL_ERROR, "argument %u of '%s' is NULL",
                                 cmd->argv->len, (const char *)g_ptr_array_index(cmd->argv, 0));
        return;
    }
    g_ptr_array_add(cmd->argv, g_strdup(arg));
}

/**
 * prov_command_add_arg_secret:
 * @cmd: the command
 * @arg: one argument, copied; passed to the program unchanged
 *
 * Like prov_command_add_arg(), but prov_command_to_string() shows the argument as
 * *** so it never reaches a log, the dry-run record or an error message.  The copy is
 * overwritten with zeros when @cmd is freed.
 */
void
prov_command_add_arg_secret(ProvCommand *cmd, const char *arg)
{
    guint index = cmd->argv->len;

    if (!arg) {
        prov_command_add_arg(cmd, NULL);
        return;
    }
    g_array_append_val(cmd->secrets, index);
    g_ptr_array_add(cmd->argv, g_strdup(arg));
}

static bool
prov_command_arg_is_secret(const ProvCommand *cmd, guint index)
{
    guint i;

    for (i = 0; i < cmd->secrets->len; i++) {
        if (g_array_index(cmd->secrets, guint, i) == index)
            return true;
    }
    return false;
}

/**
 * prov_command_add_arg_format:
 * @cmd: the command
 * @fmt: printf-style format of one argument
 *
 * Adds one argument built from @fmt.
 */
void
prov_command_add_arg_format(ProvCommand *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(cmd->argv, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/**
 * prov_command_add_args:
 * @cmd: the command
 * @...: arguments, NULL-terminated
 *
 * Adds each argument as its own argv entry.
 */
void
prov_command_add_args(ProvCommand *cmd, ...)
{
    va_list ap;

    va_start(ap, cmd);
    prov_command_add_args_valist(cmd, ap);
    va_end(ap);
}

static bool
prov_command_env_name_valid(const char *name)
{
    const char *p;

    if (!name || !*name || g_ascii_isdigit(*name))
        return false;
    for (p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_')
            return false;
    }
    return true;
}

/**
 * prov_command_add_env:
 * @cmd: the command
 * @name: variable name ([A-Za-z_][A-Za-z0-9_]*)
 * @value: its value
 *
 * Adds a variable to the child's otherwise clean environment, replacing an earlier
 * one of the same name (PATH and LC_ALL included).
 */
void
prov_command_add_env(ProvCommand *cmd, const char *name, const char *value)
{
    g_autofree char *prefix = NULL;
    guint i;

    if (!prov_command_env_name_valid(name) || !value) {
        prov_command_defer_error(cmd, PROV_ERR_INTERNAL_ERROR,
                                 "invalid environment variable '%s' for '%s'",
                                 name ? name : "(null)",
                                 (const char *)g_ptr_array_index(cmd->argv, 0));
        return;
    }
    prefix = g_strconcat(name, "=", NULL);
    for (i = 0; i < cmd->env->len; i++) {
        if (g_str_has_prefix(g_ptr_array_index(cmd->env, i), prefix)) {
            g_ptr_array_remove_index(cmd->env, i);
            break;
        }
    }
    g_ptr_array_add(cmd->env, g_strconcat(prefix, value, NULL));
}

/**
 * prov_command_set_timeout:
 * @cmd: the command
 * @timeout_ms: milliseconds before the child is sent SIGTERM; 0 waits forever
 */
void
prov_command_set_timeout(ProvCommand *cmd, guint timeout_ms)
{
    cmd->timeout_ms = timeout_ms;
}

/**
 * prov_command_set_input:
 * @cmd: the command
 * @data: bytes for the child's stdin (copied)
 * @len: their number
 *
 * The child reads @data and then end-of-file on stdin.
 */
void
prov_command_set_input(ProvCommand *cmd, const char *data, gsize len)
{
    g_clear_pointer(&cmd->input, g_bytes_unref);
    cmd->input = g_bytes_new(data, len);
}

/**
 * prov_command_allow_exit_status:
 * @cmd: the command
 * @status: an exit status that counts as success too
 */
void
prov_command_allow_exit_status(ProvCommand *cmd, int status)
{
    g_array_append_val(cmd->allowed, status);
}

/**
 * prov_command_get_argv:
 * @cmd: the command
 *
 * Returns the NULL-terminated argv, owned by @cmd.
 */
const char *const *
prov_command_get_argv(const ProvCommand *cmd)
{
    return (const char *const *)cmd->argv->pdata;
}

/*
 * Characters that never need quoting in a POSIX shell word.  Anything else
 * (spaces, quotes, $, `, *, ?, ;, &, |, <, >, (, ), {, }, [, ], ~, #, !, \,
 * newlines, non-ASCII) makes the word single-quoted.
 */
static bool
prov_command_word_is_safe(const char *word)
{
    const char *p;

    if (!*word)
        return false;
    for (p = word; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("@%+=:,./_-", *p))
            return false;
    }
    return true;
}

static void
prov_command_append_word(GString *buf, const char *word)
{
    const char *p;

    if (prov_command_word_is_safe(word)) {
        g_string_append(buf, word);
        return;
    }
    /* Single quotes protect everything but themselves: ' becomes '\'' */
    g_string_append_c(buf, '\'');
    for (p = word; *p; p++) {
        if (*p == '\'')
            g_string_append(buf, "'\\''");
        else
            g_string_append_c(buf, *p);
    }
    g_string_append_c(buf, '\'');
}

/**
 * prov_command_to_string:
 * @cmd: the command
 *
 * Formats the added environment (NAME=value, if any) and the argv as one shell-like
 * line, e.g. `/usr/bin/qemu-img create -f qcow2 '/pool/my disk.img' 1024K`, with
 * arguments added by prov_command_add_arg_secret() shown as ***.  For logs
 * and the dry-run record only; nothing ever runs it through a shell.  Returns a new
 * string; the caller frees it.
 */
char *
prov_command_to_string(const ProvCommand *cmd)
{
    GString *buf = g_string_new(NULL);
    guint i;

    for (i = 0; i < cmd->env->len; i++) {
        const char *entry = g_ptr_array_index(cmd->env, i);
        const char *eq = strchr(entry, '=');

        g_string_append_len(buf, entry, eq - entry + 1);
        prov_command_append_word(buf, eq + 1);
        g_string_append_c(buf, ' ');
    }
    for (i = 0; i < cmd->argv->len; i++) {
        if (i > 0)
            g_string_append_c(buf, ' ');
        if (prov_command_arg_is_secret(cmd, i))
            g_string_append(buf, "***");
        else
            prov_command_append_word(buf, g_ptr_array_index(cmd->argv, i));
    }
    return g_string_free(buf, FALSE);
}

/**
 * prov_command_free:
 * @cmd: the command, or NULL
 */
void
prov_command_free(ProvCommand *cmd)
{
    guint i;

    if (!cmd)
        return;
    for (i = 0; i < cmd->secrets->len; i++) {
        char *arg = g_ptr_array_index(cmd->argv, g_array_index(cmd->secrets, guint, i));

        explicit_bzero(arg, strlen(arg));
    }
    g_array_unref(cmd->secrets);
    g_ptr_array_unref(cmd->argv);
    g_ptr_array_unref(cmd->env);
    g_array_unref(cmd->allowed);
    g_clear_pointer(&cmd->input, g_bytes_unref);
    g_clear_error(&cmd->deferred);
    g_free(cmd);
}

/**
 * prov_command_set_dry_run:
 * @log: (nullable): where to append each command line
 * @cb: (nullable): produces the canned result of each run
 * @opaque: passed to @cb
 *
 * Replaces execution by a recorder (tests only; not thread-safe).  NULL, NULL, NULL
 * restores real execution.
 */
void
prov_command_set_dry_run(GString *log, ProvCommandDryRunFunc cb, void *opaque)
{
    prov_command_dry_run_log = log;
    prov_command_dry_run_cb = cb;
    prov_command_dry_run_opaque = opaque;
    prov_command_dry_run_active = log || cb;
}

/* The last lines of @err (at most 10 lines and 1 KiB), without trailing blanks. */
static char *
prov_command_stderr_tail(const char *err, gsize len)
{
    gsize end = len;
    gsize start;
    guint lines = 0;

    if (len == 0)
        return g_strdup("");
    while (end > 0 && g_ascii_isspace(err[end - 1]))
        end--;
    start = end;
    while (start > 0 && end - start < PROV_COMMAND_STDERR_TAIL_BYTES) {
        if (err[start - 1] == '\n' && ++lines == PROV_COMMAND_STDERR_TAIL_LINES)
            break;
        start--;
    }
    /* Cutting at a byte limit may split a UTF-8 sequence; GError messages must be valid. */
    return g_utf8_make_valid(err + start, end - start);
}

static char *
prov_command_basename(const ProvCommand *cmd)
{
    return g_path_get_basename(g_ptr_array_index(cmd->argv, 0));
}

/*
 * Turns the way the child ended into the result: @wait_status is a waitpid()
 * status.  @err is the (tail of the) child's stderr.
 */
static bool
prov_command_check_status(const ProvCommand *cmd, int wait_status, const char *err, gsize err_len,
                          int *ret_exit_status, GError **error)
{
    g_autofree char *name = prov_command_basename(cmd);
    g_autofree char *tail = prov_command_stderr_tail(err, err_len);
    int status;
    guint i;

    if (WIFSIGNALED(wait_status)) {
        const char *signame = sigabbrev_np(WTERMSIG(wait_status));

        if (*tail)
            g_set_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_FAILED,
                        "'%s' was killed by signal SIG%s: %s", name, signame ? signame : "?", tail);
        else
            g_set_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_FAILED,
                        "'%s' was killed by signal SIG%s", name, signame ? signame : "?");
        return false;
    }
    if (!WIFEXITED(wait_status)) {
        g_set_error(error, PROV_COMMAND_ERROR, PROV_ERR_INTERNAL_ERROR,
                    "'%s' ended in an unexpected way (wait status %d)", name, wait_status);
        return false;
    }

    status = WEXITSTATUS(wait_status);
    if (ret_exit_status) {
        *ret_exit_status = status;
        return true;
    }
    if (status == 0)
        return true;
    for (i = 0; i < cmd->allowed->len; i++) {
        if (g_array_index(cmd->allowed, int, i) == status)
            return true;
    }
    if (*tail)
        g_set_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_FAILED,
                    "'%s' exited with status %d: %s", name, status, tail);
    else
        g_set_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_FAILED,
                    "'%s' exited with status %d", name, status);
    return false;
}

static bool
prov_command_run_dry(const ProvCommand *cmd, const char *line, char **ret_stdout,
                     int *ret_exit_status, GError **error)
{
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *input = NULL;
    int status = 0;

    if (prov_command_dry_run_log) {
        g_string_append(prov_command_dry_run_log, line);
        g_string_append_c(prov_command_dry_run_log, '\n');
    }
    if (cmd->input) {
        gsize len;
        const char *data = g_bytes_get_data(cmd->input, &len);

        input = g_strndup(data ? data : "", len);
    }
    if (prov_command_dry_run_cb)
        prov_command_dry_run_cb(prov_command_get_argv(cmd), input, &out, &err, &status,
                                prov_command_dry_run_opaque);

    /* The canned status is an exit status; make it a wait status for the common check. */
    if (!prov_command_check_status(cmd, (status & 0xff) << 8, err ? err : "", err ? strlen(err) : 0,
                                   ret_exit_status, error))
        return false;
    if (ret_stdout)
        *ret_stdout = out ? g_steal_pointer(&out) : g_strdup("");
    return true;
}

/*
 * Runs in the child between fork and exec, so only async-signal-safe calls.
 * A daemon thread may have signals blocked or ignored (SIGPIPE), and both survive
 * exec: reset them so tools behave as from a shell and our SIGTERM works.
 */
static void
prov_command_child_setup(gpointer data)
{
    pid_t parent = *(const pid_t *)data;
    struct sigaction sa;
    sigset_t none;
    int sig;

    /* Own process group: a timeout signals the tool and everything it started. */
    setpgid(0, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &sa, NULL); /* glibc-internal signals refuse: fine */
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* If provd/provctl dies, do not leave the tool running unattended. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(127);
}

/* write() that turns a closed pipe into EPIPE without a process-wide SIGPIPE. */
static ssize_t
prov_command_write_nosigpipe(int fd, const void *buf, size_t len)
{
    sigset_t pipe_set;
    sigset_t old_set;
    sigset_t pending;
    bool was_pending;
    ssize_t n;
    int saved_errno;

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    sigpending(&pending);
    was_pending = sigismember(&pending, SIGPIPE);

    n = write(fd, buf, len);
    saved_errno = errno;

    /* Swallow the SIGPIPE this write raised (thread-directed), but not one we found. */
    if (n < 0 && saved_errno == EPIPE && !was_pending) {
        struct timespec zero = { 0, 0 };

        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old_set, NULL);
    errno = saved_errno;
    return n;
}

/* Keep only the recent part of stderr once it gets large. */
static void
prov_command_trim_stderr(GByteArray *err)
{
    if (err->len > 2 * PROV_COMMAND_STDERR_KEEP)
        g_byte_array_remove_range(err, 0, err->len - PROV_COMMAND_STDERR_KEEP);
}

/* Reads what is available from *@fdp into @buf; closes it and sets -1 on EOF or error. */
static void
prov_command_read_some(int *fdp, GByteArray *buf, bool is_stderr)
{
    guint8 chunk[PROV_COMMAND_IO_CHUNK];

    for (;;) {
        ssize_t n = read(*fdp, chunk, sizeof(chunk));

        if (n > 0) {
            g_byte_array_append(buf, chunk, n);
            if (is_stderr)
                prov_command_trim_stderr(buf);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        /* EOF, or an error that only a broken pipe could cause: nothing more comes. */
        prov_close_fdp(fdp);
        return;
    }
}

static void
prov_command_set_nonblock(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags >= 0)
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Signals the child's process group, and the child itself should setpgid have lost a race. */
static void
prov_command_signal(pid_t pid, int sig)
{
    kill(-pid, sig);
    kill(pid, sig);
}

static gint64
prov_command_now_ms(void)
{
    return g_get_monotonic_time() / 1000;
}

/* "0.2", "5", "120", "1.25": seconds without a locale-dependent decimal point. */
static char *
prov_command_format_seconds(guint ms)
{
    char frac[8];
    int i;

    if (ms % 1000 == 0)
        return g_strdup_printf("%u", ms / 1000);
    g_snprintf(frac, sizeof(frac), "%03u", ms % 1000);
    for (i = 2; i > 0 && frac[i] == '0'; i--)
        frac[i] = '\0';
    return g_strdup_printf("%u.%s", ms / 1000, frac);
}

/*
 * Waits for @pid while moving data through the pipes.  The child's end is seen
 * through a pidfd (Linux >= 5.3); without one (old kernel, seccomp) waitpid is
 * polled every 20 ms.  Once the child has exited, the pipes are drained of what it
 * wrote, but a grandchild still holding them open is not waited for.
 */
static void
prov_command_wait(const ProvCommand *cmd, pid_t pid, int in_fd, int out_fd, int err_fd,
                  GByteArray *out, GByteArray *err, int *ret_wait_status, bool *ret_timed_out)
{
    PROV_AUTOCLOSE int pidfd = -1;
    PROV_AUTOCLOSE int in = in_fd;
    PROV_AUTOCLOSE int stdout_fd = out_fd;
    PROV_AUTOCLOSE int stderr_fd = err_fd;
    const guint8 *input = NULL;
    gsize input_len = 0;
    gsize input_done = 0;
    gint64 deadline = 0;
    gint64 kill_at = 0;
    bool exited = false;
    bool timed_out = false;
    int wait_status = 0;

    pidfd = syscall(SYS_pidfd_open, pid, 0);
    if (cmd->input)
        input = g_bytes_get_data(cmd->input, &input_len);
    if (in >= 0 && input_len == 0)
        prov_close_fdp(&in);
    if (cmd->timeout_ms > 0)
        deadline = prov_command_now_ms() + cmd->timeout_ms;

    while (!exited) {
        struct pollfd fds[4];
        nfds_t nfds = 0;
        int poll_ms = -1;
        int in_idx = -1;
        int out_idx = -1;
        int err_idx = -1;
        int pid_idx = -1;
        gint64 now;
        bool check_child = pidfd < 0;

        if (in >= 0) {
            in_idx = nfds;
            fds[nfds++] = (struct pollfd){ .fd = in, .events = POLLOUT };
        }
        if (stdout_fd >= 0) {
            out_idx = nfds;
            fds[nfds++] = (struct pollfd){ .fd = stdout_fd, .events = POLLIN };
        }
        if (stderr_fd >= 0) {
            err_idx = nfds;
            fds[nfds++] = (struct pollfd){ .fd = stderr_fd, .events = POLLIN };
        }
        if (pidfd >= 0) {
            pid_idx = nfds;
            fds[nfds++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
        } else {
            poll_ms = 20;
        }
        now = prov_command_now_ms();
        if (kill_at > 0 || (deadline > 0 && !timed_out)) {
            gint64 until = (kill_at > 0 ? kill_at : deadline) - now;

            until = CLAMP(until, 0, G_MAXINT);
            if (poll_ms < 0 || until < poll_ms)
                poll_ms = until;
        }

        if (poll(fds, nfds, poll_ms) < 0 && errno != EINTR) {
            /* Cannot happen with valid fds; never leave the child behind unreaped. */
            g_debug("poll failed: %s; killing child %d", g_strerror(errno), (int)pid);
            prov_command_signal(pid, SIGKILL);
            break;
        }

        if (in_idx >= 0 && (fds[in_idx].revents & (POLLOUT | POLLERR | POLLHUP))) {
            gsize want = MIN(input_len - input_done, (gsize)PROV_COMMAND_IO_CHUNK);
            ssize_t n = prov_command_write_nosigpipe(in, input + input_done, want);

            if (n > 0)
                input_done += n;
            /* EPIPE: the tool stopped reading; what it did with that is its exit status. */
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || input_done == input_len)
                prov_close_fdp(&in);
        }
        if (out_idx >= 0 && fds[out_idx].revents)
            prov_command_read_some(&stdout_fd, out, false);
        if (err_idx >= 0 && fds[err_idx].revents)
            prov_command_read_some(&stderr_fd, err, true);
        if (pid_idx >= 0 && (fds[pid_idx].revents & POLLIN))
            check_child = true;

        if (check_child) {
            pid_t r = waitpid(pid, &wait_status, WNOHANG);

            if (r == pid || (r < 0 && errno == ECHILD)) {
                /* ECHILD: someone set SIGCHLD to SIG_IGN and the kernel reaped it. */
                if (r < 0)
                    wait_status = 0;
                exited = true;
                break;
            }
        }

        now = prov_command_now_ms();
        if (deadline > 0 && !timed_out && now >= deadline) {
            g_debug("'%s' timed out, sending SIGTERM to process group %d",
                    (const char *)g_ptr_array_index(cmd->argv, 0), (int)pid);
            timed_out = true;
            prov_command_signal(pid, SIGTERM);
            kill_at = now + PROV_COMMAND_KILL_GRACE_MS;
        } else if (kill_at > 0 && now >= kill_at) {
            g_debug("'%s' ignored SIGTERM, sending SIGKILL",
                    (const char *)g_ptr_array_index(cmd->argv, 0));
            prov_command_signal(pid, SIGKILL);
            kill_at = 0;
        }
    }

    if (!exited) {
        while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR)
            ;
    }
    /* Everything the child wrote is in the pipes now; take it without waiting for EOF. */
    if (stdout_fd >= 0)
        prov_command_read_some(&stdout_fd, out, false);
    if (stderr_fd >= 0)
        prov_command_read_some(&stderr_fd, err, true);

    *ret_wait_status = wait_status;
    *ret_timed_out = timed_out;
}

static bool
prov_command_spawn_error(const ProvCommand *cmd, GError *spawn_error, GError **error)
{
    const char *program = g_ptr_array_index(cmd->argv, 0);

    if (g_error_matches(spawn_error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT)) {
        g_set_error(error, PROV_COMMAND_ERROR, PROV_ERR_NO_SUPPORT, "'%s' is not installed",
                    program);
        return false;
    }
    g_set_error(error, PROV_COMMAND_ERROR, PROV_ERR_SYSTEM_ERROR, "cannot run '%s': %s", program,
                spawn_error->message);
    return false;
}

/**
 * prov_command_run:
 * @cmd: the command
 * @ret_stdout: (out) (optional): the child's stdout, NUL-terminated, caller frees
 * @ret_exit_status: (out) (optional): the exit status; when given, any exit status is
 *   reported here instead of failing
 * @error: return location for an error
 *
 * Runs the command to completion (see command.h for the environment it gets).
 * Thread-safe outside dry-run mode.  Returns false with @error set when building
 * the command failed, the program could not be started (PROV_ERR_NO_SUPPORT when it
 * is not installed), timed out (PROV_ERR_OPERATION_TIMEOUT), was killed by a signal,
 * or exited non-zero while @ret_exit_status is NULL and the status was not allowed
 * (PROV_ERR_OPERATION_FAILED).  Outputs are written only on success.
 */
bool
prov_command_run(ProvCommand *cmd, char **ret_stdout, int *ret_exit_status, GError **error)
{
    g_autofree char *line = NULL;
    g_autoptr(GPtrArray) envp = NULL;
    g_autoptr(GByteArray) out = NULL;
    g_autoptr(GByteArray) err = NULL;
    g_autoptr(GError) spawn_error = NULL;
    const char *program;
    pid_t parent = getpid();
    GPid pid = 0;
    int in_fd = -1;
    int out_fd = -1;
    int err_fd = -1;
    int wait_status = 0;
    bool timed_out = false;
    bool have_path = false;
    bool have_lc_all = false;
    guint i;

    if (cmd->deferred) {
        g_propagate_error(error, g_error_copy(cmd->deferred));
        return false;
    }
    program = g_ptr_array_index(cmd->argv, 0);
    line = prov_command_to_string(cmd);
    g_debug("running %s", line);

    if (prov_command_dry_run_active)
        return prov_command_run_dry(cmd, line, ret_stdout, ret_exit_status, error);

    envp = g_ptr_array_new_null_terminated(cmd->env->len + 2, NULL, TRUE);
    for (i = 0; i < cmd->env->len; i++) {
        const char *entry = g_ptr_array_index(cmd->env, i);

        have_path |= g_str_has_prefix(entry, "PATH=");
        have_lc_all |= g_str_has_prefix(entry, "LC_ALL=");
    }
    if (!have_path)
        g_ptr_array_add(envp, (gpointer) "PATH=" PROV_COMMAND_PATH);
    if (!have_lc_all)
        g_ptr_array_add(envp, (gpointer) "LC_ALL=C");
    for (i = 0; i < cmd->env->len; i++)
        g_ptr_array_add(envp, g_ptr_array_index(cmd->env, i));

    /*
     * GLib closes every fd but 0/1/2 in the child, puts stdin on /dev/null when no
     * pipe is asked for, and creates our pipe ends O_CLOEXEC, so threads spawning
     * concurrently do not leak each other's pipes.
     */
    if (!g_spawn_async_with_pipes_and_fds(NULL, (const char *const *)cmd->argv->pdata,
                                          (const char *const *)envp->pdata,
                                          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CLOEXEC_PIPES,
                                          prov_command_child_setup, &parent, -1, -1, -1, NULL, NULL,
                                          0, &pid, cmd->input ? &in_fd : NULL, &out_fd, &err_fd,
                                          &spawn_error))
        return prov_command_spawn_error(cmd, spawn_error, error);

    /* Also from the parent, so a timeout right after the fork still finds the group. */
    setpgid(pid, pid);
    if (in_fd >= 0)
        prov_command_set_nonblock(in_fd);
    prov_command_set_nonblock(out_fd);
    prov_command_set_nonblock(err_fd);

    out = g_byte_array_new();
    err = g_byte_array_new();
    prov_command_wait(cmd, pid, in_fd, out_fd, err_fd, out, err, &wait_status, &timed_out);

    if (err->len > 0) {
        /* Enough to see what went wrong without flooding the log. */
        gsize shown = MIN(err->len, (gsize)PROV_COMMAND_STDERR_LOG_BYTES);

        g_debug("'%s' stderr%s: %.*s", program, shown < err->len ? " (end)" : "", (int)shown,
                (const char *)err->data + err->len - shown);
    }
    if (timed_out) {
        g_autofree char *secs = prov_command_format_seconds(cmd->timeout_ms);

        g_set_error(error, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_TIMEOUT,
                    "'%s' timed out after %s s", program, secs);
        return false;
    }
    if (!prov_command_check_status(cmd, wait_status, (const char *)err->data, err->len,
                                   ret_exit_status, error))
        return false;
    if (ret_stdout) {
        g_byte_array_append(out, (const guint8 *)"", 1);
        *ret_stdout = (char *)g_byte_array_free(g_steal_pointer(&out), FALSE);
    }
    return true;
}
