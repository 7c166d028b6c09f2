DROP TABLE catalogue_state;
