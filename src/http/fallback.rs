//! What answers when no route matched: 405 with `Allow` when the path exists
//! under other methods, 404 otherwise, both as problem+json. The known paths
//! and their methods come from the OpenAPI document, the service's contract.

use actix_router::ResourceDef;
use actix_web::{HttpRequest, web};

use crate::error::AppError;

/// Every documented path template with the methods it answers.
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<String>)>,
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
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods allowed on `path`, if any documented route matches it.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let mut allowed: Vec<String> = Vec::new();
        for (def, methods) in &self.routes {
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
}

pub async fn fallback(req: HttpRequest, table: web::Data<RouteTable>) -> Result<actix_web::HttpResponse, AppError> {
    let path = req.path();
    Err(match table.allowed(path) {
        Some(methods) if !methods.iter().any(|m| m == req.method().as_str()) => AppError::method_not_allowed(methods),
        _ => AppError::not_found_detail(format!("there is no resource at {path}")),
    })
}
