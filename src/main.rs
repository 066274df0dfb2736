//! The `custodia` binary: everything lives in the library; this only reports failure.

fn main() -> std::process::ExitCode {
    match custodia::cli::run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("custodia: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
