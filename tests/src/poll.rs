//! Waiting for a condition, bounded: the one loop every waiting test and tool uses.

use std::time::{Duration, Instant};

/// Checks `condition` every `every` until it gives a value or `within` has passed;
/// `None` then.
pub fn until<T>(
    within: Duration,
    every: Duration,
    mut condition: impl FnMut() -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = condition() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(every);
    }
}

/// [`until`] for async conditions, sleeping on the runtime instead of the thread.
pub async fn until_async<T, F>(
    within: Duration,
    every: Duration,
    mut condition: impl FnMut() -> F,
) -> Option<T>
where
    F: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = condition().await {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_the_first_value_or_none_after_the_deadline() {
        let mut calls = 0;
        let found = until(Duration::from_secs(1), Duration::from_millis(1), || {
            calls += 1;
            (calls == 3).then_some(calls)
        });
        assert_eq!(found, Some(3));
        let started = Instant::now();
        assert_eq!(
            until(
                Duration::from_millis(30),
                Duration::from_millis(5),
                || None::<()>
            ),
            None
        );
        assert!(started.elapsed() >= Duration::from_millis(30));
    }
}
