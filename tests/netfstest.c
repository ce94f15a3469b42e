/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netfstest.c: netfs pools: mount argv, showmount parsing, mount detection, bounded waits. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "backends/backends.h"
#include "storage/volume_local.h"
#include "tests/testutil.h"
#include "util/command.h"
#include "util/error.h"

#define NETFS_LOG_DOMAIN "provd-backend-netfs"
#define FS_NS "xmlns:fs='http://libvirt.org/schemas/storagepool/fs/1.0'"

/* Why the tests that mount cannot run here, or NULL (set up in main). */
static char *ns_skip_reason;

static char *
data_path(const char *name)
{
    return g_build_filename(PROV_TEST_DATA_DIR, "netfsdata", name, NULL);
}

static char *
pool_xml(const char *host, const char *dir, const char *format, const char *ver,
         const char *opts, const char *target)
{
    GString *xml = g_string_new(NULL);

    g_string_append_printf(xml, "<pool type='netfs' %s>\n  <name>p</name>\n  <source>\n", FS_NS);
    g_string_append_printf(xml, "    <host name='%s'/>\n    <dir path='%s'/>\n", host, dir);
    if (format)
        g_string_append_printf(xml, "    <format type='%s'/>\n", format);
    if (ver)
        g_string_append_printf(xml, "    <protocol ver='%s'/>\n", ver);
    g_string_append_printf(xml, "  </source>\n  <target>\n    <path>%s</path>\n  </target>\n",
                           target);
    prov_test_append_mount_opts(xml, opts);
    g_string_append(xml, "</pool>\n");
    return g_string_free(xml, FALSE);
}

static ProvPoolDef *
parse_pool(const char *xml)
{
    g_autoptr(GError) err = NULL;
    ProvPoolDef *def = prov_pool_def_parse_string(xml, 0, &err);

    g_assert_no_error(err);
    return def;
}

/* An argv on one line, the program by its basename: "mount -o x -t nfs h:/d /mnt". */
static char *
argv_line(const char *const *argv)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autofree char *prog = g_path_get_basename(argv[0]);
    guint i;

    g_string_append(out, prog);
    for (i = 1; argv[i]; i++)
        g_string_append_printf(out, " %s", argv[i]);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* ---- the mount command beyond libvirt's own golden files (storagepoolxml2argvtest) ---- */

typedef struct {
    const char *name;
    const char *host;
    const char *dir;
    const char *format;
    const char *ver;
    const char *opts;
    const char *source;        /* prov_netfs_mount_source() */
    const char *argv;          /* the mount command */
} MountCase;

static const MountCase mount_cases[] = {
    { "nfs-v3-nolock", "127.0.0.1", "/srv/export", "nfs", "3", "nolock",
      "127.0.0.1:/srv/export",
      "mount -o nodev,nosuid,noexec,nfsvers=3,nolock -t nfs 127.0.0.1:/srv/export /mnt/p" },
    { "no-format-is-auto", "nfs.example.com", "/exports/vm", NULL, "4.2", NULL,
      "nfs.example.com:/exports/vm",
      "mount -o nodev,nosuid,noexec,nfsvers=4.2 nfs.example.com:/exports/vm /mnt/p" },
    { "auto-opts", "h", "/e", "auto", NULL, "soft,timeo=50", "h:/e",
      "mount -o nodev,nosuid,noexec,soft,timeo=50 h:/e /mnt/p" },
    { "nfs-ipv6", "fd00::1", "/e", "nfs", NULL, NULL, "[fd00::1]:/e",
      "mount -o nodev,nosuid,noexec -t nfs [fd00::1]:/e /mnt/p" },
    { "nfs-ipv6-bracketed", "[fd00::1]", "/e", "nfs", NULL, NULL, "[fd00::1]:/e",
      "mount -o nodev,nosuid,noexec -t nfs [fd00::1]:/e /mnt/p" },
    { "cifs-share", "smb.example.com", "share", "cifs", NULL, "vers=3.0", "//smb.example.com/share",
      "mount -o nodev,nosuid,noexec,guest,vers=3.0 -t cifs //smb.example.com/share /mnt/p" },
    { "cifs-leading-slash", "smb", "/share", "cifs", NULL, NULL, "//smb/share",
      "mount -o nodev,nosuid,noexec,guest -t cifs //smb/share /mnt/p" },
    { "gluster-volume", "gl", "vol0", "glusterfs", NULL, "backup-volfile-servers=gl2",
      "gl:vol0",
      "mount -o nodev,nosuid,noexec,direct-io-mode=1,backup-volfile-servers=gl2 -t glusterfs "
      "gl:vol0 /mnt/p" },
};

static void
test_mount_command(gconstpointer data)
{
    const MountCase *tc = data;
    g_autofree char *xml = pool_xml(tc->host, tc->dir, tc->format, tc->ver, tc->opts, "/mnt/p");
    g_autoptr(ProvPoolDef) def = parse_pool(xml);
    g_autoptr(ProvCommand) cmd = prov_fs_mount_command(def);
    g_autofree char *source = prov_netfs_mount_source(def);
    g_autofree char *line = argv_line(prov_command_get_argv(cmd));

    g_assert_cmpstr(source, ==, tc->source);
    g_assert_cmpstr(line, ==, tc->argv);
    g_assert_cmpstr(prov_command_get_argv(cmd)[0], ==, MOUNT);
}

/* ---- showmount ------------------------------------------------------------------------ */

static void
assert_dirs(GPtrArray *dirs, const char *const *expected)
{
    guint i;

    for (i = 0; i < dirs->len && expected[i]; i++)
        g_assert_cmpstr(g_ptr_array_index(dirs, i), ==, expected[i]);
    g_assert_cmpuint(dirs->len, ==, g_strv_length((char **)expected));
}

/* Real output of nfs-utils 2.6 showmount, captured in the test VM (tests/vm). */
static void
test_showmount_fixtures(void)
{
    static const struct {
        const char *file;
        const char *expected[5];
    } cases[] = {
        { "showmount-no-headers.txt",
          { "/srv/with space", "/srv/export", "/srv/squash", "/srv/other", NULL } },
        { "showmount-e.txt",
          { "/srv/with space", "/srv/export", "/srv/squash", "/srv/other", NULL } },
        { "showmount-ip-clients.txt", { "/srv/cap/export", "/srv/cap/with space", NULL } },
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = data_path(cases[i].file);
        g_autofree char *text = prov_test_read_required(path);
        g_autoptr(GPtrArray) dirs = prov_netfs_showmount_parse(text);

        assert_dirs(dirs, cases[i].expected);
    }
}

/* The exports of a server with nothing exported, with and without the header line. */
static void
test_showmount_empty(void)
{
    static const char *const files[] = { "showmount-empty-no-headers.txt",
                                         "showmount-empty.txt" };
    static const char *const none[] = { NULL };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *path = data_path(files[i]);
        g_autofree char *text = prov_test_read_required(path);
        g_autoptr(GPtrArray) dirs = prov_netfs_showmount_parse(text);

        assert_dirs(dirs, none);
    }
}

typedef struct {
    const char *name;
    const char *output;
    const char *expected[4];
} ShowmountCase;

static const ShowmountCase showmount_cases[] = {
    { "nothing", "", { NULL } },
    { "header-only", "Export list for nfs.example.com:\n", { NULL } },
    { "root-export", "/ *\n", { "/", NULL } },
    { "client-list", "/vm   10.0.0.0/24,host1,host2\n", { "/vm", NULL } },
    { "tab-and-everyone", "/data\t(everyone)\n", { "/data", NULL } },
    { "no-client-list", "/bare\n/bare2   \n", { "/bare", "/bare2", NULL } },
    { "spaces-inside", "/a b  c *\n", { "/a b  c", NULL } },
    { "not-paths", "clnt_create: RPC: Unknown host\nrelative *\n/ok *\n", { "/ok", NULL } },
    { "no-final-newline", "/x *", { "/x", NULL } },
};

static void
test_showmount_case(gconstpointer data)
{
    const ShowmountCase *tc = data;
    g_autoptr(GPtrArray) dirs = prov_netfs_showmount_parse(tc->output);

    assert_dirs(dirs, tc->expected);
}

/* ---- find-storage-pool-sources through the dry-run seam -------------------------------- */

typedef struct {
    GString *log;
    GPtrArray *lines;          /* argv_line() of each command */
    const char *out;           /* canned stdout */
    const char *err;           /* canned stderr */
    int status;
} Canned;

static void
canned_cb(const char *const *argv, const char *input, char **ret_stdout, char **ret_stderr,
          int *ret_status, void *opaque)
{
    Canned *c = opaque;

    g_ptr_array_add(c->lines, argv_line(argv));
    *ret_stdout = g_strdup(c->out ? c->out : "");
    *ret_stderr = g_strdup(c->err ? c->err : "");
    *ret_status = c->status;
}

static char *
find_sources(Canned *c, const char *spec, GError **error)
{
    char *xml;

    c->log = g_string_new(NULL);
    c->lines = g_ptr_array_new_with_free_func(g_free);
    prov_command_set_dry_run(c->log, canned_cb, c);
    xml = prov_backend_netfs.find_pool_sources(spec, 0, error);
    prov_command_set_dry_run(NULL, NULL, NULL);
    return xml;
}

static void
canned_clear(Canned *c)
{
    g_string_free(c->log, TRUE);
    g_ptr_array_unref(c->lines);
}

/* Compare with tests/netfsdata/@name, or rewrite it under PROV_TEST_REGENERATE=1. */
static void
check_golden(const char *name, const char *got)
{
    g_autofree char *path = data_path(name);

    prov_test_check_golden(path, got);
}

static void
test_find_sources(void)
{
    g_autofree char *path = data_path("showmount-no-headers.txt");
    g_autofree char *out = prov_test_read_required(path);
    Canned c = { .out = out };
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL;

    xml = find_sources(&c, "<source><host name='127.0.0.1' port='2049'/></source>", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(c.lines->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(c.lines, 0), ==,
                    "showmount --no-headers --exports -- 127.0.0.1");
    check_golden("find-sources.xml", xml);
    canned_clear(&c);
}

static void
test_find_sources_empty(void)
{
    Canned c = { .out = "" };
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = find_sources(&c, "<source><host name='nfs1'/></source>", &err);

    g_assert_no_error(err);
    g_assert_cmpstr(xml, ==, "<sources>\n</sources>\n");
    canned_clear(&c);
}

typedef struct {
    const char *name;
    const char *spec;
    int status;                /* canned showmount exit status */
    const char *err_file;      /* and its stderr, from tests/netfsdata/ */
    bool runs;                 /* showmount runs at all */
    const char *needles[3];    /* the error mentions these */
} FindErrorCase;

static const FindErrorCase find_error_cases[] = {
    { "no-spec", NULL, 0, NULL, false, { "host", NULL } },
    { "no-host", "<source/>", 0, NULL, false, { "exactly one host", NULL } },
    { "two-hosts", "<source><host name='a'/><host name='b'/></source>", 0, NULL, false,
      { "exactly one host", NULL } },
    { "option-as-host", "<source><host name='-oProxyCommand'/></source>", 0, NULL, false,
      { "'-oProxyCommand'", "not a host name", NULL } },
    { "space-in-host", "<source><host name='a b'/></source>", 0, NULL, false,
      { "'a b'", NULL } },
    { "not-a-source", "<sources/>", 0, NULL, false, { NULL } },
    /* stderr as captured in the VM with rpc.mountd stopped */
    { "no-mountd", "<source><host name='127.0.0.1'/></source>", 1,
      "showmount-no-mountd.stderr", true,
      { "'127.0.0.1'", "Program not registered", NULL } },
};

static void
test_find_sources_error(gconstpointer data)
{
    const FindErrorCase *tc = data;
    g_autofree char *path = tc->err_file ? data_path(tc->err_file) : NULL;
    g_autofree char *stderr_text = path ? prov_test_read_required(path) : NULL;
    Canned c = { .status = tc->status, .err = stderr_text };
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = find_sources(&c, tc->spec, &err);
    guint i;

    g_assert_null(xml);
    g_assert_nonnull(err);
    for (i = 0; tc->needles[i]; i++)
        if (!strstr(err->message, tc->needles[i]))
            g_error("error '%s' does not mention '%s'", err->message, tc->needles[i]);
    g_assert_cmpuint(c.lines->len, ==, tc->runs ? 1 : 0);
    canned_clear(&c);
}

/* ---- recognising the mount ------------------------------------------------------------ */

/* /proc/self/mountinfo of the test VM with two NFS mounts, one with a space in both paths. */
static void
test_mountinfo_fixture(void)
{
    g_autofree char *path = data_path("mountinfo.txt");
    g_autofree char *info = prov_test_read_required(path);
    g_autofree char *other = NULL;

    g_assert_true(prov_netfs_find_mount(info, "/var/lib/provd/nfs", "127.0.0.1:/srv/cap/export",
                                        &other));
    g_assert_null(other);
    g_assert_true(prov_netfs_find_mount(info, "/var/lib/provd/nfs two",
                                        "127.0.0.1:/srv/cap/with space", NULL));
    /* Same mount point, another export: not ours, and the message can say what is. */
    g_assert_false(prov_netfs_find_mount(info, "/var/lib/provd/nfs", "127.0.0.1:/srv/cap/other",
                                         &other));
    g_assert_cmpstr(other, ==, "127.0.0.1:/srv/cap/export");
    g_clear_pointer(&other, g_free);
    /* Our export, mounted elsewhere only. */
    g_assert_false(prov_netfs_find_mount(info, "/var/lib/provd", "127.0.0.1:/srv/cap/export",
                                         &other));
    g_assert_null(other);
    g_assert_false(prov_netfs_find_mount(info, "/var/lib/provd/nfs", "localhost:/srv/cap/export",
                                         NULL));
}

/* Lines as proc(5) describes them: optional fields, stacked mounts, escapes. */
static void
test_mountinfo_lines(void)
{
    const char *info =
        "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
        "40 22 0:40 / /mnt/p rw shared:20 master:3 - nfs h:/old rw,vers=3\n"
        "41 40 0:41 / /mnt/p rw - nfs4 h:/e rw,vers=4.2\n"
        "42 22 0:42 / /mnt/c\\040d rw - cifs //s/share\\040x rw\n"
        "garbage line\n"
        "43 22 0:43 / /mnt/short rw -\n";
    g_autoptr(GPtrArray) entries = prov_mountinfo_parse(info);
    const ProvMountEntry *e;
    g_autofree char *other = NULL;

    g_assert_cmpuint(entries->len, ==, 4);
    e = g_ptr_array_index(entries, 1);
    g_assert_cmpstr(e->devno, ==, "0:40");
    g_assert_cmpstr(e->mount_point, ==, "/mnt/p");
    g_assert_cmpstr(e->fstype, ==, "nfs");
    g_assert_cmpstr(e->source, ==, "h:/old");
    e = g_ptr_array_index(entries, 3);
    g_assert_cmpstr(e->mount_point, ==, "/mnt/c d");
    g_assert_cmpstr(e->source, ==, "//s/share x");

    g_assert_true(prov_netfs_find_mount(info, "/mnt/p", "h:/e", NULL));
    g_assert_true(prov_netfs_find_mount(info, "/mnt/c d", "//s/share x", NULL));
    g_assert_false(prov_netfs_find_mount(info, "/mnt/p", "h:/x", &other));
    g_assert_cmpstr(other, ==, "h:/e");
}

/* ---- bounded waits ---------------------------------------------------------------------- */

typedef struct {
    GMutex lock;
    GCond cond;
    bool release;
} Blocker;

static gint blocker_freed;

static bool
blocker_work(gpointer data, GError **error)
{
    Blocker *b = data;

    g_mutex_lock(&b->lock);
    while (!b->release)
        g_cond_wait(&b->cond, &b->lock);
    g_mutex_unlock(&b->lock);
    return true;
}

static void
blocker_free(gpointer data)
{
    Blocker *b = data;

    g_mutex_clear(&b->lock);
    g_cond_clear(&b->cond);
    g_free(b);
    g_atomic_int_set(&blocker_freed, 1);
}

static Blocker *
blocker_new(void)
{
    Blocker *b = g_new0(Blocker, 1);

    g_mutex_init(&b->lock);
    g_cond_init(&b->cond);
    return b;
}

/* Lets an abandoned blocker return; it must not be touched afterwards. */
static void
blocker_release(Blocker *b)
{
    g_mutex_lock(&b->lock);
    b->release = true;
    g_cond_signal(&b->cond);
    g_mutex_unlock(&b->lock);
}

static bool
wait_until_unstuck(const char *key)
{
    gint64 end = g_get_monotonic_time() + 10 * G_TIME_SPAN_SECOND;

    while (prov_netfs_is_stuck(key) || !g_atomic_int_get(&blocker_freed)) {
        if (g_get_monotonic_time() > end)
            return false;
        g_usleep(1000);
    }
    return true;
}

static bool
quick_ok(gpointer data, GError **error)
{
    (*(int *)data)++;
    return true;
}

static bool
quick_fail(gpointer data, GError **error)
{
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED, "failed with %d",
                *(int *)data);
    return false;
}

static void
never_free(gpointer data)
{
    g_error("a call that returned in time must leave its data to the caller");
}

static void
test_bounded(void)
{
    const char *key = "/bounded/test";
    g_autoptr(GError) err = NULL;
    Blocker *b = blocker_new();
    bool timed_out = true;
    gint64 start;
    int n = 41;

    /* In time: the call's result and error come back, the data stays ours. */
    g_assert_true(prov_netfs_run_bounded(key, quick_ok, &n, never_free, 5000, &timed_out,
                                         &err));
    g_assert_no_error(err);
    g_assert_false(timed_out);
    g_assert_cmpint(n, ==, 42);
    g_assert_false(prov_netfs_run_bounded(key, quick_fail, &n, never_free, 5000, &timed_out,
                                          &err));
    g_assert_false(timed_out);
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED);
    g_assert_cmpstr(err->message, ==, "failed with 42");
    g_clear_error(&err);
    g_assert_false(prov_netfs_is_stuck(key));

    /* Too late: given up after the limit, no error set, the key is stuck. */
    start = g_get_monotonic_time();
    g_assert_false(prov_netfs_run_bounded(key, blocker_work, b, blocker_free, 100, &timed_out,
                                          &err));
    g_assert_true(timed_out);
    g_assert_no_error(err);
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 100 * G_TIME_SPAN_MILLISECOND);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_TIME_SPAN_SECOND);
    g_assert_true(prov_netfs_is_stuck(key));
    g_assert_false(prov_netfs_is_stuck("/another/key"));
    g_assert_cmpint(g_atomic_int_get(&blocker_freed), ==, 0);

    /* The call returns after all: it frees its data and the key is free again. */
    blocker_release(b);
    g_assert_true(wait_until_unstuck(key));
}

/* ---- the backend on a "mount" in a private mount namespace -------------------------- */

/*
 * A tmpfs mounted with the pool's source string as its source makes
 * /proc/self/mountinfo show exactly what an NFS mount would
 * ("... - tmpfs 127.0.0.1:/srv/export rw"), so the backend's own logic runs for
 * real; the dry-run callback mounts and unmounts such a tmpfs in place of
 * mount(8) and umount(8).  Needs root and a private mount namespace (main()).
 */
typedef struct {
    char *dir;                 /* canonical temp dir */
    char *target;              /* dir/mnt */
    ProvStoragePool pool;
    GString *log;
    GPtrArray *lines;          /* argv_line() of each command, dir shown as /TMP */
    const char *mount_as;      /* mount this source instead of the one in the argv */
} Fixture;

static void
fixture_cb(const char *const *argv, const char *input, char **ret_stdout, char **ret_stderr,
           int *ret_status, void *opaque)
{
    Fixture *fx = opaque;
    g_autofree char *prog = g_path_get_basename(argv[0]);
    g_autofree char *line = argv_line(argv);
    g_autoptr(GString) shown = g_string_new(line);
    guint n = g_strv_length((char **)argv);
    int rc = 0;

    g_string_replace(shown, fx->dir, "/TMP", 0);
    g_ptr_array_add(fx->lines, g_string_free(g_steal_pointer(&shown), FALSE));
    *ret_status = 0;
    if (g_str_equal(prog, "mount"))
        rc = mount(fx->mount_as ? fx->mount_as : argv[n - 2], argv[n - 1], "tmpfs", 0,
                   "size=4m");
    else if (g_str_equal(prog, "umount"))
        rc = umount2(argv[n - 1], g_strv_contains(argv, "-l") ? MNT_DETACH : 0);
    if (rc < 0) {
        *ret_status = 32;
        *ret_stderr = g_strdup_printf("%s: %s\n", prog, g_strerror(errno));
    }
}

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
    g_autofree char *tmp = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(GError) err = NULL;

    if (ns_skip_reason)
        return;
    tmp = prov_test_make_tmp_dir("provd-netfstest-XXXXXX");
    fx->dir = realpath(tmp, NULL);
    g_assert_nonnull(fx->dir);
    fx->target = g_build_filename(fx->dir, "mnt", NULL);
    g_assert_cmpint(g_mkdir(fx->target, 0755), ==, 0);
    xml = pool_xml("127.0.0.1", "/srv/export", "nfs", "3", "nolock", fx->target);
    fx->pool.def = parse_pool(xml);
    fx->pool.vols = g_ptr_array_new_with_free_func((GDestroyNotify)prov_vol_def_free);
    fx->pool.state_dir = g_build_filename(fx->dir, "state", NULL);
    fx->pool.root = g_strdup("");
    g_assert_cmpint(g_mkdir(fx->pool.state_dir, 0700), ==, 0);
    fx->log = g_string_new(NULL);
    fx->lines = g_ptr_array_new_with_free_func(g_free);
    prov_command_set_dry_run(fx->log, fixture_cb, fx);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
    guint i;

    if (ns_skip_reason)
        return;
    prov_command_set_dry_run(NULL, NULL, NULL);
    for (i = 0; i < 8 && umount2(fx->target, MNT_DETACH) == 0; i++)
        ;
    prov_test_remove_tree(fx->dir);
    prov_pool_def_free(fx->pool.def);
    g_ptr_array_unref(fx->pool.vols);
    g_free(fx->pool.state_dir);
    g_free(fx->pool.root);
    g_string_free(fx->log, TRUE);
    g_ptr_array_unref(fx->lines);
    g_free(fx->target);
    g_free(fx->dir);
}

static bool
skip_without_ns(void)
{
    if (!ns_skip_reason)
        return false;
    g_test_skip(ns_skip_reason);
    return true;
}

/* The commands run since the last call, joined with "\n". */
static char *
take_lines(Fixture *fx)
{
    g_autoptr(GString) out = g_string_new(NULL);
    guint i;

    for (i = 0; i < fx->lines->len; i++)
        g_string_append_printf(out, "%s%s", i ? "\n" : "", (char *)g_ptr_array_index(fx->lines, i));
    g_ptr_array_set_size(fx->lines, 0);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static bool
pool_active(Fixture *fx)
{
    g_autoptr(GError) err = NULL;
    bool active = true;

    g_assert_true(prov_backend_netfs.check_pool(&fx->pool, &active, &err));
    g_assert_no_error(err);
    return active;
}

static void
assert_error_mentions(const GError *err, const char *needle)
{
    g_assert_nonnull(err);
    if (!strstr(err->message, needle))
        g_error("error '%s' does not mention '%s'", err->message, needle);
}

static ProvVolDef *
new_vol(Fixture *fx, const char *name)
{
    g_autofree char *xml = g_strdup_printf("<volume><name>%s</name>"
                                           "<capacity unit='bytes'>1048576</capacity>"
                                           "<allocation>0</allocation></volume>", name);
    g_autoptr(GError) err = NULL;
    ProvVolDef *vol = prov_vol_def_parse_string(fx->pool.def, xml, 0, &err);

    g_assert_no_error(err);
    return vol;
}

static void
test_ns_lifecycle(Fixture *fx, gconstpointer data)
{
    const ProvStorageBackend *be = &prov_backend_netfs;
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvVolDef) vol = NULL;
    g_autofree char *lines = NULL;
    g_autofree char *file = NULL;
    ProvVolDef *found = NULL;

    if (skip_without_ns())
        return;
    g_assert_false(pool_active(fx));

    g_assert_true(be->start_pool(&fx->pool, &err));
    g_assert_no_error(err);
    lines = take_lines(fx);
    g_assert_cmpstr(lines, ==, "mount -o nodev,nosuid,noexec,nfsvers=3,nolock -t nfs "
                               "127.0.0.1:/srv/export /TMP/mnt");
    g_assert_true(pool_active(fx));
    /* Started already: nothing to do. */
    g_assert_true(be->start_pool(&fx->pool, &err));
    g_clear_pointer(&lines, g_free);
    lines = take_lines(fx);
    g_assert_cmpstr(lines, ==, "");

    /* Refresh lists what is in the mount. */
    file = g_build_filename(fx->target, "a.img", NULL);
    g_assert_true(g_file_set_contents(file, "data", -1, NULL));
    g_assert_true(be->refresh_pool(&fx->pool, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(fx->pool.vols->len, ==, 1);
    g_assert_cmpstr(((ProvVolDef *)g_ptr_array_index(fx->pool.vols, 0))->name, ==, "a.img");
    g_assert_cmpuint(fx->pool.def->capacity, ==, 4 * 1024 * 1024);

    /* Volumes as in a dir pool. */
    vol = new_vol(fx, "v.raw");
    g_assert_true(be->create_vol(&fx->pool, vol, &err));
    g_assert_no_error(err);
    g_assert_true(be->build_vol(&fx->pool, vol, 0, NULL, &err));
    g_assert_no_error(err);
    g_assert_true(be->lookup_vol(&fx->pool, "v.raw", &found, &err));
    g_assert_nonnull(found);
    g_assert_cmpuint(found->capacity, ==, 1048576);
    g_assert_true(be->delete_vol(&fx->pool, found, 0, &err));
    g_assert_no_error(err);
    prov_vol_def_free(found);
    g_assert_true(be->lookup_vol(&fx->pool, "v.raw", &found, &err));
    g_assert_null(found);
    g_assert_true(be->pool_usage(&fx->pool, &err));
    g_assert_no_error(err);
    g_clear_pointer(&lines, g_free);
    lines = take_lines(fx);
    g_assert_cmpstr(lines, ==, "");

    /* The pool cannot be built or deleted while mounted. */
    g_assert_false(be->build_pool(&fx->pool, 0, &err));
    assert_error_mentions(err, "has '127.0.0.1:/srv/export' mounted");
    g_clear_error(&err);
    g_assert_false(be->delete_pool(&fx->pool, 0, &err));
    assert_error_mentions(err, "mounted");
    g_clear_error(&err);

    /* Stop = plain umount when the server answers. */
    g_assert_true(be->stop_pool(&fx->pool, &err));
    g_assert_no_error(err);
    g_clear_pointer(&lines, g_free);
    lines = take_lines(fx);
    g_assert_cmpstr(lines, ==, "umount /TMP/mnt");
    g_assert_false(pool_active(fx));
    g_assert_true(be->stop_pool(&fx->pool, &err));
    g_clear_pointer(&lines, g_free);
    lines = take_lines(fx);
    g_assert_cmpstr(lines, ==, "");

    g_assert_true(be->delete_pool(&fx->pool, 0, &err));
    g_assert_no_error(err);
    g_assert_false(g_file_test(fx->target, G_FILE_TEST_EXISTS));
    g_assert_true(be->build_pool(&fx->pool, 0, &err));
    g_assert_no_error(err);
    g_assert_true(g_file_test(fx->target, G_FILE_TEST_IS_DIR));
}

/* Not mounted: no volume operation touches the bare mount-point directory. */
static void
test_ns_not_mounted(Fixture *fx, gconstpointer data)
{
    const ProvStorageBackend *be = &prov_backend_netfs;
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvVolDef) vol = NULL;
    g_autofree char *lines = NULL;
    ProvVolDef *found = NULL;

    if (skip_without_ns())
        return;
    g_assert_false(be->refresh_pool(&fx->pool, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID);
    assert_error_mentions(err, "'127.0.0.1:/srv/export' is not mounted on");
    g_clear_error(&err);
    vol = new_vol(fx, "v.raw");
    g_assert_false(be->create_vol(&fx->pool, vol, &err));
    assert_error_mentions(err, "is not mounted");
    g_clear_error(&err);
    g_assert_false(be->lookup_vol(&fx->pool, "v.raw", &found, &err));
    g_assert_null(found);
    g_clear_error(&err);
    g_assert_true(be->stop_pool(&fx->pool, &err));
    g_assert_no_error(err);
    lines = take_lines(fx);
    g_assert_cmpstr(lines, ==, "");
}

/* Something else is mounted on the target: start refuses, and so do build and delete. */
static void
test_ns_other_mounted(Fixture *fx, gconstpointer data)
{
    const ProvStorageBackend *be = &prov_backend_netfs;
    g_autoptr(GError) err = NULL;
    g_autofree char *lines = NULL;

    if (skip_without_ns())
        return;
    g_assert_cmpint(mount("other:/x", fx->target, "tmpfs", 0, "size=1m"), ==, 0);
    g_assert_false(pool_active(fx));
    g_assert_false(be->start_pool(&fx->pool, &err));
    assert_error_mentions(err, "has 'other:/x' mounted on it");
    g_clear_error(&err);
    g_assert_false(be->build_pool(&fx->pool, 0, &err));
    assert_error_mentions(err, "'other:/x'");
    g_clear_error(&err);
    g_assert_false(be->delete_pool(&fx->pool, 0, &err));
    assert_error_mentions(err, "'other:/x'");
    g_clear_error(&err);
    /* Not ours to unmount. */
    g_assert_true(be->stop_pool(&fx->pool, &err));
    lines = take_lines(fx);
    g_assert_cmpstr(lines, ==, "");
}

/* mount(8) succeeded, yet mountinfo shows another source: undone and reported. */
static void
test_ns_mount_mismatch(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *lines = NULL;

    if (skip_without_ns())
        return;
    fx->mount_as = "127.0.0.1:/srv/export/";
    g_assert_false(prov_backend_netfs.start_pool(&fx->pool, &err));
    assert_error_mentions(err, "shows '127.0.0.1:/srv/export/' there");
    lines = take_lines(fx);
    g_assert_cmpstr(lines, ==, "mount -o nodev,nosuid,noexec,nfsvers=3,nolock -t nfs "
                               "127.0.0.1:/srv/export /TMP/mnt\n"
                               "umount /TMP/mnt");
    g_assert_false(pool_active(fx));
}

/*
 * The server stops answering.  A real dead NFS server cannot be had here, so the
 * mount is made to look like one: a call on its mount point that missed its time
 * limit is still blocked (prov_netfs_is_stuck), which is what the backend sees
 * after a probe timed out.  (tests/vm/vmtest_netfs.py does it for real.)
 */
static void
test_ns_not_responding(Fixture *fx, gconstpointer data)
{
    const ProvStorageBackend *be = &prov_backend_netfs;
    g_autoptr(GError) err = NULL;
    g_autofree char *lines = NULL;
    ProvVolDef *found = NULL;
    Blocker *b = blocker_new();
    bool timed_out = false;
    gint64 start;

    if (skip_without_ns())
        return;
    g_assert_true(be->start_pool(&fx->pool, &err));
    g_assert_no_error(err);
    g_clear_pointer(&lines, g_free);
    lines = take_lines(fx);

    g_atomic_int_set(&blocker_freed, 0);
    g_assert_false(prov_netfs_run_bounded(fx->target, blocker_work, b, blocker_free, 10,
                                          &timed_out, &err));
    g_assert_true(timed_out);

    start = g_get_monotonic_time();
    g_assert_false(be->refresh_pool(&fx->pool, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_TIMEOUT);
    assert_error_mentions(err, "storage pool 'p': NFS server '127.0.0.1' is not responding");
    g_clear_error(&err);
    g_assert_false(be->lookup_vol(&fx->pool, "x", &found, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_TIMEOUT);
    g_clear_error(&err);
    g_assert_false(be->pool_usage(&fx->pool, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_TIMEOUT);
    g_clear_error(&err);
    /* Known to be stuck: nobody waits again. */
    g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_TIME_SPAN_SECOND);
    /* Still recognised as active: check_pool reads only mountinfo. */
    g_assert_true(pool_active(fx));

    /* Stop detaches lazily and says so. */
    g_test_expect_message(NETFS_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                          "*NFS server '127.0.0.1' is not responding*detached*lazily*");
    g_assert_true(be->stop_pool(&fx->pool, &err));
    g_test_assert_expected_messages();
    g_assert_no_error(err);
    g_clear_pointer(&lines, g_free);
    lines = take_lines(fx);
    g_assert_cmpstr(lines, ==, "umount -l /TMP/mnt");
    g_assert_false(pool_active(fx));

    blocker_release(b);
    g_assert_true(wait_until_unstuck(fx->target));
}

static void
test_build_flags(void)
{
    g_autofree char *xml = pool_xml("h", "/e", "nfs", NULL, NULL, "/nonexistent/p");
    g_autoptr(ProvPoolDef) def = parse_pool(xml);
    ProvStoragePool pool = { .def = def };
    g_autoptr(GError) err = NULL;

    g_assert_false(prov_backend_netfs.build_pool(&pool, PROV_POOL_BUILD_OVERWRITE, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_ARGUMENT_UNSUPPORTED);
    g_assert_false(g_file_test("/nonexistent/p", G_FILE_TEST_EXISTS));
}

/* Sources the backend refuses before running anything. */
static void
test_bad_sources(void)
{
    static const struct {
        const char *host;
        const char *dir;
        const char *format;
        const char *needle;
    } cases[] = {
        { "-oremount", "/e", "nfs", "'-oremount' is not a host name" },
        { "h;x", "/e", "nfs", "'h;x'" },
        { "h", "relative", "nfs", "'relative' of an NFS export is not an absolute path" },
        { "h", "relative", NULL, "not an absolute path" },
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *xml = pool_xml(cases[i].host, cases[i].dir, cases[i].format, NULL,
                                        NULL, "/mnt/p");
        g_autoptr(ProvPoolDef) def = parse_pool(xml);
        ProvStoragePool pool = { .def = def };
        g_autoptr(GError) err = NULL;
        GString *log = g_string_new(NULL);
        bool active = true;

        prov_command_set_dry_run(log, NULL, NULL);
        g_assert_false(prov_backend_netfs.start_pool(&pool, &err));
        assert_error_mentions(err, cases[i].needle);
        g_clear_error(&err);
        g_assert_false(prov_backend_netfs.check_pool(&pool, &active, &err));
        g_assert_false(active);
        prov_command_set_dry_run(NULL, NULL, NULL);
        g_assert_cmpstr(log->str, ==, "");
        g_string_free(log, TRUE);
    }
}

int
main(int argc, char **argv)
{
    int ret;

    /* Before any thread exists: a private mount namespace for the tests that mount. */
    if (geteuid() != 0)
        ns_skip_reason = g_strdup("needs root to mount a tmpfs in a private mount namespace");
    else if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
        ns_skip_reason = g_strdup_printf("cannot make a private mount namespace: %s",
                                         g_strerror(errno));

    g_test_init(&argc, &argv, NULL);
    PROV_TEST_ADD_CASES("/storage/netfs/mount-command", mount_cases, name, test_mount_command);
    g_test_add_func("/storage/netfs/showmount/fixtures", test_showmount_fixtures);
    g_test_add_func("/storage/netfs/showmount/empty", test_showmount_empty);
    PROV_TEST_ADD_CASES("/storage/netfs/showmount/parse", showmount_cases, name,
                        test_showmount_case);
    g_test_add_func("/storage/netfs/find-sources/exports", test_find_sources);
    g_test_add_func("/storage/netfs/find-sources/none", test_find_sources_empty);
    PROV_TEST_ADD_CASES("/storage/netfs/find-sources/error", find_error_cases, name,
                        test_find_sources_error);
    g_test_add_func("/storage/netfs/mountinfo/fixture", test_mountinfo_fixture);
    g_test_add_func("/storage/netfs/mountinfo/lines", test_mountinfo_lines);
    g_test_add_func("/storage/netfs/bounded", test_bounded);
    g_test_add_func("/storage/netfs/build-flags", test_build_flags);
    g_test_add_func("/storage/netfs/bad-source", test_bad_sources);
    g_test_add("/storage/netfs/pool/lifecycle", Fixture, NULL, fixture_setup, test_ns_lifecycle,
               fixture_teardown);
    g_test_add("/storage/netfs/pool/not-mounted", Fixture, NULL, fixture_setup,
               test_ns_not_mounted, fixture_teardown);
    g_test_add("/storage/netfs/pool/other-mounted", Fixture, NULL, fixture_setup,
               test_ns_other_mounted, fixture_teardown);
    g_test_add("/storage/netfs/pool/mount-mismatch", Fixture, NULL, fixture_setup,
               test_ns_mount_mismatch, fixture_teardown);
    g_test_add("/storage/netfs/pool/not-responding", Fixture, NULL, fixture_setup,
               test_ns_not_responding, fixture_teardown);
    ret = g_test_run();
    g_free(ns_skip_reason);
    return ret;
}
