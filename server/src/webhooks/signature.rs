//! Signing deliveries as the [Standard Webhooks] specification says: a secret is `whsec_`
//! and the base64 of its bytes; a delivery carries `webhook-id` (stable across retries),
//! `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-separated list of
//! `v1,<base64 of HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`, one per secret that
//! signs (two while a rotated secret's predecessor still does).
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// What every secret starts with.
const PREFIX: &str = "whsec_";

/// How many random bytes a new secret has.
const SECRET_BYTES: usize = 32;

/// A signing secret. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    key: Vec<u8>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// A secret that is not `whsec_` followed by base64.
#[derive(Debug, thiserror::Error)]
#[error("a webhook secret is `whsec_` followed by base64")]
pub struct InvalidSecret;

impl Secret {
    /// A new secret of 32 random bytes.
    pub fn generate() -> Self {
        let mut key = vec![0; SECRET_BYTES];
        // aws-lc-rs's generator fails only when the system's does, which nothing survives.
        aws_lc_rs::rand::fill(&mut key).expect("the system's random number generator works");
        Self { key }
    }

    /// The secret written `whsec_…`.
    pub fn parse(text: &str) -> Result<Self, InvalidSecret> {
        let encoded = text.strip_prefix(PREFIX).ok_or(InvalidSecret)?;
        let key = STANDARD.decode(encoded).map_err(|_| InvalidSecret)?;
        if key.is_empty() {
            return Err(InvalidSecret);
        }
        Ok(Self { key })
    }

    /// The secret as it is shown once and stored: `whsec_` and base64.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.key))
    }

    /// `v1,<signature>` of the message `id`, sent at `timestamp` with `body`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.key);
        let mut context = hmac::Context::with_key(&key);
        context.update(format!("{id}.{timestamp}.").as_bytes());
        context.update(body);
        format!("v1,{}", STANDARD.encode(context.sign().as_ref()))
    }
}

/// The `webhook-signature` header for a message signed by each of `secrets`.
pub fn header(secrets: &[&Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|secret| secret.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specification's published example.
    #[test]
    fn the_specifications_vector_signs_as_published() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = secret.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_are_random_shown_as_whsec_and_never_in_debug() {
        let (a, b) = (Secret::generate(), Secret::generate());
        assert_ne!(a, b);
        let shown = a.expose();
        assert!(shown.starts_with("whsec_"), "{shown}");
        assert_eq!(Secret::parse(&shown).unwrap(), a);
        assert_eq!(format!("{a:?}"), "Secret([redacted])");
        for bad in ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_!!!"] {
            assert!(Secret::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_rotated_secret_signs_beside_its_successor() {
        let (old, new) = (Secret::generate(), Secret::generate());
        let header = header(&[&new, &old], "msg_1", 1, b"{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(
            parts,
            [new.sign("msg_1", 1, b"{}"), old.sign("msg_1", 1, b"{}")]
        );
    }
}
