#!/usr/bin/env python3
"""Write a synthetic company of any size for the analyze benchmark: one monorepo (written with
`git fast-import`), its canonical deploys and incidents, a Backstage catalog and a
faultline.toml. Deterministic: the same arguments write the same bytes.

    python3 scripts/synthetic-company.py OUT [--commits 1000000] [--deploys 100000]
        [--incidents 10000] [--services 50]

The shape: SERVICES services under services/sNN/ (20 files each), each depending on up to two
services with lower numbers, tiers 1 to 4. One commit a minute on average from 300 people, a
fifth of them with an AI trailer, each changing one line of one file; every 25th commit is a
merge of a one-commit branch. 70 % of the incidents are caused by a commit: the first deploy
of its service that shipped it is followed 20 to 60 minutes later by the incident, a fix
commit about a day later changes the same line and names the incident, and one in two
timelines names the commit; a third of those deploys are rolled back. The other 30 % have no
change at fault. Deploys go round the services, each deploying the tip of main at its time.
"""

import argparse
import json
import os
import random
import subprocess
import sys

START = 1_704_067_200  # 2024-01-01T00:00:00Z
FILES_PER_SERVICE = 20
LINES_PER_FILE = 8


def iso(t):
    import datetime

    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--commits", type=int, default=1_000_000)
    parser.add_argument("--deploys", type=int, default=100_000)
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--services", type=int, default=50)
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20261202)
    services = [f"s{n:02d}" for n in range(args.services)]
    repo = os.path.join(out, "mono.git")
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", repo], check=True)

    # Which commits cause incidents, and which fix them (about a day of commits later).
    caused = int(args.incidents * 0.7)
    bad = sorted(n for n in rng.sample(range(100, args.commits - 3000), caused + caused // 20) if n % 25)[:caused]
    bad_set = set(bad)
    fix_of = {}  # fix commit number -> (bad commit number, incident key)
    for n, b in enumerate(bad):
        f = b + 1500 + rng.randrange(500)
        while f in fix_of or f in bad_set or f % 25 == 0:
            f += 1
        fix_of[f] = (b, f"INC-{n + 1:05d}")
    people = [(f"Person {n:03d}", f"p{n:03d}@synthetic.example") for n in range(300)]
    content = {}  # (service, file) -> lines
    touched_line = {}  # bad commit number -> (service, file, line)
    times = []

    fast = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet"], stdin=subprocess.PIPE)
    write = fast.stdin.write

    def write_files(edits):
        for s, f in edits:
            blob = ("\n".join(content[(s, f)]) + "\n").encode()
            write(f"M 100644 inline services/{s}/f{f:02d}.txt\ndata {len(blob)}\n".encode() + blob)

    t = START
    mark = 0
    for n in range(args.commits):
        t += rng.randrange(1, 120)
        times.append(t)
        who = people[rng.randrange(len(people))]
        trailers = ""
        if rng.random() < 0.2:
            trailers = rng.choice(
                [
                    "\n\nCo-authored-by: Claude <noreply@anthropic.com>",
                    "\n\nCo-authored-by: Copilot <copilot@github.com>",
                    "\n\nAI-Tool: cursor\nAI-Model: claude-4-sonnet",
                ]
            )
        if n == 0:
            edits = []
            for s in services:
                for f in range(FILES_PER_SERVICE):
                    content[(s, f)] = [f"{s} file {f} line {k} v0" for k in range(LINES_PER_FILE)]
                    edits.append((s, f))
            subject = "Import the monorepo"
        elif n in fix_of:
            b, key = fix_of[n]
            s, f, k = touched_line[b]
            content[(s, f)][k] = f"{s} file {f} line {k} fixed in {n}"
            edits = [(s, f)]
            subject = f"{s}: restore file {f} line {k} ({key})"
        else:
            s = services[rng.randrange(len(services))]
            f = rng.randrange(FILES_PER_SERVICE)
            k = rng.randrange(LINES_PER_FILE)
            content[(s, f)][k] = f"{s} file {f} line {k} v{n}"
            edits = [(s, f)]
            if n in bad_set:
                touched_line[n] = (s, f, k)
            subject = f"{s}: change file {f} line {k}"
        message = (subject + trailers + "\n").encode()
        stamp = f"{who[0]} <{who[1]}> {t} +0000"
        branch = n > 0 and n % 25 == 0
        if branch:
            # A one-commit branch, merged at once: the change is on the branch.
            mark += 1
            write(f"commit refs/heads/topic\nmark :{mark}\nauthor {stamp}\ncommitter {stamp}\n".encode())
            write(f"data {len(message)}\n".encode() + message)
            write(f"from :{mark - 1}\n".encode())
            write_files(edits)
            mark += 1
            merge_message = f"Merge branch 'topic-{n}'\n".encode()
            write(f"commit refs/heads/main\nmark :{mark}\nauthor {stamp}\ncommitter {stamp}\n".encode())
            write(f"data {len(merge_message)}\n".encode() + merge_message)
            write(f"from :{mark - 2}\nmerge :{mark - 1}\n".encode())
            write_files(edits)
        else:
            mark += 1
            write(f"commit refs/heads/main\nmark :{mark}\nauthor {stamp}\ncommitter {stamp}\n".encode())
            write(f"data {len(message)}\n".encode() + message)
            if mark > 1:
                write(f"from :{mark - 1}\n".encode())
            write_files(edits)
    write(b"done\n")
    fast.stdin.close()
    if fast.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "-C", repo, "branch", "-D", "topic"], check=True, capture_output=True)
    # Commit number -> sha on main's first-parent chain (merges stand for their branch's commit).
    log = subprocess.run(
        ["git", "-C", repo, "log", "--first-parent", "--reverse", "--format=%H", "main"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert len(log) == args.commits, (len(log), args.commits)
    sha = log

    # Deploys: round the services, each deploying main's tip at its time.
    span = times[-1] - times[0]
    step = span / args.deploys
    deploys = []  # (id, service, time, commit number)
    by_service = {s: [] for s in services}
    n = 0
    for d in range(args.deploys):
        at = int(times[0] + 600 + d * step)
        while n + 1 < len(times) and times[n + 1] <= at:
            n += 1
        s = services[d % len(services)]
        deploys.append([f"dep-{d + 1:06d}", s, at, n])
        by_service[s].append(len(deploys) - 1)

    # Incidents.
    incidents = []
    rollbacks = []
    key_of = {bb: key for _, (bb, key) in fix_of.items()}
    fix_number = {bb: fx for fx, (bb, _) in fix_of.items()}
    for b in bad:
        s, f, k = touched_line[b]
        shipped = next((i for i in by_service[s] if deploys[i][3] >= b), None)
        if shipped is None:
            continue
        d = deploys[shipped]
        start = d[2] + 600 + rng.randrange(1200, 3600)
        fix_at = times[fix_number[b]]
        if fix_at <= start:
            continue
        resolved = start + rng.randrange(3600, 3 * 3600)
        timeline = [{"at": iso(start + 300), "kind": "alert", "text": f"{s}: error rate above 2%"}]
        if rng.random() < 0.5:
            timeline.append({"at": iso(start + 900), "kind": "note", "text": f"Suspect {sha[b][:7]} shipped in {d[0]}"})
        if rng.random() < 0.33:
            rollback_at = start + 1200
            rollbacks.append((f"rb-{len(rollbacks) + 1:06d}", s, rollback_at, d[0]))
            timeline.append({"at": iso(rollback_at), "kind": "action", "text": "Rolled back"})
        timeline.append({"at": iso(resolved), "kind": "status", "text": "Resolved"})
        incidents.append((start, key_of[b], s, resolved, timeline))
    for m in range(args.incidents - caused):
        s = services[rng.randrange(len(services))]
        start = times[0] + rng.randrange(span)
        incidents.append(
            (
                start,
                f"INC-N{m + 1:05d}",
                s,
                start + 2400,
                [{"at": iso(start + 600), "kind": "note", "text": "Upstream provider outage; no deploy involved"}],
            )
        )
    incidents.sort()

    with open(os.path.join(out, "deploys.jsonl"), "w") as fh:
        rows = [(d[2], 0, d) for d in deploys] + [(r[2], 1, r) for r in rollbacks]
        rows.sort(key=lambda r: (r[0], r[1]))
        for at, kind, row in rows:
            if kind == 0:
                record = {"id": row[0], "service": row[1], "environment": "production", "repo": "mono",
                          "sha": sha[row[3]], "started_at": iso(at), "finished_at": iso(at + 300),
                          "status": "success", "kind": "deploy"}
            else:
                record = {"id": row[0], "service": row[1], "environment": "production", "repo": "mono",
                          "started_at": iso(at), "finished_at": iso(at + 240), "status": "success",
                          "kind": "rollback", "rollback_of": row[3]}
                record["sha"] = sha[max(0, deploys[int(row[3][4:]) - 1][3] - 1)]
            fh.write(json.dumps(record, separators=(",", ":")) + "\n")
    with open(os.path.join(out, "incidents.jsonl"), "w") as fh:
        for start, key, s, resolved, timeline in incidents:
            record = {"id": key, "title": f"{s} degraded", "severity": rng.choice(["SEV1", "SEV2", "SEV3", "SEV4"]),
                      "services": [s], "started_at": iso(start), "resolved_at": iso(resolved), "timeline": timeline}
            fh.write(json.dumps(record, separators=(",", ":")) + "\n")
    with open(os.path.join(out, "catalog.yaml"), "w") as fh:
        docs = []
        for n, s in enumerate(services):
            deps = sorted({services[rng.randrange(n)] for _ in range(2)}) if n > 0 else []
            docs.append(
                "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
                f"  name: {s}\n  annotations:\n"
                f"    backstage.io/source-location: url:https://github.com/synthetic/mono/tree/main/services/{s}/\n"
                f"    faultline.dev/tier: \"{1 + n % 4}\"\n"
                "spec:\n  type: service\n  lifecycle: production\n  owner: team\n"
                f"  dependsOn: [{', '.join('component:' + d for d in deps)}]\n"
            )
        fh.write("---\n".join(docs))
    with open(os.path.join(out, "faultline.toml"), "w") as fh:
        fh.write(
            '[[repos]]\nname = "mono"\npath = "mono.git"\n[catalog]\npath = "catalog.yaml"\ntier_key = "faultline.dev/tier"\n'
            '[[deploys]]\npath = "deploys.jsonl"\nformat = "canonical"\n[[incidents]]\npath = "incidents.jsonl"\nformat = "canonical"\n'
        )
    print(f"{out}: {args.commits} commits, {len(deploys)} deploys + {len(rollbacks)} rollbacks, {len(incidents)} incidents, {len(services)} services")


if __name__ == "__main__":
    main()
