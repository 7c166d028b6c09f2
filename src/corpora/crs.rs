//! Coordinate reference systems of map and location corpora. A CRS is named
//! by its EPSG code where one exists (`EPSG:4490` is CGCS2000, `EPSG:4326`
//! WGS 84); the Chinese obfuscated datums that have no EPSG code (GCJ-02 and
//! Baidu's BD-09) are named explicitly. The table holds the systems used for
//! Chinese public data, so a typo in a code is caught instead of published.

/// A recognised coordinate reference system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Crs {
    Epsg {
        code: u32,
        name: String,
    },
    /// The "Mars coordinates" of Chinese web maps: WGS 84 with a deliberate,
    /// non-linear offset. No EPSG code.
    Gcj02,
    /// Baidu's further offset of GCJ-02. No EPSG code.
    Bd09,
}

impl Crs {
    /// The canonical identifier: `EPSG:4490`, `GCJ-02`, `BD-09`.
    pub fn id(&self) -> String {
        match self {
            Crs::Epsg { code, .. } => format!("EPSG:{code}"),
            Crs::Gcj02 => "GCJ-02".into(),
            Crs::Bd09 => "BD-09".into(),
        }
    }

    pub fn name(&self) -> String {
        match self {
            Crs::Epsg { name, .. } => name.clone(),
            Crs::Gcj02 => "GCJ-02 (国测局坐标系, offset WGS 84)".into(),
            Crs::Bd09 => "BD-09 (百度坐标系, offset GCJ-02)".into(),
        }
    }

    /// The OGC URI of an EPSG system (used in JSON-LD exports).
    pub fn uri(&self) -> Option<String> {
        match self {
            Crs::Epsg { code, .. } => Some(format!("http://www.opengis.net/def/crs/EPSG/0/{code}")),
            _ => None,
        }
    }
}

/// The name of an EPSG code datagate knows.
pub fn epsg_name(code: u32) -> Option<String> {
    let fixed = match code {
        4326 => Some("WGS 84"),
        4979 => Some("WGS 84 (3D)"),
        4978 => Some("WGS 84 (geocentric)"),
        3857 => Some("WGS 84 / Pseudo-Mercator"),
        4490 => Some("China Geodetic Coordinate System 2000 (CGCS2000)"),
        4480 => Some("CGCS2000 (3D)"),
        4479 => Some("CGCS2000 (geocentric)"),
        4214 => Some("Beijing 1954"),
        4610 => Some("Xian 1980"),
        _ => None,
    };
    if let Some(n) = fixed {
        return Some(n.to_string());
    }
    match code {
        4491..=4501 => Some(format!("CGCS2000 / Gauss-Kruger zone {}", code - 4491 + 13)),
        4502..=4512 => Some(format!("CGCS2000 / Gauss-Kruger CM {}E", 75 + 6 * (code - 4502))),
        4513..=4533 => Some(format!("CGCS2000 / 3-degree Gauss-Kruger zone {}", code - 4513 + 25)),
        4534..=4554 => Some(format!("CGCS2000 / 3-degree Gauss-Kruger CM {}E", 75 + 3 * (code - 4534))),
        32643..=32653 => Some(format!("WGS 84 / UTM zone {}N", code - 32600)),
        _ => None,
    }
}

/// Parses a CRS as a publisher writes it, explaining what is wrong.
pub fn parse(s: &str) -> Result<Crs, String> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase().replace([' ', '_'], "");
    match upper.as_str() {
        "GCJ-02" | "GCJ02" => return Ok(Crs::Gcj02),
        "BD-09" | "BD09" => return Ok(Crs::Bd09),
        "CGCS2000" => return Err("write CGCS2000 as its EPSG code, EPSG:4490".into()),
        "WGS84" | "WGS-84" => return Err("write WGS 84 as its EPSG code, EPSG:4326".into()),
        _ => {}
    }
    let Some(digits) = upper.strip_prefix("EPSG:") else {
        return Err(format!(
            "{t:?} is not a CRS datagate understands: give an EPSG code (e.g. EPSG:4490 for CGCS2000, \
             EPSG:4326 for WGS 84) or name GCJ-02 / BD-09 explicitly"
        ));
    };
    let code: u32 = digits.parse().map_err(|_| format!("{t:?}: an EPSG code is a number, e.g. EPSG:4490"))?;
    epsg_name(code).map(|name| Crs::Epsg { code, name }).ok_or_else(|| {
        format!(
            "EPSG:{code} is not a coordinate reference system datagate knows (known: WGS 84, CGCS2000 and its \
             Gauss-Kruger zones, Beijing 1954, Xian 1980, UTM zones 43N–53N, Web Mercator)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names() {
        assert_eq!(parse("EPSG:4490").unwrap().id(), "EPSG:4490");
        assert_eq!(parse("epsg:4326").unwrap().name(), "WGS 84");
        assert_eq!(parse("EPSG:4549").unwrap().name(), "CGCS2000 / 3-degree Gauss-Kruger CM 120E");
        assert_eq!(parse("EPSG:4554").unwrap().name(), "CGCS2000 / 3-degree Gauss-Kruger CM 135E");
        assert_eq!(parse("EPSG:4512").unwrap().name(), "CGCS2000 / Gauss-Kruger CM 135E");
        assert_eq!(parse("EPSG:32651").unwrap().name(), "WGS 84 / UTM zone 51N");
        assert_eq!(parse("GCJ-02").unwrap(), Crs::Gcj02);
        assert_eq!(parse("gcj02").unwrap(), Crs::Gcj02);
        assert!(parse("EPSG:9999").unwrap_err().contains("EPSG:9999"));
        assert!(parse("CGCS2000").unwrap_err().contains("EPSG:4490"));
        assert!(parse("EPSG:abc").is_err());
        assert!(parse("Mars").is_err());
    }
}
