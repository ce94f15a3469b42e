/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* storagexmlinvalidtest.c: bad pool and volume documents are refused with clear messages. */
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "storage/storage_conf.h"
#include "tests/testutil.h"
#include "util/error.h"
#include "util/xml.h"

typedef enum {
    DOC_POOL,
    DOC_VOL,           /* parsed in a dir pool */
    DOC_VOL_LOGICAL,   /* parsed in a logical pool */
    DOC_VOL_DISK,      /* parsed in a disk pool */
} DocKind;

typedef struct {
    const char *id;
    DocKind kind;
    const char *xml;
    int code;              /* expected ProvErrorCode */
    const char *expect;    /* must appear in the message */
} BadDoc;

#define DIR_TARGET "<target><path>/var/lib/images</path></target>"
#define VOL(body) "<volume><name>v1</name>" body "</volume>"
#define VOLCAP(body) "<volume><name>v1</name><capacity>1024</capacity>" body "</volume>"

static const BadDoc bad_docs[] = {
    /* not XML at all, or not the right document */
    { "malformed-unclosed", DOC_POOL,
      "<pool type='dir'>\n  <name>p1</name>\n  " DIR_TARGET "\n",
      PROV_ERR_XML_ERROR, "malformed XML at line 4" },
    { "malformed-mismatch", DOC_POOL,
      "<pool type='dir'>\n  <name>p1</name>\n  <uuid>x</name>\n</pool>\n",
      PROV_ERR_XML_ERROR, "malformed XML at line 3" },
    { "malformed-nul-charref", DOC_POOL,
      "<pool type='dir'><name>a&#0;b</name>" DIR_TARGET "</pool>",
      PROV_ERR_XML_ERROR, "malformed XML at line 1" },
    { "malformed-undeclared-entity", DOC_POOL,
      "<pool type='dir'><name>&xxe;</name>" DIR_TARGET "</pool>",
      PROV_ERR_XML_ERROR, "malformed XML at line 1" },
    { "empty-document", DOC_POOL, "", PROV_ERR_XML_ERROR, "malformed XML" },
    { "wrong-root", DOC_POOL, "<volume><name>v</name></volume>",
      PROV_ERR_XML_ERROR, "expected root element 'pool', found 'volume'" },
    { "vol-wrong-root", DOC_VOL, "<pool type='dir'/>",
      PROV_ERR_XML_ERROR, "expected root element 'volume', found 'pool'" },

    /* DTDs: refused before any declaration is read, so nothing is expanded or fetched */
    { "billion-laughs", DOC_POOL,
      "<?xml version='1.0'?>\n"
      "<!DOCTYPE pool [\n"
      " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
      " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
      " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
      " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
      " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
      " <!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
      " <!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
      "]>\n"
      "<pool type='dir'><name>&g;</name>" DIR_TARGET "</pool>\n",
      PROV_ERR_XML_ERROR, "XML document must not contain a DTD" },
    { "xxe-file", DOC_POOL,
      "<!DOCTYPE pool [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
      "<pool type='dir'><name>&xxe;</name>" DIR_TARGET "</pool>",
      PROV_ERR_XML_ERROR, "XML document must not contain a DTD" },
    { "xxe-http", DOC_POOL,
      "<!DOCTYPE pool [<!ENTITY xxe SYSTEM \"http://192.0.2.1/x\">]>"
      "<pool type='dir'><name>&xxe;</name>" DIR_TARGET "</pool>",
      PROV_ERR_XML_ERROR, "XML document must not contain a DTD" },
    { "external-dtd", DOC_POOL,
      "<!DOCTYPE pool SYSTEM \"http://192.0.2.1/pool.dtd\">"
      "<pool type='dir'><name>p1</name>" DIR_TARGET "</pool>",
      PROV_ERR_XML_ERROR, "XML document must not contain a DTD" },
    { "bare-doctype", DOC_POOL,
      "<!DOCTYPE pool><pool type='dir'><name>p1</name>" DIR_TARGET "</pool>",
      PROV_ERR_XML_ERROR, "XML document must not contain a DTD" },
    { "vol-xxe", DOC_VOL,
      "<!DOCTYPE volume [<!ENTITY xxe SYSTEM \"file:///etc/shadow\">]>"
      VOLCAP("<key>&xxe;</key>"),
      PROV_ERR_XML_ERROR, "XML document must not contain a DTD" },

    /* pool type and names */
    { "unknown-type", DOC_POOL, "<pool type='foo'><name>p1</name></pool>",
      PROV_ERR_CONFIG_UNSUPPORTED, "unknown storage pool type 'foo'" },
    { "missing-type", DOC_POOL, "<pool><name>p1</name></pool>",
      PROV_ERR_XML_ERROR, "missing 'type' attribute" },
    { "name-slash", DOC_POOL, "<pool type='dir'><name>a/b</name>" DIR_TARGET "</pool>",
      PROV_ERR_INVALID_ARG, "storage pool name 'a/b' must not contain '/'" },
    { "name-dotdot", DOC_POOL, "<pool type='dir'><name>..</name>" DIR_TARGET "</pool>",
      PROV_ERR_INVALID_ARG, "storage pool name '..' is not allowed" },
    { "name-dot", DOC_POOL, "<pool type='dir'><name>.</name>" DIR_TARGET "</pool>",
      PROV_ERR_INVALID_ARG, "storage pool name '.' is not allowed" },
    { "name-newline", DOC_POOL, "<pool type='dir'><name>a&#10;b</name>" DIR_TARGET "</pool>",
      PROV_ERR_INVALID_ARG, "storage pool name 'a\\nb' must not contain control characters" },
    { "name-dash", DOC_POOL, "<pool type='dir'><name>-rf</name>" DIR_TARGET "</pool>",
      PROV_ERR_INVALID_ARG, "storage pool name '-rf' must not start with '-'" },
    { "name-missing", DOC_POOL, "<pool type='dir'><name></name>" DIR_TARGET "</pool>",
      PROV_ERR_XML_ERROR, "storage pool: missing <name> element" },
    { "name-logical-from-source", DOC_POOL,
      "<pool type='logical'><source><name>vg/x</name></source></pool>",
      PROV_ERR_INVALID_ARG, "storage pool name 'vg/x' must not contain '/'" },
    { "uuid", DOC_POOL,
      "<pool type='dir'><name>p1</name><uuid>1234-not-a-uuid</uuid>" DIR_TARGET "</pool>",
      PROV_ERR_XML_ERROR, "storage pool 'p1': invalid UUID '1234-not-a-uuid'" },

    /* target and permissions */
    { "dir-no-target-path", DOC_POOL,
      "<pool type='dir'><name>p1</name><target><permissions><mode>0700</mode>"
      "</permissions></target></pool>",
      PROV_ERR_XML_ERROR, "storage pool 'p1': missing <target><path> element" },
    { "mode-too-large", DOC_POOL,
      "<pool type='dir'><name>p1</name><target><path>/x</path><permissions>"
      "<mode>01777</mode></permissions></target></pool>",
      PROV_ERR_XML_ERROR, "storage pool 'p1': invalid permissions mode '01777'" },
    { "mode-not-octal", DOC_POOL,
      "<pool type='dir'><name>p1</name><target><path>/x</path><permissions>"
      "<mode>0789</mode></permissions></target></pool>",
      PROV_ERR_XML_ERROR, "invalid permissions mode '0789'" },
    { "owner-text", DOC_POOL,
      "<pool type='dir'><name>p1</name><target><path>/x</path><permissions>"
      "<owner>root</owner></permissions></target></pool>",
      PROV_ERR_XML_ERROR, "storage pool 'p1': invalid owner 'root'" },
    { "group-too-large", DOC_POOL,
      "<pool type='dir'><name>p1</name><target><path>/x</path><permissions>"
      "<group>4294967296</group></permissions></target></pool>",
      PROV_ERR_XML_ERROR, "invalid group '4294967296'" },

    /* per-type source rules */
    { "fs-no-device", DOC_POOL,
      "<pool type='fs'><name>p1</name><source><format type='ext4'/></source>"
      "<target><path>/mnt</path></target></pool>",
      PROV_ERR_XML_ERROR, "storage pool 'p1': missing source <device" },
    { "fs-unknown-format", DOC_POOL,
      "<pool type='fs'><name>p1</name><source><device path='/dev/sdb1'/>"
      "<format type='ntfs'/></source><target><path>/mnt</path></target></pool>",
      PROV_ERR_CONFIG_UNSUPPORTED, "unknown source format type 'ntfs' for a 'fs' pool" },
    { "disk-no-device", DOC_POOL,
      "<pool type='disk'><name>p1</name><target><path>/dev</path></target></pool>",
      PROV_ERR_XML_ERROR, "missing source <device" },
    { "netfs-no-host", DOC_POOL,
      "<pool type='netfs'><name>p1</name><source><dir path='/export'/></source>"
      "<target><path>/mnt</path></target></pool>",
      PROV_ERR_XML_ERROR, "storage pool 'p1': missing source <host> element" },
    { "netfs-no-dir", DOC_POOL,
      "<pool type='netfs'><name>p1</name><source><host name='nfs'/></source>"
      "<target><path>/mnt</path></target></pool>",
      PROV_ERR_XML_ERROR, "missing source <dir" },
    { "netfs-protocol-cifs", DOC_POOL,
      "<pool type='netfs'><name>p1</name><source><host name='h'/><dir path='share'/>"
      "<format type='cifs'/><protocol ver='3'/></source><target><path>/mnt</path></target>"
      "</pool>",
      PROV_ERR_CONFIG_UNSUPPORTED, "<protocol ver='3'> needs a netfs pool of format nfs" },
    { "netfs-protocol-comma", DOC_POOL,
      "<pool type='netfs'><name>p1</name><source><host name='h'/><dir path='/e'/>"
      "<protocol ver='4,rw'/></source><target><path>/mnt</path></target></pool>",
      PROV_ERR_XML_DETAIL, "protocol ver '4,rw' must not contain ','" },
    { "host-port", DOC_POOL,
      "<pool type='netfs'><name>p1</name><source><host name='h' port='70000'/>"
      "<dir path='/e'/></source><target><path>/mnt</path></target></pool>",
      PROV_ERR_XML_ERROR, "invalid port '70000' of host 'h'" },
    { "host-no-name", DOC_POOL,
      "<pool type='iscsi'><name>p1</name><source><host/><device path='iqn.x'/></source>"
      "<target><path>/dev/disk/by-path</path></target></pool>",
      PROV_ERR_XML_ERROR, "missing 'name' in source <host>" },
    { "rbd-no-name", DOC_POOL,
      "<pool type='rbd'><name>p1</name><source><host name='mon'/></source></pool>",
      PROV_ERR_XML_ERROR, "<source><name> is mandatory for 'rbd' pools" },
    { "rbd-option-no-value", DOC_POOL,
      "<pool type='rbd' xmlns:rbd='http://libvirt.org/schemas/storagepool/rbd/1.0'>"
      "<name>p1</name><source><name>rbd</name><host name='mon'/></source>"
      "<rbd:config_opts><rbd:option name='x'/></rbd:config_opts></pool>",
      PROV_ERR_XML_ERROR, "missing 'value' in <config_opts> option 'x'" },
    { "refresh-bogus", DOC_POOL,
      "<pool type='rbd'><name>p1</name><source><name>rbd</name><host name='mon'/></source>"
      "<refresh><volume allocation='bogus'/></refresh></pool>",
      PROV_ERR_CONFIG_UNSUPPORTED, "unknown volume refresh allocation 'bogus'" },
    { "scsi-no-adapter", DOC_POOL,
      "<pool type='scsi'><name>p1</name><target><path>/dev/disk/by-path</path></target>"
      "</pool>",
      PROV_ERR_XML_ERROR, "storage pool 'p1': missing source <adapter> element" },
    { "scsi-bad-wwnn", DOC_POOL,
      "<pool type='scsi'><name>p1</name><source><adapter type='fc_host' wwnn='2000'"
      " wwpn='10000000c9831b4b'/></source><target><path>/dev/disk/by-path</path></target>"
      "</pool>",
      PROV_ERR_XML_ERROR, "malformed adapter wwnn '2000'" },
    { "scsi-name-and-parentaddr", DOC_POOL,
      "<pool type='scsi'><name>p1</name><source><adapter type='scsi_host' name='host0'>"
      "<parentaddr unique_id='1'><address domain='0' bus='0' slot='1' function='0'/>"
      "</parentaddr></adapter></source><target><path>/dev</path></target></pool>",
      PROV_ERR_XML_ERROR, "takes 'name' or <parentaddr>, not both" },
    { "scsi-legacy-wwnn", DOC_POOL,
      "<pool type='scsi'><name>p1</name><source><adapter name='host0' wwnn='20000000c9831b4b'/>"
      "</source><target><path>/dev</path></target></pool>",
      PROV_ERR_XML_ERROR, "'wwnn', 'wwpn' and 'parent' require the adapter 'type'" },
    { "scsi-adapter-type", DOC_POOL,
      "<pool type='scsi'><name>p1</name><source><adapter type='usb_host' name='x'/>"
      "</source><target><path>/dev</path></target></pool>",
      PROV_ERR_XML_DETAIL, "unknown adapter type 'usb_host'" },
    { "iscsi-direct-no-initiator", DOC_POOL,
      "<pool type='iscsi-direct'><name>p1</name><source><host name='h'/>"
      "<device path='iqn.2013-06.com.example:t'/></source></pool>",
      PROV_ERR_CONFIG_UNSUPPORTED, "missing <initiator>" },
    { "iscsi-ceph-auth", DOC_POOL,
      "<pool type='iscsi'><name>p1</name><source><host name='h'/><device path='iqn.t'/>"
      "<auth type='ceph' username='u'><secret usage='x'/></auth></source>"
      "<target><path>/dev/disk/by-path</path></target></pool>",
      PROV_ERR_CONFIG_UNSUPPORTED, "auth type 'ceph' is not supported by 'iscsi' pools" },
    { "auth-no-type", DOC_POOL,
      "<pool type='iscsi'><name>p1</name><source><host name='h'/><device path='iqn.t'/>"
      "<auth username='u'><secret usage='x'/></auth></source>"
      "<target><path>/dev/disk/by-path</path></target></pool>",
      PROV_ERR_CONFIG_UNSUPPORTED, "storage pool 'p1': missing auth type" },
    { "auth-no-secret", DOC_POOL,
      "<pool type='iscsi'><name>p1</name><source><host name='h'/><device path='iqn.t'/>"
      "<auth type='chap' username='u'/></source>"
      "<target><path>/dev/disk/by-path</path></target></pool>",
      PROV_ERR_XML_ERROR, "missing <secret> element in <auth>" },
    { "auth-bad-uuid", DOC_POOL,
      "<pool type='iscsi'><name>p1</name><source><host name='h'/><device path='iqn.t'/>"
      "<auth type='chap' username='u'><secret uuid='zz'/></auth></source>"
      "<target><path>/dev/disk/by-path</path></target></pool>",
      PROV_ERR_XML_ERROR, "invalid auth secret UUID 'zz'" },
    { "cow-on-logical", DOC_POOL,
      "<pool type='logical'><name>vg</name><features><cow state='no'/></features></pool>",
      PROV_ERR_NO_SUPPORT, "cow feature is only available for 'fs' and 'dir' pools" },
    { "cow-bad-state", DOC_POOL,
      "<pool type='dir'><name>p1</name><features><cow state='maybe'/></features>"
      DIR_TARGET "</pool>",
      PROV_ERR_XML_DETAIL, "invalid value 'maybe' for attribute 'state'" },

    /* volumes: names */
    { "vol-no-name", DOC_VOL, "<volume><capacity>1</capacity></volume>",
      PROV_ERR_XML_ERROR, "storage volume: missing <name> element" },
    { "vol-name-slash", DOC_VOL,
      "<volume><name>../etc/passwd</name><capacity>1</capacity></volume>",
      PROV_ERR_INVALID_ARG, "storage volume name '../etc/passwd' must not contain '/'" },
    { "vol-name-dotdot", DOC_VOL, "<volume><name>..</name><capacity>1</capacity></volume>",
      PROV_ERR_INVALID_ARG, "storage volume name '..' is not allowed" },
    { "vol-name-newline", DOC_VOL,
      "<volume><name>a&#10;b</name><capacity>1</capacity></volume>",
      PROV_ERR_INVALID_ARG, "must not contain control characters" },
    { "vol-name-dash", DOC_VOL, "<volume><name>-o</name><capacity>1</capacity></volume>",
      PROV_ERR_INVALID_ARG, "storage volume name '-o' must not start with '-'" },

    /* volumes: sizes */
    { "vol-capacity-negative", DOC_VOL, VOL("<capacity>-1</capacity>"),
      PROV_ERR_XML_ERROR, "storage volume 'v1': invalid capacity '-1'" },
    { "vol-capacity-text", DOC_VOL, VOL("<capacity>ten</capacity>"),
      PROV_ERR_XML_ERROR, "invalid capacity 'ten'" },
    { "vol-capacity-fraction", DOC_VOL, VOL("<capacity unit='G'>1.5</capacity>"),
      PROV_ERR_XML_ERROR, "invalid capacity '1.5'" },
    { "vol-capacity-2^63", DOC_VOL, VOL("<capacity>9223372036854775808</capacity>"),
      PROV_ERR_INVALID_ARG, "capacity '9223372036854775808' is too large" },
    { "vol-capacity-8EiB", DOC_VOL, VOL("<capacity unit='EiB'>8</capacity>"),
      PROV_ERR_INVALID_ARG, "capacity '8 EiB' is too large" },
    { "vol-capacity-2^64", DOC_VOL, VOL("<capacity>18446744073709551616</capacity>"),
      PROV_ERR_INVALID_ARG, "capacity '18446744073709551616' is too large" },
    { "vol-capacity-unit", DOC_VOL, VOL("<capacity unit='XB'>1</capacity>"),
      PROV_ERR_INVALID_ARG, "storage volume 'v1': unknown capacity unit 'XB'" },
    { "vol-allocation-unit", DOC_VOL, VOLCAP("<allocation unit='KiBi'>1</allocation>"),
      PROV_ERR_INVALID_ARG, "unknown allocation unit 'KiBi'" },
    { "vol-capacity-missing", DOC_VOL, VOL("<target/>"),
      PROV_ERR_XML_ERROR, "storage volume 'v1': missing <capacity> element" },
    { "vol-capacity-zero-logical", DOC_VOL_LOGICAL, VOL("<capacity>0</capacity>"),
      PROV_ERR_XML_ERROR, "capacity must be larger than 0 in a 'logical' pool" },
    { "vol-capacity-zero-disk", DOC_VOL_DISK, VOL("<capacity unit='G'>0</capacity>"),
      PROV_ERR_XML_ERROR, "capacity must be larger than 0 in a 'disk' pool" },
    { "vol-cluster-size", DOC_VOL, VOLCAP("<target><clusterSize unit='Q'>64</clusterSize>"
                                          "</target>"),
      PROV_ERR_INVALID_ARG, "unknown cluster size unit 'Q'" },

    /* volumes: formats and target */
    { "vol-format", DOC_VOL, VOLCAP("<target><format type='foo'/></target>"),
      PROV_ERR_CONFIG_UNSUPPORTED, "unknown volume format type 'foo' for a 'dir' pool" },
    { "vol-format-none", DOC_VOL, VOLCAP("<target><format type='none'/></target>"),
      PROV_ERR_CONFIG_UNSUPPORTED, "unknown volume format type 'none'" },
    { "vol-format-disk", DOC_VOL_DISK, VOLCAP("<target><format type='qcow2'/></target>"),
      PROV_ERR_CONFIG_UNSUPPORTED, "unknown volume format type 'qcow2' for a 'disk' pool" },
    { "vol-backing-format", DOC_VOL,
      VOLCAP("<backingStore><path>/b</path><format type='vhdx'/></backingStore>"),
      PROV_ERR_CONFIG_UNSUPPORTED, "unknown volume format type 'vhdx'" },
    { "vol-type", DOC_VOL, "<volume type='tape'><name>v1</name><capacity>1</capacity></volume>",
      PROV_ERR_CONFIG_UNSUPPORTED, "storage volume 'v1': unknown volume type 'tape'" },
    { "vol-mode", DOC_VOL, VOLCAP("<target><permissions><mode>1000</mode></permissions>"
                                  "</target>"),
      PROV_ERR_XML_ERROR, "storage volume 'v1': invalid permissions mode '1000'" },
    { "vol-compat", DOC_VOL, VOLCAP("<target><compat>1.x</compat></target>"),
      PROV_ERR_XML_ERROR, "invalid compat '1.x'" },
    { "vol-feature", DOC_VOL, VOLCAP("<target><features><compression/></features></target>"),
      PROV_ERR_CONFIG_UNSUPPORTED, "unsupported volume feature 'compression'" },
    { "vol-encryption-format", DOC_VOL, VOLCAP("<target><encryption format='rot13'/></target>"),
      PROV_ERR_XML_ERROR, "unknown encryption format 'rot13'" },
    { "vol-encryption-secret", DOC_VOL,
      VOLCAP("<target><encryption format='luks'><secret type='volume' usage='x'/>"
             "</encryption></target>"),
      PROV_ERR_XML_ERROR, "unknown encryption secret type 'volume'" },
    { "vol-encryption-cipher", DOC_VOL,
      VOLCAP("<target><encryption format='luks'><secret type='passphrase' usage='x'/>"
             "<cipher name='aes'/></encryption></target>"),
      PROV_ERR_XML_ERROR, "encryption <cipher> needs a 'name' and a positive 'size'" },
};

static const char *const pool_for_kind[] = {
    [DOC_VOL] = "<pool type='dir'><name>d</name><target><path>/d</path></target></pool>",
    [DOC_VOL_LOGICAL] = "<pool type='logical'><name>vg</name></pool>",
    [DOC_VOL_DISK] = "<pool type='disk'><name>sda</name><source><device path='/dev/sda'/>"
                     "</source><target><path>/dev</path></target></pool>",
};

static void
test_bad_doc(gconstpointer data)
{
    const BadDoc *bad = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvPoolDef) pool = NULL;
    g_autoptr(ProvPoolDef) def = NULL;
    g_autoptr(ProvVolDef) vol = NULL;

    if (bad->kind == DOC_POOL) {
        def = prov_pool_def_parse_string(bad->xml, 0, &error);
        g_assert_null(def);
    } else {
        pool = prov_pool_def_parse_string(pool_for_kind[bad->kind], 0, &error);
        g_assert_no_error(error);
        vol = prov_vol_def_parse_string(pool, bad->xml, 0, &error);
        g_assert_null(vol);
    }
    g_assert_nonnull(error);
    g_test_message("%s: %s", bad->id, error->message);
    g_assert_true(error->domain == PROV_XML_ERROR);
    if (!strstr(error->message, bad->expect))
        g_error("%s: message '%s' lacks '%s'", bad->id, error->message, bad->expect);
    g_assert_cmpint(error->code, ==, bad->code);
}

/* An external entity is never read: its content must not show up anywhere. */
static void
test_xxe_local_file(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = prov_test_make_tmp_dir("provxxe-XXXXXX");
    g_autofree char *secret_path = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(ProvPoolDef) def = NULL;

    secret_path = g_build_filename(dir, "secret", NULL);
    g_assert_true(g_file_set_contents(secret_path, "TOPSECRET-7f3a", -1, &error));
    xml = g_strdup_printf("<!DOCTYPE pool [<!ENTITY xxe SYSTEM \"file://%s\">]>\n"
                          "<pool type='dir'><name>p1</name><target><path>/x/&xxe;</path>"
                          "</target></pool>", secret_path);
    def = prov_pool_def_parse_string(xml, 0, &error);
    g_assert_null(def);
    g_assert_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR);
    g_assert_null(strstr(error->message, "TOPSECRET"));
    g_assert_cmpint(g_unlink(secret_path), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/* No fetch is attempted: a listener on loopback sees no connection. */
static void
test_xxe_no_network(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GSocket) peer = NULL;
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, 0);
    g_autoptr(GSocketAddress) bound = NULL;
    g_autoptr(ProvPoolDef) def = NULL;
    g_autofree char *xml = NULL;
    guint16 port;

    sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                        &error);
    g_assert_no_error(error);
    g_assert_true(g_socket_bind(sock, addr, TRUE, &error));
    g_assert_true(g_socket_listen(sock, &error));
    bound = g_socket_get_local_address(sock, &error);
    g_assert_no_error(error);
    port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));

    xml = g_strdup_printf("<!DOCTYPE pool SYSTEM \"http://127.0.0.1:%u/pool.dtd\" [\n"
                          "<!ENTITY xxe SYSTEM \"http://127.0.0.1:%u/x\">]>\n"
                          "<pool type='dir'><name>&xxe;</name><target><path>/x</path>"
                          "</target></pool>", port, port);
    def = prov_pool_def_parse_string(xml, 0, &error);
    g_assert_null(def);
    g_assert_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR);
    g_clear_error(&error);

    g_socket_set_blocking(sock, FALSE);
    peer = g_socket_accept(sock, NULL, &error);
    g_assert_null(peer);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
}

/* Refused at once, not after expanding a billion entities. */
static void
test_billion_laughs_fast(void)
{
    g_autoptr(GTimer) timer = g_timer_new();
    g_autoptr(GString) xml = g_string_new("<!DOCTYPE pool [<!ENTITY l0 \"lol\">");
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvPoolDef) def = NULL;
    int i;

    for (i = 1; i <= 12; i++)
        g_string_append_printf(xml, "<!ENTITY l%d \"&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;"
                               "&l%d;&l%d;\">", i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                               i - 1, i - 1, i - 1, i - 1);
    g_string_append(xml, "]><pool type='dir'><name>&l12;</name><target><path>/x</path>"
                    "</target></pool>");
    def = prov_pool_def_parse_string(xml->str, 0, &error);
    g_assert_null(def);
    g_assert_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR);
    g_assert_cmpfloat(g_timer_elapsed(timer, NULL), <, 1.0);
}

/* The validating parse refuses what our schema refuses. */
static void
test_validate_flag(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvPoolDef) def = NULL;
    g_autoptr(ProvPoolDef) pool = NULL;
    g_autoptr(ProvVolDef) vol = NULL;

    /* libvirt's parser also requires a target path here; check the schema speaks first */
    def = prov_pool_def_parse_string("<pool type='dir'><name>test</name><source></source>"
                                     "<target><permissions><mode>0700</mode></permissions>"
                                     "</target></pool>", PROV_POOL_PARSE_VALIDATE, &error);
    g_assert_null(def);
    g_assert_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL);
    g_assert_nonnull(strstr(error->message, "does not conform to schema 'storagepool.rng'"));
    g_clear_error(&error);

    /* an element libvirt does not know: ignored without validation, refused with it */
    def = prov_pool_def_parse_string("<pool type='dir'><name>p</name><bogus/>"
                                     "<target><path>/x</path></target></pool>", 0, &error);
    g_assert_no_error(error);
    g_clear_pointer(&def, prov_pool_def_free);
    def = prov_pool_def_parse_string("<pool type='dir'><name>p</name><bogus/>"
                                     "<target><path>/x</path></target></pool>",
                                     PROV_POOL_PARSE_VALIDATE, &error);
    g_assert_null(def);
    g_assert_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL);
    g_clear_error(&error);

    pool = prov_pool_def_parse_string(pool_for_kind[DOC_VOL], 0, &error);
    g_assert_no_error(error);
    vol = prov_vol_def_parse_string(pool, "<volume><name>v</name><capacity>1</capacity>"
                                    "<target/><extra/></volume>", PROV_VOL_PARSE_VALIDATE,
                                    &error);
    g_assert_null(vol);
    g_assert_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL);
    g_assert_nonnull(strstr(error->message, "storagevol.rng"));
    g_clear_error(&error);
    vol = prov_vol_def_parse_string(pool, "<volume><name>v</name><capacity>1</capacity>"
                                    "<target/></volume>", PROV_VOL_PARSE_VALIDATE, &error);
    g_assert_no_error(error);
    g_assert_nonnull(vol);
    g_clear_pointer(&vol, prov_vol_def_free);

    /* unknown flags are refused */
    vol = prov_vol_def_parse_string(pool, "<volume><name>v</name><capacity>1</capacity>"
                                    "</volume>", 1u << 7, &error);
    g_assert_null(vol);
    g_assert_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG);
}

static void
test_name_validate(void)
{
    static const char *const good[] = {
        "vm1.img", "unit:0:0:1", "<sparse>.img", "a b", "bild-\xc3\xa4.qcow2", "...", ".hidden",
        "a-",
    };
    static const struct {
        const char *name;
        gssize len;
        const char *expect;
    } bad[] = {
        { "ab\0cd", 5, "'ab' must not contain NUL characters" },
        { "\0", 1, "must not contain NUL" },
        { "", 0, "storage volume name must not be empty" },
        { "", -1, "must not be empty" },
        { "a/b", -1, "must not contain '/'" },
        { "a\tb", -1, "'a\\tb' must not contain control characters" },
        { "a\x7f", -1, "control characters" },
        { "..", -1, "is not allowed" },
        { "-x", -1, "must not start with '-'" },
        { "\xff\xfe", -1, "is not valid UTF-8" },
    };
    g_autofree char *long_name = g_strnfill(256, 'x');
    g_autofree char *max_name = g_strnfill(255, 'x');
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GError) error = NULL;

        g_assert_true(prov_object_name_validate("storage volume", good[i], &error));
        g_assert_no_error(error);
    }
    g_assert_true(prov_object_name_validate("storage pool", max_name, NULL));
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;

        g_assert_false(prov_object_name_validate_len("storage volume", bad[i].name, bad[i].len,
                                                     &error));
        g_assert_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG);
        if (!strstr(error->message, bad[i].expect))
            g_error("name %zu: '%s' lacks '%s'", i, error->message, bad[i].expect);
    }
    {
        g_autoptr(GError) error = NULL;

        g_assert_false(prov_object_name_validate("storage pool", long_name, &error));
        g_assert_nonnull(strstr(error->message, "is too long (256 bytes, maximum 255)"));
        g_clear_error(&error);
        g_assert_false(prov_object_name_validate("storage pool", NULL, &error));
        g_assert_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG);
    }
}

/* Things that look odd but libvirt accepts, so we must too. */
static void
test_accepted_oddities(void)
{
    static const char *const pools[] = {
        /* -1 and 4294967295 owners mean "unset" */
        "<pool type='dir'><name>p</name><target><path>/x</path><permissions>"
        "<owner>-1</owner><group>4294967295</group></permissions></target></pool>",
        /* logical: target path ignored, name from source */
        "<pool type='logical'><source><name>vg0</name></source>"
        "<target><path>/nonsense</path></target></pool>",
        /* capacity elements are ignored on input, even nonsense units */
        "<pool type='dir'><name>p</name><capacity unit='XB'>-5</capacity>"
        "<target><path>/x</path></target></pool>",
        /* port -1 means "not given" */
        "<pool type='netfs'><name>p</name><source><host name='h' port='-1'/>"
        "<dir path='/e'/></source><target><path>/m</path></target></pool>",
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(pools); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvPoolDef) def = prov_pool_def_parse_string(pools[i], 0, &error);
        g_autofree char *out = NULL;

        g_assert_no_error(error);
        out = prov_pool_def_format(def);
        g_assert_null(strstr(out, "<owner>"));
        g_assert_null(strstr(out, "port="));
        g_assert_null(strstr(out, "/nonsense"));
    }
}

/* ---- the XML helpers underneath (util/xml.c) ---------------------------------------- */

static void
test_xml_xpath(void)
{
    static const char *const doc_text =
        "<pool type='iscsi' xmlns:x='urn:x'>\n"
        "  <source>\n"
        "    <host name='a' port='1'/>\n"
        "    <host name='b'/>\n"
        "    <x:host name='ns'/>\n"
        "    <device path='/dev/sda'><freeExtent start='1' end='2'/></device>\n"
        "  </source>\n"
        "  <name> spaced <!-- c --> name </name>\n"
        "  <empty></empty>\n"
        "</pool>\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(xmlDoc) doc = prov_xml_parse(doc_text, -1, "test", "pool", &ctxt, &error);
    g_autofree xmlNode **nodes = NULL;
    g_autofree char *s1 = NULL;
    g_autofree char *s2 = NULL;
    g_autofree char *s3 = NULL;
    g_autofree char *s4 = NULL;
    g_autofree char *s5 = NULL;
    xmlNode *node;
    unsigned int u = 0;
    int i = 0;
    bool b = false;

    g_assert_no_error(error);
    /* tree-walk fast path */
    s1 = prov_xpath_string("string(./source/host/@name)", ctxt);
    g_assert_cmpstr(s1, ==, "a");
    s2 = prov_xpath_string("string(./name)", ctxt);
    g_assert_cmpstr(s2, ==, " spaced  name ");
    g_assert_null(prov_xpath_string("string(./empty)", ctxt));
    g_assert_null(prov_xpath_string("string(./missing/@x)", ctxt));
    g_assert_cmpuint(prov_xpath_nodes("./source/host", ctxt, &nodes), ==, 2);
    g_assert_cmpstr(prov_xml_node_name(nodes[1]), ==, "host");
    g_clear_pointer(&nodes, g_free);
    g_assert_cmpuint(prov_xpath_nodes("./source/*", ctxt, NULL), ==, 4);
    g_assert_cmpuint(prov_xpath_nodes("./nothing", ctxt, &nodes), ==, 0);
    g_assert_nonnull(prov_xpath_node("./source/device/freeExtent", ctxt));
    /* anything else goes through the XPath engine */
    s3 = prov_xpath_string("string(./source/host[2]/@name)", ctxt);
    g_assert_cmpstr(s3, ==, "b");
    s4 = prov_xpath_string("concat(./source/host[1]/@name, '-', ./source/host[1]/@port)",
                           ctxt);
    g_assert_cmpstr(s4, ==, "a-1");
    node = prov_xpath_node("./source/host[@name='b']", ctxt);
    g_assert_nonnull(node);
    /* namespaced children are found by URI, not prefix */
    node = prov_xml_child(prov_xpath_node("./source", ctxt), "urn:x", "host");
    g_assert_nonnull(node);
    s5 = prov_xml_prop_string(node, "name");
    g_assert_cmpstr(s5, ==, "ns");

    /* typed attributes */
    node = prov_xpath_node("./source/host", ctxt);
    g_assert_cmpint(prov_xml_prop_uint(node, "port", 10, 0, &u, &error), ==, 1);
    g_assert_cmpuint(u, ==, 1);
    g_assert_cmpint(prov_xml_prop_int(node, "missing", 0, &i, &error), ==, 0);
    g_assert_cmpint(prov_xml_prop_int(node, "missing", PROV_XML_PROP_REQUIRED, &i, &error), ==,
                    -1);
    g_assert_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR);
    g_assert_nonnull(strstr(error->message, "missing required attribute 'missing' in element "
                                            "'host'"));
    g_clear_error(&error);
    g_assert_cmpint(prov_xml_prop_yes_no(node, "name", 0, &b, &error), ==, -1);
    g_assert_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL);
    g_clear_error(&error);
    g_assert_cmpint(prov_xml_prop_enum(node, "name", prov_pool_type_from_string, 0, &i, &error),
                    ==, -1);
    g_assert_nonnull(strstr(error->message, "invalid value 'a' for attribute 'name'"));
    g_clear_error(&error);
    g_assert_cmpint(prov_xml_prop_uint(node, "port", 10, PROV_XML_PROP_NONZERO, &u, &error), ==,
                    1);
    g_assert_cmpint(prov_xml_prop_uint(node, "name", 10, 0, &u, &error), ==, -1);
    g_assert_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL);
}

static void
test_xml_buf(void)
{
    g_auto(ProvXmlBuf) buf = { NULL, 0 };
    g_autofree char *out = NULL;
    g_autofree char *esc = NULL;

    prov_xml_buf_init(&buf);
    prov_xml_buf_add(&buf, "<a>\n");
    prov_xml_buf_adjust_indent(&buf, 2);
    prov_xml_buf_escape(&buf, "<b x='%s'/>\n", "it's <\"quoted\"> & more");
    prov_xml_buf_escape(&buf, "<c>%s</c>\n", NULL);
    prov_xml_buf_escape(&buf, "%s\n", "line1\nline2\tx\x01y");
    prov_xml_buf_add(&buf, "<d n='%d'>\n", 42);
    prov_xml_buf_adjust_indent(&buf, 2);
    prov_xml_buf_add_block(&buf, "<e/>\n<f/>\n");
    prov_xml_buf_adjust_indent(&buf, -2);
    prov_xml_buf_add(&buf, "</d>\n");
    prov_xml_buf_adjust_indent(&buf, -2);
    prov_xml_buf_add(&buf, "</a>\n");
    out = prov_xml_buf_steal(&buf);
    g_assert_cmpstr(out, ==,
                    "<a>\n"
                    "  <b x='it&apos;s &lt;&quot;quoted&quot;&gt; &amp; more'/>\n"
                    "  line1&#xA;line2&#x9;xy\n"
                    "  <d n='42'>\n"
                    "    <e/>\n"
                    "    <f/>\n"
                    "  </d>\n"
                    "</a>\n");
    esc = prov_xml_escape("a&b");
    g_assert_cmpstr(esc, ==, "a&amp;b");
}

static void
test_xml_canonicalize(void)
{
    static const char *const a =
        "<pool type='dir' xmlns:fs='urn:fs'>\n  <name>x</name>\n  <t a='1' b='2'/>\n"
        "  <fs:o name='n'/>\n</pool>\n";
    static const char *const b =
        "<?xml version='1.0'?><!-- c --><pool xmlns:fs=\"urn:fs\" type=\"dir\"><name>  x\n"
        "</name><t b='2' a='1'></t><fs:o name='n'/></pool>";
    static const char *const c =
        "<pool type='dir' xmlns:fs='urn:fs'><name>y</name><t a='1' b='2'/><fs:o name='n'/></pool>";
    g_autofree char *ca = NULL;
    g_autofree char *cb = NULL;
    g_autofree char *cc = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true(prov_xml_canonicalize(a, &ca, &error));
    g_assert_true(prov_xml_canonicalize(b, &cb, &error));
    g_assert_true(prov_xml_canonicalize(c, &cc, &error));
    g_assert_cmpstr(ca, ==, cb);
    g_assert_cmpstr(ca, !=, cc);
    g_assert_false(prov_xml_canonicalize("<a><b></a>", &cc, &error));
    g_assert_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    PROV_TEST_ADD_CASES("/storage/xml-invalid", bad_docs, id, test_bad_doc);
    g_test_add_func("/storage/xml-invalid/xxe-local-file", test_xxe_local_file);
    g_test_add_func("/storage/xml-invalid/xxe-no-network", test_xxe_no_network);
    g_test_add_func("/storage/xml-invalid/billion-laughs-fast", test_billion_laughs_fast);
    g_test_add_func("/storage/xml-invalid/validate-flag", test_validate_flag);
    g_test_add_func("/storage/xml-invalid/name-validate", test_name_validate);
    g_test_add_func("/storage/xml-invalid/accepted-oddities", test_accepted_oddities);
    g_test_add_func("/util/xml/xpath", test_xml_xpath);
    g_test_add_func("/util/xml/buf", test_xml_buf);
    g_test_add_func("/util/xml/canonicalize", test_xml_canonicalize);
    return g_test_run();
}
