//! Gazetteer: the project's TSV lexicons (countries, places, organisations, people) as a
//! case-insensitive phrase matcher over the tokens of a [`Text`].
//!
//! Phrases are tokenized with the same tokenizer as articles and matched on the lower-cased
//! normalised token forms, longest match first, left to right. The lexicons are embedded in the
//! binary (`lexicon/*.tsv`); see [`Gazetteer::embedded`].

use super::tagger::{combine, hash_bytes, HashKeyMap};
use super::text::{analyse, Text, TokenKind};

/// The embedded lexicons, as (file, contents).
pub const EMBEDDED: [(LexiconFile, &str); 5] = [
    (
        LexiconFile::Countries,
        include_str!("../../lexicon/countries.tsv"),
    ),
    (
        LexiconFile::Places,
        include_str!("../../lexicon/places.tsv"),
    ),
    (
        LexiconFile::Organisations,
        include_str!("../../lexicon/organisations.tsv"),
    ),
    (
        LexiconFile::People,
        include_str!("../../lexicon/people.tsv"),
    ),
    (
        LexiconFile::Titles,
        include_str!("../../lexicon/titles.tsv"),
    ),
];

/// Which lexicon a file is (each has its own columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LexiconFile {
    /// `iso3 iso2 name aliases demonyms capital`
    Countries,
    /// `name type country aliases`
    Places,
    /// `canonical type country sector aliases`
    Organisations,
    /// `canonical country sector role from to aliases`
    People,
    /// `title role sector aliases`: role nouns and honorifics ("President", "foreign minister").
    Titles,
}

/// What a lexicon phrase names. The order is the priority when a phrase is in two lexicons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GazKind {
    Country,
    /// A city or administrative unit with a government.
    Gpe,
    /// A nationality or demonym ("Russian", "Americans").
    Demonym,
    /// A political, religious or ethnic group (organisations.tsv rows typed NORP).
    Norp,
    Org,
    Person,
    /// A place without a government: a sea, river, region, continent.
    Loc,
}

impl GazKind {
    pub const ALL: [GazKind; 7] = [
        GazKind::Country,
        GazKind::Gpe,
        GazKind::Demonym,
        GazKind::Norp,
        GazKind::Org,
        GazKind::Person,
        GazKind::Loc,
    ];

    fn code(self) -> u8 {
        match self {
            GazKind::Country => 1,
            GazKind::Gpe => 2,
            GazKind::Demonym => 3,
            GazKind::Org => 4,
            GazKind::Person => 5,
            GazKind::Loc => 6,
            GazKind::Norp => 7,
        }
    }

    fn from_code(c: u8) -> Option<GazKind> {
        GazKind::ALL.into_iter().find(|k| k.code() == c)
    }
}

/// The gazetteer tag of one token: which kind of phrase covers it and whether it starts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GazTag(u8);

impl GazTag {
    pub const NONE: GazTag = GazTag(0);

    fn new(kind: GazKind, begin: bool) -> GazTag {
        GazTag(kind.code() << 1 | u8::from(!begin))
    }

    pub fn kind(self) -> Option<GazKind> {
        GazKind::from_code(self.0 >> 1)
    }

    pub fn is_begin(self) -> bool {
        self.0 != 0 && self.0 & 1 == 0
    }

    /// A small integer for feature keys (0 = no match).
    pub fn code(self) -> u8 {
        self.0
    }
}

/// Hash of an already lower-cased form.
#[inline]
pub fn hash_lowered(lowered: &str) -> u64 {
    hash_bytes(0x6c63_6861_7368, lowered.as_bytes())
}

/// Hash of a lower-cased token form; the key that the gazetteer and NER features share.
#[inline]
pub fn lower_hash(norm: &str, scratch: &mut String) -> u64 {
    let b = norm.as_bytes();
    if b.len() <= 64 && b.is_ascii() {
        let mut buf = [0u8; 64];
        for (d, s) in buf.iter_mut().zip(b) {
            *d = s.to_ascii_lowercase();
        }
        hash_bytes(0x6c63_6861_7368, &buf[..b.len()])
    } else {
        scratch.clear();
        for c in norm.chars() {
            scratch.extend(c.to_lowercase());
        }
        hash_lowered(scratch)
    }
}

/// [`lower_hash`] of every token of `text`.
pub fn lower_hashes(text: &Text) -> Vec<u64> {
    let mut scratch = String::new();
    (0..text.tokens().len())
        .map(|i| lower_hash(text.norm(i), &mut scratch))
        .collect()
}

const MAX_PHRASE: usize = 8;

#[derive(Debug, Clone, Copy, Default)]
struct Node {
    /// The kind when the phrase ending here is in a lexicon.
    kind: Option<GazKind>,
    /// Some longer phrase starts with this one.
    continues: bool,
    /// The phrase ending here is a title.
    title: bool,
}

/// The lexicons as a phrase matcher.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    nodes: HashKeyMap<Node>,
    /// Titles and role nouns, matched anywhere (also in lower case).
    titles: HashKeyMap<Node>,
    /// Single words that are given names (bit 1) or family names (bit 2) of listed people.
    name_parts: HashKeyMap<u8>,
    fingerprint: u64,
    phrases: usize,
}

impl Gazetteer {
    /// The gazetteer of the lexicons embedded in the binary.
    pub fn embedded() -> Gazetteer {
        Gazetteer::from_lexicons(&EMBEDDED)
    }

    /// Builds a gazetteer from lexicon files' contents. Malformed lines are skipped.
    pub fn from_lexicons(files: &[(LexiconFile, &str)]) -> Gazetteer {
        let mut g = Gazetteer::default();
        let mut fp = 0x1234_5678u64;
        for (file, contents) in files {
            fp = combine(fp, hash_bytes(file_code(*file), contents.as_bytes()));
            for line in contents.lines() {
                if line.starts_with('#') || line.trim().is_empty() {
                    continue;
                }
                let cols: Vec<&str> = line.split('\t').collect();
                let col = |i: usize| cols.get(i).copied().unwrap_or("");
                let multi = |i: usize| col(i).split('|').filter(|s| !s.trim().is_empty());
                match file {
                    LexiconFile::Countries => {
                        g.add(col(2), GazKind::Country);
                        multi(3).for_each(|a| g.add(a, GazKind::Country));
                        multi(4).for_each(|a| g.add(a, GazKind::Demonym));
                        multi(5).for_each(|a| g.add(a, GazKind::Gpe));
                    }
                    LexiconFile::Places => {
                        let kind = if col(1).trim().eq_ignore_ascii_case("LOC") {
                            GazKind::Loc
                        } else {
                            GazKind::Gpe
                        };
                        g.add(col(0), kind);
                        multi(3).for_each(|a| g.add(a, kind));
                    }
                    LexiconFile::Organisations => {
                        let kind = if col(1).trim().eq_ignore_ascii_case("NORP") {
                            GazKind::Norp
                        } else {
                            GazKind::Org
                        };
                        g.add(col(0), kind);
                        multi(4).for_each(|a| g.add(a, kind));
                    }
                    LexiconFile::People => {
                        g.add_name_parts(col(0));
                        g.add(col(0), GazKind::Person);
                        multi(6).for_each(|a| g.add(a, GazKind::Person));
                    }
                    LexiconFile::Titles => {
                        if !col(0).contains('(') {
                            g.add_title(col(0));
                        }
                        multi(3).for_each(|a| g.add_title(a));
                    }
                }
            }
        }
        g.fingerprint = fp;
        g
    }

    /// A hash of the lexicon contents (to tell whether a model was trained with these).
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// How many phrases were added.
    pub fn len(&self) -> usize {
        self.phrases
    }

    pub fn is_empty(&self) -> bool {
        self.phrases == 0
    }

    fn add(&mut self, phrase: &str, kind: GazKind) {
        if Self::insert(&mut self.nodes, phrase, Some(kind)) {
            self.phrases += 1;
        }
    }

    /// Records the first word of a person's name as a given name and the last as a family
    /// name ("Vladimir Putin"; initials and suffixes such as "Jr." are skipped).
    fn add_name_parts(&mut self, name: &str) {
        let text = analyse(name.trim());
        let words: Vec<usize> = (0..text.tokens().len())
            .filter(|&i| {
                let w = text.token_text(i);
                text.tokens()[i].kind() == TokenKind::Word
                    && w.chars().filter(|c| c.is_alphabetic()).count() >= 2
                    && !matches!(w, "Jr." | "Sr." | "Jr" | "Sr" | "II" | "III")
            })
            .collect();
        if words.len() < 2 {
            return;
        }
        let mut scratch = String::new();
        let mut mark = |i: usize, bit: u8| {
            let h = lower_hash(text.norm(i), &mut scratch);
            *self.name_parts.entry(h).or_default() |= bit;
        };
        mark(words[0], 1);
        mark(words[words.len() - 1], 2);
    }

    /// Whether a word (by [`lower_hash`]) is a known given name (bit 1) or family name (bit 2).
    #[inline]
    pub fn name_part(&self, lower: u64) -> u8 {
        self.name_parts.get(&lower).copied().unwrap_or(0)
    }

    fn add_title(&mut self, phrase: &str) {
        if Self::insert(&mut self.titles, phrase, None) {
            self.phrases += 1;
        }
    }

    /// Adds a phrase to a trie of hashes; `kind` `None` marks a title. Returns whether added.
    fn insert(nodes: &mut HashKeyMap<Node>, phrase: &str, kind: Option<GazKind>) -> bool {
        let phrase = phrase.trim();
        if phrase.is_empty() {
            return false;
        }
        let text = analyse(phrase);
        let n = text.tokens().len();
        if n == 0 || n > MAX_PHRASE {
            return false;
        }
        let mut scratch = String::new();
        let mut h = 0u64;
        for i in 0..n {
            let lh = lower_hash(text.norm(i), &mut scratch);
            h = if i == 0 { lh } else { combine(h, lh) };
            let node = nodes.entry(h).or_default();
            if i + 1 < n {
                node.continues = true;
            } else {
                node.title = kind.is_none();
                node.kind = match (node.kind, kind) {
                    (Some(k), Some(new)) if k <= new => Some(k),
                    (_, new) => new.or(node.kind),
                };
            }
        }
        true
    }

    /// Marks tokens covered by a title or role noun ("President", "foreign minister"), longest
    /// match first: 1 for the first token of a match, 2 for the others, 0 elsewhere.
    pub fn annotate_titles(&self, lower: &[u64], out: &mut Vec<u8>) {
        out.clear();
        out.resize(lower.len(), 0);
        let n = lower.len();
        let mut i = 0;
        while i < n {
            let mut h = lower[i];
            let mut end = None;
            let mut j = i;
            while let Some(node) = self.titles.get(&h) {
                if node.title {
                    end = Some(j + 1);
                }
                if !node.continues || j + 1 >= n || j + 1 - i >= MAX_PHRASE {
                    break;
                }
                j += 1;
                h = combine(h, lower[j]);
            }
            match end {
                Some(end) => {
                    out[i] = 1;
                    out[i + 1..end].iter_mut().for_each(|x| *x = 2);
                    i = end;
                }
                None => i += 1,
            }
        }
    }

    /// Tags tokens with the longest lexicon match, left to right. `lower[i]` is token i's
    /// [`lower_hash`]; a match may only start where `may_start[i]` (callers pass "not a
    /// lower-case word"). `out` is resized to the token count.
    pub fn annotate(&self, lower: &[u64], may_start: &[bool], out: &mut Vec<GazTag>) {
        out.clear();
        out.resize(lower.len(), GazTag::NONE);
        if self.nodes.is_empty() {
            return;
        }
        let n = lower.len();
        let mut i = 0;
        while i < n {
            if !may_start[i] {
                i += 1;
                continue;
            }
            let mut h = lower[i];
            let mut best: Option<(usize, GazKind)> = None;
            let mut j = i;
            while let Some(node) = self.nodes.get(&h) {
                if let Some(k) = node.kind {
                    best = Some((j + 1, k));
                }
                if !node.continues || j + 1 >= n || j + 1 - i >= MAX_PHRASE {
                    break;
                }
                j += 1;
                h = combine(h, lower[j]);
            }
            match best {
                Some((end, kind)) => {
                    for (k, tag) in out[i..end].iter_mut().enumerate() {
                        *tag = GazTag::new(kind, k == 0);
                    }
                    i = end;
                }
                None => i += 1,
            }
        }
    }

    /// The lexicon kind of a phrase given as its tokens' [`lower_hash`]es, if any.
    pub fn phrase_kind(&self, lower: &[u64]) -> Option<GazKind> {
        let (&first, rest) = lower.split_first()?;
        let h = rest.iter().fold(first, |h, &x| combine(h, x));
        self.nodes.get(&h).and_then(|n| n.kind)
    }

    /// Convenience: the lexicon kind of an exact phrase (case-insensitive), if any.
    pub fn lookup(&self, phrase: &str) -> Option<GazKind> {
        let text = analyse(phrase);
        let mut scratch = String::new();
        let mut h = 0u64;
        for i in 0..text.tokens().len() {
            let lh = lower_hash(text.norm(i), &mut scratch);
            h = if i == 0 { lh } else { combine(h, lh) };
        }
        self.nodes.get(&h).and_then(|n| n.kind)
    }
}

fn file_code(f: LexiconFile) -> u64 {
    match f {
        LexiconFile::Countries => 1,
        LexiconFile::Places => 2,
        LexiconFile::Organisations => 3,
        LexiconFile::People => 4,
        LexiconFile::Titles => 5,
    }
}

/// Whether a token may start a lexicon match: anything but a lower-case word or punctuation.
pub fn may_start(kind: TokenKind, text: &str) -> bool {
    match kind {
        TokenKind::Word => !text.chars().next().is_some_and(char::is_lowercase),
        TokenKind::Number => true,
        TokenKind::Punct | TokenKind::Symbol => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(g: &Gazetteer, body: &str) -> Vec<(String, Option<GazKind>, bool)> {
        let t = analyse(body);
        let mut s = String::new();
        let lower: Vec<u64> = (0..t.tokens().len())
            .map(|i| lower_hash(t.norm(i), &mut s))
            .collect();
        let starts: Vec<bool> = t
            .tokens()
            .iter()
            .enumerate()
            .map(|(i, tok)| may_start(tok.kind(), t.token_text(i)))
            .collect();
        let mut out = Vec::new();
        g.annotate(&lower, &starts, &mut out);
        out.iter()
            .enumerate()
            .map(|(i, tag)| (t.token_text(i).to_string(), tag.kind(), tag.is_begin()))
            .collect()
    }

    #[test]
    fn longest_match_wins_and_case_is_folded() {
        let countries = "# c\nUSA\tUS\tUnited States\tUnited States of America|America\tAmerican|Americans\tWashington\n";
        let places = "New York\tGPE\tUSA\t\nNew York City\tGPE\tUSA\tNYC\nBlack Sea\tLOC\t\t\n";
        let g = Gazetteer::from_lexicons(&[
            (LexiconFile::Countries, countries),
            (LexiconFile::Places, places),
        ]);
        let got = tags(
            &g,
            "NEW YORK CITY and the United States of America near the Black Sea",
        );
        assert_eq!(got[0], ("NEW".into(), Some(GazKind::Gpe), true));
        assert_eq!(got[2], ("CITY".into(), Some(GazKind::Gpe), false));
        assert_eq!(got[3].1, None);
        assert_eq!(got[5], ("United".into(), Some(GazKind::Country), true));
        assert_eq!(got[8], ("America".into(), Some(GazKind::Country), false));
        assert_eq!(got[11], ("Black".into(), Some(GazKind::Loc), true));
        assert_eq!(g.lookup("americans"), Some(GazKind::Demonym));
        assert_eq!(g.lookup("Washington"), Some(GazKind::Gpe));
        assert_eq!(g.lookup("Narnia"), None);
    }

    #[test]
    fn lowercase_words_do_not_start_matches() {
        let g = Gazetteer::from_lexicons(&[(
            LexiconFile::Countries,
            "TUR\tTR\tTurkey\t\tTurk|Turks\tAnkara\n",
        )]);
        let got = tags(&g, "roast turkey in Turkey");
        assert_eq!(got[1].1, None);
        assert_eq!(got[3].1, Some(GazKind::Country));
    }

    #[test]
    fn titles_organisations_and_name_parts() {
        let g = Gazetteer::from_lexicons(&[
            (
                LexiconFile::Organisations,
                "United Nations\tORG\t\tIGO\tUN|U.N.\nTaliban\tNORP\tAFG\tREB\t\n",
            ),
            (
                LexiconFile::People,
                "Vladimir Putin\tRUS\tGOV\tpresident\t2012\t\tPutin|Vladimir Vladimirovich Putin\n",
            ),
            (
                LexiconFile::Titles,
                "Foreign Minister\tforeign minister\tGOV\tforeign minister|foreign secretary\n",
            ),
        ]);
        assert_eq!(g.lookup("U.N."), Some(GazKind::Org));
        assert_eq!(g.lookup("Taliban"), Some(GazKind::Norp));
        assert_eq!(g.lookup("putin"), Some(GazKind::Person));
        let mut s = String::new();
        assert_eq!(g.name_part(lower_hash("Vladimir", &mut s)), 1);
        assert_eq!(g.name_part(lower_hash("PUTIN", &mut s)), 2);
        assert_eq!(g.name_part(lower_hash("Vladimirovich", &mut s)), 0);
        let t = analyse("the British foreign secretary and the Foreign Minister");
        let lower: Vec<u64> = (0..t.tokens().len())
            .map(|i| lower_hash(t.norm(i), &mut s))
            .collect();
        let mut out = Vec::new();
        g.annotate_titles(&lower, &mut out);
        assert_eq!(out, vec![0, 0, 1, 2, 0, 0, 1, 2]);
    }

    #[test]
    fn embedded_lexicons_load() {
        let g = Gazetteer::embedded();
        assert!(g.len() > 500, "only {} phrases", g.len());
        assert_eq!(g.lookup("Russia"), Some(GazKind::Country));
        assert_eq!(g.lookup("Russian"), Some(GazKind::Demonym));
        assert_eq!(g.lookup("Moscow"), Some(GazKind::Gpe));
        assert_eq!(g.lookup("NATO"), Some(GazKind::Org));
        assert_eq!(g.lookup("Vladimir Putin"), Some(GazKind::Person));
    }
}
