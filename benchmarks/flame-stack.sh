#!/usr/bin/env bash
# CPU flame graphs of every JVM of the running stack at once (docs/performance.md, "Method"): async-profiler
# (tools.profiler:async-profiler, fetched through the Maven wrapper into <data.dir>/lib/async-profiler) attached to
# each pid of <data.dir>/run/*.pid for SECONDS, itimer sampling (no perf_events needed). Writes <out>/<component>.html
# (flame graph) and <component>.collapsed (folded stacks), then prints each JVM's top frames.
# Run it while a load runs:  benchmarks/flame-stack.sh [seconds] [out-dir]
# EVENT=alloc profiles allocations instead (a sample per 512 KiB allocated; the collapsed stacks count bytes).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"; out="${2:-benchmarks/target/flame}"
data_dir="$(./parley config | sed -n 's/^data.dir=//p')"
run_dir="$data_dir/run"; lib_dir="$data_dir/lib/async-profiler"
version="${ASYNC_PROFILER_VERSION:-4.1}"
lib="$lib_dir/linux-x64/libasyncProfiler.so"
if [[ ! -f "$lib" ]]; then
  mkdir -p "$lib_dir"
  ./mvnw -q -B dependency:copy -Dartifact="tools.profiler:async-profiler:$version:jar:linux-x64" \
    -DoutputDirectory="$(cd "$lib_dir" && pwd)" -Dmdep.stripVersion=true
  (cd "$lib_dir" && jar xf async-profiler-linux-x64.jar linux-x64/libasyncProfiler.so)
fi
lib="$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")" # the attach API takes an absolute agent path
attach() { java "$(dirname "$0")/tools/AttachAgent.java" "$1" "$lib" "$2"; }
mkdir -p "$out"; out="$(cd "$out" && pwd)"
declare -a started=()
for f in "$run_dir"/*.pid; do
  c="$(basename "$f" .pid)"; pid="$(cat "$f")"
  [[ -d "/proc/$pid" ]] || continue
  if [[ "${EVENT:-cpu}" == alloc ]]; then start="start,event=alloc,alloc=512k"; else start="start,event=itimer,interval=5ms"; fi
  attach "$pid" "$start" && started+=("$c:$pid")
done
sleep "$secs"
for cp in "${started[@]}"; do
  c="${cp%%:*}"; pid="${cp#*:}"
  attach "$pid" "dump,file=$out/$c.html" || true
  if [[ "${EVENT:-cpu}" == alloc ]]; then stop="stop,collapsed,total"; else stop="stop,collapsed"; fi
  attach "$pid" "$stop,file=$out/$c.collapsed" || true
done
for cp in "${started[@]}"; do
  c="${cp%%:*}"; f="$out/$c.collapsed"
  [[ -s "$f" ]] || continue
  total="$(awk '{n += $NF} END {print n}' "$f")"
  echo "=== $c: $total $([[ "${EVENT:-cpu}" == alloc ]] && echo bytes || echo samples); top frames (self)"
  awk '{n = $NF; $NF = ""; k = split($0, fr, ";"); self[fr[k]] += n} END {for (s in self) printf "%d %s\n", self[s], s}' "$f" \
    | sort -rn | head -8 | awk -v t="$total" '{c = $1; $1 = ""; printf "  %5.1f%% %s\n", 100 * c / t, substr($0, 1, 140)}'
done
echo "flame graphs: $out/*.html"
