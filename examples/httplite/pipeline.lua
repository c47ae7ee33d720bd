-- wrk script: send 16 requests per write (HTTP pipelining) and count each
-- response. Usage:
--   wrk -t2 -c64 -d10s -s examples/httplite/pipeline.lua http://127.0.0.1:8080/
-- An optional argument sets the depth:  ... pipeline.lua http://127.0.0.1:8080/ -- 32

local depth = 16

init = function(args)
   depth = tonumber(args[1]) or depth
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format(nil)
   end
   req = table.concat(r)
end

request = function()
   return req
end
