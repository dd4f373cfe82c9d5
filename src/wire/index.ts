/** What leaves the service: stream keys and channels, entry ids, the message envelope. */
export * from './entry-id.js';
export * from './message.js';
export * from './names.js';
export * from './partition.js';
