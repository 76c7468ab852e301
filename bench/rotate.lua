-- rotate.lua: wrk script that sends each request to the next path of a
-- list, each thread starting at its own place, so that a run covers many
-- feeds rather than one. The list file (first script argument) has one
-- request a line: a path, then optionally a tab and an ETag to send as
-- If-None-Match. The second argument is wrk's number of threads (-t).
--
--   wrk -t 2 -s bench/rotate.lua URL -- paths.txt 2
local paths, etags = {}, {}
local i = 0

-- Each thread gets its number, so that its starting point is the same in
-- every run and against every server: runs that cover only part of the
-- list then cover the same part.
local threads = 0
function setup(thread)
	thread:set("id", threads)
	threads = threads + 1
end

function init(args)
	for line in io.lines(args[1]) do
		local path, etag = line:match("^([^\t]+)\t?(.*)$")
		if path then
			paths[#paths + 1] = path
			etags[#etags + 1] = etag
		end
	end
	-- Threads start at places spread evenly over the list.
	local n = tonumber(args[2]) or 1
	i = math.floor((id % n) * #paths / n)
end

function request()
	i = i % #paths + 1
	local headers = {}
	if etags[i] ~= "" then
		headers["If-None-Match"] = etags[i]
	end
	return wrk.format("GET", paths[i], headers)
end
