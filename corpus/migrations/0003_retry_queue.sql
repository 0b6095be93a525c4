-- 0003: failed documents are retried by later runs, with back-off, until stored or given up (issue 12).
-- A run's status (table runs) is now finished, partial (a source or some documents failed), failed (every
-- source failed, or nothing succeeded while something failed) or interrupted.

-- one row per source and failed document (by canonical URL); deleted once the document is stored
CREATE TABLE retry_queue (
    source        TEXT NOT NULL,
    canonical     TEXT NOT NULL,
    url           TEXT NOT NULL,                     -- as discovered, credentials redacted
    has_secret    INTEGER NOT NULL DEFAULT 0,        -- the real URL carried credentials: retried only when rediscovered
    title         TEXT,                              -- what the source knew of it (handed back as hints)
    date          TEXT,
    date_source   TEXT,
    outlet        TEXT,
    language      TEXT,
    extra         TEXT NOT NULL DEFAULT '{}',        -- the candidate's JSON-safe extra fields
    window_since  TEXT,                              -- the start of the range the source was asked for
    status        TEXT NOT NULL DEFAULT 'pending',   -- pending, given_up
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_reason   TEXT,
    last_message  TEXT,
    first_failed  TEXT NOT NULL,
    last_tried    TEXT NOT NULL,
    next_try      TEXT,                              -- not retried before this time (exponential back-off)
    first_run_id  TEXT,
    last_run_id   TEXT,
    PRIMARY KEY (source, canonical)
);
CREATE INDEX retry_queue_due ON retry_queue(source, status, next_try);

-- per source and run: queued documents tried again, and documents given up on
ALTER TABLE run_sources ADD COLUMN retried INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_sources ADD COLUMN given_up INTEGER NOT NULL DEFAULT 0;
