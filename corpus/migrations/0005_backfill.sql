-- 0005: how far `framewatch backfill` got in each WARC file (issue 13), so a re-run after a crash resumes
-- where the last committed batch ended and leaves the corpus as one clean run would.

-- one row per WARC file (absolute path); counts add up over the batches committed so far
CREATE TABLE backfill_files (
    path          TEXT PRIMARY KEY,
    size          INTEGER NOT NULL,                  -- bytes when first read: another size means another file
    status        TEXT NOT NULL DEFAULT 'running',   -- running, done, truncated (cut short), failed (not WARC)
    resume_at     INTEGER NOT NULL DEFAULT 0,        -- records starting before this byte are committed
    records       INTEGER NOT NULL DEFAULT 0,        -- response/resource records read
    new           INTEGER NOT NULL DEFAULT 0,
    updated       INTEGER NOT NULL DEFAULT 0,
    unchanged     INTEGER NOT NULL DEFAULT 0,        -- exact duplicates of stored documents (URLs merged)
    out_of_scope  INTEGER NOT NULL DEFAULT 0,        -- extracted, scored, and not kept
    skipped       INTEGER NOT NULL DEFAULT 0,        -- not a page (status not 200, not HTML/PDF/text)
    failed        INTEGER NOT NULL DEFAULT 0,
    started_at    TEXT NOT NULL,
    finished_at   TEXT
);

-- every bad record (or a whole bad file, offset -1) with the byte offset where it starts
CREATE TABLE backfill_errors (
    path     TEXT NOT NULL,
    offset   INTEGER NOT NULL,
    message  TEXT NOT NULL,
    at       TEXT NOT NULL,
    PRIMARY KEY (path, offset)
);
