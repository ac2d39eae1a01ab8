//! Bounded memory: a backlog much larger than the worker's memory ceiling waits on the
//! broker, and the worker's resident memory stays under the ceiling while it works
//! through it. The 200,000-article BBC version is `scripts/bench.sh backlog`.

use std::time::Duration;

use crate::support::{
    article_text, produce, require_broker, temp_dir, topic_size, wait_until, Input, Topics, Worker,
};

/// The ceiling `bench end-to-end` holds the worker to by default (MB).
const CEILING_MB: u64 = 300;

fn peak_rss_mb(pid: u32) -> u64 {
    news_enricher::bench::peak_rss_kb_of(std::path::Path::new(&format!("/proc/{pid}/status")))
        / 1024
}

#[test]
fn a_backlog_larger_than_the_ceiling_keeps_worker_memory_under_it() {
    let brokers = require_broker!();
    let topics = Topics::create(&brokers, "backlog", 3);
    // 8,000 articles of 40 KB: a 320 MB backlog, more than the ceiling.
    let count = 8_000;
    let size = 40_000;
    let inputs: Vec<Input> = (0..count)
        .map(|n| {
            (
                Some(format!("b-{n}").into_bytes()),
                Some(article_text(n, size)),
            )
        })
        .collect();
    let backlog_mb = inputs
        .iter()
        .map(|(_, p)| p.as_ref().map_or(0, Vec::len))
        .sum::<usize>()
        >> 20;
    produce(&brokers, &topics.input, &inputs);
    drop(inputs);

    let dir = temp_dir("backlog");
    let mut env = topics.worker_env(&brokers);
    // Bodies of 40 KB are over no limit; keep the default bounds otherwise.
    env.push((
        "NEWS_ENRICHER__PIPELINE__INCLUDE_BODY".into(),
        "false".into(),
    ));
    let mut worker = Worker::start(&env, &dir.join("worker.log"));
    // By then the fetch queue and the in-flight window have been full for a while.
    let progressed = wait_until(Duration::from_secs(240), || {
        topic_size(&brokers, &topics.output) >= 200
    });
    let published = topic_size(&brokers, &topics.output);
    let peak_mb = peak_rss_mb(worker.child.id());
    worker.terminate();
    let _ = worker.child.wait();
    eprintln!(
        "backlog: produced {count} articles ({backlog_mb} MB), {published} published when sampled, worker peak RSS {peak_mb} MB, ceiling {CEILING_MB} MB"
    );
    assert!(progressed, "no progress; log:\n{}", worker.log_text());
    assert!(
        backlog_mb as u64 > CEILING_MB,
        "the backlog must exceed the ceiling"
    );
    assert!(peak_mb > 0, "peak RSS readable");
    assert!(
        peak_mb < CEILING_MB,
        "worker peak RSS {peak_mb} MB is over the {CEILING_MB} MB ceiling"
    );
}
