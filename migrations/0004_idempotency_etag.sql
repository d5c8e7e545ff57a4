-- A replayed creating POST repeats the first response's ETag too, so a
-- client can go straight on to a conditional update with it.
ALTER TABLE idempotency_keys ADD COLUMN etag text;
