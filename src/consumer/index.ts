/**
 * `l01-data-layer/consumer`: reading L01 events from Redis. See README "Stream consumers"
 * and "Pub/sub listeners".
 */
export { consumeStream, ensureGroup, type ConsumeStreamOptions, type ConsumerStats, type HandlerContext } from './consume-stream.js';
export { eventTypeMatcher, redisGlobMatch } from './patterns.js';
export { compareEntryIds, parseEntryId, type EntryId } from '../wire/entry-id.js';
export { MalformedEntryError, messageTraceContext, parseEntry, parseMessage, type L01Event, type RawEntry } from '../wire/message.js';
export { channelName, deadLetterStreamKey, DEFAULT_CLUSTER_PREFIX, DEFAULT_PREFIX, partitionStreamKeys, streamKey, type StreamName } from '../wire/names.js';
export { partitionOf } from '../wire/partition.js';
export { subscribeEvents, type MessageContext, type SubscribeOptions, type Subscription } from './subscribe.js';
