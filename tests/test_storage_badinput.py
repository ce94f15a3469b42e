# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_storage_badinput: hostile or wrong input is refused, named, and changes nothing on disk."""

import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import os
import resource
import time

import provtest
from xml.sax.saxutils import escape as xml_escape
from provtest import GIB, MIB, ProvTestCase

# Distinctive content of /etc/passwd that must never leak into output or state.
PASSWD_MARK = "root:x:0:0"


def _limit_memory():
    # A parser that expands entities must crash under this limit, not eat the host.
    resource.setrlimit(resource.RLIMIT_AS, (2 * GIB, 2 * GIB))


class BadInput(ProvTestCase):
    """A running pool 'good' with one volume; each case checks nothing changed."""

    def setUp(self):
        super().setUp()
        self.target = self.make_dir_pool("good")
        self.ok("vol-create-as", "good", "keep.img", "1M")
        with open(os.path.join(self.target, "keep.img"), "r+b") as f:
            f.write(b"precious data\n" * 100)
        self.outside = self.path("outside")
        os.mkdir(self.outside)
        with open(os.path.join(self.outside, "secret.img"), "wb") as f:
            f.write(b"outside the pool, must survive\n" * 100)
        self.ok("pool-list", "--all")

    def snapshot(self):
        return provtest.tree_snapshot(self.root, self.target, self.outside)

    def assert_unchanged(self, before, what):
        after = self.snapshot()
        if after != before:
            added = sorted(set(after) - set(before))
            removed = sorted(set(before) - set(after))
            changed = sorted(k for k in set(after) & set(before) if after[k] != before[k])
            self.fail("%s changed state on disk: added %r, removed %r, changed %r"
                      % (what, added, removed, changed))

    def refused_unchanged(self, args, code, *needles, **kw):
        before = self.snapshot()
        res = self.ctl(*args, **kw)
        self.assert_error(res, code, *needles)
        self.assert_unchanged(before, " ".join(str(a) for a in args))
        return res

    # ---- XML documents

    def test_malformed_xml(self):
        bad = self.write_file("bad.xml", "<pool type='dir'>\n  <name>broken</name\n"
                              "  <target><path>/tmp/x</path></target>\n</pool>\n")
        res = self.refused_unchanged(["pool-define", bad], 1)
        self.assertRegex(res.stderr, r"(?i)(line \d+|bad\.xml)",
                         "a malformed document's error names where it is broken")
        for doc in ("", "   \n", "not xml at all", "<pool type='dir'>", "<volume/>",
                    "<pool type='dir'><name>x</name></pool><pool/>", "\x00\x01"):
            with self.subTest(doc=doc):
                path = self.write_file("doc.xml", doc)
                self.refused_unchanged(["pool-define", path], 1)
        self.assertNotIn("broken", self.pool_list())

    def test_missing_file(self):
        missing = self.path("no-such.xml")
        self.refused_unchanged(["pool-define", missing], 1, missing)

    def test_billion_laughs(self):
        lols = ["<!ENTITY lol \"lol\">"]
        for i in range(1, 10):
            prev = "&lol%s;" % ("" if i == 1 else i - 1)
            lols.append("<!ENTITY lol%d \"%s\">" % (i, prev * 10))
        doc = ("<?xml version='1.0'?>\n<!DOCTYPE pool [\n%s\n]>\n"
               "<pool type='dir'>\n  <name>&lol9;</name>\n"
               "  <target><path>/tmp/laughs</path></target>\n</pool>\n" % "\n".join(lols))
        path = self.write_file("laughs.xml", doc)
        before = self.snapshot()
        start = time.monotonic()
        res = self.ctl("pool-define", path, preexec_fn=_limit_memory, timeout=60)
        self.assertLess(time.monotonic() - start, 30, "entity expansion took too long")
        self.assert_error(res, 1)
        self.assertNotIn("lollollol", res.stderr + res.stdout)
        self.assert_unchanged(before, "billion laughs")

        # Same in a volume document.
        vdoc = ("<?xml version='1.0'?>\n<!DOCTYPE volume [\n%s\n]>\n"
                "<volume>\n  <name>&lol9;</name>\n  <capacity>1024</capacity>\n</volume>\n"
                % "\n".join(lols))
        vpath = self.write_file("vlaughs.xml", vdoc)
        res = self.ctl("vol-create", "good", vpath, preexec_fn=_limit_memory, timeout=60)
        self.assert_error(res, 1)
        self.assert_unchanged(before, "billion laughs (volume)")

    def xxe_doc(self, name_text, path_text):
        return ("<?xml version='1.0'?>\n"
                "<!DOCTYPE pool [\n  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n"
                "<pool type='dir'>\n  <name>%s</name>\n"
                "  <target><path>%s</path></target>\n</pool>\n" % (name_text, path_text))

    def assert_no_passwd_anywhere(self, res):
        self.assertNotIn(PASSWD_MARK, res.stdout + res.stderr)
        for dirpath, _, files in os.walk(self.root):
            for name in files:
                with open(os.path.join(dirpath, name), "rb") as f:
                    self.assertNotIn(PASSWD_MARK.encode(), f.read(),
                                     "passwd content stored in %s" % name)

    def test_external_entity(self):
        cases = {
            "in-name": self.xxe_doc("&xxe;", self.path("xxe")),
            "in-path": self.xxe_doc("xxepool", "/tmp/&xxe;"),
        }
        for label, doc in cases.items():
            with self.subTest(label):
                path = self.write_file("xxe-%s.xml" % label, doc)
                res = self.refused_unchanged(["pool-define", path], 1)
                self.assert_no_passwd_anywhere(res)
                res = self.ctl("pool-create", path)
                self.assert_error(res, 1)
                self.assert_no_passwd_anywhere(res)
        # A volume document with an external entity.
        vdoc = ("<?xml version='1.0'?>\n<!DOCTYPE volume [\n"
                "  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n"
                "<volume>\n  <name>&xxe;</name>\n  <capacity>1024</capacity>\n</volume>\n")
        vpath = self.write_file("vxxe.xml", vdoc)
        res = self.refused_unchanged(["vol-create", "good", vpath], 1)
        self.assert_no_passwd_anywhere(res)
        self.assertNotIn(PASSWD_MARK, self.ok("vol-list", "good"))

    def test_xinclude_not_processed(self):
        doc = ("<pool type='dir' xmlns:xi='http://www.w3.org/2001/XInclude'>\n"
               "  <name>xinc</name>\n"
               "  <source><vendor name='v'/><xi:include href='/etc/passwd' parse='text'/>"
               "</source>\n"
               "  <target><path>%s</path></target>\n</pool>\n" % self.path("xinc"))
        path = self.write_file("xinc.xml", doc)
        res = self.ctl("pool-define", path)
        self.assert_no_passwd_anywhere(res)
        if res.returncode == 0:
            self.assertNotIn(PASSWD_MARK, self.ok("pool-dumpxml", "xinc"))

    def test_unknown_pool_type(self):
        doc = provtest.pool_xml("weird", self.path("weird"), ptype="bogus")
        path = self.write_file("bogus.xml", doc)
        self.refused_unchanged(["pool-define", path], 1, "bogus")
        self.refused_unchanged(["pool-define-as", "weird", "bogus", "--target",
                                self.path("weird")], (1, 2), "bogus")
        self.assertNotIn("weird", self.pool_list())

    def test_bad_volume_group_names(self):
        """A logical pool whose VG name LVM would refuse is never stored (checked at
        define, before any LVM tool runs; this host needs no LVM for it)."""
        for vg, needle in (("a/b", "must not contain '/'"), ("-x", "must not start with '-'"),
                           ("..", "not allowed"), ("sp ace", "characters LVM")):
            with self.subTest(vg=vg):
                doc = ("<pool type='logical'><name>lv1</name><source><name>%s</name>"
                       "</source></pool>" % xml_escape(vg))
                path = self.write_file("lv.xml", doc)
                self.refused_unchanged(["pool-define", path], 1, "'%s'" % vg, needle)
                self.assertNotIn("lv1", self.pool_list())

    def test_bad_pool_names_in_xml(self):
        cases = {
            "slash": ("a/b", "a/b"),
            "dotdot": ("..", ".."),
            "dot": (".", "."),
            "leading-dash": ("-x", "-x"),
            "newline": ("a&#10;b", None),
            "control": ("a&#9;b", None),
            "empty": ("", None),
        }
        for label, (xml_name, shown) in cases.items():
            with self.subTest(label):
                doc = provtest.pool_xml(xml_name, self.path("named-" + label))
                path = self.write_file("name-%s.xml" % label, doc)
                needles = ("'%s'" % shown,) if shown else ()
                res = self.refused_unchanged(["pool-define", path], 1, *needles)
                self.assertIn("name", res.stderr)
                self.refused_unchanged(["pool-create", path], 1, *needles)
        self.assertEqual(sorted(self.pool_list()), ["good"])

    def test_bad_pool_names_on_command_line(self):
        for name in ("a/b", "..", "bad\nname"):
            with self.subTest(name=name):
                self.refused_unchanged(["pool-define-as", name, "dir", "--target",
                                        self.path("cli")], 1, "name")
        # A leading '-' can only reach the name after '--'; it must still be refused.
        before = self.snapshot()
        res = self.ctl("pool-define-as", "--target", self.path("cli"), "--", "-x", "dir")
        self.assert_error(res, (1, 2))
        self.assert_unchanged(before, "pool-define-as -- -x")
        self.assertEqual(sorted(self.pool_list()), ["good"])

    def test_bad_volume_names(self):
        parent_escape = os.path.join(os.path.dirname(self.target), "x")
        for name in ("../x", "a/b", "..", ".", "bad\nvol"):
            with self.subTest(name=name):
                needles = ("name",) if "\n" in name else ("name", name)
                self.refused_unchanged(["vol-create-as", "good", name, "1M"], 1, *needles)
        self.assertFalse(os.path.exists(parent_escape))
        doc = provtest.vol_xml("../escape.img", MIB)
        path = self.write_file("esc.xml", doc)
        self.refused_unchanged(["vol-create", "good", path], 1, "../escape.img")
        self.assertFalse(os.path.exists(os.path.join(os.path.dirname(self.target),
                                                     "escape.img")))
        for name in ("-v.img", "..", "a/b"):
            with self.subTest(xml_name=name):
                path = self.write_file("vname.xml", provtest.vol_xml(name, MIB))
                self.refused_unchanged(["vol-create", "good", path], 1, "'%s'" % name)
        self.assertEqual(self.vol_names("good"), ["keep.img"])
        # A clone must not escape either.
        self.refused_unchanged(["vol-clone", "keep.img", "../clone.img", "--pool", "good"], 1,
                               "../clone.img")

    def test_symlink_out_of_pool(self):
        secret = os.path.join(self.outside, "secret.img")
        link = os.path.join(self.target, "sec.img")
        os.symlink(secret, link)
        self.ok("pool-refresh", "good")
        content = provtest.read_bytes(secret)
        # Creating a volume over the link must not write through it.
        res = self.refused_unchanged(["vol-create-as", "good", "sec.img", "1M"], 1, "sec.img")
        self.assertEqual(provtest.read_bytes(secret), content)
        # Deleting the "volume" may remove the link, never the file outside.
        self.ctl("vol-delete", "sec.img", "--pool", "good")
        self.assertTrue(os.path.isfile(secret), "vol-delete followed a symlink out of the pool")
        self.assertEqual(provtest.read_bytes(secret), content)

    def test_dangling_symlink_out_of_pool(self):
        victim = os.path.join(self.outside, "created-through-link.img")
        link = os.path.join(self.target, "dang.img")
        os.symlink(victim, link)
        res = self.ctl("vol-create-as", "good", "dang.img", "1M")
        self.assertFalse(os.path.lexists(victim),
                         "vol-create-as wrote through a symlink out of the pool\n"
                         + self.describe(res))
        if res.returncode == 0:
            self.assertFalse(os.path.islink(link), "volume created but still a symlink")
        else:
            self.assert_error(res, 1, "dang.img")
            self.assertTrue(os.path.islink(link), "a refused create removed the symlink")

    def test_bad_capacity(self):
        # docs/provctl.md: a malformed size on the command line is a usage error (2).
        for cap in ("-1", "9223372036854775808", "18446744073709551616", "10XB", "abc",
                    "1.5G", "1.5.G"):
            with self.subTest(capacity=cap):
                self.refused_unchanged(["vol-create-as", "good", "c.img", cap], 2,
                                       "'%s'" % cap)
        self.refused_unchanged(["vol-create-as", "good", "c.img", ""], 2)
        self.refused_unchanged(["vol-create-as", "good", "c.img", "1M", "--allocation", "-5"],
                               2, "-5")
        self.refused_unchanged(["vol-resize", "keep.img", "-1", "--pool", "good"], 2, "-1")
        self.refused_unchanged(["vol-resize", "keep.img", "10XB", "--pool", "good"], 2,
                               "10XB")
        # In a document the same mistakes are operation failures (1), named.
        doc = "<volume><name>c.img</name><capacity unit='XB'>10</capacity></volume>"
        path = self.write_file("cap.xml", doc)
        self.refused_unchanged(["vol-create", "good", path], 1, "XB")
        doc = "<volume><name>c.img</name><capacity>-1</capacity></volume>"
        path = self.write_file("cap2.xml", doc)
        self.refused_unchanged(["vol-create", "good", path], 1, "-1")
        doc = "<volume><name>c.img</name><capacity>9223372036854775808</capacity></volume>"
        path = self.write_file("cap3.xml", doc)
        self.refused_unchanged(["vol-create", "good", path], 1, "c.img")

    def test_unknown_format(self):
        self.refused_unchanged(["vol-create-as", "good", "f.img", "1M", "--format", "foo"],
                               1, "foo")
        doc = provtest.vol_xml("f.img", MIB, fmt="foo")
        path = self.write_file("fmt.xml", doc)
        self.refused_unchanged(["vol-create", "good", path], 1, "foo")
        self.refused_unchanged(["vol-wipe", "keep.img", "--pool", "good", "--algorithm",
                                "nosuchalg"], 2, "nosuchalg")

    def test_bad_volume_options(self):
        # A backing volume that does not exist.
        self.refused_unchanged(["vol-create-as", "good", "o.qcow2", "1G", "--format", "qcow2",
                                "--backing-vol", "nosuch.qcow2", "--backing-vol-format",
                                "qcow2"], 1, "nosuch.qcow2")
        # libvirt refuses a backing store for raw volumes.
        self.refused_unchanged(["vol-create-as", "good", "o.img", "1G", "--format", "raw",
                                "--backing-vol", "keep.img", "--backing-vol-format", "raw"],
                               1, "o.img")
        # Metadata preallocation exists only for qcow2 (raw ignores it, by design).
        self.refused_unchanged(["vol-create-as", "good", "o.qed", "1M", "--format", "qed",
                                "--prealloc-metadata"], 1, "o.qed")
        # Malformed volume documents.
        for label, doc in (("unclosed", "<volume><name>v.img</name><capacity>1"),
                           ("no-name", "<volume><capacity>1024</capacity></volume>"),
                           ("no-capacity", "<volume><name>v.img</name></volume>"),
                           ("pool-doc", provtest.pool_xml("p", "/tmp/p"))):
            with self.subTest(label):
                path = self.write_file("bad-vol.xml", doc)
                self.refused_unchanged(["vol-create", "good", path], 1)
        self.assertEqual(self.vol_names("good"), ["keep.img"])

    def test_target_is_regular_file(self):
        plain = self.path("plainfile")
        with open(plain, "w") as f:
            f.write("not a directory\n")
        self.ok("pool-define-as", "filepool", "dir", "--target", plain)
        self.refused_unchanged(["pool-build", "filepool"], 1, plain)
        self.refused_unchanged(["pool-start", "filepool"], 1, plain)
        self.assertEqual(provtest.read_bytes(plain).decode(), "not a directory\n")
        self.assertEqual(self.pool_state("filepool"), "inactive")

    def test_start_missing_target(self):
        missing = self.path("never-built")
        self.ok("pool-define-as", "unbuilt", "dir", "--target", missing)
        self.refused_unchanged(["pool-start", "unbuilt"], 1, missing)
        self.assertEqual(self.pool_state("unbuilt"), "inactive")

    def test_pool_defined_twice(self):
        uuid_good = self.ok_json("pool-info", "good")["uuid"]
        # Same name, different UUID (none given means a new one).
        doc = provtest.pool_xml("good", self.path("elsewhere"))
        path = self.write_file("same-name.xml", doc)
        self.refused_unchanged(["pool-define", path], 1, "good")
        self.refused_unchanged(["pool-define-as", "good", "dir", "--target",
                                self.path("elsewhere")], 1, "good")
        # Same UUID, different name.
        doc = provtest.pool_xml("twin", self.path("twin"), uuid=uuid_good)
        path = self.write_file("same-uuid.xml", doc)
        self.refused_unchanged(["pool-define", path], 1, uuid_good)
        # Same target path as 'good': a source conflict naming the other pool.
        doc = provtest.pool_xml("copycat", self.target)
        path = self.write_file("same-target.xml", doc)
        res = self.refused_unchanged(["pool-define", path], 1, "'good'")
        self.assertIn("conflict", res.stderr.lower())
        self.refused_unchanged(["pool-create", path], 1, "'good'")
        self.assertEqual(sorted(self.pool_list()), ["good"])

    def test_start_active_pool(self):
        res = self.refused_unchanged(["pool-start", "good"], 1, "good")
        self.assertIn("active", res.stderr)
        self.refused_unchanged(["pool-build", "good"], 1, "good")
        self.refused_unchanged(["pool-undefine", "good"], 1, "good")
        self.refused_unchanged(["pool-delete", "good"], 1, "good")
        self.assertEqual(self.pool_state("good"), "running")

    def test_transient_pool_limits(self):
        target = self.path("trans")
        os.mkdir(target)
        path = self.write_file("t.xml", provtest.pool_xml("trans", target))
        self.ok("pool-create", path)
        # Autostart and undefine need a persistent definition.
        self.refused_unchanged(["pool-autostart", "trans"], 1, "trans")
        self.refused_unchanged(["pool-undefine", "trans"], 1, "trans")
        self.assertFalse(os.path.lexists(self.autostart_path("trans")))
        self.assertEqual(self.pool_state("trans"), "running")

    def test_pool_delete_not_empty(self):
        self.ok("pool-destroy", "good")
        self.refused_unchanged(["pool-delete", "good"], 1, self.target)
        self.assertTrue(os.path.isfile(os.path.join(self.target, "keep.img")))

    def test_existing_volume_name(self):
        res = self.refused_unchanged(["vol-create-as", "good", "keep.img", "1M"], 1, "keep.img")
        self.assertIn("exists", res.stderr)
        self.refused_unchanged(["vol-create-as", "good", "keep.img", "1G", "--format",
                                "qcow2"], 1, "keep.img")
        self.refused_unchanged(["vol-clone", "keep.img", "keep.img", "--pool", "good"], 1,
                               "keep.img")
        # A file nobody created through provctl also counts.
        with open(os.path.join(self.target, "stray.img"), "wb") as f:
            f.write(b"stray")
        self.refused_unchanged(["vol-create-as", "good", "stray.img", "1M"], 1, "stray.img")

    def test_upload_download_bad_files(self):
        missing = self.path("no-such-input")
        self.refused_unchanged(["vol-upload", "keep.img", missing, "--pool", "good"], 1,
                               missing)
        # The volume is looked up before the output file is touched.
        out = os.path.join(self.outside, "out.bin")
        self.refused_unchanged(["vol-download", "nosuch.img", out, "--pool", "good"], 1,
                               "nosuch.img")
        self.assertFalse(os.path.exists(out))
        # An output file that cannot be created is named.
        bad_out = self.path("no-such-dir", "out.bin")
        self.refused_unchanged(["vol-download", "keep.img", bad_out, "--pool", "good"], 1,
                               bad_out)

    def test_unknown_objects(self):
        self.refused_unchanged(["pool-undefine", "nosuch"], 1, "nosuch")
        self.refused_unchanged(["pool-start", "nosuch"], 1, "nosuch")
        self.refused_unchanged(["pool-info", "nosuch"], 1, "nosuch")
        self.refused_unchanged(["pool-destroy", "nosuch"], 1, "nosuch")
        self.refused_unchanged(["vol-list", "nosuch"], 1, "nosuch")
        self.refused_unchanged(["vol-info", "nosuch.img", "--pool", "good"], 1, "nosuch.img")
        self.refused_unchanged(["vol-delete", "nosuch.img", "--pool", "good"], 1, "nosuch.img")
        self.refused_unchanged(["vol-create-as", "nosuch", "v.img", "1M"], 1, "nosuch")

    def test_usage_errors(self):
        before = self.snapshot()
        for args in (["no-such-command"], ["pool-define"], ["vol-create-as", "good"],
                     ["pool-list", "--no-such-option"], ["vol-create-as", "good", "v.img"],
                     ["vol-info"], ["pool-define-as", "x"]):
            with self.subTest(args=args):
                res = self.ctl(*args)
                self.assertEqual(res.returncode, 2, "usage error must exit 2\n"
                                 + self.describe(res))
                self.assertTrue(res.stderr.strip(), "usage error prints nothing")
        self.assert_unchanged(before, "usage errors")

    def test_inactive_pool_volume_ops(self):
        self.ok("pool-destroy", "good")
        self.refused_unchanged(["vol-create-as", "good", "v.img", "1M"], 1, "good")
        self.refused_unchanged(["vol-delete", "keep.img", "--pool", "good"], 1, "good")
        self.assertTrue(os.path.isfile(os.path.join(self.target, "keep.img")))

    # ---- busy volumes

    def test_delete_while_wipe_running(self):
        path = os.path.join(self.target, "big.img")
        # zero may be a single fallocate(ZERO_RANGE); scrub's random pass takes a while.
        for alg, size in (("zero", "3G"), ("random", "2G")):
            if not os.path.exists(path):
                self.ok("vol-create-as", "good", "big.img", size, "--allocation", size)
            proc = self.ctl_bg("vol-wipe", "big.img", "--pool", "good", "--algorithm", alg)
            if self.wait_for_open(proc, path):
                break
            _, err = proc.communicate(timeout=provtest.TIMEOUT)
            self.assertEqual(proc.returncode, 0, "vol-wipe --algorithm %s: %s" % (alg, err))
            os.unlink(path)
        else:
            self.skipTest("every vol-wipe finished before it could be observed")
        res = self.ctl("vol-delete", "big.img", "--pool", "good")
        still_running = proc.poll() is None
        if res.returncode == 0 and not still_running:
            self.skipTest("vol-wipe finished while vol-delete ran; cannot tell")
        self.assert_error(res, 1, "big.img")
        self.assertRegex(res.stderr, r"(?i)in use|busy|being")
        self.assertTrue(os.path.isfile(path), "volume deleted while being wiped")
        _, err = proc.communicate(timeout=provtest.TIMEOUT)
        self.assertEqual(proc.returncode, 0, "vol-wipe failed: %s" % err)
        self.ok("vol-delete", "big.img", "--pool", "good")
        self.assertFalse(os.path.exists(path))

    def test_busy_while_download_blocked(self):
        self.ok("vol-create-as", "good", "dl.img", "8M")
        path = os.path.join(self.target, "dl.img")
        data = self.path("dl.bin")
        digest = provtest.write_holey_file(data, 8 * MIB, [(0, 8 * MIB)])
        self.ok("vol-upload", "dl.img", data, "--pool", "good")
        job = provtest.BlockedDownload(self, "good", "dl.img", path)
        for args in (["vol-delete", "dl.img", "--pool", "good"],
                     ["vol-wipe", "dl.img", "--pool", "good"],
                     ["vol-resize", "dl.img", "16M", "--pool", "good"]):
            with self.subTest(args=args):
                res = self.ctl(*args)
                self.assert_error(res, 1, "dl.img")
                self.assertRegex(res.stderr, r"(?i)in use|busy|being")
        self.assertEqual(provtest.sha256_file(path), digest, "busy volume was modified")
        # Drain the FIFO: the download completes with the whole content.
        rc, got = job.finish()
        self.assertEqual(rc, 0)
        self.assertEqual(got, digest)
        self.ok("vol-delete", "dl.img", "--pool", "good")
        self.assertFalse(os.path.exists(path))


if __name__ == "__main__":
    provtest.main()
