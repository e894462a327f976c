--[[
  Appends one event to a session stream, exactly once, and wakes the node serving it.
  KEYS[1] stream   KEYS[2] stream meta hash   KEYS[3] session inflight hash
  ARGV[1] kind (m|f|e|r|c)   ARGV[2] JSON message ('' for e)   ARGV[3] writer id   ARGV[4] writer sequence
  ARGV[5] progress value or ''   ARGV[6] max entries   ARGV[7] ttl ms   ARGV[8] wake channel
  ARGV[9] request id field to clear from inflight when the event answers or ends the request ('' for none)

  Why a script: ioredis resends unanswered commands after a reconnect and BullMQ may run a job twice, so a plain
  XADD could land twice. The per-writer sequence makes a resend a no-op, the done flag keeps a second result out,
  and the progress guard keeps progress strictly increasing across a retried job.
  Returns the new seq, 0 when skipped as a duplicate, -1 when the stream is gone (expired or session deleted).
]]
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
if redis.call('HGET', KEYS[2], 'done') then return 0 end
local wfield = 'w:' .. ARGV[3]
local last = redis.call('HGET', KEYS[2], wfield)
if last and tonumber(last) >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[2], wfield, ARGV[4])
if ARGV[5] ~= '' then
  local p = redis.call('HGET', KEYS[2], 'p')
  if p and tonumber(p) >= tonumber(ARGV[5]) then return 0 end
  redis.call('HSET', KEYS[2], 'p', ARGV[5])
end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[6], seq .. '-0', 'k', ARGV[1], 'm', ARGV[2])
if ARGV[1] == 'f' or ARGV[1] == 'e' then redis.call('HSET', KEYS[2], 'done', 1) end
if (ARGV[1] == 'f' or ARGV[1] == 'e' or ARGV[1] == 'r') and ARGV[9] ~= '' then redis.call('HDEL', KEYS[3], ARGV[9]) end
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
redis.call('PUBLISH', ARGV[8], seq .. ' ' .. ARGV[1] .. ' ' .. ARGV[2])
return seq
