#!/usr/bin/env python3
"""Write a synthetic company of any size for the analyze benchmark: one monorepo, or the same
company spread over several repositories (written with `git fast-import`), its canonical
deploys and incidents, a Backstage catalog and a faultline.toml. Deterministic: the same
arguments write the same bytes.

    python3 scripts/synthetic-company.py OUT [--commits 1000000] [--deploys 100000]
        [--incidents 10000] [--services 50] [--repos 1]

The shape: SERVICES services under services/sNN/ (20 files each), each depending on up to two
services with lower numbers, tiers 1 to 4. One commit a minute on average from 300 people, a
fifth of them with an AI trailer, each changing one line of one file; every 25th commit is a
merge of a one-commit branch. 70 % of the incidents are caused by a commit: the first deploy
of its service that shipped it is followed 20 to 60 minutes later by the incident, a fix
commit about a day later changes the same line and names the incident, and one in two
timelines names the commit; a third of those deploys are rolled back. The other 30 % have no
change at fault. Deploys go round the services, each deploying the tip of main at its time.

With --repos 1 (the default) everything is in one bare repository mono.git. With --repos N > 1
the repositories are r00.git ... (bare, branch main) and service number i lives in
r{i mod N:02d} (still under services/sNN/). Commit number 0, the import, is written once in
every repository (each importing only its own services' files); every other commit, merges
(and their topic branch) and fix commits included, goes to the repository of the service it
touches. --commits counts commits on main's first-parent chain (a merge stands for its topic
commit), as with one repository, so the first-parent chains of the N repositories hold
--commits + N - 1 commits between them (the N - 1 extra imports), and `git rev-list --count
main` over them adds one topic commit for every merge, (--commits - 1) // 25 in all. A deploy
ships the tip of main of its service's repository at its time and names that repository
("repo": "rNN"); a rollback goes back to the commit before it on that repository's main. The
random draws are the same whatever N, so N only moves commits between repositories.
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
    parser.add_argument("--repos", type=int, default=1)
    args = parser.parse_args()
    if not 1 <= args.repos <= args.services:
        parser.error("--repos must be between 1 and --services")
    least = 3100 + int(args.incidents * 0.7) * 21 // 20
    if args.commits < least:
        parser.error(f"--commits must be at least {least} for {args.incidents} incidents "
                     "(each fix lands 1,500 to 2,000 commits after the change it fixes)")
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20261202)
    services = [f"s{n:02d}" for n in range(args.services)]
    repo_names = ["mono"] if args.repos == 1 else [f"r{r:02d}" for r in range(args.repos)]
    repo_of = {s: n % args.repos for n, s in enumerate(services)}  # service -> repository index
    repos = [os.path.join(out, f"{name}.git") for name in repo_names]
    for repo in repos:
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
    commit_repo = []  # commit number -> repository index (None for the import, which is in every one)
    position = []  # commit number -> its index on its repository's first-parent main (0 for the import)
    repo_count = [0] * len(repos)  # commits on each repository's first-parent main so far

    # glibc gives the top of fast-import's heap back after every commit and faults it in again on
    # the next (about 50 page faults a commit, more with several importers sharing the cores); a
    # 64 MiB trim threshold keeps it. Speed only: the repositories are the same either way.
    env = dict(os.environ)
    env["GLIBC_TUNABLES"] = ":".join(filter(None, ["glibc.malloc.trim_threshold=67108864", env.get("GLIBC_TUNABLES")]))
    fasts = [
        subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet"], stdin=subprocess.PIPE, env=env) for repo in repos
    ]
    writes = [fast.stdin.write for fast in fasts]
    marks = [0] * len(repos)  # last mark used in each repository
    heads = [0] * len(repos)  # mark of each repository's main (0: none yet)

    def write_files(write, edits):
        for s, f in edits:
            blob = ("\n".join(content[(s, f)]) + "\n").encode()
            write(f"M 100644 inline services/{s}/f{f:02d}.txt\ndata {len(blob)}\n".encode() + blob)

    t = START
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
        stamp = f"{who[0]} <{who[1]}> {t} +0000"
        if n == 0:
            # The import: every repository imports its own services' files.
            commit_repo.append(None)
            position.append(0)
            for r in range(len(repos)):
                r_subject = subject if len(repos) == 1 else f"Import {repo_names[r]}"
                message = (r_subject + trailers + "\n").encode()
                write = writes[r]
                marks[r] += 1
                write(f"commit refs/heads/main\nmark :{marks[r]}\nauthor {stamp}\ncommitter {stamp}\n".encode())
                write(f"data {len(message)}\n".encode() + message)
                write_files(write, [e for e in edits if repo_of[e[0]] == r])
                heads[r] = marks[r]
                repo_count[r] = 1
            continue
        message = (subject + trailers + "\n").encode()
        r = repo_of[edits[0][0]]
        commit_repo.append(r)
        position.append(repo_count[r])
        repo_count[r] += 1
        write = writes[r]
        if n % 25 == 0:
            # A one-commit branch, merged at once: the change is on the branch.
            marks[r] += 1
            write(f"commit refs/heads/topic\nmark :{marks[r]}\nauthor {stamp}\ncommitter {stamp}\n".encode())
            write(f"data {len(message)}\n".encode() + message)
            write(f"from :{heads[r]}\n".encode())
            write_files(write, edits)
            marks[r] += 1
            merge_message = f"Merge branch 'topic-{n}'\n".encode()
            write(f"commit refs/heads/main\nmark :{marks[r]}\nauthor {stamp}\ncommitter {stamp}\n".encode())
            write(f"data {len(merge_message)}\n".encode() + merge_message)
            write(f"from :{heads[r]}\nmerge :{marks[r] - 1}\n".encode())
            write_files(write, edits)
        else:
            marks[r] += 1
            write(f"commit refs/heads/main\nmark :{marks[r]}\nauthor {stamp}\ncommitter {stamp}\n".encode())
            write(f"data {len(message)}\n".encode() + message)
            write(f"from :{heads[r]}\n".encode())
            write_files(write, edits)
        heads[r] = marks[r]
    for fast in fasts:
        fast.stdin.write(b"done\n")
        fast.stdin.close()
    for fast in fasts:
        if fast.wait() != 0:
            sys.exit("git fast-import failed")
    # Per repository: position on main's first-parent chain -> sha (merges stand for their
    # branch's commit).
    repo_shas = []
    for r, repo in enumerate(repos):
        if subprocess.run(["git", "-C", repo, "show-ref", "--verify", "--quiet", "refs/heads/topic"]).returncode == 0:
            subprocess.run(["git", "-C", repo, "branch", "-D", "topic"], check=True, capture_output=True)
        log = subprocess.run(
            ["git", "-C", repo, "log", "--first-parent", "--reverse", "--format=%H", "main"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        assert len(log) == repo_count[r], (repo_names[r], len(log), repo_count[r])
        repo_shas.append(log)

    def sha(r, n):
        return repo_shas[r][position[n]]

    # Deploys: round the services, each deploying the tip of its repository's main at its time.
    span = times[-1] - times[0]
    step = span / args.deploys
    deploys = []  # (id, service, time, commit number)
    by_service = {s: [] for s in services}
    n = 0
    tip = [0] * len(repos)  # each repository's last commit number at time `at` (0: the import)
    for d in range(args.deploys):
        at = int(times[0] + 600 + d * step)
        while n + 1 < len(times) and times[n + 1] <= at:
            n += 1
            tip[commit_repo[n]] = n
        s = services[d % len(services)]
        deploys.append([f"dep-{d + 1:06d}", s, at, tip[repo_of[s]]])
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
            timeline.append({"at": iso(start + 900), "kind": "note", "text": f"Suspect {sha(repo_of[s], b)[:7]} shipped in {d[0]}"})
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
            r = repo_of[row[1]]
            if kind == 0:
                record = {"id": row[0], "service": row[1], "environment": "production", "repo": repo_names[r],
                          "sha": sha(r, row[3]), "started_at": iso(at), "finished_at": iso(at + 300),
                          "status": "success", "kind": "deploy"}
            else:
                record = {"id": row[0], "service": row[1], "environment": "production", "repo": repo_names[r],
                          "started_at": iso(at), "finished_at": iso(at + 240), "status": "success",
                          "kind": "rollback", "rollback_of": row[3]}
                # The commit before the rolled-back deploy's on its repository's main.
                record["sha"] = repo_shas[r][max(0, position[deploys[int(row[3][4:]) - 1][3]] - 1)]
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
                f"    backstage.io/source-location: url:https://github.com/synthetic/{repo_names[repo_of[s]]}/tree/main/services/{s}/\n"
                f"    faultline.dev/tier: \"{1 + n % 4}\"\n"
                "spec:\n  type: service\n  lifecycle: production\n  owner: team\n"
                f"  dependsOn: [{', '.join('component:' + d for d in deps)}]\n"
            )
        fh.write("---\n".join(docs))
    with open(os.path.join(out, "faultline.toml"), "w") as fh:
        fh.write(
            "".join(f'[[repos]]\nname = "{name}"\npath = "{name}.git"\n' for name in repo_names)
            + '[catalog]\npath = "catalog.yaml"\ntier_key = "faultline.dev/tier"\n'
            '[[deploys]]\npath = "deploys.jsonl"\nformat = "canonical"\n[[incidents]]\npath = "incidents.jsonl"\nformat = "canonical"\n'
        )
    where = "in 1 repository" if len(repos) == 1 else f"in {len(repos)} repositories (+{len(repos) - 1} imports)"
    print(f"{out}: {args.commits} commits {where}, {len(deploys)} deploys + {len(rollbacks)} rollbacks, {len(incidents)} incidents, {len(services)} services")


if __name__ == "__main__":
    main()
