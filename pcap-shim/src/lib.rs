//! libpcap.so.0.8: libpcap 1.10.3's C API on top of libpfring.
