//! The project's own rules, checked: every module says what it owns, no `unwrap` in library code.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_rust_file_starts_with_a_module_doc_line() {
    for dir in ["src", "tests", "benches"] {
        let dir = root().join(dir);
        if !dir.exists() {
            continue;
        }
        for file in rust_files(&dir) {
            let text = std::fs::read_to_string(&file).expect("readable");
            assert!(
                text.starts_with("//! "),
                "{} must start with a `//!` line saying what it owns",
                file.display()
            );
        }
    }
}

#[test]
fn library_code_has_no_unwrap_outside_tests() {
    for file in rust_files(&root().join("src")) {
        let text = std::fs::read_to_string(&file).expect("readable");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            assert!(
                !line.contains(".unwrap()") && !line.contains(".expect("),
                "{}:{}: no unwrap/expect outside tests: {line}",
                file.display(),
                n + 1
            );
        }
    }
}
