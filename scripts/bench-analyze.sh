#!/usr/bin/env bash
# `faultline analyze` on a company directory (one that scripts/synthetic-company.py writes, or
# any with a faultline.toml), against `git log --numstat` over its repositories, in the same run.
#
#   scripts/bench-analyze.sh COMPANY_DIR [RUNS]
#
# Ingests once (not timed), then for each run: `git log --numstat` over each configured
# repository's local branches and HEAD (reading the history once, as a reference), and
# `faultline analyze --no-reports` (which ingests what is new, then analyzes; the reports are
# timed by scripts/bench-report.sh). Prints wall seconds and peak
# RSS of both and the median ratio. Needs GNU time.
set -euo pipefail
dir=$(cd "$1" && pwd)
runs=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${FAULTLINE_BIN:-"${CARGO_TARGET_DIR:-$here/target}/release/faultline"}
[ -x "$bin" ] || { echo "build first: cargo build --release (or set FAULTLINE_BIN)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repos=$(python3 - "$dir/faultline.toml" <<'PY'
import sys, tomllib, os
config = tomllib.load(open(sys.argv[1], "rb"))
for repo in config.get("repos", []):
    print(os.path.join(os.path.dirname(sys.argv[1]), repo["path"]))
PY
)
measure() { # prints "seconds peak_kib"
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null 2> "$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
  cat "$work/time"
}
git_log() {
  for repo in $repos; do git -C "$repo" log --numstat --format=%H --branches HEAD; done
}
commits=0
for repo in $repos; do commits=$((commits + $(git -C "$repo" rev-list --count --branches HEAD))); done
echo "company: $dir ($commits commits on local branches and HEAD), $(nproc) cores"
"$bin" --config "$dir/faultline.toml" ingest > /dev/null
ratios=()
for run in $(seq "$runs"); do
  read -r git_s git_kib < <(measure bash -c "$(declare -f git_log); repos='$repos'; git_log")
  read -r fl_s fl_kib < <(measure "$bin" --config "$dir/faultline.toml" analyze --no-reports)
  ratio=$(python3 -c "print(f'{$fl_s / $git_s:.2f}')")
  ratios+=("$ratio")
  echo "run $run: git log --numstat ${git_s}s ${git_kib} KiB peak; faultline analyze ${fl_s}s ${fl_kib} KiB peak; ratio ${ratio}x"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median ratio faultline analyze / git log --numstat: ${median}x"
