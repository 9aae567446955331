//! A small session with every case the exports must handle, built through the library as the
//! TUI would build it (pair verdicts from the side picked and the order shown).

#![allow(dead_code)]

use crossreview::model::{Item, Pair, Response, TaskRef, Verdict};
use crossreview::schema::Schema;
use crossreview::store::{NewEvent, Store, field};
use serde_json::json;
use std::path::{Path, PathBuf};

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub session: PathBuf,
}

impl Fixture {
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
}

fn event(
    annotator: &str,
    task: &TaskRef,
    field: &str,
    value: Option<i64>,
    text: Option<&str>,
    seconds: f64,
) -> NewEvent {
    NewEvent {
        annotator: annotator.into(),
        task: task.clone(),
        field: field.into(),
        value,
        text: text.map(str::to_string),
        seconds,
        judge_visible: true,
    }
}

/// Records a pair verdict the way the pairs screen does: the annotator saw the chosen response
/// on the left or the right and picked a side (or tie / both bad / unsure).
pub enum Pick {
    Left,
    Right,
    Other(Verdict),
}

pub fn give_verdict(store: &mut Store, annotator: &str, pair_id: &str, chosen_on_left: bool, pick: Pick) {
    let task = TaskRef::Pair { pair_id: pair_id.into() };
    let order = if chosen_on_left { "chosen_left" } else { "chosen_right" };
    store.record(&event(annotator, &task, field::ORDER, None, Some(order), 0.0)).unwrap();
    let verdict = match pick {
        Pick::Left => Verdict::from_side(true, chosen_on_left),
        Pick::Right => Verdict::from_side(false, chosen_on_left),
        Pick::Other(v) => v,
    };
    store.record(&event(annotator, &task, field::VERDICT, Some(verdict.code()), None, 4.0)).unwrap();
}

/// A 2×2 PNG (deterministic bytes, so its data URL is stable in snapshots).
pub fn write_png(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let img = image::RgbImage::from_fn(2, 2, |x, y| image::Rgb([(x * 200) as u8, (y * 200) as u8, 90]));
    img.save(path).unwrap();
}

fn item(id: &str, country: &str, language: &str, models: &[(&str, i64)]) -> Item {
    Item {
        id: id.into(),
        image: None,
        query: format!("query of {id}"),
        country: Some(country.into()),
        language: Some(language.into()),
        responses: models
            .iter()
            .map(|(m, compliance)| Response {
                model: m.to_string(),
                text: format!("{m} answers {id}"),
                judge: [("awareness".to_string(), 1), ("compliance".to_string(), *compliance)]
                    .into_iter()
                    .collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

fn pair(id: &str, prompt: serde_json::Value, images: Vec<String>, model: &str) -> Pair {
    let conversational = prompt.is_array();
    let (chosen, rejected) = if conversational {
        (
            json!([{"role": "assistant", "content": format!("good answer to {id}")}]),
            json!(format!("bad answer to {id}")),
        )
    } else {
        (json!(format!("good answer to {id}")), json!(format!("bad answer to {id}")))
    };
    let mut meta = serde_json::Map::new();
    meta.insert("model".into(), json!(model));
    Pair { id: id.into(), prompt, chosen, rejected, images, item_id: Some("casa/ja/Japan_1".into()), meta }
}

/// The session under `dir/sessions/s.db`, images under `dir/images/`.
pub fn build() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("sessions").join("s.db");
    let slippers = dir.path().join("images").join("slippers.png");
    write_png(&slippers);
    // One image stored relative (to the session's folder), as an older import may have left it.
    write_png(&dir.path().join("sessions").join("local").join("clock.png"));
    let mut store = Store::create(&session, &Schema::cross_eval(), false).unwrap();
    let abs = slippers.to_string_lossy().into_owned();
    store
        .import(|imp| {
            imp.upsert_item(&item("casa/ja/Japan_1", "Japan", "ja", &[("gpt-4o", 1), ("qwen2-vl", 0)]))?;
            imp.upsert_item(&item("casa/zh/China_3", "China", "zh", &[("gpt-4o", 0)]))?;
            // agree by both annotators, string prompt, absolute image
            imp.upsert_pair(&pair("p-agree", json!("Is this a good gift?"), vec![abs.clone()], "gpt-4o"))?;
            // flip by both, conversational with an image placeholder, image stored relative
            imp.upsert_pair(&pair(
                "p-flip",
                json!([{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Can I wear these inside?"}]}]),
                vec!["local/clock.png".into()],
                "qwen2-vl",
            ))?;
            imp.upsert_pair(&pair("p-tie", json!("tie prompt"), vec![], "gpt-4o"))?;
            imp.upsert_pair(&pair("p-bothbad", json!("both bad prompt"), vec![abs.clone()], "qwen2-vl"))?;
            // ann agrees, bob flips: no majority
            imp.upsert_pair(&pair("p-split", json!("split prompt"), vec![], "gpt-4o"))?;
            // one annotator only (agree), image is a URL kept as is
            imp.upsert_pair(&pair("p-single", json!("single prompt"), vec!["https://example.org/fan.png".into()], "gpt-4o"))?;
            imp.upsert_pair(&pair("p-unsure", json!("unsure prompt"), vec![], "gpt-4o"))?;
            imp.upsert_pair(&pair("p-none", json!("nobody looked"), vec![], "gpt-4o"))?;
            Ok(())
        })
        .unwrap();

    // p-agree: ann sees chosen on the left and picks left; bob sees it on the right, picks right.
    give_verdict(&mut store, "ann", "p-agree", true, Pick::Left);
    give_verdict(&mut store, "bob", "p-agree", false, Pick::Right);
    // p-flip: both pick the rejected one, under opposite display orders.
    give_verdict(&mut store, "ann", "p-flip", false, Pick::Left);
    give_verdict(&mut store, "bob", "p-flip", true, Pick::Right);
    give_verdict(&mut store, "ann", "p-tie", true, Pick::Other(Verdict::Tie));
    give_verdict(&mut store, "bob", "p-tie", false, Pick::Other(Verdict::Tie));
    give_verdict(&mut store, "ann", "p-bothbad", true, Pick::Other(Verdict::BothBad));
    give_verdict(&mut store, "bob", "p-bothbad", true, Pick::Other(Verdict::BothBad));
    give_verdict(&mut store, "ann", "p-split", true, Pick::Left);
    give_verdict(&mut store, "bob", "p-split", true, Pick::Right);
    give_verdict(&mut store, "ann", "p-single", false, Pick::Right);
    give_verdict(&mut store, "ann", "p-unsure", true, Pick::Other(Verdict::Unsure));
    give_verdict(&mut store, "bob", "p-unsure", true, Pick::Other(Verdict::Unsure));

    // Response labels: unanimous, majority-free splits, a note, a skip.
    let japan_gpt = TaskRef::Response { item_id: "casa/ja/Japan_1".into(), model: "gpt-4o".into() };
    let japan_qwen = TaskRef::Response { item_id: "casa/ja/Japan_1".into(), model: "qwen2-vl".into() };
    let china_gpt = TaskRef::Response { item_id: "casa/zh/China_3".into(), model: "gpt-4o".into() };
    for (who, vals) in [("ann", [1, 1, 1, 0]), ("bob", [1, 0, 1, 0])] {
        for (dim, v) in ["awareness", "education", "compliance", "helpfulness"].iter().zip(vals) {
            store.record(&event(who, &japan_gpt, dim, Some(v), None, 12.34)).unwrap();
        }
    }
    store
        .record(&event("ann", &japan_gpt, field::NOTE, None, Some("mentions slippers, \"genkan\""), 12.34))
        .unwrap();
    store.record(&event("ann", &japan_qwen, "compliance", Some(0), None, 3.0)).unwrap();
    store.record(&event("bob", &japan_qwen, field::SKIP, None, Some("cannot read Japanese"), 2.0)).unwrap();
    // ann labels then corrects herself: only the current value is exported.
    store.record(&event("ann", &china_gpt, "awareness", Some(0), None, 5.0)).unwrap();
    store.record(&event("ann", &china_gpt, "awareness", Some(1), None, 6.0)).unwrap();
    Fixture { dir, session }
}

/// Replaces RFC 3339 timestamps (which change on every run) by `<time>`.
pub fn redact_times(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let looks = bytes.len() >= i + 20
            && bytes[i..i + 4].iter().all(u8::is_ascii_digit)
            && bytes[i + 4] == b'-'
            && bytes[i + 10] == b'T';
        if looks {
            let end = s[i..].find('Z').map(|e| i + e + 1).unwrap_or(s.len());
            out.push_str("<time>");
            i = end;
        } else {
            let ch = s[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}
