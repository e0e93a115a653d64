#!/usr/bin/env python3
"""Warm start against cold start, on the QEMU command line the plugin recorded for a project whose
boot test ran with the initrd root (target/unikernel/qemu-command.txt).

    python3 bench/warm-start.py --project DIR [--kernel-name NAME] [--memory 192] [--runs 5] [--smoke]

Cold: the command line as recorded. Warm: one cold boot that answers /health is paused and saved
(QMP stop, migrate to exec:cat > FILE, cont: what the plugin does, see vm/WarmStart.java), then
each run starts QEMU with -incoming 'exec:cat FILE', continues the guest once the state is loaded,
and tells the wrapper it was restored (POST /_/restored, as the plugin does). Both measure launch ->
first 200 on GET /health and launch -> first POST / answered, polling every 5 ms; median of --runs.
Writes bench/results/warm-start-NAME.{json,md}. A benchmark, not a test: nothing is asserted.
"""
import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from replay import exit_on_sigterm, free_port, load_command, replay_command, summary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT_S = 120


class Qmp(object):
    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.005)
        self.f = self.sock.makefile("rw")
        self.f.readline()
        self.run("qmp_capabilities")

    def run(self, command, **arguments):
        message = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        self.f.write(json.dumps(message) + "\n")
        self.f.flush()
        while True:
            answer = json.loads(self.f.readline())
            if "error" in answer:
                raise RuntimeError("QMP %s: %s" % (command, answer["error"]))
            if "return" in answer:
                return answer["return"]

    def close(self):
        self.sock.close()


class Launch(object):
    """One QEMU of the recorded command line, on its own port and QMP socket, console to a file."""

    def __init__(self, command, memory, extra=()):
        self.port = free_port()
        self.tmp = tempfile.mkdtemp(prefix="ukfaas-warm-")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(replay_command(command, self.port, memory, self.tmp) + list(extra),
                                     stdin=subprocess.DEVNULL, stdout=open(os.path.join(self.tmp, "console"), "wb"),
                                     stderr=subprocess.STDOUT)
        self.qmp = None

    def control(self):
        if self.qmp is None:
            self.qmp = Qmp(os.path.join(self.tmp, "qmp.sock"), time.monotonic() + 10)
        return self.qmp

    def request(self, method, path, body=None, timeout=5.0):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def health(self):
        """Seconds from launch to the first 200 on /health."""
        while time.monotonic() - self.t0 < TIMEOUT_S:
            if self.proc.poll() is not None:
                raise RuntimeError("QEMU exited with %s: %s" % (self.proc.returncode, self.console()[-500:]))
            try:
                if self.request("GET", "/health", timeout=1.0)[0] == 200:
                    return time.monotonic() - self.t0
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.005)
        raise RuntimeError("no /health within %d s: %s" % (TIMEOUT_S, self.console()[-500:]))

    def first_post(self):
        status, body = self.request("POST", "/", json.dumps({"name": "bench"}), timeout=30)
        if status != 200:
            raise RuntimeError("POST / answered %d: %r" % (status, body))
        return time.monotonic() - self.t0

    def console(self):
        with open(os.path.join(self.tmp, "console"), "rb") as f:
            return f.read().decode("latin-1")

    def stop(self):
        if self.qmp:
            self.qmp.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        shutil.rmtree(self.tmp, ignore_errors=True)


def cold(command, memory):
    vm = Launch(command, memory)
    try:
        return vm.health(), vm.first_post()
    finally:
        vm.stop()


def save(command, memory, state):
    """A cold boot saved once it answers: (seconds the guest was paused, bytes)."""
    vm = Launch(command, memory)
    try:
        vm.health()
        vm.request("POST", "/_/restored", json.dumps({"prepare": True}))
        q = vm.control()
        t = time.monotonic()
        q.run("stop")
        q.run("migrate", uri="exec:cat > '%s'" % state)
        while True:
            status = q.run("query-migrate").get("status")
            if status == "completed":
                break
            if status in ("failed", "cancelled"):
                raise RuntimeError("the migration %s (a 9p share? the initrd root can be saved)" % status)
            time.sleep(0.01)
        paused = time.monotonic() - t
        q.run("cont")
        return paused, os.path.getsize(state)
    finally:
        vm.stop()


def warm(command, memory, state):
    vm = Launch(command, memory, ["-incoming", "exec:cat '%s'" % state])
    try:
        q = vm.control()
        while True:
            status = q.run("query-status")["status"]
            if status != "inmigrate":
                break
            if vm.proc.poll() is not None or time.monotonic() - vm.t0 > TIMEOUT_S:
                raise RuntimeError("the state did not load: %s" % vm.console()[-500:])
            time.sleep(0.005)
        loaded = time.monotonic() - vm.t0
        if status != "running":
            q.run("cont")
        health = vm.health()
        status, body = vm.request("POST", "/_/restored", json.dumps({"seed": secrets.token_hex(32),
                                                                   "time": time.time()}))
        if status != 200:
            raise RuntimeError("/_/restored answered %d: %r" % (status, body))
        return loaded, health, time.monotonic() - vm.t0, vm.first_post()
    finally:
        vm.stop()


def main():
    exit_on_sigterm()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--project", required=True, help="a project whose boot test ran with the initrd root")
    p.add_argument("--kernel-name", default="unikraft")
    p.add_argument("--memory", default=None, help="-m for every boot (default: the recorded one)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--smoke", action="store_true", help="2 runs each")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    a = p.parse_args()
    runs = 2 if a.smoke else a.runs
    command = load_command(a.project)
    work = tempfile.mkdtemp(prefix="ukfaas-warm-state-")
    try:
        state = os.path.join(work, "state")
        paused, size = save(command, a.memory, state)
        cold_runs, warm_runs = [], []
        for _ in range(runs):  # interleaved, so that load on the machine hits both alike
            cold_runs.append(cold(command, a.memory))
            warm_runs.append(warm(command, a.memory, state))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    memory = a.memory or command[command.index("-m") + 1]
    r = {
        "kernel": a.kernel_name, "memory": str(memory), "runs": runs,
        "save": {"paused_s": round(paused, 3), "state_mib": round(size / 2 ** 20, 1)},
        "cold": {"health_s": summary([c[0] for c in cold_runs]), "first_post_s": summary([c[1] for c in cold_runs])},
        "warm": {"loaded_s": summary([w[0] for w in warm_runs]), "health_s": summary([w[1] for w in warm_runs]),
                 "reseeded_s": summary([w[2] for w in warm_runs]), "first_post_s": summary([w[3] for w in warm_runs])},
    }
    md = ["# Warm start: %s, -m %s, %d runs each (median, min-max, seconds from launch)" % (a.kernel_name, memory, runs),
          "", "| | state loaded | first 200 on /health | re-seeded | first POST answered |", "|---|---|---|---|---|"]

    def cell(s):
        return "-" if s is None else "%.3f (%.3f-%.3f)" % (s["median"], s["min"], s["max"])
    md.append("| cold | - | %s | - | %s |" % (cell(r["cold"]["health_s"]), cell(r["cold"]["first_post_s"])))
    md.append("| warm | %s | %s | %s | %s |" % (cell(r["warm"]["loaded_s"]), cell(r["warm"]["health_s"]),
                                              cell(r["warm"]["reseeded_s"]), cell(r["warm"]["first_post_s"])))
    md += ["", "Saving: guest paused %.3f s, state %.1f MiB." % (paused, size / 2 ** 20), ""]
    os.makedirs(a.out, exist_ok=True)
    name = "warm-start-" + a.kernel_name + ("-smoke" if a.smoke else "")
    with open(os.path.join(a.out, name + ".json"), "w") as f:
        json.dump(r, f, indent=2, sort_keys=True)
    with open(os.path.join(a.out, name + ".md"), "w") as f:
        f.write("\n".join(md))
    sys.stdout.write("\n".join(md))


if __name__ == "__main__":
    main()
