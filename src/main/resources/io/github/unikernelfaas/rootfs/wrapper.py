"""unikernel-faas wrapper: serves the user's handler(event) over HTTP/1.1 inside the unikernel.

Ours, never edited by users; runs on CPython 3.7 (the Unikraft build) and newer. Started as
`python -m app.wrapper --port 8123` on Unikraft (a script path would be taken for a terminal on
9pfs) or `python3 /.../app/wrapper.py` elsewhere. It finds function.py beside itself and the
dependencies in ../site-packages.

Contract: GET /health (or /_/health) answers 200; any other request calls handler(event), or
handler(event, context) when the handler takes two arguments. event is the JSON-decoded body, the
raw text when it is not JSON, None when empty. A str/bytes result is sent as text, anything else
as JSON. Errors: 400 malformed request, 413 body over --max-body, 500 handler exception (traceback
on the console). The server keeps serving after every error.
"""
import json
import os
import socket
import socketserver
import sys
import threading
import time
from urllib.parse import parse_qsl, urlsplit

DEFAULT_PORT = 8123
DEFAULT_MAX_BODY = 6 * 1024 * 1024
# Idle keep-alive connections are closed so they do not pin a thread (or, serving inline, the server).
IDLE_TIMEOUT = 5.0
REQUEST_TIMEOUT = 30.0
MAX_LINE = 8192
MAX_HEADERS = 100
REASONS = {
    200: "OK",
    400: "Bad Request",
    413: "Payload Too Large",
    500: "Internal Server Error",
}


class HttpError(Exception):
    def __init__(self, status, message):
        Exception.__init__(self, message)
        self.status = status
        self.message = message


def log(line):
    sys.stdout.write("ukfaas: %s\n" % line)
    sys.stdout.flush()


def load_handler(app_dir):
    """Imports function.handler with the app dir and site-packages on sys.path."""
    site = os.path.join(os.path.dirname(app_dir), "site-packages")
    if os.path.isdir(site) and site not in sys.path:
        sys.path.insert(0, site)
    if app_dir not in sys.path:
        sys.path.insert(0, app_dir)
    import function  # noqa: E402 - the user's module, found through sys.path

    handler = getattr(function, "handler", None)
    if handler is None or not callable(handler):
        raise SystemExit("ukfaas: %s defines no callable `handler`: add `def handler(event):`"
                         % getattr(function, "__file__", "function.py"))
    return handler


def wants_context(handler):
    """True when handler takes (event, context). Reads the code object: inspect is slow to import."""
    target, skip = handler, 0
    if hasattr(target, "__func__"):  # bound method: self is already bound
        target, skip = target.__func__, 1
    code = getattr(target, "__code__", None)
    if code is None and hasattr(handler, "__call__"):  # callable object
        call = handler.__call__
        target = getattr(call, "__func__", call)
        code, skip = getattr(target, "__code__", None), 1
    if code is None:
        return False
    if code.co_flags & 0x04:  # *args
        return True
    return code.co_argcount - skip >= 2


def decode_event(body):
    if not body:
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return body.decode("utf-8", "replace")


def encode_result(result):
    """Returns (content type, body bytes); raises TypeError/ValueError if not serialisable."""
    if isinstance(result, str):
        return "text/plain; charset=utf-8", result.encode("utf-8")
    if isinstance(result, (bytes, bytearray)):
        return "text/plain; charset=utf-8", bytes(result)
    return "application/json", json.dumps(result).encode("utf-8")


def error_body(exc):
    name = type(exc).__name__
    return json.dumps({"error": "%s: %s" % (name, exc), "type": name}).encode("utf-8")


def response_bytes(status, content_type, body, keep_alive):
    # Headers and body go out in one write: written apart, a keep-alive client waits ~40 ms
    # per request on delayed ACKs.
    head = "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: %s\r\n\r\n" % (
        status, REASONS.get(status, "Error"), content_type, len(body),
        "keep-alive" if keep_alive else "close")
    return head.encode("latin-1") + body


def read_line(rfile):
    line = rfile.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise HttpError(400, "line too long")
    return line


def read_request(rfile, max_body):
    """Returns (method, target, version, headers, body), or None when the client closed."""
    line = read_line(rfile)
    if not line:
        return None
    if line in (b"\r\n", b"\n"):  # tolerate a stray CRLF between requests
        line = read_line(rfile)
        if not line:
            return None
    parts = line.decode("latin-1").rstrip("\r\n").split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[0].isalpha():
        raise HttpError(400, "malformed request line")
    method, target, version = parts
    headers = {}
    for _ in range(MAX_HEADERS + 1):
        line = read_line(rfile)
        if line in (b"\r\n", b"\n", b""):
            break
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep or not name or name != name.strip():
            raise HttpError(400, "malformed header")
        name = name.lower()
        value = value.strip()
        headers[name] = headers[name] + ", " + value if name in headers else value
    else:
        raise HttpError(400, "too many headers")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = read_chunked(rfile, max_body)
    else:
        body = read_sized(rfile, headers.get("content-length"), max_body)
    return method, target, version, headers, body


def read_sized(rfile, length, max_body):
    if length is None:
        return b""
    try:
        n = int(length)
    except ValueError:
        raise HttpError(400, "invalid Content-Length")
    if n < 0:
        raise HttpError(400, "invalid Content-Length")
    if n > max_body:
        raise HttpError(413, "body of %d bytes is over the limit of %d" % (n, max_body))
    body = rfile.read(n)
    if len(body) != n:
        raise HttpError(400, "body shorter than Content-Length")
    return body


def read_chunked(rfile, max_body):
    chunks, total = [], 0
    while True:
        size_line = read_line(rfile).split(b";")[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            raise HttpError(400, "malformed chunk size")
        if size < 0:
            raise HttpError(400, "malformed chunk size")
        if size == 0:
            while read_line(rfile) not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return b"".join(chunks)
        total += size
        if total > max_body:
            raise HttpError(413, "chunked body over the limit of %d" % max_body)
        data = rfile.read(size)
        if len(data) != size or read_line(rfile) not in (b"\r\n", b"\n"):
            raise HttpError(400, "truncated chunk")
        chunks.append(data)


class Function(object):
    """Calls the handler for one request and turns the outcome into a response."""

    def __init__(self, handler):
        self.handler = handler
        self.with_context = wants_context(handler)
        # Connections are concurrent, calls are not: like one function instance, one event at a time.
        self.lock = threading.Lock()

    def respond(self, method, target, headers, body):
        url = urlsplit(target)
        if method == "GET" and url.path in ("/health", "/_/health"):
            return 200, "application/json", b'{"status":"ok"}'
        event = decode_event(body)
        with self.lock:
            return self.call(method, url, headers, event)

    def call(self, method, url, headers, event):
        try:
            if self.with_context:
                context = {
                    "method": method,
                    "path": url.path,
                    "query": dict(parse_qsl(url.query, keep_blank_values=True)),
                    "headers": dict(headers),
                }
                result = self.handler(event, context)
            else:
                result = self.handler(event)
            content_type, payload = encode_result(result)
            return 200, content_type, payload
        except Exception as exc:  # the handler's failure is the caller's answer, not ours
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
            return 500, "application/json", error_body(exc)


class Connection(socketserver.BaseRequestHandler):
    """One client connection: requests are served in turn until it closes or goes idle."""

    def handle(self):
        sock = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rfile = sock.makefile("rb")
        try:
            while self.serve_one(sock, rfile):
                pass
        except (socket.timeout, ConnectionError, OSError):
            pass  # idle or gone: close quietly
        finally:
            rfile.close()

    def serve_one(self, sock, rfile):
        server = self.server
        sock.settimeout(IDLE_TIMEOUT)
        started = None
        try:
            request = read_request(_Timed(rfile, sock), server.max_body)
            if request is None:
                return False
            started = time.time()
            method, target, version, headers, body = request
        except HttpError as e:
            sock.sendall(response_bytes(e.status, "application/json",
                                        json.dumps({"error": e.message}).encode("utf-8"), False))
            log("rejected request -> %d (%s)" % (e.status, e.message))
            return False
        connection = headers.get("connection", "").lower()
        keep_alive = "close" not in connection and (version == "HTTP/1.1" or "keep-alive" in connection)
        status, content_type, payload = server.function.respond(method, target, headers, body)
        sock.sendall(response_bytes(status, content_type, payload, keep_alive))
        if not target.endswith("/health"):
            log("%s %s -> %d in %.1f ms" % (method, target, status, (time.time() - started) * 1000.0))
        return keep_alive


class _Timed(object):
    """Reads with the idle timeout until a request starts, then with the request timeout."""

    def __init__(self, rfile, sock):
        self.rfile, self.sock, self.started = rfile, sock, False

    def readline(self, limit):
        line = self.rfile.readline(limit)
        self._start()
        return line

    def read(self, n):
        return self.rfile.read(n)

    def _start(self):
        if not self.started:
            self.started = True
            self.sock.settimeout(REQUEST_TIMEOUT)


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    # TCPServer.server_bind, not http.server's: that one calls socket.getfqdn(), which waits on a
    # DNS server the guest does not have.
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False
    inline = False

    def process_request(self, request, client_address):
        # A guest that cannot start threads still serves, one connection at a time.
        if not self.inline:
            try:
                return socketserver.ThreadingMixIn.process_request(self, request, client_address)
            except RuntimeError as e:
                self.inline = True
                log("cannot start threads (%s): serving connections one at a time" % e)
        socketserver.TCPServer.process_request(self, request, client_address)

    def __init__(self, address, function, max_body):
        self.function = function
        self.max_body = max_body
        socketserver.TCPServer.__init__(self, address, Connection)

    def handle_error(self, request, client_address):
        import traceback

        traceback.print_exc()


def parse_args(argv):
    opts = {"port": int(os.environ.get("UKFAAS_PORT") or DEFAULT_PORT), "host": "0.0.0.0",
            "max_body": DEFAULT_MAX_BODY}
    names = {"--port": "port", "--host": "host", "--max-body": "max_body"}
    i = 0
    while i < len(argv):
        key = names.get(argv[i])
        if key is None or i + 1 >= len(argv):
            raise SystemExit("ukfaas: usage: wrapper [--port N] [--host H] [--max-body BYTES], not %r" % argv[i:])
        opts[key] = argv[i + 1] if key == "host" else int(argv[i + 1])
        i += 2
    return opts


def main(argv):
    opts = parse_args(argv)
    app_dir = os.path.dirname(os.path.abspath(__file__))
    try:
        handler = load_handler(app_dir)
    except SystemExit:
        raise
    except BaseException:
        import traceback

        traceback.print_exc()
        sys.stderr.write("ukfaas: could not import function.py from %s\n" % app_dir)
        sys.stderr.flush()
        return 1
    server = Server((opts["host"], opts["port"]), Function(handler), opts["max_body"])
    log("listening on %s:%d" % (opts["host"], opts["port"]))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
