-- Applies membership transitions if nobody changed the user's memberships since they were read.
-- KEYS: 1 members hash
-- ARGV: 1 expected version, 2 epoch millis of the change, 3.. pairs of ('enter' | 'exit', segment id)
-- Returns the new version, or -1 when the expected version is stale (the caller re-reads and retries).
local current = tonumber(redis.call('HGET', KEYS[1], '@version') or '0')
if current ~= tonumber(ARGV[1]) then
  return -1
end
for i = 3, #ARGV, 2 do
  if ARGV[i] == 'enter' then
    redis.call('HSET', KEYS[1], ARGV[i + 1], ARGV[2])
  else
    redis.call('HDEL', KEYS[1], ARGV[i + 1])
  end
end
return redis.call('HINCRBY', KEYS[1], '@version', (#ARGV - 2) / 2)
