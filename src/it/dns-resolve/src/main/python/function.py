import socket


def handler(event):
    answers = {}
    for name in event["gethostbyname"]:
        answers[name] = socket.gethostbyname(name)
    # Both families (A and AAAA queries): the responder has only an A record.
    infos = socket.getaddrinfo(event["getaddrinfo"], 80, proto=socket.IPPROTO_TCP)
    answers["getaddrinfo"] = sorted({info[4][0] for info in infos})
    try:
        socket.gethostbyname(event["unknown"])
        answers["unknown"] = "resolved"
    except socket.gaierror as e:
        answers["unknown"] = "gaierror"
    return answers
