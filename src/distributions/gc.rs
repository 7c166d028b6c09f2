//! `datagate storage gc`: finds what interrupted uploads left in the file
//! store, and files no distribution refers to any more.
//!
//! An upload streams into `staging/<uuid>` and is renamed to
//! `objects/<sha>` only when complete, and a distribution points at it only
//! after that; so a process killed mid-upload leaves a staged object (or, on
//! the local disk, `object_store`'s hidden temporary `staging/<uuid>#N`
//! file) that nothing refers to. Those are *partial* and safe to delete once
//! older than any upload still in flight (`--min-age`). A complete object no
//! live distribution points at (a replaced or removed file) is
//! *unreferenced*: reported, and deleted only on request.

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use futures_util::StreamExt;
use object_store::ObjectStoreExt;
use object_store::path::Path as ObjectPath;

use super::storage::{OBJECTS, STAGING, Storage};
use crate::db::Db;
use crate::db::schema::distributions;

/// What a run looks at and may remove.
#[derive(Debug, Clone)]
pub struct GcOptions {
    pub delete_partial: bool,
    pub delete_unreferenced: bool,
    /// Younger files are left alone: an upload may still be writing them,
    /// or a distribution be about to point at them.
    pub min_age: Duration,
}

/// One file found.
#[derive(Debug, Clone)]
pub struct Found {
    pub key: String,
    pub size: u64,
    pub age: Duration,
    pub removed: bool,
}

#[derive(Debug, Default)]
pub struct GcReport {
    pub partial: Vec<Found>,
    pub unreferenced: Vec<Found>,
    /// Keys live distributions point at that the store does not hold.
    pub missing: Vec<String>,
}

fn age_of(t: chrono::DateTime<Utc>) -> Duration {
    (Utc::now() - t).to_std().unwrap_or_default()
}

/// Object keys of live distributions (`Some(key)` filters to that key).
fn referenced(db: &Db, only: Option<&str>) -> Result<HashSet<String>, String> {
    let mut conn = db.get().map_err(|e| e.to_string())?;
    let mut q = distributions::table
        .filter(distributions::removed_at.is_null())
        .filter(distributions::object_key.is_not_null())
        .select(distributions::object_key)
        .into_boxed();
    if let Some(key) = only {
        q = q.filter(distributions::object_key.eq(key.to_string()));
    }
    let keys: Vec<Option<String>> = q.load(&mut *conn).map_err(|e| e.to_string())?;
    Ok(keys.into_iter().flatten().collect())
}

/// Lists the objects under `prefix`.
async fn list(storage: &Storage, prefix: &str) -> Result<Vec<object_store::ObjectMeta>, String> {
    let mut out = Vec::new();
    let mut stream = storage.store().list(Some(&ObjectPath::from(prefix)));
    while let Some(meta) = stream.next().await {
        out.push(meta.map_err(|e| format!("listing {prefix}/: {e}"))?);
    }
    Ok(out)
}

/// The local store's hidden temporary files (`name#N`) under `staging/`.
fn local_temporaries(storage: &Storage) -> Result<Vec<(std::path::PathBuf, Found)>, String> {
    let Some(root) = &storage.local_root else { return Ok(Vec::new()) };
    let dir = root.join(STAGING);
    let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() || !name.contains('#') {
            continue;
        }
        let age = meta.modified().ok().and_then(|m| m.elapsed().ok()).unwrap_or_default();
        let found = Found { key: format!("{STAGING}/{name}"), size: meta.len(), age, removed: false };
        out.push((entry.path(), found));
    }
    Ok(out)
}

/// Scans the store and removes what the options allow.
pub async fn run(storage: &Storage, db: &Db, opts: &GcOptions) -> Result<GcReport, String> {
    let mut report = GcReport::default();
    for (path, mut found) in local_temporaries(storage)? {
        if opts.delete_partial && found.age >= opts.min_age {
            std::fs::remove_file(&path).map_err(|e| format!("removing {}: {e}", path.display()))?;
            found.removed = true;
        }
        report.partial.push(found);
    }
    for meta in list(storage, STAGING).await? {
        let mut found =
            Found { key: meta.location.to_string(), size: meta.size, age: age_of(meta.last_modified), removed: false };
        if opts.delete_partial && found.age >= opts.min_age {
            storage.store().delete(&meta.location).await.map_err(|e| format!("removing {}: {e}", found.key))?;
            found.removed = true;
        }
        report.partial.push(found);
    }
    let live = referenced(db, None)?;
    let mut stored = HashSet::new();
    for meta in list(storage, OBJECTS).await? {
        let key = meta.location.to_string();
        stored.insert(key.clone());
        if live.contains(&key) {
            continue;
        }
        let mut found = Found { key, size: meta.size, age: age_of(meta.last_modified), removed: false };
        // Checked again just before deleting: an identical upload may have
        // been attached to a distribution since the scan began.
        if opts.delete_unreferenced && found.age >= opts.min_age && referenced(db, Some(&found.key))?.is_empty() {
            storage.store().delete(&meta.location).await.map_err(|e| format!("removing {}: {e}", found.key))?;
            found.removed = true;
        }
        report.unreferenced.push(found);
    }
    report.missing = live.into_iter().filter(|k| !stored.contains(k)).collect();
    report.missing.sort();
    Ok(report)
}

/// The report as the command prints it: one line per file, then a summary.
pub fn render(report: &GcReport, opts: &GcOptions) -> String {
    let mut out = String::new();
    let line = |out: &mut String, what: &str, f: &Found| {
        let state = if f.removed { "removed" } else { "kept" };
        out.push_str(&format!("{what}\t{}\t{} bytes\t{} s old\t{state}\n", f.key, f.size, f.age.as_secs()));
    };
    for f in &report.partial {
        line(&mut out, "partial", f);
    }
    for f in &report.unreferenced {
        line(&mut out, "unreferenced", f);
    }
    for k in &report.missing {
        out.push_str(&format!("missing\t{k}\t(a live distribution points at it)\n"));
    }
    let bytes = |v: &[Found]| v.iter().map(|f| f.size).sum::<u64>();
    let removed = report.partial.iter().chain(&report.unreferenced).filter(|f| f.removed).count();
    out.push_str(&format!(
        "{} partial upload(s) ({} bytes), {} unreferenced file(s) ({} bytes), {} missing file(s); removed {removed}",
        report.partial.len(),
        bytes(&report.partial),
        report.unreferenced.len(),
        bytes(&report.unreferenced),
        report.missing.len(),
    ));
    if !opts.delete_partial && !opts.delete_unreferenced {
        out.push_str(" (dry run: --delete removes partial uploads, --delete-unreferenced unreferenced files)");
    }
    out.push('\n');
    out
}
