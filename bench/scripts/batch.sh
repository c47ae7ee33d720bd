#!/bin/bash
# batch.sh measures what Config.BatchScheduling (-batch-scheduling) buys and
# costs, each case with the flag off and on, interleaved, ROUNDS rounds,
# then the medians:
#
#   shared: examples/httplite with 2 loops, GOMAXPROCS=2, unpinned, under
#     wrk -t1 -c100 on the same two CPUs: loops beside a peer that blocks
#     often, where the flag should pay.
#   hog: examples/echo with 1 loop on CPU 1 beside a shell
#     busy loop on CPU 1, cmd/loadgen -c 10 on CPU 0: a loop beside a
#     thread that never blocks, where the flag should cost.
#
#   bench/scripts/batch.sh            # ROUNDS=5 by default, about 2 minutes
#
# Needs wrk and taskset. Everything listens on 127.0.0.1 and stops itself.
set -euo pipefail
ROUNDS=${ROUNDS:-5}
PORT=${PORT:-7391}
ENGINES=${ENGINES:-reactor proactor}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mktemp -d)
HOG=""
trap '[ -n "$HOG" ] && kill $HOG 2>/dev/null; rm -rf "$OUT"' EXIT
for b in wrk taskset; do
	command -v $b >/dev/null || { echo "batch.sh: $b not found" >&2; exit 1; }
done
(cd "$ROOT" && go build -o "$OUT/httplite" ./examples/httplite && go build -o "$OUT/echo" ./examples/echo)
(cd "$ROOT/bench" && go build -o "$OUT/loadgen" ./cmd/loadgen)

cputicks() { awk '{print $14 + $15}' /proc/$1/stat; }
switches() { cat /proc/$1/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s+0}'; }
listening() { for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return; sleep 0.1; done; echo "batch.sh: server did not start" >&2; exit 1; }

for round in $(seq "$ROUNDS"); do
	for e in $ENGINES; do
		for flag in off on; do
			f=""; [ $flag = on ] && f=-batch-scheduling
			GOMAXPROCS=2 "$OUT/httplite" -engine $e -loops 2 $f -addr 127.0.0.1:$PORT -log-level warn >/dev/null 2>&1 &
			SPID=$!; listening
			wrk -t1 -c100 -d5s http://127.0.0.1:$PORT/ >"$OUT/wrk" 2>&1 &
			WPID=$!
			sleep 1; t0=$(cputicks $SPID); cs0=$(switches $SPID); s0=$(date +%s.%N)
			sleep 3; t1=$(cputicks $SPID); cs1=$(switches $SPID); s1=$(date +%s.%N)
			wait $WPID
			kill $SPID; wait $SPID 2>/dev/null || true
			rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk")
			echo "shared $e $flag $rps $((t1 - t0)) $((cs1 - cs0)) $s0 $s1 -" >>"$OUT/rows"

			GOMAXPROCS=1 taskset -c 1 "$OUT/echo" -engine $e -loops 1 $f -addr 127.0.0.1:$PORT -log-level warn >/dev/null 2>&1 &
			SPID=$!; listening
			taskset -c 1 sh -c 'while :; do :; done' &
			HOG=$!
			lg=$(taskset -c 0 "$OUT/loadgen" -addr 127.0.0.1:$PORT -c 10 -d 3s -warmup 1s -q 2>&1)
			kill $HOG; wait $HOG 2>/dev/null || true; HOG=""
			kill $SPID; wait $SPID 2>/dev/null || true
			tput=$(awk '/throughput/ {print $2}' <<<"$lg")
			p99=$(awk '/latency/ {for (i = 1; i <= NF; i++) if ($i == "p99") print $(i+1)}' <<<"$lg")
			echo "hog $e $flag $tput - - - - $p99" >>"$OUT/rows"
		done
	done
done
python3 - "$OUT/rows" "$(getconf CLK_TCK)" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
hz = int(sys.argv[2])
for line in open(sys.argv[1]):
    case, e, flag, tput, ticks, cs, s0, s1, p99 = line.split()
    tput = float(tput)
    cpu = sw = lat = None
    if ticks != "-":
        n = tput * (float(s1) - float(s0))
        cpu, sw = int(ticks) / hz * 1e6 / n, int(cs) / n
    if p99 != "-":
        lat = float(p99)
    rows[(case, e, flag)].append((tput, cpu, sw, lat))
med = lambda xs: statistics.median(x for x in xs if x is not None)
print("| case | engine | BatchScheduling | throughput (median) | ratio on/off | server CPU µs/req | context switches/req | p99 µs | runs |")
print("|---|---|---|--:|--:|--:|--:|--:|---|")
for (case, e, flag), v in sorted(rows.items(), key=lambda kv: (kv[0][0] != "shared", kv[0][1], kv[0][2])):
    t = med(r[0] for r in v)
    base = med(r[0] for r in rows[(case, e, "off")])
    cpu = "%.2f" % med(r[1] for r in v) if v[0][1] is not None else "—"
    sw = "%.3f" % med(r[2] for r in v) if v[0][2] is not None else "—"
    lat = "%.0f" % med(r[3] for r in v) if v[0][3] is not None else "—"
    runs = ", ".join("%d" % r[0] for r in v)
    print(f"| {case} | {e} | {flag} | {t:,.0f} | {t / base:.2f}× | {cpu} | {sw} | {lat} | {runs} |")
PY
