#!/usr/bin/env python3
"""SZZ speed per fix commit, side by side in one run on the same real repository:

  - PyDriller's Git.get_commits_last_modified_lines (git blame -w per file, via GitPython),
  - `git blame -w -L` limited to the lines faultline blames, one call per file,
  - `faultline szz` over the same fixes, after `faultline ingest` (whose time is reported apart).

    python3 scripts/bench-szz.py PATH/TO/REPO [--fixes 50] [--runs 3]

The fixes are the newest non-merge commits on HEAD whose subject starts with "fix" (any case)
and that delete or change lines of a file that existed before. Needs PyDriller
(`python3 -m venv /tmp/pyd && /tmp/pyd/bin/pip install pydriller`, then run this script with
/tmp/pyd/bin/python) and GNU time. Prints per-fix means and medians, the ratios, and how far
the blamed sets agree.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def fixes(repo, wanted):
    out = []
    log = git(repo, "log", "--no-merges", "--format=%H %s", "HEAD")
    for line in log.splitlines():
        sha, _, subject = line.partition(" ")
        if not subject.lower().startswith("fix"):
            continue
        # A deleted or changed line in a file that existed before.
        stat = git(repo, "show", "--numstat", "--format=", "--diff-filter=MR", sha)
        if any(row.split("\t")[1] not in ("0", "-") for row in stat.splitlines() if row.count("\t") >= 2):
            out.append(sha)
        if len(out) == wanted:
            break
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    parser.add_argument("--fixes", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    repo = os.path.abspath(args.repo)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(here, "target"))
    binary = os.environ.get("FAULTLINE_BIN", os.path.join(target, "release", "faultline"))
    if not os.access(binary, os.X_OK):
        sys.exit("build first: cargo build --release (or set FAULTLINE_BIN)")
    try:
        from pydriller import Git
    except ImportError:
        sys.exit("needs PyDriller: python3 -m venv /tmp/pyd && /tmp/pyd/bin/pip install pydriller; run with /tmp/pyd/bin/python")

    chosen = fixes(repo, args.fixes)
    commits = int(git(repo, "rev-list", "--count", "HEAD"))
    print(f"repository: {repo} ({commits} commits on HEAD), {len(chosen)} fix commits, {os.cpu_count()} cores")

    work = tempfile.mkdtemp()
    config = os.path.join(work, "faultline.toml")
    with open(config, "w") as f:
        f.write(f'[[repos]]\nname = "bench"\npath = "{repo}"\n')
    started = time.perf_counter()
    subprocess.run([binary, "--config", config, "ingest"], check=True, capture_output=True)
    print(f"faultline ingest (once, builds the store the blame uses): {time.perf_counter() - started:.2f} s")

    pyd = Git(repo)
    ratios_pyd, ratios_git = [], []
    for run in range(1, args.runs + 1):
        # faultline: one process for all the fixes, start-up and store load included.
        started = time.perf_counter()
        out = subprocess.run(
            [binary, "--config", config, "szz", "--format", "json", *chosen], check=True, capture_output=True, text=True
        ).stdout
        faultline_total = time.perf_counter() - started
        links = json.loads(out)
        ours = {l["fix"]: {b["sha"] for b in l["blamed"]} for l in links}

        # PyDriller, one fix at a time.
        pyd_times, theirs = [], {}
        for sha in chosen:
            commit = pyd.get_commit(sha)
            started = time.perf_counter()
            found = pyd.get_commits_last_modified_lines(commit)
            pyd_times.append(time.perf_counter() - started)
            theirs[sha] = set().union(*found.values()) if found else set()

        # git blame -w -L over exactly the lines faultline blamed, per file.
        git_times, by_line_equal, lines_total = [], 0, 0
        for link in links:
            parent = git(repo, "rev-parse", link["fix"] + "^").strip()
            started = time.perf_counter()
            blamed_lines = {}
            for b in link["blamed"]:
                ranges = [a for n in b["lines"] for a in ("-L", f"{n},{n}")]
                porcelain = git(repo, "blame", "-w", "--porcelain", *ranges, parent, "--", b["path"])
                for row in porcelain.splitlines():
                    words = row.split(" ")
                    if len(words) >= 3 and len(words[0]) == 40:
                        blamed_lines[(b["path"], int(words[2]))] = words[0]
            git_times.append(time.perf_counter() - started)
            for b in link["blamed"]:
                for n in b["lines"]:
                    lines_total += 1
                    by_line_equal += blamed_lines.get((b["path"], n)) == b["sha"]

        n = len(chosen)
        per_fix = faultline_total / n
        pyd_mean, git_mean = statistics.mean(pyd_times), statistics.mean(git_times)
        ratios_pyd.append(pyd_mean / per_fix)
        ratios_git.append(git_mean / per_fix)
        same_sets = sum(ours.get(s, set()) == theirs[s] for s in chosen)
        print(
            f"run {run}: faultline {per_fix * 1000:.1f} ms/fix ({faultline_total:.2f} s for {n}, one process); "
            f"PyDriller mean {pyd_mean * 1000:.1f} ms, median {statistics.median(pyd_times) * 1000:.1f} ms; "
            f"git blame -w -L mean {git_mean * 1000:.1f} ms, median {statistics.median(git_times) * 1000:.1f} ms; "
            f"PyDriller/faultline {pyd_mean / per_fix:.1f}x, git blame -L/faultline {git_mean / per_fix:.1f}x"
        )
        print(
            f"  agreement: {same_sets}/{n} fixes blame the same commit set as PyDriller; "
            f"{by_line_equal}/{lines_total} lines blamed as git blame -w -L blames them"
        )
    print(f"median PyDriller/faultline {statistics.median(ratios_pyd):.1f}x; median git blame -L/faultline {statistics.median(ratios_git):.1f}x")


if __name__ == "__main__":
    main()
