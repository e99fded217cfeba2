#!/usr/bin/env python3
"""seed_superset.py SPEC SEED...: every path, operation, field, status code and
schema of each seed document is in SPEC unchanged (SPEC may add to them: new
keys, list items, operations). Exits 1 naming what differs."""
import sys

import yaml


def missing(seed, mine, where):
    if isinstance(seed, dict):
        if not isinstance(mine, dict):
            return [where + ": not an object"]
        out = []
        for k, v in seed.items():
            if k not in mine:
                out.append("%s/%s: missing" % (where, k))
            else:
                out += missing(v, mine[k], "%s/%s" % (where, k))
        return out
    if isinstance(seed, list):
        if not isinstance(mine, list):
            return [where + ": not a list"]
        return ["%s[%d]: not found" % (where, i) for i, v in enumerate(seed)
                if not any(not missing(v, m, "") for m in mine)]
    return [] if seed == mine else ["%s: %r became %r" % (where, seed, mine)]


def refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


spec = yaml.safe_load(open(sys.argv[1]))
bad = []
# Every reference of the document resolves within it.
for ref in set(refs(spec)):
    target = spec
    for part in ref[2:].split("/") if ref.startswith("#/") else [None]:
        target = target.get(part) if isinstance(target, dict) and part else None
    if target is None:
        bad.append("%s: unresolved $ref %s" % (sys.argv[1], ref))
for path in sys.argv[2:]:
    seed = yaml.safe_load(open(path))
    for part in ("paths", "components", "security"):
        bad += ["%s: %s" % (path, m) for m in missing(seed[part], spec[part], part)]
print("\n".join(bad) if bad else "every seed path, field and status is in the document")
sys.exit(1 if bad else 0)
