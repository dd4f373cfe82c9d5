/**
 * The one JSON body parser of both surfaces (/api and the original's routes), stricter
 * than JSON.parse where JSON.parse would silently store something else than was sent:
 *
 *   invalid UTF-8            400: decoding would have replaced it with U+FFFD
 *   an integer that a JSON   400 naming the field: JSON.parse would have rounded it, and
 *   number here cannot       the row would hold another number than was sent
 *   hold exactly             (123456789012345678901234567890 → 1.2345678901234568e+29)
 *   __proto__, constructor   400 (Fastify's prototype-poisoning checks, kept)
 *   an empty DELETE body     no body, not an error (some clients send a JSON content type)
 *
 * Before parsing, it reserves in the body budget (body-budget.ts) what the parsed value
 * will cost beyond its text: measured with V8 on 1 MiB bodies, a parsed value holds up to
 * ~30 bytes of heap per `{ [ , :` of its text (350,000 empty objects: 21 MB; 120,000 keys:
 * 8.7 MB; one long string: 0.8 MB), and validating it walks it once more. A body that
 * cannot get that much now is answered 503, like one that does not fit on arrival.
 *
 * The parser answers with Problems (problems.ts), so each surface renders them its way:
 * problem details on /api, `{"detail": …}` with the same status on the original's routes.
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Problem } from '../problems.js';

/** Heap bytes reserved per structural character (`{ [ , :`): the measured ~30, with room for validation. */
export const PARSE_COST_PER_NODE = 48;

/** The structural characters of a JSON text (those in strings too: an over-estimate, never an under-). */
export function parseCost(text: string): number {
  let nodes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2c || c === 0x3a || c === 0x5b || c === 0x7b) nodes++;
  }
  return nodes * PARSE_COST_PER_NODE;
}

/** Offset of the first byte that is not valid UTF-8 (the buffer is known to be invalid). */
function firstInvalidByte(buf: Buffer): number {
  for (let i = 0; i < buf.length; ) {
    const b = buf[i]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0 || i + n > buf.length || !isUtf8(buf.subarray(i, i + n))) return i;
    i += n;
  }
  return buf.length;
}

/**
 * True for an integer literal that JSON.parse cannot keep: one beyond ±(2^53−1) whose value
 * is not a double (a double, such as 1e20 sent by a JavaScript client as
 * 100000000000000000000, is written back with the same digits: kept exactly, accepted).
 */
const inexact = (literal: string) => JSON.stringify(Number(literal)) !== literal;

/** A JSON number token: its integer digits, and its fraction and exponent when written. */
const NUMBER = /-?(\d+)(\.\d+)?([eE][+-]?\d+)?/y;

interface Frame {
  array: boolean;
  /** The current key (object) or index (array). */
  at: string | number;
  /** In an object: the next string is a key. */
  expectKey: boolean;
}

/**
 * The paths (`a.b.0`) and text of the integer literals of a JSON text (that already parsed) which
 * JSON.parse cannot keep exactly, at most `max` of them. Numbers written with a fraction or
 * an exponent are floating point by their own notation and left alone.
 */
export function inexactIntegers(text: string, max = 10): Array<{ path: string[]; literal: string }> {
  // Fast path: an integer beyond 2^53−1 has at least 16 digits in a row; most bodies have none.
  if (!/\d{16}/.test(text)) return [];
  const found: Array<{ path: string[]; literal: string }> = [];
  const stack: Frame[] = [];
  const path = () => stack.map((f) => String(f.at));
  for (let i = 0; i < text.length && found.length < max; ) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      if (top && !top.array && top.expectKey) {
        top.at = JSON.parse(text.slice(i, j + 1)) as string;
        top.expectKey = false;
      }
      i = j + 1;
    } else if (c === '{' || c === '[') {
      stack.push({ array: c === '[', at: c === '[' ? 0 : '', expectKey: c === '{' });
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === ',') {
      const top = stack.at(-1)!;
      if (top.array) (top.at as number)++;
      else top.expectKey = true;
      i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const [token, digits, fraction, exponent] = NUMBER.exec(text)!;
      if (fraction === undefined && exponent === undefined && digits!.length >= 16 && inexact(token)) found.push({ path: path(), literal: token });
      i += token.length;
    } else {
      i++;
    }
  }
  return found;
}

const inexactMessage = (literal: string) =>
  `is an integer beyond ±(2^53−1) that would not be kept exactly (it would be stored as ${JSON.stringify(Number(literal))}); send it as a string`;

async function jsonBody(app: FastifyInstance) {
  // Fastify's own parser: its prototype-poisoning checks stay.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    if (body.length === 0 && req.method === 'DELETE') return done(null, undefined);
    if (!isUtf8(body)) {
      const at = firstInvalidByte(body);
      return done(new Problem(400, 'Bad Request', `the body is not valid UTF-8 (byte ${at})`, [
        { field: 'body', message: `is not valid UTF-8 (byte ${at})` },
      ]));
    }
    const text = body.toString('utf8');
    const parse = () => parseJson(req, text, (err, value) => {
      if (err) return done(err);
      const inexactOnes = inexactIntegers(text);
      if (inexactOnes.length === 0) return done(null, value);
      const errors = inexactOnes.map((n) => ({ field: ['body', ...n.path].join('.'), message: inexactMessage(n.literal) }));
      done(new Problem(400, 'Bad Request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors));
    });
    const room = app.bodyBudget.grow(req, parseCost(text));
    if (room === true) return parse();
    void room.then((ok) => (ok ? parse() : done(app.bodyBudget.shed(req))));
  });
}

export default fp(jsonBody, { name: 'json-body', dependencies: ['body-budget'] });
