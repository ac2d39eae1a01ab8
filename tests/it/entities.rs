//! Entities on real articles: the seed article, the bundled examples and BBC politics
//! (the last two read from `../shared`, skipped with a note where absent).

use std::path::Path;

use news_enricher::decode::{decode, Limits};
use news_enricher::enrich::{Enricher, Entity};

use crate::support::enrich_payload;

fn enrich(payload: &[u8]) -> (String, Vec<Entity>) {
    let (body, enrichment) = enrich_payload(payload);
    (body, enrichment.entities)
}

fn entity<'a>(entities: &'a [Entity], name: &str) -> &'a Entity {
    entities
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no entity {name:?} among {:#?}", names(entities)))
}

fn names(entities: &[Entity]) -> Vec<String> {
    entities
        .iter()
        .map(|e| format!("{} {:?} {:?}", e.name, e.kind, e.actor_code()))
        .collect()
}

fn assert_code(entities: &[Entity], name: &str, code: &str) {
    assert_eq!(
        entity(entities, name).actor_code().as_deref(),
        Some(code),
        "{name}"
    );
}

fn assert_offsets_point_into(body: &str, entities: &[Entity]) {
    for e in entities {
        for m in &e.mentions {
            assert_eq!(
                body.get(m.start..m.end),
                Some(m.text.as_str()),
                "{}",
                e.name
            );
        }
    }
}

#[test]
fn seed_article_heads_of_state_bodies_and_countries() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/articles/seed-putin-fsb-2025-02-27.txt");
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipped: {} is absent", path.display());
        return;
    };
    let (body, entities) = enrich(&bytes);
    assert_offsets_point_into(&body, &entities);
    let putin = entity(&entities, "Vladimir Putin");
    assert!(putin.mention_count >= 5, "{:?}", putin.mentions);
    assert_code(&entities, "Vladimir Putin", "RUSGOV");
    assert_code(&entities, "Federal Security Service", "RUSCOP");
    assert_eq!(
        entity(&entities, "Federal Security Service").mention_count,
        2
    );
    assert_code(&entities, "Russian Foreign Ministry", "RUSGOV");
    assert_code(&entities, "White House", "USAGOV");
    assert_code(&entities, "Joe Biden", "USAGOV");
    assert_code(&entities, "Russia", "RUS");
    assert_code(&entities, "United States", "USA");
    assert_code(&entities, "Turkey", "TUR");
    assert_code(&entities, "Istanbul", "TUR");
    assert_code(&entities, "Reuters", "GBRMED");
    assert_code(&entities, "United Nations", "IGO");
    let most_salient = entities
        .iter()
        .max_by(|a, b| a.salience.total_cmp(&b.salience))
        .expect("entities");
    assert_eq!(most_salient.name, "Vladimir Putin");
}

#[test]
fn bundled_example_resolves_titles_and_agencies() {
    let (body, entities) = enrich(include_bytes!(
        "../../data/articles/01-istanbul-embassy-talks.txt"
    ));
    assert_offsets_point_into(&body, &entities);
    assert_code(&entities, "Dmitry Peskov", "RUSGOV");
    assert_code(&entities, "Donald Trump", "USAGOV");
    assert_code(&entities, "Vladimir Putin", "RUSGOV");
    assert_code(&entities, "State Department", "USAGOV");
    assert_code(&entities, "Reuters", "GBRMED");
}

#[test]
fn role_phrases_resolve_to_the_holder_on_the_article_date() {
    let (_, entities) = enrich(
        b"date 2025-03-11\nThe US secretary of state met Russia's foreign minister in Riyadh. \
          Marco Rubio said the talks were useful.",
    );
    let rubio = entity(&entities, "Marco Rubio");
    let texts: Vec<&str> = rubio.mentions.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["US secretary of state", "Marco Rubio"]);
    let lavrov = entity(&entities, "Sergei Lavrov");
    assert_eq!(lavrov.mentions[0].text, "Russia's foreign minister");
}

#[test]
fn bbc_politics_blair_and_brown_are_always_the_right_people() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/bbc/politics");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    };
    let enricher = Enricher::new().expect("models load");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for entry in entries {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("readable");
        let Ok(article) = decode(
            Some(&bytes),
            None,
            Limits {
                max_body_bytes: 1 << 20,
            },
        ) else {
            continue;
        };
        for e in enricher.enrich(&article).entities {
            for m in &e.mentions {
                let expected = match m.text.as_str() {
                    "Tony Blair" | "Mr Blair" | "Blair" => "Tony Blair",
                    "Gordon Brown" => "Gordon Brown",
                    "UK" | "Britain" => "United Kingdom",
                    _ => continue,
                };
                checked += 1;
                if e.name != expected {
                    wrong.push(format!("{}: {:?} -> {}", path.display(), m.text, e.name));
                }
            }
        }
    }
    eprintln!(
        "bbc politics: {checked} mentions checked, {} wrong",
        wrong.len()
    );
    assert!(checked > 500, "{checked}");
    assert!(wrong.is_empty(), "{wrong:#?}");
}
