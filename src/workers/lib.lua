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
