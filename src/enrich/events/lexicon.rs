//! The event coder's lexicon: CAMEO codes (`lexicon/cameo_codes.tsv`: label, quad class,
//! Goldstein score, PLOVER type) and verb/noun patterns with control words
//! (`lexicon/cameo_verbs.tsv`; the file header documents the pattern syntax).

use std::collections::HashMap;

/// String-keyed maps read per clause and per noun phrase: a fast non-cryptographic hasher
/// (the keys come from the embedded lexicon, not from input).
type StrMap<V> = HashMap<String, V, foldhash::fast::FixedState>;
use std::fmt;

static CODES: &str = include_str!("../../../lexicon/cameo_codes.tsv");
static VERBS: &str = include_str!("../../../lexicon/cameo_verbs.tsv");

/// Why the embedded event lexicon does not load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLexiconError {
    pub file: &'static str,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for EventLexiconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for EventLexiconError {}

/// What the lexicon says about one CAMEO code.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeInfo {
    pub code: String,
    pub label: String,
    pub quad_class: u8,
    pub goldstein: f64,
    pub plover: Option<String>,
}

/// Whether a pattern is triggered by a verb or by a noun.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TriggerKind {
    Verb,
    Noun,
}

/// One pattern of the verb lexicon.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub code: String,
    pub kind: TriggerKind,
    pub lemma: String,
    pub particle: Option<String>,
    pub prep: Option<String>,
    /// Any of these lemmas must occur in the object, complement or phrases after the verb.
    pub words: Vec<String>,
    /// Line order, for ties.
    pub order: usize,
}

impl Pattern {
    /// How many constraints the pattern has (more wins).
    pub fn specificity(&self) -> usize {
        usize::from(self.particle.is_some())
            + usize::from(self.prep.is_some())
            + usize::from(!self.words.is_empty())
    }
}

/// How a control word codes the infinitive it governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Control {
    /// "ready to cooperate"
    Intent,
    /// "refused to meet"
    Reject,
    /// "threatened to expel"
    Threat,
    /// "ordered X to withdraw"
    Demand,
    /// "urged X to negotiate"
    Appeal,
    /// "will try to undermine": not (yet) an act.
    Unreal,
}

/// The loaded lexicon.
#[derive(Debug, Clone)]
pub struct EventLexicon {
    codes: StrMap<CodeInfo>,
    verbs: StrMap<Vec<Pattern>>,
    nouns: StrMap<Vec<Pattern>>,
    control: StrMap<Control>,
    forms: StrMap<String>,
}

impl EventLexicon {
    /// The lexicon compiled into the binary.
    pub fn embedded() -> Result<EventLexicon, EventLexiconError> {
        EventLexicon::parse(CODES, VERBS)
    }

    /// Parses the two files' contents.
    pub fn parse(codes: &str, verbs: &str) -> Result<EventLexicon, EventLexiconError> {
        let mut lex = EventLexicon {
            codes: StrMap::default(),
            verbs: StrMap::default(),
            nouns: StrMap::default(),
            control: StrMap::default(),
            forms: StrMap::default(),
        };
        for (n, line) in codes.lines().enumerate() {
            let fail = |message: String| EventLexiconError {
                file: "cameo_codes.tsv",
                line: n + 1,
                message,
            };
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() != 5 {
                return Err(fail(format!("expected 5 columns, got {}", cols.len())));
            }
            let quad: u8 = cols[2]
                .parse()
                .map_err(|_| fail(format!("bad quad class {:?}", cols[2])))?;
            let goldstein: f64 = cols[3]
                .parse()
                .map_err(|_| fail(format!("bad Goldstein score {:?}", cols[3])))?;
            lex.codes.insert(
                cols[0].to_string(),
                CodeInfo {
                    code: cols[0].to_string(),
                    label: cols[1].to_string(),
                    quad_class: quad,
                    goldstein,
                    plover: (!cols[4].is_empty()).then(|| cols[4].to_string()),
                },
            );
        }
        for (n, line) in verbs.lines().enumerate() {
            let fail = |message: String| EventLexiconError {
                file: "cameo_verbs.tsv",
                line: n + 1,
                message,
            };
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            match cols.as_slice() {
                ["FORM", form, lemma] => {
                    lex.forms.insert(form.to_string(), lemma.to_string());
                }
                [code, word] if code.starts_with('@') => {
                    let c = match *code {
                        "@intent" => Control::Intent,
                        "@reject" => Control::Reject,
                        "@threat" => Control::Threat,
                        "@demand" => Control::Demand,
                        "@appeal" => Control::Appeal,
                        "@unreal" => Control::Unreal,
                        other => return Err(fail(format!("unknown control class {other:?}"))),
                    };
                    lex.control.insert(word.to_string(), c);
                }
                [code, pattern] => {
                    if !lex.codes.contains_key(*code) {
                        return Err(fail(format!("code {code} is not in cameo_codes.tsv")));
                    }
                    let p = parse_pattern(code, pattern, n).map_err(fail)?;
                    let map = match p.kind {
                        TriggerKind::Verb => &mut lex.verbs,
                        TriggerKind::Noun => &mut lex.nouns,
                    };
                    map.entry(p.lemma.clone()).or_default().push(p);
                }
                _ => return Err(fail(format!("expected 2 columns, got {}", cols.len()))),
            }
        }
        Ok(lex)
    }

    pub fn code(&self, code: &str) -> Option<&CodeInfo> {
        self.codes.get(code)
    }

    /// Patterns whose trigger is the verb lemma.
    pub fn verb_patterns(&self, lemma: &str) -> &[Pattern] {
        self.verbs.get(lemma).map_or(&[], Vec::as_slice)
    }

    /// Patterns whose trigger is the noun lemma.
    pub fn noun_patterns(&self, lemma: &str) -> &[Pattern] {
        self.nouns.get(lemma).map_or(&[], Vec::as_slice)
    }

    pub fn control(&self, word: &str) -> Option<Control> {
        self.control.get(word).copied()
    }

    /// The lemma of an irregular verb form the lexicon lists.
    pub fn form_lemma(&self, form: &str) -> Option<&str> {
        self.forms.get(form).map(String::as_str)
    }

    /// Every verb and noun pattern.
    pub fn patterns(&self) -> impl Iterator<Item = &Pattern> {
        self.verbs.values().chain(self.nouns.values()).flatten()
    }

    /// The irregular verb forms the lexicon lists (form, lemma).
    pub fn forms(&self) -> impl Iterator<Item = (&String, &String)> {
        self.forms.iter()
    }

    /// Pattern counts per CAMEO root code (verb and noun patterns).
    pub fn patterns_per_root(&self) -> std::collections::BTreeMap<String, usize> {
        let mut out = std::collections::BTreeMap::new();
        for p in self.verbs.values().chain(self.nouns.values()).flatten() {
            *out.entry(p.code[..2].to_string()).or_insert(0) += 1;
        }
        out
    }
}

fn parse_pattern(code: &str, pattern: &str, order: usize) -> Result<Pattern, String> {
    let mut parts = pattern.split(' ').filter(|s| !s.is_empty());
    let head = parts.next().ok_or("empty pattern")?;
    let (kind, lemma) = match head.strip_prefix("n:") {
        Some(l) => (TriggerKind::Noun, l),
        None => (TriggerKind::Verb, head),
    };
    let mut p = Pattern {
        code: code.to_string(),
        kind,
        lemma: lemma.to_string(),
        particle: None,
        prep: None,
        words: Vec::new(),
        order,
    };
    for part in parts {
        if let Some(x) = part.strip_prefix('+') {
            p.particle = Some(x.to_string());
        } else if let Some(x) = part.strip_prefix('>') {
            p.prep = Some(x.to_string());
        } else if let Some(x) = part.strip_prefix('=') {
            p.words.extend(x.split('|').map(str::to_string));
        } else {
            return Err(format!("unknown pattern part {part:?}"));
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lexicon_loads_and_covers_every_root() {
        let lex = match EventLexicon::embedded() {
            Ok(l) => l,
            Err(e) => panic!("{e}"),
        };
        let roots = lex.patterns_per_root();
        for r in 1..=20 {
            let key = format!("{r:02}");
            assert!(
                roots.get(&key).is_some_and(|&n| n > 0),
                "no patterns for {key}"
            );
        }
        let meet = lex.verb_patterns("meet");
        assert!(meet.iter().any(|p| p.code == "040"));
        // Reducing relations is verbal conflict in the ConfliBERT convention; fighting is material.
        assert_eq!(lex.code("161").map(|c| c.quad_class), Some(3));
        assert_eq!(lex.code("190").map(|c| c.quad_class), Some(4));
        assert_eq!(lex.code("020").map(|c| c.quad_class), Some(0));
        assert_eq!(
            lex.code("036").and_then(|c| c.plover.clone()),
            Some("AGREE".into())
        );
        assert_eq!(lex.control("ready"), Some(Control::Intent));
        assert_eq!(lex.form_lemma("fought"), Some("fight"));
    }

    #[test]
    fn bad_lines_are_reported_with_their_place() {
        let codes = "010\tMake statement\t0\t0.0\t\n";
        let err = EventLexicon::parse(codes, "999\tsay\n").err();
        assert_eq!(err.map(|e| e.line), Some(1));
        let err = EventLexicon::parse(codes, "010\tsay ?x\n").err();
        assert!(err.is_some_and(|e| e.message.contains("unknown pattern part")));
    }
}
