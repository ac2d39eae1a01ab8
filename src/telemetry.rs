//! Logging set-up: tracing to stderr, JSON in containers, human-readable on a terminal;
//! with the `otel` feature, spans exported over OTLP as well.

use std::fmt;
use std::io::IsTerminal;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::{LogFormat, LogSettings, OtelSettings};

/// Installs the global tracing subscriber. `RUST_LOG`, when set, overrides `log.level`.
pub fn init(settings: &LogSettings) {
    install(settings, None);
}

/// Like [`init`], and exports spans to the OTLP endpoint in `otel` when it is set (the
/// `otel` feature; without it settings refuse an endpoint). Keep the guard alive while
/// the worker runs: dropping it flushes the spans not yet exported.
pub fn init_traced(log: &LogSettings, otel: &OtelSettings) -> Result<OtelGuard, OtelError> {
    #[cfg(feature = "otel")]
    {
        if !otel.endpoint.trim().is_empty() {
            let (layer, provider) = otel_export::layer(otel)?;
            install(log, Some(layer));
            return Ok(OtelGuard {
                provider: Some(provider),
            });
        }
    }
    let _ = otel;
    install(log, None);
    Ok(OtelGuard::default())
}

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

fn install(settings: &LogSettings, extra: Option<BoxedLayer>) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match settings.format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt: BoxedLayer = if json {
        fmt.json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed()
    } else {
        fmt.boxed()
    };
    let layers: Vec<BoxedLayer> = std::iter::once(fmt).chain(extra).collect();
    // A second initialisation (e.g. in tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(layers.with_filter(filter))
        .try_init();
}

/// Keeps span export running; flushes and stops it when dropped.
#[derive(Default)]
pub struct OtelGuard {
    #[cfg(feature = "otel")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for OtelGuard {
    fn drop(&mut self) {
        #[cfg(feature = "otel")]
        if let Some(provider) = self.provider.take() {
            if let Err(err) = provider.shutdown() {
                eprintln!("news-enricher: flushing OpenTelemetry spans failed: {err}");
            }
        }
    }
}

/// Span export cannot be set up: the worker must not start.
#[derive(Debug)]
pub struct OtelError(pub String);

impl fmt::Display for OtelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot set up OpenTelemetry export: {}", self.0)
    }
}

impl std::error::Error for OtelError {}

#[cfg(feature = "otel")]
mod otel_export {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::WithExportConfig;
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use tracing_subscriber::Layer;

    use super::{BoxedLayer, OtelError};
    use crate::config::OtelSettings;

    /// The tracing layer exporting spans over OTLP/HTTP, and its provider.
    pub(super) fn layer(
        settings: &OtelSettings,
    ) -> Result<(BoxedLayer, SdkTracerProvider), OtelError> {
        let endpoint = format!(
            "{}/v1/traces",
            settings.endpoint.trim().trim_end_matches('/')
        );
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(endpoint)
            .build()
            .map_err(|err| OtelError(err.to_string()))?;
        let resource = opentelemetry_sdk::Resource::builder()
            .with_service_name(settings.service_name.clone())
            .build();
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build();
        let tracer = provider.tracer("news-enricher");
        let layer = tracing_opentelemetry::layer().with_tracer(tracer).boxed();
        Ok((layer, provider))
    }
}

/// Routes panics through tracing as one structured error line instead of the default hook's
/// stderr text, so that a caught panic in one article is logged like any other event.
pub fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = crate::process::panic_message(info.payload());
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_string();
        tracing::error!(%location, %thread, panic = %message, "A thread panicked.");
    }));
}
