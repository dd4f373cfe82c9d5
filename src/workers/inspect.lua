--[[
  What each stream holds, compared with what the relay published to it: the audit of
  outbox/healing.ts. Reads only; returns ids and counts, never entries.

  KEYS[i]   a stream
  ARGV[i]   its floor: an id the relay knows the stream reached ("0-1": it must exist)

  Returns, per stream, three values:
    reached   1 when the stream has reached its floor, else 0 (Redis lost data)
    last      its last generated id ('' when the key does not exist)
    read      the smallest last-delivered-id of its consumer groups ('' when it has none):
              retention never trims what a group has not read, so a heal keeps that too

  Uses cmp_id and reached from lib.lua.
]]
local out = {}
for i = 1, #KEYS do
  local ok, last = reached(KEYS[i], ARGV[i])
  local read = ''
  if last ~= '' then
    for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[i])) do
      for j = 1, #group, 2 do
        if group[j] == 'last-delivered-id' and (read == '' or cmp_id(group[j + 1], read) < 0) then read = group[j + 1] end
      end
    end
  end
  out[#out + 1] = ok and 1 or 0
  out[#out + 1] = last
  out[#out + 1] = read
end
return out
