#!/usr/bin/env python3
"""Print proxy-wire's public API, one item per line, from rustdoc's JSON output.

The listing is checked in (api/public-api.txt) and compared in CI (ci/check-public-api.sh), so
that every change of the public API shows up as a reviewed diff, and so that the number of public
types and functions can be counted.

Usage:
    python3 ci/public-api.py                # build the JSON (all features), print the listing
    python3 ci/public-api.py --json FILE    # read an existing rustdoc JSON file instead

Python 3.11 standard library only. Only the rustdoc JSON format versions in SUPPORTED_FORMATS are
read; any other one stops the script with an error rather than a wrong listing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

# rustdoc JSON format versions this script has been checked against (format 57: Rust 1.95).
# A new version may rename or reshape fields; check the listing before adding it here.
SUPPORTED_FORMATS = {57}

REPO = Path(__file__).resolve().parent.parent
CRATE = "proxy_wire"
# A target directory of its own, so that this build never invalidates target/ for others.
DEFAULT_TARGET_DIR = REPO / "target" / "api"

# The build: all features, and `--cfg docsrs` as on docs.rs (Cargo.toml's
# [package.metadata.docs.rs]), so rustdoc also records the cfg of items that are gated only by
# where they are written (e.g. a trait impl inside a feature-gated module).
RUSTDOC_ARGS = ["--cfg", "docsrs", "-Zunstable-options", "--output-format", "json"]

# Compiler-internal marker traits that derives implement; not part of what users can name.
SKIPPED_TRAITS = {"core::marker::StructuralPartialEq"}

# Auto traits worth stating per type; Freeze and UnsafeUnpin are compiler-internal and unnameable
# on stable, so they are left out.
AUTO_TRAITS = ["Send", "Sync", "Unpin", "UnwindSafe", "RefUnwindSafe"]

# Foreign items are named by their defining path in rustdoc JSON (core::net::socket_addr::...).
# Prelude names print bare; a few private defining modules map to the public module that
# re-exports them. Anything not listed prints its defining path: longer, but still exact.
PRELUDE = {
    "core::option::Option": "Option",
    "core::result::Result": "Result",
    "alloc::vec::Vec": "Vec",
    "alloc::string::String": "String",
    "alloc::boxed::Box": "Box",
    "alloc::borrow::ToOwned": "ToOwned",
    "alloc::string::ToString": "ToString",
    "core::clone::Clone": "Clone",
    "core::marker::Copy": "Copy",
    "core::marker::Send": "Send",
    "core::marker::Sync": "Sync",
    "core::marker::Sized": "Sized",
    "core::marker::Unpin": "Unpin",
    "core::ops::drop::Drop": "Drop",
    "core::ops::function::Fn": "Fn",
    "core::ops::function::FnMut": "FnMut",
    "core::ops::function::FnOnce": "FnOnce",
    "core::iter::traits::iterator::Iterator": "Iterator",
    "core::iter::traits::collect::IntoIterator": "IntoIterator",
    "core::iter::traits::collect::Extend": "Extend",
    "core::iter::traits::collect::FromIterator": "FromIterator",
    "core::iter::traits::double_ended::DoubleEndedIterator": "DoubleEndedIterator",
    "core::iter::traits::exact_size::ExactSizeIterator": "ExactSizeIterator",
    "core::convert::AsRef": "AsRef",
    "core::convert::AsMut": "AsMut",
    "core::convert::From": "From",
    "core::convert::Into": "Into",
    "core::convert::TryFrom": "TryFrom",
    "core::convert::TryInto": "TryInto",
    "core::default::Default": "Default",
    "core::cmp::PartialEq": "PartialEq",
    "core::cmp::Eq": "Eq",
    "core::cmp::PartialOrd": "PartialOrd",
    "core::cmp::Ord": "Ord",
    "core::panic::unwind_safe::UnwindSafe": "UnwindSafe",
    "core::panic::unwind_safe::RefUnwindSafe": "RefUnwindSafe",
}
PUBLIC_MODULE = {
    "core::net::socket_addr": "core::net",
    "core::net::ip_addr": "core::net",
    "core::num::nonzero": "core::num",
    "core::iter::traits::iterator": "core::iter",
    "core::iter::traits::collect": "core::iter",
    "core::iter::traits::double_ended": "core::iter",
    "core::iter::traits::exact_size": "core::iter",
    "core::iter::traits::marker": "core::iter",
    "core::ops::function": "core::ops",
    "core::ops::bit": "core::ops",
    "core::ops::arith": "core::ops",
    "core::ops::range": "core::ops",
    "core::ops::deref": "core::ops",
    "core::future::future": "core::future",
    "core::future::into_future": "core::future",
    "core::task::poll": "core::task",
    "core::task::wake": "core::task",
    "core::str::error": "core::str",
    "core::str::traits": "core::str",
    "core::panic::unwind_safe": "core::panic",
    "std::io::error": "std::io",
    "std::net::tcp": "std::net",
    "std::net::socket_addr": "std::net",
    "std::net::udp": "std::net",
    "std::os::unix::net::addr": "std::os::unix::net",
    "std::os::unix::net::stream": "std::os::unix::net",
    "std::os::unix::net::listener": "std::os::unix::net",
    "tokio::net::tcp::stream": "tokio::net",
    "tokio::net::tcp::listener": "tokio::net",
    "tokio::net::tcp::socket": "tokio::net",
    "tokio::net::udp": "tokio::net",
    "tokio::net::addr": "tokio::net",
    "tokio::io::async_read": "tokio::io",
    "tokio::io::async_write": "tokio::io",
    "tokio::io::async_buf_read": "tokio::io",
    "tokio::io::read_buf": "tokio::io",
    "bytes::buf::buf_impl": "bytes",
    "bytes::buf::buf_mut": "bytes",
    "bytes::bytes": "bytes",
    "bytes::bytes_mut": "bytes",
    "socket2::socket": "socket2",
    "socket2::sockaddr": "socket2",
}


class ApiError(Exception):
    """The JSON is not what this script understands: stop rather than print a wrong listing."""


def build_json(target_dir: Path) -> Path:
    env = dict(os.environ, RUSTC_BOOTSTRAP="1", CARGO_TARGET_DIR=str(target_dir))
    cmd = ["cargo", "rustdoc", "--quiet", "-p", CRATE.replace("_", "-"), "--lib", "--all-features", "--", *RUSTDOC_ARGS]
    subprocess.run(cmd, cwd=REPO, env=env, check=True, stdout=sys.stderr)
    return target_dir / "doc" / f"{CRATE}.json"


# ---------------------------------------------------------------------------------------------
# cfg attributes
# ---------------------------------------------------------------------------------------------

DOC_CFG = re.compile(r"^#\[doc\(cfg\((.*)\)\)\]$", re.S)
# rustc prints `#[cfg]` in rustdoc JSON as the Debug form of its parsed cfg, spans included:
#   #[attr = CfgTrace([NameValue { name: "feature", value: Some("std"), span: src/lib.rs:1:2: 1:9 (#0) }])]
CFG_TRACE = re.compile(r"^#\[attr = CfgTrace\((.*)\)\]$", re.S)
SPAN = re.compile(r",?\s*(?:span:\s*)?[^\s,()\[\]{}]+:\d+:\d+: \d+:\d+ \(#\d+\)")
TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*)|(.))', re.S)


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ApiError(f"cannot tokenize cfg {text!r}")
        out.append(next(g for g in m.groups() if g is not None))
        pos = m.end()
    return out


def parse_cfg_trace(text: str) -> list[str]:
    """The cfg predicates of one CfgTrace attribute, in `#[cfg(...)]` syntax."""
    toks = _tokens(SPAN.sub("", text))
    pos = 0

    def expect(t: str) -> None:
        nonlocal pos
        if pos >= len(toks) or toks[pos] != t:
            raise ApiError(f"unexpected cfg syntax near token {pos} of {text!r}")
        pos += 1

    def pred() -> str:
        nonlocal pos
        head = toks[pos]
        pos += 1
        if head in ("All", "Any"):
            expect("(")
            items = plist()
            expect(")")
            return f"{head.lower()}({', '.join(items)})"
        if head == "Not":
            expect("(")
            inner = pred()
            expect(")")
            return f"not({inner})"
        if head == "Bool":
            expect("(")
            value = toks[pos]
            pos += 1
            expect(")")
            return value
        if head in ("NameValue", "Word"):
            expect("{")
            fields = {}
            while toks[pos] != "}":
                key = toks[pos]
                pos += 1
                expect(":")
                if toks[pos] == "Some":
                    pos += 1
                    expect("(")
                    fields[key] = toks[pos]
                    pos += 1
                    expect(")")
                else:
                    fields[key] = toks[pos]
                    pos += 1
                if toks[pos] == ",":
                    pos += 1
            expect("}")
            name = fields.get("name", "").strip('"')
            value = fields.get("value", "None")
            return name if value == "None" else f"{name} = {value}"
        raise ApiError(f"unknown cfg form {head!r} in {text!r}; teach ci/public-api.py about it")

    def plist() -> list[str]:
        nonlocal pos
        expect("[")
        items = []
        while toks[pos] != "]":
            items.append(pred())
            if toks[pos] == ",":
                pos += 1
        expect("]")
        return items

    preds = plist()
    if pos != len(toks):
        raise ApiError(f"trailing cfg syntax in {text!r}")
    return preds


def split_all(pred: str) -> list[str]:
    """`all(a, b)` -> [a, b]; anything else -> [pred]. Lets nested gates merge without repeats."""
    if not (pred.startswith("all(") and pred.endswith(")")):
        return [pred]
    parts, depth, cur, in_str = [], 0, "", False
    for ch in pred[4:-1]:
        if ch == '"':
            in_str = not in_str
        if not in_str and ch == "(":
            depth += 1
        if not in_str and ch == ")":
            depth -= 1
        if not in_str and depth == 0 and ch == ",":
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return [q for p in parts for q in split_all(p)]


def own_cfg(item: dict) -> list[str]:
    preds: list[str] = []
    for attr in item.get("attrs", []):
        text = attr.get("other") if isinstance(attr, dict) else None
        if not text:
            continue
        m = DOC_CFG.match(text)
        if m:
            found = [re.sub(r"\s+", " ", m.group(1)).strip()]
        else:
            m = CFG_TRACE.match(text)
            found = parse_cfg_trace(m.group(1)) if m else []
        for p in found:
            for q in split_all(p):
                if q not in preds:
                    preds.append(q)
    return preds


def merge_cfg(*lists: list[str]) -> list[str]:
    out: list[str] = []
    for lst in lists:
        for p in lst:
            if p not in out:
                out.append(p)
    return out


def cfg_prefix(preds: list[str]) -> str:
    if not preds:
        return ""
    inner = preds[0] if len(preds) == 1 else f"all({', '.join(preds)})"
    return f"#[cfg({inner})] "


def is_hidden(item: dict) -> bool:
    """`#[doc(hidden)]`: rustdoc drops such items itself, this catches any that slip through."""
    for attr in item.get("attrs", []):
        text = attr.get("other", "") if isinstance(attr, dict) else str(attr)
        if re.search(r"\bdoc\s*\((?:.*,)?\s*hidden\b", text):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# The crate
# ---------------------------------------------------------------------------------------------


class Api:
    def __init__(self, doc: dict):
        version = doc.get("format_version")
        if version not in SUPPORTED_FORMATS:
            raise ApiError(
                f"rustdoc JSON format_version {version!r} is not supported by ci/public-api.py "
                f"(supported: {sorted(SUPPORTED_FORMATS)}). The toolchain changed: check the "
                "rustdoc-json-types changelog for field changes, adapt the script, then add the "
                "version to SUPPORTED_FORMATS."
            )
        self.doc = doc
        self.index: dict[str, dict] = doc["index"]
        self.paths: dict[str, dict] = doc["paths"]
        self.root = str(doc["root"])
        # id -> every public path (list of segments) the item is reachable at, and the cfg
        # inherited from the modules on the way.
        self.public_paths: dict[str, list[tuple[list[str], list[str]]]] = {}
        self.foreign_reexports: list[tuple[list[str], str, list[str]]] = []
        self._walk(self.root, [CRATE], [], set())

    # -- reachability ----------------------------------------------------------------------

    def item(self, id_) -> dict | None:
        return self.index.get(str(id_)) if id_ is not None else None

    def _add(self, id_: str, path: list[str], cfg: list[str]) -> None:
        entries = self.public_paths.setdefault(id_, [])
        if all(p != path for p, _ in entries):
            entries.append((path, cfg))

    def _walk(self, mod_id: str, path: list[str], cfg: list[str], seen: set[str]) -> None:
        if mod_id in seen:
            return
        self._add(mod_id, path, cfg)
        self._walk_items(self.index[mod_id]["inner"]["module"]["items"], path, cfg, seen | {mod_id})

    def _walk_items(self, ids: list, path: list[str], cfg: list[str], seen: set[str]) -> None:
        """The public items of one module, as seen at `path` (the module's or a glob's)."""
        for child_id in ids:
            child = self.item(child_id)
            if child is None or is_hidden(child) or child.get("visibility") != "public":
                continue
            kind = kind_of(child)
            ccfg = merge_cfg(cfg, own_cfg(child))
            if kind == "use":
                self._use(child, path, ccfg, seen)
            elif kind == "module":
                self._walk(str(child_id), path + [child["name"]], ccfg, seen)
            elif child.get("name"):
                self._add(str(child_id), path + [child["name"]], ccfg)

    def _use(self, use_item: dict, path: list[str], cfg: list[str], seen: set[str]) -> None:
        use = use_item["inner"]["use"]
        target = self.item(use["id"])
        if target is not None and is_hidden(target):
            return
        if use["is_glob"]:
            if target is None:
                self.foreign_reexports.append((path + ["*"], use["source"], cfg))
            elif kind_of(target) == "module" and str(use["id"]) not in seen:
                items = target["inner"]["module"]["items"]
                self._walk_items(items, path, cfg, seen | {str(use["id"])})
            elif kind_of(target) == "enum":
                for vid in target["inner"]["enum"]["variants"]:
                    v = self.item(vid)
                    if v is not None:
                        self.foreign_reexports.append(
                            (path + [v["name"]], self.display_path_of(use["id"]) + "::" + v["name"], cfg)
                        )
            return
        if target is None or target.get("crate_id") != 0:
            self.foreign_reexports.append(
                (path + [use["name"]], self.display_path_of(use["id"], use["source"]), cfg)
            )
            return
        tcfg = merge_cfg(cfg, own_cfg(target))
        if kind_of(target) == "module":
            self._walk(str(use["id"]), path + [use["name"]], tcfg, seen)
        else:
            self._add(str(use["id"]), path + [use["name"]], tcfg)

    def canonical(self, id_) -> tuple[list[str], list[str]] | None:
        """The public path an item is listed under: the shortest, then the first in order."""
        entries = self.public_paths.get(str(id_))
        if not entries:
            return None
        return min(entries, key=lambda e: (len(e[0]), e[0]))

    # -- names of things in signatures -----------------------------------------------------

    def display_path_of(self, id_, fallback: str = "?") -> str:
        """How a type or trait is named inside a signature."""
        canon = self.canonical(id_) if id_ is not None else None
        if canon is not None:
            segs = canon[0][1:] if canon[0][0] == CRATE else canon[0]
            return "::".join(segs) if segs else "crate"
        summary = self.paths.get(str(id_)) if id_ is not None else None
        if summary is None:
            return fallback
        segs = summary["path"]
        if summary["crate_id"] == 0:
            # A local item with no public path (e.g. a sealed trait); say so.
            return "::".join(segs[1:]) + " /* not public */"
        full = "::".join(segs)
        if full in PRELUDE:
            return PRELUDE[full]
        mod, name = "::".join(segs[:-1]), segs[-1]
        if mod in PUBLIC_MODULE:
            return f"{PUBLIC_MODULE[mod]}::{name}"
        return full

    def ty(self, t) -> str:
        if t is None:
            return "()"
        (kind, v), = t.items()
        if kind == "resolved_path":
            return self.path(v)
        if kind == "dyn_trait":
            parts = [self.poly_trait(p) for p in v["traits"]]
            if v.get("lifetime"):
                parts.append(v["lifetime"])
            return "dyn " + " + ".join(parts)
        if kind == "generic":
            return v
        if kind == "primitive":
            return v
        if kind == "function_pointer":
            return self.fn_pointer(v)
        if kind == "tuple":
            if len(v) == 1:
                return f"({self.ty(v[0])},)"
            return "(" + ", ".join(self.ty(x) for x in v) + ")"
        if kind == "slice":
            return f"[{self.ty(v)}]"
        if kind == "array":
            return f"[{self.ty(v['type'])}; {v['len']}]"
        if kind == "pat":
            return f"{self.ty(v['type'])} is {v.get('__pat_unstable_do_not_use', '_')}"
        if kind == "impl_trait":
            return "impl " + self.bounds(v)
        if kind == "infer":
            return "_"
        if kind == "raw_pointer":
            return ("*mut " if v["is_mutable"] else "*const ") + self.ty(v["type"])
        if kind == "borrowed_ref":
            lt = f"{v['lifetime']} " if v.get("lifetime") else ""
            mut = "mut " if v["is_mutable"] else ""
            return f"&{lt}{mut}{self.ty(v['type'])}"
        if kind == "qualified_path":
            args = self.generic_args(v.get("args"))
            self_ty = self.ty(v["self_type"])
            if v.get("trait") is None:
                return f"{self_ty}::{v['name']}{args}"
            return f"<{self_ty} as {self.path(v['trait'])}>::{v['name']}{args}"
        raise ApiError(f"unknown type kind {kind!r}; teach ci/public-api.py about it")

    def path(self, p: dict) -> str:
        name = self.display_path_of(p.get("id"), p.get("path", "?"))
        return name + self.generic_args(p.get("args"))

    def generic_args(self, a) -> str:
        if not a:
            return ""
        (kind, v), = a.items()
        if kind == "angle_bracketed":
            parts = [self.generic_arg(x) for x in v["args"]]
            parts += [self.constraint(c) for c in v.get("constraints", [])]
            return f"<{', '.join(parts)}>" if parts else ""
        if kind == "parenthesized":
            out = "(" + ", ".join(self.ty(x) for x in v["inputs"]) + ")"
            if v.get("output") is not None:
                out += " -> " + self.ty(v["output"])
            return out
        if kind == "return_type_notation":
            return "(..)"
        raise ApiError(f"unknown generic args kind {kind!r}")

    def generic_arg(self, a) -> str:
        if a == "infer":
            return "_"
        (kind, v), = a.items()
        if kind == "lifetime":
            return v
        if kind == "type":
            return self.ty(v)
        if kind == "const":
            return v.get("expr") or v.get("value") or "_"
        raise ApiError(f"unknown generic arg kind {kind!r}")

    def constraint(self, c: dict) -> str:
        head = c["name"] + self.generic_args(c.get("args"))
        (kind, v), = c["binding"].items()
        if kind == "equality":
            (tk, tv), = v.items()
            return f"{head} = {self.ty(tv) if tk == 'type' else tv.get('expr', '_')}"
        if kind == "constraint":
            return f"{head}: {self.bounds(v)}"
        raise ApiError(f"unknown constraint kind {kind!r}")

    def poly_trait(self, p: dict) -> str:
        hrtb = self.hrtb(p.get("generic_params", []))
        return hrtb + self.path(p["trait"])

    def hrtb(self, params: list) -> str:
        return f"for<{', '.join(self.param(p) for p in params)}> " if params else ""

    def bounds(self, bounds: list) -> str:
        out = []
        for b in bounds:
            (kind, v), = b.items()
            if kind == "trait_bound":
                mod = {"none": "", "maybe": "?", "maybe_const": "~const "}.get(v.get("modifier"), "")
                out.append(mod + self.hrtb(v.get("generic_params", [])) + self.path(v["trait"]))
            elif kind == "outlives":
                out.append(v)
            elif kind == "use":
                names = [x if isinstance(x, str) else next(iter(x.values())) for x in v]
                out.append(f"use<{', '.join(names)}>")
            else:
                raise ApiError(f"unknown bound kind {kind!r}")
        return " + ".join(out)

    def param(self, p: dict) -> str:
        (kind, v), = p["kind"].items()
        if kind == "lifetime":
            outl = v.get("outlives") or []
            return p["name"] + (f": {' + '.join(outl)}" if outl else "")
        if kind == "type":
            out = p["name"]
            if v.get("bounds"):
                out += ": " + self.bounds(v["bounds"])
            if v.get("default") is not None:
                out += " = " + self.ty(v["default"])
            return out
        if kind == "const":
            out = f"const {p['name']}: {self.ty(v['type'])}"
            if v.get("default") is not None:
                out += f" = {v['default']}"
            return out
        raise ApiError(f"unknown generic param kind {kind!r}")

    def generics(self, g: dict | None) -> str:
        params = [p for p in (g or {}).get("params", []) if not is_synthetic(p)]
        return f"<{', '.join(self.param(p) for p in params)}>" if params else ""

    def generic_names(self, g: dict | None) -> str:
        """`<'a, T>`: the parameters as used in a path, without bounds."""
        params = [p for p in (g or {}).get("params", []) if not is_synthetic(p)]
        return f"<{', '.join(p['name'] for p in params)}>" if params else ""

    def where_clause(self, g: dict | None) -> str:
        preds = []
        for w in (g or {}).get("where_predicates", []):
            (kind, v), = w.items()
            if kind == "bound_predicate":
                preds.append(
                    self.hrtb(v.get("generic_params", []))
                    + f"{self.ty(v['type'])}: {self.bounds(v['bounds'])}"
                )
            elif kind == "lifetime_predicate":
                preds.append(f"{v['lifetime']}: {' + '.join(v['outlives'])}")
            elif kind == "eq_predicate":
                (rk, rv), = v["rhs"].items()
                preds.append(f"{self.ty(v['lhs'])} == {self.ty(rv) if rk == 'type' else rv}")
            else:
                raise ApiError(f"unknown where predicate {kind!r}")
        return f" where {', '.join(preds)}" if preds else ""

    def fn_pointer(self, v: dict) -> str:
        header = self.fn_header(v.get("header", {}), pointer=True)
        inputs = ", ".join(self.ty(t) for _, t in v["sig"]["inputs"])
        out = f"{self.hrtb(v.get('generic_params', []))}{header}fn({inputs})"
        if v["sig"].get("output") is not None:
            out += " -> " + self.ty(v["sig"]["output"])
        return out

    def fn_header(self, h: dict, pointer: bool = False) -> str:
        out = ""
        if h.get("is_const") and not pointer:
            out += "const "
        if h.get("is_async"):
            out += "async "
        if h.get("is_unsafe"):
            out += "unsafe "
        abi = h.get("abi", "Rust")
        if abi != "Rust":
            name = abi if isinstance(abi, str) else next(iter(abi))
            out += f'extern "{name}" '
        return out

    def fn_sig(self, f: dict) -> str:
        """`<G>(args) -> R where ...` of a function item."""
        args = []
        for name, t in f["sig"]["inputs"]:
            if name == "self":
                args.append(self.self_arg(t))
            else:
                args.append(f"{name}: {self.ty(t)}")
        if f["sig"].get("is_c_variadic"):
            args.append("...")
        out = f"{self.generics(f['generics'])}({', '.join(args)})"
        if f["sig"].get("output") is not None:
            out += " -> " + self.ty(f["sig"]["output"])
        return out + self.where_clause(f["generics"])

    def self_arg(self, t: dict) -> str:
        if t == {"generic": "Self"}:
            return "self"
        if "borrowed_ref" in t and t["borrowed_ref"]["type"] == {"generic": "Self"}:
            r = t["borrowed_ref"]
            lt = f"{r['lifetime']} " if r.get("lifetime") else ""
            return f"&{lt}{'mut ' if r['is_mutable'] else ''}self"
        return f"self: {self.ty(t)}"


def resolved_paths(node):
    """Every resolved path inside a JSON fragment (a type or generic args), outermost first."""
    if isinstance(node, dict):
        if "resolved_path" in node and isinstance(node["resolved_path"], dict):
            yield node["resolved_path"]
        for value in node.values():
            yield from resolved_paths(value)
    elif isinstance(node, list):
        for value in node:
            yield from resolved_paths(value)


def kind_of(item: dict) -> str:
    inner = item["inner"]
    return inner if isinstance(inner, str) else next(iter(inner))


def is_synthetic(param: dict) -> bool:
    kind = param["kind"]
    return "type" in kind and kind["type"].get("is_synthetic", False)


def const_value(c: dict) -> str | None:
    """A constant's value as written if literal, else as evaluated (`65551usize` -> `65551`)."""
    if c.get("is_literal"):
        return c.get("expr")
    value = c.get("value")
    if value is None:
        return None
    m = re.fullmatch(r"(-?[0-9_]+)(?:[ui](?:8|16|32|64|128|size))?", value)
    return m.group(1) if m else value


def attrs_prefix(item: dict) -> str:
    out = ""
    if item.get("deprecation") is not None:
        out += "#[deprecated] "
    attrs = item.get("attrs", [])
    if any(a == "non_exhaustive" or (isinstance(a, dict) and "non_exhaustive" in a) for a in attrs):
        out += "#[non_exhaustive] "
    return out


# ---------------------------------------------------------------------------------------------
# The listing
# ---------------------------------------------------------------------------------------------

# Order of lines that share an owner: the item, then its variants/fields, associated items,
# methods, trait impls, auto traits.
RANK_ITEM, RANK_MEMBER, RANK_ASSOC, RANK_METHOD, RANK_IMPL, RANK_AUTO = range(6)


class Listing:
    def __init__(self, api: Api):
        self.api = api
        self.lines: list[tuple[tuple, str]] = []
        self.counts = {
            "struct": 0, "enum": 0, "union": 0, "trait": 0, "type_alias": 0,
            "function": 0, "method": 0,
        }
        self.done_impls: set[str] = set()

    def emit(self, owner: list[str], rank: int, order, text: str) -> None:
        self.lines.append(((tuple(owner), rank, order, text), text))

    def build(self) -> list[str]:
        api = self.api
        for id_, entries in sorted(api.public_paths.items(), key=lambda kv: api.canonical(kv[0])[0]):
            canon_path, canon_cfg = api.canonical(id_)
            item = api.index[id_]
            for path, cfg in entries:
                if path != canon_path:
                    self.emit(path, RANK_ITEM, 0,
                              f"{cfg_prefix(cfg)}pub use {'::'.join(path)} = {'::'.join(canon_path)}")
            self.item(item, canon_path, canon_cfg)
        for path, source, cfg in api.foreign_reexports:
            self.emit(path, RANK_ITEM, 0, f"{cfg_prefix(cfg)}pub use {'::'.join(path)} = {source}")
        # Impls rustdoc did not attach to any listed type or trait but that are written in this
        # crate (e.g. a std trait for a std type, generic over a local one).
        for id_, item in api.index.items():
            if kind_of(item) == "impl" and id_ not in self.done_impls and item.get("span"):
                im = item["inner"]["impl"]
                if not im["is_synthetic"] and im["blanket_impl"] is None and im["trait"] is not None:
                    self.trait_impl(item)
        self.lines.sort(key=lambda x: x[0])
        out = [text for _, text in self.lines]
        c = self.counts
        types = c["struct"] + c["enum"] + c["union"] + c["trait"] + c["type_alias"]
        fns = c["function"] + c["method"]
        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 'es' if word.endswith('s') else 's'}"

        out.append(
            f"// summary: {n(types, 'public type')} ({n(c['struct'], 'struct')}, {n(c['enum'], 'enum')}, "
            f"{n(c['union'], 'union')}, {n(c['trait'], 'trait')}, {n(c['type_alias'], 'type alias')}); "
            f"{fns} functions and methods ({n(c['function'], 'free function')}, {n(c['method'], 'method')}); "
            f"{n(len(out), 'line')} above"
        )
        return out

    def impl_owner(self, im: dict) -> list[str]:
        """The listed path an impl is filed under: its self type, else its trait, else the first
        listed type in the trait's arguments (`From<ParseError> for std::io::Error`), else the
        crate root."""
        refs = [im["for"].get("resolved_path"), im["trait"]]
        refs += list(resolved_paths((im["trait"] or {}).get("args")))
        for ref in refs:
            if ref and self.api.canonical(ref.get("id")):
                return self.api.canonical(ref["id"])[0]
        return [CRATE]

    def item(self, item: dict, path: list[str], cfg: list[str]) -> None:
        api, kind, inner = self.api, kind_of(item), item["inner"]
        full = "::".join(path)
        pre = cfg_prefix(cfg) + attrs_prefix(item)
        v = inner.get(kind) if isinstance(inner, dict) else None
        if kind == "module":
            self.emit(path, RANK_ITEM, 0, f"{pre}pub mod {full}")
        elif kind == "function":
            self.counts["function"] += 1
            self.emit(path, RANK_ITEM, 0, f"{pre}pub {api.fn_header(v['header'])}fn {full}{api.fn_sig(v)}")
        elif kind == "constant":
            tail = f" = {const_value(v['const'])}" if const_value(v["const"]) else ""
            self.emit(path, RANK_ITEM, 0, f"{pre}pub const {full}: {api.ty(v['type'])}{tail}")
        elif kind == "static":
            mut = "mut " if v.get("is_mutable") else ""
            self.emit(path, RANK_ITEM, 0, f"{pre}pub static {mut}{full}: {api.ty(v['type'])}")
        elif kind == "type_alias":
            self.counts["type_alias"] += 1
            self.emit(path, RANK_ITEM, 0,
                      f"{pre}pub type {full}{api.generics(v['generics'])} = {api.ty(v['type'])}"
                      f"{api.where_clause(v['generics'])}")
        elif kind == "macro":
            self.emit(path, RANK_ITEM, 0, f"{pre}macro_rules! {full}")
        elif kind == "proc_macro":
            self.emit(path, RANK_ITEM, 0, f"{pre}proc macro ({v.get('kind')}) {full}")
        elif kind in ("struct", "union"):
            self.struct(kind, v, path, cfg, pre)
        elif kind == "enum":
            self.enum(v, path, cfg, pre)
        elif kind == "trait":
            self.trait(v, path, cfg, pre)
        elif kind == "trait_alias":
            self.emit(path, RANK_ITEM, 0,
                      f"{pre}pub trait {full}{api.generics(v['generics'])} = {api.bounds(v['params'])}")
        else:
            raise ApiError(f"unexpected public item kind {kind!r} at {full}")

    def struct(self, kind, v, path, cfg, pre) -> None:
        api = self.api
        self.counts[kind] += 1
        g = v["generics"]
        head = f"{pre}pub {kind} {'::'.join(path)}{api.generics(g)}"
        if kind == "struct":
            body = v["kind"]
        else:
            body = {"plain": {"fields": v["fields"], "has_stripped_fields": v["has_stripped_fields"]}}
        if body == "unit":
            self.emit(path, RANK_ITEM, 0, f"{head}{api.where_clause(g)};")
        elif "tuple" in body:
            fields = [self.field_ty(f) for f in body["tuple"]]
            self.emit(path, RANK_ITEM, 0, f"{head}({', '.join(fields)}){api.where_clause(g)};")
        else:
            plain = body["plain"]
            private = " { /* private fields */ }" if plain["has_stripped_fields"] else ""
            self.emit(path, RANK_ITEM, 0, f"{head}{api.where_clause(g)}{private}")
            for n, fid in enumerate(plain["fields"]):
                f = api.item(fid)
                if f is None or is_hidden(f):
                    continue
                fcfg = cfg_prefix(merge_cfg(cfg, own_cfg(f)))
                self.emit(path, RANK_MEMBER, n,
                          f"{fcfg}pub {'::'.join(path)}::{f['name']}: {api.ty(f['inner']['struct_field'])}")
        self.impls(v["impls"], path, cfg, g)

    def field_ty(self, fid) -> str:
        f = self.api.item(fid)
        if f is None or f.get("visibility") not in ("public", "default") or is_hidden(f):
            return "_"
        prefix = "pub " if f.get("visibility") == "public" else ""
        return prefix + self.api.ty(f["inner"]["struct_field"])

    def enum(self, v, path, cfg, pre) -> None:
        api = self.api
        self.counts["enum"] += 1
        g = v["generics"]
        self.emit(path, RANK_ITEM, 0,
                  f"{pre}pub enum {'::'.join(path)}{api.generics(g)}{api.where_clause(g)}")
        for n, vid in enumerate(v["variants"]):
            var = api.item(vid)
            if var is None or is_hidden(var):
                continue
            vk = var["inner"]["variant"]
            body = ""
            if isinstance(vk["kind"], dict) and "tuple" in vk["kind"]:
                body = "(" + ", ".join(self.field_ty(f) for f in vk["kind"]["tuple"]) + ")"
            elif isinstance(vk["kind"], dict) and "struct" in vk["kind"]:
                fields = []
                for fid in vk["kind"]["struct"]["fields"]:
                    f = api.item(fid)
                    if f is not None and not is_hidden(f):
                        fields.append(f"{f['name']}: {api.ty(f['inner']['struct_field'])}")
                if vk["kind"]["struct"].get("has_stripped_fields"):
                    fields.append("..")
                body = " { " + ", ".join(fields) + " }"
            disc = f" = {vk['discriminant']['expr']}" if vk.get("discriminant") else ""
            vpre = cfg_prefix(merge_cfg(cfg, own_cfg(var))) + attrs_prefix(var)
            self.emit(path, RANK_MEMBER, n, f"{vpre}{'::'.join(path)}::{var['name']}{body}{disc}")
        self.impls(v["impls"], path, cfg, g)

    def trait(self, v, path, cfg, pre) -> None:
        api = self.api
        self.counts["trait"] += 1
        full = "::".join(path)
        g = v["generics"]
        unsafe = "unsafe " if v.get("is_unsafe") else ""
        auto = "auto " if v.get("is_auto") else ""
        supers = f": {api.bounds(v['bounds'])}" if v.get("bounds") else ""
        dyn = "" if v.get("is_dyn_compatible", True) else " // not dyn-compatible"
        self.emit(path, RANK_ITEM, 0,
                  f"{pre}pub {unsafe}{auto}trait {full}{api.generics(g)}{supers}{api.where_clause(g)}{dyn}")
        for mid in v["items"]:
            m = api.item(mid)
            if m is None or is_hidden(m):
                continue
            self.assoc(m, path, cfg, owner_ty=full + api.generic_names(g), in_trait=True)
        for iid in v["implementations"]:
            self.impl(iid, path, cfg)

    def impls(self, impl_ids: list, path: list[str], cfg: list[str], g: dict) -> None:
        auto: dict[str, str] = {}
        for iid in impl_ids:
            imp = self.api.item(iid)
            if imp is None:
                continue
            im = imp["inner"]["impl"]
            if im["is_synthetic"]:
                name = self.api.display_path_of(im["trait"]["id"], im["trait"]["path"])
                if name in AUTO_TRAITS:
                    auto[name] = self.auto_token(name, im)
                continue
            self.impl(iid, path, cfg)
        if auto:
            toks = [auto[n] for n in AUTO_TRAITS if n in auto]
            self.emit(path, RANK_AUTO, 0,
                      f"{cfg_prefix(cfg)}auto traits of {'::'.join(path)}{self.api.generic_names(g)}: "
                      + " + ".join(toks))

    def auto_token(self, name: str, im: dict) -> str:
        if im["is_negative"]:
            return "!" + name
        preds = im["generics"].get("where_predicates", [])
        params = {p["name"] for p in im["generics"].get("params", []) if "type" in p["kind"]}
        structural = all(
            "bound_predicate" in w
            and w["bound_predicate"]["type"].get("generic") in params
            and self.api.bounds(w["bound_predicate"]["bounds"]) == name
            for w in preds
        )
        if structural:
            return name
        return f"{name} ({self.api.where_clause(im['generics']).strip()})"

    def impl(self, iid, owner: list[str], cfg: list[str]) -> None:
        imp = self.api.item(iid)
        if imp is None or is_hidden(imp) or str(iid) in self.done_impls:
            return
        im = imp["inner"]["impl"]
        if im["is_synthetic"] or im["blanket_impl"] is not None:
            return
        self.done_impls.add(str(iid))
        if im["trait"] is None:
            self.inherent(imp, owner, cfg)
        else:
            self.trait_impl(imp)

    def self_type(self, im: dict) -> str:
        """The impl's self type with its full public path (`proxy_wire::v2::Header<B>`)."""
        rp = im["for"].get("resolved_path")
        if rp and self.api.canonical(rp.get("id")):
            return "::".join(self.api.canonical(rp["id"])[0]) + self.api.generic_args(rp.get("args"))
        return self.api.ty(im["for"])

    def inherent(self, imp: dict, owner, cfg) -> None:
        api = self.api
        im = imp["inner"]["impl"]
        icfg = merge_cfg(cfg, own_cfg(imp))
        self_ty = self.self_type(im)
        where = self.impl_bounds(im["generics"])
        for mid in im["items"]:
            m = api.item(mid)
            if m is None or is_hidden(m) or m.get("visibility") != "public":
                continue
            self.assoc(m, owner, icfg, owner_ty=self_ty, in_trait=False, impl_where=where)

    def impl_bounds(self, g: dict) -> str:
        """An impl's bounds as one where clause, inline bounds included (`where B: AsRef<[u8]>`)."""
        preds = []
        for p in g.get("params", []):
            (kind, v), = p["kind"].items()
            if kind == "type" and v.get("bounds") and not v.get("is_synthetic"):
                preds.append(f"{p['name']}: {self.api.bounds(v['bounds'])}")
            if kind == "lifetime" and v.get("outlives"):
                preds.append(f"{p['name']}: {' + '.join(v['outlives'])}")
        rest = self.api.where_clause(g)
        if rest:
            preds.append(rest[len(" where "):])
        return f" where {', '.join(preds)}" if preds else ""

    def assoc(self, m: dict, owner, cfg, owner_ty: str, in_trait: bool, impl_where: str = "") -> None:
        api = self.api
        kind = kind_of(m)
        v = m["inner"][kind]
        mcfg = merge_cfg(cfg, own_cfg(m))
        pre = cfg_prefix(mcfg) + attrs_prefix(m)
        name = f"{owner_ty}::{m['name']}"
        vis = "" if in_trait else "pub "
        if kind == "function":
            self.counts["method"] += 1
            provided = " { .. }" if in_trait and v.get("has_body") else ""
            self.emit(owner, RANK_METHOD, m["name"],
                      f"{pre}{vis}{api.fn_header(v['header'])}fn {name}{api.fn_sig(v)}{impl_where}{provided}")
        elif kind == "assoc_const":
            default = f" = {v['value']}" if v.get("value") not in (None, "_") else ""
            self.emit(owner, RANK_ASSOC, m["name"],
                      f"{pre}{vis}const {name}: {api.ty(v['type'])}{default}{impl_where}")
        elif kind == "assoc_type":
            bounds = f": {api.bounds(v['bounds'])}" if v.get("bounds") else ""
            default = f" = {api.ty(v['type'])}" if v.get("type") is not None else ""
            self.emit(owner, RANK_ASSOC, m["name"],
                      f"{pre}{vis}type {name}{api.generics(v['generics'])}{bounds}{default}")
        else:
            raise ApiError(f"unexpected associated item kind {kind!r} in {owner_ty}")

    def trait_impl(self, imp: dict) -> None:
        """One line per trait impl, filed under its self type (else its trait) whichever way it
        was reached, and gated by the cfg of both."""
        api = self.api
        im = imp["inner"]["impl"]
        self.done_impls.add(str(imp["id"]))
        summary = api.paths.get(str(im["trait"].get("id")))
        if summary and "::".join(summary["path"]) in SKIPPED_TRAITS:
            return
        owner = self.impl_owner(im)
        # The impl cannot exist without every local type or trait it names: it has their gates.
        icfg = []
        for ref in [*resolved_paths(im["for"]), im["trait"], *resolved_paths(im["trait"].get("args"))]:
            canon = api.canonical(ref.get("id"))
            if canon:
                icfg = merge_cfg(icfg, canon[1])
        icfg = merge_cfg(icfg, own_cfg(imp))
        neg = "!" if im["is_negative"] else ""
        unsafe = "unsafe " if im["is_unsafe"] else ""
        assoc = []
        for mid in im["items"]:
            m = api.item(mid)
            if m is None:
                continue
            mk = kind_of(m)
            if mk == "assoc_type" and m["inner"]["assoc_type"].get("type") is not None:
                assoc.append(f"type {m['name']} = {api.ty(m['inner']['assoc_type']['type'])};")
            elif mk == "assoc_const":
                assoc.append(f"const {m['name']}: {api.ty(m['inner']['assoc_const']['type'])};")
        body = f" {{ {' '.join(assoc)} }}" if assoc else ""
        text = (f"{cfg_prefix(icfg)}{unsafe}impl{api.generics(im['generics'])} {neg}{api.path(im['trait'])} "
                f"for {self.self_type(im)}{api.where_clause(im['generics'])}{body}")
        self.emit(owner, RANK_IMPL, text, text)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="read this rustdoc JSON file instead of building it")
    ap.add_argument("--target-dir", type=Path, default=DEFAULT_TARGET_DIR,
                    help=f"cargo target directory for the build (default: {DEFAULT_TARGET_DIR})")
    args = ap.parse_args()
    try:
        json_path = args.json or build_json(args.target_dir)
        with open(json_path, encoding="utf-8") as f:
            doc = json.load(f)
        root_attrs = json.dumps(doc.get("index", {}).get(str(doc.get("root")), {}).get("attrs", []))
        if "doc_cfg" not in root_attrs:
            print("ci/public-api.py: warning: this JSON was built without `--cfg docsrs`; impls gated "
                  "only by their module show no cfg, so the listing will differ from "
                  "api/public-api.txt", file=sys.stderr)
        lines = Listing(Api(doc)).build()
    except ApiError as e:
        print(f"ci/public-api.py: {e}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as e:
        print(f"ci/public-api.py: building the rustdoc JSON failed ({e})", file=sys.stderr)
        return 2
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
