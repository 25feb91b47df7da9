-- KEYS[1] the session; ARGV: member, subject prefix, now, idle s, absolute s, idle ms.
local raw = redis.call('GET', KEYS[1])
if not raw then
  return false
end
local value = decode(raw)
if not value then
  return raw -- the caller reports it as corrupt
end
local now = tonumber(ARGV[3])
local seen = tonumber(value.seen)
if seen == nil or now - seen > tonumber(ARGV[4]) then
  unindex(value, ARGV[1], ARGV[2])
  redis.call('DEL', KEYS[1])
  return false
end
local kept = {}
for _, s in ipairs(value.sign_ins) do
  local started = tonumber(s.started_at)
  if started ~= nil and now - started <= tonumber(ARGV[5]) then
    kept[#kept + 1] = s
  elseif type(s.subject) == 'string' then
    redis.call('ZREM', ARGV[2] .. s.subject, ARGV[1])
  end
end
if #kept == 0 then
  redis.call('DEL', KEYS[1])
  return false
end
value.sign_ins = kept
value.seen = ARGV[3]
local out = cjson.encode(value)
redis.call('SET', KEYS[1], out, 'PX', ARGV[6])
for _, s in ipairs(kept) do
  refresh(ARGV[2] .. s.subject, ARGV[6])
end
return out
