-- Push volume per day (UTC, by the message's send time): push requests the fan-out made for offline devices, the
-- devices, users and conversations they were for, and the highest unread count one carried.
SELECT day,
       count(*) AS pushes,
       count(DISTINCT device_id) AS devices,
       count(DISTINCT user_id) AS users,
       count(DISTINCT conversation_id) AS conversations,
       max(unread_count) AS max_unread
FROM pushes
GROUP BY day
ORDER BY day;
