-- KEYS[1] the session; ARGV: member, subject prefix.
if remove_session(KEYS[1], ARGV[1], ARGV[2]) then
  return 1
end
return 0
