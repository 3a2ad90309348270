//! Model files.
pub mod tfjs;
