//! How an exported row refers to an image: a path relative to the output file (the default, so
//! that the export and the images can be moved together), an absolute path, the URL as stored,
//! or (for OpenAI's format) the file itself as a base64 `data:` URL.
//!
//! Paths are handled lexically (`.` and `..` removed, symbolic links not followed): the images
//! need not exist for a path to be computed, and no system call is made per image.

use std::path::{Component, Path, PathBuf};

/// A reference that is not a local path: kept as is.
pub fn is_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("data:")
}

/// `p` made absolute against `base` (itself absolute), with `.` and `..` removed: the same
/// rule as the importer's.
pub use crate::ingest::images::absolute_lexical;

/// The path that leads from the folder `from_dir` to `to` (both absolute and lexically
/// normalised). When they share no root (another drive), `to` itself.
pub fn relative_to(from_dir: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from_dir.components().collect();
    let target: Vec<Component> = to.components().collect();
    if from.first() != target.first() {
        return to.to_path_buf();
    }
    let common = from.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &target[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() { PathBuf::from(".") } else { out }
}

/// Where the image references in an export point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePaths {
    /// Absolute folder that a relative stored image path is relative to (the session's folder).
    pub stored_base: PathBuf,
    /// `Some(folder of the output file)`: write paths relative to it; `None`: absolute paths.
    pub relative_to: Option<PathBuf>,
}

impl ImagePaths {
    /// The local file a stored reference names, or `None` for a URL.
    pub fn local_file(&self, stored: &str) -> Option<PathBuf> {
        (!is_url(stored)).then(|| absolute_lexical(&self.stored_base, Path::new(stored)))
    }

    /// The reference to write for a stored image: URLs unchanged, local files relative to the
    /// output's folder or absolute. Written with `/` whatever the platform, as JSON consumers
    /// expect.
    pub fn reference(&self, stored: &str) -> String {
        let Some(abs) = self.local_file(stored) else { return stored.to_string() };
        let p = match &self.relative_to {
            Some(dir) => relative_to(dir, &abs),
            None => abs,
        };
        let s = p.to_string_lossy();
        if std::path::MAIN_SEPARATOR == '\\' { s.replace('\\', "/") } else { s.into_owned() }
    }
}

/// The media type OpenAI needs in a data URL, from the file's first bytes: what it is, never
/// what its name says (a text file called `.png` is not an image).
pub fn media_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some("image/gif");
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    None
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (RFC 4648, with padding).
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 { B64[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if chunk.len() > 2 { B64[n as usize & 63] as char } else { '=' });
    }
    out
}

/// `data:<media type>;base64,<file>`.
pub fn data_url(bytes: &[u8], path: &Path) -> Result<String, super::ExportError> {
    let media =
        media_type(bytes).ok_or_else(|| super::ExportError::NotAnImage { path: path.to_path_buf() })?;
    Ok(format!("data:{media};base64,{}", base64(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), enc);
        }
        assert_eq!(base64(&[0xFF, 0xFE, 0xFD]), "//79");
    }

    #[test]
    fn relative_paths() {
        let r = |a: &str, b: &str| relative_to(Path::new(a), Path::new(b)).to_string_lossy().into_owned();
        assert_eq!(r("/data/out", "/data/images/a.png"), "../images/a.png");
        assert_eq!(r("/data", "/data/images/a.png"), "images/a.png");
        assert_eq!(r("/x/y/z", "/a.png"), "../../../a.png");
        assert_eq!(r("/", "/a/b.png"), "a/b.png");
    }

    #[test]
    fn lexical_absolute() {
        let base = Path::new("/data/s");
        assert_eq!(absolute_lexical(base, Path::new("../img/./a.png")), PathBuf::from("/data/img/a.png"));
        assert_eq!(absolute_lexical(base, Path::new("/abs/../b.png")), PathBuf::from("/b.png"));
        assert_eq!(absolute_lexical(base, Path::new("/../../c.png")), PathBuf::from("/c.png"));
    }

    #[test]
    fn references_by_mode() {
        let rel = ImagePaths { stored_base: "/s".into(), relative_to: Some("/exports".into()) };
        assert_eq!(rel.reference("/data/images/a.png"), "../data/images/a.png");
        assert_eq!(rel.reference("images/a.png"), "../s/images/a.png");
        assert_eq!(rel.reference("https://x.org/a.png"), "https://x.org/a.png");
        let abs = ImagePaths { stored_base: "/s".into(), relative_to: None };
        assert_eq!(abs.reference("images/a.png"), "/s/images/a.png");
        assert_eq!(abs.reference("HTTP://X/a.png"), "HTTP://X/a.png");
    }

    #[test]
    fn media_types_from_content_only() {
        assert_eq!(media_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(media_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(media_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(media_type(b"??"), None);
        assert_eq!(media_type(b""), None);
        let url = data_url(b"\x89PNG\r\n\x1a\n", Path::new("x.png")).unwrap();
        assert_eq!(url, "data:image/png;base64,iVBORw0KGgo=");
        assert!(data_url(b"BM", Path::new("x.bmp")).unwrap_err().to_string().contains("x.bmp"));
        assert!(data_url(b"text", Path::new("x.png")).unwrap_err().to_string().contains("x.png"));
    }
}
