//! Small, plausible sample files for demo distributions, generated from a
//! dataset's data items with a generator seeded by its name (the same demo
//! every time).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

use crate::listings::{DataItem, DataType};

const ROWS: usize = 40;
const DISTRICTS: &[&str] = &[
    "黄浦区",
    "徐汇区",
    "长宁区",
    "静安区",
    "普陀区",
    "虹口区",
    "杨浦区",
    "闵行区",
    "宝山区",
    "嘉定区",
    "浦东新区",
    "金山区",
    "松江区",
    "青浦区",
    "奉贤区",
    "崇明区",
];

fn rng_for(seed: &str) -> StdRng {
    let digest = Sha256::digest(seed.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    StdRng::seed_from_u64(u64::from_le_bytes(bytes))
}

fn value(item: &DataItem, row: usize, rng: &mut StdRng) -> serde_json::Value {
    use serde_json::json;
    let name = item.name.as_str();
    match item.data_type {
        DataType::Integer => json!(plausible_integer(name, rng)),
        DataType::Decimal => json!((plausible_decimal(name, rng) * 100.0).round() / 100.0),
        DataType::Boolean => json!(rng.gen_bool(0.5)),
        DataType::Date => json!(format!("2024-{:02}-{:02}", rng.gen_range(1..=12), rng.gen_range(1..=28))),
        DataType::Datetime => json!(format!(
            "2024-{:02}-{:02}T{:02}:{:02}:00+08:00",
            rng.gen_range(1..=12),
            rng.gen_range(1..=28),
            rng.gen_range(0..24),
            rng.gen_range(0..60)
        )),
        DataType::GeoPoint => {
            json!(format!("{:.5},{:.5}", 121.2 + rng.gen_range(0.0..0.7), 30.9 + rng.gen_range(0.0..0.5)))
        }
        DataType::Code => {
            json!(format!("{}{:03}", name.chars().next().unwrap_or('C').to_ascii_uppercase(), rng.gen_range(1..40)))
        }
        _ if name.contains("district") => json!(DISTRICTS[rng.gen_range(0..DISTRICTS.len())]),
        _ if item.personal => json!(format!("已脱敏-{:06}", rng.gen_range(0..1_000_000))),
        _ if name.contains("name") => json!(format!("{}{}", item.label.trim_end_matches("名称"), row + 1)),
        _ if name.contains("address") => {
            json!(format!("上海市{}样例路{}号", DISTRICTS[rng.gen_range(0..DISTRICTS.len())], rng.gen_range(1..999)))
        }
        _ => json!(format!("{}-{:04}", item.label, row + 1)),
    }
}

/// An integer of the range its name suggests (a year is a recent year, a
/// month 1–12, a rating 1–5), so the demo's files look like the real thing.
fn plausible_integer(name: &str, rng: &mut StdRng) -> i64 {
    let has = |w: &str| name.split('_').any(|part| part == w);
    if has("year") {
        return if name.starts_with("completed") || name.starts_with("established") || name.starts_with("built") {
            rng.gen_range(1950..=2024)
        } else {
            rng.gen_range(2015..=2024)
        };
    }
    if has("month") {
        return rng.gen_range(1..=12);
    }
    if has("quarter") {
        return rng.gen_range(1..=4);
    }
    if has("rating") || has("star") || has("grade") || has("level") {
        return rng.gen_range(1..=5);
    }
    if has("count") {
        return rng.gen_range(0..=300);
    }
    if has("age") {
        return rng.gen_range(0..=95);
    }
    rng.gen_range(0..5000)
}

/// A decimal of the range its name suggests (a rate is a percentage, a
/// temperature Shanghai's weather, a pH a river's).
fn plausible_decimal(name: &str, rng: &mut StdRng) -> f64 {
    let has = |w: &str| name.split('_').any(|part| part == w);
    if has("rate") || has("ratio") || has("percent") || has("humidity") || has("growth") {
        return rng.gen_range(0.0..100.0);
    }
    if has("temperature") {
        return rng.gen_range(-5.0..38.0);
    }
    if name == "ph" {
        return rng.gen_range(6.0..9.0);
    }
    if has("pressure") {
        return rng.gen_range(990.0..1035.0);
    }
    if has("speed") {
        return rng.gen_range(0.0..80.0);
    }
    rng.gen_range(0.0..1000.0)
}

fn csv_field(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The bytes of a sample file in `format` (CSV or JSON; anything else CSV).
pub fn sample(seed: &str, items: &[DataItem], format: &str) -> Vec<u8> {
    let mut rng = rng_for(seed);
    let rows: Vec<Vec<serde_json::Value>> =
        (0..ROWS).map(|r| items.iter().map(|i| value(i, r, &mut rng)).collect()).collect();
    if format.eq_ignore_ascii_case("json") {
        let objects: Vec<serde_json::Map<String, serde_json::Value>> =
            rows.into_iter().map(|row| items.iter().map(|i| i.name.clone()).zip(row).collect()).collect();
        return serde_json::to_vec_pretty(&objects).unwrap_or_default();
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(items.iter().map(|i| i.name.as_str()));
    for row in rows {
        let _ = w.write_record(row.iter().map(csv_field));
    }
    w.into_inner().unwrap_or_default()
}
