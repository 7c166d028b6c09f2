//! Plausible synthetic corpora for load tests (`datagate demo --scale N`):
//! deterministic in (index, seed), of every modality, valid and complete
//! enough to publish once a distribution is added. The caller sets
//! `bureau_id` and `derived_from` as it needs.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::CorpusInput;
use super::types::{
    BoundingBox, Datasheet, GeoDetails, ImageDetails, Label, MeasuredQuantity, Resolution, SensorDetails, Split,
    TextDetails,
};
use super::vocab::{AnnotationFormat, AnnotationType, ColourMode, GeometryType, Modality};
use crate::listings::input::CommonInput;
use crate::listings::{DataItem, DataType, OpenCondition, UpdateFrequency};

const SUBJECTS: &[(&str, &str, &str)] = &[
    ("education", "课堂教学", "classroom teaching"),
    ("healthcare", "门诊病历", "outpatient records"),
    ("tourism", "景区游览", "scenic-area visits"),
    ("transport", "道路交通", "road traffic"),
    ("environment", "生态环境", "the environment"),
    ("urban_planning", "城市规划", "urban planning"),
    ("culture", "文博场馆", "museums and heritage"),
    ("meteorology", "气象观测", "weather observation"),
];

fn item(name: &str, label: &str, t: DataType, description: &str) -> DataItem {
    DataItem {
        name: name.into(),
        label: label.into(),
        data_type: t,
        description: Some(description.into()),
        unit: None,
        personal: false,
    }
}

/// The `index`-th synthetic corpus of a run seeded with `seed`.
pub fn synthetic_input(index: u64, seed: u64) -> CorpusInput {
    let mut rng = StdRng::seed_from_u64(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let (domain, zh, en) = SUBJECTS[(index % SUBJECTS.len() as u64) as usize];
    let modality = Modality::ALL[(index % Modality::ALL.len() as u64) as usize];
    let samples: i64 = rng.gen_range(1_000..2_000_000);
    let train = samples * 8 / 10;
    let validation = samples / 10;
    let splits = vec![
        Split { name: "train".into(), sample_count: train, description: None },
        Split { name: "validation".into(), sample_count: validation, description: None },
        Split { name: "test".into(), sample_count: samples - train - validation, description: None },
    ];
    let conditional = rng.gen_bool(0.3);
    let common = CommonInput {
        name: format!("synthetic-{}-corpus-{seed:x}-{index}", modality.as_str()),
        title: format!("{zh}{}训练语料（合成 {index}）", modality.label_zh()),
        title_en: Some(format!("Synthetic {} corpus on {en} #{index}", modality.label_en())),
        summary: Some(format!("用于压力测试的合成{zh}语料，共 {samples} 个样本。")),
        summary_en: Some(format!("A synthetic corpus on {en} for load tests, {samples} samples.")),
        domain: domain.into(),
        bureau_id: None,
        open_condition: if conditional { OpenCondition::Conditional } else { OpenCondition::Unconditional },
        open_condition_reason: conditional.then(|| "含经脱敏处理的个人信息".to_string()),
        legal_basis: conditional.then(|| "《上海市数据条例》第三十九条".to_string()),
        update_frequency: UpdateFrequency::Yearly,
        temporal_start: chrono::NaiveDate::from_ymd_opt(2020, 1, 1),
        temporal_end: chrono::NaiveDate::from_ymd_opt(2024, 12, 31),
        spatial_coverage: Some("上海市".into()),
        record_count: None,
        data_items: vec![
            item("sample_id", "样本编号", DataType::String, "样本的唯一编号"),
            item("split", "划分", DataType::Code, "train / validation / test"),
            item("label", "标签", DataType::Code, "标签名称"),
        ],
        keywords: vec![zh.into(), "合成数据".into(), modality.label_zh().into()],
        contact: None,
        licence: Some(if conditional { "datagate-conditional-1.0" } else { "CC-BY-4.0" }.into()),
        terms: conditional.then(|| "仅限获得授权的企业用于模型训练，不得尝试重新识别个人。".to_string()),
        max_grant_days: None,
    };
    let labels = vec![
        Label { name: "positive".into(), label: Some("正例".into()), description: None, count: Some(train / 2) },
        Label { name: "negative".into(), label: Some("反例".into()), description: None, count: None },
    ];
    let datasheet = Datasheet {
        motivation: Some("为压力测试生成。".into()),
        collection_method: Some("程序生成 (generated)".into()),
        personal_information: Some("不含个人信息 (no personal information)".into()),
        limitations: Some("合成数据，不代表真实分布 (synthetic; not a real distribution)".into()),
        maintenance: Some("随测试重建 (rebuilt with each test run)".into()),
        ..Default::default()
    };
    let mut input = CorpusInput::from_parts(
        common,
        modality,
        Some(samples),
        Some(samples * rng.gen_range(200..20_000)),
        splits,
        vec!["zh-CN".into()],
        Vec::new(),
        Vec::new(),
        datasheet,
        None,
        None,
        None,
        None,
        Vec::new(),
        None,
    );
    match modality {
        Modality::Text => {
            input.annotation_types = vec![AnnotationType::Classification];
            input.label_schema = labels;
            input.text = Some(TextDetails {
                char_count: Some(samples * 300),
                genres: vec![zh.to_string()],
                encoding: Some("UTF-8".into()),
                ..Default::default()
            });
        }
        Modality::Image => {
            input.annotation_types = vec![AnnotationType::DetectionBoxes];
            input.label_schema = labels;
            input.image = Some(ImageDetails {
                image_count: Some(samples),
                resolution: Some(Resolution { min_width: 640, min_height: 480, max_width: 1920, max_height: 1080 }),
                colour_mode: Some(ColourMode::Rgb),
                file_formats: vec!["JPEG".into()],
                annotation_format: Some(AnnotationFormat::Coco),
            });
        }
        Modality::Sensor => {
            input.sensor = Some(SensorDetails {
                sensor_types: vec!["温湿度传感器 (thermo-hygrometer)".into()],
                measured_quantities: vec![MeasuredQuantity {
                    name: "temperature".into(),
                    label: Some("气温".into()),
                    unit: Some("°C".into()),
                    description: None,
                }],
                sampling_interval: Some("PT1H".into()),
                station_count: Some(rng.gen_range(5..200)),
                spatial_extent: Some(SHANGHAI),
                time_zone: Some("Asia/Shanghai".into()),
            });
        }
        Modality::Geo => {
            input.geo = Some(GeoDetails {
                crs: Some("EPSG:4490".into()),
                bbox: Some(SHANGHAI),
                scale_denominator: Some(10_000),
                ground_resolution_m: None,
                geometry_types: vec![GeometryType::LineString],
                map_product: false,
                review_number: None,
            });
        }
    }
    input
}

/// Shanghai's extent, degrees.
pub const SHANGHAI: BoundingBox = BoundingBox { west: 120.85, south: 30.67, east: 122.2, north: 31.88 };

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Validator;

    #[test]
    fn synthetic_corpora_are_valid_and_deterministic() {
        for i in 0..8 {
            let input = synthetic_input(i, 42);
            let mut v = Validator::new();
            super::super::validate::clean(&input, &mut v);
            let mut common = Validator::new();
            crate::listings::input::clean(input.common(), &mut common);
            assert!(v.is_empty() && common.is_empty(), "corpus {i} is invalid");
            assert_eq!(synthetic_input(i, 42).name, input.name);
        }
    }
}
