//! libpcap.so.0.8: libpcap 1.10.3's C API on top of libpfring.
//!
//! Layout: `savefile` (reader), `handle` (the pcap_t and its rules),
//! `dlt` (datalink tables), `linktype` (device ARPHRD types to DLTs), `names` (namedb helpers), `types` (C layouts);
//! `ffi` holds every export and is the only module with `unsafe`.
#![deny(unsafe_code)]

pub mod dlt;
pub mod handle;
pub mod linktype;
pub mod live;
pub mod names;
pub mod savefile;
pub mod types;

#[allow(unsafe_code)]
mod ffi;
