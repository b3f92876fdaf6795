//! TLS for `check`: which certificate authorities are trusted, `--insecure`, and handshake
//! failures in words.

use std::{path::PathBuf, sync::Arc};

use rustls::{
    CertificateError, DigitallySignedStruct, SignatureScheme,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature},
    pki_types::{CertificateDer, ServerName, UnixTime, pem::PemObject},
};

/// Where Debian, Ubuntu and Alpine keep the system's trusted authorities.
const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// A client configuration trusting the bundled public roots, the system's (`SSL_CERT_FILE`,
/// else the system bundle) and `extra` CA files; or accepting any certificate when
/// `insecure`.
pub(super) fn config(extra: &[PathBuf], insecure: bool) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?;
    if insecure {
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth());
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let system = std::env::var_os("SSL_CERT_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(SYSTEM_BUNDLE));
    // The system's bundle is a bonus: unreadable or partly unparsable, the bundled roots remain.
    if let Ok(certificates) = CertificateDer::pem_file_iter(&system) {
        roots.add_parsable_certificates(certificates.filter_map(Result::ok));
    }
    for path in extra {
        let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| format!("cannot read CA file {}: {e}", path.display()))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("CA file {} is not valid PEM: {e}", path.display()))?;
        if certificates.is_empty() {
            return Err(format!("CA file {} holds no certificate", path.display()));
        }
        for certificate in certificates {
            roots
                .add(certificate)
                .map_err(|e| format!("CA file {}: {e}", path.display()))?;
        }
    }
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

/// A failed handshake with `authority`, in words, with what to do about it.
pub(super) fn explain(authority: &str, error: &std::io::Error) -> String {
    let rustls = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let Some(rustls::Error::InvalidCertificate(problem)) = rustls else {
        return format!("TLS handshake with {authority} failed: {error}");
    };
    let trust = "pass --cacert FILE with the authority that signed it, or -k/--insecure to skip verification (never in production)";
    let words = match problem {
        CertificateError::UnknownIssuer => format!(
            "the server's certificate is signed by an authority this machine does not trust (self-signed, or a private or development CA): {trust}"
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "the server's certificate has expired: renew it".to_owned()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "the server's certificate is not valid yet: check the server's and this machine's clocks".to_owned()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => format!(
            "the server's certificate is not valid for {authority}: it was issued for other names; use the name on the certificate or reissue it with this one"
        ),
        CertificateError::Revoked => "the server's certificate has been revoked".to_owned(),
        CertificateError::BadSignature => {
            "the server's certificate has an invalid signature".to_owned()
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "the server's certificate is not meant for TLS servers (its extended key usage says otherwise)".to_owned()
        }
        other if format!("{other:?}").contains("CaUsedAsEndEntity") => "the server's certificate is self-signed and marked as a certificate authority, which may not serve as a server's own certificate: issue a server certificate signed by that CA (mkcert does this) and trust the CA with --cacert, or pass -k/--insecure to skip verification".to_owned(),
        other => format!("the server's certificate is not acceptable ({other}): {trust}"),
    };
    format!("TLS handshake with {authority} failed: {words}")
}

/// `--insecure`: every certificate is accepted, but handshake signatures are still checked,
/// so the connection is at least with the holder of the certificate shown.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            certificate,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            certificate,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
