def handler(event):
    if event.get("fail"):
        raise ValueError("refusing on purpose")
    return {"ok": True}
