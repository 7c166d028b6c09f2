//! DCAT-AP 3 export of both catalogues: the whole catalogue, paged with a
//! Hydra `PartialCollectionView` and filterable by modification time, and
//! each listing alone; as JSON-LD, Turtle or RDF/XML by content
//! negotiation. The graph is built as RDF terms (oxrdf) and written by
//! oxigraph's serialisers, never by string concatenation. See docs/DCAT.md.

pub mod api;
pub mod format;
pub mod graph;
pub mod load;
pub mod vocab;
