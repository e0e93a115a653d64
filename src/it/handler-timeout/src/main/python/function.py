import http.client
import json

GUEST_PORT = 8123  # unikernel.guestPort's default: the wrapper this handler runs in


def handler(event):
    if event.get("loop"):
        while True:
            pass
    # Asks the wrapper for /health from inside a running handler: it answers meanwhile.
    c = http.client.HTTPConnection("127.0.0.1", GUEST_PORT, timeout=5)
    try:
        c.request("GET", "/health")
        r = c.getresponse()
        return {"status": r.status, "health": json.loads(r.read().decode("utf-8"))}
    finally:
        c.close()
