#!/usr/bin/env bash
# The reports on a company directory (one that scripts/synthetic-company.py writes, or any with
# a faultline.toml), against `git log --numstat` over its repositories, in the same run.
#
#   scripts/bench-report.sh COMPANY_DIR QUARTER [RUNS]
#
# Ingests and analyzes once (not timed), then for each run: `git log --numstat` over each
# configured repository (a reference for how loaded the machine is), `faultline report quarter
# QUARTER` and `faultline report incident` for one incident, into a temporary folder.
# Prints wall seconds and peak RSS of each, and the ratios to git. Needs GNU time.
set -euo pipefail
dir=$(cd "$1" && pwd)
quarter=$2
runs=${3:-3}
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
config="$dir/faultline.toml"
"$bin" --config "$config" analyze --no-reports > /dev/null 2>&1
# An incident the store knows: the first that `explain` suggests for an id it does not know.
incident=$("$bin" --config "$config" explain __none__ 2>&1 | sed -n 's/.*nearest known ids are `\([^`]*\)`.*/\1/p' || true)
echo "company: $dir, quarter $quarter, $(nproc) cores"
for run in $(seq "$runs"); do
  read -r git_s git_kib < <(measure bash -c "$(declare -f git_log); repos='$repos'; git_log")
  read -r q_s q_kib < <(measure "$bin" --config "$config" report quarter "$quarter" --out "$work/out")
  ratio=$(python3 -c "print(f'{$q_s / $git_s:.2f}')")
  line="run $run: git log --numstat ${git_s}s ${git_kib} KiB; report quarter ${q_s}s ${q_kib} KiB (${ratio}x git)"
  if [ -n "$incident" ]; then
    read -r i_s i_kib < <(measure "$bin" --config "$config" report incident "$incident" --out "$work/out")
    line="$line; report incident $incident ${i_s}s ${i_kib} KiB"
  fi
  echo "$line"
done
