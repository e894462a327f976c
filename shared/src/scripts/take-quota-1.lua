--[[
  Counts one more call in flight for a principal (MAX_CALLS_IN_FLIGHT_PER_PRINCIPAL), unless it is at its quota.
  KEYS[1] the principal's calls (sorted set: `<queue> <job id>` → when it started)   ARGV[1] member
  ARGV[2] quota   ARGV[3] now (ms)   ARGV[4] how long the set outlives its last call (ms)
  Returns 1 when counted (or counted already), 0 when the principal has as many calls in flight as it may.
]]
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
return 1
