"""Checks a function's Python sources on the build host before anything boots.

Runs on the host's python3 (3.8+ for feature_version): every .py file must parse in the grammar
of the unikernel's CPython (argv[3], e.g. 3.7; the flavour says which), and the entry module must
define `handler`. Prints one JSON object on stdout.

With a real CPython of the guest's version (argv[4]) every module is compiled by it, the final word.
Without one, ast.parse(feature_version=...) is the check, plus explicit checks for the constructs it
lets through although the older CPython rejects them (grammar_gaps).
"""
import ast
import io
import json
import os
import subprocess
import sys
import tokenize

# Runs on the guest's CPython (3.7): compiles each file named on the command line, prints JSON errors.
GUEST_COMPILE = """
import json, sys
errors = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        source = f.read()
    try:
        compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as e:
        errors.append({"path": path, "line": e.lineno or 0, "column": e.offset or 0, "message": e.msg,
                       "text": (e.text or "").rstrip("\\n")})
    except ValueError as e:
        errors.append({"path": path, "line": 0, "column": 0, "message": str(e), "text": ""})
json.dump(errors, sys.stdout)
"""


def _dotted(node):
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _parenthesised(node, lines):
    """Whether node's source is one parenthesised group: `(*a, *b)` is, `(a), *b` is not."""
    if node.lineno != node.end_lineno:
        return lines[node.lineno - 1][node.col_offset:node.col_offset + 1] == "("  # a multi-line tuple needs ()
    segment = lines[node.lineno - 1][node.col_offset:node.end_col_offset]
    depth = 0
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(segment).readline)
                  if t.type in (tokenize.OP, tokenize.NAME, tokenize.NUMBER, tokenize.STRING)]
    except (tokenize.TokenError, SyntaxError):
        return True  # cannot tell: let it pass rather than refuse good code
    for i, tok in enumerate(tokens):
        if tok.string in "([{":
            depth += 1
        elif tok.string in ")]}":
            depth -= 1
        if depth == 0 and i < len(tokens) - 1:
            return False
    return bool(tokens) and tokens[0].string == "("


def _continues_in(statements):
    """Continue statements of a finally block that belong to no loop inside it."""
    found = []
    stack = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Continue):
            found.append(node)
        elif not isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef,
                                   ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            stack.extend(node.orelse)  # a loop's else is not inside the loop
    return found


def grammar_gaps(tree, source_text, grammar):
    """(node, message) for 3.8+ constructs that ast.parse(feature_version=grammar) accepts."""
    lines = source_text.splitlines()
    gaps = []
    for node in ast.walk(tree):
        if grammar < (3, 9) and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for d in node.decorator_list:
                plain = _dotted(d.func) if isinstance(d, ast.Call) else _dotted(d)
                if not plain:
                    gaps.append((d, "this decorator needs Python 3.9+ (PEP 614, relaxed decorators); before it a"
                                    " decorator is a dotted name, optionally called once: assign the expression to a"
                                    " name first"))
        if grammar < (3, 8) and isinstance(node, (ast.Return, ast.Yield)) and isinstance(node.value, ast.Tuple):
            if any(isinstance(e, ast.Starred) for e in node.value.elts) and not _parenthesised(node.value, lines):
                keyword = "return" if isinstance(node, ast.Return) else "yield"
                gaps.append((node.value, "unparenthesised starred expression after `%s` needs Python 3.8+: put the"
                                         " values in parentheses, %s (...)" % (keyword, keyword)))
        if grammar < (3, 8) and isinstance(node, ast.Try):
            for c in _continues_in(node.finalbody):
                gaps.append((c, "`continue` inside `finally` needs Python 3.8+: move it after the try statement"))
        if grammar < (3, 11) and isinstance(node, ast.Subscript):
            index = node.slice
            starred = isinstance(index, ast.Tuple) and any(isinstance(e, ast.Starred) for e in index.elts)
            if starred and not _parenthesised(index, lines):
                gaps.append((index, "a starred expression in a subscript needs Python 3.11+: write the index as a"
                                    " parenthesised tuple, e.g. a[(*b,)]"))
    # A finally nested in a finally is walked twice: report each node once.
    unique = {(n.lineno, n.col_offset, m): n for n, m in gaps}
    return [{"line": line, "column": col + 1, "message": m,
             "text": lines[line - 1] if line <= len(lines) else ""} for line, col, m in sorted(unique)]


def guest_compile(guest, paths):
    """Syntax errors CPython `guest` reports, by path."""
    done = subprocess.run([guest, "-I", "-c", GUEST_COMPILE] + paths, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if done.returncode != 0:
        sys.exit("%s could not compile the function (exit %d): %s"
                 % (guest, done.returncode, done.stderr.decode("utf-8", "replace").strip()))
    return {e["path"]: e for e in json.loads(done.stdout)}


# Values that can never be called: `handler = 42` used to pass the build and fail only in the guest.
NOT_CALLABLE = {getattr(ast, kind): name for kind, name in (
    ("Num", "a number"), ("Str", "a string"), ("Bytes", "bytes"), ("JoinedStr", "a string"), ("List", "a list"),
    ("Tuple", "a tuple"), ("Dict", "a dict"), ("Set", "a set"), ("ListComp", "a list"), ("SetComp", "a set"),
    ("DictComp", "a dict"), ("GeneratorExp", "a generator")) if hasattr(ast, kind)}
if hasattr(ast, "Constant"):
    NOT_CALLABLE[ast.Constant] = None  # 3.8+: numbers, strings, bytes, None, True, ... all parse as Constant


def not_callable(value):
    """What a value assigned to handler is, when it is a literal that cannot be called; else None."""
    for kind, name in NOT_CALLABLE.items():
        if type(value) is kind:
            if name is None:
                constant = value.value
                if isinstance(constant, bool) or constant is None or constant is Ellipsis:
                    return repr(constant)
                return "bytes" if isinstance(constant, bytes) else "a string" if isinstance(constant, str) else "a number"
            return name
    if type(value).__name__ == "NameConstant":  # 3.7: None, True, False
        return repr(value.value)
    return None


def last_binding_problem(tree):
    """(line, problem) when the last top-level binding of handler is a value that cannot be called."""
    for node in reversed(tree.body):
        targets, value = (), None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = (node.target,), node.value
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
            names = [a.asname or a.name for a in node.names] if hasattr(node, "names") else [node.name]
            if "handler" in names:
                return None
            continue
        if any(isinstance(t, ast.Name) and t.id == "handler" for t in targets):
            kind = not_callable(value)
            if kind is None:
                return None
            return node.lineno, ("handler is %s (line %d), not something the wrapper can call: define it with"
                                 " `def handler(event):`" % (kind, node.lineno))
    return None


def handler_arity(tree):
    """Returns (found, positional parameter count or None, problem)."""
    bad = last_binding_problem(tree)
    if bad is not None:
        return True, None, bad[1]
    for node in tree.body:
        # `async def handler` too: the wrapper awaits the coroutine on its worker thread's event loop.
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "handler":
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


def main(src_dir, entry, grammar, guest):
    result = {"syntaxErrors": [], "handlerFound": False, "handlerProblem": None, "handlerLine": None}
    paths = []
    for root, dirs, files in os.walk(src_dir):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        paths.extend(os.path.join(root, name) for name in sorted(files) if name.endswith(".py"))
    guest_errors = guest_compile(guest, paths) if guest and paths else {}
    for path in paths:
        rel = os.path.relpath(path, src_dir)
        with open(path, "rb") as f:
            source = f.read()
        if path in guest_errors:
            e = guest_errors[path]
            result["syntaxErrors"].append({"file": rel, "line": e["line"], "column": e["column"],
                                             "message": e["message"], "text": e["text"]})
            continue
        try:
            tree = ast.parse(source, path, feature_version=grammar)
        except SyntaxError as e:
            result["syntaxErrors"].append({
                "file": rel,
                "line": e.lineno or 0,
                "column": e.offset or 0,
                "message": e.msg,
                "text": (e.text or "").rstrip("\n"),
            })
            continue
        if not guest:
            gaps = grammar_gaps(tree, source.decode("utf-8", "replace"), grammar)
            result["syntaxErrors"].extend(dict(g, file=rel) for g in gaps)
            if gaps:
                continue
        if rel == entry:
            found, _, problem = handler_arity(tree)
            result["handlerFound"] = found
            result["handlerProblem"] = problem
            bad = last_binding_problem(tree)
            result["handlerLine"] = bad[0] if bad else None
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], tuple(int(part) for part in sys.argv[3].split(".")),
         sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None)
