#!/usr/bin/env python3
"""Self-test of the benchmarks' boot handling against a fake QEMU (bench/selftest/fake-qemu): crash
lines are caught and counted, a failed boot is retried once, a second failure in a row stops bench.py
with the console tail and the command line, boot-loop.py classifies ok / crash / timeout, every replay
gets its own QMP socket, and no VM is left running. No real guest boots; ~10 s.

    python3 bench/selftest.py
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "selftest", "fake-qemu")
failures = []


def check(what, ok, detail=""):
    print("selftest: %s %s%s" % ("ok  " if ok else "FAIL", what, "" if ok else ": " + detail), flush=True)
    if not ok:
        failures.append(what)


def project(tmp, name, plan):
    """A fake project whose recorded command line starts the fake QEMU with `plan`."""
    p = os.path.join(tmp, name)
    uk = os.path.join(p, "target", "unikernel")
    os.makedirs(os.path.join(uk, "fs0"))
    kernel = os.path.join(p, "kernel")
    with open(kernel, "w") as f:
        f.write(plan)
    cmd = [FAKE, "-name", "unikernel-faas:" + name, "-accel", "tcg", "-cpu", "max", "-m", "256M", "-nographic",
           "-nodefaults", "-no-reboot", "-serial", "stdio", "-kernel", kernel,
           "-fsdev", "local,id=fs0,path=%s,security_model=none,readonly=on" % os.path.join(uk, "fs0"),
           "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:40000-:8123",
           "-qmp", "unix:%s,server=on,wait=off" % os.path.join(uk, "qmp.sock")]
    with open(os.path.join(uk, "qemu-command.txt"), "w") as f:
        f.write("\n".join(cmd) + "\n")
    return p, kernel


def none_left(kernel):
    pids = [int(x) for x in open(kernel + ".pids").read().split()] if os.path.exists(kernel + ".pids") else []
    alive = []
    for pid in pids:
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if b"fake-qemu" in f.read():
                    alive.append(pid)
        except OSError:
            pass
    return alive


def run(args, timeout=120):
    return subprocess.run([sys.executable] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout)


def main():
    tmp = tempfile.mkdtemp(prefix="ukfaas-selftest-")
    try:
        out = os.path.join(tmp, "results")

        # boot-loop: each class once, and a crash line that leaves QEMU alive.
        p, k = project(tmp, "loop", "serve,trap,exit,panichang,hang,serve")
        r = run([os.path.join(HERE, "boot-loop.py"), "--project", p, "--boots", "6", "--memory", "128",
                 "--timeout", "2", "--kernel-name", "fake", "--out", out])
        check("boot-loop exits 0", r.returncode == 0, r.stdout + r.stderr)
        res = json.load(open(os.path.join(out, "boot-loop-fake.json")))
        m = res["memory"].get("128M", {})
        check("boot-loop counts", (m.get("boots"), m.get("ok"), m.get("crashes"), m.get("timeouts")) == (6, 2, 3, 1),
              json.dumps({k2: m.get(k2) for k2 in ("boots", "ok", "crashes", "timeouts")}))
        sigs = {s["signature"]: s["count"] for s in m.get("crash_signatures", [])}
        check("boot-loop crash signatures", sigs == {
            "CRIT: [libkvmplat] <traps.c @   91> Unhandled Trap 13 (general protection), error code=0x0": 1,
            "CRIT: [libukboot] PANIC: out of memory (-m 128M)": 1,
            "(no crash line; QEMU exited with code 1)": 1}, json.dumps(sigs))
        check("boot-loop -m replaced", "Unikraft fake (-m 128M)" in open(os.path.join(
            out, "boot-loop-logs", "fake-m128M-boot002.log")).read())
        check("boot-loop progress lines", r.stdout.count("boot-loop: -m 128M boot ") == 6, r.stdout)
        logs = sorted(os.listdir(os.path.join(out, "boot-loop-logs")))
        check("boot-loop logs only for failures", logs == ["fake-m128M-boot00%d.log" % i for i in (2, 3, 4, 5)],
              str(logs))
        check("boot-loop leaves no QEMU", not none_left(k), str(none_left(k)))

        r = run([os.path.join(HERE, "boot-loop.py"), "--project", p, "--smoke", "--kernel-name", "fake",
                 "--timeout", "4", "--out", out])  # the plan's last mode (serve) from here on
        check("boot-loop --smoke", r.returncode == 0 and os.path.exists(os.path.join(out, "boot-loop-smoke-fake.md")),
              r.stdout + r.stderr)

        # bench.py: a crash, then the retry succeeds; the crash is counted with its line.
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "smoke.json"), "w") as f:
            json.dump({"mode": "smoke", "machine": {"cores": 1, "accelerator": "TCG", "qemu": "fake", "python": "3",
                                                    "date": "-"},
                       "cold_start": {}, "invocation": {}, "size": {"kernel_bytes": 0, "fs0_bytes": 0},
                       "note": "-"}, f)
        p, k = project(tmp, "retry", "trap,serve")
        r = run([os.path.join(HERE, "bench.py"), "--project", p, "--kernel-name", "fake", "--merge-cold-start",
                 "--smoke", "--timeout", "4", "--out", out])
        check("bench.py retries a crashed boot", r.returncode == 0 and "retrying once" in r.stderr,
              r.stdout + r.stderr)
        res = json.load(open(os.path.join(out, "smoke.json")))
        b = res.get("boot_failures", {}).get("fake", {})
        check("bench.py counts the crash", (b.get("boots"), b.get("ok"), b.get("crashes")) == (2, 1, 1)
              and "Unhandled Trap 13" in " ".join(b.get("crash_lines", [])), json.dumps(b))
        check("bench.py markdown shows the crash", "Unhandled Trap 13" in open(os.path.join(out, "smoke.md")).read())
        check("bench.py leaves no QEMU", not none_left(k), str(none_left(k)))

        # bench.py: two failures in a row stop the run, loudly.
        p, k = project(tmp, "twice", "trap,hang")
        r = run([os.path.join(HERE, "bench.py"), "--project", p, "--kernel-name", "fake", "--merge-cold-start",
                 "--smoke", "--timeout", "2", "--out", out])
        check("bench.py stops after a second failure", r.returncode == 1 and "second failure in a row" in r.stderr
              and "last 30 console lines" in r.stderr and "command line:" in r.stderr
              and "Booting from ROM" in r.stderr, r.stdout + r.stderr)
        check("bench.py leaves no QEMU after stopping", not none_left(k), str(none_left(k)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        sys.exit("selftest: %d check(s) failed: %s" % (len(failures), ", ".join(failures)))
    print("selftest: all checks passed")


if __name__ == "__main__":
    main()
