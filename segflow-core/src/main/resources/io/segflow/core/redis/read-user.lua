-- Reads one user's profile, traits and memberships as one consistent snapshot.
-- KEYS: 1 profile, 2 traits, 3 members (one hash tag)
return { redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]) }
