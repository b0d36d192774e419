-- Removes change records from a user's outbox once Kafka acknowledged them (each record is unique: user and version).
-- KEYS: 1 outbox list; ARGV: the published records
for i = 1, #ARGV do
  redis.call('LREM', KEYS[1], 1, ARGV[i])
end
return redis.call('LLEN', KEYS[1])
