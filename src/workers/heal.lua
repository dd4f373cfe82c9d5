--[[
  Puts events that Redis lost back into the streams, under their original ids, in log
  order. Nothing is PUBLISHed: pub/sub listeners got these events when they were first
  published (pub/sub is not a log); the streams are, and they are what is restored.

  KEYS[1]        the global stream
  KEYS[1 + i]    the entity-type stream of event i
  ARGV[4i - 3]   stream entry id of event i
  ARGV[4i - 2]   event type of event i
  ARGV[4i - 1]   message of event i (JSON, marked replayed)
  ARGV[4i]       where it goes back: 'g' (global stream), 'e' (entity stream) or 'ge'

  Returns, per event, two values: 1 when it went back into the global stream (else 0),
  1 when it went back into its entity stream. An append Redis refuses as "equal or
  smaller" is skipped: the stream holds it already, so healing twice (a heal interrupted
  and started again) changes nothing. Any other refusal (OOM) fails the script.
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

local out = {}
for i = 1, #KEYS - 1 do
  local base = (i - 1) * 4
  local id, event_type, message, targets = ARGV[base + 1], ARGV[base + 2], ARGV[base + 3], ARGV[base + 4]
  out[#out + 1] = string.find(targets, 'g', 1, true) and append(KEYS[1], id, event_type, message) or 0
  out[#out + 1] = string.find(targets, 'e', 1, true) and append(KEYS[1 + i], id, event_type, message) or 0
end
return out
