#!/usr/bin/env python3
"""The vault's layout, as its #include lines show it (docs/architecture.md).

Fails, naming the files, if

- the graph of modules under vault/ has a cycle: a module is a path without
  its extension (store/codec = store/codec.c + store/codec.h), and x includes
  y when any file of x includes a header of y;
- a file includes a folder its own may not: the implementations
  (store/sqlite, store/pg, remote) know nothing of each other, what both
  databases share (store/) knows neither of them, and none of these includes
  the front's own headers (vault.h, access.h, ...) beyond the three the
  interface is made of.

Usage: include_graph.py VAULT_DIR
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# Of the front (the files directly in vault/), what an implementation may include.
INTERFACE = {"vault_types.h", "vault_ops.h", "checks.h"}
# Folder -> the folders it may include besides itself ("" is the front).
ALLOWED = {
    "store": {"store"},
    "store/sqlite": {"store"},
    "store/pg": {"store"},
    "remote": {"wire", "json"},
    "json": set(),
    "wire": {"store"},
    "server": {"", "store", "store/sqlite", "store/pg", "remote", "wire", "json"},
    "cli": {"", "store", "store/sqlite", "store/pg", "remote", "wire", "server", "json"},
    "": {"store", "store/sqlite", "store/pg", "remote", "wire"},
}
# Folders whose files may include the front only through INTERFACE.
IMPLEMENTATIONS = {"store", "store/sqlite", "store/pg", "remote", "wire", "json"}


def sources(vault):
    for d, _, names in os.walk(vault):
        for n in sorted(names):
            if n.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(d, n), vault)


def resolve(vault, src, header):
    """The vault-relative path header names from src, or None (not ours)."""
    for base in (os.path.dirname(src), "", "cli", "server"):
        cand = os.path.normpath(os.path.join(base, header))
        if os.path.isfile(os.path.join(vault, cand)):
            return cand
    return None


def folder(path):
    return os.path.dirname(path)


def module(path):
    return os.path.splitext(path)[0]


def cycles(edges):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
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
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def main():
    vault = sys.argv[1]
    edges, faults = {}, []
    for src in sources(vault):
        with open(os.path.join(vault, src), encoding="utf-8") as f:
            text = f.read()
        edges.setdefault(module(src), set())
        for header in INCLUDE.findall(text):
            target = resolve(vault, src, header)
            if target is None:
                continue
            if module(target) != module(src):
                edges[module(src)].add(module(target))
            have, want = folder(src), folder(target)
            if have == want:
                continue
            if want not in ALLOWED.get(have, set()) and not (
                    have in IMPLEMENTATIONS and want == "" and
                    os.path.basename(target) in INTERFACE):
                faults.append("%s includes %s: %s/ may not include %s" %
                              (src, target, have or "vault", want + "/" if want else
                               "the front beyond " + ", ".join(sorted(INTERFACE))))
    for comp in cycles(edges):
        faults.append("include cycle through %d modules: %s" % (len(comp), " ".join(comp)))
    for f in faults:
        print("include_graph: " + f, file=sys.stderr)
    if faults:
        return 1
    print("include_graph: %d modules, no cycle, every include where its folder may" %
          len(edges))
    return 0


if __name__ == "__main__":
    sys.exit(main())
