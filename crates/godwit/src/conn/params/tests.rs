//! Resolution tests: precedence, defaults, TLS rules, password sources and redaction.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt;

use super::*;

const SECRET: &str = "s3cr3tPW";

/// An environment with a known OS user and no home (so no files are consulted).
fn env() -> Environment {
    Environment { os_user: Some("osuser".into()), ..Environment::default() }
}

fn env_with(vars: &[(&str, &str)]) -> Environment {
    let mut e = env();
    e.vars = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    e
}

/// An environment whose home is a fresh temporary directory.
fn home_env() -> (tempfile::TempDir, Environment) {
    let home = tempfile::tempdir().unwrap();
    let mut e = env();
    e.home = Some(home.path().to_path_buf());
    (home, e)
}

fn write(path: &Path, contents: &str, mode: u32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn resolve(input: &str) -> ConnParams {
    ConnParams::resolve(input, &env()).unwrap()
}

fn error(input: &str, env: &Environment) -> String {
    let e = ConnParams::resolve(input, env).unwrap_err();
    assert_eq!(e.kind(), crate::error::ErrorKind::Config);
    e.to_string()
}

fn tcp(host: &str, port: u16) -> HostSpec {
    HostSpec::Tcp { host: host.into(), hostaddr: None, port }
}

#[test]
fn plain_uri() {
    let p = resolve("postgresql://alice@db.example:5433/shop");
    assert_eq!(p.hosts, [tcp("db.example", 5433)]);
    assert_eq!((p.user.as_str(), p.dbname.as_str()), ("alice", "shop"));
    assert_eq!(p.sslmode, SslMode::Prefer);
    assert_eq!(p.password, None);
    assert_eq!(p.password_source, PasswordSource::None);
    assert_eq!(p.application_name, "godwit");
    assert_eq!(p.connect_timeout, None);
    assert!(p.warnings.is_empty());
}

#[test]
fn uri_with_percent_encoded_parts() {
    let p = resolve("postgres://al%40ice:p%40ss%2Fw@h/my%2Fdb");
    assert_eq!(p.user, "al@ice");
    assert_eq!(p.password.as_ref().map(Password::expose), Some("p@ss/w"));
    assert_eq!(p.password_source, PasswordSource::Given);
    assert_eq!(p.dbname, "my/db");
}

#[test]
fn ipv6_hosts() {
    assert_eq!(resolve("postgresql://[::1]:5433/db").hosts, [tcp("::1", 5433)]);
    assert_eq!(resolve("postgresql://[fe80::1%25eth0]/db").hosts, [tcp("fe80::1%eth0", 5432)]);
}

#[test]
fn multiple_hosts_and_ports() {
    let p = resolve("postgresql://a:5433,[::1],c:5435/db");
    assert_eq!(p.hosts, [tcp("a", 5433), tcp("::1", 5432), tcp("c", 5435)]);
    let p = resolve("postgresql://a,b/db?port=6000");
    assert_eq!(p.hosts, [tcp("a", 6000), tcp("b", 6000)]);
    let p = resolve("host=a,b,c port=1,2,3");
    assert_eq!(p.hosts, [tcp("a", 1), tcp("b", 2), tcp("c", 3)]);
    let e = error("host=a,b,c port=1,2", &env());
    assert_eq!(e, "could not match 2 port numbers to 3 hosts");
}

#[test]
fn hostaddr_lists() {
    let p = resolve("host=a,b hostaddr=10.0.0.1,::1");
    let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
    assert_eq!(
        p.hosts,
        [
            HostSpec::Tcp { host: "a".into(), hostaddr: ip("10.0.0.1"), port: 5432 },
            HostSpec::Tcp { host: "b".into(), hostaddr: ip("::1"), port: 5432 },
        ]
    );
    let p = resolve("hostaddr=10.0.0.2");
    assert_eq!(
        p.hosts,
        [HostSpec::Tcp { host: "10.0.0.2".into(), hostaddr: ip("10.0.0.2"), port: 5432 }]
    );
    assert!(error("host=a,b hostaddr=10.0.0.1", &env()).contains("could not match 2 host names"));
    assert!(error("hostaddr=nope", &env()).contains("could not parse network address \"nope\""));
}

#[test]
fn unix_socket_hosts() {
    let unix = |dir: &str, port| HostSpec::Unix { dir: dir.into(), port };
    assert_eq!(
        resolve("postgresql://%2Fvar%2Frun%2Fpostgresql/db").hosts,
        [unix("/var/run/postgresql", 5432)]
    );
    assert_eq!(resolve("postgresql:///db?host=/tmp&port=5433").hosts, [unix("/tmp", 5433)]);
    assert_eq!(resolve("host=/sock").hosts[0].socket_path(), Some("/sock/.s.PGSQL.5432".into()));
    let p = resolve("");
    assert!(matches!(&p.hosts[..], [HostSpec::Unix { dir, port: 5432 }]
        if dir == Path::new("/var/run/postgresql") || dir == Path::new("/tmp")));
    assert_eq!(p.hosts[0], unix(default_socket_dir().to_str().unwrap(), 5432));
}

#[test]
fn query_parameters_override_uri_parts() {
    let p = resolve("postgresql://u@h:1/db?host=k&port=2&dbname=other&user=v&application_name=x");
    assert_eq!(p.hosts, [tcp("k", 2)]);
    assert_eq!((p.user.as_str(), p.dbname.as_str()), ("v", "other"));
    assert_eq!(p.application_name, "x");
    let p = resolve("postgresql://h/db?options=-c%20search_path%3Dx&connect_timeout=10");
    assert_eq!(p.options.as_deref(), Some("-c search_path=x"));
    assert_eq!(p.connect_timeout, Some(Duration::from_secs(10)));
}

#[test]
fn unknown_query_parameter() {
    assert_eq!(error("postgresql://h/db?foo=1", &env()), "invalid URI query parameter: \"foo\"");
    assert_eq!(error("host=h foo=1", &env()), "invalid connection option \"foo\"");
}

#[test]
fn bad_ports() {
    for (input, shown) in [
        ("postgresql://h:0/db", "\"0\""),
        ("postgresql://h:65536/db", "\"65536\""),
        ("postgresql://h:99999999999/db", "\"99999999999\""),
        ("postgresql://h:5x/db", "\"5x\""),
        ("port=-1", "\"-1\""),
        ("port=abc", "\"abc\""),
        ("postgresql://h/db?port=70000", "\"70000\""),
    ] {
        let e = error(input, &env());
        assert!(e.contains("invalid port number") && e.contains(shown), "{input}: {e}");
    }
    assert!(error("", &env_with(&[("PGPORT", "nope")])).contains("invalid port number"));
    assert_eq!(resolve("port=' 5433 '").hosts[0].port(), 5433);
}

#[test]
fn keyword_value_form() {
    let p = resolve(r"host = db  port= 5433 user ='al ice' password='it\'s \\ x' dbname=a\ b");
    assert_eq!(p.hosts, [tcp("db", 5433)]);
    assert_eq!(p.user, "al ice");
    assert_eq!(p.password.unwrap().expose(), r"it's \ x");
    assert_eq!(p.dbname, "a b");
}

#[test]
fn dbname_uri_expansion() {
    let p = resolve("dbname=postgresql://bob@h:5433/shop?sslmode=require application_name=app");
    assert_eq!(p.hosts, [tcp("h", 5433)]);
    assert_eq!((p.user.as_str(), p.dbname.as_str()), ("bob", "shop"));
    assert_eq!(p.sslmode, SslMode::Require);
    assert_eq!(p.application_name, "app");
}

#[test]
fn environment_fallbacks() {
    let e = env_with(&[
        ("PGHOST", "envhost"),
        ("PGPORT", "6543"),
        ("PGUSER", "envuser"),
        ("PGDATABASE", "envdb"),
        ("PGSSLMODE", "require"),
        ("PGPASSWORD", SECRET),
        ("PGAPPNAME", "envapp"),
        ("PGCONNECT_TIMEOUT", "7"),
        ("PGOPTIONS", "-c x=1"),
    ]);
    let p = ConnParams::resolve("", &e).unwrap();
    assert_eq!(p.hosts, [tcp("envhost", 6543)]);
    assert_eq!((p.user.as_str(), p.dbname.as_str()), ("envuser", "envdb"));
    assert_eq!(p.sslmode, SslMode::Require);
    assert_eq!(p.password.as_ref().unwrap().expose(), SECRET);
    assert_eq!(p.password_source, PasswordSource::Environment);
    assert_eq!(p.application_name, "envapp");
    assert_eq!(p.connect_timeout, Some(Duration::from_secs(7)));
    assert_eq!(p.options.as_deref(), Some("-c x=1"));

    let p = ConnParams::resolve(
        "postgresql://u:given@h:1/d?sslmode=disable&application_name=a&options=o",
        &e,
    )
    .unwrap();
    assert_eq!(p.hosts, [tcp("h", 1)]);
    assert_eq!((p.user.as_str(), p.dbname.as_str()), ("u", "d"));
    assert_eq!(p.sslmode, SslMode::Disable);
    assert_eq!(p.password.unwrap().expose(), "given");
    assert_eq!(p.password_source, PasswordSource::Given);
    assert_eq!((p.application_name.as_str(), p.options.as_deref()), ("a", Some("o")));
}

#[test]
fn empty_environment_values_count_as_unset() {
    let p = ConnParams::resolve("", &env_with(&[("PGUSER", ""), ("PGPASSWORD", "")])).unwrap();
    assert_eq!(p.user, "osuser");
    assert_eq!(p.password_source, PasswordSource::None);
}

#[test]
fn defaults() {
    let p = resolve("host=h");
    assert_eq!((p.user.as_str(), p.dbname.as_str()), ("osuser", "osuser"));
    assert_eq!(p.hosts, [tcp("h", 5432)]);
    let p = resolve("user=bob");
    assert_eq!(p.dbname, "bob");
    let e = ConnParams::resolve("host=h", &Environment::default()).unwrap_err();
    assert!(e.to_string().contains("could not determine the user name"));
}

#[test]
fn application_name_default_and_overrides() {
    assert_eq!(resolve("").application_name, "godwit");
    assert_eq!(resolve("fallback_application_name=fb").application_name, "fb");
    assert_eq!(resolve("application_name=x fallback_application_name=fb").application_name, "x");
    let e = env_with(&[("PGAPPNAME", "envapp")]);
    let p = ConnParams::resolve("fallback_application_name=fb", &e).unwrap();
    assert_eq!(p.application_name, "envapp");
}

#[test]
fn connect_timeout_rules() {
    let secs = |s: &str| resolve(&format!("connect_timeout={s}")).connect_timeout;
    assert_eq!(secs("0"), None);
    assert_eq!(secs("-5"), None);
    assert_eq!(secs("1"), Some(Duration::from_secs(2)));
    assert_eq!(secs("2"), Some(Duration::from_secs(2)));
    assert_eq!(secs("30"), Some(Duration::from_secs(30)));
    let e = error("connect_timeout=soon", &env());
    assert_eq!(e, "invalid integer value \"soon\" for connection option \"connect_timeout\"");
    assert!(error("connect_timeout=1.5", &env()).contains("invalid integer value"));
}

#[test]
fn sslmode_parsing() {
    for mode in SslMode::ALL {
        assert_eq!(mode.as_str().parse::<SslMode>().unwrap(), mode);
        assert_eq!(mode.to_string(), mode.as_str());
    }
    let e = error("host=h sslmode=verify_full", &env());
    assert!(e.starts_with("invalid sslmode value: \"verify_full\""), "{e}");
    assert!(e.contains("disable, allow, prefer, require, verify-ca, verify-full"), "{e}");
    assert!(error("", &env_with(&[("PGSSLMODE", "bogus")])).contains("\"bogus\""));
}

#[test]
fn verification_needs_a_root_certificate() {
    let (home, e) = home_env();
    let message = error("host=h sslmode=verify-full", &e);
    let expected = home.path().join(".postgresql/root.crt");
    assert!(
        message.starts_with(&format!(
            "root certificate file \"{}\" does not exist",
            expected.display()
        )),
        "{message}"
    );
    assert!(message.contains("sslrootcert=system"));
    assert!(error("host=h sslmode=verify-ca", &env()).contains("\"~/.postgresql/root.crt\""));
    assert!(
        error("host=h sslmode=verify-ca sslrootcert=/nope.crt", &env()).contains("\"/nope.crt\"")
    );
    // Unix-domain sockets never use TLS, so libpq does not look for the file.
    assert_eq!(resolve("host=/tmp sslmode=verify-full").sslmode, SslMode::VerifyFull);

    write(&expected, "cert", 0o644);
    let p = ConnParams::resolve("host=h sslmode=verify-full", &e).unwrap();
    assert_eq!(p.sslrootcert, Some(expected.clone()));
    assert_eq!(ConnParams::resolve("host=h", &e).unwrap().sslrootcert, Some(expected));
}

#[test]
fn sslrootcert_system() {
    let p = resolve("host=h sslrootcert=system");
    assert_eq!(p.sslmode, SslMode::VerifyFull);
    assert_eq!(p.sslrootcert, Some(PathBuf::from("system")));
    let p = ConnParams::resolve("host=h", &env_with(&[("PGSSLROOTCERT", "system")])).unwrap();
    assert_eq!(p.sslmode, SslMode::VerifyFull);
    for weak in ["disable", "allow", "prefer", "require", "verify-ca"] {
        let e = error(&format!("host=h sslrootcert=system sslmode={weak}"), &env());
        assert_eq!(
            e,
            format!(
                "weak sslmode \"{weak}\" may not be used with sslrootcert=system (use \"verify-full\")"
            )
        );
    }
    let e = env_with(&[("PGSSLMODE", "require")]);
    assert!(error("sslrootcert=system", &e).starts_with("weak sslmode \"require\""));
}

#[test]
fn client_certificate_defaults_need_both_files() {
    let (home, e) = home_env();
    let crt = home.path().join(".postgresql/postgresql.crt");
    let key = home.path().join(".postgresql/postgresql.key");
    write(&crt, "c", 0o644);
    let p = ConnParams::resolve("host=h", &e).unwrap();
    assert_eq!((p.sslcert, p.sslkey), (None, None));
    write(&key, "k", 0o600);
    let p = ConnParams::resolve("host=h", &e).unwrap();
    assert_eq!((p.sslcert, p.sslkey), (Some(crt), Some(key.clone())));
    let p = ConnParams::resolve("host=h sslcert=/c.pem", &e).unwrap();
    assert_eq!((p.sslcert, p.sslkey), (Some("/c.pem".into()), Some(key)));
    let p = resolve("host=h sslcert=/c sslkey=/k sslrootcert=/r");
    assert_eq!(p.sslrootcert, Some("/r".into()));
    assert_eq!((p.sslcert, p.sslkey), (Some("/c".into()), Some("/k".into())));
}

#[test]
fn target_session_attrs_and_ignored_keywords() {
    assert!(ConnParams::resolve("target_session_attrs=any", &env()).is_ok());
    let e = error("target_session_attrs=read-write", &env());
    assert!(e.contains("not supported"), "{e}");
    assert!(
        error("target_session_attrs=nonsense", &env()).contains("invalid target_session_attrs")
    );
    let e = env_with(&[("PGTARGETSESSIONATTRS", "primary")]);
    assert!(error("", &e).contains("not supported"));
    let p = resolve("sslcompression=1 gssencmode=disable keepalives=1 channel_binding=prefer");
    assert!(p.warnings.is_empty());
    let p = resolve(&format!("sslpassword={SECRET}"));
    assert_eq!(p.warnings.len(), 1);
    assert!(p.warnings[0].contains("encrypted"));
    assert!(!format!("{p:?}").contains(SECRET));
}

#[test]
fn pgpass_supplies_the_password() {
    let (home, e) = home_env();
    let pgpass = home.path().join(".pgpass");
    write(&pgpass, "other:*:*:*:no\ndb.example:5433:shop:alice:fromfile\n*:*:*:*:any\n", 0o600);
    let p = ConnParams::resolve("postgresql://alice@db.example:5433/shop", &e).unwrap();
    assert_eq!(p.password.unwrap().expose(), "fromfile");
    assert_eq!(p.password_source, PasswordSource::PgPass(pgpass));
    let p = ConnParams::resolve("host=db.example,other port=5433 user=alice dbname=shop", &e);
    assert_eq!(p.unwrap().password.unwrap().expose(), "fromfile", "the first host is used");
    let p = ConnParams::resolve(
        "host=db.example hostaddr=10.1.1.1 port=5433 user=alice dbname=shop",
        &e,
    );
    assert_eq!(p.unwrap().password.unwrap().expose(), "fromfile", "hostaddr is not matched");
    let given = ConnParams::resolve("host=h password=x", &e).unwrap();
    assert_eq!(given.password_source, PasswordSource::Given);
    let mut with_env = e;
    with_env.vars.insert("PGPASSWORD".into(), "envpw".into());
    let p = ConnParams::resolve("host=db.example", &with_env).unwrap();
    assert_eq!(p.password_source, PasswordSource::Environment);
}

#[test]
fn pgpass_for_sockets_and_other_files() {
    let (home, mut e) = home_env();
    let custom = home.path().join("custom.pgpass");
    write(&custom, "localhost:5432:*:*:viasocket\n/sock:5433:*:*:viadir\n", 0o600);
    let p = ConnParams::resolve(&format!("host=/anything passfile={}", custom.display()), &e);
    assert_eq!(p.unwrap().password.unwrap().expose(), "viasocket");
    let p = ConnParams::resolve(&format!("host=/sock port=5433 passfile={}", custom.display()), &e);
    assert_eq!(p.unwrap().password.unwrap().expose(), "viadir");
    e.vars.insert("PGPASSFILE".into(), custom.display().to_string());
    let p = ConnParams::resolve("", &e).unwrap();
    assert_eq!(p.password_source, PasswordSource::PgPass(custom));
    let p = ConnParams::resolve("host=tcphost", &e).unwrap();
    assert_eq!((p.password, p.password_source), (None, PasswordSource::None));
}

#[test]
fn pgpass_with_loose_permissions_is_refused_with_a_warning() {
    let (home, e) = home_env();
    let pgpass = home.path().join(".pgpass");
    write(&pgpass, "*:*:*:*:pw\n", 0o644);
    let p = ConnParams::resolve("host=h", &e).unwrap();
    assert_eq!((p.password, p.password_source), (None, PasswordSource::None));
    assert_eq!(
        p.warnings,
        [format!(
            "password file \"{}\" has group or world access; permissions should be u=rw (0600) or less",
            pgpass.display()
        )]
    );
}

#[test]
fn missing_pgpass_is_silent() {
    let (_home, e) = home_env();
    let p = ConnParams::resolve("host=h", &e).unwrap();
    assert_eq!(p.password_source, PasswordSource::None);
    assert!(p.warnings.is_empty());
}

#[test]
fn password_never_shows_in_debug_display_or_redacted() {
    let p = resolve(&format!("postgresql://u:{SECRET}@h/db"));
    assert_eq!(format!("{}", p.password.as_ref().unwrap()), "********");
    assert!(!format!("{p:?}").contains(SECRET));
    assert!(!p.redacted().contains(SECRET));
}

#[test]
fn redacted_form() {
    assert_eq!(resolve("postgresql://u:pw@h:5433/db").redacted(), "postgresql://u@h:5433/db");
    assert_eq!(
        resolve("postgresql://a%40b@[::1],[fe80::1%25eth0]:6/my%20db?sslmode=require").redacted(),
        "postgresql://a%40b@[::1]:5432,[fe80::1%25eth0]:6/my%20db?sslmode=require"
    );
    assert_eq!(
        resolve("host=/var/run/postgresql user=u dbname=d").redacted(),
        "postgresql://u@%2Fvar%2Frun%2Fpostgresql:5432/d"
    );
    assert_eq!(
        resolve("host=h user=u sslmode=disable").redacted(),
        "postgresql://u@h:5432/u?sslmode=disable"
    );
    let round_trip = resolve(&resolve("host=/tmp,h port=1,2 user='a b' dbname=x/y").redacted());
    assert_eq!(round_trip.hosts, resolve("host=/tmp,h port=1,2").hosts);
    assert_eq!((round_trip.user.as_str(), round_trip.dbname.as_str()), ("a b", "x/y"));
}

#[test]
fn redact_raw_strings() {
    assert_eq!(redact("postgresql://u:secret@h/db"), "postgresql://u:********@h/db");
    assert_eq!(redact("user=u password=secret"), "user=u password=********");
    assert_eq!(redact("password='se cret' host=h"), "password=******** host=h");
    assert_eq!(
        redact("postgresql://h/db?password=secret&sslmode=require"),
        "postgresql://h/db?password=********&sslmode=require"
    );
    assert_eq!(redact("not a connection string"), "not a connection string");
}

#[test]
fn errors_never_contain_the_password() {
    let inputs = [
        format!("postgresql://u:{SECRET}@h:99999/db"),
        format!("postgresql://u:{SECRET}@h:x/db"),
        format!("postgresql://u:{SECRET}@[::1/db"),
        format!("postgresql://u:{SECRET}@[::1]z/db"),
        format!("postgresql://u:{SECRET}@h/db?foo=bar"),
        format!("postgresql://u:{SECRET}@h/db?sslmode=verify_full"),
        format!("postgresql://u:{SECRET}@h/db?sslmode=verify-full"),
        format!("postgresql://u:{SECRET}@h/db?connect_timeout=x"),
        format!("postgresql://u:{SECRET}@h/db?target_session_attrs=primary"),
        format!("postgresql://u:{SECRET}@h/%zz"),
        format!("postgresql://u:{SECRET}%@h/db"),
        format!("postgresql://u:{SECRET}/x@h/db"),
        format!("postgresql://h/db?password={SECRET}&foo=1"),
        format!("password={SECRET} foo=bar"),
        format!("password='{SECRET} host=h"),
        "password=s3cr 3tPW".to_owned(),
        format!("password={SECRET} sslmode=bad"),
        format!(" postgresql:/u:{SECRET}@h/db"),
        format!("dbname=postgresql://u:{SECRET}@h:0/db"),
        format!("dbname=postgresql://u:{SECRET}@[/db"),
    ];
    for input in &inputs {
        let message = error(input, &env());
        assert!(!message.contains(SECRET) && !message.contains("3tPW"), "{input} -> {message}");
    }
}

/// Rounds of the property test (raise locally to hunt for leaks; 300 000 pass).
const ROUNDS: usize = 500;

/// A small deterministic generator (xorshift) of connection-string-like garbage.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % u64::try_from(n).unwrap()).unwrap()
    }

    fn garbage(&mut self) -> String {
        const PIECES: &[&str] = &[
            "host=",
            "port=",
            "user=",
            "dbname=",
            "sslmode=",
            "hostaddr=",
            "options=",
            "h",
            "5432",
            "0",
            "=",
            " ",
            "'",
            "\\",
            ":",
            "@",
            "/",
            "?",
            "&",
            ",",
            "[",
            "]",
            "%",
            "%2F",
            "%zz",
            "postgresql://",
            "postgres://",
            "password",
            "verify-full",
            "system",
            "é",
            "connect_timeout=",
            "target_session_attrs=",
            "sslrootcert=",
        ];
        let len = self.below(20);
        (0..len).map(|_| PIECES[self.below(PIECES.len())]).collect()
    }
}

#[test]
fn property_resolve_never_panics_or_leaks_in_errors() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for round in 0..ROUNDS {
        let secret = match round % 5 {
            0 => format!("password={SECRET}"),
            1 => format!(":{SECRET}@"),
            2 => format!("password='{SECRET}'"),
            3 => format!("postgresql://u:{SECRET}@"),
            _ => format!("?password={SECRET}&"),
        };
        let input = format!("{}{secret}{}", rng.garbage(), rng.garbage());
        if let Err(e) = ConnParams::resolve(&input, &env()) {
            assert!(!e.to_string().contains(SECRET), "{input:?} -> {e}");
        }
        let _ = ConnParams::resolve(&rng.garbage(), &env());
    }
}

/// Regression (fuzzing): a password planted inside malformed URI pieces (a query value with
/// `%00` and stray quotes; a garbage parameter name) was quoted back in the error.
#[test]
fn fuzz_regression_errors_never_quote_a_planted_password() {
    let crashes: [&[u8]; 2] = [
        include_bytes!(
            "../../../../../fuzz/regressions/conn_params/crash-36a0bbd54012eb132412b4db6f63533b01379a91"
        ),
        include_bytes!(
            "../../../../../fuzz/regressions/conn_params/crash-03903f5cf136ddb95e9403cb016c8b327b512bec"
        ),
    ];
    for crash in crashes {
        planted_password_is_never_quoted(&String::from_utf8_lossy(crash));
    }
}

/// The fuzz target's check: a password planted in the middle of `s` is in no error message.
fn planted_password_is_never_quoted(s: &str) {
    let mut mid = s.len() / 2;
    while !s.is_char_boundary(mid) {
        mid -= 1;
    }
    let (head, tail) = s.split_at(mid);
    for planted in ["password=GodwitFuzzPlantedSecret", ":GodwitFuzzPlantedSecret@"] {
        let input = format!("{head}{planted}{tail}");
        if let Err(e) = ConnParams::resolve(&input, &Environment::default()) {
            assert!(!e.to_string().contains("GodwitFuzzPlantedSecret"), "{e}");
        }
    }
}
