-- Messages received per UTC hour, counted when a delivery is stored, so the admin figures of
-- mail received do not drop when mail is deleted or expires. A count per copy (a message to
-- two mailboxes counts twice). `slot` lets writers that run in parallel (PostgreSQL
-- processes) each update a row of their own; SQLite has one writer and uses slot 0.
CREATE TABLE received_per_hour (
  hour_start INTEGER NOT NULL,
  slot INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (hour_start, slot)
) WITHOUT ROWID;

-- What is still stored is the best account of the past there is.
INSERT INTO received_per_hour (hour_start, slot, count)
SELECT received_at - ((received_at % 3600000) + 3600000) % 3600000, 0, count(*)
FROM messages GROUP BY 1;
