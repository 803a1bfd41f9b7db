-- Message bytes in the database (PostgresBlobStore), so processes on several machines share
-- them with nothing but PostgreSQL. A blob is a header row and fixed-size chunks; a range read
-- fetches only the chunks it overlaps.

CREATE TABLE blobs (
  key text PRIMARY KEY,
  size bigint NOT NULL,
  -- The chunk size the blob was written with, so a later change of it still reads old blobs.
  chunk_size integer NOT NULL
);

CREATE TABLE blob_chunks (
  key text NOT NULL REFERENCES blobs (key) ON DELETE CASCADE,
  seq integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (key, seq)
);
-- Stored uncompressed, out of line: substring() of a chunk reads only the part it needs, and
-- mail bytes (attachments especially) are often compressed already.
ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
