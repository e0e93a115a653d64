"""Tests of the in-guest wrapper, run on the host python3 against the real wrapper process."""
import ast
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
WRAPPER = os.path.normpath(os.path.join(
    HERE, "..", "..", "main", "resources", "io", "github", "unikernelfaas", "rootfs", "wrapper.py"))

FUNCTION = '''
import helper
from colors import shade


def handler(event):
    if event == "boom" or (isinstance(event, dict) and event.get("boom")):
        raise ValueError("refusing on purpose")
    if isinstance(event, dict) and "kind" in event:
        return {"str": "plain text", "bytes": b"raw bytes", "none": None,
                "set": {1, 2}, "shade": shade("x")}[event["kind"]]
    return {"echo": event, "helper": helper.twice(2)}
'''

CONTEXT_FUNCTION = '''
def handler(event, context):
    return {"event": event, "context": context}
'''


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_fs0(root, function_src):
    app = os.path.join(root, "lib", "python3.7", "app")
    site = os.path.join(root, "lib", "python3.7", "site-packages", "colors")
    os.makedirs(app)
    os.makedirs(site)
    shutil.copy(WRAPPER, os.path.join(app, "wrapper.py"))
    with open(os.path.join(app, "function.py"), "w") as f:
        f.write(function_src)
    with open(os.path.join(app, "helper.py"), "w") as f:
        f.write("def twice(n):\n    return 2 * n\n")
    with open(os.path.join(site, "__init__.py"), "w") as f:
        f.write("def shade(s):\n    return 'dark ' + s\n")
    return app


class WrapperProcess(object):
    def __init__(self, function_src, extra_args=(), module=False):
        self.root = tempfile.mkdtemp(prefix="ukfaas-wrapper-test-")
        self.app = make_fs0(self.root, function_src)
        self.port = free_port()
        args = ["--port", str(self.port), "--host", "127.0.0.1"] + list(extra_args)
        if module:
            cmd = [sys.executable, "-m", "app.wrapper"] + args
            cwd = os.path.dirname(self.app)
        else:
            cmd = [sys.executable, os.path.join(self.app, "wrapper.py")] + args
            cwd = self.root
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        env.pop("PYTHONPATH", None)
        self.log = open(os.path.join(self.root, "console.log"), "w+")
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, seconds=10):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("wrapper exited %s: %s" % (self.proc.returncode, self.console()))
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    c.close()
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("wrapper not ready: " + self.console())

    def console(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)


class Base(unittest.TestCase):
    function_src = FUNCTION
    extra_args = ()

    def setUp(self):
        self.w = WrapperProcess(self.function_src, self.extra_args)
        self.addCleanup(self.w.stop)
        self.w.wait_ready()

    def call(self, body, method="POST", path="/", headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.w.port, timeout=10)
        self.addCleanup(c.close)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.getheader("Content-Type"), r.read()

    def raw(self, data, wait=0.3):
        s = socket.create_connection(("127.0.0.1", self.w.port), timeout=5)
        self.addCleanup(s.close)
        s.sendall(data)
        time.sleep(wait)
        return s.recv(65536)


class SyntaxTest(unittest.TestCase):
    def test_parses_as_python_37(self):
        with open(WRAPPER, encoding="utf-8") as f:
            ast.parse(f.read(), WRAPPER, feature_version=(3, 7))


class HandlerTest(Base):
    def test_health_on_both_paths(self):
        for path in ("/health", "/_/health"):
            status, ctype, body = self.call(None, "GET", path)
            self.assertEqual((200, "application/json"), (status, ctype))
            self.assertEqual({"status": "ok"}, json.loads(body))

    def test_json_event_round_trip_with_helper_module(self):
        status, ctype, body = self.call({"name": "Ada", "n": [1, 2]})
        self.assertEqual((200, "application/json"), (status, ctype))
        self.assertEqual({"echo": {"name": "Ada", "n": [1, 2]}, "helper": 4}, json.loads(body))

    def test_text_event_and_empty_event(self):
        self.assertEqual({"echo": "not json {", "helper": 4}, json.loads(self.call("not json {")[2]))
        self.assertEqual({"echo": None, "helper": 4}, json.loads(self.call(None)[2]))

    def test_result_types(self):
        self.assertEqual((200, "text/plain; charset=utf-8", b"plain text"), self.call({"kind": "str"}))
        self.assertEqual((200, "text/plain; charset=utf-8", b"raw bytes"), self.call({"kind": "bytes"}))
        self.assertEqual((200, "application/json", b"null"), self.call({"kind": "none"}))
        self.assertEqual(b"dark x", self.call({"kind": "shade"})[2], "site-packages is importable")

    def test_handler_exception_gives_500_and_server_keeps_serving(self):
        status, ctype, body = self.call({"boom": True})
        self.assertEqual((500, "application/json"), (status, ctype))
        self.assertEqual({"error": "ValueError: refusing on purpose", "type": "ValueError"}, json.loads(body))
        self.assertEqual(200, self.call({"a": 1})[0])
        console = self.w.console()
        self.assertIn("Traceback", console)
        self.assertIn("ValueError: refusing on purpose", console)

    def test_unserialisable_result_gives_500(self):
        status, _, body = self.call({"kind": "set"})
        self.assertEqual(500, status)
        self.assertEqual("TypeError", json.loads(body)["type"])

    def test_malformed_request_gives_400_and_server_survives(self):
        answer = self.raw(b"THIS IS NOT HTTP\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 400 "), answer)
        answer = self.raw(b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 400 "), answer)
        self.assertEqual(200, self.call({"a": 1})[0])

    def test_chunked_body(self):
        answer = self.raw(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                          b"5\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 200 "), answer)
        self.assertTrue(answer.endswith(b'{"echo": {"a": 1}, "helper": 4}'), answer)

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        c = http.client.HTTPConnection("127.0.0.1", self.w.port, timeout=10)
        self.addCleanup(c.close)
        for i in range(3):
            c.request("POST", "/", body=json.dumps({"i": i}))
            r = c.getresponse()
            self.assertEqual("keep-alive", r.getheader("Connection"))
            self.assertEqual({"echo": {"i": i}, "helper": 4}, json.loads(r.read()))

    def test_each_response_is_one_write(self):
        # Headers and body in one segment: a single recv right after sending sees all of it.
        s = socket.create_connection(("127.0.0.1", self.w.port), timeout=5)
        self.addCleanup(s.close)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n{\"a\":1}")
        first = s.recv(65536)
        head, _, body = first.partition(b"\r\n\r\n")
        length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
        self.assertEqual(length, len(body), "the first read held the whole response: %r" % first)

    def test_connection_close_is_honoured(self):
        answer = self.raw(b"GET /x HTTP/1.1\r\nConnection: close\r\n\r\n")
        self.assertIn(b"Connection: close", answer)

    def test_an_idle_keep_alive_client_does_not_block_others(self):
        idle = http.client.HTTPConnection("127.0.0.1", self.w.port, timeout=10)
        self.addCleanup(idle.close)
        idle.request("POST", "/", body="{}")
        idle.getresponse().read()
        self.assertEqual(200, self.call({"a": 1})[0])
        # Served alongside, not after the idle connection timed out: that one is still open.
        idle.request("POST", "/", body="{}")
        self.assertEqual(200, idle.getresponse().status)

    def test_one_log_line_per_call(self):
        self.call({"a": 1}, path="/some/path?x=1")
        # Logged after the response is sent (off the latency path), so wait a little for it.
        for _ in range(50):
            if "ukfaas: POST /some/path?x=1 -> 200 in" in self.w.console():
                break
            time.sleep(0.05)
        self.assertIn("ukfaas: POST /some/path?x=1 -> 200 in", self.w.console())


class LimitTest(Base):
    extra_args = ("--max-body", "100")

    def test_body_over_the_limit_gives_413(self):
        status, _, body = self.call("x" * 101)
        self.assertEqual(413, status)
        self.assertIn("over the limit", json.loads(body)["error"])
        self.assertEqual(200, self.call("x" * 50)[0], "the server survives")


class ContextTest(Base):
    function_src = CONTEXT_FUNCTION

    def test_two_argument_handler_gets_the_request(self):
        status, _, body = self.call({"a": 1}, "PUT", "/orders/7?expand=items&x=", {"X-Trace": "t1"})
        self.assertEqual(200, status)
        got = json.loads(body)
        self.assertEqual({"a": 1}, got["event"])
        ctx = got["context"]
        self.assertEqual("PUT", ctx["method"])
        self.assertEqual("/orders/7", ctx["path"])
        self.assertEqual({"expand": "items", "x": ""}, ctx["query"])
        self.assertEqual("t1", ctx["headers"]["x-trace"])


class StartupTest(unittest.TestCase):
    def test_runs_as_module(self):
        w = WrapperProcess(FUNCTION, module=True)
        self.addCleanup(w.stop)
        w.wait_ready()
        self.assertIn("ukfaas: listening on 127.0.0.1:%d" % w.port, w.console())

    def test_missing_handler_exits_1_with_a_clear_message(self):
        w = WrapperProcess("def handle(event):\n    return 1\n")
        self.addCleanup(w.stop)
        self.assertEqual(1, w.proc.wait(15))
        self.assertIn("defines no callable `handler`", w.console())

    def test_import_error_exits_1_with_the_traceback(self):
        w = WrapperProcess("import not_installed_anywhere\n\ndef handler(e):\n    return e\n")
        self.addCleanup(w.stop)
        self.assertEqual(1, w.proc.wait(15))
        console = w.console()
        self.assertIn("ModuleNotFoundError", console)
        self.assertIn("could not import function.py", console)


if __name__ == "__main__":
    unittest.main()
