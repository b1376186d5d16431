//! Writes the architecture diagram generated from the templates into
//! README.md, between its markers (`make diagram`); `--print` prints it.

use api_tests::dynamodb::workspace_root;
use api_tests::templates::{diagram, readme_with_diagram};

fn main() {
    if std::env::args().any(|a| a == "--print") {
        print!("{}", diagram());
        return;
    }
    let path = workspace_root().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    std::fs::write(&path, readme_with_diagram(&readme)).expect("README.md is writable");
}
