-- Media share: messages per day (UTC) by media type ("text" for messages without one), and each type's share of the
-- day's messages in percent.
SELECT day,
       coalesce(media_type, 'text') AS media_type,
       count(*) AS messages,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY day), 1) AS percent
FROM messages
GROUP BY day, media_type
ORDER BY day, messages DESC, media_type;
