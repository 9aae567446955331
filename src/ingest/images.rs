//! Where an item's image is, and whether it is there.
//!
//! - A local path is resolved against the input file's folder (or kept when absolute) and stored
//!   as an absolute path, normalised lexically (`.` and `..` removed; symbolic links are not
//!   followed, which would cost a system call per path component).
//! - An `http(s)://` URL is never fetched: with `--images-dir DIR` it becomes the file under DIR
//!   whose path ends like the URL's path, the longest such ending winning (so
//!   `…/images/casa/x.jpg` finds `DIR/casa/x.jpg` before `DIR/safeworld/x.jpg`, and `DIR/x.jpg`
//!   when it is the only `x.jpg`); two files that match equally are an error naming both; with no
//!   match the URL is kept.
//!
//! Existence is checked cheaply: each folder is listed once and its regular files remembered,
//! and the images folder is walked once, so that 100,000 items cost a few directory reads, not
//! 100,000 `stat` calls. Decoding the image
//! is the display's job; a missing image only ever gives a warning.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// What became of one image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A local file that exists (absolute path).
    Found(String),
    /// A local path with no regular file behind it (absolute path, kept so that the user can
    /// put the file there later).
    Missing(String),
    /// A URL that `--images-dir` did not resolve: kept as given, never fetched.
    Url(String),
    /// A URL whose path ends like several files under `--images-dir`, equally well (the
    /// candidates, absolute): an error.
    Ambiguous { url: String, candidates: Vec<String> },
}

impl Resolved {
    pub fn stored(&self) -> &str {
        match self {
            Resolved::Found(s) | Resolved::Missing(s) | Resolved::Url(s) => s,
            Resolved::Ambiguous { url, .. } => url,
        }
    }
    pub fn into_stored(self) -> String {
        match self {
            Resolved::Found(s) | Resolved::Missing(s) | Resolved::Url(s) => s,
            Resolved::Ambiguous { url, .. } => url,
        }
    }
}

pub struct ImageResolver {
    images_dir: Option<PathBuf>,
    /// The regular files under `images_dir` by file name, each as its path's components below
    /// the folder (walked at the first URL).
    tree: Option<HashMap<OsString, Vec<Vec<OsString>>>>,
    /// folder -> the names of the regular files in it (`None`: the folder cannot be read).
    listings: HashMap<PathBuf, Option<HashSet<OsString>>>,
    /// Answers for the current base folder: items often share images (every model's results
    /// file names the same ones), and a lookup is cheaper than joining and normalising a path.
    cache_base: PathBuf,
    cache: HashMap<String, Resolved>,
}

pub fn is_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The file name at the end of a URL's path, percent-decoded, without query or fragment.
pub fn url_file_name(url: &str) -> Option<String> {
    let mut parts = url_path_parts(url);
    let last = parts.pop()?;
    (!last.is_empty() && last != "." && last != "..").then_some(last)
}

/// The components of a URL's path after the host, percent-decoded, without query or fragment.
pub fn url_path_parts(url: &str) -> Vec<String> {
    let without_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let path = without_scheme.split(['?', '#']).next().unwrap_or("");
    // The part after the host.
    let Some((_, path)) = path.split_once('/') else { return Vec::new() };
    let mut parts: Vec<String> = path.split('/').map(percent_decode).collect();
    // `…/x.png` keeps its last part even when empty (then there is no file name).
    let last = parts.pop();
    parts.retain(|p| !p.is_empty() && p != ".");
    parts.extend(last);
    parts
}

/// Every regular file under `dir` (symbolic links to files count; linked folders are not
/// entered, which could loop), by file name, with its path's components below `dir`.
fn walk(dir: &Path) -> HashMap<OsString, Vec<Vec<OsString>>> {
    let mut by_name: HashMap<OsString, Vec<Vec<OsString>>> = HashMap::new();
    let mut stack = vec![Vec::<OsString>::new()];
    while let Some(rel) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(rel.iter().fold(dir.to_path_buf(), |p, c| p.join(c))) else {
            continue;
        };
        for entry in rd.flatten() {
            let Ok(ft) = entry.file_type() else { continue };
            let mut path = rel.clone();
            path.push(entry.file_name());
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file()
                || (ft.is_symlink() && std::fs::metadata(entry.path()).map(|m| m.is_file()).unwrap_or(false))
            {
                by_name.entry(entry.file_name()).or_default().push(path);
            }
        }
    }
    // Listing order differs between file systems; candidates are named in a stable order.
    for paths in by_name.values_mut() {
        paths.sort();
    }
    by_name
}

/// How many trailing components two paths share.
fn common_suffix(a: &[OsString], b: &[String]) -> usize {
    a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x.to_str() == Some(y.as_str())).count()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex =
                std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `base.join(p)` with `.` and `..` removed lexically.
pub fn absolute_lexical(base: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() { p.to_path_buf() } else { base.join(p) };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                // Never climb above the root (`/..` is `/`, as the operating system has it).
                if !matches!(
                    out.components().next_back(),
                    Some(Component::RootDir | Component::Prefix(_)) | None
                ) {
                    out.pop();
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The absolute form of a folder the user named, canonical when it exists (done once per input
/// file, so the cost does not matter).
pub fn absolute_dir(dir: &Path) -> PathBuf {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    std::fs::canonicalize(dir).unwrap_or_else(|_| {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        absolute_lexical(&cwd, dir)
    })
}

impl ImageResolver {
    pub fn new(images_dir: Option<&Path>) -> ImageResolver {
        ImageResolver {
            images_dir: images_dir.map(absolute_dir),
            tree: None,
            listings: HashMap::new(),
            cache_base: PathBuf::new(),
            cache: HashMap::new(),
        }
    }

    fn is_regular_file(&mut self, path: &Path) -> bool {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return false };
        let listing = self.listings.entry(dir.to_path_buf()).or_insert_with(|| {
            let rd = std::fs::read_dir(dir).ok()?;
            let mut names = HashSet::new();
            for entry in rd.flatten() {
                let Ok(ft) = entry.file_type() else { continue };
                // A symbolic link counts when what it points to is a regular file.
                let regular = ft.is_file()
                    || (ft.is_symlink()
                        && std::fs::metadata(entry.path()).map(|m| m.is_file()).unwrap_or(false));
                if regular {
                    names.insert(entry.file_name());
                }
            }
            Some(names)
        });
        listing.as_ref().is_some_and(|names| names.contains(name))
    }

    /// Resolves `raw` (as written in the input) relative to `base_dir` (the input file's folder,
    /// absolute).
    pub fn resolve(&mut self, raw: &str, base_dir: &Path) -> Resolved {
        if self.cache_base != base_dir {
            self.cache.clear();
            self.cache_base = base_dir.to_path_buf();
        }
        if let Some(r) = self.cache.get(raw) {
            return r.clone();
        }
        let r = self.resolve_uncached(raw, base_dir);
        self.cache.insert(raw.to_string(), r.clone());
        r
    }

    fn resolve_uncached(&mut self, raw: &str, base_dir: &Path) -> Resolved {
        if is_url(raw) {
            return self.resolve_url(raw);
        }
        let path = absolute_lexical(base_dir, Path::new(raw));
        let shown = path.to_string_lossy().into_owned();
        if self.is_regular_file(&path) { Resolved::Found(shown) } else { Resolved::Missing(shown) }
    }
}

impl ImageResolver {
    /// A URL: the file under `--images-dir` whose path ends like the URL's, the longest ending
    /// winning.
    fn resolve_url(&mut self, url: &str) -> Resolved {
        let kept = || Resolved::Url(url.to_string());
        let Some(dir) = self.images_dir.clone() else { return kept() };
        let parts = url_path_parts(url);
        let Some(name) = parts.last().filter(|n| !n.is_empty() && *n != "..") else { return kept() };
        let tree = self.tree.get_or_insert_with(|| walk(&dir));
        let Some(candidates) = tree.get(std::ffi::OsStr::new(name)) else { return kept() };
        let best = candidates.iter().map(|c| common_suffix(c, &parts)).max().unwrap_or(0);
        let absolute = |c: &Vec<OsString>| {
            c.iter().fold(dir.clone(), |p, part| p.join(part)).to_string_lossy().into_owned()
        };
        let mut winners = candidates.iter().filter(|c| common_suffix(c, &parts) == best);
        match (winners.next(), winners.next()) {
            (Some(one), None) => Resolved::Found(absolute(one)),
            _ => Resolved::Ambiguous {
                url: url.to_string(),
                candidates: candidates
                    .iter()
                    .filter(|c| common_suffix(c, &parts) == best)
                    .map(absolute)
                    .collect(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_file_names() {
        assert_eq!(
            url_file_name("https://x.org/data/images/casa/a%20b.jpg?raw=1#top").as_deref(),
            Some("a b.jpg")
        );
        assert_eq!(url_file_name("http://host/x.png").as_deref(), Some("x.png"));
        assert_eq!(url_file_name("https://host/").as_deref(), None);
        assert_eq!(url_file_name("https://host").as_deref(), None);
        assert_eq!(url_file_name("https://h/%zz%4").as_deref(), Some("%zz%4"));
        assert!(is_url("HTTPS://x/y.png"));
        assert!(!is_url("images/http.png"));
    }

    #[test]
    fn lexical_paths() {
        assert_eq!(
            absolute_lexical(Path::new("/a/b"), Path::new("../c/./d.png")),
            PathBuf::from("/a/c/d.png")
        );
        assert_eq!(absolute_lexical(Path::new("/a"), Path::new("/x/../y.png")), PathBuf::from("/y.png"));
        assert_eq!(absolute_lexical(Path::new("/"), Path::new("../../z")), PathBuf::from("/z"));
    }

    #[test]
    fn resolves_local_files_and_urls() {
        let dir = tempfile::tempdir().unwrap();
        let base = absolute_dir(dir.path());
        std::fs::create_dir(base.join("images")).unwrap();
        std::fs::write(base.join("images/a.png"), b"png").unwrap();
        std::fs::create_dir(base.join("images/sub.png")).unwrap();
        let mut r = ImageResolver::new(Some(&base.join("images")));
        assert_eq!(
            r.resolve("images/a.png", &base),
            Resolved::Found(base.join("images/a.png").display().to_string())
        );
        assert_eq!(
            r.resolve("./images/../images/a.png", &base).stored(),
            base.join("images/a.png").to_str().unwrap()
        );
        // A folder is not an image.
        assert!(matches!(r.resolve("images/sub.png", &base), Resolved::Missing(_)));
        assert!(matches!(r.resolve("nope.png", &base), Resolved::Missing(_)));
        assert!(matches!(r.resolve("missing_dir/x.png", &base), Resolved::Missing(_)));
        assert_eq!(
            r.resolve("https://example.org/images/casa/a.png", &base),
            Resolved::Found(base.join("images/a.png").display().to_string())
        );
        assert_eq!(
            r.resolve("https://example.org/images/casa/b.png", &base),
            Resolved::Url("https://example.org/images/casa/b.png".into())
        );
        // Answers are cached per base folder, and a new base folder gets its own answers.
        assert!(matches!(r.resolve("images/a.png", &base), Resolved::Found(_)));
        let other = base.join("images");
        assert_eq!(r.resolve("a.png", &other), Resolved::Found(other.join("a.png").display().to_string()));
        assert!(matches!(r.resolve("images/a.png", &other), Resolved::Missing(_)));
        let mut no_dir = ImageResolver::new(None);
        assert!(matches!(no_dir.resolve("https://example.org/a.png", &base), Resolved::Url(_)));
    }

    #[test]
    fn urls_resolve_by_the_longest_matching_path_suffix() {
        let dir = tempfile::tempdir().unwrap();
        let base = absolute_dir(dir.path());
        for f in
            ["images/casa/fan.jpg", "images/safeworld/fan.jpg", "images/casa/bowl.png", "images/only.png"]
        {
            std::fs::create_dir_all(base.join(f).parent().unwrap()).unwrap();
            std::fs::write(base.join(f), b"x").unwrap();
        }
        let shown = |p: &str| base.join(p).display().to_string();
        // Pointed at the release's images folder, or at the folder above it.
        for images_dir in [base.join("images"), base.clone()] {
            let mut r = ImageResolver::new(Some(&images_dir));
            assert_eq!(
                r.resolve("https://example.org/raw/main/images/casa/fan.jpg", &base),
                Resolved::Found(shown("images/casa/fan.jpg"))
            );
            assert_eq!(
                r.resolve("https://example.org/raw/main/images/safeworld/fan.jpg?raw=1", &base),
                Resolved::Found(shown("images/safeworld/fan.jpg"))
            );
            // The only file of that name, wherever it is.
            assert_eq!(
                r.resolve("https://example.org/x/y/bowl.png", &base),
                Resolved::Found(shown("images/casa/bowl.png"))
            );
            assert_eq!(
                r.resolve("https://example.org/only.png", &base),
                Resolved::Found(shown("images/only.png"))
            );
            // Two files end like the URL equally well.
            assert_eq!(
                r.resolve("https://example.org/elsewhere/fan.jpg", &base),
                Resolved::Ambiguous {
                    url: "https://example.org/elsewhere/fan.jpg".into(),
                    candidates: vec![shown("images/casa/fan.jpg"), shown("images/safeworld/fan.jpg")],
                }
            );
            assert!(matches!(r.resolve("https://example.org/images/casa/none.jpg", &base), Resolved::Url(_)));
            assert!(matches!(r.resolve("https://example.org/images/casa/", &base), Resolved::Url(_)));
        }
        assert_eq!(
            url_path_parts("https://h//a/./b%20c/d.png#f"),
            ["a", "b c", "d.png"].map(String::from).to_vec()
        );
    }
}
