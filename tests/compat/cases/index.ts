/**
 * Every case, in the order they run (later cases use what earlier ones left in the context).
 *
 * Rows of ORIGINAL-L01-API.md section 5 with no case: L08 (no HTTP call at all), and the two
 * Redis subscriptions of 5.2 (L10 `app.py:43`/`app_socketio.py:52`, L11 `app.py:129`,
 * `SUBSCRIBE l01:events`), which are not calls to the HTTP surface this harness speaks to.
 */
import type { CallerCase } from '../support/harness.js';
import { alternateClientCases } from './alternate-client.js';
import { healthProbeCases } from './health-probes.js';
import { l02Cases } from './l02.js';
import { l03Cases } from './l03.js';
import { l04Cases } from './l04.js';
import { l05Cases } from './l05.js';
import { l06Cases } from './l06.js';
import { l07Cases } from './l07.js';
import { l09Cases } from './l09.js';
import { l10Cases } from './l10.js';
import { l11Cases } from './l11.js';
import { l12Cases } from './l12.js';
import { platformTestCases } from './platform-tests.js';
import { sharedClientCases } from './shared-client.js';
import { uiCases } from './ui.js';

export const ALL_CASES: readonly CallerCase[] = [
  ...sharedClientCases,
  ...alternateClientCases,
  ...l02Cases,
  ...l03Cases,
  ...l04Cases,
  ...l05Cases,
  ...l06Cases,
  ...l07Cases,
  ...l09Cases,
  ...l10Cases,
  ...l11Cases,
  ...l12Cases,
  ...uiCases,
  ...healthProbeCases,
  ...platformTestCases,
];

const ids = new Set<string>();
for (const c of ALL_CASES) {
  if (ids.has(c.id)) throw new Error(`duplicate compat case id ${c.id}`);
  ids.add(c.id);
}
