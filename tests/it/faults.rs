//! What production does to the worker, against the real broker: workers joining and dying
//! in one group (scale-out), the broker going away for 30 s, and SIGKILL under
//! exactly-once delivery. Each test prints its counts (run with `--nocapture`).

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{
    drain, http_get, numbered_articles, produce, require_broker, temp_dir, topic_size, wait_until,
    BrokerOwner, Tally, Topics, Worker,
};

/// Settings that keep a debug-build worker slow enough to act on mid-stream.
fn slow_worker_env(topics: &Topics, brokers: &str) -> Vec<(String, String)> {
    let mut env = topics.worker_env(brokers);
    env.push(("NEWS_ENRICHER__PIPELINE__MAX_IN_FLIGHT".into(), "4".into()));
    env.push(("NEWS_ENRICHER__PIPELINE__WORKER_THREADS".into(), "1".into()));
    env.push((
        "NEWS_ENRICHER__KAFKA__CONSUMER__AUTO_COMMIT_INTERVAL_MS".into(),
        "200".into(),
    ));
    env
}

/// Waits until the output topic holds `target` records; panics with the logs if not.
fn wait_for_output(brokers: &str, topics: &Topics, target: i64, workers: &[&Worker]) -> i64 {
    let reached = wait_until(Duration::from_secs(120), || {
        topic_size(brokers, &topics.output) >= target
    });
    let logs: Vec<String> = workers.iter().map(|w| w.log_text()).collect();
    assert!(
        reached,
        "no progress to {target}; logs:\n{}",
        logs.join("\n---\n")
    );
    topic_size(brokers, &topics.output)
}

#[test]
fn workers_join_and_die_in_one_group_and_nothing_is_lost() {
    let brokers = require_broker!();
    let topics = Topics::create(&brokers, "scale", 6);
    let count = 9000;
    let (inputs, ids) = numbered_articles(count, 1000);
    produce(&brokers, &topics.input, &inputs);
    let dir = temp_dir("scale");
    let env = slow_worker_env(&topics, &brokers);
    let start = |name: &str| Worker::start(&env, &dir.join(format!("{name}.log")));
    let total = count as i64;

    let mut first = start("w1");
    let second = start("w2");
    let at_two = wait_for_output(&brokers, &topics, total / 5, &[&first, &second]);
    let third = start("w3");
    let at_three = wait_for_output(&brokers, &topics, 2 * total / 5, &[&first, &second, &third]);
    first.child.kill().expect("SIGKILL");
    first.child.wait().expect("reaped");
    let at_kill = topic_size(&brokers, &topics.output);
    let _ = wait_for_output(&brokers, &topics, 3 * total / 5, &[&second, &third]);
    let fourth = start("w4");
    let at_add = topic_size(&brokers, &topics.output);
    assert!(
        at_add < total,
        "the run ended before the fourth worker joined"
    );
    let output = drain(&brokers, &topics.output, count, Duration::from_secs(240));
    let tally = Tally::of(&output, &ids);
    let logs: Vec<String> = [&second, &third, &fourth]
        .iter()
        .map(|w| w.log_text())
        .collect();
    let revoked = logs
        .iter()
        .map(|l| l.matches("Partitions revoked.").count())
        .sum::<usize>();
    for worker in [&second, &third, &fourth] {
        worker.terminate();
    }
    eprintln!(
        "scale-out: produced {count} on 6 partitions; 2 workers, a third joined at {at_two} records, the first SIGKILLed at {at_kill} (third had joined by {at_three}), a fourth joined at {at_add}; {revoked} revocations in the survivors' logs; {tally}"
    );
    assert!(
        tally.missing.is_empty(),
        "missing articles, e.g. {:?}",
        &tally.missing[..tally.missing.len().min(10)]
    );
    assert!(revoked > 0, "partitions moved between workers");
}

/// Runs `scripts/kafka.sh` with the test broker's state directory (from `scripts/test.sh`).
fn kafka_sh(command: &str) -> bool {
    Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/kafka.sh"))
        .arg(command)
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn the_broker_stopped_for_30_s_loses_nothing_and_the_worker_keeps_running() {
    let brokers = require_broker!();
    if std::env::var_os("KAFKA_STATE_DIR").is_none() {
        eprintln!("skipped: KAFKA_STATE_DIR unset, so the test broker cannot be restarted");
        return;
    }
    let _owner = BrokerOwner::take();
    let topics = Topics::create(&brokers, "broker-fault", 3);
    let count = 4000;
    let (inputs, ids) = numbered_articles(count, 1000);
    produce(&brokers, &topics.input, &inputs);
    let dir = temp_dir("broker-fault");
    let mut worker = Worker::start(&slow_worker_env(&topics, &brokers), &dir.join("worker.log"));
    let address = worker.http_address();
    let at_stop = wait_for_output(&brokers, &topics, count as i64 / 4, &[&worker]);
    let ready_before = http_get(address, "/readyz");

    let stopping = Instant::now();
    assert!(kafka_sh("stop"), "broker stops");
    let stopped = Instant::now();
    let mut alive = true;
    let mut not_ready = None;
    while stopped.elapsed() < Duration::from_secs(30) {
        alive &= worker.child.try_wait().expect("wait").is_none();
        let ready = http_get(address, "/readyz");
        if ready.0 == 503 && not_ready.is_none() {
            not_ready = Some((stopped.elapsed(), ready.1));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(kafka_sh("start"), "broker restarts");
    let down = stopped.elapsed();
    let ready_again = wait_until(Duration::from_secs(120), || {
        http_get(address, "/readyz").0 == 200
    });
    let output = drain(&brokers, &topics.output, count, Duration::from_secs(240));
    alive &= worker.child.try_wait().expect("wait").is_none();
    let tally = Tally::of(&output, &ids);
    worker.terminate();
    eprintln!(
        "broker fault: produced {count}; broker stopped at {at_stop} records (stop took {:?}), down {down:?} in all with the restart; readyz before {ready_before:?}, first not ready during the outage {not_ready:?}, ready again: {ready_again}; worker alive throughout: {alive}; {tally}",
        stopped - stopping
    );
    assert!(
        alive,
        "the worker kept running; log:\n{}",
        worker.log_text()
    );
    assert_eq!(ready_before.0, 200, "ready before the outage");
    assert!(not_ready.is_some(), "readyz reported the outage");
    assert!(ready_again, "readyz recovered after the restart");
    assert!(
        tally.missing.is_empty(),
        "missing articles, e.g. {:?}",
        &tally.missing[..tally.missing.len().min(10)]
    );
}

#[test]
fn exactly_once_survives_three_sigkills_with_every_article_once() {
    let brokers = require_broker!();
    let topics = Topics::create(&brokers, "exactly-once", 3);
    let count = 6000;
    let (inputs, ids) = numbered_articles(count, 1000);
    produce(&brokers, &topics.input, &inputs);
    let dir = temp_dir("exactly-once");
    let mut env = slow_worker_env(&topics, &brokers);
    env.push((
        "NEWS_ENRICHER__PIPELINE__DELIVERY".into(),
        "exactly-once".into(),
    ));
    // One instance, restarted: the same transactional.id each time.
    env.push((
        "NEWS_ENRICHER__KAFKA__TRANSACTIONAL_ID".into(),
        format!("{}-instance-0", topics.group),
    ));
    let mut at_kills = Vec::new();
    for run in 1..=3 {
        let mut worker = Worker::start(&env, &dir.join(format!("worker-{run}.log")));
        // The output topic also holds aborted records and commit markers: enough
        // progress, not an exact count.
        let target = count as i64 * run / 4;
        let at_kill = wait_for_output(&brokers, &topics, target, &[&worker]);
        assert!(
            at_kill < count as i64,
            "run {run} finished before it was killed"
        );
        worker.child.kill().expect("SIGKILL");
        worker.child.wait().expect("reaped");
        at_kills.push(at_kill);
    }
    let worker = Worker::start(&env, &dir.join("worker-final.log"));
    let output = drain(&brokers, &topics.output, count, Duration::from_secs(240));
    let tally = Tally::of(&output, &ids);
    let log = worker.log_text();
    worker.terminate();
    let written = topic_size(&brokers, &topics.output);
    eprintln!(
        "exactly-once: produced {count}, SIGKILLed 3 times (output topic offsets at the kills {at_kills:?}, {written} at the end, aborted records and markers included); read_committed {tally}"
    );
    assert!(
        tally.missing.is_empty(),
        "missing articles, e.g. {:?}; log:\n{log}",
        &tally.missing[..tally.missing.len().min(10)]
    );
    assert_eq!(tally.duplicates, 0, "every article exactly once");
    assert_eq!(tally.records, count);
}
