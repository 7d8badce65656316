#!/usr/bin/env bash
# The sequencer's added latency and max sustained rate per processing guarantee and commit interval
# (docs/adr/0002-sequencer-processing-guarantee.md, docs/performance.md "Sequencer").
#
# Run from the repository root against a running stack, with the same PARLEY_* environment / parley.conf as the
# stack:   benchmarks/sequencer-matrix.sh [out-dir]
# RATES=200,500,... and SECONDS_PER_STEP=15 change the ramp; CONFIGS="eos-commit-10 alos" runs only those.
#
# For each configuration only the sequencer is restarted, with PARLEY_STREAMS_PROCESSING_GUARANTEE and
# PARLEY_STREAMS_COMMIT_INTERVAL_MS; projections, fanout and the edges are stopped for the runs (they read
# conversation-events and would compete for the CPU) and are left stopped: ./parley up brings them back.
# At the end the sequencer runs again with the settings of the environment (the defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
# The sequencer is restarted alone: each app role its own process (a stack in the combined layout is refused by
# ./parley up; ./parley down it first).
export PARLEY_STACK_LAYOUT=split
out="${1:-benchmarks/target/sequencer-matrix}"
rates="${RATES:-200,500,1000,2000,3000,4000,6000}"
seconds="${SECONDS_PER_STEP:-15}"
all=("eos-commit-5:exactly_once_v2:5" "eos-commit-10:exactly_once_v2:10" "eos-commit-20:exactly_once_v2:20"
  "eos-commit-100:exactly_once_v2:100" "alos:at_least_once:10")
configs=()
for c in "${all[@]}"; do
  if [[ -z "${CONFIGS:-}" || " $CONFIGS " == *" ${c%%:*} "* ]]; then configs+=("$c"); fi
done
(( ${#configs[@]} > 0 )) || { echo "CONFIGS matches none of: ${all[*]%%:*}" >&2; exit 1; }
mkdir -p "$out"
# Build once (the sequencer and the tool), then never in the middle of the runs.
[[ -n "${PARLEY_SKIP_BUILD:-}" ]] || ./mvnw -q -B -DskipTests -pl stream-jobs,benchmarks -am package
export PARLEY_SKIP_BUILD=1

mapfile -t downstream < <(./parley status | awk '$1 ~ /^(projections|fanout|edge-[0-9]+)$/ && $2 == "running" { print $1 }')
(( ${#downstream[@]} == 0 )) || ./parley down "${downstream[@]}"

for c in "${configs[@]}"; do
  IFS=: read -r name guarantee commit <<< "$c"
  echo "== $name: processing.guarantee=$guarantee commit.interval.ms=$commit"
  ./parley down sequencer > /dev/null
  PARLEY_STREAMS_PROCESSING_GUARANTEE="$guarantee" PARLEY_STREAMS_COMMIT_INTERVAL_MS="$commit" ./parley up sequencer > /dev/null
  PARLEY_STREAMS_PROCESSING_GUARANTEE="$guarantee" PARLEY_STREAMS_COMMIT_INTERVAL_MS="$commit" \
    ./parley bench --scenario sequencer-throughput --rates "$rates" --seconds "$seconds" --label "$name" \
    --out "$out/$name.json" 2> "$out/$name.log" | grep --line-buffered -E "^$name rate" | tee -a "$out/summary.txt"
  echo "   load average: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/summary.txt"
done

./parley down sequencer > /dev/null
./parley up sequencer > /dev/null
echo "results: $out/*.json, summary: $out/summary.txt; downstream apps stopped: ./parley up"
