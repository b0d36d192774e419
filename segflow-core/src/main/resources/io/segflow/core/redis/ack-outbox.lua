-- After Kafka committed the records a drainer claimed: removes them from the head of the outbox, removes the
-- sending marker (nothing sent is left untrimmed), and either releases the lease (the outbox is empty) or renews
-- it and hands over the records appended meanwhile, which the same drainer publishes next. Appends
-- (apply-memberships.lua) and this script are atomic on one hash tag, so an appended record is either returned
-- here or appended after the release, when its own path's claim wins. The first n records are exactly the ones
-- published: records are only appended, and only the holder removes.
-- KEYS: 1 outbox list, 2 outbox lease, 3 sending marker; ARGV: 1 token, 2 number of records published, 3 lease millis
-- Returns the records to publish next (empty: drained, lease released), or -1 when the lease is no longer ours.
-- Then nothing is removed: the drainer that took over claimed every record we published and, finding our marker,
-- fenced our producer and skips what we committed. Removing ours here would shift the head under its count.
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
redis.call('DEL', KEYS[3])
local appended = redis.call('LRANGE', KEYS[1], 0, -1)
if #appended == 0 then
  redis.call('DEL', KEYS[2])
else
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return appended
