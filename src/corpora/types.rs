//! The parts of a corpus a publisher describes and the API returns: splits,
//! labels, the datasheet, the modality sections, and lineage references.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::vocab::{AnnotationFormat, AnnotationType, ColourMode, GeometryType, Modality};
use crate::listings::types::ListingOut;
use crate::listings::{ListingId, ListingKind, ListingStatus, OpenCondition};

/// A named part of the corpus, e.g. `train`, `validation`, `test`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Split {
    #[schema(example = "train")]
    pub name: String,
    pub sample_count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One label of the label schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// Machine name, e.g. `pedestrian`.
    #[schema(example = "pedestrian")]
    pub name: String,
    /// Chinese label, e.g. 行人.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How many annotations carry it, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

/// The sections of a datasheet for datasets; they feed Croissant's RAI fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Datasheet {
    /// Why the corpus was built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motivation: Option<String>,
    /// What the samples are and how they are organised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composition: Option<String>,
    /// How the data was collected (required to publish).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection_start: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection_end: Option<NaiveDate>,
    /// Cleaning, de-duplication, filtering, format conversion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preprocessing: Option<String>,
    /// Who annotated, with which guidelines, and how quality was checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation_protocol: Option<String>,
    /// How personal information was removed or protected (required to publish).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_information: Option<String>,
    /// Known biases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biases: Option<String>,
    /// Known limitations (required to publish).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limitations: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intended_uses: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_scope_uses: Option<String>,
    /// Who maintains it, how often it is updated, how errors are reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<String>,
}

/// A text corpus (`modality: text`). Its languages are the corpus's `languages`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextDetails {
    /// Characters in the corpus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub char_count: Option<i64>,
    /// Tokens in the corpus, counted with `tokenizer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokenizer: Option<String>,
    /// Genres or source types, e.g. 法律法规, news, medical records (de-identified).
    #[serde(default)]
    pub genres: Vec<String>,
    /// Character encoding, e.g. `UTF-8`, `GB18030`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "UTF-8")]
    pub encoding: Option<String>,
}

/// Image sizes in pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    pub min_width: i64,
    pub min_height: i64,
    pub max_width: i64,
    pub max_height: i64,
}

/// An image corpus (`modality: image`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour_mode: Option<ColourMode>,
    /// e.g. `JPEG`, `PNG`, `GeoTIFF`.
    #[serde(default)]
    pub file_formats: Vec<String>,
    /// How the annotations are encoded (required when there are annotation types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation_format: Option<AnnotationFormat>,
}

/// A quantity a sensor measures; the unit is required (`1` for dimensionless).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasuredQuantity {
    #[schema(example = "pm2_5")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "PM2.5")]
    pub label: Option<String>,
    /// UCUM or customary symbol, e.g. `μg/m³`, `°C`, `dB(A)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "μg/m³")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A longitude/latitude box in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoundingBox {
    #[schema(example = 120.85)]
    pub west: f64,
    #[schema(example = 30.67)]
    pub south: f64,
    #[schema(example = 122.2)]
    pub east: f64,
    #[schema(example = 31.88)]
    pub north: f64,
}

/// An environmental-sensing corpus (`modality: sensor`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SensorDetails {
    /// e.g. β-ray attenuation PM monitor, chemiluminescence NOx analyser.
    #[serde(default)]
    pub sensor_types: Vec<String>,
    #[serde(default)]
    pub measured_quantities: Vec<MeasuredQuantity>,
    /// ISO 8601 duration between readings, e.g. `PT1H`, `PT5M`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "PT1H")]
    pub sampling_interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station_count: Option<i64>,
    /// The stations' extent, WGS 84 degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spatial_extent: Option<BoundingBox>,
    /// IANA time zone of the timestamps (e.g. `Asia/Shanghai`), `UTC`, or an offset `+08:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Asia/Shanghai")]
    pub time_zone: Option<String>,
}

/// A map and location corpus (`modality: geo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GeoDetails {
    /// `EPSG:<code>` where one exists (CGCS2000 = `EPSG:4490`, WGS 84 =
    /// `EPSG:4326`); `GCJ-02` or `BD-09` named explicitly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "EPSG:4490")]
    pub crs: Option<String>,
    /// The extent in longitude/latitude degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<BoundingBox>,
    /// Map scale 1:N, for vector data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 10000)]
    pub scale_denominator: Option<i64>,
    /// Metres per pixel, for raster data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground_resolution_m: Option<f64>,
    #[serde(default)]
    pub geometry_types: Vec<GeometryType>,
    /// A map product (地图产品) needs a map review number before it is published.
    #[serde(default)]
    pub map_product: bool,
    /// The map review number (审图号), e.g. `沪S（2025）036号` or `GS（2024）1234号`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "沪S（2025）036号")]
    pub review_number: Option<String>,
}

/// The modality section of a corpus: exactly the one of its modality.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModalitySections {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensor: Option<SensorDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<GeoDetails>,
}

/// Another listing in a lineage: a corpus's source dataset, or a corpus
/// derived from a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LineageRef {
    pub id: ListingId,
    pub kind: ListingKind,
    pub name: String,
    pub title: String,
    pub title_en: Option<String>,
    pub open_condition: OpenCondition,
    pub status: ListingStatus,
    /// For corpora.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modality: Option<Modality>,
}

/// A corpus with everything about it: the listing, the model-builder
/// metadata, its modality section and its lineage.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CorpusOut {
    #[serde(flatten)]
    pub listing: ListingOut,
    pub modality: Modality,
    /// Number of samples (also the listing's `record_count`).
    pub sample_count: Option<i64>,
    /// Total size of the corpus in bytes.
    pub total_bytes: Option<i64>,
    pub splits: Vec<Split>,
    /// BCP 47 tags of the text and annotation languages.
    pub languages: Vec<String>,
    pub annotation_types: Vec<AnnotationType>,
    pub label_schema: Vec<Label>,
    pub datasheet: Datasheet,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<TextDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensor: Option<SensorDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo: Option<GeoDetails>,
    /// The open-list datasets it was derived from (those the caller may see).
    pub derived_from: Vec<LineageRef>,
    /// Why it may be less restricted than a source, where it is.
    pub lineage_justification: Option<String>,
}
