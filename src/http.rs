//! The HTTP endpoint (`/metrics`, `/livez`, `/readyz`) and the client the `probe` command
//! uses to ask it. The endpoint only reads [`Stats`]; it serves from start-up on, also
//! while the broker is unreachable.

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};

use crate::stats::{self, Liveness, Readiness, Stats};

/// How long a client may take to send its request headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the probe client waits for the whole answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The endpoint cannot listen: the worker must not start.
#[derive(Debug)]
pub struct BindError {
    pub address: SocketAddr,
    pub source: std::io::Error,
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot listen on {} (settings http.address, http.port): {}",
            self.address, self.source
        )
    }
}

impl std::error::Error for BindError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The probe got no answer: the caller reports the worker unhealthy.
#[derive(Debug)]
pub enum ProbeError {
    Connect(std::io::Error),
    Http(hyper::Error),
    Request(hyper::http::Error),
    TimedOut,
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::Connect(err) => write!(f, "cannot connect: {err}"),
            ProbeError::Http(err) => write!(f, "HTTP exchange failed: {err}"),
            ProbeError::Request(err) => write!(f, "invalid request: {err}"),
            ProbeError::TimedOut => write!(f, "no answer within {PROBE_TIMEOUT:?}"),
        }
    }
}

impl std::error::Error for ProbeError {}

/// Binds the endpoint's socket (port 0: the system chooses) and logs the bound address.
pub async fn bind(address: SocketAddr) -> Result<TcpListener, BindError> {
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| BindError { address, source })?;
    let bound = listener.local_addr().unwrap_or(address);
    tracing::info!(address = %bound, "HTTP endpoint listening.");
    Ok(listener)
}

/// Serves `/metrics`, `/livez` and `/readyz` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, stats: Arc<Stats>, stall_after: Duration) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of file descriptors and the like: wait rather than spin.
                tracing::warn!(error = %err, "HTTP endpoint cannot accept a connection.");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let stats = stats.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                let response = respond(request.method(), request.uri().path(), &stats, stall_after);
                async move { Ok::<_, Infallible>(response) }
            });
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(err) = served {
                tracing::debug!(error = %err, "HTTP connection ended with an error.");
            }
        });
    }
}

/// The answer to one request.
fn respond(
    method: &Method,
    path: &str,
    stats: &Stats,
    stall_after: Duration,
) -> Response<Full<Bytes>> {
    if method != Method::GET && method != Method::HEAD {
        return text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n".into());
    }
    match path {
        "/metrics" => {
            let mut response = Response::new(Full::new(Bytes::from(stats.encode())));
            if let Ok(value) = stats::CONTENT_TYPE.parse() {
                response.headers_mut().insert(CONTENT_TYPE, value);
            }
            response
        }
        "/livez" => match stats.liveness(stall_after) {
            Liveness::Live => text(StatusCode::OK, "live\n".into()),
            Liveness::Stalled {
                lag,
                in_flight,
                idle,
            } => text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "stalled: lag {lag}, {in_flight} in flight, no article finished for {} s\n",
                    idle.as_secs()
                ),
            ),
        },
        "/readyz" => match stats.readiness() {
            Readiness::Ready => text(StatusCode::OK, "ready\n".into()),
            not => text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: {}\n", not.reason()),
            ),
        },
        _ => text(
            StatusCode::NOT_FOUND,
            "not found; try /metrics, /livez or /readyz\n".into(),
        ),
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// `GET path` on `address`: the status code and the body as text.
pub async fn get(address: SocketAddr, path: &str) -> Result<(u16, String), ProbeError> {
    tokio::time::timeout(PROBE_TIMEOUT, get_unbounded(address, path))
        .await
        .map_err(|_| ProbeError::TimedOut)?
}

async fn get_unbounded(address: SocketAddr, path: &str) -> Result<(u16, String), ProbeError> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(ProbeError::Connect)?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(ProbeError::Http)?;
    let connection = tokio::spawn(connection);
    let request = Request::get(path)
        .header(HOST, address.to_string())
        .body(Empty::<Bytes>::new())
        .map_err(ProbeError::Request)?;
    let response = sender
        .send_request(request)
        .await
        .map_err(ProbeError::Http)?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(ProbeError::Http)?
        .to_bytes();
    connection.abort();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Where a probe on this machine reaches an endpoint listening on `address`: a wildcard
/// address is asked on loopback.
pub fn probe_address(address: SocketAddr) -> SocketAddr {
    let ip = match address.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    SocketAddr::new(ip, address.port())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::RebalanceKind;

    fn body(response: Response<Full<Bytes>>) -> (u16, String) {
        let status = response.status().as_u16();
        let bytes = futures::executor::block_on(response.into_body().collect())
            .expect("full body")
            .to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[test]
    fn routes_answer_from_stats() {
        let stats = Stats::new();
        let stall = Duration::from_secs(60);
        let (status, text) = body(respond(&Method::GET, "/readyz", &stats, stall));
        assert_eq!(
            (status, text.as_str()),
            (503, "not ready: no partitions assigned\n")
        );
        stats.rebalanced(RebalanceKind::assign, 3);
        stats.set_producer_connected(true);
        assert_eq!(body(respond(&Method::GET, "/readyz", &stats, stall)).0, 200);
        stats.set_draining();
        let (status, text) = body(respond(&Method::GET, "/readyz", &stats, stall));
        assert_eq!((status, text.as_str()), (503, "not ready: draining\n"));
        assert_eq!(body(respond(&Method::GET, "/livez", &stats, stall)).0, 200);
        let (status, text) = body(respond(&Method::GET, "/metrics", &stats, stall));
        assert_eq!(status, 200);
        assert!(
            text.contains("news_enricher_assigned_partitions 3"),
            "{text}"
        );
        assert_eq!(body(respond(&Method::GET, "/nope", &stats, stall)).0, 404);
        assert_eq!(body(respond(&Method::POST, "/livez", &stats, stall)).0, 405);
    }

    #[test]
    fn a_stall_fails_livez_only_with_work_waiting() {
        let stats = Stats::new();
        // Nothing to do: idle forever is fine.
        assert_eq!(stats.liveness(Duration::ZERO), Liveness::Live);
        stats.set_lag([("in".to_string(), 0, 5)]);
        assert!(matches!(
            stats.liveness(Duration::ZERO),
            Liveness::Stalled { lag: 5, .. }
        ));
        let (status, text) = body(respond(&Method::GET, "/livez", &stats, Duration::ZERO));
        assert_eq!(status, 503);
        assert!(text.starts_with("stalled: lag 5"), "{text}");
        // The same lag with a long allowance is not a stall yet.
        assert_eq!(stats.liveness(Duration::from_secs(3600)), Liveness::Live);
    }

    #[test]
    fn wildcard_addresses_are_probed_on_loopback() {
        let any: SocketAddr = "0.0.0.0:9464".parse().expect("address");
        assert_eq!(probe_address(any).to_string(), "127.0.0.1:9464");
        let one: SocketAddr = "10.1.2.3:80".parse().expect("address");
        assert_eq!(probe_address(one), one);
    }
}
