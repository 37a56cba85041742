//! The live board (`GET /api/v1/events`): every change to the board pushed to WebSocket
//! subscribers as it is committed, on whichever server it was made.
//!
//! * [`hub`]: one per server. It `LISTEN`s on a PostgreSQL connection of its own for the
//!   change ids that the change log ([`crate::changes`]) announces on commit, reads the new
//!   changes from the log in id order (so a lost connection, once back, is caught up by id),
//!   serialises each once, and hands it to every subscriber through a bounded broadcast ring.
//! * [`backlog`]: what a new subscriber is sent first, by API version: the `board` and the
//!   window's reports, or the changes after `after` (3.0.0: the reports only).
//! * [`subscriber`]: one per WebSocket. It sends the backlog, `caught_up`, then the live
//!   changes, each once and in id order; pings idle peers; closes with `1008` a peer that
//!   falls further behind than the ring holds, and with `1001` when the server stops.
//!
//! A new kind of change needs nothing here: its kind and data become its message.

pub mod backlog;
pub mod hub;
pub mod subscriber;

pub use hub::Hub;
