//! The audit chain: every state change appends an entry, in the same
//! transaction as the change, that hashes its own content together with the
//! previous entry's hash, so any edit, deletion or reordering shows.
//! Administrators read and verify it through `api`, operators through
//! `datagate audit verify`. Signed checkpoints over a Merkle tree of the
//! entries (`checkpoints`, `merkle`, `tree`, `proofs`) show when the newest
//! entries were removed or the tail rewritten with recomputed hashes.

pub mod api;
pub mod chain;
pub mod checkpoints;
pub mod merkle;
pub mod model;
pub mod proofs;
pub mod tree;

pub use chain::{Actor, Entry, NewEntry, Verification, record, record_many, verify_chain};
