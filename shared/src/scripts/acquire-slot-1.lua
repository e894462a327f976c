--[[
  Takes one of a tool's fleet-wide execution slots for a job (tool option `limits.concurrency`), or renews it.
  KEYS[1] the tool's slots (sorted set: job id → when its claim lapses)   ARGV[1] job id   ARGV[2] slots in all
  ARGV[3] now (ms)   ARGV[4] claim length (ms)
  Claims lapse unless renewed (a worker that died frees its slot within the claim length). Returns 1 when the job
  holds a slot, 0 when every slot is taken.
]]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not held and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) * 2)
return 1
