-- One counter that every transaction changing the catalogue advances, so
-- that every instance can tell, with one tiny query, whether its cached
-- public reads are still current.
CREATE TABLE catalogue_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO catalogue_state (id, generation) VALUES (1, 0);
