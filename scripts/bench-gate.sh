#!/usr/bin/env bash
# `faultline gate` on the newest N-commit range of a repository, cold, against `git log
# --numstat` over the same range in the same run.
#
#   scripts/bench-gate.sh REPO [COMMITS] [RUNS] [CATALOG]
#
# REPO is a work tree or bare repository (git/git, or the mono.git that
# scripts/synthetic-company.py writes); COMMITS the size of the range (default 50); CATALOG an
# optional Backstage catalog for the config (the synthetic company's catalog.yaml); the
# repository is named after its folder (`mono.git` is `mono`), as catalogs name it. The range is
# BASE..HEAD with BASE the nearest first-parent ancestor of HEAD that leaves at least COMMITS
# commits in it (a merge can take it past COMMITS; the script prints the count). Each
# measurement is a fresh process; as root the page cache is dropped before each (cold),
# otherwise the runs are warm and the script says so. Prints the wall seconds of
# each run, the medians and the ratio gate / git log. Needs GNU time.
set -euo pipefail
repo=$(cd "$1" && pwd)
commits=${2:-50}
runs=${3:-5}
catalog=${4:-}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${FAULTLINE_BIN:-"${CARGO_TARGET_DIR:-$here/target}/release/faultline"}
[ -x "$bin" ] || { echo "build first: cargo build --release (or set FAULTLINE_BIN)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  printf 'store = "%s/store"\n[[repos]]\nname = "%s"\npath = "%s"\n' "$work" "$(basename "$repo" .git)" "$repo"
  if [ -n "$catalog" ]; then printf '[catalog]\npath = "%s"\n' "$(cd "$(dirname "$catalog")" && pwd)/$(basename "$catalog")"; fi
} > "$work/faultline.toml"

head=$(git -C "$repo" rev-parse HEAD)
skip=1
while :; do
  base=$(git -C "$repo" rev-list --first-parent --skip="$skip" --max-count=1 HEAD)
  [ -n "$base" ] || { echo "the repository has fewer than $commits commits" >&2; exit 2; }
  n=$(git -C "$repo" rev-list --count "$base..$head")
  [ "$n" -ge "$commits" ] && break
  skip=$((skip + 1))
done
total=$(git -C "$repo" rev-list --count HEAD)
cold=warm
if [ -w /proc/sys/vm/drop_caches ]; then cold=cold; fi
echo "repository: $repo ($total commits), range ${base:0:12}..${head:0:12} ($n commits), $cold, $(nproc) cores"

drop() { if [ "$cold" = cold ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi; }
measure() { # prints wall seconds; the command's exit code 0 or 1 (denied) are both answers
  drop
  /usr/bin/time -f '%e' -o "$work/time" "$@" > "$work/out" 2> "$work/stderr" || {
    code=$?
    [ "$code" -eq 1 ] || { cat "$work/stderr" >&2; exit 1; }
  }
  tail -n 1 "$work/time"
}
gate_s=()
log_s=()
for run in $(seq "$runs"); do
  g=$(measure "$bin" --config "$work/faultline.toml" gate --range "$base..$head" --format json)
  l=$(measure git -C "$repo" log --numstat "$base..$head")
  gate_s+=("$g")
  log_s+=("$l")
  echo "run $run: faultline gate ${g} s, git log --numstat ${l} s"
done
python3 - "${gate_s[*]}" "${log_s[*]}" "$work/out" <<'PY'
import json, statistics, sys
gate = [float(x) for x in sys.argv[1].split()]
log = [float(x) for x in sys.argv[2].split()]
g, l = statistics.median(gate), statistics.median(log)
print(f"median: faultline gate {g:.2f} s, git log --numstat {l:.2f} s, ratio {g / l:.2f}" if l else
      f"median: faultline gate {g:.2f} s, git log --numstat {l:.2f} s")
PY
"$bin" --config "$work/faultline.toml" gate --range "$base..$head" --format json > "$work/out" || true
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
origins = {}
for c in r["commits"]:
    origins[c["origin"]] = origins.get(c["origin"], 0) + 1
print("verdict:", "passed" if r["passed"] else "denied", "| commits:", len(r["commits"]), "| origins:", origins,
      "| denied:", r["denied"], "| warned:", r["warned"])
' "$work/out"
