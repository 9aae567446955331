//! The bundled demo data set, embedded in the binary so that `crossreview demo` works anywhere,
//! with no network and no files next to the executable.
//!
//! Twelve items written for crossreview in the style of CROSS (an image plus a query that only
//! breaks a cultural norm once the image is understood), in eleven languages, with two or three
//! model responses each and an LLM judge's scores, plus six preference pairs. Some judge scores
//! and some pair labels are wrong on purpose, so that a first session of human validation finds
//! something; each item's `meta.demo_judge_errors` and each pair's `meta.demo_truth` say which.

use std::path::Path;

macro_rules! demo_asset {
    ($name:literal) => {
        ($name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/", $name)) as &[u8])
    };
}

/// Every file of the demo, as (path relative to the demo folder, contents). The JSONL files refer
/// to the images by these relative paths.
pub const DEMO_FILES: &[(&str, &[u8])] = &[
    demo_asset!("items.jsonl"),
    demo_asset!("pairs.jsonl"),
    demo_asset!("images/PROVENANCE.md"),
    demo_asset!("images/alarm_clock.png"),
    demo_asset!("images/beer.png"),
    demo_asset!("images/church_building.png"),
    demo_asset!("images/dog.png"),
    demo_asset!("images/gift.png"),
    demo_asset!("images/knife.png"),
    demo_asset!("images/scissors.png"),
    demo_asset!("images/steak.png"),
    demo_asset!("images/sunflowers.png"),
    demo_asset!("images/tennis_shoes.png"),
    demo_asset!("images/umbrella.png"),
    demo_asset!("images/wine.png"),
];

/// The demo's items file name inside the folder written by [`write_demo_files`].
pub const ITEMS_FILE: &str = "items.jsonl";
/// The demo's preference pairs file name inside the folder written by [`write_demo_files`].
pub const PAIRS_FILE: &str = "pairs.jsonl";

/// The contents of one demo file, by its relative path.
pub fn demo_file(name: &str) -> Option<&'static [u8]> {
    DEMO_FILES.iter().find(|(n, _)| *n == name).map(|(_, bytes)| *bytes)
}

/// Writes the demo into `dir` (created if needed, with its `images/` folder), so that the items
/// and pairs can be imported like any user file. A file that already holds the same bytes is
/// left alone (its modification time too); one that differs is replaced, through a temporary
/// file and a rename so that an interrupted write never leaves half a file behind.
pub fn write_demo_files(dir: &Path) -> std::io::Result<()> {
    for (name, bytes) in DEMO_FILES {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        match std::fs::read(&path) {
            Ok(existing) if existing == *bytes => continue,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value};
    use std::collections::{BTreeMap, BTreeSet};

    const MODELS: [&str; 3] = ["gpt-4o", "qwen2-vl-7b", "llava-1.6-34b"];
    const ITEM_KEYS: [&str; 10] =
        ["id", "image", "query", "query_en", "language", "country", "domain", "norm", "meta", "responses"];

    fn jsonl(name: &str) -> Vec<Map<String, Value>> {
        let text = std::str::from_utf8(demo_file(name).expect("embedded")).expect("UTF-8");
        assert!(!text.starts_with('\u{feff}') && !text.contains('\r'), "{name}: plain LF, no BOM");
        text.lines()
            .enumerate()
            .map(|(i, line)| match serde_json::from_str(line) {
                Ok(Value::Object(o)) => o,
                other => panic!("{name}:{}: not a JSON object: {other:?}", i + 1),
            })
            .collect()
    }

    fn items() -> Vec<Map<String, Value>> {
        jsonl(ITEMS_FILE)
    }

    fn dimensions() -> Vec<String> {
        crate::schema::Schema::cross_eval().dimension_names()
    }

    fn str_of<'a>(o: &'a Map<String, Value>, key: &str) -> &'a str {
        o.get(key).and_then(Value::as_str).unwrap_or_else(|| panic!("{key} is not a string in {o:?}"))
    }

    #[test]
    fn every_image_decodes() {
        let images: Vec<_> =
            DEMO_FILES.iter().filter(|(n, _)| n.ends_with(".png") || n.ends_with(".jpg")).collect();
        assert_eq!(images.len(), 12);
        for (name, bytes) in images {
            let img = image::load_from_memory(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(img.width() >= 64 && img.height() >= 64, "{name} is too small to show");
        }
    }

    #[test]
    fn the_asset_folder_and_the_embedded_list_agree() {
        // A file added to assets/demo but forgotten in DEMO_FILES would never reach users.
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
        let mut on_disk = BTreeSet::new();
        for sub in ["", "images"] {
            for entry in std::fs::read_dir(root.join(sub)).unwrap() {
                let entry = entry.unwrap();
                if entry.file_type().unwrap().is_file() {
                    let name = entry.file_name().into_string().unwrap();
                    on_disk.insert(if sub.is_empty() { name } else { format!("{sub}/{name}") });
                }
            }
        }
        let embedded: BTreeSet<String> = DEMO_FILES.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(embedded.len(), DEMO_FILES.len(), "a file is listed twice");
        assert_eq!(on_disk, embedded);
        let total: usize = DEMO_FILES.iter().map(|(_, b)| b.len()).sum();
        assert!(total < 400_000, "the demo adds {total} bytes to the binary");
    }

    #[test]
    fn items_have_the_canonical_shape() {
        let items = items();
        assert_eq!(items.len(), 12);
        let dims = dimensions();
        let mut ids = BTreeSet::new();
        for item in &items {
            let id = str_of(item, "id");
            assert!(ids.insert(id.to_string()), "duplicate id {id}");
            let keys: BTreeSet<&str> = item.keys().map(String::as_str).collect();
            assert_eq!(keys, ITEM_KEYS.into_iter().collect(), "{id}: keys");
            for key in ["query", "query_en", "language", "country", "domain", "norm"] {
                assert!(!str_of(item, key).trim().is_empty(), "{id}: empty {key}");
            }
            let language = str_of(item, "language");
            let country = str_of(item, "country").replace(' ', "_");
            assert!(
                id.starts_with(&format!("demo/{language}/{country}_")),
                "{id}: id names language and country"
            );
            let image = str_of(item, "image");
            let bytes = demo_file(image).unwrap_or_else(|| panic!("{id}: image {image} is not embedded"));
            assert!(image::load_from_memory(bytes).is_ok());
            assert!(item["meta"].is_object(), "{id}: meta");

            let responses = item["responses"].as_array().expect("responses");
            assert!((2..=3).contains(&responses.len()), "{id}: {} responses", responses.len());
            let mut models = BTreeSet::new();
            for r in responses {
                let r = r.as_object().expect("response object");
                let model = str_of(r, "model");
                assert!(MODELS.contains(&model), "{id}: unknown model {model}");
                assert!(models.insert(model), "{id}: {model} answers twice");
                assert!(!str_of(r, "text").trim().is_empty());
                let judge = r["judge"].as_object().expect("judge");
                let rationale = r["judge_rationale"].as_object().expect("judge_rationale");
                for (what, map) in [("judge", judge), ("judge_rationale", rationale)] {
                    let keys: Vec<&String> = map.keys().collect();
                    assert_eq!(keys, dims.iter().collect::<Vec<_>>(), "{id} {model}: {what} dimensions");
                }
                for (dim, v) in judge {
                    assert!(matches!(v.as_i64(), Some(0 | 1)), "{id} {model}: {dim} = {v}");
                    assert!(!rationale[dim].as_str().unwrap_or("").trim().is_empty());
                }
            }
        }
    }

    /// Whether `text` is written in the script of `language` (as far as these languages go).
    fn script_matches(language: &str, text: &str) -> bool {
        let any = |lo: u32, hi: u32| text.chars().any(|c| (lo..=hi).contains(&(c as u32)));
        match language {
            "zh" => any(0x4E00, 0x9FFF) && !any(0x3040, 0x30FF),
            "ja" => any(0x3040, 0x30FF),
            "ko" => any(0xAC00, 0xD7AF),
            "ar" => any(0x0600, 0x06FF) && !text.contains('\u{06CC}') && !text.contains('\u{067E}'),
            // Persian has letters Arabic lacks: ی (U+06CC), پ (U+067E), گ, چ.
            "fa" => text.contains('\u{06CC}') || text.contains('\u{067E}'),
            "hi" => any(0x0900, 0x097F),
            "th" => any(0x0E00, 0x0E7F),
            "am" => any(0x1200, 0x137F),
            "ru" => any(0x0400, 0x04FF),
            "es" | "id" => is_latin(text),
            _ => false,
        }
    }

    /// Every letter is Latin (Basic Latin up to Latin Extended-B), and there is at least one.
    fn is_latin(text: &str) -> bool {
        let mut letters = text.chars().filter(|c| c.is_alphabetic()).peekable();
        letters.peek().is_some() && letters.all(|c| (c as u32) < 0x250)
    }

    #[test]
    fn items_cover_the_required_countries_languages_and_scripts() {
        let items = items();
        let countries: BTreeSet<&str> = items.iter().map(|i| str_of(i, "country")).collect();
        let languages: BTreeSet<&str> = items.iter().map(|i| str_of(i, "language")).collect();
        assert!(countries.len() >= 8, "{countries:?}");
        assert!(languages.len() >= 8, "{languages:?}");
        for needed in ["zh", "ja", "ar", "fa", "hi", "th", "ru", "am"] {
            assert!(languages.contains(needed), "no {needed} item");
        }
        for item in &items {
            let (language, query) = (str_of(item, "language"), str_of(item, "query"));
            assert!(
                script_matches(language, query),
                "{}: query is not written in {language}'s script",
                str_of(item, "id")
            );
            assert!(is_latin(str_of(item, "query_en")), "{}: query_en is not English", str_of(item, "id"));
        }
    }

    #[test]
    fn one_response_is_long_enough_to_scroll() {
        let longest = items()
            .iter()
            .flat_map(|i| i["responses"].as_array().unwrap().clone())
            .map(|r| r["text"].as_str().unwrap().lines().count())
            .max()
            .unwrap();
        assert!(longest > 60, "longest response has {longest} lines");
    }

    #[test]
    fn declared_judge_errors_name_real_responses_and_agree_with_gold() {
        let dims = dimensions();
        let mut declared = 0;
        let mut gold_items = 0;
        for item in items() {
            let id = str_of(&item, "id").to_string();
            let judge: BTreeMap<String, Map<String, Value>> = item["responses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (r["model"].as_str().unwrap().to_string(), r["judge"].as_object().unwrap().clone()))
                .collect();
            let meta = item["meta"].as_object().unwrap();
            let errors: BTreeSet<(String, String)> = match meta.get("demo_judge_errors") {
                None => BTreeSet::new(),
                Some(list) => list
                    .as_array()
                    .expect("demo_judge_errors is a list")
                    .iter()
                    .map(|e| {
                        let e = e.as_str().expect("\"model.dimension\"");
                        let (model, dim) = e.rsplit_once('.').unwrap_or_else(|| panic!("{id}: {e}"));
                        assert!(judge.contains_key(model), "{id}: {e} names no response");
                        assert!(dims.iter().any(|d| d == dim), "{id}: {e} names no dimension");
                        (model.to_string(), dim.to_string())
                    })
                    .collect(),
            };
            declared += errors.len();
            if let Some(gold) = meta.get("gold") {
                // Gold answers must be the truth: they differ from the judge exactly where the
                // judge is declared wrong.
                gold_items += 1;
                let gold = gold.as_object().unwrap();
                assert_eq!(
                    gold.keys().collect::<BTreeSet<_>>(),
                    judge.keys().collect::<BTreeSet<_>>(),
                    "{id}"
                );
                for (model, answers) in gold {
                    for dim in &dims {
                        let g = answers[dim].as_i64().unwrap();
                        let j = judge[model][dim].as_i64().unwrap();
                        let wrong = errors.contains(&(model.clone(), dim.clone()));
                        assert_eq!(g != j, wrong, "{id} {model}.{dim}: gold {g}, judge {j}");
                    }
                }
            }
        }
        assert!(declared >= 8, "only {declared} judge errors declared");
        assert_eq!(gold_items, 2);
    }

    #[test]
    fn pairs_point_at_demo_items_and_declare_their_truth() {
        let pairs = jsonl(PAIRS_FILE);
        assert_eq!(pairs.len(), 6);
        let item_ids: BTreeSet<String> = items().iter().map(|i| str_of(i, "id").to_string()).collect();
        let mut truths = BTreeMap::new();
        let mut conversational = 0;
        for p in &pairs {
            let id = str_of(p, "id");
            assert!(item_ids.contains(str_of(p, "item_id")), "{id}: unknown item");
            for image in p["images"].as_array().unwrap() {
                assert!(demo_file(image.as_str().unwrap()).is_some(), "{id}: {image} is not embedded");
            }
            match (&p["prompt"], &p["chosen"], &p["rejected"]) {
                (Value::String(_), Value::String(c), Value::String(r)) => assert_ne!(c, r),
                (Value::Array(prompt), Value::Array(c), Value::Array(r)) => {
                    conversational += 1;
                    assert_eq!(prompt.last().unwrap()["role"], "user");
                    for side in [c, r] {
                        assert_eq!(side.len(), 1);
                        assert_eq!(side[0]["role"], "assistant");
                        assert!(side[0]["content"].is_string());
                    }
                }
                _ => panic!("{id}: prompt, chosen and rejected must be all strings or all messages"),
            }
            let truth = p["meta"]["demo_truth"].as_str().unwrap_or_else(|| panic!("{id}: demo_truth"));
            assert!(crate::model::Verdict::parse(truth).is_some(), "{id}: {truth}");
            *truths.entry(truth).or_insert(0) += 1;
        }
        assert_eq!(conversational, 2);
        assert!((1..=2).contains(&truths.get("flip").copied().unwrap_or(0)), "{truths:?}");
        assert_eq!(truths.get("both_bad"), Some(&1), "{truths:?}");
    }

    #[test]
    fn writing_the_demo_creates_every_file_and_leaves_identical_ones_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("demo");
        write_demo_files(&target).unwrap();
        for (name, bytes) in DEMO_FILES {
            assert_eq!(std::fs::read(target.join(name)).unwrap(), *bytes, "{name}");
        }

        // An identical file is not rewritten: its modification time stays in the past.
        let items_path = target.join(ITEMS_FILE);
        let past = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        std::fs::File::options().write(true).open(&items_path).unwrap().set_modified(past).unwrap();
        // A damaged file is replaced.
        let image_path = target.join("images/knife.png");
        std::fs::write(&image_path, b"not a png").unwrap();

        write_demo_files(&target).unwrap();
        assert_eq!(std::fs::metadata(&items_path).unwrap().modified().unwrap(), past);
        assert_eq!(std::fs::read(&image_path).unwrap(), demo_file("images/knife.png").unwrap());
        let leftovers: Vec<_> = std::fs::read_dir(target.join("images"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
