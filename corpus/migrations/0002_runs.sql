-- 0002: the run log of `framewatch update` and how far each source got (issue 4).
-- Times are ISO date-times in UTC; dates YYYY-MM-DD.

-- one row per `framewatch update` run
CREATE TABLE runs (
    id           TEXT PRIMARY KEY,                   -- e.g. 20260123T101500.123456Z-4242 (start time, pid)
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    status       TEXT NOT NULL DEFAULT 'running',    -- running, finished, partial (a source failed), interrupted
    pid          INTEGER,
    since        TEXT,                               -- the --since asked for (NULL: per-source state)
    until        TEXT,                               -- the --until asked for (NULL: today)
    config_path  TEXT,
    warc_dir     TEXT,
    message      TEXT
);

-- per source and run: what was found and what became of it
CREATE TABLE run_sources (
    run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    source        TEXT NOT NULL,
    kind          TEXT,
    since         TEXT,                              -- the range this source was asked for
    until         TEXT,
    status        TEXT NOT NULL DEFAULT 'running',   -- running, finished, failed, interrupted
    discovered    INTEGER NOT NULL DEFAULT 0,
    known         INTEGER NOT NULL DEFAULT 0,        -- already in the corpus, not fetched again
    fetched       INTEGER NOT NULL DEFAULT 0,
    new           INTEGER NOT NULL DEFAULT 0,
    duplicate     INTEGER NOT NULL DEFAULT 0,        -- same text as a stored document: its URL added
    near_duplicate INTEGER NOT NULL DEFAULT 0,       -- stored, and joined an existing story
    out_of_scope  INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    duration_s    REAL,
    error         TEXT,                              -- why the whole source failed, if it did
    PRIMARY KEY (run_id, source)
);

-- every failed document (or a failed source, with url NULL): its URL, reason and message
CREATE TABLE failures (
    id        INTEGER PRIMARY KEY,
    run_id    TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    source    TEXT NOT NULL,
    url       TEXT,
    reason    TEXT NOT NULL,
    message   TEXT,
    at        TEXT NOT NULL
);

-- how far each source got: the next run starts at last_until (minus the configured overlap)
CREATE TABLE source_state (
    source      TEXT PRIMARY KEY,
    last_until  TEXT NOT NULL,
    last_run_id TEXT,
    updated_at  TEXT NOT NULL
);

CREATE INDEX failures_run ON failures(run_id, source);
CREATE INDEX runs_started ON runs(started_at);
