//! Every make target works as the first command in a fresh clone: each
//! script installs what it uses itself (`need GROUP...`, scripts/setup.sh),
//! so no target depends on another having run first. This reads the scripts
//! and the Makefile and fails when one uses a tool without naming its group.

use std::path::Path;

use api_tests::dynamodb::workspace_root;

/// The commands that use a tool of a group of setup.sh (a path: anywhere in
/// the command's first word).
const USES: &[(&str, &str)] = &[
    ("cargo lambda", "lambda"),
    ("cargo lambda build", "arm64"),
    ("cargo lambda build", "zig"),
    ("dynalite", "node"),
    ("cognito-local", "node"),
    ("moto_server", "moto"),
    ("venv-moto/bin/python", "moto"),
    ("st", "contract"),
    ("sam validate", "sam"),
    ("sam build", "sam"),
    ("sam build", "arm64"),
    ("sam build", "zig"),
    ("sam package", "sam"),
    ("sam deploy", "sam"),
    ("cfn-lint", "sam"),
    ("checkov", "checks"),
    ("detect-secrets", "checks"),
    ("check-jsonschema", "checks"),
    ("cargo deny", "deny"),
    ("cargo llvm-cov", "cov"),
    ("cargo llvm-cov report", "llvm"),
    ("cargo clippy", "clippy"),
    ("cargo fmt", "rustfmt"),
    // The browser tests run wherever the whole suite does.
    ("cargo test --workspace", "browser"),
];

/// Each simple command of `code`, as its words from the command's name on:
/// split at `|`, `&&`, `;`, `(` and `$(`, without leading assignments
/// (`VAR=value cmd`) and keywords (`then cmd`, `exec cmd`). What is in
/// single quotes is text (a pattern, a trap's body), not a command here.
fn commands(code: &str) -> Vec<String> {
    let is_assignment = |w: &str| {
        w.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let mut out = Vec::new();
    for line in code.lines() {
        let mut line: String = line.split('\'').step_by(2).collect::<Vec<_>>().join(" ");
        for separator in ["$(", "&&", "||", "|", ";", "(", "`"] {
            line = line.replace(separator, "\n");
        }
        for segment in line.lines() {
            let words: Vec<&str> = segment
                .split_whitespace()
                .skip_while(|w| {
                    is_assignment(w)
                        || ["then", "do", "else", "if", "!", "exec", "time"].contains(w)
                })
                .collect();
            if !words.is_empty() {
                out.push(words.join(" "));
            }
        }
    }
    out
}

fn uses(command: &str, tool: &str) -> bool {
    if tool.contains('/') {
        command.split(' ').next().is_some_and(|w| w.contains(tool))
    } else {
        command == tool || command.starts_with(&format!("{tool} "))
    }
}

/// The commands of a script: without comments (a `#` at the start of a line
/// or after a space begins one; `${x#y}` and `$#` do not) and without the
/// lines that only say something (`log`, `echo`, test.sh's `phase` names).
fn code(text: &str) -> String {
    text.lines()
        .filter(|line| {
            let line = line.trim_start();
            !["log ", "echo ", "phase "]
                .iter()
                .any(|p| line.starts_with(p))
        })
        .map(|line| {
            let mut end = line.len();
            for (i, _) in line.match_indices('#') {
                if i == 0 || line[..i].ends_with([' ', '\t']) {
                    end = i;
                    break;
                }
            }
            &line[..end]
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The groups a script asks setup.sh for: `need a b`, `scripts/setup.sh a b`
/// (and local-api.sh's `need_while_building a b`).
fn needs(code: &str) -> Vec<String> {
    let mut groups = Vec::new();
    for line in code.lines() {
        for marker in ["need ", "need_while_building ", "scripts/setup.sh "] {
            for (i, _) in line.match_indices(marker) {
                let starts_word = i == 0 || !line[..i].ends_with(|c: char| c.is_alphanumeric());
                if !starts_word || line[..i].ends_with("\"$ROOT/") {
                    continue;
                }
                let rest = &line[i + marker.len()..];
                groups.extend(
                    rest.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
                        .take_while(|w| !w.is_empty())
                        .map(str::to_owned),
                );
            }
        }
    }
    groups
}

/// What `file` uses without asking for it.
fn missing(file: &Path) -> Vec<String> {
    let code = code(&std::fs::read_to_string(file).unwrap());
    let needs = needs(&code);
    let everything = needs.iter().any(|g| g == "test");
    let commands = commands(&code);
    USES.iter()
        .filter(|(tool, group)| {
            commands.iter().any(|c| uses(c, tool))
                && !everything
                && !needs.iter().any(|g| g == group)
        })
        .map(|(text, group)| {
            format!(
                "{} runs `{text}` but does not `need {group}`",
                file.display()
            )
        })
        .collect()
}

#[test]
fn every_script_and_make_target_installs_what_it_uses() {
    let root = workspace_root();
    let mut files = vec![root.join("Makefile")];
    for entry in std::fs::read_dir(root.join("scripts")).unwrap() {
        let path = entry.unwrap().path();
        // setup.sh is the installer itself.
        if path.extension().is_some_and(|e| e == "sh") && !path.ends_with("setup.sh") {
            files.push(path);
        }
    }
    let problems: Vec<String> = files.iter().flat_map(|f| missing(f)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_sees_a_tool_used_without_its_group() {
    let dir = std::env::temp_dir().join(format!("birthdays-scripts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("load.sh");
    // As scripts/local-api.sh was when `make load` failed in a fresh clone.
    std::fs::write(
        &script,
        "need lambda node # moto_server is in a comment only\nmoto_server -p 1 &\ncargo lambda watch\n",
    )
    .unwrap();
    assert_eq!(
        missing(&script),
        [format!(
            "{} runs `moto_server` but does not `need moto`",
            script.display()
        )]
    );
    std::fs::write(
        &script,
        "need lambda node moto\nmoto_server -p 1 &\ncargo lambda watch\n",
    )
    .unwrap();
    assert!(missing(&script).is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The packages and features of the workspace's build, with or without the
/// dev-dependencies: `cargo tree`, offline.
fn resolved(edges: &str) -> std::collections::BTreeMap<String, String> {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["tree", "--workspace", "--offline", "--prefix", "none"])
        .args(["-e", edges, "-f", "{p}|{f}"])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.trim_end_matches(" (*)").split_once('|'))
        .filter(|(package, _)| !package.contains(" (/"))
        .map(|(package, features)| (package.to_owned(), features.to_owned()))
        .collect()
}

#[test]
fn the_tests_and_the_local_apis_binaries_share_every_dependency() {
    // `cargo test` builds with the dev-dependencies, the local API's
    // `cargo build --bins` without: a registry crate with other features in
    // one of them is compiled twice, with everything above it (the AWS SDK).
    let plain = resolved("normal,build");
    let with_dev = resolved("normal,build,dev");
    let differing: Vec<String> = plain
        .iter()
        .filter_map(|(package, features)| {
            let other = with_dev.get(package)?;
            (other != features)
                .then(|| format!("{package}: [{features}] and, with dev-dependencies, [{other}]"))
        })
        .collect();
    assert!(
        differing.is_empty(),
        "ask for these features in tests/Cargo.toml:\n{}",
        differing.join("\n")
    );
}

#[test]
fn the_license_file_is_the_license_the_crates_declare() {
    let root = workspace_root();
    let license = std::fs::read_to_string(root.join("LICENSE")).expect("a LICENSE file");
    assert!(
        license.starts_with("MIT License\n"),
        "LICENSE is not the MIT license"
    );
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("\nlicense = \"MIT\"\n"),
        "the workspace's crates no longer say license = \"MIT\": change LICENSE with it"
    );
}
