//! Integration tests: the real service over HTTP, on a fresh database per
//! test. Set TEST_DATABASE_URL=postgres://… to run them all on PostgreSQL.

mod corpus_fixtures;
mod helpers;

mod accounts;
mod api_keys;
mod audit;
mod auth;
mod cache;
mod ckan;
mod contract;
mod corpora;
mod corpus_search;
mod croissant;
mod datasets;
mod dcat;
mod errors;
mod files;
mod grants;
mod openlist;
mod search;
