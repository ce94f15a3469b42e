# SPDX-License-Identifier: LGPL-2.1-or-later
"""provtest: shared helpers for the Python tests that drive the real provctl binary.

Every test gets a private state root (provctl --root) and private pool
directories under one temp dir, runs provctl as a subprocess with a timeout,
and checks the effects on disk (config/status files, volume files) as well as
exit codes and messages.  Python 3.11 standard library only.
"""

import glob
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

SKIP_EXIT = 77
TIMEOUT = 120
GIB = 1024 ** 3
MIB = 1024 ** 2
KIB = 1024

# A prefix the product uses for volumes being written (storage/volume_local.h).
LOCAL_TEMP_PREFIX = ".provd-tmp-"


def _find_provctl():
    """The provctl under test: $PROVCTL, else a build dir next to the sources."""
    env = os.environ.get("PROVCTL")
    if env:
        return env
    src = os.environ.get("PROV_SOURCE_DIR",
                         os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for cand in sorted(glob.glob(os.path.join(src, "build*", "provctl"))):
        if os.access(cand, os.X_OK):
            return cand
    return None


PROVCTL = _find_provctl()


def skip_module(reason):
    """Skip the whole test program (ctest SKIP_RETURN_CODE 77), printing why."""
    print("SKIP: " + reason, flush=True)
    sys.exit(SKIP_EXIT)


def require_provctl():
    if not PROVCTL:
        skip_module("no provctl binary: set PROVCTL or build it in a build*/ directory")
    if not os.access(PROVCTL, os.X_OK):
        skip_module("provctl '%s' is not an executable file (not built yet?)" % PROVCTL)


def require_root():
    if os.geteuid() != 0:
        skip_module("must run as root (mount, losetup, chown)")


def main():
    """unittest.main() after checking provctl exists; exits non-zero on any failure."""
    require_provctl()
    unittest.main(verbosity=2)


# ---- files -------------------------------------------------------------------

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            chunk = f.read(MIB)
            if not chunk:
                break
            h.update(chunk)
    return h.hexdigest()


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def allocated_bytes(path):
    return os.stat(path).st_blocks * 512


def write_holey_file(path, size, data_ranges):
    """A file of @size bytes with random data only in @data_ranges [(offset, length)]."""
    with open(path, "wb") as f:
        f.truncate(size)
        for off, length in data_ranges:
            f.seek(off)
            f.write(os.urandom(length))
    return sha256_file(path)


def is_all_zero(path):
    zero = bytes(MIB)
    with open(path, "rb") as f:
        while True:
            chunk = f.read(MIB)
            if not chunk:
                return True
            if chunk != zero[:len(chunk)]:
                return False


# Status files carry the pool's live sizes, which move whenever anything else writes to
# the same filesystem; compare them without those numbers.
_SIZE_ELEMENTS = re.compile(rb"<(capacity|allocation|available)\b[^>]*>\s*\d+\s*</\1>")


def tree_snapshot(*roots, exclude_dirs=("locks",)):
    """Map 'root-index/relative path' -> description of everything under @roots.

    Directories: mode; symlinks: target; regular files: mode, size, sha256 of the
    content (XML sizes normalised).  Directories named in @exclude_dirs (lock files
    the product is documented to create on any run) are left out.
    """
    snap = {}
    for idx, root in enumerate(roots):
        if not os.path.lexists(root):
            snap["%d:" % idx] = ("absent",)
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in exclude_dirs)
            for name in dirnames + sorted(filenames):
                full = os.path.join(dirpath, name)
                rel = "%d:%s" % (idx, os.path.relpath(full, root))
                st = os.lstat(full)
                if stat.S_ISLNK(st.st_mode):
                    snap[rel] = ("link", os.readlink(full))
                elif stat.S_ISDIR(st.st_mode):
                    snap[rel] = ("dir", stat.S_IMODE(st.st_mode))
                elif stat.S_ISREG(st.st_mode):
                    with open(full, "rb") as f:
                        data = f.read() if st.st_size <= 4 * MIB else None
                    if data is None:
                        digest = sha256_file(full)
                    else:
                        if name.endswith(".xml"):
                            data = _SIZE_ELEMENTS.sub(rb"<\1/>", data)
                        digest = hashlib.sha256(data).hexdigest()
                    snap[rel] = ("file", stat.S_IMODE(st.st_mode), st.st_size, digest)
                else:
                    snap[rel] = ("other", stat.S_IFMT(st.st_mode))
    return snap


def parse_colon_table(text):
    """'Name:           images' lines (pool-info, vol-info) -> dict."""
    out = {}
    for line in text.splitlines():
        if ":" in line:
            key, _, value = line.partition(":")
            out[key.strip()] = value.strip()
    return out


def parse_table(text):
    """A virsh table (header, dashes, rows) -> list of rows split on 2+ spaces."""
    rows = []
    lines = [l for l in text.splitlines() if l.strip()]
    for line in lines[2:] if len(lines) >= 2 and set(lines[1].strip()) == {"-"} else lines:
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


def mountinfo_entries():
    """/proc/self/mountinfo as a list of dicts (mount point, fstype, source, options)."""
    entries = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            lf = left.split()
            rf = right.split()
            entries.append({
                "majmin": lf[2],
                "mountpoint": lf[4].replace("\\040", " "),
                "options": lf[5].split(","),
                "fstype": rf[0],
                "source": rf[1],
                "super_options": rf[2].split(",") if len(rf) > 2 else [],
            })
    return entries


def mounts_at(path):
    real = os.path.realpath(path)
    return [e for e in mountinfo_entries() if e["mountpoint"] == real]


def run_tool(argv, **kw):
    """Run a host tool (qemu-img, mkfs, losetup, ...) with the global timeout."""
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(argv, timeout=TIMEOUT, **kw)


def qemu_img_info(path):
    res = run_tool(["qemu-img", "info", "--output=json", "-U", path])
    if res.returncode != 0:
        raise AssertionError("qemu-img info %s failed: %s" % (path, res.stderr))
    return json.loads(res.stdout)


def pool_xml(name, target, ptype="dir", uuid=None, extra_source="", mode=None):
    uuid_el = "  <uuid>%s</uuid>\n" % uuid if uuid else ""
    perms = ("    <permissions>\n      <mode>%s</mode>\n    </permissions>\n" % mode
             if mode else "")
    return ("<pool type='%s'>\n  <name>%s</name>\n%s  <source>\n%s  </source>\n"
            "  <target>\n    <path>%s</path>\n%s  </target>\n</pool>\n"
            % (ptype, name, uuid_el, extra_source, target, perms))


def vol_xml(name, capacity, fmt=None, allocation=None):
    parts = ["<volume>", "  <name>%s</name>" % name,
             "  <capacity unit='bytes'>%d</capacity>" % capacity]
    if allocation is not None:
        parts.append("  <allocation unit='bytes'>%d</allocation>" % allocation)
    if fmt:
        parts.append("  <target>\n    <format type='%s'/>\n  </target>" % fmt)
    parts.append("</volume>")
    return "\n".join(parts) + "\n"


# ---- loop devices ------------------------------------------------------------

class LoopDevice:
    """A loop device over a sparse backing file; detach() is safe to call twice."""

    def __init__(self, backing, size):
        with open(backing, "wb") as f:
            f.truncate(size)
        res = run_tool(["losetup", "--find", "--show", backing])
        if res.returncode != 0:
            raise OSError("losetup --find --show %s failed: %s" % (backing, res.stderr.strip()))
        self.path = res.stdout.strip()
        self.backing = backing

    def detach(self):
        if self.path:
            for entry in mountinfo_entries():
                if entry["source"] == self.path:
                    run_tool(["umount", "-l", entry["mountpoint"]])
            run_tool(["losetup", "-d", self.path])
            self.path = None


def loop_devices_supported():
    """None if loop devices work here, else the reason they don't."""
    if os.geteuid() != 0:
        return "not root"
    if shutil.which("losetup") is None:
        return "losetup not installed"
    tmp = tempfile.mkdtemp(prefix="provtest-loopprobe-")
    try:
        dev = LoopDevice(os.path.join(tmp, "probe.img"), MIB)
        dev.detach()
        return None
    except OSError as exc:
        return str(exc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- the test case base ------------------------------------------------------

class ProvTestCase(unittest.TestCase):
    """A temp dir holding the state root (self.root) and room for pool dirs."""

    maxDiff = None

    def setUp(self):
        base = os.environ.get("PROV_TEST_TMPDIR") or None
        self.tmp = tempfile.mkdtemp(prefix="provtest-%s-" % self._testMethodName, dir=base)
        self.addCleanup(self._cleanup_tmp)
        self.root = os.path.join(self.tmp, "root")
        os.mkdir(self.root)
        self._procs = []

    def _cleanup_tmp(self):
        for proc in self._procs:
            if proc.poll() is None:
                proc.kill()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        # Never leave a mount inside the temp dir behind (fs pools).
        for entry in sorted(mountinfo_entries(), key=lambda e: -len(e["mountpoint"])):
            if entry["mountpoint"].startswith(os.path.realpath(self.tmp) + "/"):
                run_tool(["umount", "-l", entry["mountpoint"]])
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- paths

    def config_dir(self):
        return os.path.join(self.root, "etc", "provd", "storage")

    def config_path(self, name):
        return os.path.join(self.config_dir(), name + ".xml")

    def autostart_path(self, name):
        return os.path.join(self.config_dir(), "autostart", name + ".xml")

    def status_dir(self):
        return os.path.join(self.root, "run", "provd", "storage")

    def status_path(self, name):
        return os.path.join(self.status_dir(), name + ".xml")

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def write_file(self, name, text):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        return p

    # -- running provctl

    def ctl_argv(self, args, json_out=False):
        argv = [PROVCTL, "--root", self.root]
        if json_out:
            argv.append("--json")
        return argv + [a if isinstance(a, bytes) else str(a) for a in args]

    def ctl(self, *args, json_out=False, env=None, timeout=TIMEOUT, **kw):
        full_env = dict(os.environ)
        full_env.pop("PROVD_TEST_KILL_AT", None)
        if env:
            full_env.update(env)
        return subprocess.run(self.ctl_argv(args, json_out), capture_output=True,
                              encoding="utf-8", errors="backslashreplace",
                              env=full_env, timeout=timeout, **kw)

    def ctl_bg(self, *args, env=None, **kw):
        full_env = dict(os.environ)
        full_env.pop("PROVD_TEST_KILL_AT", None)
        if env:
            full_env.update(env)
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        proc = subprocess.Popen(self.ctl_argv(args), encoding="utf-8",
                                errors="backslashreplace", env=full_env, **kw)
        self._procs.append(proc)
        return proc

    @staticmethod
    def describe(res):
        return ("command: %s\nexit: %s\nstdout: %r\nstderr: %r"
                % (" ".join(os.fsdecode(a) for a in res.args), res.returncode, res.stdout,
                   res.stderr))

    def ok(self, *args, json_out=False, env=None):
        res = self.ctl(*args, json_out=json_out, env=env)
        self.assertEqual(res.returncode, 0, "provctl failed\n" + self.describe(res))
        return res.stdout

    def ok_json(self, *args):
        out = self.ok(*args, json_out=True)
        try:
            return json.loads(out)
        except ValueError as exc:
            self.fail("--json output of %s is not JSON (%s): %r" % (args, exc, out))

    def assert_error(self, res, code, *needles):
        """Exit @code (int or tuple), an 'error: ...' line on stderr naming each needle."""
        codes = code if isinstance(code, tuple) else (code,)
        self.assertIn(res.returncode, codes, "unexpected exit status\n" + self.describe(res))
        lines = res.stderr.splitlines()
        self.assertTrue(any(l.startswith("error:") for l in lines),
                        "stderr has no 'error: ...' line\n" + self.describe(res))
        for needle in needles:
            self.assertIn(needle, res.stderr,
                          "stderr does not name %r\n%s" % (needle, self.describe(res)))

    def refused(self, args, code, *needles, env=None):
        res = self.ctl(*args, env=env)
        self.assert_error(res, code, *needles)
        return res

    # -- pools

    def pool_list(self, all_pools=True):
        args = ["pool-list"] + (["--all"] if all_pools else [])
        data = self.ok_json(*args)
        self.assertIsInstance(data, list, "pool-list --json is not a list: %r" % data)
        return {p["name"]: p for p in data}

    def pool_state(self, name):
        pools = self.pool_list()
        self.assertIn(name, pools, "pool %r not in pool-list --all --json: %r" % (name, pools))
        return pools[name]["state"]

    def vol_names(self, pool):
        data = self.ok_json("vol-list", pool)
        self.assertIsInstance(data, list, "vol-list --json is not a list: %r" % data)
        return sorted(v["name"] for v in data)

    def make_dir_pool(self, name="images", target=None, start=True, autostart=False):
        """pool-define-as + pool-build (+ pool-start); returns the target path."""
        target = target or self.path("pool-" + name)
        self.ok("pool-define-as", name, "dir", "--target", target)
        self.ok("pool-build", name)
        if start:
            self.ok("pool-start", name)
        if autostart:
            self.ok("pool-autostart", name)
        return target

    def vol_xml_tree(self, vol, pool):
        out = self.ok("vol-dumpxml", vol, "--pool", pool)
        try:
            return ET.fromstring(out)
        except ET.ParseError as exc:
            self.fail("vol-dumpxml %s is not XML (%s): %r" % (vol, exc, out))

    def pool_xml_tree(self, pool, *flags):
        out = self.ok("pool-dumpxml", pool, *flags)
        try:
            return ET.fromstring(out)
        except ET.ParseError as exc:
            self.fail("pool-dumpxml %s is not XML (%s): %r" % (pool, exc, out))

    def assert_config_valid(self, name, target=None, ptype=None):
        """The persistent config of @name is complete XML for that pool."""
        path = self.config_path(name)
        self.assertTrue(os.path.isfile(path), "config %s missing" % path)
        try:
            tree = ET.parse(path).getroot()
        except ET.ParseError as exc:
            self.fail("config %s is not valid XML: %s" % (path, exc))
        self.assertEqual(tree.tag, "pool")
        self.assertEqual(tree.findtext("name"), name)
        self.assertTrue(tree.findtext("uuid"), "config %s has no uuid" % path)
        if target is not None:
            self.assertEqual(tree.findtext("target/path"), target)
        if ptype is not None:
            self.assertEqual(tree.get("type"), ptype)
        return tree

    def assert_config_dir_consistent(self):
        """Every *.xml in the config dir is a complete pool whose name matches the file,
        and pool-list lists exactly those pools (no temp files taken for pools)."""
        names = set()
        cdir = self.config_dir()
        if os.path.isdir(cdir):
            for entry in os.listdir(cdir):
                full = os.path.join(cdir, entry)
                if entry.endswith(".xml") and os.path.isfile(full):
                    if entry.startswith("."):
                        continue
                    names.add(entry[:-4])
                    self.assert_config_valid(entry[:-4])
        listed = self.pool_list()
        persistent = {n for n, p in listed.items() if p.get("persistent")}
        self.assertEqual(persistent, names,
                         "pool-list --all shows %r but the config dir holds %r"
                         % (sorted(persistent), sorted(names)))
        return names

    def wait_for_open(self, proc, path, timeout=30.0):
        """Wait until @proc or a child of it (scrub, qemu-img) has @path open, so it
        really is working on that file.  False if @proc ended first."""
        real = os.path.realpath(path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            for pid in process_tree(proc.pid):
                if real in open_files(pid):
                    return True
            time.sleep(0.005)
        return False


class ImagesPoolMixin:
    """Put before a ProvTestCase base: setUp also defines, builds and starts the dir
    pool 'images', whose directory is self.target."""

    def setUp(self):
        super().setUp()
        self.target = self.make_dir_pool("images")

    def vpath(self, name):
        return os.path.join(self.target, name)


class BlockedDownload:
    """`provctl vol-download VOL FIFO` whose reader does not read: provctl blocks on the
    full pipe while holding the volume (a long job that cannot finish early)."""

    def __init__(self, case, pool, vol, vol_path):
        self.case = case
        fifo = case.path("download-fifo-%s" % vol)
        os.mkfifo(fifo)
        # Open the read end first (non-blocking) so provctl's open for writing succeeds.
        self.rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        case.addCleanup(self.close)
        self.proc = case.ctl_bg("vol-download", vol, fifo, "--pool", pool)
        if not case.wait_for_open(self.proc, vol_path):
            self.proc.kill()
            case.fail("vol-download never opened the volume: %r" % (self.proc.communicate(),))
        time.sleep(0.3)
        case.assertIsNone(self.proc.poll(), "vol-download ended while its output was blocked")

    def close(self):
        if self.rfd is not None:
            os.close(self.rfd)
            self.rfd = None

    def finish(self):
        """Read everything; returns (exit status, sha256 of the data)."""
        os.set_blocking(self.rfd, True)
        h = hashlib.sha256()
        while True:
            chunk = os.read(self.rfd, MIB)
            if not chunk:
                break
            h.update(chunk)
        self.close()
        self.proc.communicate(timeout=TIMEOUT)
        return self.proc.returncode, h.hexdigest()


def process_tree(pid):
    """@pid and all its descendants (best effort: processes may exit meanwhile)."""
    pids = [pid]
    i = 0
    while i < len(pids):
        try:
            for tid in os.listdir("/proc/%d/task" % pids[i]):
                with open("/proc/%d/task/%s/children" % (pids[i], tid)) as f:
                    pids.extend(int(c) for c in f.read().split())
        except OSError:
            pass
        i += 1
    return pids


def open_files(pid):
    """Paths @pid has open (empty if it is gone)."""
    paths = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                paths.add(os.readlink("/proc/%d/fd/%s" % (pid, fd)))
            except OSError:
                pass
    except OSError:
        pass
    return paths


def died_by_sigkill(res):
    return res.returncode == -signal.SIGKILL
