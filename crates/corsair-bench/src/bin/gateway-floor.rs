//! The gateway benchmark's floor: the stack `corsair proxy` is built on (hyper's HTTP/1 and
//! HTTP/2 server, a hyper HTTP/1 client connection per client connection, tokio's
//! multi-thread runtime) doing what nginx's CORS recipe does and nothing more. A preflight
//! gets the recipe's fixed 204; any other request is forwarded with `X-Forwarded-For`,
//! `-Proto` and `-Host` set, and its response has the upstream's
//! `Access-Control-Allow-Origin` replaced by the recipe's four headers, for every origin.
//! No policy, no framing check, no metrics, no timeouts beyond the header read timeout: what
//! a gateway on this stack costs before it decides anything. `scripts/bench-proxy` runs it
//! beside nginx and `corsair proxy`.
//!
//! `gateway-floor LISTEN UPSTREAM ORIGIN`, e.g. `gateway-floor 127.0.0.1:18604
//! 127.0.0.1:18601 https://app.example.com`; serves until killed.

use std::{convert::Infallible, net::SocketAddr, process::ExitCode, sync::Arc, time::Duration};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Empty, combinators::UnsyncBoxBody};
use hyper::{body::Incoming, client::conn::http1::SendRequest};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::Mutex,
};

type Body = UnsyncBoxBody<Bytes, hyper::Error>;

/// The headers the recipe adds, with the origin it grants.
struct Recipe {
    origin: HeaderValue,
}

impl Recipe {
    fn preflight(&self) -> Response<Body> {
        let mut response = Response::new(empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, self.origin.clone());
        for (name, value) in [
            (header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true"),
            (
                header::ACCESS_CONTROL_ALLOW_METHODS,
                "GET, POST, PUT, DELETE",
            ),
            (
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "content-type, x-api-key",
            ),
            (header::ACCESS_CONTROL_MAX_AGE, "600"),
            (header::VARY, "Origin"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        response
    }

    fn grant(&self, response: &mut Response<Incoming>) {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, self.origin.clone());
        for (name, value) in [
            (header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true"),
            (header::ACCESS_CONTROL_EXPOSE_HEADERS, "x-request-id"),
            (header::VARY, "Origin"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

fn status(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(empty());
    *response.status_mut() = status;
    response
}

async fn forward(
    recipe: &Recipe,
    upstream: &Mutex<SendRequest<Incoming>>,
    peer: &HeaderValue,
    request: Request<Incoming>,
) -> Response<Body> {
    if request.method() == Method::OPTIONS {
        return recipe.preflight();
    }
    let (mut parts, body) = request.into_parts();
    let Some(target) = parts.uri.path_and_query().cloned() else {
        return status(StatusCode::BAD_REQUEST);
    };
    parts.uri = target.into();
    let headers = &mut parts.headers;
    headers.insert("x-forwarded-for", peer.clone());
    headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    if let Some(host) = headers.get(header::HOST).cloned() {
        headers.insert("x-forwarded-host", host);
    }
    let mut sender = upstream.lock().await;
    if sender.ready().await.is_err() {
        return status(StatusCode::BAD_GATEWAY);
    }
    let Ok(mut response) = sender.send_request(Request::from_parts(parts, body)).await else {
        return status(StatusCode::BAD_GATEWAY);
    };
    drop(sender);
    recipe.grant(&mut response);
    response.map(BodyExt::boxed_unsync)
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    upstream: SocketAddr,
    recipe: Arc<Recipe>,
) {
    let Ok(peer) = HeaderValue::try_from(peer.ip().to_string()) else {
        return;
    };
    let Ok(to_upstream) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = to_upstream.set_nodelay(true);
    let Ok((sender, upstream_connection)) =
        hyper::client::conn::http1::handshake(TokioIo::new(to_upstream)).await
    else {
        return;
    };
    tokio::spawn(upstream_connection);
    let sender = Arc::new(Mutex::new(sender));
    let service = hyper::service::service_fn(move |request| {
        let (recipe, sender, peer) = (recipe.clone(), sender.clone(), peer.clone());
        async move { Ok::<_, Infallible>(forward(&recipe, &sender, &peer, request).await) }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(10));
    let _ = builder
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [listen, upstream, origin] = args.as_slice() else {
        eprintln!("usage: gateway-floor LISTEN UPSTREAM ORIGIN");
        return ExitCode::from(2);
    };
    let (Ok(listen), Ok(upstream), Ok(origin)) = (
        listen.parse::<SocketAddr>(),
        upstream.parse::<SocketAddr>(),
        HeaderValue::try_from(origin.as_str()),
    ) else {
        eprintln!("gateway-floor: LISTEN and UPSTREAM are socket addresses, ORIGIN a header value");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("gateway-floor: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match TcpListener::bind(listen).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("gateway-floor: cannot listen on {listen}: {error}");
                return ExitCode::FAILURE;
            }
        };
        let recipe = Arc::new(Recipe { origin });
        loop {
            let Ok((stream, peer)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(connection(stream, peer, upstream, recipe.clone()));
        }
    })
}
