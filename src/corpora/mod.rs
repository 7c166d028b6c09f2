//! The training-corpus catalogue (Measure 7's industry training libraries):
//! text, image, sensor and map corpora for model builders, built on the
//! shared listing machinery, with model-builder metadata, a datasheet,
//! per-modality metadata, lineage to the open list, and Croissant and
//! schema.org exports.

pub mod api;
pub mod croissant;
pub mod crs;
pub mod model;
pub mod publish;
pub mod schema_org;
pub mod syntax;
pub mod synthetic;
pub mod types;
pub mod validate;
pub mod vocab;

use crate::auth::Caller;
use crate::db::DbConn;
use crate::error::{AppError, AppResult, Validator};
use crate::listings::input::{CleanInput, CommonInput};
use crate::listings::search::Visibility;
use crate::listings::service::ListingSpec;
use crate::listings::types::ListingOut;
use crate::listings::{Listing, ListingKind};
use types::{
    CorpusOut, Datasheet, GeoDetails, ImageDetails, Label, ModalitySections, SensorDetails, Split, TextDetails,
};
use vocab::{AnnotationType, Modality};

crate::listing_input!(
    /// A corpus of the training-corpus catalogue, as a publisher submits it:
    /// the fields every listing has (its size is `sample_count`, not
    /// `record_count`), the model-builder metadata, a datasheet, the section
    /// of its modality (`text`, `image`, `sensor` or `geo`; only that one),
    /// and the open-list datasets it was derived from.
    CorpusInput {
        pub modality: Modality,
        /// Number of samples; the splits must add up to it.
        #[serde(default)]
        pub sample_count: Option<i64>,
        /// Total size in bytes.
        #[serde(default)]
        pub total_bytes: Option<i64>,
        /// Named parts, e.g. train / validation / test, with their sample counts.
        #[serde(default)]
        pub splits: Vec<Split>,
        /// BCP 47 tags of the text and annotation languages, e.g. `zh-CN`, `en`.
        #[serde(default)]
        pub languages: Vec<String>,
        #[serde(default)]
        pub annotation_types: Vec<AnnotationType>,
        /// The labels, with descriptions and counts where known.
        #[serde(default)]
        pub label_schema: Vec<Label>,
        #[serde(default)]
        pub datasheet: Datasheet,
        #[serde(default)]
        pub text: Option<TextDetails>,
        #[serde(default)]
        pub image: Option<ImageDetails>,
        #[serde(default)]
        pub sensor: Option<SensorDetails>,
        #[serde(default)]
        pub geo: Option<GeoDetails>,
        /// Ids or names of the open-list datasets the corpus was derived from.
        #[serde(default)]
        pub derived_from: Vec<String>,
        /// Why the corpus may be less restricted than a source (e.g.
        /// de-identified aggregation); without it publishing refuses that.
        #[serde(default)]
        pub lineage_justification: Option<String>,
    }
);

/// The corpus catalogue's kind of listing.
pub struct Corpus;

impl ListingSpec for Corpus {
    const KIND: ListingKind = ListingKind::Corpus;
    type Input = CorpusInput;
    type Output = CorpusOut;

    /// The sample count is stored as the listing's record count, so the shared
    /// `min_record_count` filter and the list's `record_count` apply.
    fn common(input: &CorpusInput) -> CommonInput {
        let mut c = input.common();
        c.record_count = input.sample_count.filter(|n| *n >= 0);
        c
    }

    fn check(
        conn: &mut DbConn,
        caller: &Caller,
        input: &CorpusInput,
        _: &CleanInput,
        v: &mut Validator,
    ) -> AppResult<()> {
        let c = validate::clean(input, v);
        let found = model::resolve_datasets(conn, &c.derived_from, Visibility::of(Some(caller)))?;
        for (key, head) in c.derived_from.iter().zip(&found) {
            if head.is_none() {
                let i = input.derived_from.iter().position(|k| k.trim() == key).unwrap_or(0);
                v.add(format!("derived_from[{i}]"), format!("no dataset {key:?} in the open list"));
            }
        }
        Ok(())
    }

    fn save(conn: &mut DbConn, l: &Listing, input: &CorpusInput) -> AppResult<()> {
        // Checked already; cleaning again yields the normalised form to store.
        let c = validate::clean(input, &mut Validator::new());
        let sources = model::resolve_datasets(conn, &c.derived_from, Visibility::Everything)?;
        let ids: Vec<_> = sources.into_iter().flatten().map(|h| h.id).collect();
        model::save(conn, l.id, &c, &ids)
    }

    fn input_of(conn: &mut DbConn, l: &Listing, mut common: CommonInput) -> AppResult<CorpusInput> {
        let row = model::get(conn, l.id)?;
        let sources = model::sources_of(conn, l.id)?;
        common.record_count = None;
        let ModalitySections { text, image, sensor, geo } = row.details.0;
        Ok(CorpusInput::from_parts(
            common,
            row.modality,
            l.record_count,
            row.total_bytes,
            row.splits.0,
            row.languages.0,
            row.annotation_types.0,
            row.label_schema.0,
            row.datasheet.0,
            text,
            image,
            sensor,
            geo,
            sources.iter().map(|s| s.id.to_string()).collect(),
            row.lineage_justification,
        ))
    }

    fn present(conn: &mut DbConn, l: &Listing, base: ListingOut, visibility: Visibility) -> AppResult<CorpusOut> {
        let row = model::get(conn, l.id)?;
        let derived_from = model::sources_of(conn, l.id)?
            .iter()
            .filter(|s| visibility.sees(s.status, s.bureau_id))
            .map(|s| s.lineage_ref())
            .collect();
        Ok(corpus_out(l, base, row, derived_from))
    }
}

fn corpus_out(l: &Listing, base: ListingOut, row: model::CorpusRow, derived_from: Vec<types::LineageRef>) -> CorpusOut {
    let ModalitySections { text, image, sensor, geo } = row.details.0;
    CorpusOut {
        listing: base,
        modality: row.modality,
        sample_count: l.record_count,
        total_bytes: row.total_bytes,
        splits: row.splits.0,
        languages: row.languages.0,
        annotation_types: row.annotation_types.0,
        label_schema: row.label_schema.0,
        datasheet: row.datasheet.0,
        text,
        image,
        sensor,
        geo,
        derived_from,
        lineage_justification: row.lineage_justification,
    }
}

/// A corpus by id or name with its row, if the visibility allows it.
pub fn find_visible(conn: &mut DbConn, key: &str, visibility: Visibility) -> AppResult<(Listing, model::CorpusRow)> {
    let l = crate::listings::model::find(conn, ListingKind::Corpus, key)?
        .filter(|l| visibility.sees(l.status, l.bureau_id))
        .ok_or_else(|| AppError::not_found("corpus"))?;
    let row = model::get(conn, l.id)?;
    Ok((l, row))
}
