-- Shared by every session script. A session is one string key holding JSON:
--   {"v":1,"seen":"<unix s>","saved":"<save tick>","sign_ins":[{"service":..,"subject":..,
--    "signed_in_at":"..","started_at":"..","sealed":"<base64url>"}]}
-- Numbers travel as strings so that Lua's doubles never round them; comparisons use tonumber.
-- A subject's index is a sorted set of session keys (without prefix) scored by save tick.

local function decode(raw)
  local ok, value = pcall(cjson.decode, raw)
  if ok and type(value) == 'table' and type(value.sign_ins) == 'table' then
    return value
  end
  return nil
end

-- Sets a TTL when the index has none, lengthens it otherwise: never shorter than any session's.
local function refresh(index, ms)
  redis.call('PEXPIRE', index, ms, 'NX')
  redis.call('PEXPIRE', index, ms, 'GT')
end

local function unindex(value, member, subject_prefix)
  for _, s in ipairs(value.sign_ins) do
    if type(s) == 'table' and type(s.subject) == 'string' then
      redis.call('ZREM', subject_prefix .. s.subject, member)
    end
  end
end

-- Ends `subject`'s sign-ins made at or before `cutoff` in the session `member`; how many ended.
local function end_in(session_prefix, index, member, subject, cutoff)
  local key = session_prefix .. member
  local raw = redis.call('GET', key)
  if not raw then
    redis.call('ZREM', index, member)
    return 0
  end
  local value = decode(raw)
  if not value then
    return 0
  end
  local kept, ended, still = {}, 0, false
  for _, s in ipairs(value.sign_ins) do
    if s.subject == subject and (tonumber(s.signed_in_at) or 0) <= cutoff then
      ended = ended + 1
    else
      kept[#kept + 1] = s
      if s.subject == subject then
        still = true
      end
    end
  end
  if not still then
    redis.call('ZREM', index, member)
  end
  if ended == 0 then
    return 0
  end
  if #kept == 0 then
    redis.call('DEL', key)
  else
    value.sign_ins = kept
    redis.call('SET', key, cjson.encode(value), 'KEEPTTL')
  end
  return ended
end

-- Ends the session `key` (filed as `member`) and its index entries; whether there was one.
local function remove_session(key, member, subject_prefix)
  local raw = redis.call('GET', key)
  if not raw then
    return false
  end
  local value = decode(raw)
  if value then
    unindex(value, member, subject_prefix)
  end
  redis.call('DEL', key)
  return true
end

-- Whether the session `key` is live at `now`: present and used within the idle lifetime.
local function is_live(key, now, idle)
  local raw = redis.call('GET', key)
  if not raw then
    return false
  end
  local value = decode(raw)
  if not value then
    return true -- unreadable, but there: ending it is the caller's business
  end
  local seen = tonumber(value.seen)
  return seen ~= nil and now - seen <= idle
end

-- Files the sign-ins (JSON) under `key` as `member`, leaving out those a back-channel logout
-- ended (the subject's remembered cut-off), then ends the subject's least recently saved
-- sessions past `max`. `p` holds: tick, subject_prefix, session_prefix, ended_prefix, now,
-- idle (s), idle_ms, max.
local function put(key, member, sign_ins_json, p)
  local now, idle, max = tonumber(p.now), tonumber(p.idle), tonumber(p.max)
  local sign_ins = {}
  for _, s in ipairs(cjson.decode(sign_ins_json)) do
    local ended = redis.call('HMGET', p.ended_prefix .. s.subject, 'c', 'f')
    local cutoff, forget_at = tonumber(ended[1]), tonumber(ended[2])
    local at = tonumber(s.signed_in_at) or 0
    if not (cutoff and forget_at and forget_at > now and at <= cutoff) then
      sign_ins[#sign_ins + 1] = s
    end
  end
  if #sign_ins == 0 then
    return 0
  end
  local tick = redis.call('INCR', p.tick)
  local value = {v = 1, seen = p.now, saved = tostring(tick), sign_ins = sign_ins}
  redis.call('SET', key, cjson.encode(value), 'PX', p.idle_ms)
  for _, s in ipairs(sign_ins) do
    local index = p.subject_prefix .. s.subject
    redis.call('ZADD', index, tick, member)
    refresh(index, p.idle_ms)
    -- The subject's live sessions, the least recently saved first; stale entries go.
    local live = {}
    for _, other_member in ipairs(redis.call('ZRANGE', index, 0, -1)) do
      local raw = redis.call('GET', p.session_prefix .. other_member)
      local other = raw and decode(raw)
      local holds = false
      if other then
        local seen = tonumber(other.seen)
        if seen ~= nil and now - seen <= idle then
          for _, o in ipairs(other.sign_ins) do
            if o.subject == s.subject then
              holds = true
            end
          end
        end
      end
      if holds then
        live[#live + 1] = other_member
      else
        redis.call('ZREM', index, other_member)
      end
    end
    for i = 1, #live - max do
      end_in(p.session_prefix, index, live[i], s.subject, math.huge)
    end
  end
  return 1
end
