/**
 * The Lua script behind `redisStore`'s `merge`: `mergeRecord` (src/merge.ts) run inside Redis, so that the read,
 * the merge and the write of one record are one atomic step. It walks the record's top-level members without
 * decoding values (Redis' cjson would round numbers to 14 digits, turn `[]` into `{}` and reject lone surrogates).
 *
 * KEYS[1]: the record. ARGV: ttl seconds, "1" to create a missing record, the number n of keys to set, then n
 * pairs (key as JSON text, value as JSON text), then the keys to remove (as JSON text).
 * Answers the merged record, or nil (nothing written) when the record is missing and creation was not asked.
 * @module
 */

/** @internal The script's source. */
export const MERGE_SCRIPT: string = `
local cur = redis.call('GET', KEYS[1])
if not cur then
  if ARGV[2] ~= '1' then return false end
  cur = '{}'
end
local nset = tonumber(ARGV[3])
local set, order, unset = {}, {}, {}
for i = 0, nset - 1 do
  local k = ARGV[4 + 2 * i]
  set[k] = ARGV[5 + 2 * i]
  order[#order + 1] = k
end
for i = 4 + 2 * nset, #ARGV do unset[ARGV[i]] = true end
local s, n = cur, #cur
local function bad() error({err = 'ERR unsession: the stored record is not a JSON object'}) end
local function ws(i) return string.find(s, '[^ \\t\\r\\n]', i) or n + 1 end
local function str_end(i)
  local j = i + 1
  while true do
    local k = string.find(s, '["\\\\]', j)
    if not k then bad() end
    if string.byte(s, k) == 92 then j = k + 2 else return k + 1 end
  end
end
local function val_end(i)
  local c = string.byte(s, i)
  if c == 34 then return str_end(i) end
  if c == 123 or c == 91 then
    local depth, j = 0, i
    while true do
      local k = string.find(s, '["{}%[%]]', j)
      if not k then bad() end
      local b = string.byte(s, k)
      if b == 34 then
        j = str_end(k)
      else
        if b == 123 or b == 91 then depth = depth + 1 else depth = depth - 1 end
        j = k + 1
        if depth == 0 then return j end
      end
    end
  end
  local k = string.find(s, '[ \\t\\r\\n,}]', i)
  if not k or k == i then bad() end
  return k
end
local out = {}
local i = ws(1)
if string.byte(s, i) ~= 123 then bad() end
i = ws(i + 1)
if string.byte(s, i) ~= 125 then
  while true do
    if string.byte(s, i) ~= 34 then bad() end
    local ke = str_end(i)
    local key = string.sub(s, i, ke - 1)
    i = ws(ke)
    if string.byte(s, i) ~= 58 then bad() end
    i = ws(i + 1)
    local ve = val_end(i)
    if not unset[key] then
      local v = set[key]
      if v then
        out[#out + 1] = key .. ':' .. v
        set[key] = nil
      else
        out[#out + 1] = key .. ':' .. string.sub(s, i, ve - 1)
      end
    end
    i = ws(ve)
    local c = string.byte(s, i)
    if c == 44 then i = ws(i + 1) elseif c == 125 then break else bad() end
  end
end
for _, k in ipairs(order) do
  if set[k] then out[#out + 1] = k .. ':' .. set[k] end
end
local merged = '{' .. table.concat(out, ',') .. '}'
redis.call('SET', KEYS[1], merged, 'EX', ARGV[1])
return merged
`;
