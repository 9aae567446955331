//! Images off the UI thread: a worker decodes (with limits, so a decompression bomb gives a
//! placeholder instead of eating the machine), downscales once, and sends the thumbnail back;
//! the UI keeps decoded thumbnails in a small cache and builds the terminal protocol (kitty,
//! sixel, iTerm2, half-blocks) for the pane's size when it is drawn.

use crate::imaging::ImageError;
use image::DynamicImage;
use ratatui::layout::{Rect, Size};
use ratatui_image::Resize;
use ratatui_image::picker::Picker;
use ratatui_image::protocol::Protocol;
use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};

/// Thumbnails are at most this many pixels on a side: enough for a full-screen half-block or a
/// pane-sized sixel/kitty image, small enough to keep and to re-encode quickly.
pub const THUMB_SIDE: u32 = 1024;
/// Decoded thumbnails kept.
const CACHE_LEN: usize = 16;

/// What the image pane can show.
pub enum ImageView<'a> {
    /// Images are off, or the item has none: the reason.
    Placeholder(String),
    Loading,
    Ready(&'a Protocol),
}

/// Where the draw functions get images from (the real cache, or nothing in tests).
pub trait ImageSource {
    fn view(&mut self, path: Option<&str>, area: Rect) -> ImageView<'_>;
}

/// No images: every view is a placeholder saying why.
pub struct NoImages(pub String);

impl ImageSource for NoImages {
    fn view(&mut self, path: Option<&str>, _area: Rect) -> ImageView<'_> {
        match path {
            None => ImageView::Placeholder("this item has no image".into()),
            // The file name only: the placeholder is about the setting, not the file.
            Some(p) => {
                let name = Path::new(p).file_name().map(|n| n.to_string_lossy().into_owned());
                ImageView::Placeholder(format!("{} — {}", self.0, name.unwrap_or_else(|| p.to_string())))
            }
        }
    }
}

/// Why a thumbnail could not be made, for the placeholder.
#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    #[error("cannot open: {0}")]
    Open(ImageError),
    #[error("cannot decode: {0}")]
    Decode(ImageError),
}

/// Decodes one image file with the limits shared with `show` (`crate::imaging`: a 50-megapixel
/// photo passes, memory stays bounded), then shrinks it to a thumbnail.
pub fn decode(path: &Path) -> Result<DynamicImage, ThumbnailError> {
    let bytes = crate::imaging::read_image_file(path).map_err(ThumbnailError::Open)?;
    let img = crate::imaging::decode_bytes(&bytes).map_err(ThumbnailError::Decode)?;
    Ok(if img.width() > THUMB_SIDE || img.height() > THUMB_SIDE {
        img.thumbnail(THUMB_SIDE, THUMB_SIDE)
    } else {
        img
    })
}

/// The reason an image reference cannot be shown at all, before trying to decode it.
fn unavailable(path: &str) -> Option<String> {
    if path.starts_with("http://") || path.starts_with("https://") {
        return Some(format!("not fetched (URL; import with --images-dir): {path}"));
    }
    None
}

pub struct ImageCache {
    picker: Picker,
    requests: Sender<String>,
    results: Receiver<(String, Result<DynamicImage, ThumbnailError>)>,
    decoded: HashMap<String, Result<DynamicImage, ThumbnailError>>,
    recent: VecDeque<String>,
    pending: Option<String>,
    protocol: Option<(String, Rect, Protocol)>,
}

impl ImageCache {
    pub fn new(picker: Picker) -> ImageCache {
        let (req_tx, req_rx) = channel::<String>();
        let (res_tx, res_rx) = channel();
        std::thread::Builder::new()
            .name("image-decoder".into())
            .spawn(move || {
                while let Ok(mut path) = req_rx.recv() {
                    // Only the newest request matters when the annotator moves fast.
                    while let Ok(newer) = req_rx.try_recv() {
                        path = newer;
                    }
                    let result = decode(Path::new(&path));
                    if res_tx.send((path, result)).is_err() {
                        break;
                    }
                }
            })
            .expect("spawning the image decoder thread");
        ImageCache {
            picker,
            requests: req_tx,
            results: res_rx,
            decoded: HashMap::new(),
            recent: VecDeque::new(),
            pending: None,
            protocol: None,
        }
    }

    /// Takes decoded images from the worker; true when something new arrived (redraw).
    pub fn poll(&mut self) -> bool {
        let mut any = false;
        while let Ok((path, result)) = self.results.try_recv() {
            if self.pending.as_deref() == Some(path.as_str()) {
                self.pending = None;
            }
            self.recent.push_back(path.clone());
            self.decoded.insert(path, result);
            while self.recent.len() > CACHE_LEN {
                if let Some(old) = self.recent.pop_front() {
                    self.decoded.remove(&old);
                }
            }
            any = true;
        }
        any
    }

    pub fn picker(&self) -> &Picker {
        &self.picker
    }
}

impl ImageSource for ImageCache {
    fn view(&mut self, path: Option<&str>, area: Rect) -> ImageView<'_> {
        let Some(path) = path else { return ImageView::Placeholder("this item has no image".into()) };
        if let Some(reason) = unavailable(path) {
            return ImageView::Placeholder(reason);
        }
        let fresh = self.protocol.as_ref().is_some_and(|(p, a, _)| p == path && *a == area);
        if !fresh {
            match self.decoded.get(path) {
                None => {
                    if self.pending.as_deref() != Some(path) {
                        self.pending = Some(path.to_string());
                        let _ = self.requests.send(path.to_string());
                    }
                    return ImageView::Loading;
                }
                Some(Err(reason)) => return ImageView::Placeholder(format!("{reason}: {path}")),
                Some(Ok(img)) => {
                    let size = Size::new(area.width, area.height);
                    match self.picker.new_protocol(img.clone(), size, Resize::Fit(None)) {
                        Ok(p) => self.protocol = Some((path.to_string(), area, p)),
                        Err(e) => return ImageView::Placeholder(format!("cannot display: {e}")),
                    }
                }
            }
        }
        match &self.protocol {
            Some((_, _, p)) => ImageView::Ready(p),
            None => ImageView::Loading,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_broken_files_give_reasons() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.png");
        assert!(decode(&missing).unwrap_err().to_string().contains("cannot open"));
        let broken = dir.path().join("broken.png");
        std::fs::write(&broken, b"\x89PNG\r\n\x1a\nthis is not a png").unwrap();
        assert!(decode(&broken).unwrap_err().to_string().contains("cannot decode"));
    }

    #[test]
    fn a_fifo_or_a_device_never_blocks_the_decoder() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("photo.png");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // On a thread with a deadline: the old decoder waited for a writer forever (and `z`
        // decodes on the UI thread).
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send((decode(&fifo), decode(Path::new("/dev/zero"))));
        });
        let (fifo, zero) = rx.recv_timeout(std::time::Duration::from_secs(5)).expect("decode blocked");
        assert!(fifo.unwrap_err().to_string().contains("not a regular file"));
        assert!(zero.unwrap_err().to_string().contains("not a regular file"));
    }

    #[test]
    fn decompression_bomb_is_refused() {
        // A valid PNG header claiming 100000 x 100000 pixels.
        let dir = tempfile::tempdir().unwrap();
        let bomb = dir.path().join("bomb.png");
        let img = image::RgbImage::new(1, 1);
        let mut bytes = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        // Patch width/height in IHDR (bytes 16..24) and fix the CRC.
        bytes[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        std::fs::write(&bomb, &bytes).unwrap();
        let err = decode(&bomb).unwrap_err().to_string();
        assert!(err.contains("cannot decode"), "{err}");
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn large_images_are_downscaled() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.png");
        image::RgbImage::new(2048, 1024).save(&p).unwrap();
        let img = decode(&p).unwrap();
        assert_eq!((img.width(), img.height()), (1024, 512));
    }

    #[test]
    fn worker_decodes_and_cache_serves() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("small.png");
        image::RgbImage::new(20, 10).save(&p).unwrap();
        let path = p.to_str().unwrap().to_string();
        let mut cache = ImageCache::new(Picker::halfblocks());
        let area = Rect::new(0, 0, 10, 5);
        assert!(matches!(cache.view(Some(&path), area), ImageView::Loading));
        let start = std::time::Instant::now();
        while !cache.poll() {
            assert!(start.elapsed().as_secs() < 10, "decoder did not answer");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(matches!(cache.view(Some(&path), area), ImageView::Ready(_)));
        assert!(matches!(cache.view(Some("https://x/y.png"), area), ImageView::Placeholder(_)));
    }
}
