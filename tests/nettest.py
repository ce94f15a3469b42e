# SPDX-License-Identifier: LGPL-2.1-or-later
"""nettest: shared helpers for the Python tests that drive provctl's network commands.

Everything happens inside network namespaces the test makes (`ip netns add
provtest-<pid>-<n>`): a "host" namespace where provctl runs (`ip netns exec HOST
provctl --root TMPROOT ...`, which also gives it a /sys of that namespace), "guest"
namespaces on veths whose host end is enslaved to the network's bridge, "upstream"
namespaces behind the host.  The real host's interfaces, routes, sysctls and
firewall are never touched.  tearDown kills every process found in the test's
namespaces (dnsmasq, radvd, clients) and the daemons named by pid files under the
temp roots, deletes the namespaces and removes the temp dir, also after a failure.

`ip`, `nft`, `sysctl` and busybox are used for the test set-up and for observing
state only.  Python 3.11 standard library only.
"""

import glob
import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import provtest  # noqa: E402  (same directory)

SKIP_EXIT = 77
TIMEOUT = 60

SBIN_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
IP = shutil.which("ip", path=SBIN_PATH)
NFT = shutil.which("nft", path=SBIN_PATH)
SYSCTL = shutil.which("sysctl", path=SBIN_PATH)
BUSYBOX = shutil.which("busybox", path=SBIN_PATH)
DNSMASQ = shutil.which("dnsmasq", path=SBIN_PATH)
RADVD = shutil.which("radvd", path=SBIN_PATH)
IPTABLES_SAVE = shutil.which("iptables-save", path=SBIN_PATH)
IP6TABLES_SAVE = shutil.which("ip6tables-save", path=SBIN_PATH)
IPTABLES = shutil.which("iptables", path=SBIN_PATH)
IP6TABLES = shutil.which("ip6tables", path=SBIN_PATH)

PROVCTL = provtest.PROVCTL

NS_PREFIX = "provtest-%d-" % os.getpid()
_ns_counter = [0]


def skip_module(reason):
    print("SKIP: " + reason, flush=True)
    sys.exit(SKIP_EXIT)


def require_environment():
    """Skip the whole program (exit 77, reason printed) unless everything is there."""
    if os.geteuid() != 0:
        skip_module("must run as root (network namespaces, bridges, firewall)")
    missing = [name for name, path in (("ip", IP), ("nft", NFT), ("sysctl", SYSCTL),
                                       ("busybox", BUSYBOX), ("dnsmasq", DNSMASQ),
                                       ("radvd", RADVD)) if not path]
    if missing:
        skip_module("missing tools: %s" % ", ".join(missing))
    if not PROVCTL:
        skip_module("no provctl binary: set PROVCTL or build it in a build*/ directory")
    if not os.access(PROVCTL, os.X_OK):
        skip_module("provctl '%s' is not an executable file (not built yet?)" % PROVCTL)
    probe = NS_PREFIX + "probe"
    res = subprocess.run([IP, "netns", "add", probe], capture_output=True, text=True)
    if res.returncode != 0:
        skip_module("cannot create a network namespace: %s" % res.stderr.strip())
    subprocess.run([IP, "netns", "del", probe], capture_output=True)
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True).stdout.split()
    for applet in ("udhcpc", "nslookup", "ping"):
        if applet not in applets:
            skip_module("busybox has no '%s' applet" % applet)


def main():
    require_environment()
    unittest.main(verbosity=2)


def leases_helper():
    """provd-leases of the build under test (ctest sets PROV_BUILD_DIR), or None."""
    build = os.environ.get("PROV_BUILD_DIR")
    if not build and PROVCTL:
        build = os.path.dirname(os.path.abspath(PROVCTL))
    if build:
        path = os.path.join(build, "provd-leases")
        if os.access(path, os.X_OK):
            return path
    return None


def run(argv, check=True, timeout=TIMEOUT, env=None, input=None):
    res = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                         errors="backslashreplace", timeout=timeout, env=env, input=input)
    if check and res.returncode != 0:
        raise AssertionError("%s failed with %d:\n%s%s" % (" ".join(map(str, argv)),
                                                           res.returncode, res.stdout,
                                                           res.stderr))
    return res


def wait_until(pred, timeout=5.0, interval=0.05, what="condition"):
    """Poll @pred until it returns a true value (returned); AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


# ---- processes -------------------------------------------------------------------

def proc_state(pid):
    """The state letter of @pid ('R', 'S', 'Z', ...) or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rindex(")") + 2]


def proc_exe(pid):
    try:
        return os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return None


def proc_ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    return int(data[data.rindex(")") + 2:].split()[1])


def proc_cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return [a.decode(errors="backslashreplace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def proc_running(pid, binary=None):
    """@pid is alive (not a zombie) and, when given, runs @binary."""
    if not pid:
        return False
    state = proc_state(pid)
    if state is None or state in "ZX":
        return False
    if binary:
        exe = proc_exe(pid) or ""
        if exe.replace(" (deleted)", "") != os.path.realpath(binary):
            return False
    return True


def all_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def read_pidfile(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def kill_and_wait(pids, timeout=5.0):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + timeout
    for pid in pids:
        while proc_running(pid) and time.monotonic() < deadline:
            time.sleep(0.01)


# ---- namespaces ------------------------------------------------------------------

class Netns:
    """A network namespace made by the test; delete() kills what runs in it."""

    def __init__(self, tag):
        _ns_counter[0] += 1
        self.name = "%s%d%s" % (NS_PREFIX, _ns_counter[0], tag)
        run([IP, "netns", "add", self.name])
        self.path = "/run/netns/" + self.name
        st = os.stat(self.path)
        self.ident = (st.st_dev, st.st_ino)
        # No duplicate address detection: IPv6 addresses (link-local ones too, which
        # radvd needs to send and the guests to solicit) are usable at once.
        self.sysctl(**{"net.ipv6.conf.all.accept_dad": 0,
                       "net.ipv6.conf.default.accept_dad": 0})
        self.ip("link", "set", "lo", "up")

    def __repr__(self):
        return "Netns(%s)" % self.name

    def argv(self, *argv):
        return [IP, "netns", "exec", self.name] + [str(a) for a in argv]

    def run(self, *argv, check=True, timeout=TIMEOUT, env=None, input=None):
        return run(self.argv(*argv), check=check, timeout=timeout, env=env, input=input)

    def popen(self, *argv, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("text", True)
        return subprocess.Popen(self.argv(*argv), **kw)

    def ip(self, *args, check=True):
        return run([IP, "-n", self.name] + [str(a) for a in args], check=check)

    def ip_json(self, *args):
        out = self.ip("-j", *args).stdout.strip()
        return json.loads(out) if out else []

    def sysctl(self, **values):
        """Sets sysctls in this namespace; keys with dots or slashes."""
        args = ["%s=%s" % (k, v) for k, v in values.items()]
        self.run(SYSCTL, "-q", "-w", *args)

    def read_sysctl(self, key):
        """A sysctl as this namespace sees it ('net.ipv4.ip_forward', or with slashes
        when an interface name has dots)."""
        return self.run(SYSCTL, "-n", key).stdout.strip()

    def link_exists(self, ifname):
        return self.ip("link", "show", "dev", ifname, check=False).returncode == 0

    def link_info(self, ifname):
        data = self.ip_json("-d", "link", "show", "dev", ifname)
        return data[0] if data else None

    def addresses(self, ifname, family=None):
        """[(address, prefixlen, flags-dict)] of @ifname."""
        args = (["-6"] if family == 6 else ["-4"] if family == 4 else []) + \
            ["addr", "show", "dev", ifname]
        out = []
        for link in self.ip_json(*args):
            for a in link.get("addr_info", []):
                out.append((a["local"], a["prefixlen"], a))
        return out

    def pids(self):
        """Processes whose network namespace is this one."""
        found = []
        for pid in all_pids():
            try:
                st = os.stat("/proc/%d/ns/net" % pid)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) == self.ident:
                found.append(pid)
        return found

    def processes(self):
        """(pid, exe, cmdline) of the live processes in this namespace, sorted."""
        out = []
        for pid in self.pids():
            if proc_running(pid):
                out.append((pid, proc_exe(pid), tuple(proc_cmdline(pid))))
        return sorted(out)

    def processes_of(self, binary):
        real = os.path.realpath(binary)
        return [p for p in self.processes() if (p[1] or "").replace(" (deleted)", "") == real]

    def daemons_of(self, binary):
        """Pids of the running instances of @binary here: dnsmasq (its lease-script
        helper) and radvd (its privilege-separated child) fork a second process, which
        is not counted."""
        procs = self.processes_of(binary)
        pids = {p[0] for p in procs}
        return sorted(pid for pid in pids if proc_ppid(pid) not in pids)

    def delete(self):
        for _ in range(3):
            pids = self.pids()
            if not pids:
                break
            kill_and_wait(pids)
        run([IP, "netns", "del", self.name], check=False)


# ---- state snapshots -------------------------------------------------------------

_COUNTER = re.compile(r"counter packets \d+ bytes \d+")
# `ip -d link` of a bridge shows its running timers.
_TIMER = re.compile(r"\b(\w+_timer)\s+[\d.]+")
_IPT_COUNTER = re.compile(r"\[\d+:\d+\]")


def normalize_nft(text):
    """nft list ruleset text with counter values dropped (traffic moves them)."""
    return _COUNTER.sub("counter", text)


def normalize_iptables_save(text):
    """iptables-save text without its timestamp comments and counters."""
    lines = [l for l in text.splitlines() if not l.startswith("#")]
    return "\n".join(_IPT_COUNTER.sub("[0:0]", l) for l in lines)


def nft_ruleset(ns):
    return normalize_nft(ns.run(NFT, "list", "ruleset").stdout)


def iptables_save(ns, family=4):
    tool = IPTABLES_SAVE if family == 4 else IP6TABLES_SAVE
    return normalize_iptables_save(ns.run(tool).stdout)


# What a stopped network may keep until it is undefined (libvirt keeps them too): the
# generated dnsmasq/radvd configs and hosts files, and the lease store.
GENERATED_FILE = re.compile(r"^\d+:var/lib/provd/network/[^/]+"
                            r"(\.conf|\.hostsfile|\.addnhosts|-radvd\.conf|\.leases\.json"
                            r"|\.leases\.lock)$")


def files_snapshot(root, keep_generated=False):
    """provtest.tree_snapshot of @root without the generated files a stopped network
    keeps (unless @keep_generated) and without directories (created on first use)."""
    snap = provtest.tree_snapshot(root)
    return {k: v for k, v in snap.items()
            if v[0] != "dir" and (keep_generated or not GENERATED_FILE.match(k))}


def _routes6(ns):
    # Turning IPv6 forwarding on makes the kernel add subnet-router anycast routes
    # ("anycast fe80:: dev uplink table local") on every interface; forwarding is
    # deliberately never turned off again (other networks may need it), so these
    # are not ours to remove.
    out = ns.ip("-6", "route", "show", "table", "all").stdout
    return "".join(l for l in out.splitlines(True) if not l.startswith("anycast "))


def ns_snapshot(ns, root=None, files=True):
    """What a network start/stop may change in @ns (and under @root)."""
    snap = {
        "links": _TIMER.sub(r"\1", ns.ip("-d", "link", "show").stdout),
        "addresses": ns.ip("addr", "show").stdout,
        "routes4": ns.ip("-4", "route", "show", "table", "all").stdout,
        "routes6": _routes6(ns),
        "nft": nft_ruleset(ns),
        "processes": ns.processes(),
    }
    if root is not None and files:
        snap["files"] = files_snapshot(root)
    return snap


# ---- XML -------------------------------------------------------------------------

def net_xml(name, forward="nat", bridge=None, mac=None, stp="off", delay=None, domain=None,
            ipv4=None, ipv6=None, dns_hosts=(), extra="", uuid=None, forward_extra="",
            namespaces=""):
    """A <network> document.

    STP is off unless asked for (libvirt's default is on): with STP the kernel keeps a
    new bridge port out of forwarding for at least 4 s, which every guest would wait for.

    @ipv4 / @ipv6: dicts {address, prefix, range: (start, end) or None,
    hosts: [dict(mac=, name=, ip=)]}; @dns_hosts: [(ip, [names])]; @forward None for an
    isolated network.
    """
    parts = ["<network%s>" % ((" " + namespaces) if namespaces else ""),
             "  <name>%s</name>" % name]
    if uuid:
        parts.append("  <uuid>%s</uuid>" % uuid)
    if forward:
        if forward_extra:
            parts.append("  <forward mode='%s'>%s</forward>" % (forward, forward_extra))
        else:
            parts.append("  <forward mode='%s'/>" % forward)
    battrs = []
    if bridge:
        battrs.append("name='%s'" % bridge)
    if stp is not None:
        battrs.append("stp='%s'" % stp)
    if delay is not None:
        battrs.append("delay='%s'" % delay)
    if battrs:
        parts.append("  <bridge %s/>" % " ".join(battrs))
    if mac:
        parts.append("  <mac address='%s'/>" % mac)
    if domain:
        parts.append("  <domain name='%s'/>" % domain)
    if dns_hosts:
        parts.append("  <dns>")
        for ip, names in dns_hosts:
            parts.append("    <host ip='%s'>%s</host>"
                         % (ip, "".join("<hostname>%s</hostname>" % n for n in names)))
        parts.append("  </dns>")
    for fam, ip in (("ipv4", ipv4), ("ipv6", ipv6)):
        if not ip:
            continue
        head = "  <ip family='%s' address='%s' prefix='%s'" % (fam, ip["address"], ip["prefix"])
        rng = ip.get("range")
        hosts = ip.get("hosts", ())
        if not rng and not hosts:
            parts.append(head + "/>")
            continue
        parts.append(head + ">")
        parts.append("    <dhcp>")
        if rng:
            parts.append("      <range start='%s' end='%s'/>" % rng)
        for h in hosts:
            attrs = " ".join("%s='%s'" % (k, h[k]) for k in ("mac", "id", "name", "ip")
                             if k in h)
            parts.append("      <host %s/>" % attrs)
        parts.append("    </dhcp>")
        parts.append("  </ip>")
    if extra:
        parts.append(extra)
    parts.append("</network>")
    return "\n".join(parts) + "\n"


V4_SUBNET = "192.168.150.0/24"
V4_HOST = "192.168.150.1"
V6_HOST = "fd00:150::1"
STATIC_MAC = "52:54:00:15:00:05"
STATIC_IP = "192.168.150.5"
STATIC_NAME = "fixed"
DNS_RECORD_IP = "192.168.150.200"
DNS_RECORD_NAME = "web"
DOMAIN = "provtest"
UPSTREAM_HOST_V4 = "203.0.113.1"
UPSTREAM_V4 = "203.0.113.2"
UPSTREAM_HOST_V6 = "2001:db8:ff::1"
UPSTREAM_V6 = "2001:db8:ff::2"


def default_ipv4(range_=("192.168.150.10", "192.168.150.50"), hosts=None, address=V4_HOST,
                 prefix=24):
    if hosts is None:
        hosts = [dict(mac=STATIC_MAC, name=STATIC_NAME, ip=STATIC_IP)]
    return dict(address=address, prefix=prefix, range=range_, hosts=hosts)


def default_ipv6(address=V6_HOST, prefix=64):
    return dict(address=address, prefix=prefix)


# A udhcpc event script: busybox's default (/usr/share/udhcpc/default.script) does
# not exist here.  It applies the lease with ip(8) and records what it got.
UDHCPC_SCRIPT = r"""#!/bin/sh
case "$1" in
deconfig)
    ip -4 addr flush dev "$interface"
    ip link set dev "$interface" up
    ;;
bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    if [ -n "$router" ]; then
        for r in $router; do
            ip route replace default via "$r" dev "$interface"
            break
        done
    fi
    printf 'ip=%s\nmask=%s\nrouter=%s\ndns=%s\ndomain=%s\nhostname=%s\nlease=%s\nserverid=%s\n' \
        "$ip" "$mask" "$router" "$dns" "$domain" "$hostname" "$lease" "$serverid" \
        > "$PROVTEST_DHCP_RESULT.tmp"
    mv "$PROVTEST_DHCP_RESULT.tmp" "$PROVTEST_DHCP_RESULT"
    ;;
esac
exit 0
"""


class Guest:
    """A namespace on a veth whose host end (@port, in the host namespace) is a port
    of a bridge; its own end is eth0 with @mac."""

    def __init__(self, ns, port, mac):
        self.ns = ns
        self.port = port
        self.mac = mac
        self.ifname = "eth0"
        self.lease = None

    def _ping_argv(self, addr, count, wait):
        # busybox ping: -W is the wait for an answer after the last probe (10 s by
        # default), -w the deadline for the whole run.
        return [BUSYBOX, "ping"] + (["-6"] if ":" in addr else []) + \
            ["-c", str(count), "-W", "1", "-w", str(wait), addr]

    def ping(self, addr, tries=4):
        """True when @addr answers one of @tries one-second probes."""
        for _ in range(tries):
            if self.ns.run(*self._ping_argv(addr, 1, 1), check=False).returncode == 0:
                return True
        return False

    def no_ping(self, addr, wait=2):
        """True when @addr does NOT answer for @wait seconds (one probe a second)."""
        return self.ns.run(*self._ping_argv(addr, wait, wait), check=False).returncode != 0

    def global_v6(self, subnet):
        """Non-tentative addresses of eth0 inside @subnet."""
        net = ipaddress.ip_network(subnet)
        out = []
        for addr, prefix, info in self.ns.addresses(self.ifname, family=6):
            if info.get("scope") != "global" or info.get("tentative"):
                continue
            if ipaddress.ip_address(addr) in net:
                out.append(addr)
        return out


# ---- the test case base ------------------------------------------------------------

class NetTestCase(unittest.TestCase):
    """A temp dir with a state root (self.root) and a host namespace (self.host)."""

    maxDiff = None

    def setUp(self):
        base = os.environ.get("PROV_TEST_TMPDIR") or None
        self.tmp = tempfile.mkdtemp(prefix="provtest-%s-" % self._testMethodName, dir=base)
        # dnsmasq drops to user nobody and re-reads its hosts files on SIGHUP: the
        # state root must be traversable, as /var/lib is on a real host.
        os.chmod(self.tmp, 0o755)
        self._roots = []
        self._namespaces = []
        self._procs = []
        self.addCleanup(self._cleanup)
        self.root = self.make_root("root")
        self.host = self.make_ns("h")
        self._guest_count = 0
        script = self.path("udhcpc.sh")
        with open(script, "w") as f:
            f.write(UDHCPC_SCRIPT)
        os.chmod(script, 0o755)
        self.udhcpc_script = script

    # -- cleanup: daemons by pid files, everything in our namespaces, the temp dir

    def _cleanup(self):
        for proc in self._procs:
            if proc.poll() is None:
                proc.kill()
            try:
                proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        doomed = []
        for root in self._roots:
            for pidfile in glob.glob(os.path.join(root, "var", "lib", "provd", "network",
                                                  "*.pid")):
                pid = read_pidfile(pidfile)
                if pid and (proc_running(pid, DNSMASQ) or proc_running(pid, RADVD)):
                    doomed.append(pid)
        # Anything else still naming our temp dir (a daemon started with our confs).
        real_tmp = os.path.realpath(self.tmp)
        for pid in all_pids():
            if pid == os.getpid():
                continue
            if any(real_tmp in a for a in proc_cmdline(pid)):
                doomed.append(pid)
        kill_and_wait(doomed)
        for ns in reversed(self._namespaces):
            ns.delete()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- paths

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def write_file(self, name, text):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def make_root(self, tag):
        root = self.path(tag)
        os.mkdir(root)
        os.chmod(root, 0o755)
        self._roots.append(root)
        return root

    def make_ns(self, tag):
        ns = Netns(tag)
        self._namespaces.append(ns)
        return ns

    @staticmethod
    def config_path(root, name):
        return os.path.join(root, "etc", "provd", "network", name + ".xml")

    @staticmethod
    def autostart_path(root, name):
        return os.path.join(root, "etc", "provd", "network", "autostart", name + ".xml")

    @staticmethod
    def status_path(root, name):
        return os.path.join(root, "run", "provd", "network", name + ".xml")

    @staticmethod
    def data_path(root, name, suffix):
        return os.path.join(root, "var", "lib", "provd", "network", name + suffix)

    # -- running provctl

    def ctl(self, *args, ns=None, root=None, json_out=False, env=None, timeout=TIMEOUT):
        ns = ns or self.host
        root = root or self.root
        full_env = dict(os.environ)
        for var in ("PROVD_TEST_KILL_AT", "PROVD_FIREWALL_BACKEND"):
            full_env.pop(var, None)
        helper = leases_helper()
        if helper:
            full_env["PROVD_LEASES_HELPER"] = helper
        if env:
            full_env.update(env)
        argv = ns.argv(PROVCTL, "--root", root, *(["--json"] if json_out else []),
                       *[str(a) for a in args])
        return subprocess.run(argv, capture_output=True, encoding="utf-8",
                              errors="backslashreplace", env=full_env, timeout=timeout)

    @staticmethod
    def describe(res):
        return ("command: %s\nexit: %s\nstdout: %r\nstderr: %r"
                % (" ".join(str(a) for a in res.args), res.returncode, res.stdout, res.stderr))

    def ok(self, *args, **kw):
        res = self.ctl(*args, **kw)
        self.assertEqual(res.returncode, 0, "provctl failed\n" + self.describe(res))
        return res.stdout

    def ok_json(self, *args, **kw):
        out = self.ok(*args, json_out=True, **kw)
        try:
            return json.loads(out)
        except ValueError as exc:
            self.fail("--json output of %s is not JSON (%s): %r" % (args, exc, out))

    def assert_error(self, res, *needles, code=1):
        self.assertEqual(res.returncode, code, "unexpected exit status\n" + self.describe(res))
        self.assertTrue(any(l.startswith("error:") for l in res.stderr.splitlines()),
                        "stderr has no 'error: ...' line\n" + self.describe(res))
        for needle in needles:
            self.assertIn(needle, res.stderr,
                          "stderr does not name %r\n%s" % (needle, self.describe(res)))

    def refused(self, *args, needles=(), **kw):
        res = self.ctl(*args, **kw)
        self.assert_error(res, *needles)
        return res

    # -- networks

    def define(self, xml, name, **kw):
        self._def_count = getattr(self, "_def_count", 0) + 1
        f = self.write_file("def%d-%s.xml" % (self._def_count, name), xml)
        self.ok("net-define", f, **kw)
        return f

    def define_and_start(self, xml, name, **kw):
        self.define(xml, name=name, **kw)
        self.ok("net-start", name, **kw)
        return self.status(name, root=kw.get("root"))

    def net_list(self, *flags, **kw):
        data = self.ok_json("net-list", *flags, **kw)
        self.assertIsInstance(data, list, "net-list --json is not a list: %r" % data)
        return {n["name"]: n for n in data}

    def status(self, name, root=None):
        """The status file of an active network: {bridge, dnsmasq, radvd, tree}."""
        path = self.status_path(root or self.root, name)
        self.assertTrue(os.path.isfile(path), "status file %s missing" % path)
        tree = ET.parse(path).getroot()
        self.assertEqual(tree.tag, "networkstatus")
        out = {"tree": tree, "bridge": None, "dnsmasq": None, "radvd": None}
        br = tree.find("bridge")
        if br is not None:
            out["bridge"] = br.get("name")
        for daemon in ("dnsmasq", "radvd"):
            el = tree.find(daemon)
            if el is not None and el.get("pid"):
                out[daemon] = int(el.get("pid"))
        return out

    def live_xml(self, name, *flags, **kw):
        out = self.ok("net-dumpxml", name, *flags, **kw)
        try:
            return ET.fromstring(out)
        except ET.ParseError as exc:
            self.fail("net-dumpxml %s is not XML (%s): %r" % (name, exc, out))

    def our_leftovers(self, ns, root, name, bridge, pids=()):
        """What of network @name is still there (empty list = nothing)."""
        left = []
        if ns.link_exists(bridge):
            left.append("bridge %s" % bridge)
        ruleset = ns.run(NFT, "list", "ruleset").stdout
        if re.search(r"\b%s\b" % re.escape(bridge), ruleset):
            left.append("nft rules naming %s:\n%s" % (bridge, ruleset))
        for pid in pids:
            if pid and proc_running(pid):
                left.append("process %d (%s)" % (pid, proc_exe(pid)))
        for binary in (DNSMASQ, RADVD):
            procs = ns.processes_of(binary)
            if procs:
                left.append("%s processes: %r" % (os.path.basename(binary), procs))
        if os.path.exists(self.status_path(root, name)):
            left.append("status file %s" % self.status_path(root, name))
        for suffix in (".pid", "-radvd.pid"):
            if os.path.exists(self.data_path(root, name, suffix)):
                left.append("pid file %s" % self.data_path(root, name, suffix))
        return left

    def assert_nothing_left(self, ns, root, name, bridge, pids=()):
        left = self.our_leftovers(ns, root, name, bridge, pids)
        self.assertEqual(left, [], "network %r left things behind" % name)

    # -- topology

    def add_guest(self, bridge, mac=None, host=None, tag="g"):
        """A guest namespace on a veth into @bridge (in @host, default self.host)."""
        host = host or self.host
        self._guest_count += 1
        n = self._guest_count
        mac = mac or "52:54:00:aa:00:%02x" % n
        ns = self.make_ns("%s%d" % (tag, n))
        port = "vg%d" % n
        host.ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns.name)
        ns.ip("link", "set", "eth0", "address", mac)
        ns.sysctl(**{"net.ipv6.conf.eth0.accept_ra": 1, "net.ipv6.conf.eth0.autoconf": 1})
        host.ip("link", "set", port, "master", bridge)
        host.ip("link", "set", port, "up")
        ns.ip("link", "set", "eth0", "up")
        return Guest(ns, port, mac)

    def add_upstream(self, host=None, v6=False, route_back=None):
        """An "upstream" namespace on a veth pair with @host: 203.0.113.0/24 (and
        2001:db8:ff::/64 with @v6).  @route_back: subnets the upstream routes back
        via the host (none: only masquerading can bring answers back)."""
        host = host or self.host
        up = self.make_ns("u")
        host.ip("link", "add", "uplink", "type", "veth", "peer", "name", "eth0",
                "netns", up.name)
        host.ip("addr", "add", UPSTREAM_HOST_V4 + "/24", "dev", "uplink")
        up.ip("addr", "add", UPSTREAM_V4 + "/24", "dev", "eth0")
        if v6:
            host.ip("addr", "add", UPSTREAM_HOST_V6 + "/64", "dev", "uplink", "nodad")
            up.ip("addr", "add", UPSTREAM_V6 + "/64", "dev", "eth0", "nodad")
        host.ip("link", "set", "uplink", "up")
        up.ip("link", "set", "eth0", "up")
        for subnet in route_back or ():
            via = UPSTREAM_HOST_V6 if ":" in subnet else UPSTREAM_HOST_V4
            up.ip("route", "add", subnet, "via", via)
        return up

    def dhcp(self, guest, hostname=None, tries=8, expect=True):
        """busybox udhcpc in @guest; the lease as a dict (ip, mask, router, dns, domain...)
        or None when no lease came (asserted per @expect).  dnsmasq pings a dynamic
        address for ~3 s before offering it, so the first offers take that long."""
        result = self.path("dhcp-%s.env" % guest.ns.name)
        if os.path.exists(result):
            os.unlink(result)
        argv = [BUSYBOX, "udhcpc", "-f", "-q", "-n", "-i", guest.ifname, "-t", str(tries),
                "-T", "1", "-s", self.udhcpc_script]
        if hostname:
            argv += ["-x", "hostname:%s" % hostname]
        env = dict(os.environ, PROVTEST_DHCP_RESULT=result, PATH=SBIN_PATH)
        res = guest.ns.run(*argv, check=False, env=env, timeout=tries * 3 + 20)
        lease = None
        if res.returncode == 0 and os.path.exists(result):
            lease = {}
            with open(result) as f:
                for line in f:
                    k, _, v = line.rstrip("\n").partition("=")
                    lease[k] = v
        if expect:
            self.assertIsNotNone(lease, "udhcpc got no lease in %s: exit %d\n%s%s"
                                 % (guest.ns.name, res.returncode, res.stdout, res.stderr))
        else:
            self.assertIsNone(lease, "udhcpc unexpectedly got a lease: %r" % lease)
        guest.lease = lease
        return lease

    def nslookup(self, guest, name, server):
        """The addresses busybox nslookup reports for @name (empty when none)."""
        res = guest.ns.run(BUSYBOX, "nslookup", name, server, check=False, timeout=20)
        addrs = []
        seen_name = False
        for line in res.stdout.splitlines():
            if line.startswith("Name:"):
                seen_name = True
            elif seen_name and line.startswith("Address"):
                addrs.append(line.split()[-1])
        return addrs

    def wait_slaac(self, guest, subnet, timeout=10):
        return wait_until(lambda: guest.global_v6(subnet), timeout=timeout, interval=0.1,
                          what="a SLAAC address in %s on %s" % (subnet, guest.ns.name))

    def leases(self, name, *flags, **kw):
        data = self.ok_json("net-dhcp-leases", name, *flags, **kw)
        self.assertIsInstance(data, list, "net-dhcp-leases --json is not a list: %r" % data)
        return data

    def wait_lease(self, name, mac, timeout=5, **kw):
        mac = mac.lower()

        def find():
            for lease in self.leases(name, **kw):
                if (lease.get("mac") or "").lower() == mac:
                    return lease
            return None
        return wait_until(find, timeout=timeout, interval=0.1,
                          what="a lease of %s in net-dhcp-leases %s" % (mac, name))
