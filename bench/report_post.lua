-- wrk script: POST /v1/hate-crime/reports with a fresh submitter reference
-- and a fresh Idempotency-Key on every request (the same reference twice
-- would be a 409).  The key comes from EQ_BENCH_KEY; bench/run creates it,
-- and deletes the reports afterwards.  The peer (bench/run) takes the same
-- script and ignores both headers.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   thread_id = id
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Authorization"] = "Bearer " .. os.getenv("EQ_BENCH_KEY")
end

function request()
   counter = counter + 1
   local ref = string.format("bench-%s-%d-%d", os.getenv("EQ_BENCH_RUN"), thread_id, counter)
   local body = string.format(
      '{"occurred_from":"2024-05-03","reported_on":"2024-05-04",' ..
      '"location":{"kind":"ward","ward":"E05013642"},"strands":["religion"],' ..
      '"offence_type":"public_order","channel":"in_person","submitter_reference":"%s"}', ref)
   wrk.headers["Idempotency-Key"] = ref
   return wrk.format(nil, nil, nil, body)
end
