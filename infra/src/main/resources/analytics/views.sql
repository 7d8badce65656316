-- The analyst-facing views of the analytics projection (docs/analytics.md). ./parley sql defines raw_events,
-- raw_receipts, raw_deliveries, raw_pushes and raw_devices over the Parquet files (within --since/--until), then these.

-- Every conversation event once (the log has each once; a duplicate export could only come from a damaged state).
CREATE OR REPLACE VIEW events AS
SELECT * FROM raw_events
QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY log_partition, log_offset) = 1;

-- Messages only (type MESSAGE): text or media, one-to-one or group.
CREATE OR REPLACE VIEW messages AS
SELECT * FROM events WHERE type = 'MESSAGE';

-- Delivery and read receipts as the sequencer logged them (groups: DELIVERED per member, *_ALL aggregates with by '*').
CREATE OR REPLACE VIEW receipts AS
SELECT * FROM raw_receipts;

-- What each device was given (events and receipts), once per (device, inbox seq); live = the device had a session.
CREATE OR REPLACE VIEW deliveries AS
SELECT * FROM raw_deliveries
WHERE kind IN ('EVENT', 'RECEIPT')
QUALIFY row_number() OVER (PARTITION BY device_id, inbox_seq ORDER BY log_partition, log_offset) = 1;

-- One push request per (offline device, message): the fan-out may log one twice after a restore; the push id is stable.
CREATE OR REPLACE VIEW pushes AS
SELECT * FROM raw_pushes
QUALIFY row_number() OVER (PARTITION BY push_id ORDER BY log_partition, log_offset) = 1;

-- Each device as last recorded (registered, linked, revoked).
CREATE OR REPLACE VIEW devices AS
SELECT * FROM raw_devices
QUALIFY row_number() OVER (PARTITION BY device_id ORDER BY recorded_at DESC, log_offset DESC) = 1;

-- Each group: its size after its latest shared event, when it was created, its last activity and its messages.
CREATE OR REPLACE VIEW groups AS
SELECT conversation_id AS group_id,
       arg_max(group_size, seq) AS members,
       min(sent_at) FILTER (WHERE type = 'GROUP_CREATED') AS created_at,
       max(sent_at) AS last_event_at,
       count(*) FILTER (WHERE type = 'MESSAGE') AS messages
FROM events
WHERE conversation_kind = 'group' AND group_size IS NOT NULL
GROUP BY conversation_id;

-- When each member's delivered mark moved: a DELIVERED receipt, or the member's own READ (reading implies holding).
CREATE OR REPLACE VIEW delivery_marks AS
SELECT conversation_id, by_user_id AS user_id, seq, min(receipt_at) AS marked_at
FROM receipts
WHERE (status = 'DELIVERED' AND by_user_id <> to_user_id) OR (status = 'READ' AND by_user_id = to_user_id)
GROUP BY ALL;

-- One row per (message, recipient): delivered_at is when the recipient's delivered mark first covered the message
-- (the first mark at or after its seq, as messageInfo answers it), NULL while no device of the recipient has it.
CREATE OR REPLACE VIEW delivery_latency AS
WITH recipients AS (
  SELECT event_id, conversation_id, conversation_kind, seq, sender_user_id, sent_at, media_type,
         unnest(recipient_user_ids) AS recipient_user_id
  FROM messages
)
SELECT r.*, m.marked_at AS delivered_at, date_diff('millisecond', r.sent_at, m.marked_at) AS latency_ms
FROM recipients r
ASOF LEFT JOIN delivery_marks m
  ON m.conversation_id = r.conversation_id AND m.user_id = r.recipient_user_id AND m.seq >= r.seq;
