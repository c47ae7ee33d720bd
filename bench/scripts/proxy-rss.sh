#!/bin/bash
# proxy-rss.sh sends 1 GiB through examples/proxy from a backend that writes
# as fast as it can to a client that reads slowly (RATE MB/s), and prints the
# proxy's peak resident memory (VmHWM) on each engine: back-pressure must
# keep it small whatever the transfer's size (issue 11: under 16 MiB).
#
#   bench/scripts/proxy-rss.sh        # ENGINES="reactor proactor goroutine" SIZE_MB=1024 RATE=200
set -euo pipefail
ENGINES=${ENGINES:-"reactor proactor goroutine"}
SIZE_MB=${SIZE_MB:-1024}
RATE=${RATE:-200}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$OUT"' EXIT
(cd "$ROOT" && go build -o "$OUT/proxy" ./examples/proxy)
BACK=127.0.0.1:18191 FRONT=127.0.0.1:18190
# The backend: every connection gets SIZE_MB MiB as fast as the socket takes it.
python3 - "$BACK" "$SIZE_MB" <<'PY' &
import socket, sys, threading
host, port = sys.argv[1].rsplit(":", 1)
size = int(sys.argv[2]) << 20
ln = socket.create_server((host, int(port)))
chunk = b"x" * (1 << 20)
def serve(c):
    with c:
        try:
            for _ in range(size >> 20):
                c.sendall(chunk)
        except OSError:
            pass
while True:
    c, _ = ln.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
PIDS+=($!)
sleep 0.5
for e in $ENGINES; do
	"$OUT/proxy" -engine "$e" -loops 1 -listen $FRONT -backends $BACK -log-level warn >/dev/null 2>&1 &
	P=$!
	for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/18190) 2>/dev/null && break; sleep 0.1; done
	sleep 0.3 # the health check's first round
	start=$(date +%s.%N)
	got=$(python3 - "$FRONT" "$RATE" <<'PY'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
rate = float(sys.argv[2]) * 1e6
s = socket.create_connection((host, int(port)))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 << 10)
n, t0 = 0, time.monotonic()
while True:
    b = s.recv(64 << 10)
    if not b:
        break
    n += len(b)
    ahead = n / rate - (time.monotonic() - t0)
    if ahead > 0:
        time.sleep(ahead)
print(n)
PY
)
	secs=$(echo "$(date +%s.%N) - $start" | bc)
	hwm=$(awk '/VmHWM/ {print $2}' /proc/$P/status)
	kill $P; wait $P 2>/dev/null || true
	printf '%-10s %s bytes in %.1f s; proxy VmHWM %s kB (%.1f MiB)\n' "$e" "$got" "$secs" "$hwm" "$(echo "$hwm/1024" | bc -l)"
done
