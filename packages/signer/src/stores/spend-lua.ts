/**
 * The Lua side of the Redis spend store.
 *
 * Amounts: Redis Lua numbers are doubles, exact only up to 2^53, and amounts are u256, so
 * amounts travel as decimal strings and are added, subtracted and compared here as
 * little-endian arrays of base-10^14 limbs: a limb sum plus carry stays below 2^53, so every
 * step is exact. test/stores/spend-lua-bigint.test.ts checks these helpers against bigint.
 *
 * Layout per budget: a sorted set of records `${reservationId}:${chargeIndex}:${amount}` scored
 * by time (ms), and a string holding the sum of every record in the set. Keeping the sum makes
 * a reservation cost O(records leaving the window), not O(records): re-adding 10,000 u256
 * records measured about 57 ms of Redis time per call, blocking every other client. Invariant:
 * total = sum of the records in the set. A total that is missing or malformed (an evicted or
 * edited key), or smaller than what must be taken off it, is recomputed from the records; a
 * set that is gone counts as empty whatever its total says.
 *
 * Every script does all its reads and checks before its first write, so an error (which Redis
 * does not roll back) leaves nothing half-done.
 */

/** parse / addInto / subInto / cmp / toDecimal / sumRecords on non-negative decimal strings. */
export const BIGINT_LUA = `
local BASE = 100000000000000
local function parse(s)
  if type(s) ~= 'string' or not string.find(s, '^%d+$') then error('spend: not a decimal amount') end
  local limbs = {}
  local i = #s
  while i >= 1 do
    local j = i - 13
    if j < 1 then j = 1 end
    limbs[#limbs + 1] = tonumber(string.sub(s, j, i))
    i = j - 1
  end
  while #limbs > 0 and limbs[#limbs] == 0 do limbs[#limbs] = nil end
  return limbs
end
local function addInto(acc, b)
  local n = math.max(#acc, #b)
  local carry = 0
  for i = 1, n do
    local s = (acc[i] or 0) + (b[i] or 0) + carry
    if s >= BASE then acc[i] = s - BASE; carry = 1 else acc[i] = s; carry = 0 end
  end
  if carry > 0 then acc[n + 1] = carry end
  return acc
end
local function cmp(a, b)
  if #a ~= #b then return (#a < #b) and -1 or 1 end
  for i = #a, 1, -1 do
    if a[i] ~= b[i] then return (a[i] < b[i]) and -1 or 1 end
  end
  return 0
end
-- acc := acc - b; the caller ensures acc >= b.
local function subInto(acc, b)
  local borrow = 0
  for i = 1, #acc do
    local d = acc[i] - (b[i] or 0) - borrow
    if d < 0 then acc[i] = d + BASE; borrow = 1 else acc[i] = d; borrow = 0 end
  end
  while #acc > 0 and acc[#acc] == 0 do acc[#acc] = nil end
  return acc
end
local function toDecimal(a)
  if #a == 0 then return '0' end
  local parts = { string.format('%.0f', a[#a]) }
  for i = #a - 1, 1, -1 do
    local p = string.format('%.0f', a[i])
    parts[#parts + 1] = string.rep('0', 14 - #p) .. p
  end
  return table.concat(parts)
end
local function sumRecords(members)
  local acc = {}
  for _, m in ipairs(members) do
    local amount = string.match(m, ':(%d+)$')
    if not amount then error('spend: malformed record') end
    addInto(acc, parse(amount))
  end
  return acc
end
`;

/** A stored total, or nil when it is missing or malformed (then it gets recomputed). */
const TOTAL_LUA = `
local function storedTotal(tkey)
  local s = redis.call('GET', tkey)
  if type(s) == 'string' and string.find(s, '^%d+$') then return parse(s) end
  return nil
end
`;

/**
 * Judges (and, with WRITE, records) one reservation. KEYS: per budget, its record set then its
 * total. ARGV: nowMs, maxRecords, reservationId, then per budget (cutoffMs, windowMs, max), then
 * per charge (budget index 1-based, amount). A record counts while its score > cutoff.
 * Returns {1} or {0, chargeIndex 0-based, spentDecimal}.
 */
function judgeLua(write: boolean): string {
  return `${BIGINT_LUA}${TOTAL_LUA}
local WRITE = ${write ? "true" : "false"}
local now, cap, rid = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local nk = #KEYS / 2
local spent, pending, counts, expired = {}, {}, {}, {}
for k = 1, nk do
  local rkey, tkey, cutoff = KEYS[2 * k - 1], KEYS[2 * k], ARGV[1 + 3 * k]
  local card = redis.call('ZCARD', rkey)
  local total, gone = {}, 0
  if card > 0 then
    local leaving = redis.call('ZRANGEBYSCORE', rkey, '-inf', cutoff)
    gone = #leaving
    total = storedTotal(tkey)
    if total then
      local out = sumRecords(leaving)
      if cmp(total, out) >= 0 then subInto(total, out) else total = nil end
    end
    if not total then total = sumRecords(redis.call('ZRANGEBYSCORE', rkey, '(' .. cutoff, '+inf')) end
  end
  local copy = {}
  for i = 1, #total do copy[i] = total[i] end
  spent[k], pending[k], counts[k], expired[k] = total, copy, card - gone, gone
end
local first = 4 + 3 * nk
local nc = (#ARGV - first + 1) / 2
for c = 1, nc do
  local k = tonumber(ARGV[first + 2 * (c - 1)])
  addInto(pending[k], parse(ARGV[first + 2 * (c - 1) + 1]))
  counts[k] = counts[k] + 1
  if counts[k] > cap or cmp(pending[k], parse(ARGV[3 + 3 * k])) > 0 then
    return { 0, c - 1, toDecimal(spent[k]) }
  end
end
if WRITE then
  -- Drop the records that left the window first, so a re-added record is counted anew.
  for k = 1, nk do
    if expired[k] > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2 * k - 1], '-inf', ARGV[1 + 3 * k]) end
  end
  for c = 1, nc do
    local k = tonumber(ARGV[first + 2 * (c - 1)])
    local amount = ARGV[first + 2 * (c - 1) + 1]
    -- ZADD answers 0 for a record already present (same reservation and charge): counted once.
    if redis.call('ZADD', KEYS[2 * k - 1], now, rid .. ':' .. (c - 1) .. ':' .. amount) == 1 then
      addInto(spent[k], parse(amount))
    end
  end
  for k = 1, nk do
    local windowMs = ARGV[2 + 3 * k]
    redis.call('SET', KEYS[2 * k], toDecimal(spent[k]), 'PX', windowMs)
    redis.call('PEXPIRE', KEYS[2 * k - 1], windowMs)
  end
end
return { 1 }
`;
}

/** Judges every charge, then records all of them or none. */
export const RESERVE_LUA = judgeLua(true);

/** The same judgement without writing anything. */
export const CHECK_LUA = judgeLua(false);

/**
 * Removes a reservation's records and takes them off the totals. KEYS: per budget, its record
 * set then its total. ARGV: reservationId, then per budget its windowMs, then per charge
 * (budget index 1-based, amount). Returns how many records were removed.
 */
export const RELEASE_LUA = `${BIGINT_LUA}${TOTAL_LUA}
local rid = ARGV[1]
local nk = #KEYS / 2
local first = 2 + nk
local nc = (#ARGV - first + 1) / 2
local doomed, removed = {}, {}
for c = 1, nc do
  local k = tonumber(ARGV[first + 2 * (c - 1)])
  local amount = ARGV[first + 2 * (c - 1) + 1]
  local member = rid .. ':' .. (c - 1) .. ':' .. amount
  if redis.call('ZSCORE', KEYS[2 * k - 1], member) then
    doomed[#doomed + 1] = { k, member }
    removed[k] = addInto(removed[k] or {}, parse(amount))
  end
end
local totals = {}
for k, out in pairs(removed) do
  local total = storedTotal(KEYS[2 * k])
  if not total or cmp(total, out) < 0 then total = sumRecords(redis.call('ZRANGE', KEYS[2 * k - 1], 0, -1)) end
  totals[k] = subInto(total, out)
end
for _, d in ipairs(doomed) do redis.call('ZREM', KEYS[2 * d[1] - 1], d[2]) end
for k, total in pairs(totals) do
  local rkey, tkey, windowMs = KEYS[2 * k - 1], KEYS[2 * k], ARGV[1 + k]
  if redis.call('ZCARD', rkey) == 0 then
    redis.call('DEL', tkey)
  else
    redis.call('SET', tkey, toDecimal(total), 'PX', windowMs)
    redis.call('PEXPIRE', rkey, windowMs)
  end
end
return #doomed
`;
