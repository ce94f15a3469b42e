#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Times the same storage work against provctl (embedded driver) and Debian's libvirtd.
"""Side-by-side storage benchmark: provctl versus libvirtd, same machine, same run.

Workloads (each side gets the identical command line shape):
  A  pool-refresh of a dir pool holding N volumes (half raw sparse, half qcow2)
  B  vol-list POOL --details over the same N volumes
  C  M x vol-create-as POOL vI.qcow2 1G --format qcow2, one process per volume

libvirtd runs in its own network and mount namespaces: /run, /etc/libvirt, /var/lib,
/var/cache and /var/log are fresh tmpfs mounts there, its sockets live in a temporary
directory, and it never sees the host's networks or libvirt configuration.

Timings are wall-clock medians of several repetitions (time.monotonic around each
process or loop of processes).  The ratio is libvirt / provd, so > 1 means provd is
faster.  Nothing here asserts a timing; this is never run from ctest.
"""

import argparse
import datetime
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

GIB = 1024 * 1024 * 1024
POOL_SHARED = "benchshared"
POOL_CREATE = "benchcreate"
LIBVIRTD = "/usr/sbin/libvirtd"
QEMU_IMG = "/usr/bin/qemu-img"

# Targets from the performance issue: libvirt time / provd time must reach these.
TARGETS = {"A": 3.0, "B": 10.0, "C": 3.0}


class BenchError(Exception):
    pass


class Deadline(BaseException):
    """Raised from SIGALRM/SIGTERM/SIGINT so that every finally: cleanup still runs."""


def arm_deadline(seconds):
    """Raise Deadline on SIGTERM, SIGINT and, after @seconds, SIGALRM."""
    def on_signal(signum, frame):
        raise Deadline("signal %d" % signum)
    for signum in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    signal.alarm(seconds)


def log(msg):
    print("== " + msg, file=sys.stderr, flush=True)


def run(argv, timeout=120, check=True, capture=True):
    """Run one command with a clean C locale; return stdout as text."""
    env = dict(os.environ, LC_ALL="C", LANG="C")
    proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=timeout, text=True)
    if check and proc.returncode != 0:
        raise BenchError("command failed (exit %d): %s\n%s"
                         % (proc.returncode, " ".join(argv), proc.stderr.strip()[-2000:]))
    return proc.stdout if capture else ""


def timed(argv, timeout):
    """Wall time of one process; its output is discarded so the terminal costs nothing."""
    env = dict(os.environ, LC_ALL="C", LANG="C")
    start = time.monotonic()
    proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          timeout=timeout, text=True)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        raise BenchError("command failed (exit %d): %s\n%s"
                         % (proc.returncode, " ".join(argv), proc.stderr.strip()[-2000:]))
    return elapsed


def set_parent_death_signal():
    import ctypes
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


class Stats:
    def __init__(self, samples):
        self.samples = list(samples)
        self.median = statistics.median(self.samples)
        self.min = min(self.samples)
        self.max = max(self.samples)


def fmt_secs(seconds):
    if seconds is None:
        return "pending"
    if seconds < 1.0:
        return "%.1f ms" % (seconds * 1000.0)
    return "%.2f s" % seconds


# ---------------------------------------------------------------------------------------
# Test data


def make_volumes(directory, count):
    """Make @count volumes fast: even indices raw sparse 1 GiB, odd ones qcow2 (1 GiB
    virtual).  One qcow2 comes from qemu-img; the others copy only its non-zero 4 KiB
    blocks and are truncated to the same length, so they stay sparse and small."""
    os.makedirs(directory, exist_ok=True)
    template = os.path.join(directory, ".template.qcow2")
    run([QEMU_IMG, "create", "-q", "-f", "qcow2", template, "1G"])
    with open(template, "rb") as f:
        data = f.read()
    os.unlink(template)
    blocks = [(off, data[off:off + 4096]) for off in range(0, len(data), 4096)
              if any(data[off:off + 4096])]
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
    for i in range(count):
        if i % 2 == 0:
            path = os.path.join(directory, "raw-%05d.img" % i)
            fd = os.open(path, flags, 0o600)
            try:
                os.ftruncate(fd, GIB)
            finally:
                os.close(fd)
        else:
            path = os.path.join(directory, "qcow-%05d.qcow2" % i)
            fd = os.open(path, flags, 0o600)
            try:
                for off, block in blocks:
                    os.pwrite(fd, block, off)
                os.ftruncate(fd, len(data))
            finally:
                os.close(fd)


def empty_dir(directory):
    for name in os.listdir(directory):
        os.unlink(os.path.join(directory, name))


def parse_details(text):
    """Rows of `vol-list --details` as tuples.  Sample (virsh 9.0):
     Name            Path                      Type   Capacity   Allocation
    -------------------------------------------------------------------------
     qcow-00001.qcow2 /tmp/x/qcow-00001.qcow2  file   1.00 GiB   16.00 KiB
    """
    rows = set()
    for line in text.splitlines():
        fields = line.split()
        if len(fields) != 7 or fields[0] == "Name" or line.lstrip().startswith("-"):
            continue
        rows.add(tuple(fields))
    return rows


# ---------------------------------------------------------------------------------------
# The two sides


# Linux ABI constants for the namespace set-up below (sched.h, sys/mount.h).
CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18


def private_namespaces(new_net, tmpfs_dirs, tmpfs_options, make_dirs):
    """A subprocess preexec_fn: in the child, what `unshare --mount --propagation private
    [--net]` does, then a fresh tmpfs on each of @tmpfs_dirs (made first with @make_dirs),
    so the program exec'd next sees neither the host's state there nor its networks.
    Also sets the parent-death signal, which survives the exec.  A failure is written to
    the child's stderr (the log file) before Popen reports it."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                           ctypes.c_ulong, ctypes.c_char_p)

    def check(rc, what):
        if rc != 0:
            err = ctypes.get_errno()
            raise OSError(err, "%s: %s" % (what, os.strerror(err)))

    def setup():
        set_parent_death_signal()
        try:
            check(libc.unshare(CLONE_NEWNS | (CLONE_NEWNET if new_net else 0)), "unshare")
            check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None),
                  "make / private")
            for d in tmpfs_dirs:
                if make_dirs:
                    os.makedirs(d, exist_ok=True)
                check(libc.mount(b"provbench", d.encode(), b"tmpfs", 0, tmpfs_options.encode()),
                      "mount tmpfs on " + d)
        except OSError as e:
            os.write(2, ("libvirtd set-up failed: %s\n" % e).encode())
            raise
    return setup


class Libvirt:
    """Debian's libvirtd in private namespaces, driven through virsh."""

    # Private mounts hide the host's libvirt state and config; /etc/libvirt must exist
    # (libvirt-clients ships it) or libvirtd would create it on the host.
    NEW_NET = True
    TMPFS_DIRS = ("/run", "/etc/libvirt", "/var/lib", "/var/cache", "/var/log")
    TMPFS_SIZE = "256m"
    MAKE_DIRS = False
    PID_FILE = "/run/libvirtd.pid"

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "libvirtd")
        self.sockdir = os.path.join(self.dir, "sock")
        self.sock = os.path.join(self.sockdir, "libvirt-sock")
        self.uri = "qemu:///system?socket=" + self.sock
        self.logfile = os.path.join(self.dir, "libvirtd.log")
        self.proc = None

    def start(self, timeout=30, answer_timeout=10, poll=0.1):
        """Start libvirtd and wait up to @timeout seconds until `virsh uri` answers
        (each try bounded by @answer_timeout, one every @poll seconds)."""
        os.makedirs(self.sockdir, mode=0o700)
        conf = os.path.join(self.dir, "libvirtd.conf")
        with open(conf, "w") as f:
            f.write('unix_sock_dir = "%s"\n' % self.sockdir)
            f.write('unix_sock_ro_perms = "0700"\n')
            f.write('unix_sock_rw_perms = "0700"\n')
            f.write('auth_unix_ro = "none"\n')
            f.write('auth_unix_rw = "none"\n')
            f.write('listen_tcp = 0\n')
            f.write('listen_tls = 0\n')
            f.write('log_outputs = "3:file:%s"\n' % self.logfile)
        if not self.MAKE_DIRS:
            for d in self.TMPFS_DIRS:
                if not os.path.isdir(d):
                    raise BenchError("%s missing" % d)
        setup = private_namespaces(self.NEW_NET, self.TMPFS_DIRS,
                                   "mode=0755,size=" + self.TMPFS_SIZE, self.MAKE_DIRS)
        out = open(os.path.join(self.dir, "libvirtd.out"), "w")
        # The child execs libvirtd itself, so proc.pid is the daemon.  Should this script
        # die without cleaning up, the kernel sends the daemon SIGTERM.
        try:
            self.proc = subprocess.Popen(
                [LIBVIRTD, "--config", conf, "--pid-file", self.PID_FILE],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                preexec_fn=setup)
        except subprocess.SubprocessError as e:
            raise BenchError("libvirtd did not start (%s): %s" % (e, self.log_tail()))
        finally:
            out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError("libvirtd exited with %d: %s"
                                 % (self.proc.returncode, self.log_tail()))
            if os.path.exists(self.sock):
                try:
                    run(self.virsh("uri"), timeout=answer_timeout)
                    return
                except (BenchError, subprocess.TimeoutExpired):
                    pass
            time.sleep(poll)
        raise BenchError("libvirtd did not answer within %g s: %s" % (timeout, self.log_tail()))

    def log_tail(self):
        tail = ""
        for name in ("libvirtd.out", "libvirtd.log"):
            try:
                with open(os.path.join(self.dir, name)) as f:
                    tail += f.read()[-1500:]
            except OSError:
                pass
        return tail

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)

    def count_volumes(self, pool):
        """virsh vol-list cannot list more than 16384 volumes (see workload B), but the
        count RPC has no such limit."""
        import libvirt
        conn = libvirt.open(self.uri)
        try:
            return conn.storagePoolLookupByName(pool).numOfVolumes()
        finally:
            conn.close()

    def version(self):
        return run(["dpkg-query", "-W", "-f=${Version}", "libvirt-daemon"]).strip()

    def virsh(self, *args):
        return ["virsh", "-c", self.uri] + list(args)

    def cmd(self, *args):
        return self.virsh(*args)


class Provd:
    """provctl with its embedded driver under a private state root."""

    def __init__(self, workdir, provctl):
        self.provctl = provctl
        self.root = os.path.join(workdir, "provd-root")

    def start(self):
        os.makedirs(self.root, exist_ok=True)

    def stop(self):
        pass

    def count_volumes(self, pool):
        return count_listed(self, pool)

    def cmd(self, *args):
        return [self.provctl, "--root", self.root] + list(args)


# ---------------------------------------------------------------------------------------
# Workloads


def listed(text):
    """The names in a plain `vol-list` (or `pool-list`) table."""
    return [line.split()[0] for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("-")
            and line.split()[0] != "Name"]


def count_listed(side, pool):
    return len(listed(run(side.cmd("vol-list", pool), timeout=600)))


def define_pool(side, pool, target):
    run(side.cmd("pool-define-as", pool, "dir", "--target", target))
    run(side.cmd("pool-start", pool), timeout=600)


def alternate(sides, reps, warmup, one, log_rounds=False):
    """Run @one(side) for each side in turn, @warmup untimed then @reps timed rounds,
    alternating sides so that slow drift of the machine hits both equally.  With
    @log_rounds every round's time is logged."""
    samples = {name: [] for name in sides}
    for i in range(warmup + reps):
        for name, side in sides.items():
            t = one(name, side)
            if log_rounds:
                log("  %s round %d: %s%s" % (name, i, fmt_secs(t),
                                             " (warm-up)" if i < warmup else ""))
            if i >= warmup:
                samples[name].append(t)
    return {name: Stats(s) for name, s in samples.items()}


def check_qcow2(path, size):
    """The created file must be what was asked for on both sides: a qcow2 header
    (magic 'QFI\\xfb', big-endian virtual size at byte 24) of @size bytes."""
    with open(path, "rb") as f:
        header = f.read(32)
    if len(header) < 32 or header[:4] != b"QFI\xfb":
        raise BenchError("'%s' is not a qcow2 image" % path)
    virtual = int.from_bytes(header[24:32], "big")
    if virtual != size:
        raise BenchError("'%s' has virtual size %d, expected %d" % (path, virtual, size))


def workload_create(dirs, creates, timeout):
    def one(name, side):
        directory = dirs[name]
        empty_dir(directory)
        run(side.cmd("pool-refresh", POOL_CREATE))
        start = time.monotonic()
        for i in range(creates):
            timed(side.cmd("vol-create-as", POOL_CREATE, "v%04d.qcow2" % i, "1G",
                           "--format", "qcow2"), timeout)
        elapsed = time.monotonic() - start
        made = sorted(os.listdir(directory))
        if len(made) != creates:
            raise BenchError("%s: %d volumes in '%s' after creating %d"
                             % (name, len(made), directory, creates))
        for vol in made:
            check_qcow2(os.path.join(directory, vol), GIB)
        return elapsed
    return one


def libvirt_python_create(uri, directory, creates, reps):
    """The same creates from one process through libvirt-python (no fork/exec per
    volume), to show how much of virsh's time is process start-up."""
    import libvirt
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    conn = libvirt.open(uri)
    try:
        pool = conn.storagePoolLookupByName(POOL_CREATE)
        samples = []
        for _ in range(reps):
            empty_dir(directory)
            pool.refresh(0)
            start = time.monotonic()
            for i in range(creates):
                pool.createXML("<volume><name>p%04d.qcow2</name>"
                               "<capacity unit='G'>1</capacity>"
                               "<target><format type='qcow2'/></target></volume>" % i, 0)
            samples.append(time.monotonic() - start)
        empty_dir(directory)
        pool.refresh(0)
        return Stats(samples)
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------
# Report


def machine_info():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": os.uname().release}


def provd_revision(src):
    """HEAD, marked when the work tree differs from it.  GIT_OPTIONAL_LOCKS=0 keeps
    `git status` from rewriting the index of a tree others may be working in."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")
    try:
        rev = subprocess.run(["git", "-C", src, "rev-parse", "--short", "HEAD"], env=env,
                             capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "-C", src, "status", "--porcelain"], env=env,
                               capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    text = rev.stdout.strip()
    if dirty.stdout.strip():
        text += " + uncommitted changes"
    return text


class Row:
    """One line of the result table.  @libvirt and @provd are Stats, a short text
    saying why there is no figure, or None (side not run: pending)."""

    def __init__(self, key, title, target, libvirt, provd):
        self.key = key
        self.title = title
        self.target = target
        self.libvirt = libvirt
        self.provd = provd
        self.ratio = None
        self.ratio_min = None
        if isinstance(libvirt, Stats) and isinstance(provd, Stats) and provd.min > 0:
            self.ratio = libvirt.median / provd.median
            # The fastest run of each side is the one least disturbed by other load on
            # the machine; its ratio is a useful second opinion on a busy host.
            self.ratio_min = libvirt.min / provd.min

    def verdict(self):
        if self.ratio is not None:
            return "yes" if self.ratio >= self.target else "no"
        if isinstance(self.libvirt, str) and isinstance(self.provd, Stats):
            return "libvirt cannot"
        return "pending"


def cell(value, with_min):
    if isinstance(value, Stats):
        if with_min:
            return "%s (min %s)" % (fmt_secs(value.median), fmt_secs(value.min))
        return fmt_secs(value.median)
    if isinstance(value, str):
        return value
    return "pending"


def print_table(rows, extra):
    print()
    print("%-3s %-50s %10s %10s %6s %6s %6s  %s"
          % ("", "workload (medians)", "libvirt", "provd", "ratio", "(min)", "target", "met"))
    for r in rows:
        ratio = "%.1fx" % r.ratio if r.ratio is not None else "-"
        ratio_min = "%.1fx" % r.ratio_min if r.ratio_min is not None else "-"
        lv = cell(r.libvirt, False)
        print("%-3s %-50s %10s %10s %6s %6s %5.0fx  %s"
              % (r.key, r.title, lv if len(lv) <= 10 else "fails", cell(r.provd, False),
                 ratio, ratio_min, r.target, r.verdict()))
    for line in extra:
        print("    " + line)
    print()


def markdown(rows, extra, info, params):
    out = []
    out.append("Run of %s: `bash bench/run-bench.sh%s`" % (info["date"], params["argv"]))
    out.append("")
    out.append("- Machine: %d CPUs, %s, kernel %s" % (info["nproc"], info["cpu"],
                                                      info["kernel"]))
    out.append("- libvirt %s (Debian 12, monolithic libvirtd in private namespaces, "
               "driven by virsh); qemu-img %s" % (info["libvirt"], info["qemu_img"]))
    if info["provd"] is None:
        out.append("- provd: not measured (provd side pending)")
    else:
        out.append("- provd git %s (provctl --root DIR, embedded driver, Release build)"
                   % info["provd"])
    out.append("- Repetitions: %s; figures are medians of wall-clock time" % params["reps"])
    out.append("- Load average (1 min) at start %.2f, at end %.2f"
               % (info["load_start"], info["load_end"]))
    out.append("")
    out.append("| | workload | libvirt | provd | libvirt/provd | (of minimums) | target | met |")
    out.append("|---|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        ratio = "%.1f×" % r.ratio if r.ratio is not None else "-"
        ratio_min = "%.1f×" % r.ratio_min if r.ratio_min is not None else "-"
        out.append("| %s | %s | %s | %s | %s | %s | ≥%g× | %s |"
                   % (r.key, r.title, cell(r.libvirt, True), cell(r.provd, True), ratio,
                      ratio_min, r.target, r.verdict()))
    out.append("")
    for line in extra:
        out.append("- " + line)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--volumes", type=int, default=20000,
                   help="volumes in the shared pool for A and B (default 20000)")
    p.add_argument("--list-volumes", type=int, default=16000,
                   help="pool size for B when libvirt cannot list --volumes (default 16000)")
    p.add_argument("--creates", type=int, default=100,
                   help="volumes created per repetition in C (default 100)")
    p.add_argument("--reps", type=int, default=5, help="timed repetitions for A (default 5)")
    p.add_argument("--reps-list", type=int, default=5,
                   help="timed repetitions for B (default 5)")
    p.add_argument("--reps-create", type=int, default=3,
                   help="timed repetitions for C (default 3)")
    p.add_argument("--provctl", default=os.environ.get("PROVCTL"),
                   help="provctl binary (default $PROVCTL; none: provd side pending)")
    p.add_argument("--libvirt-only", action="store_true", help="do not run provctl")
    p.add_argument("--workdir", default=None,
                   help="parent of the temporary directory (default $TMPDIR or /tmp)")
    p.add_argument("--markdown", default="/tmp/provd-bench.md",
                   help="where to write the markdown fragment (default /tmp/provd-bench.md)")
    p.add_argument("--max-seconds", type=int, default=1500,
                   help="abort and clean up after this long (default 1500)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return p.parse_args()


def setup_sides(sides, workdir, shared, volumes, notes):
    """Define and start the shared pool and the create pool on every side; a provd
    failure drops that side (the libvirt figures are still worth having)."""
    create_dirs = {}
    for name, side in list(sides.items()):
        create_dirs[name] = os.path.join(workdir, "create-" + name)
        os.makedirs(create_dirs[name])
        try:
            log("%s: defining and starting pools" % name)
            t0 = time.monotonic()
            define_pool(side, POOL_SHARED, shared)
            # The first scan reads every header from a cold page cache (for libvirt this
            # also faults in the holes of the sparse files): logged, not compared.
            log("%s: first pool-start over %d volumes took %.2f s"
                % (name, volumes, time.monotonic() - t0))
            define_pool(side, POOL_CREATE, create_dirs[name])
            seen = side.count_volumes(POOL_SHARED)
            if seen != volumes:
                raise BenchError("%s lists %d volumes in pool '%s', expected %d"
                                 % (name, seen, POOL_SHARED, volumes))
        except (BenchError, subprocess.TimeoutExpired) as e:
            if name == "libvirt":
                raise
            notes.append("provd side pending: setup failed: %s" % str(e).splitlines()[0])
            log("provd setup failed, measuring libvirt only:\n%s" % e)
            del sides[name]
    return create_dirs


def cross_check(sides, notes):
    """Both sides must print the same rows for B, or the timing compares different work."""
    if len(sides) < 2:
        return
    rows = {name: parse_details(run(side.cmd("vol-list", POOL_SHARED, "--details"),
                                    timeout=600))
            for name, side in sides.items()}
    diff = rows["libvirt"] ^ rows["provd"]
    if diff:
        notes.append("B cross-check: %d rows differ between virsh and provctl, e.g. %s"
                     % (len(diff), sorted(diff)[:4]))
    else:
        notes.append("B cross-check: virsh and provctl print identical rows for all %d "
                     "volumes" % len(rows["libvirt"]))


def trim_pool(sides, shared, keep):
    """Delete volumes beyond the first @keep (by name) and refresh every side."""
    names = sorted(os.listdir(shared))
    for name in names[keep:]:
        os.unlink(os.path.join(shared, name))
    for side in sides.values():
        run(side.cmd("pool-refresh", POOL_SHARED), timeout=600)


def main():
    args = parse_args()
    if os.geteuid() != 0:
        print("run_bench.py: must run as root", file=sys.stderr)
        return 1
    try:
        import libvirt  # noqa: F401 (checked here, used by Libvirt.count_volumes)
    except ImportError:
        print("run_bench.py: python3-libvirt missing; run scripts/bench-deps.sh",
              file=sys.stderr)
        return 1
    for tool in (LIBVIRTD, QEMU_IMG):
        if not os.access(tool, os.X_OK):
            print("run_bench.py: %s missing; run scripts/bench-deps.sh" % tool, file=sys.stderr)
            return 1
    if shutil.which("virsh") is None:
        print("run_bench.py: virsh missing; run scripts/bench-deps.sh", file=sys.stderr)
        return 1

    src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    notes = []
    extra = []
    rows = []
    provctl = None
    if not args.libvirt_only:
        if args.provctl and os.access(args.provctl, os.X_OK):
            provctl = os.path.abspath(args.provctl)
        else:
            notes.append("provd side pending: no working provctl binary (%s)"
                         % (args.provctl or "PROVCTL not set"))

    arm_deadline(args.max_seconds)

    load_start = os.getloadavg()[0]
    workdir = tempfile.mkdtemp(prefix="provd-bench-", dir=args.workdir)
    libvirt = Libvirt(workdir)
    provd = Provd(workdir, provctl) if provctl else None
    timeout = 600
    n = args.volumes
    try:
        shared = os.path.join(workdir, "shared-pool")
        log("making %d volumes in %s" % (n, shared))
        t0 = time.monotonic()
        make_volumes(shared, n)
        log("made them in %.1f s" % (time.monotonic() - t0))

        log("starting libvirtd in private namespaces")
        libvirt.start()
        sides = {"libvirt": libvirt}
        if provd:
            provd.start()
            sides["provd"] = provd
        create_dirs = setup_sides(sides, workdir, shared, n, notes)

        def refresh(name, side):
            return timed(side.cmd("pool-refresh", POOL_SHARED), timeout)

        def details(name, side):
            return timed(side.cmd("vol-list", POOL_SHARED, "--details"), timeout)

        log("A: pool-refresh x%d (+1 warm-up) per side" % args.reps)
        st = alternate(sides, args.reps, 1, refresh)
        rows.append(Row("A", "pool-refresh, %d volumes" % n, TARGETS["A"],
                        st.get("libvirt"), st.get("provd")))

        # libvirt's RPC protocol caps one volume list at 16384 entries
        # (REMOTE_STORAGE_VOL_LIST_MAX), so virsh cannot list a larger pool at all.
        # Then B runs at the largest round size libvirt can list, and the full size
        # is timed for provd alone.
        proc = subprocess.run(libvirt.cmd("vol-list", POOL_SHARED, "--details"),
                              env=dict(os.environ, LC_ALL="C"), stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              timeout=timeout)
        if proc.returncode != 0:
            why = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"
            log("B: virsh cannot list %d volumes: %s" % (n, why))
            full = None
            if "provd" in sides:
                log("B+: vol-list --details over %d volumes, provd only, x%d (+1 warm-up)"
                    % (n, args.reps_list))
                full = alternate({"provd": provd}, args.reps_list, 1, details)["provd"]
            rows.append(Row("B+", "vol-list --details, %d volumes" % n, TARGETS["B"],
                            "fails: `%s`" % (why[7:] if why.startswith("error: ") else why), full))
            m = min(args.list_volumes, n)
            log("trimming the shared pool to %d volumes" % m)
            trim_pool(sides, shared, m)
        else:
            m = n
        log("B: vol-list --details over %d volumes x%d (+1 warm-up) per side"
            % (m, args.reps_list))
        st = alternate(sides, args.reps_list, 1, details)
        rows.insert(1, Row("B", "vol-list --details, %d volumes" % m, TARGETS["B"],
                           st.get("libvirt"), st.get("provd")))
        cross_check(sides, notes)

        log("C: %d x vol-create-as, x%d (+1 warm-up) per side"
            % (args.creates, args.reps_create))
        st = alternate(sides, args.reps_create, 1,
                       workload_create(create_dirs, args.creates, timeout))
        rows.append(Row("C", "%d × vol-create-as qcow2 1G, one process each" % args.creates,
                        TARGETS["C"], st.get("libvirt"), st.get("provd")))
        py = libvirt_python_create(libvirt.uri, create_dirs["libvirt"], args.creates,
                                   args.reps_create)
        if py is not None:
            line = ("C': the same %d creates through libvirt-python from one process: %s"
                    % (args.creates, fmt_secs(py.median)))
            if isinstance(rows[-1].provd, Stats):
                line += "; that / provctl with one process per volume = %.1f×" % (
                    py.median / rows[-1].provd.median)
            extra.append(line)

        info = machine_info()
        info["date"] = datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC")
        info["libvirt"] = libvirt.version()
        info["qemu_img"] = run([QEMU_IMG, "--version"]).splitlines()[0].split()[2]
        info["provd"] = provd_revision(src) if "provd" in sides else None
        info["load_start"] = load_start
        info["load_end"] = os.getloadavg()[0]
    except Deadline as e:
        log("aborted (%s), cleaning up" % e)
        return 2
    except (BenchError, subprocess.TimeoutExpired) as e:
        log("failed: %s" % e)
        return 1
    except Exception as e:  # e.g. libvirt.libvirtError from the binding
        log("failed: %s: %s" % (type(e).__name__, e))
        return 1
    finally:
        signal.alarm(0)
        libvirt.stop()
        if provd:
            provd.stop()
        if args.keep:
            log("kept %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    params = {
        "argv": "".join(" " + a for a in sys.argv[1:]),
        "reps": "A %d, B %d, C %d, each after one warm-up round, sides alternated"
                % (args.reps, args.reps_list, args.reps_create),
    }
    print_table(rows, extra + notes)
    with open(args.markdown, "w") as f:
        f.write(markdown(rows, extra + notes, info, params))
    log("markdown fragment written to %s" % args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
