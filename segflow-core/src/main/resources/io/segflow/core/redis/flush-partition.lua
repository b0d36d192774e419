-- Stores what the owner of one partition of segflow.events decided for a batch, atomically, if it still owns the
-- partition: the users' records, their wakes, the registry, the change records to publish and the offset up to
-- which all of it accounts for the partition's events. All keys share the partition's hash tag (one slot).
-- KEYS: 1 partition state hash, 2 schedule zset, 3 users set, 4 changes list, then the u user keys written, then
--       the d user keys deleted
-- ARGV: 1 epoch, 2 next offset ('' keeps it), 3 change records acknowledged (trimmed from the head of the list),
--       4 backfill progress ('' keeps it), 5 u, 6 d, 7 w (wakes set), 8 r (wakes removed), 9 g (users registered),
--       10 x (users unregistered), then u records, w (score, user id) pairs, r user ids, g user ids, x user ids,
--       then the change records to append
-- Returns 1, or -1 when another instance claimed the partition since (then nothing is written).
local state = KEYS[1]
if redis.call('HGET', state, 'epoch') ~= ARGV[1] then
  return -1
end
local u, d, w, r, g, x = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]),
  tonumber(ARGV[9]), tonumber(ARGV[10])
local a = 11
if u > 0 then
  local writes = {}
  for i = 1, u do
    writes[2 * i - 1] = KEYS[4 + i]
    writes[2 * i] = ARGV[a + i - 1]
  end
  redis.call('MSET', unpack(writes))
  a = a + u
end
if d > 0 then redis.call('DEL', unpack(KEYS, 5 + u, 4 + u + d)) end
if w > 0 then redis.call('ZADD', KEYS[2], unpack(ARGV, a, a + 2 * w - 1)); a = a + 2 * w end
if r > 0 then redis.call('ZREM', KEYS[2], unpack(ARGV, a, a + r - 1)); a = a + r end
if g > 0 then redis.call('SADD', KEYS[3], unpack(ARGV, a, a + g - 1)); a = a + g end
if x > 0 then redis.call('SREM', KEYS[3], unpack(ARGV, a, a + x - 1)); a = a + x end
local acked = tonumber(ARGV[3])
if acked > 0 then redis.call('LTRIM', KEYS[4], acked, -1) end
if a <= #ARGV then redis.call('RPUSH', KEYS[4], unpack(ARGV, a, #ARGV)) end
if ARGV[2] ~= '' and ARGV[4] ~= '' then
  redis.call('HSET', state, 'offset', ARGV[2], 'backfill', ARGV[4])
elseif ARGV[2] ~= '' then
  redis.call('HSET', state, 'offset', ARGV[2])
elseif ARGV[4] ~= '' then
  redis.call('HSET', state, 'backfill', ARGV[4])
end
return 1
