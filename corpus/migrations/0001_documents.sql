-- 0001: documents and every URL seen for them (contract: docs/architecture.md, "corpus").
-- Dates are ISO strings (YYYY-MM-DD; fetched_at as an ISO date-time in UTC), metadata a JSON object.

CREATE TABLE documents (
    id              TEXT PRIMARY KEY,
    url             TEXT,                              -- canonical URL (NULL for URL-less imports)
    title           TEXT,
    text            TEXT NOT NULL DEFAULT '',
    outlet          TEXT,
    source          TEXT,
    language        TEXT,
    date            TEXT,                              -- original publication date, NULL when unknown
    date_source     TEXT NOT NULL DEFAULT 'none',      -- feed, sitemap, api, jsonld, ..., import, none
    date_confidence REAL,
    fetched_at      TEXT,
    content_hash    TEXT NOT NULL,
    scope_score     REAL,
    scope_label     TEXT,                              -- core, adjacent, out, NULL = not scored
    story_id        TEXT,                              -- near-duplicate group
    framing_label   TEXT,
    metadata        TEXT NOT NULL DEFAULT '{}',
    added_at        TEXT NOT NULL,                     -- when this corpus first stored the document
    updated_at      TEXT NOT NULL                      -- last change of any field
);

-- every URL a document was seen at, as seen and canonicalised, with the outlet that ran it there
CREATE TABLE document_urls (
    url        TEXT PRIMARY KEY,
    canonical  TEXT NOT NULL,
    doc_id     TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE ON UPDATE CASCADE,
    outlet     TEXT,
    source     TEXT,
    first_seen TEXT NOT NULL
);

CREATE INDEX documents_date ON documents(date, id);
CREATE INDEX documents_source ON documents(source);
CREATE INDEX documents_outlet ON documents(outlet);
CREATE INDEX documents_scope ON documents(scope_label);
CREATE INDEX documents_content_hash ON documents(content_hash);
CREATE INDEX documents_story ON documents(story_id);
CREATE INDEX documents_url ON documents(url);
CREATE INDEX document_urls_canonical ON document_urls(canonical);
CREATE INDEX document_urls_doc ON document_urls(doc_id);
