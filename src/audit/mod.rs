//! The audit chain: every state change appends an entry, in the same
//! transaction as the change, that hashes its own content together with the
//! previous entry's hash, so any edit, deletion or reordering shows.

pub mod chain;

pub use chain::{Actor, Entry, record, verify_chain};
