-- Reads one user's profile, traits and memberships as one consistent snapshot, and how many change records wait
-- in its outbox (claimed and published after the evaluation: see claim-outbox.lua).
-- KEYS: 1 profile, 2 traits, 3 members, 4 outbox (one hash tag)
return { redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]),
  redis.call('LLEN', KEYS[4]) }
