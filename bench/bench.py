#!/usr/bin/env python3
"""unikernel-faas benchmarks: cold start, invocation, build, size and memory, side by side.

Run through bench/run.sh, which prepares the demo project and the kernel. Writes
bench/results/latest.json and bench/results/latest.md. Benchmarks are not tests: nothing here
asserts a speed. `--smoke` makes one short pass of everything cheap, so the runner cannot rot.
"""
import argparse
import http.client
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tarfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE_IMAGE_MIB = 28.3  # the reference setup's image (Unikraft 0.13.1 + CPython 3.7 + fs0)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def summary(values):
    values = sorted(values)
    if not values:
        return None
    return {"median": round(statistics.median(values), 3), "min": round(values[0], 3),
            "max": round(values[-1], 3), "runs": len(values)}


def percentile(sorted_values, p):
    i = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[i]


def load_command(project):
    """The exact QEMU command line the plugin ran in the project's last boot test."""
    path = os.path.join(project, "target", "unikernel", "qemu-command.txt")
    with open(path) as f:
        return [line.rstrip("\n") for line in f]


def arg_after(command, flag):
    return command[command.index(flag) + 1]


class Vm(object):
    """Replays the plugin's QEMU command line (another host port, optionally another -m); the
    console is read live for timestamps."""

    def __init__(self, command, memory=None):
        self.port = free_port()
        cmd = [re.sub(r"hostfwd=tcp:127\.0\.0\.1:\d+-:", "hostfwd=tcp:127.0.0.1:%d-:" % self.port, a)
               for a in command]
        if memory:
            cmd[cmd.index("-m") + 1] = memory
        self.first_output = None
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.console = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in iter(self.proc.stdout.readline, b""):
            if self.first_output is None:
                self.first_output = time.monotonic()
            self.console.append(line.decode("latin-1").rstrip())

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return None
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/health")
                ok = c.getresponse().status == 200
                c.close()
                if ok:
                    return time.monotonic()
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


def cold_start(command, runs):
    results = []
    for _ in range(runs):
        vm = Vm(command)
        try:
            ready = vm.wait_ready()
            if ready is None:
                raise SystemExit("bench: the VM did not become ready:\n" + "\n".join(vm.console[-20:]))
            t = time.monotonic()
            c = http.client.HTTPConnection("127.0.0.1", vm.port, timeout=30)
            c.request("POST", "/", body=json.dumps({"name": "bench"}), headers={"Content-Type": "application/json"})
            status = c.getresponse().status
            c.close()
            done = time.monotonic()
            if status != 200:
                raise SystemExit("bench: first invocation answered %d" % status)
            first = vm.first_output or ready
            results.append({"vmm_start": first - vm.t0, "boot_to_health": ready - first,
                            "first_invocation": done - t, "total": done - vm.t0})
        finally:
            vm.stop()
    return {k: summary([r[k] for r in results]) for k in ("vmm_start", "boot_to_health", "first_invocation",
                                                            "total")}


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


def invocation(command, fs0, requests):
    out = {}
    vm = Vm(command)
    try:
        if vm.wait_ready() is None:
            raise SystemExit("bench: the VM did not become ready")
        out["vm_keep_alive"] = load(vm.port, requests, True)
        out["vm_new_connection"] = load(vm.port, requests, False)
    finally:
        vm.stop()
    # The floor: the same wrapper and function straight on the host's python3.
    port = free_port()
    wrapper = os.path.join(fs0, "lib", "python3.7", "app", "wrapper.py")
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


def memory_floor(command, candidates):
    """The smallest -m (MiB) at which the function still answers, by bisection over candidates."""
    lo, hi, best = 0, len(candidates) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        vm = Vm(command, "%dM" % candidates[mid])
        try:
            ok = vm.wait_ready(timeout=60) is not None
        finally:
            vm.stop()
        if ok:
            best, hi = candidates[mid], mid - 1
        else:
            lo = mid + 1
    return best


def mvn(project, *goals):
    t = time.monotonic()
    subprocess.run([os.path.join(ROOT, "mvnw"), "-B", "-q", "-ntp", "-f", os.path.join(project, "pom.xml")]
                   + list(goals), check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t


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


def machine(accel_name):
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], stdout=subprocess.PIPE).stdout.decode().split("\n")[0]
    return {"cores": os.cpu_count(), "accelerator": accel_name, "qemu": qemu, "python": platform.python_version(),
            "kernel": platform.release(), "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}



def markdown(r):
    lines = ["# unikernel-faas benchmarks", "",
             "Machine: %(cores)s cores, %(accelerator)s, %(qemu)s, host Python %(python)s, %(date)s" % r["machine"],
             "Mode: %s. Medians (min-max) over the runs shown; produced by `bench/run.sh%s`." % (
                 r["mode"], " --smoke" if r["mode"] == "smoke" else ""), ""]
    for name, cs in r["cold_start"].items():
        lines += ["## Cold start: %s (%s)" % (name, r["machine"]["accelerator"]), "",
                  "| phase | median s | min | max | runs |", "|---|---|---|---|---|"]
        for phase in ("vmm_start", "boot_to_health", "first_invocation", "total"):
            s = cs[phase]
            lines.append("| %s | %.3f | %.3f | %.3f | %d |" % (phase, s["median"], s["min"], s["max"], s["runs"]))
        lines.append("")
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
    lines.append("Note: %s" % r["note"])
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--project", required=True, help="a project whose boot test ran (its qemu-command.txt)")
    p.add_argument("--kernel-name", default="ci-test-kernel")
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--merge-cold-start", action="store_true",
                   help="only measure this kernel's cold start and add it to the existing results")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    a = p.parse_args()
    project = os.path.abspath(a.project)
    command = load_command(project)
    fs0 = os.path.join(project, "target", "unikernel", "fs0")
    runs = 1 if a.smoke else 5
    name = "smoke" if a.smoke else "latest"
    if a.merge_cold_start:
        merge_cold_start(a, command, runs, name)
        return
    # The plugin chose the accelerator (KVM only when QEMU can use it) and recorded it.
    accel_name = "KVM" if "-enable-kvm" in command else "TCG"
    results = {"mode": "smoke" if a.smoke else "full", "machine": machine(accel_name),
               "cold_start": {a.kernel_name: cold_start(command, runs)},
               "invocation": invocation(command, fs0, 20 if a.smoke else 500),
               "size": sizes(project, fs0, arg_after(command, "-kernel")),
               "note": ("The Unikraft kernel is measured only when it is in the cache; this run used %s. Under TCG "
                        "every guest instruction is emulated, so boot figures are far above KVM's." % a.kernel_name)}
    if not a.smoke:
        boot = ["-Dunikernel.kernel=" + arg_after(command, "-kernel")]
        if a.kernel_name == "ci-test-kernel":
            boot.append("-Dunikernel.stdlib=none")  # its guest runs the host's python3 (scripts/demo.sh)
        results["build"] = build_times(project, boot, 3)
        results["memory_floor_mib"] = memory_floor(command, [32, 48, 64, 96, 128, 192, 256])
    write(a.out, name, results)


def merge_cold_start(a, command, runs, name):
    """Adds one more kernel's cold start (e.g. the cached Unikraft kernel) to a run's results."""
    path = os.path.join(a.out, name + ".json")
    with open(path) as f:
        results = json.load(f)
    results["cold_start"][a.kernel_name] = cold_start(command, runs)
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
