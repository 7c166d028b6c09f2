//! Synthetic listings for load tests: N plausible datasets (Chinese and
//! English text, every domain and bureau, all open conditions), written in
//! batches with multi-row inserts. Placeholder until the batch writer lands.

use crate::app::AppState;

pub async fn generate(_state: &AppState, _n: u64) -> Result<u64, String> {
    Err("--scale is not available yet".into())
}
