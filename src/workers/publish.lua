--[[
  Publishes a batch of events to the global stream, each event's entity stream and its
  pub/sub channel, in order, idempotently — unless a stream has lost data.

  KEYS[1]        the global stream
  KEYS[1 + i]    the entity-type stream of event i (i = 1 … n)
  KEYS[n + 2]    the partition's publish counter (workers/publish-rate.ts): a hash of events
                 appended per second of Redis's clock
  ARGV[1]        floor of the global stream: an id the relay knows it reached ('' = none)
  ARGV[2]        the counter's window, seconds: fields older than it are dropped
  ARGV[3]        the channels' prefix: event i goes to ARGV[3] .. its event type
  ARGV[4]        the original service's channel ('' = none): `l01:events`
  and for event i, from k = 4 + 8 (i - 1):
  ARGV[k + 1]    its stream entry id: "<transaction_id>-<position>"
  ARGV[k + 2]    its event type
  ARGV[k + 3]    its message (JSON)
  ARGV[k + 4]    floor of its entity stream ('' = none, or checked with an earlier event)
  ARGV[k + 5]    the head of its message in the original's shape ('' = none: not published there)
  ARGV[k + 6]    the tail of that message
  ARGV[k + 7]    octets before the body in its message (wire/legacy.ts: the original's
  ARGV[k + 8]    message is head .. body .. tail) and octets after it

  Returns one status per event:
     1  published (appended to both streams, then PUBLISHed on its channel and the original's)
     0  already in the global stream: a re-run after a crash or a zombie worker; nothing
        is PUBLISHed again (its entity stream gets it if it lacks it)
    -1  conflict: the stream is already past this id, yet the entry is not there and was
        not trimmed (the database was restored behind Redis). Reported, never skipped.
  or, when a stream has not reached its floor (Redis lost data: restarted empty or from an
  older snapshot, the key evicted), { 'behind', key, last-generated-id ('' = missing), … }
  and writes NOTHING: appending first would hide the gap under newer ids for good (stream
  ids only grow), so the relay re-publishes the lost range from the log, then this batch.

  Uses cmp_id and reached from lib.lua.

  A script runs atomically, so the XADDs and the PUBLISH of one event are never separated
  by a crash. Stream ids only grow, so Redis itself refuses a second copy of an event.
]]

local function is_duplicate_error(reply)
  return type(reply) == 'table' and reply.err ~= nil
    and string.find(reply.err, 'equal or smaller', 1, true) ~= nil
end

local n = #KEYS - 2
local behind = {}
local function check(key, floor)
  if floor == '' then return end
  local ok, last = reached(key, floor)
  if not ok then
    behind[#behind + 1] = key
    behind[#behind + 1] = last
  end
end
local function at(i) return 4 + (i - 1) * 8 end
check(KEYS[1], ARGV[1])
for i = 1, n do check(KEYS[1 + i], ARGV[at(i) + 4]) end
if #behind > 0 then
  table.insert(behind, 1, 'behind')
  return behind
end

local channel_prefix, legacy_channel = ARGV[3], ARGV[4]
local results = {}
for i = 1, n do
  local k = at(i)
  local id, event_type, message = ARGV[k + 1], ARGV[k + 2], ARGV[k + 3]
  local added = redis.pcall('XADD', KEYS[1], id, 'event_type', event_type, 'data', message)
  if type(added) == 'table' and added.err then
    if not is_duplicate_error(added) then return redis.error_reply(added.err) end
    if #redis.call('XRANGE', KEYS[1], id, id) == 1 then
      results[i] = 0
    else
      -- Not there: trimmed away by retention (older than the first entry) is a true
      -- duplicate; anything else means the stream moved past an event it never held.
      local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
      if #first == 1 and cmp_id(id, first[1][1]) < 0 then results[i] = 0 else results[i] = -1 end
    end
    if results[i] == 0 then
      -- In the global stream already: its entity stream should hold it too; if that one
      -- lost it, it gets it back here (refused, as it should be, when it is there).
      local entity = redis.pcall('XADD', KEYS[1 + i], id, 'event_type', event_type, 'data', message)
      if type(entity) == 'table' and entity.err and not is_duplicate_error(entity) then
        return redis.error_reply(entity.err)
      end
    end
  else
    local entity = redis.pcall('XADD', KEYS[1 + i], id, 'event_type', event_type, 'data', message)
    if type(entity) == 'table' and entity.err and not is_duplicate_error(entity) then
      return redis.error_reply(entity.err)
    end
    redis.call('PUBLISH', channel_prefix .. event_type, message)
    local legacy_head = ARGV[k + 5]
    if legacy_channel ~= '' and legacy_head ~= '' then
      local body = string.sub(message, tonumber(ARGV[k + 7]) + 1, #message - tonumber(ARGV[k + 8]))
      redis.call('PUBLISH', legacy_channel, legacy_head .. body .. ARGV[k + 6])
    end
    results[i] = 1
  end
end

-- Counted here, in the script that appends, so the count is exactly what reached the
-- streams (re-runs and duplicates are not), on one clock whichever worker publishes.
-- The hash is pruned once it holds half a window more than it needs, so it stays under
-- 1.5 × window fields, and it expires when nothing is published for two windows.
local appended = 0
for i = 1, n do if results[i] == 1 then appended = appended + 1 end end
if appended > 0 then
  local counter, window = KEYS[n + 2], tonumber(ARGV[2])
  local now = tonumber(redis.call('TIME')[1])
  redis.call('HINCRBY', counter, now, appended)
  if redis.call('HLEN', counter) > window * 1.5 then
    for _, second in ipairs(redis.call('HKEYS', counter)) do
      if tonumber(second) <= now - window then redis.call('HDEL', counter, second) end
    end
  end
  redis.call('EXPIRE', counter, window * 2)
end
return results
