-- Just before a drainer sends the records it claimed, in a Kafka transaction: proves the lease is still its own
-- and names, in the sending marker, the transactional producer about to send them. Whoever claims the outbox
-- next while the marker is there (this drainer crashed, or stalled past its lease) fences that producer — its
-- open transaction is aborted, its later commits refused — and reads what it committed, before sending anything
-- itself: so no record reaches read_committed consumers twice. ack-outbox.lua removes the marker.
-- KEYS: 1 outbox lease, 2 sending marker ("<since millis> <transactional id>", Redis time, no expiry)
-- ARGV: 1 token, 2 transactional id
-- Returns 1 (send), or -1 when the lease is no longer ours (send nothing: the outbox is another drainer's).
-- The marker keeps the earliest "since" of a chain of unfinished drainers: the Kafka read starts there. Only the
-- last producer is named: the drainer that took over fenced the earlier ones before it got here.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
local since = string.match(redis.call('GET', KEYS[2]) or '', '^(%d+)')
if not since then
  local now = redis.call('TIME')
  since = string.format('%d', now[1] * 1000 + math.floor(now[2] / 1000))
end
redis.call('SET', KEYS[2], since .. ' ' .. ARGV[2])
return 1
