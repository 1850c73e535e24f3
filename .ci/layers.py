#!/usr/bin/env python3
"""Fails on an import cycle between the crate's source files, or on a call that goes up the layers.

A scan of `use crate::…`, `use super::…` and inline `crate::…`/`super::…` paths (test modules
excluded), resolved to the file that defines the module. ARCHITECTURE.md explains the layers.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

# Each top-level module and the top-level modules it may use (besides itself).
LAYERS = {
    "domain": set(),
    "paths": set(),
    "cert": {"domain"},
    "tls": {"domain", "cert"},
    "content": {"domain", "cert"},
    "config": {"domain", "paths"},
    "display": {"domain", "config"},
    "api": {"domain", "cert", "tls", "content"},
    "gateway": {"domain", "cert", "tls", "content", "api"},
    "cloud": {"domain", "cert", "tls", "content", "api", "gateway"},
    "site": {"domain", "cert", "tls", "content", "config", "paths", "api", "cloud", "gateway"},
    "client": {"domain", "cert", "tls", "content", "api"},
    "console": {"domain", "cert", "tls", "content", "config", "paths", "api", "display"},
    "cli": {
        "domain", "cert", "tls", "content", "config", "paths", "api", "gateway", "cloud", "site",
        "client", "console", "display",
    },
}


def module_of(path):
    rel = os.path.relpath(path, ROOT)[:-3]
    parts = rel.split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def strip(text):
    # Comments and string literals carry paths that are not uses.
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'r#*"(?:[^"\\]|\\.)*?"#*', '""', text, flags=re.S)
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text, flags=re.S)
    text = re.sub(r"'(?:[^'\\\n]|\\.)'", "' '", text)
    # Test modules: `#[cfg(test)] mod name { … }` (braces matched) or `mod name;`.
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*([;{])", text):
        if m.start() < i:
            continue
        out.append(text[i : m.start()])
        if m.group(1) == ";":
            i = m.end()
            continue
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


def expand(tree):
    """`a::{b, c::{d, e}}` → [`a::b`, `a::c::d`, `a::c::e`]."""
    tree = tree.strip()
    m = re.match(r"^(.*?)::\{(.*)\}$", tree, flags=re.S)
    if not m:
        return [tree]
    head, body = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    parts.append(cur)
    res = []
    for p in parts:
        p = p.strip()
        if not p:
            continue
        if p == "self":
            res.append(head)
        else:
            res.extend(head + "::" + q for q in expand(p))
    return res


def main():
    files = {}
    for dirpath, _, names in os.walk(ROOT):
        for n in names:
            if n.endswith(".rs"):
                p = os.path.join(dirpath, n)
                files[module_of(p)] = p
    modules = set(files)
    test_files = {m for m in modules if m and (m[-1] == "tests" or m[-1].endswith("_tests"))}

    def resolve(cur, path):
        segs = [s for s in re.split(r"\s*::\s*", path.split(" as ")[0].strip()) if s]
        if not segs:
            return None
        if segs[0] == "crate":
            base, segs = (), segs[1:]
        elif segs[0] in ("super", "self"):
            base = cur
            while segs and segs[0] in ("super", "self"):
                if segs[0] == "super":
                    base = base[:-1]
                segs = segs[1:]
        elif cur + (segs[0],) in modules:
            # A child module named relative to its parent (`routes::list`).
            base = cur
        else:
            return None
        best = None
        for k in range(len(segs) + 1):
            cand = base + tuple(segs[:k])
            if cand in modules:
                best = cand
        return best

    edges = {m: set() for m in modules}
    for m, p in files.items():
        if m in test_files:
            continue
        text = strip(open(p, encoding="utf-8").read())
        paths = []
        for u in re.finditer(r"\buse\s+(\w[^;]*);", text):
            paths.extend(expand(re.sub(r"\s+", " ", u.group(1))))
        body = re.sub(r"\buse\s+[^;]*;", "", text)
        body = re.sub(r"\b(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*;", "", body)
        paths.extend(re.findall(r"(?<![\w:])\w+(?:\s*::\s*\w+)+", body))
        for path in paths:
            t = resolve(m, path)
            if t is not None and t != m and t not in test_files:
                edges[m].add(t)

    failed = False
    # Layers.
    for m, ts in sorted(edges.items()):
        for t in sorted(ts):
            if not m or not t or m[0] == t[0]:
                continue
            allowed = LAYERS.get(m[0])
            if allowed is not None and t[0] not in allowed:
                print(f"layer: {'::'.join(m)} uses {'::'.join(t)} ({m[0]} may use {', '.join(sorted(allowed)) or 'nothing'})")
                failed = True

    # Cycles: strongly connected components (Tarjan).
    index, low, on, stack, comps, counter = {}, {}, set(), [], [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(comp)

    for v in sorted(modules):
        if v not in index:
            visit(v)
    for comp in comps:
        names = sorted("::".join(c) or "crate" for c in comp)
        print(f"cycle ({len(comp)} files): " + ", ".join(names))
        cs = set(comp)
        for c in sorted(comp):
            for t in sorted(edges[c] & cs):
                print(f"    {'::'.join(c) or 'crate'} -> {'::'.join(t) or 'crate'}")
        failed = True
    if failed:
        sys.exit(1)
    print(f"layers: {len(modules)} files, no cycle, no call up the layers")


if __name__ == "__main__":
    main()
