//! Several named judges per response: their names in first-import order, one response's scores
//! and rationales from each, and one judge's scores of every response. The tables are
//! `judges` and `response_judges` (docs/session-database.md); the first judge is the session's
//! default, whose scores only `responses.judge` keeps (the view `all_response_judges` shows
//! every judge's).

use super::Store;
use super::reads::json_col;
use crate::model::{Rationale, Value};
use rusqlite::{OptionalExtension, params};
use std::collections::{BTreeMap, HashMap};

/// The name of the judge whose scores an import carries when none is named.
pub const DEFAULT_JUDGE: &str = "judge";

/// One judge's scores and rationales of one response.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JudgeView {
    pub judge: String,
    pub scores: BTreeMap<String, Value>,
    pub rationale: BTreeMap<String, Rationale>,
}

impl Store {
    /// Every judge that scored something, in the order they were first imported (the first is
    /// the default judge).
    pub fn judge_names(&self) -> rusqlite::Result<Vec<String>> {
        judge_names_in(&self.conn)
    }

    /// The judges that scored the response (`item_id`, `model`), in `judge_names` order.
    pub fn judges_of(&self, item_id: &str, model: &str) -> rusqlite::Result<Vec<JudgeView>> {
        let mut st = self.conn.prepare_cached(
            "SELECT rj.judge, rj.scores, rj.rationale FROM all_response_judges rj
             JOIN judges j ON j.name = rj.judge
             WHERE rj.item_id = ?1 AND rj.model = ?2 ORDER BY j.seq",
        )?;
        st.query_map(params![item_id, model], |r| {
            Ok(JudgeView {
                judge: r.get(0)?,
                scores: json_col(r.get::<_, String>(1)?),
                rationale: json_col(r.get::<_, String>(2)?),
            })
        })?
        .collect()
    }

    /// Judge `judge`'s values of every response it scored, read in one scan of its rows:
    /// (item id, model) → dimension → value.
    pub fn judge_values(
        &self,
        judge: &str,
    ) -> rusqlite::Result<HashMap<(String, String), BTreeMap<String, Value>>> {
        let mut out = HashMap::new();
        self.for_each_judge_value(judge, |item, model, scores| {
            out.insert((item.to_string(), model.to_string()), scores);
        })?;
        Ok(out)
    }

    /// As `judge_values`, handing each response's values to `f` instead of holding them all
    /// (a million responses' maps would be hundreds of megabytes).
    pub fn for_each_judge_value(
        &self,
        judge: &str,
        mut f: impl FnMut(&str, &str, BTreeMap<String, Value>),
    ) -> rusqlite::Result<()> {
        let mut default_st;
        let mut other_st;
        let mut rows = if default_judge_in(&self.conn)?.as_deref() == Some(judge) {
            // From the narrow `responses_judge` index, without reading the response texts.
            default_st = self
                .conn
                .prepare_cached("SELECT item_id, model, judge FROM responses WHERE judge <> '{}'")?;
            default_st.query([])?
        } else {
            other_st = self
                .conn
                .prepare_cached("SELECT item_id, model, scores FROM response_judges WHERE judge = ?1")?;
            other_st.query([judge])?
        };
        while let Some(r) = rows.next()? {
            let scores: BTreeMap<String, Value> = json_col(r.get::<_, String>(2)?);
            if !scores.is_empty() {
                f(r.get_ref(0)?.as_str()?, r.get_ref(1)?.as_str()?, scores);
            }
        }
        Ok(())
    }
}

pub(super) fn judge_names_in(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare_cached("SELECT name FROM judges ORDER BY seq")?;
    st.query_map([], |r| r.get(0))?.collect()
}

/// The session's default judge (the first imported), whose scores `responses.judge` keeps.
pub(super) fn default_judge_in(conn: &rusqlite::Connection) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT name FROM main.judges ORDER BY seq LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()
}

/// Writes `judge`'s scores and rationales (JSON) of model `model`'s response to `item_id` where
/// session format 8 keeps them: the default judge's (`is_default`) in `responses.judge` and
/// `judge_rationale`, another judge's in `response_judges`.
pub(super) fn write_scores(
    conn: &rusqlite::Connection,
    is_default: bool,
    judge: &str,
    (item_id, model): (&str, &str),
    scores: &str,
    rationale: &str,
) -> rusqlite::Result<()> {
    if is_default {
        conn.prepare_cached(
            "UPDATE main.responses SET judge = ?3, judge_rationale = ?4 WHERE item_id = ?1 AND model = ?2",
        )?
        .execute(params![item_id, model, scores, rationale])?;
    } else {
        conn.prepare_cached(
            "INSERT INTO main.response_judges(judge, item_id, model, scores, rationale) VALUES (?1,?2,?3,?4,?5)
             ON CONFLICT(judge, item_id, model) DO UPDATE SET scores = excluded.scores, rationale = excluded.rationale",
        )?
        .execute(params![judge, item_id, model, scores, rationale])?;
    }
    Ok(())
}

/// `judge`'s scores and rationales of the response, where `write_scores` keeps them; none when
/// it gave neither.
pub(super) fn stored_scores(
    conn: &rusqlite::Connection,
    is_default: bool,
    judge: &str,
    (item_id, model): (&str, &str),
) -> rusqlite::Result<Option<(String, String)>> {
    let pair = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?));
    if is_default {
        conn.prepare_cached(
            "SELECT judge, judge_rationale FROM main.responses WHERE item_id = ?1 AND model = ?2
               AND (judge <> '{}' OR judge_rationale <> '{}')",
        )?
        .query_row([item_id, model], pair)
        .optional()
    } else {
        conn.prepare_cached(
            "SELECT scores, rationale FROM main.response_judges WHERE judge = ?1 AND item_id = ?2 AND model = ?3",
        )?
        .query_row([judge, item_id, model], pair)
        .optional()
    }
}

/// A response already in the session whose text differs from the one being imported, while
/// other judges scored the text in the session: adding scores to it would pair them with a
/// text they were not given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseTextDiffers {
    pub item_id: String,
    pub model: String,
    /// The judges whose scores are of the text in the session.
    pub judges: Vec<String>,
}

impl std::fmt::Display for ResponseTextDiffers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "model {:?}'s response to {:?} differs from the one in the session, which judge(s) {} scored; scores of several judges must be of the same response text (import the evaluation file of the same generation run, or start a new session)",
            self.model,
            self.item_id,
            self.judges.join(", ")
        )
    }
}

impl std::error::Error for ResponseTextDiffers {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Item, Response};
    use crate::schema::Schema;
    use crate::store::tables_sql;
    use rusqlite::Connection;

    fn item(id: &str, text: &str, compliance: Value) -> Item {
        Item {
            id: id.into(),
            query: "q".into(),
            responses: vec![Response {
                model: "m".into(),
                text: text.into(),
                judge: [("compliance".to_string(), compliance)].into_iter().collect(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn import(s: &mut Store, judge: Option<&str>, items: &[Item]) -> Result<(), crate::store::StoreError> {
        s.import(|imp| {
            if let Some(j) = judge {
                imp.set_judge(j);
            }
            items.iter().try_for_each(|i| imp.upsert_item(i))
        })
    }

    /// A session of format 6 (before named judges) holding the rows `sql` inserts.
    fn format_6_session(path: &std::path::Path, sql: &str) {
        let conn = Connection::open(path).unwrap();
        tables_sql::migrate_between(&conn, 0, 6).unwrap();
        let schema = serde_json::to_string(&Schema::cross_eval()).unwrap();
        for (k, v) in [("format", "crossreview-session"), ("schema", schema.as_str())] {
            conn.execute("INSERT INTO meta(key, value) VALUES (?1, ?2)", params![k, v]).unwrap();
        }
        conn.execute_batch(sql).unwrap();
    }

    #[test]
    fn a_session_of_format_6_keeps_its_scores_as_judge_judge() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v6.db");
        format_6_session(
            &path,
            r#"INSERT INTO items(id, query, imported_at) VALUES ('a', 'q', 'x'), ('b', 'q', 'x');
                   INSERT INTO responses(item_id, model, text, judge, judge_rationale)
                     VALUES ('a', 'm', 't', '{"compliance":0}', '{"compliance":"breaks it"}'),
                            ('b', 'm', 't', '{}', '{}');"#,
        );
        let s = Store::open(&path).unwrap();
        assert_eq!(s.judge_names().unwrap(), vec!["judge".to_string()]);
        let views = s.judges_of("a", "m").unwrap();
        assert_eq!(views.len(), 1);
        assert_eq!(views[0].judge, "judge");
        assert_eq!(views[0].scores["compliance"], 0);
        assert_eq!(views[0].rationale["compliance"].text, "breaks it");
        assert!(s.judges_of("b", "m").unwrap().is_empty(), "an unscored response has no judge");
        let values = s.judge_values("judge").unwrap();
        assert_eq!(values.len(), 1);
        assert_eq!(values[&("a".to_string(), "m".to_string())]["compliance"], 0);
    }

    #[test]
    fn a_second_judge_adds_its_scores_and_the_first_stays_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).unwrap();
        import(&mut s, Some("gpt"), &[item("a", "t", 1), item("b", "t", 0)]).unwrap();
        import(&mut s, Some("qwen"), &[item("a", "t", 0)]).unwrap();
        assert_eq!(s.judge_names().unwrap(), vec!["gpt".to_string(), "qwen".to_string()]);
        let names: Vec<(String, Value)> =
            s.judges_of("a", "m").unwrap().into_iter().map(|v| (v.judge, v.scores["compliance"])).collect();
        assert_eq!(names, vec![("gpt".to_string(), 1), ("qwen".to_string(), 0)]);
        assert_eq!(s.item("a").unwrap().unwrap().responses[0].judge["compliance"], 1, "the default's scores");
        assert_eq!(s.judge_values("qwen").unwrap().len(), 1);
        assert_eq!(s.judge_values("gpt").unwrap().len(), 2);
        // Re-importing the second judge replaces its scores only.
        import(&mut s, Some("qwen"), &[item("a", "t", 1)]).unwrap();
        assert_eq!(s.judges_of("a", "m").unwrap()[1].scores["compliance"], 1);
        assert_eq!(s.judge_values("gpt").unwrap()[&("a".to_string(), "m".to_string())]["compliance"], 1);
    }

    #[test]
    fn merged_responses_bring_their_judges_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut src = Store::create(&dir.path().join("src.db"), &Schema::cross_eval(), false).unwrap();
        import(&mut src, None, &[item("a", "t", 0)]).unwrap();
        drop(src);
        let mut target = Store::create(&dir.path().join("t.db"), &Schema::cross_eval(), false).unwrap();
        target.merge_from(&dir.path().join("src.db")).unwrap();
        assert_eq!(target.judge_names().unwrap(), vec!["judge".to_string()]);
        assert_eq!(
            target.judge_values("judge").unwrap()[&("a".to_string(), "m".to_string())]["compliance"],
            0
        );
        // A target whose default judge is named keeps it as its default; the source's judge
        // keeps its own name.
        let mut named = Store::create(&dir.path().join("n.db"), &Schema::cross_eval(), false).unwrap();
        import(&mut named, Some("gpt"), &[item("b", "t", 1)]).unwrap();
        named.merge_from(&dir.path().join("src.db")).unwrap();
        assert_eq!(named.judge_names().unwrap(), vec!["gpt".to_string(), "judge".to_string()]);
        assert_eq!(named.judges_of("a", "m").unwrap()[0].judge, "judge");
        let a = named.item("a").unwrap().unwrap();
        assert!(a.responses[0].judge.is_empty(), "the default judge (gpt) did not score a");
    }

    #[test]
    fn merged_responses_of_a_session_without_named_judges_bring_their_scores_as_the_targets_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v6.db");
        format_6_session(
            &path,
            r#"INSERT INTO items(id, query, imported_at) VALUES ('a', 'q', '2026-01-01T00:00:00.000000Z');
                   INSERT INTO responses(item_id, model, text, judge) VALUES ('a', 'm', 't', '{"compliance":0}');"#,
        );
        let mut named = Store::create(&dir.path().join("n.db"), &Schema::cross_eval(), false).unwrap();
        import(&mut named, Some("gpt"), &[item("b", "t", 1)]).unwrap();
        named.merge_from(&path).unwrap();
        assert_eq!(named.judge_names().unwrap(), vec!["gpt".to_string()]);
        assert_eq!(named.judges_of("a", "m").unwrap()[0].judge, "gpt");
        assert_eq!(named.judges_of("a", "m").unwrap()[0].scores["compliance"], 0);
    }

    #[test]
    fn another_text_is_refused_when_another_judge_scored_the_first_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).unwrap();
        import(&mut s, None, &[item("a", "t", 1)]).unwrap();
        let err = import(&mut s, Some("qwen"), &[item("b", "t", 1), item("a", "other", 0)]).unwrap_err();
        let crate::store::StoreError::ResponseTextDiffers(differs) = &err else {
            panic!("a typed error: {err}")
        };
        assert_eq!((differs.item_id.as_str(), differs.judges.clone()), ("a", vec!["judge".to_string()]));
        assert_eq!(s.judge_names().unwrap(), vec!["judge".to_string()]);
        assert!(s.item("b").unwrap().is_none(), "nothing of the failed import was written");
        // Without other judges, a re-import replaces the text as it always did.
        import(&mut s, None, &[item("a", "new text", 0)]).unwrap();
        assert_eq!(s.item("a").unwrap().unwrap().responses[0].text, "new text");
        assert_eq!(s.judges_of("a", "m").unwrap()[0].scores["compliance"], 0);
    }
}
