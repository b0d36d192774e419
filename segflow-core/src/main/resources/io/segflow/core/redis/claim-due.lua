-- Claims the users whose time-driven re-evaluation is due, for one instance: their entries move to a lease
-- (now + lease), so that other instances skip them, and come back if this one dies before finishing.
-- KEYS: 1 schedule shard; ARGV: 1 now millis, 2 lease millis, 3 max users
-- Returns: flat list of (user id, lease score, due score)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
local lease = tonumber(ARGV[1]) + tonumber(ARGV[2])
local claimed = {}
for i = 1, #due, 2 do
  redis.call('ZADD', KEYS[1], lease, due[i])
  claimed[#claimed + 1] = due[i]
  claimed[#claimed + 1] = string.format('%d', lease)
  claimed[#claimed + 1] = due[i + 1]
end
return claimed
