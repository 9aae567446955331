//! A synthetic photograph for the large-image checks: smooth gradients with a little noise (so the
//! JPEG is not trivially small), written at any size. Generated at run time, never committed.

use std::path::Path;

/// Writes a `width` x `height` RGB JPEG (quality 85) to `path`.
pub fn write_synthetic_photo(path: &Path, width: u32, height: u32) -> image::ImageResult<()> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        // xorshift noise, up to 24 levels either way: the JPEG comes out near a real photo's size
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = (state % 49) as i32 - 24;
        let r = (x * 255 / width.max(1)) as i32;
        let g = (y * 255 / height.max(1)) as i32;
        let b = (((x / 64 + y / 64) % 2) * 120 + 60) as i32;
        let c = |v: i32| (v + noise).clamp(0, 255) as u8;
        image::Rgb([c(r), c(g), c(b)])
    });
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    image::codecs::jpeg::JpegEncoder::new_with_quality(file, 85).encode_image(&img)
}
