//! TLS for the hub connection, chosen by `sslmode` in the URL as PostgreSQL's own tools choose it
//! (docs/hub.md): `disable`, `prefer` (the default), `require`, `verify-ca`, `verify-full`. The
//! TLS stack is rustls with the ring provider, so nothing links the system's OpenSSL.

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How much the connection insists on TLS and on the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// TLS when the server offers it, else plain; the certificate is not checked.
    Prefer,
    /// TLS or no connection; the certificate is not checked.
    Require,
    /// TLS, and the certificate must be signed by a trusted CA (any host name).
    VerifyCa,
    /// TLS, and the certificate must be signed by a trusted CA and name the host connected to.
    VerifyFull,
}

impl SslMode {
    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// What the client library itself must do; the certificate checks are ours.
    pub fn transport(self) -> postgres::config::SslMode {
        match self {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => postgres::config::SslMode::Require,
        }
    }

    fn verifies(self) -> bool {
        matches!(self, SslMode::VerifyCa | SslMode::VerifyFull)
    }
}

/// The TLS settings a URL asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsParams {
    pub mode: SslMode,
    /// The CA certificates (PEM) to trust instead of the system's.
    pub root_cert: Option<PathBuf>,
}

/// Why a hub URL's TLS settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("sslmode={mode:?} is not known; use disable, prefer, require, verify-ca or verify-full")]
    UnknownMode { mode: String },
    #[error("cannot set up TLS: {0}")]
    Setup(String),
    #[error("sslrootcert {}: cannot read the CA certificates ({reason})", .path.display())]
    RootCert { path: PathBuf, reason: String },
    #[error("sslrootcert {}: holds no usable CA certificate; give a PEM file with the CA that signed the server's certificate", .path.display())]
    NoUsableCert { path: PathBuf },
    #[error(
        "sslmode={mode} found no system CA certificates (Debian: the package ca-certificates); give the CA with sslrootcert=FILE in the URL"
    )]
    NoSystemCerts { mode: &'static str },
}

/// Takes `sslmode` and `sslrootcert` out of a `postgres://` URL's query (the client library knows
/// neither `verify-ca`/`verify-full` nor `sslrootcert`); returns the rest of the URL and the
/// settings. Other URLs (`key=value` strings) are returned as they are, with the default mode.
pub fn split_url(url: &str) -> Result<(String, TlsParams), TlsError> {
    let mut params = TlsParams { mode: SslMode::Prefer, root_cert: None };
    let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let Some((base, query)) = url.split_once('?').filter(|_| is_url) else {
        return Ok((url.to_string(), params));
    };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => {
                params.mode = match decode(value).as_str() {
                    "disable" => SslMode::Disable,
                    "prefer" | "allow" => SslMode::Prefer,
                    "require" => SslMode::Require,
                    "verify-ca" => SslMode::VerifyCa,
                    "verify-full" => SslMode::VerifyFull,
                    other => return Err(TlsError::UnknownMode { mode: other.to_string() }),
                }
            }
            "sslrootcert" => params.root_cert = Some(PathBuf::from(decode(value))),
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Ok((rest, params))
}

/// `%XX` escapes decoded (a path in a URL may hold them); anything else is kept as it is.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = (b[i] == b'%')
            .then(|| b.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The connector for `params`: the certificate check its mode asks for, against `sslrootcert` or
/// else the system's CA certificates.
pub fn connector(params: &TlsParams) -> Result<MakeRustlsConnect, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Setup(e.to_string()))?;
    let config = if params.mode.verifies() {
        let roots = Arc::new(roots(params)?);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .map_err(|e| TlsError::Setup(e.to_string()))?;
        let verifier: Arc<dyn ServerCertVerifier> =
            if params.mode == SslMode::VerifyCa { Arc::new(AnyName(webpki)) } else { webpki };
        builder.dangerous().with_custom_certificate_verifier(verifier).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoCheck(provider)))
            .with_no_client_auth()
    };
    Ok(MakeRustlsConnect::new(config))
}

/// The CA certificates to trust: the `sslrootcert` file, else the system's (`system` names them
/// too, as in PostgreSQL 16's tools).
fn roots(params: &TlsParams) -> Result<RootCertStore, TlsError> {
    let mut store = RootCertStore::empty();
    match params.root_cert.as_ref().filter(|p| p.as_os_str() != "system") {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| TlsError::RootCert { path: path.clone(), reason: e.to_string() })?;
            let (added, _) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(TlsError::NoUsableCert { path: path.clone() });
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                return Err(TlsError::NoSystemCerts { mode: params.mode.name() });
            }
        }
    }
    Ok(store)
}

/// A hint for a TLS failure, from the error's chain, or `None` when it is not one.
pub fn hint(e: &postgres::Error, params: &TlsParams) -> Option<String> {
    let chain = std::iter::successors(Some(e as &dyn std::error::Error), |err| err.source());
    if chain.map(|err| err.to_string()).any(|t| t.contains("server does not support TLS")) {
        return Some(format!(
            "the server does not offer TLS, and sslmode={} requires it; turn on ssl in the server's settings, or use sslmode=prefer on a network you trust",
            params.mode.name()
        ));
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        let inner = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|i| i as &dyn std::error::Error);
        let tls = inner.and_then(|i| i.downcast_ref::<rustls::Error>()).or_else(|| err.downcast_ref());
        if let Some(rustls::Error::InvalidCertificate(why)) = tls {
            let trusted = match &params.root_cert {
                Some(p) if p.as_os_str() != "system" => format!("the CA certificates in {}", p.display()),
                _ => "the system's CA certificates".into(),
            };
            return Some(format!(
                "the server's certificate was refused ({why:?}) under sslmode={}, checked against {trusted}; give the CA that signed it with sslrootcert=FILE",
                params.mode.name()
            ));
        }
        source = err.source();
    }
    None
}

/// `verify-ca`: the chain must lead to a trusted CA, whatever host name the certificate gives.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
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
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` and `require`: the traffic is encrypted but the certificate is not checked (as with
/// PostgreSQL's own tools); the handshake's signatures still are.
#[derive(Debug)]
struct NoCheck(Arc<CryptoProvider>);

impl ServerCertVerifier for NoCheck {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_leave_the_url_and_other_options_stay() {
        let (rest, p) =
            split_url("postgres://a@h:5/db?sslmode=verify-full&connect_timeout=3&sslrootcert=/t/my%20ca.pem")
                .unwrap();
        assert_eq!(rest, "postgres://a@h:5/db?connect_timeout=3");
        assert_eq!(p, TlsParams { mode: SslMode::VerifyFull, root_cert: Some("/t/my ca.pem".into()) });
        let (rest, p) = split_url("postgres://a@h/db").unwrap();
        assert_eq!((rest.as_str(), p.mode), ("postgres://a@h/db", SslMode::Prefer));
        let (rest, p) = split_url("postgresql://a@h/db?sslmode=require").unwrap();
        assert_eq!((rest.as_str(), p.mode), ("postgresql://a@h/db", SslMode::Require));
        assert!(
            split_url("postgres://a@h/db?sslmode=verify").unwrap_err().to_string().contains("verify-full")
        );
    }

    #[test]
    fn a_missing_or_empty_root_certificate_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.pem");
        let p = TlsParams { mode: SslMode::VerifyFull, root_cert: Some(missing.clone()) };
        let e = connector(&p).err().unwrap().to_string();
        assert!(e.contains(&missing.display().to_string()) && e.contains("cannot read"), "{e}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let p = TlsParams { mode: SslMode::VerifyCa, root_cert: Some(empty) };
        assert!(connector(&p).err().unwrap().to_string().contains("no usable CA certificate"));
    }
}
