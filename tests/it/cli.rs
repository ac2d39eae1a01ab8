//! The command line without Kafka: schema, enrich, check-config, and demo on the mock cluster.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::support::assert_valid_record;

fn news_enricher(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_news-enricher"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("binary exits")
}

fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each stdout line is JSON"))
        .collect()
}

#[test]
fn schema_command_prints_a_compilable_json_schema() {
    let output = news_enricher(&["schema"], &[], None);
    assert!(output.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    assert_eq!(schema["properties"]["schema_version"]["const"], 1);
}

#[test]
fn enrich_reads_a_text_file_and_prints_a_valid_record() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/articles/01-istanbul-embassy-talks.txt"
    );
    let output = news_enricher(&["enrich", path], &[], None);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = json_lines(&output);
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_valid_record(record);
    assert_eq!(record["article"]["date"], "2025-02-27");
    assert_eq!(record["article"]["id_source"], "content_hash");
    assert_eq!(record["source"], serde_json::Value::Null);
    assert_eq!(record["status"], "enriched");
    let body = record["article"]["body"].as_str().expect("body");
    assert!(
        body.starts_with("ISTANBUL (Reuters)"),
        "the date line is not part of the body"
    );
}

#[test]
fn enrich_reads_json_lines_from_stdin_and_reports_bad_lines() {
    let input = b"{\"id\": \"a\", \"body\": \"Diplomats met in Istanbul on Thursday to talk about embassies.\"}\n\
                  {\"id\": \"b\", \"body\": \"\"}\n\
                  {\"id\": \"c\", \"text\": \"Die Regierung hat am Donnerstag neue Hilfen angekuendigt, sagte die Ministerin in Berlin.\"}\n";
    let output = news_enricher(&["enrich", "-"], &[], Some(input));
    assert_eq!(
        output.status.code(),
        Some(2),
        "a bad article makes the exit status 2"
    );
    let records = json_lines(&output);
    let ids: Vec<_> = records.iter().map(|r| r["article"]["id"].clone()).collect();
    assert_eq!(ids, ["a", "c"]);
    assert_eq!(records[1]["status"], "skipped_language");
    assert_eq!(records[1]["entities"], serde_json::json!([]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("-:2") && stderr.contains("empty_body"),
        "{stderr}"
    );
}

#[test]
fn check_config_applies_environment_and_masks_secrets() {
    let output = news_enricher(
        &["check-config"],
        &[
            ("NEWS_ENRICHER__KAFKA__BROKERS", "kafka-1:9092"),
            ("NEWS_ENRICHER__KAFKA__CONSUMER__SASL_PASSWORD", "hunter2"),
        ],
        None,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let shown: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(shown["kafka"]["brokers"], "kafka-1:9092");
    assert_eq!(shown["kafka"]["consumer"]["sasl.password"], "****");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("hunter2"));
}

#[test]
fn invalid_settings_stop_the_worker_with_the_key_named() {
    let output = news_enricher(
        &["run"],
        &[("NEWS_ENRICHER__PIPELINE__MAX_IN_FLIGHT", "0")],
        None,
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("pipeline.max_in_flight"), "{stderr}");
}

#[test]
fn settings_file_is_layered_between_defaults_and_environment() {
    let dir = crate::support::temp_dir("settings-file");
    let file = dir.join("worker.toml");
    std::fs::write(
        &file,
        "[kafka]\ninput_topic = \"from-file\"\noutput_topic = \"out-file\"\n",
    )
    .expect("write settings");
    let output = news_enricher(
        &[
            "check-config",
            "--config",
            file.to_str().expect("utf-8 path"),
        ],
        &[("NEWS_ENRICHER__KAFKA__OUTPUT_TOPIC", "out-env")],
        None,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let shown: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(shown["kafka"]["input_topic"], "from-file");
    assert_eq!(shown["kafka"]["output_topic"], "out-env");
    assert_eq!(shown["kafka"]["dead_letter_topic"], "articles-dead-letter");
}

#[test]
fn demo_runs_the_worker_on_the_mock_cluster() {
    let output = news_enricher(&["demo"], &[("NEWS_ENRICHER__LOG__LEVEL", "warn")], None);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let documents: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("a stream of JSON documents");
    assert_eq!(documents.len(), news_enricher::demo::EXAMPLES.len());
    let records: Vec<_> = documents
        .iter()
        .filter(|d| d.get("dead_letter").is_none())
        .collect();
    for record in &records {
        assert_valid_record(record);
    }
    assert_eq!(records.len(), 6);
    let dead: Vec<_> = documents
        .iter()
        .filter_map(|d| d.get("dead_letter"))
        .collect();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["key"], "07-bad-date");
    assert_eq!(dead[0]["headers"]["error.class"], "invalid_date");
}

/// A tiny PETRARCH dictionary set under PETRARCH2's default file names.
fn petrarch_dictionaries(test: &str) -> std::path::PathBuf {
    let dir = crate::support::temp_dir(test);
    let files = [
        (
            "CAMEO.2.0.txt",
            "--- CONDEMN [122] ---\nCONDEMN\nDENOUNCE\n\n--- MEET [040] ---\nMEET {MET MEETS MEETING}\n",
        ),
        (
            "Phoenix.Countries.actors.txt",
            "RUSSIA [RUS]\n+RUSSIAN\n+MOSCOW\nUKRAINE [UKR]\n+KYIV\nSMEAGOL\n\t[HOB <20200101]\n\t[HOBGOV >20200101]\n",
        ),
        ("Phoenix.International.actors.txt", "UNITED_NATIONS [IGOUNO]\n"),
        ("Phoenix.MilNonState.actors.txt", "# none\n"),
        ("Phoenix.agents.txt", "GOVERNMENT [~GOV]\nMINISTRY [~GOV]\n"),
        ("Phoenix.discards.txt", "WORLD CUP\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write a dictionary");
    }
    dir
}

#[test]
fn enrich_codes_events_with_configured_petrarch_dictionaries() {
    let dir = petrarch_dictionaries("petrarch-enrich");
    let input = b"{\"id\": \"p\", \"published_at\": \"2025-02-27\", \"body\": \"The Russian government condemned Kyiv on Thursday. Smeagol met the United Nations. Moscow condemned the World Cup.\"}\n";
    let output = news_enricher(
        &["enrich", "-"],
        &[(
            "NEWS_ENRICHER__EVENTS__DICTIONARIES",
            dir.to_str().expect("utf-8 path"),
        )],
        Some(input),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = json_lines(&output);
    assert_valid_record(&records[0]);
    let events = records[0]["events"].as_array().expect("events");
    let triples: Vec<(String, String, String)> = events
        .iter()
        .map(|e| {
            (
                e["source"]["code"].as_str().unwrap_or("").to_string(),
                e["target"]["code"].as_str().unwrap_or("").to_string(),
                e["cameo"]["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        triples,
        [
            ("RUSGOV".into(), "UKR".into(), "122".into()),
            ("HOBGOV".into(), "IGOUNO".into(), "040".into()),
        ],
        "the discarded sentence codes nothing; the date picks Smeagol's code"
    );
    assert_eq!(events[0]["trigger"]["text"], "condemned");
    let kyiv = records[0]["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .find(|e| e["name"] == "Kyiv")
        .map(|e| e["id"].clone());
    assert_eq!(Some(events[0]["target"]["entity_id"].clone()), kyiv);
    assert_eq!(events[0]["cameo"]["quad_class"], 3);
}

#[test]
fn a_missing_petrarch_dictionary_stops_start_up_with_its_path() {
    let dir = crate::support::temp_dir("petrarch-missing");
    let output = news_enricher(
        &["enrich", "-"],
        &[(
            "NEWS_ENRICHER__EVENTS__DICTIONARIES",
            dir.to_str().expect("utf-8 path"),
        )],
        Some(b"{\"id\": \"p\", \"body\": \"Russia condemned Ukraine.\"}\n"),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("CAMEO.2.0.txt"), "{stderr}");
}

#[test]
fn eval_events_runs_the_petrarch_unit_tests() {
    let records = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/eval/petrarch2/text/PETR.UnitTest.records.xml"
    );
    if !std::path::Path::new(records).exists() {
        eprintln!("skipped: {records} is absent");
        return;
    }
    let dictionaries = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/eval/petrarch2/dictionaries"
    );
    let output = news_enricher(
        &[
            "eval",
            "events",
            "--petrarch",
            records,
            "--dictionaries",
            dictionaries,
            "--json",
        ],
        &[],
        None,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let scores = &json_lines(&output)[0];
    for key in ["exact_sentence_share", "precision", "recall", "f1"] {
        let v = scores[key].as_f64().expect("a number");
        assert!((0.0..=1.0).contains(&v), "{key} = {v}");
    }
    assert!(scores["exact_sentence_share"].as_f64().unwrap_or(0.0) >= 0.70);
}
