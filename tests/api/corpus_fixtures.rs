//! Builders for corpora: complete bodies of every modality and the steps
//! from draft to published (re-exported by `helpers`).

use serde_json::{Value, json};

use crate::helpers::{Resp, Session, TestApp, dataset_body};

/// The modality section of a complete, publishable corpus.
pub fn corpus_section(modality: &str) -> Value {
    match modality {
        "text" => json!({"char_count": 1200000, "genres": ["法律法规"], "encoding": "UTF-8"}),
        "image" => json!({
            "image_count": 1000,
            "resolution": {"min_width": 640, "min_height": 480, "max_width": 1920, "max_height": 1080},
            "colour_mode": "rgb", "file_formats": ["jpg"], "annotation_format": "coco"
        }),
        "sensor" => json!({
            "sensor_types": ["β射线颗粒物监测仪"],
            "measured_quantities": [{"name": "pm2_5", "label": "PM2.5", "unit": "μg/m³"}],
            "sampling_interval": "PT1H", "station_count": 56,
            "spatial_extent": {"west": 120.85, "south": 30.67, "east": 122.2, "north": 31.88},
            "time_zone": "Asia/Shanghai"
        }),
        "geo" => json!({
            "crs": "EPSG:4490",
            "bbox": {"west": 120.85, "south": 30.67, "east": 122.2, "north": 31.88},
            "scale_denominator": 10000, "geometry_types": ["line_string"]
        }),
        other => panic!("no section for {other}"),
    }
}

/// A complete corpus body for `POST /corpora`: 1000 samples in three splits,
/// two labels, a full datasheet, the modality's section, and the sources.
pub fn corpus_body(name: &str, title: &str, modality: &str, condition: &str, sources: &[&str]) -> Value {
    let mut b = dataset_body(name, title, condition);
    b["title_en"] = json!(format!("Test {modality} corpus"));
    b["modality"] = json!(modality);
    b["sample_count"] = json!(1000);
    b["total_bytes"] = json!(5_000_000);
    b["splits"] = json!([
        {"name": "train", "sample_count": 800},
        {"name": "validation", "sample_count": 100},
        {"name": "test", "sample_count": 100}
    ]);
    b["languages"] = json!(["zh-CN"]);
    b["annotation_types"] = json!(["classification"]);
    b["label_schema"] = json!([
        {"name": "positive", "label": "正例", "description": "符合条件", "count": 600},
        {"name": "negative", "label": "反例"}
    ]);
    b["datasheet"] = json!({
        "motivation": "测试动机",
        "collection_method": "自动采集 (automatic collection)",
        "collection_start": "2024-01-01",
        "collection_end": "2024-12-31",
        "preprocessing": "去重",
        "annotation_protocol": "双人标注",
        "personal_information": "不含个人信息",
        "biases": "城区样本偏多",
        "limitations": "仅覆盖上海",
        "intended_uses": "模型训练",
        "out_of_scope_uses": "身份识别",
        "maintenance": "每年更新"
    });
    b["data_items"] = json!([
        {"name": "sample_id", "label": "样本编号", "type": "string", "description": "唯一编号"},
        {"name": "value", "label": "数值", "type": "decimal", "description": "观测值", "unit": "μg/m³"},
        {"name": "label", "label": "标签", "type": "code", "description": "类别"}
    ]);
    b[modality] = corpus_section(modality);
    b["derived_from"] = json!(sources);
    b
}

impl TestApp {
    /// Creates a corpus as `who`; returns the response body.
    pub async fn create_corpus(&self, who: &Session, body: Value) -> Value {
        self.post("/api/v1/corpora", Some(&who.token), body).await.expect(201).json()
    }

    /// Creates a corpus with an external distribution and publishes it.
    pub async fn quick_corpus(&self, who: &Session, body: Value) -> Value {
        let name = body["name"].as_str().expect("name").to_string();
        self.create_corpus(who, body).await;
        self.post(
            &format!("/api/v1/corpora/{name}/distributions"),
            Some(&who.token),
            json!({"name": "接口", "format": "API", "access_url": "https://data.sh.gov.cn/api/corpus"}),
        )
        .await
        .expect(201);
        self.post(&format!("/api/v1/corpora/{name}/publish"), Some(&who.token), json!({})).await.expect(200).json()
    }

    /// Creates a corpus with a hosted CSV file of `bytes` and publishes it;
    /// returns (corpus, distribution).
    pub async fn corpus_with_file(&self, who: &Session, body: Value, bytes: &[u8]) -> (Value, Value) {
        let name = body["name"].as_str().expect("name").to_string();
        self.create_corpus(who, body).await;
        let d = self
            .post(
                &format!("/api/v1/corpora/{name}/distributions"),
                Some(&who.token),
                json!({"name": "样例", "format": "CSV"}),
            )
            .await
            .expect(201)
            .json();
        let id = d["id"].as_str().expect("id").to_string();
        let d = self
            .raw(
                "PUT",
                &format!("/api/v1/distributions/{id}/file?file_name=sample.csv"),
                &[("Authorization", &format!("Bearer {}", who.token)), ("Content-Type", "text/csv")],
                bytes.to_vec(),
            )
            .await
            .expect(200)
            .json();
        let c =
            self.post(&format!("/api/v1/corpora/{name}/publish"), Some(&who.token), json!({})).await.expect(200).json();
        (c, d)
    }

    /// Sends a JSON merge patch with the listing's current ETag.
    pub async fn patch_listing(&self, who: &Session, path: &str, patch: Value) -> Resp {
        let etag = self.get(path, Some(&who.token)).await.expect(200).header("etag").expect("etag");
        self.call_with("PATCH", path, Some(&who.token), &[("If-Match", &etag)], Some(patch)).await
    }
}

/// The fields a 422 names.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}
