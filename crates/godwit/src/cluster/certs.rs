//! X.509 v3 certificates for TLS-enabled throwaway clusters.
//!
//! rustls (through webpki) refuses X.509 v1 certificates, which is what `openssl x509 -req`
//! makes without an extensions file; rcgen always produces v3 with the extensions PostgreSQL
//! and rustls expect (SANs for `localhost` and `127.0.0.1`, CA basic constraints).

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use crate::error::{Error, ErrorKind, Result};

/// Paths of the PEM files a TLS cluster was started with; clients use the CA and client pair.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The CA that signed the server and client certificates (use as `sslrootcert`).
    pub ca_cert: PathBuf,
    /// Server certificate (SANs `localhost`, `127.0.0.1`, `::1`).
    pub server_cert: PathBuf,
    /// Server private key.
    pub server_key: PathBuf,
    /// Client certificate for the `postgres` user (CN=postgres), for `sslcert`.
    pub client_cert: PathBuf,
    /// Client private key, for `sslkey` (mode 0600).
    pub client_key: PathBuf,
    /// A second CA that signed nothing here: for testing that a wrong CA is refused.
    pub other_ca_cert: PathBuf,
}

/// Generate a CA, a server and a client certificate under `dir`.
pub fn generate(dir: &Path) -> Result<TlsFiles> {
    let (ca_params, ca_key) = ca("godwit throwaway CA")?;
    let ca_pem = ca_params.self_signed(&ca_key).map_err(cert_error)?.pem();
    let issuer = Issuer::new(ca_params, ca_key);

    let (other_params, other_key) = ca("godwit unrelated CA")?;
    let other_pem = other_params.self_signed(&other_key).map_err(cert_error)?.pem();

    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    let (server_pem, server_key) =
        leaf(names, "localhost", ExtendedKeyUsagePurpose::ServerAuth, &issuer)?;
    let (client_pem, client_key) =
        leaf(Vec::new(), "postgres", ExtendedKeyUsagePurpose::ClientAuth, &issuer)?;

    let files = TlsFiles {
        ca_cert: dir.join("ca.crt"),
        server_cert: dir.join("server.crt"),
        server_key: dir.join("server.key"),
        client_cert: dir.join("client.crt"),
        client_key: dir.join("client.key"),
        other_ca_cert: dir.join("other-ca.crt"),
    };
    write(&files.ca_cert, &ca_pem)?;
    write(&files.other_ca_cert, &other_pem)?;
    write(&files.server_cert, &server_pem)?;
    write(&files.server_key, &server_key)?;
    write(&files.client_cert, &client_pem)?;
    write(&files.client_key, &client_key)?;
    Ok(files)
}

fn ca(name: &str) -> Result<(CertificateParams, KeyPair)> {
    let key = KeyPair::generate().map_err(cert_error)?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(cert_error)?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    Ok((params, key))
}

fn leaf(
    names: Vec<String>,
    common_name: &str,
    usage: ExtendedKeyUsagePurpose,
    issuer: &Issuer<'_, KeyPair>,
) -> Result<(String, String)> {
    let key = KeyPair::generate().map_err(cert_error)?;
    let mut params = CertificateParams::new(names).map_err(cert_error)?;
    params.distinguished_name.push(DnType::CommonName, common_name);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.extended_key_usages = vec![usage];
    let cert = params.signed_by(&key, issuer).map_err(cert_error)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn write(path: &Path, pem: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    file.write_all(pem.as_bytes()).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

fn cert_error(e: rcgen::Error) -> Error {
    Error::new(ErrorKind::Internal, "generating a test certificate").with_source(e)
}
