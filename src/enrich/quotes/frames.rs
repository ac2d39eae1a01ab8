//! Attribution frames: a cue with its source phrase and its content span, found segment by
//! segment. One frame per cue; nested frames become intermediaries ("foreign media
//! reported", "according to Reuters") or are cut where the next frame's clause begins.
//!
//! Shapes recognised (Q is a quoted span, NP a speaker phrase, ADV adverbs or auxiliaries):
//! - trailing: `CONTENT , NP ADV* CUE [addressee] [adjuncts] .` and `CONTENT , CUE NP .`
//!   (also `Q NP CUE` without the comma); a comma and a second Q after it continues the
//!   statement (a quote split by its attribution); a comma and more clause makes the
//!   attribution parenthetical (`The plan, he said, will fail.`).
//! - leading: `NP ADV* CUE [addressee] [adjuncts] (that | : | ,)? CONTENT`, with relative
//!   subjects (`Putin, who ..., said`) and infinitives (`declined to say`).
//! - participles: `..., adding that CONTENT` (the source of the main clause: the outermost
//!   frame holding it, never one inside a relative clause) and `Stressing that CONTENT, NP
//!   said ...` (the source of the following clause).
//! - verbs of thinking, stance or naming inside what a verb of saying reports stay part of
//!   the report (`He said the allies will seek ...`) rather than taking its quotes.
//! - `according to NP, CONTENT` / `CONTENT, according to NP` / `A, according to NP, B`.
//! - `NP quoted NP as saying` (the first is an intermediary).

use std::ops::Range;

use super::doc::Doc;
use super::lexicon::{
    CueClass, Pronoun, F_BASE, F_ING, F_PART, F_PAST, F_THIRD, W_ADV, W_AUX, W_CONJ, W_DET,
    W_HEDGE, W_MEDIA, W_NAMING, W_NEG, W_NUMBER, W_PARTICLE, W_PERSON_NOUN, W_POSS, W_PREP, W_REL,
    W_REPORT_NOUN, W_SUBORD, W_TIME, W_TITLE,
};
use super::np::Np;
use crate::enrich::text::TokenKind;

/// Where a frame's source comes from when it has no subject of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inherit {
    /// It has its own source (or none at all).
    No,
    /// ", adding that ...": the source of the frame before it.
    Previous,
    /// "Stressing that ..., Putin said": the source of the frame after it.
    Next,
}

/// One attribution.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The cue token ("said", "according").
    pub cue: usize,
    pub lemma: &'static str,
    pub class: Option<CueClass>,
    /// Source, cue, addressee and adjuncts: what other frames' content must not include.
    pub clause: Range<usize>,
    pub source: Option<Np>,
    pub inherit: Inherit,
    pub via: Option<Np>,
    pub content: Vec<Range<usize>>,
    pub hedged: bool,
    /// The content comes before the cue.
    pub trailing: bool,
    pub according: bool,
    /// Quoted spans the content includes (by index).
    pub quotes: Vec<usize>,
    /// The cue is a reporting noun ("claim that").
    pub noun: bool,
}

impl Frame {
    /// Relays others: its nested frames become statements it passed on.
    fn relays(&self, doc: &Doc) -> bool {
        self.according
            || self.class == Some(CueClass::Report)
            || self
                .source
                .as_ref()
                .is_some_and(|np| doc.has(np.head, W_MEDIA) && !doc.has(np.head, W_PERSON_NOUN))
    }
}

/// Nouns of events that appear in adjuncts ("in a statement", "at a news conference").
const ADJUNCT_NOUNS: &[&str] = &[
    "statement",
    "interview",
    "conference",
    "briefing",
    "rally",
    "speech",
    "event",
    "meeting",
    "debate",
    "hearing",
    "call",
    "phone",
    "television",
    "radio",
    "twitter",
    "facebook",
    "email",
    "e-mail",
    "letter",
    "op-ed",
    "post",
    "tweet",
    "video",
    "broadcast",
    "program",
    "programme",
    "show",
    "session",
    "summit",
    "visit",
    "trip",
    "stop",
    "hall",
    "reporters",
    "journalists",
    "supporters",
    "crowd",
    "audience",
    "news",
    "press",
    "release",
    "remarks",
    "address",
    "appearance",
    "forum",
    "gathering",
    "ceremony",
    "book",
    "memo",
    "blog",
    "column",
    "article",
    "message",
    "note",
    "filing",
    "report",
    "podcast",
    "episode",
    "talk",
    "lecture",
    "panel",
    "testimony",
    "declaration",
    "communique",
    "announcement",
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "week",
    "weekend",
    "month",
    "year",
    "morning",
    "afternoon",
    "evening",
    "night",
    "day",
    "conversation",
    "exchange",
    "instagram",
    "youtube",
    "website",
    "online",
    "person",
    "writing",
    "part",
    "response",
    "reply",
    "reaction",
    "addition",
    "contrast",
    "particular",
    "private",
    "public",
    "court",
    "documents",
    "papers",
    "chamber",
    "senate",
    "house",
    "parliament",
    "congress",
    "floor",
    "office",
    "capital",
    "city",
    "town",
    "country",
];

const MAX_ADJUNCT: usize = 7;

impl Doc<'_, '_> {
    /// Skips adverbs, time words and short prepositional adjuncts after a cue.
    fn skip_adjuncts(&self, mut j: usize, hi: usize) -> usize {
        let mut guard = 0;
        let first = j;
        while j < hi && guard < 6 {
            guard += 1;
            if self.in_quote(j) {
                break;
            }
            let t = &self.toks[j];
            if t.word
                && (t.flags & (W_ADV | W_HEDGE | W_TIME) != 0 || self.is_ly_adverb(j))
                && !self.is(j, "that")
                && !self.is(j, "as")
            {
                j += 1;
                continue;
            }
            if t.word
                && t.flags & W_PREP != 0
                && (!self.is(j, "of") || j == first)
                && !self.is(j, "that")
            {
                // A short phrase of determiners, names, numbers and adjunct nouns.
                let mut k = j + 1;
                let mut saw_noun = false;
                while k < hi && k - j <= MAX_ADJUNCT && !self.in_quote(k) && !self.is(k, "that") {
                    let tk = &self.toks[k];
                    let w = self.norm(k);
                    let lower = w.to_ascii_lowercase();
                    let ok = tk.flags & (W_DET | W_TIME | W_TITLE) != 0
                        || tk.cap
                        || self.text.tokens()[k].kind() == TokenKind::Number
                        || ADJUNCT_NOUNS.contains(&lower.as_str())
                        || (tk.word
                            && (self.is(k, "'s") || self.is(k, "with") || self.is(k, "of")))
                        || (tk.word && tk.flags & (W_PERSON_NOUN | W_MEDIA) != 0)
                        || (tk.word
                            && (lower.ends_with("al") || lower.ends_with("ic") || lower == "news"));
                    if !ok {
                        break;
                    }
                    saw_noun |= !self.is(k, "with") && !self.is(k, "of") && tk.flags & W_DET == 0;
                    k += 1;
                }
                if saw_noun && k > j + 1 {
                    j = k;
                    continue;
                }
                break;
            }
            break;
        }
        j
    }

    /// The last token of the quoted span that ends at `k`.
    fn quote_ending_at(&self, k: usize) -> Option<usize> {
        let q = self.quote_of(k)?;
        (self.quotes[q].last == k + 1).then_some(q)
    }

    fn quote_starting_at(&self, k: usize) -> Option<usize> {
        let q = self.quote_of(k)?;
        (self.quotes[q].first == k).then_some(q)
    }

    /// A token that can end the content of a trailing frame: a comma, a dash, a quote.
    fn is_left_delim(&self, k: usize) -> bool {
        matches!(self.norm(k), "," | "-" | "--" | "(") || self.quote_ending_at(k).is_some()
    }

    /// A token that can be a cue verb here (not inside a quote, not part of a name).
    pub fn is_cue_token_pub(&self, i: usize) -> bool {
        self.is_cue_token(i)
    }

    fn is_cue_token(&self, i: usize) -> bool {
        let t = &self.toks[i];
        t.cue.is_some() && !self.in_quote(i) && (!t.cap || t.initial)
    }
}

/// Finds every frame of the document, in order of their cues.
pub fn find_frames(doc: &Doc) -> Vec<Frame> {
    let mut out = Vec::new();
    let mut seg_frames = Vec::new();
    for seg in &doc.segments {
        seg_frames.clear();
        let mut i = seg.start;
        // Trailing content starts after the previous trailing frame.
        let mut lo = seg.start;
        while i < seg.end {
            if let Some(f) = frame_at(doc, seg.clone(), i, lo) {
                i = f.cue + 1;
                if f.trailing {
                    let right = f.content.iter().map(|r| r.end).max().unwrap_or(0);
                    lo = lo.max(f.clause.end).max(right);
                }
                seg_frames.push(f);
                continue;
            }
            i += 1;
        }
        settle(doc, seg.clone(), &mut seg_frames);
        out.append(&mut seg_frames);
    }
    out
}

fn frame_at(doc: &Doc, seg: Range<usize>, c: usize, lo: usize) -> Option<Frame> {
    if doc.in_quote(c) {
        return None;
    }
    if doc.is(c, "according") && doc.is(c + 1, "to") && c + 2 < seg.end {
        return according(doc, seg, c, lo);
    }
    if doc.has(c, W_REPORT_NOUN) && doc.is(c + 1, "that") && !doc.toks[c].cap {
        return reporting_noun(doc, seg, c);
    }
    if !doc.is_cue_token(c) {
        return None;
    }
    let cue = doc.toks[c].cue?;
    // A noun use: "the report", "Putin's claim", "a call", "a series of tweets".
    if c > seg.start
        && (doc.has(c - 1, W_DET) && !doc.is(c - 1, "that")
            || doc.is(c - 1, "of")
            || (matches!(doc.norm(c - 1), "'s" | "'") && !doc.in_quote(c - 1)))
    {
        return None;
    }
    let (mut subj_end, mut hedged) = doc.skip_left(c, seg.start);
    // A bare base form is a verb only after "they", "officials", a modal or "to"
    // ("Colorado state director" is not a statement).
    if cue.forms & (F_PAST | F_THIRD | F_ING | F_PART) == 0 {
        let after_aux = subj_end < c;
        let prev = subj_end.checked_sub(1).filter(|&p| p >= seg.start);
        let ok = after_aux
            || prev.is_some_and(|p| {
                let t = &doc.toks[p];
                matches!(
                    t.pronoun,
                    Some(Pronoun::I | Pronoun::We | Pronoun::You | Pronoun::They)
                ) || t.flags & (W_AUX | W_REL) != 0
                    || doc.is(p, "to")
                    || (t.word
                        && doc.norm(p).ends_with('s')
                        && !doc.norm(p).ends_with("'s")
                        && t.pronoun.is_none())
            });
        if !ok {
            return None;
        }
    }
    // "policy planning director": an -ing word modifying a noun.
    if cue.forms & F_ING != 0 && c > seg.start && c + 1 < seg.end {
        let p = &doc.toks[c - 1];
        let noun_before = p.word
            && !p.cap
            && p.pronoun.is_none()
            && p.flags & (super::lexicon::W_NOT_NP | W_DET) == 0;
        if noun_before && doc.has(c + 1, W_PERSON_NOUN) {
            return None;
        }
    }
    // "Media reports say", "his claims are": a noun before a verb.
    if cue.forms & F_THIRD != 0 && c + 1 < seg.end {
        let n = &doc.toks[c + 1];
        if n.flags & W_AUX != 0
            || n.cue.is_some_and(|k| {
                k.forms & (F_PAST | F_THIRD | F_BASE) != 0 && !doc.is(c + 1, "that")
            })
        {
            return None;
        }
    }
    // Passive: "was told", "is expected" (no source), but "was quoted as saying".
    let be_before = subj_end < c
        && (subj_end..c).any(|k| {
            matches!(
                doc.norm(k).to_ascii_lowercase().as_str(),
                "is" | "was" | "were" | "are" | "be" | "been" | "being" | "'s" | "'re"
            )
        });
    let participle_only = cue.forms & (F_PART) != 0 && cue.forms & F_ING == 0;
    if be_before && participle_only {
        if cue.lemma == "quote" && doc.is(c + 1, "as") && c + 2 < seg.end {
            if let Some(says) = doc.toks[c + 2].cue.filter(|k| k.forms & F_ING != 0) {
                let source = doc
                    .np_left(subj_end, seg.start)
                    .or_else(|| relative_subject(doc, subj_end, seg.start));
                return finish(
                    doc,
                    seg,
                    c + 2,
                    says.lemma,
                    says.class,
                    source,
                    None,
                    hedged,
                    c,
                );
            }
        }
        return None;
    }
    // "quoted Putin as saying", "cited officials as saying".
    if matches!(cue.lemma, "quote" | "cite") {
        let speaker = doc.np_right(c + 1, seg.end)?;
        let mut k = speaker.full().end;
        if !doc.is(k, "as") {
            return None;
        }
        k += 1;
        let says = doc
            .toks
            .get(k)
            .and_then(|t| t.cue)
            .filter(|t| t.forms & F_ING != 0)?;
        let via = doc.np_left(subj_end, seg.start);
        let start = via.as_ref().map_or(c, |v| v.full().start);
        let after = k + 1;
        let end = (start > seg.start)
            .then(|| trailing_ok(doc, lo, start - 1, after, seg.end))
            .flatten();
        let mut f = if let Some(after) = end {
            trailing(
                doc,
                seg,
                lo,
                k,
                says.lemma,
                says.class,
                Some(speaker),
                hedged,
                start,
                after,
            )?
        } else {
            finish(
                doc,
                seg,
                k,
                says.lemma,
                says.class,
                Some(speaker),
                None,
                hedged,
                start,
            )?
        };
        f.via = via;
        return Some(f);
    }
    // "declined to say", "went on to say", "is choosing not to respond".
    if subj_end > seg.start && doc.is(subj_end - 1, "to") {
        let mut k = subj_end - 1;
        while k > seg.start && (doc.has(k - 1, W_NEG | W_ADV) || doc.is_ly_adverb(k - 1)) {
            k -= 1;
        }
        if k > seg.start && doc.is(k - 1, "on") {
            k -= 1;
        }
        if k > seg.start && verb_like(doc, k - 1) {
            let (e, h) = doc.skip_left(k - 1, seg.start);
            subj_end = e;
            hedged |= h;
        }
    }
    // "smiled and said": a coordinated verb before the cue.
    let coordinated =
        subj_end > seg.start && (doc.is(subj_end - 1, "but") || doc.is(subj_end - 1, "and"));
    if subj_end > seg.start + 1 && doc.is(subj_end - 1, "and") && verb_like(doc, subj_end - 2) {
        let (e, h) = doc.skip_left(subj_end - 2, seg.start);
        subj_end = e;
        hedged |= h;
    }
    // "Donald Trump on Saturday tweeted", "the mayor last week rejected".
    loop {
        let before = subj_end;
        if subj_end > seg.start && doc.has(subj_end - 1, W_TIME) && !doc.in_quote(subj_end - 1) {
            let mut k = subj_end - 1;
            while k > seg.start && doc.has(k - 1, W_TIME | W_DET) {
                k -= 1;
            }
            if k > seg.start && doc.has(k - 1, W_PREP) && !doc.is(k - 1, "of") {
                k -= 1;
            }
            if k > seg.start && (doc.toks[k - 1].word || matches!(doc.norm(k - 1), ")" | ",")) {
                subj_end = doc.skip_left(k, seg.start).0;
            }
        }
        if subj_end == before {
            break;
        }
    }
    let class = cue.class;
    // Inverted trailing: ", said Smith." (but "“...,” Paul Ryan, the convention chair, told
    // the delegates" has its subject before the appositive).
    let appositive_subject = c > seg.start
        && doc.norm(c - 1) == ","
        && doc
            .np_left(c, seg.start)
            .is_some_and(|np| np.core.start > seg.start && doc.is_left_delim(np.core.start - 1));
    if c > seg.start
        && subj_end == c
        && !appositive_subject
        && doc.is_left_delim(c - 1)
        && cue.forms & (F_PAST | F_THIRD) != 0
        // Only verbs of saying invert ("“...,” said Smith"), not "..., defended his father".
        && matches!(
            class,
            CueClass::Speech | CueClass::Tell | CueClass::Ask | CueClass::Write | CueClass::Report
        )
    {
        // A time word is an adjunct, never the speaker ("..., R-Ky., said Tuesday").
        let np = doc
            .np_right(c + 1, seg.end)
            .filter(|np| !doc.has(np.head, W_TIME));
        if let Some(np) = np {
            let after = np.full().end;
            if let Some(after) = trailing_ok(doc, lo, c - 1, after, seg.end) {
                return trailing(
                    doc,
                    seg,
                    lo,
                    c,
                    cue.lemma,
                    class,
                    Some(np),
                    hedged,
                    c,
                    after,
                );
            }
        }
    }
    // Participles: ", adding that ...", "Stressing that ..., Putin said".
    if cue.forms & F_ING != 0 && !be_before {
        let lead = subj_end == seg.start
            || (subj_end > seg.start && matches!(doc.norm(subj_end - 1), "," | "-" | "--" | ";"))
            || (subj_end > seg.start && doc.has(subj_end - 1, W_CONJ | W_SUBORD | W_PREP));
        if lead {
            let inherit = if subj_end == seg.start
                || (subj_end - seg.start <= 2 && doc.norm(subj_end - 1) == ",")
            {
                Inherit::Next
            } else {
                Inherit::Previous
            };
            let mut f = leading(doc, seg, c, cue.lemma, class, None, hedged, c)?;
            f.inherit = inherit;
            return Some(f);
        }
    }
    // Subject on the left; a relative clause's antecedent ("Katie Packer, who is chairman of
    // Our Principles PAC, said") beats a phrase inside the clause.
    let left = doc.np_left(subj_end, seg.start);
    let delimited = |np: &Np| {
        let s = np.full().start;
        s == seg.start || doc.is_left_delim(s - 1) || doc.has(s - 1, W_CONJ | W_SUBORD)
    };
    let source = match left {
        Some(np) if delimited(&np) => Some(np),
        other => quote_bounded_subject(doc, subj_end, seg.start)
            .or_else(|| relative_subject(doc, subj_end, seg.start))
            .or_else(|| {
                other
                    .as_ref()
                    .and_then(|np| postmodified(doc, np, seg.start))
                    .filter(|np| delimited(np))
            })
            .or(other),
    };
    // "A spokesman declined to comment but said ...": the subject of the first clause; also
    // when the phrase before "and" is an object ("The nominee outlined his plan and vowed")
    // or a time ("tweets early Friday saying").
    let object_like = |np: &Np| {
        let s = np.full().start;
        doc.has(np.head, W_TIME)
            || doc.is(np.head, "early")
            || (s > seg.start && verb_like(doc, s - 1))
    };
    let source = match source {
        None if coordinated => clause_subject(doc, seg.start, c),
        Some(np) if (coordinated || cue.forms & F_ING != 0) && object_like(&np) => {
            clause_subject(doc, seg.start, c).or(Some(np))
        }
        other => other,
    };
    let source = issuer(doc, source?, seg.start);
    if cue.forms & (F_PAST | F_THIRD | F_BASE | F_ING) == 0 {
        return None;
    }
    let np_start = source.full().start;
    // Trailing: "CONTENT, he said."
    if np_start > seg.start && doc.is_left_delim(np_start - 1) {
        let mut after = c + 1;
        if doc.has(after, super::lexicon::W_OBJ_PRONOUN) || doc.is(after, "her") {
            after += 1;
        } else if let Some(obj) = doc.np_right(after, seg.end) {
            if matches!(
                class,
                CueClass::Tell | CueClass::Ask | CueClass::Write | CueClass::Speech
            ) {
                after = obj.core.end;
            }
        }
        if let Some(after) = trailing_ok(doc, lo, np_start - 1, after, seg.end) {
            return trailing(
                doc,
                seg,
                lo,
                c,
                cue.lemma,
                class,
                Some(source),
                hedged,
                np_start,
                after,
            );
        }
    }
    leading(
        doc,
        seg,
        c,
        cue.lemma,
        class,
        Some(source),
        hedged,
        np_start,
    )
}

/// "Obama released a statement saying", "she sent an email saying": the one who issued the
/// document is the source.
fn issuer(doc: &Doc, np: Np, lo: usize) -> Np {
    let head = doc.norm(np.head).to_ascii_lowercase();
    if !is_document(&head) || np.core.start <= lo + 1 || !verb_like(doc, np.core.start - 1) {
        return np;
    }
    let (e, _) = doc.skip_left(np.core.start - 1, lo);
    match doc.np_left(e, lo) {
        Some(s) if !doc.in_quote(s.head) => s,
        _ => np,
    }
}

/// Nouns of documents and messages that speak for whoever issued them.
fn is_document(head: &str) -> bool {
    matches!(
        head,
        "statement"
            | "piece"
            | "story"
            | "article"
            | "editorial"
            | "clip"
            | "ads"
            | "letters"
            | "emails"
            | "email"
            | "e-mail"
            | "letter"
            | "message"
            | "tweet"
            | "post"
            | "video"
            | "ad"
            | "advertisement"
            | "release"
            | "memo"
            | "note"
            | "op-ed"
            | "column"
            | "essay"
            | "report"
            | "filing"
            | "text"
            | "response"
            | "reply"
            | "comment"
            | "comments"
            | "remarks"
            | "speech"
            | "interview"
            | "book"
            | "blog"
            | "sign"
            | "banner"
            | "placard"
            | "poster"
            | "caption"
            | "headline"
    )
}

/// The subject at the start of a clause: after conjunctions, adverbs and an introductory
/// phrase ending in a comma ("In a statement, the ministry said").
pub fn clause_subject(doc: &Doc, lo: usize, hi: usize) -> Option<Np> {
    let mut k = lo;
    while k < hi
        && (doc.has(k, W_CONJ | W_ADV)
            || doc.is_punct(k) && !doc.in_quote(k)
            || doc.is_ly_adverb(k))
    {
        k += 1;
    }
    if k < hi && doc.has(k, W_PREP | W_SUBORD) {
        let comma = (k..hi).take(12).find(|&j| doc.norm(j) == ",")?;
        k = comma + 1;
    }
    let mut np = doc.np_right(k, hi)?;
    // "Hours after the shooting, she issued a statement": past a leading time phrase.
    if doc.has(np.head, W_TIME) || doc.has(np.core.start, W_TIME) {
        let comma = (k..hi).take(12).find(|&j| doc.norm(j) == ",")?;
        np = doc.np_right(comma + 1, hi)?;
    }
    let mut after = np.full().end;
    // "Donald Trump, her Republican opponent, bemoaned ...": past the appositive's comma.
    if np.appos.is_some() && after + 1 < hi && doc.norm(after) == "," {
        after += 1;
    }
    // "The Security Council on Friday made ...": past adverbs and short adjuncts.
    let after = doc.skip_adjuncts(after, hi);
    let verb = after < hi
        && (verb_like(doc, after) || doc.is_skippable(after) || doc.toks[after].cue.is_some());
    if verb {
        return Some(np);
    }
    // "Trump unleashed a series ...": a name run ends where a lower-case verb starts.
    let cut = (np.core.start..np.core.end).find(|&j| !doc.toks[j].cap)?;
    (cut > np.core.start && verb_like(doc, cut)).then(|| Np {
        core: np.core.start..cut,
        head: cut - 1,
        appos: None,
        rel: None,
    })
}

/// A lower-case word that can be a verb ("declined", "smiled"): not a function word or noun.
fn verb_like(doc: &Doc, k: usize) -> bool {
    let t = &doc.toks[k];
    t.word
        && !t.cap
        && !doc.in_quote(k)
        && t.pronoun.is_none()
        && t.flags & (W_DET | W_PERSON_NOUN | W_MEDIA | W_PREP | W_CONJ | W_REL | W_TIME) == 0
}

/// "“...,” Fight for $15 organizing director Kendall Fells told", "“...?” a Democratic staffer
/// in the room wondered": between a closing quote and its cue, everything is the speaker.
fn quote_bounded_subject(doc: &Doc, end: usize, lo: usize) -> Option<Np> {
    let from = end.saturating_sub(16).max(lo);
    let close = (from..end).rev().find(|&k| doc.in_quote(k))?;
    doc.quote_ending_at(close)?;
    let mut start = close + 1;
    if start < end && matches!(doc.norm(start), "," | "-" | "--") {
        start += 1;
    }
    if start >= end {
        return None;
    }
    let ok = (start..end).all(|k| {
        let t = &doc.toks[k];
        !doc.is_stop(k)
            && !matches!(doc.norm(k), ":" | ";")
            && t.pronoun.is_none_or(|_| end - start == 1)
            && (t.cue.is_none_or(|c| c.forms & (F_PAST | F_THIRD) == 0)
                || t.cap
                || doc.has(k, W_PERSON_NOUN | W_MEDIA | W_REPORT_NOUN))
    });
    let t0 = &doc.toks[start];
    let np_start = t0.flags & (W_DET | W_TITLE | W_PERSON_NOUN | W_MEDIA) != 0
        || (t0.cap && t0.flags & (W_PREP | W_CONJ | W_SUBORD | W_ADV | W_AUX) == 0)
        || doc.text.tokens()[start].kind() == TokenKind::Number;
    // The quote ends its statement: a comma, question or exclamation mark at its end.
    let inner = doc.quotes[doc.quote_of(close)?].inner();
    let ends = (inner.start..inner.end)
        .rev()
        .find(|&k| !matches!(doc.norm(k), "'" | "\""))
        .is_some_and(|k| matches!(doc.norm(k), "," | "?" | "!" | "." | "-" | "--"))
        || doc.norm(close + 1) == ",";
    if !ok || !np_start || !ends {
        return None;
    }
    let core_end = (start..end).find(|&k| doc.norm(k) == ",").unwrap_or(end);
    if core_end == start {
        return None;
    }
    Some(Np {
        core: start..core_end,
        head: doc.head_of(start..core_end),
        appos: (core_end < end).then(|| core_end + 1..end),
        rel: None,
    })
}

/// "a spokesman for the campaign said", "officials familiar with the matter said", "another
/// source speaking to Fox News said": the phrase before a prepositional (or participial)
/// modifier is the speaker; "a statement by the ministry" keeps the ministry.
fn postmodified(doc: &Doc, inner: &Np, lo: usize) -> Option<Np> {
    let mut k = inner.core.start;
    if k <= lo || !doc.has(k - 1, W_PREP) || doc.is(k - 1, "of") {
        return None;
    }
    let prep = k - 1;
    k = prep;
    // An adjective or participle before the preposition: "familiar with", "speaking to".
    if k > lo
        && verb_like(doc, k - 1)
        && doc.toks[k - 1]
            .cue
            .is_none_or(|c| c.forms & (F_PAST | F_THIRD) == 0)
    {
        k -= 1;
    }
    let outer = doc.np_left(k, lo)?;
    let head = doc.norm(outer.head).to_ascii_lowercase();
    let document = is_document(&head);
    if document && (doc.is(prep, "by") || doc.is(prep, "from")) {
        return None;
    }
    if outer.core.len() == 1 && doc.toks[outer.head].pronoun.is_some() {
        return None;
    }
    Some(Np {
        core: outer.core.start..inner.core.end,
        head: outer.head,
        appos: inner.appos.clone(),
        rel: None,
    })
}

/// "Putin, who ..., said" / "officials who ... said": the antecedent of a relative pronoun.
fn relative_subject(doc: &Doc, end: usize, lo: usize) -> Option<Np> {
    let rel = (lo..end)
        .rev()
        .take(12)
        .find(|&k| doc.has(k, W_REL) && !doc.in_quote(k))?;
    // "that" is a relative pronoun only right before its verb ("a message that said");
    // elsewhere it is a complementizer ("such a presence that Sanders thanked").
    let direct = doc.skip_left(end, lo).0 == rel + 1 || rel + 1 == end;
    if !(doc.is(rel, "who") || doc.is(rel, "which") || (doc.is(rel, "that") && direct)) {
        return None;
    }
    let mut e = rel;
    if e > lo && doc.norm(e - 1) == "," {
        e -= 1;
    }
    let np = doc.np_left(e, lo)?;
    Some(Np {
        core: np.core,
        head: np.head,
        appos: Some(rel..end),
        rel: Some(rel),
    })
}

/// Whether an attribution clause between `delim` and `after` closes a statement before it:
/// the statement is a quote, or at least a few words, and the clause ends the sentence, or a
/// comma follows (with a second quote only when the first piece was quoted too).
fn trailing_ok(doc: &Doc, lo: usize, delim: usize, after: usize, hi: usize) -> Option<usize> {
    let left_quote = doc.quote_ending_at(delim).is_some();
    let skipped = doc.skip_adjuncts(after, hi);
    if left_quote {
        // After a quote, everything up to the end of the sentence is attribution
        // ("“...,” Trump told ABC's This Week.", "“...,” she said and hung up."), unless a
        // complement starts right after the cue ("told a crowd that spilled out" is fine).
        let cue_next = after > 0 && doc.toks[after - 1].cue.is_some();
        if (doc.is(skipped, "that") && cue_next) || (skipped < hi && doc.norm(skipped) == ":") {
            return None;
        }
        // After a quote that ended its own sentence ("“Why?” Trump said."), only a short
        // tail may follow the cue.
        let q = doc.quote_of(delim).map(|q| doc.quotes[q].inner());
        let ended = q.is_some_and(|r| {
            (r.start..r.end)
                .rev()
                .find(|&k| !matches!(doc.norm(k), "'" | "\""))
                .is_some_and(|k| matches!(doc.norm(k), "." | "?" | "!"))
        });
        if ended {
            // "“...change.” She adds, “What kind of genius ...?”": a cue that opens the next
            // quote introduces it rather than closing the finished one.
            if after + 1 < hi
                && matches!(doc.norm(after), "," | ":")
                && doc.quote_starting_at(after + 1).is_some()
            {
                return None;
            }
            // "“Why?” Trump asked reporters rhetorically during a news conference.", "...
            // Clinton asks as a guy walks in" but not "“Yes.” Trump said the plan failed."
            let mut k = after;
            while k < hi && (doc.is_skippable(k) || doc.has(k, W_PARTICLE)) {
                k += 1;
            }
            let w = doc.norm(k.min(hi.saturating_sub(1)));
            let ing = k < hi && doc.toks[k].word && !doc.toks[k].cap && w.ends_with("ing");
            let tail_like = k >= hi
                || doc.is_stop(k)
                || matches!(w, "," | "-" | "--" | ")")
                || (doc.has(k, W_PREP | W_TIME | W_SUBORD | W_CONJ) && !doc.is(k, "that"))
                || ing;
            if !tail_like {
                return None;
            }
        }
        let mut k = after;
        while k < hi {
            if doc.is_stop(k) || doc.quote_starting_at(k).is_some() {
                return Some(k);
            }
            if matches!(doc.norm(k), "," | "-" | "--")
                && k + 1 < hi
                && doc.quote_starting_at(k + 1).is_some()
            {
                return Some(k);
            }
            k += 1;
        }
        return Some(hi);
    }
    let after = prepositional_tail(doc, skipped, hi);
    let words = (lo..delim)
        .filter(|&k| doc.toks[k].word || doc.text.tokens()[k].kind() == TokenKind::Number)
        .count();
    let enough = words >= 3;
    if after >= hi || doc.is_stop(after) || doc.norm(after) == ")" {
        return enough.then_some(after);
    }
    match doc.norm(after) {
        "," | "-" | "--" => {
            let next = after + 1;
            if next >= hi {
                return enough.then_some(after);
            }
            if doc.quote_starting_at(next).is_some() {
                return None;
            }
            if continues_clause(doc, next) {
                return (words >= 2).then_some(after);
            }
            enough.then_some(after)
        }
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn trailing(
    doc: &Doc,
    seg: Range<usize>,
    lo: usize,
    c: usize,
    lemma: &'static str,
    class: CueClass,
    source: Option<Np>,
    hedged: bool,
    clause_start: usize,
    after: usize,
) -> Option<Frame> {
    let delim = clause_start.checked_sub(1)?;
    let mut content = Vec::new();
    let mut quotes = Vec::new();
    let mut start = lo.max(seg.start);
    while start < delim && (doc.has(start, W_CONJ) || doc.is_punct(start) && !doc.in_quote(start)) {
        start += 1;
    }
    let left_end = match doc.quote_ending_at(delim) {
        Some(q) => {
            quotes.push(q);
            // "Later, “We will fix it,” she said": a short lead-in is not part of it.
            let first = doc.quotes[q].first;
            let lead_in = (start..first).filter(|&k| doc.toks[k].word).count();
            // Nor is a clause that a colon ends ("... in the workplace: “...,” the union
            // wrote").
            if first > start
                && (doc.norm(first - 1) == ":" || lead_in <= 4 && doc.norm(first - 1) == ",")
            {
                start = first;
            }
            delim + 1
        }
        None => delim,
    };
    if left_end > start {
        content.push(start..left_end);
    }
    // Quotes inside the left content.
    for k in start..left_end {
        if let Some(q) = doc.quote_starting_at(k) {
            if !quotes.contains(&q) {
                quotes.push(q);
            }
        }
    }
    let mut end = after;
    if after < seg.end && matches!(doc.norm(after), "," | ":" | "-" | "--") && after + 1 < seg.end {
        let mut next = after + 1;
        // "Many were older, she said, and “I had to step back.”"
        if doc.is(next, "and") && next + 1 < seg.end && doc.quote_starting_at(next + 1).is_some() {
            next += 1;
        }
        if let Some(q) = doc.quote_starting_at(next) {
            // A quote split by its attribution.
            quotes.push(q);
            content.push(next..doc.quotes[q].last);
            end = doc.quotes[q].last;
        } else if doc.norm(after) == ","
            && c > clause_start
            && doc.quote_ending_at(delim).is_none()
            && (continues_clause(doc, next) || doc.is(next, "that"))
        {
            // "The plan, he said, will fail.", "It's a reminder, Rogers said, that ...".
            content.push(next..seg.end);
            quotes.extend((next..seg.end).filter_map(|k| doc.quote_starting_at(k)));
            end = seg.end;
        }
    } else if after < seg.end {
        if let Some(q) = doc.quote_starting_at(after) {
            quotes.push(q);
            content.push(after..doc.quotes[q].last);
            end = doc.quotes[q].last;
        }
    }
    if content.is_empty() {
        return None;
    }
    Some(Frame {
        cue: c,
        lemma,
        class: Some(class),
        clause: clause_start..after.min(end).max(c + 1),
        source,
        inherit: Inherit::No,
        via: None,
        content,
        hedged,
        trailing: true,
        according: false,
        quotes,
        noun: false,
    })
}

/// "said in a video message to the convention." / "said of the swirl of activities.": a
/// prepositional tail running to the end of the sentence (or a comma) with no clause in it.
fn prepositional_tail(doc: &Doc, after: usize, hi: usize) -> usize {
    if after >= hi || doc.is(after, "that") {
        return after;
    }
    let w = doc.norm(after);
    let ing = doc.toks[after].word && !doc.toks[after].cap && w.ends_with("ing") && w.len() > 4;
    if !doc.has(after, W_PREP | W_TIME | W_SUBORD) && !ing {
        return after;
    }
    let mut k = after;
    while k < hi && k - after < 30 {
        if doc.in_quote(k) || doc.is(k, "that") || doc.norm(k) == ":" {
            return after;
        }
        if doc.is_stop(k) || matches!(doc.norm(k), "," | "-" | "--") {
            return k;
        }
        k += 1;
    }
    if k >= hi {
        k
    } else {
        after
    }
}

/// After ", he said," more of the same clause follows (not a new clause or participle).
fn continues_clause(doc: &Doc, k: usize) -> bool {
    let t = &doc.toks[k];
    if doc.in_quote(k) || !t.word {
        return false;
    }
    if t.cue.is_some_and(|c| c.forms & F_ING != 0) || (!t.cap && doc.norm(k).ends_with("ing")) {
        return false;
    }
    if t.flags & (W_SUBORD | W_CONJ | W_REL) != 0 || doc.is(k, "according") || t.flags & W_PREP != 0
    {
        return false;
    }
    true
}

#[allow(clippy::too_many_arguments)]
fn leading(
    doc: &Doc,
    seg: Range<usize>,
    c: usize,
    lemma: &'static str,
    class: CueClass,
    source: Option<Np>,
    hedged: bool,
    clause_start: usize,
) -> Option<Frame> {
    finish(
        doc,
        seg,
        c,
        lemma,
        class,
        source,
        None,
        hedged,
        clause_start,
    )
}

/// Builds a leading frame: addressee and adjuncts after the cue, then the content.
#[allow(clippy::too_many_arguments)]
fn finish(
    doc: &Doc,
    seg: Range<usize>,
    c: usize,
    lemma: &'static str,
    class: CueClass,
    source: Option<Np>,
    via: Option<Np>,
    hedged: bool,
    clause_start: usize,
) -> Option<Frame> {
    let hi = seg.end;
    let mut j = doc.skip_adjuncts(c + 1, hi);
    // "as saying" after a passive "quoted": the content follows like any other.
    if j >= hi {
        // A trailing cue without a delimiter ("Trump said.") has no content here.
        return None;
    }
    // Trailing after a quote without comma: "“Why?” he asked."
    // (handled by the caller's trailing check when a delimiter exists).
    if !doc.is(j, "that") && doc.quote_starting_at(j).is_none() && doc.norm(j) != ":" {
        // An addressee, object or adjunct before "that", a colon or a quote: "told the FSB
        // board that", "said about the movement, “...”", "added, though, that".
        let limit = hi.min(j + 14);
        let marker = (j..limit).find(|&k| {
            !doc.in_quote(k) && doc.is(k, "that")
                || doc.norm(k) == ":"
                || (doc.quote_starting_at(k).is_some() && k > j && doc.norm(k - 1) == ",")
        });
        let that = marker;
        let clean = that.is_some_and(|t| {
            (j..t).all(|k| {
                !doc.in_quote(k)
                    && !doc.is_stop(k)
                    && (doc.norm(k) != "," || k + 1 == t || doc.is_skippable(k + 1) || k == j)
                    && doc.toks[k]
                        .cue
                        .is_none_or(|c| c.forms & (F_PAST | F_THIRD | F_BASE | F_ING) == 0)
                    && (!doc.has(k, W_REL | W_SUBORD) || doc.is_skippable(k))
                    && doc.toks[k].pronoun.is_none_or(|_| k == j)
            })
        });
        match (that, clean) {
            (Some(t), true)
                if matches!(
                    class,
                    CueClass::Tell
                        | CueClass::Ask
                        | CueClass::Speech
                        | CueClass::Report
                        | CueClass::Write
                        | CueClass::ThatOnly
                        | CueClass::Think
                ) =>
            {
                j = t;
            }
            _ => {
                if matches!(class, CueClass::Tell) || (class == CueClass::Ask && !is_wh(doc, j)) {
                    if let Some(obj) = doc.np_right(j, hi).or_else(|| {
                        {
                            doc.toks[j].flags & super::lexicon::W_OBJ_PRONOUN != 0
                                || doc.is(j, "her")
                        }
                        .then(|| Np::single(j))
                    }) {
                        j = doc.skip_adjuncts(obj.full().end, hi);
                    }
                }
            }
        }
    }
    if j >= hi {
        return None;
    }
    let mut start = j;
    let next_is_quote = doc.quote_starting_at(j).is_some();
    let sep = matches!(doc.norm(j), ":" | "," | "-" | "--");
    if sep {
        start = j + 1;
    }
    if start >= hi && doc.norm(j) == ":" {
        // "Cruz continued:" ending its line, the quote opening the next paragraph.
        let q = doc.quote_starting_at(hi)?;
        return Some(Frame {
            cue: c,
            lemma,
            class: Some(class),
            clause: clause_start..hi,
            source,
            inherit: Inherit::No,
            via,
            content: std::iter::once(hi..doc.quotes[q].last).collect(),
            hedged,
            trailing: false,
            according: false,
            quotes: vec![q],
            noun: false,
        });
    }
    if start >= hi || doc.is_stop(start) {
        return None;
    }
    let opens_quote = doc.quote_starting_at(start).is_some();
    let that = doc.is(j, "that");
    let ok = match class {
        CueClass::ThatOnly => that || opens_quote || (doc.norm(j) == ":"),
        CueClass::Think => {
            that || opens_quote
                || clause_start_like(doc, start)
                || (doc.is(start, "to") && takes_infinitive(lemma))
        }
        CueClass::Ask => that || opens_quote || is_wh(doc, start) || sep,
        CueClass::Speech | CueClass::Tell | CueClass::Write | CueClass::Report => {
            that || opens_quote
                || sep
                || clause_start_like(doc, start)
                || next_is_quote
                || (doc.has(start, W_SUBORD) && !doc.is(start, "as"))
                || (doc.is(start, "to") && takes_infinitive(lemma))
        }
        CueClass::Call | CueClass::Stance => !sep || opens_quote,
        CueClass::Quote => false,
    };
    if !ok {
        return None;
    }
    let subordinate = doc.has(start, W_SUBORD) && !doc.is(start, "as");
    // "As Ms. Simonyan put it in a statement, RT is ...": the clause after the comma.
    let as_lead = clause_start > seg.start && doc.is(clause_start - 1, "as");
    if sep && doc.norm(j) == "," && !opens_quote && !subordinate && !as_lead {
        // "said, however, that": only a quote (or "said, if elected, ...") may follow a
        // bare comma.
        return None;
    }
    let mut quotes = Vec::new();
    for k in start..hi {
        if let Some(q) = doc.quote_starting_at(k) {
            quotes.push(q);
        }
    }
    Some(Frame {
        cue: c,
        lemma,
        class: Some(class),
        clause: clause_start..start,
        source,
        inherit: Inherit::No,
        via,
        content: std::iter::once(start..hi).collect(),
        hedged,
        trailing: false,
        according: false,
        quotes,
        noun: false,
    })
}

/// Cues whose content can be an infinitive: "pledged to relocate", "hopes to win".
fn takes_infinitive(lemma: &str) -> bool {
    matches!(
        lemma,
        "tell"
            | "promise"
            | "pledge"
            | "vow"
            | "threaten"
            | "urge"
            | "demand"
            | "propose"
            | "swear"
            | "plead"
            | "hope"
            | "expect"
            | "want"
            | "plan"
            | "intend"
            | "seek"
            | "wish"
            | "aim"
            | "agree"
            | "refuse"
            | "decline"
            | "offer"
            | "prefer"
            | "decide"
    )
}

fn is_wh(doc: &Doc, k: usize) -> bool {
    [
        "whether", "if", "why", "what", "how", "when", "where", "who", "which",
    ]
    .iter()
    .any(|w| doc.is(k, w))
}

/// Looks like the start of a clause: a subject pronoun, a determiner, a name, a number.
fn clause_start_like(doc: &Doc, k: usize) -> bool {
    let t = &doc.toks[k];
    t.pronoun.is_some()
        || t.cap
        || t.flags & (W_DET | W_NUMBER | W_PERSON_NOUN | W_MEDIA | W_REPORT_NOUN) != 0
        || doc.text.tokens()[k].kind() == TokenKind::Number
        || doc.quote_starting_at(k).is_some()
        || (t.word
            && t.flags & (W_PREP | W_AUX | W_ADV | W_SUBORD | W_CONJ | W_REL | W_NAMING | W_HEDGE)
                == 0
            && t.cue.is_none()
            && !doc.is(k, "to"))
}

/// "Putin's claim that ...", "his warning that ...": a reporting noun with its owner.
fn reporting_noun(doc: &Doc, seg: Range<usize>, c: usize) -> Option<Frame> {
    if c <= seg.start || c + 2 >= seg.end {
        return None;
    }
    let source = if matches!(doc.norm(c - 1), "'s" | "'") && !doc.in_quote(c - 1) {
        doc.np_left(c - 1, seg.start)?
    } else if doc.has(c - 1, W_POSS) && !doc.is(c - 1, "its") {
        Np::single(c - 1)
    } else {
        return None;
    };
    let noun = doc.norm(c).to_ascii_lowercase();
    let lemma = noun_lemma(&noun)?;
    let mut quotes = Vec::new();
    for k in c + 1..seg.end {
        if let Some(q) = doc.quote_starting_at(k) {
            quotes.push(q);
        }
    }
    Some(Frame {
        cue: c,
        lemma,
        class: Some(CueClass::Speech),
        clause: source.full().start..c + 1,
        source: Some(source),
        inherit: Inherit::No,
        via: None,
        content: std::iter::once(c + 1..seg.end).collect(),
        hedged: false,
        trailing: false,
        according: false,
        quotes,
        noun: true,
    })
}

/// The lemma of a reporting noun ("claims" → "claim").
fn noun_lemma(noun: &str) -> Option<&'static str> {
    const NOUNS: &[&str] = &[
        "claim",
        "assertion",
        "warning",
        "insistence",
        "suggestion",
        "argument",
        "allegation",
        "accusation",
        "promise",
        "pledge",
        "belief",
        "view",
        "remark",
        "comment",
        "statement",
        "announcement",
        "admission",
        "assurance",
        "prediction",
        "denial",
        "fear",
        "hope",
        "message",
    ];
    let singular = noun.strip_suffix('s').unwrap_or(noun);
    NOUNS.iter().copied().find(|n| *n == noun || *n == singular)
}

/// "according to NP, CONTENT" / "CONTENT, according to NP" / "A, according to NP, B".
fn according(doc: &Doc, seg: Range<usize>, c: usize, lo: usize) -> Option<Frame> {
    let np = doc.np_right(c + 2, seg.end)?;
    // An appositive counts only when a comma closes it ("according to John Smith, a
    // spokesman, the plan ..."); otherwise what follows the comma is the content.
    let np_end = match &np.appos {
        Some(a) if a.end < seg.end && doc.norm(a.end) == "," => a.end,
        _ => np.core.end,
    };
    let generic = is_generic_report(doc, &np);
    let before_delim = c > seg.start
        && (matches!(doc.norm(c - 1), "," | "-" | "--" | "(")
            || doc.quote_ending_at(c - 1).is_some());
    let at_start = c == seg.start
        || (c > seg.start && (doc.has(c - 1, W_CONJ) || doc.is_punct(c - 1)) && !before_delim)
        || (c > seg.start && c - seg.start <= 2 && !before_delim);
    let mut content = Vec::new();
    let mut clause_end = np_end;
    if at_start {
        let mut s = np_end;
        if s < seg.end && doc.norm(s) == "," {
            s += 1;
            clause_end = s;
        }
        if s < seg.end {
            content.push(s..seg.end);
        }
    } else {
        let mut start = lo.max(seg.start);
        while start < c && (doc.has(start, W_CONJ) || doc.is_punct(start) && !doc.in_quote(start)) {
            start += 1;
        }
        let left_end = if before_delim { c - 1 } else { c };
        if left_end > start {
            content.push(start..left_end);
        }
        if np_end < seg.end
            && doc.norm(np_end) == ","
            && np_end + 1 < seg.end
            && continues_clause(doc, np_end + 1)
        {
            content.push(np_end + 1..seg.end);
        }
    }
    if content.is_empty() {
        return None;
    }
    let mut quotes = Vec::new();
    for r in &content {
        for k in r.clone() {
            if let Some(q) = doc.quote_starting_at(k) {
                quotes.push(q);
            }
        }
    }
    Some(Frame {
        cue: c,
        lemma: "according to",
        class: None,
        clause: c..clause_end,
        source: Some(np),
        inherit: Inherit::No,
        via: None,
        content,
        hedged: generic,
        trailing: !at_start,
        according: true,
        quotes,
        noun: false,
    })
}

/// "reports", "media reports", "unconfirmed reports": a source that only hedges.
pub fn is_generic_report(doc: &Doc, np: &Np) -> bool {
    let head = doc.norm(np.head).to_ascii_lowercase();
    matches!(
        head.as_str(),
        "reports" | "report" | "rumours" | "rumors" | "sources" | "accounts"
    ) && !(np.core.clone()).any(|k| doc.toks[k].cap && !doc.toks[k].initial)
}

/// Settles the frames of one segment: nesting becomes intermediaries, overlapping content is
/// cut at the next frame's clause, participles take their sources.
fn settle(doc: &Doc, seg: Range<usize>, frames: &mut Vec<Frame>) {
    let n = frames.len();
    if n == 0 {
        return;
    }
    let mut drop = vec![false; n];
    // A quote claimed by a leading frame and a trailing one goes to the trailing one.
    for a in 0..n {
        for b in 0..n {
            if a == b || !frames[b].trailing || frames[a].trailing || frames[a].cue > frames[b].cue
            {
                continue;
            }
            // Only when the trailing frame's statement is the quote itself.
            let b_start = frames[b].content.first().map_or(usize::MAX, |r| r.start);
            let first_shared = frames[a]
                .quotes
                .iter()
                .filter(|q| frames[b].quotes.contains(q))
                .map(|&q| doc.quotes[q].first)
                .filter(|&first| first == b_start)
                .min();
            if let Some(at) = first_shared {
                let at = at.min(frames[b].clause.start);
                cut_content(doc, &mut frames[a], at);
            }
        }
    }
    // Which frames' clauses lie inside which frames' content.
    let inside = |f: &Frame, g: &Frame| {
        f.content
            .iter()
            .any(|r| r.start <= g.clause.start && g.cue < r.end)
    };
    // ", saying that ..." belongs to the main clause: the first leading frame whose content
    // holds the participle ("Clinton told them that she believes ..., saying"), not a frame
    // nested in it or in a relative clause ("an architect who said ..., saying").
    let mut outer: Vec<Option<(Np, bool)>> = (0..n)
        .map(|i| {
            if frames[i].inherit != Inherit::Previous {
                return None;
            }
            (0..i)
                .find(|&a| {
                    !frames[a].trailing
                        && !frames[a].according
                        && inside(&frames[a], &frames[i])
                        && frames[a].source.as_ref().is_some_and(|np| np.rel.is_none())
                })
                .and_then(|a| Some((frames[a].source.clone()?, frames[a].hedged)))
        })
        .collect();
    // Relays: "According to reports, X said ...", "X told Y that ..., media reported".
    for a in 0..n {
        let relay_kind = frames[a].relays(doc) || frames[a].trailing;
        if !relay_kind {
            continue;
        }
        let inner: Vec<usize> = (0..n)
            .filter(|&b| b != a && !drop[b] && inside(&frames[a], &frames[b]))
            .collect();
        if inner.is_empty() {
            continue;
        }
        // "In office, Mr. Obama said, a majority of Americans have come to believe ...": a
        // verb of thinking inside what was said stays part of it.
        if !frames[a].relays(doc)
            && inner
                .iter()
                .all(|&b| weak_inside_speech(&frames[a], &frames[b]))
        {
            for b in inner {
                drop[b] = true;
            }
            continue;
        }
        let relays = frames[a].relays(doc)
            || inner
                .iter()
                .any(|&b| at_content_start(doc, &frames[a], frames[b].clause.start));
        drop[a] = true;
        if !relays {
            // "When Trump said X, Clinton responded": the inner frame is the statement.
            continue;
        }
        let generic = frames[a]
            .source
            .as_ref()
            .is_some_and(|np| is_generic_report(doc, np));
        for b in inner {
            if generic {
                frames[b].hedged = true;
            } else if frames[b].via.is_none() {
                frames[b].via = frames[a].source.clone();
            }
            frames[b].hedged |= frames[a].hedged;
        }
    }
    // Leading content: a frame that opens it is absorbed ("said he thinks"); any other frame's
    // clause ends it.
    for a in 0..n {
        if drop[a] || frames[a].trailing {
            continue;
        }
        for b in 0..n {
            if a == b || drop[b] || !inside(&frames[a], &frames[b]) {
                continue;
            }
            if frames[b].noun {
                // "Analysts doubted Putin's claim that ...": both stand; the claim's owner
                // ends the doubt's content.
                let at = frames[b].cue + 1;
                cut_content(doc, &mut frames[a], at);
            } else if !frames[b].trailing
                && frames[b].inherit == Inherit::No
                && (at_content_start(doc, &frames[a], frames[b].clause.start)
                    || weak_inside_speech(&frames[a], &frames[b]))
            {
                drop[b] = true;
            } else {
                let at = frames[b].clause.start;
                cut_content(doc, &mut frames[a], at);
            }
        }
    }
    // Trailing relays that were dropped still end the content of frames before them.
    for a in 0..n {
        if drop[a] || frames[a].trailing {
            continue;
        }
        for b in 0..n {
            if drop[b] && frames[b].trailing && a != b && inside(&frames[a], &frames[b]) {
                let at = frames[b].clause.start;
                cut_content(doc, &mut frames[a], at);
            }
        }
    }
    let mut k = 0;
    frames.retain(|_| {
        let keep = !drop[k];
        k += 1;
        keep
    });
    let mut k = 0;
    outer.retain(|_| {
        let keep = !drop[k];
        k += 1;
        keep
    });
    // Inherited sources.
    for i in 0..frames.len() {
        match frames[i].inherit {
            Inherit::Previous => {
                let previous = i
                    .checked_sub(1)
                    .filter(|&p| frames[p].source.as_ref().is_none_or(|np| np.rel.is_none()));
                if let Some((np, hedged)) = outer[i].take() {
                    frames[i].source = Some(np);
                    frames[i].hedged |= hedged;
                } else if let Some(p) = previous {
                    frames[i].source = frames[p].source.clone();
                    frames[i].hedged |= frames[p].hedged;
                } else {
                    // The subject of the main clause: its first person or pronoun ("On
                    // Tuesday, Mr. McConnell deflected questions before saying").
                    let cue = frames[i].cue;
                    let subject = (seg.start..cue).find(|&k| {
                        !doc.in_quote(k)
                            && (doc.entity_at(k).is_some_and(|e| {
                                doc.entity_kind(e) == crate::enrich::entities::EntityKind::Person
                            }) || matches!(
                                doc.toks[k].pronoun,
                                Some(
                                    Pronoun::He
                                        | Pronoun::She
                                        | Pronoun::They
                                        | Pronoun::We
                                        | Pronoun::I
                                )
                            ))
                    });
                    frames[i].source = clause_subject(doc, seg.start, cue).or_else(|| {
                        subject.and_then(|k| {
                            if doc.toks[k].pronoun.is_some() {
                                return Some(Np::single(k));
                            }
                            let mut e = k;
                            while e < cue && doc.entity_at(e) == doc.entity_at(k) {
                                e += 1;
                            }
                            doc.np_left(e, seg.start)
                        })
                    });
                }
            }
            Inherit::Next => {
                let next = (i + 1..frames.len()).find(|&j| frames[j].source.is_some());
                if let Some(j) = next {
                    frames[i].source = frames[j].source.clone();
                    frames[i].hedged |= frames[j].hedged;
                } else if let Some(r) = frames[i].content.last().cloned() {
                    // "Stressing that ..., Putin went on": the subject after the comma.
                    let comma = (r.clone()).find(|&k| doc.norm(k) == "," && !doc.in_quote(k));
                    if let Some(c) = comma {
                        frames[i].source = doc.np_right(c + 1, seg.end);
                        cut_content(doc, &mut frames[i], c);
                    }
                }
            }
            Inherit::No => {}
        }
    }
    frames.retain(|f| {
        f.source.is_some()
            && f.content.iter().any(|r| {
                r.clone()
                    .any(|i| doc.toks[i].word || doc.text.tokens()[i].kind() == TokenKind::Number)
            })
    });
    for f in frames.iter_mut() {
        let spans = f.content.clone();
        f.quotes.retain(|&q| {
            spans
                .iter()
                .any(|r| doc.quotes[q].first >= r.start && doc.quotes[q].first < r.end)
        });
        f.quotes.sort_unstable();
        f.quotes.dedup();
    }
}

/// A verb of thinking, stance or naming inside what a verb of saying reports is part of the
/// report ("He said the allies will seek ...", "Mr. Obama said, a majority of Americans have
/// come to believe ..."), not a statement of its own.
fn weak_inside_speech(outer: &Frame, inner: &Frame) -> bool {
    let speech = matches!(
        outer.class,
        Some(CueClass::Speech | CueClass::Tell | CueClass::Write | CueClass::Report)
    );
    let weak = matches!(
        inner.class,
        Some(CueClass::Think | CueClass::Stance | CueClass::Call)
    );
    speech && weak && !outer.noun && !inner.noun
}

/// Whether `pos` is where a frame's content starts (after "that" and punctuation).
fn at_content_start(doc: &Doc, f: &Frame, pos: usize) -> bool {
    let Some(r) = f.content.first() else {
        return false;
    };
    let mut s = r.start;
    while s < r.end
        && (doc.is(s, "that") || (doc.is_punct(s) && !doc.in_quote(s)) || doc.has(s, W_CONJ))
    {
        s += 1;
    }
    pos <= s + 1 && pos >= r.start
}

/// Ends a frame's content before token `at` (and before a connective right before it).
fn cut_content(doc: &Doc, f: &mut Frame, at: usize) {
    let mut at = at;
    while at > 0 && (doc.is_punct(at - 1) && !doc.in_quote(at - 1) || doc.is_clause_opener(at - 1))
    {
        at -= 1;
        if f.content.iter().all(|r| r.start >= at) {
            break;
        }
    }
    for r in &mut f.content {
        if r.end > at {
            r.end = at.max(r.start);
        }
    }
    f.content.retain(|r| !r.is_empty());
}
