/** Every resource of the original's routes. */
import type { Resource } from '../resource.js';
import * as knowledge from './knowledge.js';
import * as operations from './operations.js';
import * as planning from './planning.js';
import * as quality from './quality.js';

export { metricRecords } from './quality.js';

export const RESOURCES: readonly Resource[] = [...Object.values(planning), ...Object.values(knowledge), ...Object.values(quality), ...Object.values(operations)];
