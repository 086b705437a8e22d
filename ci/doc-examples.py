#!/usr/bin/env python3
"""Fail when a public type, function or method of proxy-wire has no code example in its docs.

Reads rustdoc's JSON output of the crate; build it first with

    RUSTC_BOOTSTRAP=1 cargo rustdoc -p proxy-wire --all-features -- -Zunstable-options --output-format json

Public means reachable in the public API, decided exactly as ci/public-api.py decides it (this
script loads that file). Checked: structs, enums, unions, traits, free functions, inherent methods
and methods declared by traits; not trait impl methods (fmt, from, ...), variants, fields,
constants or modules. An item has an example when a line of its docs starts with ```.

    python3 ci/doc-examples.py [JSON]           # default target/doc/proxy_wire.json; exit 1 if any lack one
    python3 ci/doc-examples.py [JSON] --list    # every checked item with yes/no

Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TYPE_KINDS = ("struct", "enum", "union", "trait")


def load_public_api():
    """ci/public-api.py as a module (its name is not importable as written)."""
    sys.dont_write_bytecode = True  # no ci/__pycache__ left behind in the work tree
    spec = importlib.util.spec_from_file_location("public_api", REPO / "ci" / "public-api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def has_example(item: dict) -> bool:
    return any(line.lstrip().startswith("```") for line in (item.get("docs") or "").splitlines())


def checked_items(pa, api) -> dict[str, dict]:
    """{public path: item} of every item this check covers, each under its canonical path."""
    out: dict[str, dict] = {}
    for id_ in api.public_paths:
        item = api.item(id_)
        if item is None or pa.is_hidden(item) or item.get("crate_id") != 0:
            continue
        kind = pa.kind_of(item)
        if kind not in TYPE_KINDS and kind != "function":
            continue
        path = "::".join(api.canonical(id_)[0])
        out[path] = item
        if kind == "trait":
            members = item["inner"]["trait"]["items"]
        elif kind in TYPE_KINDS:
            members = []
            for impl_id in item["inner"][kind]["impls"]:
                impl = api.item(impl_id)
                if impl is None or pa.is_hidden(impl):
                    continue
                im = impl["inner"]["impl"]
                # Inherent impls only: trait impls (Display, From, ...) document the trait's method.
                if im["trait"] is None and not im["is_synthetic"] and im["blanket_impl"] is None:
                    members += [m for m in im["items"]
                                if (api.item(m) or {}).get("visibility") == "public"]
        else:
            members = []
        for member_id in members:
            member = api.item(member_id)
            if member is not None and not pa.is_hidden(member) and pa.kind_of(member) == "function":
                out[f"{path}::{member['name']}"] = member
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", nargs="?", type=Path, default=REPO / "target" / "doc" / "proxy_wire.json",
                    help="rustdoc JSON of the crate (default: target/doc/proxy_wire.json)")
    ap.add_argument("--list", action="store_true", help="print every checked item with yes/no")
    args = ap.parse_args()
    pa = load_public_api()
    try:
        with open(args.json, encoding="utf-8") as f:
            doc = json.load(f)
        items = checked_items(pa, pa.Api(doc))
    except OSError as e:
        print(f"ci/doc-examples.py: cannot read {args.json} ({e.strerror}); build it with:\n"
              "  RUSTC_BOOTSTRAP=1 cargo rustdoc -p proxy-wire --all-features -- -Zunstable-options "
              "--output-format json", file=sys.stderr)
        return 2
    except pa.ApiError as e:
        print(f"ci/doc-examples.py: {e}", file=sys.stderr)
        return 2
    if not items:
        print(f"ci/doc-examples.py: no public items found in {args.json}", file=sys.stderr)
        return 2
    missing = sorted(p for p, item in items.items() if not has_example(item))
    if args.list:
        for path in sorted(items):
            print(f"{path} {'no' if path in missing else 'yes'}")
    elif missing:
        print("public items whose docs have no code example (a line starting with ```):")
        for path in missing:
            print(f"  {path}")
    print(f"{len(items) - len(missing)} of {len(items)} public items have an example")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
