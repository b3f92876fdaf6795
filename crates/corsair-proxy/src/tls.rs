//! HTTPS for the listener: a certificate chain and key from PEM files, HTTP/2 and HTTP/1.1
//! offered by ALPN, swapped atomically when the files are reloaded.

use std::sync::Arc;

use arc_swap::ArcSwap;
use rustls::{
    ServerConfig,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
};

use crate::config::TlsFiles;

/// Why the certificate files cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A file cannot be read or holds no valid PEM of the expected kind.
    #[error("{path}: {why}")]
    File {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// The key does not fit the certificate, or rustls refuses them.
    #[error("{0}")]
    Rustls(#[from] rustls::Error),
}

/// The listener's current TLS configuration.
pub(crate) type Certificates = Arc<ArcSwap<ServerConfig>>;

/// Reads and checks the files into a server configuration.
pub(crate) fn load(files: &TlsFiles) -> Result<ServerConfig, TlsError> {
    let file_error = |path: &std::path::Path, why: String| TlsError::File {
        path: path.display().to_string(),
        why,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| file_error(&files.cert, e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| file_error(&files.cert, e.to_string()))?;
    if chain.is_empty() {
        return Err(file_error(&files.cert, "holds no certificate".to_owned()));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| file_error(&files.key, e.to_string()))?;
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
