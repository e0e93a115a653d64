import os


def handler(event):
    # Under urunc the root is the image's initrd, in RAM: /tmp is writable.
    path = os.path.join("/tmp", "urunc-probe.txt")
    with open(path, "w") as f:
        f.write(event["word"])
    with open(path) as f:
        return {"echo": f.read(), "double": event["n"] * 2}
