//! How a pair's prompt and responses read as text: each is a string or a list of
//! `{role, content}` messages whose content is a string or a list of parts.

use serde_json::Value as Json;

/// One message of a prompt or response: its role (none for a plain string) and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Option<String>,
    pub text: String,
}

/// The text of a message `content`: a string, or a list of parts (`{"type": "text", "text"}`,
/// `{"type": "image"}` shown as `[image]`).
fn content_text(content: &Json) -> String {
    match content {
        Json::String(s) => s.clone(),
        Json::Array(parts) => parts
            .iter()
            .map(|p| match p {
                Json::String(s) => s.clone(),
                Json::Object(o) => match o.get("text").and_then(Json::as_str) {
                    Some(t) => t.to_string(),
                    None if o.get("type").and_then(Json::as_str).is_some_and(|t| t.starts_with("image")) => {
                        "[image]".to_string()
                    }
                    None => Json::Object(o.clone()).to_string(),
                },
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// A prompt, chosen or rejected value as messages: a string is one message without a role;
/// a list of `{role, content}` gives one message each.
pub fn messages(v: &Json) -> Vec<Message> {
    match v {
        Json::Array(list) => list
            .iter()
            .map(|m| match m {
                Json::Object(o) => Message {
                    role: o.get("role").and_then(Json::as_str).map(str::to_string),
                    text: o.get("content").map(content_text).unwrap_or_default(),
                },
                other => Message { role: None, text: content_text(other) },
            })
            .collect(),
        other => vec![Message { role: None, text: content_text(other) }],
    }
}

/// Messages as plain text (`role: text` per message), for search and for the panes.
pub fn as_text(v: &Json) -> String {
    messages(v)
        .into_iter()
        .map(|m| match m.role {
            Some(r) => format!("{r}: {}", m.text),
            None => m.text,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_keep_roles_and_parts() {
        let v = json!([{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Is this ok?"}]},
                       {"role": "assistant", "content": "Yes."}]);
        assert_eq!(as_text(&v), "user: [image] Is this ok?\nassistant: Yes.");
        assert_eq!(as_text(&json!("plain")), "plain");
    }
}
