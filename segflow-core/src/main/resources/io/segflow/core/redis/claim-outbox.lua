-- Claims a user's outbox for one drainer. Every path that stored change records (or saw some waiting) claims;
-- the lease lets one publish them at a time, so a user's records reach Kafka in version order. The holder
-- publishes until the outbox is empty (ack-outbox.lua), records others append meanwhile included; a holder that
-- died or stalled is replaced once its lease ends.
-- KEYS: 1 outbox list, 2 outbox lease (string: the holder's token, expiring), 3 sending marker (begin-publish.lua);
-- ARGV: 1 token, 2 lease millis
-- Returns, when another drainer holds the lease, the milliseconds it still runs (it publishes what is there,
-- unless it died, and then whoever looks again after that does); otherwise an array: the sending marker a
-- previous drainer left ('' if none: if set, that drainer stopped after it began sending and before it trimmed,
-- so it must be fenced and some of these records may be on Kafka already), then the records to publish, oldest
-- first, with the lease now ours. No records: nothing to publish, no lease taken.
local remaining = redis.call('PTTL', KEYS[2])
if remaining >= 0 then
  return remaining
end
local records = redis.call('LRANGE', KEYS[1], 0, -1)
if #records > 0 then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
end
table.insert(records, 1, redis.call('GET', KEYS[3]) or '')
return records
