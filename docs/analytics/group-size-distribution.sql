-- Group size distribution: groups by their current number of members (after their latest membership change), in
-- power-of-two bins: 1, 2-3, 4-7, 8-15, ... 1024-2047.
SELECT CAST(pow(2, floor(log2(members))) AS INTEGER) AS members_from,
       CAST(pow(2, floor(log2(members)) + 1) - 1 AS INTEGER) AS members_to,
       count(*) AS groups
FROM groups
WHERE members > 0
GROUP BY ALL
ORDER BY members_from;
