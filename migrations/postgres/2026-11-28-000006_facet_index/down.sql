DROP INDEX listings_facet_columns;
