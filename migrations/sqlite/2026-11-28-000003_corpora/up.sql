-- The corpus catalogue: what a corpus adds to its listing row (kind
-- 'corpus'), and its lineage to the open-list datasets it was derived from.
-- The sample count is the listing's record_count, so the shared filters and
-- sorts apply. Enums are TEXT without CHECK so that the modality vocabulary
-- can grow (audio, video, multimodal) without a migration; JSON is TEXT.

CREATE TABLE corpora (
    listing_id            TEXT PRIMARY KEY REFERENCES listings (id),
    modality              TEXT NOT NULL,
    total_bytes           BIGINT,
    splits                TEXT NOT NULL,
    languages             TEXT NOT NULL,
    annotation_types      TEXT NOT NULL,
    label_schema          TEXT NOT NULL,
    datasheet             TEXT NOT NULL,
    -- The modality's own section: {"text": …} | {"image": …} | {"sensor": …} | {"geo": …}
    details               TEXT NOT NULL,
    -- Why the corpus may be less restricted than a source (recorded in revisions).
    lineage_justification TEXT
);
CREATE INDEX corpora_modality ON corpora (modality);

CREATE TABLE corpus_sources (
    corpus_id  TEXT NOT NULL REFERENCES listings (id),
    dataset_id TEXT NOT NULL REFERENCES listings (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (corpus_id, dataset_id)
);
-- "Which corpora were derived from this dataset" reads this index.
CREATE INDEX corpus_sources_dataset ON corpus_sources (dataset_id, corpus_id);
