"""unikernel-faas wrapper: serves the user's `handler` over HTTP inside the VM.

Ours, not the user's. CPython 3.7+ and the standard library only. Layout in the guest:
<root>/lib/python3.7/app/{wrapper.py, function.py, user modules}, <root>/lib/python3.7/site-packages/.
Start with `python -m app.wrapper [--port 8123] [--host 0.0.0.0] [--max-body 6291456]`
(`python .../app/wrapper.py` works too, but not on Unikraft 0.13, which takes a 9p file for a terminal).
Exit status 1 when function.py or its `handler` cannot be loaded, or the port cannot be bound.
"""
import argparse
import http
import inspect
import json
import os
import re
import selectors
import site
import socket
import sys
import time
import traceback
from urllib.parse import parse_qsl, urlsplit

IDLE_TIMEOUT = 5.0   # an idle keep-alive connection is closed after this
READ_TIMEOUT = 30.0  # per socket read or write while a request is in flight
LINGER_SECONDS = 2.0
MAX_LINE = 65536
MAX_HEADERS = 100
HEALTH_PATHS = ("/health", "/_/health")
JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"

REQUEST_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\x00-\x20\x7f]+) HTTP/1\.([0-9])")
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
CONTENT_LENGTH = re.compile(r"[0-9]{1,18}")


class StartupError(Exception):
    pass


class HttpError(Exception):
    """A request we answer with an error and then close the connection."""

    def __init__(self, status, message):
        Exception.__init__(self, message)
        self.status = status


def error_json(message, exc_type=None):
    error = {"error": message}
    if exc_type is not None:
        error["type"] = exc_type
    return json.dumps(error).encode("utf-8")


def describe(exc):
    message = str(exc)
    name = type(exc).__name__
    return name + ": " + message if message else name


def invoke(handler, wants_context, body, context):
    """Calls the handler with the request body as event; returns (status, body, content type)."""
    event = None
    if body:
        event = body.decode("utf-8", "replace")
        try:
            event = json.loads(event)
        except (ValueError, RecursionError):
            pass  # not JSON: the handler gets the text
    try:
        result = handler(event, context) if wants_context else handler(event)
    except (Exception, SystemExit) as e:  # SystemExit too: a handler must not stop the server
        traceback.print_exc()
        return 500, error_json(describe(e), type(e).__name__), JSON_TYPE
    if isinstance(result, str):
        return 200, result.encode("utf-8", "replace"), TEXT_TYPE
    if isinstance(result, (bytes, bytearray)):
        return 200, bytes(result), TEXT_TYPE
    try:
        return 200, json.dumps(result).encode("utf-8"), JSON_TYPE
    except Exception as e:
        message = "the handler's result is not JSON-serialisable: " + describe(e)
        print("ukfaas: " + message, file=sys.stderr)
        return 500, error_json(message, type(e).__name__), JSON_TYPE


def log(method, path, status, start):
    print("ukfaas: %s %s -> %d in %.1f ms" % (method, path, status, (time.perf_counter() - start) * 1000),
          flush=True)


class App(object):
    def __init__(self, handler, wants_context, max_body):
        self.handler = handler
        self.wants_context = wants_context
        self.max_body = max_body


class Connection(object):
    """One client connection. It reads through its own buffer, so the loop can see a pipelined
    request waiting there."""

    def __init__(self, sock, app):
        self.sock, self.app = sock, app
        self.buf = bytearray()
        self.last_active = time.monotonic()
        try:
            # Each response is one write, so Nagle's algorithm could only delay it.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        sock.settimeout(READ_TIMEOUT)

    def recv_more(self):
        data = self.sock.recv(65536)
        self.buf += data
        return bool(data)

    def readline(self, limit=MAX_LINE + 1):
        """Up to and with the next newline, at most limit bytes; shorter at end of stream."""
        searched = 0
        while True:
            end = self.buf.find(b"\n", searched, limit)
            if end >= 0:
                end += 1
                break
            searched = len(self.buf)
            if searched >= limit or not self.recv_more():
                end = min(searched, limit)
                break
        line = bytes(self.buf[:end])
        del self.buf[:end]
        return line

    def read(self, size):
        while len(self.buf) < size and self.recv_more():
            pass
        data = bytes(self.buf[:size])
        del self.buf[:size]
        return data

    def serve(self):
        """Serves the requests that have arrived; returns False when the connection is done."""
        try:
            while self.handle_one():
                self.last_active = time.monotonic()
                if not self.buf:
                    return True
        except OSError:
            pass  # read timeout, reset, or gone: nobody is left to answer
        except Exception:
            traceback.print_exc()  # a bug of ours: drop this connection, keep serving the others
        return False

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        self.sock.close()

    def handle_one(self):
        """Serves one request; returns whether to keep the connection open."""
        line = self.readline()
        if not line:
            return False
        if not line.strip():
            return True  # RFC 9112 2.2: ignore empty lines before a request line
        start = time.perf_counter()
        self.method, path = "-", "-"
        try:
            keep_alive, body = self.read_request(line)
            path, _, query = self.target.partition("?")
            if "://" in path and not path.startswith("/"):  # absolute-form target
                path = urlsplit(path).path or "/"
        except HttpError as e:
            self.send(e.status, error_json(str(e)), JSON_TYPE, False)
            log(self.method, path, e.status, start)
            self.linger()
            return False
        if self.method == "GET" and path in HEALTH_PATHS:
            self.send(200, b'{"status":"ok"}', JSON_TYPE, keep_alive)
            return keep_alive
        context = {
            "method": self.method,
            "path": path,
            "query": dict(parse_qsl(query, keep_blank_values=True)),
            "headers": self.headers,
        }
        status, payload, content_type = invoke(self.app.handler, self.app.wants_context, body, context)
        self.send(status, payload, content_type, keep_alive)
        log(self.method, path, status, start)
        return keep_alive

    def read_request(self, line):
        """Parses the rest of a request; returns (keep_alive, body) or raises HttpError."""
        match = REQUEST_LINE.fullmatch(line.rstrip(b"\r\n"))
        if len(line) > MAX_LINE or not match:
            raise HttpError(400, "malformed request line")
        self.method = match.group(1).decode("ascii")
        self.target = match.group(2).decode("utf-8", "replace")
        self.http10 = match.group(3) == b"0"
        self.headers = self.read_headers()
        tokens = [t.strip() for t in self.headers.get("connection", "").lower().split(",")]
        keep_alive = "keep-alive" in tokens if self.http10 else "close" not in tokens
        return keep_alive, self.read_body()

    def read_headers(self):
        headers = {}
        for _ in range(MAX_HEADERS + 1):
            line = self.readline()
            if len(line) > MAX_LINE:
                raise HttpError(400, "header line too long")
            if line in (b"\r\n", b"\n"):
                return headers
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon or not TOKEN.fullmatch(name):  # also end of stream and obsolete line folding
                raise HttpError(400, "malformed header line")
            name, value = name.lower(), value.strip(" \t\r\n")
            headers[name] = headers[name] + ", " + value if name in headers else value
        raise HttpError(400, "more than %d header lines" % MAX_HEADERS)

    def read_body(self):
        max_body = self.app.max_body
        length = self.headers.get("content-length")
        coding = self.headers.get("transfer-encoding")
        if coding is not None:
            if length is not None:
                raise HttpError(400, "both Content-Length and Transfer-Encoding")  # request smuggling
            if coding.lower() != "chunked":
                raise HttpError(501, "unsupported Transfer-Encoding: " + coding)
            self.send_continue()
            return self.read_chunked(max_body)
        if length is None:
            return b""
        if not CONTENT_LENGTH.fullmatch(length):
            raise HttpError(400, "bad Content-Length: " + length)
        length = int(length)
        if length > max_body:
            raise HttpError(413, "request body of %d bytes is over the limit of %d bytes" % (length, max_body))
        if not length:
            return b""
        self.send_continue()
        body = self.read(length)
        if len(body) < length:
            raise HttpError(400, "request body ended after %d of %d bytes" % (len(body), length))
        return body

    def read_chunked(self, max_body):
        chunks, total = [], 0
        while True:
            line = self.readline()
            size = CHUNK_SIZE.fullmatch(line.split(b";", 1)[0].strip())  # chunk extensions are ignored
            if len(line) > MAX_LINE or not line.endswith(b"\n") or not size:
                raise HttpError(400, "broken chunked encoding")
            size = int(size.group(), 16)
            if not size:
                break
            total += size
            if total > max_body:
                raise HttpError(413, "request body is over the limit of %d bytes" % max_body)
            chunk = self.read(size)
            if len(chunk) < size or self.readline(2) not in (b"\r\n", b"\n"):
                raise HttpError(400, "broken chunked encoding")
            chunks.append(chunk)
        self.read_headers()  # trailer fields, ignored
        return b"".join(chunks)

    def send_continue(self):
        # curl and others wait up to 1 s for this before they send a body.
        if not self.http10 and self.headers.get("expect", "").lower() == "100-continue":
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

    def send(self, status, body, content_type, keep_alive):
        head = "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: %s\r\n\r\n" % (
            status, http.HTTPStatus(status).phrase, content_type, len(body),
            "keep-alive" if keep_alive else "close")
        if self.method == "HEAD":
            body = b""
        # One write: headers and body written apart make a keep-alive client wait for a delayed ACK.
        self.sock.sendall(head.encode("latin-1") + body)

    def linger(self):
        """Reads what the client still sends before we close, so that the close does not reset
        the connection (and discard our error response) before the client has read it."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
            self.sock.settimeout(0.5)
            deadline = time.monotonic() + LINGER_SECONDS
            while time.monotonic() < deadline and self.sock.recv(65536):
                pass
        except OSError:
            pass


def listen(host, port):
    # A plain bind, as socketserver.TCPServer does: http.server's server_bind also calls
    # socket.getfqdn(), which waits on DNS that never answers in the guest.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(64)
    except BaseException:
        sock.close()
        raise
    return sock


def serve(listener, app):
    """One thread (the unikernel's threads are unproven) waits on the listener and on every open
    connection at once, so an idle keep-alive client never holds up the others."""
    selector = selectors.PollSelector() if hasattr(selectors, "PollSelector") else selectors.SelectSelector()
    selector.register(listener, selectors.EVENT_READ)
    while True:
        ready = selector.select(1.0)
        now, readable = time.monotonic(), set(key.fileobj for key, _ in ready)
        for key in list(selector.get_map().values()):
            if key.data and key.fileobj not in readable and now - key.data.last_active > IDLE_TIMEOUT:
                selector.unregister(key.fileobj)
                key.data.close()
        for key, _ in ready:
            if key.fileobj is listener:
                try:
                    sock = listener.accept()[0]
                except OSError:
                    continue
                selector.register(sock, selectors.EVENT_READ, Connection(sock, app))
            elif not key.data.serve():
                selector.unregister(key.fileobj)
                key.data.close()


def takes_context(handler):
    """True when handler takes (event, context), or *args; False when it takes (event)."""
    try:
        signature = inspect.signature(handler)
    except (TypeError, ValueError):
        return False  # no signature to inspect (some builtins): the one-argument form
    for args in ((None, None), (None,)):
        try:
            signature.bind(*args)
            return len(args) == 2
        except TypeError:
            pass
    raise StartupError("handler%s must take (event) or (event, context)" % signature)


def load_handler():
    """Puts the app directory and site-packages in front of sys.path and returns function.handler."""
    app_dir = os.path.dirname(os.path.abspath(__file__))
    site_dir = os.path.join(os.path.dirname(app_dir), "site-packages")
    if os.path.isdir(site_dir):
        sys.path.insert(0, site_dir)
        site.addsitedir(site_dir)  # already on sys.path, so this only runs its .pth files
    sys.path.insert(0, app_dir)
    try:
        import function
    except Exception:
        traceback.print_exc()
        raise StartupError("cannot import function.py from " + app_dir)
    handler = getattr(function, "handler", None)
    if not callable(handler):
        raise StartupError("function.py defines no callable `handler`: add `def handler(event):`")
    return handler


def port_number(text):
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("port out of range: %d" % port)
    return port


def byte_count(text):
    count = int(text)
    if count < 0:
        raise argparse.ArgumentTypeError("negative size: %d" % count)
    return count


def main(argv=None):
    parser = argparse.ArgumentParser(prog="app.wrapper", description="Serves function.handler over HTTP.")
    parser.add_argument("--port", type=port_number, default=os.environ.get("UKFAAS_PORT", "8123"))
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--max-body", type=byte_count, default=6291456)
    args = parser.parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)  # the handler's prints reach the console at once
        except AttributeError:
            pass
    try:
        handler = load_handler()
        app = App(handler, takes_context(handler), args.max_body)
        listener = listen(args.host, args.port)
    except StartupError as e:
        print("ukfaas: " + str(e), file=sys.stderr, flush=True)
        return 1
    except (OSError, OverflowError) as e:
        print("ukfaas: cannot listen on %s:%d: %s" % (args.host, args.port, e), file=sys.stderr, flush=True)
        return 1
    print("ukfaas: listening on %s:%d" % (args.host, listener.getsockname()[1]), flush=True)
    try:
        serve(listener, app)
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
