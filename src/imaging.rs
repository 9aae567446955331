//! Loading images for display, defensively: the input names the path, so it may be a folder, a
//! device, a huge file, something that is not an image, or a decompression bomb. Each of those
//! gives a reason (shown in a placeholder) quickly, never a hang or an unbounded allocation.

use crate::bounded_read::ReadError;
use image::{DynamicImage, ImageReader, Limits};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

// The limits below are shared by both image paths (`show` here, the TUI's decoder thread in
// `tui::image`), so an image either shows in both or gives the same kind of placeholder.
//
// Why these numbers. A 50-megapixel photo (8660 x 5773, a current full-frame camera) must show.
// Decoded to RGB it is 150 MB, and that buffer is the peak for a baseline JPEG or a PNG. A
// progressive JPEG costs far more: the decoder keeps every component's DCT coefficients (two
// bytes a sample) until the last scan, so the same photo peaks at about 450 MB (measured: 436 MB,
// `examples/large_image.rs`). The decoders we have cannot decode at a reduced scale (no DCT
// scaling in zune-jpeg), so the memory is bounded by refusing, before decoding, an image whose
// decoding would need more than `MAX_DECODE_BYTES`, estimated from its header: `image`'s
// `max_alloc` counts the output buffer, and `progressive_jpeg_cost` adds the coefficients it
// does not see. The result: at most ~512 MB for a moment, on one image at a time (the TUI decodes
// on a single worker thread), then only the downscaled copy (at most 1024 x 1024, 4 MB) is kept.

/// Files larger than this are not read at all.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Decoded images wider or taller than this are refused (panoramas up to 16k pass).
pub const MAX_DIMENSION: u32 = 16_384;
/// Decoding one image may need at most this much memory (see above).
pub const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
/// Images are downscaled once, on load, to fit this box (terminal cells are coarse).
pub const DISPLAY_BOX: u32 = 1024;

/// The decoder limits of both image paths.
pub fn decode_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// The frame header of a JPEG (SOFn): size, number of components, progressive or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegFrame {
    pub width: u32,
    pub height: u32,
    pub components: u32,
    pub progressive: bool,
}

/// Reads the frame header of a JPEG by walking its marker segments (APPn, DQT, DHT… up to the
/// SOFn). `None` when the stream is not a JPEG or ends before a frame header; the decoder then
/// gives the reason.
pub fn jpeg_frame(reader: &mut (impl Read + Seek)) -> Option<JpegFrame> {
    let mut two = [0u8; 2];
    reader.read_exact(&mut two).ok()?;
    if two != [0xFF, 0xD8] {
        return None;
    }
    // A real header has a few dozen segments; the bound keeps a hostile file from looping long.
    for _ in 0..10_000 {
        reader.read_exact(&mut two).ok()?;
        if two[0] != 0xFF {
            return None;
        }
        let marker = two[1];
        match marker {
            0xFF => {
                // fill byte: the marker code follows
                reader.seek(SeekFrom::Current(-1)).ok()?;
                continue;
            }
            0x01 | 0xD0..=0xD7 => continue, // no length
            0xD9 | 0xDA => return None,     // end of image, start of scan: no frame header
            _ => {}
        }
        reader.read_exact(&mut two).ok()?;
        let len = u16::from_be_bytes(two) as i64;
        if len < 2 {
            return None;
        }
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let mut sof = [0u8; 6];
            reader.read_exact(&mut sof).ok()?;
            return Some(JpegFrame {
                height: u16::from_be_bytes([sof[1], sof[2]]) as u32,
                width: u16::from_be_bytes([sof[3], sof[4]]) as u32,
                components: sof[5] as u32,
                progressive: matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE),
            });
        }
        reader.seek(SeekFrom::Current(len - 2)).ok()?;
    }
    None
}

/// The memory a progressive JPEG's decoder needs beyond the output buffer: its DCT coefficients,
/// two bytes per sample of every component (chroma subsampling ignored: an upper bound). Zero
/// for a baseline JPEG, which decodes straight into the output.
pub fn progressive_jpeg_cost(frame: &JpegFrame) -> u64 {
    if frame.progressive { frame.width as u64 * frame.height as u64 * frame.components as u64 * 2 } else { 0 }
}

/// Why an image file was not read or decoded: a short reason, for a placeholder or to follow
/// `PATH: `.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A folder, a device, a missing or oversized file.
    #[error(transparent)]
    Unreadable(#[from] ReadError),
    #[error("the file is empty (0 bytes), not an image")]
    Empty,
    #[error("not a PNG or JPEG image")]
    NotPngOrJpeg,
    #[error(transparent)]
    OverBudget(#[from] OverBudget),
    #[error("cannot read: {0}")]
    Unrecognised(std::io::Error),
    /// Over the decoder's own limits (`decode_limits`).
    #[error("image too large to decode safely")]
    OverLimits,
    #[error("broken image: {0}")]
    Broken(image::ImageError),
}

/// A JPEG whose decoding would need more than `MAX_DECODE_BYTES`, found from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "image too large to decode safely ({width} x {height}{}, would need {} MB)",
    if *progressive { ", progressive JPEG" } else { "" },
    needed / (1024 * 1024)
)]
pub struct OverBudget {
    pub width: u32,
    pub height: u32,
    pub progressive: bool,
    /// Bytes.
    pub needed: u64,
}

/// Refuses, before decoding, a JPEG whose decoding would need more than `MAX_DECODE_BYTES`
/// (output buffer plus coefficients); anything else passes (the decoder's own limits apply).
pub fn check_decode_budget(bytes: &[u8]) -> Result<(), OverBudget> {
    let Some(frame) = jpeg_frame(&mut std::io::Cursor::new(bytes)) else { return Ok(()) };
    let output = frame.width as u64 * frame.height as u64 * frame.components.clamp(1, 4) as u64;
    let needed = output + progressive_jpeg_cost(&frame);
    if needed > MAX_DECODE_BYTES {
        return Err(OverBudget {
            width: frame.width,
            height: frame.height,
            progressive: frame.progressive,
            needed,
        });
    }
    Ok(())
}

/// Reads an image file's bytes with the checks every image reader shares (`show`, the TUI,
/// `dpo-openai`): a regular file (never a device or a FIFO, opened without blocking), not empty,
/// at most `MAX_FILE_BYTES`. The error is a short reason.
pub fn read_image_file(path: &Path) -> Result<Vec<u8>, ImageError> {
    use crate::bounded_read::{Pipes, read};
    let bytes = read(path, MAX_FILE_BYTES, Pipes::Refuse)?;
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    Ok(bytes)
}

/// Decodes image bytes (PNG or JPEG, decided by content, not by name) with the shared limits.
pub fn decode_bytes(bytes: &[u8]) -> Result<DynamicImage, ImageError> {
    match image::guess_format(bytes) {
        Ok(image::ImageFormat::Png | image::ImageFormat::Jpeg) => {}
        _ => return Err(ImageError::NotPngOrJpeg),
    }
    check_decode_budget(bytes)?;
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(ImageError::Unrecognised)?;
    reader.limits(decode_limits());
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => ImageError::OverLimits,
        image::ImageError::Unsupported(_) => ImageError::NotPngOrJpeg,
        other => ImageError::Broken(other),
    })
}

/// Reads, decodes (with limits) and downscales an image. The error is a short reason for a
/// placeholder.
pub fn load_display_image(path: &Path) -> Result<DynamicImage, ImageError> {
    let img = decode_bytes(&read_image_file(path)?)?;
    Ok(if img.width() > DISPLAY_BOX || img.height() > DISPLAY_BOX {
        img.thumbnail(DISPLAY_BOX, DISPLAY_BOX)
    } else {
        img
    })
}

// How an image is drawn in the terminal (`auto` asks the terminal what it supports).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageProtocol {
    Auto,
    Kitty,
    Sixel,
    Iterm2,
    Halfblocks,
    None,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_paths_give_reasons() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_display_image(dir.path()).unwrap_err().to_string(), "is a folder, not a file");
        assert_eq!(
            load_display_image(&dir.path().join("nope.png")).unwrap_err().to_string(),
            "file not found"
        );
        let fake = dir.path().join("fake.png");
        std::fs::write(&fake, "this is text, not a picture").unwrap();
        assert_eq!(load_display_image(&fake).unwrap_err().to_string(), "not a PNG or JPEG image");
        assert!(
            load_display_image(Path::new("/dev/zero"))
                .unwrap_err()
                .to_string()
                .contains("not a regular file")
        );
        let empty = dir.path().join("empty.png");
        std::fs::write(&empty, "").unwrap();
        assert!(matches!(load_display_image(&empty), Err(ImageError::Empty)));
        assert!(load_display_image(&empty).unwrap_err().to_string().contains("empty"));
    }

    #[test]
    fn decompression_bomb_is_refused() {
        // A valid PNG header declaring 100,000 x 100,000 pixels, with almost no data.
        let dir = tempfile::tempdir().unwrap();
        let bomb = dir.path().join("bomb.png");
        std::fs::write(&bomb, png_declaring(100_000, 100_000)).unwrap();
        assert_eq!(load_display_image(&bomb).unwrap_err().to_string(), "image too large to decode safely");
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
        assert!(load_display_image(&cut).unwrap_err().to_string().starts_with("broken image"));
    }

    /// The start of a JPEG: SOI, an APP0 segment, then a frame header (SOF0 baseline or SOF2
    /// progressive) with three components. Enough for `jpeg_frame`, not for a decoder.
    fn jpeg_head(w: u16, h: u16, progressive: bool) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
        out.extend(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        out.extend([0xFF, if progressive { 0xC2 } else { 0xC0 }, 0, 17, 8]);
        out.extend(h.to_be_bytes());
        out.extend(w.to_be_bytes());
        out.extend([3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]);
        out
    }

    #[test]
    fn jpeg_frame_headers_are_read() {
        let frame = |b: &[u8]| jpeg_frame(&mut std::io::Cursor::new(b));
        assert_eq!(
            frame(&jpeg_head(8660, 5773, true)),
            Some(JpegFrame { width: 8660, height: 5773, components: 3, progressive: true })
        );
        assert_eq!(frame(&jpeg_head(640, 480, false)).map(|f| f.progressive), Some(false));
        // A real file from the encoder, and things that are not JPEG frames.
        let mut bytes = Vec::new();
        DynamicImage::ImageRgb8(image::RgbImage::new(33, 17))
            .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
            .unwrap();
        assert_eq!(
            frame(&bytes),
            Some(JpegFrame { width: 33, height: 17, components: 3, progressive: false })
        );
        assert_eq!(frame(b"\x89PNG\r\n"), None);
        assert_eq!(frame(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]), None);
        assert_eq!(frame(&jpeg_head(10, 10, false)[..12]), None, "cut short");
    }

    #[test]
    fn a_50_megapixel_progressive_jpeg_fits_the_budget_and_a_larger_one_is_refused_before_decoding() {
        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("photo.jpg");
        // 150 MB of pixels + 300 MB of coefficients: under the budget.
        std::fs::write(&photo, jpeg_head(8660, 5773, true)).unwrap();
        assert_eq!(check_decode_budget(&std::fs::read(&photo).unwrap()), Ok(()));
        // The same pixels in a baseline JPEG cost far less; a 16k x 12k baseline one fits too.
        std::fs::write(&photo, jpeg_head(16_000, 11_000, false)).unwrap();
        assert_eq!(check_decode_budget(&std::fs::read(&photo).unwrap()), Ok(()));
        // 100 MP progressive: ~900 MB. Refused with the reason, by both paths, without decoding.
        std::fs::write(&photo, jpeg_head(12_000, 8_400, true)).unwrap();
        let err = check_decode_budget(&std::fs::read(&photo).unwrap()).unwrap_err().to_string();
        assert!(
            err.contains("too large") && err.contains("progressive") && err.contains("12000 x 8400"),
            "{err}"
        );
        assert_eq!(load_display_image(&photo).unwrap_err().to_string(), err);
        let tui = crate::tui::image::decode(&photo).unwrap_err().to_string();
        assert!(tui.contains(&err), "{tui}");
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
