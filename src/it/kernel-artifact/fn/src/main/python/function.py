def handler(event):
    return {"hello": (event or {}).get("name", "world")}
