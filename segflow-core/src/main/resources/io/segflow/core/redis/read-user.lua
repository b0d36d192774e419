-- Reads one user's profile, traits, memberships and unpublished change records as one consistent snapshot.
-- KEYS: 1 profile, 2 traits, 3 members, 4 outbox (one hash tag)
return { redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]),
  redis.call('LRANGE', KEYS[4], 0, -1) }
