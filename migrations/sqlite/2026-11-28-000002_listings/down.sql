DROP TABLE distributions;
DROP TABLE listing_facets;
DROP TABLE listing_revisions;
DROP TABLE listing_terms;
DROP TABLE listing_fts;
DROP TABLE listings;
DROP TABLE domains;
