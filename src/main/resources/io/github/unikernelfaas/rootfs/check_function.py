"""Checks a function's Python sources on the build host before anything boots.

Runs on the host's python3 (3.8+ for feature_version): every .py file must parse in the grammar
of the unikernel's CPython (argv[3], e.g. 3.7; the flavour says which), and the entry module must
define `handler`. Prints one JSON object on stdout.
"""
import ast
import json
import os
import sys


def handler_arity(tree):
    """Returns (found, positional parameter count or None, problem)."""
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef) and node.name == "handler":
            return True, None, "handler is `async def`; the wrapper calls it synchronously: make it a plain def"
        if isinstance(node, ast.FunctionDef) and node.name == "handler":
            args = node.args
            required_kw = [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
            if required_kw:
                return True, None, ("handler has required keyword-only parameter%s %s; the wrapper calls handler(event)"
                                    " or handler(event, context), so give %s a default"
                                    % ("s" if len(required_kw) > 1 else "", ", ".join(required_kw),
                                       "them" if len(required_kw) > 1 else "it"))
            if args.vararg is not None:
                return True, 2, None
            count = len(getattr(args, "posonlyargs", [])) + len(args.args)
            required = count - len(args.defaults)
            if required > 2:
                return True, count, "handler takes %d required arguments; it must take (event) or (event, context)" % required
            if count == 0:
                return True, 0, "handler takes no arguments; it must take (event) or (event, context)"
            return True, count, None
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == "handler" for t in node.targets):
                return True, None, None
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((a.asname or a.name) == "handler" for a in node.names):
                return True, None, None
    return False, None, None


def main(src_dir, entry, grammar):
    result = {"syntaxErrors": [], "handlerFound": False, "handlerProblem": None, "handlerLine": None}
    for root, dirs, files in os.walk(src_dir):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                source = f.read()
            try:
                tree = ast.parse(source, path, feature_version=grammar)
            except SyntaxError as e:
                result["syntaxErrors"].append({
                    "file": os.path.relpath(path, src_dir),
                    "line": e.lineno or 0,
                    "column": e.offset or 0,
                    "message": e.msg,
                    "text": (e.text or "").rstrip("\n"),
                })
                continue
            if os.path.relpath(path, src_dir) == entry:
                found, _, problem = handler_arity(tree)
                result["handlerFound"] = found
                result["handlerProblem"] = problem
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], tuple(int(part) for part in sys.argv[3].split(".")))
