//! Rebuild when a migration is added, so that `embed_migrations!` sees it.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
