#!/usr/bin/env node
// The `l01` command. The package runs its TypeScript sources directly (as `npm start`
// does with `node --import tsx`), so this launcher registers tsx and starts the CLI.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/cli/main.ts', import.meta.url).href);
