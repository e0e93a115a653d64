import os


def handler(event):
    # The initrd root is a RAM file system: the function may write to /tmp and read it back.
    path = os.path.join("/tmp", "initrd-root-probe.txt")
    with open(path, "w") as f:
        f.write(event["word"])
    with open(path) as f:
        return {"echo": f.read(), "wrapper_here": os.path.isfile(os.path.join(os.path.dirname(__file__), "wrapper.py"))}
