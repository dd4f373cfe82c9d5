/** `npm run client:types`: rewrites src/client/entities.generated.ts from the entity definitions. */
import { writeFileSync } from 'node:fs';
import { generateEntityTypes } from './codegen.js';

export const GENERATED_FILE = new URL('./entities.generated.ts', import.meta.url);

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(GENERATED_FILE, generateEntityTypes());
  process.stdout.write(`wrote ${GENERATED_FILE.pathname}\n`);
}
