#!/usr/bin/env bash
# Ingest speed and memory for canonical deploy records, against Python's json module reading
# the same file in the same run.
#
#   scripts/bench-deploys.sh [RECORDS]      (default 1,000,000)
#
# Writes RECORDS canonical JSON Lines deploys (deterministic), then times `faultline ingest`
# of them (no repositories, no catalog) and `python3 -c 'json.loads each line'`, under GNU time.
# Run it twice with different sizes to see whether memory grows with the file.
set -euo pipefail
records=${1:-1000000}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${FAULTLINE_BIN:-"${CARGO_TARGET_DIR:-$here/target}/release/faultline"}
[ -x "$bin" ] || { echo "build first: cargo build --release (or set FAULTLINE_BIN)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$records" > "$work/deploys.jsonl" <<'PY'
import json, sys
n = int(sys.argv[1])
services = ["checkout", "payments", "catalog", "auth", "search", "ledger"]
for i in range(n):
    start = 1780304400 + i * 37
    print(json.dumps({
        "id": f"d{i:07d}", "service": services[i % len(services)],
        "environment": "production" if i % 3 else "staging", "repo": "shop",
        "sha": f"{(i * 2654435761) % (1 << 160):040x}",
        "started_at": f"{start}", "finished_at": f"{start + 120}",
        "status": "failure" if i % 17 == 0 else "success", "kind": "deploy",
        "rollback_of": None, "actor": f"user{i % 40}",
    }, separators=(",", ":")))
PY
printf '[[deploys]]\npath = "deploys.jsonl"\nformat = "canonical"\n' > "$work/faultline.toml"
echo "$records records, $(du -h "$work/deploys.jsonl" | cut -f1), $(nproc) cores"
/usr/bin/time -f '%e %M' -o "$work/t1" python3 -c '
import json, sys
for line in open(sys.argv[1]): json.loads(line)' "$work/deploys.jsonl"
/usr/bin/time -f '%e %M' -o "$work/t2" "$bin" --config "$work/faultline.toml" ingest > /dev/null 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
read -r py_s py_kib < "$work/t1"
read -r fl_s fl_kib < "$work/t2"
echo "python json.loads: ${py_s}s ${py_kib} KiB peak"
echo "faultline ingest:  ${fl_s}s ${fl_kib} KiB peak ($(grep -o '[0-9]* deploy(s)' "$work/err"))"
python3 -c "print(f'ratio faultline/python: {$fl_s / $py_s:.2f}x')"
