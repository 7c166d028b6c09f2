//! The parameters of a CKAN action: the query string of a GET, or the JSON
//! object of a POST, read leniently as CKAN does (numbers may come as
//! strings, lists as JSON text) and checked one by one.

use serde_json::{Map, Value};

use super::envelope::{CkanError, CkanResult};

/// An action's parameters by name.
#[derive(Debug, Default, Clone)]
pub struct Params(Map<String, Value>);

impl Params {
    /// From a query string; a repeated name keeps its last value.
    pub fn from_query(query: &str) -> Self {
        let mut m = Map::new();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            m.insert(k.into_owned(), Value::String(v.into_owned()));
        }
        Params(m)
    }

    /// From a POST body: empty, or a JSON object.
    pub fn from_body(body: &[u8]) -> CkanResult<Self> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Params::default());
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => Ok(Params(m)),
            Ok(_) => Err(CkanError::bad_request("Bad request - JSON Error: the body must be a JSON object")),
            Err(e) => Err(CkanError::bad_request(format!("Bad request - JSON Error: {e}"))),
        }
    }

    /// Refuses a parameter holding a NUL character (which PostgreSQL cannot
    /// store or compare in text) with CKAN's 409 naming it, before any
    /// action reads it — the same answer on both databases.
    pub fn refuse_nul(&self) -> CkanResult<()> {
        let fields = crate::http::nul::find_in_json(&Value::Object(self.0.clone()));
        match fields.first() {
            Some(field) => Err(CkanError::validation(field, crate::http::nul::MESSAGE)),
            None => Ok(()),
        }
    }

    /// Adds `other`'s parameters, replacing those of the same name.
    pub fn extend(&mut self, other: Params) {
        self.0.extend(other.0);
    }

    /// A text parameter; absent, null and blank are `None`.
    pub fn text(&self, name: &str) -> CkanResult<Option<String>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                let s = s.trim();
                Ok((!s.is_empty()).then(|| s.to_string()))
            }
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(CkanError::validation(name, "must be a string")),
        }
    }

    /// A required text parameter.
    pub fn required(&self, name: &str) -> CkanResult<String> {
        self.text(name)?.ok_or_else(|| CkanError::validation(name, "Missing value"))
    }

    /// An integer within `min..=max`, `default` when absent.
    pub fn int(&self, name: &str, default: i64, min: i64, max: i64) -> CkanResult<i64> {
        let n = match self.0.get(name) {
            None | Some(Value::Null) => return Ok(default),
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(default),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            Some(_) => None,
        };
        let n = n.ok_or_else(|| CkanError::validation(name, "Invalid integer"))?;
        if n < min {
            return Err(CkanError::validation(name, format!("Must be at least {min}")));
        }
        Ok(n.min(max))
    }

    /// A boolean: JSON true/false or the strings CKAN accepts.
    pub fn flag(&self, name: &str, default: bool) -> CkanResult<bool> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "" => Ok(default),
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(CkanError::validation(name, "must be true or false")),
            },
            Some(_) => Err(CkanError::validation(name, "must be true or false")),
        }
    }

    /// A list of strings: a JSON array, or its JSON text (CKAN's `facet.field`).
    pub fn list(&self, name: &str) -> CkanResult<Option<Vec<String>>> {
        let bad = || CkanError::validation(name, "must be a JSON list of strings");
        let items = match self.0.get(name) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Array(a)) => a,
                _ => return Err(bad()),
            },
            Some(Value::Array(a)) => a.clone(),
            Some(_) => return Err(bad()),
        };
        items.into_iter().map(|v| v.as_str().map(str::to_string).ok_or_else(bad)).collect::<Result<_, _>>().map(Some)
    }
}
