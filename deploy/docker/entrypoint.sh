#!/bin/sh
# The image's entrypoint under tini: adds V8 heap caps derived from the container's memory limit
# to NODE_OPTIONS, unless NODE_OPTIONS already sets --max-old-space-size (the chart derives its
# own), then runs the command.
set -eu
case " ${NODE_OPTIONS:-} " in
  *' --max-old-space-size='* | *' --max_old_space_size='*) ;;
  *)
    limit=max
    for file in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do
      if [ -r "$file" ]; then
        limit=$(cat "$file")
        break
      fi
    done
    NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }$("$(dirname "$0")/heap-options.sh" "$limit")"
    export NODE_OPTIONS
    ;;
esac
exec "$@"
