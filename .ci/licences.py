#!/usr/bin/env python3
"""Fail if any crate linked into the custodia binary (normal dependencies, all features,
Linux x86-64) is licensed only under a GPL-family licence. Offline: reads cargo metadata."""
import json
import subprocess
import sys

meta = json.loads(subprocess.check_output(
    ["cargo", "metadata", "--format-version", "1", "--all-features", "--filter-platform", "x86_64-unknown-linux-gnu"]))
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
root = meta["resolve"]["root"]

linked, todo = set(), [root]
while todo:
    node = nodes[todo.pop()]
    for dep in node["deps"]:
        if any(k["kind"] is None for k in dep["dep_kinds"]) and dep["pkg"] not in linked:
            linked.add(dep["pkg"])
            todo.append(dep["pkg"])

def acceptable(expr):
    if not expr:
        return False
    # "A OR B": fine if any alternative is free of GPL; "A AND B": every part must be.
    return any(all("GPL" not in part for part in alt.split(" AND ")) for alt in expr.replace("/", " OR ").split(" OR "))

bad = sorted(f"{packages[p]['name']} {packages[p]['version']}: {packages[p].get('license')}"
             for p in linked if not acceptable(packages[p].get("license")))
print(f"licences: {len(linked)} crates linked into the binary checked")
if bad:
    print("not acceptable (GPL-only or no licence):\n  " + "\n  ".join(bad))
    sys.exit(1)
