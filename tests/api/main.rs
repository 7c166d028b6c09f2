//! Integration tests: the real service over HTTP, on a fresh database per
//! test. Set TEST_DATABASE_URL=postgres://… to run them all on PostgreSQL.

mod corpus_fixtures;
mod fault_support;
mod helpers;
mod portal_support;

mod accounts;
mod api_keys;
mod audit;
mod audit_checkpoints;
mod auth;
mod authz_leaks;
mod authz_matrix;
mod cache;
mod ckan;
mod contract;
mod corpora;
mod corpus_search;
mod croissant;
mod datasets;
mod db_away;
mod dcat;
mod errors;
mod faults;
mod files;
mod fuzz_findings;
mod grants;
mod limits;
mod metrics;
mod openlist;
mod portal;
mod portal_cache;
mod portal_leaks;
mod portal_sessions;
mod privacy;
mod profile_memory;
mod profiles;
mod search;
mod sec_query;
mod sec_signin;
mod sec_tokens;
