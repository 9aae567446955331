//! A 50-megapixel photo (8660 x 5773, a current full-frame camera), generated here and never
//! committed, shows on both image paths: the TUI's decoder and `show`'s both return a downscaled
//! copy within the display box, with the photo's aspect ratio. Decode time and peak memory are
//! measured by `examples/large_image.rs`, not here (tests are not timed).

#[path = "../benches/support/photo.rs"]
mod photo;

use crossreview::imaging::{self, DISPLAY_BOX};
use crossreview::tui::image::{THUMB_SIDE, decode};

#[test]
fn a_50_megapixel_photo_is_decoded_and_downscaled_by_both_paths() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photo50.jpg");
    let (w, h) = (8660u32, 5773u32);
    photo::write_synthetic_photo(&path, w, h).unwrap();
    let expected_height = |side: u32| (h as f64 * side as f64 / w as f64).round() as u32;

    let tui = decode(&path).expect("the TUI decodes a 50 MP photo");
    assert_eq!(tui.width(), THUMB_SIDE);
    assert!(tui.height().abs_diff(expected_height(THUMB_SIDE)) <= 1, "{} x {}", tui.width(), tui.height());

    let show = imaging::load_display_image(&path).expect("show decodes a 50 MP photo");
    assert_eq!(show.width(), DISPLAY_BOX);
    assert!(
        show.height().abs_diff(expected_height(DISPLAY_BOX)) <= 1,
        "{} x {}",
        show.width(),
        show.height()
    );

    // Not a flat image: the pixels survived the decode and the downscale.
    let px = |x, y| show.to_rgb8().get_pixel(x, y).0;
    assert_ne!(px(10, 10), px(DISPLAY_BOX - 10, show.height() - 10));
}
