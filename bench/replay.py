"""Replaying the plugin's recorded QEMU command line (target/unikernel/qemu-command.txt), shared by
bench.py and boot-loop.py.

Each replay gets its own host port, optionally another -m, and its own QMP socket in a private temp
directory (several replays must never share one). The console is read live: first output, the
first crash line, and a bounded tail. A VM is always killed by stop(); every VM still running when
the script ends (exception, Ctrl-C, SIGTERM) is killed by the atexit hook.
"""
import atexit
import collections
import http.client
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time

# Console lines that mean the guest died: Unikraft's trap handler and crash dump, its PANIC, a Linux
# panic (the CI test kernel runs with panic=-1, so QEMU exits after it) and the test kernel's /init.
CRASH_RE = re.compile(r"Unhandled Trap|Crash dump|PANIC|Kernel panic|init: FAILED")
ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1bc")
TIMESTAMP_RE = re.compile(r"^\s*\[\s*\d+\.\d+\]\s*")
# Console marks of the cold start's phases, stamped with the host's clock when they arrive (a line's
# beginning is enough: SeaBIOS's "Booting from ROM.." ends without a line feed). python_start: Unikraft's
# banner is printed just before main() (CPython's start), the CI test guest's /init says it.
MARKS = (("firmware_done", re.compile(r"Booting from ROM")),
         ("python_start", re.compile(r"Powered by|init: starting python")),
         ("listening", re.compile(r"ukfaas: listening on")))
# The wrapper's start-up line: guest-clock figures of its own start, its imports, function.py and listen.
STARTED_RE = re.compile(r"ukfaas: started: wrapper at ([0-9.]+) s \(guest clock\), its imports ([0-9.]+) s,"
                        r" function and listen ([0-9.]+) s")
CONSOLE_LINES = 2000   # lines of console kept per VM (the tail is what matters)
CRASH_GRACE_S = 3.0    # after a crash line, how long QEMU may take to exit before we stop waiting
TAIL_LINES = 30

_live = set()


def _kill_live():
    for vm in list(_live):
        vm.stop()


atexit.register(_kill_live)


def exit_on_sigterm():
    """SIGTERM/SIGHUP raise SystemExit, so every `finally` (and the atexit hook) stops its QEMU."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


def load_command(project):
    """The exact QEMU command line the plugin ran in the project's last boot test."""
    path = os.path.join(project, "target", "unikernel", "qemu-command.txt")
    if not os.path.isfile(path):
        raise SystemExit("bench: %s is missing: run the project's boot test first (mvn verify)" % path)
    with open(path) as f:
        return [line.rstrip("\n") for line in f if line.rstrip("\n") != ""]


def summary(values, count_key="runs"):
    """Median, min and max of a list of figures, with how many there were; None for none."""
    values = sorted(values)
    if not values:
        return None
    return {"median": round(statistics.median(values), 3), "min": round(values[0], 3),
            "max": round(values[-1], 3), count_key: len(values)}


def arg_after(command, flag):
    return command[command.index(flag) + 1]


def accelerator(command):
    """The accelerator the recorded command line runs under."""
    if "-enable-kvm" in command:
        return "KVM"
    for i, a in enumerate(command[:-1]):
        if a == "-accel":
            return command[i + 1].split(",")[0].upper()
        if a == "-machine":
            m = re.search(r"accel=([a-z]+)", command[i + 1])
            if m:
                return m.group(1).upper()
    return "TCG"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def memory_arg(value):
    """'256', '256M' or 256 -> '256M' (QEMU's -m)."""
    value = str(value).strip()
    return value if value[-1:].isalpha() else value + "M"


def replay_command(command, port, memory=None, qmp_dir=None):
    """The recorded command line with another host port, optionally another -m, the QMP socket
    moved into qmp_dir (or dropped when qmp_dir is None), and no -incoming (a cold boot)."""
    cmd = [re.sub(r"hostfwd=tcp:127\.0\.0\.1:\d+-:", "hostfwd=tcp:127.0.0.1:%d-:" % port, a) for a in command]
    if memory:
        cmd[cmd.index("-m") + 1] = memory_arg(memory)
    out = []
    i = 0
    while i < len(cmd):
        if cmd[i] == "-incoming" and i + 1 < len(cmd):
            i += 2  # the plugin restored a saved state (warm start): a replay boots cold
            continue
        if cmd[i] == "-qmp" and i + 1 < len(cmd):
            # unix:PATH[,options]; a comma inside PATH is doubled.
            m = re.match(r"^unix:((?:[^,]|,,)*)(.*)$", cmd[i + 1])
            if qmp_dir is not None and m:
                out += ["-qmp", "unix:" + os.path.join(qmp_dir, "qmp.sock").replace(",", ",,") + m.group(2)]
            i += 2
            continue
        out.append(cmd[i])
        i += 1
    return out


def clean(line):
    return ANSI_RE.sub("", line).replace("\r", "").rstrip()


def signature(line):
    """A crash line without its timestamp and long addresses, so equal crashes group together."""
    line = clean(line)
    m = CRASH_RE.search(line)
    if m:  # drop what a previous, unterminated line left in front (e.g. SeaBIOS' "Booting from ROM..")
        stamps = [t.start() for t in re.finditer(r"\[\s*\d+\.\d+\]", line[:m.start()])]
        line = line[stamps[-1]:] if stamps else line
    line = TIMESTAMP_RE.sub("", line)
    line = re.sub(r"0x[0-9a-fA-F]{6,}", "0x?", line)
    line = re.sub(r"\b[0-9a-fA-F]{12,}\b", "?", line)
    return line.strip()


class Vm(object):
    """One replay of the recorded command line."""

    def __init__(self, command, memory=None):
        self.port = free_port()
        self.tmp = tempfile.mkdtemp(prefix="ukfaas-bench-")
        self.command = replay_command(command, self.port, memory, self.tmp)
        self.console = collections.deque(maxlen=CONSOLE_LINES)
        self.first_output = None
        self.crash_line = None
        self.crash_at = None
        self.ready_at = None
        self.marks = {}  # MARKS name -> host time it appeared
        self.started = None  # (wrapper at, its imports, function and listen), guest-clock seconds
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        _live.add(self)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        """Reads what arrives (not line by line: a mark may come before its line ends)."""
        fd = self.proc.stdout.fileno()
        pending = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            now = time.monotonic()
            if chunk and self.first_output is None:
                self.first_output = now
            pending += chunk
            *complete, pending = pending.split(b"\n")
            if not chunk and pending:
                complete, pending = complete + [pending], b""
            for raw in complete:
                self._line(clean(raw.decode("latin-1")), now)
            if pending:
                self._mark(pending.decode("latin-1"), now)
            if not chunk:
                return

    def _mark(self, text, now):
        for name, pattern in MARKS:
            if name not in self.marks and pattern.search(text):
                self.marks[name] = now

    def _line(self, line, now):
        self._mark(line, now)
        self.console.append(line)
        if self.started is None:
            m = STARTED_RE.search(line)
            if m:
                self.started = tuple(float(g) for g in m.groups())
        if self.crash_line is None and CRASH_RE.search(line):
            self.crash_line, self.crash_at = line, now

    def wait_ready(self, timeout):
        """'ready' (GET /health answered 200; ready_at set), 'exited' (QEMU exited first), 'crash' (a crash
        line on the console and QEMU still alive after a grace period) or 'timeout'."""
        deadline = self.t0 + timeout
        while True:
            now = time.monotonic()
            if self.proc.poll() is not None:
                self.reader.join(2)  # the last console lines
                return "exited"
            if self.crash_at is not None and now - self.crash_at > CRASH_GRACE_S:
                return "crash"
            if now >= deadline:
                return "crash" if self.crash_line else "timeout"
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=max(0.1, min(2.0, deadline - now)))
                try:
                    c.request("GET", "/health")
                    r = c.getresponse()
                    r.read()
                    if r.status == 200:
                        self.ready_at = time.monotonic()
                        return "ready"
                finally:
                    c.close()
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)

    def post(self, body, timeout=30):
        """POST / with a JSON body; returns (status, seconds). Raises OSError/HTTPException on failure."""
        t = time.monotonic()
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request("POST", "/", body=json.dumps(body), headers={"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            return r.status, time.monotonic() - t
        finally:
            c.close()

    def alive(self):
        return self.proc.poll() is None

    def exit_code(self):
        return self.proc.poll()

    def tail(self, n=TAIL_LINES):
        return list(self.console)[-n:]

    def shell_command(self):
        return " ".join(shlex.quote(a) for a in self.command)

    def failure_line(self):
        """The first crash line, or what is known instead."""
        if self.crash_line:
            return self.crash_line
        code = self.exit_code()
        if code is not None:
            return "(no crash line; QEMU exited with code %d)" % code
        return "(no crash line)"

    def stop(self):
        try:
            if self.proc.poll() is None:
                self.proc.kill()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
            self.reader.join(2)
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass
        finally:
            _live.discard(self)
            shutil.rmtree(self.tmp, ignore_errors=True)


def shown(path):
    """A path relative to the working directory when it lies below it, else absolute."""
    rel = os.path.relpath(path)
    return os.path.abspath(path) if rel.startswith("..") else rel


def machine(accel_name, qemu="qemu-system-x86_64"):
    try:
        qemu_version = subprocess.run([qemu, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      timeout=30).stdout.decode().split("\n")[0] or "?"
    except (OSError, subprocess.TimeoutExpired):
        qemu_version = "?"
    return {"cores": os.cpu_count(), "accelerator": accel_name, "qemu": qemu_version,
            "python": platform.python_version(), "kernel": platform.release(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def first_crash_line(path):
    """The first crash line in a console log, or None."""
    with open(path, "rb") as f:
        for raw in f:
            line = clean(raw.decode("latin-1"))
            if CRASH_RE.search(line):
                return line
    return None


if __name__ == "__main__":
    # python3 bench/replay.py crash-line CONSOLE_LOG: prints the first crash line (exit 1 when none), so
    # shell scripts use the same patterns as the benchmarks.
    import sys
    if len(sys.argv) != 3 or sys.argv[1] != "crash-line":
        sys.exit("usage: replay.py crash-line CONSOLE_LOG")
    found = first_crash_line(sys.argv[2]) if os.path.isfile(sys.argv[2]) else None
    if found is None:
        sys.exit(1)
    print(found)
