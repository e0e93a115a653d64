#!/usr/bin/env python3
"""Boot reliability: boots a project's recorded QEMU command line over and over and counts what happens.

    python3 bench/boot-loop.py --project P [--boots 100] [--memory 192,256,384] [--timeout 60]
                               [--kernel-name NAME] [--smoke] [--out DIR] [--max-minutes 240]

P is a project whose boot test ran (mvn verify), so P/target/unikernel/qemu-command.txt holds the
exact command line. For each -m value, sequentially, N boots; each boot: time to the first 200 from
GET /health, then one POST / with a JSON body (its status is recorded), then QEMU is killed. Each
boot is one of
  ok       /health answered and the POST got an HTTP answer (any status; non-200 are counted)
  crash    QEMU exited, or the console showed a crash line ("Unhandled Trap", "Crash dump", "PANIC",
           "Kernel panic", "init: FAILED"), before the POST was answered
  timeout  no /health within --timeout s (or no answer to the POST within 30 s) and no crash line
Crashes and timeouts leave a log (class, crash line, console tail, command line) in
bench/results/boot-loop-logs/ (gitignored). Writes bench/results/boot-loop-NAME.{json,md}, or
boot-loop-smoke-NAME.{json,md} with --smoke (3 boots at one -m, so the script cannot rot; it exits 1
when no boot got ready, since then the replay itself is broken). Nothing here judges a speed.
"""
import argparse
import json
import os
import sys
import time

from replay import (summary, TAIL_LINES, Vm, accelerator, arg_after, exit_on_sigterm, load_command, machine, memory_arg,
                    shown, signature)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POST_TIMEOUT_S = 30
POST_BODY = {"name": "boot-loop"}




def one_boot(command, memory, timeout):
    """Boots once; returns the boot's record and the stopped Vm (for its console)."""
    vm = Vm(command, memory)
    rec = {"outcome": None, "ready_s": None, "post_status": None, "post_s": None, "crash_line": None,
           "detail": None}
    try:
        state = vm.wait_ready(timeout)
        if state == "ready":
            rec["ready_s"] = round(vm.ready_at - vm.t0, 3)
            try:
                status, seconds = vm.post(POST_BODY, POST_TIMEOUT_S)
                rec.update(outcome="ok", post_status=status, post_s=round(seconds, 4))
            except Exception as e:  # noqa: BLE001 (any failure of the request is the guest's)
                vm.reader.join(1)
                rec["detail"] = "POST failed after /health: %s: %s" % (type(e).__name__, e)
                rec["outcome"] = "crash" if (not vm.alive() or vm.crash_line) else "timeout"
        elif state in ("exited", "crash"):
            rec["outcome"] = "crash"
        else:
            rec["outcome"] = "timeout"
            rec["detail"] = "no 200 from GET /health within %g s" % timeout
        if rec["outcome"] == "crash":
            rec["crash_line"] = vm.failure_line()
        elif vm.crash_line:
            rec["crash_line"] = vm.crash_line
    finally:
        vm.stop()
    rec["exit_code"] = vm.exit_code()
    return rec, vm


def write_log(logs, name, mem, i, rec, vm):
    os.makedirs(logs, exist_ok=True)
    path = os.path.join(logs, "%s-m%s-boot%03d.log" % (name, mem, i))
    with open(path, "w") as f:
        f.write("outcome: %s\n" % rec["outcome"])
        f.write("crash line: %s\n" % (rec["crash_line"] or "-"))
        if rec["detail"]:
            f.write("detail: %s\n" % rec["detail"])
        f.write("QEMU exit code: %s (-9: killed by us)\n" % rec["exit_code"])
        f.write("command line: %s\n" % vm.shell_command())
        f.write("console tail (last %d lines):\n" % TAIL_LINES)
        for line in vm.tail():
            f.write("    %s\n" % line)
    return path


def per_memory(records):
    ok = [r for r in records if r["outcome"] == "ok"]
    sigs = {}
    for r in records:
        if r["outcome"] == "crash":
            s = signature(r["crash_line"])
            sigs[s] = sigs.get(s, 0) + 1
    statuses = {}
    for r in ok:
        statuses[str(r["post_status"])] = statuses.get(str(r["post_status"]), 0) + 1
    return {"boots": len(records), "ok": len(ok),
            "crashes": sum(1 for r in records if r["outcome"] == "crash"),
            "timeouts": sum(1 for r in records if r["outcome"] == "timeout"),
            "ready_s": summary([r["ready_s"] for r in records if r["ready_s"] is not None], "n"),
            "post_status": statuses,
            "crash_signatures": [{"signature": s, "count": n}
                                 for s, n in sorted(sigs.items(), key=lambda kv: (-kv[1], kv[0]))],
            "boot_records": records}


def markdown(r):
    lines = ["# Boot reliability: %s" % r["kernel_name"], "",
             "Machine: %(cores)s cores, %(accelerator)s, %(qemu)s, host Python %(python)s, %(date)s" % r["machine"],
             "Replayed: `%s` (recorded -m %s), kernel `%s`." % (r["command_file"], r["recorded_memory"], r["kernel"]),
             "Mode: %s; %d boots per -m, sequential; timeout %g s to the first 200 from GET /health, then one "
             "POST / (JSON)." % (r["mode"], r["boots_per_memory"], r["timeout_s"]), ""]
    if r.get("stopped_early"):
        lines += ["**Stopped early: %s.**" % r["stopped_early"], ""]
    lines += ["| -m | boots | ok | crashes | timeouts | ready median s | min | max | POST status |",
              "|---|---|---|---|---|---|---|---|---|"]
    for mem, m in r["memory"].items():
        rs = m["ready_s"]
        ready = ("%.2f | %.2f | %.2f" % (rs["median"], rs["min"], rs["max"])) if rs else "- | - | -"
        status = ", ".join("%s x%d" % kv for kv in sorted(m["post_status"].items())) or "-"
        lines.append("| %s | %d | %d | %d | %d | %s | %s |" % (mem, m["boots"], m["ok"], m["crashes"], m["timeouts"],
                                                               ready, status))
    lines.append("")
    sigs = [(mem, s) for mem, m in r["memory"].items() for s in m["crash_signatures"]]
    if sigs:
        lines += ["## Crash signatures (first crash line of each crash)", "", "| -m | count | signature |",
                  "|---|---|---|"]
        for mem, s in sigs:
            lines.append("| %s | %d | `%s` |" % (mem, s["count"], s["signature"].replace("|", "\\|").replace("`", "'")))
        lines.append("")
    lines.append("Ready = QEMU start to the first 200 from GET /health (boots that got there). A crash is QEMU "
                 "exiting, or a crash line on the console, before the POST was answered; per-boot logs of crashes "
                 "and timeouts: `bench/results/boot-loop-logs/` (not committed).")
    return "\n".join(lines) + "\n"


def main():
    exit_on_sigterm()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--project", required=True, help="a project whose boot test ran (its qemu-command.txt)")
    p.add_argument("--boots", type=int, default=100, help="boots per -m value (default 100)")
    p.add_argument("--memory", default=None, help="comma-separated -m values in MiB (default 192,256,384)")
    p.add_argument("--timeout", type=float, default=60, help="seconds to the first 200 from /health (default 60)")
    p.add_argument("--kernel-name", default=None, help="names the results (default: the project directory's name)")
    p.add_argument("--smoke", action="store_true", help="3 boots at one -m (the recorded one unless --memory)")
    p.add_argument("--max-minutes", type=float, default=240, help="stop (and write what was measured) after this")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    a = p.parse_args()
    project = os.path.abspath(a.project)
    command = load_command(project)
    name = a.kernel_name or os.path.basename(project.rstrip("/"))
    recorded = arg_after(command, "-m")
    if a.smoke:
        boots = 3
        memories = [memory_arg(a.memory.split(",")[0])] if a.memory else [recorded]
    else:
        boots = a.boots
        memories = [memory_arg(m) for m in (a.memory or "192,256,384").split(",") if m.strip()]
    if boots < 1 or not memories:
        p.error("need at least one boot and one -m value")
    base = ("boot-loop-smoke-" if a.smoke else "boot-loop-") + name
    logs = os.path.join(a.out, "boot-loop-logs")
    if os.path.isdir(logs):  # the logs of this name's previous run would be mistaken for this one's
        for f in os.listdir(logs):
            if f.startswith(name + "-m") and f.endswith(".log"):
                os.remove(os.path.join(logs, f))
    results = {"kernel_name": name, "mode": "smoke" if a.smoke else "full", "project": project,
               "command_file": shown(os.path.join(project, "target", "unikernel", "qemu-command.txt")),
               "kernel": arg_after(command, "-kernel"), "recorded_memory": recorded,
               "machine": machine(accelerator(command), command[0]), "boots_per_memory": boots,
               "timeout_s": a.timeout, "memory": {}}
    deadline = time.monotonic() + a.max_minutes * 60
    total = boots * len(memories)
    done = 0
    print("boot-loop: %s: %d boots at -m %s (timeout %g s), kernel %s" % (
        name, boots, ",".join(memories), a.timeout, results["kernel"]), flush=True)
    try:
        for mem in memories:
            records = []
            results["memory"][mem] = per_memory(records)
            for i in range(1, boots + 1):
                if time.monotonic() > deadline:
                    results["stopped_early"] = "--max-minutes %g reached after %d of %d boots" % (
                        a.max_minutes, done, total)
                    print("boot-loop: " + results["stopped_early"], flush=True)
                    break
                rec, vm = one_boot(command, mem, a.timeout)
                records.append(rec)
                done += 1
                line = "boot-loop: -m %s boot %d/%d: %s" % (mem, i, boots, rec["outcome"])
                if rec["ready_s"] is not None:
                    line += ", ready %.2f s" % rec["ready_s"]
                if rec["post_status"] is not None:
                    line += ", POST %d" % rec["post_status"]
                if rec["outcome"] != "ok":
                    rec["log"] = shown(write_log(logs, name, mem, i, rec, vm))
                    line += ": %s (log: %s)" % (rec["crash_line"] or rec["detail"], rec["log"])
                print(line, flush=True)
                results["memory"][mem] = per_memory(records)
            if results.get("stopped_early"):
                break
    except KeyboardInterrupt:
        results["stopped_early"] = "interrupted after %d of %d boots" % (done, total)
        print("boot-loop: " + results["stopped_early"], flush=True)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, base + ".json"), "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
    md = markdown(results)
    with open(os.path.join(a.out, base + ".md"), "w") as f:
        f.write(md)
    sys.stdout.write(md)
    print("boot-loop: wrote %s.{json,md}" % shown(os.path.join(a.out, base)), flush=True)
    if results.get("stopped_early", "").startswith("interrupted"):
        sys.exit(130)
    if a.smoke and not any(m["ok"] for m in results["memory"].values()):
        sys.exit("boot-loop: smoke: no boot got ready: the replay itself is broken (see the logs above)")


if __name__ == "__main__":
    main()
