#!/usr/bin/env bash
# Saturation throughput of the poll (GET /processing/executions/{id}) with wrk, per --validate mode.
# Loopback only; bounded (8 s per mode); stops the servers it starts. Needs wrk (apt-get install wrk).
set -euo pipefail
BIN=${BIN:-.venv/bin}
PORT=${PORT:-18080}
rows=()
for mode in off requests; do
  "$BIN/mocktmc" serve --port "$PORT" --clock frozen --validate "$mode" >/dev/null 2>&1 &
  server=$!
  trap 'kill -TERM $server 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/_mocktmc/health" >/dev/null && break; sleep 0.1; done
  id=$(curl -sf -H 'Authorization: Bearer bench' -H 'Content-Type: application/json' \
        -d '{"executable":"65f1a0c2e4b0a1b2c3d42001"}' "http://127.0.0.1:$PORT/processing/executions" |
       "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)["executionId"])')
  rps=$(wrk -t2 -c8 -d8s -H 'Authorization: Bearer bench' "http://127.0.0.1:$PORT/processing/executions/$id" |
        awk '/Requests\/sec/ {print $2}')
  row="{\"validate\": \"$mode\", \"operation\": \"GET /processing/executions/{id}\", \"tool\": \"wrk -t2 -c8 -d8s\", \"requests_per_s\": $rps}"
  echo "$row"
  rows+=("$row")
  kill -TERM "$server"; wait "$server" 2>/dev/null || true
  trap - EXIT
done
# The same rows for the benchmarks' page (build/bench/wrk_poll.json, bench/figures.py).
printf '%s\n' "${rows[@]}" | BENCH="$(dirname "$0")" "$BIN/python" -c '
import json, os, sys
sys.path.insert(0, os.environ["BENCH"])
from figures import save
save("wrk_poll", [json.loads(line) for line in sys.stdin if line.strip()], command="bash bench/wrk_poll.sh")'
