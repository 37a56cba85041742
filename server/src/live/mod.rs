//! The live board (`GET /api/v1/events`): status reports pushed to WebSocket subscribers
//! as they are committed, on whichever server they were recorded.
//!
//! * [`hub`]: one per server. It `LISTEN`s on a PostgreSQL connection of its own for the
//!   ids that `board::reports::record` announces on commit, reads the new reports from the
//!   table in id order (so a lost connection, once back, is caught up by id), and hands
//!   each to every subscriber through a bounded broadcast ring.
//! * [`subscriber`]: one per WebSocket. It sends the backlog (the last `WS_INITIAL_HOURS`
//!   hours, or everything after `after`) from the table, `caught_up`, then the live
//!   reports, each once and in id order; pings idle peers; closes with `1008` a peer that
//!   falls further behind than the ring holds, and with `1001` when the server stops.

pub mod hub;
pub mod subscriber;

pub use hub::Hub;
