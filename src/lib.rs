//! datagate: the city's public-data catalogue and the gate through which AI
//! enterprises obtain time-bound, audited grants to conditional data.

pub mod app;
pub mod audit;
pub mod auth;
pub mod ckan;
pub mod cli;
pub mod clock;
pub mod config;
pub mod corpora;
pub mod db;
pub mod dcat;
pub mod demo;
pub mod distributions;
pub mod error;
pub mod grants;
pub mod http;
pub mod listings;
pub mod openapi;
pub mod ops;
pub mod orgs;
pub mod portal;
pub mod privacy;
pub mod profiles;
pub mod serve;
pub mod tabular;
pub mod telemetry;
