-- Delivery latency percentiles per hour (UTC, by send time): from the edge receiving a message to the edge receiving
-- the first delivery acknowledgement of a device of each recipient (one sample per message and recipient), in ms.
-- not_delivered: recipients no device of which has acknowledged the message yet.
SELECT date_trunc('hour', sent_at) AS hour,
       count(latency_ms) AS delivered,
       count(*) - count(latency_ms) AS not_delivered,
       round(quantile_cont(latency_ms, 0.50), 1) AS p50_ms,
       round(quantile_cont(latency_ms, 0.90), 1) AS p90_ms,
       round(quantile_cont(latency_ms, 0.99), 1) AS p99_ms,
       max(latency_ms) AS max_ms
FROM delivery_latency
GROUP BY hour
ORDER BY hour;
