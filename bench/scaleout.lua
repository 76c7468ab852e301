-- scaleout.lua: wrk script of bench/scaleout.sh. It sends GET requests to
-- the paths listed in the file named by the PATHS environment variable, one
-- per line, in turn, and at the end prints one line per status and one line
-- of totals, which the shell script reads:
--   status 200 1234
--   errors connect=0 read=0 write=0 timeout=0 status=0 requests=1234

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	paths = {}
	for line in io.lines(os.getenv("PATHS")) do
		if line ~= "" then
			table.insert(paths, line)
		end
	end
	counter = 0
	statuses = {}
end

function request()
	counter = counter + 1
	return wrk.format("GET", paths[(counter % #paths) + 1])
end

function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
	local total = {}
	for _, thread in ipairs(threads) do
		local s = thread:get("statuses")
		for status, n in pairs(s) do
			total[status] = (total[status] or 0) + n
		end
	end
	for status, n in pairs(total) do
		io.write(string.format("status %d %d\n", status, n))
	end
	local e = summary.errors
	io.write(string.format("errors connect=%d read=%d write=%d timeout=%d status=%d requests=%d\n",
		e.connect, e.read, e.write, e.timeout, e.status, summary.requests))
end
