# syntax=docker/dockerfile:1
# Node's Active LTS. Build stage: the runtime tree (scripts/runtime-tree.sh, which test:system
# also builds and starts with this image's command): compiled code, templates and production
# dependencies, better-sqlite3 compiled here.
FROM node:26-bookworm-slim AS build
WORKDIR /src
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY templates ./templates
RUN sh scripts/runtime-tree.sh /runtime

# Runtime stage: the tree alone (no compiler, sources, tests or dev dependencies); not root.
FROM node:26-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=9000 \
    SQLITE_DB_PATH=/data/authura.db \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /runtime ./
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 9000
# The process answers (/healthz; /readyz is the load balancer's check: it needs the backend).
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||9000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node is PID 1 and handles SIGTERM/SIGINT itself: in-flight requests drain, then it exits 0
# (at most 10 s; with WORKERS > 1 the primary stops its processes, at most 15 s).
STOPSIGNAL SIGTERM
# As `npm start` without the build step (done above): fewer glibc malloc arenas (MALLOC_ARENA_MAX)
# and a smaller V8 young generation (together about -30 MB RSS under load).
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "dist/main.js"]
# Migrations (needs only the backend's variables):
#   docker run --rm --env-file .env IMAGE node dist/cli/migrate.js
