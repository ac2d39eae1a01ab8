//! W3C Trace Context: the `traceparent` (and `tracestate`) header of an input message,
//! continued on the output record's headers and in the article's log span.
//!
//! The worker is one hop of the trace: an output record carries the input's trace id and
//! flags with a new parent id (this worker's span). With the `otel` feature and an OTLP
//! endpoint configured, that span is exported, so the hop shows up in the tracing backend.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use rdkafka::message::{Headers, OwnedHeaders};

/// Header names from the W3C Trace Context recommendation.
pub const TRACEPARENT: &str = "traceparent";
pub const TRACESTATE: &str = "tracestate";

/// One position in a distributed trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    pub trace_id: [u8; 16],
    /// The span that sent the message (for an input) or this worker's span (for an output).
    pub span_id: [u8; 8],
    /// Trace flags; bit 0 is "sampled".
    pub flags: u8,
    /// Vendor state, passed on unchanged.
    pub state: Option<String>,
}

impl TraceContext {
    /// Parses a `traceparent` value (`00-<32 hex>-<16 hex>-<2 hex>`). Invalid values give
    /// `None` (the message is processed as if it had none). Versions above 00 are read as
    /// version 00, as the recommendation asks, when their first four fields parse.
    pub fn parse(traceparent: &str, tracestate: Option<&str>) -> Option<TraceContext> {
        let value = traceparent.trim();
        if !value.is_ascii() {
            return None;
        }
        let version = value.get(0..2).and_then(hex_byte)?;
        let rest_ok = match version {
            0 => value.len() == 55,
            0xff => false,
            _ => value.len() == 55 || value.as_bytes().get(55) == Some(&b'-'),
        };
        let bytes = value.as_bytes();
        if !rest_ok || bytes[2] != b'-' || bytes[35] != b'-' || bytes[52] != b'-' {
            return None;
        }
        let trace_id: [u8; 16] = hex_array(&value[3..35])?;
        let span_id: [u8; 8] = hex_array(&value[36..52])?;
        let flags = hex_byte(&value[53..55])?;
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        let state = tracestate
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        Some(TraceContext {
            trace_id,
            span_id,
            flags,
            state,
        })
    }

    /// The trace context of a Kafka message, from its `traceparent`/`tracestate` headers.
    pub fn from_headers(headers: Option<&OwnedHeaders>) -> Option<TraceContext> {
        let headers = headers?;
        let text = |name: &str| {
            headers
                .iter()
                .filter(|h| h.key.eq_ignore_ascii_case(name))
                .find_map(|h| h.value.and_then(|v| std::str::from_utf8(v).ok()))
        };
        TraceContext::parse(text(TRACEPARENT)?, text(TRACESTATE))
    }

    /// The same trace with a new span id: this worker's hop.
    pub fn child(&self) -> TraceContext {
        TraceContext {
            span_id: new_span_id(),
            ..self.clone()
        }
    }

    /// The `traceparent` header value (always version 00).
    pub fn traceparent(&self) -> String {
        format!(
            "00-{}-{}-{:02x}",
            self.trace_id_hex(),
            self.span_id_hex(),
            self.flags
        )
    }

    pub fn trace_id_hex(&self) -> String {
        hex(&self.trace_id)
    }

    pub fn span_id_hex(&self) -> String {
        hex(&self.span_id)
    }

    /// Headers to put on a record that continues this context.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![(TRACEPARENT, self.traceparent())];
        if let Some(state) = &self.state {
            headers.push((TRACESTATE, state.clone()));
        }
        headers
    }
}

/// This worker's hop of `parent` (the input's context, if any), tied to `span`: with the
/// `otel` feature and export on, the exported span (a child of `parent`) and its id;
/// otherwise `parent` with a fresh span id, or nothing when the input had no context.
pub fn hop(parent: Option<TraceContext>, span: &tracing::Span) -> Option<TraceContext> {
    #[cfg(feature = "otel")]
    if let Some(hop) = otel::hop(parent.as_ref(), span) {
        return Some(hop);
    }
    let _ = span;
    parent.map(|parent| parent.child())
}

#[cfg(feature = "otel")]
mod otel {
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };
    use tracing_opentelemetry::OpenTelemetrySpanExt;

    use super::TraceContext;

    /// `None` when no OpenTelemetry layer records `span` (export off).
    pub(super) fn hop(parent: Option<&TraceContext>, span: &tracing::Span) -> Option<TraceContext> {
        if let Some(parent) = parent {
            let remote = SpanContext::new(
                TraceId::from_bytes(parent.trace_id),
                SpanId::from_bytes(parent.span_id),
                TraceFlags::new(parent.flags),
                true,
                TraceState::default(),
            );
            let cx = opentelemetry::Context::new().with_remote_span_context(remote);
            if span.set_parent(cx).is_err() {
                return None;
            }
        }
        let context = span.context();
        let own = context.span().span_context().clone();
        own.is_valid().then(|| TraceContext {
            trace_id: own.trace_id().to_bytes(),
            span_id: own.span_id().to_bytes(),
            flags: own.trace_flags().to_u8(),
            state: parent.and_then(|p| p.state.clone()),
        })
    }
}

/// A random, non-zero span id (process-random keys mixed with a counter and the clock).
fn new_span_id() -> [u8; 8] {
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    static KEYS: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    let mut hasher = KEYS
        .get_or_init(std::collections::hash_map::RandomState::new)
        .build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    let id = hasher.finish().max(1);
    id.to_be_bytes()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Two lowercase hex digits.
fn hex_byte(text: &str) -> Option<u8> {
    let lower = text.len() == 2 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    lower.then(|| u8::from_str_radix(text, 16).ok()).flatten()
}

fn hex_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N {
        return None;
    }
    let mut out = [0; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = hex_byte(text.get(2 * i..2 * i + 2)?)?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::message::Header;

    const EXAMPLE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn parses_the_recommendation_example() {
        let context = TraceContext::parse(EXAMPLE, Some("congo=t61rcWkgMzE")).expect("valid");
        assert_eq!(context.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(context.span_id_hex(), "00f067aa0ba902b7");
        assert_eq!(context.flags, 1);
        assert_eq!(context.traceparent(), EXAMPLE);
        assert_eq!(context.state.as_deref(), Some("congo=t61rcWkgMzE"));
    }

    #[test]
    fn refuses_invalid_values() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "00-4bf92f3577b34da6a3ce929d0e0e47é-00f067aa0ba902b7-01",
        ] {
            assert_eq!(TraceContext::parse(bad, None), None, "{bad}");
        }
    }

    #[test]
    fn a_later_version_is_read_as_version_00() {
        let later = format!("cc{}-what-comes-next", &EXAMPLE[2..]);
        let context = TraceContext::parse(&later, None).expect("readable");
        assert_eq!(context.traceparent(), EXAMPLE);
    }

    #[test]
    fn a_child_keeps_trace_flags_and_state_with_a_new_span() {
        let parent = TraceContext::parse(EXAMPLE, Some("a=b")).expect("valid");
        let child = parent.child();
        let other = parent.child();
        assert_eq!(child.trace_id, parent.trace_id);
        assert_eq!(child.flags, parent.flags);
        assert_eq!(child.state, parent.state);
        assert_ne!(child.span_id, parent.span_id);
        assert_ne!(child.span_id, other.span_id);
        assert_ne!(child.span_id, [0; 8]);
        let headers = child.headers();
        assert_eq!(headers[0].0, TRACEPARENT);
        assert!(TraceContext::parse(&headers[0].1, None).is_some());
        assert_eq!(headers[1], (TRACESTATE, "a=b".to_string()));
    }

    #[test]
    fn reads_kafka_headers() {
        let headers = OwnedHeaders::new()
            .insert(Header {
                key: "other",
                value: Some("x"),
            })
            .insert(Header {
                key: "traceparent",
                value: Some(EXAMPLE),
            });
        let context = TraceContext::from_headers(Some(&headers)).expect("found");
        assert_eq!(context.traceparent(), EXAMPLE);
        assert_eq!(context.state, None);
        assert_eq!(TraceContext::from_headers(None), None);
        assert_eq!(TraceContext::from_headers(Some(&OwnedHeaders::new())), None);
    }
}
