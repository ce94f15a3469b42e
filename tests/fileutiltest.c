/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fileutiltest.c: atomic writes, durable unlink, mkdir -p, whole-file reads and flock locks. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/testutil.h"
#include "util/error.h"
#include "util/fileutil.h"

/* A scratch directory per test, removed with its content afterwards. */
typedef struct {
    char *dir;
} Fixture;

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
    fx->dir = prov_test_make_tmp_dir("fileutiltest-XXXXXX");
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
    prov_test_remove_tree(fx->dir);
    g_free(fx->dir);
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/* Names in @dir, sorted and joined by spaces. */
static char *
list_dir(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    g_assert_nonnull(dir);
    while ((name = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_strdup(name));
    g_dir_close(dir);
    g_ptr_array_sort(names, compare_strings);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(" ", (char **)names->pdata);
}

static void
test_close_fdp(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int copy = fd;

    g_assert_cmpint(fd, >=, 0);
    errno = 1234;
    prov_close_fdp(&fd);
    g_assert_cmpint(fd, ==, -1);
    g_assert_cmpint(errno, ==, 1234);
    g_assert_cmpint(fcntl(copy, F_GETFD), ==, -1);
    prov_close_fdp(&fd); /* -1 is fine */

    {
        PROV_AUTOCLOSE int scoped = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int stolen;

        copy = scoped;
        stolen = prov_steal_fd(&scoped);
        g_assert_cmpint(scoped, ==, -1);
        g_assert_cmpint(stolen, ==, copy);
    }
    /* Stolen, so still open after the scope. */
    g_assert_cmpint(fcntl(copy, F_GETFD), >=, 0);
    close(copy);

    {
        PROV_AUTOCLOSE int scoped = open("/dev/null", O_RDONLY | O_CLOEXEC);

        copy = scoped;
    }
    g_assert_cmpint(fcntl(copy, F_GETFD), ==, -1);
}

static void
test_write_atomic(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fx->dir, "pool.xml", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *content = NULL;
    g_autofree char *names = NULL;
    struct stat st;
    mode_t old_umask;

    /* The umask must not change the requested mode. */
    old_umask = umask(077);
    g_assert_true(prov_file_write_atomic(path, "first\n", 6, 0644, &error));
    umask(old_umask);
    g_assert_no_error(error);
    g_assert_true(g_file_get_contents(path, &content, NULL, NULL));
    g_assert_cmpstr(content, ==, "first\n");
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0644);
    g_clear_pointer(&content, g_free);

    /* Replacing: new content, new mode, and only the file itself left in the directory. */
    g_assert_true(prov_file_write_atomic(path, "second, longer\n", 15, 0600, &error));
    g_assert_no_error(error);
    g_assert_true(g_file_get_contents(path, &content, NULL, NULL));
    g_assert_cmpstr(content, ==, "second, longer\n");
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0600);
    names = list_dir(fx->dir);
    g_assert_cmpstr(names, ==, "pool.xml");
    g_clear_pointer(&content, g_free);

    /* Empty content is a valid file. */
    g_assert_true(prov_file_write_atomic(path, "", 0, 0600, &error));
    g_assert_true(g_file_get_contents(path, &content, NULL, NULL));
    g_assert_cmpstr(content, ==, "");
}

static void
test_write_atomic_failure(Fixture *fx, gconstpointer data)
{
    g_autofree char *target = g_build_filename(fx->dir, "target", NULL);
    g_autofree char *inside = g_build_filename(target, "child", NULL);
    g_autofree char *missing = g_build_filename(fx->dir, "no-such-dir", "file", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *names = NULL;

    /* rename() over a non-empty directory fails after the temp file was written. */
    g_assert_cmpint(g_mkdir(target, 0755), ==, 0);
    g_assert_cmpint(g_mkdir(inside, 0755), ==, 0);
    g_assert_false(prov_file_write_atomic(target, "x", 1, 0600, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_SYSTEM_ERROR);
    g_assert_nonnull(strstr(error->message, target));
    names = list_dir(fx->dir);
    g_assert_cmpstr(names, ==, "target");
    g_clear_error(&error);

    g_assert_false(prov_file_write_atomic(missing, "x", 1, 0600, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_SYSTEM_ERROR);
    g_assert_nonnull(strstr(error->message, "No such file or directory"));
}

static void
test_unlink_durable(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fx->dir, "gone", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true(g_file_set_contents(path, "x", 1, NULL));
    g_assert_true(prov_file_unlink_durable(path, &error));
    g_assert_no_error(error);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    /* Missing is fine. */
    g_assert_true(prov_file_unlink_durable(path, &error));
    g_assert_no_error(error);
    /* A directory is not a file to unlink. */
    g_assert_false(prov_file_unlink_durable(fx->dir, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_SYSTEM_ERROR);
}

static void
test_mkdir_p(Fixture *fx, gconstpointer data)
{
    g_autofree char *deep = g_build_filename(fx->dir, "a", "b", "c", NULL);
    g_autofree char *file = g_build_filename(fx->dir, "plain", NULL);
    g_autofree char *under_file = g_build_filename(file, "sub", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true(prov_mkdir_p(deep, 0700, &error));
    g_assert_no_error(error);
    g_assert_true(g_file_test(deep, G_FILE_TEST_IS_DIR));
    /* Again: already there. */
    g_assert_true(prov_mkdir_p(deep, 0700, &error));

    g_assert_true(g_file_set_contents(file, "", 0, NULL));
    g_assert_false(prov_mkdir_p(under_file, 0700, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_SYSTEM_ERROR);
    g_assert_nonnull(strstr(error->message, under_file));
}

static void
test_read_all(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fx->dir, "data", NULL);
    g_autofree char *missing = g_build_filename(fx->dir, "missing", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *content = NULL;
    g_autofree char *big = g_strnfill(100000, 'z');
    gsize len = 0;

    g_assert_true(g_file_set_contents(path, big, 100000, NULL));
    content = prov_file_read_all(path, 0, &len, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(len, ==, 100000);
    g_assert_cmpstr(content, ==, big);
    g_clear_pointer(&content, g_free);

    /* Exactly at the limit is fine, one byte over is not. */
    content = prov_file_read_all(path, 100000, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(content);
    g_clear_pointer(&content, g_free);
    content = prov_file_read_all(path, 99999, NULL, &error);
    g_assert_null(content);
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_READ_FAILED);
    g_clear_error(&error);

    /* /proc files report a size of 0 but have content. */
    content = prov_file_read_all("/proc/self/status", 0, &len, &error);
    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(content, "Name:"));
    g_assert_cmpuint(len, ==, strlen(content));
    g_clear_pointer(&content, g_free);

    content = prov_file_read_all(missing, 0, NULL, &error);
    g_assert_null(content);
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_SYSTEM_ERROR);
    g_assert_nonnull(strstr(error->message, missing));
}

static void
test_lock_in_process(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fx->dir, "locks", "sub", "pool-p1.lock", NULL);
    g_autoptr(GError) error = NULL;
    ProvFileLock *first;
    ProvFileLock *second;
    struct stat st;

    g_assert_false(prov_file_lock_is_held(path));

    /* Parent directories are created; the file is 0600. */
    first = prov_file_lock_acquire(path, PROV_LOCK_NONBLOCK, "storage pool 'p1'", &error);
    g_assert_no_error(error);
    g_assert_nonnull(first);
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0600);
    g_assert_true(prov_file_lock_is_held(path));

    /* A second acquisition in the same process conflicts (separate open file description). */
    second = prov_file_lock_acquire(path, PROV_LOCK_NONBLOCK, "storage pool 'p1'", &error);
    g_assert_null(second);
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_RESOURCE_BUSY);
    g_assert_cmpstr(error->message, ==, "storage pool 'p1' is busy");
    g_clear_error(&error);

    second = prov_file_lock_acquire(path, PROV_LOCK_NONBLOCK | PROV_LOCK_SHARED, NULL, &error);
    g_assert_null(second);
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_RESOURCE_BUSY);
    g_assert_nonnull(strstr(error->message, path));
    g_clear_error(&error);

    prov_file_lock_release(first);
    g_assert_false(prov_file_lock_is_held(path));
    /* The lock file stays. */
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));

    second = prov_file_lock_acquire(path, PROV_LOCK_NONBLOCK, "storage pool 'p1'", &error);
    g_assert_no_error(error);
    g_assert_nonnull(second);
    prov_file_lock_release(second);
    prov_file_lock_release(NULL);
}

static void
test_lock_shared(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fx->dir, "vol.lock", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvFileLock) reader1 = NULL;
    g_autoptr(ProvFileLock) reader2 = NULL;
    g_autoptr(ProvFileLock) writer = NULL;

    reader1 =
        prov_file_lock_acquire(path, PROV_LOCK_SHARED | PROV_LOCK_NONBLOCK, "volume 'v'", &error);
    g_assert_no_error(error);
    reader2 =
        prov_file_lock_acquire(path, PROV_LOCK_SHARED | PROV_LOCK_NONBLOCK, "volume 'v'", &error);
    g_assert_no_error(error);
    g_assert_true(prov_file_lock_is_held(path));

    /* Readers exclude a writer ... */
    writer = prov_file_lock_acquire(path, PROV_LOCK_NONBLOCK, "volume 'v'", &error);
    g_assert_null(writer);
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_RESOURCE_BUSY);
    g_clear_error(&error);

    /* ... until the last one leaves. */
    g_clear_pointer(&reader1, prov_file_lock_release);
    writer = prov_file_lock_acquire(path, PROV_LOCK_NONBLOCK, "volume 'v'", &error);
    g_assert_null(writer);
    g_clear_error(&error);
    g_clear_pointer(&reader2, prov_file_lock_release);
    writer = prov_file_lock_acquire(path, PROV_LOCK_NONBLOCK, "volume 'v'", &error);
    g_assert_no_error(error);
    g_assert_nonnull(writer);

    /* And a writer excludes readers. */
    reader1 =
        prov_file_lock_acquire(path, PROV_LOCK_SHARED | PROV_LOCK_NONBLOCK, "volume 'v'", &error);
    g_assert_null(reader1);
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_RESOURCE_BUSY);
}

/* Child side of the fork tests: try a non-blocking lock and report through the exit code. */
static int
child_try_lock(const char *path, unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    ProvFileLock *lock = prov_file_lock_acquire(path, flags | PROV_LOCK_NONBLOCK, "x", &error);

    if (lock) {
        prov_file_lock_release(lock);
        return 0;
    }
    return g_error_matches(error, PROV_UTIL_ERROR, PROV_ERR_RESOURCE_BUSY) ? 10 : 20;
}

static int
run_child(const char *path, unsigned int flags)
{
    int status = 0;
    pid_t pid = fork();

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0)
        _exit(child_try_lock(path, flags));
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void
test_lock_fork(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fx->dir, "fork.lock", NULL);
    g_autoptr(GError) error = NULL;
    ProvFileLock *lock;
    int to_child[2];
    int to_parent[2];
    char byte = 0;
    int status = 0;
    pid_t pid;

    /* Parent holds exclusive: the child is refused, shared or exclusive. */
    lock = prov_file_lock_acquire(path, 0, "pool 'p'", &error);
    g_assert_no_error(error);
    g_assert_cmpint(run_child(path, 0), ==, 10);
    g_assert_cmpint(run_child(path, PROV_LOCK_SHARED), ==, 10);
    prov_file_lock_release(lock);
    g_assert_cmpint(run_child(path, 0), ==, 0);

    /* Parent holds shared: a shared child gets in, an exclusive one does not. */
    lock = prov_file_lock_acquire(path, PROV_LOCK_SHARED, "pool 'p'", &error);
    g_assert_no_error(error);
    g_assert_cmpint(run_child(path, PROV_LOCK_SHARED), ==, 0);
    g_assert_cmpint(run_child(path, 0), ==, 10);
    prov_file_lock_release(lock);

    /* The child holds it: the parent is refused, then gets it once the child exits. */
    g_assert_cmpint(pipe2(to_child, O_CLOEXEC), ==, 0);
    g_assert_cmpint(pipe2(to_parent, O_CLOEXEC), ==, 0);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        ProvFileLock *held = prov_file_lock_acquire(path, PROV_LOCK_NONBLOCK, "x", NULL);

        byte = held ? 'L' : 'F';
        if (write(to_parent[1], &byte, 1) != 1 || read(to_child[0], &byte, 1) != 1)
            _exit(2);
        _exit(held ? 0 : 1);
    }
    g_assert_cmpint(read(to_parent[0], &byte, 1), ==, 1);
    g_assert_cmpint(byte, ==, 'L');
    g_assert_true(prov_file_lock_is_held(path));
    lock = prov_file_lock_acquire(path, PROV_LOCK_NONBLOCK, "pool 'p'", &error);
    g_assert_null(lock);
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_RESOURCE_BUSY);
    g_assert_cmpstr(error->message, ==, "pool 'p' is busy");
    g_clear_error(&error);

    g_assert_cmpint(write(to_child[1], "x", 1), ==, 1);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);

    /* A blocking acquisition now succeeds at once. */
    lock = prov_file_lock_acquire(path, 0, "pool 'p'", &error);
    g_assert_no_error(error);
    g_assert_nonnull(lock);
    prov_file_lock_release(lock);

    close(to_child[0]);
    close(to_child[1]);
    close(to_parent[0]);
    close(to_parent[1]);
}

static gpointer
release_later(gpointer data)
{
    g_usleep(200 * 1000);
    prov_file_lock_release(data);
    return NULL;
}

static void
test_lock_blocking(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fx->dir, "wait.lock", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvFileLock) second = NULL;
    ProvFileLock *first;
    GThread *thread;
    gint64 start;

    /* Without NONBLOCK the caller waits for the holder (here: another thread). */
    first = prov_file_lock_acquire(path, 0, "pool 'p'", &error);
    g_assert_no_error(error);
    start = g_get_monotonic_time();
    thread = g_thread_new("release", release_later, first);
    second = prov_file_lock_acquire(path, 0, "pool 'p'", &error);
    g_assert_no_error(error);
    g_assert_nonnull(second);
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 150 * 1000);
    g_thread_join(thread);
}

static void
test_lock_cloexec(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fx->dir, "cloexec.lock", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvFileLock) lock = NULL;
    g_autofree char *fd_dir = g_strdup_printf("/proc/%d/fd", getpid());
    GDir *dir;
    const char *name;
    bool found = false;

    lock = prov_file_lock_acquire(path, 0, "pool 'p'", &error);
    g_assert_no_error(error);
    /* Find the lock's fd and check FD_CLOEXEC on it. */
    dir = g_dir_open(fd_dir, 0, NULL);
    g_assert_nonnull(dir);
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *link_path = g_build_filename(fd_dir, name, NULL);
        g_autofree char *target = g_file_read_link(link_path, NULL);

        if (target && g_str_equal(target, path)) {
            g_assert_cmpint(fcntl(atoi(name), F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);
            found = true;
        }
    }
    g_dir_close(dir);
    g_assert_true(found);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/fileutil/close-fdp", test_close_fdp);
#define ADD(name, func) g_test_add(name, Fixture, NULL, fixture_setup, func, fixture_teardown)
    ADD("/fileutil/write-atomic", test_write_atomic);
    ADD("/fileutil/write-atomic-failure", test_write_atomic_failure);
    ADD("/fileutil/unlink-durable", test_unlink_durable);
    ADD("/fileutil/mkdir-p", test_mkdir_p);
    ADD("/fileutil/read-all", test_read_all);
    ADD("/fileutil/lock/in-process", test_lock_in_process);
    ADD("/fileutil/lock/shared", test_lock_shared);
    ADD("/fileutil/lock/fork", test_lock_fork);
    ADD("/fileutil/lock/blocking", test_lock_blocking);
    ADD("/fileutil/lock/cloexec", test_lock_cloexec);
#undef ADD

    return g_test_run();
}
