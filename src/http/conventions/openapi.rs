//! The conventions in the OpenAPI document: a HEAD twin of every GET (the
//! same parameters and statuses, no bodies), the 304 and the validators of
//! every public read, `Link` on cursor-paged lists, and the rate-limit
//! headers where a limit applies. Applied to the generated document once, in
//! [`crate::app::openapi`].

use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, Parameter};
use utoipa::openapi::response::Response;
use utoipa::openapi::{Components, RefOr};

/// Marks a HEAD operation as the twin of a GET (value: the GET's operationId).
pub const HEAD_OF: &str = "x-head-of";

/// Whether a HEAD operation is a generated twin rather than a handler's own.
pub fn is_head_twin(op: &Operation) -> bool {
    op.extensions.as_ref().is_some_and(|e| e.contains_key(HEAD_OF))
}

/// Operations whose rate limit is reported in `RateLimit-Policy`/`RateLimit`.
const RATE_LIMITED: &[&str] = &["create_token", "create_enterprise", "create_grant_access_token"];

fn header(description: &str) -> RefOr<Header> {
    let mut h = Header::default();
    h.description = Some(description.to_string());
    RefOr::T(h)
}

fn add_validators(r: &mut Response) {
    r.headers.entry("ETag".into()).or_insert_with(|| header("The validator to send back in If-None-Match"));
    r.headers.entry("Cache-Control".into()).or_insert_with(|| {
        header("`public, max-age=60, must-revalidate` for anonymous callers; `private, no-store` with a credential")
    });
}

/// Adds the conventions to the document.
pub fn apply(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let components = api.components.clone().unwrap_or_default();
    for (path, item) in api.paths.paths.iter_mut() {
        if let Some(get) = item.get.as_mut() {
            decorate_get(path, get);
            if item.head.is_none() {
                item.head = Some(head_twin(get.clone(), &components));
            }
        }
        for op in
            [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
        {
            if RATE_LIMITED.contains(&op.operation_id.as_deref().unwrap_or_default()) {
                rate_limited(op);
            }
        }
    }
    if let Some(RefOr::T(too_many)) = api.components.as_mut().and_then(|c| c.responses.get_mut("TooManyRequests")) {
        too_many.headers.insert("Retry-After".into(), header("Seconds to wait before trying again"));
        too_many
            .headers
            .insert("RateLimit-Policy".into(), header("The limit that applies (IETF httpapi draft), where one does"));
        too_many
            .headers
            .insert("RateLimit".into(), header("What is left of it (`r=0`) and when it is whole again (`t`)"));
    }
    api
}

/// A public read documents its validators and 304; a paged list its `Link`.
fn decorate_get(path: &str, get: &mut Operation) {
    let public = get.security.as_ref().is_none_or(|s| s.is_empty())
        && (path.starts_with("/api/") || path.starts_with("/.well-known/"));
    let paged =
        get.parameters.iter().flatten().any(|p: &RefOr<Parameter>| matches!(p, RefOr::T(p) if p.name == "cursor"));
    if public {
        let params = get.parameters.get_or_insert_with(Vec::new);
        let has = params.iter().any(|p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case("If-None-Match")));
        if !has {
            params.push(RefOr::T(if_none_match()));
        }
    }
    let responses = &mut get.responses.responses;
    if public {
        if let Some(RefOr::T(ok)) = responses.get_mut("200") {
            add_validators(ok);
        }
        responses.entry("304".into()).or_insert_with(|| {
            let mut r = Response::new(
                "Not modified: the ETag in If-None-Match (or the time in If-Modified-Since) is still current; \
                 answered without computing the body where the catalogue has not changed",
            );
            add_validators(&mut r);
            RefOr::T(r)
        });
    }
    if paged && let Some(RefOr::T(ok)) = responses.get_mut("200") {
        ok.headers.insert(
            "Link".into(),
            header("`<…?cursor=…>; rel=\"next\"` (RFC 8288) beside `next_cursor`; absent on the last page"),
        );
    }
}

/// The conditional request a public read answers with 304 (`*`: any
/// current representation).
fn if_none_match() -> Parameter {
    use utoipa::openapi::Required;
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let mut p = Parameter::new("If-None-Match");
    p.parameter_in = ParameterIn::Header;
    p.required = Required::False;
    p.description = Some("ETags from earlier answers (or `*`): 304 without a body while one is current".into());
    p.schema = Some(ObjectBuilder::new().schema_type(Type::String).examples(["*"]).into());
    p
}

/// The HEAD twin of a GET: the same parameters and statuses, no bodies.
fn head_twin(mut op: Operation, components: &Components) -> Operation {
    let id = op.operation_id.take().unwrap_or_default();
    op.summary = Some(format!("The headers `{id}` answers, without the body"));
    op.description = Some(format!(
        "HEAD of `{id}` (RFC 9110 §9.3.2): the same statuses and headers a GET would get — Content-Type, ETag, \
         Cache-Control, Link, CORS — and no body. Authorisation is the GET's."
    ));
    op.extensions.get_or_insert_with(Extensions::default).insert(HEAD_OF.into(), serde_json::json!(id));
    for resp in op.responses.responses.values_mut() {
        if let RefOr::Ref(r) = resp {
            let name = r.ref_location.rsplit('/').next().unwrap_or_default().to_string();
            *resp = match components.responses.get(&name) {
                Some(RefOr::T(shared)) => RefOr::T(shared.clone()),
                _ => RefOr::T(Response::new(name)),
            };
        }
        if let RefOr::T(r) = resp {
            r.content.clear();
        }
    }
    op
}

fn rate_limited(op: &mut Operation) {
    for (status, resp) in op.responses.responses.iter_mut() {
        if let (true, RefOr::T(r)) = (status.starts_with('2'), resp) {
            r.headers.insert(
                "RateLimit-Policy".into(),
                header("The limit on this operation (IETF httpapi draft): `\"name\";q=<quota>;w=<seconds>`"),
            );
            r.headers.insert(
                "RateLimit".into(),
                header("What is left: `\"name\";r=<remaining>;t=<seconds until whole again>`"),
            );
        }
    }
}
