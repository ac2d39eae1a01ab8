//! The worker against a real Kafka broker: examples end to end, poison messages, SIGKILL
//! and SIGTERM. Each test prints its counts (run with `--nocapture` to see them).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::message::Message;

use news_enricher::article::Article;
use news_enricher::config::Settings;
use news_enricher::enrich::Enricher;
use news_enricher::pipeline::{self, EnrichFn};
use news_enricher::stats::Stats;

use crate::support::{
    article_text, assert_valid_record, bytes, committed, drain, headers, numbered_articles,
    produce, record_json, require_broker, temp_dir, topic_size, wait_until, Input, Tally, Topics,
    Worker,
};

#[test]
fn examples_come_out_as_schema_valid_records() {
    let brokers = require_broker!();
    let topics = Topics::create(&brokers, "examples", 1);
    let inputs: Vec<Input> = news_enricher::demo::EXAMPLES
        .iter()
        .map(|(name, body)| (bytes(name), Some(body.to_vec())))
        .collect();
    produce(&brokers, &topics.input, &inputs);

    let dir = temp_dir("examples");
    let worker = Worker::start(&topics.worker_env(&brokers), &dir.join("worker.log"));
    let output = drain(&brokers, &topics.output, 6, Duration::from_secs(60));
    let dead = drain(&brokers, &topics.dead_letter, 1, Duration::from_secs(10));
    worker.terminate();

    assert_eq!(output.len(), 6, "worker log:\n{}", worker.log_text());
    assert_eq!(dead.len(), 1);
    for message in &output {
        let record = record_json(message);
        assert_valid_record(&record);
        assert_eq!(
            message.key(),
            record["article"]["id"].as_str().map(str::as_bytes),
            "output records are keyed by article id"
        );
        assert_eq!(record["source"]["topic"], topics.input.as_str());
    }
    let by_id: HashMap<String, serde_json::Value> = output
        .iter()
        .map(record_json)
        .map(|r| {
            (
                r["article"]["id"].as_str().unwrap_or_default().to_string(),
                r,
            )
        })
        .collect();
    assert_eq!(by_id["06-german-news"]["status"], "skipped_language");
    assert_eq!(by_id["06-german-news"]["language"]["code"], "deu");
    assert_eq!(by_id["demo-05"]["article"]["id_source"], "json");
    assert_eq!(
        by_id["demo-05"]["article"]["title"],
        "Ukraine backs US ceasefire proposal after Jeddah talks"
    );
    assert_eq!(headers(&dead[0])["error.class"], "invalid_date");
}

/// Poison of every kind, interleaved with good articles, through the in-process worker
/// with an enrichment that panics on a marker word.
#[test]
fn poison_messages_are_dead_lettered_and_good_ones_published() {
    let brokers = require_broker!();
    let topics = Topics::create(&brokers, "poison", 3);
    let oversized = format!("date 2025-02-27\n{}", "word ".repeat(30_000));
    let poison: Vec<(&str, Input)> = vec![
        ("empty_message", (bytes("p-tombstone"), None)),
        ("empty_body", (bytes("p-empty"), bytes(""))),
        (
            "empty_body",
            (bytes("p-blank-json"), bytes(r#"{"body": "  \n "}"#)),
        ),
        (
            "invalid_utf8",
            (
                bytes("p-utf8"),
                Some(b"Bad \xff\xfe bytes in a story.".to_vec()),
            ),
        ),
        (
            "malformed_json",
            (bytes("p-json"), bytes(r#"{"body": "unterminated"#)),
        ),
        (
            "missing_body",
            (bytes("p-missing"), bytes(r#"{"title": "no body here"}"#)),
        ),
        (
            "invalid_field",
            (bytes("p-field"), bytes(r#"{"body": ["not", "text"]}"#)),
        ),
        ("too_large", (bytes("p-large"), bytes(&oversized))),
        (
            "invalid_date",
            (
                bytes("p-date-json"),
                bytes(r#"{"body": "Story.", "published_at": "last Tuesday"}"#),
            ),
        ),
        (
            "invalid_date",
            (
                bytes("p-date-line"),
                bytes("date 2025-02-30\nA story with an impossible date."),
            ),
        ),
        (
            "enrichment_panic",
            (
                bytes("p-panic"),
                bytes("A story that contains PANIC-MARKER and trips a bug."),
            ),
        ),
    ];
    let mut inputs = Vec::new();
    let mut good = BTreeSet::new();
    for (n, (_, input)) in poison.iter().enumerate() {
        let id = format!("good-{n}");
        inputs.push((bytes(&id), Some(article_text(n, 800))));
        good.insert(id);
        inputs.push(input.clone());
    }
    produce(&brokers, &topics.input, &inputs);

    let mut settings = Settings::load_from(None, topics.worker_env(&brokers)).expect("settings");
    settings.pipeline.max_body_bytes = 100_000;
    settings.log.progress_interval_secs = 0;
    let enricher = Enricher::new().expect("models load");
    let enrich: Arc<EnrichFn> = Arc::new(move |article: &Article| {
        assert!(
            !article.body.contains("PANIC-MARKER"),
            "simulated enrichment bug"
        );
        enricher.enrich(article)
    });
    let runtime = crate::support::runtime();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = runtime.spawn(async move {
        pipeline::run(&settings, enrich, Arc::new(Stats::new()), async move {
            let _ = stopped.await;
        })
        .await
    });
    let output = drain(
        &brokers,
        &topics.output,
        good.len(),
        Duration::from_secs(60),
    );
    let dead = drain(
        &brokers,
        &topics.dead_letter,
        poison.len(),
        Duration::from_secs(20),
    );
    let _ = stop.send(());
    let summary = runtime
        .block_on(worker)
        .expect("worker task")
        .expect("worker ends cleanly after poison");

    let published: BTreeSet<String> = output
        .iter()
        .map(|m| String::from_utf8_lossy(m.key().expect("key")).into_owned())
        .collect();
    assert_eq!(published, good, "every good article is published");
    assert_eq!(
        dead.len(),
        poison.len(),
        "every bad message is dead-lettered once"
    );
    let expected: HashMap<&str, (&str, &Input)> = poison
        .iter()
        .map(|(class, input)| {
            let key = std::str::from_utf8(input.0.as_deref().expect("key")).expect("utf-8");
            (key, (*class, input))
        })
        .collect();
    let mut classes = BTreeMap::new();
    for message in &dead {
        let key =
            std::str::from_utf8(message.key().expect("dead letters keep the key")).expect("utf-8");
        let (class, input) = expected[key];
        let h = headers(message);
        assert_eq!(h["error.class"], class, "{key}");
        assert!(!h["error.message"].is_empty(), "{key}");
        assert_eq!(h["source.topic"], topics.input);
        assert!(h["source.partition"].parse::<i32>().is_ok());
        assert!(h["source.offset"].parse::<i64>().is_ok());
        assert_eq!(
            message.payload(),
            input.1.as_deref(),
            "{key}: payload untouched"
        );
        *classes.entry(class).or_insert(0) += 1;
    }
    eprintln!(
        "poison: produced {} ({} good, {} bad of {} kinds); published {}, dead-lettered {}: {classes:?}; summary {summary:?}",
        inputs.len(),
        good.len(),
        poison.len(),
        classes.len(),
        published.len(),
        dead.len()
    );
    assert!(classes.len() >= 9);
}

#[test]
fn sigkill_three_times_loses_no_article() {
    let brokers = require_broker!();
    let topics = Topics::create(&brokers, "sigkill", 3);
    let count = 6000;
    let (inputs, ids) = numbered_articles(count, 1000);
    produce(&brokers, &topics.input, &inputs);
    let dir = temp_dir("sigkill");
    let mut env = topics.worker_env(&brokers);
    // Keep each run slow enough to be killed mid-stream.
    env.push(("NEWS_ENRICHER__PIPELINE__MAX_IN_FLIGHT".into(), "4".into()));
    env.push(("NEWS_ENRICHER__PIPELINE__WORKER_THREADS".into(), "1".into()));
    env.push((
        "NEWS_ENRICHER__KAFKA__CONSUMER__AUTO_COMMIT_INTERVAL_MS".into(),
        "200".into(),
    ));

    let mut kills = 0;
    for run in 1..=3 {
        let worker = Worker::start(&env, &dir.join(format!("worker-{run}.log")));
        let target = (count as i64) * run / 4;
        let reached = wait_until(Duration::from_secs(90), || {
            topic_size(&brokers, &topics.output) >= target
        });
        assert!(
            reached,
            "run {run} made no progress; log:\n{}",
            worker.log_text()
        );
        let at_kill = topic_size(&brokers, &topics.output);
        assert!(
            at_kill < count as i64,
            "run {run} finished before it could be killed"
        );
        let mut worker = worker;
        worker.child.kill().expect("SIGKILL");
        worker.child.wait().expect("reaped");
        kills += 1;
        eprintln!("sigkill: run {run} killed with {at_kill} records on the output topic");
    }
    let worker = Worker::start(&env, &dir.join("worker-final.log"));
    let output = drain(&brokers, &topics.output, count, Duration::from_secs(180));
    worker.terminate();

    let tally = Tally::of(&output, &ids);
    eprintln!("sigkill: produced {count}, killed {kills} times; {tally}");
    assert!(
        tally.missing.is_empty(),
        "missing articles, e.g. {:?}",
        &tally.missing[..tally.missing.len().min(10)]
    );
    assert_eq!(tally.distinct, count);
}

#[test]
fn sigterm_drains_in_flight_work_and_commits_it() {
    let brokers = require_broker!();
    let topics = Topics::create(&brokers, "sigterm", 2);
    let count = 20_000;
    let (inputs, _) = numbered_articles(count, 2000);
    produce(&brokers, &topics.input, &inputs);
    let dir = temp_dir("sigterm");
    let mut env = topics.worker_env(&brokers);
    env.push((
        "NEWS_ENRICHER__PIPELINE__SHUTDOWN_DEADLINE_SECS".into(),
        "10".into(),
    ));
    env.push((
        "NEWS_ENRICHER__PIPELINE__MAX_IN_FLIGHT".into(),
        "512".into(),
    ));
    let mut worker = Worker::start(&env, &dir.join("worker.log"));
    assert!(
        wait_until(Duration::from_secs(60), || topic_size(
            &brokers,
            &topics.output
        ) >= 500),
        "no progress; log:\n{}",
        worker.log_text()
    );
    let before = topic_size(&brokers, &topics.output);
    let peak_rss = std::fs::read_to_string(format!("/proc/{}/status", worker.child.id()))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .unwrap_or("VmHWM: unknown")
        .to_string();
    let signalled = Instant::now();
    worker.terminate();
    let status = loop {
        if let Some(status) = worker.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(15),
            "no exit within the deadline"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let exit_after = signalled.elapsed();
    assert!(
        status.success(),
        "exit status {status}; log:\n{}",
        worker.log_text()
    );

    // Everything committed is published (no loss); see below for what was published after it.
    let committed = committed(&brokers, &topics.group, &topics.input);
    let output = drain(&brokers, &topics.output, 0, Duration::from_secs(30));
    let mut offsets: HashMap<i32, BTreeSet<i64>> = HashMap::new();
    for message in &output {
        let record = record_json(message);
        let partition = record["source"]["partition"].as_i64().expect("partition") as i32;
        let offset = record["source"]["offset"].as_i64().expect("offset");
        offsets.entry(partition).or_default().insert(offset);
    }
    let log = worker.log_text();
    let in_flight_at_stop = log
        .lines()
        .rfind(|l| l.contains("\"Progress.\""))
        .unwrap_or_default()
        .to_string();
    // When the final commit went through, the two sets are equal; when the log says it
    // failed, what was published after the last commit comes again later (duplicates).
    let final_commit_ok = log.contains("Stored offsets committed.");
    let commit_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("ommit") || l.contains("WARN") || l.contains("\"warn\""))
        .collect();
    for (partition, next) in &committed {
        let published = offsets.get(partition).cloned().unwrap_or_default();
        let missing: Vec<i64> = (0..*next).filter(|o| !published.contains(o)).collect();
        assert!(
            missing.is_empty(),
            "partition {partition}: committed but never published: {missing:?}"
        );
        let beyond: Vec<i64> = published.range(*next..).copied().collect();
        if final_commit_ok {
            assert!(
                beyond.is_empty(),
                "partition {partition}: published but not committed although the final commit succeeded: {beyond:?}; commit log lines: {commit_lines:#?}"
            );
        } else {
            eprintln!(
                "sigterm: partition {partition}: final commit failed, {} articles will be redelivered; log: {commit_lines:#?}",
                beyond.len()
            );
        }
    }
    eprintln!(
        "sigterm: produced {count}, {before} published when signalled, {} published at exit, committed {committed:?}, exited {status} after {:?} (deadline 10 s); worker {peak_rss} before the signal; last progress line: {in_flight_at_stop}",
        output.len(),
        exit_after
    );
    assert!(
        output.len() as i64 > before,
        "work in flight at the signal was finished and published"
    );
}

#[test]
fn a_missing_output_topic_stops_the_worker_with_its_name() {
    let brokers = require_broker!();
    let topics = Topics::create(&brokers, "missing", 1);
    let mut env = topics.worker_env(&brokers);
    env.push((
        "NEWS_ENRICHER__KAFKA__OUTPUT_TOPIC".into(),
        "no-such-topic-here".into(),
    ));
    let dir = temp_dir("missing");
    let mut worker = Worker::start(&env, &dir.join("worker.log"));
    let exited = wait_until(Duration::from_secs(30), || {
        matches!(worker.child.try_wait(), Ok(Some(_)))
    });
    assert!(exited, "the worker must stop, not hang");
    let status = worker.child.wait().expect("status");
    assert!(!status.success());
    let log = worker.log_text();
    assert!(log.contains("no-such-topic-here"), "{log}");
}
