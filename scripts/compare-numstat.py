#!/usr/bin/env python3
"""Compare faultline's commit_files with `git log --numstat` on the same repository.

    scripts/compare-numstat.py REPO STORE

REPO is the repository faultline ingested, STORE its store folder (e.g. .faultline). Prints
how many of git's (commit, path) rows faultline has with identical added/deleted counts.
Needs the duckdb Python package (pip install duckdb).
"""
import re
import subprocess
import sys

import duckdb

repo, store = sys.argv[1], sys.argv[2]
rows = duckdb.sql(
    "select sha, path, coalesce(cast(added_lines as varchar), '-'), "
    f"coalesce(cast(deleted_lines as varchar), '-') from '{store}/current/commit_files.parquet'"
).fetchall()
ours = {(sha, path): (a, d) for sha, path, a, d in rows}
log = subprocess.run(
    ["git", "-C", repo, "log", "--numstat", "--format=C %H", "--branches", "HEAD"],
    capture_output=True, check=True,
).stdout.decode("utf-8", "replace")
git = {}
sha = None
for line in log.splitlines():
    if line.startswith("C "):
        sha = line[2:]
        continue
    if not line:
        continue
    added, deleted, path = line.split("\t", 2)
    brace = re.match(r"^(.*)\{(.*) => (.*)\}(.*)$", path)
    if brace:
        path = (brace.group(1) + brace.group(3) + brace.group(4)).replace("//", "/")
    elif " => " in path:
        path = path.split(" => ")[1]
    git[(sha, path)] = (added, deleted)
same = sum(1 for key, counts in git.items() if ours.get(key) == counts)
print(f"git rows {len(git)}, faultline rows {len(ours)}, identical {same} ({same / len(git):.2%})")
