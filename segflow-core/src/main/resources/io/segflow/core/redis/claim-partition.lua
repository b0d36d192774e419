-- Makes the caller the owner of one partition of segflow.events: a new epoch fences the previous owner (its
-- flushes are refused from now on), and returns where the stored state stands.
-- KEYS: 1 partition state hash, 2 changes list
-- Returns: { epoch, next offset or '', backfill progress or '', history or '', flushes stored or '',
--            change records stored but not acknowledged... }
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
local state = redis.call('HMGET', KEYS[1], 'offset', 'backfill', 'history', 'flushes')
local reply = { tostring(epoch), state[1] or '', state[2] or '', state[3] or '', state[4] or '' }
for _, record in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  reply[#reply + 1] = record
end
return reply
