-- Sets a claimed user's next wake once its re-evaluation is done. If an event moved the entry meanwhile
-- (it is no longer our lease), keep the earlier of the two instead of overwriting it.
-- KEYS: 1 schedule shard; ARGV: 1 user, 2 our lease score, 3 next wake millis ('' when none)
local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
if current and tonumber(current) == tonumber(ARGV[2]) then
  if ARGV[3] == '' then
    redis.call('ZREM', KEYS[1], ARGV[1])
  else
    redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  end
elseif ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[1], 'LT', ARGV[3], ARGV[1])
end
return 1
