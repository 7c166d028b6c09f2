//! Checking a corpus's own fields, per modality, and the rules that must hold
//! before one is published. Field rules (syntax, units, sums, known codes)
//! apply to every draft; presence rules apply at publish.

use std::collections::HashSet;

use super::CorpusInput;
use super::crs;
use super::syntax::{bcp47, is_review_number, is_time_zone, iso_duration_seconds};
use super::types::{
    BoundingBox, Datasheet, GeoDetails, ImageDetails, Label, ModalitySections, SensorDetails, Split, TextDetails,
};
use super::vocab::{AnnotationType, Modality, image_format, text_encoding};
use crate::error::Validator;

pub const MAX_SPLITS: usize = 20;
pub const MAX_LABELS: usize = 2000;
pub const MAX_SOURCES: usize = 50;
pub const MAX_LANGUAGES: usize = 30;
const SECTION_CHARS: usize = 5000;

/// A corpus's own fields, checked and normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanCorpus {
    pub modality: Modality,
    pub sample_count: Option<i64>,
    pub total_bytes: Option<i64>,
    pub splits: Vec<Split>,
    pub languages: Vec<String>,
    pub annotation_types: Vec<AnnotationType>,
    pub label_schema: Vec<Label>,
    pub datasheet: Datasheet,
    pub sections: ModalitySections,
    /// Dataset ids or names, as given, without duplicates.
    pub derived_from: Vec<String>,
    pub lineage_justification: Option<String>,
}

/// Checks every corpus field, reporting all problems at once.
pub fn clean(input: &CorpusInput, v: &mut Validator) -> CleanCorpus {
    if let Some(n) = input.sample_count {
        v.check(n >= 0, "sample_count", "must not be negative");
    }
    if let (Some(r), s) = (input.record_count, input.sample_count) {
        v.check(Some(r) == s, "record_count", "a corpus states its size as sample_count; leave record_count out");
    }
    if let Some(n) = input.total_bytes {
        v.check(n >= 0, "total_bytes", "must not be negative");
    }
    let splits = clean_splits(&input.splits, input.sample_count, v);
    v.check(input.languages.len() <= MAX_LANGUAGES, "languages", format!("at most {MAX_LANGUAGES} languages"));
    let mut languages: Vec<String> = Vec::new();
    for (i, tag) in input.languages.iter().enumerate() {
        match bcp47(tag) {
            Some(t) if !languages.contains(&t) => languages.push(t),
            Some(_) => {}
            None => v.add(
                format!("languages[{i}]"),
                format!("{tag:?} is not a BCP 47 language tag (e.g. zh-CN, zh-Hans, en, en-GB)"),
            ),
        }
    }
    let mut annotation_types = Vec::new();
    for t in &input.annotation_types {
        if !annotation_types.contains(t) {
            annotation_types.push(*t);
        }
    }
    let label_schema = clean_labels(&input.label_schema, v);
    if !label_schema.is_empty() {
        v.check(
            !annotation_types.is_empty(),
            "annotation_types",
            "a label schema belongs to annotations: name their types (e.g. detection_boxes)",
        );
    }
    let datasheet = clean_datasheet(&input.datasheet, v);
    let sections = clean_sections(input, v);
    v.check(input.derived_from.len() <= MAX_SOURCES, "derived_from", format!("at most {MAX_SOURCES} source datasets"));
    let mut derived_from: Vec<String> = Vec::new();
    for (i, key) in input.derived_from.iter().enumerate() {
        let key = key.trim().to_string();
        if key.is_empty() {
            v.add(format!("derived_from[{i}]"), "must name a dataset by id or name");
        } else if derived_from.contains(&key) {
            v.add(format!("derived_from[{i}]"), format!("{key:?} appears twice"));
        } else {
            derived_from.push(key);
        }
    }
    let lineage_justification = v.opt_text("lineage_justification", input.lineage_justification.as_deref(), 2000);
    CleanCorpus {
        modality: input.modality,
        sample_count: input.sample_count,
        total_bytes: input.total_bytes,
        splits,
        languages,
        annotation_types,
        label_schema,
        datasheet,
        sections,
        derived_from,
        lineage_justification,
    }
}

fn clean_splits(splits: &[Split], sample_count: Option<i64>, v: &mut Validator) -> Vec<Split> {
    v.check(splits.len() <= MAX_SPLITS, "splits", format!("at most {MAX_SPLITS} splits"));
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, s) in splits.iter().enumerate() {
        let name = s.name.trim().to_string();
        let ok = (1..=40).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        v.check(ok, format!("splits[{i}].name"), "must be 1–40 lower-case letters, digits, _ and - (e.g. train)");
        v.check(seen.insert(name.clone()), format!("splits[{i}].name"), format!("{name:?} appears twice"));
        v.check(s.sample_count >= 0, format!("splits[{i}].sample_count"), "must not be negative");
        let description = v.opt_text(&format!("splits[{i}].description"), s.description.as_deref(), 500);
        out.push(Split { name, sample_count: s.sample_count, description });
    }
    if !out.is_empty() {
        let sum = out.iter().try_fold(0i64, |sum, s| sum.checked_add(s.sample_count.max(0)));
        match (sample_count, sum) {
            (_, None) => v.add("splits", "the split sample counts add up to more than any sample count can be"),
            (None, _) => v.add("sample_count", "is required when splits are given (the splits must add up to it)"),
            (Some(n), Some(sum)) if n != sum => v.add(
                "splits",
                format!("the split sample counts add up to {sum}, but sample_count is {n}; they must be equal"),
            ),
            _ => {}
        }
    }
    out
}

fn clean_labels(labels: &[Label], v: &mut Validator) -> Vec<Label> {
    v.check(labels.len() <= MAX_LABELS, "label_schema", format!("at most {MAX_LABELS} labels"));
    let mut seen = HashSet::new();
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let f = |x: &str| format!("label_schema[{i}].{x}");
            let name = v.text(&f("name"), &l.name, 100);
            v.check(seen.insert(name.clone()), f("name"), format!("{name:?} appears twice"));
            if let Some(n) = l.count {
                v.check(n >= 0, f("count"), "must not be negative");
            }
            Label {
                name,
                label: v.opt_text(&f("label"), l.label.as_deref(), 100),
                description: v.opt_text(&f("description"), l.description.as_deref(), 1000),
                count: l.count,
            }
        })
        .collect()
}

fn clean_datasheet(d: &Datasheet, v: &mut Validator) -> Datasheet {
    let mut t =
        |name: &str, value: &Option<String>| v.opt_text(&format!("datasheet.{name}"), value.as_deref(), SECTION_CHARS);
    let out = Datasheet {
        motivation: t("motivation", &d.motivation),
        composition: t("composition", &d.composition),
        collection_method: t("collection_method", &d.collection_method),
        collection_start: d.collection_start,
        collection_end: d.collection_end,
        preprocessing: t("preprocessing", &d.preprocessing),
        annotation_protocol: t("annotation_protocol", &d.annotation_protocol),
        personal_information: t("personal_information", &d.personal_information),
        biases: t("biases", &d.biases),
        limitations: t("limitations", &d.limitations),
        intended_uses: t("intended_uses", &d.intended_uses),
        out_of_scope_uses: t("out_of_scope_uses", &d.out_of_scope_uses),
        maintenance: t("maintenance", &d.maintenance),
    };
    if let (Some(a), Some(b)) = (d.collection_start, d.collection_end) {
        v.check(b >= a, "datasheet.collection_end", "must not be before collection_start");
    }
    out
}

/// Only the modality's own section may be present; it is checked by its rules.
fn clean_sections(input: &CorpusInput, v: &mut Validator) -> ModalitySections {
    let m = input.modality;
    let present = [
        ("text", input.text.is_some(), Modality::Text),
        ("image", input.image.is_some(), Modality::Image),
        ("sensor", input.sensor.is_some(), Modality::Sensor),
        ("geo", input.geo.is_some(), Modality::Geo),
    ];
    for (field, is_set, owner) in present {
        if is_set && owner != m {
            v.add(field, format!("a {m} corpus has no {field} section; describe it under {}", m.as_str()));
        }
    }
    match m {
        Modality::Text => {
            ModalitySections { text: input.text.as_ref().map(|t| clean_text(t, v)), ..Default::default() }
        }
        Modality::Image => {
            ModalitySections { image: input.image.as_ref().map(|t| clean_image(t, v)), ..Default::default() }
        }
        Modality::Sensor => {
            ModalitySections { sensor: input.sensor.as_ref().map(|t| clean_sensor(t, v)), ..Default::default() }
        }
        Modality::Geo => ModalitySections { geo: input.geo.as_ref().map(|t| clean_geo(t, v)), ..Default::default() },
    }
}

fn non_negative(v: &mut Validator, field: &str, n: Option<i64>) {
    if let Some(n) = n {
        v.check(n >= 0, field, "must not be negative");
    }
}

fn text_list(v: &mut Validator, field: &str, items: &[String], max_items: usize, max_chars: usize) -> Vec<String> {
    v.check(items.len() <= max_items, field, format!("at most {max_items} entries"));
    let mut out: Vec<String> = Vec::new();
    for (i, s) in items.iter().enumerate() {
        let s = v.text(&format!("{field}[{i}]"), s, max_chars);
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn clean_text(t: &TextDetails, v: &mut Validator) -> TextDetails {
    non_negative(v, "text.char_count", t.char_count);
    non_negative(v, "text.token_count", t.token_count);
    let encoding = t.encoding.as_deref().map(|e| {
        text_encoding(e).map(str::to_string).unwrap_or_else(|| {
            v.add("text.encoding", format!("{e:?} is not an encoding datagate knows (e.g. UTF-8, GB18030, GBK, Big5)"));
            e.to_string()
        })
    });
    TextDetails {
        char_count: t.char_count,
        token_count: t.token_count,
        tokenizer: v.opt_text("text.tokenizer", t.tokenizer.as_deref(), 200),
        genres: text_list(v, "text.genres", &t.genres, 20, 100),
        encoding,
    }
}

fn clean_image(t: &ImageDetails, v: &mut Validator) -> ImageDetails {
    non_negative(v, "image.image_count", t.image_count);
    if let Some(r) = &t.resolution {
        let all_positive = [r.min_width, r.min_height, r.max_width, r.max_height].iter().all(|n| *n > 0);
        v.check(all_positive, "image.resolution", "widths and heights are positive numbers of pixels");
        v.check(r.min_width <= r.max_width, "image.resolution.min_width", "must not exceed max_width");
        v.check(r.min_height <= r.max_height, "image.resolution.min_height", "must not exceed max_height");
    }
    let mut file_formats: Vec<String> = Vec::new();
    for (i, f) in t.file_formats.iter().enumerate() {
        match image_format(f) {
            Some(c) if !file_formats.iter().any(|x| x == c) => file_formats.push(c.to_string()),
            Some(_) => {}
            None => v.add(
                format!("image.file_formats[{i}]"),
                format!("{f:?} is not an image format datagate knows (e.g. JPEG, PNG, TIFF, GeoTIFF, WebP, DICOM)"),
            ),
        }
    }
    ImageDetails { file_formats, ..t.clone() }
}

fn clean_sensor(t: &SensorDetails, v: &mut Validator) -> SensorDetails {
    let sensor_types = text_list(v, "sensor.sensor_types", &t.sensor_types, 50, 200);
    v.check(t.measured_quantities.len() <= 200, "sensor.measured_quantities", "at most 200 quantities");
    let mut seen = HashSet::new();
    let mut measured_quantities = Vec::new();
    for (i, q) in t.measured_quantities.iter().enumerate() {
        let f = |x: &str| format!("sensor.measured_quantities[{i}].{x}");
        let name = v.text(&f("name"), &q.name, 64);
        v.check(seen.insert(name.clone()), f("name"), format!("{name:?} appears twice"));
        let unit = v.opt_text(&f("unit"), q.unit.as_deref(), 30);
        v.check(
            unit.is_some(),
            f("unit"),
            "every measured quantity needs its unit (e.g. μg/m³, °C, dB(A); 1 for a dimensionless quantity)",
        );
        measured_quantities.push(super::types::MeasuredQuantity {
            name,
            label: v.opt_text(&f("label"), q.label.as_deref(), 100),
            unit,
            description: v.opt_text(&f("description"), q.description.as_deref(), 1000),
        });
    }
    let sampling_interval = t.sampling_interval.as_deref().map(str::trim).map(|s| {
        v.check(
            iso_duration_seconds(s).is_some_and(|secs| secs > 0.0),
            "sensor.sampling_interval",
            format!("{s:?} is not an ISO 8601 duration (e.g. PT1H, PT5M, PT30S, P1D)"),
        );
        s.to_ascii_uppercase()
    });
    if let Some(n) = t.station_count {
        v.check(n > 0, "sensor.station_count", "must be at least 1");
    }
    if let Some(b) = &t.spatial_extent {
        check_bbox(v, "sensor.spatial_extent", b);
    }
    let time_zone = t.time_zone.as_deref().map(str::trim).map(|z| {
        v.check(
            is_time_zone(z),
            "sensor.time_zone",
            format!("{z:?} is not a time zone (e.g. Asia/Shanghai, UTC, +08:00)"),
        );
        z.to_string()
    });
    SensorDetails {
        sensor_types,
        measured_quantities,
        sampling_interval,
        station_count: t.station_count,
        spatial_extent: t.spatial_extent,
        time_zone,
    }
}

fn clean_geo(t: &GeoDetails, v: &mut Validator) -> GeoDetails {
    let crs = t.crs.as_deref().map(|c| match crs::parse(c) {
        Ok(parsed) => parsed.id(),
        Err(e) => {
            v.add("geo.crs", e);
            c.to_string()
        }
    });
    if let Some(b) = &t.bbox {
        check_bbox(v, "geo.bbox", b);
    }
    if let Some(n) = t.scale_denominator {
        v.check(n > 0, "geo.scale_denominator", "must be positive (1:N)");
    }
    if let Some(r) = t.ground_resolution_m {
        v.check(r.is_finite() && r > 0.0, "geo.ground_resolution_m", "must be a positive number of metres");
    }
    let mut geometry_types = Vec::new();
    for g in &t.geometry_types {
        if !geometry_types.contains(g) {
            geometry_types.push(*g);
        }
    }
    let review_number = t.review_number.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(|r| {
        v.check(
            is_review_number(r),
            "geo.review_number",
            format!("{r:?} is not a map review number (审图号) such as 沪S（2025）036号 or GS（2024）1234号"),
        );
        r.to_string()
    });
    GeoDetails {
        crs,
        bbox: t.bbox,
        scale_denominator: t.scale_denominator,
        ground_resolution_m: t.ground_resolution_m,
        geometry_types,
        map_product: t.map_product,
        review_number,
    }
}

fn check_bbox(v: &mut Validator, field: &str, b: &BoundingBox) {
    let finite = [b.west, b.south, b.east, b.north].iter().all(|x| x.is_finite());
    v.check(
        finite && (-180.0..=180.0).contains(&b.west) && (-180.0..=180.0).contains(&b.east),
        format!("{field}.west"),
        "longitudes lie between -180 and 180",
    );
    v.check(
        finite && (-90.0..=90.0).contains(&b.south) && (-90.0..=90.0).contains(&b.north),
        format!("{field}.south"),
        "latitudes lie between -90 and 90",
    );
    v.check(b.west < b.east, format!("{field}.east"), "must be east of west");
    v.check(b.south < b.north, format!("{field}.north"), "must be north of south");
}
