#!/usr/bin/env bash
# Throughput cost of the audit trail (AUDIT_READS) and of HTTP metrics (METRICS_ENABLED) on an
# authenticated block read (GET /api/blocks/{id} with a bearer token), each on/off.
#
# Four servers run side by side on one PostgreSQL, one per configuration, and are measured in
# turn, round after round, so that load from anything else on the machine hits every
# configuration alike; the report is the median of the rounds. Needs `npm run build` first.
# Usage: bench/audit-metrics-cost.sh [seconds per run=5] [connections=32] [rounds=8]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-5}
CONNECTIONS=${2:-32}
ROUNDS=${3:-8}
BASE_PORT=${BASE_PORT:-3917}
DATA_DIR=${DATA_DIR:-/var/tmp/cb-bench-audit-metrics}
mkdir -p "$DATA_DIR" && chmod 755 "$DATA_DIR"
export NODE_ENV=development DATA_DIR HOST=127.0.0.1 \
  JWT_SECRET=bench-secret-that-is-long-enough-0123456789 \
  RATE_LIMIT_PER_MINUTE=100000000 RATE_LIMIT_AUTH_PER_MINUTE=100000 \
  ADMIN_PASSWORD=Bench-Harbor-Lantern-2026
CONFIGS=("true true" "false true" "true false" "false false")
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait || true; }
trap cleanup EXIT

wait_ready() {
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "server on port $1 did not become ready" >&2
  exit 1
}

# The first server owns the embedded PostgreSQL; the others connect to it.
PORT=$BASE_PORT AUDIT_READS=true METRICS_ENABLED=true LOG_LEVEL=info \
  node dist/apps/api/src/main.js >"$DATA_DIR/server-0.log" 2>&1 &
PIDS+=($!)
wait_ready "$BASE_PORT"
PG_PORT=$(grep -o '"component":"embedded-postgres","port":[0-9]*' "$DATA_DIR/server-0.log" | head -1 | grep -o '[0-9]*$')
PG_PASSWORD=$(cat "$DATA_DIR/pg-password")
export DATABASE_URL="postgres://postgres:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/content_blocks"
for i in 1 2 3; do
  set -- ${CONFIGS[$i]}
  PORT=$((BASE_PORT + i)) AUDIT_READS=$1 METRICS_ENABLED=$2 LOG_LEVEL=warn \
    node dist/apps/api/src/main.js >"$DATA_DIR/server-$i.log" 2>&1 &
  PIDS+=($!)
done
for i in 1 2 3; do wait_ready $((BASE_PORT + i)); done

SUFFIX=$(date +%s%N)
TOKEN=$(curl -fsS -X POST "http://127.0.0.1:$BASE_PORT/api/auth/register" -H 'content-type: application/json' \
  -d "{\"email\":\"bench-$SUFFIX@example.com\",\"username\":\"bench_$SUFFIX\",\"password\":\"Vivid-Bench-Harbor-Lantern-$SUFFIX\"}" |
  node -e 'process.stdin.on("data",d=>process.stdout.write(JSON.parse(d).accessToken))')
ID=$(curl -fsS -X POST "http://127.0.0.1:$BASE_PORT/api/blocks" -H 'content-type: application/json' \
  -H "authorization: Bearer $TOKEN" -d '{"title":"Bench block","content":"hello"}' |
  node -e 'process.stdin.on("data",d=>process.stdout.write(JSON.parse(d).id))')

run() {
  npx autocannon -j -c "$CONNECTIONS" -d "$2" -H "authorization=Bearer $TOKEN" \
    "http://127.0.0.1:$1/api/blocks/$ID" 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);process.stdout.write(`${r.requests.average} ${r.latency.p99} ${r.non2xx}`)})'
}
for i in 0 1 2 3; do run $((BASE_PORT + i)) 2 >/dev/null; done # warm-up

declare -A RPS
RATIOS=("" "" "" "")
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for round in $(seq 1 "$ROUNDS"); do
  # A new order each round, so periodic load elsewhere does not favour one configuration.
  declare -A ROUND=()
  for i in $(shuf -e 0 1 2 3); do
    result=$(run $((BASE_PORT + i)) "$DURATION")
    echo "round $round AUDIT_READS/METRICS_ENABLED=${CONFIGS[$i]/ //}: req/s p99-ms non2xx = $result"
    RPS[$i]+="${result%% *} "
    ROUND[$i]=${result%% *}
  done
  for i in 0 1 2 3; do
    RATIOS[$i]+="$(awk -v a="${ROUND[$i]}" -v b="${ROUND[3]}" 'BEGIN {printf "%.3f", a / b}') "
  done
done
echo
for i in 0 1 2 3; do
  echo "AUDIT_READS/METRICS_ENABLED=${CONFIGS[$i]/ //}: median req/s $(echo "${RPS[$i]}" | median)," \
    "median ratio to both off (same round) $(echo "${RATIOS[$i]}" | median)  (req/s: ${RPS[$i]})"
done
