-- Conversation events per day (UTC) by kind (the protocol's `kind`: message, reaction, message_edited, group_created,
-- ...), split into one-to-one and group conversations.
SELECT day,
       lower(type) AS kind,
       count(*) AS events,
       count(*) FILTER (WHERE conversation_kind = 'direct') AS direct,
       count(*) FILTER (WHERE conversation_kind = 'group') AS "group"
FROM events
GROUP BY day, kind
ORDER BY day, events DESC, kind;
