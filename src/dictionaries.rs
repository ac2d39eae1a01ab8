//! Reads a PETRARCH dictionary set from a directory: the only disk access for
//! [`crate::enrich::petrarch`], done at start-up (worker) or by `eval events`.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::enrich::petrarch::{Dictionaries, DictionaryError, Sources};

/// Which files of the directory make the set. The defaults are PETRARCH2's own
/// (`PETR_config.ini`): the CAMEO verbs and the Phoenix actors, agents and discards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DictionaryFiles {
    pub verbs: String,
    pub actors: Vec<String>,
    pub agents: Vec<String>,
    pub discards: Vec<String>,
}

impl Default for DictionaryFiles {
    fn default() -> Self {
        DictionaryFiles {
            verbs: "CAMEO.2.0.txt".into(),
            actors: vec![
                "Phoenix.Countries.actors.txt".into(),
                "Phoenix.International.actors.txt".into(),
                "Phoenix.MilNonState.actors.txt".into(),
            ],
            agents: vec!["Phoenix.agents.txt".into()],
            discards: vec!["Phoenix.discards.txt".into()],
        }
    }
}

/// A loaded set with what it cost.
#[derive(Debug)]
pub struct Loaded {
    pub dictionaries: Dictionaries,
    pub bytes: usize,
    pub seconds: f64,
}

/// Reads and parses `files` from `dir`. Lines PETRARCH would skip are kept in
/// `dictionaries.skipped` (and logged as one warning).
pub fn load(dir: &Path, files: &DictionaryFiles) -> Result<Loaded, DictionaryError> {
    let started = Instant::now();
    let mut bytes = 0;
    let mut read = |name: &String| -> Result<(String, String), DictionaryError> {
        let path = dir.join(name);
        let raw = std::fs::read(&path).map_err(|source| DictionaryError::Io {
            path: path.display().to_string(),
            source,
        })?;
        bytes += raw.len();
        // Some dictionaries carry Latin-1 bytes; keep what is valid.
        Ok((name.clone(), String::from_utf8_lossy(&raw).into_owned()))
    };
    let sources = Sources {
        verbs: vec![read(&files.verbs)?],
        actors: files
            .actors
            .iter()
            .map(&mut read)
            .collect::<Result<_, _>>()?,
        agents: files
            .agents
            .iter()
            .map(&mut read)
            .collect::<Result<_, _>>()?,
        discards: files
            .discards
            .iter()
            .map(&mut read)
            .collect::<Result<_, _>>()?,
    };
    let dictionaries = Dictionaries::parse(&sources)?;
    if !dictionaries.skipped.is_empty() {
        let first = &dictionaries.skipped[0];
        tracing::warn!(
            skipped = dictionaries.skipped.len(),
            file = %first.file,
            line = first.line,
            reason = first.reason,
            "Some PETRARCH dictionary lines were skipped, as PETRARCH itself would."
        );
    }
    Ok(Loaded {
        dictionaries,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
    })
}
