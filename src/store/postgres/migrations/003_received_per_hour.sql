-- Messages received per UTC hour, counted when a delivery is stored, so the admin figures of
-- mail received do not drop when mail is deleted or expires. A count per copy (a message to
-- two mailboxes counts twice). Each process adds to a row of its own `slot`, so that
-- deliveries committing in parallel on several processes do not queue on one hot row.
CREATE TABLE received_per_hour (
  hour_start bigint NOT NULL,
  slot integer NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (hour_start, slot)
);

-- What is still stored is the best account of the past there is.
INSERT INTO received_per_hour (hour_start, slot, count)
SELECT received_at - ((received_at % 3600000) + 3600000) % 3600000, 0, count(*)
FROM messages GROUP BY 1;
