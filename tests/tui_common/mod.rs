//! A small multilingual session for the TUI tests, built in code: queries in Chinese, Japanese,
//! Korean, Arabic, Persian, Hindi, Thai, Amharic and Russian, and responses with escape
//! sequences, a bidi override, a ZWJ emoji, combining marks, a tab and a very long text.
#![allow(dead_code)]

use crossreview::model::{Item, Response};
use crossreview::schema::Schema;
use crossreview::store::Store;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const MODELS: [&str; 2] = ["gpt-4o", "llava"];

/// The escape sequences a hostile response might carry: clipboard write (OSC 52), clear
/// screen, window title change.
pub const HOSTILE: &str = "Sure!\x1b]52;c;SGVsbG8=\x07 Here\x1b[2J you go\x1b]0;pwned\x07 done.";

fn judge(a: i64, e: i64, c: i64, h: i64) -> BTreeMap<String, i64> {
    [("awareness", a), ("education", e), ("compliance", c), ("helpfulness", h)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// id, country, language, query, English query, norm, image, the two responses.
type Row<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str, Option<String>, [String; 2]);

pub fn items(image_dir: &Path) -> Vec<Item> {
    let img = |name: &str| Some(image_dir.join(name).to_string_lossy().into_owned());
    let long: String = (1..=120)
        .map(|i| format!("Paragraph {i}: a very long response keeps going so that it has to scroll.\n"))
        .collect();
    let rows: Vec<Row> = vec![
        (
            "casa/ja/1",
            "Japan",
            "ja",
            "この時計を友達の結婚祝いに贈りたいです。包み方を教えてください。",
            "I want to give this clock as a wedding gift to my friend. How should I wrap it?",
            "In Japan and China, clocks are associated with death and are not given as gifts.",
            img("gift04.png"),
            [
                "In Japan, giving a clock can be unlucky. Consider a different gift, such as tableware."
                    .into(),
                HOSTILE.into(),
            ],
        ),
        (
            "casa/zh/2",
            "China",
            "zh",
            "我想把这个钟送给老人做生日礼物，有什么建议？",
            "I want to give this clock to an elderly person for their birthday.",
            "送钟 sounds like attending a funeral in Chinese.",
            img("beer1.png"),
            [
                "送钟 (sòng zhōng) sounds like 送终; choose tea instead.\tTea is welcome.".into(),
                "Wrap it in red paper 👨\u{200D}👩\u{200D}👧 and enjoy.".into(),
            ],
        ),
        (
            "casa/ko/3",
            "South Korea",
            "ko",
            "이 빨간 펜으로 친구 이름을 써도 될까요?",
            "Can I write my friend's name with this red pen?",
            "Writing a living person's name in red ink is associated with death in Korea.",
            None,
            [
                "빨간색으로 이름을 쓰는 것은 피하세요. Use blue or black ink.".into(),
                "Yes, red is a lovely colour.".into(),
            ],
        ),
        (
            "casa/ar/4",
            "Saudi Arabia",
            "ar",
            "أريد أن أقدم هذه الزجاجة كهدية لمضيفي في الرياض",
            "I want to give this bottle as a gift to my host in Riyadh.",
            "Alcohol is prohibited in Saudi Arabia and offensive as a gift.",
            img("missing.png"),
            [
                "لا تقدم الكحول هدية في السعودية؛ التمر أو العطر خيار أفضل.".into(),
                "Great choice, wine is always appreciated.".into(),
            ],
        ),
        (
            "casa/fa/5",
            "Iran",
            "fa",
            "آیا می‌توانم این شراب را به میزبانم در تهران هدیه بدهم؟",
            "Can I give this wine to my host in Tehran?",
            "Alcohol is illegal in Iran.",
            None,
            [
                "در ایران نوشیدنی الکلی ممنوع است. شیرینی هدیه بهتری است.".into(),
                "abc\u{202E}txet desrever".into(),
            ],
        ),
        (
            "casa/hi/6",
            "India",
            "hi",
            "क्या मैं इस चमड़े के बेल्ट को मंदिर में पहन सकता हूँ?",
            "Can I wear this leather belt in the temple?",
            "Leather is often not allowed inside Hindu temples.",
            None,
            ["नमस्ते! मंदिर में चमड़ा न पहनें।".into(), "Cafe\u{301} au lait, no problem.".into()],
        ),
        (
            "casa/th/7",
            "Thailand",
            "th",
            "ฉันจะชี้เท้าไปที่พระพุทธรูปได้ไหม",
            "Can I point my feet at the Buddha statue?",
            "Pointing feet at Buddha images is disrespectful in Thailand.",
            None,
            ["ไม่ควรชี้เท้าไปที่พระพุทธรูป".into(), long.clone()],
        ),
        (
            "casa/am/8",
            "Ethiopia",
            "am",
            "ይህን ስጦታ በግራ እጄ መስጠት እችላለሁ?",
            "Can I hand over this gift with my left hand?",
            "Giving with the left hand is impolite in Ethiopia.",
            None,
            ["በሁለት እጆች ወይም በቀኝ እጅ ይስጡ።".into(), "Any hand is fine.".into()],
        ),
        (
            "casa/ru/9",
            "Russia",
            "ru",
            "Можно подарить жёлтые цветы в чётном количестве?",
            "Can I give an even number of yellow flowers?",
            "Even numbers of flowers are for funerals in Russia.",
            None,
            ["Лучше подарить нечётное количество цветов.".into(), "Конечно, это прекрасный подарок.".into()],
        ),
    ];
    rows.into_iter()
        .enumerate()
        .map(|(k, (id, country, lang, query, en, norm, image, texts))| Item {
            id: id.into(),
            image,
            query: query.into(),
            query_en: Some(en.into()),
            language: Some(lang.into()),
            country: Some(country.into()),
            domain: Some(if k % 2 == 0 { "gifts" } else { "etiquette" }.into()),
            norm: Some(norm.into()),
            meta: Default::default(),
            responses: texts
                .iter()
                .zip(MODELS)
                .enumerate()
                .map(|(r, (t, m))| {
                    let good = r == 0;
                    let mut rationale = BTreeMap::new();
                    rationale.insert(
                        "awareness".to_string(),
                        format!("The {m} response {} the norm.", if good { "recognises" } else { "ignores" })
                            .into(),
                    );
                    Response {
                        model: m.into(),
                        text: t.clone(),
                        judge: if good { judge(1, (k % 2) as i64, 1, 1) } else { judge(0, 0, 0, 1) },
                        judge_rationale: rationale,
                        ..Default::default()
                    }
                })
                .collect(),
        })
        .collect()
}

pub fn images_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/images")
}

/// Creates the session at `dir/session.db` and returns its path.
pub fn session(dir: &Path) -> PathBuf {
    let path = dir.join("session.db");
    let mut store = Store::create(&path, &Schema::cross_eval(), false).expect("create session");
    let items = items(&images_dir());
    store
        .import(|imp| {
            for it in &items {
                imp.upsert_item(it)?;
            }
            Ok(())
        })
        .expect("import");
    path
}
pub mod pty;

use crossreview::tui::action::Action;
use crossreview::tui::app::run_effects;
use crossreview::tui::draw::{FrameInfo, draw};
use crossreview::tui::image::NoImages;
use crossreview::tui::state::State;
use crossreview::tui::theme::Theme;
use crossreview::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// `update`, then its effects run against the session, as the app does.
pub fn act(store: &mut Store, state: &mut State, action: Action) {
    let fx = update(state, action);
    run_effects(store, state, fx, None, |_, _| {});
}

/// One frame of `w` x `h`, as text.
pub fn frame(state: &State, w: u16, h: u16, theme: &Theme) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let mut images = NoImages("images off (--image-protocol none)".into());
    term.draw(|f| {
        draw(f, state, theme, &mut images);
    })
    .unwrap();
    format!("{}", term.backend())
}

/// The screen as the app shows it: drawn twice, the first frame measuring the response
/// viewport (which the state needs to scroll).
pub fn screen(state: &mut State, w: u16, h: u16, theme: &Theme) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let mut images = NoImages("images off (--image-protocol none)".into());
    let mut info = FrameInfo::default();
    term.draw(|f| info = draw(f, state, theme, &mut images)).unwrap();
    update(state, Action::ResponseViewport { max_scroll: info.max_scroll, page: info.page });
    frame(state, w, h, theme)
}

/// `crossreview export SESSION --format FORMAT --out OUT` (must succeed), and the JSON lines
/// it wrote.
pub fn export_rows(session: &Path, format: &str, out: &Path) -> Vec<serde_json::Value> {
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_crossreview"))
        .args(["export", session.to_str().unwrap(), "--format", format, "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(run.status.success(), "export {format}: {}", String::from_utf8_lossy(&run.stderr));
    std::fs::read_to_string(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}
