import os
import tempfile


def handler(event):
    # fs0 is a read-only share; /tmp is still writable (the guest mounts a RAM file system there).
    with tempfile.NamedTemporaryFile("w", delete=False) as f:
        f.write(event["word"])
    with open(f.name) as g:
        word = g.read()
    os.unlink(f.name)
    here = os.path.dirname(__file__)
    try:
        open(os.path.join(here, "written-by-the-guest"), "w").close()
        share = "writable"
    except OSError:
        share = "read-only"
    return {"echo": word, "share": share}
