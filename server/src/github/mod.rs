//! The GitHub integration that `GITHUB_TOKEN` promises: a component's status follows a
//! repository's deployments to an environment, or a workflow's runs on a branch.
//!
//! * [`bindings`]: components bound to GitHub, in PostgreSQL.
//! * [`client`]: GitHub's REST API, the few conditional requests the poller makes.
//! * [`poller`]: polling, one replica at a time, within GitHub's rate limits.
//! * [`webhook`]: GitHub's webhook deliveries, verified, handled once.
//! * [`source`]: what a binding follows, and the rules of a binding request.
//! * [`observe`]: what either saw, applied to the component: one report per state.

pub mod bindings;
pub mod client;
pub mod observe;
pub mod poller;
pub mod source;
pub mod webhook;
