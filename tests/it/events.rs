//! The events stage end to end: CAMEO codes, direction, actors, dates and places.

use std::path::Path;

use news_enricher::enrich::Event;

use crate::support::enrich_payload;

fn enrich(payload: &[u8]) -> (String, Vec<Event>) {
    let (body, enrichment) = enrich_payload(payload);
    (body, enrichment.events)
}

fn events(payload: &[u8]) -> Vec<Event> {
    enrich(payload).1
}

fn show(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            format!(
                "{} {}->{} [{}] {}..{} @{}",
                e.cameo.code,
                e.source.as_ref().map_or("-", |a| a.code.as_str()),
                e.target.as_ref().map_or("-", |a| a.code.as_str()),
                e.trigger.text,
                e.date.as_ref().map_or("", |d| d.start.as_str()),
                e.date.as_ref().map_or("", |d| d.end.as_str()),
                e.location.as_ref().map_or("", |l| l.name.as_str()),
            )
        })
        .collect()
}

/// The event with this code, source and target, or a panic listing what there is.
fn find<'a>(events: &'a [Event], code: &str, source: &str, target: &str) -> &'a Event {
    events
        .iter()
        .find(|e| {
            e.cameo.code == code
                && e.source.as_ref().map_or("-", |a| a.code.as_str()) == source
                && e.target.as_ref().map_or("-", |a| a.code.as_str()) == target
        })
        .unwrap_or_else(|| panic!("no {code} {source}->{target} among {:#?}", show(events)))
}

fn date(e: &Event) -> (&str, &str) {
    let d = e.date.as_ref().expect("dated");
    (d.start.as_str(), d.end.as_str())
}

#[test]
fn seed_article_meeting_intent_accusation_and_expulsions() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/articles/seed-putin-fsb-2025-02-27.txt");
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipped: {} is absent", path.display());
        return;
    };
    let (body, events) = enrich(&bytes);
    // The Istanbul meeting, both ways, on the article's Thursday, in a third country.
    let meet = find(&events, "044", "RUSGOV", "USAGOV");
    find(&events, "044", "USAGOV", "RUSGOV");
    assert_eq!(meet.trigger.text, "met");
    assert_eq!(date(meet), ("2025-02-27", "2025-02-27"));
    let place = meet.location.as_ref().expect("a place");
    assert_eq!(place.name, "Istanbul");
    assert_eq!(place.country.as_deref(), Some("TUR"));
    assert_eq!(meet.plover.as_deref(), Some("CONSULT"));
    // "ready to set up cooperation": intent, not cooperation.
    let intent = find(&events, "030", "RUS", "USA");
    assert_eq!(intent.cameo.quad_class, 1);
    // "he claimed that some western elites will try to undermine": an accusation, and the
    // undermining itself is not coded.
    let accuse = find(&events, "112", "RUSGOV", "WSTELI");
    assert_eq!(accuse.trigger.text, "claimed");
    assert!(events.iter().all(|e| e.trigger.text != "undermine"));
    // Background: closures and expulsions, each with its direction and date.
    let shut = find(&events, "161", "USAGOV", "RUS");
    assert_eq!(date(shut), ("2024-06-01", "2024-06-30"));
    assert_eq!(
        shut.location.as_ref().map(|l| l.name.as_str()),
        Some("Washington")
    );
    let png = find(&events, "161", "USA", "RUSGOV");
    assert_eq!(png.trigger.text, "declared");
    assert_eq!(date(png), ("2022-02-01", "2022-03-31"));
    let retaliation = events
        .iter()
        .find(|e| e.trigger.text == "expelled")
        .unwrap_or_else(|| panic!("{:#?}", show(&events)));
    assert_eq!(
        retaliation.source.as_ref().map(|a| a.code.as_str()),
        Some("RUSGOV")
    );
    assert_eq!(
        retaliation.target.as_ref().map(|a| a.code.as_str()),
        Some("USAGOV")
    );
    let order = find(&events, "161", "USAGOV", "RUSGOV");
    assert_eq!(order.trigger.text, "ordered");
    assert_eq!(date(order), ("2023-10-01", "2023-10-31"));
    let nominal = events
        .iter()
        .find(|e| e.trigger.text == "expulsion")
        .unwrap_or_else(|| panic!("{:#?}", show(&events)));
    assert_eq!(
        nominal.source.as_ref().map(|a| a.code.as_str()),
        Some("RUSGOV")
    );
    assert_eq!(
        nominal.target.as_ref().map(|a| a.code.as_str()),
        Some("USAGOV")
    );
    // Offsets point into the body.
    for e in &events {
        assert_eq!(&body[e.trigger.start..e.trigger.end], e.trigger.text);
        assert_eq!(&body[e.sentence.start..e.sentence.end], e.sentence.text);
    }
}

#[test]
fn refusal_negation_and_unreal_acts() {
    let events = events(
        b"date 2025-03-05\nRussia refused to meet Ukraine. Germany did not sign the agreement. \
          France will try to attack Spain.",
    );
    let refuse = find(&events, "125", "RUS", "UKR");
    assert_eq!(refuse.cameo.quad_class, 3);
    find(&events, "120", "DEU", "-");
    assert!(
        events
            .iter()
            .all(|e| e.cameo.root != "19" && e.cameo.root != "05"),
        "{:#?}",
        show(&events)
    );
}

#[test]
fn several_events_per_sentence_with_passive_direction() {
    let events = events(
        b"date 2024-05-10\nOn Monday, two French diplomats were expelled by Mali, and Mali \
          closed the French embassy in Bamako.",
    );
    let expel = find(&events, "161", "MLI", "FRAGOV");
    assert_eq!(date(expel), ("2024-05-06", "2024-05-06"));
    let close = events
        .iter()
        .find(|e| e.trigger.text == "closed")
        .unwrap_or_else(|| panic!("{:#?}", show(&events)));
    assert_eq!(close.cameo.code, "161");
    assert_eq!(
        close.location.as_ref().map(|l| l.name.as_str()),
        Some("Bamako")
    );
}
