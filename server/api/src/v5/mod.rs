//! The types of API 5.0.0 (and of the versions before it, where they share them) that
//! 6.0.0 changed: the operations those versions serve answer these, so that their released
//! documents never change.
//!
//! * [`ApiError`]: `error_code` without the codes that 6.0.0 added.
//! * [`Component`] and [`ComponentUpdate`]: without `group`. A component's group is kept
//!   when an older client updates it.
//! * [`BoardEvent`]: the live board's messages of 4.0.0 and 5.0.0.
//!
//! Each converts from its 6.0.0 counterpart, dropping what the older version lacks.

mod board;
mod live;

pub use board::{Component, ComponentUpdate};
pub use live::BoardEvent;

/// The major version these types describe.
pub const MAJOR: u64 = 5;

/// An error answer as 5.0.0 describes it.
pub type ApiError = crate::EarlierError<MAJOR>;

/// A component's answer as 5.0.0 shows it.
pub fn component(
    answer: dropshot::HttpResponseOk<crate::Component>,
) -> dropshot::HttpResponseOk<Component> {
    dropshot::HttpResponseOk(answer.0.into())
}

/// A page of components as 5.0.0 shows it.
pub fn components(
    answer: dropshot::HttpResponseOk<dropshot::ResultsPage<crate::Component>>,
) -> dropshot::HttpResponseOk<dropshot::ResultsPage<Component>> {
    let page = answer.0;
    dropshot::HttpResponseOk(dropshot::ResultsPage {
        next_page: page.next_page,
        items: page.items.into_iter().map(Component::from).collect(),
    })
}
