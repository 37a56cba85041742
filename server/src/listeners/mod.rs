//! The server's listeners besides the API itself: [`metrics`] (Prometheus' scrape
//! endpoint). The API's listener is started by [`crate::server`].

pub mod metrics;

/// Why a listener could not start: the operating system's reason (`Address already in
/// use`) when there is one, rather than dropshot's wrapper message.
pub fn bind_failure(error: &dropshot::BuildError) -> String {
    std::error::Error::source(error).map_or_else(|| error.to_string(), ToString::to_string)
}
