//! Word clusters learned from unlabelled text with the exchange algorithm (a class-based bigram
//! model, as in Brown clustering but flat): words that occur in similar contexts share a class.
//!
//! Deterministic: words are visited in frequency order (ties by spelling), classes start as
//! frequency rank modulo the class count, and a word moves only to a strictly better class.

use std::collections::HashMap;

/// A clustering of a vocabulary.
#[derive(Debug, Clone)]
pub struct Clustering {
    /// Words, most frequent first.
    pub words: Vec<String>,
    /// `classes[i]` is the class of `words[i]`.
    pub classes: Vec<u16>,
}

/// Counts word bigrams over sentences; words below `min_count` share one unknown word.
#[derive(Debug, Default)]
pub struct Corpus {
    ids: HashMap<String, u32>,
    words: Vec<String>,
    counts: Vec<u64>,
    sentences: Vec<Vec<u32>>,
}

impl Corpus {
    pub fn add_sentence<'a>(&mut self, words: impl Iterator<Item = &'a str>) {
        let mut s = Vec::new();
        for w in words {
            let id = match self.ids.get(w) {
                Some(&id) => id,
                None => {
                    let id = self.words.len() as u32;
                    self.ids.insert(w.to_string(), id);
                    self.words.push(w.to_string());
                    self.counts.push(0);
                    id
                }
            };
            self.counts[id as usize] += 1;
            s.push(id);
        }
        if !s.is_empty() {
            self.sentences.push(s);
        }
    }

    /// Clusters the words seen at least `min_count` times into `n_classes` classes with
    /// `passes` passes of the exchange algorithm.
    pub fn cluster(&self, min_count: u64, n_classes: usize, passes: usize) -> Clustering {
        // Vocabulary in frequency order; id 0 is the boundary, 1 the unknown word.
        let mut order: Vec<u32> = (0..self.words.len() as u32)
            .filter(|&i| self.counts[i as usize] >= min_count)
            .collect();
        order.sort_by(|&a, &b| {
            self.counts[b as usize]
                .cmp(&self.counts[a as usize])
                .then_with(|| self.words[a as usize].cmp(&self.words[b as usize]))
        });
        let mut remap = vec![1u32; self.words.len()];
        for (k, &w) in order.iter().enumerate() {
            remap[w as usize] = k as u32 + 2;
        }
        let v = order.len() + 2;
        let c = n_classes.max(2);

        // Bigrams (with the boundary) as sorted neighbour lists.
        let mut bigrams: HashMap<(u32, u32), u64> = HashMap::new();
        let mut unigram = vec![0u64; v];
        for s in &self.sentences {
            let mut prev = 0u32;
            unigram[0] += 1;
            for &w in s {
                let w = remap[w as usize];
                *bigrams.entry((prev, w)).or_default() += 1;
                unigram[w as usize] += 1;
                prev = w;
            }
            *bigrams.entry((prev, 0)).or_default() += 1;
        }
        let mut pairs: Vec<((u32, u32), u64)> = bigrams.into_iter().collect();
        pairs.sort_unstable();
        let mut right: Vec<Vec<(u32, u64)>> = vec![Vec::new(); v];
        let mut left: Vec<Vec<(u32, u64)>> = vec![Vec::new(); v];
        for &((a, b), n) in &pairs {
            right[a as usize].push((b, n));
            left[b as usize].push((a, n));
        }

        // Initial classes: boundary and unknown get fixed classes 0 and 1.
        let mut cls: Vec<usize> = (0..v)
            .map(|w| {
                if w < 2 {
                    w
                } else {
                    2 + (w - 2) % (c - 2).max(1)
                }
            })
            .collect();
        let mut m = vec![0f64; c * c];
        let mut nc = vec![0f64; c];
        for &((a, b), n) in &pairs {
            m[cls[a as usize] * c + cls[b as usize]] += n as f64;
        }
        for (w, &n) in unigram.iter().enumerate() {
            nc[cls[w]] += n as f64;
        }

        let f = |x: f64| if x > 0.0 { x * x.ln() } else { 0.0 };
        let mut r = vec![0f64; c];
        let mut l = vec![0f64; c];
        let mut r_touched = Vec::new();
        let mut l_touched = Vec::new();
        for _ in 0..passes {
            let mut moved = 0;
            for w in 2..v {
                let a = cls[w];
                let nw = unigram[w] as f64;
                let mut selfc = 0f64;
                r_touched.clear();
                l_touched.clear();
                for &(x, n) in &right[w] {
                    if x as usize == w {
                        selfc = n as f64;
                        continue;
                    }
                    let d = cls[x as usize];
                    if r[d] == 0.0 {
                        r_touched.push(d);
                    }
                    r[d] += n as f64;
                }
                for &(x, n) in &left[w] {
                    if x as usize == w {
                        continue;
                    }
                    let d = cls[x as usize];
                    if l[d] == 0.0 {
                        l_touched.push(d);
                    }
                    l[d] += n as f64;
                }
                // Remove w from a.
                for &d in &r_touched {
                    m[a * c + d] -= r[d];
                }
                for &d in &l_touched {
                    m[d * c + a] -= l[d];
                }
                m[a * c + a] -= selfc;
                nc[a] -= nw;
                // The gain of putting w into each class.
                let gain = |b: usize, m: &[f64], nc: &[f64]| -> f64 {
                    let mut g = 0.0;
                    for &d in &r_touched {
                        if d != b {
                            let x = m[b * c + d];
                            g += f(x + r[d]) - f(x);
                        }
                    }
                    for &d in &l_touched {
                        if d != b {
                            let x = m[d * c + b];
                            g += f(x + l[d]) - f(x);
                        }
                    }
                    let x = m[b * c + b];
                    g += f(x + r[b] + l[b] + selfc) - f(x);
                    g - 2.0 * (f(nc[b] + nw) - f(nc[b]))
                };
                let mut best = a;
                let mut best_gain = gain(a, &m, &nc);
                for b in 2..c {
                    if b == a {
                        continue;
                    }
                    let g = gain(b, &m, &nc);
                    if g > best_gain + 1e-9 {
                        best_gain = g;
                        best = b;
                    }
                }
                // Put w into best.
                for &d in &r_touched {
                    m[best * c + d] += r[d];
                }
                for &d in &l_touched {
                    m[d * c + best] += l[d];
                }
                m[best * c + best] += selfc;
                nc[best] += nw;
                if best != a {
                    cls[w] = best;
                    moved += 1;
                }
                for &d in &r_touched {
                    r[d] = 0.0;
                }
                for &d in &l_touched {
                    l[d] = 0.0;
                }
            }
            if moved == 0 {
                break;
            }
        }
        Clustering {
            words: order
                .iter()
                .map(|&w| self.words[w as usize].clone())
                .collect(),
            classes: (2..v).map(|w| cls[w] as u16).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_in_the_same_contexts_share_a_class() {
        let mut corpus = Corpus::default();
        let cities = ["Paris", "London", "Berlin", "Rome"];
        let verbs = ["ran", "walked", "swam", "flew"];
        for (i, c) in cities.iter().enumerate() {
            for (j, v) in verbs.iter().enumerate() {
                for _ in 0..(1 + (i + j) % 3) {
                    corpus.add_sentence(["he", v, "to", c, "today"].into_iter());
                    corpus.add_sentence(["she", v, "from", c, "yesterday"].into_iter());
                }
            }
        }
        let k = corpus.cluster(1, 6, 20);
        let class = |w: &str| {
            k.words
                .iter()
                .position(|x| x == w)
                .map(|i| k.classes[i])
                .unwrap_or(u16::MAX)
        };
        let city = class("Paris");
        assert!(cities.iter().all(|c| class(c) == city), "{k:?}");
        let verb = class("ran");
        assert!(verbs.iter().all(|v| class(v) == verb), "{k:?}");
        assert_ne!(city, verb);
    }
}
