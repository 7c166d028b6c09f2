//! What answers when no route matched: 405 with `Allow` when the path exists
//! under other methods, 404 otherwise, both as problem+json. The known paths
//! and their methods come from the OpenAPI document, the service's contract.

use actix_router::ResourceDef;
use actix_web::{HttpRequest, web};

use crate::error::AppError;

/// What the contract says about a path's GET: whether it needs a credential,
/// whether it is cursor-paged, and whether a handler of its own answers HEAD
/// (otherwise HEAD is the GET without its body, `http::conventions`).
#[derive(Debug, Clone, Copy, Default)]
pub struct GetOp {
    pub secured: bool,
    pub paged: bool,
    pub own_head: bool,
}

/// Every documented path template with the methods it answers.
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<String>, Option<GetOp>)>,
}

impl RouteTable {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods: Vec<String> = Vec::new();
                let ops = [
                    ("GET", &item.get),
                    ("PUT", &item.put),
                    ("POST", &item.post),
                    ("DELETE", &item.delete),
                    ("PATCH", &item.patch),
                    ("HEAD", &item.head),
                    ("OPTIONS", &item.options),
                ];
                for (name, op) in ops {
                    if op.is_some() {
                        methods.push(name.to_string());
                    }
                }
                let get = item.get.as_ref().map(|op| GetOp {
                    secured: op.security.as_ref().is_some_and(|s| !s.is_empty()),
                    paged: op.parameters.iter().flatten().any(|p| match p {
                        utoipa::openapi::RefOr::T(p) => p.name == "cursor",
                        utoipa::openapi::RefOr::Ref(_) => false,
                    }),
                    own_head: item.head.as_ref().is_some_and(|h| !crate::http::conventions::openapi::is_head_twin(h)),
                });
                (ResourceDef::new(path.as_str()), methods, get)
            })
            .collect();
        Self { routes }
    }

    /// The methods allowed on `path`, if any documented route matches it.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let mut allowed: Vec<String> = Vec::new();
        for (def, methods, _) in &self.routes {
            if def.is_match(path) {
                for m in methods {
                    if !allowed.contains(m) {
                        allowed.push(m.clone());
                    }
                }
            }
        }
        (!allowed.is_empty()).then_some(allowed)
    }

    /// The GET of the documented route matching `path`, if there is one.
    pub fn get_op(&self, path: &str) -> Option<GetOp> {
        self.routes.iter().find(|(def, _, get)| get.is_some() && def.is_match(path)).and_then(|(_, _, get)| *get)
    }
}

pub async fn fallback(req: HttpRequest, table: web::Data<RouteTable>) -> Result<actix_web::HttpResponse, AppError> {
    let path = req.path();
    Err(match table.allowed(path) {
        Some(methods) if !methods.iter().any(|m| m == req.method().as_str()) => AppError::method_not_allowed(methods),
        _ => AppError::not_found_detail(format!("there is no resource at {path}")),
    })
}
