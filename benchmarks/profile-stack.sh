#!/usr/bin/env bash
# Poor man's sampling profiler of the running stack (docs/performance.md "Where the time goes"): every INTERVAL
# seconds, for SAMPLES rounds, `jcmd <pid> Thread.print` of each component named; counts, per component, the top
# frames of RUNNABLE threads (excluding idle epoll/poll/accept waits) and the thread names that are RUNNABLE.
# Run it while a load runs:   benchmarks/profile-stack.sh [out-dir]   (COMPONENTS="edge-0 sequencer fanout kafka")
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-benchmarks/target/profile}"
samples="${SAMPLES:-20}"; interval="${INTERVAL:-1}"
components="${COMPONENTS:-edge-0 sequencer fanout kafka projections cql}"
run_dir="${RUN_DIR:-$(./parley config | sed -n 's/^data.dir=//p')/run}"
mkdir -p "$out"
for (( i = 0; i < samples; i++ )); do
  for c in $components; do
    pid="$(cat "$run_dir/$c.pid" 2>/dev/null || true)"
    [[ -n "$pid" && -d "/proc/$pid" ]] || continue
    jcmd "$pid" Thread.print > "$out/$c.$i.txt" 2>/dev/null || true
  done
  sleep "$interval"
done
for c in $components; do
  compgen -G "$out/$c.*.txt" > /dev/null || continue
  echo "=== $c: top frames of RUNNABLE threads over $samples samples"
  awk '
    /^"/ { name = $0; sub(/^"/, "", name); sub(/".*/, "", name); gsub(/[0-9]+/, "N", name); state = ""; top = ""; next }
    /java.lang.Thread.State:/ { state = $2; next }
    state == "RUNNABLE" && top == "" && /^\tat / { top = $2; sub(/\(.*/, "", top);
      if (top !~ /(EPoll|epoll|poll0|accept|socketRead|Net\.poll|KQueue|readBytes|waitFor|park)/) { frames[top]++; threads[name]++ } }
    END { for (f in frames) printf "%6d  %s\n", frames[f], f | "sort -rn | head -12"; close("sort -rn | head -12");
          print "  -- RUNNABLE (busy) threads:"; for (t in threads) printf "%6d  %s\n", threads[t], t | "sort -rn | head -8" }
  ' "$out/$c".*.txt
done
