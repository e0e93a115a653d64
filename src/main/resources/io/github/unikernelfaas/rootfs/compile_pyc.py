"""Compiles Python sources to .pyc for the guest's CPython; runs on a CPython of the guest's version.

    compile_pyc.py SRC OUT GUEST_DIR LAYOUT [SKIP...]

Every .py under SRC (sorted; top-level names in SKIP and __pycache__ directories left out) is compiled as
if it lived at GUEST_DIR/<relative path> in the guest (tracebacks name the guest's path, and no host path
reaches the image). LAYOUT `beside` writes OUT/<dir>/__pycache__/<name>.<cache tag>.pyc (PEP 3147: the
source stays and is what tracebacks quote; another Python version ignores the file), `sourceless` writes
OUT/<relative path>c (imported when the .py is absent). Both are unchecked-hash .pyc (PEP 552): the
guest never reads the source to validate them, and nothing in them depends on a file time.

The same bytes every build: run with PYTHONHASHSEED=0 (a set constant's order follows the string hash),
files in sorted order, each code object dropped once written (marshal in 3.7 flags an object for
back-references when its reference count is above one, so a code object kept alive by us could change the
next file's bytes). Prints one JSON object: compiled count, the cache tag, the files that did not compile.
"""
import importlib._bootstrap_external as bootstrap
import importlib.util
import json
import os
import sys


def sources(src, skip):
    found = []
    for dirpath, dirnames, filenames in os.walk(src):
        rel_dir = os.path.relpath(dirpath, src)
        dirnames[:] = [d for d in dirnames if d != "__pycache__" and not (rel_dir == "." and d in skip)]
        for name in filenames:
            if name.endswith(".py") and not (rel_dir == "." and name in skip):
                found.append(os.path.normpath(os.path.join(rel_dir, name)))
    return sorted(found)


def target(out, rel, layout):
    if layout == "sourceless":
        return os.path.join(out, rel + "c")
    head, name = os.path.split(rel)
    return os.path.join(out, head, "__pycache__",
                        name[:-3] + "." + sys.implementation.cache_tag + ".pyc")


def main(argv):
    src, out, guest_dir, layout = argv[1:5]
    skip = set(argv[5:])
    if layout not in ("beside", "sourceless"):
        raise SystemExit("layout must be beside or sourceless, not " + layout)
    if sys.flags.hash_randomization:
        raise SystemExit("run with PYTHONHASHSEED=0 (and without -E/-I): set constants would change order")
    compiled, failed = 0, []
    for rel in sources(src, skip):
        with open(os.path.join(src, rel), "rb") as f:
            source = f.read()
        guest_path = guest_dir.rstrip("/") + "/" + rel.replace(os.sep, "/")
        try:
            code = compile(source, guest_path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as e:  # ValueError: a NUL byte in the source
            failed.append({"file": rel, "error": "%s: %s" % (type(e).__name__, e)})
            continue
        data = bootstrap._code_to_hash_pyc(code, importlib.util.source_hash(source), False)
        del code
        path = target(out, rel, layout)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        compiled += 1
    json.dump({"compiled": compiled, "cacheTag": sys.implementation.cache_tag, "failed": failed}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv)
