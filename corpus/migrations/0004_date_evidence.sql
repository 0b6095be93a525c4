-- 0004: what backs a document's publication date (issue 10): the sources that name the same day,
-- comma-separated, the deciding one first (e.g. 'jsonld,htmldate,url'); NULL when unknown.
-- date_source and date_confidence exist since 0001; the index serves "drop dates below a confidence".

ALTER TABLE documents ADD COLUMN date_evidence TEXT;

CREATE INDEX documents_date_confidence ON documents(date_confidence);
