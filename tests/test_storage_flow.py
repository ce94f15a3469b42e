# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_storage_flow: the dir-pool user flow through the real provctl, checked on disk."""

import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import json
import os
import shutil
import stat
import xml.etree.ElementTree as ET

import provtest
from provtest import GIB, MIB, KIB, ProvTestCase, qemu_img_info, run_tool


class PoolLifecycle(ProvTestCase):
    """pool-define-as, build, start, autostart, info, list, destroy, delete, undefine."""

    def test_define_build_start_autostart(self):
        target = self.path("images")
        self.ok("pool-define-as", "images", "dir", "--target", target)
        tree = self.assert_config_valid("images", target=target, ptype="dir")
        self.assertFalse(os.path.exists(target), "pool-define-as must not create the target")
        self.assertFalse(os.path.exists(self.status_path("images")),
                         "a defined pool has no status file")
        self.assertEqual(self.pool_state("images"), "inactive")

        self.ok("pool-build", "images")
        st = os.stat(target)
        self.assertTrue(stat.S_ISDIR(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o711,
                         "pool-build must create the dir with mode 0711, got %o"
                         % stat.S_IMODE(st.st_mode))

        self.ok("pool-start", "images")
        status = ET.parse(self.status_path("images")).getroot()
        self.assertEqual(status.tag, "poolstate")
        self.assertEqual(status.findtext("pool/name"), "images")
        self.assertEqual(status.findtext("pool/uuid"), tree.findtext("uuid"))
        self.assertEqual(self.pool_state("images"), "running")

        self.ok("pool-autostart", "images")
        link = self.autostart_path("images")
        self.assertTrue(os.path.islink(link), "autostart symlink %s missing" % link)
        self.assertEqual(os.path.realpath(link), os.path.realpath(self.config_path("images")))
        pool = self.pool_list()["images"]
        self.assertIs(pool["autostart"], True)
        self.assertIs(pool["persistent"], True)
        self.assertEqual(pool["type"], "dir")
        self.assertEqual(pool["uuid"], tree.findtext("uuid"))

        self.ok("pool-autostart", "images", "--disable")
        self.assertFalse(os.path.lexists(link), "pool-autostart --disable left the link")
        self.assertIs(self.pool_list()["images"]["autostart"], False)

    def test_build_uses_xml_mode(self):
        target = self.path("moded")
        xmlfile = self.write_file("moded.xml", provtest.pool_xml("moded", target, mode="0750"))
        self.ok("pool-define", xmlfile)
        self.ok("pool-build", "moded")
        self.assertEqual(stat.S_IMODE(os.stat(target).st_mode), 0o750)
        perms = self.pool_xml_tree("moded").find("target/permissions")
        self.assertIsNotNone(perms, "pool-dumpxml lacks target/permissions")
        self.assertEqual(int(perms.findtext("mode"), 8), 0o750)

    def test_pool_define_file_dir(self):
        target = self.path("fromfile")
        uuid = "8a2e3c7d-4b5f-4e6a-9c1d-0f2e3a4b5c6d"
        xmlfile = self.write_file("p.xml", provtest.pool_xml("fromfile", target, uuid=uuid))
        self.ok("pool-define", xmlfile)
        tree = self.assert_config_valid("fromfile", target=target, ptype="dir")
        self.assertEqual(tree.findtext("uuid"), uuid)
        info = provtest.parse_colon_table(self.ok("pool-info", "fromfile"))
        self.assertEqual(info.get("Name"), "fromfile")
        self.assertEqual(info.get("UUID"), uuid)
        self.assertEqual(info.get("State"), "inactive")
        # A pool can be found by its UUID too.
        info2 = provtest.parse_colon_table(self.ok("pool-info", uuid))
        self.assertEqual(info2.get("Name"), "fromfile")
        dump = self.pool_xml_tree("fromfile", "--inactive")
        self.assertEqual(dump.get("type"), "dir")
        self.assertEqual(dump.findtext("uuid"), uuid)
        self.assertEqual(dump.findtext("target/path"), target)

    def test_pool_define_file_fs(self):
        target = self.path("fsmnt")
        device = "/dev/provtest-no-such-device"
        src = "    <device path='%s'/>\n    <format type='ext4'/>\n" % device
        xmlfile = self.write_file("fs.xml", provtest.pool_xml("fsdef", target, ptype="fs",
                                                              extra_source=src))
        self.ok("pool-define", xmlfile)
        tree = self.assert_config_valid("fsdef", target=target, ptype="fs")
        self.assertEqual(tree.find("source/device").get("path"), device)
        self.assertEqual(tree.find("source/format").get("type"), "ext4")
        dump = self.pool_xml_tree("fsdef", "--inactive")
        self.assertEqual(dump.get("type"), "fs")
        self.assertEqual(dump.find("source/device").get("path"), device)
        self.assertEqual(self.pool_list()["fsdef"]["type"], "fs")
        self.assertFalse(os.path.exists(target))

    def test_define_libvirt_documents(self):
        """libvirt's own pool-dir.xml and pool-fs.xml (read at run time) define as-is."""
        conf = os.environ.get("PROV_CONFORMANCE_DIR", os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "conformance",
            "libvirt"))
        indir = os.path.join(conf, "storage", "storagepoolxml2xmlin")
        if not os.path.isdir(indir):
            self.skipTest("libvirt conformance data not found at %s" % indir)
        cases = (("pool-dir.xml", "virtimages", "dir", "/var/lib/libvirt/images",
                  "70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2"),
                 ("pool-fs.xml", "images", "fs", "/mnt",
                  "7641d5a8-af11-f730-a34e-0a7dfcede71f"))
        for fname, name, ptype, target, uuid in cases:
            with self.subTest(fname):
                self.ok("pool-define", os.path.join(indir, fname))
                tree = self.assert_config_valid(name, target=target, ptype=ptype)
                self.assertEqual(tree.findtext("uuid"), uuid)
                self.assertEqual(int(tree.findtext("target/permissions/mode"), 8), 0o700)
                dump = self.pool_xml_tree(name, "--inactive")
                self.assertEqual(dump.findtext("target/path"), target,
                                 "the target path is sanitized as libvirt does")
                info = self.ok_json("pool-info", uuid)
                self.assertEqual(info["name"], name)
                self.assertEqual(info["state"], "inactive")
        fs = self.pool_xml_tree("images", "--inactive")
        self.assertEqual(fs.find("source/device").get("path"), "/dev/sda6")
        self.assertEqual(fs.find("source/format").get("type"), "ext3")
        self.assertEqual(sorted(self.pool_list()), ["images", "virtimages"])

    def test_pool_info_and_dumpxml(self):
        target = self.make_dir_pool("images")
        info = provtest.parse_colon_table(self.ok("pool-info", "images"))
        for key in ("Name", "UUID", "State", "Persistent", "Autostart", "Capacity",
                    "Allocation", "Available"):
            self.assertIn(key, info, "pool-info lacks %r: %r" % (key, info))
        self.assertEqual(info["Name"], "images")
        self.assertEqual(info["State"], "running")
        self.assertEqual(info["Persistent"], "yes")
        self.assertEqual(info["Autostart"], "no")
        self.assertRegex(info["Capacity"], r"^\d+\.\d\d (B|KiB|MiB|GiB|TiB|PiB|EiB)$")

        data = self.ok_json("pool-info", "images")
        self.assertEqual(data["name"], "images")
        self.assertEqual(data["uuid"], info["UUID"])
        self.assertEqual(data["state"], "running")
        sv = os.statvfs(target)
        self.assertEqual(data["capacity"], sv.f_frsize * sv.f_blocks,
                         "pool capacity must be the filesystem size (statvfs)")
        self.assertLessEqual(data["available"], data["capacity"])
        self.assertEqual(data["allocation"] + data["available"], data["capacity"])

        tree = self.pool_xml_tree("images")
        self.assertEqual(tree.tag, "pool")
        self.assertEqual(tree.get("type"), "dir")
        self.assertEqual(tree.findtext("name"), "images")
        self.assertEqual(tree.findtext("uuid"), info["UUID"])
        self.assertEqual(tree.findtext("target/path"), target)
        cap = tree.find("capacity")
        self.assertIsNotNone(cap)
        self.assertEqual(cap.get("unit"), "bytes")
        self.assertEqual(int(cap.text), data["capacity"])

    def test_pool_list_table_and_json(self):
        self.make_dir_pool("images")
        self.ok("pool-define-as", "other", "dir", "--target", self.path("other"))

        out = self.ok("pool-list")
        self.assertIn("Name", out)
        self.assertIn("State", out)
        self.assertIn("Autostart", out)
        rows = {r[0]: r for r in provtest.parse_table(out)}
        self.assertIn("images", rows, out)
        self.assertEqual(rows["images"][1:3], ["active", "no"], out)
        self.assertNotIn("other", rows, "pool-list without --all shows an inactive pool")

        rows = {r[0]: r for r in provtest.parse_table(self.ok("pool-list", "--all"))}
        self.assertEqual(rows["other"][1:3], ["inactive", "no"])
        self.assertEqual(rows["images"][1:3], ["active", "no"])

        out = self.ok("pool-list", "--all", "--details")
        self.assertIn("Persistent", out)
        rows = {r[0]: r for r in provtest.parse_table(out)}
        self.assertEqual(rows["images"][1:4], ["running", "no", "yes"], out)
        self.assertEqual(rows["other"][1:4], ["inactive", "no", "yes"], out)

        pools = self.pool_list()
        self.assertEqual(sorted(pools), ["images", "other"])
        for key in ("name", "uuid", "state", "autostart", "persistent", "type", "capacity",
                    "allocation", "available"):
            self.assertIn(key, pools["images"], "pool-list --json object lacks %r" % key)
        self.assertEqual(pools["images"]["state"], "running")
        self.assertEqual(pools["other"]["state"], "inactive")
        self.assertGreater(pools["images"]["capacity"], 0)
        self.assertEqual(sorted(self.pool_list(all_pools=False)), ["images"])

    def test_transient_pool_create(self):
        target = self.path("trans")
        os.mkdir(target)
        xmlfile = self.write_file("t.xml", provtest.pool_xml("trans", target))
        self.ok("pool-create", xmlfile)
        self.assertFalse(os.path.exists(self.config_path("trans")),
                         "pool-create must not write a persistent config")
        self.assertTrue(os.path.isfile(self.status_path("trans")))
        pool = self.pool_list()["trans"]
        self.assertEqual(pool["state"], "running")
        self.assertIs(pool["persistent"], False)
        self.ok("pool-destroy", "trans")
        self.assertNotIn("trans", self.pool_list(), "a destroyed transient pool must vanish")
        self.assertFalse(os.path.exists(self.status_path("trans")))

    def test_destroy_delete_undefine(self):
        target = self.make_dir_pool("images", autostart=True)
        self.ok("vol-create-as", "images", "v.img", "1M")
        self.ok("vol-delete", "v.img", "--pool", "images")

        self.ok("pool-destroy", "images")
        self.assertFalse(os.path.exists(self.status_path("images")))
        self.assertTrue(os.path.isdir(target), "pool-destroy of a dir pool keeps the dir")
        self.assertEqual(self.pool_state("images"), "inactive")
        res = self.ctl("vol-list", "images")
        self.assert_error(res, 1, "images")

        self.ok("pool-delete", "images")
        self.assertFalse(os.path.exists(target), "pool-delete must remove the target dir")
        self.assertTrue(os.path.isfile(self.config_path("images")),
                        "pool-delete must keep the definition")

        self.ok("pool-undefine", "images")
        self.assertFalse(os.path.exists(self.config_path("images")))
        self.assertFalse(os.path.lexists(self.autostart_path("images")),
                         "pool-undefine must remove the autostart link")
        self.assertNotIn("images", self.pool_list())

    def test_autostart_after_reboot(self):
        self.make_dir_pool("images", autostart=True)
        self.make_dir_pool("manual")
        # A reboot empties /run: the live status of both pools is gone.
        shutil.rmtree(os.path.join(self.root, "run"))
        pools = self.pool_list()
        self.assertEqual(pools["images"]["state"], "inactive")
        self.assertEqual(pools["manual"]["state"], "inactive")

        self.ok("autostart")
        pools = self.pool_list()
        self.assertEqual(pools["images"]["state"], "running",
                         "provctl autostart must start the autostart pool")
        self.assertEqual(pools["manual"]["state"], "inactive",
                         "provctl autostart must leave a non-autostart pool alone")
        self.assertTrue(os.path.isfile(self.status_path("images")))
        self.assertFalse(os.path.exists(self.status_path("manual")))
        # Volumes are usable again.
        self.ok("vol-create-as", "images", "after.img", "1M")

    def test_autostart_partial_failure(self):
        broken = self.make_dir_pool("broken", autostart=True)
        self.make_dir_pool("fine", autostart=True)
        shutil.rmtree(os.path.join(self.root, "run"))
        os.rmdir(broken)
        res = self.ctl("autostart")
        self.assert_error(res, 1, "broken")
        self.assertNotIn("'fine'", res.stderr)
        pools = self.pool_list()
        self.assertEqual(pools["fine"]["state"], "running",
                         "one failing pool must not stop the others from starting")
        self.assertEqual(pools["broken"]["state"], "inactive")
        self.assertFalse(os.path.exists(self.status_path("broken")))

    def test_start_and_create_with_build(self):
        target = self.path("built-on-start")
        self.ok("pool-define-as", "images", "dir", "--target", target)
        self.ok("pool-start", "images", "--build")
        self.assertTrue(os.path.isdir(target))
        self.assertEqual(self.pool_state("images"), "running")
        target2 = self.path("built-on-create")
        xmlfile = self.write_file("t.xml", provtest.pool_xml("trans", target2))
        self.ok("pool-create", xmlfile, "--build")
        self.assertTrue(os.path.isdir(target2))
        self.assertEqual(self.pool_state("trans"), "running")

    def test_dir_removed_behind_our_back(self):
        target = self.make_dir_pool("images")
        self.assertEqual(self.pool_state("images"), "running")
        shutil.rmtree(target)
        self.assertEqual(self.pool_state("images"), "inactive",
                         "a dir pool whose directory vanished must be shown inactive")
        self.assertFalse(os.path.exists(self.status_path("images")),
                         "the stale status file must be removed")
        info = provtest.parse_colon_table(self.ok("pool-info", "images"))
        self.assertEqual(info.get("State"), "inactive")


class Volumes(provtest.ImagesPoolMixin, ProvTestCase):
    """Volume commands in a running dir pool 'images'."""

    def create_qcow2(self, name="disk1.qcow2", size="10G"):
        self.ok("vol-create-as", "images", name, size, "--format", "qcow2")
        return self.vpath(name)

    def test_create_qcow2(self):
        path = self.create_qcow2()
        info = qemu_img_info(path)
        self.assertEqual(info["format"], "qcow2")
        self.assertEqual(info["virtual-size"], 10 * GIB)
        res = run_tool(["qemu-img", "check", path])
        self.assertEqual(res.returncode, 0, "qemu-img check: %s %s" % (res.stdout, res.stderr))
        self.assertLess(provtest.allocated_bytes(path), 16 * MIB, "a new qcow2 is small")
        data = self.ok_json("vol-info", "disk1.qcow2", "--pool", "images")
        self.assertEqual(data["name"], "disk1.qcow2")
        self.assertEqual(data["type"], "file")
        self.assertEqual(data["capacity"], 10 * GIB)
        self.assertEqual(data["path"], path)
        self.assertEqual(data["key"], path)
        self.assertEqual(data["pool"], "images")
        self.assertEqual(data["allocation"], provtest.allocated_bytes(path))
        self.assertEqual(data["physical"], os.stat(path).st_size)
        text = provtest.parse_colon_table(self.ok("vol-info", "disk1.qcow2", "--pool", "images"))
        self.assertEqual(text.get("Name"), "disk1.qcow2")
        self.assertEqual(text.get("Type"), "file")
        self.assertEqual(text.get("Capacity"), "10.00 GiB")

    def test_create_raw_allocated(self):
        self.ok("vol-create-as", "images", "raw1.img", "1G", "--allocation", "1G")
        path = self.vpath("raw1.img")
        st = os.stat(path)
        self.assertEqual(st.st_size, GIB)
        self.assertGreaterEqual(st.st_blocks * 512, GIB, "--allocation 1G must allocate 1 GiB")
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, "new volumes default to mode 0600")
        tree = self.vol_xml_tree("raw1.img", "images")
        self.assertEqual(tree.find("target/format").get("type"), "raw")
        self.assertGreaterEqual(int(tree.findtext("allocation")), GIB)

    def test_create_raw_sparse(self):
        self.ok("vol-create-as", "images", "sparse.img", "1G", "--allocation", "0")
        st = os.stat(self.vpath("sparse.img"))
        self.assertEqual(st.st_size, GIB)
        self.assertLess(st.st_blocks * 512, MIB, "allocation 0 must give a sparse file")
        data = self.ok_json("vol-info", "sparse.img", "--pool", "images")
        self.assertEqual(data["capacity"], GIB)
        self.assertLess(data["allocation"], MIB)

    def test_create_qcow2_prealloc_metadata(self):
        self.ok("vol-create-as", "images", "pm.qcow2", "1G", "--format", "qcow2",
                "--prealloc-metadata")
        path = self.vpath("pm.qcow2")
        info = qemu_img_info(path)
        self.assertEqual(info["format"], "qcow2")
        self.assertEqual(info["virtual-size"], GIB)
        res = run_tool(["qemu-img", "map", "--output=json", "-U", path])
        self.assertEqual(res.returncode, 0, res.stderr)
        extents = json.loads(res.stdout)
        self.assertTrue(all("offset" in e for e in extents),
                        "metadata preallocation maps every cluster: %r" % extents[:4])
        # Without preallocation the same image maps nothing.
        self.create_qcow2("plain.qcow2", "1G")
        res = run_tool(["qemu-img", "map", "--output=json", "-U", self.vpath("plain.qcow2")])
        self.assertFalse(any("offset" in e for e in json.loads(res.stdout)))

    def test_create_raw_prealloc_metadata(self):
        """Raw has no metadata: the flag is accepted and <allocation> decides (provd)."""
        self.ok("vol-create-as", "images", "full.img", "8M", "--prealloc-metadata")
        self.assertGreaterEqual(provtest.allocated_bytes(self.vpath("full.img")), 8 * MIB)
        self.ok("vol-create-as", "images", "thin.img", "8M", "--allocation", "0",
                "--prealloc-metadata")
        self.assertEqual(os.stat(self.vpath("thin.img")).st_size, 8 * MIB)
        self.assertLess(provtest.allocated_bytes(self.vpath("thin.img")), MIB)

    def test_vol_clone_qcow2(self):
        src = self.create_qcow2()
        self.ok("vol-clone", "disk1.qcow2", "disk2.qcow2", "--pool", "images")
        dst = self.vpath("disk2.qcow2")
        info = qemu_img_info(dst)
        self.assertEqual(info["format"], "qcow2")
        self.assertEqual(info["virtual-size"], 10 * GIB)
        res = run_tool(["qemu-img", "compare", "-U", src, dst])
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertEqual(self.vol_names("images"), ["disk1.qcow2", "disk2.qcow2"])

    def test_vol_clone_raw_keeps_data(self):
        self.ok("vol-create-as", "images", "src.img", "4M")
        data = self.path("data.bin")
        digest = provtest.write_holey_file(data, 4 * MIB, [(0, 4 * MIB)])
        self.ok("vol-upload", "src.img", data, "--pool", "images")
        self.ok("vol-clone", "src.img", "copy.img", "--pool", "images")
        self.assertEqual(provtest.sha256_file(self.vpath("copy.img")), digest)

    def test_vol_create_from_xml_and_create_from(self):
        xmlfile = self.write_file("v.xml", provtest.vol_xml("fromxml.img", 8 * MIB,
                                                            allocation=0))
        self.ok("vol-create", "images", xmlfile)
        self.assertEqual(os.stat(self.vpath("fromxml.img")).st_size, 8 * MIB)
        data = self.path("data.bin")
        provtest.write_holey_file(data, 8 * MIB, [(0, MIB), (5 * MIB, MIB)])
        self.ok("vol-upload", "fromxml.img", data, "--pool", "images")

        other = self.make_dir_pool("other")
        conv = self.write_file("c.xml", provtest.vol_xml("conv.qcow2", 8 * MIB, fmt="qcow2"))
        self.ok("vol-create-from", "other", conv, "fromxml.img", "--inputpool", "images")
        out = os.path.join(other, "conv.qcow2")
        self.assertEqual(qemu_img_info(out)["format"], "qcow2")
        res = run_tool(["qemu-img", "compare", "-U", "-f", "raw", "-F", "qcow2",
                        self.vpath("fromxml.img"), out])
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)

    def test_vol_list_details(self):
        self.create_qcow2()
        self.ok("vol-create-as", "images", "raw1.img", "1G", "--allocation", "0")
        out = self.ok("vol-list", "images")
        rows = {r[0]: r for r in provtest.parse_table(out)}
        self.assertEqual(rows["disk1.qcow2"][1], self.vpath("disk1.qcow2"), out)
        self.assertEqual(rows["raw1.img"][1], self.vpath("raw1.img"), out)

        out = self.ok("vol-list", "images", "--details")
        for word in ("Name", "Path", "Type", "Capacity", "Allocation"):
            self.assertIn(word, out)
        rows = {r[0]: r for r in provtest.parse_table(out)}
        self.assertEqual(rows["disk1.qcow2"][1:4],
                         [self.vpath("disk1.qcow2"), "file", "10.00 GiB"], out)
        self.assertEqual(rows["raw1.img"][1:4],
                         [self.vpath("raw1.img"), "file", "1.00 GiB"], out)

        data = self.ok_json("vol-list", "images")
        by_name = {v["name"]: v for v in data}
        self.assertEqual(sorted(by_name), ["disk1.qcow2", "raw1.img"])
        for key in ("name", "path", "type", "capacity", "allocation"):
            self.assertIn(key, by_name["disk1.qcow2"])
        self.assertEqual(by_name["disk1.qcow2"]["capacity"], 10 * GIB)
        self.assertEqual(by_name["raw1.img"]["capacity"], GIB)
        self.assertEqual(by_name["raw1.img"]["path"], self.vpath("raw1.img"))

    def test_vol_path_key_name_lookup(self):
        path = self.create_qcow2()
        self.assertEqual(self.ok("vol-path", "disk1.qcow2", "--pool", "images").strip(), path)
        self.assertEqual(self.ok("vol-key", "disk1.qcow2", "--pool", "images").strip(), path)
        self.assertEqual(self.ok("vol-name", path).strip(), "disk1.qcow2")
        # Lookup by path (and key) without naming the pool.
        data = self.ok_json("vol-info", path)
        self.assertEqual(data["name"], "disk1.qcow2")
        self.assertEqual(self.ok("vol-path", path).strip(), path)
        res = self.ctl("vol-name", self.vpath("nosuch.img"))
        self.assert_error(res, 1, self.vpath("nosuch.img"))

    def test_vol_dumpxml(self):
        path = self.create_qcow2()
        tree = self.vol_xml_tree("disk1.qcow2", "images")
        self.assertEqual(tree.tag, "volume")
        self.assertEqual(tree.get("type"), "file")
        self.assertEqual(tree.findtext("name"), "disk1.qcow2")
        self.assertEqual(tree.findtext("key"), path)
        cap = tree.find("capacity")
        self.assertEqual(cap.get("unit"), "bytes")
        self.assertEqual(int(cap.text), 10737418240)
        self.assertEqual(tree.findtext("target/path"), path)
        self.assertEqual(tree.find("target/format").get("type"), "qcow2")

    def test_vol_resize(self):
        self.ok("vol-create-as", "images", "r.img", "1M")
        path = self.vpath("r.img")
        self.ok("vol-resize", "r.img", "2M", "--pool", "images")
        self.assertEqual(os.stat(path).st_size, 2 * MIB)
        res = self.ctl("vol-resize", "r.img", "1M", "--pool", "images")
        self.assert_error(res, 1, "r.img")
        self.assertEqual(os.stat(path).st_size, 2 * MIB, "refused shrink changed the file")
        self.ok("vol-resize", "r.img", "1M", "--pool", "images", "--shrink")
        self.assertEqual(os.stat(path).st_size, MIB)
        self.assertEqual(self.ok_json("vol-info", "r.img", "--pool", "images")["capacity"], MIB)

        self.ok("vol-resize", "r.img", "8M", "--pool", "images", "--allocate")
        self.assertGreaterEqual(provtest.allocated_bytes(path), 8 * MIB)

        self.create_qcow2("q.qcow2", "1G")
        self.ok("vol-resize", "q.qcow2", "2G", "--pool", "images")
        self.assertEqual(qemu_img_info(self.vpath("q.qcow2"))["virtual-size"], 2 * GIB)
        res = self.ctl("vol-resize", "q.qcow2", "1G", "--pool", "images")
        self.assert_error(res, 1, "q.qcow2")
        self.assertEqual(qemu_img_info(self.vpath("q.qcow2"))["virtual-size"], 2 * GIB)

    def test_vol_wipe(self):
        self.ok("vol-create-as", "images", "w.img", "4M")
        path = self.vpath("w.img")
        data = self.path("rand.bin")
        digest = provtest.write_holey_file(data, 4 * MIB, [(0, 4 * MIB)])
        self.ok("vol-upload", "w.img", data, "--pool", "images")
        self.assertEqual(provtest.sha256_file(path), digest)
        self.ok("vol-wipe", "w.img", "--pool", "images")
        self.assertEqual(os.stat(path).st_size, 4 * MIB)
        self.assertTrue(provtest.is_all_zero(path), "vol-wipe must leave only zeros")

        self.ok("vol-upload", "w.img", data, "--pool", "images")
        self.ok("vol-wipe", "w.img", "--pool", "images", "--algorithm", "zero")
        self.assertTrue(provtest.is_all_zero(path))

        if shutil.which("scrub"):
            self.ok("vol-upload", "w.img", data, "--pool", "images")
            self.ok("vol-wipe", "w.img", "--pool", "images", "--algorithm", "nnsa")
            self.assertEqual(os.stat(path).st_size, 4 * MIB)
            self.assertNotEqual(provtest.sha256_file(path), digest,
                                "vol-wipe --algorithm nnsa left the data")

    def test_upload_download_holes(self):
        size = 64 * MIB
        src = self.path("holey.bin")
        digest = provtest.write_holey_file(src, size, [(0, MIB), (40 * MIB, MIB),
                                                       (size - MIB, MIB)])
        self.assertLess(provtest.allocated_bytes(src), 8 * MIB, "test fs keeps no holes")
        self.ok("vol-create-as", "images", "up.img", "64M", "--allocation", "0")
        vol = self.vpath("up.img")
        self.ok("vol-upload", "up.img", src, "--pool", "images", "--sparse")
        self.assertEqual(provtest.sha256_file(vol), digest)
        self.assertLess(provtest.allocated_bytes(vol), 16 * MIB,
                        "vol-upload --sparse must keep holes in the volume")

        out = self.path("down-sparse.bin")
        self.ok("vol-download", "up.img", out, "--pool", "images", "--sparse")
        self.assertEqual(provtest.sha256_file(out), digest)
        self.assertEqual(os.stat(out).st_size, size)
        self.assertLess(provtest.allocated_bytes(out), 16 * MIB,
                        "vol-download --sparse must keep holes in the file")

        out2 = self.path("down-full.bin")
        self.ok("vol-download", "up.img", out2, "--pool", "images")
        self.assertEqual(provtest.sha256_file(out2), digest)

        # A plain upload (no --sparse) gives the same content.
        self.ok("vol-create-as", "images", "up2.img", "64M", "--allocation", "0")
        self.ok("vol-upload", "up2.img", src, "--pool", "images")
        self.assertEqual(provtest.sha256_file(self.vpath("up2.img")), digest)

    def test_upload_download_offset_length(self):
        self.ok("vol-create-as", "images", "part.img", "4M")
        vol = self.vpath("part.img")
        src = self.path("piece.bin")
        provtest.write_holey_file(src, 2 * MIB, [(0, 2 * MIB)])
        piece = provtest.read_bytes(src)
        self.ok("vol-upload", "part.img", src, "--pool", "images", "--offset", "1M",
                "--length", "512K")
        data = provtest.read_bytes(vol)
        self.assertEqual(len(data), 4 * MIB)
        self.assertEqual(data[:MIB], bytes(MIB), "bytes before --offset were touched")
        self.assertEqual(data[MIB:MIB + 512 * KIB], piece[:512 * KIB])
        self.assertEqual(data[MIB + 512 * KIB:], bytes(4 * MIB - MIB - 512 * KIB),
                         "bytes after --length were touched")
        out = self.path("piece-out.bin")
        self.ok("vol-download", "part.img", out, "--pool", "images", "--offset", "1M",
                "--length", "256K")
        self.assertEqual(provtest.read_bytes(out), piece[:256 * KIB])

    def test_vol_resize_delta(self):
        self.ok("vol-create-as", "images", "d.img", "1M", "--allocation", "0")
        self.ok("vol-resize", "d.img", "3M", "--pool", "images", "--delta")
        self.assertEqual(os.stat(self.vpath("d.img")).st_size, 4 * MIB)
        self.ok("vol-resize", "d.img", "-2M", "--pool", "images", "--shrink")
        self.assertEqual(os.stat(self.vpath("d.img")).st_size, 2 * MIB)

    def test_refresh_probes_real_format(self):
        fake = self.vpath("fake.qcow2")
        with open(fake, "wb") as f:
            f.write(b"this is raw data, not a qcow2 header\n" * 1000)
        real = self.vpath("x.img")
        res = run_tool(["qemu-img", "create", "-q", "-f", "qcow2", real, "3G"])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.ok("pool-refresh", "images")
        self.assertEqual(self.vol_names("images"), ["fake.qcow2", "x.img"])

        tree = self.vol_xml_tree("fake.qcow2", "images")
        self.assertEqual(tree.find("target/format").get("type"), "raw",
                         "format must come from the content, not the file name")
        self.assertEqual(int(tree.findtext("capacity")), os.stat(fake).st_size)

        tree = self.vol_xml_tree("x.img", "images")
        self.assertEqual(tree.find("target/format").get("type"), "qcow2")
        self.assertEqual(int(tree.findtext("capacity")), 3 * GIB)
        data = self.ok_json("vol-info", "x.img", "--pool", "images")
        self.assertEqual(data["capacity"], 3 * GIB)

    def test_refresh_odd_entries(self):
        """Subdirectories are dir volumes; FIFOs and dangling links are skipped without
        blocking; files deleted behind our back disappear."""
        os.mkdir(self.vpath("subdir"))
        os.mkfifo(self.vpath("a-fifo"))
        os.symlink(self.path("nowhere"), self.vpath("dangling.img"))
        self.ok("vol-create-as", "images", "gone.img", "1M")
        os.unlink(self.vpath("gone.img"))
        res = self.ctl("pool-refresh", "images", timeout=60)
        self.assertEqual(res.returncode, 0, self.describe(res))
        data = {v["name"]: v for v in self.ok_json("vol-list", "images")}
        self.assertEqual(sorted(data), ["subdir"])
        self.assertEqual(data["subdir"]["type"], "dir")
        tree = self.vol_xml_tree("subdir", "images")
        self.assertEqual(tree.find("target/format").get("type"), "dir")

    def test_file_names_that_are_not_utf8(self):
        """A file someone put into the pool under a non-UTF-8 name: listed (JSON shows
        U+FFFD, the table \\xNN) and, once listed, usable by its real name and path."""
        raw_name = b"bad\xff.img"
        raw_path = os.fsencode(self.target) + b"/" + raw_name
        with open(raw_path, "wb") as f:
            f.write(b"x" * 4096)
        data = self.ok_json("vol-list", "images")
        self.assertEqual([v["name"] for v in data], ["bad\ufffd.img"])
        rows = provtest.parse_table(self.ok("vol-list", "images"))
        self.assertEqual([r[0] for r in rows], ["bad\\xff.img"])
        res = self.ctl("vol-info", raw_path)
        self.assertEqual(res.returncode, 0, "a listed volume must be found by its path\n"
                         + self.describe(res))
        res = self.ctl("vol-path", raw_name, "--pool", "images")
        self.assertEqual(res.returncode, 0, "a listed volume must be found by its name\n"
                         + self.describe(res))
        res = self.ctl("vol-delete", raw_name, "--pool", "images")
        self.assertEqual(res.returncode, 0, self.describe(res))
        self.assertFalse(os.path.exists(raw_path))

    def test_file_names_with_control_characters(self):
        """Such files are never listed in a way that breaks the table or JSON."""
        raw_path = os.fsencode(self.target) + b"/nl\nname.img"
        with open(raw_path, "wb") as f:
            f.write(b"x")
        self.ok("vol-create-as", "images", "plain.img", "1M")
        data = self.ok_json("vol-list", "images")
        rows = provtest.parse_table(self.ok("vol-list", "images"))
        self.assertEqual(len(rows), len(data), "one table row per volume")
        self.assertIn("plain.img", [r[0] for r in rows])
        for v in data:
            self.assertNotIn("\n", v["name"])
        self.assertTrue(os.path.exists(raw_path), "listing must not remove user files")

    def test_names_with_spaces_and_unicode(self):
        for name in ("my disk.img", "d\u00e9j\u00e0 vu.qcow2"):
            with self.subTest(name=name):
                self.ok("vol-create-as", "images", name, "1M", "--allocation", "0")
                self.assertTrue(os.path.isfile(self.vpath(name)))
                self.assertEqual(self.ok("vol-path", name, "--pool", "images").strip(),
                                 self.vpath(name))
                self.assertEqual(self.ok("vol-name", self.vpath(name)).strip(), name)
                tree = self.vol_xml_tree(name, "images")
                self.assertEqual(tree.findtext("name"), name)
        self.assertEqual(self.vol_names("images"), sorted(["my disk.img",
                                                           "d\u00e9j\u00e0 vu.qcow2"]))

    def test_size_units(self):
        cases = (("512", 512), ("1024K", MIB), ("1KiB", KIB), ("1GB", 10 ** 9),
                 ("3M", 3 * MIB), ("2MB", 2 * 10 ** 6), ("1T", 1024 ** 4), ("5b", 5))
        for i, (text, size) in enumerate(cases):
            with self.subTest(size=text):
                name = "u%d.img" % i
                self.ok("vol-create-as", "images", name, text, "--allocation", "0")
                self.assertEqual(os.stat(self.vpath(name)).st_size, size)
                self.assertEqual(self.ok_json("vol-info", name, "--pool", "images")["capacity"],
                                 size)

    def test_backing_chain(self):
        base = self.create_qcow2()
        self.ok("vol-create-as", "images", "overlay.qcow2", "10G", "--format", "qcow2",
                "--backing-vol", "disk1.qcow2", "--backing-vol-format", "qcow2")
        over = self.vpath("overlay.qcow2")
        info = qemu_img_info(over)
        self.assertEqual(info["format"], "qcow2")
        self.assertEqual(info.get("backing-filename"), base)
        self.assertEqual(info.get("backing-filename-format"), "qcow2")
        tree = self.vol_xml_tree("overlay.qcow2", "images")
        bs = tree.find("backingStore")
        self.assertIsNotNone(bs, "vol-dumpxml lacks <backingStore>")
        self.assertEqual(bs.findtext("path"), base)
        self.assertEqual(bs.find("format").get("type"), "qcow2")

    def test_vol_delete(self):
        path = self.create_qcow2()
        self.ok("vol-create-as", "images", "keep.img", "1M")
        self.ok("vol-delete", "disk1.qcow2", "--pool", "images")
        self.assertFalse(os.path.exists(path), "vol-delete must remove the file")
        self.assertEqual(self.vol_names("images"), ["keep.img"])
        res = self.ctl("vol-info", "disk1.qcow2", "--pool", "images")
        self.assert_error(res, 1, "disk1.qcow2")
        self.assertTrue(os.path.isfile(self.vpath("keep.img")))


if __name__ == "__main__":
    provtest.main()
