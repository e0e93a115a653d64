"""Your function. The unikernel calls `handler` once per HTTP request.

`event` is the JSON-decoded request body (the raw text when it is not JSON, None when empty).
Return a dict, list, number or None to answer with JSON, or a str to answer with text.
Declare `def handler(event, context)` to also get the method, path, query and headers.
Anything printed goes to the VM console (target/unikernel/console.log during `./mvnw verify`).
"""


def handler(event):
    """Greets the caller: {"name": "Ada"} -> {"greeting": "Hello, Ada!", "length": 3}."""
    if not isinstance(event, dict):
        event = {}
    name = str(event.get("name") or "").strip() or "world"
    return {"greeting": "Hello, %s!" % name, "length": len(name)}
