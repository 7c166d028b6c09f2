//! The audit chain: every state change appends an entry, in the same
//! transaction as the change, that hashes its own content together with the
//! previous entry's hash, so any edit, deletion or reordering shows.
//! Administrators read and verify it through `api`, operators through
//! `datagate audit verify`.

pub mod api;
pub mod chain;
pub mod model;

pub use chain::{Actor, Entry, Verification, record, verify_chain};
