/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* storagebackendargvtest.c: golden files of every external command the storage backends run. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/backends.h"
#include "storage/storage_conf.h"
#include "storage/volume_local.h"
#include "tests/testutil.h"
#include "util/command.h"
#include "util/error.h"

/*
 * Each case drives one backend operation with the command runner in dry-run
 * mode and compares what would have run with
 * tests/storagebackendargvdata/<case>.argv, one command per block in the
 * wrapped form of libvirt's *.argv files:
 *
 *   qemu-img \
 *   resize \
 *   -f qcow2 \
 *   /POOL/vol.qcow2 \
 *   2097152
 *
 * The pool's temp directory is shown as /POOL and the random part of the
 * names of volumes under construction (".provd-tmp-<name>.<8 hex>") as XXXXXX.
 * PROV_TEST_REGENERATE=1 rewrites the expected files instead of comparing.
 * Cases marked no_command assert that nothing runs and have no file.
 */

#define LOOP_DEVICE "/dev/loop0"
#define FS_NS_HREF "http://libvirt.org/schemas/storagepool/fs/1.0"
#define POOL_PLACEHOLDER "@POOL@"
#define DEV_PLACEHOLDER "@DEV@"

/* ---- recording ------------------------------------------------------------ */

/* What a dry run saw, plus the canned answers it gives. */
typedef struct {
    GString *log;          /* the runner's own record: one prov_command_to_string() line per run */
    GPtrArray *argvs;      /* of GStrv: the argv of each run, as the callback got it */
    const char *blkid_out; /* canned stdout of blkid */
    int blkid_status;      /* and its exit status */
} Recorder;

static void
recorder_init(Recorder *rec, const char *blkid_out, int blkid_status)
{
    rec->log = g_string_new(NULL);
    rec->argvs = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    rec->blkid_out = blkid_out;
    rec->blkid_status = blkid_status;
}

static void
recorder_clear(Recorder *rec)
{
    g_string_free(rec->log, TRUE);
    g_ptr_array_unref(rec->argvs);
}

static void
recorder_cb(const char *const *argv, const char *input, char **ret_stdout, char **ret_stderr,
            int *ret_status, void *opaque)
{
    Recorder *rec = opaque;
    g_autofree char *prog = g_path_get_basename(argv[0]);

    g_ptr_array_add(rec->argvs, g_strdupv((char **)argv));
    *ret_status = 0;
    if (g_str_equal(prog, "blkid")) {
        *ret_stdout = g_strdup(rec->blkid_out ? rec->blkid_out : "");
        *ret_status = rec->blkid_status;
    }
}

static void
recorder_start(Recorder *rec)
{
    prov_command_set_dry_run(rec->log, recorder_cb, rec);
}

static void
recorder_stop(void)
{
    prov_command_set_dry_run(NULL, NULL, NULL);
}

/*
 * The recorded commands in golden form.  The argv comes from the callback (exact
 * tokens); the runner's log line must end with the same command, and whatever
 * precedes it there is the environment the command added (NAME=value ...), which
 * is kept in front of the program.  Returns NULL with a message on mismatch.
 */
static char *
recorder_render(const Recorder *rec, char **ret_problem)
{
    g_auto(GStrv) lines = g_strsplit(rec->log->str, "\n", -1);
    g_autoptr(GString) out = g_string_new(NULL);
    guint nlines = g_strv_length(lines);
    guint i;

    /* The log ends with "\n", so the split has one empty trailing element. */
    if (nlines > 0 && *lines[nlines - 1] == '\0')
        nlines--;
    if (nlines != rec->argvs->len) {
        *ret_problem = g_strdup_printf("the runner logged %u commands but the callback saw %u",
                                       nlines, rec->argvs->len);
        return NULL;
    }
    for (i = 0; i < rec->argvs->len; i++) {
        const char *const *argv = g_ptr_array_index(rec->argvs, i);
        g_autoptr(ProvCommand) cmd = prov_command_new(argv[0]);
        g_autofree char *line = NULL;
        g_autofree char *wrapped = NULL;
        gsize env_len;
        guint j;

        for (j = 1; argv[j]; j++)
            prov_command_add_arg(cmd, argv[j]);
        line = prov_command_to_string(cmd);
        if (!g_str_has_suffix(lines[i], line)) {
            *ret_problem = g_strdup_printf("log line '%s' does not end with '%s'", lines[i],
                                           line);
            return NULL;
        }
        env_len = strlen(lines[i]) - strlen(line);
        if (env_len > 0) {
            /* "A=1 B=2 " before the program: one line, like libvirt's env lines. */
            g_string_append_len(out, lines[i], env_len - 1);
            g_string_append(out, " \\\n");
        }
        wrapped = prov_test_argv_format(argv);
        g_string_append(out, wrapped);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* ---- normalising and comparing -------------------------------------------- */

/* Fill in the placeholders of a template: @POOL@ and @DEV@. */
static char *
substitute(const char *text, const char *pool_dir, const char *device)
{
    g_autoptr(GString) s = g_string_new(text);

    if (pool_dir)
        g_string_replace(s, POOL_PLACEHOLDER, pool_dir, 0);
    if (device)
        g_string_replace(s, DEV_PLACEHOLDER, device, 0);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* Temp dirs to /POOL (and /DEVDIR), random temp-name suffixes to XXXXXX. */
static char *
normalise(const char *text, const char *pool_dir, const char *dev_dir)
{
    static GRegex *suffix;
    g_autoptr(GString) s = g_string_new(text);

    if (g_once_init_enter(&suffix)) {
        /* ".provd-tmp-<name>.<8 hex>": the name may itself contain dots. */
        GRegex *re = g_regex_new("(\\" PROV_LOCAL_TEMP_PREFIX "[^/\\s]*\\.)[0-9a-f]{8}\\b",
                                 0, 0, NULL);

        g_once_init_leave(&suffix, re);
    }
    if (dev_dir)
        g_string_replace(s, dev_dir, "/DEVDIR", 0);
    if (pool_dir)
        g_string_replace(s, pool_dir, "/POOL", 0);
    return g_regex_replace(suffix, s->str, -1, 0, "\\1XXXXXX", 0, NULL);
}

/* Compare @got with the golden file of @name, or rewrite it when regenerating. */
static void
check_golden(const char *name, const char *got)
{
    g_autofree char *file = g_strdup_printf("%s.argv", name);
    g_autofree char *path = g_build_filename(PROV_TEST_DATA_DIR, "storagebackendargvdata",
                                             file, NULL);

    prov_test_check_golden(path, got);
}

/* The recorded commands either match the golden file, or are none at all. */
static void
check_recorded(const char *name, const char *rendered, bool no_command)
{
    if (no_command) {
        if (*rendered) {
            g_test_message("'%s' must run no command, but ran:\n%s", name, rendered);
            g_test_fail();
        }
        return;
    }
    if (!*rendered) {
        g_test_message("'%s' ran no command", name);
        g_test_fail();
        return;
    }
    check_golden(name, rendered);
}

static void
check_error_mentions(const char *name, const GError *err, const char *const *needles,
                     const char *pool_dir, const char *device)
{
    guint i;

    for (i = 0; needles[i]; i++) {
        g_autofree char *needle = substitute(needles[i], pool_dir, device);

        if (!strstr(err->message, needle)) {
            g_test_message("'%s': the error '%s' does not mention '%s'", name, err->message,
                           needle);
            g_test_fail();
        }
    }
}

/* ---- fs pools --------------------------------------------------------------- */

typedef enum {
    FS_OP_BUILD,
    FS_OP_START,
    FS_OP_STOP,
} FsOp;

typedef struct {
    const char *name;
    FsOp op;
    const char *format;        /* <source><format type>, NULL = none (auto) */
    const char *mount_opts;    /* <fs:option name> list, comma separated, or NULL */
    unsigned int flags;        /* ProvPoolBuildFlags */
    const char *blkid_out;     /* canned `blkid -p -o export` result */
    int blkid_status;
    /*
     * Run in a private mount namespace with a tmpfs on the target and the pool's
     * device a block node with the tmpfs's device number: the only way to make
     * /proc/self/mountinfo say "mounted" without mounting a real disk.
     */
    bool mounted;
    const char *error[4];      /* the operation must fail, mentioning these; else succeed */
    bool no_command;           /* nothing may run (no expected file) */
} FsCase;

/* What blkid -p -o export prints for an ext4 filesystem and for an MBR disk. */
#define BLKID_EXT4 "DEVNAME=" LOOP_DEVICE "\nUUID=5b3c7f1e-0d7a-4e55-9a4b-2f8c1d9e6a10\n" \
    "VERSION=1.0\nBLOCK_SIZE=4096\nTYPE=ext4\nUSAGE=filesystem\n"
#define BLKID_DOS "DEVNAME=" LOOP_DEVICE "\nPTUUID=2d1e6c0a\nPTTYPE=dos\n"

static const FsCase fs_cases[] = {
    /* build: an empty device (blkid exit 2) is formatted without --overwrite */
    { "fs-build-ext2", FS_OP_BUILD, "ext2", NULL, 0, "", 2, false, { NULL }, false },
    { "fs-build-ext3", FS_OP_BUILD, "ext3", NULL, 0, "", 2, false, { NULL }, false },
    { "fs-build-ext4", FS_OP_BUILD, "ext4", NULL, 0, "", 2, false, { NULL }, false },
    { "fs-build-xfs", FS_OP_BUILD, "xfs", NULL, 0, "", 2, false, { NULL }, false },
    { "fs-build-vfat", FS_OP_BUILD, "vfat", NULL, 0, "", 2, false, { NULL }, false },
    { "fs-build-ext4-no-overwrite", FS_OP_BUILD, "ext4", NULL, PROV_POOL_BUILD_NO_OVERWRITE,
      "", 2, false, { NULL }, false },
    /* --overwrite: no probe, mkfs with the format's force flag (blkid would refuse) */
    { "fs-build-ext4-overwrite", FS_OP_BUILD, "ext4", NULL, PROV_POOL_BUILD_OVERWRITE,
      BLKID_EXT4, 0, false, { NULL }, false },
    { "fs-build-xfs-overwrite", FS_OP_BUILD, "xfs", NULL, PROV_POOL_BUILD_OVERWRITE,
      BLKID_EXT4, 0, false, { NULL }, false },
    { "fs-build-vfat-overwrite", FS_OP_BUILD, "vfat", NULL, PROV_POOL_BUILD_OVERWRITE,
      BLKID_EXT4, 0, false, { NULL }, false },
    { "fs-build-ocfs2-overwrite", FS_OP_BUILD, "ocfs2", NULL, PROV_POOL_BUILD_OVERWRITE,
      BLKID_EXT4, 0, false, { NULL }, false },
    /* refusals after the probe: only blkid ran */
    { "fs-build-ext4-refused", FS_OP_BUILD, "ext4", NULL, 0, BLKID_EXT4, 0, false,
      { "'" DEV_PLACEHOLDER "'", "'ext4'", "--overwrite", NULL }, false },
    { "fs-build-xfs-refused-pttype", FS_OP_BUILD, "xfs", NULL, PROV_POOL_BUILD_NO_OVERWRITE,
      BLKID_DOS, 0, false, { "'" DEV_PLACEHOLDER "'", "'dos'", NULL }, false },
    { "fs-build-ext4-probe-ambivalent", FS_OP_BUILD, "ext4", NULL, 0, "", 8, false,
      { "'" DEV_PLACEHOLDER "'", "exit 8", NULL }, false },
    /* refusals before any command */
    { "fs-build-auto", FS_OP_BUILD, NULL, NULL, PROV_POOL_BUILD_OVERWRITE, "", 2, false,
      { "'" DEV_PLACEHOLDER "'", "'auto'", NULL }, true },
    { "fs-build-mounted", FS_OP_BUILD, "ext4", NULL, PROV_POOL_BUILD_OVERWRITE, "", 2, true,
      { "'" DEV_PLACEHOLDER "'", "is mounted", NULL }, true },
    /* start = mount, unless already mounted */
    { "fs-start-ext4", FS_OP_START, "ext4", NULL, 0, NULL, 0, false, { NULL }, false },
    { "fs-start-xfs", FS_OP_START, "xfs", NULL, 0, NULL, 0, false, { NULL }, false },
    { "fs-start-auto", FS_OP_START, NULL, NULL, 0, NULL, 0, false, { NULL }, false },
    { "fs-start-mount-opts", FS_OP_START, "ext4", "sync,lazytime", 0, NULL, 0, false,
      { NULL }, false },
    { "fs-start-mounted", FS_OP_START, "ext4", NULL, 0, NULL, 0, true, { NULL }, true },
    /* stop = umount, only when mounted */
    { "fs-stop", FS_OP_STOP, "ext4", NULL, 0, NULL, 0, true, { NULL }, false },
    { "fs-stop-unmounted", FS_OP_STOP, "ext4", NULL, 0, NULL, 0, false, { NULL }, true },
};

static char *
fs_pool_xml(const FsCase *tc, const char *device, const char *target)
{
    g_autoptr(GString) xml = g_string_new(NULL);

    g_string_append_printf(xml, "<pool type='fs' xmlns:fs='%s'>\n"
                           "  <name>golden</name>\n"
                           "  <source>\n"
                           "    <device path='%s'/>\n", FS_NS_HREF, device);
    if (tc->format)
        g_string_append_printf(xml, "    <format type='%s'/>\n", tc->format);
    g_string_append_printf(xml, "  </source>\n"
                           "  <target>\n"
                           "    <path>%s</path>\n"
                           "  </target>\n", target);
    prov_test_append_mount_opts(xml, tc->mount_opts);
    g_string_append(xml, "</pool>\n");
    return g_string_free(g_steal_pointer(&xml), FALSE);
}

/* The outcome of one fs operation: rendered commands (or a problem) and the error. */
typedef struct {
    char *rendered;
    char *problem;      /* the test itself could not run the case */
    char *skip;         /* reason to skip */
    bool ok;
    GError *error;
} FsResult;

static void
fs_result_clear(FsResult *res)
{
    g_free(res->rendered);
    g_free(res->problem);
    g_free(res->skip);
    g_clear_error(&res->error);
}

static void
fs_run_op(const FsCase *tc, const char *device, const char *target, FsResult *res)
{
    g_autofree char *xml = fs_pool_xml(tc, device, target);
    g_autoptr(GError) err = NULL;
    ProvStoragePool pool = { 0 };
    Recorder rec;

    if (!(pool.def = prov_pool_def_parse_string(xml, 0, &err))) {
        res->problem = g_strdup_printf("cannot parse the pool: %s\n%s", err->message, xml);
        return;
    }
    recorder_init(&rec, tc->blkid_out, tc->blkid_status);
    recorder_start(&rec);
    switch (tc->op) {
    case FS_OP_BUILD:
        res->ok = prov_backend_fs.build_pool(&pool, tc->flags, &res->error);
        break;
    case FS_OP_START:
        res->ok = prov_backend_fs.start_pool(&pool, &res->error);
        break;
    case FS_OP_STOP:
        res->ok = prov_backend_fs.stop_pool(&pool, &res->error);
        break;
    }
    recorder_stop();
    res->rendered = recorder_render(&rec, &res->problem);
    recorder_clear(&rec);
    prov_pool_def_free(pool.def);
}

/* Child side of a "mounted" case; reports through @fd, never returns. */
static void G_GNUC_NORETURN
fs_mounted_child(const FsCase *tc, const char *target, const char *dev_dir, int fd)
{
    g_autofree char *device = g_build_filename(dev_dir, "fsdev", NULL);
    g_autoptr(GString) msg = g_string_new(NULL);
    FsResult res = { 0 };
    struct stat st;

    if (unshare(CLONE_NEWNS) < 0) {
        res.skip = g_strdup_printf("cannot make a private mount namespace: %s",
                                   g_strerror(errno));
    } else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
               mount("tmpfs", target, "tmpfs", 0, "size=64k") < 0) {
        res.skip = g_strdup_printf("cannot mount a tmpfs in a private namespace: %s",
                                   g_strerror(errno));
    } else if (stat(target, &st) < 0 ||
               mknod(device, S_IFBLK | 0600, st.st_dev) < 0) {
        res.skip = g_strdup_printf("cannot make a block node for the tmpfs: %s",
                                   g_strerror(errno));
    } else {
        fs_run_op(tc, device, target, &res);
    }
    /* "skip\0problem\0ok\0error\0rendered\0" */
    g_string_append(msg, res.skip ? res.skip : "");
    g_string_append_c(msg, '\0');
    g_string_append(msg, res.problem ? res.problem : "");
    g_string_append_c(msg, '\0');
    g_string_append(msg, res.ok ? "1" : "0");
    g_string_append_c(msg, '\0');
    g_string_append(msg, res.error ? res.error->message : "");
    g_string_append_c(msg, '\0');
    g_string_append(msg, res.rendered ? res.rendered : "");
    g_string_append_c(msg, '\0');
    if (write(fd, msg->str, msg->len) != (ssize_t)msg->len)
        _exit(2);
    _exit(0);
}

static void
fs_run_mounted(const FsCase *tc, const char *target, const char *dev_dir, FsResult *res)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    const char *fields[5];
    char chunk[4096];
    int fds[2];
    pid_t pid;
    int status;
    gsize pos = 0;
    guint i;

    g_assert_cmpint(pipe2(fds, O_CLOEXEC), ==, 0);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        close(fds[0]);
        fs_mounted_child(tc, target, dev_dir, fds[1]);
    }
    close(fds[1]);
    for (;;) {
        ssize_t n = read(fds[0], chunk, sizeof(chunk));

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        g_byte_array_append(buf, (const guint8 *)chunk, n);
    }
    close(fds[0]);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        res->problem = g_strdup_printf("the namespace child failed (wait status 0x%x)", status);
        return;
    }
    for (i = 0; i < G_N_ELEMENTS(fields); i++) {
        const guint8 *end = pos < buf->len ? memchr(buf->data + pos, '\0', buf->len - pos) :
            NULL;

        if (!end) {
            res->problem = g_strdup("the namespace child sent a truncated report");
            return;
        }
        fields[i] = (const char *)buf->data + pos;
        pos = end - buf->data + 1;
    }
    if (*fields[0])
        res->skip = g_strdup(fields[0]);
    if (*fields[1])
        res->problem = g_strdup(fields[1]);
    res->ok = g_str_equal(fields[2], "1");
    if (!res->ok)
        res->error = g_error_new_literal(PROV_STORAGE_ERROR, 0, fields[3]);
    res->rendered = g_strdup(fields[4]);
}

static void
test_fs_case(gconstpointer data)
{
    const FsCase *tc = data;
    g_autoptr(GError) err = NULL;
    g_autofree char *target = NULL;
    g_autofree char *dev_dir = NULL;
    g_autofree char *device = NULL;
    g_autofree char *got = NULL;
    FsResult res = { 0 };
    struct stat st;

    target = g_dir_make_tmp("provd-golden-fs-XXXXXX", &err);
    g_assert_no_error(err);
    if (tc->mounted) {
        dev_dir = g_dir_make_tmp("provd-golden-dev-XXXXXX", &err);
        g_assert_no_error(err);
        device = g_build_filename(dev_dir, "fsdev", NULL);
        fs_run_mounted(tc, target, dev_dir, &res);
        unlink(device);
        rmdir(dev_dir);
    } else if (stat(LOOP_DEVICE, &st) < 0 || !S_ISBLK(st.st_mode)) {
        res.skip = g_strdup("'" LOOP_DEVICE "' is not a block device on this machine");
    } else {
        device = g_strdup(LOOP_DEVICE);
        fs_run_op(tc, device, target, &res);
    }
    g_assert_cmpint(rmdir(target), ==, 0);

    if (res.skip) {
        g_test_skip(res.skip);
        goto out;
    }
    if (res.problem) {
        g_test_message("'%s': %s", tc->name, res.problem);
        g_test_fail();
        goto out;
    }
    if (tc->error[0]) {
        if (res.ok) {
            g_test_message("'%s' should have failed", tc->name);
            g_test_fail();
        } else {
            g_test_message("'%s' failed as expected: %s", tc->name, res.error->message);
            check_error_mentions(tc->name, res.error, tc->error, target, device);
        }
    } else if (!res.ok) {
        g_test_message("'%s' failed: %s", tc->name, res.error->message);
        g_test_fail();
    }
    got = normalise(res.rendered, target, dev_dir);
    check_recorded(tc->name, got, tc->no_command);
out:
    fs_result_clear(&res);
}

/* ---- volumes in a directory pool ------------------------------------------- */

typedef enum {
    VOL_OP_CREATE,
    VOL_OP_CLONE,
    VOL_OP_RESIZE,
    VOL_OP_WIPE,
} VolOp;

typedef enum {
    OUTCOME_ANY,     /* the dry run may make the operation fail after the command */
    OUTCOME_OK,
    OUTCOME_ERROR,   /* refused: error must mention error_has */
} VolOutcome;

typedef struct {
    const char *name;
    VolOp op;
    /* built for real before the dry run: a backing file, the clone source, or the
     * volume to resize or wipe */
    const char *pre_xml;
    const char *vol_xml;       /* CREATE/CLONE: the new volume */
    unsigned int flags;
    guint64 capacity;          /* RESIZE: new capacity */
    ProvWipeAlgorithm alg;     /* WIPE */
    VolOutcome outcome;
    const char *error_has;
    bool no_command;
} VolCase;

#define MiB (G_GUINT64_CONSTANT(1024) * 1024)

#define VOL_XML(name, fmt, cap, extra) \
    "<volume><name>" name "</name><capacity unit='bytes'>" cap "</capacity>" \
    "<target><format type='" fmt "'/>" extra "</target></volume>"
#define VOL_XML_ALLOC(name, fmt, cap, alloc, extra) \
    "<volume><name>" name "</name><capacity unit='bytes'>" cap "</capacity>" \
    "<allocation unit='bytes'>" alloc "</allocation>" \
    "<target><format type='" fmt "'/>" extra "</target></volume>"
#define VOL_XML_BACKING(name, fmt, cap, extra, bpath, bfmt) \
    "<volume><name>" name "</name><capacity unit='bytes'>" cap "</capacity>" \
    "<target><format type='" fmt "'/>" extra "</target>" \
    "<backingStore><path>" bpath "</path><format type='" bfmt "'/></backingStore></volume>"
#define VOL_XML_NOCAP(name, fmt) \
    "<volume><name>" name "</name><target><format type='" fmt "'/></target></volume>"

#define ONE_MIB "1048576"
#define TWO_MIB "2097152"

#define RAW_SRC VOL_XML("src.img", "raw", ONE_MIB, "")
#define QCOW2_SRC VOL_XML("src.qcow2", "qcow2", ONE_MIB, "")
#define BASE_RAW VOL_XML("base.img", "raw", ONE_MIB, "")
#define BASE_QCOW2 VOL_XML("base.qcow2", "qcow2", ONE_MIB, "")

#define CREATE(n, xml, fl) { n, VOL_OP_CREATE, NULL, xml, fl, 0, 0, OUTCOME_ANY, NULL, false }
#define CREATE_ON(n, pre, xml) { n, VOL_OP_CREATE, pre, xml, 0, 0, 0, OUTCOME_ANY, NULL, false }
#define CLONE(n, pre, xml, fl) { n, VOL_OP_CLONE, pre, xml, fl, 0, 0, OUTCOME_ANY, NULL, false }
#define RESIZE(n, pre, cap, fl) { n, VOL_OP_RESIZE, pre, NULL, fl, cap, 0, OUTCOME_OK, NULL, false }
#define WIPE(n, alg) { n, VOL_OP_WIPE, RAW_SRC, NULL, 0, 0, alg, OUTCOME_OK, NULL, false }

static const VolCase vol_cases[] = {
    /* qemu-img create: what the native raw/qcow2 writers do not cover */
    CREATE("vol-create-qcow2-prealloc-metadata",
           VOL_XML_ALLOC("new.qcow2", "qcow2", ONE_MIB, "0", ""),
           PROV_VOL_CREATE_PREALLOC_METADATA),
    CREATE("vol-create-qcow2-prealloc-falloc", VOL_XML("new.qcow2", "qcow2", ONE_MIB, ""),
           PROV_VOL_CREATE_PREALLOC_METADATA),
    CREATE("vol-create-qcow2-prealloc-options",
           VOL_XML_ALLOC("new.qcow2", "qcow2", ONE_MIB, "0",
                         "<compat>1.1</compat><clusterSize unit='KiB'>128</clusterSize>"
                         "<features><lazy_refcounts/></features>"),
           PROV_VOL_CREATE_PREALLOC_METADATA),
    CREATE("vol-create-qcow2-compat-0.10-prealloc",
           VOL_XML_ALLOC("new.qcow2", "qcow2", ONE_MIB, "0", "<compat>0.10</compat>"),
           PROV_VOL_CREATE_PREALLOC_METADATA),
    CREATE("vol-create-qcow2-extended-l2",
           VOL_XML("new.qcow2", "qcow2", ONE_MIB, "<features><extended_l2/></features>"), 0),
    CREATE_ON("vol-create-qcow2-backing-extended-l2", BASE_RAW,
              VOL_XML_BACKING("new.qcow2", "qcow2", ONE_MIB,
                              "<features><extended_l2/></features>",
                              POOL_PLACEHOLDER "/base.img", "raw")),
    CREATE("vol-create-qed", VOL_XML("new.qed", "qed", ONE_MIB, ""), 0),
    CREATE_ON("vol-create-qed-backing-cluster", BASE_QCOW2,
              VOL_XML_BACKING("new.qed", "qed", TWO_MIB,
                              "<clusterSize unit='KiB'>128</clusterSize>",
                              POOL_PLACEHOLDER "/base.qcow2", "qcow2")),
    CREATE("vol-create-vmdk", VOL_XML("new.vmdk", "vmdk", ONE_MIB, ""), 0),
    CREATE("vol-create-vdi", VOL_XML("new.vdi", "vdi", ONE_MIB, ""), 0),
    CREATE("vol-create-vdi-odd-size", VOL_XML("new.vdi", "vdi", "1000000", ""), 0),
    CREATE("vol-create-vpc", VOL_XML("new.vhd", "vpc", ONE_MIB, ""), 0),
    CREATE("vol-create-qcow", VOL_XML("new.qcow", "qcow", ONE_MIB, ""), 0),
    /* written natively: no command */
    { "vol-create-raw-native", VOL_OP_CREATE, NULL, VOL_XML("new.img", "raw", ONE_MIB, ""),
      PROV_VOL_CREATE_PREALLOC_METADATA, 0, 0, OUTCOME_OK, NULL, true },
    { "vol-create-qcow2-native", VOL_OP_CREATE, NULL,
      VOL_XML("new.qcow2", "qcow2", ONE_MIB, "<features><lazy_refcounts/></features>"), 0, 0,
      0, OUTCOME_OK, NULL, true },
    /* refused before qemu-img */
    { "vol-create-qed-prealloc-refused", VOL_OP_CREATE, NULL,
      VOL_XML("new.qed", "qed", ONE_MIB, ""), PROV_VOL_CREATE_PREALLOC_METADATA, 0, 0,
      OUTCOME_ERROR, "metadata preallocation only available with qcow2", true },

    /* qemu-img convert (and resize to grow a non-raw copy to the requested size) */
    CLONE("vol-clone-qcow2-to-raw", QCOW2_SRC, VOL_XML_NOCAP("new.img", "raw"), 0),
    CLONE("vol-clone-qcow2-to-raw-grow", QCOW2_SRC, VOL_XML("new.img", "raw", TWO_MIB, ""),
          0),
    CLONE("vol-clone-raw-to-qcow2", RAW_SRC, VOL_XML_NOCAP("new.qcow2", "qcow2"), 0),
    CLONE("vol-clone-raw-to-qcow2-grow", RAW_SRC, VOL_XML("new.qcow2", "qcow2", TWO_MIB, ""),
          0),
    CLONE("vol-clone-raw-to-qcow2-prealloc", RAW_SRC,
          VOL_XML_ALLOC("new.qcow2", "qcow2", ONE_MIB, "0", ""),
          PROV_VOL_CREATE_PREALLOC_METADATA),
    CLONE("vol-clone-qcow2-to-qcow2", QCOW2_SRC, VOL_XML_NOCAP("new.qcow2", "qcow2"), 0),
    CLONE("vol-clone-qcow2-to-vmdk", QCOW2_SRC, VOL_XML_NOCAP("new.vmdk", "vmdk"), 0),
    { "vol-clone-raw-to-raw-native", VOL_OP_CLONE, RAW_SRC, VOL_XML_NOCAP("new.img", "raw"),
      0, 0, 0, OUTCOME_OK, NULL, true },

    /* qemu-img resize for everything but raw */
    RESIZE("vol-resize-qcow2-grow", VOL_XML("vol.qcow2", "qcow2", ONE_MIB, ""), 2 * MiB, 0),
    RESIZE("vol-resize-qcow2-shrink", VOL_XML("vol.qcow2", "qcow2", TWO_MIB, ""), MiB,
           PROV_VOL_RESIZE_SHRINK),
    RESIZE("vol-resize-qcow2-unaligned", VOL_XML("vol.qcow2", "qcow2", ONE_MIB, ""), 1500000,
           0),
    RESIZE("vol-resize-qed-grow", VOL_XML("vol.qed", "qed", ONE_MIB, ""), 2 * MiB, 0),
    { "vol-resize-qcow2-shrink-refused", VOL_OP_RESIZE,
      VOL_XML("vol.qcow2", "qcow2", TWO_MIB, ""), NULL, 0, MiB, 0, OUTCOME_ERROR,
      "without --shrink", true },
    { "vol-resize-raw-native", VOL_OP_RESIZE, VOL_XML("vol.img", "raw", ONE_MIB, ""), NULL, 0,
      2 * MiB, 0, OUTCOME_OK, NULL, true },

    /* scrub for the patterns; zero and random are native, trim is refused */
    WIPE("vol-wipe-nnsa", PROV_WIPE_NNSA),
    WIPE("vol-wipe-dod", PROV_WIPE_DOD),
    WIPE("vol-wipe-bsi", PROV_WIPE_BSI),
    WIPE("vol-wipe-gutmann", PROV_WIPE_GUTMANN),
    WIPE("vol-wipe-schneier", PROV_WIPE_SCHNEIER),
    WIPE("vol-wipe-pfitzner7", PROV_WIPE_PFITZNER7),
    WIPE("vol-wipe-pfitzner33", PROV_WIPE_PFITZNER33),
    { "vol-wipe-zero", VOL_OP_WIPE, RAW_SRC, NULL, 0, 0, PROV_WIPE_ZERO, OUTCOME_OK, NULL,
      true },
    { "vol-wipe-random", VOL_OP_WIPE, RAW_SRC, NULL, 0, 0, PROV_WIPE_RANDOM, OUTCOME_OK, NULL,
      true },
    { "vol-wipe-trim", VOL_OP_WIPE, RAW_SRC, NULL, 0, 0, PROV_WIPE_TRIM, OUTCOME_ERROR,
      "'trim' is not supported", true },
};

static ProvVolDef *
vol_parse(const ProvStoragePool *pool, const char *tmpl, unsigned int flags)
{
    g_autofree char *xml = substitute(tmpl, pool->def->target_path, NULL);
    g_autoptr(GError) err = NULL;
    ProvVolDef *vol = prov_vol_def_parse_string(pool->def, xml, flags, &err);

    if (!vol)
        g_error("cannot parse the volume: %s\n%s", err->message, xml);
    return vol;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/* The pool directory's entries, sorted, as one string "a\nb\n". */
static char *
dir_listing(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) out = g_string_new(NULL);
    const char *name;
    guint i;

    g_assert_nonnull(dir);
    while ((name = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, compare_names);
    for (i = 0; i < names->len; i++)
        g_string_append_printf(out, "%s\n", (const char *)g_ptr_array_index(names, i));
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
remove_dir(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);

        g_assert_cmpint(unlink(child), ==, 0);
    }
    g_assert_cmpint(rmdir(path), ==, 0);
}

static void
test_vol_case(gconstpointer data)
{
    const VolCase *tc = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvVolDef) pre = NULL;
    g_autoptr(ProvVolDef) vol = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *pool_xml = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *rendered = NULL;
    g_autofree char *problem = NULL;
    g_autofree char *got = NULL;
    ProvStoragePool pool = { 0 };
    Recorder rec;
    bool ok = false;

    dir = g_dir_make_tmp("provd-golden-vol-XXXXXX", &err);
    g_assert_no_error(err);
    pool_xml = g_strdup_printf("<pool type='dir'><name>golden</name>"
                               "<target><path>%s</path></target></pool>", dir);
    pool.def = prov_pool_def_parse_string(pool_xml, 0, &err);
    g_assert_no_error(err);

    /* The real files the operation needs, made without the dry run. */
    if (tc->pre_xml) {
        pre = vol_parse(&pool, tc->pre_xml, 0);
        g_assert_true(prov_local_vol_create(&pool, pre, &err));
        g_assert_no_error(err);
        g_assert_true(prov_local_vol_build(&pool, pre, 0, NULL, &err));
        g_assert_no_error(err);
    }
    if (tc->vol_xml) {
        vol = vol_parse(&pool, tc->vol_xml,
                        tc->op == VOL_OP_CLONE ? PROV_VOL_PARSE_NO_CAPACITY : 0);
        g_assert_true(prov_local_vol_create(&pool, vol, &err));
        g_assert_no_error(err);
    }
    before = dir_listing(dir);

    recorder_init(&rec, NULL, 0);
    recorder_start(&rec);
    switch (tc->op) {
    case VOL_OP_CREATE:
        ok = prov_local_vol_build(&pool, vol, tc->flags, NULL, &err);
        break;
    case VOL_OP_CLONE:
        ok = prov_local_vol_build_from(&pool, vol, pre, tc->flags, NULL, &err);
        break;
    case VOL_OP_RESIZE:
        ok = prov_local_vol_resize(&pool, pre, tc->capacity, tc->flags, &err);
        break;
    case VOL_OP_WIPE:
        ok = prov_local_vol_wipe(&pool, pre, tc->alg, 0, NULL, &err);
        break;
    }
    recorder_stop();
    rendered = recorder_render(&rec, &problem);
    recorder_clear(&rec);

    switch (tc->outcome) {
    case OUTCOME_ANY:
        if (!ok)
            g_test_message("'%s' failed after the dry run (accepted): %s", tc->name,
                           err->message);
        break;
    case OUTCOME_OK:
        if (!ok) {
            g_test_message("'%s' failed: %s", tc->name, err->message);
            g_test_fail();
        }
        break;
    case OUTCOME_ERROR:
        if (ok) {
            g_test_message("'%s' should have failed", tc->name);
            g_test_fail();
        } else if (!strstr(err->message, tc->error_has)) {
            g_test_message("'%s': the error '%s' does not mention '%s'", tc->name,
                           err->message, tc->error_has);
            g_test_fail();
        }
        break;
    }

    /* Nothing half-made is left: the new volume may appear, nothing else changes. */
    if (ok && vol)
        g_assert_cmpint(unlink(vol->target_path), ==, 0);
    after = dir_listing(dir);
    if (!g_str_equal(before, after)) {
        g_test_message("'%s' changed the pool directory:\n--- before\n%s--- after\n%s",
                       tc->name, before, after);
        g_test_fail();
    }

    if (!rendered) {
        g_test_message("'%s': %s", tc->name, problem);
        g_test_fail();
    } else {
        got = normalise(rendered, dir, NULL);
        check_recorded(tc->name, got, tc->no_command);
    }
    remove_dir(dir);
    prov_pool_def_free(pool.def);
}

int
main(int argc, char **argv)
{
    guint i;

    prov_test_init_keep_going(&argc, &argv);
    for (i = 0; i < G_N_ELEMENTS(fs_cases); i++) {
        g_autofree char *path = g_strdup_printf("/storage/argv/%s", fs_cases[i].name);

        g_test_add_data_func(path, &fs_cases[i], test_fs_case);
    }
    for (i = 0; i < G_N_ELEMENTS(vol_cases); i++) {
        g_autofree char *path = g_strdup_printf("/storage/argv/%s", vol_cases[i].name);

        g_test_add_data_func(path, &vol_cases[i], test_vol_case);
    }
    return g_test_run();
}
