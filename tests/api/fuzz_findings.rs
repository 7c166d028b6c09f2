//! Regressions for what contract fuzzing (`.ci/fuzz`, schemathesis) found:
//! each test pins one fixed finding.

use serde_json::Value;

/// The `enum` of a component schema in the generated document.
fn spec_enum(name: &str) -> Vec<Value> {
    let api = serde_json::to_value(datagate::app::openapi()).expect("spec");
    api["components"]["schemas"][name]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("schema {name} has no enum"))
        .clone()
}

/// Asserts that the spec lists exactly the wire names serde writes.
macro_rules! assert_wire_names {
    ($($ty:ty),+ $(,)?) => {$(
        let wire: Vec<Value> = <$ty>::ALL.iter().map(|v| serde_json::to_value(v).expect("serialise")).collect();
        let name = stringify!($ty).rsplit("::").next().expect("name");
        assert_eq!(spec_enum(name), wire, "{name}: the spec must list the values the API sends");
    )+};
}

/// Found: every listing in `GET /datasets` and `GET /corpora` violated its
/// schema, which listed the Rust variant names (`Unconditional`) instead of
/// the wire names (`unconditional`) for every stored enum.
#[test]
fn stored_enums_are_documented_with_their_wire_names() {
    assert_wire_names!(
        datagate::listings::ListingKind,
        datagate::listings::ListingStatus,
        datagate::listings::OpenCondition,
        datagate::listings::UpdateFrequency,
        datagate::listings::DataType,
        datagate::orgs::OrgKind,
        datagate::orgs::OrgStatus,
        datagate::orgs::Role,
        datagate::grants::PurposeCategory,
        datagate::grants::RequestState,
        datagate::grants::Opinion,
    );
}
