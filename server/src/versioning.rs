//! Which API version answers a request: the one its `api-version` header names.
//!
//! * `api-version: 1.0.0` (any supported version): served by that version's endpoints.
//! * no header, but an `api-version=1.0.0` query parameter: the same. For browsers'
//!   WebSockets, which cannot send headers; the header wins when both are there.
//! * neither (browsers, `curl`, load-balancer probes): served as the latest version.
//! * any other value: `400`, naming the versions this server supports.

use dropshot::{Body, DynamicVersionPolicy, HttpError, VersionPolicy};
use http::{HeaderName, Request};
use semver::Version;
use slog::Logger;
use statusboard_api::{ErrorCode, echo, http_error};

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
        match header {
            Some(value) => self.named(&String::from_utf8_lossy(value.as_bytes())),
            None => Ok(self.latest().clone()),
        }
    }

    /// The version for a request: its header's, else its query parameter's, else the
    /// latest.
    pub fn for_request<B>(&self, request: &Request<B>) -> Result<Version, HttpError> {
        self.for_parts(request.headers(), request.uri())
    }

    /// The version for a request with these `headers` and `uri`, as [`Self::for_request`]
    /// reads it (for a handler, which sees the request's parts).
    pub fn for_parts(
        &self,
        headers: &http::HeaderMap,
        uri: &http::Uri,
    ) -> Result<Version, HttpError> {
        if let Some(header) = headers.get(VERSION_HEADER) {
            return self.select(Some(header));
        }
        let query = uri.query().unwrap_or_default();
        let parameter = url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == VERSION_HEADER.as_str());
        match parameter {
            Some((_, value)) => self.named(&value),
            None => Ok(self.latest().clone()),
        }
    }

    /// The version named `text`, if this server supports it.
    fn named(&self, text: &str) -> Result<Version, HttpError> {
        match Version::parse(text.trim()) {
            Ok(version) if self.versions.contains(&version) => Ok(version),
            _ => Err(http_error(
                ErrorCode::UnsupportedApiVersion,
                format!(
                    "unsupported {VERSION_HEADER} {}: this server supports {} (send one of \
                     them, or no {VERSION_HEADER} for the latest)",
                    echo(text),
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
        self.for_request(request)
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

    fn request(uri: &str, header: Option<&'static str>) -> Request<()> {
        let mut request = Request::get(uri);
        if let Some(value) = header {
            request = request.header(VERSION_HEADER, value);
        }
        request.body(()).unwrap()
    }

    #[test]
    fn a_query_parameter_names_the_version_when_no_header_does() {
        let served = |uri, header| policy().for_request(&request(uri, header));
        let v1 = Version::new(1, 0, 0);
        assert_eq!(
            served("/api/v1/events?api-version=1.0.0", None).unwrap(),
            v1
        );
        assert_eq!(
            served("/api/v1/events?after=3&api-version=1.0.0", None).unwrap(),
            v1
        );
        assert_eq!(
            served("/api/v1/events?api-version=2.0.0", Some("1.0.0")).unwrap(),
            v1,
            "the header wins"
        );
        assert_eq!(
            served("/api/v1/events?after=3", None).unwrap(),
            Version::new(2, 0, 0)
        );
        let error = served("/api/v1/events?api-version=9.0.0", None).unwrap_err();
        assert_eq!(error.error_code.as_deref(), Some("UnsupportedApiVersion"));
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
