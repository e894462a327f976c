--[[
  Takes one of a fleet-wide set of leased slots, or renews it: a tool's execution slots for a job (tool option
  `limits.concurrency`), a principal's sessions, a session's open SSE streams.
  KEYS[1] the slots (sorted set: holder → when its claim lapses)   ARGV[1] holder   ARGV[2] slots in all
  ARGV[3] now (ms)   ARGV[4] claim length (ms)
  Claims lapse unless renewed (a holder that died frees its slot within the claim length). Returns 1 when the
  holder holds a slot, 0 when every slot is taken.
]]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not held and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[1])
-- The set outlives its longest claim; a shorter claim (an HTTP+SSE session's lease) never shortens it.
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) * 2 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) * 2) end
return 1
