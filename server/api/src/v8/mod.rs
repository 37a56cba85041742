//! The types of API 8.0.0 that 9.0.0 changed: the operations 7.0.0 and 8.0.0 serve answer
//! these, so that their documents never move.
//!
//! * [`Readiness`]: `database` is only ever `ok` (9.0.0's `ready` answers `200` with
//!   `database: "unavailable"` while it serves the board it last knew; these versions
//!   answer `503` then, as they always did).

pub use crate::system::v8::Readiness;
