/**
 * The cursor of an entity list: where a page ended in the lists' order (created_at, id),
 * handed to the client as an opaque token (`X-Next-Cursor`, `Link: …; rel="next"`) and read
 * back from `?cursor=`. It is base64url of the JSON Postgres wrote for the last row's keys
 * (`["2026-11-26T06:27:01.123456+00:00","<uuid>"]`): created_at keeps its microseconds, so
 * the next page starts exactly after that row, whatever was written or deleted meanwhile.
 */
export interface ListCursor {
  created_at: string;
  id: string;
}

/** What Postgres writes for a timestamptz in JSON, offset included (and what it reads back exactly). */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?([+-](0\d|1[0-5])(:[0-5]\d){0,2}|Z)$/;

/** A real calendar day in years 0001–9999 (Postgres refuses 2026-02-30 and year 0). */
function instant(s: string): boolean {
  const m = INSTANT.exec(s);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return year >= 1 && month >= 1 && month <= 12 && date.getUTCDate() === day;
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Far longer than any cursor this service writes (~90 characters). */
export const MAX_CURSOR_LENGTH = 200;

/** The token of a page's last row, from the JSON array text of its keys (page.ts `cursor`). */
export function encodeCursor(keys: string): string {
  return Buffer.from(keys, 'utf8').toString('base64url');
}

/** The position a token names, or null when it is not a token of an entity list. */
export function decodeCursor(token: string): ListCursor | null {
  if (token.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
  let keys: unknown;
  try {
    keys = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(keys) || keys.length !== 2) return null;
  const [createdAt, id] = keys as unknown[];
  if (typeof createdAt !== 'string' || !instant(createdAt)) return null;
  if (typeof id !== 'string' || !UUID.test(id)) return null;
  return { created_at: createdAt, id };
}
