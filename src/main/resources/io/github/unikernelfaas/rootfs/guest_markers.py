"""Finds the requirements the guest's Python needs that pip left out of a --target install.

Runs on the build host's python3 (3.7 or newer), with pip's vendored packaging library (or packaging).
pip evaluates environment markers such as `python_version < "3.8"` against the interpreter it runs on,
whatever --python-version says (pypa/pip#11010): run by a newer Python it drops the requirements an
older guest needs. This walks requirements.txt and every installed distribution's Requires-Dist with the
markers evaluated for the GUEST's environment (argv[3], JSON), from the requirements file down, and prints
one JSON object: {"problems": [{"requirement", "line", "requiredBy", "installed"}], "unparsed": [...],
"removed": [...]}. A problem is a requirement that applies to the guest and is either not installed
("installed": null) or installed in a version outside its specifier ("installed": "name version").

The other way round, pip installs what markers ask for on its own Python only (`x; python_version >= "3.8"`),
which may not even run on the guest's. With "prune" as argv[4], no problem, and every requirement line
understood, the distributions the walk never reached are removed (by their RECORD) and named in "removed".

argv: site-packages directory, requirements file, guest marker environment as JSON, optional "prune".
"""
import csv
import email.parser
import json
import os
import re
import shutil
import sys

try:
    from pip._vendor.packaging.requirements import InvalidRequirement, Requirement
    from pip._vendor.packaging.version import InvalidVersion
except ImportError:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.version import InvalidVersion


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_distributions(site):
    """canonical name -> (Name, Version, [Requires-Dist], dist-info directory name)."""
    found = {}
    for entry in sorted(os.listdir(site)):
        path = os.path.join(site, entry, "METADATA")
        if not entry.endswith(".dist-info") or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            meta = email.parser.Parser().parse(f, headersonly=True)
        name = meta.get("Name") or entry[:-len(".dist-info")].rsplit("-", 1)[0]
        found[canonical(name)] = (name, meta.get("Version") or "", meta.get_all("Requires-Dist") or [], entry)
    return found


def requirement_lines(path, seen=None):
    """(line, file) of each requirement in a pip requirements file, following -r; options are pip's alone."""
    seen = set() if seen is None else seen
    real = os.path.realpath(path)
    if real in seen or not os.path.isfile(path):
        return []
    seen.add(real)
    with open(path, encoding="utf-8", errors="replace") as f:
        text = re.sub(r"\\\r?\n", "", f.read())  # pip joins continued lines first
    lines = []
    for raw in text.splitlines():
        line = re.sub(r"(^|\s+)#.*$", "", raw).strip()
        if not line:
            continue
        nested = re.match(r"^(-r|--requirement)(\s+|=)(.+)$", line)
        if nested:
            lines.extend(requirement_lines(os.path.join(os.path.dirname(path), nested.group(3).strip()), seen))
        elif not line.startswith("-"):
            lines.append((line, os.path.basename(path)))
    return lines


def parse(line):
    """The Requirement of a requirements-file line (its per-requirement options cut off), or None."""
    for text in (line, re.split(r"\s+--?[a-z]", line)[0]):
        try:
            return Requirement(text)
        except InvalidRequirement:
            continue
    return None


def without_marker(req):
    text = req.name
    if req.extras:
        text += "[" + ",".join(sorted(req.extras)) + "]"
    if req.url:
        return text + " @ " + req.url
    return text + str(req.specifier)


def applies(req, environment, extras):
    if req.marker is None:
        return True
    for extra in [""] + sorted(extras):
        env = dict(environment)
        env["extra"] = extra
        if req.marker.evaluate(env):
            return True
    return False


def satisfied(req, version):
    if not req.specifier:
        return True
    try:
        return req.specifier.contains(version, prereleases=True)
    except InvalidVersion:
        return True  # a version packaging cannot read: pip took it, so do we


def remove(site, info):
    """Deletes a distribution's files as its RECORD lists them (inside site only), then its .dist-info."""
    root = os.path.realpath(site)
    parents = set()
    record = os.path.join(site, info, "RECORD")
    if os.path.isfile(record):
        with open(record, encoding="utf-8", errors="replace", newline="") as f:
            for row in csv.reader(f):
                if not row:
                    continue
                path = os.path.realpath(os.path.join(site, row[0]))
                if path.startswith(root + os.sep) and os.path.isfile(path):
                    os.remove(path)
                    parents.add(os.path.dirname(path))
    shutil.rmtree(os.path.join(site, info), ignore_errors=True)
    for d in sorted(parents, key=len, reverse=True):  # emptied package directories, deepest first
        while d.startswith(root + os.sep) and os.path.isdir(d):
            cache = os.path.join(d, "__pycache__")
            if os.path.isdir(cache) and not os.listdir(cache):
                os.rmdir(cache)
            if os.listdir(d):
                break
            os.rmdir(d)
            d = os.path.dirname(d)


def check(site, requirements, environment, prune=False):
    installed = installed_distributions(site)
    problems = []
    unparsed = []
    expanded = {}  # canonical name -> extras whose requirements were walked
    queue = []
    for line, source in requirement_lines(requirements):
        req = parse(line)
        if req is None:
            unparsed.append(line)  # a path or URL without a name: pip installed it, markers and all
        elif applies(req, environment, ()):
            queue.append((req, source))
    count = 0
    while queue and count < 100000:
        count += 1
        req, by = queue.pop(0)
        key = canonical(req.name)
        dist = installed.get(key)
        problem = {"requirement": without_marker(req), "line": str(req), "requiredBy": by, "installed": None}
        if dist is None:
            problems.append(problem)
            continue
        name, version, requires, _ = dist
        if not satisfied(req, version):
            problem["installed"] = name + " " + version
            problems.append(problem)
        first = key not in expanded
        old = expanded.setdefault(key, set())
        new = set(req.extras) - old
        if not first and not new:
            continue
        for text in requires:
            try:
                dep = Requirement(text)
            except InvalidRequirement:
                continue  # pip skips it too
            if first:
                wanted = applies(dep, environment, new)
            else:  # what the new extras add to the walk already made
                wanted = applies(dep, environment, new) and not applies(dep, environment, old)
            if wanted:
                queue.append((dep, name + " " + version))
        old.update(new)
    removed = []
    if prune and not problems and not unparsed:
        for key in sorted(set(installed) - set(expanded)):
            name, version, _, info = installed[key]
            remove(site, info)
            removed.append(name + " " + version)
    return {"problems": problems, "unparsed": unparsed, "removed": removed}


def main(argv):
    result = check(argv[1], argv[2], json.loads(argv[3]), len(argv) > 4 and argv[4] == "prune")
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
