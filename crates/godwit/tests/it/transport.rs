//! godwit's own replication-protocol connection against real servers: SCRAM over TCP, trust
//! over the Unix socket, TLS verify-full with a client certificate, and the errors a person
//! sees when the login fails.

use std::sync::OnceLock;

use godwit::ErrorKind;
use godwit::cdc::transport::Transport;
use godwit::cluster::{Auth, ClusterOptions, LocalCluster};
use godwit::conn::{ConnParams, Environment};
use godwit_test_support::{chain, cluster, test_db};

static TLS_CLUSTER: OnceLock<LocalCluster> = OnceLock::new();

async fn tls_cluster() -> &'static LocalCluster {
    tokio::task::spawn_blocking(|| {
        TLS_CLUSTER.get_or_init(|| {
            let options =
                ClusterOptions { tls: true, auth: Auth::TlsCertOnly, ..Default::default() };
            LocalCluster::start(&options).expect("TLS cluster starts")
        })
    })
    .await
    .expect("join")
}

fn params(url: &str) -> ConnParams {
    let env = Environment { os_user: Some("postgres".into()), ..Environment::default() };
    ConnParams::resolve(url, &env).expect("params")
}

/// `IDENTIFY_SYSTEM` answers with the database the session is bound to (4th column).
async fn identify(transport: &mut Transport) -> String {
    let rows = transport.simple_query("IDENTIFY_SYSTEM").await.expect("IDENTIFY_SYSTEM");
    let dbname = rows[0][3].as_ref().expect("dbname");
    String::from_utf8(dbname.to_vec()).unwrap()
}

#[tokio::test]
async fn scram_login_over_tcp_runs_replication_commands_and_sql() {
    let db = test_db().await;
    let role = format!("rep_{}", db.name());
    db.execute_script(&format!("create role {role} login replication password 's3cr:et'")).await;
    let url = format!("postgresql://{role}:s3cr%3Aet@127.0.0.1:{}/{}", cluster().port(), db.name());
    let mut transport = Transport::connect(&params(&url), Some("-c timezone=UTC"))
        .await
        .unwrap_or_else(|e| panic!("{}", chain(&e)));
    assert_eq!(transport.server_major(), Some(15));
    assert_eq!(identify(&mut transport).await, db.name());
    let rows = transport
        .simple_query("select current_setting('timezone'), current_setting('application_name')")
        .await
        .unwrap();
    assert_eq!(rows[0][0].as_deref(), Some(&b"UTC"[..]));
    assert_eq!(rows[0][1].as_deref(), Some(&b"godwit"[..]));
    let err = transport.simple_query("select nonsense from nowhere").await.unwrap_err();
    assert_eq!(err.sqlstate(), Some("42P01"));
    // The session is usable after an error.
    assert_eq!(identify(&mut transport).await, db.name());
}

#[tokio::test]
async fn a_wrong_password_is_an_auth_error_that_does_not_show_it() {
    let db = test_db().await;
    let role = format!("rep_{}", db.name());
    db.execute_script(&format!("create role {role} login replication password 'right'")).await;
    let url =
        format!("postgresql://{role}:wr0ng-s3cret@127.0.0.1:{}/{}", cluster().port(), db.name());
    let err = Transport::connect(&params(&url), None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{}", chain(&err));
    assert_eq!(err.sqlstate(), Some("28P01"));
    let shown = chain(&err);
    assert!(shown.contains("password authentication failed"), "{shown}");
    assert!(!shown.contains("wr0ng-s3cret"), "password leaked: {shown}");
    // No password at all: says where one could come from.
    let url = format!("postgresql://{role}@127.0.0.1:{}/{}", cluster().port(), db.name());
    let err = Transport::connect(&params(&url), None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{}", chain(&err));
    assert!(chain(&err).contains("PGPASSWORD"), "{}", chain(&err));
}

#[tokio::test]
async fn unix_socket_trust_and_unknown_database() {
    let db = test_db().await;
    let url = format!(
        "host={} port={} user=postgres dbname={}",
        cluster().socket_dir().display(),
        cluster().port(),
        db.name()
    );
    let mut transport = Transport::connect(&params(&url), None).await.unwrap();
    assert_eq!(identify(&mut transport).await, db.name());
    let url = format!("postgresql://postgres@127.0.0.1:{}/no_such_db", cluster().port());
    let err = Transport::connect(&params(&url), None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{}", chain(&err));
}

#[tokio::test]
async fn an_unreachable_port_is_unreachable() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("postgresql://postgres@127.0.0.1:{port}/postgres?connect_timeout=3");
    let err = Transport::connect(&params(&url), None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unreachable, "{}", chain(&err));
    assert!(chain(&err).contains(&format!("127.0.0.1:{port}")), "{}", chain(&err));
}

#[tokio::test]
async fn verify_full_with_a_client_certificate_and_a_wrong_ca() {
    let c = tls_cluster().await;
    let t = c.tls().expect("tls files");
    let url = |ca: &std::path::Path| {
        format!(
            "postgresql://postgres@localhost:{}/postgres?sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}",
            c.port(),
            ca.display(),
            t.client_cert.display(),
            t.client_key.display()
        )
    };
    let mut transport = Transport::connect(&params(&url(&t.ca_cert)), None)
        .await
        .unwrap_or_else(|e| panic!("{}", chain(&e)));
    let rows = transport
        .simple_query("select ssl::text from pg_stat_ssl where pid = pg_backend_pid()")
        .await
        .unwrap();
    assert_eq!(rows[0][0].as_deref(), Some(&b"true"[..]));
    // A root that did not sign the server certificate: refused as a TLS problem.
    let err = Transport::connect(&params(&url(&t.client_cert)), None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{}", chain(&err));
    // Without TLS the server refuses the replication login (hostssl only).
    let plain = format!("postgresql://postgres@127.0.0.1:{}/postgres?sslmode=disable", c.port());
    let err = Transport::connect(&params(&plain), None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{}", chain(&err));
}
