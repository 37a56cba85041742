//! Receiving webhooks: [`verify`] checks that a delivery came from the server that holds
//! the subscription's secret, recently, and reads the change it carries.
//!
//! Deliveries are signed as the [Standard Webhooks] specification says: `webhook-id` (the
//! same on every attempt at a delivery: drop a second arrival by it), `webhook-timestamp`
//! (Unix seconds) and `webhook-signature`, space-separated `v1,<base64 HMAC-SHA256>` of
//! `<id>.<timestamp>.<body>`, one per secret that signs (two for 24 hours after a
//! rotation). Verify the raw body, before any parsing: a re-serialized body does not
//! match.
//!
//! ```
//! use statusboard_client::webhooks::{self, VerifyError};
//! # fn handle(headers: &http::HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
//! let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"; // from `create_webhook`
//! let change = webhooks::verify(secret, headers, body)?;
//! println!("change {:?}", change.change());
//! # Ok(())
//! # }
//! ```
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::BoardEvent;

/// How far a delivery's `webhook-timestamp` may be from the receiver's clock: older is a
/// replay, newer a wrong clock (the specification suggests five minutes).
pub const TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Why a delivery is not to be trusted, or not read.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The secret is not `whsec_` followed by base64.
    #[error("the secret is not `whsec_` followed by base64")]
    BadSecret,
    /// A header the scheme needs is missing or not text.
    #[error("the `{0}` header is missing")]
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not Unix seconds.
    #[error("`webhook-timestamp` is not a number of seconds")]
    BadTimestamp,
    /// `webhook-timestamp` is further from now than the tolerance (`seconds` off; a
    /// replay when positive, a clock ahead when negative).
    #[error(
        "`webhook-timestamp` is {seconds} s off the receiver's clock, more than the tolerance"
    )]
    TimestampOutsideTolerance {
        /// How far behind now the timestamp is (negative: ahead).
        seconds: i64,
    },
    /// No signature in `webhook-signature` is the secret's for this id, time and body.
    #[error("no signature in `webhook-signature` matches: not signed with this secret")]
    BadSignature,
    /// The body is signed but is not a message of the live board this client knows.
    #[error("the body is not a change this client can read: {0}")]
    BadBody(#[from] serde_json::Error),
}

/// Checks the delivery (`headers`, the raw `body`) with the subscription's `secret`
/// (`whsec_…`) at the receiver's current time within [`TOLERANCE`], and answers the change
/// it carries: the live board's message for it.
pub fn verify(
    secret: &str,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<BoardEvent, VerifyError> {
    verify_signature(secret, headers, body, SystemTime::now(), TOLERANCE)?;
    Ok(serde_json::from_slice(body)?)
}

/// Checks only the signature and the timestamp, as of `now` within `tolerance`; for
/// bodies that are not changes (tests, the specification's examples) and receivers with
/// their own clock.
pub fn verify_signature(
    secret: &str,
    headers: &http::HeaderMap,
    body: &[u8],
    now: SystemTime,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|encoded| STANDARD.decode(encoded).ok())
        .filter(|key| !key.is_empty())
        .ok_or(VerifyError::BadSecret)?;
    let header = |name: &'static str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .ok_or(VerifyError::MissingHeader(name))
    };
    let id = header("webhook-id")?;
    let timestamp = header("webhook-timestamp")?;
    let signatures = header("webhook-signature")?;
    let sent: i64 = timestamp.parse().map_err(|_| VerifyError::BadTimestamp)?;
    let now = match now.duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    };
    let off = now.saturating_sub(sent);
    if off.unsigned_abs() > tolerance.as_secs() {
        return Err(VerifyError::TimestampOutsideTolerance { seconds: off });
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, &key);
    let mut signed = Vec::with_capacity(id.len() + timestamp.len() + body.len() + 2);
    signed.extend_from_slice(format!("{id}.{timestamp}.").as_bytes());
    signed.extend_from_slice(body);
    let matches = signatures
        .split(' ')
        .filter_map(|signature| signature.strip_prefix("v1,"))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        // `hmac::verify` compares in constant time.
        .any(|tag| hmac::verify(&key, &signed, &tag).is_ok());
    if matches {
        Ok(())
    } else {
        Err(VerifyError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks specification's published example.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: u64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn headers(timestamp: u64, signature: &str) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert("webhook-id", ID.parse().unwrap());
        headers.insert("webhook-timestamp", timestamp.to_string().parse().unwrap());
        headers.insert("webhook-signature", signature.parse().unwrap());
        headers
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn the_specifications_example_verifies() {
        let headers = headers(TIMESTAMP, SIGNATURE);
        verify_signature(SECRET, &headers, BODY, at(TIMESTAMP), TOLERANCE).unwrap();
        // Beside a rotated secret's signature too.
        let both = headers_with(&format!("v1,c29tZXRoaW5nIGVsc2U= {SIGNATURE}"));
        verify_signature(SECRET, &both, BODY, at(TIMESTAMP + 60), TOLERANCE).unwrap();
    }

    fn headers_with(signature: &str) -> http::HeaderMap {
        headers(TIMESTAMP, signature)
    }

    #[test]
    fn a_changed_body_another_secret_or_a_stale_time_is_refused() {
        let headers = headers(TIMESTAMP, SIGNATURE);
        let changed = br#"{"test": 2432232315}"#;
        assert!(matches!(
            verify_signature(SECRET, &headers, changed, at(TIMESTAMP), TOLERANCE),
            Err(VerifyError::BadSignature)
        ));
        let other = "whsec_c29tZXRoaW5nIGVsc2UgZW50aXJlbHk=";
        assert!(matches!(
            verify_signature(other, &headers, BODY, at(TIMESTAMP), TOLERANCE),
            Err(VerifyError::BadSignature)
        ));
        assert!(matches!(
            verify_signature(SECRET, &headers, BODY, at(TIMESTAMP + 301), TOLERANCE),
            Err(VerifyError::TimestampOutsideTolerance { seconds: 301 })
        ));
        assert!(matches!(
            verify_signature(SECRET, &headers, BODY, at(TIMESTAMP - 301), TOLERANCE),
            Err(VerifyError::TimestampOutsideTolerance { seconds: -301 })
        ));
        assert!(matches!(
            verify_signature(
                "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                &headers,
                BODY,
                at(TIMESTAMP),
                TOLERANCE
            ),
            Err(VerifyError::BadSecret)
        ));
        let mut missing = headers.clone();
        missing.remove("webhook-id");
        assert!(matches!(
            verify_signature(SECRET, &missing, BODY, at(TIMESTAMP), TOLERANCE),
            Err(VerifyError::MissingHeader("webhook-id"))
        ));
    }

    #[test]
    fn a_signed_body_that_is_not_a_change_is_refused_as_such() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let key = STANDARD
            .decode(SECRET.trim_start_matches("whsec_"))
            .unwrap();
        let key = hmac::Key::new(hmac::HMAC_SHA256, &key);
        let signed = format!("{ID}.{now}.").into_bytes();
        let tag = hmac::sign(&key, &[signed, BODY.to_vec()].concat());
        let signature = format!("v1,{}", STANDARD.encode(tag.as_ref()));
        assert!(matches!(
            verify(SECRET, &headers(now, &signature), BODY),
            Err(VerifyError::BadBody(_))
        ));
    }
}
