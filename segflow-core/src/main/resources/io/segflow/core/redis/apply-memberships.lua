-- Applies membership transitions if nobody changed the user's memberships since they were read, and puts the
-- change records in the user's outbox in the same step: a crash before they are published cannot lose them.
-- KEYS: 1 members hash, 2 outbox list
-- ARGV: 1 expected version, 2 epoch millis of the change, 3 number of transitions n, 4 catalog revision the user
--       was fully evaluated against ('' when it was not: leave '@catalog' as it is), then n pairs of
--       ('enter' | 'exit', segment id), then the change records (JSON) for the outbox
-- With n = 0 only '@catalog' is recorded: the version stays, no record is written.
-- Returns the new version, or -1 when the expected version is stale (the caller re-reads and retries).
local current = tonumber(redis.call('HGET', KEYS[1], '@version') or '0')
if current ~= tonumber(ARGV[1]) then
  return -1
end
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], '@catalog', ARGV[4])
end
local n = tonumber(ARGV[3])
if n == 0 then
  return current
end
for i = 5, 4 + 2 * n, 2 do
  if ARGV[i] == 'enter' then
    redis.call('HSET', KEYS[1], ARGV[i + 1], ARGV[2])
  else
    redis.call('HDEL', KEYS[1], ARGV[i + 1])
  end
end
if #ARGV > 4 + 2 * n then
  redis.call('RPUSH', KEYS[2], unpack(ARGV, 5 + 2 * n))
end
return redis.call('HINCRBY', KEYS[1], '@version', n)
