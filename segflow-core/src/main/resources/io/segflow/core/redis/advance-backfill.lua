-- Records how far a claimed shard backfill got and renews its lease, if the claim is still ours (same revision,
-- same lease: nobody took it over).
-- KEYS: 1 backfill state of the shard (hash: rev, cursor, lease)
-- ARGV: 1 revision, 2 our lease, 3 next SSCAN cursor ('0': the scan is complete), 4 now millis, 5 lease millis
-- Returns the renewed lease, 0 when the shard is done, -1 when the claim is no longer ours (stop scanning).
if redis.call('HGET', KEYS[1], 'rev') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'lease') ~= ARGV[2] then
  return -1
end
if ARGV[3] == '0' then
  redis.call('HSET', KEYS[1], 'cursor', 'done', 'lease', '0') -- nobody holds it; 'done' alone keeps it from being claimed
  return 0
end
local lease = string.format('%d', tonumber(ARGV[4]) + tonumber(ARGV[5]))
redis.call('HSET', KEYS[1], 'cursor', ARGV[3], 'lease', lease)
return tonumber(lease)
