#!/usr/bin/env python3
"""validate.py RESPONSES.tsv SPEC.yml [SEED.yml...]
validate.py --cover RESPONSES.tsv SPEC.yml

Checks every answer a test kept (method, path, status, body file, content
type per line) against the OpenAPI document (with --cover: that every error
status each operation declares is among the answers kept): the status must be one the
operation documents (or a limit any request may meet), the content type the
documented one, and a JSON body valid against the documented schema. Paths of
the seed documents are checked against the seed's schema too. Prints one
"ok"/"FAIL" line per answer; exits 1 if any failed."""
import json
import re
import sys

import jsonschema
import yaml

# Answers any request may get from the server's limits, whatever its path.
# 413 is not one: only operations with a body meet it, and they declare it.
GENERIC = {"405", "408", "414", "431", "503"}
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def deref(doc, node, seen=()):
    """The node with every local $ref replaced by what it points at."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                raise ValueError("recursive $ref " + ref)
            target = doc
            for part in ref[2:].split("/"):
                target = target[part]
            return deref(doc, target, seen + (ref,))
        return {k: deref(doc, v, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [deref(doc, v, seen) for v in node]
    return node


def find_operation(doc, method, path):
    rel = path[3:] if path.startswith("/v1/") else path
    segs = rel.strip("/").split("/")
    for template, item in doc.get("paths", {}).items():
        tsegs = template.strip("/").split("/")
        if len(tsegs) != len(segs):
            continue
        if all(t == s or (t.startswith("{") and s) for t, s in zip(tsegs, segs)):
            op = item.get(method.lower())
            if op is not None:
                return template, op
    return None, None


format_checker = jsonschema.FormatChecker()


@format_checker.checks("date-time")
def is_date_time(value):
    return not isinstance(value, str) or bool(DATE_TIME.match(value))


def check_body(doc, response, body, ctype):
    """None when body fits the documented response, else why not."""
    content = response.get("content")
    if not content:
        return None if body == b"" else "a body where none is documented"
    media = ctype.split(";")[0].strip()
    if media not in content:
        return "content type %r, documented %s" % (ctype, list(content))
    schema = content[media].get("schema")
    if media != "application/json":
        return None
    try:
        value = json.loads(body)
    except ValueError as e:
        return "not JSON: %s" % e
    if schema is not None:
        schema = deref(doc, schema)
        errors = list(jsonschema.Draft202012Validator(
            schema, format_checker=format_checker).iter_errors(value))
        if errors:
            return "; ".join("%s at %s" % (e.message, list(e.absolute_path)) for e in errors[:3])
    return None


def check_one(doc, seeds, method, path, status, body, ctype):
    template, op = find_operation(doc, method, path)
    generic_error = deref(doc, {"$ref": "#/components/responses/BadRequest"})
    if op is None:
        if status in ("404", "405") or status in GENERIC:
            return check_body(doc, generic_error, body, ctype)
        return "no operation %s %s in the document" % (method, path)
    responses = op.get("responses", {})
    if status not in responses:
        if status in GENERIC:
            return check_body(doc, generic_error, body, ctype)
        return "status %s not documented for %s %s" % (status, method, template)
    why = check_body(doc, deref(doc, responses[status]), body, ctype)
    if why:
        return why
    for seed in seeds:
        _, sop = find_operation(seed, method, path)
        if sop is not None and status in sop.get("responses", {}):
            why = check_body(seed, deref(seed, sop["responses"][status]), body, ctype)
            if why:
                return "seed schema: " + why
    return None


def cover(responses, spec):
    """One FAIL line per declared error status no kept answer has."""
    seen = set()
    for line in open(responses):
        method, path, status = line.split("\t")[:3]
        template, op = find_operation(spec, method, path)
        if op is not None:
            seen.add((method.lower(), template, status))
    bad = 0
    for template, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for status in sorted(op.get("responses", {})):
                if int(status) < 400 or status == "503":
                    continue
                if (method, template, status) in seen:
                    print("ok   cover %s %s %s" % (method.upper(), template, status))
                else:
                    bad += 1
                    print("FAIL cover %s %s %s: declared, never driven" % (method.upper(), template, status))
    sys.exit(1 if bad else 0)


def main():
    if sys.argv[1] == "--cover":
        cover(sys.argv[2], yaml.safe_load(open(sys.argv[3])))
    spec = yaml.safe_load(open(sys.argv[2]))
    seeds = [yaml.safe_load(open(f)) for f in sys.argv[3:]]
    bad = 0
    for line in open(sys.argv[1]):
        method, path, status, body_file, ctype = line.rstrip("\n").split("\t")
        body = open(body_file, "rb").read()
        why = check_one(spec, seeds, method, path, status, body, ctype)
        if why:
            bad += 1
            print("FAIL schema %s %s %s: %s" % (method, path, status, why))
        else:
            print("ok   schema %s %s %s" % (method, path, status))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
