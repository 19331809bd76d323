//! The DORA four keys — deployment frequency, lead time for changes, change failure rate and
//! time to restore — for production deploys that carried AI-provenance commits against those
//! that carried only other commits, with 95% Wilson intervals on the rates and a plain verdict
//! when the sample is too small to tell the two apart.
//!
//! The facts per deploy (which group, its commits' lead times, whether it failed, how long the
//! restore took) are gathered by the analysis into `deploy_facts`
//! ([`crate::analyze::deploy_facts`]); this file only does the statistics, so its figures can
//! be checked by hand.

use serde::Serialize;

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Fewer deploys than this in a group and no rate is compared at all.
pub const MIN_DEPLOYS: usize = 10;

/// Which commits a deploy carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    /// At least one AI-provenance commit.
    Ai,
    /// Commits, none with AI provenance.
    Human,
}

/// One production deploy, as the four keys see it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployFacts {
    /// Which group it belongs to.
    pub group: Group,
    /// Minutes from each shipped commit to this deploy.
    pub lead_minutes: Vec<f64>,
    /// Whether it caused a failure: a likely cause of an incident, or rolled back.
    pub failed: bool,
    /// Minutes until service was restored, for a failed deploy when known.
    pub restore_minutes: Option<f64>,
}

/// A proportion and its 95% Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// Successes (failures, for the change failure rate).
    pub count: usize,
    /// Trials.
    pub total: usize,
    /// count / total (0 when total is 0).
    pub rate: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

impl Rate {
    /// The Wilson score interval, which stays inside [0, 1] and behaves for small counts and
    /// rates near 0, unlike the normal approximation.
    pub fn wilson(count: usize, total: usize) -> Rate {
        if total == 0 {
            return Rate { count, total, rate: 0.0, low: 0.0, high: 1.0 };
        }
        let n = total as f64;
        let p = count as f64 / n;
        let z2 = Z95 * Z95;
        let denominator = 1.0 + z2 / n;
        let center = (p + z2 / (2.0 * n)) / denominator;
        let half = Z95 / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        Rate { count, total, rate: p, low: (center - half).max(0.0), high: (center + half).min(1.0) }
    }
}

/// The four keys of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Keys {
    /// Production deploys.
    pub deploys: usize,
    /// Deploys per week over the period.
    pub deploys_per_week: f64,
    /// Commits whose lead time is known.
    pub changes: usize,
    /// Median lead time for changes, hours.
    pub lead_time_median_hours: Option<f64>,
    /// 90th percentile lead time, hours.
    pub lead_time_p90_hours: Option<f64>,
    /// Change failure rate.
    pub change_failure: Rate,
    /// Failed deploys whose restore time is known.
    pub restores: usize,
    /// Median time to restore, minutes.
    pub time_to_restore_median_minutes: Option<f64>,
}

/// What the comparison of change failure rates can say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A group has fewer than [`MIN_DEPLOYS`] deploys.
    TooFewDeploys,
    /// The intervals overlap: the sample is too small to tell.
    TooSmallToTell,
    /// AI deploys fail more often; the intervals do not overlap.
    AiHigher,
    /// AI deploys fail less often; the intervals do not overlap.
    AiLower,
}

impl Verdict {
    /// The verdict in words.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::TooFewDeploys => {
                "Too few deploys to tell: a group has fewer than 10 production deploys in the period."
            }
            Verdict::TooSmallToTell => {
                "Too small to tell: the 95% intervals of the two change failure rates overlap, so this period's deploys cannot show that AI-carrying deploys fail more or less often than the others."
            }
            Verdict::AiHigher => {
                "Deploys carrying AI-provenance commits failed more often than the others, and the 95% intervals do not overlap."
            }
            Verdict::AiLower => {
                "Deploys carrying AI-provenance commits failed less often than the others, and the 95% intervals do not overlap."
            }
        }
    }
}

/// The four keys, AI against human-only, and the verdict on their change failure rates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Deploys carrying AI-provenance commits.
    pub ai: Keys,
    /// Deploys carrying only other commits.
    pub human: Keys,
    /// What the change failure rates say.
    pub verdict: Verdict,
}

/// The four keys of `deploys` over a period of `days`.
pub fn compare(deploys: &[DeployFacts], days: f64) -> Comparison {
    let keys = |group: Group| {
        let mine: Vec<&DeployFacts> = deploys.iter().filter(|d| d.group == group).collect();
        let mut leads: Vec<f64> = mine.iter().flat_map(|d| d.lead_minutes.iter().copied()).collect();
        let mut restores: Vec<f64> =
            mine.iter().filter(|d| d.failed).filter_map(|d| d.restore_minutes).collect();
        leads.sort_by(f64::total_cmp);
        restores.sort_by(f64::total_cmp);
        Keys {
            deploys: mine.len(),
            deploys_per_week: if days > 0.0 { mine.len() as f64 * 7.0 / days } else { 0.0 },
            changes: leads.len(),
            lead_time_median_hours: quantile(&leads, 0.5).map(|m| m / 60.0),
            lead_time_p90_hours: quantile(&leads, 0.9).map(|m| m / 60.0),
            change_failure: Rate::wilson(mine.iter().filter(|d| d.failed).count(), mine.len()),
            restores: restores.len(),
            time_to_restore_median_minutes: quantile(&restores, 0.5),
        }
    };
    let (ai, human) = (keys(Group::Ai), keys(Group::Human));
    let (a, h) = (ai.change_failure, human.change_failure);
    let verdict = if ai.deploys < MIN_DEPLOYS || human.deploys < MIN_DEPLOYS {
        Verdict::TooFewDeploys
    } else if a.low > h.high {
        Verdict::AiHigher
    } else if a.high < h.low {
        Verdict::AiLower
    } else {
        Verdict::TooSmallToTell
    };
    Comparison { ai, human, verdict }
}

/// The `q` quantile of sorted values, interpolated between the two nearest ranks (the median
/// of an even count is the mean of the middle two).
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    let weight = position - low as f64;
    Some(sorted[low] * (1.0 - weight) + sorted[high] * weight)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-5
    }

    #[test]
    fn wilson_intervals_match_the_published_values() {
        // Newcombe (1998), table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605;
        // 0/10 → 0–0.2775; 1/29 → 0.0061–0.1718.
        for (count, total, low, high) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 10, 0.0, 0.2775),
            (1, 29, 0.0061, 0.1718),
        ] {
            let r = Rate::wilson(count, total);
            assert!(close(r.low, low) && close(r.high, high), "{count}/{total}: {r:?}");
        }
        assert_eq!(Rate::wilson(0, 0), Rate { count: 0, total: 0, rate: 0.0, low: 0.0, high: 1.0 });
    }

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[3.0], 0.9), Some(3.0));
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 10.0], 0.5), Some(2.5));
        assert_eq!(
            quantile(&[0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0], 0.9),
            Some(90.0)
        );
    }

    fn facts(group: Group, n: usize, failed: usize) -> Vec<DeployFacts> {
        (0..n)
            .map(|i| DeployFacts {
                group,
                lead_minutes: vec![60.0 * (i + 1) as f64],
                failed: i < failed,
                restore_minutes: (i < failed).then_some(30.0 + i as f64),
            })
            .collect()
    }

    #[test]
    fn the_verdict_says_when_the_sample_cannot_tell() {
        let few = [facts(Group::Ai, 9, 3), facts(Group::Human, 40, 2)].concat();
        assert_eq!(compare(&few, 91.0).verdict, Verdict::TooFewDeploys);
        let overlap = [facts(Group::Ai, 20, 3), facts(Group::Human, 40, 4)].concat();
        let c = compare(&overlap, 91.0);
        assert_eq!(c.verdict, Verdict::TooSmallToTell);
        assert_eq!((c.ai.deploys, c.ai.change_failure.count, c.human.change_failure.count), (20, 3, 4));
        assert!(close(c.ai.deploys_per_week, 20.0 * 7.0 / 91.0));
        assert_eq!(c.ai.lead_time_median_hours, Some(10.5));
        assert_eq!(c.ai.time_to_restore_median_minutes, Some(31.0));
        let apart = [facts(Group::Ai, 100, 40), facts(Group::Human, 200, 10)].concat();
        assert_eq!(compare(&apart, 91.0).verdict, Verdict::AiHigher);
        let lower = [facts(Group::Ai, 200, 10), facts(Group::Human, 100, 40)].concat();
        assert_eq!(compare(&lower, 91.0).verdict, Verdict::AiLower);
    }
}
