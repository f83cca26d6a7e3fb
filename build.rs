// The shared object keeps the 3.x ABI name of the guide: libpfring.so.3.
fn main() {
    println!("cargo:rustc-link-arg-cdylib=-Wl,-soname,libpfring.so.3");
    println!("cargo:rerun-if-changed=build.rs");
}
