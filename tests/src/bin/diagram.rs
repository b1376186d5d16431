//! Prints the architecture diagram generated from the templates (the README
//! embeds it between markers; `make diagram` refreshes it).

fn main() {
    print!("{}", api_tests::templates::diagram());
}
