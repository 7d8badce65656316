-- Daily active users: users who did something in a conversation that day (UTC): sent any event (a message, a
-- reaction, an edit, a group change, ...) or acknowledged or read what they received (a delivery or read receipt).
SELECT day,
       count(DISTINCT user_id) AS active_users
FROM (
  SELECT day, sender_user_id AS user_id FROM events
  UNION ALL
  SELECT day, by_user_id FROM receipts WHERE by_user_id <> '*'
)
GROUP BY day
ORDER BY day;
