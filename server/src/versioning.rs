//! Which API version answers a request: the one its `api-version` header names.
//!
//! * `api-version: 1.0.0` (any supported version): served by that version's endpoints.
//! * no header (browsers, `curl`, load-balancer probes): served as the latest version.
//! * any other value: `400`, naming the versions this server supports.

use dropshot::{Body, DynamicVersionPolicy, HttpError, VersionPolicy};
use http::{HeaderName, Request};
use semver::Version;
use slog::Logger;

/// The header that names the API version, as a header name.
pub const VERSION_HEADER: HeaderName = HeaderName::from_static(statusboard_api::VERSION_HEADER);

/// The version policy of the statusboard server, for `ServerBuilder::version_policy`.
pub fn policy() -> VersionPolicy {
    VersionPolicy::Dynamic(Box::new(supported()))
}

/// The versions the statusboard API supports.
pub fn supported() -> SupportedVersions {
    let versions = statusboard_api::supported_versions()
        .iter()
        .map(|v| v.semver().clone())
        .collect();
    SupportedVersions::new(versions)
}

/// Serves exactly the listed versions; a request without the header gets the newest.
#[derive(Debug)]
pub struct SupportedVersions {
    /// Oldest first.
    versions: Vec<Version>,
    /// The list, for error messages: `1.0.0, 2.0.0`.
    listed: String,
}

impl SupportedVersions {
    /// A policy serving `versions` (at least one).
    pub fn new(mut versions: Vec<Version>) -> Self {
        assert!(!versions.is_empty(), "an API has at least one version");
        versions.sort();
        let listed = versions
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        Self { versions, listed }
    }

    /// The newest version.
    pub fn latest(&self) -> &Version {
        self.versions.last().expect("at least one version")
    }

    /// The version a request with this header value (or none) is served by.
    pub fn select(&self, header: Option<&http::HeaderValue>) -> Result<Version, HttpError> {
        let Some(value) = header else {
            return Ok(self.latest().clone());
        };
        let requested = value
            .to_str()
            .ok()
            .and_then(|text| Version::parse(text.trim()).ok());
        match requested {
            Some(version) if self.versions.contains(&version) => Ok(version),
            _ => Err(HttpError::for_bad_request(
                Some("UnsupportedApiVersion".to_owned()),
                format!(
                    "unsupported {VERSION_HEADER} {:?}: this server supports {} (send one of \
                     them, or no {VERSION_HEADER} header for the latest)",
                    String::from_utf8_lossy(value.as_bytes()),
                    self.listed,
                ),
            )),
        }
    }
}

impl DynamicVersionPolicy for SupportedVersions {
    fn request_extract_version(
        &self,
        request: &Request<Body>,
        _log: &Logger,
    ) -> Result<Version, HttpError> {
        self.select(request.headers().get(VERSION_HEADER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn policy() -> SupportedVersions {
        SupportedVersions::new(vec![Version::new(2, 0, 0), Version::new(1, 0, 0)])
    }

    #[test]
    fn a_supported_version_is_served_by_that_version() {
        let value = HeaderValue::from_static("1.0.0");
        assert_eq!(
            policy().select(Some(&value)).unwrap(),
            Version::new(1, 0, 0)
        );
    }

    #[test]
    fn no_header_is_served_as_the_latest_version() {
        assert_eq!(policy().select(None).unwrap(), Version::new(2, 0, 0));
    }

    #[test]
    fn unknown_newer_older_and_garbled_versions_are_400_naming_the_supported_ones() {
        for sent in ["99.0.0", "1.5.0", "0.9.0", "latest", ""] {
            let value = HeaderValue::from_str(sent).unwrap();
            let error = policy().select(Some(&value)).unwrap_err();
            assert_eq!(error.status_code.as_u16(), 400, "{sent}");
            assert_eq!(error.error_code.as_deref(), Some("UnsupportedApiVersion"));
            assert!(
                error.external_message.contains("supports 1.0.0, 2.0.0"),
                "{}",
                error.external_message
            );
            assert!(error.external_message.contains(&format!("{sent:?}")));
        }
    }
}
