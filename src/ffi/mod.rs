//! The C ABI: `pfring.h`'s functions, types and constants.

pub mod types;
