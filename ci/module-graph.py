#!/usr/bin/env python3
"""Fail when the crate's modules depend on each other in a cycle (the module graph rule).

Reads the sources under src/; no build needed. A module depends on another when its code (not
comments, literals or #[cfg(test)] items) names a path into it: `crate::a::b::X`, `super::X`,
`self::x::Y`, `child::X`, paths in `use` groups, or declares it (`mod child;`). The target is the
longest prefix of the path that is a module file; inline modules belong to their file's module.

    python3 ci/module-graph.py [--root DIR] [--dot]   # exit 1 on a cycle
    python3 ci/module-graph.py --self-test

Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import deque
from pathlib import Path

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
CHAR_LIT = re.compile(r"b?'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F_]*\}|.)|[^\\'\n])'")
STR_START = re.compile(r'[bc]?(r#*)?"')
CFG_TEST = re.compile(r"#\s*\[\s*cfg\s*\(\s*(?:test|all\s*\([^()]*\btest\b[^()]*\))\s*\)\s*\]")
FILE_CFG_TEST = re.compile(r"#!\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]")
ATTR = re.compile(r"\s*#\s*\[")
TEST_MOD_FILE = re.compile(rf"\s*(?:pub(?:\s*\([^)]*\))?\s+)?mod\s+({IDENT})\s*;")
MOD_DECL = re.compile(rf"\bmod\s+({IDENT})\s*([;{{])")
USE = re.compile(r"(?<![\w:$])use\b\s*(?=[A-Za-z_:{$])")
USE_TOKEN = re.compile(rf"::|[{{}},*]|\$?{IDENT}")
PATH = re.compile(rf"(?<![\w$:])(\$crate|{IDENT})((?:\s*::\s*{IDENT})+)")
PUB_IN = re.compile(r"\bpub\s*\(\s*in\b[^)]*\)")  # a visibility bound, not a dependency


def blank(text: str, start: int, end: int) -> str:
    """Spaces over text[start:end], newlines kept so that line numbers stay right."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def strip_code(src: str) -> str:
    """The source with comments and the contents of string and char literals blanked."""
    out, i, n = [], 0, len(src)
    while i < n:
        after_ident = i > 0 and (src[i - 1].isalnum() or src[i - 1] == "_")
        if src.startswith("//", i):
            j = n if src.find("\n", i) < 0 else src.find("\n", i)
        elif src.startswith("/*", i):
            depth, j = 0, i
            while j < n:  # block comments nest
                step = 1 if src.startswith("/*", j) else -1 if src.startswith("*/", j) else 0
                depth, j = depth + step, j + (2 if step else 1)
                if depth == 0:
                    break
        elif not after_ident and (m := STR_START.match(src, i)):
            if m.group(1):  # raw: no escapes, ends at the quote and as many #
                close = '"' + m.group(1)[1:]
                j = n if src.find(close, m.end()) < 0 else src.find(close, m.end()) + len(close)
            else:
                j = m.end()
                while j < n and src[j] != '"':
                    j += 2 if src[j] == "\\" else 1
                j += 1
        elif not after_ident and (m := CHAR_LIT.match(src, i)):
            j = m.end()
        else:
            out.append(src[i])
            i += 1
            continue
        out.append(re.sub(r"[^\n]", " ", src[i:j]))
        i = j
    return "".join(out)


def matching_brace(text: str, i: int, pair: str = "{}") -> int:
    """The end of the bracket group opening at text[i]."""
    depth = 0
    for j in range(i, len(text)):
        depth += {pair[0]: 1, pair[1]: -1}.get(text[j], 0)
        if depth == 0:
            return j + 1
    return len(text)


def item_end(text: str, i: int) -> int:
    """End of the item starting at i: its first `;` outside brackets, or its braced body."""
    depth = 0
    for j in range(i, len(text)):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(text[j], 0)
        if depth == 0 and text[j] == ";":
            return j + 1
        if depth == 0 and text[j] == "{":
            return matching_brace(text, j)
    return len(text)


def drop_cfg_test(text: str) -> tuple[str, set[str]]:
    """Blank every #[cfg(test)] item; also return the names of test-only `mod x;` files."""
    test_files = set()
    while m := CFG_TEST.search(text):
        i = m.end()
        while a := ATTR.match(text, i):  # more attributes of the same item
            i = matching_brace(text, a.end() - 1, "[]")
        end = item_end(text, i)
        if d := TEST_MOD_FILE.match(text[i:end]):
            test_files.add(d.group(1))
        text = blank(text, m.start(), end)
    return text, test_files


def use_paths(text: str, pos: int) -> tuple[list[tuple[list[str], int]], int]:
    """Each full path of the `use` tree at pos with its offset, and where the `use` ends."""
    end = item_end(text, pos)
    toks = [(m.group(), m.start()) for m in USE_TOKEN.finditer(text, pos, end)] + [("", end)]
    out: list[tuple[list[str], int]] = []

    def tree(i: int, path: list[str]) -> int:
        if toks[i][0] == "::":
            path, i = ["::"], i + 1  # `::name` is an external crate
        while toks[i][0] not in ("", "}"):
            if toks[i][0] == "{":
                i += 1
                while toks[i][0] not in ("", "}"):
                    i = tree(i, path)
                    i += toks[i][0] == ","
                return i + 1
            path, i = path + [toks[i][0]], i + 1
            if toks[i][0] != "::" or path[-1] == "*":
                out.append((path, toks[i - 1][1]))
                return i + 2 if toks[i][0] == "as" else i
            i += 1
        return i

    tree(0, [])
    return out, end


def resolve(segs: list[str], here: tuple[str, ...], known: set) -> tuple[str, ...] | None:
    """The module a path points into, seen from `here`; None for external crates."""
    head, rest = segs[0], segs[1:]
    if head in ("crate", "$crate"):
        base = ()
    elif head in ("self", "super"):
        base = here if head == "self" else here[:-1]
        while rest and rest[0] == "super":
            base, rest = base[:-1], rest[1:]
    elif here + (head,) in known:  # a child module named without a prefix
        base, rest = here, segs
    else:
        return None
    full = base + tuple(s for s in rest if s not in ("self", "*"))
    return next(full[:k] for k in range(len(full), -1, -1) if full[:k] in known)


def build_graph(root: Path) -> dict:
    """{module: {dep: [file:line, ...]}} of the crate in root; modules are tuples, () the root."""
    files, test_only = {}, set()
    for path in sorted((root / "src").rglob("*.rs")):
        parts = path.relative_to(root / "src").with_suffix("").parts
        mod = parts[:-1] if parts[-1] in ("mod", "lib") else parts
        text = strip_code(path.read_text(encoding="utf-8"))
        if FILE_CFG_TEST.search(text):
            test_only.add(mod)
        text, tests = drop_cfg_test(PUB_IN.sub(lambda m: " " * len(m.group()), text))
        test_only |= {mod + (t,) for t in tests}
        files[mod] = (path.relative_to(root), text)
    files = {m: f for m, f in files.items() if not any(m[:k] in test_only for k in range(len(m) + 1))}
    graph: dict = {m: {} for m in files}
    for mod, (rel, text) in files.items():
        inline = [(m.end() - 1, matching_brace(text, m.end() - 1), m.group(1))
                  for m in MOD_DECL.finditer(text) if m.group(2) == "{"]

        def scope(pos: int) -> tuple[str, ...]:
            return mod + tuple(name for start, end, name in inline if start < pos < end)

        def edge(dst, pos: int) -> None:
            where = f"{rel}:{text.count(chr(10), 0, pos) + 1}"
            if dst is not None and dst != mod and where not in graph[mod].setdefault(dst, []):
                graph[mod][dst].append(where)

        for m in MOD_DECL.finditer(text):
            if m.group(2) == ";" and scope(m.start()) + (m.group(1),) in graph:
                edge(scope(m.start()) + (m.group(1),), m.start())
        while m := USE.search(text):
            paths, end = use_paths(text, m.end())
            for segs, at in paths:
                edge(resolve(segs, scope(at), graph.keys()) if segs[0] != "::" else None, at)
            text = blank(text, m.start(), end)
        for m in PATH.finditer(text):
            segs = [m.group(1)] + re.findall(IDENT, m.group(2))
            edge(resolve(segs, scope(m.start()), graph.keys()), m.start())
    for deps in graph.values():
        for where in deps.values():
            where.sort(key=lambda w: (w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])))
    return graph


def name(mod: tuple[str, ...]) -> str:
    return "::".join(mod) if mod else "crate"


def bfs(graph: dict, src) -> dict:
    """{module reachable from src: the module before it on a shortest path}."""
    prev, todo = {src: None}, deque([src])
    while todo:
        v = todo.popleft()
        for w in sorted(graph[v]):
            if w not in prev:
                prev[w] = v
                todo.append(w)
    return prev


def cycles(graph: dict) -> list[list[list]]:
    """Per group of modules that all reach each other: cycles that together use all its edges."""
    prev = {v: bfs(graph, v) for v in graph}
    groups = sorted({tuple(sorted(w for w in prev[v] if v in prev[w])) for v in graph})
    out = []
    for group in (g for g in groups if len(g) > 1):
        found, covered = [], set()
        for u in group:
            for v in sorted(x for x in graph[u] if x in group and (u, x) not in covered):
                back = [u]  # the shortest way from v back to u, walked backwards
                while back[-1] != v:
                    back.append(prev[v][back[-1]])
                cycle = [u] + back[::-1]
                covered |= set(zip(cycle, cycle[1:]))
                found.append(cycle)
        out.append(found)
    return out


def report(graph: dict, dot: bool) -> int:
    out = sys.stderr if dot else sys.stdout  # with --dot, stdout holds only the dot text
    if dot:
        print("digraph modules {\n" + "".join(f'  "{name(m)}" -> "{name(d)}";\n'
              for m in sorted(graph) for d in sorted(graph[m])) + "}")
    else:
        for m in sorted(graph):
            print(f"{name(m)} -> {', '.join(name(d) for d in sorted(graph[m])) or '(none)'}")
    groups = cycles(graph)
    edges = sum(len(d) for d in graph.values())
    for found in groups:
        mods = sorted({m for c in found for m in c})
        print(f"\ncycle among {len(mods)} modules: {', '.join(name(m) for m in mods)}", file=out)
        for cycle in found:
            print("  " + " -> ".join(name(m) for m in cycle), file=out)
            for u, v in zip(cycle, cycle[1:]):
                where = graph[u][v]
                more = f" (+{len(where) - 3} more)" if len(where) > 3 else ""
                print(f"      {name(u)} -> {name(v)}: {', '.join(where[:3])}{more}", file=out)
    print(f"module graph: {len(graph)} modules, {edges} edges, " + (
        f"{len(groups)} group(s) of modules in cycles. Name items by their defining module; a "
        "parent module holds only `mod`s, re-exports and items no child uses."
        if groups else "no cycles"), file=out)
    return 1 if groups else 0


def self_test() -> int:
    tree = {
        "lib.rs": "//! [crate::c] in docs\nmod a;\nmod b;\npub mod c;\nmod d;\n#[cfg(test)]\nmod t;\n",
        "t.rs": "use crate::a::g;\n",  # a test-only module file: not in the graph
        "a.rs": ("use crate::b::X;\n// use crate::c::Y;\n/* crate::c::Y /* nested */ crate::c */\n"
                 "const S: &str = \"crate::c\\\"::Y\"; const Q: char = '\"'; fn f<'a>(_: &'a u8) {}\n"
                 "pub fn g() {}\n#[cfg(test)]\nmod tests {\n    use crate::c::Y;\n"
                 "    fn h() { super::super::c::Y; }\n}\n"),
        "b.rs": "pub struct X;\npub fn f() {\n    super::a::g();\n}\n",
        "c.rs": "/// [crate::a::g]\npub struct Y;\n#[cfg(test)]\n#[allow(dead_code)]\nfn t() { crate::a::g() }\n",
        "d/mod.rs": "mod e;\n",
        "d/e.rs": "use super::super::{c::{self, Y}, b as _};\nfn k() { r#\"crate::a\"#; }\n",
    }
    expect = {("crate", "a"), ("crate", "b"), ("crate", "c"), ("crate", "d"), ("a", "b"),
              ("b", "a"), ("d", "d::e"), ("d::e", "c"), ("d::e", "b")}
    with tempfile.TemporaryDirectory() as tmp:
        for rel, text in tree.items():
            (Path(tmp) / "src" / rel).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / "src" / rel).write_text(text)
        graph = build_graph(Path(tmp))
        got = {(name(m), name(d)) for m in graph for d in graph[m]}
        found = [[[name(m) for m in c] for c in g] for g in cycles(graph)]
        ok = got == expect and found == [[["a", "b", "a"]]] and ("t",) not in graph
        ok = ok and graph[("b",)][("a",)] == ["src/b.rs:3"] and graph[("a",)][("b",)] == ["src/a.rs:1"]
        (Path(tmp) / "src" / "b.rs").write_text("pub struct X;\n")
        ok = ok and cycles(build_graph(Path(tmp))) == []
    if not ok:
        print(f"self-test FAILED\n  edges: {sorted(got)}\n  expected: {sorted(expect)}\n  cycles: {found}")
        return 1
    print("self-test passed: found the cycle a -> b -> a, ignored comment, literal and #[cfg(test)] edges")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                    help="crate directory (default: this repository)")
    ap.add_argument("--dot", action="store_true", help="print the graph as Graphviz dot")
    ap.add_argument("--self-test", action="store_true", help="check this script on a known tree")
    args = ap.parse_args()
    return self_test() if args.self_test else report(build_graph(args.root), args.dot)


if __name__ == "__main__":
    sys.exit(main())
