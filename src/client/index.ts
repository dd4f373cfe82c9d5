/** `l01-data-layer/client`: the typed HTTP client. See README "Writers". */
export {
  createClient, EntityClient, EventsClient, L01Client,
  type ClientOptions, type Command, type CommandResult, type CreateBody, type EventQuery, type L01LogEvent, type ListQuery, type Row, type Table, type UpdateBody, type WriteOptions,
} from './client.js';
export type { EntityTypes } from './entities.generated.js';
export { L01ConnectionError, L01ProblemError, type FieldError } from './errors.js';
