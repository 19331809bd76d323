#!/usr/bin/env bash
# `faultline analyze --lake` on each engine against the in-process analysis of the same lake,
# in the same run.
#
#   [REPORTS=1] scripts/bench-engines.sh COMPANY [SHARDS] [RUNS]
#
# With REPORTS=1 every analysis also writes its reports (the engines read the lake for them on
# the engine), and the reports of each engine must be byte-identical to the in-process ones.
#
# COMPANY is a folder with a faultline.toml (scripts/synthetic-company.py --repos N writes one).
# Mines COMPANY into a fresh lake in SHARDS shards once (not timed), then for each run times
# `analyze --lake --no-reports` in process (the reference), with `--engine polars` and with
# `--engine datafusion` (the two in turns first). Needs a faultline built with `--features datafusion` (cargo build
# --release --features datafusion) and GNU time. Prints wall seconds and peak RSS of each and
# the median ratio of each engine to the in-process analysis and of datafusion to polars.
set -euo pipefail
company=$(cd "$1" && pwd)
shards=${2:-4}
runs=${3:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${FAULTLINE_BIN:-"${CARGO_TARGET_DIR:-$here/target}/release/faultline"}
[ -x "$bin" ] || { echo "build first: cargo build --release --features datafusion (or set FAULTLINE_BIN)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed 's|^path = "\([^/][^"]*\)"|path = "'"$company"'/\1"|' "$company/faultline.toml" > "$work/faultline.toml"
printf 'store = "%s/store"\n' "$work" | cat - "$work/faultline.toml" > "$work/config.toml"
for i in $(seq 0 $((shards - 1))); do
  "$bin" --config "$work/config.toml" ingest --lake "$work/lake" --shard "$i/$shards" > /dev/null 2>&1
done
echo "company: $company ($(grep -c '^\[\[repos\]\]' "$company/faultline.toml") repositories), $shards shards, $(nproc) cores"
measure() { # prints "seconds peak_kib"
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null 2> "$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
  cat "$work/time"
}
reports=${REPORTS:-0}
out() { # the flag of an analysis: its reports folder, or none
  if [ "$reports" = 1 ]; then rm -rf "$work/out-$1"; echo "--out=$work/out-$1"; else echo "--no-reports"; fi
}
declare -a r_polars r_df r_dfp
for run in $(seq "$runs"); do
  rm -rf "$work/store"
  read -r t0 m0 < <(measure "$bin" --config "$work/config.toml" analyze --lake "$work/lake" "$(out in-process)")
  # The two engines take turns going first, so a drift of the machine favours neither.
  if [ $((run % 2)) -eq 1 ]; then
    read -r t1 m1 < <(measure "$bin" --config "$work/config.toml" analyze --lake "$work/lake" "$(out polars)" --engine polars)
    read -r t2 m2 < <(measure "$bin" --config "$work/config.toml" analyze --lake "$work/lake" "$(out datafusion)" --engine datafusion)
  else
    read -r t2 m2 < <(measure "$bin" --config "$work/config.toml" analyze --lake "$work/lake" "$(out datafusion)" --engine datafusion)
    read -r t1 m1 < <(measure "$bin" --config "$work/config.toml" analyze --lake "$work/lake" "$(out polars)" --engine polars)
  fi
  printf 'run %d: in process %6.2f s %5.2f GiB | polars %6.2f s %5.2f GiB | datafusion %6.2f s %5.2f GiB\n' \
    "$run" "$t0" "$(echo "$m0/1048576" | bc -l)" "$t1" "$(echo "$m1/1048576" | bc -l)" "$t2" "$(echo "$m2/1048576" | bc -l)"
  if [ "$reports" = 1 ]; then
    for engine in polars datafusion; do
      diff -r "$work/out-in-process" "$work/out-$engine" > /dev/null \
        || { echo "the reports of $engine differ from the in-process ones" >&2; exit 1; }
    done
    echo "  reports: $(find "$work/out-in-process" -name report.md | wc -l) report.md files, identical on every engine"
  fi
  r_polars+=("$(echo "$t1/$t0" | bc -l)"); r_df+=("$(echo "$t2/$t0" | bc -l)"); r_dfp+=("$(echo "$t2/$t1" | bc -l)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%.2f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "median polars / in process: $(median "${r_polars[@]}")x; datafusion / in process: $(median "${r_df[@]}")x; datafusion / polars: $(median "${r_dfp[@]}")x"
