//! Wildcard and hash filtering rules with the 3.7.5 semantics.
#![forbid(unsafe_code)]
