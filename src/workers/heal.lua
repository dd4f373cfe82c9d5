--[[
  Puts events that Redis lost back into the streams, under their original ids, in log
  order. Nothing is PUBLISHed: pub/sub listeners got these events when they were first
  published (pub/sub is not a log); the streams are, and they are what is restored.

  KEYS[1]          the global stream
  KEYS[1 + i]      the entity-type stream of event i (i = 1 .. n)
  KEYS[1 + n + j]  a stream this heal has written to, or found holding its entries
  ARGV[1]          n, the number of events
  ARGV[4i - 2]     stream entry id of event i
  ARGV[4i - 1]     event type of event i
  ARGV[4i]         message of event i (JSON, marked replayed)
  ARGV[4i + 1]     where it goes back: 'g' (global stream), 'e' (entity stream) or 'ge'
  ARGV[4n + 1 + j] the id stream j must have reached: what this heal has written to it
                   so far (or the id it had when the heal began)

  Returns, per event, two values: 1 when it went back into the global stream (else 0),
  1 when it went back into its entity stream. An append Redis refuses as "equal or
  smaller" is skipped: the stream holds it already, so healing twice (a heal interrupted
  and started again) changes nothing. Any other refusal (OOM) fails the script.

  Fails, writing nothing, when a stream has lost what this heal already put back (an
  eviction between two of its batches): appending the rest would recreate the stream
  with its head missing and its last id past the floor, which no audit could tell from
  an intact one (the head is never read to decide loss). The heal fails, the relay backs
  off and audits again, and finds the stream behind.

  Uses reached from lib.lua.
]]
local function is_duplicate_error(reply)
  return type(reply) == 'table' and reply.err ~= nil
    and string.find(reply.err, 'equal or smaller', 1, true) ~= nil
end

local function append(key, id, event_type, message)
  local added = redis.pcall('XADD', key, id, 'event_type', event_type, 'data', message)
  if type(added) == 'table' and added.err then
    if is_duplicate_error(added) then return 0 end
    error(added.err)
  end
  return 1
end

local n = tonumber(ARGV[1])
for j = 1, #KEYS - 1 - n do
  local key, floor = KEYS[1 + n + j], ARGV[4 * n + 1 + j]
  if not reached(key, floor) then
    return redis.error_reply('L01HEAL ' .. key .. ' lost entries again while being healed (below ' .. floor .. ')')
  end
end

local out = {}
for i = 1, n do
  local base = 1 + (i - 1) * 4
  local id, event_type, message, targets = ARGV[base + 1], ARGV[base + 2], ARGV[base + 3], ARGV[base + 4]
  out[#out + 1] = string.find(targets, 'g', 1, true) and append(KEYS[1], id, event_type, message) or 0
  out[#out + 1] = string.find(targets, 'e', 1, true) and append(KEYS[1 + i], id, event_type, message) or 0
end
return out
