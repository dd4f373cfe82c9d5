/**
 * Every environment variable the service reads, with its default and its check (zod), one
 * documented field each; config.ts derives the typed Config from it and applies the rules
 * that span several variables (production keys, JWT, the Redis prefix).
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const keyList = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));

/** What L01_JWT_ALGORITHMS may name: asymmetric signatures only (never `none`; HS* needs a shared secret, which a key set does not hold). */
const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
const optionalText = z.string().optional().transform((v) => v?.trim() || undefined);

/** One entry of L01_KEYS / L01_KEYS_FILE. */
export const keyEntry = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1 to 64 of A-Z a-z 0-9 . _ -'),
  token: z.string().trim().min(1),
  scope: z.enum(['user', 'admin', 'metrics']).default('user'),
  expires: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
});
/** An OTLP endpoint: an http(s) URL, or empty (unset). */
const otlpUrl = z
  .string()
  .optional()
  .transform((v) => v?.trim() || undefined)
  .pipe(z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL').optional());

export const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** Default: the local server, database `l01`, created on start if missing. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/l01'),
  /**
   * A streaming replica of DATABASE_URL for what GET and HEAD requests read (db/pool.ts
   * readRouting). Writes, the lookups writes make, readiness and the relay use the primary.
   * Unset: everything reads the primary. A GET right after a write may not see it yet.
   */
  DATABASE_READ_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').default('redis://127.0.0.1:6379'),
  /**
   * Seed nodes of a Redis Cluster, `host:port,host:port,…` (any few of its masters or
   * replicas; the rest are discovered). Set: cluster mode (redis.ts), REDIS_URL then only
   * lends its credentials and TLS, and L01_REDIS_PREFIX must carry a hash tag.
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean))
    .refine((nodes) => nodes.every((n) => /^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(n)), 'must be host:port,host:port,…'),
  L01_API_KEY: keyList,
  L01_API_KEYS: keyList,
  /** The original service's single key (used there when L01_API_KEYS was empty); a normal key here. */
  L01_DEFAULT_API_KEY: keyList,
  L01_ADMIN_API_KEY: keyList,
  /**
   * Static keys with ids and expiries, for rotation: a JSON array of `{"id", "token",
   * "scope": "user" | "admin" | "metrics" (default user), "expires"?: ISO 8601 instant}`.
   * Events record `key:<id>`; from `expires` on, the key is refused. L01_KEYS_FILE: a file
   * holding the same array (read at start). Both may be set; ids are unique across them.
   */
  L01_KEYS: optionalText,
  L01_KEYS_FILE: optionalText,
  /**
   * JWT bearer tokens (api/auth/jwt.ts), on when a key set is given: a JWKS URL (fetched and
   * cached), or a static JWKS as JSON text or in a file. Exactly one of the three.
   */
  L01_JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  L01_JWT_JWKS: optionalText,
  L01_JWT_JWKS_FILE: optionalText,
  /** Required with JWT: the `iss` every token must carry, and the `aud` values accepted (comma list). */
  L01_JWT_ISSUER: optionalText,
  L01_JWT_AUDIENCE: keyList,
  /** Accepted signature algorithms (comma list), from JWT_ALGORITHMS. */
  L01_JWT_ALGORITHMS: z.string().default('RS256,PS256,ES256,EdDSA,Ed25519').transform((v, ctx) => {
    const list = v.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = list.find((a) => !(JWT_ALGORITHMS as readonly string[]).includes(a));
    if (bad !== undefined || list.length === 0) {
      ctx.addIssue({ code: 'custom', message: `only asymmetric algorithms: ${JWT_ALGORITHMS.join(', ')}` });
      return z.NEVER;
    }
    return list;
  }),
  /** Clock skew allowed on `exp` and `nbf`, seconds. */
  L01_JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
  /** How long a fetched key set is used before it is fetched again, ms. */
  L01_JWT_JWKS_CACHE_MS: positiveInt.default(600_000),
  /** After a fetch, an unknown `kid` fetches the set again only this much later, ms (bounds refetches a forged kid can cause). */
  L01_JWT_JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).default(30_000),
  /** A key set fetch is given up after this long (then 503), ms. */
  L01_JWT_JWKS_TIMEOUT_MS: positiveInt.max(30_000).default(2000),
  /**
   * While the issuer's key set cannot be fetched, the last set it served keeps verifying
   * tokens until it is this old (from its fetch), ms; 0: never (503 as soon as the cache expires).
   */
  L01_JWT_JWKS_MAX_STALE_MS: z.coerce.number().int().min(0).default(86_400_000),
  /**
   * `true`: no token is needed (every caller is `anonymous`, with the normal scope), as the
   * original's L01_AUTH_DISABLED did for its keyless callers. Refused in production; never
   * opens the admin routes.
   */
  L01_AUTH_DISABLED: z.string().default('false').transform((v) => v.trim().toLowerCase() === 'true'),
  /** Origins allowed to call from a browser (CORS): `*` (any, as the original), or a comma list. */
  L01_CORS_ORIGINS: z.string().default('*').transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  /**
   * Address the API listens on. Default: 127.0.0.1 outside production (where the
   * well-known development tokens work, the service must not be reachable from the
   * network by accident), 0.0.0.0 in production (containers; set it to narrow).
   */
  L01_HOST: z.string().min(1).optional(),
  L01_PORT: port.default(8001),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted request body, bytes (413 above). */
  L01_BODY_LIMIT: positiveInt.default(1024 * 1024),
  /**
   * Request-body bytes being received and processed at once, per API process; a request
   * that does not fit waits for room with its body unread (at most 1 s), then is answered
   * 503 with Retry-After. A body
   * counts as its bytes plus what parsing it costs (api/plugins/body-budget.ts); one
   * larger than the whole budget goes alone. The default is measured there.
   */
  L01_INFLIGHT_BODY_BYTES: positiveInt.default(4 * 1024 * 1024),
  /** Request headers must arrive within this long of the connection or previous request, ms. */
  L01_HEADERS_TIMEOUT_MS: positiveInt.default(10_000),
  /** The whole request (headers and body) must arrive within this long, ms (408 and closed after). */
  L01_REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
  /** An idle keep-alive connection is closed after this long, ms. */
  L01_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(5_000),
  /** A connection on which nothing moves, either way, for this long is closed, ms. */
  L01_SOCKET_TIMEOUT_MS: positiveInt.default(30_000),
  /**
   * Open connections per API process; beyond, new ones are refused. Idle keep-alive
   * connections are closed first, from 90% of it on (api/plugins/connections.ts).
   */
  L01_MAX_CONNECTIONS: positiveInt.default(2_000),
  /**
   * Requests per token (per client IP when unauthenticated) per window, per API process;
   * 0 turns it off. The default, 1,000,000 per 10 s (100,000/s), is far above what one
   * process serves on 2 cores (15,854 POST/s at most in bench/), so it never throttles the
   * tests or the benchmarks: it only caps a runaway client. Lower it where tenants share the
   * service (e.g. 6000 per 60000 ms).
   */
  L01_RATE_LIMIT_MAX: z.coerce.number().int().min(0).default(1_000_000),
  L01_RATE_LIMIT_WINDOW_MS: positiveInt.default(10_000),
  /**
   * API processes behind the one port (node:cluster, supervisor.ts); connection limits and
   * the in-flight body budget are per process.
   */
  L01_API_PROCESSES: positiveInt.max(64).default(1),
  /**
   * Where rate-limit counters live: `memory` (per process) or `redis` (shared by every API
   * process and host using the same Redis and prefix). Default: `redis` when
   * L01_API_PROCESSES > 1, else `memory`. A Redis that fails or is slower than 250 ms lets
   * the request through: limits never stop writes.
   */
  L01_RATE_LIMIT_STORE: z.enum(['memory', 'redis']).optional(),
  /** With `redis` counters: a Redis answer slower than this lets the request through, ms. */
  L01_RATE_LIMIT_REDIS_TIMEOUT_MS: positiveInt.max(10_000).default(250),
  /**
   * Different wrong tokens (bearer, X-API-Key or admin login) per client IP per window, per
   * API process; past it, that IP gets 429 (with Retry-After) for any credential it has not
   * already used successfully, until the window ends (api/auth/attempts.ts). 0 turns it off.
   */
  L01_AUTH_FAILURE_MAX: z.coerce.number().int().min(0).default(20),
  L01_AUTH_FAILURE_WINDOW_MS: positiveInt.default(60_000),
  /**
   * Which proxies' X-Forwarded-For to believe for the client IP (rate limits, logs):
   * `false` (default: none, the socket address counts), `true` (any: only behind a proxy
   * that overwrites the header), a hop count, or a comma list of addresses/CIDRs.
   */
  L01_TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v, ctx): boolean | number | string[] => {
      const t = v.trim();
      if (t === '' || t === 'false') return false;
      if (t === 'true') return true;
      if (/^\d+$/.test(t)) return Number(t);
      const list = t.split(',').map((s) => s.trim()).filter(Boolean);
      if (list.every((a) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(a) || ['loopback', 'linklocal', 'uniquelocal'].includes(a))) return list;
      ctx.addIssue({ code: 'custom', message: 'must be false, true, a hop count or a comma list of addresses/CIDRs' });
      return z.NEVER;
    }),
  /** Connections per process. Writes are one statement each, so a small pool saturates 2 cores. */
  L01_PG_POOL_SIZE: positiveInt.max(200).default(10),
  /**
   * Group commit: statements of grouped creates running at once per API process. Creates
   * that arrive while this many run wait and go together, as one statement and transaction.
   */
  L01_WRITE_CONCURRENCY: positiveInt.max(200).default(2),
  /** Most creates grouped into one statement. */
  L01_WRITE_BATCH_MAX: positiveInt.max(10_000).default(500),
  /** Any one statement fails after this long (then 503); a silent connection, 1 s later. */
  L01_PG_TIMEOUT_MS: positiveInt.default(5000),
  /**
   * Connecting to Postgres, or waiting for a free pooled connection, fails after this long
   * (then 503): with Postgres down or unreachable a request answers within 2 s, not 5.
   */
  L01_PG_CONNECT_TIMEOUT_MS: positiveInt.default(1500),
  /**
   * Prefix of every Redis key the service writes (streams, queues). Default `l01:`;
   * `{l01}:` in cluster mode, where it must carry a hash tag (wire/names.ts hashTag).
   */
  L01_REDIS_PREFIX: z.string().optional(),
  /** Prefix of pub/sub channels: `${prefix}events:{event_type}`. Empty by contract; tests isolate with it. */
  L01_CHANNEL_PREFIX: z.string().default(''),
  /**
   * The original service's single pub/sub channel, where every event is also published in
   * its message shape (L10 and L11 subscribe to it); empty turns it off.
   */
  L01_LEGACY_CHANNEL: z.string().default('l01:events'),
  /**
   * Relay partitions (README "Scaling out"): an event is in partition shard(entity id) mod
   * this (wire/partition.ts); each partition has its own streams, leader, checkpoint and
   * dead letters, and the worker processes share the partitions. Every worker and API
   * process must be given the same count. 1: one relay, the streams of the wire contract.
   */
  L01_RELAY_PARTITIONS: positiveInt.max(256).default(1),
  /** Events per claim and per publish job. */
  L01_RELAY_BATCH_SIZE: positiveInt.max(10_000).default(1000),
  /**
   * Bytes per claim and per publish job: a batch stops before the payloads and metadata it
   * carries pass this (half of it while the original's channel is on, as when each payload
   * travelled in both shapes: the measurements below are of that), so memory is bounded by bytes, not only by counts. The first event always
   * goes, so one event larger than this travels alone. Worker peak RSS with 150 × 1 MB
   * events backlogged (tests/faults/big-rows-backlog, heap capped as in runtime.ts), built /
   * under tsx: 4 MiB 139 / 174–179 MB; 8 MiB 155 / 186–191; 16 MiB 181 / 240; 32 MiB and
   * unbounded: heap exhausted. Batches of ordinary events (~1.3 KB each in both shapes)
   * never reach it. With L01_RELAY_PARTITIONS = P each partition's batches get 1/P of it
   * (a worker may lead them all).
   */
  L01_RELAY_BATCH_BYTES: positiveInt.min(65_536).default(4 * 1024 * 1024),
  /**
   * Under sustained load (a batch of 8 or more that did not fill up), the next claim waits
   * until this long after the previous job was submitted, so batches grow instead of jobs
   * multiplying; 0 turns it off. A quiet relay (batches of a few events) never waits.
   */
  L01_RELAY_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(10),
  /** Poll interval covering lost wake-up signals, ms. */
  L01_RELAY_POLL_MS: positiveInt.default(250),
  /** Publish attempts for an event that fails on its own before it is dead-lettered. */
  L01_RELAY_MAX_ATTEMPTS: positiveInt.max(100).default(8),
  /** First retry delay, ms; doubles per attempt, with 50% jitter. */
  L01_RELAY_BACKOFF_MS: positiveInt.default(200),
  /** A publish job whose worker stops answering for this long is handed to another worker. */
  L01_RELAY_LOCK_MS: positiveInt.min(1000).default(30_000),
  /** Warn when a transaction open this long holds the relay back, ms. */
  L01_RELAY_LAG_WARN_MS: positiveInt.default(10_000),
  /**
   * How long the answer to a write sent with an `Idempotency-Key` is replayed to a retry with
   * that key, ms (api/idempotency); after it, the key is free again and its row is purged.
   */
  L01_IDEMPOTENCY_TTL_MS: positiveInt.default(24 * 60 * 60 * 1000),
  /** Most commands in one `POST /api/commands` (one transaction); its bytes are bounded by L01_BODY_LIMIT. */
  L01_COMMANDS_MAX: positiveInt.max(10_000).default(100),
  /** Larger messages fail on their own (and are dead-lettered) instead of straining Redis. */
  L01_MAX_MESSAGE_BYTES: positiveInt.default(4 * 1024 * 1024),
  /** Port of the worker's Prometheus /metrics; 0 turns it off. It has no token: see the host. */
  L01_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  /** Address the worker's /metrics listens on: loopback by default, because it has no token. */
  L01_WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** A bearer token that opens the API's /metrics and nothing else (the admin token works too). */
  L01_METRICS_TOKEN: z.string().optional().transform((v) => v?.trim() || undefined),
  /** Stream retention by event age, ms; 0 = off. Never trims what a consumer group has not read and acknowledged. */
  L01_STREAM_RETENTION_MS: z.coerce.number().int().min(0).default(0),
  /** Stream retention by length: keep the newest N entries; 0 = off. Same consumer-group rule. */
  L01_STREAM_MAX_LEN: z.coerce.number().int().min(0).default(0),
  /** How often the relay leader applies the retention, ms. */
  L01_STREAM_TRIM_INTERVAL_MS: positiveInt.min(1000).default(60_000),
  /**
   * How often the relay leader compares what each stream holds with what it has published
   * (and re-publishes what Redis lost), ms; it also does on every Redis reconnect, and
   * publishing itself refuses to write past a loss.
   */
  L01_STREAM_AUDIT_INTERVAL_MS: positiveInt.min(100).default(5000),
  /**
   * Replicas that must hold a published batch (Redis WAIT on its master) before the relay
   * takes it as published and deletes its outbox rows; 0 (default) does not wait. Fewer in
   * time fail the batch, which is retried: publishing stops while no replica answers.
   * A failover then loses nothing a consumer has seen. Its cost per batch is printed by
   * tests/redis-cluster.test.ts (README, Redis Cluster).
   */
  L01_REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(16).default(0),
  /** How long a batch waits for L01_REDIS_WAIT_REPLICAS, ms. */
  L01_REDIS_WAIT_TIMEOUT_MS: positiveInt.max(5000).default(1000),
  /** How often every worker reads Redis's maxmemory-policy and memory (eviction, OOM), ms. */
  L01_REDIS_WATCH_INTERVAL_MS: positiveInt.min(100).default(2000),
  /**
   * OpenTelemetry: set, the API and the worker export their spans there as OTLP/HTTP JSON
   * (to `<endpoint>/v1/traces`); unset, tracing is off and costs nothing (telemetry/tracing.ts).
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
  /** The traces URL itself (used as is), instead of OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl,
  /** `service.name` of the spans. */
  OTEL_SERVICE_NAME: z.string().trim().min(1).default('l01-data-layer'),
});
