import { readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { keyEntry, schema } from './config-schema.js';
import { DEFAULT_CLUSTER_PREFIX, DEFAULT_PREFIX, hashTag } from './wire/names.js';

/**
 * Tokens that work outside production only: the original service's development tokens, and
 * the default key it fell back to (`dev_key_CHANGE_IN_PRODUCTION`, what L09 and L10 send
 * when nothing else is configured).
 */
export const DEVELOPMENT_TOKENS = ['test_token_123', 'dev_key_local_ONLY', 'dev_key_CHANGE_IN_PRODUCTION'] as const;
/** Keys refused in production even when long enough: well-known placeholders. */
const WEAK_KEYS = [/^(.)\1+$/, /change.?me/i, /your.?secure/i, /^(password|secret|test|example)/i];


/** JWT verification (api/auth/jwt.ts), from the L01_JWT_* variables. */
export interface JwtConfig {
  /** Where the issuer's public keys are: fetched from a URL, or given. */
  jwks: { url: URL } | { keys: JSONWebKeySet };
  issuer: string;
  audience: string[];
  algorithms: string[];
  clockToleranceS: number;
  jwksCacheMs: number;
  jwksCooldownMs: number;
  jwksTimeoutMs: number;
  /** A fetched set goes on verifying while the issuer is unreachable until this old, ms (0: never). */
  jwksMaxStaleMs: number;
}

export interface TokenSpec {
  token: string;
  scope: 'user' | 'admin' | 'metrics';
  /** L01_KEYS: the id events record (`key:<id>`), and when the key stops working. */
  id?: string;
  expires?: Date;
}

export type Config = Omit<z.output<typeof schema>, 'L01_HOST' | 'L01_KEYS' | 'L01_RATE_LIMIT_STORE' | 'L01_REDIS_PREFIX'> & {
  L01_HOST: string;
  L01_REDIS_PREFIX: string;
  L01_RATE_LIMIT_STORE: 'memory' | 'redis';
  /** Every accepted token with its scope. Admin tokens can do everything a normal one can. */
  tokens: ReadonlyArray<TokenSpec>;
  /** JWT bearer tokens; undefined: off. */
  jwt?: JwtConfig;
};

export class ConfigError extends Error {}

const fail = (message: string): never => {
  throw new ConfigError(`invalid configuration: ${message}`);
};

function readText(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    return fail(`${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function parseJson(variable: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail(`${variable}: not valid JSON`);
  }
}

/** L01_KEYS and L01_KEYS_FILE: the keys with ids. The message never quotes a token. */
function rotatingKeys(c: { L01_KEYS?: string; L01_KEYS_FILE?: string }): TokenSpec[] {
  const sources = [
    ...(c.L01_KEYS ? [['L01_KEYS', c.L01_KEYS] as const] : []),
    ...(c.L01_KEYS_FILE ? [['L01_KEYS_FILE', readText('L01_KEYS_FILE', c.L01_KEYS_FILE)] as const] : []),
  ];
  const keys: TokenSpec[] = [];
  for (const [variable, text] of sources) {
    const parsed = z.array(keyEntry).safeParse(parseJson(variable, text));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      fail(`${variable}: ${issue.path.join('.')}: ${issue.message}`);
    }
    keys.push(...parsed.data!);
  }
  const ids = keys.map((k) => k.id!);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) fail(`L01_KEYS: the id ${twice} is given twice`);
  return keys;
}

/** The L01_JWT_* variables, or undefined when no key set is given. */
function jwtConfig(c: z.output<typeof schema>): JwtConfig | undefined {
  const sources = [c.L01_JWT_JWKS_URL, c.L01_JWT_JWKS, c.L01_JWT_JWKS_FILE].filter((v) => v !== undefined);
  if (sources.length === 0) {
    if (c.L01_JWT_ISSUER || c.L01_JWT_AUDIENCE.length > 0) fail('L01_JWT_ISSUER and L01_JWT_AUDIENCE need a key set: L01_JWT_JWKS_URL, L01_JWT_JWKS or L01_JWT_JWKS_FILE');
    return undefined;
  }
  if (sources.length > 1) fail('give one of L01_JWT_JWKS_URL, L01_JWT_JWKS, L01_JWT_JWKS_FILE');
  if (!c.L01_JWT_ISSUER) fail('L01_JWT_ISSUER is required with JWT (the iss every token must carry)');
  if (c.L01_JWT_AUDIENCE.length === 0) fail('L01_JWT_AUDIENCE is required with JWT (the aud a token must carry)');
  let jwks: JwtConfig['jwks'];
  if (c.L01_JWT_JWKS_URL) {
    const url = new URL(c.L01_JWT_JWKS_URL);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (c.NODE_ENV === 'production' && url.protocol !== 'https:' && !loopback) fail('L01_JWT_JWKS_URL must be https in production');
    jwks = { url };
  } else {
    const variable = c.L01_JWT_JWKS ? 'L01_JWT_JWKS' : 'L01_JWT_JWKS_FILE';
    const set = parseJson(variable, c.L01_JWT_JWKS ?? readText(variable, c.L01_JWT_JWKS_FILE!)) as { keys?: unknown };
    if (!set || !Array.isArray(set.keys) || set.keys.length === 0 || !set.keys.every((k) => k && typeof k === 'object')) {
      fail(`${variable}: must be a JWKS, {"keys": [...]}, with at least one key`);
    }
    // A private or shared key here would be a secret in the environment, and jose refuses it anyway.
    if ((set.keys as Array<Record<string, unknown>>).some((k) => 'd' in k || k.kty === 'oct')) fail(`${variable}: must hold public keys only`);
    jwks = { keys: set as JSONWebKeySet };
  }
  return {
    jwks,
    issuer: c.L01_JWT_ISSUER!,
    audience: c.L01_JWT_AUDIENCE,
    algorithms: c.L01_JWT_ALGORITHMS,
    clockToleranceS: c.L01_JWT_CLOCK_TOLERANCE_S,
    jwksCacheMs: c.L01_JWT_JWKS_CACHE_MS,
    jwksCooldownMs: c.L01_JWT_JWKS_COOLDOWN_MS,
    jwksTimeoutMs: c.L01_JWT_JWKS_TIMEOUT_MS,
    jwksMaxStaleMs: c.L01_JWT_JWKS_MAX_STALE_MS,
  };
}

/** Parses and checks the environment. Throws a ConfigError with one readable line. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  const { L01_KEYS: _keys, ...c } = parsed.data;
  const user = [...c.L01_API_KEY, ...c.L01_API_KEYS, ...c.L01_DEFAULT_API_KEY];
  const admin = c.L01_ADMIN_API_KEY;
  const rotating = rotatingKeys(parsed.data);
  const jwt = jwtConfig(parsed.data);
  if (c.NODE_ENV === 'production') {
    if (c.L01_AUTH_DISABLED) throw new ConfigError('invalid configuration: L01_AUTH_DISABLED cannot be true in production');
    if (user.length + admin.length + rotating.length === 0 && !jwt) {
      throw new ConfigError('invalid configuration: NODE_ENV=production needs L01_API_KEY (at least 32 characters), L01_KEYS or JWT (L01_JWT_*)');
    }
    for (const key of [...user, ...admin, ...rotating.map((k) => k.token), ...(c.L01_METRICS_TOKEN ? [c.L01_METRICS_TOKEN] : [])]) {
      if (key.length < 32) throw new ConfigError('invalid configuration: API keys must be at least 32 characters in production');
      if ((DEVELOPMENT_TOKENS as readonly string[]).includes(key) || WEAK_KEYS.some((re) => re.test(key))) {
        throw new ConfigError('invalid configuration: a configured API key is a known weak or development key');
      }
    }
  }
  const dev = c.NODE_ENV === 'production' ? [] : DEVELOPMENT_TOKENS.map((token) => ({ token, scope: 'admin' as const }));
  if (c.L01_HEADERS_TIMEOUT_MS > c.L01_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('invalid configuration: L01_HEADERS_TIMEOUT_MS must not exceed L01_REQUEST_TIMEOUT_MS');
  }
  const cluster = c.REDIS_CLUSTER_NODES.length > 0;
  const prefix = c.L01_REDIS_PREFIX ?? (cluster ? DEFAULT_CLUSTER_PREFIX : DEFAULT_PREFIX);
  if (cluster && hashTag(prefix) === null) {
    throw new ConfigError(`invalid configuration: L01_REDIS_PREFIX must carry a hash tag with REDIS_CLUSTER_NODES set (e.g. {l01}:), so every key is in one slot; got ${JSON.stringify(prefix)}`);
  }
  return {
    ...c,
    L01_REDIS_PREFIX: prefix,
    L01_HOST: c.L01_HOST ?? (c.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
    L01_RATE_LIMIT_STORE: c.L01_RATE_LIMIT_STORE ?? (c.L01_API_PROCESSES > 1 ? 'redis' : 'memory'),
    tokens: [
      ...user.map((token) => ({ token, scope: 'user' as const })),
      ...admin.map((token) => ({ token, scope: 'admin' as const })),
      ...rotating,
      ...dev,
    ],
    ...(jwt ? { jwt } : {}),
  };
}
