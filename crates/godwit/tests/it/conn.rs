//! Connections against real servers: TLS modes, client certificates, and the error a person
//! sees for each way a connection can fail.

use std::sync::OnceLock;

use godwit::cluster::{Auth, ClusterOptions, LocalCluster};
use godwit::conn::{self, ConnParams, Environment, SslMode};
use godwit::dialect::Dialect;
use godwit::{Error, ErrorKind};
use godwit_test_support::{cluster, test_db};

static TLS_CLUSTER: OnceLock<LocalCluster> = OnceLock::new();

/// A cluster that accepts TCP only over TLS with a client certificate (`hostssl ... cert`).
fn tls_cluster() -> &'static LocalCluster {
    TLS_CLUSTER.get_or_init(|| {
        let options = ClusterOptions { tls: true, auth: Auth::TlsCertOnly, ..Default::default() };
        LocalCluster::start(&options).expect("TLS cluster starts")
    })
}

async fn tls() -> &'static LocalCluster {
    tokio::task::spawn_blocking(tls_cluster).await.expect("join")
}

fn env() -> Environment {
    Environment { os_user: Some("postgres".into()), ..Environment::default() }
}

async fn try_connect(url: &str) -> Result<conn::Connection, Error> {
    let params = ConnParams::resolve(url, &env())?;
    conn::connect(&params).await
}

fn one_line(e: &Error) -> String {
    godwit_test_support::chain(e)
}

#[tokio::test]
async fn verify_full_with_client_certificate_connects() {
    let c = tls().await;
    let t = c.tls().expect("tls files");
    let url = format!(
        "postgresql://postgres@localhost:{}/postgres?sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}",
        c.port(),
        t.ca_cert.display(),
        t.client_cert.display(),
        t.client_key.display()
    );
    let conn = try_connect(&url).await.unwrap_or_else(|e| panic!("{}", one_line(&e)));
    assert_eq!(conn.dialect(), Dialect::Postgres);
    assert_eq!(conn.version().major, 15);
    let row = conn
        .client()
        .query_one(
            "select ssl, current_setting('application_name') from pg_stat_ssl \
             where pid = pg_backend_pid()",
            &[],
        )
        .await
        .expect("pg_stat_ssl");
    assert!(row.get::<_, bool>(0), "connection must be encrypted");
    assert_eq!(row.get::<_, String>(1), "godwit");
}

#[tokio::test]
async fn verify_ca_accepts_an_ip_host_with_the_right_ca() {
    let c = tls().await;
    let t = c.tls().expect("tls files");
    let url = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=verify-ca sslrootcert='{}' sslcert='{}' sslkey='{}'",
        c.port(),
        t.ca_cert.display(),
        t.client_cert.display(),
        t.client_key.display()
    );
    try_connect(&url).await.unwrap_or_else(|e| panic!("{}", one_line(&e)));
}

#[tokio::test]
async fn wrong_ca_is_refused_with_a_message_that_says_so() {
    let c = tls().await;
    let t = c.tls().expect("tls files");
    let url = format!(
        "postgresql://postgres@localhost:{}/postgres?sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}",
        c.port(),
        t.other_ca_cert.display(),
        t.client_cert.display(),
        t.client_key.display()
    );
    let err = try_connect(&url).await.expect_err("wrong CA must fail");
    assert_eq!(err.kind(), ErrorKind::Tls, "{}", one_line(&err));
    assert!(
        one_line(&err).contains("not signed by a CA in sslrootcert"),
        "message should name the CA problem: {}",
        one_line(&err)
    );
}

#[tokio::test]
async fn sslmode_disable_against_hostssl_only_server_explains() {
    let c = tls().await;
    let url = format!("postgresql://postgres@127.0.0.1:{}/postgres?sslmode=disable", c.port());
    let err = try_connect(&url).await.expect_err("plain connection must be refused");
    assert_eq!(err.kind(), ErrorKind::Auth, "{}", one_line(&err));
    assert_eq!(err.sqlstate(), Some("28000"));
    assert!(one_line(&err).contains("accepts only TLS connections"), "{}", one_line(&err));
}

#[tokio::test]
async fn detects_dialect_and_version_over_plain_tcp() {
    let db = test_db().await;
    let conn = try_connect(&db.url()).await.unwrap_or_else(|e| panic!("{}", one_line(&e)));
    assert_eq!(conn.dialect(), Dialect::Postgres);
    assert!(conn.version_text().starts_with("PostgreSQL 15"));
    let params = ConnParams::resolve(&db.url(), &env()).expect("params");
    assert_eq!(params.sslmode, SslMode::Prefer);
}

#[tokio::test]
async fn unix_socket_host_connects() {
    let db = test_db().await;
    let url = format!(
        "host={} port={} user=postgres dbname={}",
        cluster().socket_dir().display(),
        cluster().port(),
        db.name()
    );
    try_connect(&url).await.unwrap_or_else(|e| panic!("{}", one_line(&e)));
}

#[tokio::test]
async fn wrong_password_is_an_auth_error_without_the_password() {
    let db = test_db().await;
    let role = format!("alice_{}", db.name());
    db.execute_script(&format!("create role {role} login password 'right-secret'")).await;
    let url =
        format!("postgresql://{role}:wr0ng-s3cret@127.0.0.1:{}/{}", cluster().port(), db.name());
    let err = try_connect(&url).await.expect_err("wrong password");
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.sqlstate(), Some("28P01"));
    let shown = one_line(&err);
    assert!(shown.contains("password authentication failed"), "{shown}");
    assert!(!shown.contains("wr0ng-s3cret"), "password leaked: {shown}");
}

#[tokio::test]
async fn pgpass_supplies_the_password_and_an_open_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let db = test_db().await;
    let role = format!("bob_{}", db.name());
    db.execute_script(&format!("create role {role} login password 'pass:word'")).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("pgpass");
    std::fs::write(&file, format!("127.0.0.1:*:*:{role}:pass\\:word\n")).expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let url = format!(
        "postgresql://{role}@127.0.0.1:{}/{}?passfile={}",
        cluster().port(),
        db.name(),
        file.display()
    );
    try_connect(&url).await.unwrap_or_else(|e| panic!("{}", one_line(&e)));

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let err = try_connect(&url).await.expect_err("world-readable pgpass must be ignored");
    assert_eq!(err.kind(), ErrorKind::Auth, "{}", one_line(&err));
    assert!(one_line(&err).contains("group or world access"), "{}", one_line(&err));
}

#[tokio::test]
async fn unknown_database_is_not_found() {
    let url = format!("postgresql://postgres@127.0.0.1:{}/no_such_db", cluster().port());
    let err = try_connect(&url).await.expect_err("unknown database");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.sqlstate(), Some("3D000"));
    assert!(one_line(&err).contains("no_such_db"));
}

#[tokio::test]
async fn unreachable_port_is_unreachable() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("postgresql://postgres@127.0.0.1:{port}/postgres?connect_timeout=3");
    let err = try_connect(&url).await.expect_err("nothing listens there");
    assert_eq!(err.kind(), ErrorKind::Unreachable, "{}", one_line(&err));
    assert!(one_line(&err).contains(&format!("127.0.0.1:{port}")), "{}", one_line(&err));
}
