//! TLS for PostgreSQL and CockroachDB connections, with libpq's `sslmode` semantics on rustls.
//!
//! tokio-postgres only knows `disable|prefer|require` and never verifies anything itself, so
//! the verification policy lives here, in the rustls `ClientConfig`:
//!
//! | sslmode | server certificate check |
//! |---|---|
//! | `allow`, `prefer`, `require` | none, unless a root certificate is configured: then the chain (like `verify-ca`), as libpq does |
//! | `verify-ca` | chain to `sslrootcert`, host name not checked |
//! | `verify-full` | chain to `sslrootcert` and host name against the SANs |
//!
//! `sslrootcert=system` uses the operating system's trusted roots. A client certificate is
//! sent when `sslcert` and `sslkey` are set; like libpq, a private key readable by group or
//! others is refused.

use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use super::params::{ConnParams, SslMode};
use crate::error::{Error, ErrorKind, Result};

/// Install the process-wide rustls crypto provider (ring) once; later calls are no-ops.
///
/// rustls panics at handshake time when two providers are compiled in and none is installed,
/// so the CLI calls this first thing and every connection path calls it again defensively.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The rustls configuration for `params`, or `None` when TLS is off (`sslmode=disable`).
pub fn client_config(params: &ConnParams) -> Result<Option<ClientConfig>> {
    if params.sslmode == SslMode::Disable {
        return Ok(None);
    }
    install_crypto_provider();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = server_verifier(params, &provider)?;
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::new(ErrorKind::Tls, "setting up TLS").with_source(e))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let config = match (&params.sslcert, &params.sslkey) {
        (Some(cert), Some(key)) => {
            let (chain, key) = client_identity(cert, key)?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                Error::new(ErrorKind::Tls, format!("client certificate {}", cert.display()))
                    .with_source(e)
            })?
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(Some(config))
}

fn server_verifier(
    params: &ConnParams,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>> {
    let algorithms = provider.signature_verification_algorithms;
    let Some(root) = &params.sslrootcert else {
        return Ok(Arc::new(NoVerification { algorithms }));
    };
    let roots = Arc::new(load_roots(root)?);
    let webpki =
        WebPkiServerVerifier::builder_with_provider(roots, Arc::clone(provider)).build().map_err(
            |e| Error::new(ErrorKind::Tls, "building the certificate verifier").with_source(e),
        )?;
    Ok(match params.sslmode {
        SslMode::VerifyFull => webpki,
        _ => Arc::new(ChainOnly { inner: webpki }),
    })
}

fn load_roots(path: &Path) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    if path == Path::new("system") {
        let found = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(found.certs);
    } else {
        let certs = read_certs(path, "sslrootcert")?;
        let (added, _) = roots.add_parsable_certificates(certs);
        if added == 0 {
            return Err(Error::new(
                ErrorKind::Config,
                format!("sslrootcert {} holds no usable certificate", path.display()),
            ));
        }
    }
    Ok(roots)
}

fn read_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let iter = CertificateDer::pem_file_iter(path).map_err(|e| pem_error(path, what, e))?;
    let certs = iter.collect::<Result<Vec<_>, _>>().map_err(|e| pem_error(path, what, e))?;
    if certs.is_empty() {
        return Err(Error::config(format!("{what} {} holds no PEM certificate", path.display())));
    }
    Ok(certs)
}

fn client_identity(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    check_key_permissions(key)?;
    let chain = read_certs(cert, "sslcert")?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| pem_error(key, "sslkey", e))?;
    Ok((chain, key))
}

/// libpq refuses a private key that group or others can read when the current user owns it.
fn check_key_permissions(key: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(key).map_err(|e| {
        Error::io(format!("reading sslkey {}", key.display()), e).with_kind(ErrorKind::Config)
    })?;
    let own = meta.uid() == nix::unistd::geteuid().as_raw();
    if own && meta.mode() & 0o077 != 0 {
        return Err(Error::config(format!(
            "private key file \"{}\" has group or world access; file must have permissions \
             u=rw (0600) or less if owned by the current user",
            key.display()
        )));
    }
    Ok(())
}

fn pem_error(path: &Path, what: &str, e: rustls::pki_types::pem::Error) -> Error {
    Error::config(format!("could not read {what} {}", path.display())).with_source(e)
}

/// libpq's behaviour without a root certificate: encrypt, trust any certificate, but still
/// check that the server holds the key for the certificate it presented.
#[derive(Debug)]
struct NoVerification {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the host name is not compared.
#[derive(Debug)]
struct ChainOnly {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
