import time

print("never-ready: simulating an import that never finishes", flush=True)
time.sleep(3600)


def handler(event):
    return event
