"""Tests of guest_markers.py (src/main/resources/.../rootfs/), which the build runs on the host's python3.

It runs on this python3 unless UKFAAS_TEST_PYTHON names another interpreter (run-tests.sh runs it on 3.7 too,
where pip vendors an older packaging library).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.normpath(os.path.join(
    HERE, "..", "..", "main", "resources", "io", "github", "unikernelfaas", "rootfs", "guest_markers.py"))
PYTHON = os.environ.get("UKFAAS_TEST_PYTHON") or sys.executable
OLD = 'python_version < "3.8"'


def environment(version, full):
    return {"implementation_name": "cpython", "implementation_version": full, "os_name": "posix",
            "platform_machine": "x86_64", "platform_python_implementation": "CPython", "platform_release": "",
            "platform_system": "Linux", "platform_version": "", "python_full_version": full,
            "python_version": version, "sys_platform": "linux"}


GUEST_37 = environment("3.7", "3.7.4")
GUEST_311 = environment("3.11", "3.11.7")


class GuestMarkersTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="guest-markers-test-")
        self.site = os.path.join(self.dir, "site")
        os.makedirs(self.site)
        self.reqs = os.path.join(self.dir, "requirements.txt")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def dist(self, name, version, requires=(), files=()):
        info = os.path.join(self.site, "%s-%s.dist-info" % (name, version))
        os.makedirs(info)
        with open(os.path.join(info, "METADATA"), "w") as f:
            f.write("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version))
            for r in requires:
                f.write("Requires-Dist: %s\n" % r)
        record = []
        for rel in files:
            path = os.path.join(self.site, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "w").close()
            record.append("%s,sha256=x,0" % rel)
        record.append("%s-%s.dist-info/METADATA,," % (name, version))
        with open(os.path.join(info, "RECORD"), "w") as f:
            f.write("\n".join(record) + "\n")

    def requirements(self, text):
        with open(self.reqs, "w") as f:
            f.write(text)

    def run_script(self, env, *more, prelude=None):
        cmd = [PYTHON, SCRIPT, self.site, self.reqs, json.dumps(env)] + list(more)
        if prelude:
            cmd = [PYTHON, "-c", prelude + "\nimport runpy, sys\nsys.argv = sys.argv[1:]\n"
                   "runpy.run_path(sys.argv[0], run_name='__main__')", SCRIPT] + cmd[2:]
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(0, out.returncode, out.stderr.decode())
        return json.loads(out.stdout.decode())

    def test_a_37_only_requirement_is_missing_for_37_and_not_for_311(self):
        self.dist("jwtish", "2.8", ["typext; " + OLD, "colors>=2"])
        self.dist("colors", "2.1")
        self.requirements("jwtish==2.8  # the JWT library\n")
        problems = self.run_script(GUEST_37)["problems"]
        self.assertEqual([{"requirement": "typext", "line": "typext; " + OLD, "requiredBy": "jwtish 2.8",
                           "installed": None}], problems)
        self.assertEqual([], self.run_script(GUEST_311)["problems"])

    def test_a_version_outside_the_guests_specifier_is_a_problem(self):
        self.dist("palette", "1.0", ["colors", "colors<2; " + OLD])
        self.dist("colors", "2.1")
        self.requirements("palette\n")
        problems = self.run_script(GUEST_37)["problems"]
        self.assertEqual(["colors<2"], [p["requirement"] for p in problems])
        self.assertEqual("colors 2.1", problems[0]["installed"])

    def test_extras_and_nested_files_and_markers_on_lines(self):
        self.dist("fancy", "1.0", ['backport; extra == "old" and ' + OLD, 'other; extra == "new"'])
        with open(os.path.join(self.dir, "base.txt"), "w") as f:
            f.write("fancy[old]==1.0 --hash=sha256:abc\n")
        self.requirements("-r base.txt\n--index-url http://127.0.0.1:1/simple/\ntomlish; " + OLD + "\n")
        problems = self.run_script(GUEST_37)["problems"]
        self.assertEqual([("backport", "fancy 1.0"), ("tomlish", "requirements.txt")],
                         sorted((p["requirement"], p["requiredBy"]) for p in problems))
        self.assertEqual([], self.run_script(GUEST_311)["problems"])

    def test_what_the_guest_does_not_need_is_removed_with_its_files(self):
        self.dist("modern", "1.0", ['newonly; python_version >= "3.8"'], ["modern/__init__.py"])
        self.dist("newonly", "3.0", [], ["newonly/__init__.py", "newonly/sub/deep.py"])
        self.requirements("modern\n")
        result = self.run_script(GUEST_37, "prune")
        self.assertEqual(["newonly 3.0"], result["removed"])
        self.assertEqual(["modern", "modern-1.0.dist-info"], sorted(os.listdir(self.site)))

    def test_nothing_is_removed_when_a_line_names_no_project(self):
        self.dist("modern", "1.0", [], ["modern/__init__.py"])
        self.dist("local", "1.0", [], ["local/__init__.py"])
        self.requirements("modern\n./wheels/local-1.0-py3-none-any.whl\n")
        result = self.run_script(GUEST_37, "prune")
        self.assertEqual(["./wheels/local-1.0-py3-none-any.whl"], result["unparsed"])
        self.assertEqual([], result["removed"])
        self.assertTrue(os.path.isdir(os.path.join(self.site, "local")))

    def test_it_uses_packaging_when_pip_is_not_importable(self):
        probe = subprocess.run([PYTHON, "-c", "import packaging.markers"], stderr=subprocess.DEVNULL)
        if probe.returncode != 0:
            self.skipTest("%s has no packaging library: the fallback cannot run here" % PYTHON)
        self.dist("jwtish", "2.8", ["typext; " + OLD])
        self.requirements("jwtish\n")
        problems = self.run_script(GUEST_37, prelude="import sys\nsys.modules['pip'] = None")["problems"]
        self.assertEqual(["typext"], [p["requirement"] for p in problems])


if __name__ == "__main__":
    unittest.main()
