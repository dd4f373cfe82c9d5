/**
 * An issuer for the JWT tests: signing keys made with jose, a JWKS server on a free port
 * (node:http) whose key set a test can change (rotation), and tokens minted with any claims.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'l01-api';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** The public half as published in the JWKS. */
  jwk: JWK;
}

export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

export interface MintOptions {
  /** Default: ISSUER, AUDIENCE, expiring in 5 minutes. Set a claim to undefined to leave it out. */
  claims?: JWTPayload;
  /** Sign with this key but publish the header's kid as another (a forged signature). */
  kid?: string;
}

/** A signed JWT: `sub`, `scope` and the defaults, overridden by `claims`. */
export async function mint(key: SigningKey, sub: string, scope: string, o: MintOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = { iss: ISSUER, aud: AUDIENCE, sub, scope, iat: now, exp: now + 300, ...o.claims };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: o.kid ?? key.kid, typ: 'JWT' }).sign(key.privateKey);
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An unsecured JWT (`alg: none`, empty signature), as an attacker would send one. */
export const unsecured = (sub: string, scope: string) => {
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub, scope, exp: now + 300 })}.`;
};

export interface JwksServer {
  url: string;
  /** Publish these keys from now on. */
  publish(keys: SigningKey[]): void;
  /** Answer every fetch from now on with a 503 (true), or the key set again (false). */
  fail(failing: boolean): void;
  /** Key-set fetches asked for so far (failed ones too). */
  readonly fetches: number;
  close(): Promise<void>;
}

export async function jwksServer(keys: SigningKey[]): Promise<JwksServer> {
  let published = keys;
  let fetches = 0;
  let failing = false;
  const server: Server = createServer((req, res) => {
    fetches += 1;
    if (failing) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(JSON.stringify({ keys: published.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    publish: (next) => {
      published = next;
    },
    fail: (on) => {
      failing = on;
    },
    get fetches() {
      return fetches;
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** The environment that turns JWT on against `jwksUrl`; an unknown kid refetches at once (no cooldown). */
export const jwtEnv = (jwksUrl: string): NodeJS.ProcessEnv => ({
  L01_JWT_JWKS_URL: jwksUrl,
  L01_JWT_ISSUER: ISSUER,
  L01_JWT_AUDIENCE: AUDIENCE,
  L01_JWT_JWKS_COOLDOWN_MS: '0',
});
