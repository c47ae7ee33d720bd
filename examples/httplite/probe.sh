#!/bin/sh
# probe.sh runs the attack probes of probe_test.go (2,000 slow bodies, NUL
# floods, curl with oversized requests) against the httplite command itself,
# once per engine, and prints their figures. It takes about a minute and stops
# by itself.
#
#	examples/httplite/probe.sh [httplite binary]
#
# A binary given (an older build, say) is probed instead of a fresh build;
# SERVER_FLAGS replaces the server's flags, which must match what the probes
# assume: -idle-timeout 5s -header-timeout 3s -body-timeout 3s.
set -eu
cd "$(dirname "$0")/../.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bin=${1:-}
if [ -z "$bin" ]; then
	bin=$dir/httplite
	go build -o "$bin" ./examples/httplite
fi
go test -c -o "$dir/probe.test" ./examples/httplite
flags=${SERVER_FLAGS:--idle-timeout 5s -header-timeout 3s -body-timeout 3s}
for engine in reactor proactor; do
	echo "== engine $engine: $bin $flags"
	# shellcheck disable=SC2086 # flags is a list
	timeout 120 "$bin" -addr 127.0.0.1:0 -engine "$engine" -loops 2 $flags 2>"$dir/log" &
	pid=$! # timeout's, which passes the kill on
	addr=
	for _ in $(seq 50); do
		addr=$(grep -o '127\.0\.0\.1:[0-9]*' "$dir/log" | head -1 || true)
		[ -n "$addr" ] && break
		sleep 0.1
	done
	if [ -z "$addr" ]; then
		echo "server did not listen:"; cat "$dir/log"; kill "$pid" 2>/dev/null || true; exit 1
	fi
	timeout 150 "$dir/probe.test" -test.run Probe -test.v -probe -probe-addr "$addr" 2>&1 |
		grep -E 'probe_test.go|^ {8}|^(--- |ok|PASS|FAIL)' || true
	kill "$pid"
	wait "$pid" || true
done
