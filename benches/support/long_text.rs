//! A hostile 1 MB model response for the TUI checks: every script of the multilingual fixture,
//! lines from a few cells to thousands of cells without a space, and escape sequences (clear
//! screen, OSC 52 clipboard write, title change, C1 CSI, bidi override) sprinkled in. Seeded, so
//! the same text every time. Shared by `benches/tui.rs` and `tests/tui_long_response.rs`.

/// The last line of the text, so a test can see that scrolling reached the end.
pub const LAST_LINE: &str = "END OF THE LONG RESPONSE";

const PIECES: [&str; 16] = [
    "In Japan, giving a clock can be unlucky; consider tableware instead. ",
    "この時計を友達の結婚祝いに贈りたいです。包み方を教えてください。",
    "送钟 sounds like 送终; choose tea instead. ",
    "빨간색으로 이름을 쓰는 것은 피하세요. ",
    "لا تقدم الكحول هدية في السعودية؛ التمر أو العطر خيار أفضل. ",
    "در ایران نوشیدنی الکلی ممنوع است. ",
    "नमस्ते! मंदिर में चमड़ा न पहनें। ",
    "ไม่ควรชี้เท้าไปที่พระพุทธรูป ",
    "በሁለት እጆች ወይም በቀኝ እጅ ይስጡ። ",
    "Лучше подарить нечётное количество цветов. ",
    "Wrap it in red paper 👨\u{200D}👩\u{200D}👧 and enjoy. ",
    "Cafe\u{301} au lait.\tTabbed. ",
    "\x1b[2J\x1b[H",
    "\x1b]52;c;SGVsbG8=\x07",
    "\x1b]0;pwned\x07\u{9b}31m",
    "abc\u{202E}txet desrever ",
];

/// About `bytes` bytes of hostile multilingual text, ending with [`LAST_LINE`].
pub fn long_response(bytes: usize) -> String {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = String::with_capacity(bytes + 64);
    while out.len() < bytes {
        match next() % 20 {
            // a long line without a single space (a base64 blob, a URL, a run of CJK)
            0 => {
                let run = if next() % 2 == 0 { "QUJDREVGR0hJSktMTU5PUA" } else { "日本語のテキスト" };
                for _ in 0..(50 + next() % 300) {
                    out.push_str(run);
                }
                out.push('\n');
            }
            // an empty paragraph
            1 => out.push('\n'),
            // a paragraph of mixed pieces
            _ => {
                for _ in 0..(1 + next() % 12) {
                    out.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
                }
                out.push('\n');
            }
        }
    }
    out.push_str(LAST_LINE);
    out
}
