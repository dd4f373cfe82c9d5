--[[
  Trims one stream below an id, but never past what a consumer group still needs.

  KEYS[1]   the stream
  ARGV[1]   the policy's MINID: entries below it may go by age/length ("" = only report
            the group bound, trim nothing)

  Returns { bound, trimmed }:
    bound    the smallest id some consumer group still needs ("" when no group needs
             anything): the first entry after the group's last-delivered-id (not read
             yet), or the group's oldest pending entry (read, not acknowledged), whichever
             is smaller, over all groups
    trimmed  entries removed (XTRIM MINID min(ARGV[1], bound))

  Uses cmp_id from lib.lua.

  Why a script: XINFO GROUPS, XPENDING and XTRIM run atomically, so a group created or a
  read delivered between the check and the trim cannot lose an entry. A group created
  later with an id already trimmed (XGROUP CREATE ... 0) reads from the oldest entry left.
]]

local function less(a, b) return cmp_id(a, b) < 0 end

local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return { '', 0 } end

local bound = nil
local function need(id)
  if id and (bound == nil or less(id, bound)) then bound = id end
end

for _, group in ipairs(redis.call('XINFO', 'GROUPS', key)) do
  local name, last
  for i = 1, #group, 2 do
    if group[i] == 'name' then name = group[i + 1]
    elseif group[i] == 'last-delivered-id' then last = group[i + 1] end
  end
  local unread = redis.call('XRANGE', key, '(' .. last, '+', 'COUNT', 1)
  if #unread > 0 then need(unread[1][1]) end
  local pending = redis.call('XPENDING', key, name)
  if pending[1] > 0 then need(pending[2]) end
end

local minid = ARGV[1]
if minid == '' then return { bound or '', 0 } end
if bound ~= nil and less(bound, minid) then minid = bound end
return { bound or '', redis.call('XTRIM', key, 'MINID', minid) }
