-- Failed webhook deliveries kept up to 512 bytes of the endpoint's reply
-- (or, for an answer that was not HTTP, what the peer sent) in last_error,
-- which GET /api/v1/deliveries and the console show to the brand. Keep
-- only the status line: the kind of failure and the HTTP status code.
UPDATE deliveries
SET last_error = substr(last_error, 1, strpos(last_error, ': HTTP ') + 9)
WHERE channel = 'webhook' AND strpos(last_error, ': HTTP ') > 0;

UPDATE deliveries
SET last_error = substr(last_error, 1, strpos(last_error, ' send failure') + 12) || ': no valid HTTP answer'
WHERE channel = 'webhook' AND strpos(last_error, ': HTTP ') = 0 AND strpos(last_error, 'malformed') > 0;
