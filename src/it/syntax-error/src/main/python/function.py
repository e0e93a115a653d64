def handler(event):
    return {"a": 1
