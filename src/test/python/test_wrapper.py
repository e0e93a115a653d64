"""Tests of the in-guest wrapper (src/main/resources/.../rootfs/wrapper.py), stdlib only.

Most tests run the real wrapper as a process on 127.0.0.1 against a temporary fs0 laid out as in the
guest. The wrapper runs on this python3 unless UKFAAS_TEST_PYTHON names another interpreter (the
guest's CPython is 3.7; the wrapper must also run on newer ones).

    python3 -m unittest discover -s src/test/python -v      (from the project root)
"""
import ast
import contextlib
import http.client
import importlib.util
import io
import json
import os
import re
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
WRAPPER = os.path.normpath(os.path.join(
    HERE, "..", "..", "main", "resources", "io", "github", "unikernelfaas", "rootfs", "wrapper.py"))
PYTHON = os.environ.get("UKFAAS_TEST_PYTHON") or sys.executable
FLAVOUR_JSON = os.path.normpath(os.path.join(
    HERE, "..", "..", "main", "resources", "io", "github", "unikernelfaas", "flavours", "unikraft-0.13.1-python3.7",
    "flavour.json"))
HOST = "127.0.0.1"

TWO_ARG_FUNCTION = '''
import helper
import tinypkg


def handler(event, context):
    path = context["path"]
    if path == "/text":
        return "hello " + str(event)
    if path == "/bytes":
        return b"\\x00raw\\xff"
    if path == "/none":
        return None
    if path == "/fail":
        raise ValueError("refusing on purpose")
    if path == "/set":
        return {"not json": {1, 2}}
    if path == "/deps":
        return {"helper": helper.twice(21), "pkg": tinypkg.NAME}
    if path == "/print":
        print("printed by the handler", flush=True)
        return "ok"
    return {"event": event, "context": context}
'''

ONE_ARG_FUNCTION = '''
import helper
import tinypkg


def handler(event):
    return {"got": event, "helper": helper.twice(1), "pkg": tinypkg.NAME}
'''


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class Guest(object):
    """A temporary fs0 (lib/python3.7/{app,site-packages}) and the wrapper process serving it."""

    def __init__(self, function_src, args=(), module=False, env_port=False, python_args=None, settings=None,
                 env_file=None, slow_console=False):
        self.root = tempfile.mkdtemp(prefix="ukfaas-wrapper-test-")
        self.lib = os.path.join(self.root, "lib", "python3.7")
        app = os.path.join(self.lib, "app")
        pkg = os.path.join(self.lib, "site-packages", "tinypkg")
        os.makedirs(app)
        os.makedirs(pkg)
        shutil.copy(WRAPPER, os.path.join(app, "wrapper.py"))
        write(os.path.join(app, "function.py"), function_src)
        write(os.path.join(app, "helper.py"), "def twice(n):\n    return 2 * n\n")
        write(os.path.join(pkg, "__init__.py"), "NAME = 'tinypkg'\n")
        if settings is not None:  # as the plugin writes it (unikernel.handlerTimeout)
            write(os.path.join(app, "ukfaas-settings.json"), settings)
        if env_file is not None:  # the plugin's run-time environment file (RuntimeEnv.java)
            write(os.path.join(app, "ukfaas-env.json"), env_file)
        self.port = free_port()
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        env.pop("PYTHONPATH", None)
        env.pop("UKFAAS_PORT", None)
        args = ["--host", HOST] + list(args)
        if env_port:
            env["UKFAAS_PORT"] = str(self.port)
        else:
            args = ["--port", str(self.port)] + args
        if python_args is not None:
            # The guest's own start (python_args: the interpreter's arguments of the kernel command line).
            env["PYTHONPATH"] = self.lib
            cmd, cwd = [PYTHON] + list(python_args) + args, self.lib
        elif module:
            # As in the guest: cwd and PYTHONPATH are lib/python3.7.
            env["PYTHONPATH"] = self.lib
            cmd, cwd = [PYTHON, "-m", "app.wrapper"] + args, self.lib
        else:
            # -I: no PYTHONPATH, no user site, and (3.11+) no script directory on sys.path, so the
            # wrapper must find function.py and site-packages itself.
            cmd, cwd = [PYTHON, "-I", os.path.join(app, "wrapper.py")] + args, self.root
        self.out = open(os.path.join(self.root, "stdout.log"), "w+")
        self.err = open(os.path.join(self.root, "stderr.log"), "w+")
        # slow_console: stdout is a pipe read at about 400 KB/s, the speed of the VM's serial console under TCG.
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE if slow_console else self.out,
                                     stderr=self.err)
        self.reader = None
        if slow_console:
            import threading
            self.reader = threading.Thread(target=self.read_slowly, daemon=True)
            self.reader.start()

    def read_slowly(self):
        with open(self.out.name, "ab") as log:
            for _ in range(100000):  # at most 400 s
                chunk = self.proc.stdout.read1(4096) if hasattr(self.proc.stdout, "read1") else b""
                if not chunk:
                    return
                log.write(chunk)
                log.flush()
                time.sleep(0.01)

    def stdout(self):
        with open(self.out.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.err.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_ready(self, seconds=10.0):
        deadline = time.monotonic() + seconds
        for _ in range(400):
            if self.proc.poll() is not None:
                raise AssertionError("wrapper exited with %s:\n%s%s"
                                     % (self.proc.returncode, self.stdout(), self.stderr()))
            try:
                c = http.client.HTTPConnection(HOST, self.port, timeout=1)
                try:
                    c.request("GET", "/health")
                    if c.getresponse().status == 200:
                        return
                finally:
                    c.close()
            except OSError:
                pass
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        raise AssertionError("wrapper not ready in %.0f s:\n%s%s" % (seconds, self.stdout(), self.stderr()))

    def wait_for_output(self, text, stream="stdout", seconds=5.0):
        """The log line is written after the response, so it may come a moment later."""
        deadline = time.monotonic() + seconds
        for _ in range(200):
            output = self.stdout() if stream == "stdout" else self.stderr()
            if text in output or time.monotonic() > deadline:
                return output
            time.sleep(0.025)
        return output

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        if self.reader is not None:
            self.reader.join(10)
            self.proc.stdout.close()
        self.out.close()
        self.err.close()
        shutil.rmtree(self.root, ignore_errors=True)


def start_guest(test, *args, **kwargs):
    guest = Guest(*args, **kwargs)
    test.addCleanup(guest.stop)
    guest.wait_ready()
    return guest


def read_to_eof(sock, seconds=5.0):
    """Reads until the server closes, then closes too (as a client does after `Connection: close`)."""
    deadline = time.monotonic() + seconds
    data = b""
    try:
        for _ in range(10000):
            if time.monotonic() > deadline:
                break
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
    finally:
        sock.close()
    raise AssertionError("no end of stream after %r" % data)


def split_response(data):
    """Returns (status, headers dict with lower-case names, body, rest) of the first response in data."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        raise AssertionError("no complete head in %r" % data)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    return int(lines[0].split(" ")[1]), headers, rest[:length], rest[length:]


def load_wrapper_module():
    spec = importlib.util.spec_from_file_location("ukfaas_wrapper_under_test", WRAPPER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class SourceTest(unittest.TestCase):
    def setUp(self):
        with open(WRAPPER, encoding="utf-8") as f:
            self.source = f.read()

    def test_parses_as_python_37(self):
        ast.parse(self.source, WRAPPER, feature_version=(3, 7))

    def test_imports_only_standard_modules_that_exist_from_37_to_313(self):
        not_in_37_or_gone_by_313 = {
            "graphlib", "tomllib", "zoneinfo", "importlib.metadata",  # added after 3.7
            "asynchat", "asyncore", "distutils", "imp", "smtpd", "cgi", "cgitb", "crypt", "imghdr",
            "mailcap", "nntplib", "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib",
            "audioop", "chunk", "aifc", "lib2to3", "msilib", "nis", "ossaudiodev",  # removed by 3.13
        }
        names = set()
        for node in ast.walk(ast.parse(self.source)):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        names.discard("function")  # the user's module
        self.assertTrue(names)
        for name in sorted(names):
            self.assertIn(name.split(".")[0], sys.stdlib_module_names, name)
            self.assertNotIn(name, not_in_37_or_gone_by_313)

    def test_never_asks_dns(self):
        # http.server.HTTPServer.server_bind calls socket.getfqdn(): seconds lost in the guest.
        tree = ast.parse(self.source)
        self.assertNotIn("getfqdn", [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)])
        self.assertNotIn("http.server", [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)])
        self.assertNotIn("http.server", [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names])

    def test_uses_no_api_newer_than_37(self):
        newer = {"removeprefix", "removesuffix", "cached_property", "isqrt", "prod", "randbytes",
                 "unparse", "is_relative_to", "orig_argv", "stdlib_module_names", "to_thread",
                 "bit_count", "pairwise", "batched"}
        for node in ast.walk(ast.parse(self.source)):
            if isinstance(node, ast.Attribute):
                self.assertNotIn(node.attr, newer, "line %d" % node.lineno)
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
                self.assertFalse(any(isinstance(x, ast.Dict) for x in (node.left, node.right)),
                                 "dict | dict on line %d" % node.lineno)


class InProcessTest(unittest.TestCase):
    """Checks of internals that a client cannot see reliably from outside."""

    def setUp(self):
        self.wrapper = load_wrapper_module()

    def test_context_is_passed_when_the_handler_takes_two_positional_arguments(self):
        takes_context = self.wrapper.takes_context

        class Callable(object):
            def __call__(self, event, context):
                return event

        self.assertFalse(takes_context(lambda event: event))
        self.assertFalse(takes_context(lambda event, *, flag=False: event))
        self.assertTrue(takes_context(lambda event, context: event))
        self.assertTrue(takes_context(lambda event, context=None: event))
        self.assertTrue(takes_context(lambda *args: args))
        self.assertTrue(takes_context(lambda event, *rest: event))
        self.assertTrue(takes_context(Callable()))
        with self.assertRaises(self.wrapper.StartupError):
            takes_context(lambda a, b, c: a)
        with self.assertRaises(self.wrapper.StartupError):
            takes_context(lambda: None)

    def test_a_decorated_handler_is_judged_by_the_signature_it_wraps(self):
        import functools

        def event_and_context(event, context):
            return event

        @functools.wraps(event_and_context)
        def decorated(*args, **kwargs):
            return event_and_context(*args, **kwargs)

        def event_only(event):
            return event

        self.assertTrue(self.wrapper.takes_context(decorated))
        self.assertFalse(self.wrapper.takes_context(functools.wraps(event_only)(lambda *a: a)))

    def test_the_usual_command_line_parses_as_argparse_would(self):
        parse, full = self.wrapper.parse_args, self.wrapper.argparse_args
        for argv in ([], ["--port", "9000"], ["--port=9000", "--host", "127.0.0.1"],
                     ["--max-body", "10", "--header-timeout", "1.5", "--body-timeout=2", "--port", "0"],
                     ["--port", "1", "--port", "2"], ["--max-response", "5", "--max-body=7"]):
            self.assertEqual(vars(full(argv)), vars(parse(argv)), argv)
        self.assertEqual(8123, parse([]).port)

    def test_an_unusual_command_line_goes_to_argparse(self):
        parse = self.wrapper.parse_args
        self.assertEqual(9000, parse(["--po", "9000"]).port)  # argparse's abbreviations
        for argv in (["--port", "70000"], ["--port"], ["--nope", "1"], ["--max-body", "-1"]):
            with contextlib.redirect_stderr(io.StringIO()) as err:
                with self.assertRaises(SystemExit, msg=str(argv)) as e:
                    parse(argv)
            self.assertEqual(2, e.exception.code, argv)
            self.assertIn("usage:", err.getvalue())

    def test_each_response_is_one_write_on_a_no_delay_socket(self):
        class CountingSocket(object):
            def __init__(self, sock):
                self.sock, self.writes = sock, []

            def sendall(self, data, *flags):
                self.writes.append(bytes(data))
                return self.sock.sendall(data, *flags)

            def send(self, data, *flags):
                self.writes.append(bytes(data))
                return self.sock.send(data, *flags)

            def __getattr__(self, name):
                return getattr(self.sock, name)

        client, accepted, address = connected_pair(self)
        client.sendall(b'POST /a?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\n\r\n{"a":1}'
                       b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        app = self.wrapper.App(lambda event, context: {"echo": event}, True, 1000)
        counting = CountingSocket(accepted)
        log = io.StringIO()
        with contextlib.redirect_stdout(log):
            keep = self.wrapper.Connection(counting, app).serve()
        self.assertFalse(keep, "done after `Connection: close`")
        nodelay = accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        accepted.close()
        received = read_to_eof(client)

        self.assertTrue(nodelay, "TCP_NODELAY on the accepted socket")
        self.assertEqual(2, len(counting.writes), counting.writes)
        first = split_response(counting.writes[0])
        self.assertEqual((200, b'{"echo": {"a": 1}}', b""), (first[0], first[2], first[3]))
        self.assertEqual("keep-alive", first[1]["connection"])
        second = split_response(counting.writes[1])
        self.assertEqual((200, b'{"status":"ok"}', b""), (second[0], second[2], second[3]))
        self.assertEqual("close", second[1]["connection"])
        self.assertEqual(b"".join(counting.writes), received)
        self.assertRegex(log.getvalue(), r"^ukfaas: POST /a -> 200 in [0-9.]+ ms\n$")


    def test_requests_arriving_a_byte_at_a_time_are_parsed_as_they_come(self):
        requests = (b"\r\n"  # an empty line before a request is ignored
                    b"POST /a?x=1 HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 7\r\n\r\n{\"a\":1}"
                    b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"5\r\n{\"a\":\r\n3;ext=1\r\n 2}\r\n0\r\nX-Trailer: t\r\n\r\n"
                    b"GET /health HTTP/1.1\n\n"
                    b"GET /x HTTP/1.0\r\n\r\n")
        client, accepted, address = connected_pair(self)
        app = self.wrapper.App(lambda event, context: {"echo": event}, True, 1000)
        conn = self.wrapper.Connection(accepted, app)
        alive = []
        with contextlib.redirect_stdout(io.StringIO()):
            for i in range(len(requests)):
                client.sendall(requests[i:i + 1])
                select.select([accepted], [], [], 5.0)
                alive.append(conn.serve())
        self.assertEqual([True] * (len(requests) - 1) + [False], alive, "done after the HTTP/1.0 request")
        accepted.close()
        received = read_to_eof(client)
        continue_, sep, rest = received.partition(b"\r\n\r\n")
        self.assertEqual(b"HTTP/1.1 100 Continue", continue_)
        answers = []
        while rest:
            status, headers, body, rest = split_response(rest)
            answers.append((status, headers["connection"], json.loads(body)))
        self.assertEqual([(200, "keep-alive", {"echo": {"a": 1}}), (200, "keep-alive", {"echo": {"a": 2}}),
                          (200, "keep-alive", {"status": "ok"}), (200, "close", {"echo": None})], answers)


def connected_pair(test):
    """A connected (client, accepted, address) socket pair on loopback, closed when the test ends."""
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(1)
        client = socket.create_connection(listener.getsockname(), timeout=10)
        test.addCleanup(client.close)
        accepted, address = listener.accept()
    test.addCleanup(accepted.close)
    return client, accepted, address


class SharedGuestTest(unittest.TestCase):
    """One wrapper process with the two-argument handler and GUEST_ARGS, shared by a class's tests."""

    GUEST_ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.guest = Guest(TWO_ARG_FUNCTION, args=cls.GUEST_ARGS)
        try:
            cls.guest.wait_ready()
        except BaseException:
            cls.guest.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.guest.stop()


class ServerTest(SharedGuestTest):
    """The wrapper's HTTP behaviour, against one shared wrapper process."""

    def call(self, body=None, method="POST", path="/", headers=None):
        c = http.client.HTTPConnection(HOST, self.guest.port, timeout=10)
        self.addCleanup(c.close)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.getheader("Content-Type"), r.read()

    def call_json(self, body=None, **kwargs):
        status, content_type, payload = self.call(body, **kwargs)
        self.assertEqual((200, "application/json"), (status, content_type), payload)
        return json.loads(payload.decode("utf-8"))

    def raw(self, data):
        s = socket.create_connection((HOST, self.guest.port), timeout=10)
        self.addCleanup(s.close)
        s.sendall(data)
        return s

    def test_listening_line_on_stdout(self):
        self.assertIn("ukfaas: listening on %s:%d\n" % (HOST, self.guest.port), self.guest.stdout())

    def test_health_on_both_paths(self):
        for path in ("/health", "/_/health"):
            status, content_type, body = self.call(method="GET", path=path)
            self.assertEqual((200, "application/json", b'{"status":"ok"}'), (status, content_type, body))

    def test_health_with_clock_carries_the_guests_monotonic_time(self):
        # The guest here is a process on this host: its monotonic clock is the test's.
        before = time.monotonic()
        status, content_type, body = self.call(method="GET", path="/health?clock")
        after = time.monotonic()
        answer = json.loads(body.decode("utf-8"))
        self.assertEqual((200, "application/json", "ok"), (status, content_type, answer["status"]))
        self.assertTrue(before <= answer["monotonic"] <= after, (before, answer, after))
        self.assertEqual(b'{"status":"ok"}', self.call(method="GET", path="/health?other")[2], "only ?clock adds it")

    def test_json_event_round_trip(self):
        event = {"name": "Ada", "n": [1, 2.5, None, True], "nested": {"s": "\u00e9\u4e2d"}}
        self.assertEqual(event, self.call_json(json.dumps(event).encode("utf-8"))["event"])

    def test_text_event_when_the_body_is_not_json(self):
        self.assertEqual("not json {", self.call_json(b"not json {")["event"])
        self.assertEqual("caf\ufffd", self.call_json(b"caf\xe9")["event"], "invalid UTF-8 is replaced")

    def test_empty_body_is_none(self):
        self.assertIsNone(self.call_json(b"")["event"])
        self.assertIsNone(self.call_json(None, method="GET", path="/x")["event"])

    def test_two_argument_handler_gets_method_path_query_and_headers(self):
        context = self.call_json(b"{}", method="PUT", path="/orders/7?expand=items&x=&n=1&n=2",
                                 headers={"X-Trace": "t1", "Content-Type": "application/json"})["context"]
        self.assertEqual("PUT", context["method"])
        self.assertEqual("/orders/7", context["path"])
        self.assertEqual({"expand": "items", "x": "", "n": "2"}, context["query"])
        self.assertEqual("t1", context["headers"]["x-trace"])
        self.assertEqual("application/json", context["headers"]["content-type"])
        self.assertTrue(all(name == name.lower() for name in context["headers"]))

    def test_str_result_is_text(self):
        self.assertEqual((200, "text/plain; charset=utf-8", b"hello 5"), self.call(b"5", path="/text"))

    def test_bytes_result_is_sent_as_is(self):
        self.assertEqual((200, "text/plain; charset=utf-8", b"\x00raw\xff"), self.call(path="/bytes"))

    def test_dict_and_none_results_are_json(self):
        self.assertEqual({"a": 1}, self.call_json(b'{"a": 1}')["event"])
        self.assertEqual((200, "application/json", b"null"), self.call(path="/none"))

    def test_handler_exception_gives_500_with_the_traceback_on_the_console(self):
        status, content_type, body = self.call(b"{}", path="/fail")
        self.assertEqual((500, "application/json"), (status, content_type))
        self.assertEqual({"error": "ValueError: refusing on purpose", "type": "ValueError"}, json.loads(body))
        self.assertEqual({"a": 2}, self.call_json(b'{"a": 2}')["event"], "still serving")
        stderr = self.guest.wait_for_output("ValueError: refusing on purpose", "stderr")
        self.assertIn("Traceback (most recent call last)", stderr)
        self.assertIn("ValueError: refusing on purpose", stderr)

    def test_unserialisable_result_gives_500(self):
        status, content_type, body = self.call(path="/set")
        self.assertEqual((500, "application/json"), (status, content_type))
        self.assertEqual("TypeError", json.loads(body)["type"])
        self.assertEqual(200, self.call(path="/none")[0], "still serving")

    def test_malformed_request_line_gives_400_and_closes(self):
        for request in (b"THIS IS NOT HTTP\r\n\r\n", b"GET /\r\n\r\n", b"GET / HTTP/2.0\r\n\r\n",
                        b"GET / HTTP/1.1\r\nno colon here\r\n\r\n"):
            status, headers, body, rest = split_response(read_to_eof(self.raw(request)))
            self.assertEqual((400, "close", b""), (status, headers["connection"], rest), request)
            self.assertIn("error", json.loads(body.decode("utf-8")))
        self.assertEqual(200, self.call(path="/none")[0], "still serving")

    def test_bad_content_length_gives_400(self):
        for length in (b"-5", b"abc", b"1_0", b"5, 6"):
            answer = read_to_eof(self.raw(b"POST / HTTP/1.1\r\nContent-Length: " + length + b"\r\n\r\n12345"))
            self.assertEqual(400, split_response(answer)[0], length)

    def test_too_long_header_gives_400(self):
        answer = read_to_eof(self.raw(b"GET /x HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"))
        self.assertEqual(400, split_response(answer)[0])

    def test_a_head_over_64_kib_in_short_lines_gives_400(self):
        headers = b"".join(b"X-H%d: %s\r\n" % (i, b"a" * 1000) for i in range(70))
        answer = read_to_eof(self.raw(b"GET /x HTTP/1.1\r\n" + headers + b"\r\n"))
        status, headers, body, rest = split_response(answer)
        self.assertEqual((400, "close"), (status, headers["connection"]))
        self.assertIn("request head over 65536 bytes", json.loads(body)["error"])

    def test_a_body_cut_short_by_the_end_of_the_stream_gives_400(self):
        s = self.raw(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
        s.shutdown(socket.SHUT_WR)
        status, headers, body, rest = split_response(read_to_eof(s))
        self.assertEqual(400, status)
        self.assertIn("ended after 3 of 10 bytes", json.loads(body)["error"])

    def test_chunked_body_then_keep_alive(self):
        s = self.raw(b"POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b'5\r\n{"a":\r\n3;ext=1\r\n 1}\r\n0\r\nX-Trailer: t\r\n\r\n'
                     b"GET /none HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        answer = read_to_eof(s)
        status, headers, body, rest = split_response(answer)
        self.assertEqual((200, "keep-alive"), (status, headers["connection"]))
        self.assertEqual({"a": 1}, json.loads(body)["event"])
        status, headers, body, rest = split_response(rest)
        self.assertEqual((200, b"null", "close", b""), (status, body, headers["connection"], rest))

    def test_expect_100_continue(self):
        s = self.raw(b"POST / HTTP/1.1\r\nContent-Length: 7\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
        s.settimeout(0.9)  # curl waits 1 s for it before sending anyway
        self.assertEqual(b"HTTP/1.1 100 Continue\r\n\r\n", s.recv(25))
        s.sendall(b'{"a":1}')
        status, headers, body, rest = split_response(read_to_eof(s))
        self.assertEqual((200, {"a": 1}), (status, json.loads(body)["event"]))

    def test_broken_chunked_body_gives_400(self):
        answer = read_to_eof(self.raw(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n"))
        self.assertEqual(400, split_response(answer)[0])

    def test_keep_alive_serves_requests_on_one_connection(self):
        c = http.client.HTTPConnection(HOST, self.guest.port, timeout=10)
        self.addCleanup(c.close)
        sockets = []
        for i in range(2):
            c.request("POST", "/", body=json.dumps({"i": i}))
            r = c.getresponse()
            self.assertEqual((200, "keep-alive"), (r.status, r.getheader("Connection")))
            self.assertEqual({"i": i}, json.loads(r.read())["event"])
            sockets.append(c.sock)
        self.assertIsNotNone(sockets[0])
        self.assertIs(sockets[0], sockets[1], "the second request went over the first connection")

    def test_keep_alive_requests_do_not_wait_on_delayed_acks(self):
        # Headers and body written apart make each keep-alive request wait ~40 ms for a delayed ACK;
        # here a request takes well under a millisecond.
        c = http.client.HTTPConnection(HOST, self.guest.port, timeout=10)
        self.addCleanup(c.close)
        times = []
        for i in range(21):
            start = time.perf_counter()
            c.request("POST", "/", body=b'{"n": 1}')
            r = c.getresponse()
            r.read()
            times.append(time.perf_counter() - start)
            self.assertEqual(200, r.status)
        self.assertLess(statistics.median(times[1:]), 0.02, times)

    def test_pipelined_requests_are_answered_in_order(self):
        s = self.raw(b"POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\n1"
                     b"POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\n2"
                     b"POST / HTTP/1.1\r\nContent-Length: 1\r\nConnection: close\r\n\r\n3")
        rest = read_to_eof(s)
        for expected in (1, 2, 3):
            status, headers, body, rest = split_response(rest)
            self.assertEqual(expected, json.loads(body)["event"])
        self.assertEqual(b"", rest)

    def test_connection_close_and_http_10_close_after_the_response(self):
        for request in (b"GET /none HTTP/1.1\r\nConnection: close\r\n\r\n", b"GET /none HTTP/1.0\r\n\r\n"):
            status, headers, body, rest = split_response(read_to_eof(self.raw(request)))
            self.assertEqual((200, "close", b"null", b""), (status, headers["connection"], body, rest))

    def test_http_10_keep_alive_is_honoured(self):
        s = self.raw(b"GET /none HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                     b"GET /none HTTP/1.0\r\n\r\n")
        status, headers, body, rest = split_response(read_to_eof(s))
        self.assertEqual((200, "keep-alive"), (status, headers["connection"]))
        self.assertEqual((200, "close"), (split_response(rest)[0], split_response(rest)[1]["connection"]))

    def test_head_response_has_no_body(self):
        answer = read_to_eof(self.raw(b"HEAD /none HTTP/1.1\r\nConnection: close\r\n\r\n"))
        self.assertTrue(answer.startswith(b"HTTP/1.1 200 "), answer)
        self.assertIn(b"\r\nContent-Length: 4\r\n", answer)
        self.assertTrue(answer.endswith(b"\r\n\r\n"), answer)

    def test_helper_module_and_site_packages_are_importable(self):
        self.assertEqual({"helper": 42, "pkg": "tinypkg"}, self.call_json(path="/deps"))

    def test_one_log_line_per_call_and_handler_output_on_stdout(self):
        self.assertEqual(200, self.call(b"x", path="/print?secret=1")[0])
        stdout = self.guest.wait_for_output("ukfaas: POST /print -> 200 in ")
        self.assertIn("printed by the handler\n", stdout)
        self.assertRegex(stdout, r"\nukfaas: POST /print -> 200 in [0-9.]+ ms\n")
        self.assertNotIn("secret", stdout, "the query is not logged")

    def test_an_idle_connection_does_not_hold_up_others_and_is_closed_after_5_s(self):
        idle = http.client.HTTPConnection(HOST, self.guest.port, timeout=10)
        self.addCleanup(idle.close)
        idle.request("GET", "/none")
        self.assertEqual(b"null", idle.getresponse().read())
        silent = socket.create_connection((HOST, self.guest.port), timeout=10)
        self.addCleanup(silent.close)
        time.sleep(0.2)  # both accepted before the next connection
        start = time.monotonic()
        self.assertEqual(200, self.call(path="/none")[0])
        self.assertLess(time.monotonic() - start, 1.0, "served while two connections sit idle")
        idle.request("GET", "/none")
        self.assertEqual(b"null", idle.getresponse().read(), "a keep-alive connection idle for <5 s is kept")
        start = time.monotonic()
        self.assertEqual(b"", read_to_eof(silent, 10.0), "the silent connection is closed")
        self.assertGreater(time.monotonic() - start, 3.0, "not before it was idle for 5 s")


def timed_requests(port, keep_alive):
    """A GET /health on a new connection and a POST on the keep-alive one; returns their seconds."""
    start = time.perf_counter()
    c = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        c.request("GET", "/health")
        r = c.getresponse()
        assert (r.status, r.read()) == (200, b'{"status":"ok"}')
    finally:
        c.close()
    health = time.perf_counter() - start
    start = time.perf_counter()
    keep_alive.request("POST", "/", body=b'{"n": 1}')
    r = keep_alive.getresponse()
    assert r.status == 200 and json.loads(r.read())["event"] == {"n": 1}
    return health, time.perf_counter() - start


def report(label, times):
    sys.stderr.write("\n  %s: %d requests, median %.1f ms, max %.1f ms " % (
        label, len(times), statistics.median(times) * 1000, max(times) * 1000))


def read_answer(sock, seconds=10.0):
    """Reads until the server closes; returns (data, seconds it took)."""
    start = time.monotonic()
    return read_to_eof(sock, seconds), time.monotonic() - start


class SlowClientTest(SharedGuestTest):
    """Slow clients (slowloris) cost the others nothing: requests are parsed as their bytes
    arrive, and a request that does not arrive in time gets 408. Bounds are generous (a loaded
    2-core machine); the measured figures are printed."""

    GUEST_ARGS = ("--body-timeout", "1")

    def connect(self):
        s = socket.create_connection((HOST, self.guest.port), timeout=10)
        self.addCleanup(s.close)
        return s

    def keep_alive(self):
        c = http.client.HTTPConnection(HOST, self.guest.port, timeout=10)
        self.addCleanup(c.close)
        return c

    def test_a_client_dripping_its_headers_does_not_delay_others(self):
        keep_alive = self.keep_alive()
        drip = self.connect()
        drip.sendall(b"POST /drip HTTP/1.1\r\n")
        times = []
        for i in range(6):  # a header every 0.5 s for 3 s, well within the 10 s header deadline
            time.sleep(0.5)
            drip.sendall(b"X-Drip-%d: %d\r\n" % (i, i))
            times.extend(timed_requests(self.guest.port, keep_alive))
        report("while a client drips its headers", times)
        self.assertLess(max(times), 1.0, times)
        drip.sendall(b"Content-Length: 7\r\nConnection: close\r\n\r\n{\"d\":1}")
        status, headers, body, rest = split_response(read_to_eof(drip))
        self.assertEqual(200, status, body)
        answer = json.loads(body)
        self.assertEqual({"d": 1}, answer["event"])
        self.assertEqual("5", answer["context"]["headers"]["x-drip-5"], "the dripped headers were all kept")

    def test_a_client_that_sends_less_body_than_announced_does_not_block_others_and_gets_408(self):
        keep_alive = self.keep_alive()
        short = self.connect()
        start = time.monotonic()
        short.sendall(b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")
        times = []
        for _ in range(3):
            times.extend(timed_requests(self.guest.port, keep_alive))
        report("while a body is 97 bytes short", times)
        self.assertLess(max(times), 1.0, times)
        data = read_to_eof(short, 10.0)
        elapsed = time.monotonic() - start
        status, headers, body, rest = split_response(data)
        self.assertEqual((408, "close"), (status, headers["connection"]), data)
        self.assertIn("body did not arrive within 1 s", json.loads(body)["error"])
        self.assertGreater(elapsed, 0.8, "not before the 1 s body deadline")
        self.assertLess(elapsed, 5.0, "soon after the 1 s body deadline")
        self.assertLess(max(timed_requests(self.guest.port, keep_alive)), 1.0, "still serving")

    def test_many_slow_clients_at_once(self):
        keep_alive = self.keep_alive()
        requests = []
        for i in range(40):
            body = json.dumps({"i": i}).encode("ascii")
            if i % 2:
                requests.append(b"POST /slow HTTP/1.1\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                                % (len(body), body))
            else:
                requests.append(b"POST /slow HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        clients = [self.connect() for _ in requests]
        idle = [self.connect() for _ in range(20)]  # and some that send nothing
        times = []
        pieces = 4
        for n in range(pieces):  # each client sends a quarter of its request per round
            for s, request in zip(clients, requests):
                step = -(-len(request) // pieces)
                s.sendall(request[n * step:(n + 1) * step])
            if n < pieces - 1:
                times.extend(timed_requests(self.guest.port, keep_alive))
                time.sleep(0.2)
        report("while %d clients send their requests in pieces and %d send nothing"
               % (len(clients), len(idle)), times)
        self.assertLess(max(times), 1.0, times)
        for i, s in enumerate(clients):
            status, headers, body, rest = split_response(read_to_eof(s))
            self.assertEqual((200, {"i": i}), (status, json.loads(body)["event"]), i)
        self.assertTrue(idle)

    def test_a_client_that_does_not_read_its_responses_does_not_block_others(self):
        keep_alive = self.keep_alive()
        greedy = self.connect()
        body = b"x" * 500000
        request = b"POST /big HTTP/1.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        greedy.setblocking(False)
        sent, pending = 0, memoryview(request * 40)
        deadline = time.monotonic() + 3.0
        while pending and time.monotonic() < deadline:  # pipelined requests, as many as the sockets take
            try:
                n = greedy.send(pending)
                sent, pending = sent + n, pending[n:]
            except BlockingIOError:
                time.sleep(0.05)
        self.assertGreater(sent, 4 * len(request), "responses (~500 kB each) are waiting for the client")
        times = []
        for _ in range(3):
            times.extend(timed_requests(self.guest.port, keep_alive))
        report("while a client does not read its responses", times)
        self.assertLess(max(times), 1.0, times)


class HeaderDeadlineTest(unittest.TestCase):
    def setUp(self):
        self.guest = start_guest(self, TWO_ARG_FUNCTION, args=("--header-timeout", "1"))

    def test_a_client_still_dripping_its_headers_at_the_deadline_gets_408(self):
        s = socket.create_connection((HOST, self.guest.port), timeout=10)
        self.addCleanup(s.close)
        start = time.monotonic()
        s.sendall(b"GET / HTTP/1.1\r\n")
        s.settimeout(0.25)
        data, sending = b"", True
        for i in range(40):  # a header every 0.25 s until the server closes (10 s at most)
            if sending:
                try:
                    s.sendall(b"X-Drip-%d: %d\r\n" % (i, i))
                except OSError:
                    sending = False
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break  # reset after the response, when the linger ended
            if not chunk:
                break
            data += chunk
        elapsed = time.monotonic() - start
        status, headers, body, rest = split_response(data)
        self.assertEqual((408, "close"), (status, headers["connection"]), data)
        self.assertIn("headers did not arrive within 1 s", json.loads(body)["error"])
        self.assertGreater(elapsed, 0.8)
        self.assertLess(elapsed, 6.0)
        c = http.client.HTTPConnection(HOST, self.guest.port, timeout=10)
        self.addCleanup(c.close)
        c.request("GET", "/health")
        self.assertEqual(200, c.getresponse().status, "still serving")
        self.assertIn("ukfaas: - - -> 408 in ", self.guest.wait_for_output("-> 408 in "))

    def test_an_idle_keep_alive_connection_is_not_given_a_408(self):
        s = socket.create_connection((HOST, self.guest.port), timeout=10)
        self.addCleanup(s.close)
        s.sendall(b"GET /none HTTP/1.1\r\n\r\n\r\n")  # a stray empty line after the request
        data = read_to_eof(s, 10.0)
        self.assertEqual(200, split_response(data)[0])
        self.assertEqual(b"", split_response(data)[3], "closed after 5 s idle, without an answer")


LIMIT_FUNCTION = '''
import time


def handler(event, context):
    if context["path"] == "/loop":
        while True:
            pass
    if context["path"] == "/sleep":
        time.sleep(float(event))
        return "slept"
    return {"event": event}
'''


class HandlerLimitTest(unittest.TestCase):
    """The handler runs in a worker thread: /health answers meanwhile, and a handler over
    --handler-timeout is answered 504 and left running (at most 2 of them, then 503)."""

    def start(self, *args, **kwargs):
        self.guest = start_guest(self, LIMIT_FUNCTION, *args, **kwargs)

    def send(self, method, path, body=b""):
        s = socket.create_connection((HOST, self.guest.port), timeout=10)
        self.addCleanup(s.close)
        s.sendall(b"%s %s HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s"
                  % (method.encode(), path.encode(), len(body), body))
        return s

    def answer(self, s, seconds=10.0):
        """Reads one response from s; returns (status, decoded JSON or text body)."""
        s.settimeout(seconds)
        data = b""
        for _ in range(1000):
            if b"\r\n\r\n" in data:
                head = data.partition(b"\r\n\r\n")[0].decode("latin-1").lower()
                length = int(head.split("content-length:")[1].split("\r\n")[0])
                if len(data.partition(b"\r\n\r\n")[2]) >= length:
                    break
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        status, headers, body, rest = split_response(data)
        return status, json.loads(body) if headers["content-type"] == "application/json" else body

    def health(self):
        return self.answer(self.send("GET", "/health"))

    def test_health_answers_while_a_handler_runs(self):
        self.start(args=("--handler-timeout", "30"))
        sleeper = self.send("POST", "/sleep", b"3")
        time.sleep(0.3)  # the handler has started (not needed for the order: health must not wait)
        self.assertEqual((200, {"status": "ok"}), self.health())
        self.assertEqual(([], [], []), select.select([sleeper], [], [], 0), "the handler is still running")
        self.assertEqual((200, b"slept"), self.answer(sleeper))

    def test_a_looping_handler_gets_504_and_a_new_worker_serves_the_next_requests(self):
        self.start(args=("--handler-timeout", "1"))
        start = time.monotonic()
        looper = self.send("POST", "/loop")
        time.sleep(0.2)
        queued = self.send("POST", "/echo", b'"queued"')  # waits behind the looping handler
        self.assertEqual((200, {"status": "ok"}), self.health())
        status, error = self.answer(looper)
        self.assertEqual((504, "HandlerTimeout"), (status, error["type"]))
        self.assertIn("did not return within 1 s", error["error"])
        self.assertGreaterEqual(time.monotonic() - start, 0.9, "not before the limit")
        self.assertEqual((200, {"event": "queued"}), self.answer(queued))
        self.assertEqual((200, {"status": "degraded", "stuck": 1}), self.health())
        self.assertEqual((200, {"event": 1}), self.answer(self.send("POST", "/", b"1")))
        err = self.guest.wait_for_output("runs on in its thread", stream="stderr")
        self.assertIn("ukfaas: POST /loop: the handler did not return within 1 s; it runs on in its thread"
                      " (1 stuck of at most 2)", err)
        self.assertRegex(self.guest.wait_for_output("-> 504"), r"ukfaas: POST /loop -> 504 in [0-9.]+ ms")

    def test_after_two_stuck_handlers_requests_and_health_get_503(self):
        self.start(args=("--handler-timeout", "0.5"))
        for _ in range(2):
            self.assertEqual(504, self.answer(self.send("POST", "/loop"))[0])
        status, body = self.health()
        self.assertEqual((503, "unhealthy", 2), (status, body["status"], body["stuck"]))
        self.assertIn("POST /loop, POST /loop", body["error"])
        status, error = self.answer(self.send("POST", "/", b"1"))
        self.assertEqual((503, "HandlerStuck"), (status, error["type"]))

    def test_a_stuck_handler_that_returns_frees_its_place(self):
        self.start(args=("--handler-timeout", "0.5"))
        self.assertEqual(504, self.answer(self.send("POST", "/sleep", b"1.5"))[0])
        self.assertEqual(504, self.answer(self.send("POST", "/sleep", b"1.5"))[0])
        self.assertEqual(503, self.health()[0])
        err = self.guest.wait_for_output("its answer was dropped", stream="stderr", seconds=10)
        self.assertIn("ukfaas: the handler for POST /sleep returned after", err)
        for _ in range(100):  # the second one returns a moment after the first
            if self.health() == (200, {"status": "ok"}):
                break
            time.sleep(0.1)
        self.assertEqual((200, {"status": "ok"}), self.health())
        self.assertEqual((200, {"event": 2}), self.answer(self.send("POST", "/", b"2")))

    def test_a_client_that_streams_on_while_its_handler_runs_is_not_read_meanwhile(self):
        self.start(args=("--handler-timeout", "30"))
        s = self.send("POST", "/sleep", b"1")
        s.setblocking(False)
        sent = 0
        while sent < 32 * 1024 * 1024:  # until the buffers stay full: the wrapper stopped reading
            try:
                sent += s.send(b"X" * 65536)
            except BlockingIOError:
                if not select.select([], [s], [], 0.3)[1]:
                    break
        self.assertLess(sent, 32 * 1024 * 1024, "the wrapper kept reading")
        s.setblocking(True)
        s.settimeout(10)
        data = b""
        while b"slept" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        status, headers, body, rest = split_response(data)
        self.assertEqual((200, b"slept"), (status, body))
        self.assertEqual((200, {"status": "ok"}), self.health(), "and the server serves on")

    def test_the_limit_comes_from_the_settings_file_the_plugin_writes(self):
        self.start(settings='{"handlerTimeout": 0.5}\n')
        status, error = self.answer(self.send("POST", "/loop"))
        self.assertEqual(504, status)
        self.assertIn("within 0.5 s", error["error"])

    def test_no_limit_with_0(self):
        self.start(args=("--handler-timeout", "0"), settings='{"handlerTimeout": 0.5}\n')
        self.assertEqual((200, b"slept"), self.answer(self.send("POST", "/sleep", b"1")))


class MaxBodyTest(unittest.TestCase):
    def setUp(self):
        self.guest = start_guest(self, TWO_ARG_FUNCTION, args=("--max-body", "100"))

    def post(self, body, headers=None):
        c = http.client.HTTPConnection(HOST, self.guest.port, timeout=10)
        self.addCleanup(c.close)
        c.request("POST", "/", body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.getheader("Connection"), r.read()

    def test_body_over_the_limit_gives_413_and_closes(self):
        status, connection, body = self.post(b"x" * 101)
        self.assertEqual((413, "close"), (status, connection))
        self.assertIn("error", json.loads(body))
        self.assertEqual(200, self.post(b"x" * 100)[0], "at the limit, and still serving")

    def test_a_large_body_gets_the_413_not_a_reset(self):
        # Closed at once, the server's socket would hold unread data and reset the connection
        # while the client is still sending: it would see an error, not the 413.
        self.assertEqual(413, self.post(b"x" * (16 * 1024 * 1024))[0])

    def test_the_limit_comes_from_the_settings_file_the_plugin_writes(self):
        guest = start_guest(self, TWO_ARG_FUNCTION, settings='{"handlerTimeout": 25, "maxEventBytes": 50}\n')
        c = http.client.HTTPConnection(HOST, guest.port, timeout=10)
        self.addCleanup(c.close)
        c.request("POST", "/", body=b"x" * 51)
        r = c.getresponse()
        self.assertEqual(413, r.status)
        self.assertIn("over the limit of 50 bytes", json.loads(r.read().decode())["error"])

    def test_chunked_body_over_the_limit_gives_413(self):
        s = socket.create_connection((HOST, self.guest.port), timeout=10)
        self.addCleanup(s.close)
        s.sendall(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"40\r\n" + b"a" * 64 + b"\r\n40\r\n" + b"b" * 64 + b"\r\n0\r\n\r\n")
        status, headers, body, rest = split_response(read_to_eof(s))
        self.assertEqual((413, "close"), (status, headers["connection"]))


class ModuleModeTest(unittest.TestCase):
    def test_runs_as_module_with_the_port_from_the_environment(self):
        guest = start_guest(self, ONE_ARG_FUNCTION, module=True, env_port=True)
        self.assertIn("ukfaas: listening on %s:%d\n" % (HOST, guest.port), guest.stdout())
        c = http.client.HTTPConnection(HOST, guest.port, timeout=10)
        self.addCleanup(c.close)
        c.request("POST", "/anything", body=b'{"k": [1]}')
        r = c.getresponse()
        # A one-argument handler called with a context would raise TypeError: 500.
        self.assertEqual((200, {"got": {"k": [1]}, "helper": 2, "pkg": "tinypkg"}), (r.status, json.loads(r.read())))


def flavour_python_args():
    """Python's arguments from the shipped flavour's initrd command line (after `--`, before `--port`), split
    as Unikraft's command-line parser splits them (white space, double quotes)."""
    import shlex
    with open(FLAVOUR_JSON, encoding="utf-8") as f:
        line = json.load(f)["kernelArgs"]["initrd"]
    args = shlex.split(line.split(" -- ", 1)[1])
    return args[:args.index("--port")]


LEAN_FUNCTION = '''
import sys

HEAVY = ("argparse", "inspect", "site", "runpy", "urllib.parse", "traceback", "http", "importlib.util", "asyncio")


def handler(event):
    return [name for name in HEAVY if name in sys.modules]
'''


class LeanStartTest(unittest.TestCase):
    def test_the_guest_command_line_serves_without_heavy_modules_and_says_how_long_it_took(self):
        python_args = flavour_python_args()
        self.assertIn("-S", python_args)  # no site: the wrapper puts site-packages on the path itself
        self.assertNotIn("-m", python_args)  # no runpy
        guest = start_guest(self, LEAN_FUNCTION, python_args=python_args)
        c = http.client.HTTPConnection(HOST, guest.port, timeout=10)
        self.addCleanup(c.close)
        c.request("POST", "/", body=b"{}")
        r = c.getresponse()
        self.assertEqual((200, []), (r.status, json.loads(r.read())))
        out = guest.stdout()
        self.assertIn("ukfaas: listening on %s:%d\n" % (HOST, guest.port), out)
        self.assertRegex(out, r"ukfaas: started: wrapper at [0-9.]+ s \(guest clock\), its imports [0-9.]+ s,"
                              r" function and listen [0-9.]+ s\n")

    def test_site_packages_are_importable_without_site(self):
        guest = start_guest(self, TWO_ARG_FUNCTION, python_args=flavour_python_args())
        c = http.client.HTTPConnection(HOST, guest.port, timeout=10)
        self.addCleanup(c.close)
        c.request("POST", "/deps", body=b"{}")
        r = c.getresponse()
        self.assertEqual(200, r.status)
        self.assertEqual({"helper": 42, "pkg": "tinypkg"}, json.loads(r.read()))


ENV_FUNCTION = '''
import os

AT_IMPORT = os.environ.get("GREETING")


def handler(event):
    return {"at_import": AT_IMPORT, "values": {k: os.environ.get(k) for k in event}}
'''

ENV_VALUES = {"GREETING": "a=b=c with  spaces", "MULTI": "line one\nline two", "UNICODE": "h\u00e9llo \u2603 \U0001f600",
              "EMPTY": "", "API_TOKEN": "s3cr\"et\\"}


class EnvFileTest(unittest.TestCase):
    def test_the_handler_and_its_module_see_the_run_time_environment(self):
        guest = start_guest(self, ENV_FUNCTION, env_file=json.dumps(ENV_VALUES, ensure_ascii=False))
        c = http.client.HTTPConnection(HOST, guest.port, timeout=10)
        self.addCleanup(c.close)
        c.request("POST", "/", body=json.dumps(sorted(ENV_VALUES) + ["NOT_SET"]).encode())
        r = c.getresponse()
        expected = dict(ENV_VALUES, NOT_SET=None)
        self.assertEqual((200, {"at_import": ENV_VALUES["GREETING"], "values": expected}),
                         (r.status, json.loads(r.read().decode("utf-8"))))
        self.assertNotIn("s3cr", guest.stdout() + guest.stderr())

    def test_a_damaged_file_stops_the_start_naming_it_not_its_content(self):
        guest = Guest(ENV_FUNCTION, env_file='{"API_TOKEN": "s3cret"')
        self.addCleanup(guest.stop)
        self.assertEqual(1, guest.proc.wait(15))
        self.assertIn("cannot read the run-time environment", guest.stderr())
        self.assertNotIn("s3cret", guest.stdout() + guest.stderr())

    def test_values_must_be_strings(self):
        guest = Guest(ENV_FUNCTION, env_file='{"N": 1}')
        self.addCleanup(guest.stop)
        self.assertEqual(1, guest.proc.wait(15))
        self.assertIn("is not an object of strings", guest.stderr())


class StartupFailureTest(unittest.TestCase):
    def exits_with_1(self, function_src):
        guest = Guest(function_src)
        self.addCleanup(guest.stop)
        try:
            code = guest.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.fail("the wrapper kept running: " + guest.stdout())
        self.assertEqual(1, code)
        self.assertNotIn("listening", guest.stdout())
        # The last line, which ends the host's wait for /health at once (vm/FatalLines.java).
        self.assertTrue(guest.stderr().endswith("ukfaas: stopping (exit status 1)\n"), guest.stderr())
        return guest.stderr()

    def test_missing_handler(self):
        self.assertIn("function.py defines no callable `handler`", self.exits_with_1("def handle(event):\n    pass\n"))

    def test_handler_that_is_not_callable(self):
        self.assertIn("function.py defines no callable `handler`", self.exits_with_1("handler = 42\n"))

    def test_import_error_prints_the_traceback(self):
        stderr = self.exits_with_1("import not_installed_anywhere\n\ndef handler(event):\n    return event\n")
        self.assertIn("Traceback (most recent call last)", stderr)
        self.assertIn("not_installed_anywhere", stderr)
        self.assertIn("ukfaas: cannot import function.py", stderr)

    def test_handler_with_too_many_required_arguments(self):
        self.assertIn("must take (event) or (event, context)",
                      self.exits_with_1("def handler(event, context, extra):\n    pass\n"))


# As on Unikraft 0.13: AF_UNIX socket pairs are refused (EAFNOSUPPORT), so asyncio's loop needs the fallback.
NO_UNIX_PREAMBLE = """
import _socket, errno, os


def _no_unix(*args, **kwargs):
    raise OSError(errno.EAFNOSUPPORT, os.strerror(errno.EAFNOSUPPORT))


_socket.socketpair = _no_unix
"""

ASYNC_FUNCTION = NO_UNIX_PREAMBLE + """
import asyncio, threading


async def twice(n):
    await asyncio.sleep(0.01)
    return 2 * n


async def handler(event, context):
    if context["path"] == "/fail":
        await asyncio.sleep(0)
        raise KeyError("async failure")
    doubled = await asyncio.gather(*(twice(n) for n in event))
    return {"doubled": doubled, "main_thread": threading.current_thread() is threading.main_thread(),
            "loop_is_current": asyncio.get_event_loop() is asyncio.get_event_loop()}
"""

LOOP_FUNCTION = NO_UNIX_PREAMBLE + """
import asyncio


async def slow_echo(event):
    await asyncio.sleep(0.01)
    return event


def handler(event, context):
    if context["path"] == "/coroutine":
        return slow_echo(event)  # a plain function returning a coroutine: awaited too
    loop = asyncio.get_event_loop()  # RuntimeError in a worker thread without a loop set for it
    return {"ran": loop.run_until_complete(slow_echo(event)), "same_loop": loop is asyncio.get_event_loop()}
"""


class AsyncioTest(unittest.TestCase):
    """The handler's thread has an event loop, an `async def handler` is awaited, and asyncio starts where
    AF_UNIX socket pairs are refused (the function.py above refuses them as Unikraft 0.13 does)."""

    def post(self, guest, path, body):
        c = http.client.HTTPConnection(HOST, guest.port, timeout=10)
        self.addCleanup(c.close)
        c.request("POST", path, body=json.dumps(body).encode())
        r = c.getresponse()
        return r.status, json.loads(r.read())

    def test_an_async_handler_is_awaited_on_its_threads_loop(self):
        guest = start_guest(self, ASYNC_FUNCTION)
        for _ in range(2):  # the loop lives on between calls
            self.assertEqual((200, {"doubled": [2, 4, 6], "main_thread": False, "loop_is_current": True}),
                             self.post(guest, "/", [1, 2, 3]))

    def test_an_exception_in_the_coroutine_gives_500_naming_it(self):
        guest = start_guest(self, ASYNC_FUNCTION)
        status, body = self.post(guest, "/fail", [])
        self.assertEqual((500, "KeyError"), (status, body.get("type")), body)
        self.assertIn("async failure", body["error"])
        self.assertEqual(200, self.post(guest, "/", [5])[0], "the loop serves on after a failure")

    def test_a_plain_handler_gets_the_threads_loop_and_a_returned_coroutine_is_awaited(self):
        guest = start_guest(self, LOOP_FUNCTION)
        self.assertEqual((200, {"ran": {"k": 1}, "same_loop": True}), self.post(guest, "/", {"k": 1}))
        self.assertEqual((200, {"k": 2}), self.post(guest, "/coroutine", {"k": 2}))

    def test_socketpair_falls_back_to_loopback_tcp_only_where_af_unix_is_refused(self):
        wrapper = load_wrapper_module()
        calls = []

        class Refusing(object):
            AF_UNIX, AF_INET, SOCK_STREAM, SOCK_DGRAM = socket.AF_UNIX, socket.AF_INET, socket.SOCK_STREAM, socket.SOCK_DGRAM

            @staticmethod
            def socketpair(family=None, type=socket.SOCK_STREAM, proto=0):
                calls.append((family, type))
                raise OSError(97, "Address family not supported by protocol")
        module = Refusing()
        wrapper.install_socketpair_fallback(module)
        wrapper.install_socketpair_fallback(module)  # once only
        a, b = module.socketpair()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        self.assertEqual((socket.AF_INET, None, None), (a.family, a.gettimeout(), b.gettimeout()))
        a.sendall(b"x")
        self.assertEqual(b"x", b.recv(1))
        self.assertEqual([(None, socket.SOCK_STREAM)], calls, "the native call is tried first, once")
        with self.assertRaises(OSError):
            module.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)  # no TCP stand-in for datagrams

        class Failing(Refusing):
            @staticmethod
            def socketpair(family=None, type=socket.SOCK_STREAM, proto=0):
                raise OSError(24, "Too many open files")
        other = Failing()
        wrapper.install_socketpair_fallback(other)
        with self.assertRaises(OSError) as raised:
            other.socketpair()
        self.assertEqual(24, raised.exception.errno, "other errors are not hidden")


EXIT_FUNCTION = """
import os


def handler(event):
    if event.get("exit") is not None:
        print("about to exit")
        os._exit(event["exit"])
    return "alive"
"""


class ExitTest(unittest.TestCase):
    def test_os_exit_in_a_handler_says_so_on_the_console_then_exits(self):
        guest = start_guest(self, EXIT_FUNCTION)
        c = http.client.HTTPConnection(HOST, guest.port, timeout=10)
        self.addCleanup(c.close)
        c.request("POST", "/", body=b'{}')
        self.assertEqual(b"alive", c.getresponse().read())
        c.request("POST", "/", body=b'{"exit": 3}')
        with self.assertRaises((http.client.HTTPException, OSError)):
            c.getresponse()
        self.assertEqual(3, guest.proc.wait(10))
        self.assertIn("ukfaas: stopping: os._exit(3) was called\n", guest.stderr())
        self.assertIn("about to exit\n", guest.stdout())  # what the handler printed is not lost with the process


RANDOM_FUNCTION = """
import os, random

def handler(event):
    return {"random": random.random(), "urandom": os.urandom(8).hex()}
"""


TOKEN = "ab" * 16  # the plugin's restore token (WarmStart.arm)
ARM = json.dumps({"prepare": True, "token": TOKEN}).encode()


def seed_message(seed, token=TOKEN):
    return json.dumps({"seed": seed, "token": token}).encode()


class RestoredTest(unittest.TestCase):
    """After a warm start the plugin POSTs fresh entropy to /_/restored (see vm/WarmStart.java)."""

    def setUp(self):
        import random
        self.wrapper = load_wrapper_module()
        saved = os.urandom, random._urandom, random.getstate(), getattr(time, "clock_settime", None)

        def put_back():
            os.urandom, random._urandom = saved[0], saved[1]
            random.setstate(saved[2])
            if saved[3] is not None:
                time.clock_settime = saved[3]
        self.addCleanup(put_back)
        # A restored guest: the same random state and the same "system" bytes on every restore. The
        # clock is never really set here (a root test run must not move the host's clock).
        random.seed(42)
        self.restored_state = random.getstate()
        os.urandom = lambda n: b"\x07" * n
        time.clock_settime = lambda clock, value: None

    def restore(self, seed, at=None):
        import random
        random.setstate(self.restored_state)
        message = {"seed": seed.hex(), "token": TOKEN}
        if at is not None:
            message["time"] = at
        status, body, content_type = self.wrapper.restored(json.dumps(message).encode(),
                                                           state={"done": False, "token": TOKEN})
        self.assertEqual((200, "application/json"), (status, content_type), body)
        return json.loads(body.decode()), random.random(), os.urandom(16)

    def test_each_restore_gets_its_own_random_and_urandom(self):
        import random
        random.setstate(self.restored_state)
        replayed = random.random()
        answer, first_random, first_bytes = self.restore(b"\x01" * 32)
        self.assertEqual(["random", "os.urandom"], answer["reseeded"])
        _, second_random, second_bytes = self.restore(b"\x02" * 32)
        self.assertNotIn(first_random, (replayed, second_random))
        self.assertNotEqual(b"\x07" * 16, first_bytes, "the system's bytes are mixed with the seed's stream")
        self.assertNotEqual(first_bytes, second_bytes)
        self.assertIs(os.urandom, random._urandom, "SystemRandom and secrets draw from the mixed bytes too")

    def test_a_clock_settime_that_changes_nothing_is_not_believed(self):
        answer, _, _ = self.restore(b"\x01" * 32, at=time.time() + 3600)
        self.assertEqual((False, "clock_settime had no effect"), (answer["clock_set"], answer["clock"]))
        self.assertLess(abs(time.time() - answer["time"]), 60)

    def test_prepare_before_the_save_reseeds_nothing(self):
        state = {"done": False, "token": None}
        self.assertEqual((200, b'{"prepared": true}'), self.wrapper.restored(ARM, state=state)[:2])
        self.assertFalse(state["done"], "the restore's own call is still to come")
        self.assertEqual(b"\x07" * 4, os.urandom(4))

    def test_a_bad_seed_is_400_and_a_second_call_409(self):
        state = {"done": False, "token": TOKEN}
        status, body, _ = self.wrapper.restored(seed_message("xyz"), state=state)
        self.assertEqual(400, status, body)
        self.assertFalse(state["done"])
        self.assertEqual(200, self.wrapper.restored(seed_message("00ff"), state=state)[0])
        self.assertEqual(409, self.wrapper.restored(seed_message("00ff"), state=state)[0])

    def test_a_vm_that_was_not_armed_before_its_save_is_not_reseeded(self):
        state = {"done": False, "token": None}
        status, body, _ = self.wrapper.restored(seed_message("00ff"), state=state)
        self.assertEqual(403, status)
        self.assertIn("not saved by the plugin", json.loads(body.decode())["error"])
        self.assertFalse(state["done"])
        self.assertEqual(b"\x07" * 4, os.urandom(4), "nothing re-seeded")

    def test_a_restore_call_without_the_token_is_refused_and_arming_is_once(self):
        state = {"done": False, "token": None}
        self.assertEqual(200, self.wrapper.restored(ARM, state=state)[0])
        self.assertEqual(409, self.wrapper.restored(ARM.replace(b"ab", b"cd"), state=state)[0], "armed once only")
        self.assertEqual(400, self.wrapper.restored(b'{"prepare": true}', state={"done": False, "token": None})[0])
        for message in (b'{"seed": "00ff"}', seed_message("00ff", token="cd" * 16)):
            status, body, _ = self.wrapper.restored(message, state=state)
            self.assertEqual(403, status, message)
            self.assertIn("wrong restore token", json.loads(body.decode())["error"])
        self.assertEqual(200, self.wrapper.restored(seed_message("00ff"), state=state)[0])

    def test_the_path_is_the_wrappers_not_the_handlers(self):
        guest = start_guest(self, RANDOM_FUNCTION)
        c = http.client.HTTPConnection(HOST, guest.port, timeout=10)
        self.addCleanup(c.close)
        c.request("POST", "/_/restored", body=seed_message("ab" * 32))
        r = c.getresponse()
        self.assertEqual(403, r.status, "a cold-booted VM is not re-seeded")
        r.read()
        c.request("POST", "/_/restored", body=ARM)  # the plugin, before it saves the VM
        r = c.getresponse()
        self.assertEqual(200, r.status)
        r.read()
        for expected in (200, 409):
            c.request("POST", "/_/restored", body=seed_message("ab" * 32))
            r = c.getresponse()
            payload = json.loads(r.read().decode())
            self.assertEqual(expected, r.status, payload)
        self.assertIn("already re-seeded", payload["error"])
        self.assertIn("ukfaas: restored from a saved state: re-seeded random, os.urandom",
                      guest.wait_for_output("restored from"))
        c.request("POST", "/", body=b"{}")
        self.assertEqual({"random", "urandom"}, set(json.loads(c.getresponse().read().decode())))


HOSTILE_FUNCTION = """
import errno
import os
import tempfile


class Huge(str):
    def encode(self, *args):  # as a 40 MB result does on a VM of 64 MB
        raise MemoryError()


def handler(event, context):
    path = context["path"]
    if path == "/big":
        return "x" * event
    if path == "/bigjson":
        return ["x" * 1000] * event
    if path == "/nan":
        return {"values": [1.5, float("nan")]}
    if path == "/inf":
        return -float("inf")
    if path == "/oom":
        return Huge("x")
    if path == "/print":
        print("y" * event, flush=True)
        return "printed"
    return {"event": event}
"""


class HostileResultTest(unittest.TestCase):
    """What a handler returns or prints must not break the server (issue 24: failure 4, H4, H6)."""

    def post(self, guest, path, event, timeout=30):
        c = http.client.HTTPConnection(HOST, guest.port, timeout=timeout)
        self.addCleanup(c.close)
        c.request("POST", path, body=json.dumps(event))
        r = c.getresponse()
        body = r.read()
        return r.status, (json.loads(body.decode()) if r.getheader("Content-Type") == "application/json" else body)

    def test_a_result_over_the_limit_is_refused_with_a_500_naming_the_setting_and_the_server_serves_on(self):
        guest = start_guest(self, HOSTILE_FUNCTION, args=("--max-response", "1000"))
        self.assertEqual((200, b"x" * 1000), self.post(guest, "/big", 1000), "at the limit")
        status, error = self.post(guest, "/big", 1001)
        self.assertEqual((500, "ResponseTooLarge"), (status, error["type"]))
        self.assertIn("1001 bytes, over the limit of 1000 bytes", error["error"])
        self.assertIn("-Dunikernel.maxResponseBytes", error["error"])
        self.assertEqual(500, self.post(guest, "/bigjson", 2)[0], "JSON results too")
        self.assertEqual((200, {"event": 1}), self.post(guest, "/", 1))

    def test_the_limit_is_6_mib_by_default_and_comes_from_the_settings_file(self):
        guest = start_guest(self, HOSTILE_FUNCTION)
        self.assertEqual(500, self.post(guest, "/big", 6 * 1024 * 1024 + 1)[0])
        guest = start_guest(self, HOSTILE_FUNCTION, settings='{"handlerTimeout": 25, "maxResponseBytes": 10}\n')
        status, error = self.post(guest, "/big", 11)
        self.assertIn("over the limit of 10 bytes", error["error"])

    def test_a_large_result_under_the_limit_arrives_whole(self):
        guest = start_guest(self, HOSTILE_FUNCTION, args=("--max-response", str(40 * 1024 * 1024)))
        s = socket.create_connection((HOST, guest.port), timeout=30)
        self.addCleanup(s.close)
        event = b"%d" % (40 * 1024 * 1024)
        s.sendall(b"POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s" % (len(event), event))
        time.sleep(0.5)  # the client reads late: the rest waits in the server, in pieces
        data = bytearray()
        while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + 40 * 1024 * 1024:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
        status, headers, body, rest = split_response(bytes(data))
        self.assertEqual((200, 40 * 1024 * 1024, b""), (status, len(body), rest))
        self.assertEqual(b"x" * len(body), body)

    def test_a_memory_error_while_serialising_is_one_requests_500(self):
        guest = start_guest(self, HOSTILE_FUNCTION, args=("--handler-timeout", "5"))
        status, error = self.post(guest, "/oom", None)
        self.assertEqual((500, "MemoryError"), (status, error["type"]))
        self.assertIn("unikernel.maxResponseBytes", error["error"])
        self.assertEqual((200, {"event": 2}), self.post(guest, "/", 2))

    def test_nan_and_infinity_are_refused_naming_the_value(self):
        guest = start_guest(self, HOSTILE_FUNCTION)
        status, error = self.post(guest, "/nan", None)
        self.assertEqual(500, status)
        self.assertIn("holds nan, which JSON cannot represent", error["error"])
        status, error = self.post(guest, "/inf", None)
        self.assertIn("holds -inf", error["error"])
        self.assertIn("which JSON cannot represent", guest.wait_for_output("holds -inf", stream="stderr"))

    def test_a_handler_printing_10_mb_to_a_slow_console_neither_waits_for_it_nor_holds_others(self):
        guest = start_guest(self, HOSTILE_FUNCTION, args=("--handler-timeout", "3"), slow_console=True)
        self.assertEqual((200, b"printed"), self.post(guest, "/print", 10 * 1024 * 1024),
                         "the handler returns without waiting for the console (else 504 at its limit)")
        self.assertEqual((200, {"event": 3}), self.post(guest, "/", 3), "another client meanwhile")
        output = guest.wait_for_output("of output dropped]", seconds=60)
        dropped = re.search(r"\[ukfaas: ([0-9]+) bytes of output dropped\]", output)
        self.assertIsNotNone(dropped, output[-300:])
        kept = output.replace(dropped.group(0), "").count("y")  # not the y of the marker's "bytes"
        # Nothing vanishes unsaid (print's newline is a write of its own: dropped and counted, or kept when the
        # console took some meanwhile), and what waits for the console is bounded.
        self.assertIn(kept + int(dropped.group(1)), (10 * 1024 * 1024, 10 * 1024 * 1024 + 1), "kept and dropped")
        self.assertLessEqual(kept, 1024 * 1024, "at most OUTPUT_LIMIT waited for the console")
        self.assertGreater(kept, 0)
        self.assertIn("ukfaas: POST /print -> 200", guest.wait_for_output("POST / -> 200"))
        self.assertIn("ukfaas: POST / -> 200", guest.wait_for_output("POST / -> 200"))


class KernelGuardTest(unittest.TestCase):
    """Unikraft 0.13.1 stops on symlink(2) (issue 24, failure 6): there the wrapper makes it fail with ENOTSUP."""

    def setUp(self):
        self.wrapper = load_wrapper_module()
        saved = os.symlink
        self.addCleanup(setattr, os, "symlink", saved)

    def test_on_unikraft_os_symlink_fails_with_enotsup(self):
        import errno
        self.assertTrue(self.wrapper.guard_kernel(unikraft=True))
        target = os.path.join(tempfile.mkdtemp(prefix="ukfaas-guard-"), "link")
        self.addCleanup(shutil.rmtree, os.path.dirname(target))
        with self.assertRaises(OSError) as e:
            os.symlink("/tmp", target)
        self.assertEqual(errno.ENOTSUP, e.exception.errno)
        self.assertIn("Unikraft", e.exception.strerror)
        self.assertFalse(os.path.lexists(target))

    def test_elsewhere_os_symlink_is_left_alone(self):
        saved = os.symlink
        self.assertFalse(self.wrapper.on_unikraft(), "this host is no Unikraft")
        self.assertFalse(self.wrapper.guard_kernel())
        self.assertIs(saved, os.symlink)


if __name__ == "__main__":
    unittest.main()


RELOAD_V1 = '''
import helper


def handler(event):
    return {"version": 1, "twice": helper.twice(2)}
'''

RELOAD_V2 = '''
import helper


def handler(event, context):
    return {"version": 2, "twice": helper.twice(2), "method": context["method"]}
'''


class ReloadTest(unittest.TestCase):
    """`unikernel:run` copies new sources into the app dir, then changes app/ukfaas-reload (RELOAD_FILE)."""

    def post(self, guest):
        c = http.client.HTTPConnection(HOST, guest.port, timeout=10)
        try:
            c.request("POST", "/", body=b"{}")
            r = c.getresponse()
            return r.status, json.loads(r.read().decode("utf-8"))
        finally:
            c.close()

    def bump(self, guest, text):
        path = os.path.join(guest.lib, "app", "ukfaas-reload")
        write(path, text)
        later = time.time() + int(text)  # a distinct mtime even on a coarse clock
        os.utime(path, (later, later))

    def test_a_changed_marker_reimports_the_function_and_its_modules(self):
        guest = start_guest(self, RELOAD_V1)
        self.assertEqual((200, {"version": 1, "twice": 4}), self.post(guest))
        app = os.path.join(guest.lib, "app")
        write(os.path.join(app, "function.py"), RELOAD_V2)
        write(os.path.join(app, "helper.py"), "def twice(n):\n    return 20 * n\n")
        self.assertEqual((200, {"version": 1, "twice": 4}), self.post(guest), "no marker change: the old code")
        self.bump(guest, "1")
        self.assertEqual((200, {"version": 2, "twice": 40, "method": "POST"}), self.post(guest))
        self.assertIn("ukfaas: reloaded function.py", guest.wait_for_output("reloaded"))
        self.assertEqual((200, {"version": 2, "twice": 40, "method": "POST"}), self.post(guest))

    def test_a_syntax_error_is_reported_and_the_old_handler_keeps_serving(self):
        guest = start_guest(self, RELOAD_V1)
        app = os.path.join(guest.lib, "app")
        write(os.path.join(app, "function.py"), "def handler(event):\n    return {\n")
        self.bump(guest, "1")
        self.assertEqual((200, {"version": 1, "twice": 4}), self.post(guest))
        err = guest.wait_for_output("keeps serving", stream="stderr")
        self.assertIn("SyntaxError", err)
        self.assertIn("function.py", err)
        self.assertIn("reload failed: the previous function.py keeps serving", err)
        self.assertEqual((200, {"version": 1, "twice": 4}), self.post(guest), "still the old handler")
        write(os.path.join(app, "function.py"), RELOAD_V2)  # fixed: the next change is taken
        self.bump(guest, "2")
        self.assertEqual((200, {"version": 2, "twice": 4, "method": "POST"}), self.post(guest))

    def test_a_function_without_handler_keeps_the_old_one(self):
        guest = start_guest(self, RELOAD_V1)
        write(os.path.join(guest.lib, "app", "function.py"), "x = 1\n")
        self.bump(guest, "1")
        self.assertEqual((200, {"version": 1, "twice": 4}), self.post(guest))
        self.assertIn("defines no callable `handler`", guest.wait_for_output("keeps serving", stream="stderr"))
