-- Gives up a claimed outbox without removing anything (publishing failed): the next claim may take it at once
-- instead of waiting for the lease to end. Only the holder's token releases it.
-- KEYS: 1 outbox lease; ARGV: 1 token. Returns 1 when released, 0 when the lease was not ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
