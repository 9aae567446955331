//! Training data from validated preference pairs: `dpo-trl`, `dpo-openai` and `kto`.
//!
//! Every pair goes through [`decide_pair`](super::decide_pair): an adjudicator's verdict is
//! final; otherwise at least K annotators and a strict majority. Then, for DPO, `agree` keeps the pair as it is, `flip` swaps chosen and rejected,
//! and `tie`, `both_bad` and `unsure` leave it out; for KTO, each side becomes one example whose
//! label says whether it is desirable (`agree`: chosen true, rejected false; `flip`: the reverse;
//! `both_bad`: both false; `tie`, "both fine": both true; `unsure`: left out).

use super::{
    ExportData, ExportError, ExportOptions, ExportSummary, OpenAiImages, PairDecision, PairMeta, decide_pair,
    split_pair_verdicts,
};
use crate::model::{Pair, Verdict};
use serde::Serialize;
use serde_json::{Map, Value as Json, json};
use std::borrow::Cow;
use std::collections::HashMap;

/// One row of a preference export, borrowing from the session's data: rows are serialised
/// straight from it, without building a JSON tree per row (100,000 rows in well under a second).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum PreferenceRow<'a> {
    Trl {
        prompt: Cow<'a, Json>,
        chosen: Cow<'a, Json>,
        rejected: Cow<'a, Json>,
        images: Vec<Cow<'a, str>>,
        meta: PairMeta<'a>,
    },
    Kto {
        prompt: Cow<'a, Json>,
        completion: Cow<'a, Json>,
        label: bool,
        images: Vec<Cow<'a, str>>,
        meta: PairMeta<'a>,
    },
    OpenAi {
        input: Map<String, Json>,
        preferred_output: Json,
        non_preferred_output: Json,
        meta: PairMeta<'a>,
    },
}

pub type Emit<'e> = dyn for<'r> FnMut(&PreferenceRow<'r>) -> Result<(), ExportError> + 'e;

/// A response as a message list when the prompt is one: TRL's conversational format needs
/// `chosen`/`rejected` to be lists of assistant messages when `prompt` is a list of messages.
fn completion_like_prompt<'a>(prompt: &Json, completion: &'a Json) -> Cow<'a, Json> {
    match (prompt, completion) {
        (Json::Array(_), Json::String(s)) => Cow::Owned(json!([{"role": "assistant", "content": s}])),
        _ => Cow::Borrowed(completion),
    }
}

/// Whether the session mixes standard (string) and conversational (message list) prompts. A
/// file that mixes both does not load in `datasets` (a column cannot be both a string and a
/// list) and TRL could not train on it, so then every prompt is exported conversational.
pub fn prompts_mixed(pairs: &[Pair]) -> bool {
    let conversational = pairs.iter().filter(|p| p.prompt.is_array()).count();
    conversational > 0 && conversational < pairs.len()
}

/// The prompt as written: as given, or, when `conversational` and it is a string, one user
/// message whose content is TRL's image placeholders (one per image) then the text.
fn prompt_as(prompt: &Json, conversational: bool, n_images: usize) -> Cow<'_, Json> {
    match prompt {
        Json::String(s) if conversational => {
            let mut parts: Vec<Json> = (0..n_images).map(|_| json!({"type": "image"})).collect();
            parts.push(json!({"type": "text", "text": s}));
            Cow::Owned(json!([{"role": "user", "content": parts}]))
        }
        _ => Cow::Borrowed(prompt),
    }
}

/// A pair that passed the decision rule, with its verdict and provenance.
struct Decided<'a> {
    pair: &'a Pair,
    verdict: Verdict,
    meta: PairMeta<'a>,
}

/// Runs the decision rule over every pair in import order and calls `f` for each decided one
/// whose verdict is in `kept`; the others are counted in the summary with the reason.
fn for_each_decided<'a>(
    data: &'a ExportData,
    opts: &ExportOptions,
    kept: &[Verdict],
    f: &mut dyn FnMut(Decided<'a>, &mut ExportSummary) -> Result<(), ExportError>,
) -> Result<ExportSummary, ExportError> {
    let (verdicts, adjudicated) = split_pair_verdicts(&data.current, &data.adjudicators);
    let mut summary = ExportSummary::default();
    for pair in &data.pairs {
        let given = verdicts.get(pair.id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let adjudication = adjudicated.get(pair.id.as_str());
        let decision = decide_pair(given, opts.min_annotators, adjudication);
        match &decision {
            PairDecision::Decided { verdict, .. } if kept.contains(verdict) => {
                let meta = PairMeta::new(pair, given, *verdict, adjudication.map(|a| a.adjudicator));
                f(Decided { pair, verdict: *verdict, meta }, &mut summary)?;
            }
            other => summary.leave_out(other.left_out_reason(opts.min_annotators)),
        }
    }
    Ok(summary)
}

/// (better, worse) for a kept DPO verdict.
fn ordered(pair: &Pair, verdict: Verdict) -> (&Json, &Json) {
    if verdict == Verdict::Flip { (&pair.rejected, &pair.chosen) } else { (&pair.chosen, &pair.rejected) }
}

/// Image references as written, computed once per distinct stored image (items share them).
struct ImageRefs<'a> {
    opts: &'a ExportOptions,
    cache: HashMap<&'a str, String>,
}

impl<'a> ImageRefs<'a> {
    fn new(opts: &'a ExportOptions) -> ImageRefs<'a> {
        ImageRefs { opts, cache: HashMap::new() }
    }
    fn of(&mut self, pair: &'a Pair) -> Vec<Cow<'a, str>> {
        pair.images
            .iter()
            .map(|stored| {
                let r =
                    self.cache.entry(stored.as_str()).or_insert_with(|| self.opts.images.reference(stored));
                if r == stored { Cow::Borrowed(stored.as_str()) } else { Cow::Owned(r.clone()) }
            })
            .collect()
    }
}

/// `dpo-trl`: `{"prompt", "chosen", "rejected", "images", "meta"}`.
pub fn dpo_trl_rows(
    data: &ExportData,
    opts: &ExportOptions,
    emit: &mut Emit<'_>,
) -> Result<ExportSummary, ExportError> {
    let conversational = prompts_mixed(&data.pairs);
    let mut refs = ImageRefs::new(opts);
    for_each_decided(data, opts, &[Verdict::Agree, Verdict::Flip], &mut |d, summary| {
        let (better, worse) = ordered(d.pair, d.verdict);
        let images = refs.of(d.pair);
        let prompt = prompt_as(&d.pair.prompt, conversational, images.len());
        let (chosen, rejected) =
            (completion_like_prompt(&prompt, better), completion_like_prompt(&prompt, worse));
        emit(&PreferenceRow::Trl { prompt, chosen, rejected, images, meta: d.meta })?;
        summary.rows += 1;
        Ok(())
    })
}

/// `kto`: `{"prompt", "completion", "label", "images", "meta"}`, one row per side.
pub fn kto_rows(
    data: &ExportData,
    opts: &ExportOptions,
    emit: &mut Emit<'_>,
) -> Result<ExportSummary, ExportError> {
    let kept = [Verdict::Agree, Verdict::Flip, Verdict::BothBad, Verdict::Tie];
    let conversational = prompts_mixed(&data.pairs);
    let mut refs = ImageRefs::new(opts);
    for_each_decided(data, opts, &kept, &mut |d, summary| {
        let (chosen_ok, rejected_ok) = match d.verdict {
            Verdict::Agree => (true, false),
            Verdict::Flip => (false, true),
            Verdict::Tie => (true, true),
            _ => (false, false),
        };
        let images = refs.of(d.pair);
        let prompt = prompt_as(&d.pair.prompt, conversational, images.len());
        for (side, completion, label) in
            [("chosen", &d.pair.chosen, chosen_ok), ("rejected", &d.pair.rejected, rejected_ok)]
        {
            let meta = PairMeta { side: Some(side), ..d.meta.clone() };
            emit(&PreferenceRow::Kto {
                prompt: Cow::Borrowed(prompt.as_ref()),
                completion: completion_like_prompt(&prompt, completion),
                label,
                images: images.iter().map(|i| Cow::Borrowed(i.as_ref())).collect(),
                meta,
            })?;
            summary.rows += 1;
        }
        Ok(())
    })
}

/// A message's content as a list of parts (a string becomes one text part).
fn content_parts(content: &Json) -> Vec<Json> {
    match content {
        Json::Array(parts) => parts.clone(),
        Json::Null => Vec::new(),
        Json::String(s) => vec![json!({"type": "text", "text": s})],
        other => vec![json!({"type": "text", "text": other.to_string()})],
    }
}

fn image_part(url: String) -> Json {
    json!({"type": "image_url", "image_url": {"url": url}})
}

/// OpenAI's `input.messages` for a prompt with images. A string prompt becomes one user message.
/// In a message list, TRL's image placeholders (`{"type": "image"}`) are replaced by the images in
/// order; images left over join the first user message, after its text.
pub fn openai_messages(prompt: &Json, image_urls: Vec<String>) -> Vec<Json> {
    let mut images = image_urls.into_iter();
    let mut messages: Vec<Json> = match prompt {
        Json::Array(msgs) => msgs.clone(),
        Json::String(s) => vec![json!({"role": "user", "content": s})],
        other => vec![json!({"role": "user", "content": other.to_string()})],
    };
    for m in messages.iter_mut() {
        let Some(Json::Array(parts)) = m.get_mut("content") else { continue };
        for part in parts.iter_mut() {
            let is_placeholder =
                part.get("type").and_then(Json::as_str) == Some("image") && part.get("image_url").is_none();
            if is_placeholder {
                *part = match images.next() {
                    Some(url) => image_part(url),
                    // More placeholders than images: nothing to show, so no part.
                    None => Json::Null,
                };
            }
        }
        parts.retain(|p| !p.is_null());
    }
    let rest: Vec<Json> = images.map(image_part).collect();
    if !rest.is_empty() {
        let at = messages.iter().position(|m| m.get("role").and_then(Json::as_str) == Some("user"));
        let target = match at {
            Some(i) => &mut messages[i],
            None => {
                messages.insert(0, json!({"role": "user", "content": []}));
                &mut messages[0]
            }
        };
        let mut parts = content_parts(target.get("content").unwrap_or(&Json::Null));
        parts.extend(rest);
        target["content"] = Json::Array(parts);
    }
    messages
}

/// A completion as OpenAI's list of assistant messages.
fn openai_output(completion: &Json) -> Json {
    match completion {
        Json::Array(_) => completion.clone(),
        Json::String(s) => json!([{"role": "assistant", "content": s}]),
        other => json!([{"role": "assistant", "content": other.to_string()}]),
    }
}

/// The last image read, as a data URL: consecutive pairs often share an item's image.
#[derive(Default)]
struct DataUrlCache {
    last: Option<(std::path::PathBuf, String)>,
}

impl DataUrlCache {
    fn get(&mut self, path: &std::path::Path, pair_id: &str) -> Result<String, ExportError> {
        if let Some((p, url)) = &self.last
            && p == path
        {
            return Ok(url.clone());
        }
        // The shared image checks: a regular file (a FIFO or a device is refused without
        // waiting), not empty, at most `imaging::MAX_FILE_BYTES`.
        let bytes = crate::imaging::read_image_file(path).map_err(|e| ExportError::UnreadableImage {
            path: path.to_path_buf(),
            pair_id: pair_id.to_string(),
            reason: e.to_string(),
        })?;
        let url = super::images::data_url(&bytes, path)
            .map_err(|e| ExportError::OfPair { pair_id: pair_id.to_string(), error: Box::new(e) })?;
        self.last = Some((path.to_path_buf(), url.clone()));
        Ok(url)
    }
}

/// `dpo-openai`: `{"input": {"messages"}, "preferred_output", "non_preferred_output", "meta"}`.
pub fn dpo_openai_rows(
    data: &ExportData,
    opts: &ExportOptions,
    emit: &mut Emit<'_>,
) -> Result<ExportSummary, ExportError> {
    let mut cache = DataUrlCache::default();
    for_each_decided(data, opts, &[Verdict::Agree, Verdict::Flip], &mut |d, summary| {
        let (better, worse) = ordered(d.pair, d.verdict);
        let mut urls = Vec::with_capacity(d.pair.images.len());
        for stored in &d.pair.images {
            let url = match (opts.openai_images, opts.images.local_file(stored)) {
                (OpenAiImages::DataUrl, Some(file)) => cache.get(&file, &d.pair.id)?,
                _ => opts.images.reference(stored),
            };
            urls.push(url);
        }
        let mut input = Map::new();
        input.insert("messages".into(), Json::Array(openai_messages(&d.pair.prompt, urls)));
        emit(&PreferenceRow::OpenAi {
            input,
            preferred_output: openai_output(better),
            non_preferred_output: openai_output(worse),
            meta: d.meta,
        })?;
        summary.rows += 1;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_prompt_gets_text_then_images() {
        let m = openai_messages(&json!("Is this gift fine?"), vec!["data:x".into()]);
        assert_eq!(
            Json::Array(m),
            json!([{"role": "user", "content": [
                {"type": "text", "text": "Is this gift fine?"},
                {"type": "image_url", "image_url": {"url": "data:x"}}]}])
        );
        let m = openai_messages(&json!("plain"), vec![]);
        assert_eq!(Json::Array(m), json!([{"role": "user", "content": "plain"}]));
    }

    #[test]
    fn placeholders_are_replaced_in_order_and_extras_join_the_first_user_message() {
        let prompt = json!([
            {"role": "system", "content": "Be careful."},
            {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is it?"}]}
        ]);
        let m = openai_messages(&prompt, vec!["a".into(), "b".into()]);
        assert_eq!(
            Json::Array(m),
            json!([
                {"role": "system", "content": "Be careful."},
                {"role": "user", "content": [
                    {"type": "image_url", "image_url": {"url": "a"}},
                    {"type": "text", "text": "What is it?"},
                    {"type": "image_url", "image_url": {"url": "b"}}]}
            ])
        );
    }

    #[test]
    fn mixed_sessions_export_every_prompt_conversational() {
        assert_eq!(
            *prompt_as(&json!("q"), true, 1),
            json!([{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "q"}]}])
        );
        assert_eq!(*prompt_as(&json!("q"), false, 1), json!("q"));
        let conv = json!([{"role": "user", "content": "q"}]);
        assert_eq!(*prompt_as(&conv, true, 0), conv);
    }

    #[test]
    fn conversational_completions_stay_conversational() {
        let p = json!([{"role": "user", "content": "q"}]);
        assert_eq!(*completion_like_prompt(&p, &json!("a")), json!([{"role": "assistant", "content": "a"}]));
        assert_eq!(*completion_like_prompt(&json!("q"), &json!("a")), json!("a"));
        let list = json!([{"role": "assistant", "content": "a"}]);
        assert_eq!(*completion_like_prompt(&p, &list), list);
        assert_eq!(openai_output(&json!("a")), list);
    }
}
