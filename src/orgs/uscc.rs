//! The unified social credit code (统一社会信用代码, GB 32100-2015).

/// The 31 characters a code may use, in the order of their values 0–30.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A well-shaped code: 18 characters from the alphabet. Whether its check
/// character is right is a separate fact, because some early codes fail it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uscc(String);

impl Uscc {
    /// Accepts surrounding spaces and lower case; refuses anything not of the
    /// code's shape.
    pub fn parse(input: &str) -> Result<Self, String> {
        let code = input.trim().to_ascii_uppercase();
        if code.chars().count() != 18 {
            return Err(format!("must be 18 characters, got {}", code.chars().count()));
        }
        if let Some(bad) = code.bytes().find(|b| !ALPHABET.contains(b)) {
            return Err(format!(
                "contains {:?}, which a unified social credit code never uses (allowed: 0-9 and A-H J-N P Q R T U W X Y)",
                bad as char
            ));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The check character the first 17 characters call for.
    pub fn expected_check(&self) -> char {
        check_character(&self.0.as_bytes()[..17])
    }

    /// Whether position 18 equals the computed check character.
    pub fn check_ok(&self) -> bool {
        self.0.as_bytes()[17] as char == self.expected_check()
    }
}

/// Completes 17 characters of the alphabet with their check character (for
/// demo data and tests).
pub fn with_check_character(first17: &str) -> String {
    format!("{first17}{}", check_character(first17.as_bytes()))
}

/// Weights are 3^(i-1) mod 31 for positions 1–17; check = 31 − (Σ value·weight
/// mod 31), where 31 becomes 0.
fn check_character(first17: &[u8]) -> char {
    let mut weight = 1u32;
    let mut sum = 0u32;
    for b in first17 {
        let value = ALPHABET.iter().position(|a| a == b).unwrap_or(0) as u32;
        sum += value * weight;
        weight = weight * 3 % 31;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET[check as usize] as char
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_pass_the_check() {
        // Codes printed on public business licences.
        for code in ["91350100M000100Y43", "91110000802100433B"] {
            let u = Uscc::parse(code).unwrap();
            assert!(u.check_ok(), "{code}: expected check {}", u.expected_check());
        }
    }

    #[test]
    fn wrong_check_character_is_detected() {
        let u = Uscc::parse("91350100M000100Y44").unwrap();
        assert!(!u.check_ok());
        assert_eq!(u.expected_check(), '3');
    }

    #[test]
    fn shape_is_enforced() {
        assert!(Uscc::parse("91350100M000100Y4").is_err());
        assert!(Uscc::parse("91350100M000100Y4I").is_err()); // I is not used
        assert!(Uscc::parse("91350100M000100YO3").is_err()); // O is not used
        assert_eq!(Uscc::parse(" 91350100m000100y43 ").unwrap().as_str(), "91350100M000100Y43");
    }
}
