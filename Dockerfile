# Gatehouse in a container: `docker build -t gatehouse .` then
# `docker run -p 4566:4566 -v gatehouse-data:/data gatehouse`. The build runs the README's own
# install (`npm ci`, whose `prepare` compiles dist/) and the image starts what `npm start` starts.
# test/docker.test.ts checks that these steps stay the README's.

FROM node:22-bookworm-slim AS build
# better-sqlite3 compiles its native module when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY models ./models
COPY runtime ./runtime
COPY web ./web
COPY schemas ./schemas
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    GATEHOUSE_HOST=0.0.0.0 \
    GATEHOUSE_PORT=4566 \
    GATEHOUSE_DATA_DIR=/data
RUN groupadd --system --gid 10001 gatehouse \
 && useradd --system --uid 10001 --gid gatehouse --home-dir /data --shell /usr/sbin/nologin gatehouse \
 && mkdir -p /data && chown gatehouse:gatehouse /data && chmod 0700 /data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/models ./models
COPY --from=build /app/runtime ./runtime
COPY --from=build /app/web ./web
COPY --from=build /app/schemas ./schemas
USER gatehouse
VOLUME ["/data"]
EXPOSE 4566
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4566/_gatehouse/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "scripts/start.mjs", "serve"]
