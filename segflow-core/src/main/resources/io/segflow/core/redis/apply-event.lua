-- Applies one event to a user's profile, once: the dedup marker and the update are one atomic step.
-- KEYS: 1 seen marker, 2 counts, 3 traits, 4 members (all of one user: one hash tag)
-- ARGV: 1 dedup TTL seconds, 2 event name ('' when none), 3.. trait name / JSON value pairs
-- Returns: { applied (1 or 0), counts pairs, traits pairs, members pairs }
local applied = redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1])
if applied then
  if ARGV[2] ~= '' then
    redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  end
  if #ARGV > 2 then
    redis.call('HSET', KEYS[3], unpack(ARGV, 3))
  end
end
return { applied and 1 or 0, redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]), redis.call('HGETALL', KEYS[4]) }
