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
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--bench") {
        return bench(&pos, &args[1..]);
    }
    if args.first().map(String::as_str) == Some("--model") {
        // `--model FILE TEXT...`: time tagging with another model file.
        let Some(model) = args
            .get(1)
            .and_then(|f| std::fs::read(f).ok())
            .and_then(|b| PosTagger::from_bytes(&b).ok())
        else {
            return ExitCode::FAILURE;
        };
        let texts: Vec<String> = args[2..]
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .collect();
        let t0 = std::time::Instant::now();
        for t in &texts {
            std::hint::black_box(model.tag(&analyse(t)));
        }
        println!("tagged in {:.3} s", t0.elapsed().as_secs_f64());
        return ExitCode::SUCCESS;
    }
    for body in args {
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
                s.verb_lemma(&c.verb),
                c.verb.passive,
                c.verb.infinitive,
                c.verb.negated,
                s.modal(&c.verb),
                c.subject.as_ref().map(|p| words(&p.tokens)),
                c.object.as_ref().map(|p| words(&p.tokens)),
                c.complement.as_ref().map(|p| words(&p.tokens)),
                c.agent.as_ref().map(|p| words(&p.tokens)),
                c.governor,
                s.control(c),
                c.preps.iter().map(|p| format!("{} {}", s.prep(p), words(&p.object.tokens))).collect::<Vec<_>>()
            );
        }
    }
    ExitCode::SUCCESS
}

/// `syntax --bench FILE...`: time of POS tagging, syntax and the whole enrichment.
fn bench(pos: &PosTagger, files: &[String]) -> ExitCode {
    use news_enricher::enrich::Enricher;
    use std::time::Instant;
    let texts: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    let words: usize = texts.iter().map(|t| analyse(t).word_count()).sum();
    let t0 = Instant::now();
    for t in &texts {
        let text = analyse(t);
        std::hint::black_box(pos.tag(&text));
    }
    let tag = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    for t in &texts {
        let text = analyse(t);
        std::hint::black_box(syntax::analyse(&text, pos, &[]));
    }
    let syn = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    for t in &texts {
        std::hint::black_box(analyse(t));
    }
    let tok = t0.elapsed().as_secs_f64();
    let Ok(enricher) = Enricher::new() else {
        return ExitCode::FAILURE;
    };
    let mut times = Default::default();
    for t in &texts {
        let article = news_enricher::article::Article::from_body("", t.as_str());
        std::hint::black_box(enricher.enrich_timed(&article, &mut times));
    }
    println!(
        "{words} words: tokenise {tok:.2} s, tokenise+tag {tag:.2} s, tokenise+tag+syntax {syn:.2} s; stages {times:?}"
    );
    ExitCode::SUCCESS
}
