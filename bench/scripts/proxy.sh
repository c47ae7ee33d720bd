#!/bin/bash
# proxy.sh compares examples/proxy with HAProxy (mode tcp, one thread) as a
# layer-4 proxy in front of two examples/httplite backends, as issue 11 asks:
# wrk -t1 -c100 through each proxy, and straight to a backend for the ratio.
# The proxy under test runs on CPU 1; the backends and wrk share CPU 0, in
# every run alike. ROUNDS interleaved rounds; medians, every run (marked where
# the host stole 5 % or more of the CPU time), the proxy's CPU per request,
# and wrk's socket errors and non-2xx answers (which must be 0).
#
#   bench/scripts/proxy.sh            # ROUNDS=3 D=10s by default
#
# Needs wrk, haproxy (Debian packages) and taskset. Everything listens on
# 127.0.0.1 and stops itself.
set -euo pipefail
ROUNDS=${ROUNDS:-3}
D=${D:-10s}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$OUT"' EXIT
for b in wrk haproxy taskset; do
	command -v $b >/dev/null || { echo "proxy.sh: $b not found" >&2; exit 1; }
done
(cd "$ROOT" && go build -o "$OUT/proxy" ./examples/proxy && go build -o "$OUT/httplite" ./examples/httplite)
B1=127.0.0.1:18081 B2=127.0.0.1:18082 FRONT=127.0.0.1:18000
for b in $B1 $B2; do
	GOMAXPROCS=1 taskset -c 0 "$OUT/httplite" -engine reactor -loops 1 -addr $b -log-level warn >/dev/null 2>&1 &
	PIDS+=($!)
done
cat >"$OUT/haproxy.cfg" <<CFG
global
	nbthread 1
	maxconn 4000
defaults
	mode tcp
	timeout connect 2s
	timeout client 60s
	timeout server 60s
frontend front
	bind $FRONT
	default_backend back
backend back
	balance roundrobin
	server b1 $B1
	server b2 $B2
CFG
waitport() { for _ in $(seq 50); do (exec 3<>/dev/tcp/${1%:*}/${1#*:}) 2>/dev/null && return; sleep 0.1; done; echo "proxy.sh: nothing on $1" >&2; exit 1; }
waitport $B1; waitport $B2
cputicks() { awk '{print $14 + $15}' /proc/$1/stat; }
machine() { awk '/^cpu / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $9}' /proc/stat; } # all ticks, stolen ticks

for round in $(seq "$ROUNDS"); do
	for s in direct haproxy proxy-reactor proxy-proactor; do
		target=$FRONT SPID=
		case $s in
		direct) target=$B1 ;;
		haproxy) taskset -c 1 haproxy -q -f "$OUT/haproxy.cfg" & SPID=$! ;;
		proxy-*) GOMAXPROCS=1 taskset -c 1 "$OUT/proxy" -engine "${s#proxy-}" -loops 1 -listen $FRONT \
			-backends $B1,$B2 -log-level warn >/dev/null 2>&1 & SPID=$! ;;
		esac
		waitport $target
		t0=0; [ -n "$SPID" ] && t0=$(cputicks $SPID)
		read -r m0 st0 < <(machine)
		taskset -c 0 wrk -t1 -c100 -d"$D" "http://$target/" >"$OUT/wrk" 2>&1
		t1=0; [ -n "$SPID" ] && t1=$(cputicks $SPID)
		read -r m1 st1 < <(machine)
		rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk")
		reqs=$(awk '/requests in/ {print $1}' "$OUT/wrk")
		errs=$(awk '/Socket errors/ {gsub(/[^0-9 ]/, " "); s = 0; for (i = 1; i <= NF; i++) s += $i; print s}' "$OUT/wrk")
		non2xx=$(awk '/Non-2xx/ {print $NF}' "$OUT/wrk")
		echo "$round $s ${rps:-0} ${reqs:-0} $((t1 - t0)) ${errs:-0} ${non2xx:-0} $((st1 - st0)) $((m1 - m0))" >>"$OUT/runs"
		if [ -n "$SPID" ]; then kill $SPID; wait $SPID 2>/dev/null || true; fi
	done
done
python3 - "$OUT/runs" <<'PY'
import sys, statistics, collections, os
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r, s, rps, reqs, ticks, errs, non2xx, stolen, total = line.split()
    runs[s].append((float(rps), int(ticks) / os.sysconf("SC_CLK_TCK") * 1e6 / max(int(reqs), 1), int(errs), int(non2xx),
                    int(stolen) / max(int(total), 1)))
med = {s: statistics.median(x[0] for x in v) for s, v in runs.items()}
print("| path | req/s | / direct | / haproxy | proxy CPU µs/req | proxy CPU share | socket errors | non-2xx | runs |")
print("|---|--:|--:|--:|--:|--:|--:|--:|---|")
for s in ("direct", "haproxy", "proxy-reactor", "proxy-proactor"):
    v = runs[s]
    cpu = statistics.median(x[1] for x in v)
    share = "—" if s == "direct" else f"{cpu * med[s] / 1e6:.2f}"
    print(f"| {s} | {med[s]:,.0f} | {med[s] / med['direct']:.2f}× | {med[s] / med['haproxy']:.2f}× | "
          f"{'—' if s == 'direct' else f'{cpu:.2f}'} | {share} | {sum(x[2] for x in v)} | {sum(x[3] for x in v)} | "
          + ", ".join(f"{x[0]:,.0f}" + (f" (steal {100 * x[4]:.0f} %)" if x[4] >= 0.05 else "") for x in v) + " |")
print()
print("Runs are marked where the hypervisor took 5 % or more of the machine's CPU time during them (/proc/stat steal).")
PY
