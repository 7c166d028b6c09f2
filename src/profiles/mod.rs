//! Profiles of hosted tabular files — "look before you ask": row count,
//! columns with inferred types, nulls, numeric and date statistics, distinct
//! counts and frequent values, computed in the background after an upload
//! and shown in full or, for conditional data, in a protected form.
//!
//! A profile is a row of `distribution_profiles` keyed by distribution and
//! file (sha256). The upload's transaction queues it; a job claims it with a
//! conditional UPDATE that sets a lease, so two workers never compute the
//! same profile and a crashed worker's lease runs out and the job is picked
//! up again (`jobs::Runner::sweep`, at start-up and every minute).

pub mod api;
pub mod compute;
pub mod jobs;
pub mod model;
pub mod sketch;
pub mod types;

pub use model::enqueue;
