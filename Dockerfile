# syntax=docker/dockerfile:1
# Node 24 (the current LTS) in both stages: the native better-sqlite3 module built in the first stage is
# loaded by the same Node in the second, so the two FROM lines must name the same major.
# Build stage: native tools for better-sqlite3, TypeScript compile, then production dependencies only.
FROM node:24-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# patches/: fixes patch-package applies to dependencies at install (postinstall); see docs/architecture.md
COPY patches ./patches
# build_from_source: better-sqlite3 is compiled here against this image's Node, not downloaded prebuilt.
RUN npm_config_build_from_source=true npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

# Run stage: no compilers, a non-root user, data in a volume.
FROM node:24-bookworm-slim
ENV NODE_ENV=production MCP_HOST=0.0.0.0 MCP_PORT=5050 MCP_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY static ./static
# the OTLP .proto files POST /v1/logs decodes protobuf with
COPY proto ./proto
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 5050
# follows MCP_PORT (or PORT) and TLS (https when MCP_TLS_CERT is set), as the server does
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "dist/healthcheck.js"]
CMD ["node", "dist/server.js"]
