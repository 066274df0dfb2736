// `embed_migrations!` includes each migration's files, so editing one rebuilds the crate;
// a new migration folder would not, and the binary would silently lack it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=migrations/sqlite");
    println!("cargo:rerun-if-changed=migrations/postgres");
}
