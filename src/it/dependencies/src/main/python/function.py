from shout import shout
import hush  # installed only because the guest's Python is 3.7 (quiet requires it there)


def handler(event):
    return {"message": shout(event["text"])}
