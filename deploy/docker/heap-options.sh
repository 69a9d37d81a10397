#!/bin/sh
# Prints the V8 heap flags for a container memory limit: `heap-options.sh <limit>`, the limit as
# cgroup v2 `memory.max` or v1 `memory.limit_in_bytes` hold it (bytes, or `max` for none).
# V8 sizes its heap from the host's memory, not the container's, and collects the old generation
# lazily, so without a cap the API's RSS grows far past what it uses and the container can be
# killed before a full collection. Same rule as the chart: old space 60 % of the limit, 16 MiB
# semi-spaces; no limit counts as the chart's default 512 MiB.
# 16 MiB semi-spaces, measured (`npm run bench -- --semi-space 32,64`): 32 and 64 MiB added
# ~37 and ~84 MiB of RSS after the JWT-read load and no throughput gain the shared 2-core host
# could resolve, so the young generation stays at 16 MiB.
set -eu
limit=${1:-max}
case "$limit" in
  '' | *[!0-9]*) limit=max ;;
esac
# cgroup v1 reports "no limit" as a number near 2^63.
if [ "$limit" = max ] || [ "${#limit}" -gt 15 ]; then
  mib=512
else
  mib=$((limit / 1048576))
fi
# Below 64 MiB the process cannot run anyway; do not derive a cap that only fails later.
if [ "$mib" -lt 64 ]; then
  mib=64
fi
echo "--max-old-space-size=$((mib * 60 / 100)) --max-semi-space-size=16"
