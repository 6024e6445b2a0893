//! Stage 2: syntax trees → the resolved [`model::Model`]: imports loaded, names bound, patterns
//! expanded, precedence applied.

pub(crate) mod load;
pub mod model;
mod resolve;
pub(crate) mod upstream;

pub use load::{load, load_overlaid, FatalError, Limits, Loaded, Overlay};
pub use resolve::resolve;
pub use upstream::Chain;
