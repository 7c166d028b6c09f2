//! HTTP plumbing shared by every endpoint: request ids and request logging,
//! the web's conventions (CORS, HEAD, validators, paging links),
//! strict JSON and query extractors, the 404/405 fallback, paging, and the
//! refusal of NUL characters.

pub mod client_ip;
pub mod conventions;
pub mod extract;
pub mod fallback;
pub mod nul;
pub mod paging;
pub mod query_limits;
pub mod rate_limit;
pub mod request_id;
pub mod spreadsheet;

pub use extract::{Json, Query};
pub use request_id::RequestId;
