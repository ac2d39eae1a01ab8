//! Temporary: dump dev errors.
use news_enricher::enrich::ner::{ConllType, Recognizer};
use news_enricher::enrich::text::analyse;
use news_enricher::eval::conll::{gold_spans, read};
use std::collections::HashSet;
fn main() {
    let Ok(rec) = Recognizer::load_embedded() else {
        return;
    };
    let Ok(docs) = read(std::path::Path::new(
        "../shared/eval/conll2003/dev.iob2.txt",
    )) else {
        return;
    };
    for doc in &docs {
        let r = doc.rebuild();
        let toks: Vec<&str> = doc
            .sentences
            .iter()
            .flatten()
            .map(|(t, _)| t.as_str())
            .collect();
        let mut starts = HashSet::new();
        let mut k = 0;
        for s in &doc.sentences {
            starts.insert(k);
            k += s.len();
        }
        let gold: HashSet<(usize, usize, ConllType)> =
            gold_spans(&r.tags, &starts).into_iter().collect();
        let t = analyse(&r.body);
        let pred: HashSet<(usize, usize, ConllType)> = rec
            .recognize(&t)
            .into_iter()
            .filter_map(|s| {
                let a = r
                    .spans
                    .iter()
                    .position(|x| x.start <= s.start && s.start < x.end)?;
                let b = r
                    .spans
                    .iter()
                    .position(|x| x.start < s.end && s.end <= x.end)?;
                Some((a, b + 1, ConllType::of(s.kind)))
            })
            .collect();
        for g in &gold {
            if !pred.contains(g) {
                let p = pred.iter().find(|p| p.0 < g.1 && g.0 < p.1);
                println!(
                    "FN {:?} [{}] pred={:?}",
                    g.2,
                    toks[g.0..g.1].join(" "),
                    p.map(|p| (p.2, toks[p.0..p.1].join(" ")))
                );
            }
        }
        for p in &pred {
            if !gold.contains(p) && !gold.iter().any(|g| g.0 < p.1 && p.0 < g.1) {
                println!(
                    "FP {:?} [{}] ctx: {}",
                    p.2,
                    toks[p.0..p.1].join(" "),
                    toks[p.0.saturating_sub(3)..(p.1 + 3).min(toks.len())].join(" ")
                );
            }
        }
    }
}
