-- Claims the users whose time-driven re-evaluation is due, for one instance: their entries move to a lease
-- (now + lease), so that other instances skip them, and come back if this one dies before finishing.
-- KEYS: 1 schedule shard; ARGV: 1 now millis, 2 lease millis, 3 max users
-- Returns: flat list of user id, lease score
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local lease = tonumber(ARGV[1]) + tonumber(ARGV[2])
local claimed = {}
for _, user in ipairs(due) do
  redis.call('ZADD', KEYS[1], lease, user)
  claimed[#claimed + 1] = user
  claimed[#claimed + 1] = tostring(lease)
end
return claimed
