# syntax=docker/dockerfile:1
# One image for every role: `docker run mcp-fleet front | worker | dev | keys …` (the CLI, `node dist/mcp-fleet.mjs`).
# Build stage: the locked dependencies and the bundle. Runtime stage: Node, production dependencies, the bundle, and
# the workspace sources tool packs import (`@mcp-fleet/worker`); runs as the unprivileged `node` user.
# Tool packs: a `FROM mcp-fleet` layer that copies them in, or a mounted directory, named in TOOL_PACKS (README
# "Deploying").
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Manifests first: the dependency layer is rebuilt only when the lock changes.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY services/front/package.json services/front/
COPY services/worker/package.json services/worker/
COPY services/cli/package.json services/cli/
COPY integration-tests/package.json integration-tests/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Owned by root, run as `node`: the process cannot rewrite its own code.
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/shared ./shared
COPY --from=build /src/services ./services
COPY --from=build /src/dist ./dist
COPY deploy/docker/healthcheck.mjs ./dist/healthcheck.mjs
USER node
EXPOSE 3000
# front: /healthz on PORT; worker: its metrics listener when METRICS_ENABLED, else the process itself.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["node", "dist/healthcheck.mjs"]
# The CLI handles SIGTERM itself (drains for SHUTDOWN_GRACE_MS / WORKER_SHUTDOWN_GRACE_MS), so node can be PID 1.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/mcp-fleet.mjs"]
CMD ["front"]
