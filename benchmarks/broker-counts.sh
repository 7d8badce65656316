#!/usr/bin/env bash
# Kafka records and requests of the running stack, for per-message counts that split transaction markers from data
# (docs/performance.md, "The sequencer's records and requests"):
#   benchmarks/broker-counts.sh snapshot FILE          per topic: data records and markers in the broker's logs (all
#                                                      partitions, from the segments), and the broker's request counts
#   benchmarks/broker-counts.sh diff BEFORE AFTER N    the growth between two snapshots divided by N (messages sent)
# Take a snapshot before and after a `./parley bench --scenario load` step; N is its "accounting: messages".
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  snapshot)
    out="$2"
    data_dir="$(./parley config | sed -n 's/^data.dir=//p')"
    logs="$data_dir/data/kafka"
    files="$(cd "$logs" && ls -d */*.log | grep -v -E '^(__cluster_metadata|_schemas)' | sed "s|^|$(cd "$logs" && pwd)/|" | paste -sd, -)"
    # One line per batch; control batches (isControl: true) are the transaction markers.
    java -cp "$data_dir/lib/kafka/*" kafka.tools.DumpLogSegments --files "$files" 2>/dev/null | awk '
      /^Dumping / { n = split($2, p, "/"); t = p[n-1]; sub(/-[0-9]+$/, "", t) }
      /^baseOffset/ { c = 0; ctl = 0
        for (i = 1; i <= NF; i++) { if ($i == "count:") c = $(i+1); if ($i == "isControl:") ctl = ($(i+1) == "true") }
        if (ctl) m[t] += c; else r[t] += c; seen[t] = 1 }
      END { for (k in seen) printf "topic %s %d %d\n", k, r[k], m[k] }' | sort > "$out"
    java "benchmarks/tools/BrokerRequests.java" "$(cat "$data_dir/run/kafka.pid")" | sed 's/^/request /' >> "$out"
    ;;
  diff)
    awk -v n="$4" '
      FNR == NR { if ($1 == "topic") { d[$2] = $3; m[$2] = $4 } else { q[$2] = $3 }; next }
      $1 == "topic" { dd = $3 - d[$2]; dm = $4 - m[$2]; if (dd + dm > 0) printf "%-56s data %6.2f  markers %5.2f  per message\n", $2, dd / n, dm / n }
      $1 == "request" { dq = $3 - q[$2]; if (dq > 0) printf "request %-25s %8d  %7.3f per message\n", $2, dq, dq / n }' "$2" "$3"
    ;;
  *) echo "usage: $0 snapshot FILE | diff BEFORE AFTER MESSAGES" >&2; exit 2 ;;
esac
