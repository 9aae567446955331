//! Duplicate keys in a JSON object: serde keeps the last one silently, so `{"awareness": 1,
//! "awareness": 0}` would import as 0 with no word. These helpers report them instead, as a
//! serde error positioned where the second key ends (so the message gets its line and column).

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt;
use std::marker::PhantomData;

/// A map that refuses a key given twice (for `judge` and `judge_rationale`). Each value is read
/// as `R` and kept as `V` (a score read as a `JudgeNumber` is kept as its integer), so that the
/// map needs no second pass to become the one the record keeps.
pub struct UniqueMap<V, R = V>(pub BTreeMap<String, V>, PhantomData<R>);

impl<'de, V, R: de::Deserialize<'de> + Into<V>> de::Deserialize<'de> for UniqueMap<V, R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V2<V, R>(PhantomData<(V, R)>);
        impl<'de, V, R: de::Deserialize<'de> + Into<V>> Visitor<'de> for V2<V, R> {
            type Value = UniqueMap<V, R>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueMap<V, R>, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(k) = map.next_key::<String>()? {
                    match out.entry(k) {
                        Entry::Occupied(e) => return Err(de::Error::custom(duplicate(e.key(), None))),
                        Entry::Vacant(e) => {
                            e.insert(map.next_value::<R>()?.into());
                        }
                    }
                }
                Ok(UniqueMap(out, PhantomData))
            }
        }
        d.deserialize_map(V2(PhantomData))
    }
}

fn duplicate(key: &str, within: Option<&str>) -> String {
    let place = within.map(|w| format!(" in {w}")).unwrap_or_default();
    format!("duplicate key {key:?}{place}: JSON would keep only the last one; remove one of them")
}

/// Where a value sits in the record: a chain of keys and indexes, built into a string only
/// when an error needs it.
#[derive(Clone, Copy)]
enum Place<'a> {
    Root,
    Key(&'a Place<'a>, &'a str),
    Index(&'a Place<'a>, usize),
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Place::Root => f.write_str("the record"),
            Place::Key(Place::Root, k) => f.write_str(k),
            Place::Key(p, k) => write!(f, "{p}.{k}"),
            Place::Index(p, i) => write!(f, "{p}[{i}]"),
        }
    }
}

struct Check<'a>(Place<'a>);

impl<'de> DeserializeSeed<'de> for Check<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while seq.next_element_seed(Check(Place::Index(&self.0, i)))?.is_some() {
            i += 1;
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(k) = map.next_key::<String>()? {
            if seen.contains(&k) {
                return Err(de::Error::custom(duplicate(&k, Some(&self.0.to_string()))));
            }
            map.next_value_seed(Check(Place::Key(&self.0, &k)))?;
            seen.insert(k);
        }
        Ok(())
    }
}

/// Checks a whole JSON text for an object with a key given twice, anywhere in it. The error
/// carries serde's line and column.
pub fn check(text: &str) -> Result<(), serde_json::Error> {
    let mut d = serde_json::Deserializer::from_str(text);
    Check(Place::Root).deserialize(&mut d)?;
    d.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_found_with_their_place_and_position() {
        assert!(check(r#"{"a": {"b": [1, {"c": 2}]}, "d": 3}"#).is_ok());
        let e = check("{\"chosen\": [{\"role\": \"user\",\n \"role\": \"assistant\"}]}").unwrap_err();
        assert!(e.to_string().contains("duplicate key \"role\" in chosen[0]"), "{e}");
        assert_eq!(e.line(), 2);
        // Escapes are decoded before comparing.
        assert!(check(r#"{"a": 1, "\u0061": 2}"#).unwrap_err().to_string().contains("\"a\" in the record"));
    }

    #[test]
    fn unique_maps_refuse_a_second_key() {
        let m: UniqueMap<i64> = serde_json::from_str(r#"{"x": 1, "y": 2}"#).unwrap();
        assert_eq!(m.0.len(), 2);
        let e = serde_json::from_str::<UniqueMap<i64>>(r#"{"x": 1, "x": 0}"#).err().unwrap();
        assert!(e.to_string().starts_with("duplicate key \"x\""), "{e}");
    }
}
