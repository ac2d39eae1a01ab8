//! Error-analysis driver for the shallow syntax: `syntax "some sentence"` prints each token's
//! tag, the chunks and the clauses.

use std::process::ExitCode;

use news_enricher::enrich::pos::PosTagger;
use news_enricher::enrich::syntax;
use news_enricher::enrich::text::analyse;

fn main() -> ExitCode {
    let Ok(pos) = PosTagger::load_embedded() else {
        eprintln!("the POS model does not load");
        return ExitCode::FAILURE;
    };
    for body in std::env::args().skip(1) {
        let text = analyse(&body);
        let s = syntax::analyse(&text, &pos, &[]);
        let words = |r: &std::ops::Range<usize>| {
            r.clone()
                .map(|i| text.token_text(i))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let tagged: Vec<String> = (0..text.tokens().len())
            .map(|i| format!("{}/{}", text.token_text(i), s.tags[i].label()))
            .collect();
        println!("{}", tagged.join(" "));
        for c in &s.chunks {
            println!("  {:?} [{}]", c.kind, words(&c.tokens));
        }
        for c in &s.clauses {
            println!(
                "  clause verb={} lemma={} passive={} inf={} neg={} modal={:?} subj={:?} obj={:?} comp={:?} agent={:?} gov={:?} ctl={:?} preps={:?}",
                words(&c.verb.tokens),
                c.verb.lemma,
                c.verb.passive,
                c.verb.infinitive,
                c.verb.negated,
                c.verb.modal,
                c.subject.as_ref().map(|p| words(&p.tokens)),
                c.object.as_ref().map(|p| words(&p.tokens)),
                c.complement.as_ref().map(|p| words(&p.tokens)),
                c.agent.as_ref().map(|p| words(&p.tokens)),
                c.governor,
                c.control,
                c.preps.iter().map(|p| format!("{} {}", p.prep, words(&p.object.tokens))).collect::<Vec<_>>()
            );
        }
    }
    ExitCode::SUCCESS
}
