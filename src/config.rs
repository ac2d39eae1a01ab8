//! Settings: loading in layers, validation into typed values, masking for display.
//!
//! This is the only module that reads the environment.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The documented defaults, compiled in so that they always apply.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Prefix of environment variables that override settings.
pub const ENV_PREFIX: &str = "NEWS_ENRICHER";

/// Validated settings of the whole worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub kafka: KafkaSettings,
    pub pipeline: PipelineSettings,
    pub log: LogSettings,
    pub http: HttpSettings,
    pub otel: OtelSettings,
    pub events: EventSettings,
}

/// How events are coded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSettings {
    /// Directory of PETRARCH2-format dictionaries; empty: the built-in lexicon.
    pub dictionaries: String,
    pub verb_file: String,
    pub actor_files: Vec<String>,
    pub agent_files: Vec<String>,
    pub discard_files: Vec<String>,
}

impl EventSettings {
    /// The configured PETRARCH dictionary directory and files, if one is configured.
    pub fn petrarch(&self) -> Option<(std::path::PathBuf, crate::dictionaries::DictionaryFiles)> {
        (!self.dictionaries.trim().is_empty()).then(|| {
            (
                std::path::PathBuf::from(self.dictionaries.trim()),
                crate::dictionaries::DictionaryFiles {
                    verbs: self.verb_file.clone(),
                    actors: self.actor_files.clone(),
                    agents: self.agent_files.clone(),
                    discards: self.discard_files.clone(),
                },
            )
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaSettings {
    pub brokers: String,
    pub group_id: String,
    pub input_topic: String,
    pub output_topic: String,
    pub dead_letter_topic: String,
    pub auto_offset_reset: OffsetReset,
    /// `transactional.id` of this instance under exactly-once delivery; empty means
    /// `<group_id>-<hostname>`, stable across restarts of one pod or host.
    pub transactional_id: String,
    /// Raw librdkafka consumer properties, flattened to `a.b.c` keys.
    #[serde(default, deserialize_with = "de_properties")]
    pub consumer: BTreeMap<String, String>,
    /// Raw librdkafka producer properties, flattened to `a.b.c` keys.
    #[serde(default, deserialize_with = "de_properties")]
    pub producer: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OffsetReset {
    Earliest,
    Latest,
}

impl OffsetReset {
    pub fn as_str(self) -> &'static str {
        match self {
            OffsetReset::Earliest => "earliest",
            OffsetReset::Latest => "latest",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSettings {
    pub delivery: Delivery,
    pub max_in_flight: usize,
    pub worker_threads: usize,
    pub max_body_bytes: usize,
    pub include_body: bool,
    pub shutdown_deadline_secs: u64,
}

impl PipelineSettings {
    pub fn shutdown_deadline(&self) -> Duration {
        Duration::from_secs(self.shutdown_deadline_secs)
    }

    /// Worker threads to start: the setting, or one per core when it is 0.
    pub fn effective_worker_threads(&self) -> usize {
        match self.worker_threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

/// The delivery guarantee of the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delivery {
    /// Offsets are stored only after the broker acknowledged the output.
    AtLeastOnce,
    /// Output records, dead letters and the consumed offsets in one Kafka transaction
    /// per batch; downstream readers use `isolation.level=read_committed`.
    ExactlyOnce,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
    pub progress_interval_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// JSON when stderr is not a terminal, else pretty.
    Auto,
    Json,
    Pretty,
}

/// The HTTP endpoint: `/metrics`, `/livez`, `/readyz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// IP address to listen on.
    pub address: IpAddr,
    /// TCP port; 0 lets the system choose one (logged at start-up).
    pub port: u16,
    /// `/livez` fails when there is lag or work in flight and no article finished for this long.
    pub stall_timeout_secs: u64,
}

impl HttpSettings {
    pub fn socket_address(&self) -> SocketAddr {
        SocketAddr::new(self.address, self.port)
    }

    pub fn stall_timeout(&self) -> Duration {
        Duration::from_secs(self.stall_timeout_secs)
    }
}

/// OpenTelemetry trace export (needs a binary built with the `otel` feature).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtelSettings {
    /// OTLP/HTTP endpoint, e.g. "http://otel-collector:4318"; empty turns export off.
    pub endpoint: String,
    /// `service.name` of the exported spans.
    pub service_name: String,
}

/// Settings could not be loaded or are invalid: the worker must not start.
#[derive(Debug)]
pub enum ConfigError {
    /// A layer could not be read or parsed, or a value has the wrong type.
    Load(config::ConfigError),
    /// A value parsed but is not acceptable.
    Invalid { key: &'static str, reason: String },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Load(err) => write!(f, "cannot load settings: {err}"),
            ConfigError::Invalid { key, reason } => write!(f, "invalid setting `{key}`: {reason}"),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Load(err) => Some(err),
            ConfigError::Invalid { .. } => None,
        }
    }
}

impl From<config::ConfigError> for ConfigError {
    fn from(err: config::ConfigError) -> ConfigError {
        ConfigError::Load(err)
    }
}

/// librdkafka properties the worker sets itself; overriding them would break delivery.
const OWNED_CONSUMER_PROPERTIES: &[&str] = &[
    "bootstrap.servers",
    "metadata.broker.list",
    "group.id",
    "enable.auto.commit",
    "enable.auto.offset.store",
    "auto.offset.reset",
];
const OWNED_PRODUCER_PROPERTIES: &[&str] = &[
    "bootstrap.servers",
    "metadata.broker.list",
    "enable.idempotence",
    "acks",
    "request.required.acks",
    "transactional.id",
];

impl Settings {
    /// Loads the defaults, then `file` if given, then `NEWS_ENRICHER__*` variables from
    /// the process environment, and validates the result.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        Settings::load_from(file, std::env::vars())
    }

    /// Like [`Settings::load`], with the environment given explicitly (for tests).
    pub fn load_from(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let env: config::Map<String, String> = env
            .into_iter()
            .filter(|(key, _)| key.starts_with(&format!("{ENV_PREFIX}__")))
            .collect();
        let mut builder = config::Config::builder().add_source(config::File::from_str(
            DEFAULT_TOML,
            config::FileFormat::Toml,
        ));
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).required(true));
        }
        let settings: Settings = builder
            .add_source(
                config::Environment::with_prefix(ENV_PREFIX)
                    .prefix_separator("__")
                    .separator("__")
                    .source(Some(env)),
            )
            .build()?
            .try_deserialize()?;
        settings.validated()
    }

    fn validated(mut self) -> Result<Settings, ConfigError> {
        let invalid = |key: &'static str, reason: &str| ConfigError::Invalid {
            key,
            reason: reason.to_string(),
        };
        let k = &self.kafka;
        if k.brokers.split(',').all(|b| b.trim().is_empty()) {
            return Err(invalid("kafka.brokers", "must name at least one broker"));
        }
        for (key, value) in [
            ("kafka.group_id", &k.group_id),
            ("kafka.input_topic", &k.input_topic),
            ("kafka.output_topic", &k.output_topic),
            ("kafka.dead_letter_topic", &k.dead_letter_topic),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(key, "must not be empty"));
            }
        }
        if k.input_topic == k.output_topic || k.input_topic == k.dead_letter_topic {
            return Err(invalid(
                "kafka.input_topic",
                "must differ from the output and dead-letter topics, or the worker would consume its own output",
            ));
        }
        if k.output_topic == k.dead_letter_topic {
            return Err(invalid(
                "kafka.dead_letter_topic",
                "must differ from the output topic",
            ));
        }
        for (key, props, owned) in [
            ("kafka.consumer", &k.consumer, OWNED_CONSUMER_PROPERTIES),
            ("kafka.producer", &k.producer, OWNED_PRODUCER_PROPERTIES),
        ] {
            if let Some(name) = props.keys().find(|name| owned.contains(&name.as_str())) {
                return Err(ConfigError::Invalid {
                    key,
                    reason: format!(
                        "`{name}` is set by the worker for its delivery guarantee; use the typed setting instead"
                    ),
                });
            }
        }
        if k.transactional_id.trim().is_empty() {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .or_else(|_| std::fs::read_to_string("/etc/hostname"))
                .unwrap_or_default();
            let host = host.trim();
            self.kafka.transactional_id = if host.is_empty() {
                k.group_id.clone()
            } else {
                format!("{}-{host}", k.group_id)
            };
        }
        let p = &self.pipeline;
        if !(1..=100_000).contains(&p.max_in_flight) {
            return Err(invalid(
                "pipeline.max_in_flight",
                "must be between 1 and 100000",
            ));
        }
        if p.worker_threads > 1024 {
            return Err(invalid("pipeline.worker_threads", "must be at most 1024"));
        }
        if p.max_body_bytes == 0 {
            return Err(invalid("pipeline.max_body_bytes", "must be positive"));
        }
        if p.shutdown_deadline_secs == 0 {
            return Err(invalid(
                "pipeline.shutdown_deadline_secs",
                "must be at least 1",
            ));
        }
        if self.http.stall_timeout_secs == 0 {
            return Err(invalid("http.stall_timeout_secs", "must be at least 1"));
        }
        if !self.otel.endpoint.trim().is_empty() && !cfg!(feature = "otel") {
            return Err(invalid(
                "otel.endpoint",
                "this binary was built without the `otel` feature (cargo build --features otel)",
            ));
        }
        if !self.events.dictionaries.trim().is_empty()
            && (self.events.verb_file.trim().is_empty() || self.events.actor_files.is_empty())
        {
            return Err(invalid(
                "events.dictionaries",
                "needs events.verb_file and at least one of events.actor_files",
            ));
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(invalid("log.level", "is not a valid tracing filter"));
        }
        self.kafka.brokers = self
            .kafka
            .brokers
            .split(',')
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .collect::<Vec<_>>()
            .join(",");
        Ok(self)
    }

    /// The settings as TOML-like JSON, with every secret replaced by `"****"`.
    pub fn masked(&self) -> serde_json::Value {
        let mut shown = self.clone();
        for props in [&mut shown.kafka.consumer, &mut shown.kafka.producer] {
            for (name, value) in props.iter_mut() {
                if is_secret(name) {
                    *value = "****".to_string();
                }
            }
        }
        // A struct of strings, numbers and maps always serializes.
        serde_json::to_value(&shown).unwrap_or(serde_json::Value::Null)
    }
}

/// Whether a librdkafka property holds a secret that must never be printed.
fn is_secret(name: &str) -> bool {
    [
        "password",
        "secret",
        "jaas",
        "token",
        "ssl.key.pem",
        "keystore",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// A raw property value as it may appear in a file or the environment.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawProperty {
    Text(String),
    Integer(i64),
    Float(f64),
    Flag(bool),
    Table(BTreeMap<String, RawProperty>),
}

/// Flattens nested tables to dotted librdkafka names and turns `_` into `.`
/// (environment variables cannot hold dots; librdkafka names never hold `_`).
fn de_properties<'de, D>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    fn flatten(prefix: &str, raw: RawProperty, out: &mut BTreeMap<String, String>) {
        let value = match raw {
            RawProperty::Text(s) => s,
            RawProperty::Integer(n) => n.to_string(),
            RawProperty::Float(x) => x.to_string(),
            RawProperty::Flag(b) => b.to_string(),
            RawProperty::Table(table) => {
                for (key, raw) in table {
                    let key = key.replace('_', ".");
                    let name = if prefix.is_empty() {
                        key
                    } else {
                        format!("{prefix}.{key}")
                    };
                    flatten(&name, raw, out);
                }
                return;
            }
        };
        out.insert(prefix.to_string(), value);
    }
    let table = BTreeMap::<String, RawProperty>::deserialize(deserializer)?;
    let mut out = BTreeMap::new();
    flatten("", RawProperty::Table(table), &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::load_from(
            None,
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    #[test]
    fn defaults_are_valid() {
        let settings = load(&[]).expect("defaults load");
        assert_eq!(settings.kafka.input_topic, "articles");
        assert_eq!(settings.pipeline.delivery, Delivery::AtLeastOnce);
        assert_eq!(settings.kafka.producer["linger.ms"], "5");
    }

    #[test]
    fn environment_overrides_defaults() {
        let settings = load(&[
            ("NEWS_ENRICHER__KAFKA__BROKERS", "a:1, b:2"),
            ("NEWS_ENRICHER__PIPELINE__MAX_IN_FLIGHT", "7"),
            (
                "NEWS_ENRICHER__KAFKA__CONSUMER__SECURITY_PROTOCOL",
                "SASL_SSL",
            ),
            ("UNRELATED", "x"),
        ])
        .expect("loads");
        assert_eq!(settings.kafka.brokers, "a:1,b:2");
        assert_eq!(settings.pipeline.max_in_flight, 7);
        assert_eq!(settings.kafka.consumer["security.protocol"], "SASL_SSL");
    }

    #[test]
    fn owned_properties_are_refused() {
        let err = load(&[(
            "NEWS_ENRICHER__KAFKA__CONSUMER__ENABLE_AUTO_OFFSET_STORE",
            "true",
        )])
        .expect_err("refused");
        assert!(
            err.to_string().contains("enable.auto.offset.store"),
            "{err}"
        );
    }

    #[test]
    fn same_input_and_output_topic_is_refused() {
        let err = load(&[("NEWS_ENRICHER__KAFKA__OUTPUT_TOPIC", "articles")]).expect_err("refused");
        assert!(err.to_string().contains("kafka.input_topic"), "{err}");
    }

    #[test]
    fn exactly_once_has_a_stable_transactional_id() {
        let settings =
            load(&[("NEWS_ENRICHER__PIPELINE__DELIVERY", "exactly-once")]).expect("accepted");
        assert_eq!(settings.pipeline.delivery, Delivery::ExactlyOnce);
        let id = &settings.kafka.transactional_id;
        assert!(id.starts_with("news-enricher"), "{id}");
        assert_eq!(
            load(&[]).expect("loads").kafka.transactional_id,
            *id,
            "the same on every start"
        );
        let set = load(&[("NEWS_ENRICHER__KAFKA__TRANSACTIONAL_ID", "enricher-0")]).expect("loads");
        assert_eq!(set.kafka.transactional_id, "enricher-0");
    }

    #[test]
    fn http_endpoint_comes_from_the_environment() {
        let defaults = load(&[]).expect("defaults load");
        assert_eq!(defaults.http.socket_address().to_string(), "0.0.0.0:9464");
        let settings = load(&[
            ("NEWS_ENRICHER__HTTP__ADDRESS", "127.0.0.1"),
            ("NEWS_ENRICHER__HTTP__PORT", "8081"),
        ])
        .expect("loads");
        assert_eq!(settings.http.socket_address().to_string(), "127.0.0.1:8081");
        let err = load(&[("NEWS_ENRICHER__HTTP__ADDRESS", "localhost:80")]).expect_err("refused");
        assert!(err.to_string().contains("address"), "{err}");
    }

    #[test]
    fn wrong_types_are_reported() {
        let err = load(&[("NEWS_ENRICHER__PIPELINE__MAX_IN_FLIGHT", "many")]).expect_err("refused");
        assert!(err.to_string().contains("max_in_flight"), "{err}");
    }

    #[test]
    fn secrets_are_masked() {
        let settings = load(&[
            ("NEWS_ENRICHER__KAFKA__CONSUMER__SASL_PASSWORD", "hunter2"),
            (
                "NEWS_ENRICHER__KAFKA__PRODUCER__SSL_KEY_PASSWORD",
                "hunter3",
            ),
        ])
        .expect("loads");
        let shown = settings.masked().to_string();
        assert!(!shown.contains("hunter"), "{shown}");
        assert!(shown.contains("\"sasl.password\":\"****\""), "{shown}");
    }
}
