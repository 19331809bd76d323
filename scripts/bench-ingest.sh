#!/usr/bin/env bash
# Ingest speed and memory against `git log --numstat` on the same repository, in the same run.
#
#   scripts/bench-ingest.sh PATH/TO/REPO [RUNS]
#
# For each run: `git log --numstat` over the same commits faultline reads (local branches and
# HEAD, renames on, as git's defaults), then a cold `faultline ingest --rebuild` into a fresh
# store. Prints wall seconds and peak RSS of both, and the median ratio. Needs GNU time.
set -euo pipefail
repo=$(cd "$1" && pwd)
runs=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${FAULTLINE_BIN:-"${CARGO_TARGET_DIR:-$here/target}/release/faultline"}
[ -x "$bin" ] || { echo "build first: cargo build --release (or set FAULTLINE_BIN)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '[[repos]]\nname = "bench"\npath = "%s"\n' "$repo" > "$work/faultline.toml"

commits=$(git -C "$repo" rev-list --count --branches HEAD)
echo "repository: $repo ($commits commits on local branches and HEAD), $(nproc) cores"
measure() { # prints "seconds peak_kib"
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null 2> "$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
  cat "$work/time"
}
ratios=()
for run in $(seq "$runs"); do
  read -r git_s git_kib < <(measure git -C "$repo" log --numstat --format=%H --branches HEAD)
  rm -rf "$work/.faultline"
  read -r fl_s fl_kib < <(measure "$bin" --config "$work/faultline.toml" ingest --rebuild)
  ratio=$(python3 -c "print(f'{$fl_s / $git_s:.2f}')")
  ratios+=("$ratio")
  echo "run $run: git log --numstat ${git_s}s ${git_kib} KiB peak; faultline ingest ${fl_s}s ${fl_kib} KiB peak; ratio ${ratio}x"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median ratio faultline/git: ${median}x"
