//! Jogette: a self-hosted forum engine for peer-support communities of beginner runners.
//!
//! A request flows `web` → `domain` → `store`; see `docs/ARCHITECTURE.md`.

pub mod domain;
pub mod store;
