DROP TABLE corpus_sources;
DROP TABLE corpora;
