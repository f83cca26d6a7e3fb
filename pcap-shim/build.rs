// The shared object is Debian's libpcap: SONAME libpcap.so.0.8, no symbol
// versions (no version script), so programs linked against Debian's library
// resolve every symbol here unversioned.
fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libpcap.so.0.8");
    // Symbols of the Rust libraries linked in (the pfring crate's pfring_*
    // exports above all) stay inside: the shim exports exactly libpcap's.
    println!("cargo:rustc-cdylib-link-arg=-Wl,--exclude-libs,ALL");
    println!("cargo:rerun-if-changed=build.rs");
}
