import hashlib
import os

AT_IMPORT = os.environ.get("FROM_DOTENV")


def handler(event):
    names = event["names"]
    values = {name: os.environ.get(name) for name in names if name != "API_TOKEN"}
    token = os.environ.get("API_TOKEN")
    # The secret itself never travels back (it would land in reports): its digest proves it arrived intact.
    values["API_TOKEN_SHA256"] = token and hashlib.sha256(token.encode("utf-8")).hexdigest()
    values["AT_IMPORT"] = AT_IMPORT
    return values
