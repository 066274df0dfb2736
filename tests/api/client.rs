//! The API as a client generator sees it: a Python client generated from
//! `/api/v1/openapi.json` by openapi-python-client (PyPI) runs a documenter's first day
//! (tests/client/scenario.py). Without the generator the test passes with a note, unless
//! `CUSTODIA_REQUIRE_TOOLS` is set (as `.ci/run` does, which installs it).

use std::process::Command;

use custodia::domain::Role;
use serde_json::Value;

use crate::helpers::*;

const GENERATOR: &str = "openapi-python-client";

fn generator_installed() -> bool {
    let found = Command::new(GENERATOR).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CUSTODIA_REQUIRE_TOOLS").is_none(),
            "{GENERATOR} is required (CUSTODIA_REQUIRE_TOOLS)"
        );
        eprintln!(
            "note: {GENERATOR} not installed; the generated-client test is skipped (.ci/run installs it)"
        );
    }
    found
}

#[tokio::test]
async fn a_client_generated_from_the_document_logs_in_pages_records_seals_and_searches() {
    if !generator_installed() {
        return;
    }
    let app = spawn_app().await;
    app.add_user("client.documenter", Role::Documenter).await;
    let doc: Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (spec, config) = (dir.path().join("openapi.json"), dir.path().join("generator.yaml"));
    std::fs::write(&spec, serde_json::to_vec(&doc).unwrap()).unwrap();
    // No formatter run over the output: it is not needed to import the client.
    std::fs::write(&config, "post_hooks: []\n").unwrap();
    let package = dir.path().join("custodia_client");
    let out = Command::new(GENERATOR)
        .args(["generate", "--meta", "none", "--path"])
        .arg(&spec)
        .arg("--output-path")
        .arg(&package)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    let said = |o: &std::process::Output| {
        format!("{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    };
    assert!(out.status.success(), "generation failed: {}", said(&out));
    // The generator warns (and leaves an operation out) when the document is ambiguous.
    let text = said(&out);
    assert!(!text.contains("Warning"), "the generator found problems in the document: {text}");

    let scenario = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client/scenario.py");
    let app_url = app.address.clone();
    let run = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(scenario)
            .env("PYTHONPATH", dir.path())
            .env("CUSTODIA_URL", app_url)
            .env("CUSTODIA_USER", "client.documenter")
            .env("CUSTODIA_PASSWORD", PASSWORD)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(run.status.success(), "the generated client's scenario failed: {}", said(&run));
}
