//! No build step: this script exists only so that `[build-dependencies]` in Cargo.toml can turn
//! on, for build scripts, the dependency features DataFusion turns on (see the comment there).

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
}
