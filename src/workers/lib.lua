--[[
  Helpers shared by the service's Lua scripts; prepended to each script when it is loaded
  (lua.ts), so they are written once.
]]

-- Compares two stream ids ("<a>-<b>", two 64-bit integers) on their decimal strings: Lua
-- numbers are doubles and would lose precision past 2^53. Returns -1, 0 or 1.
local function cmp_num(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  if a == b then return 0 end
  return a < b and -1 or 1
end
local function cmp_id(a, b)
  local a1, a2 = string.match(a, '^(%d+)-(%d+)$')
  local b1, b2 = string.match(b, '^(%d+)-(%d+)$')
  local c = cmp_num(a1, b1)
  if c ~= 0 then return c end
  return cmp_num(a2, b2)
end

-- The last id a stream has generated (XINFO STREAM last-generated-id), or nil when the key
-- does not exist. Trimming never lowers it; only losing the key or its data does.
local function last_generated(key)
  if redis.call('EXISTS', key) == 0 then return nil end
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return info[i + 1] end
  end
  return nil
end

-- Whether stream `key` has reached id `floor` (an id the relay knows it appended, or
-- "0-1": the stream must merely exist), and its last generated id ("" when missing). The
-- newest entry answers in the usual case; XINFO (which copies the first and last entries)
-- only when the stream is empty or behind.
local function reached(key, floor)
  local top = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
  if #top == 1 and cmp_id(top[1][1], floor) >= 0 then return true, top[1][1] end
  local last = last_generated(key)
  if last == nil then return false, '' end
  return cmp_id(last, floor) >= 0, last
end
