#!/usr/bin/env python3
"""unikernel-faas benchmarks: cold start, invocation, build, size and memory, side by side.

Run through bench/run.sh, which prepares the demo project and the kernel. Writes
bench/results/latest.json and bench/results/latest.md. Benchmarks are not tests: nothing here
asserts a speed. `--smoke` makes one short pass of everything cheap, so the runner cannot rot.

Boots replay the plugin's recorded QEMU command line (replay.py). A boot that fails (QEMU exits, a
crash line on the console, or no /health within --timeout) is counted and retried once; the results
list every kernel's boots, crashes and the first crash line of each. A second failure in a row stops
the run with the console tail and the command line (exit 1).
"""
import argparse
import glob
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tarfile
import time

from replay import summary, TAIL_LINES, Vm, accelerator, arg_after, exit_on_sigterm, free_port, load_command, machine

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE_IMAGE_MIB = 28.3  # the reference setup's image (Unikraft 0.13.1 + CPython 3.7 + fs0)
BOOT_TIMEOUT_S = 120
# The cold start's phases, in order (cold_start_split); totals and the older coarse figures after them.
SPLIT = ("vmm_start", "firmware", "kernel", "python_init", "wrapper_imports", "function_and_listen",
         "listening_to_health", "first_invocation")
COARSE = ("boot_to_health", "total")
IMPORT_TIME_RE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")
IMPORT_TOP = 15




def percentile(sorted_values, p):
    i = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[i]


class BootFailed(Exception):
    """Two failed boots in a row: the run stops (the caller prints the console tail and command line)."""

    def __init__(self, what, vm, reason):
        Exception.__init__(self, "%s: %s" % (what, reason))
        self.what, self.vm, self.reason = what, vm, reason


def new_boot_stats():
    return {"boots": 0, "ok": 0, "crashes": 0, "timeouts": 0, "crash_lines": []}


def attempt(command, stats, timeout, then=None):
    """One boot: start, wait for /health, run then(vm) if given. Returns (vm, result) or (vm, None) with
    vm.failure set to 'crash' or 'timeout' and counted in stats. The VM is still running on success."""
    vm = Vm(command)
    stats["boots"] += 1
    try:
        state = vm.wait_ready(timeout)
        result = None
        if state == "ready":
            try:
                result = then(vm) if then else True
            except (OSError, http.client.HTTPException) as e:
                # The guest answered /health, then failed the request: crashed, or hung.
                state = "exited" if not vm.alive() else "crash" if vm.crash_line else "timeout"
                vm.reader.join(1)
                vm.failure_detail = "after /health: %s" % e
        if state == "ready":
            stats["ok"] += 1
            return vm, result
        vm.failure = "timeout" if state == "timeout" else "crash"
        if vm.failure == "crash":
            stats["crashes"] += 1
            stats["crash_lines"].append(vm.failure_line())
        else:
            stats["timeouts"] += 1
        vm.stop()
        return vm, None
    except BaseException:
        vm.stop()
        raise


def boot(command, stats, what, timeout=BOOT_TIMEOUT_S, then=None):
    """attempt() with one retry: a failed boot (QEMU exits, or no /health in time) is retried once; a
    second failure in a row raises BootFailed. Returns (ready vm, result); the caller stops the vm."""
    for n in (1, 2):
        vm, result = attempt(command, stats, timeout, then)
        if result is not None:
            return vm, result
        reason = ("crashed: %s" % vm.failure_line()) if vm.failure == "crash" else (
            "no /health within %d s" % timeout)
        if getattr(vm, "failure_detail", None):
            reason += " (%s)" % vm.failure_detail
        if n == 2:
            raise BootFailed(what, vm, reason + "; second failure in a row")
        sys.stderr.write("bench: %s: boot failed, %s; retrying once\n" % (what, reason))
        sys.stderr.flush()


def cold_start(command, runs, stats, timeout=BOOT_TIMEOUT_S):
    results = []

    def first_invocation(vm):
        status, seconds = vm.post({"name": "bench"})
        if status != 200:
            raise SystemExit("bench: first invocation answered %d; console tail:\n%s" % (status, "\n".join(vm.tail())))
        return time.monotonic(), seconds

    for i in range(runs):
        vm, (done, seconds) = boot(command, stats, "cold start %d/%d" % (i + 1, runs), timeout, first_invocation)
        try:
            first = vm.first_output or vm.ready_at
            r = {"vmm_start": first - vm.t0, "boot_to_health": vm.ready_at - first, "first_invocation": seconds,
                 "total": done - vm.t0}
            r.update(cold_start_split(vm, first))
            results.append(r)
        finally:
            vm.stop()
    return {k: summary([r[k] for r in results if r.get(k) is not None]) for k in SPLIT + COARSE}


def cold_start_split(vm, first):
    """The phases between the console's first output and /health, from the console marks (host clock) and the
    wrapper's start-up line (guest clock; its deltas need no common clock): firmware (to SeaBIOS's "Booting
    from ROM"), kernel (to Unikraft's banner or the CI guest's "init: starting python3"), Python's init (to
    the wrapper's first line of code), the wrapper's imports, function.py's import and the listen, then
    /health as the host sees it (its polling included). A phase whose marks are missing is None."""
    marks, out = vm.marks, {}
    out["firmware"] = diff(marks.get("firmware_done"), first)
    out["kernel"] = diff(marks.get("python_start"), marks.get("firmware_done"))
    listening = marks.get("listening")
    if vm.started is not None and listening is not None:
        _, imports, function_and_listen = vm.started
        out["wrapper_imports"], out["function_and_listen"] = imports, function_and_listen
        out["python_init"] = diff(listening - imports - function_and_listen, marks.get("python_start"))
    out["listening_to_health"] = diff(vm.ready_at, listening)
    return out


def diff(later, earlier):
    return None if later is None or earlier is None else later - earlier


def import_time_command(command):
    """The command line with `-X importtime` for the guest's Python, or None when its kernel command line has
    no Python arguments (after ` -- `) to add it to (the CI test guest's /init starts Python its own way)."""
    if "-append" not in command:
        return None
    i = command.index("-append") + 1
    kernel_args, sep, python_args = command[i].partition(" -- ")
    if not sep:
        return None
    out = list(command)
    out[i] = kernel_args + " -- -X importtime " + python_args
    return out


def import_times(command, stats, timeout=BOOT_TIMEOUT_S):
    """One more boot with `python -X importtime`, to the first invocation: the modules imported on the way,
    the slowest first (cumulative and self, ms). `-X importtime` itself slows each import a little."""
    traced = import_time_command(command)
    if traced is None:
        return {"available": False, "why": "the kernel command line has no Python arguments (` -- ...`)"}

    def first_invocation(vm):
        status, _ = vm.post({"name": "bench"})
        return status

    vm, _ = boot(traced, stats, "import times", timeout, first_invocation)
    try:
        vm.reader.join(0.5)
        rows = []
        for line in list(vm.console):
            m = IMPORT_TIME_RE.search(line)
            if m:
                rows.append({"module": m.group(4), "self_ms": int(m.group(1)) / 1000.0,
                             "cumulative_ms": int(m.group(2)) / 1000.0, "depth": len(m.group(3)) // 2})
    finally:
        vm.stop()
    if not rows:
        return {"available": False, "why": "no `import time:` lines on the console"}
    return {"available": True, "modules": len(rows), "total_self_ms": round(sum(r["self_ms"] for r in rows), 1),
            "top_cumulative": sorted(rows, key=lambda r: -r["cumulative_ms"])[:IMPORT_TOP],
            "top_self": sorted(rows, key=lambda r: -r["self_ms"])[:IMPORT_TOP]}


def load(port, requests, keep_alive):
    """Sequential requests; returns latency percentiles (ms) and throughput (req/s)."""
    body = json.dumps({"name": "bench"})
    latencies = []
    conn = None
    start = time.monotonic()
    for _ in range(requests):
        t = time.monotonic()
        if conn is None or not keep_alive:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit("bench: invocation answered %d" % r.status)
        if not keep_alive:
            conn.close()
        latencies.append((time.monotonic() - t) * 1000.0)
    elapsed = time.monotonic() - start
    if conn is not None:
        conn.close()
    latencies.sort()
    return {"p50_ms": round(percentile(latencies, 50), 3), "p90_ms": round(percentile(latencies, 90), 3),
            "p99_ms": round(percentile(latencies, 99), 3), "throughput_rps": round(requests / elapsed, 1),
            "requests": requests}


def invocation(command, fs0, requests, stats, timeout=BOOT_TIMEOUT_S):
    out = {}
    vm, _ = boot(command, stats, "invocation", timeout)
    try:
        out["vm_keep_alive"] = load(vm.port, requests, True)
        out["vm_new_connection"] = load(vm.port, requests, False)
    finally:
        vm.stop()
    # The floor: the same wrapper and function straight on the host's python3.
    port = free_port()
    # Under the flavour's Python lib dir, whichever fs0 has.
    found = sorted(glob.glob(os.path.join(fs0, "lib", "python*", "app", "wrapper.py")))
    if not found:
        raise SystemExit("bench: no lib/python*/app/wrapper.py in " + fs0 + ": build the project first")
    wrapper = found[0]
    host = subprocess.Popen([sys.executable, wrapper, "--port", str(port), "--host", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        out["host_keep_alive"] = load(port, requests, True)
        out["host_new_connection"] = load(port, requests, False)
    finally:
        host.kill()
        host.wait(10)
    return out


def memory_floor(command, candidates, attempts_log):
    """The smallest -m (MiB) at which the function still answers, by bisection over candidates. A size
    whose VM crashed (rather than timed out) gets a second try, since a crash may be unrelated to the
    memory size; every try is listed in attempts_log."""
    lo, hi, best = 0, len(candidates) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        ok = False
        for _ in (1, 2):
            vm = Vm(command, "%dM" % candidates[mid])
            try:
                state = vm.wait_ready(timeout=60)
            finally:
                vm.stop()
            ok = state == "ready"
            attempts_log.append({"mib": candidates[mid], "outcome": "ok" if ok else "timeout" if state == "timeout"
                                 else "crash",
                                 "crash_line": None if ok or state == "timeout" else vm.failure_line()})
            if ok or state == "timeout":
                break
        if ok:
            best, hi = candidates[mid], mid - 1
        else:
            lo = mid + 1
    return best


def mvn(project, *goals):
    """One Maven call, its output in target/bench-logs/; on failure the last 40 lines and the log path."""
    logs = os.path.join(ROOT, "target", "bench-logs")
    os.makedirs(logs, exist_ok=True)
    log = os.path.join(logs, "bench-mvn.log")
    cmd = [os.path.join(ROOT, "mvnw"), "-B", "-ntp", "-f", os.path.join(project, "pom.xml")] + list(goals)
    t = time.monotonic()
    with open(log, "w") as f:
        rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=1800).returncode
    elapsed = time.monotonic() - t
    if rc != 0:
        with open(log, errors="replace") as f:
            tail = f.read().splitlines()[-40:]
        raise SystemExit("bench: %s failed (exit %d); last 40 lines of %s:\n%s\nbench: full log: %s" % (
            " ".join(cmd), rc, log, "\n".join(tail), log))
    return elapsed


def build_times(project, boot_props, runs):
    function = os.path.join(project, "src", "main", "python", "function.py")
    original = open(function).read()
    validate, package = [], []
    try:
        mvn(project, "package", "-DskipTests", *boot_props)  # warm
        for i in range(runs):
            validate.append(mvn(project, "validate"))
            with open(function, "w") as f:
                f.write(original + "\n# bench edit %d\n" % i)
            package.append(mvn(project, "package", "-DskipTests", *boot_props))
    finally:
        with open(function, "w") as f:
            f.write(original)
    return {"maven_validate_s": summary(validate), "package_after_function_change_s": summary(package)}


def sizes(project, fs0, kernel_path):
    tars = [f for f in os.listdir(os.path.join(project, "target")) if f.endswith(".oci.tar")]
    out = {"kernel_bytes": os.path.getsize(kernel_path), "fs0_bytes": dir_bytes(fs0)}
    if tars:
        tar_path = os.path.join(project, "target", tars[0])
        out["image_bytes"] = os.path.getsize(tar_path)
        out["image_mib"] = round(out["image_bytes"] / 1048576.0, 2)
        out["reference_image_mib"] = REFERENCE_IMAGE_MIB
        with tarfile.open(tar_path) as t:
            index = json.load(t.extractfile("index.json"))
            digest = index["manifests"][0]["digest"].split(":")[1]
            manifest = json.load(t.extractfile("blobs/sha256/" + digest))
            config = json.load(t.extractfile("blobs/sha256/" + manifest["config"]["digest"].split(":")[1]))
            # jib leaves out empty layers and names each one in the config history.
            names = [h.get("comment", "?") for h in config.get("history", []) if not h.get("empty_layer")]
            out["layers"] = [{"layer": names[i] if i < len(names) else str(i), "bytes": l["size"]}
                             for i, l in enumerate(manifest["layers"])]
    return out


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def markdown(r):
    lines = ["# unikernel-faas benchmarks", "",
             "Machine: %(cores)s cores, %(accelerator)s, %(qemu)s, host Python %(python)s, %(date)s" % r["machine"],
             "Mode: %s. Medians (min-max) over the runs shown; produced by `bench/run.sh%s`." % (
                 r["mode"], " --smoke" if r["mode"] == "smoke" else ""), ""]
    lines += cold_start_markdown(r)
    lines += ["## Invocation (trivial handler, sequential)", "",
              "| where | p50 ms | p90 ms | p99 ms | req/s |", "|---|---|---|---|---|"]
    for where, s in r["invocation"].items():
        lines.append("| %s | %.2f | %.2f | %.2f | %.1f |" % (where, s["p50_ms"], s["p90_ms"], s["p99_ms"],
                                                          s["throughput_rps"]))
    lines.append("")
    if r.get("build"):
        b = r["build"]
        lines += ["## Build (warm cache, only function.py changed)", "",
                  "| what | median s | min | max | runs |", "|---|---|---|---|---|"]
        for what in ("maven_validate_s", "package_after_function_change_s"):
            s = b[what]
            lines.append("| %s | %.2f | %.2f | %.2f | %d |" % (what, s["median"], s["min"], s["max"], s["runs"]))
        lines.append("")
    s = r["size"]
    lines += ["## Size", "", "| what | bytes |", "|---|---|", "| kernel | %d |" % s["kernel_bytes"],
              "| fs0 | %d |" % s["fs0_bytes"]]
    for layer in s.get("layers", []):
        lines.append("| layer %s | %d |" % (layer["layer"], layer["bytes"]))
    if "image_bytes" in s:
        lines.append("| image (%.2f MiB; reference setup %.1f MiB) | %d |" % (s["image_mib"], REFERENCE_IMAGE_MIB,
                                                                            s["image_bytes"]))
    lines.append("")
    if r.get("memory_floor_mib") is not None:
        lines += ["## Memory", "", "Smallest `-m` at which the function still answers: %d MiB" % r["memory_floor_mib"],
                  ""]
    if r.get("memory_floor_attempts"):
        lines += ["Tries: " + ", ".join("%d MiB %s" % (t["mib"], t["outcome"]) for t in r["memory_floor_attempts"]), ""]
    if r.get("boot_failures"):
        lines += ["## Boots and crashes", "",
                  "Every boot of the runs above (a failed boot is retried once; a second failure in a row stops "
                  "the run). A crash is QEMU exiting, or a crash line on the console, before the function answered.",
                  "", "| kernel | boots | ok | crashes | timeouts |", "|---|---|---|---|---|"]
        for name, b in sorted(r["boot_failures"].items()):
            lines.append("| %s | %d | %d | %d | %d |" % (name, b["boots"], b["ok"], b["crashes"], b["timeouts"]))
        lines.append("")
        for name, b in sorted(r["boot_failures"].items()):
            for line in b["crash_lines"]:
                lines.append("- %s crash: `%s`" % (name, line.replace("`", "'")))
        if any(b["crash_lines"] for b in r["boot_failures"].values()):
            lines.append("")
    lines.append("Note: %s" % r["note"])
    return "\n".join(lines) + "\n"


def cold_start_markdown(r):
    """Per kernel and root: the cold start's phases, its total against the CI test guest's (the Linux guest),
    and the import-time top list. (A warm start section of its own may follow.)"""
    lines = []
    linux = (r["cold_start"].get("ci-test-kernel") or {}).get("total")
    for name, cs in r["cold_start"].items():
        lines += ["## Cold start: %s (%s)" % (name, r["machine"]["accelerator"]), "",
                  "| phase | median s | min | max | runs |", "|---|---|---|---|---|"]
        for phase in SPLIT + COARSE:
            s = cs.get(phase)
            if s:
                lines.append("| %s | %.3f | %.3f | %.3f | %d |" % (phase, s["median"], s["min"], s["max"], s["runs"]))
        lines.append("")
        if linux and cs.get("total") and name != "ci-test-kernel":
            lines += ["Total against the CI test guest (Linux, initrd root): %.2f (%.3f s / %.3f s)" % (
                cs["total"]["median"] / linux["median"], cs["total"]["median"], linux["median"]), ""]
        it = r.get("import_time", {}).get(name)
        if it and it.get("available"):
            lines += ["Imports (`python -X importtime`, one boot to the first invocation): %d modules, %.0f ms in all"
                      % (it["modules"], it["total_self_ms"]), "", "| module | cumulative ms | self ms |",
                      "|---|---|---|"]
            for row in it["top_cumulative"]:
                lines.append("| %s | %.1f | %.1f |" % (row["module"], row["cumulative_ms"], row["self_ms"]))
            lines.append("")
        elif it:
            lines += ["Imports: not measured (%s)" % it["why"], ""]
    return lines


def main():
    exit_on_sigterm()
    p = argparse.ArgumentParser()
    p.add_argument("--project", required=True, help="a project whose boot test ran (its qemu-command.txt)")
    p.add_argument("--kernel-name", default="ci-test-kernel")
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--merge-cold-start", action="store_true",
                   help="only measure this kernel's cold start and add it to the existing results")
    p.add_argument("--timeout", type=float, default=BOOT_TIMEOUT_S, help="seconds until /health must answer")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    a = p.parse_args()
    project = os.path.abspath(a.project)
    command = load_command(project)
    fs0 = os.path.join(project, "target", "unikernel", "fs0")
    runs = 1 if a.smoke else 5
    name = "smoke" if a.smoke else "latest"
    stats = new_boot_stats()
    try:
        if a.merge_cold_start:
            merge_cold_start(a, command, runs, name, stats)
            return
        # The plugin chose the accelerator (KVM only when QEMU can use it) and recorded it.
        results = {"mode": "smoke" if a.smoke else "full", "machine": machine(accelerator(command), command[0]),
                   "cold_start": {a.kernel_name: cold_start(command, runs, stats, a.timeout)},
                   "import_time": {a.kernel_name: import_times(command, stats, a.timeout)},
                   "invocation": invocation(command, fs0, 20 if a.smoke else 500, stats, a.timeout),
                   "size": sizes(project, fs0, arg_after(command, "-kernel")),
                   "boot_failures": {a.kernel_name: stats},
                   "note": ("The Unikraft kernel is measured only when it is cached or buildable; this run used %s. "
                            "Under TCG every guest instruction is emulated, so boot figures are far above KVM's."
                            % a.kernel_name)}
        if not a.smoke:
            kernel = arg_after(command, "-kernel")
            # The CI test kernel's directory is a kernel bundle (its stdlib=none and the rest come with it).
            boot = ["-Dunikernel.kernel=" + (os.path.dirname(kernel) if a.kernel_name == "ci-test-kernel" else kernel)]
            results["build"] = build_times(project, boot, 3)
            attempts = []
            results["memory_floor_mib"] = memory_floor(command, [32, 48, 64, 96, 128, 192, 256], attempts)
            results["memory_floor_attempts"] = attempts
        write(a.out, name, results)
    except BootFailed as e:
        fatal(a.kernel_name, e, stats)


def fatal(kernel_name, e, stats):
    """Never stop silently: what failed, the console tail and the command line."""
    err = sys.stderr
    err.write("bench: %s (%s): %s\n" % (kernel_name, e.what, e.reason))
    err.write("bench: boots so far: %d, ok %d, crashes %d, timeouts %d\n" % (
        stats["boots"], stats["ok"], stats["crashes"], stats["timeouts"]))
    err.write("bench: last %d console lines:\n" % TAIL_LINES)
    for line in e.vm.tail():
        err.write("    %s\n" % line)
    err.write("bench: command line:\n    %s\n" % e.vm.shell_command())
    err.flush()
    sys.exit(1)


def merge_cold_start(a, command, runs, name, stats):
    """Adds one more kernel's cold start (e.g. the Unikraft kernel) to a run's results."""
    path = os.path.join(a.out, name + ".json")
    with open(path) as f:
        results = json.load(f)
    results["cold_start"][a.kernel_name] = cold_start(command, runs, stats, a.timeout)
    results.setdefault("import_time", {})[a.kernel_name] = import_times(command, stats, a.timeout)
    results.setdefault("boot_failures", {})[a.kernel_name] = stats
    results["note"] = "Cold start measured for: %s." % ", ".join(sorted(results["cold_start"]))
    write(a.out, name, results)


def write(out, name, results):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
    with open(os.path.join(out, name + ".md"), "w") as f:
        f.write(markdown(results))
    sys.stdout.write(markdown(results))


if __name__ == "__main__":
    main()
