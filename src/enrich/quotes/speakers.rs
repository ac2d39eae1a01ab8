//! Who a source phrase is: the entity whose mention heads it, or the phrase itself; pronouns
//! go to the last compatible person before them (gender from titles, first names, gendered
//! nouns and earlier pronoun use), skipping people only named inside quotes.

use super::doc::Doc;
use super::lexicon::{Gender, Pronoun, W_PERSON_NOUN, W_TITLE};
use super::np::Np;
use crate::enrich::entities::EntityKind;

/// A resolved source: an entity when one matches, with the phrase that named it.
#[derive(Debug, Clone, PartialEq)]
pub struct Who {
    pub entity: Option<usize>,
    pub name: String,
    /// Byte span of the phrase in the text (the pronoun itself for pronouns).
    pub start: usize,
    pub end: usize,
}

/// A speaker named by a phrase rather than an entity, kept as a pronoun antecedent.
#[derive(Debug, Clone)]
struct Earlier {
    at: usize,
    gender: Option<Gender>,
    who: Who,
}

/// Resolves sources in text order, learning genders from the pronouns it resolves.
pub struct Resolver {
    genders: Vec<Option<Gender>>,
    earlier: Vec<Earlier>,
}

/// How far back (in tokens) a pronoun looks for its antecedent.
const WINDOW: usize = 600;

impl Resolver {
    pub fn new(doc: &Doc) -> Resolver {
        Resolver {
            genders: doc.genders.clone(),
            earlier: Vec::new(),
        }
    }

    /// Resolves a source phrase (remembering it as a later pronoun antecedent).
    pub fn resolve(&mut self, doc: &Doc, np: &Np) -> Who {
        let (start, end) = doc.bytes(np.naming());
        let head = &doc.toks[np.head];
        if np.core.len() == 1 {
            // Possessive determiners stand for their pronouns ("his claim that").
            let possessive = match doc.norm(np.head).to_ascii_lowercase().as_str() {
                "his" => Some(Pronoun::He),
                "her" => Some(Pronoun::She),
                "their" => Some(Pronoun::They),
                _ => None,
            };
            if let Some(p) = head.pronoun.or(possessive) {
                return self.pronoun(doc, np.head, p);
            }
        }
        if let Some(e) = entity_of(doc, np) {
            return Who {
                entity: Some(e),
                name: doc.entities[e].name.clone(),
                start,
                end,
            };
        }
        let who = Who {
            entity: None,
            name: doc.slice(np.core.clone()).to_string(),
            start,
            end,
        };
        if head.flags & W_PERSON_NOUN != 0 || head.cap {
            let gender = np.core.clone().find_map(|k| doc.toks[k].gender);
            self.earlier.push(Earlier {
                at: np.head,
                gender,
                who: who.clone(),
            });
        }
        who
    }

    fn pronoun(&mut self, doc: &Doc, at: usize, p: Pronoun) -> Who {
        let (start, end) = doc.bytes(at..at + 1);
        let plain = Who {
            entity: None,
            name: doc.s(at).to_string(),
            start,
            end,
        };
        match p {
            Pronoun::He | Pronoun::She => {
                let g = p.gender();
                let lo = at.saturating_sub(WINDOW);
                // Most recent compatible person mention outside quotes.
                let upto = doc.ments.partition_point(|m| m.toks.0 < at);
                let mut best: Option<(usize, usize)> = None; // (token, entity)
                for m in doc.ments[..upto].iter().rev() {
                    if m.toks.0 < lo {
                        break;
                    }
                    if doc.entity_kind(m.entity) != EntityKind::Person || doc.in_quote(m.toks.0) {
                        continue;
                    }
                    let eg = self.genders[m.entity];
                    if eg.is_none() || eg == g {
                        best = Some((m.toks.0, m.entity));
                        break;
                    }
                }
                let earlier = self
                    .earlier
                    .iter()
                    .rev()
                    .find(|e| e.at < at && e.at >= lo && (e.gender.is_none() || e.gender == g));
                match (best, earlier) {
                    (Some((pos, e)), other) if other.is_none_or(|o| o.at < pos) => {
                        if self.genders[e].is_none() {
                            self.genders[e] = g;
                        }
                        Who {
                            entity: Some(e),
                            name: doc.entities[e].name.clone(),
                            start,
                            end,
                        }
                    }
                    (_, Some(o)) => Who {
                        entity: o.who.entity,
                        name: o.who.name.clone(),
                        start,
                        end,
                    },
                    _ => plain,
                }
            }
            Pronoun::It => {
                let upto = doc.ments.partition_point(|m| m.toks.0 < at);
                let lo = at.saturating_sub(WINDOW / 3);
                let org = doc.ments[..upto]
                    .iter()
                    .rev()
                    .take_while(|m| m.toks.0 >= lo)
                    .find(|m| {
                        doc.entity_kind(m.entity) == EntityKind::Org && !doc.in_quote(m.toks.0)
                    });
                match org {
                    Some(m) => Who {
                        entity: Some(m.entity),
                        name: doc.entities[m.entity].name.clone(),
                        start,
                        end,
                    },
                    None => plain,
                }
            }
            _ => plain,
        }
    }
}

/// The entity a phrase names: the mention holding its head, a person in its appositive
/// ("Putin's spokesman, Dmitry Peskov"), or a name it is titled with. Possessors
/// ("Putin's spokesman") are not the speaker.
fn entity_of(doc: &Doc, np: &Np) -> Option<usize> {
    if let Some(e) = doc.entity_at(np.head) {
        return Some(e);
    }
    if let Some(a) = &np.appos {
        let person = a.clone().take(6).find_map(|k| {
            doc.entity_at(k)
                .filter(|&e| doc.entity_kind(e) == EntityKind::Person)
        });
        if person.is_some() && !doc.has(a.start, super::lexicon::W_REL) {
            return person;
        }
    }
    // "Kremlin spokesman" has no person; "President Putin" has one after the title.
    let mut k = np.core.start;
    while k < np.core.end {
        if let Some(e) = doc.entity_at(k) {
            let mut m_end = k;
            while m_end < np.core.end && doc.entity_at(m_end) == Some(e) {
                m_end += 1;
            }
            let possessor = m_end < np.core.end && matches!(doc.norm(m_end), "'s" | "'");
            let titled_head = doc.has(np.head, W_TITLE) && doc.entity_kind(e) == EntityKind::Person;
            if !possessor && (m_end == np.core.end || titled_head) {
                return Some(e);
            }
            k = m_end;
            continue;
        }
        k += 1;
    }
    None
}
