//! Readers for PETRARCH2's dictionary text formats: verbs (synsets, blocks, patterns),
//! actors (synonyms, date-restricted codes), agents (plurals, substitution markers) and
//! discards. Text in, typed dictionaries out; the files are read elsewhere.
//!
//! Like PETRARCH, a line that does not parse is skipped; unlike PETRARCH, it is counted and
//! described in [`Dictionaries::skipped`] so a caller can report it.

use std::collections::HashMap;
use std::fmt;

use super::words::phrase;

/// A dictionary set could not be loaded: the caller cannot code with it.
#[derive(Debug)]
pub enum DictionaryError {
    /// A file could not be read.
    Io {
        path: String,
        source: std::io::Error,
    },
    /// No verb or no actor file was given.
    Missing(&'static str),
}

impl fmt::Display for DictionaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DictionaryError::Io { path, source } => write!(f, "{path}: {source}"),
            DictionaryError::Missing(what) => write!(f, "no {what} dictionary given"),
        }
    }
}

impl std::error::Error for DictionaryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DictionaryError::Io { source, .. } => Some(source),
            DictionaryError::Missing(_) => None,
        }
    }
}

/// Dictionary texts to parse, each as (file name, contents).
#[derive(Debug, Default, Clone)]
pub struct Sources {
    pub verbs: Vec<(String, String)>,
    pub actors: Vec<(String, String)>,
    pub agents: Vec<(String, String)>,
    pub discards: Vec<(String, String)>,
}

/// A line that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub line: usize,
    pub reason: &'static str,
}

/// Entry counts, for reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Sizes {
    pub verb_blocks: usize,
    pub verb_forms: usize,
    pub verb_patterns: usize,
    pub synsets: usize,
    pub actors: usize,
    pub actor_phrases: usize,
    pub agent_phrases: usize,
    pub discards: usize,
}

/// A loaded PETRARCH dictionary set.
#[derive(Debug, Default)]
pub struct Dictionaries {
    pub(crate) verbs: Verbs,
    pub(crate) actors: PhraseTable<usize>,
    pub(crate) actor_entries: Vec<ActorEntry>,
    pub(crate) agents: PhraseTable<Agent>,
    pub(crate) discards: PhraseTable<bool>,
    pub skipped: Vec<Skipped>,
}

impl Dictionaries {
    /// Parses every source. Fails only when there is no verb or actor text at all.
    pub fn parse(sources: &Sources) -> Result<Dictionaries, DictionaryError> {
        if sources.verbs.is_empty() {
            return Err(DictionaryError::Missing("verb"));
        }
        if sources.actors.is_empty() {
            return Err(DictionaryError::Missing("actor"));
        }
        let mut d = Dictionaries::default();
        for (name, text) in &sources.verbs {
            d.read_verbs(name, text);
        }
        for (name, text) in &sources.actors {
            d.read_actors(name, text);
        }
        for (name, text) in &sources.agents {
            d.read_agents(name, text);
        }
        for (name, text) in &sources.discards {
            for (_, line) in lines(text) {
                let (story, body) = match line.strip_prefix('+') {
                    Some(rest) => (true, rest),
                    None => (false, line),
                };
                let words = phrase(body);
                if !words.is_empty() {
                    d.discards.insert(words, story);
                }
            }
            let _ = name;
        }
        d.actors.sort();
        d.agents.sort();
        d.discards.sort();
        Ok(d)
    }

    pub fn sizes(&self) -> Sizes {
        Sizes {
            verb_blocks: self.verbs.blocks.len(),
            verb_forms: self.verbs.forms.values().map(Vec::len).sum(),
            verb_patterns: self.verbs.blocks.iter().map(|b| b.patterns.len()).sum(),
            synsets: self.verbs.synsets.len(),
            actors: self.actor_entries.len(),
            actor_phrases: self.actors.len(),
            agent_phrases: self.agents.len(),
            discards: self.discards.len(),
        }
    }

    fn skip(&mut self, file: &str, line: usize, reason: &'static str) {
        self.skipped.push(Skipped {
            file: file.to_string(),
            line,
            reason,
        });
    }

    fn read_verbs(&mut self, file: &str, text: &str) {
        let mut block: Option<usize> = None;
        let mut block_code = Code::Null;
        let mut synset: Option<String> = None;
        for (n, line) in lines(text) {
            if let Some(rest) = line.strip_prefix("---") {
                synset = None;
                let name = rest.split('[').next().unwrap_or("").trim();
                let name = name.trim_end_matches('-').trim().to_string();
                block_code = bracket(rest).map_or(Code::Null, Code::parse);
                let idx = match self.verbs.block_index.get(&name) {
                    Some(&i) => i,
                    None => {
                        self.verbs.blocks.push(Block {
                            name: name.clone(),
                            patterns: Vec::new(),
                        });
                        let i = self.verbs.blocks.len() - 1;
                        self.verbs.block_index.insert(name, i);
                        i
                    }
                };
                block = Some(idx);
            } else if let Some(label) = line.strip_prefix('&') {
                let label = label.split_whitespace().next().unwrap_or("");
                let name = format!("&{}", label.trim_end_matches('_'));
                self.verbs.synsets.entry(name.clone()).or_default();
                self.verbs
                    .synset_plurals
                    .insert(name.clone(), !label.ends_with('_'));
                synset = Some(name);
            } else if line.starts_with('~') {
                // "~ a (a b ATTACK) SAY = a b 015": how PETRARCH2 combines a verb with the
                // verb it governs. The coder codes each verb on its own.
                self.skip(file, n, "verb transformation (not supported)");
            } else if line.starts_with('-') {
                synset = None;
                let Some(b) = block else {
                    self.skip(file, n, "pattern outside a verb block");
                    continue;
                };
                match Pattern::parse(line, n) {
                    Some(p) => self.verbs.blocks[b].patterns.push(p),
                    None => self.skip(file, n, "pattern without `*` or code"),
                }
            } else if let (Some(name), Some(member)) = (&synset, line.strip_prefix('+')) {
                let plural = self.verbs.synset_plurals.get(name).copied().unwrap_or(true)
                    && !member.trim_end().ends_with('_');
                let words = phrase(member);
                if words.is_empty() {
                    continue;
                }
                let set = self.verbs.synsets.entry(name.clone()).or_default();
                if plural && !words.iter().any(|w| w.starts_with('&')) {
                    let mut p = words.clone();
                    if let Some(last) = p.last_mut() {
                        *last = plural_of(last);
                    }
                    set.push(p);
                }
                set.push(words);
            } else {
                synset = None;
                let Some(b) = block else {
                    self.skip(file, n, "verb outside a verb block");
                    continue;
                };
                if !self.read_verb_line(line, b, &block_code) {
                    self.skip(file, n, "verb line without a verb");
                }
            }
        }
    }

    /// `SAY {SAID SAYING} [010]`, `+CORDON_OFF {+CORDONED_OFF}`, `WIRE_+TAP`, `LASH OUT`.
    fn read_verb_line(&mut self, line: &str, block: usize, block_code: &Code) -> bool {
        let (main, rest) = match line.find('{') {
            Some(i) => (&line[..i], &line[i..]),
            None => match line.find('[') {
                Some(i) => (&line[..i], &line[i..]),
                None => (line, ""),
            },
        };
        let code = bracket(rest)
            .or_else(|| bracket(main))
            .map_or_else(|| block_code.clone(), Code::parse);
        let main = main.trim();
        if main.is_empty() {
            return false;
        }
        let mut forms: Vec<String> = vec![main.to_string()];
        match (rest.find('{'), rest.find('}')) {
            (Some(a), Some(b)) if a < b => {
                forms.extend(rest[a + 1..b].split_whitespace().map(str::to_string));
            }
            _ => forms.extend(regular_forms(main)),
        }
        for form in forms {
            let parts: Vec<&str> = form
                .split(|c: char| c == '_' || c.is_whitespace())
                .filter(|p| !p.is_empty())
                .collect();
            let head = parts.iter().position(|p| p.starts_with('+')).unwrap_or(0);
            let words: Vec<String> = parts
                .iter()
                .map(|p| p.trim_start_matches('+').to_uppercase())
                .collect();
            let Some(verb) = words.get(head).cloned() else {
                continue;
            };
            if !verb.chars().any(char::is_alphanumeric) {
                continue;
            }
            self.verbs.forms.entry(verb).or_default().push(Form {
                block,
                code: code.clone(),
                before: words[..head].to_vec(),
                after: words[head + 1..].to_vec(),
            });
        }
        true
    }

    fn read_actors(&mut self, file: &str, text: &str) {
        let mut current: Option<ActorEntry> = None;
        let flush = |d: &mut Dictionaries, entry: Option<ActorEntry>| {
            if let Some(e) = entry {
                if e.codes.is_empty() {
                    return;
                }
                let idx = d.actor_entries.len();
                for p in &e.phrases {
                    d.actors.insert(p.clone(), idx);
                }
                d.actor_entries.push(e);
            }
        };
        for (n, line) in lines(text) {
            if line.starts_with('[') {
                match current.as_mut() {
                    Some(e) => e.codes.extend(codes_in(line)),
                    None => self.skip(file, n, "actor code without an actor"),
                }
                continue;
            }
            let (words_part, codes_part) = match line.find('[') {
                Some(i) => (&line[..i], &line[i..]),
                None => (line, ""),
            };
            if let Some(syn) = words_part.strip_prefix('+') {
                let words = phrase(syn);
                match current.as_mut() {
                    Some(e) if !words.is_empty() => {
                        e.phrases.push(words);
                        e.codes.extend(codes_in(codes_part));
                    }
                    _ => self.skip(file, n, "actor synonym without an actor"),
                }
                continue;
            }
            flush(self, current.take());
            let words = phrase(words_part);
            if words.is_empty() {
                self.skip(file, n, "actor line without words");
                continue;
            }
            current = Some(ActorEntry {
                phrases: vec![words],
                codes: codes_in(codes_part),
            });
        }
        flush(self, current.take());
    }

    fn read_agents(&mut self, file: &str, text: &str) {
        let mut markers: HashMap<String, Vec<String>> = HashMap::new();
        for (n, line) in lines(text) {
            if line.contains('!') && line.contains('=') {
                let mut parts = line.splitn(2, '=');
                let name = parts
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_matches('!')
                    .to_string();
                let values = parts
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect();
                markers.insert(name, values);
                continue;
            }
            let Some(code) = bracket(line) else {
                self.skip(file, n, "agent without a code");
                continue;
            };
            let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            let agent = if let Some(c) = code.strip_prefix('~') {
                Agent {
                    code: c.to_string(),
                    prefix: false,
                }
            } else {
                Agent {
                    code: code.trim_end_matches('~').to_string(),
                    prefix: true,
                }
            };
            let head = line[..line.find('[').unwrap_or(line.len())].trim();
            let mut forms = Vec::new();
            // The first `!NAME!` is substituted, as PETRARCH does.
            let first = head.find('!');
            let second = first.and_then(|a| head[a + 1..].find('!').map(|b| a + 1 + b));
            if let (Some(a), Some(b)) = (first, second) {
                let name = &head[a + 1..b];
                match markers.get(name) {
                    Some(values) if a < b => {
                        for v in values {
                            forms.push(format!("{}{}{}", &head[..a], v, &head[b + 1..]));
                        }
                    }
                    _ => {
                        self.skip(file, n, "agent with an undefined substitution marker");
                        continue;
                    }
                }
            } else if let Some(a) = head.find('{') {
                let singular = head[..a].trim();
                forms.push(singular.to_string());
                let plural = head[a + 1..].trim_end_matches('}').trim();
                if !plural.is_empty() {
                    forms.push(plural.to_string());
                }
            } else {
                forms.push(head.to_string());
                forms.push(plural_of(head.trim_end_matches('_')));
            }
            for f in forms {
                let words = phrase(&f);
                if !words.is_empty() {
                    self.agents.insert(words, agent.clone());
                }
            }
        }
    }
}

/// The verb dictionary.
#[derive(Debug, Default)]
pub(crate) struct Verbs {
    pub(crate) blocks: Vec<Block>,
    block_index: HashMap<String, usize>,
    /// Verb word as it appears in text -> the forms it can be.
    pub(crate) forms: HashMap<String, Vec<Form>>,
    /// `&NAME` -> member phrases (with generated plurals).
    pub(crate) synsets: HashMap<String, Vec<Vec<String>>>,
    synset_plurals: HashMap<String, bool>,
}

#[derive(Debug)]
pub(crate) struct Block {
    #[allow(dead_code)]
    pub(crate) name: String,
    pub(crate) patterns: Vec<Pattern>,
}

/// One way a word can be a verb of a block: with the words of a multi-word verb around it.
#[derive(Debug, Clone)]
pub(crate) struct Form {
    pub(crate) block: usize,
    pub(crate) code: Code,
    pub(crate) before: Vec<String>,
    pub(crate) after: Vec<String>,
}

/// An event code: none, or forward (source -> target) and/or reverse (target -> source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Code {
    Null,
    Pair {
        forward: Option<String>,
        reverse: Option<String>,
    },
}

impl Code {
    fn parse(s: &str) -> Code {
        let one = |p: &str| {
            let p = p.trim();
            (!p.is_empty() && p != "---").then(|| p.to_string())
        };
        let (f, r) = match s.split_once(':') {
            Some((f, r)) => (one(f), one(r)),
            None => (one(s), None),
        };
        if f.is_none() && r.is_none() {
            Code::Null
        } else {
            Code::Pair {
                forward: f,
                reverse: r,
            }
        }
    }
}

/// `- upper * lower [code]`: `before` is stored nearest-to-the-verb first.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    pub(crate) before: Vec<Elem>,
    pub(crate) after: Vec<Elem>,
    pub(crate) code: Code,
    #[allow(dead_code)]
    pub(crate) line: usize,
}

/// A pattern element and whether it must touch its neighbour nearer the verb (`_`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Elem {
    pub(crate) kind: ElemKind,
    pub(crate) adjacent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ElemKind {
    Word(String),
    Synset(String),
    /// `$`
    Source,
    /// `+`
    Target,
    /// `%`
    Compound,
    /// `^`: skip a phrase.
    Skip,
}

impl Pattern {
    fn parse(line: &str, n: usize) -> Option<Pattern> {
        let body = line.strip_prefix('-')?;
        let open = body.rfind('[')?;
        let code = Code::parse(bracket(&body[open..])?);
        let body = &body[..open];
        let star = body.find('*')?;
        let upper = elems(&body[..star]);
        let lower = elems(&body[star + 1..]);
        // Upper: the connector after each element ties it to the next one (nearer the verb).
        let mut before = Vec::new();
        for (i, (kind, _, after_adj)) in upper.iter().enumerate() {
            let adjacent = if i + 1 < upper.len() {
                upper[i + 1].1
            } else {
                *after_adj
            };
            before.push(Elem {
                kind: kind.clone(),
                adjacent,
            });
        }
        before.reverse();
        let after = lower
            .into_iter()
            .map(|(kind, before_adj, _)| Elem {
                kind,
                adjacent: before_adj,
            })
            .collect();
        Some(Pattern {
            before,
            after,
            code,
            line: n,
        })
    }
}

/// Splits one side of a pattern into (element, joined by `_` to the previous, joined by
/// `_` to the next). A run of separators ties two elements only when it is all `_`
/// (`IN_*` ties, `IN_ *` does not). Brackets of PETRARCH2 groups `(...)`, `{...}` are dropped.
fn elems(side: &str) -> Vec<(ElemKind, bool, bool)> {
    let tied = |run: &str| !run.is_empty() && !run.chars().any(char::is_whitespace);
    let cleaned: String = side
        .chars()
        .map(|c| {
            if matches!(c, '(' | ')' | '{' | '}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut words: Vec<(String, bool)> = Vec::new();
    let mut word = String::new();
    let mut run = String::new();
    for c in cleaned.chars() {
        if c == '_' || c.is_whitespace() {
            if !word.is_empty() {
                words.push((std::mem::take(&mut word), false));
                run.clear();
            }
            run.push(c);
        } else {
            if word.is_empty() {
                let adjacent = tied(&run);
                words.push((String::new(), adjacent));
                run.clear();
            }
            word.push(c);
        }
    }
    if !word.is_empty() {
        words.push((word, false));
    }
    // `words` alternates (separator marker, word); fold the markers into the words.
    let mut out: Vec<(ElemKind, bool, bool)> = Vec::new();
    let mut adjacent = false;
    for (w, adj) in words {
        if w.is_empty() {
            adjacent = adj;
            continue;
        }
        let kinds: Vec<ElemKind> = match w.as_str() {
            "$" => vec![ElemKind::Source],
            "+" => vec![ElemKind::Target],
            "%" => vec![ElemKind::Compound],
            "^" => vec![ElemKind::Skip],
            x if x.starts_with('&') => {
                vec![ElemKind::Synset(x.trim_end_matches('_').to_uppercase())]
            }
            x => phrase(x).into_iter().map(ElemKind::Word).collect(),
        };
        for (i, k) in kinds.into_iter().enumerate() {
            let adj_prev = if i == 0 { adjacent } else { true };
            if let Some(last) = out.last_mut() {
                last.2 = adj_prev;
            }
            out.push((k, adj_prev, false));
        }
    }
    if let Some(last) = out.last_mut() {
        last.2 = tied(&run);
    }
    out
}

/// An actor entry: its phrases and its codes, each valid in a date range.
#[derive(Debug, Clone)]
pub(crate) struct ActorEntry {
    #[allow(dead_code)]
    pub(crate) phrases: Vec<Vec<String>>,
    pub(crate) codes: Vec<DatedCode>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DatedCode {
    /// One or more codes (`[FRO/BIL/SAM]`), or none for `[---]`.
    pub(crate) codes: Vec<String>,
    /// Inclusive YYYYMMDD bounds.
    pub(crate) from: Option<u32>,
    pub(crate) to: Option<u32>,
    pub(crate) restricted: bool,
}

impl ActorEntry {
    /// The codes in force on `date`: the first restricted code whose range holds it, else
    /// the first unrestricted one. None when the entry codes nothing then.
    pub(crate) fn codes_on(&self, date: Option<u32>) -> Option<&[String]> {
        if let Some(d) = date {
            for c in self.codes.iter().filter(|c| c.restricted) {
                if c.from.is_none_or(|f| d >= f) && c.to.is_none_or(|t| d <= t) {
                    return (!c.codes.is_empty()).then_some(c.codes.as_slice());
                }
            }
        }
        let c = self.codes.iter().find(|c| !c.restricted)?;
        (!c.codes.is_empty()).then_some(c.codes.as_slice())
    }
}

/// `[CODE]`, `[CODE <911226]`, `[HOB < 950601]`, `[HOBGOV 19950601 - 19990815]`, `[X >990816]`.
fn codes_in(s: &str) -> Vec<DatedCode> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(a) = rest.find('[') {
        let Some(b) = rest[a..].find(']') else {
            break;
        };
        let inner = &rest[a + 1..a + b];
        rest = &rest[a + b + 1..];
        let mut parts = inner.split_whitespace();
        let Some(code) = parts.next() else {
            continue;
        };
        let spec: String = parts.collect();
        let codes = if code == "---" {
            Vec::new()
        } else {
            code.split('/')
                .filter(|c| !c.is_empty())
                .map(str::to_uppercase)
                .collect()
        };
        let (from, to, restricted) = if spec.is_empty() {
            (None, None, false)
        } else if let Some(d) = spec.strip_prefix('<') {
            (None, date(d).map(|d| d.saturating_sub(1)), true)
        } else if let Some(d) = spec.strip_prefix('>') {
            (date(d).map(|d| d + 1), None, true)
        } else if let Some((f, t)) = spec.split_once('-') {
            (date(f), date(t), true)
        } else {
            (date(&spec), date(&spec), true)
        };
        out.push(DatedCode {
            codes,
            from,
            to,
            restricted,
        });
    }
    out
}

/// YYYYMMDD, or YYMMDD with 00-30 read as 20YY; as a comparable number.
fn date(s: &str) -> Option<u32> {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        8 => digits.parse().ok(),
        6 => {
            let n: u32 = digits.parse().ok()?;
            let yy = n / 10000;
            let century = if yy <= 30 { 20_000_000 } else { 19_000_000 };
            Some(century + n)
        }
        _ => None,
    }
}

/// An agent code: added after the actor code (`[~GOV]`) or before it (`[NGO~]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Agent {
    pub(crate) code: String,
    pub(crate) prefix: bool,
}

/// Phrases keyed by their first word, longest first, for longest-match lookup.
#[derive(Debug)]
pub(crate) struct PhraseTable<T> {
    by_first: HashMap<String, Vec<(Vec<String>, T)>>,
    len: usize,
}

impl<T> Default for PhraseTable<T> {
    fn default() -> Self {
        PhraseTable {
            by_first: HashMap::new(),
            len: 0,
        }
    }
}

impl<T> PhraseTable<T> {
    fn insert(&mut self, words: Vec<String>, value: T) {
        if let Some(first) = words.first() {
            self.by_first
                .entry(first.clone())
                .or_default()
                .push((words, value));
            self.len += 1;
        }
    }

    /// Longest first; among equals, the first read wins.
    fn sort(&mut self) {
        for v in self.by_first.values_mut() {
            v.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The longest phrase starting at `words[i]`: its length and value.
    pub(crate) fn longest<'a, S: AsRef<str>>(
        &'a self,
        words: &[S],
        i: usize,
    ) -> Option<(usize, &'a T)> {
        let first = words.get(i)?.as_ref();
        self.by_first.get(first)?.iter().find_map(|(p, v)| {
            let end = i + p.len();
            (end <= words.len() && p.iter().zip(&words[i..end]).all(|(a, b)| a == b.as_ref()))
                .then_some((p.len(), v))
        })
    }
}

/// Non-blank lines with comments removed, numbered from 1: `<!-- ... -->` (possibly over
/// several lines), lines starting with `#`, and ` #...` at the end of a line.
fn lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut in_comment = false;
    for (i, raw) in text.lines().enumerate() {
        let mut line = raw;
        if in_comment {
            match line.find("-->") {
                Some(e) => {
                    in_comment = false;
                    line = &line[e + 3..];
                }
                None => continue,
            }
        }
        if line.trim_start().starts_with("<!") {
            match line.find("-->") {
                Some(e) => line = &line[e + 3..],
                None => {
                    // `<! -- ... -->`-style one-liners without the closing marker are
                    // comments too; a real multi-line comment opens with `<!--`.
                    in_comment = line.contains("<!--");
                    continue;
                }
            }
        }
        if line.trim_start().starts_with('#') {
            continue;
        }
        let line = strip_comment(line).trim();
        if !line.is_empty() {
            out.push((i + 1, line));
        }
    }
    out
}

/// Cuts a `#` comment that starts a word (so `[###]` survives).
fn strip_comment(line: &str) -> &str {
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_space {
            return &line[..i];
        }
        prev_space = c.is_whitespace();
    }
    line
}

/// Contents of the first `[...]`.
fn bracket(s: &str) -> Option<&str> {
    let a = s.find('[')?;
    let b = s[a..].find(']')?;
    Some(s[a + 1..a + b].trim())
}

/// PETRARCH's plural of a noun phrase's last word.
fn plural_of(w: &str) -> String {
    if let Some(stem) = w.strip_suffix('Y') {
        format!("{stem}IES")
    } else if w.ends_with('S') {
        format!("{w}ES")
    } else {
        format!("{w}S")
    }
}

/// The regular forms of a verb (or of the `+` word of a multi-word verb): -S, -ED, -ING.
fn regular_forms(main: &str) -> Vec<String> {
    let parts: Vec<&str> = main
        .split(|c: char| c == '_' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let head = parts.iter().position(|p| p.starts_with('+')).unwrap_or(0);
    let Some(root) = parts
        .get(head)
        .map(|p| p.trim_start_matches('+').to_uppercase())
    else {
        return Vec::new();
    };
    if root.is_empty() {
        return Vec::new();
    }
    let mut endings = Vec::new();
    let last = root.chars().last().unwrap_or(' ');
    let before_last = root.chars().rev().nth(1).unwrap_or(' ');
    let vowel = |c: char| "AEIOU".contains(c);
    if matches!(last, 'S' | 'X' | 'Z') || root.ends_with("CH") || root.ends_with("SH") {
        endings.push(format!("{root}ES"));
    } else if last == 'Y' && !vowel(before_last) {
        endings.push(format!("{}IES", &root[..root.len() - 1]));
    } else {
        endings.push(format!("{root}S"));
    }
    if last == 'E' {
        endings.push(format!("{root}D"));
        if before_last == 'E' {
            endings.push(format!("{root}ING"));
        } else {
            endings.push(format!("{}ING", &root[..root.len() - 1]));
        }
    } else if last == 'Y' && !vowel(before_last) {
        endings.push(format!("{}IED", &root[..root.len() - 1]));
        endings.push(format!("{root}ING"));
    } else {
        endings.push(format!("{root}ED"));
        endings.push(format!("{root}ING"));
    }
    endings
        .into_iter()
        .map(|form| {
            parts
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    if i == head {
                        format!("+{form}")
                    } else {
                        p.to_uppercase()
                    }
                })
                .collect::<Vec<_>>()
                .join("_")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(kind: &str, text: &str) -> Dictionaries {
        let mut s = Sources {
            verbs: vec![("v".into(), "--- X [010] ---\nX\n".into())],
            actors: vec![("a".into(), "Z [ZZZ]\n".into())],
            ..Sources::default()
        };
        match kind {
            "verbs" => s.verbs = vec![("v".into(), text.into())],
            "actors" => s.actors = vec![("a".into(), text.into())],
            "agents" => s.agents = vec![("g".into(), text.into())],
            _ => s.discards = vec![("d".into(), text.into())],
        }
        Dictionaries::parse(&s).unwrap_or_default()
    }

    #[test]
    fn verb_blocks_forms_and_patterns() {
        let d = one(
            "verbs",
            "&CURR\n+DOLLAR\n+SWISS FRANC_\n\n--- BREAK [1717] ---\nBREAK { BROKE BROKEN }\n+BREAK_DOWN {+BROKE_DOWN}\nWIRE_+TAP [1711]\n- + KNOWN_ * IN_ $  [076]  # c\n- * &CURR [:173]\n--- MEET [031:032] ---\nMEET\n",
        );
        assert!(d.verbs.forms.contains_key("BROKE"));
        assert!(!d.verbs.forms.contains_key("BREAKS"));
        let down = &d.verbs.forms["BROKE"];
        assert!(down.iter().any(|f| f.after == ["DOWN"]));
        let tap = &d.verbs.forms["TAPS"][0];
        assert_eq!(tap.before, ["WIRE"]);
        assert_eq!(tap.code, Code::parse("1711"));
        assert!(d.verbs.forms.contains_key("MEETS") && d.verbs.forms.contains_key("MEETING"));
        let p = &d.verbs.blocks[0].patterns[0];
        assert_eq!(p.code, Code::parse("076"));
        assert_eq!(
            p.before,
            [
                Elem {
                    kind: ElemKind::Word("KNOWN".into()),
                    adjacent: false
                },
                Elem {
                    kind: ElemKind::Target,
                    adjacent: false
                },
            ]
        );
        assert_eq!(
            p.after,
            [
                Elem {
                    kind: ElemKind::Word("IN".into()),
                    adjacent: false
                },
                Elem {
                    kind: ElemKind::Source,
                    adjacent: false
                },
            ]
        );
        assert_eq!(
            d.verbs.blocks[0].patterns[1].code,
            Code::Pair {
                forward: None,
                reverse: Some("173".into())
            }
        );
        let curr = &d.verbs.synsets["&CURR"];
        assert!(curr.contains(&vec!["DOLLARS".to_string()]));
        assert!(!curr.contains(&vec!["SWISS".to_string(), "FRANCS".to_string()]));
    }

    #[test]
    fn underscores_tie_pattern_words() {
        let d = one(
            "verbs",
            "--- A [---] ---\nA\n- FAILED_TO_* [111]\n- *_UPON X [097]\n",
        );
        let p = &d.verbs.blocks[0].patterns;
        assert!(p[0].before.iter().all(|e| e.adjacent));
        assert!(p[1].after[0].adjacent && !p[1].after[1].adjacent);
    }

    #[test]
    fn actors_with_synonyms_and_dates() {
        let d = one(
            "actors",
            "<!-- c\n# x -->\nGOLLUM  # pas\n+SMEAGOL\n\t[HOB < 950601]\n\t[HOBGOV 19950601 - 19990815]\n\t[HOBREB > 990816]\nTHE_SHIRE  [FRO/BIL/SAM]\nONODOHER\n\t[ONO <911226]\n",
        );
        let (len, &idx) = d
            .actors
            .longest(&["SMEAGOL"], 0)
            .unwrap_or((0, &usize::MAX));
        assert_eq!(len, 1);
        let e = &d.actor_entries[idx];
        assert_eq!(e.codes_on(Some(19950101)), Some(&["HOB".to_string()][..]));
        assert_eq!(
            e.codes_on(Some(19951101)),
            Some(&["HOBGOV".to_string()][..])
        );
        assert_eq!(
            e.codes_on(Some(20010101)),
            Some(&["HOBREB".to_string()][..])
        );
        let (_, &shire) = d
            .actors
            .longest(&["THE", "SHIRE"], 0)
            .unwrap_or((0, &usize::MAX));
        assert_eq!(
            d.actor_entries[shire].codes_on(None).map(<[String]>::len),
            Some(3)
        );
        let (_, &ono) = d
            .actors
            .longest(&["ONODOHER"], 0)
            .unwrap_or((0, &usize::MAX));
        assert_eq!(d.actor_entries[ono].codes_on(Some(20000101)), None);
    }

    #[test]
    fn agents_plurals_and_markers() {
        let d = one(
            "agents",
            "!PERSON! = MAN, MEN\nCONGRESS!PERSON! [~LEG]\nPOLICE {} [ ~COP]\nMSF {} [NGO~]\nAUTHORITY [~GOV]\n",
        );
        assert!(d.agents.longest(&["CONGRESSMEN"], 0).is_some());
        assert!(d.agents.longest(&["POLICES"], 0).is_none());
        assert!(d.agents.longest(&["AUTHORITIES"], 0).is_some());
        let msf = d.agents.longest(&["MSF"], 0).map(|(_, a)| a.clone());
        assert_eq!(
            msf,
            Some(Agent {
                code: "NGO".into(),
                prefix: true
            })
        );
    }
}
