GREETING = "hello"


def handler(event):
    # Shows up in Maven's output while `unikernel:run` serves, prefixed "guest| ".
    print("live-reload-it handling " + event["name"])
    return {"greeting": GREETING + " " + event["name"]}
