//! The three serialisations of the export and the choice between them:
//! an explicit extension, else the `Accept` header (JSON-LD by default),
//! else 406.

use oxrdf::Graph;
use oxrdfio::{JsonLdProfileSet, RdfFormat, RdfSerializer};

use super::vocab::PREFIXES;
use crate::error::{AppError, AppResult};

/// A serialisation of RDF that the export offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdfKind {
    JsonLd,
    Turtle,
    RdfXml,
}

impl RdfKind {
    pub const ALL: [RdfKind; 3] = [RdfKind::JsonLd, RdfKind::Turtle, RdfKind::RdfXml];

    pub fn media_type(self) -> &'static str {
        match self {
            RdfKind::JsonLd => "application/ld+json",
            RdfKind::Turtle => "text/turtle",
            RdfKind::RdfXml => "application/rdf+xml",
        }
    }

    /// The path suffix: `jsonld`, `ttl`, `rdf`.
    pub fn extension(self) -> &'static str {
        match self {
            RdfKind::JsonLd => "jsonld",
            RdfKind::Turtle => "ttl",
            RdfKind::RdfXml => "rdf",
        }
    }

    pub fn from_extension(ext: &str) -> Option<Self> {
        RdfKind::ALL.into_iter().find(|k| k.extension() == ext)
    }

    fn format(self) -> RdfFormat {
        match self {
            RdfKind::JsonLd => RdfFormat::JsonLd { profile: JsonLdProfileSet::empty() },
            RdfKind::Turtle => RdfFormat::Turtle,
            RdfKind::RdfXml => RdfFormat::RdfXml,
        }
    }

    /// What a media range of `Accept` chooses, if anything.
    fn of_range(range: &str) -> Option<Self> {
        match range {
            "application/ld+json" | "application/json" | "*/*" | "application/*" => Some(RdfKind::JsonLd),
            "text/turtle" | "application/x-turtle" | "text/*" => Some(RdfKind::Turtle),
            "application/rdf+xml" => Some(RdfKind::RdfXml),
            _ => None,
        }
    }
}

/// The serialisation `Accept` prefers: the acceptable range with the highest
/// quality (the first of equals); JSON-LD without a header; 406 when nothing
/// offered is acceptable.
pub fn negotiate(accept: Option<&str>) -> AppResult<RdfKind> {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(RdfKind::JsonLd);
    };
    let mut best: Option<(f32, RdfKind)> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let range = pieces.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        if let Some(kind) = RdfKind::of_range(&range)
            && best.is_none_or(|(bq, _)| q > bq)
        {
            best = Some((q, kind));
        }
    }
    best.map(|(_, k)| k).ok_or_else(|| {
        AppError::not_acceptable(format!(
            "this resource is offered as {} (or by the extensions .jsonld, .ttl, .rdf)",
            RdfKind::ALL.map(RdfKind::media_type).join(", ")
        ))
    })
}

/// Writes the graph with the export's prefixes.
pub fn serialise(graph: &Graph, kind: RdfKind) -> AppResult<Vec<u8>> {
    let fail = |e: &dyn std::fmt::Display| AppError::internal(format!("RDF serialisation failed: {e}"));
    let mut serializer = RdfSerializer::from_format(kind.format());
    for (prefix, iri) in PREFIXES {
        serializer = serializer.with_prefix(*prefix, *iri).map_err(|e| fail(&e))?;
    }
    let mut writer = serializer.for_writer(Vec::new());
    // Sorted, so that each subject's statements come together and the
    // output is the same for the same graph.
    let mut triples: Vec<_> = graph.iter().collect();
    triples.sort_by_cached_key(|t| (t.subject.to_string(), t.predicate.to_string(), t.object.to_string()));
    for t in triples {
        writer.serialize_triple(t).map_err(|e| fail(&e))?;
    }
    writer.finish().map_err(|e| fail(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_choose_a_serialisation() {
        assert_eq!(negotiate(None).unwrap(), RdfKind::JsonLd);
        assert_eq!(negotiate(Some("text/turtle")).unwrap(), RdfKind::Turtle);
        assert_eq!(negotiate(Some("application/rdf+xml;q=0.9, text/turtle;q=0.5")).unwrap(), RdfKind::RdfXml);
        assert_eq!(negotiate(Some("text/html, */*;q=0.1")).unwrap(), RdfKind::JsonLd);
        assert_eq!(negotiate(Some("text/turtle;q=0, application/ld+json")).unwrap(), RdfKind::JsonLd);
        assert_eq!(negotiate(Some("text/html")).unwrap_err().status.as_u16(), 406);
    }
}
