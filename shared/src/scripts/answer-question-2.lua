--[[
  Records the client's answer to a question a job asked (elicitation, sampling, roots), once.
  KEYS[1] the job's run hash   KEYS[2] the job's stream meta   ARGV[1] question id   ARGV[2] the answer (JSON-RPC
  response JSON)   ARGV[3] now (ms)
  A task waiting for input (`input_required`) is `working` again once every question it asked has its answer.
  Returns the job's queue when the answer was recorded (the caller then wakes the parked job), '' when nothing waits
  for it: never asked, answered already, or the job is over.
]]
if redis.call('HEXISTS', KEYS[1], 'q:' .. ARGV[1]) == 0 then return '' end
if redis.call('HSETNX', KEYS[1], 'a:' .. ARGV[1], ARGV[2]) == 0 then return '' end
if redis.call('HGET', KEYS[2], 'ts') == 'input_required' then
  local h = redis.call('HGETALL', KEYS[1])
  local answered = {}
  for i = 1, #h, 2 do
    if string.sub(h[i], 1, 2) == 'a:' then answered[string.sub(h[i], 3)] = true end
  end
  local open = false
  for i = 1, #h, 2 do
    if string.sub(h[i], 1, 2) == 'q:' and not answered[string.sub(h[i], 3)] then open = true end
  end
  if not open then redis.call('HSET', KEYS[2], 'ts', 'working', 'tu', ARGV[3], 'tm', '') end
end
return redis.call('HGET', KEYS[1], 'queue') or ''
