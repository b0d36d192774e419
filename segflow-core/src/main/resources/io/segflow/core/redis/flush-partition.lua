-- Stores what the owner of one partition of segflow.events decided for a batch, atomically, if it still owns the
-- partition: the users' records, their wakes, the registry, their entries in the segments' member indexes, the
-- change records to publish and the offset up to which all of it accounts for the partition's events. All keys
-- share the partition's hash tag (one slot).
-- KEYS: 1 partition state hash, 2 schedule zset, 3 users set, 4 changes list, then the u user keys written, then
--       the d user keys deleted, then the k member index keys the batch changes
-- ARGV: 1 epoch, 2 next offset ('' keeps it), 3 change records acknowledged (trimmed from the head of the list),
--       4 backfill progress ('' keeps it), 5 u, 6 d, 7 w (wakes set), 8 r (wakes removed), 9 g (users registered),
--       10 x (users unregistered), 11 history ('' keeps it), 12 the offset the owner last stored ('' if none: not
--       checked), 13 k, then u records, w (score, user id) pairs, r user ids, g user ids, x user ids, per member
--       index key its entries and exits (their counts e and o, then e (epoch millis entered, user id) pairs, then o
--       user ids), then the change records to append
-- Returns 1, or -1 when another instance claimed the partition since, or -2 when the stored offset is not the one
-- the owner last stored: Redis lost acknowledged writes (a failover to a replica behind its master) and the owner
-- must claim again from what it holds. Then nothing is written.
local state = KEYS[1]
if redis.call('HGET', state, 'epoch') ~= ARGV[1] then
  return -1
end
if ARGV[12] ~= '' and redis.call('HGET', state, 'offset') ~= ARGV[12] then
  return -2
end
-- Lua's unpack takes about 8,000 values at most, and a script that fails half-way keeps what it wrote: every
-- variadic command goes in slices of at most 4,000 values (an even number: pairs stay whole).
local SLICE = 4000
local function sliced(command, key, values, first, last)
  for i = first, last, SLICE do
    local j = math.min(last, i + SLICE - 1)
    if key then
      redis.call(command, key, unpack(values, i, j))
    else
      redis.call(command, unpack(values, i, j))
    end
  end
end
local u, d, w, r, g, x = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]),
  tonumber(ARGV[9]), tonumber(ARGV[10])
local k = tonumber(ARGV[13])
local a = 14
if u > 0 then
  local writes = {}
  for i = 1, u do
    writes[2 * i - 1] = KEYS[4 + i]
    writes[2 * i] = ARGV[a + i - 1]
  end
  sliced('MSET', nil, writes, 1, 2 * u)
  a = a + u
end
if d > 0 then sliced('DEL', nil, KEYS, 5 + u, 4 + u + d) end
if w > 0 then sliced('ZADD', KEYS[2], ARGV, a, a + 2 * w - 1); a = a + 2 * w end
if r > 0 then sliced('ZREM', KEYS[2], ARGV, a, a + r - 1); a = a + r end
if g > 0 then sliced('SADD', KEYS[3], ARGV, a, a + g - 1); a = a + g end
if x > 0 then sliced('SREM', KEYS[3], ARGV, a, a + x - 1); a = a + x end
for i = 1, k do
  local key, e, o = KEYS[4 + u + d + i], tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  a = a + 2
  if e > 0 then sliced('ZADD', key, ARGV, a, a + 2 * e - 1); a = a + 2 * e end
  if o > 0 then sliced('ZREM', key, ARGV, a, a + o - 1); a = a + o end
end
local acked = tonumber(ARGV[3])
if acked > 0 then redis.call('LTRIM', KEYS[4], acked, -1) end
if a <= #ARGV then sliced('RPUSH', KEYS[4], ARGV, a, #ARGV) end
if ARGV[2] ~= '' and ARGV[4] ~= '' then
  redis.call('HSET', state, 'offset', ARGV[2], 'backfill', ARGV[4])
elseif ARGV[2] ~= '' then
  redis.call('HSET', state, 'offset', ARGV[2])
elseif ARGV[4] ~= '' then
  redis.call('HSET', state, 'backfill', ARGV[4])
end
if ARGV[11] ~= '' then redis.call('HSET', state, 'history', ARGV[11]) end
return 1
