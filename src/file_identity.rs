//! Whether two paths name the same file: for refusing to write an export over the session it
//! reads, and to merge a session into itself, however either path is spelled (a relative path,
//! a symbolic or a hard link).

use std::path::{Path, PathBuf};

/// Where a path leads: the canonical path of the file, or for a file not created yet the
/// canonical folder joined with its name.
pub fn canonical_target(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = std::fs::canonicalize(p) {
        return Some(c);
    }
    let name = p.file_name()?;
    let parent = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::canonicalize(parent).ok().map(|d| d.join(name))
}

/// Whether `a` and `b` are the same file: the same inode when both exist (so a hard link counts),
/// else the same canonical target.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
    }
    canonical_target(a).is_some_and(|ca| canonical_target(b) == Some(ca))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_spellings_of_one_file_are_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.db");
        std::fs::write(&a, "x").unwrap();
        let hard = dir.path().join("hard.db");
        std::fs::hard_link(&a, &hard).unwrap();
        let soft = dir.path().join("soft.db");
        std::os::unix::fs::symlink(&a, &soft).unwrap();
        let dotted = dir.path().join(".").join("a.db");
        for p in [&hard, &soft, &dotted] {
            assert!(same_file(&a, p), "{}", p.display());
        }
        let other = dir.path().join("b.db");
        std::fs::write(&other, "x").unwrap();
        assert!(!same_file(&a, &other));
        // Not created yet: the same name in the same folder.
        let new = dir.path().join("new.csv");
        assert!(same_file(&new, &dir.path().join(".").join("new.csv")));
        assert!(!same_file(&new, &a));
    }
}
