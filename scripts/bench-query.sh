#!/usr/bin/env bash
# `faultline query` on a company directory (one that scripts/synthetic-company.py writes, or any
# with a faultline.toml), with `git log --numstat` over its repositories in the same run as a
# reference for how loaded the machine is.
#
#   scripts/bench-query.sh COMPANY_DIR [RUNS]
#
# Analyzes once (not timed, the store then warm in the page cache), then for each run times
# under GNU time: `git log --numstat`; the saved query `deploys-behind-incidents` (incidents,
# suspects, deploys, commits and provenance joined); `faultline query "SELECT 1 AS x"` (what
# any query costs before its own work: config, store, registering every table); and
# `faultline --version` (the process alone). Needs GNU time.
set -euo pipefail
dir=$(cd "$1" && pwd)
runs=${2:-5}
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
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" > "$work/stdout" 2> "$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
  cat "$work/time"
}
git_log() {
  for repo in $repos; do git -C "$repo" log --numstat --format=%H --branches HEAD; done
}
config="$dir/faultline.toml"
"$bin" --config "$config" analyze --no-reports > /dev/null 2>&1
echo "company: $dir, $(nproc) cores"
for run in $(seq "$runs"); do
  read -r git_s git_kib < <(measure bash -c "$(declare -f git_log); repos='$repos'; git_log")
  read -r q_s q_kib < <(measure "$bin" --config "$config" query deploys-behind-incidents --format csv)
  rows=$(($(wc -l < "$work/stdout") - 1))
  read -r one_s one_kib < <(measure "$bin" --config "$config" query "SELECT 1 AS x" --format csv)
  read -r v_s v_kib < <(measure "$bin" --version)
  ratio=$(python3 -c "print(f'{$q_s / $git_s:.3f}')")
  echo "run $run: git log --numstat ${git_s}s; deploys-behind-incidents ${q_s}s ${q_kib} KiB (${rows} rows, ${ratio}x git); SELECT 1 ${one_s}s; --version ${v_s}s"
done
