--[[
  After a heal: makes each stream's last generated id at least its floor, so the audit
  and publish.lua's check see it as caught up. The floor's own entry may not be in the
  log under that id (a dead letter retried or `l01 replay` published copies under fresh
  ids), or retention may have kept nothing of a stream that was lost whole. Everything up
  to the floor was published already, so no later event can need an id at or below it.

  KEYS[i]   a healed stream
  ARGV[i]   its floor

  Returns how many streams were moved (XSETID), or created empty at their floor.
  Uses cmp_id and last_generated from lib.lua.
]]
local moved = 0
for i = 1, #KEYS do
  local key, floor = KEYS[i], ARGV[i]
  local last = last_generated(key)
  if last == nil then
    -- An empty stream whose last id is the floor: an entry added and deleted.
    redis.call('XADD', key, floor, 'l01', 'settled')
    redis.call('XDEL', key, floor)
    moved = moved + 1
  elseif cmp_id(last, floor) < 0 then
    redis.call('XSETID', key, floor)
    moved = moved + 1
  end
end
return moved
