-- POSTs JSON. With WRK_EMAIL_PREFIX set, each request registers a new address, so POST /users
-- never answers 409; with WRK_CUSTOMERS ("id token" lines), each request is an order of the next
-- customer in turn, under that customer's token, as that many clients each ordering for
-- themselves. wrk.lua adds the summary.
dofile(os.getenv('WRK_REPORT_SCRIPT'))

wrk.method = 'POST'
wrk.headers['content-type'] = 'application/json'

local prefix = os.getenv('WRK_EMAIL_PREFIX')
local customers = os.getenv('WRK_CUSTOMERS')
if prefix then
  local n = 0
  request = function()
    n = n + 1
    local body = string.format(
      '{"email":"%s-%d@example.com","full_name":"Bench","password":"bench password 0123"}',
      prefix,
      n
    )
    return wrk.format(nil, nil, nil, body)
  end
elseif customers then
  -- Built once per thread, in init: wrk.host (the Host header) is known only by then.
  local requests = {}
  init = function()
    for id, token in string.gmatch(customers, '(%d+) (%S+)') do
      local headers = {
        ['content-type'] = 'application/json',
        ['authorization'] = 'Bearer ' .. token,
      }
      local body = string.format('{"user_id":%s,"item":"benchmark item","quantity":1}', id)
      table.insert(requests, wrk.format(nil, nil, headers, body))
    end
  end
  local n = 0
  request = function()
    n = n % #requests + 1
    return requests[n]
  end
end
