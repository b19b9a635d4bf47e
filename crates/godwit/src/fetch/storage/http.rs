//! A read-only HTTP file server for `file://` storage, so that CockroachDB nodes can `GET`
//! the objects of one run for `IMPORT INTO ... CSV DATA ('http://...')` (CockroachDB's HTTP
//! external storage reads with plain `GET`, see its "use a local file server" page).
//!
//! It serves `GET` and `HEAD` of regular files under `<root>/<run_id>/` only: any other
//! method is 405, any other path (other runs, `..`, escapes, directories) is 404. It binds
//! the address given with `--storage-http-addr`, which must be reachable from every
//! CockroachDB node, and stops when dropped.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{CONTENT_LENGTH, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};

type Body = BoxBody<Bytes, std::io::Error>;

/// A running file server; stops when dropped.
#[derive(Debug)]
pub struct FileServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

#[derive(Debug)]
struct Served {
    root: PathBuf,
    run_id: String,
}

impl FileServer {
    /// Bind `bind` and serve the files of `run_id` under `root`.
    pub async fn start(root: PathBuf, run_id: &str, bind: SocketAddr) -> Result<FileServer> {
        let listener = TcpListener::bind(bind)
            .await
            .map_err(|e| Error::io(format!("binding the storage HTTP server to {bind}"), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("reading the storage HTTP server's address", e))?;
        let served = Arc::new(Served { root, run_id: run_id.to_owned() });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept(listener, served, stopped));
        Ok(FileServer { addr, stop: Some(stop), task })
    }

    /// `http://<bound address>`, the base of the objects' URLs.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

async fn accept(listener: TcpListener, served: Arc<Served>, mut stopped: oneshot::Receiver<()>) {
    loop {
        let accepted = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else { continue };
        let served = Arc::clone(&served);
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let served = Arc::clone(&served);
                async move { Ok::<_, Infallible>(served.respond(&req).await) }
            });
            // A client that goes away mid-response is its own problem.
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

impl Served {
    async fn respond(&self, req: &Request<Incoming>) -> Response<Body> {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return status(StatusCode::METHOD_NOT_ALLOWED);
        }
        let Some(path) = self.file_path(req.uri().path()) else {
            return status(StatusCode::NOT_FOUND);
        };
        let Ok(file) = tokio::fs::File::open(&path).await else {
            return status(StatusCode::NOT_FOUND);
        };
        let len = match file.metadata().await {
            Ok(m) if m.is_file() => m.len(),
            _ => return status(StatusCode::NOT_FOUND),
        };
        let body = if req.method() == Method::HEAD {
            empty()
        } else {
            let chunks = futures_util::stream::try_unfold(file, |mut f| async move {
                let mut buf = vec![0u8; 64 * 1024];
                let n = f.read(&mut buf).await?;
                buf.truncate(n);
                Ok::<_, std::io::Error>((n > 0).then(|| (Frame::data(Bytes::from(buf)), f)))
            });
            BodyExt::boxed(StreamBody::new(chunks))
        };
        let mut response = Response::new(body);
        response.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(len));
        response
    }

    /// The file for a request path: `/<run_id>/<plain segments...>` only.
    fn file_path(&self, uri_path: &str) -> Option<PathBuf> {
        let rest =
            uri_path.strip_prefix('/')?.strip_prefix(self.run_id.as_str())?.strip_prefix('/')?;
        let plain = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        };
        if !rest.split('/').all(plain) {
            return None;
        }
        let mut path = self.root.join(&self.run_id);
        path.extend(rest.split('/'));
        Some(path)
    }
}

fn empty() -> Body {
    BodyExt::boxed(Empty::<Bytes>::new().map_err(|never| match never {}))
}

fn status(code: StatusCode) -> Response<Body> {
    let mut response = Response::new(empty());
    *response.status_mut() = code;
    response
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    async fn request(addr: &str, method: &str, path: &str) -> (String, Vec<u8>) {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&out[..split]).to_string();
        (head, out[split + 4..].to_vec())
    }

    #[tokio::test]
    async fn serves_only_the_runs_files_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let table = dir.path().join("run-1").join("public.t");
        std::fs::create_dir_all(&table).unwrap();
        let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(table.join("shard-00000.csv.gz"), &payload).unwrap();
        std::fs::create_dir_all(dir.path().join("run-2")).unwrap();
        std::fs::write(dir.path().join("run-2").join("x"), b"other run").unwrap();
        std::fs::write(dir.path().join("secret"), b"outside").unwrap();

        let server =
            FileServer::start(dir.path().to_owned(), "run-1", "127.0.0.1:0".parse().unwrap())
                .await
                .unwrap();
        let addr = server.base_url().trim_start_matches("http://").to_owned();

        let (head, body) = request(&addr, "GET", "/run-1/public.t/shard-00000.csv.gz").await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.to_ascii_lowercase().contains("content-length: 200000"), "{head}");
        assert_eq!(body, payload);

        let (head, body) = request(&addr, "HEAD", "/run-1/public.t/shard-00000.csv.gz").await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(body.is_empty());

        for path in [
            "/run-2/x",
            "/run-1/../secret",
            "/secret",
            "/run-1/public.t",
            "/run-1/%2e%2e/secret",
            "/run-1//x",
        ] {
            let (head, _) = request(&addr, "GET", path).await;
            assert!(head.starts_with("HTTP/1.1 404"), "{path}: {head}");
        }
        for method in ["PUT", "DELETE", "POST"] {
            let (head, _) = request(&addr, method, "/run-1/public.t/shard-00000.csv.gz").await;
            assert!(head.starts_with("HTTP/1.1 405"), "{method}: {head}");
        }
        assert!(table.join("shard-00000.csv.gz").exists());
        drop(server);
    }
}
