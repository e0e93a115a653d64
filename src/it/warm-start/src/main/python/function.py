import json
import os

# Module state: imported once before the save, so a restored guest starts from it again.
CALLS = []


def handler(event):
    word = str(event.get("word", ""))  # any event: bench/warm-start.py posts its own
    CALLS.append(word)
    path = os.path.join("/tmp", "warm-start-probe.json")
    with open(path, "w") as f:
        json.dump({"word": word, "calls": len(CALLS)}, f)
    with open(path) as f:
        back = json.load(f)
    return {"echo": back["word"].upper(), "calls": back["calls"], "pid_known": os.getpid() > 0}
