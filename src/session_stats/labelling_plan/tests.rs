use super::*;
use crate::agreement::plan::{Basis, sample_size};
use crate::model::{Item, Response};
use crate::schema::Schema;
use crate::store::NewEvent;

fn precision() -> Precision {
    Precision::new(0.2, 0.95).unwrap()
}

/// Twelve responses: eight in `ja`, four in `th`; one dimension; one judge.
fn input(human: Vec<u16>, judge: Vec<u16>) -> PlanInput {
    let n = human.len();
    PlanInput {
        responses: (0..n).map(|i| (format!("i{i:02}"), "m".to_string())).collect(),
        strata: (0..n).map(|i| if i < 8 { "ja" } else { "th" }.to_string()).collect(),
        human: vec![("compliance".to_string(), human)],
        judges: vec![("gpt".to_string(), vec![judge])],
    }
}

#[test]
fn without_decisions_every_stratum_plans_the_worst_case() {
    let plan =
        LabellingPlan::build(&input(vec![MISSING; 12], vec![1; 12]), precision(), Some(GroupBy::Language));
    assert_eq!(plan.strata, ["ja", "th"]);
    assert_eq!(plan.population, [8, 4]);
    let (name, strata) = &plan.dimensions[0];
    assert_eq!(name, "compliance");
    // n₀ = 1.96²·¼/0.2² = 24.01; for 8 responses 24.01·8/31.01 = 6.19 → 7.
    assert_eq!(strata[0].needed, 7);
    assert_eq!(strata[0].needed, sample_size(0.5, precision(), 8));
    assert_eq!(strata[1].needed, sample_size(0.5, precision(), 4));
    assert_eq!(strata[0].judges[0].basis, Basis::WorstCase);
    assert_eq!(plan.to_label(0), 7);
    assert_eq!(plan.total_to_label(), 7 + strata[1].needed);
    assert_eq!(plan.undecided[0].len(), 8);
}

#[test]
fn decisions_count_toward_the_need_and_are_not_sampled_again() {
    // Four decided responses in `ja`, the judge right on three of them.
    let mut human = vec![MISSING; 12];
    human[..4].copy_from_slice(&[1, 1, 0, 1]);
    let plan = LabellingPlan::build(&input(human, vec![1; 12]), precision(), Some(GroupBy::Language));
    let ja = &plan.dimensions[0].1[0];
    assert_eq!(ja.decided, 4);
    assert_eq!(ja.judges[0].compared, 4);
    assert!(matches!(ja.judges[0].basis, Basis::Observed { right: 3, compared: 4, .. }));
    assert_eq!(ja.to_label, ja.needed.saturating_sub(4).min(4));
    assert_eq!(plan.undecided[0].len(), 4);
    let sample = plan.sample(7);
    let from_ja: Vec<_> = sample.iter().filter(|k| plan.undecided[0].contains(k)).collect();
    assert_eq!(from_ja.len() as u64, plan.to_label(0));
    assert!(sample.iter().all(|k| plan.undecided.iter().flatten().any(|u| u == k)), "only undecided ones");
    assert_eq!(sample.len() as u64, plan.total_to_label());
    assert_eq!(plan.sample(7), sample, "one seed, one sample");
}

#[test]
fn a_sample_smaller_than_the_stratum_depends_on_the_seed() {
    let input = PlanInput {
        responses: (0..200).map(|i| (format!("i{i:03}"), "m".to_string())).collect(),
        strata: vec![WHOLE_SESSION.to_string(); 200],
        human: vec![("compliance".to_string(), vec![MISSING; 200])],
        judges: Vec::new(),
    };
    let plan = LabellingPlan::build(&input, precision(), None);
    assert_eq!(plan.to_label(0), sample_size(0.5, precision(), 200));
    assert!(plan.to_label(0) < 200);
    assert_ne!(plan.sample(1), plan.sample(2));
    let json = plan.to_json();
    assert_eq!(json["by"], Value::Null);
    assert_eq!(json["strata"]["all"]["to_label"], plan.to_label(0));
    assert_eq!(json["dimensions"]["compliance"]["all"]["population"], 200);
}

fn item(id: &str, language: &str, judge: i64) -> Item {
    Item {
        id: id.into(),
        query: format!("query of {id}"),
        language: Some(language.into()),
        responses: vec![Response {
            model: "m".into(),
            text: "an answer".into(),
            judge: [("compliance".to_string(), judge)].into_iter().collect(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn label(store: &mut Store, annotator: &str, id: &str, value: i64) {
    store.record(&NewEvent::response_label(annotator, id, "m", "compliance", value)).unwrap();
}

#[test]
fn reads_decisions_and_judge_scores_from_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).unwrap();
    store
        .import(|imp| {
            for (id, lang) in [("a", "ja"), ("b", "ja"), ("c", "ja"), ("d", "th")] {
                imp.upsert_item(&item(id, lang, 1))?;
            }
            Ok(())
        })
        .unwrap();
    // a: decided 1 (judge right); b: decided 0 (judge wrong); c: a tie, undecided.
    label(&mut store, "ann", "a", 1);
    label(&mut store, "ann", "b", 0);
    label(&mut store, "ann", "c", 1);
    label(&mut store, "bob", "c", 0);
    let plan = LabellingPlan::of_session(&store, precision(), Some(GroupBy::Language)).unwrap();
    assert_eq!(plan.judges, ["judge"]);
    assert_eq!(plan.strata, ["ja", "th"]);
    let compliance = &plan.dimensions.iter().find(|(n, _)| n == "compliance").unwrap().1;
    assert_eq!(compliance[0].decided, 2);
    assert!(matches!(compliance[0].judges[0].basis, Basis::Observed { right: 1, compared: 2, .. }));
    assert_eq!(compliance[1].decided, 0);
    // Other dimensions are undecided everywhere: every response is a candidate.
    assert_eq!(plan.undecided[0].len(), 3);
    let awareness = &plan.dimensions.iter().find(|(n, _)| n == "awareness").unwrap().1;
    assert_eq!(awareness[0].to_label, 3);
}
