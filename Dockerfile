# syntax=docker/dockerfile:1
# Build stage: compiles better-sqlite3 and the TypeScript sources.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: production dependencies, compiled code and templates; runs as non-root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=9000 \
    SQLITE_DB_PATH=/data/authura.db
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY templates ./templates
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 9000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||9000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The same as `npm start` without the build step, which happened above.
# As `npm start`: fewer glibc malloc arenas for the crypto/IO threads and a smaller V8 young
# generation (together about −30 MB RSS under load).
ENV MALLOC_ARENA_MAX=2
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "dist/main.js"]
