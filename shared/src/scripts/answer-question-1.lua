--[[
  Records the client's answer to a question a job asked (elicitation, sampling, roots), once.
  KEYS[1] the job's run hash   ARGV[1] question id   ARGV[2] the answer (JSON-RPC response JSON)
  Returns the job's queue when the answer was recorded (the caller then wakes the parked job), '' when nothing waits
  for it: never asked, answered already, or the job is over.
]]
if redis.call('HEXISTS', KEYS[1], 'q:' .. ARGV[1]) == 0 then return '' end
if redis.call('HSETNX', KEYS[1], 'a:' .. ARGV[1], ARGV[2]) == 0 then return '' end
return redis.call('HGET', KEYS[1], 'queue') or ''
