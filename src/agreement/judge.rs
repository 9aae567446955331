//! The LLM judge against human labels: accuracy and Cohen's κ against a reference (the human
//! majority, or one annotator), and the human majority itself.

use super::Stat;
use super::kappa;
use super::matrix::{ConfusionMatrix, MISSING, confusion_of};

/// The judge compared with a reference on the items where both have a value.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeComparison {
    pub n: u64,
    /// Share of items where the judge gives the reference's value.
    pub accuracy: Stat,
    pub cohen_kappa: Stat,
    /// Row = reference (human) category, column = judge category, in scale order.
    pub confusion: ConfusionMatrix,
}

/// `reference` and `judge` hold one code per item ([`MISSING`] where there is none).
pub fn compare(reference: &[u16], judge: &[u16], q: usize) -> JudgeComparison {
    let confusion = confusion_of(reference, judge, q);
    JudgeComparison {
        n: confusion.n(),
        accuracy: kappa::observed_agreement(&confusion),
        cohen_kappa: kappa::cohen_kappa(&confusion),
        confusion,
    }
}

/// Several categories share the highest count: there is no majority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tie;

/// The plurality: the most frequent category among `codes` (missing ones ignored), even when
/// fewer than half share it: `Ok(Some(c))`, `Ok(None)` when there is no rating, `Err(Tie)` on a
/// tie for first place. Compare `export::strict_majority_value`, which needs more than half.
pub fn plurality_value(codes: impl IntoIterator<Item = u16>, q: usize) -> Result<Option<u16>, Tie> {
    let mut counts = vec![0u32; q];
    for c in codes {
        if c != MISSING && (c as usize) < q {
            counts[c as usize] += 1;
        }
    }
    let best = counts.iter().copied().max().unwrap_or(0);
    if best == 0 {
        return Ok(None);
    }
    let mut winners = counts.iter().enumerate().filter(|(_, n)| **n == best);
    let (first, _) = winners.next().expect("a maximum exists");
    if winners.next().is_some() { Err(Tie) } else { Ok(Some(first as u16)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurality_value_and_ties() {
        // Two of three.
        assert_eq!(plurality_value([1, 1, 0], 2), Ok(Some(1)));
        // Ties for first place, of two and of three categories.
        assert_eq!(plurality_value([1, 0], 2), Err(Tie));
        assert_eq!(plurality_value([2, 0, 1], 3), Err(Tie));
        // A plurality wins even when it is not more than half (2 of 4).
        assert_eq!(plurality_value([2, 2, 1, 0], 3), Ok(Some(2)));
        assert_eq!(plurality_value([MISSING], 2), Ok(None));
        assert_eq!(plurality_value([0, MISSING], 2), Ok(Some(0)));
    }

    #[test]
    fn judge_against_reference() {
        let human = [1, 1, 0, 0, MISSING];
        let judge = [1, 0, 0, 0, 1];
        let c = compare(&human, &judge, 2);
        assert_eq!(c.n, 4);
        assert_eq!(c.accuracy, Ok(0.75));
        assert_eq!(c.confusion.to_rows(), vec![vec![2, 0], vec![1, 1]]);
        assert!((c.cohen_kappa.unwrap() - 0.5).abs() < 1e-12);
    }
}
