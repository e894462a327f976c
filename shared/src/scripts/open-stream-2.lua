--[[
  Opens a request stream before its job is enqueued.
  KEYS[1] stream meta hash   KEYS[2] session inflight hash
  ARGV[1] ttl ms   ARGV[2] request id field (JSON-encoded id)   ARGV[3] job id   ARGV[4] wake channel of the node
  that serves the stream ('' for none)
  Creates the meta (seq 0; kept when the stream exists, as a session's shared stream does) so a resume from the
  priming event finds the stream, names the node to wake, and records the in-flight request so
  `notifications/cancelled` on any node can find its job.
]]
redis.call('HSETNX', KEYS[1], 'seq', 0)
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'ch', ARGV[4]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
