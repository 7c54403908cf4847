-- POSTs a JSON body. With WRK_EMAIL_PREFIX set, each request registers a new address, so
-- POST /users never answers 409; else every request sends WRK_BODY. wrk.lua adds the summary.
dofile(os.getenv('WRK_REPORT_SCRIPT'))

wrk.method = 'POST'
wrk.headers['content-type'] = 'application/json'

local prefix = os.getenv('WRK_EMAIL_PREFIX')
if prefix then
  local n = 0
  request = function()
    n = n + 1
    local body = string.format('{"email":"%s-%d@example.com","full_name":"Bench"}', prefix, n)
    return wrk.format(nil, nil, nil, body)
  end
else
  wrk.body = os.getenv('WRK_BODY')
end
