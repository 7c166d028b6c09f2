//! The demo's training corpora: text, image, sensor and map corpora derived
//! from demo datasets (`corpora.json`), each published with a small hosted
//! CSV sample generated from its data items, splits and labels (the same
//! file every time).

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{DemoBureau, DemoDistribution};
use crate::auth::Caller;
use crate::corpora::{Corpus, CorpusInput};
use crate::db::DbConn;
use crate::distributions::api::{NewDistribution, add, attach_file, validate};
use crate::distributions::storage::StoredFile;
use crate::error::{AppError, AppResult};
use crate::listings::input::ListingContact;
use crate::listings::{DataType, ListingKind, service};

const CORPORA: &str = include_str!("corpora.json");
const SAMPLE_ROWS: usize = 50;

#[derive(Debug, Clone, Deserialize)]
pub(super) struct DemoCorpus {
    bureau: String,
    /// Values to cycle through for named columns of the sample file.
    #[serde(default)]
    sample_values: BTreeMap<String, Vec<String>>,
    distributions: Vec<DemoDistribution>,
    corpus: CorpusInput,
}

impl DemoCorpus {
    pub(super) fn distributions(&self) -> &[DemoDistribution] {
        &self.distributions
    }
}

pub(super) fn catalogue() -> Result<Vec<DemoCorpus>, String> {
    serde_json::from_str(CORPORA).map_err(|e| format!("demo corpora: {e}"))
}

/// The sample file of a corpus: one column per data item.
pub(super) fn sample_csv(c: &DemoCorpus) -> Vec<u8> {
    let input = &c.corpus;
    let digest = Sha256::digest(input.name.as_bytes());
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&digest[..8]);
    let mut rng = StdRng::seed_from_u64(u64::from_le_bytes(seed));
    let total: i64 = input.splits.iter().map(|s| s.sample_count).sum::<i64>().max(1);
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(input.data_items.iter().map(|i| i.name.as_str()));
    for row in 0..SAMPLE_ROWS {
        let cells: Vec<String> = input
            .data_items
            .iter()
            .map(|item| {
                let name = item.name.as_str();
                if let Some(values) = c.sample_values.get(name).filter(|v| !v.is_empty()) {
                    return values[row % values.len()].clone();
                }
                if name == "split" {
                    // Rows follow the splits' proportions, in order.
                    let at = (row as i64 * total) / SAMPLE_ROWS as i64;
                    let mut acc = 0;
                    for s in &input.splits {
                        acc += s.sample_count;
                        if at < acc {
                            return s.name.clone();
                        }
                    }
                    return "train".into();
                }
                generated(input, name, item.data_type, row, &mut rng)
            })
            .collect();
        let _ = w.write_record(cells);
    }
    w.into_inner().unwrap_or_default()
}

fn generated(input: &CorpusInput, name: &str, t: DataType, row: usize, rng: &mut StdRng) -> String {
    let resolution = input.image.as_ref().and_then(|i| i.resolution.clone());
    match (name, t) {
        ("image_file", _) => format!("IMG_{:06}.jpg", row / 3 + 1),
        ("width", _) => resolution.map(|r| r.max_width).unwrap_or(1920).to_string(),
        ("height", _) => resolution.map(|r| r.max_height).unwrap_or(1080).to_string(),
        ("zoom", _) => (16 + row % 3).to_string(),
        ("tile_x", _) => (109_800 + rng.gen_range(0..1_600)).to_string(),
        ("tile_y", _) => (53_400 + rng.gen_range(0..1_400)).to_string(),
        ("tile_id", _) => format!("{}/{}/{}", 16 + row % 3, 109_800 + row * 7, 53_400 + row * 5),
        ("visit_month", _) => format!("2024-{:02}", row % 12 + 1),
        ("temperature", _) => format!("{:.1}", rng.gen_range(2.0..34.0f64)),
        ("relative_humidity", _) => format!("{:.0}", rng.gen_range(35.0..95.0f64)),
        (n, _) if n.ends_with("_id") => format!("{}{:06}", n[..1].to_ascii_uppercase(), row + 1),
        (_, DataType::Integer) => rng.gen_range(16..1_200).to_string(),
        (_, DataType::Decimal) => format!("{:.1}", rng.gen_range(2.0..95.0f64)),
        (_, DataType::Datetime) => {
            let t =
                chrono::NaiveDate::from_ymd_opt(2024, 1, 1).and_then(|d| d.and_hms_opt(1, 0, 0)).unwrap_or_default()
                    + chrono::Duration::hours(row as i64);
            format!("{}+08:00", t.format("%Y-%m-%dT%H:%M:%S"))
        }
        (_, DataType::Date) => format!("2024-{:02}-{:02}", row % 12 + 1, row % 28 + 1),
        (_, DataType::GeoPoint) => {
            format!("{:.6},{:.6}", 121.2 + rng.gen_range(0.0..0.7), 30.9 + rng.gen_range(0.0..0.5))
        }
        (_, DataType::Code) if !input.label_schema.is_empty() => {
            input.label_schema[row % input.label_schema.len()].name.clone()
        }
        _ => format!("{name}-{:04}", row + 1),
    }
}

/// Creates and publishes the demo corpora, after the datasets they derive
/// from; returns how many corpora and files it made.
pub(super) fn populate(
    conn: &mut DbConn,
    corpora: &[DemoCorpus],
    files: Vec<Vec<Option<StoredFile>>>,
    bureaus: &[DemoBureau],
    publishers: &[(String, Caller)],
    now: chrono::NaiveDateTime,
) -> AppResult<(usize, usize)> {
    let mut file_count = 0;
    for (c, stored) in corpora.iter().zip(files) {
        let (_, caller) = publishers.iter().find(|(code, _)| *code == c.bureau).ok_or_else(|| {
            AppError::internal(format!("demo corpus {} names unknown bureau {}", c.corpus.name, c.bureau))
        })?;
        let mut input = c.corpus.clone();
        if let (None, Some(b)) = (&input.contact, bureaus.iter().find(|b| b.code == c.bureau)) {
            input.contact = Some(ListingContact {
                name: b.contact.name.clone(),
                email: Some(b.contact.email.clone()),
                phone: Some(b.contact.phone.clone()),
            });
        }
        let listing = service::create::<Corpus>(conn, caller, input, now)?;
        let key = listing.id.to_string();
        for (d, file) in c.distributions.iter().zip(stored) {
            let clean = validate(&NewDistribution {
                name: d.name.clone(),
                description: None,
                format: d.format.clone(),
                media_type: Some(d.media_type.clone()),
                access_url: d.access_url.clone(),
            })?;
            let row = add(conn, caller, ListingKind::Corpus, &key, clean, now)?;
            if let Some(file) = file {
                let name = format!("{}-sample.{}", c.corpus.name, d.format.to_lowercase());
                attach_file(conn, caller, row.id, file, Some(name), now)?;
                file_count += 1;
            }
        }
        service::publish(conn, ListingKind::Corpus, caller, &key, now)?;
    }
    Ok((corpora.len(), file_count))
}
