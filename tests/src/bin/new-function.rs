//! `make function NAME=<snake_case> ROUTE="<METHOD> <path>" [AUTH=owner|admin|public]`
//! (see `api_tests::scaffold`; arguments NAME ROUTE [AUTH]), and `make
//! regenerate` (`--regenerate`: what follows from the function table and
//! openapi.yaml, see `api_tests::generated`).

use api_tests::dynamodb::workspace_root;
use api_tests::templates::readme_with_diagram;
use api_tests::{generated, scaffold};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    if args.first().map(String::as_str) == Some("--regenerate") {
        regenerate(&root);
        return;
    }
    let [name, route, auth @ ..] = args.as_slice() else {
        eprintln!(
            "usage: make function NAME=<snake_case> ROUTE=\"<METHOD> <path>\" [AUTH=owner|admin|public]"
        );
        std::process::exit(2);
    };
    let auth = auth.first().map_or("", String::as_str);
    let new = match scaffold::NewFunction::parse(&root, name, route, auth)
        .and_then(|new| Ok((scaffold::plan(&root, &new)?, new)))
    {
        Ok(planned) => planned,
        Err(refusal) => {
            eprintln!("error: {refusal}. Nothing was changed.");
            std::process::exit(1);
        }
    };
    let (writes, new) = new;
    scaffold::write(&root, &writes).expect("the workspace is writable");
    for w in &writes {
        println!("  wrote {}", w.path.display());
    }
    // The code is written plainly and laid out by rustfmt, as `cargo fmt` would.
    let sources: Vec<_> = writes
        .iter()
        .filter(|w| w.path.extension().is_some_and(|e| e == "rs"))
        .map(|w| root.join(&w.path))
        .collect();
    let formatted = std::process::Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args(&sources)
        .status();
    if !formatted.is_ok_and(|s| s.success()) {
        eprintln!("warning: rustfmt did not format the new crate: run `make fmt`");
    }
    regenerate(&root);
    // The new member (and the tests crate's new dev-dependency) change
    // Cargo.lock, written now: what runs with --locked (make test's fetch)
    // then finds the lock file current.
    let locked = std::process::Command::new(std::env::var_os("CARGO").unwrap_or("cargo".into()))
        .args(["update", "--workspace", "--offline", "--quiet"])
        .current_dir(&root)
        .status();
    if !locked.is_ok_and(|s| s.success()) {
        eprintln!("warning: Cargo.lock was not updated: run `cargo update --workspace`");
    }
    println!(
        "\n{} {} is served by functions/{} (a placeholder answering 200). Next: write its \
         handler and tests, describe it in openapi.yaml and the README, then `make test`; \
         `make dev` serves it.",
        new.method, new.path, new.name
    );
}

/// Rewrites the generated parts that are stale, and the README's diagram.
fn regenerate(root: &std::path::Path) {
    for path in generated::write_regenerated() {
        println!("  regenerated {path}");
    }
    let readme = root.join("README.md");
    let text = std::fs::read_to_string(&readme).expect("README.md");
    let with_diagram = readme_with_diagram(&text);
    if with_diagram != text {
        std::fs::write(&readme, with_diagram).expect("README.md is writable");
        println!("  regenerated the README's diagram");
    }
}
