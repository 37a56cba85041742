//! TLS to PostgreSQL, with libpq's `sslmode` semantics, through rustls.
//!
//! | `sslmode` | TLS | certificate checked |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (default) | when the server offers it, else plaintext | no (as libpq) |
//! | `require` | always | no (as libpq) |
//! | `verify-ca` | always | chain against `sslrootcert` (or the system roots) |
//! | `verify-full` | always | chain, and the server's name against the host connected to |
//!
//! The crypto provider is aws-lc-rs: dropshot's rustls already builds it (and
//! jsonwebtoken uses it), so TLS to PostgreSQL adds no second crypto stack and no OpenSSL.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, aws_lc_rs};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::config::{RootCertificates, SslMode};

/// Why the TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// `sslrootcert` names a file that cannot be read or holds no certificate.
    #[error("sslrootcert={path}: {reason}")]
    RootCertificate {
        /// The file `sslrootcert` names.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The system trust store is empty or unreadable.
    #[error("sslrootcert=system: no root certificate found in the system's trust store")]
    NoSystemRoots,
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The connector for `mode`, checking certificates against `roots` where the mode does.
pub fn connector(mode: SslMode, roots: &RootCertificates) -> Result<MakeRustlsConnect, TlsError> {
    let provider = Arc::new(aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()?;
    let algorithms = provider.signature_verification_algorithms;
    let chain = match mode {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => None,
        SslMode::VerifyCa | SslMode::VerifyFull => Some(
            WebPkiServerVerifier::builder_with_provider(Arc::new(root_store(roots)?), provider)
                .build()
                .map_err(|e| rustls::Error::General(e.to_string()))?,
        ),
    };
    let verifier = LibpqVerifier {
        chain,
        check_name: mode == SslMode::VerifyFull,
        algorithms,
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

fn root_store(roots: &RootCertificates) -> Result<RootCertStore, TlsError> {
    let mut store = RootCertStore::empty();
    match roots {
        RootCertificates::File(path) => {
            let unreadable = |reason: String| TlsError::RootCertificate {
                path: path.clone(),
                reason,
            };
            let certificates = read_pem_certificates(path).map_err(unreadable)?;
            let (added, _ignored) = store.add_parsable_certificates(certificates);
            if added == 0 {
                return Err(unreadable("no usable certificate in the file".to_owned()));
            }
        }
        RootCertificates::System => {
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                return Err(TlsError::NoSystemRoots);
            }
        }
    }
    Ok(store)
}

fn read_pem_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = std::fs::read(path).map_err(|e| e.to_string())?;
    CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not a PEM certificate file: {e}"))
}

/// The server's certificate, checked as libpq's `sslmode` says. The handshake signatures
/// are always checked, so the session is bound to the certificate presented.
#[derive(Debug)]
struct LibpqVerifier {
    /// `verify-ca`, `verify-full`: the chain must lead to a trusted root. `prefer` and
    /// `require` (`None`): encryption without authentication, as libpq does.
    chain: Option<Arc<WebPkiServerVerifier>>,
    /// `verify-full`: the name must match the host too.
    check_name: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for LibpqVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        // webpki checks the chain first and the name last: a name error means the chain
        // was good.
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
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
