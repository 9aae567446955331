//! Loading images for display, defensively: the input names the path, so it may be a folder, a
//! device, a huge file, something that is not an image, or a decompression bomb. Each of those
//! gives a reason (shown in a placeholder) quickly, never a hang or an unbounded allocation.

use image::{DynamicImage, ImageReader, Limits};
use std::path::Path;

/// Files larger than this are not read at all.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Decoded images wider or taller than this are refused.
pub const MAX_DIMENSION: u32 = 12_000;
/// Decoding may allocate at most this much.
pub const MAX_ALLOC_BYTES: u64 = 512 * 1024 * 1024;
/// Images are downscaled once, on load, to fit this box (terminal cells are coarse).
pub const DISPLAY_BOX: u32 = 1024;

/// Reads, decodes (with limits) and downscales an image. The error is a short reason for a
/// placeholder.
pub fn load_display_image(path: &Path) -> Result<DynamicImage, String> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "file not found".to_string(),
        _ => format!("cannot read: {e}"),
    })?;
    if meta.is_dir() {
        return Err("is a folder, not an image".into());
    }
    if !meta.is_file() {
        return Err("is not a regular file (a device or pipe?)".into());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!("file too large ({} MB)", meta.len() / (1024 * 1024)));
    }
    // Decide by content, not by name: a text file called .png is not an image.
    let mut head = [0u8; 16];
    let n = std::io::Read::read(&mut std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?, &mut head)
        .map_err(|e| format!("cannot read: {e}"))?;
    match image::guess_format(&head[..n]) {
        Ok(image::ImageFormat::Png | image::ImageFormat::Jpeg) => {}
        _ => return Err("not a PNG or JPEG image".into()),
    }
    let mut reader = ImageReader::open(path)
        .map_err(|e| format!("cannot read: {e}"))?
        .with_guessed_format()
        .map_err(|e| format!("cannot read: {e}"))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_ALLOC_BYTES);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => "image too large to decode safely".to_string(),
        image::ImageError::Unsupported(_) => "not a PNG or JPEG image".to_string(),
        other => format!("broken image: {other}"),
    })?;
    Ok(if img.width() > DISPLAY_BOX || img.height() > DISPLAY_BOX {
        img.thumbnail(DISPLAY_BOX, DISPLAY_BOX)
    } else {
        img
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_paths_give_reasons() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_display_image(dir.path()).unwrap_err(), "is a folder, not an image");
        assert_eq!(load_display_image(&dir.path().join("nope.png")).unwrap_err(), "file not found");
        let fake = dir.path().join("fake.png");
        std::fs::write(&fake, "this is text, not a picture").unwrap();
        assert_eq!(load_display_image(&fake).unwrap_err(), "not a PNG or JPEG image");
        assert!(load_display_image(Path::new("/dev/zero")).unwrap_err().contains("not a regular file"));
    }

    #[test]
    fn decompression_bomb_is_refused() {
        // A valid PNG header declaring 100,000 x 100,000 pixels, with almost no data.
        let dir = tempfile::tempdir().unwrap();
        let bomb = dir.path().join("bomb.png");
        std::fs::write(&bomb, png_declaring(100_000, 100_000)).unwrap();
        assert_eq!(load_display_image(&bomb).unwrap_err(), "image too large to decode safely");
    }

    #[test]
    fn truncated_and_real_images() {
        let dir = tempfile::tempdir().unwrap();
        let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/images/alarm_clock.png");
        let img = load_display_image(&real).unwrap();
        assert!(img.width() > 0);
        let bytes = std::fs::read(&real).unwrap();
        let cut = dir.path().join("cut.png");
        std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
        assert!(load_display_image(&cut).unwrap_err().starts_with("broken image"));
    }

    /// A minimal PNG: signature and an IHDR chunk with the given size (CRC computed), then IEND.
    pub fn png_declaring(w: u32, h: u32) -> Vec<u8> {
        fn crc32(data: &[u8]) -> u32 {
            let mut c = 0xFFFF_FFFFu32;
            for &b in data {
                c ^= b as u32;
                for _ in 0..8 {
                    c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
                }
            }
            !c
        }
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend(w.to_be_bytes());
        ihdr.extend(h.to_be_bytes());
        ihdr.extend([8, 2, 0, 0, 0]);
        out.extend(13u32.to_be_bytes());
        out.extend(&ihdr);
        out.extend(crc32(&ihdr).to_be_bytes());
        out.extend(0u32.to_be_bytes());
        out.extend(b"IEND");
        out.extend(crc32(b"IEND").to_be_bytes());
        out
    }
}
