-- rotate.lua: wrk script that sends each request to the next path of a
-- list, each thread starting at its own place, so that a run covers many
-- feeds rather than one. The list file (first script argument) has one
-- request a line: a path, then optionally a tab and an ETag to send as
-- If-None-Match.
--
--   wrk -s bench/rotate.lua URL -- paths.txt
local paths, etags = {}, {}
local i = 0

function init(args)
	for line in io.lines(args[1]) do
		local path, etag = line:match("^([^\t]+)\t?(.*)$")
		if path then
			paths[#paths + 1] = path
			etags[#etags + 1] = etag
		end
	end
	-- Threads get different starting points, spread over the list.
	math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
	i = math.random(#paths) - 1
end

function request()
	i = i % #paths + 1
	local headers = {}
	if etags[i] ~= "" then
		headers["If-None-Match"] = etags[i]
	end
	return wrk.format("GET", paths[i], headers)
end
