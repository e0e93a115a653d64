from shout import shout


def handler(event):
    return {"message": shout(event["text"])}
