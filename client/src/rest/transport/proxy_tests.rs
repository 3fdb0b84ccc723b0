//! Proxy tests: `NO_PROXY` rules named after Go's httpproxy tests, and requests through
//! in-test CONNECT, HTTPS and SOCKS5 proxies to an in-test HTTPS server.

use serde_json::json;

use super::*;
use crate::config::ResolvedConfig;
use crate::rest::testserver::{TestServer, json as json_reply};
use crate::rest::transport::testutil::{Forwarded, Pki, Proxy, TlsServer};
use crate::rest::{Client, Config, Request};

/// Mirrors httpproxy's TestUseProxy/TestInvalidNoProxy: which hosts bypass the proxy.
#[test]
fn test_use_proxy() {
    let cases: &[(&str, &str, bool)] = &[
        // Loopback and localhost never go through a proxy.
        ("", "localhost:80", false),
        ("", "127.0.0.1:443", false),
        ("", "127.1.2.3:443", false),
        ("", "[::1]:443", false),
        ("", "[::ffff:127.0.0.1]:443", false),
        ("", "example.com:443", true),
        ("", "10.0.0.1:443", true),
        // A name matches itself and its subdomains; a leading dot only subdomains.
        ("example.com", "example.com:443", false),
        ("example.com", "sub.example.com:443", false),
        ("example.com", "notexample.com:443", true),
        (".example.com", "example.com:443", true),
        (".example.com", "sub.example.com:443", false),
        ("*.example.com", "example.com:443", true),
        ("*.example.com", "a.b.example.com:443", false),
        // Ports narrow an entry.
        ("example.com:80", "example.com:80", false),
        ("example.com:80", "example.com:443", true),
        ("10.1.2.3:443", "10.1.2.3:443", false),
        ("10.1.2.3:443", "10.1.2.3:6443", true),
        // Addresses and ranges.
        ("10.1.2.3", "10.1.2.3:6443", false),
        ("10.0.0.0/8", "10.200.0.1:443", false),
        ("10.0.0.0/8", "11.0.0.1:443", true),
        ("fd00::/8", "[fd12::1]:443", false),
        ("fd00::1", "[fd00::1]:443", false),
        ("[fd00::1]:443", "[fd00::1]:443", false),
        ("[fd00::1]:443", "[fd00::1]:80", true),
        ("::ffff:10.1.2.3", "10.1.2.3:443", false),
        // Address entries never match names and name entries never match addresses.
        ("10.1.2.3", "ten.example:443", true),
        ("3.4", "1.2.3.4:443", true),
        // Everything, case and spaces, malformed entries skipped.
        ("*", "anything.example:1", false),
        (" Example.COM , other", "SUB.example.com:1", false),
        (":80,,", "example.com:80", true),
        ("10.0.0.0/33", "10.0.0.1:443", true),
    ];
    for (no_proxy, addr, want) in cases {
        assert_eq!(use_proxy(no_proxy, addr), *want, "NO_PROXY={no_proxy:?} addr={addr}");
    }
}

fn env(vars: &[(&str, &str)]) -> ProxyEnv {
    let vars: Vec<(String, String)> =
        vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    ProxyEnv::from_lookup(move |n| vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()))
}

fn proxy(raw: &str) -> Route {
    Route::Proxy(crate::config::ProxyUrl::parse(raw).expect("url"))
}

/// Mirrors httpproxy's TestFromEnv/TestFromConfig: which variable applies to which scheme,
/// upper case first, bare host:port values, CGI refusal.
#[test]
fn test_proxy_from_environment() {
    let e = env(&[("HTTPS_PROXY", "https://secure:8443"), ("http_proxy", "plain:3128")]);
    assert_eq!(e.route("https", "k8s.example", Some(6443)), proxy("https://secure:8443"));
    assert_eq!(e.route("http", "k8s.example", None), proxy("http://plain:3128"));
    assert_eq!(e.route("https", "localhost", Some(6443)), Route::Direct);
    assert_eq!(e.route("https", "127.0.0.1", None), Route::Direct);

    let both = env(&[("HTTPS_PROXY", "http://upper"), ("https_proxy", "http://lower")]);
    assert_eq!(both.route("https", "k", None), proxy("http://upper"));
    let lower = env(&[("HTTPS_PROXY", ""), ("https_proxy", "http://lower")]);
    assert_eq!(lower.route("https", "k", None), proxy("http://lower"));

    let none = env(&[("HTTP_PROXY", "http://only-http")]);
    assert_eq!(none.route("https", "k", None), Route::Direct);

    let no = env(&[("HTTPS_PROXY", "http://p"), ("no_proxy", "k8s.example,10.0.0.0/8")]);
    assert_eq!(no.route("https", "api.k8s.example", None), Route::Direct);
    assert_eq!(no.route("https", "10.0.0.1", Some(443)), Route::Direct);
    assert_eq!(no.route("https", "other.example", None), proxy("http://p"));
    let port = env(&[("HTTPS_PROXY", "http://p"), ("NO_PROXY", "k:443")]);
    assert_eq!(port.route("https", "k", None), Route::Direct, "the scheme's default port");
    assert_eq!(port.route("https", "k", Some(6443)), proxy("http://p"));

    let cgi =
        env(&[("HTTP_PROXY", "http://p"), ("HTTPS_PROXY", "http://p"), ("REQUEST_METHOD", "GET")]);
    assert_eq!(
        cgi.route("http", "k", None),
        Route::Refused(
            "refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy"
                .into()
        )
    );
    assert_eq!(cgi.route("https", "k", None), proxy("http://p"));
}

/// An explicit proxy-url applies to every host, loopback included, as `http.ProxyURL` does.
#[test]
fn explicit_proxy_url_always_applies() {
    let e = env(&[("NO_PROXY", "*")]);
    assert_eq!(
        route_for(Some("socks5://p:1080"), &e, "https", "127.0.0.1", Some(6443)),
        Ok(proxy("socks5://p:1080"))
    );
    assert_eq!(route_for(None, &e, "https", "k", None), Ok(Route::Direct));
    assert_eq!(
        route_for(Some("ftp://p"), &e, "https", "k", None),
        Err("unsupported scheme \"ftp\", must be http, https, or socks5".into())
    );
}

struct Cluster {
    pki: Pki,
    server: TlsServer,
}

impl Cluster {
    async fn start(names: &[&str]) -> Cluster {
        let pki = Pki::new();
        let server = TlsServer::start(pki.server_config(&pki.server(names), false)).await;
        Cluster { pki, server }
    }

    fn resolved(&self, host: &str, proxy_url: Option<String>) -> ResolvedConfig {
        ResolvedConfig {
            server: format!("https://{host}:{}", self.server.addr.port()),
            ca_data: Some(self.pki.ca_pem.clone().into_bytes()),
            proxy_url,
            ..Default::default()
        }
    }

    fn paths(&self) -> Vec<String> {
        self.server.seen().into_iter().map(|s| s.path).collect()
    }
}

fn client(resolved: &ResolvedConfig) -> Client {
    Client::with_proxy_env(
        resolved,
        Config { qps: 0.0, max_retries: 0, ..Config::default() },
        &ProxyEnv::default(),
    )
    .expect("client")
}

/// HTTPS through an HTTP proxy: one CONNECT tunnel carrying the proxy credentials.
#[tokio::test]
async fn https_through_connect_proxy() {
    let cluster = Cluster::start(&["127.0.0.1"]).await;
    let proxy = Proxy::http(None, Some("Basic dTpwQHNz".into())).await;
    let resolved = cluster.resolved("127.0.0.1", Some(format!("http://u:p%40ss@{}", proxy.addr)));
    let c = client(&resolved);
    c.send(Request::get("/version")).await.expect("through the proxy");
    c.send(Request::get("/again")).await.expect("same tunnel");
    assert_eq!(
        proxy.forwarded(),
        vec![Forwarded {
            request: format!("CONNECT {} HTTP/1.1", cluster.server.addr),
            credentials: Some("Basic dTpwQHNz".into()),
        }]
    );
    assert_eq!(cluster.paths(), ["/version", "/again"]);
}

/// A proxy's refusal reads as Go reports it: the status text.
#[tokio::test]
async fn connect_proxy_refusal() {
    let cluster = Cluster::start(&["127.0.0.1"]).await;
    let proxy = Proxy::http(None, Some("Basic c2VjcmV0".into())).await;
    let resolved = cluster.resolved("127.0.0.1", Some(format!("http://{}", proxy.addr)));
    let err = client(&resolved).send(Request::get("/version")).await.expect_err("407");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "Get \"https://127.0.0.1:{}/version\": ",
            cluster.server.addr.port()
        )),
        "{msg}"
    );
    assert!(msg.ends_with(": Proxy Authentication Required"), "{msg}");
    assert!(cluster.paths().is_empty());
}

/// HTTPS through an HTTPS proxy: TLS to the proxy (verified with the cluster's CA, as Go uses
/// the client's TLS settings for it), then a tunnel with TLS to the server inside.
#[tokio::test]
async fn https_through_https_proxy() {
    let cluster = Cluster::start(&["127.0.0.1"]).await;
    let proxy_cert = cluster.pki.server(&["127.0.0.1"]);
    let proxy = Proxy::http(Some(cluster.pki.server_config(&proxy_cert, false)), None).await;
    let resolved = cluster.resolved("127.0.0.1", Some(format!("https://{}", proxy.addr)));
    client(&resolved).send(Request::get("/version")).await.expect("through the proxy");
    assert_eq!(proxy.forwarded().len(), 1);
    assert_eq!(cluster.paths(), ["/version"]);

    // A proxy whose certificate the client does not trust fails the connection.
    let other = Pki::new();
    let untrusted =
        Proxy::http(Some(other.server_config(&other.server(&["127.0.0.1"]), false)), None).await;
    let resolved = cluster.resolved("127.0.0.1", Some(format!("https://{}", untrusted.addr)));
    let err = client(&resolved).send(Request::get("/version")).await.expect_err("untrusted");
    assert!(err.to_string().contains("proxyconnect tcp: "), "{err}");
    assert!(untrusted.forwarded().is_empty());
}

/// HTTPS through SOCKS5 with user name and password; host names go to the proxy unresolved.
#[tokio::test]
async fn https_through_socks5_proxy() {
    let cluster = Cluster::start(&["localhost"]).await;
    let proxy = Proxy::socks5(Some(("u".into(), "p w".into()))).await;
    let resolved = cluster.resolved("localhost", Some(format!("socks5://u:p%20w@{}", proxy.addr)));
    client(&resolved).send(Request::get("/version")).await.expect("through the proxy");
    assert_eq!(
        proxy.forwarded(),
        vec![Forwarded {
            request: format!("localhost:{}", cluster.server.addr.port()),
            credentials: Some("u:p w".into()),
        }]
    );
    assert_eq!(cluster.paths(), ["/version"]);

    // Without authentication, and with an address target.
    let open = Proxy::socks5(None).await;
    let resolved = cluster.resolved("127.0.0.1", Some(format!("socks5://{}", open.addr)));
    let resolved = ResolvedConfig { tls_server_name: Some("localhost".into()), ..resolved };
    client(&resolved).send(Request::get("/open")).await.expect("through the proxy");
    assert_eq!(open.forwarded()[0].request, cluster.server.addr.to_string());
}

/// SOCKS5 failures read as Go's socks dialer reports them.
#[tokio::test]
async fn socks5_failures() {
    let cluster = Cluster::start(&["127.0.0.1"]).await;
    let proxy = Proxy::socks5(Some(("u".into(), "right".into()))).await;
    let resolved = cluster.resolved("127.0.0.1", Some(format!("socks5://u:wrong@{}", proxy.addr)));
    let err = client(&resolved).send(Request::get("/version")).await.expect_err("refused");
    assert!(
        err.to_string().ends_with(&format!(
            "socks connect tcp {}->{}: username/password authentication failed",
            proxy.addr, cluster.server.addr
        )),
        "{err}"
    );
    let resolved = cluster.resolved("127.0.0.1", Some(format!("socks5://{}", proxy.addr)));
    let err = client(&resolved).send(Request::get("/version")).await.expect_err("refused");
    assert!(err.to_string().ends_with(": no acceptable authentication methods"), "{err}");

    let open = Proxy::socks5(None).await;
    let closed =
        std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let resolved = ResolvedConfig {
        server: format!("https://{closed}"),
        ..cluster.resolved("127.0.0.1", Some(format!("socks5://{}", open.addr)))
    };
    let err = client(&resolved).send(Request::get("/version")).await.expect_err("refused");
    assert!(err.to_string().ends_with(": unknown error connection refused"), "{err}");
    assert!(cluster.paths().is_empty());
}

/// Plain HTTP through an HTTP proxy: the request goes to the proxy in absolute form with the
/// proxy credentials, no tunnel.
#[tokio::test]
async fn plain_http_through_proxy() {
    let server = TestServer::start(|_| json_reply(200, &json!({}))).await;
    let proxy = Proxy::http(None, None).await;
    let resolved = ResolvedConfig {
        server: server.url.clone(),
        proxy_url: Some(format!("http://a:b@{}", proxy.addr)),
        ..Default::default()
    };
    client(&resolved).send(Request::get("/api")).await.expect("through the proxy");
    assert_eq!(
        proxy.forwarded(),
        vec![Forwarded {
            request: format!("GET {}/api HTTP/1.1", server.url),
            credentials: Some("Basic YTpi".into()),
        }]
    );
    assert_eq!(server.seen()[0].uri, "/api");
}

/// An unreachable proxy is a `proxyconnect` error.
#[tokio::test]
async fn unreachable_proxy() {
    let cluster = Cluster::start(&["127.0.0.1"]).await;
    let closed =
        std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let resolved = cluster.resolved("127.0.0.1", Some(format!("http://{closed}")));
    let err = client(&resolved).send(Request::get("/version")).await.expect_err("no proxy");
    assert!(err.to_string().contains(": proxyconnect tcp: "), "{err}");
}

/// With no proxy-url, HTTPS_PROXY carries requests to other hosts, while loopback servers are
/// reached directly even when the variable names a dead proxy.
#[tokio::test]
async fn environment_proxy() {
    let cluster = Cluster::start(&["k8s.test", "127.0.0.1"]).await;
    let proxy = Proxy::http(None, None).await;
    let via = env(&[("HTTPS_PROXY", &format!("{}", proxy.addr))]);
    let resolved = cluster.resolved("k8s.test", None);
    Client::with_proxy_env(&resolved, Config::default(), &via)
        .expect("client")
        .send(Request::get("/named"))
        .await
        .expect("through the proxy");
    assert_eq!(
        proxy.forwarded()[0].request,
        format!("CONNECT k8s.test:{} HTTP/1.1", cluster.server.addr.port())
    );

    let closed =
        std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let dead = env(&[("HTTPS_PROXY", &format!("http://{closed}"))]);
    Client::with_proxy_env(&cluster.resolved("127.0.0.1", None), Config::default(), &dead)
        .expect("client")
        .send(Request::get("/direct"))
        .await
        .expect("loopback is never proxied");
    assert_eq!(cluster.paths(), ["/named", "/direct"]);
}

/// The CONNECT answer parser: Go's messages for malformed answers.
#[tokio::test]
async fn connect_answers() {
    async fn answer(reply: &'static [u8]) -> Result<(), String> {
        let (mut client, mut server) = tokio::io::duplex(1024);
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 512];
            let _ = tokio::io::AsyncReadExt::read(&mut server, &mut buf).await;
            let _ = tokio::io::AsyncWriteExt::write_all(&mut server, reply).await;
        });
        let got = http_connect(&mut client, "k:443", None).await;
        let _ = task.await;
        got
    }
    assert_eq!(answer(b"HTTP/1.1 200 OK\r\n\r\n").await, Ok(()));
    assert_eq!(answer(b"HTTP/1.1 403 Forbidden\r\n\r\n").await, Err("Forbidden".into()));
    assert_eq!(answer(b"HTTP/1.1 502\r\n\r\n").await, Err("unknown status code".into()));
    assert_eq!(answer(b"garbage\r\n\r\n").await, Err("malformed HTTP response \"garbage\"".into()));
    assert_eq!(
        answer(b"HTTP/1.1 2000 Huh\r\n\r\n").await,
        Err("malformed HTTP status code \"2000\"".into())
    );
    assert_eq!(answer(b"HTTP/1.1 200 OK\r\n").await, Err("unexpected EOF".into()));
}
