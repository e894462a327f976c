--[[
  Appends events to session streams, each exactly once, and wakes the nodes holding the streams' connections.
  A batch: the appends one worker connection gathered while its previous batch was on its way (stream-appends.ts),
  in order, as runs: consecutive appends by one writer to one stream with the same settings share their keys and
  settings, given once per run, and each append of the run adds only what is its own (a tool's burst of progress is
  one run: 4 arguments per event instead of 22). Each append is applied on its own (an error in one is its answer,
  not the batch's), and the wake-ups of one node go out as one message. Consecutive appends to one stream read the
  stream's meta once and write it once: the meta is kept in `known` while the batch stays on that stream.
  ARGV[1] now (ms, the writer's clock; only paces TTL refreshes)
  Per run, 6 keys:
  KEYS[1] stream   KEYS[2] stream meta hash   KEYS[3] session inflight hash   KEYS[4] the job's run hash   KEYS[5] the
  principal's calls in flight   KEYS[6] the session's open streams (KEYS[4..6]: any key of the session when unused —
  over a Redis Cluster the principal's calls are in another slot and are uncounted by a command of their own)
  and 12 arguments (H below), then 4 per append of the run (E):
  H[1] appends in the run   H[2] writer id   H[3] max entries   H[4] ttl ms
  H[5] request id field to clear from inflight when the event answers or ends the request ('' for none)
  H[6] fence field ('a:<jobId>', or '' for writers that are not job attempts)   H[7] the writer's attempt
  H[8] the meta field that guards E[4] ('' for 'p', progress; a call on a shared stream, and partial-result chunks,
  have their own)
  H[9] task status these events bring ('' for none)   H[10] the task's status message with it
  H[11] the run hash's ttl ms when an event settles the job ('' for none)   H[12] the call's member in the
  principal's calls in flight, uncounted with the answer ('' for none)
  E[1] kind letter (m|f|e|r|c|i: the EventKind names in events.ts)   E[2] JSON message ('' for e, c)
  E[3] writer sequence   E[4] progress value or ''

  Why a script: ioredis resends unanswered commands after a reconnect and BullMQ may run a job twice, so a plain
  XADD could land twice. The per-writer sequence makes a resend a no-op (and drops what a parked job's re-run
  writes again up to where it parked), the done flag keeps a second result out,
  and the progress guard keeps progress (and partial-result chunk numbers) strictly increasing across a retried job. The fence refuses a job attempt
  once a later attempt of the same job has written: a worker that lost its job's lock (paused, partitioned) cannot
  write after the worker that took the job over.
  The meta's `ch` names the pub/sub channel of the front node serving the stream (set when a node opens or resumes
  it); with no node serving it, the event waits in the stream for a resume. TTLs are refreshed on the first event,
  on events that answer the request, and at most every quarter TTL otherwise (a burst costs no PEXPIREs).
  A task's record lives in its stream meta (shared/src/tasks.ts, TASK_FIELDS): an event that changes the task's
  status (questions → input_required, the response → completed/failed, the end → cancelled) sets it here, with the
  event, and a terminal status is never changed; a `t` event marks the task announced to its client.
  The answer settles the call in the same step (one round trip, nothing in between to lose): the job's run state is
  reduced to its `done` mark (start-run-3.lua), the call no longer counts against its principal's quota, and the
  lease its stream held on the session's open streams (`lt`, open-stream-7.lua) is given back.
  Returns, per append, the new seq, 0 when skipped as a duplicate, -1 when the stream is gone (expired or session
  deleted), or `error: <message>` for the error it met.
]]
local wakes = {}
local channels = {}
-- The meta of the stream the batch is on: fields read (false: absent) and fields to write back when it moves on.
-- Per event nothing is built but the stream entry and its wake-up: the run's field names and settings are worked
-- out once per run (runOf), and a field already read is not looked for again while the batch stays on the stream
-- (a table built per event cost more than the XADD: bench/micro/append-runs.ts).
local cur, known, dirty, order = nil, {}, {}, {}
local readFields

local function writeBack()
  if cur and #order > 0 then
    local args = {}
    for _, f in ipairs(order) do args[#args + 1] = f; args[#args + 1] = dirty[f] end
    redis.call('HSET', cur, unpack(args))
  end
  dirty, order = {}, {}
end

-- Makes `known` hold `fields` of `meta` (false for an absent one).
local function read(meta, fields)
  if cur == meta and readFields == fields then return end
  if cur ~= meta then writeBack(); cur = meta; known = {} end
  local missing
  for _, f in ipairs(fields) do
    if known[f] == nil then
      missing = missing or {}
      missing[#missing + 1] = f
    end
  end
  if missing then
    local v = redis.call('HMGET', meta, unpack(missing))
    for i, f in ipairs(missing) do known[f] = v[i] or false end
  end
  readFields = fields
end

local function set(f, v)
  known[f] = v
  if dirty[f] == nil then order[#order + 1] = f end
  dirty[f] = v
end

-- What every append of the run starting at KEYS[k + 1] / ARGV[h + 1] shares.
local function runOf(k, h)
  local fence = ARGV[h + 6]
  local r = {
    stream = KEYS[k + 1],
    meta = KEYS[k + 2],
    inflight = KEYS[k + 3],
    runKey = KEYS[k + 4],
    calls = KEYS[k + 5],
    sessionStreams = KEYS[k + 6],
    writerField = 'w:' .. ARGV[h + 2],
    maxLen = ARGV[h + 3],
    ttl = tonumber(ARGV[h + 4]),
    requestField = ARGV[h + 5],
    fence = fence,
    attempt = tonumber(ARGV[h + 7]),
    guard = ARGV[h + 8] ~= '' and ARGV[h + 8] or 'p',
    taskStatus = ARGV[h + 9],
    taskMessage = ARGV[h + 10],
    runTtl = ARGV[h + 11],
    callMember = ARGV[h + 12],
  }
  r.fenceField = fence ~= '' and fence or 'seq'
  r.fields = { 'seq', 'done', r.writerField, r.guard, 'ch', 'x', r.fenceField, 'ts', 'lt' }
  return r
end

local now = tonumber(ARGV[1])

local function append(r, e)
  read(r.meta, r.fields)
  local seqv = known['seq']
  if not seqv then return -1 end
  if known['done'] then return 0 end
  local kind = ARGV[e + 1]
  -- The stream's last word (f, e) is kept unique by the done flag instead: it goes in whatever number its writer gave
  -- it (a parked job's re-run that ends early, cancelled or failing, numbers below what its earlier run wrote).
  local final = kind == 'f' or kind == 'e'
  local writerSeq = known[r.writerField]
  if not final and writerSeq and tonumber(writerSeq) >= tonumber(ARGV[e + 3]) then return 0 end
  local fenced = known[r.fenceField]
  if r.fence ~= '' and fenced and tonumber(fenced) > r.attempt then return 0 end
  local progress = ARGV[e + 4]
  local hasProgress = progress ~= ''
  local guarded = known[r.guard]
  if hasProgress and guarded and tonumber(guarded) >= tonumber(progress) then return 0 end
  local seq = tonumber(seqv) + 1
  local answers = kind == 'f' or kind == 'e' or kind == 'r'
  local ttl = r.ttl
  local touched = known['x']
  -- ttl 0: the stream's lifetime is its session's (a shared HTTP+SSE stream): appends never extend it.
  local refresh = ttl > 0 and (answers or not touched or now - tonumber(touched) > ttl / 4)
  -- The entry first: the meta changes below are kept (and written back) only for an event that is in the stream.
  redis.call('XADD', r.stream, 'MAXLEN', '~', r.maxLen, seq .. '-0', 'k', kind, 'm', ARGV[e + 2])
  set('seq', seq)
  set(r.writerField, ARGV[e + 3])
  if hasProgress then set(r.guard, progress) end
  if final then set('done', 1) end
  if refresh then set('x', now) end
  if r.fence ~= '' and (not fenced or tonumber(fenced) < r.attempt) then set(r.fence, r.attempt) end
  local ts = known['ts']
  if r.taskStatus ~= '' and ts and ts ~= 'completed' and ts ~= 'failed' and ts ~= 'cancelled' then
    set('ts', r.taskStatus)
    set('tu', now)
    set('tm', r.taskMessage)
  end
  if kind == 't' then set('ta', 1) end
  if answers and r.requestField ~= '' then redis.call('HDEL', r.inflight, r.requestField) end
  if answers and r.runTtl ~= '' then
    redis.call('DEL', r.runKey)
    redis.call('HSET', r.runKey, 'done', 1)
    redis.call('PEXPIRE', r.runKey, r.runTtl)
  end
  if answers and r.callMember ~= '' then redis.call('ZREM', r.calls, r.callMember) end
  local lease = known['lt']
  if final and lease and r.sessionStreams ~= r.meta then redis.call('ZREM', r.sessionStreams, lease) end
  if refresh then
    redis.call('PEXPIRE', r.stream, ttl)
    redis.call('PEXPIRE', r.meta, ttl)
  end
  -- The wake-up carries the event when it is small (the node writes it without a read); a large one only says where
  -- to read, so a node whose client is not reading never receives megabytes it cannot use.
  local ch = known['ch']
  if ch then
    local data = ARGV[e + 2]
    local wake
    if #data <= 8192 then wake = r.stream .. '\n' .. seq .. ' ' .. kind .. ' ' .. data
    else wake = r.stream .. '\n' .. seq .. ' ' .. kind end
    local list = wakes[ch]
    if not list then
      list = {}
      wakes[ch] = list
      channels[#channels + 1] = ch
    end
    list[#list + 1] = wake
  end
  return seq
end

local results = {}
local h = 1
for k = 0, #KEYS - 1, 6 do
  local n = tonumber(ARGV[h + 1])
  local r = runOf(k, h)
  for e = h + 12, h + 8 + n * 4, 4 do
    local ok, res = pcall(append, r, e)
    if ok then results[#results + 1] = res
    else results[#results + 1] = 'error: ' .. (type(res) == 'table' and res.err or tostring(res)) end
  end
  h = h + 12 + n * 4
end
writeBack()
-- One message per node, the wake-ups in append order; JSON has no raw newline, so lines pair up (events.ts).
for _, ch in ipairs(channels) do
  -- A channel with a hash tag is a session's sharded channel (Redis Cluster, keys.ts): SPUBLISH, same slot as KEYS.
  redis.call(string.find(ch, '{', 1, true) and 'SPUBLISH' or 'PUBLISH', ch, table.concat(wakes[ch], '\n'))
end
return results
