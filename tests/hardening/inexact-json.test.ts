/**
 * Bodies that JSON.parse would silently store as something else, against the real API
 * process, on both surfaces (they share one JSON parser):
 *
 * - an integer beyond ±(2^53−1) that a double cannot hold: before,
 *   123456789012345678901234567890 was stored as 1.2345678901234568e+29 with a 201. Now
 *   400, naming the field (problem details `errors[{field,message}]` on /api; the
 *   original's routes answer it as the original answered a body it could not read: 422,
 *   `{"detail": [{"loc": [...]}]}`) and nothing is written. Integers within the range, beyond it but
 *   exact (2^53, 1e20 written out), floats (a fraction or an exponent) and digits in
 *   strings are stored as sent.
 * - invalid UTF-8: before, stored as U+FFFD with a 201. Now 400 naming the byte; valid
 *   multi-byte text is stored exactly.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { sharedRedisPrefix } from '../faults/support/processes.js';
import { sharedDatabase, stopAll, type Database } from '../faults/support/servers.js';
import { startDeployedApi, type DeployedApi } from './support/deployed-api.js';
import { send } from './support/raw-http.js';
import { TOKEN } from './support/timed.js';

const JSON_HEADERS = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const redisKeys = sharedRedisPrefix('hardening_json');
let db: Database | undefined;
let api: DeployedApi | undefined;
let client: pg.Client | undefined;

beforeAll(async () => {
  db = await sharedDatabase('l01_hardening_json');
  api = await startDeployedApi({ DATABASE_URL: db.url, REDIS_URL: inject('redisUrl'), ...redisKeys.env });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
}, 60_000);

afterAll(async () => {
  await client?.end();
  await api?.stop();
  await db?.drop();
  await stopAll();
  await redisKeys.cleanup(inject('redisUrl'));
});

const post = (path: string, body: string | Buffer) => send(undefined, api!.port, 'POST', path, body, JSON_HEADERS, { keepBody: true });
const stored = async (name: string) =>
  (await client!.query<{ n: number }>('SELECT count(*)::int AS n FROM agents WHERE name = $1', [name])).rows[0]!.n;
const agent = (name: string, configuration: string) => `{"name":"${name}","agent_type":"hardening","configuration":${configuration}}`;

describe('integers a JSON number cannot hold exactly', () => {
  it.each([
    ['a 30-digit integer', '{"n":123456789012345678901234567890}', 'body.configuration.n'],
    ['2^53 + 1, the first integer a double skips', '{"n":9007199254740993}', 'body.configuration.n'],
    ['a negative one', '{"n":-9007199254740995}', 'body.configuration.n'],
    ['one deep in arrays and objects', '{"a":[1,{"b":[0,0,12345678901234567890]}]}', 'body.configuration.a.1.b.2'],
    ['under a key with escapes', '{"we\\"ird\\u0041":18446744073709551615}', 'body.configuration.we"irdA'],
  ])('%s: 400 naming the field, nothing written', async (label, configuration, field) => {
    const name = `bigint ${label}`;
    const res = await post('/api/agents', agent(name, configuration));
    expect(res.status, res.body).toBe(400);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(res.body!) as { errors: Array<{ field: string; message: string }> };
    expect(problem.errors.map((e) => e.field)).toEqual([field]);
    expect(problem.errors[0]!.message).toMatch(/2\^53.*would be stored as/);
    expect(await stored(name)).toBe(0);
  });

  it('a top-level integer column too: 400 naming body.priority', async () => {
    const res = await post('/api/goals', '{"description":"big priority","priority":99999999999999999999}');
    expect(res.status).toBe(400);
    expect((JSON.parse(res.body!) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(['body.priority']);
  });

  it('within the range, exact beyond it, floats, and digits in strings: stored exactly as sent', async () => {
    const configuration = '{"max":9007199254740991,"min":-9007199254740991,"pow":9007199254740992,"e20":100000000000000000000,' +
      '"float":1.5e300,"fraction":12345678901234567890.5,"text":"123456789012345678901234567890"}';
    const res = await post('/api/agents', agent('bigint fine', configuration));
    expect(res.status, res.body).toBe(201);
    const { configuration: back } = JSON.parse(res.body!) as { configuration: Record<string, unknown> };
    expect(back).toEqual({ max: 9007199254740991, min: -9007199254740991, pow: 2 ** 53, e20: 1e20, float: 1.5e300, fraction: 12345678901234567890.5, text: '123456789012345678901234567890' });
    const row = (await client!.query<{ c: string }>("SELECT configuration::text AS c FROM agents WHERE name = 'bigint fine'")).rows[0]!;
    expect(row.c).toContain('"max": 9007199254740991');
    expect(row.c).toContain('"pow": 9007199254740992');
    expect(row.c).toContain('"e20": 100000000000000000000');
    expect(row.c).toContain('"text": "123456789012345678901234567890"');
  });

  it("the original's routes: its 422 naming the field, nothing written", async () => {
    const res = await post('/agents/', agent('bigint compat', '{"n":123456789012345678901234567890}'));
    expect(res.status, res.body).toBe(422);
    expect(JSON.parse(res.body!).detail).toEqual([expect.objectContaining({ loc: ['body', 'configuration', 'n'] })]);
    expect(await stored('bigint compat')).toBe(0);
    console.log(`[inexact-json] /agents/ with a 30-digit integer: ${res.status} ${res.body}`);
  });
});

describe('invalid UTF-8', () => {
  const withBytes = (name: string, bytes: number[]) =>
    Buffer.concat([Buffer.from(`{"name":"${name}","agent_type":"hardening","description":"x`), Buffer.from(bytes), Buffer.from('"}')]);

  it.each([
    ['a lone continuation byte', [0x80]],
    ['0xFF', [0xff]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('%s: 400, nothing written (before: stored as U+FFFD with a 201)', async (label, bytes) => {
    const name = `utf8 ${label}`;
    const body = withBytes(name, bytes);
    const res = await post('/api/agents', body);
    expect(res.status, res.body).toBe(400);
    const problem = JSON.parse(res.body!) as { errors: Array<{ field: string; message: string }> };
    expect(problem.errors).toEqual([{ field: 'body', message: `is not valid UTF-8 (byte ${body.indexOf(Buffer.from(bytes))})` }]);
    expect(await stored(name)).toBe(0);
  });

  it("valid multi-byte text is stored exactly; the original's routes refuse invalid bytes with their 422", async () => {
    const text = 'é € 𝄞 日本';
    const ok = await post('/api/agents', Buffer.from(agent(text, '{}')));
    expect(ok.status, ok.body).toBe(201);
    expect(await stored(text)).toBe(1);
    const compat = await post('/agents/', withBytes('utf8 compat', [0xff]));
    expect(compat.status).toBe(422);
    expect(JSON.parse(compat.body!).detail).toEqual([expect.objectContaining({ loc: ['body'], msg: expect.stringMatching(/UTF-8/) })]);
    expect(await stored('utf8 compat')).toBe(0);
  });
});
