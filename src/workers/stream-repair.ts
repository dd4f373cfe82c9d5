/**
 * The Redis side of healing the streams (outbox/healing.ts decides what and when): read
 * how far each stream got (inspect.lua), put lost events back under their original ids
 * (heal.lua), and bring a healed stream's last id up to its floor (settle.lua). Each
 * script's header says what it does and why.
 */
import type { RedisClient } from '../redis.js';
import { entityStream, globalStream, type WireNames } from '../wire/names.js';
import { withScript } from './lua.js';

/** One stream compared with its floor. */
export interface StreamState {
  stream: string;
  floor: string;
  /** It has reached its floor: nothing lost. */
  reached: boolean;
  /** Its last generated id; null when the key does not exist. */
  last: string | null;
  /** The smallest last-delivered-id of its consumer groups; null when it has none. */
  groupsRead: string | null;
}

type Script = (numKeys: number, ...args: string[]) => Promise<Array<number | string>>;

export async function inspectStreams(redis: RedisClient, floors: ReadonlyArray<readonly [stream: string, floor: string]>): Promise<StreamState[]> {
  if (floors.length === 0) return [];
  const r = withScript<'l01Inspect', Script>(redis, 'l01Inspect', 'inspect.lua');
  const reply = await r.l01Inspect(floors.length, ...floors.map(([s]) => s), ...floors.map(([, f]) => f));
  return floors.map(([stream, floor], i) => ({
    stream, floor,
    reached: Number(reply[i * 3]) === 1,
    last: reply[i * 3 + 1] === '' ? null : String(reply[i * 3 + 1]),
    groupsRead: reply[i * 3 + 2] === '' ? null : String(reply[i * 3 + 2]),
  }));
}

/** An event going back into the streams: to the global one (`g`), its entity stream (`e`), or both. */
export interface HealEntry {
  id: string;
  entityType: string;
  eventType: string;
  message: string;
  targets: 'g' | 'e' | 'ge';
}

/**
 * Appends lost events under their ids, in order; per entry, whether the global and its
 * entity stream took it. `reached` holds, per stream, the id it must have reached first
 * (what earlier batches of the same heal put there): the script fails, writing nothing,
 * when one has lost it again.
 */
export async function appendHealed(redis: RedisClient, names: WireNames, entries: readonly HealEntry[], reached: ReadonlyMap<string, string> = new Map()): Promise<Array<{ global: boolean; entity: boolean }>> {
  if (entries.length === 0) return [];
  const r = withScript<'l01Heal', Script>(redis, 'l01Heal', 'heal.lua');
  const keys = [globalStream(names), ...entries.map((e) => entityStream(names, e.entityType)), ...reached.keys()];
  const reply = await r.l01Heal(keys.length, ...keys, String(entries.length), ...entries.flatMap((e) => [e.id, e.eventType, e.message, e.targets]), ...reached.values());
  return entries.map((_, i) => ({ global: Number(reply[i * 2]) === 1, entity: Number(reply[i * 2 + 1]) === 1 }));
}

/** Raises each stream's last generated id to its floor (creating it empty if needed); returns how many moved. */
export async function settleStreams(redis: RedisClient, floors: ReadonlyArray<readonly [stream: string, floor: string]>): Promise<number> {
  if (floors.length === 0) return 0;
  const r = withScript<'l01Settle', (numKeys: number, ...args: string[]) => Promise<number>>(redis, 'l01Settle', 'settle.lua');
  return Number(await r.l01Settle(floors.length, ...floors.map(([s]) => s), ...floors.map(([, f]) => f)));
}
