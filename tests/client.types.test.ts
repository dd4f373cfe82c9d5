/** The client's generated types must match the entity definitions they are derived from. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateEntityTypes } from '../src/client/codegen.js';

describe('client types', () => {
  it('src/client/entities.generated.ts is up to date with src/db/entities (else: npm run client:types)', () => {
    const committed = readFileSync(new URL('../src/client/entities.generated.ts', import.meta.url), 'utf8');
    expect(committed === generateEntityTypes(), 'stale client types: run `npm run client:types` and commit the result').toBe(true);
  });
});
