//! The corpus catalogue's vocabularies: modalities, annotation types and the
//! modality-specific code lists. Stored as TEXT without database CHECKs, so a
//! new value (audio, video, multimodal) needs code, not a migration.

crate::text_enum!(
    /// What a corpus is made of. The vocabulary grows (audio, video,
    /// multimodal); each value brings its own metadata section.
    Modality {
        /// Literature and language text (文献语言).
        Text => "text",
        /// Images and graphics (图像图形).
        Image => "image",
        /// Environmental sensing (环境传感).
        Sensor => "sensor",
        /// Map and location (地图位置).
        Geo => "geo",
    }
);

impl Modality {
    pub fn label_zh(&self) -> &'static str {
        match self {
            Modality::Text => "文献语言",
            Modality::Image => "图像图形",
            Modality::Sensor => "环境传感",
            Modality::Geo => "地图位置",
        }
    }

    pub fn label_en(&self) -> &'static str {
        match self {
            Modality::Text => "literature and language text",
            Modality::Image => "images and graphics",
            Modality::Sensor => "environmental sensing",
            Modality::Geo => "map and location",
        }
    }
}

crate::text_enum!(
    /// What the samples are annotated with.
    AnnotationType {
        Classification => "classification",
        DetectionBoxes => "detection_boxes",
        Segmentation => "segmentation",
        Keypoints => "keypoints",
        Captions => "captions",
        NamedEntities => "named_entities",
        Relations => "relations",
        Transcription => "transcription",
        Translation => "translation",
        QuestionAnswering => "question_answering",
        Summarisation => "summarisation",
        Sentiment => "sentiment",
        AnomalyFlags => "anomaly_flags",
        EventLabels => "event_labels",
    }
);

impl AnnotationType {
    /// Chinese and English words a search should find the type by.
    pub fn search_text(&self) -> &'static str {
        match self {
            AnnotationType::Classification => "分类 标注 classification",
            AnnotationType::DetectionBoxes => "目标检测 检测框 detection bounding boxes",
            AnnotationType::Segmentation => "分割 语义分割 segmentation",
            AnnotationType::Keypoints => "关键点 keypoints",
            AnnotationType::Captions => "图像描述 captions",
            AnnotationType::NamedEntities => "命名实体 实体识别 named entities",
            AnnotationType::Relations => "实体关系 relations",
            AnnotationType::Transcription => "转写 transcription",
            AnnotationType::Translation => "翻译 双语对照 translation",
            AnnotationType::QuestionAnswering => "问答 question answering",
            AnnotationType::Summarisation => "摘要 summarisation",
            AnnotationType::Sentiment => "情感 sentiment",
            AnnotationType::AnomalyFlags => "异常标记 anomaly flags",
            AnnotationType::EventLabels => "事件标注 event labels",
        }
    }
}

crate::text_enum!(
    /// The colour mode of images.
    ColourMode {
        Rgb => "rgb",
        Rgba => "rgba",
        Grayscale => "grayscale",
        Multispectral => "multispectral",
        Thermal => "thermal",
    }
);

crate::text_enum!(
    /// How image annotations are encoded.
    AnnotationFormat {
        Coco => "coco",
        PascalVoc => "pascal_voc",
        Yolo => "yolo",
        Labelme => "labelme",
        CvatXml => "cvat_xml",
        Cityscapes => "cityscapes",
        Other => "other",
    }
);

crate::text_enum!(
    /// Simple-features geometry types, plus raster.
    GeometryType {
        Point => "point",
        MultiPoint => "multi_point",
        LineString => "line_string",
        MultiLineString => "multi_line_string",
        Polygon => "polygon",
        MultiPolygon => "multi_polygon",
        Raster => "raster",
    }
);

/// Image file formats, upper case; aliases map to their canonical name.
pub fn image_format(s: &str) -> Option<&'static str> {
    match s.trim().to_ascii_uppercase().as_str() {
        "JPEG" | "JPG" => Some("JPEG"),
        "PNG" => Some("PNG"),
        "TIFF" | "TIF" => Some("TIFF"),
        "GEOTIFF" => Some("GeoTIFF"),
        "WEBP" => Some("WebP"),
        "BMP" => Some("BMP"),
        "GIF" => Some("GIF"),
        "JPEG2000" | "JP2" => Some("JPEG2000"),
        "DICOM" | "DCM" => Some("DICOM"),
        "HEIC" | "HEIF" => Some("HEIF"),
        _ => None,
    }
}

/// Text encodings by their IANA name; aliases map to the canonical name.
pub fn text_encoding(s: &str) -> Option<&'static str> {
    match s.trim().to_ascii_uppercase().replace('_', "-").as_str() {
        "UTF-8" | "UTF8" => Some("UTF-8"),
        "UTF-16" | "UTF16" => Some("UTF-16"),
        "UTF-16LE" => Some("UTF-16LE"),
        "UTF-16BE" => Some("UTF-16BE"),
        "GB18030" => Some("GB18030"),
        "GBK" | "CP936" => Some("GBK"),
        "GB2312" => Some("GB2312"),
        "BIG5" => Some("Big5"),
        "US-ASCII" | "ASCII" => Some("US-ASCII"),
        "ISO-8859-1" | "LATIN1" => Some("ISO-8859-1"),
        _ => None,
    }
}
