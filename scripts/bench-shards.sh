#!/usr/bin/env bash
# Sharded mining against one unsharded ingest of the same company, in the same run.
#
#   scripts/bench-shards.sh COMPANY [SHARDS] [RUNS]
#
# COMPANY is a folder with a faultline.toml (scripts/synthetic-company.py --repos 8 writes one).
# For each run: a cold `faultline ingest` into a fresh store (the reference), then SHARDS cold
# `faultline ingest --lake LAKE --shard I/SHARDS` into a fresh lake, one after another (as one
# machine would run the jobs of an Indexed Job in turn). Prints wall seconds and peak RSS of
# each, and the median of (sum of the shards) / (the unsharded ingest). Needs GNU time.
set -euo pipefail
company=$(cd "$1" && pwd)
shards=${2:-4}
runs=${3:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${FAULTLINE_BIN:-"${CARGO_TARGET_DIR:-$here/target}/release/faultline"}
[ -x "$bin" ] || { echo "build first: cargo build --release (or set FAULTLINE_BIN)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The company's config with the store moved into the scratch folder (paths stay the company's).
sed 's|^path = "\([^/][^"]*\)"|path = "'"$company"'/\1"|' "$company/faultline.toml" > "$work/faultline.toml"
printf 'store = "%s/store"\n' "$work" | cat - "$work/faultline.toml" > "$work/config.toml"

echo "company: $company ($(grep -c '^\[\[repos\]\]' "$company/faultline.toml") repositories), $shards shards, $(nproc) cores"
measure() { # prints "seconds peak_kib"
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null 2> "$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
  cat "$work/time"
}
ratios=()
for run in $(seq "$runs"); do
  rm -rf "$work/store" "$work/lake"
  read -r one_s one_kib < <(measure "$bin" --config "$work/config.toml" ingest)
  rm -rf "$work/store"
  total=0
  peak=0
  line=""
  for index in $(seq 0 $((shards - 1))); do
    read -r s kib < <(measure "$bin" --config "$work/config.toml" ingest --lake "$work/lake" --shard "$index/$shards")
    total=$(python3 -c "print(round($total + $s, 2))")
    peak=$((kib > peak ? kib : peak))
    line="$line ${s}s"
  done
  ratio=$(python3 -c "print(f'{$total / $one_s:.2f}')")
  ratios+=("$ratio")
  echo "run $run: unsharded ingest ${one_s}s ${one_kib} KiB peak; $shards shards${line} = ${total}s, ${peak} KiB peak; ratio ${ratio}x"
done
lake_bytes=$(du -sb --exclude=_work "$work/lake" | cut -f1)
work_bytes=$(du -sb "$work/lake/_work" | cut -f1)
echo "lake: $lake_bytes bytes of tables, $work_bytes bytes of working stores"
for table in commits commit_files merge_files provenance deploys incidents timeline_events services service_deps; do
  [ -d "$work/lake/$table" ] || continue
  printf '  %-16s %12s bytes in %s file(s)\n' "$table" "$(du -sb "$work/lake/$table" | cut -f1)" "$(find "$work/lake/$table" -name '*.parquet' | wc -l)"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median ratio shards/unsharded: ${median}x"
