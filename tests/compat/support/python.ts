/**
 * What the Python callers do with an answer, in TypeScript: httpx `raise_for_status()`,
 * `UUID(x)`, `float(x)`, truthiness of optional arguments, `datetime.isoformat()` values,
 * and the e2e suites' "parse if string". Every check is a vitest `expect` with a message
 * naming the call, so a failing case says which caller step broke.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { describeRequest, snippet, type Send, type SendRequest, type SendResponse } from './harness.js';

export type Json = Record<string, unknown>;

/** Python truthiness, as the clients' `if value:` tests it. */
export function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** `value or {}` */
export function orEmpty<T extends object>(value: T | null | undefined): T | Json {
  return truthy(value) ? (value as T) : {};
}

/** `value or []` */
export function orEmptyList<T>(value: T[] | null | undefined): T[] {
  return truthy(value) ? (value as T[]) : [];
}

/** Sets `key` when `test(value)`; the clients' `if x: payload["x"] = x` pattern. */
export function put(target: Json, key: string, value: unknown, test: (v: unknown) => boolean = truthy): void {
  if (test(value)) target[key] = value;
}

export const notNone = (v: unknown): boolean => v !== undefined && v !== null;

/** Drops the `None` values, as `{k: v for k, v in payload.items() if v is not None}`. */
export function dropNone(obj: Json): Json {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== null));
}

/** `uuid4()` */
export const uuid4 = (): string => randomUUID();
/** `uuid4().hex` */
export const uuidHex = (): string => randomUUID().replaceAll('-', '');

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function isoParts(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function isoMicros(d: Date): string {
  // Python prints microseconds when they are not zero; JS has milliseconds, the rest is made up.
  const micros = d.getUTCMilliseconds() * 1000 + randomInt(1, 1000);
  return `${isoParts(d)}.${pad(micros, 6)}`;
}

/** `datetime.utcnow().isoformat()` (naive UTC, microseconds), shifted by `offsetMs`. */
export function pyUtcNow(offsetMs = 0): string {
  return isoMicros(new Date(Date.now() + offsetMs));
}

/** `datetime.now()` (naive, local time): the platform's containers run in UTC. */
export const pyLocalNow = pyUtcNow;

/** `datetime.now(timezone.utc).isoformat()`: aware, `+00:00`, e.g. `2026-12-01T08:41:50.123456+00:00`. */
export function pyAwareUtcNow(offsetMs = 0): string {
  return `${pyUtcNow(offsetMs)}+00:00`;
}

/** `datetime.fromtimestamp(seconds).isoformat()` in a UTC container (no microseconds when whole). */
export function pyFromTimestamp(seconds: number): string {
  return isoParts(new Date(seconds * 1000));
}

const NAIVE_ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const ANY_ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})?$/;

/** The original's timestamp format: ISO 8601, naive (no offset, no `Z`), e.g. `2026-12-01T08:41:50.156938`. */
export function expectNaiveIso(value: unknown, what: string): void {
  expect(typeof value === 'string' && NAIVE_ISO.test(value), `${what}: expected a naive ISO 8601 timestamp like 2026-12-01T08:41:50.156938, got ${JSON.stringify(value)}`).toBe(true);
}

/** Microseconds since the epoch of an ISO timestamp; naive ones are UTC. */
export function isoMicrosSinceEpoch(value: string): number {
  const m = ANY_ISO.exec(value);
  if (!m) throw new Error(`not an ISO 8601 timestamp: ${JSON.stringify(value)}`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const [zh, zm] = zone.slice(1).split(':');
    ms -= sign * (Number(zh) * 60 + Number(zm)) * 60_000;
  }
  return ms * 1000 + Number((frac ?? '').padEnd(6, '0'));
}

/** A timestamp read back names the instant that was sent (to the millisecond; naive = UTC). */
export function expectSameInstant(read: unknown, sent: string, what: string): void {
  expect(typeof read, `${what}: expected a timestamp string, got ${JSON.stringify(read)}`).toBe('string');
  const delta = Math.abs(isoMicrosSinceEpoch(read as string) - isoMicrosSinceEpoch(sent));
  expect(delta < 1000, `${what}: read back ${JSON.stringify(read)}, sent ${JSON.stringify(sent)}`).toBe(true);
}

/** Python's `UUID(value)`: a string of 32 hex digits (hyphens, braces, `urn:uuid:` allowed). */
export function pyUuid(value: unknown, what: string): string {
  expect(typeof value, `${what}: UUID() needs a str, got ${JSON.stringify(value)}`).toBe('string');
  const hex = (value as string).replace('urn:', '').replace('uuid:', '').replace(/^[{}]+|[{}]+$/g, '').replaceAll('-', '');
  expect(/^[0-9a-fA-F]{32}$/.test(hex), `${what}: UUID(${JSON.stringify(value)}) raises ValueError`).toBe(true);
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Python's `float(value)`: a number or a numeric string (the e2e tests wrap DECIMAL columns in it). */
export function pyFloat(value: unknown, what: string): number {
  const ok = typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)));
  expect(ok, `${what}: float(${JSON.stringify(value)}) raises`).toBe(true);
  return Number(value);
}

/** The e2e suites' tolerance: `if isinstance(x, str): x = json.loads(x)`. */
export function parseIfString(value: unknown, what: string): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new Error(`${what}: json.loads(${JSON.stringify(snippet(value, 80))}) raises`);
  }
}

/** httpx `raise_for_status()`: anything but 2xx raises, redirects (307 ...) included. */
export function raiseForStatus(res: SendResponse, req: SendRequest): void {
  const ok = res.status >= 200 && res.status <= 299;
  expect(ok, `${describeRequest(req)}: raise_for_status() raises on ${res.status} ${snippet(res.text)}`).toBe(true);
}

/** `response.raise_for_status(); return response.json()` */
export function okJson(res: SendResponse, req: SendRequest): any {
  raiseForStatus(res, req);
  try {
    return res.json();
  } catch (err) {
    throw new Error(`${describeRequest(req)}: response.json() raises: ${(err as Error).message}`);
  }
}

/** Sends and applies `raise_for_status()` + `.json()`. */
export async function callJson(send: Send, req: SendRequest): Promise<any> {
  return okJson(await send(req), req);
}

/** The answer is a JSON object (`dict`), as the caller indexes it with `["key"]`. */
export function expectObject(value: unknown, what: string): asserts value is Json {
  expect(value !== null && typeof value === 'object' && !Array.isArray(value), `${what}: expected a JSON object, got ${snippet(JSON.stringify(value) ?? String(value), 160)}`).toBe(true);
}

/** The answer is a bare JSON array (the original's list answers have no envelope). */
export function expectArray(value: unknown, what: string): asserts value is unknown[] {
  expect(Array.isArray(value), `${what}: expected a JSON array, got ${snippet(JSON.stringify(value) ?? String(value), 160)}`).toBe(true);
}

/** No 5xx: the caller (and its bridge) gets a clean error or success, never a server failure. */
export function expectNo5xx(res: SendResponse, req: SendRequest): void {
  expect(res.status < 500, `${describeRequest(req)}: answered ${res.status} ${snippet(res.text)}`).toBe(true);
}

/** Finds the item of a list answer with `key === value`, failing clearly when absent. */
export function findBy(list: unknown[], key: string, value: unknown, what: string): Json {
  const found = list.find((x) => x !== null && typeof x === 'object' && (x as Json)[key] === value);
  expect(found, `${what}: no item with ${key} = ${JSON.stringify(value)} among ${list.length}`).toBeDefined();
  return found as Json;
}

/** `datetime.fromisoformat(value.replace("Z", "+00:00"))` (Python 3.11) accepts it. */
export function expectFromIsoformat(value: unknown, what: string): void {
  const ok = typeof value === 'string' && ANY_ISO.test(value.replace('Z', '+00:00'));
  expect(ok, `${what}: datetime.fromisoformat(${JSON.stringify(value)}) raises`).toBe(true);
}
