#!/bin/bash
# redis.sh compares examples/kv with redis-server under redis-benchmark, as
# issue 11 asks: each server pinned to CPU 1 and the client to CPU 0, the
# servers interleaved, ROUNDS rounds, then the median of each test and its
# ratio to Redis. It also counts the server's context switches (every thread,
# voluntary and not) and CPU per request, and how busy each CPU was: a run
# whose client CPU is near 1.00 while the server's is not measured the
# client, not the server. A run during which the hypervisor took 5 % or
# more of the machine's CPU time (/proc/stat steal) is marked beside its
# figure: it measured the host's other guests too.
#
#   bench/scripts/redis.sh            # ROUNDS=3 N=500000 PIPES="1 16" by default
#   PIPES="1 16 64" bench/scripts/redis.sh
#
# PIPES are the pipeline depths (-P). A depth over 16 sends N * depth / 8
# requests per test, so that its tests, far faster, still last seconds.
#
# Needs redis-server and redis-benchmark (apt-get install -y redis-server
# redis-tools) and taskset. Everything listens on 127.0.0.1 and stops itself.
set -euo pipefail
ROUNDS=${ROUNDS:-3}
N=${N:-500000}
PIPES=${PIPES:-"1 16"}
PORT=${PORT:-6390}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
for b in redis-server redis-benchmark taskset; do
	command -v $b >/dev/null || { echo "redis.sh: $b not found" >&2; exit 1; }
done
(cd "$ROOT" && go build -o "$OUT/kv" ./examples/kv)

start() { # name -> server pid in SPID
	case $1 in
	redis) taskset -c 1 redis-server --port $PORT --bind 127.0.0.1 --save '' --appendonly no --loglevel warning >/dev/null 2>&1 & ;;
	kv-*) GOMAXPROCS=1 taskset -c 1 "$OUT/kv" -engine "${1#kv-}" -loops 1 -addr 127.0.0.1:$PORT -log-level warn >/dev/null 2>&1 & ;;
	esac
	SPID=$!
	for _ in $(seq 50); do redis-cli -p $PORT ping >/dev/null 2>&1 && return; sleep 0.1; done
	echo "redis.sh: $1 did not start" >&2; exit 1
}
switches() { # pid -> context switches of all its threads
	cat /proc/$1/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s+0}'
}
cputicks() { awk '{print $14 + $15}' /proc/$1/stat; }
cpustat() { awk '/^cpu[01] / {busy = $2 + $3 + $4 + $7 + $8; printf "%d %d %d ", busy, busy + $5 + $6 + $9, $9}' /proc/stat; }

SERVERS="redis kv-reactor kv-proactor"
for round in $(seq "$ROUNDS"); do
	for P in $PIPES; do
		n=$N
		[ "$P" -le 16 ] || n=$((N * P / 8))
		for s in $SERVERS; do
			start $s
			cs0=$(switches $SPID); t0=$(cputicks $SPID); st0=$(cpustat)
			taskset -c 0 redis-benchmark -p $PORT -t ping,set,get -n "$n" -c 50 -P $P -q 2>/dev/null | tr '\r' '\n' |
				awk -v s=$s -v p=$P -v r=$round -F': ' '/requests per second/ {split($2, a, " "); print r, "P" p, s, $1, a[1]}' >>"$OUT/rps"
			cs1=$(switches $SPID); t1=$(cputicks $SPID); st1=$(cpustat)
			echo "$round P$P $s $((cs1 - cs0)) $((t1 - t0)) $st0 $st1" >>"$OUT/cost"
			kill $SPID; wait $SPID 2>/dev/null || true
		done
	done
done
python3 - "$OUT" "$N" "$PIPES" <<'PY'
import sys, statistics, collections, os
out, N, pipes = sys.argv[1], int(sys.argv[2]), ["P" + p for p in sys.argv[3].split()]
def requests(p):  # per test, as the run above sent them
    d = int(p[1:])
    return N if d <= 16 else N * d // 8
rps = collections.defaultdict(list)
for line in open(os.path.join(out, "rps")):
    r, p, s, test, v = line.split()
    rps[(p, test, s)].append((float(v), r))
cost = collections.defaultdict(list)
steal = {}
hz = os.sysconf("SC_CLK_TCK")
for line in open(os.path.join(out, "cost")):
    r, p, s, cs, ticks, *st = line.split()
    # CPU 0 and 1: busy, total and stolen ticks, before and after.
    b0, t0, s0, b1, t1, s1, b0e, t0e, s0e, b1e, t1e, s1e = map(int, st)
    # Each run sends 4 tests (PING_INLINE, PING_MBULK, SET, GET) of n
    # requests each. Busy: the share of each CPU's
    # time spent working (user, system, interrupts) during the run, to tell
    # whether the client (CPU 0) or the server (CPU 1) was the limit. Steal:
    # the share of both CPUs' time the hypervisor gave to other guests.
    stolen = (s0e - s0 + s1e - s1) / max(t0e - t0 + t1e - t1, 1)
    steal[(r, p, s)] = stolen
    n = 4 * requests(p)
    cost[(p, s)].append((int(cs) / n, int(ticks) / hz * 1e6 / n,
                         (b0e - b0) / max(t0e - t0, 1), (b1e - b1) / max(t1e - t1, 1), stolen))
servers = ["redis", "kv-reactor", "kv-proactor"]
print("| pipeline | test | " + " | ".join(f"{s} req/s" for s in servers) + " | kv-reactor / redis | kv-proactor / redis | runs (redis; kv-reactor; kv-proactor) |")
print("|---|---|" + "--:|" * (len(servers) + 2) + "---|")
for p in pipes:
    for test in ("PING_INLINE", "PING_MBULK", "SET", "GET"):
        m = {s: statistics.median(v for v, _ in rps[(p, test, s)]) for s in servers if rps[(p, test, s)]}
        if "redis" not in m:
            continue
        # A round in which the host took 5 % or more is marked: it measured other guests too.
        runs = "; ".join(",".join(f"{v:.0f}" + (f" (steal {100 * steal[(r, p, s)]:.0f} %)" if steal.get((r, p, s), 0) >= 0.05 else "")
                                  for v, r in rps[(p, test, s)]) for s in servers)
        print(f"| {p} | {test} | " + " | ".join(f"{m[s]:,.0f}" for s in servers) +
              f" | {m['kv-reactor'] / m['redis']:.2f}× | {m['kv-proactor'] / m['redis']:.2f}× | {runs} |")
print()
print("| pipeline | server | context switches / request | CPU µs / request | client CPU busy | server CPU busy | steal |")
print("|---|---|--:|--:|--:|--:|--:|")
for p in pipes:
    for s in servers:
        c = cost[(p, s)]
        med = [statistics.median(x[i] for x in c) for i in range(5)]
        print(f"| {p} | {s} | {med[0]:.3f} | {med[1]:.2f} | {med[2]:.2f} | {med[3]:.2f} | {med[4]:.2f} |")
PY
