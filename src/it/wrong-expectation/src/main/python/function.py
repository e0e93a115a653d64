def handler(event):
    return {"sum": sum(event["numbers"])}
