//! Reading hosted tabular files row by row, in bounded memory: CSV and TSV
//! (the `csv` crate), JSON Lines (`serde_json`), XLSX (calamine's streaming
//! cell reader) and Parquet (the `parquet` crate's row API). Profiles and
//! private aggregates both read files through here; neither ever holds a
//! file in memory.
//!
//! Text cells are typed on the way ([`Cell::infer`]): integers, decimals,
//! booleans, ISO dates and date-times become typed cells, anything else text.

mod readers;

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::distributions::storage::Storage;

pub use readers::read_rows;

/// The most columns read; wider files are profiled on their first columns.
pub const MAX_COLUMNS: usize = 256;
/// Longer text cells are cut to this many characters.
pub const MAX_CELL_CHARS: usize = 200;

/// A tabular format datagate can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TabularFormat {
    Csv,
    Tsv,
    Xlsx,
    Jsonl,
    Parquet,
}

impl TabularFormat {
    /// The format of a distribution from its declared format, media type and
    /// file name; `None` for anything not tabular.
    pub fn detect(format: &str, media_type: &str, file_name: Option<&str>) -> Option<Self> {
        let by_format = match format.to_ascii_uppercase().as_str() {
            "CSV" => Some(Self::Csv),
            "TSV" | "TAB" => Some(Self::Tsv),
            "XLSX" => Some(Self::Xlsx),
            "JSONL" | "NDJSON" | "JSON-LINES" => Some(Self::Jsonl),
            "PARQUET" => Some(Self::Parquet),
            _ => None,
        };
        let by_media = match media_type.split(';').next().unwrap_or_default().trim() {
            "text/csv" => Some(Self::Csv),
            "text/tab-separated-values" => Some(Self::Tsv),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Some(Self::Xlsx),
            "application/x-ndjson" | "application/jsonl" | "application/jsonlines" => Some(Self::Jsonl),
            "application/vnd.apache.parquet" => Some(Self::Parquet),
            _ => None,
        };
        let by_name =
            file_name.and_then(|n| n.rsplit_once('.')).and_then(|(_, ext)| match ext.to_ascii_lowercase().as_str() {
                "csv" => Some(Self::Csv),
                "tsv" | "tab" => Some(Self::Tsv),
                "xlsx" => Some(Self::Xlsx),
                "jsonl" | "ndjson" => Some(Self::Jsonl),
                "parquet" => Some(Self::Parquet),
                _ => None,
            });
        by_format.or(by_media).or(by_name)
    }
}

/// One typed value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Text(String),
}

impl Cell {
    /// Types a text cell: empty (and the usual null markers) → null,
    /// then integer, decimal, boolean, ISO date, ISO date-time, else text.
    pub fn infer(raw: &str) -> Cell {
        let s = raw.trim();
        if s.is_empty() || matches!(s, "NULL" | "null" | "NA" | "N/A" | "\\N") {
            return Cell::Null;
        }
        let first = s.as_bytes()[0];
        if first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.' {
            if let Ok(i) = s.parse::<i64>() {
                // Leading zeros mark codes (postal codes, ids), not numbers.
                let code = s.len() > 1 && s.starts_with('0');
                return if code { Cell::Text(clip(s)) } else { Cell::Int(i) };
            }
            if let Ok(f) = s.parse::<f64>()
                && f.is_finite()
            {
                return Cell::Float(f);
            }
            if s.len() == 10
                && let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
            {
                return Cell::Date(d);
            }
            if s.len() >= 16 {
                for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
                    if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
                        return Cell::DateTime(t);
                    }
                }
                if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
                    return Cell::DateTime(t.naive_utc());
                }
            }
        }
        match s {
            "true" | "TRUE" | "True" => Cell::Bool(true),
            "false" | "FALSE" | "False" => Cell::Bool(false),
            _ => Cell::Text(clip(s)),
        }
    }

    /// The value as a number, for numeric statistics and aggregates: numbers
    /// as they are, dates as days and date-times as seconds since 1970.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Int(i) => Some(*i as f64),
            Cell::Float(f) => Some(*f),
            Cell::Date(d) => Some(days_since_epoch(*d) as f64),
            Cell::DateTime(t) => Some(t.and_utc().timestamp() as f64),
            _ => None,
        }
    }

    /// The value as text, the form in which frequent values are counted and
    /// group keys and filters are compared.
    pub fn to_text(&self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Bool(b) => Some(b.to_string()),
            Cell::Int(i) => Some(i.to_string()),
            Cell::Float(f) => Some(f.to_string()),
            Cell::Date(d) => Some(d.format("%Y-%m-%d").to_string()),
            Cell::DateTime(t) => Some(t.format("%Y-%m-%dT%H:%M:%S").to_string()),
            Cell::Text(s) => Some(s.clone()),
        }
    }
}

pub fn days_since_epoch(d: NaiveDate) -> i64 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days()
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_CELL_CHARS) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the file store failed: {0}")]
    Store(String),
    #[error("the file is not valid {format}: {detail}")]
    Malformed { format: &'static str, detail: String },
    #[error("stopped: {0}")]
    Stopped(String),
}

impl ReadError {
    pub fn malformed(format: &'static str, detail: impl std::fmt::Display) -> Self {
        ReadError::Malformed { format, detail: detail.to_string() }
    }
}

/// What receives the rows of a file.
pub trait RowSink {
    /// The columns, once known (JSON Lines may add columns later: `columns`
    /// is then called again with the longer list).
    fn columns(&mut self, names: &[String]);
    /// One row; `cells[i]` belongs to column `i`, missing trailing cells are null.
    fn row(&mut self, cells: &[Cell]) -> Result<(), ReadError>;
}

/// A hosted file readable from the local disk: the store's own file when the
/// store is the local disk, otherwise a temporary copy streamed from the
/// store (removed when this is dropped). XLSX and Parquet need to seek, and
/// the readers are synchronous, so they read a local file.
pub struct LocalFile {
    pub path: PathBuf,
    _temp: Option<tempfile::TempPath>,
}

impl LocalFile {
    pub async fn fetch(storage: &Storage, key: &str, size: u64, spool_dir: &Path) -> Result<LocalFile, ReadError> {
        if let Some(root) = &storage.local_root {
            return Ok(LocalFile { path: root.join(key), _temp: None });
        }
        std::fs::create_dir_all(spool_dir).map_err(|e| ReadError::Store(e.to_string()))?;
        let temp = tempfile::NamedTempFile::new_in(spool_dir).map_err(|e| ReadError::Store(e.to_string()))?;
        let (file, path) = temp.into_parts();
        let mut file = Some(file);
        let mut stream = storage.read(key, 0..size).await.map_err(|e| ReadError::Store(e.to_string()))?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| ReadError::Store(e.to_string()))?;
            let mut f = file.take().ok_or_else(|| ReadError::Store("spool file lost".into()))?;
            f = actix_web::web::block(move || -> std::io::Result<std::fs::File> {
                use std::io::Write;
                f.write_all(&chunk)?;
                Ok(f)
            })
            .await
            .map_err(|e| ReadError::Store(e.to_string()))?
            .map_err(|e| ReadError::Store(e.to_string()))?;
            file = Some(f);
        }
        Ok(LocalFile { path: path.to_path_buf(), _temp: Some(path) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_typed_conservatively() {
        assert_eq!(Cell::infer(" 42 "), Cell::Int(42));
        assert_eq!(Cell::infer("-3.5"), Cell::Float(-3.5));
        assert_eq!(Cell::infer("007"), Cell::Text("007".into()));
        assert_eq!(Cell::infer(""), Cell::Null);
        assert_eq!(Cell::infer("NA"), Cell::Null);
        assert_eq!(Cell::infer("2024-02-29"), Cell::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()));
        assert!(matches!(Cell::infer("2024-02-29T10:00:00Z"), Cell::DateTime(_)));
        assert!(matches!(Cell::infer("2024-02-29 10:00"), Cell::DateTime(_)));
        assert_eq!(Cell::infer("TRUE"), Cell::Bool(true));
        assert_eq!(Cell::infer("浦东新区"), Cell::Text("浦东新区".into()));
        assert_eq!(Cell::infer("inf"), Cell::Text("inf".into()));
        assert_eq!(Cell::infer(&"长".repeat(500)), Cell::Text("长".repeat(MAX_CELL_CHARS)));
    }

    #[test]
    fn formats_are_detected_from_format_media_type_or_name() {
        assert_eq!(TabularFormat::detect("CSV", "text/csv", None), Some(TabularFormat::Csv));
        assert_eq!(
            TabularFormat::detect("DATA", "application/octet-stream", Some("x.parquet")),
            Some(TabularFormat::Parquet)
        );
        assert_eq!(TabularFormat::detect("JSONL", "application/x-ndjson", None), Some(TabularFormat::Jsonl));
        assert_eq!(TabularFormat::detect("PDF", "application/pdf", Some("a.pdf")), None);
    }
}
