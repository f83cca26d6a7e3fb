//! Thin, checked wrappers over the system calls the library makes.
