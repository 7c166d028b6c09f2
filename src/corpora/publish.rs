//! What must hold before a corpus is published, beyond what every listing
//! needs: the datasheet sections that feed Croissant's RAI fields, the
//! modality's own metadata (a map product's review number among it), and the
//! lineage restriction rule.

use super::model::{self, CorpusRow};
use super::vocab::Modality;
use crate::db::DbConn;
use crate::error::{AppResult, Validator};
use crate::listings::openlist::open_condition_zh;
use crate::listings::{Listing, ListingStatus};

pub fn checks(conn: &mut DbConn, l: &Listing, v: &mut Validator) -> AppResult<()> {
    let row = model::get(conn, l.id)?;
    v.check(l.record_count.is_some(), "sample_count", "is required to publish");
    let ds = &row.datasheet.0;
    v.check(ds.collection_method.is_some(), "datasheet.collection_method", "is required to publish");
    v.check(
        ds.personal_information.is_some(),
        "datasheet.personal_information",
        "is required to publish: say how personal information was removed or protected, or that there was none",
    );
    v.check(ds.limitations.is_some(), "datasheet.limitations", "is required to publish");
    modality_checks(&row, v);
    lineage_checks(conn, l, &row, v)
}

fn modality_checks(row: &CorpusRow, v: &mut Validator) {
    let d = &row.details.0;
    let m = row.modality;
    let missing = |v: &mut Validator, field: &str| v.add(field, format!("is required to publish a {m} corpus"));
    match m {
        Modality::Text => {
            let Some(t) = &d.text else { return missing(v, "text") };
            v.check(!row.languages.0.is_empty(), "languages", "a text corpus names its language(s) to publish");
            v.check(
                t.char_count.is_some() || t.token_count.is_some(),
                "text.char_count",
                "give char_count or token_count to publish",
            );
            if t.encoding.is_none() {
                missing(v, "text.encoding");
            }
        }
        Modality::Image => {
            let Some(i) = &d.image else { return missing(v, "image") };
            if i.image_count.is_none() {
                missing(v, "image.image_count");
            }
            if i.file_formats.is_empty() {
                missing(v, "image.file_formats");
            }
            v.check(
                row.annotation_types.0.is_empty() || i.annotation_format.is_some(),
                "image.annotation_format",
                "an annotated image corpus says how its annotations are encoded (coco, pascal_voc, yolo, …)",
            );
        }
        Modality::Sensor => {
            let Some(s) = &d.sensor else { return missing(v, "sensor") };
            if s.measured_quantities.is_empty() {
                missing(v, "sensor.measured_quantities");
            }
            if s.sampling_interval.is_none() {
                missing(v, "sensor.sampling_interval");
            }
            if s.time_zone.is_none() {
                missing(v, "sensor.time_zone");
            }
            if s.station_count.is_none() {
                missing(v, "sensor.station_count");
            }
        }
        Modality::Geo => {
            let Some(g) = &d.geo else { return missing(v, "geo") };
            if g.crs.is_none() {
                missing(v, "geo.crs");
            }
            if g.bbox.is_none() {
                missing(v, "geo.bbox");
            }
            v.check(
                g.scale_denominator.is_some() || g.ground_resolution_m.is_some(),
                "geo.scale_denominator",
                "give the scale (scale_denominator) or the ground resolution (ground_resolution_m) to publish",
            );
            if g.geometry_types.is_empty() {
                missing(v, "geo.geometry_types");
            }
            v.check(
                !g.map_product || g.review_number.is_some(),
                "geo.review_number",
                "a map product cannot be published without its map review number (审图号), e.g. 沪S（2025）036号",
            );
        }
    }
}

/// Sources must be public, and the corpus no less restricted than any of
/// them unless a justification is recorded.
fn lineage_checks(conn: &mut DbConn, l: &Listing, row: &CorpusRow, v: &mut Validator) -> AppResult<()> {
    for (i, source) in model::sources_of(conn, l.id)?.iter().enumerate() {
        v.check(
            source.status != ListingStatus::Draft,
            format!("derived_from[{i}]"),
            format!("the source dataset {} is still a draft; publish it first", source.name),
        );
        let looser = l.open_condition.restriction() < source.open_condition.restriction();
        if looser && row.lineage_justification.is_none() {
            v.add(
                "lineage_justification",
                format!(
                    "the corpus is {} ({}) but its source dataset {} is {} ({}); a corpus may be less restricted than \
                     its sources only with a recorded justification (e.g. de-identified aggregation), or make it {}",
                    l.open_condition,
                    open_condition_zh(l.open_condition),
                    source.name,
                    source.open_condition,
                    open_condition_zh(source.open_condition),
                    source.open_condition,
                ),
            );
        }
    }
    Ok(())
}
