//! Text for the full-text index: Chinese is segmented with jieba (search mode
//! at index time, precise mode at query time, so a query word is always among
//! the indexed ones), English is lower-cased and stemmed, stop words dropped.
//! Both backends index the same tokens.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use jieba_rs::Jieba;
use rust_stemmers::{Algorithm, Stemmer};

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);
static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

const STOP_WORDS: &[&str] = &[
    "的", "了", "和", "与", "及", "等", "或", "在", "是", "对", "为", "并", "其", "之", "中", "a", "an", "and", "are",
    "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "of", "on", "or", "the", "to", "with",
];

/// Loads the segmenter's dictionary ahead of the first request.
pub fn warm_up() {
    LazyLock::force(&JIEBA);
}

fn normalise(word: &str) -> Option<String> {
    let w = word.trim();
    if w.is_empty() || !w.chars().any(char::is_alphanumeric) || w.len() > 120 {
        return None;
    }
    let lower = w.to_lowercase();
    if STOP_WORDS.contains(&lower.as_str()) {
        return None;
    }
    if lower.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(ENGLISH.stem(&lower).into_owned());
    }
    Some(lower)
}

/// Tokens to index: every word and the words inside compound words.
pub fn index_tokens(text: &str) -> Vec<String> {
    JIEBA.cut_for_search(text, true).into_iter().filter_map(|t| normalise(t.word)).collect()
}

/// Tokens of a query: the words as a reader means them.
pub fn query_tokens(text: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for t in JIEBA.cut(text, true) {
        if let Some(n) = normalise(t.word)
            && !seen.contains(&n)
        {
            seen.push(n);
        }
    }
    seen
}

/// The indexed text of a listing, in three weighted parts.
#[derive(Debug, Default, Clone)]
pub struct SearchDoc {
    /// Titles and name: weight A.
    pub title: Vec<String>,
    /// Keywords and data-item names and labels: weight B.
    pub keywords: Vec<String>,
    /// Summaries and other descriptive text: weight C.
    pub body: Vec<String>,
}

impl SearchDoc {
    pub fn add_title(&mut self, text: &str) {
        self.title.extend(index_tokens(text));
    }
    pub fn add_keywords(&mut self, text: &str) {
        self.keywords.extend(index_tokens(text));
    }
    pub fn add_body(&mut self, text: &str) {
        self.body.extend(index_tokens(text));
    }

    /// A PostgreSQL `tsvector` literal with positions and weights, built
    /// without PostgreSQL's own parser (which would re-split the tokens
    /// depending on the server's locale).
    pub fn to_tsvector_literal(&self) -> String {
        let mut lexemes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let mut position = 0usize;
        for (tokens, weight) in [(&self.title, 'A'), (&self.keywords, 'B'), (&self.body, 'C')] {
            for t in tokens {
                position = (position + 1).min(16_383);
                let entry = lexemes.entry(t.as_str()).or_default();
                if entry.len() < 256 {
                    entry.push(format!("{position}{weight}"));
                }
            }
        }
        lexemes
            .into_iter()
            .map(|(lexeme, positions)| format!("{}:{}", quote_lexeme(lexeme), positions.join(",")))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn quote_lexeme(lexeme: &str) -> String {
    format!("'{}'", lexeme.replace('\\', "\\\\").replace('\'', "''"))
}

/// A PostgreSQL `tsquery` literal requiring every token.
pub fn tsquery_literal(tokens: &[String]) -> String {
    tokens.iter().map(|t| quote_lexeme(t)).collect::<Vec<_>>().join(" & ")
}

/// An SQLite FTS5 query requiring every token.
pub fn fts5_query(tokens: &[String]) -> String {
    tokens.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_words_are_found_inside_longer_text() {
        let tokens = index_tokens("上海市中小学校教育统计数据");
        for w in ["上海", "教育", "统计", "数据"] {
            assert!(tokens.iter().any(|t| t == w), "{w} not in {tokens:?}");
        }
        // Every query token of a phrase is among the index tokens of the same phrase.
        let phrase = "医疗卫生机构门诊人次";
        let indexed = index_tokens(phrase);
        for q in query_tokens(phrase) {
            assert!(indexed.contains(&q), "{q} not indexed in {indexed:?}");
        }
    }

    #[test]
    fn english_is_stemmed_and_stop_words_dropped() {
        assert_eq!(query_tokens("Hospitals of Shanghai"), vec!["hospit", "shanghai"]);
        assert_eq!(query_tokens("hospital"), vec!["hospit"]);
        assert!(query_tokens("的 and the").is_empty());
        assert_eq!(query_tokens("教育 hospital"), vec!["教育", "hospit"]);
    }

    #[test]
    fn literals_are_quoted() {
        let doc =
            SearchDoc { title: vec!["it's".into(), "教育".into()], keywords: vec!["教育".into()], body: vec![] };
        assert_eq!(doc.to_tsvector_literal(), "'it''s':1A '教育':2A,3B");
        assert_eq!(tsquery_literal(&["a'b".into(), "c".into()]), "'a''b' & 'c'");
        assert_eq!(fts5_query(&["say \"hi\"".into()]), "\"say \"\"hi\"\"\"");
    }
}
