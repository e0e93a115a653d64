"""unikernel-faas wrapper: serves the user's `handler` over HTTP inside the VM.

Ours, not the user's. CPython 3.7+ and the standard library only. Layout in the guest:
<root>/lib/python3.7/app/{wrapper.py, function.py, user modules}, <root>/lib/python3.7/site-packages/.
Start with `python -S -c "import sys, app.wrapper as w; sys.exit(w.main())" [--port 8123] [--host 0.0.0.0]
[--max-body 6291456] [--max-response 6291456] [--header-timeout 10] [--body-timeout 30] [--handler-timeout 25]`
(`python -m app.wrapper` and `python .../app/wrapper.py` work too, but -m costs runpy's imports, and Unikraft 0.13 takes a 9p file
for a terminal).
Exit status 1 when function.py or its `handler` cannot be loaded, or the port cannot be bound.

A lean start: what every request needs is imported here; what only errors, query strings, .pth files
or an unusual command line need is imported on first use (LazyModule), off the path to "listening".
"""
import time

STARTED = time.monotonic()  # the wrapper's first moment, for the start-up line the bench reads

import _thread  # not threading: on 3.7 it imports traceback, linecache and tokenize
import collections  # after STARTED: these are the imports it measures
import errno
import io
import json
import os
import re
import selectors
import socket
import sys


class LazyModule(object):
    """A module imported on first use."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        module = sys.modules.get(self._name)
        if module is None:
            __import__(self._name)
            module = sys.modules[self._name]
        return getattr(module, attr)


argparse = LazyModule("argparse")  # --help, abbreviations and bad values only (parse_args)
http = LazyModule("http")  # status phrases beyond PHRASES
inspect = LazyModule("inspect")  # handlers that are not plain functions (takes_context)
site = LazyModule("site")  # .pth files in site-packages
traceback = LazyModule("traceback")  # errors
urllib_parse = LazyModule("urllib.parse")  # query strings and absolute-form targets

IDLE_TIMEOUT = 5.0     # an idle keep-alive connection is closed after this
HEADER_TIMEOUT = 10.0  # a request's line and headers must arrive within this of its first byte (--header-timeout)
BODY_TIMEOUT = 30.0    # and its body within this of the end of its headers (--body-timeout); else 408
WRITE_TIMEOUT = 30.0   # a client that takes none of its response for this long is dropped
LINGER_SECONDS = 2.0   # after an error response, what the client still sends is read (and dropped) this long
MAX_HEAD = 65536       # request line and headers, or a chunk-size line, or the trailers; 400 over it
MAX_HEADERS = 100
RECV_SIZE = 262144
HEALTH_PATHS = ("/health", "/_/health")


def with_clock(payload):
    """A /health body with the guest's monotonic clock added, for GET /health?clock: the host compares two
    such answers with its own clock to see whether the guest's runs at the right rate (Unikraft calibrates
    its TSC at boot; a bad estimate makes every sleep, timeout and timestamp in the guest drift)."""
    answer = json.loads(payload.decode("utf-8"))
    answer["monotonic"] = time.monotonic()
    return json.dumps(answer, separators=(",", ":")).encode("utf-8")
PHRASES = {200: "OK", 400: "Bad Request", 408: "Request Timeout", 409: "Conflict", 413: "Request Entity Too Large",
           500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable",
           504: "Gateway Timeout"}  # http.HTTPStatus's, without building the enum
RESTORED_PATH = "/_/restored"  # the host says the VM was restored from a saved state (warm start)
JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"

REQUEST_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\x00-\x20\x7f]+) HTTP/1\.([0-9])")
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HEAD_END = re.compile(rb"\n\r?\n")
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


MAX_BODY = 6291456  # a larger request body gets 413 (--max-body, unikernel.maxEventBytes)
MAX_RESPONSE = 6291456  # a larger answer is refused with a 500 (--max-response, unikernel.maxResponseBytes)
MAX_RESPONSE_SETTING = "unikernel.maxResponseBytes"


def invoke(handler, wants_context, body, context, max_response=MAX_RESPONSE):
    """Calls the handler with the request body as event; returns (status, body, content type). Never
    raises for what the handler does: a MemoryError (a huge result, on a small VM) is one request's 500."""
    try:
        return answer(handler, wants_context, body, context, max_response)
    except MemoryError:
        return 500, error_json("out of memory while running the handler or serialising its result"
                               " (a result over %d bytes is refused: %s)" % (max_response, MAX_RESPONSE_SETTING),
                               "MemoryError"), JSON_TYPE


def answer(handler, wants_context, body, context, max_response):
    event = None
    if body:
        event = body.decode("utf-8", "replace")
        try:
            event = json.loads(event)
        except (ValueError, RecursionError):
            pass  # not JSON: the handler gets the text
    try:
        if "asyncio" in sys.modules:
            event_loop()  # the function uses asyncio: asyncio.get_event_loop() works in the handler's thread
        result = handler(event, context) if wants_context else handler(event)
        if hasattr(result, "__await__") and not isinstance(result, type):
            result = event_loop().run_until_complete(result)  # `async def handler`, or a handler returning a coroutine
    except (Exception, SystemExit) as e:  # SystemExit too: a handler must not stop the server
        traceback.print_exc()
        return 500, error_json(describe(e), type(e).__name__), JSON_TYPE
    content_type = TEXT_TYPE
    if isinstance(result, str):
        payload = result.encode("utf-8", "replace")
    elif isinstance(result, (bytes, bytearray)):
        payload = bytes(result)
    else:
        content_type = JSON_TYPE
        try:
            # allow_nan=False: NaN and Infinity are not JSON, and a client's parser would refuse the 200.
            payload = json.dumps(result, allow_nan=False).encode("utf-8")
        except MemoryError:
            raise
        except Exception as e:
            bad = non_finite(result) if isinstance(e, ValueError) else None
            if bad is not None:
                message = ("the handler's result holds %s, which JSON cannot represent: return None or a string"
                           " in its place" % bad)
            else:
                message = "the handler's result is not JSON-serialisable: " + describe(e)
            print("ukfaas: " + message, file=sys.stderr, flush=True)
            return 500, error_json(message, type(e).__name__), JSON_TYPE
    if len(payload) > max_response:
        message = ("the handler's result is %d bytes, over the limit of %d bytes: return less, or raise"
                   " -D%s" % (len(payload), max_response, MAX_RESPONSE_SETTING))
        print("ukfaas: " + message, file=sys.stderr, flush=True)
        return 500, error_json(message, "ResponseTooLarge"), JSON_TYPE
    return 200, payload, content_type


LOOPS = {}  # thread id -> that thread's asyncio event loop, made on first need


def event_loop():
    """The calling thread's asyncio event loop, made and set for the thread on first need: asyncio (~40
    modules) is imported only by a function that uses it. The loop lives on between calls, so clients the
    handler keeps (sessions, pools) stay bound to it."""
    ident = _thread.get_ident()
    loop = LOOPS.get(ident)
    if loop is None or loop.is_closed():
        import asyncio
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        LOOPS[ident] = loop
    return loop


# socketpair() errors that mean "no AF_UNIX here" (Unikraft 0.13's lwip: EAFNOSUPPORT, errno 97).
NO_UNIX_ERRNOS = (97, 93, 94, 95, 38)  # EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EOPNOTSUPP, ENOSYS


def install_socketpair_fallback(module=socket):
    """Makes module.socketpair() fall back to a connected loopback TCP pair where AF_UNIX is refused, as
    CPython's own socketpair does on platforms without AF_UNIX: asyncio's event loop needs a pair for its
    self-pipe, and Unikraft 0.13 has AF_UNIX in name only. Other families and errors are left alone."""
    native = module.socketpair
    if getattr(native, "ukfaas_fallback", False):
        return

    def socketpair(family=None, type=module.SOCK_STREAM, proto=0):
        try:
            return native(family, type, proto)
        except OSError as e:
            unix = family is None or family == getattr(module, "AF_UNIX", None)
            if not unix or type != module.SOCK_STREAM or e.errno not in NO_UNIX_ERRNOS:
                raise
        return loopback_pair()
    socketpair.ukfaas_fallback = True
    socketpair.__doc__ = native.__doc__
    module.socketpair = socketpair


def non_finite(value, depth=0):
    """The first NaN or Infinity in a result, as its repr ("nan", "inf", "-inf"), or None."""
    if isinstance(value, float):
        return None if value == value and value not in (float("inf"), float("-inf")) else repr(value)
    if depth > 100:
        return None
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for item in value:
            found = non_finite(item, depth + 1)
            if found is not None:
                return found
    return None


def restored(body, state={"done": False, "token": None}):
    """The VM was restored from a saved state: every restore would replay the same random numbers. The
    host sends fresh entropy and its clock, once (later calls are refused, so no client can re-seed).
    `random` is re-seeded, and os.urandom (also SystemRandom, secrets, uuid4) XORs the system's bytes
    with a SHA-256 stream keyed by the seed: Unikraft 0.13's getrandom is a PRNG that was restored
    too. The wall clock is set when the kernel lets us. {"prepare": true}, sent before the state is
    saved, only imports what this needs, and arms the VM with a token (below). Returns (status, body, content type).

    Only a VM the plugin restored may be re-seeded (or have its clock set), so a client cannot do it to a
    cold-booted one. The plugin arms the VM just before it saves it: {"prepare": true, "token": <random hex>},
    accepted once; the token is then in the guest's RAM, so in the saved state, and the plugin keeps it
    beside the state in its cache entry. A restore call must bring the same token: a VM that was never
    armed, or a caller without the token, gets 403. (A VM that is never saved is never armed by the plugin:
    the first client to arm it could re-seed it once.)"""
    if state["done"]:
        return 409, error_json("already re-seeded after the restore"), JSON_TYPE
    try:
        message = json.loads(body.decode("utf-8"))
        if isinstance(message, dict) and message.get("prepare"):
            token = message.get("token")
            if not isinstance(token, str) or len(token) < 32 or not re.fullmatch(r"[0-9a-f]+", token):
                return 400, error_json("expected {\"prepare\": true, \"token\": 32+ lower-case hex digits}"), JSON_TYPE
            if state.get("token") is not None:
                return 409, error_json("already armed for a restore"), JSON_TYPE
            # Before the state is saved: the imports below then cost a restored guest nothing (~0.2 s under TCG).
            import hashlib, random  # noqa: F401
            state["token"] = token
            return 200, b'{"prepared": true}', JSON_TYPE
        if state.get("token") is None:
            return 403, error_json("this VM was not saved by the plugin, so it was not restored: nothing to re-seed"
                                   ), JSON_TYPE
        if not same_secret(str(message.get("token")), state["token"]):
            return 403, error_json("wrong restore token"), JSON_TYPE
        seed = bytes.fromhex(message["seed"])
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        return 400, error_json("expected {\"seed\": hex, \"time\": seconds}: " + describe(e)), JSON_TYPE
    state["done"] = True
    import random
    system = os.urandom
    reseeded = ["random"]
    random.seed(seed + system(32))  # mixed: the caller alone cannot choose the sequence
    try:
        import hashlib
        key = hashlib.sha256(seed + system(32)).digest()
        counter = [0]

        def urandom(n):
            stream = b""
            while len(stream) < n:
                counter[0] += 1
                stream += hashlib.sha256(key + counter[0].to_bytes(8, "big")).digest()
            mixed = int.from_bytes(system(n), "big") ^ int.from_bytes(stream[:n], "big")
            return mixed.to_bytes(n, "big")
        os.urandom = random._urandom = urandom
        reseeded.append("os.urandom")
    except ImportError:
        pass  # no hashlib in this build: os.urandom stays the system's
    clock_set, clock = False, "no clock_settime"
    if hasattr(time, "clock_settime") and isinstance(message.get("time"), (int, float)):
        try:
            time.clock_settime(time.CLOCK_REALTIME, message["time"])
            # Unikraft 0.13 accepts it and changes nothing: believe only the clock.
            clock_set = abs(time.time() - message["time"]) < 1.0
            clock = "set" if clock_set else "clock_settime had no effect"
        except (OSError, ValueError, OverflowError) as e:
            clock = "clock_settime: " + describe(e)
    print("ukfaas: restored from a saved state: re-seeded %s; wall clock %s" % (", ".join(reseeded), clock),
          flush=True)
    answer = {"reseeded": reseeded, "time": time.time(), "clock_set": clock_set, "clock": clock}
    return 200, json.dumps(answer).encode("utf-8"), JSON_TYPE


def same_secret(given, expected):
    """Compares in time that does not depend on where they differ (hmac.compare_digest, but the guest's
    stdlib may have no hmac)."""
    given, expected = given.encode("utf-8"), expected.encode("utf-8")
    difference = len(given) ^ len(expected)
    for a, b in zip(given, expected if len(given) == len(expected) else given):
        difference |= a ^ b
    return difference == 0


def log(method, path, status, start):
    print("ukfaas: %s %s -> %d in %.1f ms" % (method, path, status, (time.perf_counter() - start) * 1000),
          flush=True)


class App(object):
    def __init__(self, handler, wants_context, max_body,
                 header_timeout=HEADER_TIMEOUT, body_timeout=BODY_TIMEOUT, max_response=MAX_RESPONSE):
        self.handler = handler
        self.max_response = max_response
        self.wants_context = wants_context
        self.reload_mark = reload_mark()  # the marker as the function was imported (see maybe_reload)
        self.max_body = max_body
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.dispatcher = None  # None: the handler runs in the loop's thread (see Dispatcher)
        self.capture_output = True  # sys.stdout and sys.stderr go through Console while serving


def parse_field(line):
    """A header or trailer line (bytes, with or without its line end) as (lower-case name, value)."""
    name, colon, value = line.decode("latin-1").partition(":")
    if not colon or not TOKEN.fullmatch(name):  # also obsolete line folding
        raise HttpError(400, "malformed header line")
    return name.lower(), value.strip(" \t\r\n")


# What a connection is waiting for.
IDLE, HEAD, BODY, CHUNKED, LINGER, WAIT = "idle", "head", "body", "chunked", "linger", "wait"
# What it does once its output is written (None: read the next request).
CLOSE = "close"


class Connection(object):
    """One client connection on a non-blocking socket, driven by the loop in serve(). Nothing in
    here waits on the client: serve() takes what has arrived into the buffer and parses as far as
    that goes (request line and headers up to the empty line, then a Content-Length or chunked
    body), keeping its place between calls, and answers each request once it is complete. Each
    phase has a deadline (due(), expire()) that the loop enforces, so a slow client costs the
    others nothing but the moments its bytes are parsed. A response is one send(); what the
    socket does not take at once waits in `out` for flush(), and no more requests are read
    meanwhile."""

    def __init__(self, sock, app):
        self.sock, self.app = sock, app
        self.buf = bytearray()
        self.out = collections.deque()  # memoryviews of what waits to be written: sent without copies
        self.eof = False
        self.after_output = None  # None, CLOSE, or LINGER for an error response
        self.closed = False
        try:
            # Each response is one write, so Nagle's algorithm could only delay it.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        sock.setblocking(False)
        self.idle()

    def idle(self):
        self.state = IDLE
        self.method, self.start = "-", None
        self.idle_until = self.deadline = time.monotonic() + IDLE_TIMEOUT

    # The loop's interface: which events, until when, and what happens then.

    def events(self):
        if self.out:
            return selectors.EVENT_WRITE
        # 0 (unregistered) while its handler runs: after a half-close (EOF stays readable), or once
        # a head's worth of what follows is buffered (no more memory for a client that streams on).
        return 0 if self.state == WAIT and (self.eof or len(self.buf) >= MAX_HEAD) else selectors.EVENT_READ

    def due(self):
        return self.write_until if self.out else self.deadline

    def expire(self):
        """The deadline has passed; returns False when the connection is done."""
        if self.out or self.state in (IDLE, LINGER):
            return False  # a client that does not read its response, an idle one, or the linger's end
        if self.state == WAIT:
            return self.app.dispatcher.expire(self)
        if self.state == HEAD:
            message = "the request's headers did not arrive within %g s" % self.app.header_timeout
        else:
            message = "the request's body did not arrive within %g s" % self.app.body_timeout
        try:
            self.fail(HttpError(408, message))
            return self.settle()
        except OSError:
            return False

    def handle(self, events):
        """Serves what the ready events allow; returns False when the connection is done."""
        if events & selectors.EVENT_WRITE and self.out:
            return self.flush()
        if events & selectors.EVENT_READ:
            return self.serve()
        return True

    def serve(self):
        """Reads what has arrived and answers the requests that are complete; returns False when
        the connection is done."""
        try:
            try:
                data = self.sock.recv(RECV_SIZE)
            except BlockingIOError:
                return True  # a wakeup with nothing to read
            if self.state == LINGER:
                return bool(data)  # discarded
            if data:
                self.buf += data
            else:
                self.eof = True
            self.advance()
            return self.settle()
        except OSError:
            return False  # reset, or gone: nobody is left to answer
        except Exception:
            traceback.print_exc()  # a bug of ours: drop this connection, keep serving the others
            return False

    def flush(self):
        """Writes what is waiting; returns False when the connection is done."""
        try:
            try:
                sent = self.sock.send(self.out[0])
            except BlockingIOError:
                return True
            if sent == len(self.out[0]):
                self.out.popleft()
            else:
                self.out[0] = self.out[0][sent:]  # a view: no copy of the rest
            now = time.monotonic()
            self.write_until = now + WRITE_TIMEOUT  # no progress for this long: dropped
            if not self.out and self.after_output is None:
                if self.state == IDLE:  # idle from now, not from when the response was made
                    self.idle_until = self.deadline = now + IDLE_TIMEOUT
                self.advance()  # the requests that arrived meanwhile
            return self.settle()
        except OSError:
            return False
        except Exception:
            traceback.print_exc()
            return False

    def settle(self):
        """Once the output is written: closes or starts to linger when a response said so;
        returns False when the connection is done."""
        if self.out or self.after_output is None:
            return True
        if self.after_output == CLOSE:
            return False
        # An error response: read what the client still sends before we close, so that the close
        # does not reset the connection (and discard the response) before the client has read it.
        self.after_output = None
        self.state = LINGER
        self.deadline = time.monotonic() + LINGER_SECONDS
        self.sock.shutdown(socket.SHUT_WR)
        return True

    def close(self):
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        self.sock.close()

    # Parsing, as far as the buffer goes.

    def advance(self):
        try:
            while not self.out and self.after_output is None and self.state not in (LINGER, WAIT) and self.step():
                pass
        except HttpError as e:
            self.fail(e)

    def step(self):
        """Takes the next step of the request in the buffer; returns False when it needs more bytes."""
        buf = self.buf
        if self.state in (IDLE, HEAD):
            # RFC 9112 2.2: empty lines before a request line are ignored (and are no activity).
            skipped = False
            while buf[:1] in (b"\r", b"\n", b" ", b"\t"):
                end = buf.find(b"\n")
                if end < 0 or buf[:end].strip():
                    break
                del buf[:end + 1]
                skipped = True
            if not buf:
                if self.eof:
                    self.after_output = CLOSE
                elif self.state == HEAD:
                    self.state, self.deadline = IDLE, self.idle_until
                return False
            if self.state == IDLE:
                self.state, self.scanned = HEAD, 0
                self.start = time.perf_counter()
                self.deadline = time.monotonic() + self.app.header_timeout
            elif skipped:
                self.scanned = 0
            end = HEAD_END.search(buf, max(0, self.scanned - 2))
            if end is None or end.end() > MAX_HEAD:
                if len(buf) > MAX_HEAD:
                    raise HttpError(400, "request head over %d bytes" % MAX_HEAD)
                if self.eof:
                    raise HttpError(400, "the request ended within its headers")
                self.scanned = len(buf)
                return False
            head = bytes(buf[:end.start()])
            del buf[:end.end()]
            return self.parse_head(head.split(b"\n"))
        if self.state == BODY:
            if len(buf) < self.length:
                if self.eof:
                    raise HttpError(400, "request body ended after %d of %d bytes" % (len(buf), self.length))
                return False
            body = bytes(buf[:self.length])
            del buf[:self.length]
            return self.dispatch(body)
        body = self.read_chunks()
        if body is None:
            if self.eof:
                raise HttpError(400, "broken chunked encoding")
            return False
        return self.dispatch(body)

    def parse_head(self, lines):
        match = REQUEST_LINE.fullmatch(lines[0].rstrip(b"\r"))
        if not match:
            raise HttpError(400, "malformed request line")
        self.method = match.group(1).decode("ascii")
        self.target = match.group(2).decode("utf-8", "replace")
        self.http10 = match.group(3) == b"0"
        if len(lines) > MAX_HEADERS + 1:
            raise HttpError(400, "more than %d header lines" % MAX_HEADERS)
        headers = {}
        for line in lines[1:]:
            name, value = parse_field(line)
            headers[name] = headers[name] + ", " + value if name in headers else value
        self.headers = headers
        tokens = [t.strip() for t in headers.get("connection", "").lower().split(",")]
        self.keep_alive = "keep-alive" in tokens if self.http10 else "close" not in tokens
        max_body = self.app.max_body
        length = headers.get("content-length")
        coding = headers.get("transfer-encoding")
        if coding is not None:
            if length is not None:
                raise HttpError(400, "both Content-Length and Transfer-Encoding")  # request smuggling
            if coding.lower() != "chunked":
                raise HttpError(501, "unsupported Transfer-Encoding: " + coding)
            self.state, self.chunks, self.total, self.chunk_size, self.trailers = CHUNKED, [], 0, None, None
        elif length is None:
            return self.dispatch(b"")
        else:
            if not CONTENT_LENGTH.fullmatch(length):
                raise HttpError(400, "bad Content-Length: " + length)
            self.length = int(length)
            if self.length > max_body:
                raise HttpError(413, "request body of %d bytes is over the limit of %d bytes (unikernel.maxEventBytes)"
                                % (self.length, max_body))
            if not self.length:
                return self.dispatch(b"")
            self.state = BODY
        self.deadline = time.monotonic() + self.app.body_timeout
        # curl and others wait up to 1 s for this before they send a body.
        if not self.http10 and headers.get("expect", "").lower() == "100-continue":
            self.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def read_chunks(self):
        """Parses the chunked body as far as it has arrived; returns the body once complete, else None."""
        buf = self.buf
        while True:
            size = self.chunk_size
            if size is not None:  # a chunk's data and its line end
                if len(buf) < size + 1:
                    return None
                skip = 1 if buf[size] == 10 else 2 if buf[size] == 13 else 0
                if len(buf) < size + skip:
                    return None
                if not skip or buf[size + skip - 1] != 10:
                    raise HttpError(400, "broken chunked encoding")
                self.chunks.append(bytes(buf[:size]))
                del buf[:size + skip]
                self.chunk_size = None
                continue
            end = buf.find(b"\n")
            if end < 0:
                if len(buf) > MAX_HEAD:
                    raise HttpError(400, "broken chunked encoding")
                return None
            line = bytes(buf[:end + 1])
            del buf[:end + 1]
            if self.trailers is not None:  # after the last chunk: trailer fields, ignored
                if line in (b"\r\n", b"\n"):
                    return b"".join(self.chunks)
                parse_field(line)
                self.trailers += len(line)
                if self.trailers > MAX_HEAD:
                    raise HttpError(400, "trailer fields over %d bytes" % MAX_HEAD)
                continue
            size = CHUNK_SIZE.fullmatch(line.split(b";", 1)[0].strip())  # chunk extensions are ignored
            if len(line) > MAX_HEAD or not size:
                raise HttpError(400, "broken chunked encoding")
            size = int(size.group(), 16)
            if not size:
                self.trailers = 0
                continue
            self.total += size
            if self.total > self.app.max_body:
                raise HttpError(413, "request body is over the limit of %d bytes (unikernel.maxEventBytes)"
                                % self.app.max_body)
            self.chunk_size = size

    # Answers.

    def dispatch(self, body):
        """Answers the complete request; returns True (the next one may follow in the buffer)."""
        method, start, keep_alive = self.method, self.start, self.keep_alive
        path, _, query = self.target.partition("?")
        if "://" in path and not path.startswith("/"):  # absolute-form target
            path = urllib_parse.urlsplit(path).path or "/"
        dispatcher = self.app.dispatcher
        if method == "GET" and path in HEALTH_PATHS:
            status, payload = dispatcher.health() if dispatcher else (200, b'{"status":"ok"}')
            if "clock" in query.split("&"):
                payload = with_clock(payload)
            self.respond(status, payload, JSON_TYPE, keep_alive)
        elif method == "POST" and path == RESTORED_PATH:
            status, payload, content_type = restored(body)
            self.respond(status, payload, content_type, keep_alive)
        else:
            context = {
                "method": method,
                "path": path,
                "query": dict(urllib_parse.parse_qsl(query, keep_blank_values=True)) if query else {},
                "headers": self.headers,
            }
            if dispatcher is None or (dispatcher.busy is None and not dispatcher.waiting):
                maybe_reload(self.app)  # no handler runs: the new code serves this request
            refusal = dispatcher.refusal() if dispatcher else None
            if dispatcher and not refusal:
                self.state, self.deadline, self.path = WAIT, float("inf"), path
                dispatcher.submit(self, body, context)
                return False  # answered by finish()
            status, payload, content_type = refusal or invoke(
                self.app.handler, self.app.wants_context, body, context, self.app.max_response)
            self.respond(status, payload, content_type, keep_alive)
            log(method, path, status, start)
        self.idle()
        if not keep_alive:
            self.after_output = CLOSE
        return True

    def finish(self, status, payload, content_type):
        """Answers the request that waited for the handler (Dispatcher); returns False when the
        connection is done."""
        try:
            self.respond(status, payload, content_type, self.keep_alive)
            log(self.method, self.path, status, self.start)
            self.idle()
            if not self.keep_alive:
                self.after_output = CLOSE
            self.advance()  # the requests pipelined behind it
            return self.settle()
        except OSError:
            return False

    def fail(self, error):
        """Answers a request we cannot serve with an error, then lingers and closes."""
        self.respond(error.status, error_json(str(error)), JSON_TYPE, False)
        log(self.method, "-", error.status, self.start)
        self.state = IDLE  # no more parsing
        self.after_output = LINGER

    def respond(self, status, body, content_type, keep_alive):
        head = "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: %s\r\n\r\n" % (
            status, PHRASES.get(status) or http.HTTPStatus(status).phrase, content_type, len(body),
            "keep-alive" if keep_alive else "close")
        if self.method == "HEAD":
            body = b""
        if len(body) <= RECV_SIZE:
            # One write: headers and body written apart make a keep-alive client wait for a delayed ACK.
            self.write(head.encode("latin-1") + body)
        else:  # a large body fills whole segments anyway: not copied behind its head
            self.write(head.encode("latin-1"))
            self.write(body)

    def write(self, data):
        data = memoryview(data)
        if not self.out:
            try:
                sent = self.sock.send(data)
            except BlockingIOError:
                sent = 0
            if sent == len(data):
                return
            data = data[sent:]  # a view: no copy of the rest
            self.write_until = time.monotonic() + WRITE_TIMEOUT
        self.out.append(data)


# The handler's thread. The loop above must not wait on the handler, or /health and every other
# client would wait with it (and a handler that never returns would wedge the server for good): a
# worker thread runs the handler, one request at a time in arrival order, and posts its answer
# back to the loop. A Python thread cannot be stopped, so a handler still running at its time limit
# is answered 504 and left to run on; a new worker serves the requests after it. Once
# STUCK_LIMIT handlers are stuck, there is no new worker: requests and /health get 503, so that
# a supervisor restarts the VM. A stuck handler that returns after all frees its place.
# On Unikraft 0.13 (cooperative scheduler) a thread runs until it blocks: a handler that waits
# (sleep, socket, file) leaves the loop free, one that computes without blocking holds the CPU
# until it returns, time limit and /health included.

HANDLER_TIMEOUT = 25.0  # a handler still running after this is answered 504 (--handler-timeout, 0: none)
STUCK_LIMIT = 2         # handlers left running past their limit before the server reports itself unhealthy
POLL_SECONDS = 0.01     # how often the loop looks for the handler's answer when it has no wakeup socket


def loopback_pair():
    with socket.socket() as listener:
        listener.settimeout(2.0)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        a = socket.create_connection(listener.getsockname(), timeout=2.0)
        try:
            b = listener.accept()[0]
        except BaseException:
            a.close()
            raise
    for sock in (a, b):
        # Each wakeup is one byte: Nagle's algorithm would hold the next one until the delayed ACK
        # of the last (measured: about 200 ms a request on Unikraft's lwip).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)  # blocking, as socketpair() gives them
    return a, b


def wake_pair():
    """A connected socket pair by which a worker wakes the loop, or (None, None): then the loop polls."""
    for make in (socket.socketpair, loopback_pair):
        try:
            pair = make()
        except (OSError, AttributeError):
            continue  # no AF_UNIX (lwip), or no loopback
        for sock in pair:
            sock.setblocking(False)
        return pair
    print("ukfaas: no socket pair to wake the loop: it looks for the handler's answer every %g s" % POLL_SECONDS,
          file=sys.stderr, flush=True)
    return None, None


class Mailbox(object):
    """queue.Queue's put and get on _thread's locks (queue imports threading)."""

    def __init__(self):
        self.items = collections.deque()
        self.mutex = _thread.allocate_lock()
        self.signal = _thread.allocate_lock()  # held while the box may be empty
        self.signal.acquire()

    def put(self, item):
        with self.mutex:
            self.items.append(item)
            if self.signal.locked():
                self.signal.release()

    def get(self):
        while True:
            with self.mutex:
                if self.items:
                    return self.items.popleft()
            self.signal.acquire()  # returns once a put has come after the check (or before, spuriously)


class Worker(object):
    """A thread that runs the handler for the jobs it is given, one at a time, until it gets None. The
    thread does not keep the interpreter alive (as a daemon thread)."""

    def __init__(self, dispatcher):
        self.dispatcher = dispatcher
        self.jobs = Mailbox()
        self.started = 0.0
        _thread.start_new_thread(self.run, ())

    def run(self):
        app = self.dispatcher.app
        while True:
            job = self.jobs.get()
            if job is None:
                return
            conn, body, context = job
            self.dispatcher.post(self, conn, invoke(app.handler, app.wants_context, body, context, app.max_response))


class Dispatcher(object):
    """The loop's side of the worker: which request runs, which wait, and what is stuck. Every method
    but post() runs in the loop's thread."""

    def __init__(self, app, timeout, stuck_limit=STUCK_LIMIT):
        self.app, self.timeout, self.stuck_limit = app, timeout, stuck_limit
        self.waiting = collections.deque()  # (connection, body, context), in arrival order
        self.busy = None  # the connection whose request the worker runs
        self.stuck = {}   # abandoned worker -> "METHOD /path" of the handler it still runs
        self.done = collections.deque()  # (worker, connection, answer), appended by workers
        self.settled = []  # (connection, alive) answered outside their own events, for the loop
        self.wake_r, self.wake_w = wake_pair()
        self.worker = Worker(self)  # RuntimeError when the platform cannot start a thread

    def post(self, worker, conn, answer):
        """In the worker's thread: hands an answer to the loop."""
        self.done.append((worker, conn, answer))
        self.wake()

    def wake(self):
        """In another thread: wakes the loop."""
        if self.wake_w is not None:
            try:
                self.wake_w.send(b"x")
            except OSError:
                pass  # full: the loop is woken already

    def polls(self):
        return self.wake_r is None and self.busy is not None

    def health(self):
        if self.worker is None:
            return 503, json.dumps({"status": "unhealthy", "stuck": len(self.stuck), "error": self.stuck_message()}
                                   ).encode("utf-8")
        if self.stuck:
            return 200, json.dumps({"status": "degraded", "stuck": len(self.stuck)}).encode("utf-8")
        return 200, b'{"status":"ok"}'

    def stuck_message(self):
        return "%d handlers are still running past their time limit of %g s: %s" % (
            len(self.stuck), self.timeout, ", ".join(sorted(self.stuck.values())))

    def refusal(self):
        """An answer for a request that no worker can take, else None."""
        if self.worker is None:
            return 503, error_json(self.stuck_message(), "HandlerStuck"), JSON_TYPE
        return None

    def submit(self, conn, body, context):
        self.waiting.append((conn, body, context))
        self.next()

    def next(self):
        while self.busy is None and self.waiting and self.worker is not None:
            job = self.waiting.popleft()
            if job[0].closed:
                continue
            self.busy, self.worker.started = job[0], time.monotonic()
            if self.timeout:
                job[0].deadline = self.worker.started + self.timeout
            self.worker.jobs.put(job)

    def collect(self):
        """Answers what the workers have posted; returns the (connection, alive) pairs to settle."""
        if self.wake_r is not None:
            try:
                while self.wake_r.recv(4096):
                    pass
            except OSError:  # BlockingIOError: drained
                pass
        while self.done:
            worker, conn, answer = self.done.popleft()
            if worker in self.stuck:
                print("ukfaas: the handler for %s returned after %.1f s, past its limit; its answer was dropped"
                      % (self.stuck.pop(worker), time.monotonic() - worker.started), file=sys.stderr, flush=True)
                worker.jobs.put(None)
                if self.worker is None:
                    self.worker = self.start_worker()
                continue
            self.busy = None
            if not conn.closed:
                self.settled.append((conn, conn.finish(*answer)))
        self.next()
        settled, self.settled = self.settled, []
        return settled

    def expire(self, conn):
        """The handler's time limit has passed (conn is busy); returns False when conn is done."""
        if conn is not self.busy:
            return True
        self.busy = None
        self.stuck[self.worker] = "%s %s" % (conn.method, conn.path)
        message = "the handler did not return within %g s" % self.timeout
        print("ukfaas: %s %s: %s; it runs on in its thread (%d stuck of at most %d)"
              % (conn.method, conn.path, message, len(self.stuck), self.stuck_limit), file=sys.stderr, flush=True)
        self.worker = self.start_worker() if len(self.stuck) < self.stuck_limit else None
        if self.worker is None:
            print("ukfaas: " + self.stuck_message() + ": requests and /health get 503 until one returns",
                  file=sys.stderr, flush=True)
            while self.waiting:
                waiter = self.waiting.popleft()[0]
                if not waiter.closed:
                    self.settled.append((waiter, waiter.finish(*self.refusal())))
        alive = conn.finish(504, error_json(message, "HandlerTimeout"), JSON_TYPE)
        self.next()
        return alive

    def start_worker(self):
        try:
            return Worker(self)
        except RuntimeError as e:
            print("ukfaas: cannot start a handler thread: %s" % e, file=sys.stderr, flush=True)
            return None


# The console. On a VM it is a serial port: 10 MB printed by a handler took 25 s under TCG, and on
# Unikraft's cooperative scheduler the writing thread holds the CPU meanwhile, so every client and the
# handler's own time limit waited for it. While serve() runs, sys.stdout and sys.stderr are Console
# objects: a write only appends to a buffer, which the loop writes out a piece at a time between its
# other work. A handler's output past OUTPUT_LIMIT characters waiting is dropped, and a marker line says
# how much; the wrapper's own lines (written in the loop's thread) are never dropped.

OUTPUT_LIMIT = 1048576  # characters of a handler's output waiting for the console before more is dropped
OUTPUT_PIECE = 16384    # characters the loop writes to the console at a time


class Console(io.TextIOBase):
    def __init__(self, stream, owner, wake=None):
        self.stream, self.owner = stream, owner  # owner: the loop's thread, whose writes are never dropped
        self.wake = wake  # wakes the loop from another thread, so that the output is not held
        self.pending = collections.deque()
        self.size = 0
        self.dropped = 0  # bytes dropped since the last marker
        self.lock = _thread.allocate_lock()

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not %s" % type(text).__name__)
        with self.lock:
            room = len(text) if _thread.get_ident() == self.owner else max(OUTPUT_LIMIT - self.size, 0)
            if room < len(text):
                self.dropped += len(text[room:].encode("utf-8", "replace"))
                text = text[:room]
            if not text:
                return 0
            idle = not self.pending
            self.pending.append(text)
            self.size += len(text)
        if idle and self.wake is not None and _thread.get_ident() != self.owner:
            self.wake()
        return len(text)

    def flush(self):
        pass  # the loop writes the buffer out (drain); a handler's flush must not wait for the console

    def writable(self):
        return True

    @property
    def encoding(self):
        return getattr(self.stream, "encoding", "utf-8")

    def fileno(self):
        return self.stream.fileno()

    def isatty(self):
        return False

    def waiting(self):
        return bool(self.pending or self.dropped)

    def drain(self, budget=OUTPUT_PIECE):
        """In the loop's thread: writes up to budget characters to the real stream."""
        with self.lock:
            pieces = []
            while self.pending and budget > 0:
                text = self.pending.popleft()
                if len(text) > budget:
                    self.pending.appendleft(text[budget:])
                    text = text[:budget]
                budget -= len(text)
                self.size -= len(text)
                pieces.append(text)
            if not self.pending and self.dropped:
                pieces.append("\n[ukfaas: %d bytes of output dropped]\n" % self.dropped)
                self.dropped = 0
        if pieces:
            try:
                self.stream.write("".join(pieces))
                self.stream.flush()
            except (OSError, ValueError):
                pass  # a console that is gone: nothing to tell it

    def close_buffer(self):
        while self.waiting():
            self.drain(1 << 30)


def capture_console(wake=None):
    """Puts Console objects in place of sys.stdout and sys.stderr; returns them."""
    consoles = []
    owner = _thread.get_ident()
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or isinstance(stream, Console):
            continue
        console = Console(stream, owner, wake)
        setattr(sys, name, console)
        consoles.append((name, console))
    return consoles


def release_console(consoles):
    for name, console in consoles:
        setattr(sys, name, console.stream)
        console.close_buffer()


def listen(host, port):
    # A plain bind, as socketserver.TCPServer does: http.server's server_bind also calls
    # socket.getfqdn(), which waits on DNS that never answers in the guest.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(64)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def serve(listener, app):
    """One thread waits on the listener and on every open connection at once (the handler runs in
    another: Dispatcher). Connections never block: each reads, parses and writes only what is
    ready, and the loop enforces their deadlines, so neither an idle client nor a slow one holds
    up the others."""
    selector = selectors.PollSelector() if hasattr(selectors, "PollSelector") else selectors.SelectSelector()
    selector.register(listener, selectors.EVENT_READ)
    dispatcher = app.dispatcher
    if dispatcher and dispatcher.wake_r is not None:
        selector.register(dispatcher.wake_r, selectors.EVENT_READ)  # no data: skipped below
    registered = {}  # connection -> the events it is registered for (0: unregistered)

    def settle(conn, alive):
        if not alive:
            if registered[conn]:
                selector.unregister(conn.sock)
            del registered[conn]
            conn.close()
            return
        events = conn.events()
        if registered[conn] != events:
            if not events:
                selector.unregister(conn.sock)
            elif not registered[conn]:
                selector.register(conn.sock, events, conn)
            else:
                selector.modify(conn.sock, events, conn)
            registered[conn] = events

    consoles = [c for _, c in capture_console(dispatcher and dispatcher.wake)] if app.capture_output else []
    try:
        loop(listener, app, selector, registered, settle, dispatcher, consoles)
    finally:
        release_console([(name, c) for name, c in (("stdout", sys.stdout), ("stderr", sys.stderr))
                         if isinstance(c, Console)])


def loop(listener, app, selector, registered, settle, dispatcher, consoles):
    timeout = 1.0
    while True:
        for console in consoles:
            console.drain()
        if any(console.waiting() for console in consoles):
            timeout = 0.0  # more to write: look at the sockets, then write on
        for key, events in selector.select(timeout):
            if key.fileobj is not listener:
                if key.data in registered:
                    settle(key.data, key.data.handle(events))
                continue
            for _ in range(64):
                try:
                    sock = listener.accept()[0]
                except OSError:  # BlockingIOError when none is left
                    break
                try:
                    conn = Connection(sock, app)
                except OSError:
                    sock.close()
                    continue
                selector.register(sock, selectors.EVENT_READ, conn)
                registered[conn] = selectors.EVENT_READ
        if dispatcher:
            for conn, alive in dispatcher.collect():
                if conn in registered:
                    settle(conn, alive)
        now, timeout = time.monotonic(), POLL_SECONDS if dispatcher and dispatcher.polls() else 1.0
        for conn in list(registered):
            if conn.due() <= now:
                settle(conn, conn.expire())
                if conn not in registered:
                    continue
            timeout = min(timeout, max(conn.due() - now, 0.0))


def takes_context(handler):
    """True when handler takes (event, context), or *args; False when it takes (event)."""
    fast = plain_function_takes_context(handler)
    if fast is not None:
        return fast
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


def plain_function_takes_context(handler):
    """takes_context for a plain function, from its code object without inspect; None for anything else
    (a callable object, a decorated function with __wrapped__, a builtin) or a signature that fits neither."""
    code = getattr(handler, "__code__", None)
    if (type(handler) is not type(plain_function_takes_context) or code is None
            or hasattr(handler, "__wrapped__") or hasattr(handler, "__signature__")):
        return None
    positional = code.co_argcount
    required = positional - len(handler.__defaults__ or ())
    kw_only = code.co_varnames[positional:positional + code.co_kwonlyargcount]
    if any(name not in (handler.__kwdefaults__ or {}) for name in kw_only):
        return None  # inspect names the signature in the error
    varargs = bool(code.co_flags & 0x04)  # CO_VARARGS
    for count in (2, 1):
        if required <= count and (positional >= count or varargs):
            return count == 2
    return None


ENV_FILE = "ukfaas-env.json"  # written by the plugin at run time only (RuntimeEnv.FILE)
SITE_PACKAGES = "site-packages"  # beside the app dir


def apply_env_file(app_dir):
    """Sets os.environ from the run-time environment and secrets the plugin put beside us, if any.

    Unikraft 0.13 takes no environment, so they come as a JSON object of strings, applied before the
    function's import (module-level code sees them too). Returns how many were set; never prints values.
    """
    path = os.path.join(app_dir, ENV_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            values = json.load(f)
    except FileNotFoundError:
        return 0
    except (OSError, ValueError) as e:
        raise StartupError("cannot read the run-time environment %s: %s" % (path, type(e).__name__))
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        raise StartupError("the run-time environment %s is not an object of strings" % path)
    os.environ.update(values)
    return len(values)


def on_unikraft():
    try:
        return os.uname().sysname == "Unikraft"  # lib/posix-sysinfo's name
    except (AttributeError, OSError):
        return False


def guard_kernel(unikraft=None):
    """Unikraft 0.13.1's symlink(2) takes its directory's vnode lock twice (sys_symlink locks it, then
    namei_last_nofollow locks it again): the kernel stops on "Assertion failure: m->owner != cur", the
    VM with it. There os.symlink fails with ENOTSUP instead, as on a file system without links."""
    if not (on_unikraft() if unikraft is None else unikraft):
        return False

    def symlink(src, dst, target_is_directory=False, dir_fd=None):
        raise OSError(errno.ENOTSUP, "symbolic links are not supported on Unikraft 0.13 (its vfscore would"
                                     " stop the VM)", dst)
    os.symlink = symlink
    return True


def load_handler():
    """Puts the app directory and site-packages in front of sys.path and returns function.handler."""
    app_dir = os.path.dirname(os.path.abspath(__file__))
    guard_kernel()
    apply_env_file(app_dir)
    site_dir = os.path.join(os.path.dirname(app_dir), SITE_PACKAGES)
    if os.path.isdir(site_dir):
        sys.path.insert(0, site_dir)  # ourselves: the guest starts without `site` (-S)
        if any(name.endswith(".pth") for name in os.listdir(site_dir)):
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


RELOAD_FILE = "ukfaas-reload"  # touched by `unikernel:run` after it copied new sources into the app dir


def reload_mark():
    """The reload marker's (mtime, size, contents), or None without one: one stat per request."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), RELOAD_FILE)
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def maybe_reload(app):
    """Re-imports function.py when the marker changed since the last import; returns True when it did.
    On failure the traceback is printed and the old handler keeps serving."""
    mark = reload_mark()
    if mark == app.reload_mark:
        return False
    app.reload_mark = mark
    try:
        handler = reimport_handler()
        wants_context = takes_context(handler)
    except Exception:
        traceback.print_exc()
        print("ukfaas: reload failed: the previous function.py keeps serving", file=sys.stderr, flush=True)
        return False
    app.handler, app.wants_context = handler, wants_context
    print("ukfaas: reloaded function.py", flush=True)
    return True


def reimport_handler():
    """Drops the user's modules (those under the app dir, never ours) and imports function again; on an
    error puts the old modules back and raises."""
    import importlib  # reloads only: off the start path
    app_dir = os.path.dirname(os.path.abspath(__file__))
    ours = os.path.abspath(__file__)
    saved = {}
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if (not path or name == "__main__" or module is sys.modules.get(__name__)
                or os.path.abspath(path) == ours or not os.path.abspath(path).startswith(app_dir + os.sep)):
            continue
        saved[name] = sys.modules.pop(name)
    importlib.invalidate_caches()
    try:
        import function
        handler = getattr(function, "handler", None)
        if not callable(handler):
            raise StartupError("function.py defines no callable `handler`: add `def handler(event):`")
        return handler
    except BaseException:
        for name in [n for n in sys.modules if n in saved or n == "function"]:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
        raise


SETTINGS_FILE = "ukfaas-settings.json"  # written by the build (unikernel.handlerTimeout), in the image


def settings():
    """app/ukfaas-settings.json, written by the plugin (unikernel.handlerTimeout): defaults for the options."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), SETTINGS_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {}
    except ValueError as e:
        print("ukfaas: ignoring %s: %s" % (path, e), file=sys.stderr, flush=True)
        return {}


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


def limit(text):
    value = float(text)
    if not 0 <= value < 1e6:
        raise argparse.ArgumentTypeError("not a number of seconds (0: no limit): %s" % text)
    return value


def seconds(text):
    value = float(text)
    if not 0 < value < 1e6:
        raise argparse.ArgumentTypeError("not a number of seconds above 0: %s" % text)
    return value


class Args(object):
    def __init__(self, **values):
        self.__dict__.update(values)


# The options and their types; the defaults are main()'s.
OPTIONS = {"--port": ("port", port_number), "--host": ("host", str), "--max-body": ("max_body", byte_count),
           "--header-timeout": ("header_timeout", seconds), "--body-timeout": ("body_timeout", seconds),
           "--handler-timeout": ("handler_timeout", limit), "--max-response": ("max_response", byte_count)}


def parse_args(argv):
    """The usual command line (`--name value` or `--name=value` of OPTIONS) without argparse, a heavy import
    on the path to listening; anything else (--help, an abbreviation, a bad value) goes to argparse, for its
    messages."""
    defaults = settings()
    values = {"port": os.environ.get("UKFAAS_PORT", "8123"), "host": "0.0.0.0",
              "max_body": defaults.get("maxEventBytes", MAX_BODY),
              "header_timeout": HEADER_TIMEOUT, "body_timeout": BODY_TIMEOUT,
              "handler_timeout": defaults.get("handlerTimeout", HANDLER_TIMEOUT),
              "max_response": defaults.get("maxResponseBytes", MAX_RESPONSE)}
    i = 0
    try:
        while i < len(argv):
            name, eq, value = argv[i].partition("=")
            if name not in OPTIONS or not (eq or i + 1 < len(argv)):
                return argparse_args(argv)
            if not eq:
                value = argv[i + 1]
            if value.startswith("-"):
                return argparse_args(argv)
            i += 1 if eq else 2
            dest, convert = OPTIONS[name]
            values[dest] = convert(value)
        values["port"] = port_number(values["port"]) if isinstance(values["port"], str) else values["port"]
    except Exception:
        return argparse_args(argv)
    return Args(**values)


def argparse_args(argv):
    defaults = settings()
    parser = argparse.ArgumentParser(prog="app.wrapper", description="Serves function.handler over HTTP.")
    parser.add_argument("--port", type=port_number, default=os.environ.get("UKFAAS_PORT", "8123"))
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--max-body", type=byte_count, default=defaults.get("maxEventBytes", MAX_BODY),
                        help="bytes a request body may have (else 413)")
    parser.add_argument("--max-response", type=byte_count, default=defaults.get("maxResponseBytes", MAX_RESPONSE),
                        help="bytes a handler's answer may have (else 500)")
    parser.add_argument("--header-timeout", type=seconds, default=HEADER_TIMEOUT,
                        help="seconds from a request's first byte to the end of its headers (else 408)")
    parser.add_argument("--body-timeout", type=seconds, default=BODY_TIMEOUT,
                        help="seconds from the end of a request's headers to the end of its body (else 408)")
    parser.add_argument("--handler-timeout", type=limit, default=defaults.get("handlerTimeout", HANDLER_TIMEOUT),
                        help="seconds a handler may run before its request is answered 504 (0: no limit)")
    return parser.parse_args(argv)


def stopping(status):
    """The wrapper's last line: the host ends its wait for /health at once (vm/FatalLines.java)."""
    print("ukfaas: stopping (exit status %d)" % status, file=sys.stderr, flush=True)
    return status


def announce_exit(module=os):
    """Makes os._exit() say so on the console first: called by a handler on Unikraft 0.13 it leaves the VM
    hanging without a word (seen by hand); the host reads this line and stops the VM."""
    real = module._exit
    if getattr(real, "ukfaas_announced", False):
        return

    def _exit(status):
        try:
            # What is buffered, then the line, straight to the real stream: the process ends before the server
            # loop would write the console buffer out.
            for stream in (sys.stdout, sys.stderr):
                if isinstance(stream, Console):
                    stream.drain(budget=OUTPUT_LIMIT)
            err = sys.stderr.stream if isinstance(sys.stderr, Console) else sys.stderr
            print("ukfaas: stopping: os._exit(%r) was called" % (status,), file=err, flush=True)
        except Exception:
            pass  # exit all the same
        real(status)
    _exit.ukfaas_announced = True
    module._exit = _exit


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)  # the handler's prints reach the console at once
        except AttributeError:
            pass
    imported = time.monotonic()
    announce_exit()
    install_socketpair_fallback()  # before the function's import: its module code may start a loop too
    try:
        handler = load_handler()
        app = App(handler, takes_context(handler), args.max_body, args.header_timeout, args.body_timeout,
                  args.max_response)
        try:
            app.dispatcher = Dispatcher(app, args.handler_timeout)
        except RuntimeError as e:  # no threads: today's single thread
            print("ukfaas: no handler thread (%s): the handler runs in the server's thread, /health waits"
                  " for it and --handler-timeout does not apply" % e, file=sys.stderr, flush=True)
        listener = listen(args.host, args.port)
    except StartupError as e:
        print("ukfaas: " + str(e), file=sys.stderr, flush=True)
        return stopping(1)
    except (OSError, OverflowError) as e:
        print("ukfaas: cannot listen on %s:%d: %s" % (args.host, args.port, e), file=sys.stderr, flush=True)
        return stopping(1)
    print("ukfaas: listening on %s:%d" % (args.host, listener.getsockname()[1]), flush=True)
    print("ukfaas: started: wrapper at %.3f s (guest clock), its imports %.3f s, function and listen %.3f s"
          % (STARTED, imported - STARTED, time.monotonic() - imported), flush=True)
    try:
        serve(listener, app)
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
