//! The days an uptime answer covers: [`Range`], checked when it is made.

use chrono::{Days, NaiveDate};
use statusboard_api::UPTIME_DAYS_MAX;

use crate::board::BoardError;

/// The first day a range may hold.
const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(day) => day,
    None => panic!("0001-01-01 is a date"),
};
/// The last day a range may hold.
const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(day) => day,
    None => panic!("9999-12-31 is a date"),
};

/// [`BoardError::Invalid`] naming `field` unless `day` is from [`FIRST_DAY`] to
/// [`LAST_DAY`] (what every database and client can hold).
fn within_calendar(field: &str, day: NaiveDate) -> Result<(), BoardError> {
    if (FIRST_DAY..=LAST_DAY).contains(&day) {
        Ok(())
    } else {
        Err(BoardError::Invalid(format!(
            "{field}: {day} is not from {FIRST_DAY} to {LAST_DAY}"
        )))
    }
}

/// The days an answer covers, both included: at most [`UPTIME_DAYS_MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    from: NaiveDate,
    to: NaiveDate,
}

impl Range {
    /// From `from` to `to`: [`BoardError::Invalid`] when `to` is before `from` or the range
    /// spans more than [`UPTIME_DAYS_MAX`] days.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, BoardError> {
        within_calendar("from", from)?;
        within_calendar("to", to)?;
        let days = (to - from).num_days() + 1;
        if days < 1 {
            return Err(BoardError::Invalid(format!(
                "from: {from} is after to ({to})"
            )));
        }
        if days > i64::from(UPTIME_DAYS_MAX) {
            return Err(BoardError::Invalid(format!(
                "from, to: {days} days; at most {UPTIME_DAYS_MAX}"
            )));
        }
        Ok(Self { from, to })
    }

    /// The `days` days up to `to`: [`BoardError::Invalid`] (naming `field`) unless `days`
    /// is from 1 to [`UPTIME_DAYS_MAX`].
    pub fn ending(to: NaiveDate, days: u16, field: &str) -> Result<Self, BoardError> {
        within_calendar("to", to)?;
        if !(1..=UPTIME_DAYS_MAX).contains(&days) {
            return Err(BoardError::Invalid(format!(
                "{field}: {days}; from 1 to {UPTIME_DAYS_MAX}"
            )));
        }
        let from = to
            .checked_sub_days(Days::new(u64::from(days) - 1))
            .filter(|from| *from >= FIRST_DAY)
            .ok_or_else(|| BoardError::Invalid(format!("{field}: reaches before {FIRST_DAY}")))?;
        Ok(Self { from, to })
    }

    /// Its first day.
    pub fn from(self) -> NaiveDate {
        self.from
    }

    /// Its last day.
    pub fn to(self) -> NaiveDate {
        self.to
    }
}
