/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iscsitest.c: the iscsi pool kind (iscsiadm command lines, output parsers, sysfs) and secrets. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/backends.h"
#include "backends/iscsi.h"
#include "storage/secret.h"
#include "storage/storage_conf.h"
#include "tests/testutil.h"
#include "util/command.h"
#include "util/error.h"

/*
 * The backend runs against a fake iscsiadm (the runner's dry-run seam) that answers
 * with output captured from the real tool in the test VM (the .txt files of
 * tests/iscsidata):
 *
 *   session.txt           `iscsiadm -m session` with two sessions
 *   session-hostname.txt  a session logged in through a host name ("[localhost]:3260,1")
 *   sendtargets.txt       `iscsiadm -m discovery -t sendtargets -p 127.0.0.1:3260`
 *   iface.txt             `iscsiadm -m iface` with a record for another initiator name
 *   sysfs/, dev/          the kernel's layout for session 1 on host2 with LUNs 1 and 2
 *
 * What ran is compared with tests/iscsidata/<case>.argv: the runner's own record,
 * one command per line, the program shown as "iscsiadm" (so a password added with
 * prov_command_add_arg_secret() must appear there as ***).
 * PROV_TEST_REGENERATE=1 rewrites those files instead of comparing.
 */

#define DATA PROV_TEST_DATA_DIR "/iscsidata"
#define T1 "iqn.2004-04.fedora:fedora13:iscsi.kvmguests"
#define T2 "iqn.2024-01.org.provd:chap"
#define CHAP_PASSWORD "chapsecret123"

static char *scratch;

/* ---- the fake iscsiadm ---------------------------------------------------- */

typedef struct {
    const char *match;        /* the arguments after the program, joined by spaces */
    bool prefix;              /* match as a prefix instead of the whole line */
    const char *out_file;     /* stdout: a fixture file in DATA, or */
    const char *out;          /* stdout given here */
    int status;
    int uses;                 /* 0: any number of times; N: the first N calls only */
} FakeRule;

#define FAKE_MAX_RULES 16

typedef struct {
    const FakeRule *rules;
    int used[FAKE_MAX_RULES];
    GString *log;
    GPtrArray *argvs;         /* of GStrv */
} Fake;

static void
fake_cb(const char *const *argv, const char *input, char **ret_stdout, char **ret_stderr,
        int *ret_status, void *opaque)
{
    Fake *fake = opaque;
    g_autofree char *joined = g_strjoinv(" ", (char **)argv + 1);
    g_autofree char *prog = g_path_get_basename(argv[0]);
    guint i;

    g_ptr_array_add(fake->argvs, g_strdupv((char **)argv));
    *ret_status = 0;
    if (g_str_equal(prog, "scsi_id")) {
        /* The page 0x83 identifiers tgt gives LUNs 1 and 2 of target 1. */
        const char *dev = argv[g_strv_length((char **)argv) - 1];

        *ret_stdout = g_strdup(g_str_has_suffix(dev, "sda") ?
                               "360000000000000000e00000000010001\n" :
                               "360000000000000000e00000000010002\n");
        return;
    }
    if (!g_str_equal(prog, "iscsiadm"))
        return;
    for (i = 0; fake->rules && fake->rules[i].match; i++) {
        const FakeRule *r = &fake->rules[i];

        g_assert_cmpuint(i, <, FAKE_MAX_RULES);
        if (r->prefix ? !g_str_has_prefix(joined, r->match) : !g_str_equal(joined, r->match))
            continue;
        if (r->uses > 0 && fake->used[i] >= r->uses)
            continue;
        fake->used[i]++;
        *ret_status = r->status;
        if (r->out_file) {
            g_autofree char *path = g_build_filename(DATA, r->out_file, NULL);
            *ret_stdout = prov_test_read_required(path);
        } else {
            *ret_stdout = g_strdup(r->out ? r->out : "");
        }
        if (r->status != 0)
            *ret_stderr = g_strdup_printf("iscsiadm: canned failure %d\n", r->status);
        return;
    }
    g_test_message("unexpected iscsiadm call: %s", joined);
    g_test_fail();
    *ret_status = 7;
}

static void
fake_start(Fake *fake, const FakeRule *rules)
{
    memset(fake, 0, sizeof(*fake));
    fake->rules = rules;
    fake->log = g_string_new(NULL);
    fake->argvs = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    prov_command_set_dry_run(fake->log, fake_cb, fake);
}

static void
fake_stop(Fake *fake)
{
    prov_command_set_dry_run(NULL, NULL, NULL);
    g_string_free(fake->log, TRUE);
    g_ptr_array_unref(fake->argvs);
}

/* The record with tool paths shown by name: "iscsiadm -m session". */
static char *
fake_render(const Fake *fake, bool iscsiadm_only)
{
    g_auto(GStrv) lines = g_strsplit(fake->log->str, "\n", -1);
    g_autoptr(GString) out = g_string_new(NULL);
    guint i;

    for (i = 0; lines[i]; i++) {
        if (!*lines[i])
            continue;
        if (g_str_has_prefix(lines[i], ISCSIADM " ")) {
            g_string_append_printf(out, "iscsiadm%s\n", lines[i] + strlen(ISCSIADM));
        } else if (!iscsiadm_only) {
            g_string_append_printf(out, "%s\n", lines[i]);
        }
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static bool
fake_argv_contains(const Fake *fake, const char *word)
{
    guint i;

    for (i = 0; i < fake->argvs->len; i++) {
        char **argv = g_ptr_array_index(fake->argvs, i);

        if (g_strv_contains((const char *const *)argv, word))
            return true;
    }
    return false;
}

/* ---- golden files --------------------------------------------------------- */

static void
check_golden(const char *file, const char *got)
{
    g_autofree char *path = g_build_filename(DATA, file, NULL);

    prov_test_check_golden(path, got);
}

/* ---- pools ------------------------------------------------------------------ */

typedef struct {
    ProvStoragePool pool;
    char *dir;                /* the pool's state root, a scratch directory */
} TestPool;

static void
test_pool_free(TestPool *tp)
{
    if (!tp)
        return;
    prov_pool_def_free(tp->pool.def);
    g_ptr_array_unref(tp->pool.vols);
    g_free(tp->pool.state_dir);
    g_free(tp->pool.root);
    prov_test_remove_tree(tp->dir);
    g_free(tp->dir);
    g_free(tp);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestPool, test_pool_free)

/* A pool 'kvmguests' whose <source> is @source and target @target (NULL: /dev/disk/by-path). */
static TestPool *
test_pool_new(const char *source, const char *target)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = g_strdup_printf("<pool type='iscsi'>\n"
                                           "  <name>kvmguests</name>\n"
                                           "  <source>%s</source>\n"
                                           "  <target><path>%s</path></target>\n"
                                           "</pool>\n",
                                           source, target ? target : "/dev/disk/by-path");
    TestPool *tp = g_new0(TestPool, 1);
    g_autofree char *tmpl = g_build_filename(scratch, "pool-XXXXXX", NULL);

    tp->dir = g_mkdtemp(g_steal_pointer(&tmpl));
    g_assert_nonnull(tp->dir);
    tp->pool.def = prov_pool_def_parse_string(xml, 0, &err);
    g_assert_no_error(err);
    tp->pool.vols = g_ptr_array_new_with_free_func((GDestroyNotify)prov_vol_def_free);
    tp->pool.state_dir = g_build_filename(tp->dir, "run", NULL);
    tp->pool.root = g_strdup(tp->dir);
    g_assert_cmpint(g_mkdir_with_parents(tp->pool.state_dir, 0755), ==, 0);
    return tp;
}

static char *
marker_path(const TestPool *tp)
{
    return g_strdup_printf("%s%s/iscsi/kvmguests.node", tp->dir, PROV_DATA_DIR);
}

static void
define_secret(const TestPool *tp, const char *uuid, const char *usage, const char *value)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = g_strdup_printf("<secret ephemeral='no' private='yes'>\n"
                                           "  <uuid>%s</uuid>\n"
                                           "  <usage type='iscsi'><target>%s</target></usage>\n"
                                           "</secret>\n", uuid, usage);

    g_assert_true(prov_secret_define(tp->dir, xml, NULL, &err));
    g_assert_no_error(err);
    if (value) {
        g_assert_true(prov_secret_set_value(tp->dir, uuid, (const guint8 *)value,
                                            strlen(value), &err));
        g_assert_no_error(err);
    }
}

/* Writes @value and a newline into @dir/@name, as sysfs shows attributes. */
static bool
write_attr(const char *dir, const char *name, const char *value)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *text = g_strdup_printf("%s\n", value);

    return g_file_set_contents(path, text, -1, NULL);
}

#define SRC_T1 "<host name='127.0.0.1'/><device path='" T1 "'/>"
#define CHAP_UUID "2ec115d7-3a88-3ceb-bc12-0ac909a6fd87"

/* ---- parsers ------------------------------------------------------------------ */

static void
test_parse_sessions(void)
{
    g_autofree char *text = prov_test_read_required(DATA "/session.txt");
    g_autofree char *host = prov_test_read_required(DATA "/session-hostname.txt");
    g_autoptr(GPtrArray) s = prov_iscsi_parse_sessions(text);
    g_autoptr(GPtrArray) h = prov_iscsi_parse_sessions(host);
    g_autoptr(GPtrArray) odd = prov_iscsi_parse_sessions(
        "iscsiadm: No active sessions.\n"
        "tcp: [2] [fe80::1%eth0]:3261,7 iqn.2001-05.com.example:v6\n"
        "iser: [12] 10.0.0.1:3260,1 iqn.2001-05.com.example:iser (non-flash)\n"
        "tcp: [x] 10.0.0.1:3260,1 iqn.bad-sid\n"
        "tcp: [3] 10.0.0.1:99999,1 iqn.bad-port\n"
        "tcp: [4] 10.0.0.1:3260 iqn.no-tpgt\n"
        "tcp: [5]\n");
    g_autoptr(GPtrArray) none = prov_iscsi_parse_sessions("");
    const ProvIscsiPortalTarget *pt;

    g_assert_cmpuint(s->len, ==, 2);
    pt = g_ptr_array_index(s, 0);
    g_assert_cmpuint(pt->sid, ==, 1);
    g_assert_cmpstr(pt->address, ==, "127.0.0.1");
    g_assert_cmpint(pt->port, ==, 3260);
    g_assert_cmpint(pt->tpgt, ==, 1);
    g_assert_cmpstr(pt->target, ==, T1);
    pt = g_ptr_array_index(s, 1);
    g_assert_cmpuint(pt->sid, ==, 5);
    g_assert_cmpstr(pt->target, ==, T2);

    g_assert_cmpuint(h->len, ==, 1);
    pt = g_ptr_array_index(h, 0);
    g_assert_cmpuint(pt->sid, ==, 7);
    g_assert_cmpstr(pt->address, ==, "localhost");

    g_assert_cmpuint(odd->len, ==, 2);
    pt = g_ptr_array_index(odd, 0);
    g_assert_cmpstr(pt->address, ==, "fe80::1%eth0");
    g_assert_cmpint(pt->port, ==, 3261);
    g_assert_cmpint(pt->tpgt, ==, 7);
    pt = g_ptr_array_index(odd, 1);
    g_assert_cmpuint(pt->sid, ==, 12);
    g_assert_cmpstr(pt->target, ==, "iqn.2001-05.com.example:iser");
    g_assert_cmpuint(none->len, ==, 0);
}

static void
test_parse_sendtargets(void)
{
    g_autofree char *text = prov_test_read_required(DATA "/sendtargets.txt");
    g_autoptr(GPtrArray) t = prov_iscsi_parse_sendtargets(text);
    g_autoptr(GPtrArray) v6 = prov_iscsi_parse_sendtargets(
        "[::1]:3260,1 iqn.2001-05.com.example:a\n"
        "garbage\n"
        "10.0.0.2:3260,2 iqn.2001-05.com.example:b extra\n"
        "10.0.0.2:3260,2  iqn.2001-05.com.example:c  \n");
    const ProvIscsiPortalTarget *pt;

    g_assert_cmpuint(t->len, ==, 2);
    pt = g_ptr_array_index(t, 0);
    g_assert_cmpstr(pt->address, ==, "127.0.0.1");
    g_assert_cmpint(pt->port, ==, 3260);
    g_assert_cmpstr(pt->target, ==, T1);
    pt = g_ptr_array_index(t, 1);
    g_assert_cmpstr(pt->target, ==, T2);

    g_assert_cmpuint(v6->len, ==, 2);
    pt = g_ptr_array_index(v6, 0);
    g_assert_cmpstr(pt->address, ==, "::1");
    pt = g_ptr_array_index(v6, 1);
    g_assert_cmpstr(pt->target, ==, "iqn.2001-05.com.example:c");
}

static void
test_parse_ifaces(void)
{
    g_autofree char *text = prov_test_read_required(DATA "/iface.txt");
    g_autofree char *found = prov_iscsi_parse_ifaces(text, "iqn.2024-01.org.provd:init2");
    g_autofree char *missing = prov_iscsi_parse_ifaces(text, "iqn.2024-01.org.provd:other");
    g_autofree char *empty = prov_iscsi_parse_ifaces(text, "<empty>");
    g_autofree char *name1 = prov_iscsi_iface_name("iqn.2024-01.org.provd:init2");
    g_autofree char *name2 = prov_iscsi_iface_name("iqn.2024-01.org.provd:init2");
    g_autofree char *name3 = prov_iscsi_iface_name("iqn.2024-01.org.provd:init3");

    g_assert_cmpstr(found, ==, "provd-test");
    g_assert_null(missing);
    /* The literal placeholder of an unset name is not a name. */
    g_assert_cmpstr(empty, ==, "default");
    g_assert_true(g_str_has_prefix(name1, "provd-iface-"));
    g_assert_cmpuint(strlen(name1), ==, strlen("provd-iface-") + 8);
    g_assert_cmpstr(name1, ==, name2);
    g_assert_cmpstr(name1, !=, name3);
}

static void
test_strerror(void)
{
    g_assert_cmpstr(prov_iscsi_strerror(24), ==, "authorization failure (CHAP)");
    g_assert_cmpstr(prov_iscsi_strerror(8), ==,
                    "connection timed out (the portal does not answer)");
    g_assert_cmpstr(prov_iscsi_strerror(20), ==, "cannot connect to iscsid (is it running?)");
    g_assert_cmpstr(prov_iscsi_strerror(21), ==, "no records or sessions found");
    g_assert_cmpstr(prov_iscsi_strerror(32), ==, "unknown iscsiadm error");
    g_assert_cmpstr(prov_iscsi_strerror(-1), ==, "unknown iscsiadm error");
}

typedef struct {
    const char *name;
    guint8 sense[20];
    gsize len;
    bool gone;
} SenseCase;

static const SenseCase sense_cases[] = {
    /* What tgt answers TEST UNIT READY for a deleted LUN (sg_turs -vv in the VM). */
    { "tgt-deleted-lun", { 0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x25, 0, 0, 0, 0, 0 },
      18, true },
    { "descriptor", { 0x72, 0x05, 0x25, 0x00 }, 8, true },
    { "deferred-fixed", { 0x71, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x25, 0 }, 14, true },
    { "not-ready", { 0x70, 0, 0x02, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x04, 0x01 }, 14, false },
    { "invalid-opcode", { 0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x20, 0 }, 14, false },
    { "luns-changed", { 0x70, 0, 0x06, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x3f, 0x0e }, 14, false },
    { "short-fixed", { 0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0 }, 12, false },
    { "garbage", { 0x10, 0x05, 0x25 }, 3, false },
    { "empty", { 0 }, 0, false },
};

static void
test_sense(gconstpointer data)
{
    const SenseCase *c = data;

    g_assert_cmpint(prov_iscsi_sense_lun_gone(c->sense, c->len), ==, c->gone);
}

static void
test_session_host(void)
{
    g_autoptr(GError) err = NULL;
    guint host = 0;

    /* session1/device -> devices/platform/host2/session1 */
    g_assert_true(prov_iscsi_session_host(DATA "/sysfs", 1, &host, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(host, ==, 2);
    /* no link to follow, but a target4:0:0 entry */
    g_assert_true(prov_iscsi_session_host(DATA "/sysfs", 3, &host, &err));
    g_assert_cmpuint(host, ==, 4);
    g_assert_false(prov_iscsi_session_host(DATA "/sysfs", 9, &host, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(err->message, "iSCSI session 9"));
}

/* ---- start ------------------------------------------------------------------ */

typedef enum {
    SECRET_NONE,
    SECRET_OK,                /* usage 'kvmguests-chap', uuid CHAP_UUID, value set */
    SECRET_NO_VALUE,
    SECRET_NEWLINE,           /* value with a trailing newline */
} SecretSetup;

typedef struct {
    const char *name;
    const char *source;
    const char *target;
    SecretSetup secret;
    FakeRule rules[FAKE_MAX_RULES];
    const char *error;        /* NULL: success expected; else a part of the message */
    bool marker_after;
    bool no_command;          /* nothing at all may run (no golden file) */
} StartCase;

#define R_SESSION_NONE { "-m session", false, NULL, "iscsiadm: No active sessions.\n", 21, 1 }
#define R_SESSION { "-m session", false, "session.txt", NULL, 0, 0 }
#define R_NODE_ABSENT(p) { "-m node -T " T1 " -p " p, false, NULL, NULL, 21, 0 }
#define R_NODE_ANY(p) { "-m node -T " T1 " -p " p " ", true, NULL, NULL, 0, 0 }

static const StartCase start_cases[] = {
    { "start-new-node", SRC_T1, NULL, SECRET_NONE,
      { R_SESSION_NONE, R_SESSION, R_NODE_ABSENT("127.0.0.1:3260"),
        R_NODE_ANY("127.0.0.1:3260"), { NULL } },
      NULL, true, false },
    { "start-session-exists", SRC_T1, NULL, SECRET_NONE, { R_SESSION, { NULL } }, NULL, false,
      false },
    { "start-existing-node", SRC_T1, NULL, SECRET_NONE,
      { R_SESSION_NONE, R_SESSION, R_NODE_ANY("127.0.0.1:3260"),
        { "-m node -T " T1 " -p 127.0.0.1:3260", false, NULL, "# BEGIN RECORD 2.1.8\n", 0, 0 },
        { NULL } },
      NULL, false, false },
    { "start-chap",
      SRC_T1 "<auth type='chap' username='chapuser'><secret usage='kvmguests-chap'/></auth>",
      NULL, SECRET_OK,
      { R_SESSION_NONE, R_SESSION, R_NODE_ABSENT("127.0.0.1:3260"),
        R_NODE_ANY("127.0.0.1:3260"), { NULL } },
      NULL, true, false },
    { "start-chap-uuid",
      SRC_T1 "<auth type='chap' username='chapuser'><secret uuid='" CHAP_UUID "'/></auth>",
      NULL, SECRET_OK,
      { R_SESSION_NONE, R_SESSION, R_NODE_ABSENT("127.0.0.1:3260"),
        R_NODE_ANY("127.0.0.1:3260"), { NULL } },
      NULL, true, false },
    { "start-chap-no-secret",
      SRC_T1 "<auth type='chap' username='chapuser'><secret usage='kvmguests-chap'/></auth>",
      NULL, SECRET_NONE, { R_SESSION_NONE, { NULL } },
      "no iscsi secret with usage 'kvmguests-chap'", false, false },
    { "start-chap-no-value",
      SRC_T1 "<auth type='chap' username='chapuser'><secret usage='kvmguests-chap'/></auth>",
      NULL, SECRET_NO_VALUE, { R_SESSION_NONE, { NULL } }, "has no value", false, false },
    { "start-chap-newline",
      SRC_T1 "<auth type='chap' username='chapuser'><secret usage='kvmguests-chap'/></auth>",
      NULL, SECRET_NEWLINE, { R_SESSION_NONE, { NULL } }, "(a trailing newline?)", false,
      false },
    { "start-chap-wrong-password",
      SRC_T1 "<auth type='chap' username='chapuser'><secret usage='kvmguests-chap'/></auth>",
      NULL, SECRET_OK,
      { R_SESSION_NONE, { "-m session", false, NULL, NULL, 21, 0 },
        R_NODE_ABSENT("127.0.0.1:3260"),
        { "-m node -T " T1 " -p 127.0.0.1:3260 --login", false, NULL, NULL, 24, 0 },
        R_NODE_ANY("127.0.0.1:3260"), { NULL } },
      "storage pool 'kvmguests': login to target '" T1 "' at '127.0.0.1:3260' failed: "
      "authorization failure (CHAP) (iscsiadm exit 24)", false, false },
    { "start-unknown-target", "<host name='127.0.0.1'/><device path='" T1 "'/>", NULL,
      SECRET_NONE,
      { { "-m session", false, NULL, NULL, 21, 0 }, R_NODE_ABSENT("127.0.0.1:3260"),
        { "-m node -T " T1 " -p 127.0.0.1:3260 --login", false, NULL, NULL, 19, 0 },
        R_NODE_ANY("127.0.0.1:3260"),
        { "-m discovery -t sendtargets -p 127.0.0.1:3260 -o nonpersistent", false, NULL,
          "127.0.0.1:3260,1 iqn.2024-01.org.provd:chap\n", 0, 0 }, { NULL } },
      "failed: the portal offers no target named '" T1 "' (it offers '" T2 "')", false,
      false },
    { "start-refused", SRC_T1, NULL, SECRET_NONE,
      { { "-m session", false, NULL, NULL, 21, 0 }, R_NODE_ABSENT("127.0.0.1:3260"),
        { "-m node -T " T1 " -p 127.0.0.1:3260 --login", false, NULL, NULL, 19, 0 },
        R_NODE_ANY("127.0.0.1:3260"),
        { "-m discovery -t sendtargets -p 127.0.0.1:3260 -o nonpersistent", false,
          "sendtargets.txt", NULL, 0, 0 }, { NULL } },
      "failed: the target refused the login (it exists at this portal: is this initiator "
      "allowed?) (iscsiadm exit 19)", false, false },
    { "start-refused-no-discovery", SRC_T1, NULL, SECRET_NONE,
      { { "-m session", false, NULL, NULL, 21, 0 }, R_NODE_ABSENT("127.0.0.1:3260"),
        { "-m node -T " T1 " -p 127.0.0.1:3260 --login", false, NULL, NULL, 19, 0 },
        R_NODE_ANY("127.0.0.1:3260"),
        { "-m discovery -t sendtargets -p 127.0.0.1:3260 -o nonpersistent", false, NULL,
          NULL, 24, 0 }, { NULL } },
      "failed: the target refused the login (unknown target, or this initiator is not "
      "allowed) (iscsiadm exit 19)", false, false },
    { "start-dead-portal", "<host name='127.0.0.1' port='3261'/><device path='" T1 "'/>",
      NULL, SECRET_NONE,
      { { "-m session", false, "session.txt", NULL, 0, 0 }, R_NODE_ABSENT("127.0.0.1:3261"),
        { "-m node -T " T1 " -p 127.0.0.1:3261 --login", false, NULL, NULL, 8, 0 },
        R_NODE_ANY("127.0.0.1:3261"), { NULL } },
      "login to target '" T1 "' at '127.0.0.1:3261' failed: connection timed out (the "
      "portal does not answer) (iscsiadm exit 8)", false, false },
    { "start-no-iscsid", SRC_T1, NULL, SECRET_NONE,
      { { "-m session", false, NULL, NULL, 21, 0 },
        { "-m node -T " T1 " -p 127.0.0.1:3260", false, NULL, "# BEGIN RECORD\n", 0, 0 },
        { "-m node -T " T1 " -p 127.0.0.1:3260 --login", false, NULL, NULL, 20, 0 },
        R_NODE_ANY("127.0.0.1:3260"), { NULL } },
      "cannot connect to iscsid (is it running?)", false, false },
    { "start-initiator-new-iface",
      SRC_T1 "<initiator><iqn name='iqn.2024-01.org.provd:init3'/></initiator>", NULL,
      SECRET_NONE,
      { R_SESSION_NONE, R_SESSION,
        { "-m iface", false, "iface.txt", NULL, 0, 0 },
        { "-m iface -I ", true, NULL, NULL, 0, 0 },
        /* The first node command is the check for an existing record. */
        { "-m node -T " T1 " -p 127.0.0.1:3260 -I provd-iface-", true, NULL, NULL, 21, 1 },
        { "-m node -T " T1 " -p 127.0.0.1:3260 -I provd-iface-", true, NULL, NULL, 0, 0 },
        { NULL } },
      NULL, true, false },
    { "start-initiator-existing-iface",
      SRC_T1 "<initiator><iqn name='iqn.2024-01.org.provd:init2'/></initiator>", NULL,
      SECRET_NONE,
      { R_SESSION_NONE, R_SESSION,
        { "-m iface", false, "iface.txt", NULL, 0, 0 },
        { "-m node -T " T1 " -p 127.0.0.1:3260 -I provd-test", false, NULL, NULL, 21, 0 },
        { "-m node -T " T1 " -p 127.0.0.1:3260 -I provd-test ", true, NULL, NULL, 0, 0 },
        { NULL } },
      NULL, true, false },
    { "start-hostname", "<host name='localhost'/><device path='" T1 "'/>", NULL, SECRET_NONE,
      { { "-m session", false, "session-hostname.txt", NULL, 0, 0 }, { NULL } }, NULL, false,
      false },
    { "start-ipv6", "<host name='fe80::1' port='3270'/><device path='" T1 "'/>", NULL,
      SECRET_NONE,
      { { "-m session", false, NULL, NULL, 21, 1 },
        { "-m session", false, NULL, "tcp: [3] [fe80::1]:3270,1 " T1 "\n", 0, 0 },
        R_NODE_ABSENT("[fe80::1]:3270"), R_NODE_ANY("[fe80::1]:3270"), { NULL } },
      NULL, true, false },
    { "start-bad-target-name", "<host name='127.0.0.1'/><device path='-oops'/>", NULL,
      SECRET_NONE, { { NULL } }, "'-oops' is not a valid iSCSI target name", false, true },
    { "start-bad-host", "<host name='a b'/><device path='" T1 "'/>", NULL, SECRET_NONE,
      { { NULL } }, "'a b' is not a valid host name or address", false, true },
    { "start-two-hosts", "<host name='a'/><host name='b'/><device path='" T1 "'/>", NULL,
      SECRET_NONE, { { NULL } }, "needs exactly one source host", false, true },
    { "start-no-target", "<host name='127.0.0.1'/>", NULL, SECRET_NONE, { { NULL } },
      "needs exactly one target", false, true },
    { "start-target-outside-dev", SRC_T1, "/var/lib/images", SECRET_NONE, { { NULL } },
      "target path '/var/lib/images' is not under /dev", false, true },
};

static void
test_start(gconstpointer data)
{
    const StartCase *c = data;
    g_autoptr(TestPool) tp = test_pool_new(c->source, c->target);
    g_autoptr(GError) err = NULL;
    g_autofree char *marker = marker_path(tp);
    g_autofree char *golden = g_strdup_printf("%s.argv", c->name);
    g_autofree char *got = NULL;
    Fake fake;
    bool ok;

    if (c->secret == SECRET_OK)
        define_secret(tp, CHAP_UUID, "kvmguests-chap", CHAP_PASSWORD);
    else if (c->secret == SECRET_NO_VALUE)
        define_secret(tp, CHAP_UUID, "kvmguests-chap", NULL);
    else if (c->secret == SECRET_NEWLINE)
        define_secret(tp, CHAP_UUID, "kvmguests-chap", CHAP_PASSWORD "\n");

    fake_start(&fake, c->rules);
    ok = prov_backend_iscsi.start_pool(&tp->pool, &err);
    got = fake_render(&fake, true);
    if (c->error) {
        g_assert_false(ok);
        g_assert_nonnull(err);
        if (!strstr(err->message, c->error))
            g_error("message '%s' lacks '%s'", err->message, c->error);
    } else {
        g_assert_no_error(err);
        g_assert_true(ok);
        /* The live definition shows the port in use, as libvirt's does. */
        g_assert_cmpint(((ProvPoolSourceHost *)g_ptr_array_index(tp->pool.def->source.hosts,
                                                                  0))->port, >, 0);
    }
    /* The password went to iscsiadm, and nowhere else. */
    if (c->secret == SECRET_OK && !c->error)
        g_assert_true(fake_argv_contains(&fake, CHAP_PASSWORD));
    g_assert_null(strstr(fake.log->str, CHAP_PASSWORD));
    if (err)
        g_assert_null(strstr(err->message, CHAP_PASSWORD));
    g_assert_cmpint(g_file_test(marker, G_FILE_TEST_EXISTS), ==, c->marker_after);
    if (c->no_command)
        g_assert_cmpstr(got, ==, "");
    else
        check_golden(golden, got);
    fake_stop(&fake);
}

static void
test_start_marker_content(void)
{
    static const FakeRule rules[] = {
        R_SESSION_NONE, R_SESSION, R_NODE_ABSENT("127.0.0.1:3260"),
        R_NODE_ANY("127.0.0.1:3260"), { NULL }
    };
    g_autoptr(TestPool) tp = test_pool_new(SRC_T1, NULL);
    g_autoptr(GError) err = NULL;
    g_autofree char *marker = marker_path(tp);
    g_autofree char *text = NULL;
    Fake fake;

    fake_start(&fake, rules);
    g_assert_true(prov_backend_iscsi.start_pool(&tp->pool, &err));
    fake_stop(&fake);
    g_assert_true(g_file_get_contents(marker, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, T1 "\n127.0.0.1:3260\n\n");
}

/* ---- stop and check ------------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *source;
    bool marker_before;
    FakeRule rules[FAKE_MAX_RULES];
    const char *error;
    bool marker_after;
} StopCase;

static const StopCase stop_cases[] = {
    { "stop-ours", SRC_T1, true,
      { { "-m session", false, "session.txt", NULL, 0, 1 },
        { "-m session", false, NULL, NULL, 21, 0 },
        { "-m session -r 1 --logout", false, NULL, NULL, 0, 0 }, R_NODE_ANY("127.0.0.1:3260"),
        { NULL } },
      NULL, false },
    { "stop-not-ours", SRC_T1, false,
      { { "-m session", false, "session.txt", NULL, 0, 1 },
        { "-m session", false, NULL, NULL, 21, 0 },
        { "-m session -r 1 --logout", false, NULL, NULL, 0, 0 }, { NULL } },
      NULL, false },
    { "stop-no-session", SRC_T1, true,
      { { "-m session", false, NULL, NULL, 21, 0 }, R_NODE_ANY("127.0.0.1:3260"), { NULL } },
      NULL, false },
    { "stop-hostname", "<host name='LocalHost'/><device path='" T1 "'/>", false,
      { { "-m session", false, "session-hostname.txt", NULL, 0, 1 },
        { "-m session", false, NULL, NULL, 21, 0 },
        { "-m session -r 7 --logout", false, NULL, NULL, 0, 0 }, { NULL } },
      NULL, false },
    { "stop-logout-fails", SRC_T1, true,
      { { "-m session", false, "session.txt", NULL, 0, 0 },
        { "-m session -r 1 --logout", false, NULL, NULL, 10, 0 }, { NULL } },
      "logout from target '" T1 "' at '127.0.0.1:3260' failed: logout failed", true },
};

static void
test_stop(gconstpointer data)
{
    const StopCase *c = data;
    g_autoptr(TestPool) tp = test_pool_new(c->source, NULL);
    g_autoptr(GError) err = NULL;
    g_autofree char *marker = marker_path(tp);
    g_autofree char *golden = g_strdup_printf("%s.argv", c->name);
    g_autofree char *got = NULL;
    Fake fake;
    bool ok;

    if (c->marker_before) {
        g_autofree char *dir = g_path_get_dirname(marker);

        g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
        g_assert_true(g_file_set_contents(marker, T1 "\n127.0.0.1:3260\n\n", -1, NULL));
    }
    fake_start(&fake, c->rules);
    ok = prov_backend_iscsi.stop_pool(&tp->pool, &err);
    got = fake_render(&fake, true);
    fake_stop(&fake);
    if (c->error) {
        g_assert_false(ok);
        g_assert_nonnull(strstr(err->message, c->error));
    } else {
        g_assert_no_error(err);
        g_assert_true(ok);
    }
    g_assert_cmpint(g_file_test(marker, G_FILE_TEST_EXISTS), ==, c->marker_after);
    check_golden(golden, got);
}

/* One session in a generated sysfs tree: what the kernel shows in class/iscsi_session
 * and class/iscsi_connection (see tests/iscsidata/sysfs for the captured layout). */
typedef struct {
    guint sid;
    const char *target;
    const char *persistent_address;   /* NULL: no connection directory */
    const char *address;
    int port;
} SysfsSession;

/* A sysfs tree holding @sessions (terminated by sid 0); caller removes it. */
static char *
make_sysfs(const SysfsSession *sessions)
{
    g_autofree char *tmpl = g_build_filename(scratch, "sysfs-XXXXXX", NULL);
    char *root = g_mkdtemp(g_steal_pointer(&tmpl));
    guint i;

    g_assert_nonnull(root);
    for (i = 0; sessions && sessions[i].sid; i++) {
        const SysfsSession *x = &sessions[i];
        g_autofree char *sdir = g_strdup_printf("%s/class/iscsi_session/session%u", root,
                                                x->sid);
        g_autofree char *cdir = g_strdup_printf("%s/class/iscsi_connection/connection%u:0",
                                                root, x->sid);
        g_autofree char *port = g_strdup_printf("%d", x->port);

        g_assert_cmpint(g_mkdir_with_parents(sdir, 0755), ==, 0);
        g_assert_true(write_attr(sdir, "targetname", x->target));
        g_assert_true(write_attr(sdir, "tpgt", "1"));
        if (!x->persistent_address)
            continue;
        g_assert_cmpint(g_mkdir_with_parents(cdir, 0755), ==, 0);
        g_assert_true(write_attr(cdir, "persistent_address", x->persistent_address));
        g_assert_true(write_attr(cdir, "persistent_port", port));
        g_assert_true(write_attr(cdir, "address", x->address));
        g_assert_true(write_attr(cdir, "port", port));
    }
    return root;
}

static void
test_sysfs_sessions(void)
{
    static const SysfsSession odd[] = {
        { 2, "iqn.2001-05.com.example:v6", "::1", "0000:0000:0000:0000:0000:0000:0000:0001",
          3261 },
        { 3, "iqn.2001-05.com.example:named", "localhost", "127.0.0.1", 3260 },
        /* logging in: no connection yet */
        { 4, "iqn.2001-05.com.example:new", NULL, NULL, 0 },
        /* an empty persistent address: the current one is used, as iscsiadm does */
        { 5, "iqn.2001-05.com.example:plain", "", "10.0.0.5", 3260 },
        { 0 }
    };
    g_autoptr(GPtrArray) real = prov_iscsi_sysfs_sessions(DATA "/sysfs");
    g_autoptr(GPtrArray) none = prov_iscsi_sysfs_sessions(DATA "/nonexistent");
    g_autofree char *root = make_sysfs(odd);
    g_autoptr(GPtrArray) got = prov_iscsi_sysfs_sessions(root);
    g_autofree char *out = prov_test_read_required(DATA "/session.txt");
    g_autoptr(GPtrArray) parsed = prov_iscsi_parse_sessions(out);
    const ProvIscsiPortalTarget *pt;
    const ProvIscsiPortalTarget *want;
    guint i;

    /* The captured tree says what `iscsiadm -m session` said of session 1. */
    g_assert_cmpuint(real->len, ==, 1);
    pt = g_ptr_array_index(real, 0);
    want = g_ptr_array_index(parsed, 0);
    g_assert_cmpuint(pt->sid, ==, want->sid);
    g_assert_cmpstr(pt->address, ==, want->address);
    g_assert_cmpint(pt->port, ==, want->port);
    g_assert_cmpint(pt->tpgt, ==, want->tpgt);
    g_assert_cmpstr(pt->target, ==, want->target);
    g_assert_cmpuint(none->len, ==, 0);

    g_assert_cmpuint(got->len, ==, 3);
    for (i = 0; i < got->len; i++) {
        pt = g_ptr_array_index(got, i);
        if (pt->sid == 2) {
            g_assert_cmpstr(pt->address, ==, "::1");
            g_assert_cmpint(pt->port, ==, 3261);
        } else if (pt->sid == 3) {
            g_assert_cmpstr(pt->address, ==, "localhost");
        } else {
            g_assert_cmpuint(pt->sid, ==, 5);
            g_assert_cmpstr(pt->address, ==, "10.0.0.5");
        }
    }
    prov_test_remove_tree(root);
}

typedef struct {
    const char *name;
    const char *source;
    SysfsSession sessions[4];
    bool active;
} CheckCase;

static const CheckCase check_cases[] = {
    { "ours", SRC_T1, { { 1, T1, "127.0.0.1", "127.0.0.1", 3260 }, { 0 } }, true },
    { "second-session", SRC_T1,
      { { 1, T2, "127.0.0.1", "127.0.0.1", 3260 }, { 6, T1, "127.0.0.1", "127.0.0.1", 3260 },
        { 0 } }, true },
    { "other-port", "<host name='127.0.0.1' port='3261'/><device path='" T1 "'/>",
      { { 1, T1, "127.0.0.1", "127.0.0.1", 3260 }, { 0 } }, false },
    { "other-address", "<host name='127.0.0.2'/><device path='" T1 "'/>",
      { { 1, T1, "127.0.0.1", "127.0.0.1", 3260 }, { 0 } }, false },
    { "other-target", "<host name='127.0.0.1'/><device path='iqn.2024-01.org.provd:x'/>",
      { { 1, T1, "127.0.0.1", "127.0.0.1", 3260 }, { 0 } }, false },
    /* A host name is matched as given at login, whatever it resolves to. */
    { "hostname", "<host name='LocalHost'/><device path='" T1 "'/>",
      { { 7, T1, "localhost", "127.0.0.1", 3260 }, { 0 } }, true },
    { "hostname-vs-address", "<host name='localhost'/><device path='" T1 "'/>",
      { { 1, T1, "127.0.0.1", "127.0.0.1", 3260 }, { 0 } }, false },
    { "ipv6", "<host name='[::1]'/><device path='" T1 "'/>",
      { { 3, T1, "::1", "0000:0000:0000:0000:0000:0000:0000:0001", 3260 }, { 0 } }, true },
    { "logging-in", SRC_T1, { { 4, T1, NULL, NULL, 0 }, { 0 } }, false },
    { "no-sessions", SRC_T1, { { 0 } }, false },
    { "broken-def", "<host name='127.0.0.1'/>",
      { { 1, T1, "127.0.0.1", "127.0.0.1", 3260 }, { 0 } }, false },
};

static void
test_check(gconstpointer data)
{
    const CheckCase *c = data;
    g_autofree char *root = make_sysfs(c->sessions);
    ProvLunScanOptions opts = { root, DATA "/dev", 0, 0 };
    g_autoptr(TestPool) tp = test_pool_new(c->source, NULL);
    g_autoptr(GError) err = NULL;
    bool active = !c->active;
    Fake fake;

    prov_iscsi_set_scan_options(&opts);
    /* No rules: running any tool fails the test. */
    fake_start(&fake, NULL);
    g_assert_true(prov_backend_iscsi.check_pool(&tp->pool, &active, &err));
    g_assert_cmpstr(fake.log->str, ==, "");
    fake_stop(&fake);
    prov_iscsi_set_scan_options(NULL);
    g_assert_no_error(err);
    g_assert_cmpint(active, ==, c->active);
    prov_test_remove_tree(root);
}

/* ---- refresh ------------------------------------------------------------------- */

/* A writable copy of the captured sysfs tree, with the attributes refresh writes to. */
static char *
copy_sysfs(void)
{
    g_autofree char *tmpl = g_build_filename(scratch, "sysfs-copy-XXXXXX", NULL);
    g_autofree char *dir = g_mkdtemp(g_steal_pointer(&tmpl));
    g_autofree char *copy = g_build_filename(dir, "sysfs", NULL);
    g_autoptr(ProvCommand) cp = prov_command_new_args("/usr/bin/cp", "-a", DATA "/sysfs", copy,
                                                      NULL);
    g_autoptr(GError) err = NULL;
    const char *const attrs[] = {
        "class/scsi_host/host2/scan", "bus/scsi/devices/2:0:0:0/rescan",
        "bus/scsi/devices/2:0:0:1/rescan", "bus/scsi/devices/2:0:0:2/rescan",
    };
    guint i;

    g_assert_true(prov_command_run(cp, NULL, NULL, &err));
    g_assert_no_error(err);
    for (i = 0; i < G_N_ELEMENTS(attrs); i++) {
        g_autofree char *path = g_build_filename(copy, attrs[i], NULL);
        g_assert_true(g_file_set_contents(path, "", 0, NULL));
    }
    return g_steal_pointer(&copy);
}

static void
assert_attr(const char *sysfs, const char *rel, const char *expected)
{
    g_autofree char *path = g_build_filename(sysfs, rel, NULL);
    g_autofree char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, expected);
}

/* Refresh rescans in-process, as `iscsiadm -m session -r SID -R` would: every LUN's
 * rescan attribute, then the host's scan file; no iscsiadm runs. */
static void
test_refresh(void)
{
    g_autofree char *sysfs = copy_sysfs();
    ProvLunScanOptions opts = { sysfs, DATA "/dev", 0, 0 };
    g_autoptr(TestPool) tp = test_pool_new(SRC_T1, DATA "/dev/disk/by-path");
    g_autoptr(GError) err = NULL;
    const ProvVolDef *vol;
    Fake fake;

    prov_iscsi_set_scan_options(&opts);
    fake_start(&fake, NULL);
    g_assert_true(prov_backend_iscsi.refresh_pool(&tp->pool, &err));
    g_assert_no_error(err);
    g_assert_null(strstr(fake.log->str, "iscsiadm"));
    fake_stop(&fake);
    prov_iscsi_set_scan_options(NULL);
    assert_attr(sysfs, "class/scsi_host/host2/scan", "- - -");
    assert_attr(sysfs, "bus/scsi/devices/2:0:0:0/rescan", "1");
    assert_attr(sysfs, "bus/scsi/devices/2:0:0:1/rescan", "1");
    assert_attr(sysfs, "bus/scsi/devices/2:0:0:2/rescan", "1");

    /* LUN 0 is the target's controller (type 12): not a volume. */
    g_assert_cmpuint(tp->pool.vols->len, ==, 2);
    vol = g_ptr_array_index(tp->pool.vols, 0);
    g_assert_cmpstr(vol->name, ==, "unit:0:0:1");
    g_assert_cmpstr(vol->target_path, ==, DATA "/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-"
                    T1 "-lun-1");
    g_assert_cmpstr(vol->key, ==, "360000000000000000e00000000010001");
    g_assert_cmpuint(vol->capacity, ==, 64 * 1024 * 1024);
    vol = g_ptr_array_index(tp->pool.vols, 1);
    g_assert_cmpstr(vol->name, ==, "unit:0:0:2");
    g_assert_cmpuint(vol->capacity, ==, 32 * 1024 * 1024);
    g_assert_cmpuint(tp->pool.def->capacity, ==, 96 * 1024 * 1024);
    g_assert_cmpuint(tp->pool.def->available, ==, 0);
}

static void
test_refresh_failures(void)
{
    ProvLunScanOptions none = { DATA "/nonexistent", DATA "/dev", 0, 0 };
    ProvLunScanOptions opts = { DATA "/sysfs", DATA "/dev", 0, 0 };
    g_autoptr(TestPool) tp = test_pool_new(SRC_T1, NULL);
    g_autoptr(GError) err = NULL;
    Fake fake;

    /* No session (no iSCSI in the kernel at all): nothing runs. */
    prov_iscsi_set_scan_options(&none);
    fake_start(&fake, NULL);
    g_assert_false(prov_backend_iscsi.refresh_pool(&tp->pool, &err));
    g_assert_cmpstr(fake.log->str, ==, "");
    fake_stop(&fake);
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(err->message, "there is no iSCSI session to target '" T1
                            "' at '127.0.0.1:3260'"));
    g_clear_error(&err);

    /* The captured tree has no scan file for host2 (the host went away meanwhile). */
    prov_iscsi_set_scan_options(&opts);
    fake_start(&fake, NULL);
    g_assert_false(prov_backend_iscsi.refresh_pool(&tp->pool, &err));
    fake_stop(&fake);
    prov_iscsi_set_scan_options(NULL);
    g_assert_nonnull(strstr(err->message, "cannot rescan iSCSI session 1: SCSI host 'host2' "
                            "does not exist"));
}

/* ---- find-storage-pool-sources ----------------------------------------------------- */

typedef struct {
    const char *name;
    const char *spec;
    FakeRule rules[FAKE_MAX_RULES];
    const char *error;        /* NULL: the output is compared with <name>.xml */
} FindCase;

static const FindCase find_cases[] = {
    { "find-sources",
      "<source><host name='127.0.0.1' port='3260'/></source>",
      { { "-m discovery -t sendtargets -p 127.0.0.1:3260 -o nonpersistent", false,
          "sendtargets.txt", NULL, 0, 0 }, { NULL } },
      NULL },
    { "find-sources-default-port",
      "<source><host name='localhost'/></source>",
      { { "-m discovery -t sendtargets -p localhost:3260 -o nonpersistent", false, NULL,
          "[localhost]:3260,1 " T1 "\n127.0.0.1:3260,1 " T1 "\n", 0, 0 }, { NULL } },
      NULL },
    { "find-sources-initiator",
      "<source><host name='127.0.0.1'/><initiator><iqn name='iqn.2024-01.org.provd:init2'/>"
      "</initiator></source>",
      { { "-m iface", false, "iface.txt", NULL, 0, 0 },
        { "-m discovery -t sendtargets -p 127.0.0.1:3260 -o nonpersistent -I provd-test",
          false, "sendtargets.txt", NULL, 0, 0 }, { NULL } },
      NULL },
    { "find-sources-none",
      "<source><host name='127.0.0.1'/></source>",
      { { "-m discovery -t sendtargets -p 127.0.0.1:3260 -o nonpersistent", false, NULL,
          NULL, 21, 0 }, { NULL } },
      NULL },
    { "find-sources-no-iface",
      "<source><host name='127.0.0.1'/><initiator><iqn name='iqn.2024-01.org.provd:x'/>"
      "</initiator></source>",
      { { "-m iface", false, "iface.txt", NULL, 0, 0 }, { NULL } },
      "no iSCSI interface record has initiator name 'iqn.2024-01.org.provd:x'" },
    { "find-sources-dead-portal",
      "<source><host name='127.0.0.1' port='3261'/></source>",
      { { "-m discovery -t sendtargets -p 127.0.0.1:3261 -o nonpersistent", false, NULL,
          NULL, 11, 0 }, { NULL } },
      "cannot discover iSCSI targets at '127.0.0.1:3261': iSCSI PDU timed out (the portal "
      "does not answer) (iscsiadm exit 11)" },
    { "find-sources-no-host", "<source/>", { { NULL } },
      "needs exactly one source host" },
    { "find-sources-no-spec", NULL, { { NULL } }, "iscsi source discovery needs a portal" },
};

static void
test_find_flags(void)
{
    g_autoptr(GError) err = NULL;
    Fake fake;

    fake_start(&fake, NULL);
    g_assert_null(prov_backend_iscsi.find_pool_sources("<source><host name='h'/></source>", 1,
                                                       &err));
    g_assert_cmpstr(fake.log->str, ==, "");
    fake_stop(&fake);
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG);
}

static void
test_find(gconstpointer data)
{
    const FindCase *c = data;
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autofree char *got = NULL;
    Fake fake;

    fake_start(&fake, c->rules);
    out = prov_backend_iscsi.find_pool_sources(c->spec, 0, &err);
    got = fake_render(&fake, true);
    fake_stop(&fake);
    if (c->error) {
        g_assert_null(out);
        if (!strstr(err->message, c->error))
            g_error("message '%s' lacks '%s'", err->message, c->error);
        return;
    }
    g_assert_no_error(err);
    {
        g_autofree char *argv_name = g_strdup_printf("%s.argv", c->name);
        g_autofree char *xml_name = g_strdup_printf("%s.xml", c->name);

        check_golden(argv_name, got);
        check_golden(xml_name, out);
    }
}

/* ---- the secret store ------------------------------------------------------------ */

static char *
secret_root(void)
{
    g_autofree char *tmpl = g_build_filename(scratch, "secrets-XXXXXX", NULL);
    char *dir = g_mkdtemp(g_steal_pointer(&tmpl));

    g_assert_nonnull(dir);
    return dir;
}

static void
assert_mode(const char *path, mode_t mode)
{
    struct stat st;

    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, mode);
}

static void
test_secret_store(void)
{
    g_autofree char *root = secret_root();
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(ProvSecretDef) def = NULL;
    g_autoptr(ProvSecretValue) value = NULL;
    g_autofree char *uuid = NULL;
    g_autofree char *xmlfile = NULL;
    g_autofree char *valfile = NULL;
    unsigned char raw[16];
    static const char doc[] = "<secret ephemeral='no' private='yes'>\n"
                              "  <description>CHAP &amp; more</description>\n"
                              "  <usage type='iscsi'><target>kvmguests-chap</target></usage>\n"
                              "</secret>\n";

    /* A definition without a UUID gets one. */
    g_assert_true(prov_secret_define(root, doc, &uuid, &err));
    g_assert_no_error(err);
    g_assert_true(prov_uuid_parse(uuid, raw));
    xmlfile = g_strdup_printf("%s%s/secrets/%s.xml", root, PROV_SYSCONF_DIR, uuid);
    valfile = g_strdup_printf("%s%s/secrets/%s.value", root, PROV_SYSCONF_DIR, uuid);
    assert_mode(xmlfile, 0600);

    /* Found by UUID and by usage; listed. */
    def = prov_secret_lookup(root, "kvmguests-chap", &err);
    g_assert_no_error(err);
    g_assert_cmpmem(def->uuid, 16, raw, 16);
    g_assert_true(def->is_private);
    g_assert_cmpstr(def->description, ==, "CHAP & more");
    g_clear_pointer(&def, prov_secret_def_free);
    def = prov_secret_lookup_by_usage(root, PROV_SECRET_USAGE_ISCSI, "kvmguests-chap", &err);
    g_assert_nonnull(def);
    g_clear_pointer(&def, prov_secret_def_free);
    g_assert_null(prov_secret_lookup_by_usage(root, PROV_SECRET_USAGE_CEPH, "kvmguests-chap",
                                              &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_NO_SECRET);
    g_clear_error(&err);
    list = prov_secret_list(root, &err);
    g_assert_cmpuint(list->len, ==, 1);

    /* No value yet; then one, mode 0600; private: only provd itself reads it. */
    g_assert_null(prov_secret_get_value(root, raw, PROV_SECRET_VALUE_INTERNAL, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_NO_SECRET);
    g_clear_error(&err);
    g_assert_true(prov_secret_set_value(root, uuid, (const guint8 *)"s3cr3t", 6, &err));
    assert_mode(valfile, 0600);
    value = prov_secret_get_value(root, raw, PROV_SECRET_VALUE_INTERNAL, &err);
    g_assert_no_error(err);
    g_assert_cmpmem(value->data, value->len, "s3cr3t", 6);
    g_assert_null(prov_secret_get_value(root, raw, 0, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_DENIED);
    g_assert_null(strstr(err->message, "s3cr3t"));
    g_clear_error(&err);

    /* Another secret may not take the same usage; this one may not change it. */
    g_assert_false(prov_secret_define(root, doc, NULL, &err));
    g_assert_nonnull(strstr(err->message, "is already defined for use with 'iscsi "
                            "kvmguests-chap'"));
    g_clear_error(&err);
    {
        g_autofree char *other = g_strdup_printf(
            "<secret private='yes'><uuid>%s</uuid><usage type='iscsi'><target>x</target>"
            "</usage></secret>", uuid);
        g_autofree char *public = g_strdup_printf(
            "<secret private='no'><uuid>%s</uuid><usage type='iscsi'><target>kvmguests-chap"
            "</target></usage></secret>", uuid);
        g_autofree char *same = g_strdup_printf(
            "<secret private='yes'><uuid>%s</uuid><description>new</description><usage "
            "type='iscsi'><target>kvmguests-chap</target></usage></secret>", uuid);

        g_assert_false(prov_secret_define(root, other, NULL, &err));
        g_clear_error(&err);
        g_assert_false(prov_secret_define(root, public, NULL, &err));
        g_assert_nonnull(strstr(err->message, "cannot make a private secret non-private"));
        g_clear_error(&err);
        /* Redefining keeps the value. */
        g_assert_true(prov_secret_define(root, same, NULL, &err));
        g_clear_pointer(&value, prov_secret_value_free);
        value = prov_secret_get_value(root, raw, PROV_SECRET_VALUE_INTERNAL, &err);
        g_assert_cmpmem(value->data, value->len, "s3cr3t", 6);
    }

    /* Undefine removes both files. */
    g_assert_true(prov_secret_undefine(root, uuid, &err));
    g_assert_false(g_file_test(xmlfile, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(valfile, G_FILE_TEST_EXISTS));
    g_assert_false(prov_secret_undefine(root, uuid, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_NO_SECRET);
    prov_test_remove_tree(root);
}

static void
test_secret_ephemeral(void)
{
    g_autofree char *root = secret_root();
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvSecretValue) value = NULL;
    g_autofree char *path = NULL;
    unsigned char raw[16];

    g_assert_true(prov_secret_define(root, "<secret ephemeral='yes' private='no'><uuid>"
                                     CHAP_UUID "</uuid><usage type='ceph'><name>c</name>"
                                     "</usage></secret>", NULL, &err));
    g_assert_no_error(err);
    /* On the run tmpfs, never with the configuration. */
    path = g_strdup_printf("%s%s/secrets/" CHAP_UUID ".xml", root, PROV_RUN_DIR);
    g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
    g_assert_true(prov_secret_set_value(root, "c", (const guint8 *)"v\0w", 3, &err));
    g_assert_true(prov_uuid_parse(CHAP_UUID, raw));
    /* Not private: readable; values are bytes. */
    value = prov_secret_get_value(root, raw, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpmem(value->data, value->len, "v\0w", 3);
    prov_test_remove_tree(root);
}

typedef struct {
    const char *name;
    const char *xml;
    const char *error;        /* NULL: parses, and formats as @formatted */
    const char *formatted;
} SecretXmlCase;

static const SecretXmlCase secret_xml_cases[] = {
    { "iscsi", "<secret ephemeral='no' private='yes'><uuid>" CHAP_UUID "</uuid><usage "
      "type='iscsi'><target>libvirtiscsi</target></usage></secret>", NULL,
      "<secret ephemeral='no' private='yes'>\n  <uuid>" CHAP_UUID "</uuid>\n"
      "  <usage type='iscsi'>\n    <target>libvirtiscsi</target>\n  </usage>\n</secret>\n" },
    { "volume-defaults", "<secret><uuid>" CHAP_UUID "</uuid><description>a&lt;b</description>"
      "<usage type='volume'><volume>/var/lib/x.img</volume></usage></secret>", NULL,
      "<secret ephemeral='no' private='no'>\n  <uuid>" CHAP_UUID "</uuid>\n"
      "  <description>a&lt;b</description>\n  <usage type='volume'>\n"
      "    <volume>/var/lib/x.img</volume>\n  </usage>\n</secret>\n" },
    { "no-usage", "<secret><uuid>" CHAP_UUID "</uuid></secret>", NULL,
      "<secret ephemeral='no' private='no'>\n  <uuid>" CHAP_UUID "</uuid>\n"
      "  <usage type='none'/>\n</secret>\n" },
    { "bad-uuid", "<secret><uuid>nope</uuid></secret>", "malformed uuid 'nope'", NULL },
    { "bad-private", "<secret private='maybe'/>", "private", NULL },
    { "bad-usage-type", "<secret><usage type='disk'/></secret>", "disk", NULL },
    { "usage-no-type", "<secret><usage><target>x</target></usage></secret>", "type", NULL },
    { "iscsi-no-target", "<secret><usage type='iscsi'><name>x</name></usage></secret>",
      "<usage type='iscsi'> needs a <target> element", NULL },
    { "control-char", "<secret><usage type='iscsi'><target>a&#10;b</target></usage></secret>",
      "must not contain control characters", NULL },
    { "wrong-root", "<pool/>", "secret", NULL },
    { "not-xml", "<secret", "line", NULL },
};

static void
test_secret_xml(gconstpointer data)
{
    const SecretXmlCase *c = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvSecretDef) def = prov_secret_def_parse_string(c->xml, &err);
    g_autofree char *out = NULL;

    if (c->error) {
        g_assert_null(def);
        g_assert_nonnull(err);
        if (!strstr(err->message, c->error))
            g_error("message '%s' lacks '%s'", err->message, c->error);
        return;
    }
    g_assert_no_error(err);
    out = prov_secret_def_format(def);
    g_assert_cmpstr(out, ==, c->formatted);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    scratch = prov_test_make_tmp_dir("iscsitest-XXXXXX");

    g_test_add_func("/iscsi/parse/sessions", test_parse_sessions);
    g_test_add_func("/iscsi/parse/sendtargets", test_parse_sendtargets);
    g_test_add_func("/iscsi/parse/ifaces", test_parse_ifaces);
    g_test_add_func("/iscsi/strerror", test_strerror);
    PROV_TEST_ADD_CASES("/iscsi/sense", sense_cases, name, test_sense);
    g_test_add_func("/iscsi/sysfs/session-host", test_session_host);
    g_test_add_func("/iscsi/sysfs/sessions", test_sysfs_sessions);
    PROV_TEST_ADD_CASES("/iscsi/start", start_cases, name, test_start);
    g_test_add_func("/iscsi/start/marker-content", test_start_marker_content);
    PROV_TEST_ADD_CASES("/iscsi/stop", stop_cases, name, test_stop);
    PROV_TEST_ADD_CASES("/iscsi/check", check_cases, name, test_check);
    g_test_add_func("/iscsi/refresh/luns", test_refresh);
    g_test_add_func("/iscsi/refresh/failures", test_refresh_failures);
    PROV_TEST_ADD_CASES("/iscsi/find", find_cases, name, test_find);
    g_test_add_func("/iscsi/find/flags", test_find_flags);
    g_test_add_func("/secret/store", test_secret_store);
    g_test_add_func("/secret/ephemeral", test_secret_ephemeral);
    PROV_TEST_ADD_CASES("/secret/xml", secret_xml_cases, name, test_secret_xml);
    return prov_test_run_and_remove(scratch);
}
