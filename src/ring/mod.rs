//! The ring handle and its backends.
