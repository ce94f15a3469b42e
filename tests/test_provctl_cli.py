# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_provctl_cli: provctl's command line: usage errors, exit codes, help and output formats.

The usage, help and --print-xml cases need no storage driver.  The output-format
cases run the real driver on a private --root with temp-dir pools; they skip (with
the reason) when the driver cannot even list pools there.
"""

import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import json
import os
import pty
import re
import subprocess
import tempfile
import threading
import unicodedata
import unittest
import xml.etree.ElementTree as ET

import provtest
from provtest import GIB, MIB, ProvTestCase

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
HUMAN_SIZE_RE = r"\d+\.\d\d (B|KiB|MiB|GiB|TiB|PiB|EiB)"


def display_width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def virsh_table(header, rows):
    """The table virsh's vshTable prints: cells left-aligned, separated by 3 blanks
    (one leading blank per cell), no padding after the last cell, and a dash line
    as wide as all columns plus 3 each."""
    widths = [max(display_width(r[i]) for r in [header] + rows) for i in range(len(header))]

    def line(cells):
        out = ""
        for i, cell in enumerate(cells):
            out += " " + cell
            if i < len(cells) - 1:
                out += " " * (widths[i] - display_width(cell) + 2)
        return out + "\n"

    return line(header) + "-" * sum(w + 3 for w in widths) + "\n" + "".join(map(line, rows))


class CliCase(ProvTestCase):
    """Runs provctl with a private root; helpers for exit codes and messages."""

    def run_ctl(self, *args, root=True, **kw):
        argv = [provtest.PROVCTL] + (["--root", self.root] if root else []) + list(args)
        return subprocess.run(argv, capture_output=True, text=True, timeout=provtest.TIMEOUT,
                              **kw)

    def usage_error(self, *args, needles=(), root=True):
        res = self.run_ctl(*args, root=root)
        self.assertEqual(res.returncode, EXIT_USAGE, "usage error must exit 2\n"
                         + self.describe(res))
        self.assertTrue(res.stderr.startswith("error: "), self.describe(res))
        for needle in needles:
            self.assertIn(needle, res.stderr, self.describe(res))
        self.assertEqual(res.stdout, "", "a usage error prints nothing on stdout\n"
                         + self.describe(res))
        return res


# ---- no driver needed ----------------------------------------------------------

class UsageErrors(CliCase):

    def test_no_command(self):
        res = self.usage_error(needles=("no command",))
        self.assertIn("Usage: provctl", res.stderr)

    def test_unknown_command(self):
        res = self.usage_error("no-such-command", needles=("unknown command: 'no-such-command'",))
        self.assertIn("provctl help", res.stderr)

    def test_unknown_global_option(self):
        self.usage_error("--bogus", "pool-list", root=False, needles=("'--bogus'",))

    def test_root_without_directory(self):
        self.usage_error("--root", root=False, needles=("--root",))
        self.usage_error("--root=", "pool-list", root=False, needles=("--root",))

    def test_unknown_option_prints_usage_hint(self):
        res = self.usage_error("pool-list", "--no-such-option",
                               needles=("command 'pool-list' doesn't support option "
                                        "--no-such-option",))
        self.assertIn("Usage: provctl pool-list [--inactive] [--all]", res.stderr)
        self.assertIn("provctl help pool-list", res.stderr)

    def test_missing_required(self):
        cases = [
            (["pool-define"], "<file>"),
            (["pool-start"], "<pool>"),
            (["pool-define-as", "x"], "<type>"),
            (["vol-create-as", "good"], "<name>"),
            (["vol-create-as", "good", "v.img"], "<capacity>"),
            (["vol-info"], "<vol>"),
            (["vol-clone", "a.img"], "<newname>"),
            (["vol-create-from", "p", "f.xml"], "<vol>"),
            (["find-storage-pool-sources"], "<type>"),
        ]
        for args, opt in cases:
            with self.subTest(args=args):
                res = self.usage_error(*args, needles=("requires %s option" % opt,))
                self.assertIn("Usage: provctl %s" % args[0], res.stderr)

    def test_extra_argument(self):
        self.usage_error("pool-info", "a", "b", needles=("unexpected data 'b'",))
        self.usage_error("pool-list", "dir", "extra", needles=("unexpected data 'extra'",))

    def test_missing_option_value(self):
        self.usage_error("vol-info", "v.img", "--pool", needles=("expected syntax: --pool",))

    def test_option_twice(self):
        self.usage_error("vol-info", "v.img", "--pool", "a", "--pool", "b",
                         needles=("option --pool already seen",))
        # A positional value fills the option, so naming it again is a repeat too.
        self.usage_error("vol-info", "v.img", "a", "--pool", "b",
                         needles=("option --pool already seen",))

    def test_value_for_bool(self):
        self.usage_error("pool-list", "--all=yes", needles=("invalid '=' after option --all",))

    def test_empty_value(self):
        self.usage_error("pool-info", "", needles=("'pool'",))
        self.usage_error("vol-info", "v.img", "--pool=", needles=("'pool'",))

    def test_exclusive_options(self):
        for args in (["pool-start", "p", "--overwrite", "--no-overwrite"],
                     ["pool-build", "p", "--overwrite", "--no-overwrite"],
                     ["pool-create", "f.xml", "--overwrite", "--no-overwrite"],
                     ["pool-list", "--all", "--inactive"],
                     ["pool-list", "--details", "--name"],
                     ["pool-define-as", "p", "iscsi", "--auth-type", "chap",
                      "--auth-username", "u", "--secret-usage", "s", "--secret-uuid",
                      "8a2e3c7d-4b5f-4e6a-9c1d-0f2e3a4b5c6d"]):
            with self.subTest(args=args):
                res = self.run_ctl(*args)
                self.assertEqual(res.returncode, EXIT_USAGE, self.describe(res))
                self.assertIn("mutually exclusive", res.stderr)

    def test_malformed_sizes(self):
        for cap in ("abc", "10XB", "-1", "1.5G", "9223372036854775808",
                    "18446744073709551616"):
            with self.subTest(capacity=cap):
                self.usage_error("vol-create-as", "p", "v.img", cap, "--print-xml",
                                 needles=("'%s'" % cap,))
        self.usage_error("vol-create-as", "p", "v.img", "1M", "--allocation", "-5",
                         needles=("'-5'",))
        self.usage_error("vol-upload", "v.img", "f", "--offset", "x1",
                         needles=("'x1'",))
        self.usage_error("vol-resize", "v.img", "10XB", needles=("'10XB'",))

    def test_negative_resize_needs_shrink(self):
        res = self.run_ctl("vol-resize", "v.img", "-1G", "--pool", "p")
        self.assertEqual(res.returncode, EXIT_USAGE, self.describe(res))
        self.assertIn("'-1G' requires --shrink", res.stderr)

    def test_bad_enum_values(self):
        res = self.run_ctl("vol-wipe", "v.img", "--pool", "p", "--algorithm", "nosuchalg")
        self.assertEqual(res.returncode, EXIT_USAGE, self.describe(res))
        self.assertIn("Unsupported algorithm 'nosuchalg'", res.stderr)
        res = self.run_ctl("pool-list", "--type", "dir,bogus")
        self.assertEqual(res.returncode, EXIT_USAGE, self.describe(res))
        self.assertIn("Invalid pool type 'bogus'", res.stderr)

    def test_half_given_auth_and_adapter(self):
        self.usage_error("pool-define-as", "p", "iscsi", "--auth-type", "chap",
                         "--print-xml", needles=("--auth-username",))
        self.usage_error("pool-define-as", "p", "scsi", "--adapter-wwnn", "20000000c9831b4b",
                         "--print-xml", needles=("--adapter-wwpn",))

    def test_usage_errors_touch_nothing(self):
        for args in (["pool-define"], ["pool-list", "--bogus"], ["vol-create-as", "p", "v", "x"]):
            self.run_ctl(*args)
        self.assertEqual(os.listdir(self.root), [], "a usage error created state files")


class Help(CliCase):

    def command_names(self):
        out = self.run_ctl("help").stdout
        names = re.findall(r"^    ([a-z][a-z-]+) {2,}\S", out, re.M)
        self.assertGreater(len(names), 30, out)
        return names

    def test_global_help(self):
        for args in (["help"], ["--help"], ["-h"]):
            with self.subTest(args=args):
                res = self.run_ctl(*args, root=False)
                self.assertEqual(res.returncode, EXIT_OK, self.describe(res))
                self.assertIn("Usage: provctl", res.stdout)
                self.assertIn(" Storage Pool (help keyword 'pool'):", res.stdout)
                self.assertIn(" Storage Volume (help keyword 'volume'):", res.stdout)
                for opt in ("--root DIR", "--json", "-q, --quiet", "-V, --version"):
                    self.assertIn(opt, res.stdout)
                # The exit codes are documented in the help itself.
                self.assertRegex(res.stdout, r"(?m)^Exit status:\n  0 .*\n  1 .*\n  2 .*usage")

    def test_every_command_is_listed_and_has_help(self):
        names = self.command_names()
        expected = {
            "pool-define", "pool-define-as", "pool-create", "pool-create-as", "pool-undefine",
            "pool-build", "pool-start", "pool-refresh", "pool-destroy", "pool-delete",
            "pool-autostart", "pool-info", "pool-dumpxml", "pool-list", "pool-name",
            "pool-uuid", "find-storage-pool-sources", "find-storage-pool-sources-as",
            "pool-capabilities", "vol-create", "vol-create-as", "vol-create-from", "vol-clone",
            "vol-delete", "vol-wipe", "vol-resize", "vol-upload", "vol-download", "vol-info",
            "vol-dumpxml", "vol-list", "vol-path", "vol-key", "vol-name", "vol-pool",
            "secret-define", "secret-undefine", "secret-list", "secret-dumpxml",
            "secret-set-value", "secret-get-value", "autostart", "help", "version",
            "net-autostart", "net-create", "net-define", "net-destroy", "net-dhcp-leases",
            "net-dumpxml", "net-info", "net-list", "net-name", "net-port-create",
            "net-port-delete", "net-port-dumpxml", "net-port-list", "net-start",
            "net-undefine", "net-update", "net-uuid",
        }
        self.assertEqual(set(names), expected)
        for name in names:
            with self.subTest(command=name):
                res = self.run_ctl("help", name)
                self.assertEqual(res.returncode, EXIT_OK, self.describe(res))
                self.assertRegex(res.stdout, r"^  NAME\n    %s - \S" % re.escape(name))
                self.assertIn("\n  SYNOPSIS\n    %s" % name, res.stdout)
                # COMMAND --help is the same text.
                res2 = self.run_ctl(name, "--help")
                self.assertEqual(res2.returncode, EXIT_OK, self.describe(res2))
                self.assertEqual(res2.stdout, res.stdout)

    def test_command_help_layout(self):
        out = self.run_ctl("help", "vol-info").stdout
        self.assertIn("  SYNOPSIS\n    vol-info <vol> [--pool <string>] [--bytes] [--physical]"
                      " [--json]\n", out)
        self.assertIn("  DESCRIPTION\n", out)
        self.assertRegex(out, r"(?m)^  OPTIONS\n    \[--vol\] <string>  \S")
        self.assertRegex(out, r"(?m)^    --pool <string>  \S")
        self.assertRegex(out, r"(?m)^    --bytes {10}\S")
        out = self.run_ctl("help", "vol-create-as").stdout
        self.assertIn("[--capacity] <size>", out)
        self.assertIn("--allocation <size>", out)

    def test_help_wins_over_other_mistakes(self):
        res = self.run_ctl("pool-list", "--bogus", "--help")
        self.assertEqual(res.returncode, EXIT_OK, self.describe(res))
        self.assertIn("pool-list - ", res.stdout)

    def test_help_group_and_unknown_topic(self):
        res = self.run_ctl("help", "volume")
        self.assertEqual(res.returncode, EXIT_OK)
        self.assertTrue(res.stdout.startswith(" Storage Volume (help keyword 'volume'):\n"))
        self.assertIn("    vol-wipe ", res.stdout)
        self.assertNotIn("pool-list", res.stdout)
        res = self.run_ctl("help", "no-such-thing")
        self.assertEqual(res.returncode, EXIT_USAGE, self.describe(res))
        self.assertIn("'no-such-thing'", res.stderr)

    def test_version(self):
        for args in (["version"], ["--version"], ["-V"]):
            with self.subTest(args=args):
                res = self.run_ctl(*args, root=False)
                self.assertEqual(res.returncode, EXIT_OK, self.describe(res))
                self.assertRegex(res.stdout, r"^provctl \d+\.\d+\.\d+\n")


class PrintXml(CliCase):
    """--print-xml builds the documents virsh builds, without touching the driver."""

    def print_xml(self, *args):
        res = self.run_ctl(*args, "--print-xml")
        self.assertEqual(res.returncode, EXIT_OK, self.describe(res))
        self.assertEqual(res.stderr, "")
        self.assertTrue(res.stdout.endswith("\n\n"), "virsh's blank line after the output")
        self.assertEqual(os.listdir(self.root), [], "--print-xml wrote state")
        return res.stdout[:-1]

    def test_pool_define_as_netfs(self):
        out = self.print_xml("pool-define-as", "p1", "netfs", "--source-host",
                             "nfs.example.org", "--source-path", "/export", "--target",
                             "/mnt/p1", "--source-format", "nfs")
        self.assertEqual(out, "<pool type='netfs'>\n"
                              "  <name>p1</name>\n"
                              "  <source>\n"
                              "    <host name='nfs.example.org'/>\n"
                              "    <dir path='/export'/>\n"
                              "    <format type='nfs'/>\n"
                              "  </source>\n"
                              "  <target>\n"
                              "    <path>/mnt/p1</path>\n"
                              "  </target>\n"
                              "</pool>\n")

    def test_pool_create_as_iscsi_auth(self):
        out = self.print_xml("pool-create-as", "iscsi1", "iscsi",
                             "--source-host", "192.168.122.2",
                             "--source-dev", "iqn.2004-04.fedora:fedora13:iscsi.kvmguests",
                             "--target", "/dev/disk/by-path",
                             "--auth-type", "chap", "--auth-username", "admin",
                             "--secret-usage", "libvirtiscsi",
                             "--source-initiator", "iqn.2024-01.org.example:host1")
        self.assertEqual(out, "<pool type='iscsi'>\n"
                              "  <name>iscsi1</name>\n"
                              "  <source>\n"
                              "    <host name='192.168.122.2'/>\n"
                              "    <device path='iqn.2004-04.fedora:fedora13:iscsi.kvmguests'/>\n"
                              "    <initiator>\n"
                              "      <iqn name='iqn.2024-01.org.example:host1'/>\n"
                              "    </initiator>\n"
                              "    <auth type='chap' username='admin'>\n"
                              "      <secret usage='libvirtiscsi'/>\n"
                              "    </auth>\n"
                              "  </source>\n"
                              "  <target>\n"
                              "    <path>/dev/disk/by-path</path>\n"
                              "  </target>\n"
                              "</pool>\n")

    def test_pool_define_as_positional(self):
        # virsh's old idiom: '-' skips source-host, source-path, source-dev, source-name.
        out = self.print_xml("pool-define-as", "guest", "dir", "-", "-", "-", "-",
                             "/guest_images")
        self.assertEqual(out, "<pool type='dir'>\n  <name>guest</name>\n  <target>\n"
                              "    <path>/guest_images</path>\n  </target>\n</pool>\n")
        out = self.print_xml("pool-define-as", "--type", "logical", "--name", "vg",
                             "--source-name", "vg0", "--source-dev", "/dev/sdb")
        self.assertIn("<pool type='logical'>\n  <name>vg</name>\n  <source>\n"
                      "    <device path='/dev/sdb'/>\n    <name>vg0</name>\n  </source>\n", out)

    def test_pool_adapters(self):
        out = self.print_xml("pool-define-as", "fc", "scsi", "--adapter-wwnn", "20000000c9831b4b",
                             "--adapter-wwpn", "10000000c9831b4b", "--adapter-parent", "scsi_host3",
                             "--target", "/dev/disk/by-path")
        self.assertIn("    <adapter type='fc_host' parent='scsi_host3' wwnn='20000000c9831b4b'"
                      " wwpn='10000000c9831b4b'/>\n", out)
        out = self.print_xml("pool-define-as", "sh", "scsi", "--adapter-name", "host0")
        self.assertIn("    <adapter type='scsi_host' name='host0'/>\n", out)

    def test_values_are_escaped(self):
        name = "a'b<c&d\"e"
        out = self.print_xml("pool-define-as", name, "dir", "--target", "/srv/x&y")
        tree = ET.fromstring(out)
        self.assertEqual(tree.findtext("name"), name)
        self.assertEqual(tree.findtext("target/path"), "/srv/x&y")
        self.assertIn("&amp;", out)
        self.assertNotIn("<c", out)

    def test_vol_create_as(self):
        out = self.print_xml("vol-create-as", "images", "d.qcow2", "10G", "--allocation", "1M",
                             "--format", "qcow2")
        self.assertEqual(out, "<volume>\n"
                              "  <name>d.qcow2</name>\n"
                              "  <capacity>10737418240</capacity>\n"
                              "  <allocation>1048576</allocation>\n"
                              "  <target>\n"
                              "    <format type='qcow2'/>\n"
                              "  </target>\n"
                              "</volume>\n")
        # A bare number is bytes; allocation stays out unless given.
        out = self.print_xml("vol-create-as", "images", "r.img", "4096")
        self.assertEqual(out, "<volume>\n  <name>r.img</name>\n  <capacity>4096</capacity>\n"
                              "</volume>\n")


# ---- with the storage driver ---------------------------------------------------

_DRIVER_PROBLEM = []


def driver_problem():
    """None when provctl can list pools on a fresh root, else why not (cached)."""
    if not _DRIVER_PROBLEM:
        root = tempfile.mkdtemp(prefix="provtest-cli-probe-")
        try:
            res = subprocess.run([provtest.PROVCTL, "--root", root, "pool-list", "--all"],
                                 capture_output=True, text=True, timeout=provtest.TIMEOUT)
            _DRIVER_PROBLEM.append(None if res.returncode == 0 else
                                   "provctl pool-list fails on an empty root: %s"
                                   % res.stderr.strip())
        finally:
            subprocess.run(["rm", "-rf", root])
    return _DRIVER_PROBLEM[0]


class DriverCase(CliCase):

    def setUp(self):
        problem = driver_problem()
        if problem:
            self.skipTest(problem)
        super().setUp()

    def out(self, *args):
        res = self.run_ctl(*args)
        self.assertEqual(res.returncode, EXIT_OK, self.describe(res))
        return res.stdout

    def failed(self, *args):
        res = self.run_ctl(*args)
        self.assertEqual(res.returncode, EXIT_FAILED, self.describe(res))
        lines = res.stderr.splitlines()
        self.assertTrue(lines and all(l.startswith("error: ") for l in lines),
                        "every stderr line is an 'error: ' line\n" + self.describe(res))
        return res


class PoolOutput(DriverCase):

    def test_lifecycle_messages(self):
        target = self.path("pool-images")
        self.assertEqual(self.out("pool-define-as", "images", "dir", "--target", target),
                         "Pool images defined\n\n")
        self.assertEqual(self.out("pool-build", "images"), "Pool images built\n\n")
        self.assertEqual(self.out("pool-start", "images"), "Pool images started\n\n")
        self.assertEqual(self.out("pool-refresh", "images"), "Pool images refreshed\n\n")
        self.assertEqual(self.out("pool-autostart", "images"),
                         "Pool images marked as autostarted\n\n")
        self.assertEqual(self.out("pool-autostart", "images", "--disable"),
                         "Pool images unmarked as autostarted\n\n")
        self.assertEqual(self.out("pool-destroy", "images"), "Pool images destroyed\n\n")
        self.assertEqual(self.out("pool-delete", "images"), "Pool images deleted\n\n")
        self.assertEqual(self.out("pool-undefine", "images"),
                         "Pool images has been undefined\n\n")
        xmlfile = self.write_file("p.xml", provtest.pool_xml("fromfile", self.path("ff")))
        self.assertEqual(self.out("pool-define", xmlfile),
                         "Pool fromfile defined from %s\n\n" % xmlfile)
        os.mkdir(self.path("tt"))
        xmlfile = self.write_file("t.xml", provtest.pool_xml("trans", self.path("tt")))
        self.assertEqual(self.out("pool-create", xmlfile),
                         "Pool trans created from %s\n\n" % xmlfile)

    def test_quiet(self):
        target = self.path("pool-images")
        self.assertEqual(self.out("-q", "pool-define-as", "images", "dir", "--target", target),
                         "")
        self.assertEqual(self.out("-q", "pool-build", "images"), "")
        self.assertEqual(self.out("-q", "pool-start", "images"), "")
        # No header and no trailing blank line; widths come from the rows alone.
        self.assertEqual(self.out("-q", "pool-list"), " images   active   no\n")

    def test_pool_list_tables(self):
        self.make_dir_pool("images")
        self.make_dir_pool("other", start=False)
        self.assertEqual(self.out("pool-list"),
                         " Name     State    Autostart\n"
                         "------------------------------\n"
                         " images   active   no\n\n")
        self.assertEqual(self.out("pool-list", "--all"),
                         virsh_table(["Name", "State", "Autostart"],
                                     [["images", "active", "no"],
                                      ["other", "inactive", "no"]]) + "\n")
        self.assertEqual(self.out("pool-list", "--inactive"),
                         virsh_table(["Name", "State", "Autostart"],
                                     [["other", "inactive", "no"]]) + "\n")

        out = self.out("pool-list", "--all", "--details")
        lines = out.splitlines()
        self.assertRegex(lines[0], r"^ Name +State +Autostart +Persistent +Capacity +Allocation"
                                   r" +Available$")
        self.assertEqual(set(lines[1]), {"-"})
        self.assertRegex(lines[2], r"^ images +running +no +yes +%s +%s +%s$"
                         % (HUMAN_SIZE_RE, HUMAN_SIZE_RE, HUMAN_SIZE_RE))
        self.assertRegex(lines[3], r"^ other +inactive +no +yes +- +- +-$")
        # Every row starts its columns where the header does.
        for col in ("State", "Autostart", "Persistent", "Capacity"):
            start = lines[0].index(" " + col) + 1
            for row in lines[2:4]:
                self.assertEqual(row[start - 3:start - 1], "  ", (col, row))
                self.assertNotEqual(row[start], " ", (col, row))
        # The dash line spans every column plus three: up to where the last column
        # starts, then that column's widest cell and three more.
        last = lines[0].index(" Available") + 1
        widest_last = max(len(l) - last for l in lines[:1] + lines[2:4])
        self.assertEqual(len(lines[1]), last - 1 + widest_last + 3, out)

    def test_pool_list_filters(self):
        self.make_dir_pool("images", autostart=True)
        self.make_dir_pool("other", start=False)
        names = lambda out: [r[0] for r in provtest.parse_table(out)]
        self.assertEqual(names(self.out("pool-list", "--all", "--autostart")), ["images"])
        self.assertEqual(names(self.out("pool-list", "--all", "--no-autostart")), ["other"])
        self.assertEqual(names(self.out("pool-list", "--all", "--persistent")),
                         ["images", "other"])
        self.assertEqual(names(self.out("pool-list", "--all", "--transient")), [])
        self.assertEqual(names(self.out("pool-list", "--all", "--type", "fs,netfs")), [])
        self.assertEqual(names(self.out("pool-list", "--all", "--type", "dir")),
                         ["images", "other"])

    def test_pool_list_name_uuid(self):
        self.make_dir_pool("images")
        uuid = self.ok_json("pool-info", "images")["uuid"]
        # virsh pads these columns: "%-36s" for the UUID, "%-20s" for the name.
        self.assertEqual(self.out("pool-list", "--name"), "images" + " " * 14 + "\n\n")
        self.assertEqual(self.out("pool-list", "--uuid"), uuid + "\n\n")
        self.assertEqual(self.out("pool-list", "--uuid", "--name"),
                         "%s images%s\n\n" % (uuid, " " * 14))

    def test_pool_list_sorted_case_insensitively(self):
        for name in ("beta", "Alpha", "gamma"):
            self.make_dir_pool(name, start=False)
        rows = provtest.parse_table(self.out("pool-list", "--all"))
        self.assertEqual([r[0] for r in rows], ["Alpha", "beta", "gamma"])

    def test_pool_list_json(self):
        self.make_dir_pool("images", autostart=True)
        self.make_dir_pool("other", start=False)
        res = self.run_ctl("--json", "pool-list", "--all")
        self.assertEqual(res.returncode, EXIT_OK)
        self.assertFalse(res.stdout.endswith("\n\n"), "JSON output has no virsh blank line")
        data = json.loads(res.stdout)
        self.assertEqual([p["name"] for p in data], ["images", "other"])
        keys = ["name", "uuid", "state", "autostart", "persistent", "type", "capacity",
                "allocation", "available"]
        types = [str, str, str, bool, bool, str, int, int, int]
        for pool in data:
            self.assertEqual(list(pool), keys)
            for key, typ in zip(keys, types):
                self.assertIsInstance(pool[key], typ, (key, pool))
            self.assertRegex(pool["uuid"], UUID_RE)
        self.assertEqual(data[0]["state"], "running")
        self.assertIs(data[0]["autostart"], True)
        self.assertEqual(data[1]["state"], "inactive")
        self.assertGreater(data[0]["capacity"], 0)
        # --json also works after the command, and the table options do not matter.
        # (Sizes of a running pool move with the host's file system: leave them out.)
        def stable(pools):
            return [(p["name"], p["uuid"], p["state"], p["capacity"]) for p in pools]

        self.assertEqual(stable(json.loads(self.out("pool-list", "--all", "--details",
                                                    "--json"))), stable(data))
        self.assertEqual(stable(json.loads(self.out("pool-list", "--json"))), stable(data[:1]))

    def test_pool_info(self):
        self.make_dir_pool("images")
        out = self.out("pool-info", "images")
        lines = out.splitlines()
        self.assertEqual([l[:16] for l in lines[:8]],
                         ["Name:           ", "UUID:           ", "State:          ",
                          "Persistent:     ", "Autostart:      ", "Capacity:       ",
                          "Allocation:     ", "Available:      "])
        self.assertEqual(lines[0], "Name:           images")
        self.assertRegex(lines[1], r"^UUID:           %s$" % UUID_RE)
        self.assertEqual(lines[2], "State:          running")
        self.assertRegex(lines[5], r"^Capacity:       %s$" % HUMAN_SIZE_RE)
        self.assertEqual(out[-2:], "\n\n")
        data = self.ok_json("pool-info", "images")
        out = self.out("pool-info", "images", "--bytes")
        self.assertIn("Capacity:       %d\n" % data["capacity"], out)
        self.assertEqual(list(data), ["name", "uuid", "state", "autostart", "persistent",
                                      "type", "capacity", "allocation", "available"])
        # An inactive pool shows no sizes, as virsh.
        self.ok("pool-destroy", "images")
        out = self.out("pool-info", "images")
        self.assertIn("State:          inactive\n", out)
        self.assertNotIn("Capacity:", out)

    def test_pool_name_uuid(self):
        self.make_dir_pool("images")
        uuid = self.ok_json("pool-info", "images")["uuid"]
        self.assertEqual(self.out("pool-uuid", "images"), uuid + "\n\n")
        self.assertEqual(self.out("pool-name", uuid), "images\n\n")
        # pool-name wants a UUID and pool-uuid a name, as in virsh.
        self.failed("pool-name", "images")
        res = self.failed("pool-uuid", uuid)
        self.assertIn("failed to get pool '%s'" % uuid, res.stderr)

    def test_pool_dumpxml(self):
        target = self.make_dir_pool("images")
        out = self.out("pool-dumpxml", "images")
        self.assertTrue(out.endswith("</pool>\n\n"), out)
        tree = ET.fromstring(out)
        self.assertEqual(tree.findtext("target/path"), target)
        tree = ET.fromstring(self.out("pool-dumpxml", "--inactive", "images"))
        self.assertEqual(tree.findtext("name"), "images")

    def test_errors_name_the_pool(self):
        res = self.failed("pool-start", "nosuch")
        lines = res.stderr.splitlines()
        self.assertEqual(lines[0], "error: failed to get pool 'nosuch'")
        self.assertGreaterEqual(len(lines), 2, "the driver's detail follows")
        self.assertEqual(res.stdout, "\n", "virsh prints its blank line after a failure too")
        self.make_dir_pool("images")
        res = self.failed("pool-start", "images")
        self.assertTrue(res.stderr.startswith("error: Failed to start pool images\nerror: "),
                        res.stderr)
        res = self.failed("pool-define", self.path("no-such.xml"))
        self.assertIn("no-such.xml", res.stderr)

    def test_autostart_command(self):
        self.make_dir_pool("images", start=False, autostart=True)
        self.make_dir_pool("manual", start=False)
        self.assertEqual(self.out("autostart"), "\n")
        pools = self.pool_list()
        self.assertEqual(pools["images"]["state"], "running")
        self.assertEqual(pools["manual"]["state"], "inactive")
        self.assertEqual(self.out("-q", "autostart"), "")
        # Nothing to start is no error.
        self.assertEqual(self.out("autostart"), "\n")

    def test_pool_capabilities(self):
        out = self.out("pool-capabilities")
        tree = ET.fromstring(out)
        self.assertEqual(tree.tag, "storagepoolCapabilities")


class VolOutput(provtest.ImagesPoolMixin, DriverCase):

    def test_messages(self):
        self.assertEqual(self.out("vol-create-as", "images", "a.img", "1M"),
                         "Vol a.img created\n\n")
        xmlfile = self.write_file("v.xml", provtest.vol_xml("b.img", MIB))
        self.assertEqual(self.out("vol-create", "images", xmlfile),
                         "Vol b.img created from %s\n\n" % xmlfile)
        self.assertEqual(self.out("vol-clone", "a.img", "c.img", "--pool", "images"),
                         "Vol c.img cloned from a.img\n\n")
        xmlfile = self.write_file("d.xml", provtest.vol_xml("d.img", MIB))
        self.assertEqual(self.out("vol-create-from", "images", xmlfile, "a.img",
                                  "--inputpool", "images"),
                         "Vol d.img created from input vol a.img\n\n")
        self.assertEqual(self.out("vol-resize", "a.img", "2M", "--pool", "images"),
                         "Size of volume 'a.img' successfully changed to 2M\n\n")
        self.assertEqual(self.out("vol-resize", "a.img", "1M", "--pool", "images", "--delta"),
                         "Size of volume 'a.img' successfully changed by 1M\n\n")
        self.assertEqual(os.stat(self.vpath("a.img")).st_size, 3 * MIB)
        self.assertEqual(self.out("vol-resize", "a.img", "-1M", "--pool", "images",
                                  "--shrink"),
                         "Size of volume 'a.img' successfully changed by 1M\n\n")
        self.assertEqual(os.stat(self.vpath("a.img")).st_size, 2 * MIB)
        self.assertEqual(self.out("vol-wipe", "a.img", "--pool", "images"),
                         "Vol a.img wiped\n\n")
        self.assertEqual(self.out("vol-delete", "c.img", "--pool", "images"),
                         "Vol c.img deleted\n\n")
        # By path the message repeats what was given.
        self.assertEqual(self.out("vol-delete", self.vpath("d.img")),
                         "Vol %s deleted\n\n" % self.vpath("d.img"))

    def test_vol_list_tables(self):
        self.ok("vol-create-as", "images", "disk1.qcow2", "10G", "--format", "qcow2")
        self.ok("vol-create-as", "images", "a.img", "1M")
        self.assertEqual(self.out("vol-list", "images"),
                         virsh_table(["Name", "Path"],
                                     [["a.img", self.vpath("a.img")],
                                      ["disk1.qcow2", self.vpath("disk1.qcow2")]]) + "\n")
        out = self.out("vol-list", "images", "--details")
        rows = provtest.parse_table(out)
        self.assertEqual(rows[0][:4], ["a.img", self.vpath("a.img"), "file", "1.00 MiB"])
        self.assertEqual(rows[1][:4], ["disk1.qcow2", self.vpath("disk1.qcow2"), "file",
                                       "10.00 GiB"])
        self.assertRegex(rows[1][4], "^%s$" % HUMAN_SIZE_RE)

    def test_vol_list_unicode_alignment(self):
        names = ["\u00e9t\u00e9.img", "\u65e5\u672c.img", "z.img"]
        for name in names:
            self.ok("vol-create-as", "images", name, "1M")
        # Sorted as virsh does: ASCII case folded, then byte order.
        names.sort(key=lambda n: n.encode().lower())
        self.assertEqual(self.out("vol-list", "images"),
                         virsh_table(["Name", "Path"],
                                     [[n, self.vpath(n)] for n in names]) + "\n")

    def test_names_that_are_not_text(self):
        # A file put into the pool behind provctl's back, named with a byte that is
        # not UTF-8: the table shows it escaped, JSON stays valid UTF-8.
        with open(os.path.join(os.fsencode(self.target), b"bad\xffname"), "wb"):
            pass
        self.ok("pool-refresh", "images")
        out = self.out("vol-list", "images")
        self.assertIn(" bad\\xffname   %s/bad\\xffname\n" % self.target, out)
        raw = subprocess.run([provtest.PROVCTL, "--root", self.root, "--json", "vol-list",
                              "images"], capture_output=True, timeout=provtest.TIMEOUT)
        self.assertEqual(raw.returncode, EXIT_OK, raw.stderr)
        data = json.loads(raw.stdout.decode("utf-8"))
        self.assertEqual(data[0]["name"], "bad\ufffdname")

    def test_vol_list_json(self):
        self.ok("vol-create-as", "images", "a.img", "1M", "--allocation", "0")
        data = json.loads(self.out("--json", "vol-list", "images"))
        self.assertEqual(len(data), 1)
        self.assertEqual(list(data[0]), ["name", "pool", "path", "key", "type", "capacity",
                                         "allocation", "physical"])
        self.assertEqual(data[0]["name"], "a.img")
        self.assertEqual(data[0]["pool"], "images")
        self.assertEqual(data[0]["path"], self.vpath("a.img"))
        self.assertEqual(data[0]["type"], "file")
        self.assertEqual(data[0]["capacity"], MIB)
        self.assertEqual(json.loads(self.out("vol-list", "images", "--json")), data)

    def test_vol_info(self):
        self.ok("vol-create-as", "images", "a.img", "1G", "--allocation", "0")
        self.assertEqual(self.out("vol-info", "a.img", "--pool", "images"),
                         "Name:           a.img\n"
                         "Type:           file\n"
                         "Capacity:       1.00 GiB\n"
                         "Allocation:     0.00 B\n\n")
        # The pool may be given by position, and the volume by path without a pool.
        out = self.out("vol-info", "a.img", "images", "--bytes")
        self.assertEqual(out, "Name:           a.img\nType:           file\n"
                              "Capacity:       1073741824 bytes\nAllocation:     0 bytes\n\n")
        out = self.out("vol-info", self.vpath("a.img"), "--physical")
        self.assertIn("Physical:       1.00 GiB\n", out)
        data = json.loads(self.out("vol-info", "a.img", "--pool", "images", "--json"))
        self.assertEqual(data["capacity"], GIB)
        self.assertEqual(data["key"], self.vpath("a.img"))

    def test_vol_lookup_errors(self):
        res = self.failed("vol-info", "nosuch.img")
        self.assertTrue(res.stderr.startswith(
            "error: failed to get vol 'nosuch.img', specifying --pool might help\n"),
            res.stderr)
        res = self.failed("vol-info", "nosuch.img", "--pool", "images")
        self.assertTrue(res.stderr.startswith("error: failed to get vol 'nosuch.img'\n"),
                        res.stderr)
        res = self.failed("vol-info", "a.img", "--pool", "nopool")
        self.assertTrue(res.stderr.startswith("error: failed to get pool 'nopool'\n"),
                        res.stderr)
        res = self.failed("vol-create-as", "nopool", "v.img", "1M")
        self.assertTrue(res.stderr.startswith("error: failed to get pool 'nopool'\n"),
                        res.stderr)

    def test_path_key_name_pool(self):
        self.ok("vol-create-as", "images", "a.img", "1M")
        path = self.vpath("a.img")
        self.assertEqual(self.out("vol-path", "a.img", "--pool", "images"), path + "\n\n")
        self.assertEqual(self.out("vol-key", "a.img", "images"), path + "\n\n")
        self.assertEqual(self.out("vol-name", path), "a.img\n\n")
        self.assertEqual(self.out("vol-pool", path), "images\n\n")
        uuid = self.ok_json("pool-info", "images")["uuid"]
        self.assertEqual(self.out("vol-pool", path, "--uuid"), uuid + "\n\n")

    def test_vol_dumpxml(self):
        self.ok("vol-create-as", "images", "a.img", "1M")
        out = self.out("vol-dumpxml", "a.img", "--pool", "images")
        self.assertTrue(out.endswith("</volume>\n\n"))
        self.assertEqual(ET.fromstring(out).findtext("name"), "a.img")

    def test_upload_download_files(self):
        self.ok("vol-create-as", "images", "a.img", "1M")
        data = self.path("data.bin")
        with open(data, "wb") as f:
            f.write(b"0123456789" * 1000)
        self.assertEqual(self.out("vol-upload", "a.img", data, "--pool", "images"), "\n")
        out = self.path("out.bin")
        self.assertEqual(self.out("vol-download", "a.img", out, "--pool", "images",
                                  "--offset", "10", "--length", "20"), "\n")
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"0123456789" * 2)
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o644 & ~self.umask())
        # An existing file is truncated, not appended to.
        self.out("vol-download", "a.img", out, "--pool", "images", "--length", "5")
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"01234")
        res = self.failed("vol-upload", "a.img", self.path("missing.bin"), "--pool", "images")
        self.assertIn("cannot read %s" % self.path("missing.bin"), res.stderr)
        res = self.failed("vol-download", "a.img", self.path("no", "dir.bin"), "--pool",
                          "images")
        self.assertIn("cannot create", res.stderr)
        # The volume is looked up before the local file is touched.
        self.failed("vol-download", "nosuch.img", self.path("never.bin"), "--pool", "images")
        self.assertFalse(os.path.exists(self.path("never.bin")))

    @staticmethod
    def umask():
        mask = os.umask(0)
        os.umask(mask)
        return mask

    def run_with_tty_stderr(self, *args):
        """Run provctl with stderr on a pseudo terminal; returns (result, tty output)."""
        master, slave = pty.openpty()
        chunks = []

        def reader():
            while True:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    return
                if not data:
                    return
                chunks.append(data)

        thread = threading.Thread(target=reader)
        thread.start()
        try:
            res = subprocess.run([provtest.PROVCTL, "--root", self.root] + list(args),
                                 stdout=subprocess.PIPE, stderr=slave, text=True,
                                 timeout=provtest.TIMEOUT)
        finally:
            os.close(slave)
            thread.join(timeout=30)
            os.close(master)
        return res, b"".join(chunks).decode()

    def test_progress_bar_only_on_a_terminal(self):
        self.ok("vol-create-as", "images", "src.img", "32M", "--allocation", "32M")
        res, tty = self.run_with_tty_stderr("vol-clone", "src.img", "copy.img", "--pool",
                                            "images")
        self.assertEqual(res.returncode, EXIT_OK, tty)
        self.assertRegex(tty, r"\r\[[# ]{30}\] +\d+% ", "no progress bar drawn: %r" % tty)
        self.assertIn("100% 32.00 MiB/32.00 MiB", tty)
        self.assertTrue(tty.endswith("\n"), "the bar's line is ended: %r" % tty)
        self.assertEqual(res.stdout, "Vol copy.img cloned from src.img\n\n")
        # Not a terminal: nothing at all on stderr.
        res = self.run_ctl("vol-clone", "src.img", "copy2.img", "--pool", "images")
        self.assertEqual(res.returncode, EXIT_OK, self.describe(res))
        self.assertEqual(res.stderr, "")
        # -q: no bar even on a terminal.
        res, tty = self.run_with_tty_stderr("-q", "vol-wipe", "src.img", "--pool", "images")
        self.assertEqual(res.returncode, EXIT_OK, tty)
        self.assertNotIn("[", tty)


if __name__ == "__main__":
    provtest.main()
