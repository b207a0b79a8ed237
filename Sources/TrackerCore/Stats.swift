import Foundation

/// A 95% confidence interval and how it was computed.
public struct Interval: Sendable, Equatable {
    public let low: Double
    public let high: Double
    /// "wilson", "t", "normal", "hanley-mcneil", or "none".
    public let method: String

    public init(low: Double, high: Double, method: String) {
        self.low = low
        self.high = high
        self.method = method
    }

    public static let none = Interval(low: -.infinity, high: .infinity, method: "none")
    public var width: Double { high - low }
}

/// The statistics behind the gap: confidence intervals and verdicts.
public enum Stats {
    static let z95 = 1.959963984540054

    /// Two-sided 95% Student t critical value for `df` degrees of freedom (table to 30, then
    /// interpolation in 1/df towards the normal value).
    public static func t95(df: Int) -> Double {
        let table: [Double] = [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101,
            2.093,
            2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ]
        if df < 1 { return .infinity }
        if df <= 30 { return table[df - 1] }
        // Between 30 and ∞, t is close to linear in 1/df.
        let t30 = 2.042
        return z95 + (t30 - z95) * (30.0 / Double(df))
    }

    /// Wilson score interval for `successes` out of `n`.
    public static func wilson(successes: Double, n: Double) -> Interval {
        guard n > 0 else { return .none }
        let p = successes / n
        let z = z95
        let z2 = z * z
        let denom = 1 + z2 / n
        let center = (p + z2 / (2 * n)) / denom
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / denom
        return Interval(low: max(0, center - half), high: min(1, center + half), method: "wilson")
    }

    /// Mean and interval from sufficient statistics: t for n ≤ 100, normal beyond.
    public static func meanInterval(n: Double, sum: Double, sumSq: Double) -> (mean: Double, interval: Interval) {
        guard n > 0 else { return (.nan, .none) }
        let mean = sum / n
        guard n >= 2 else { return (mean, .none) }
        let variance = max(0, (sumSq - sum * sum / n) / (n - 1))
        let se = (variance / n).squareRoot()
        let useT = n <= 100
        let crit = useT ? t95(df: Int(n) - 1) : z95
        return (mean, Interval(low: mean - crit * se, high: mean + crit * se, method: useT ? "t" : "normal"))
    }

    /// ROC AUC (Mann–Whitney, ties count half) of scores for positives vs negatives, with the
    /// Hanley–McNeil standard error for its interval.
    public static func auc(positives: [Double], negatives: [Double]) -> (value: Double, interval: Interval)? {
        let np = Double(positives.count)
        let nn = Double(negatives.count)
        guard np > 0, nn > 0 else { return nil }
        let pos = positives.sorted()
        let neg = negatives.sorted()
        // For each positive, count negatives below it and ties.
        var wins = 0.0
        var lo = 0
        var hi = 0
        for s in pos {
            while lo < neg.count && neg[lo] < s { lo += 1 }
            if hi < lo { hi = lo }
            while hi < neg.count && neg[hi] <= s { hi += 1 }
            wins += Double(lo) + 0.5 * Double(hi - lo)
        }
        let a = wins / (np * nn)
        let q1 = a / (2 - a)
        let q2 = 2 * a * a / (1 + a)
        let variance = max(0, (a * (1 - a) + (np - 1) * (q1 - a * a) + (nn - 1) * (q2 - a * a)) / (np * nn))
        let half = z95 * variance.squareRoot()
        return (a, Interval(low: max(0, a - half), high: min(1, a + half), method: "hanley-mcneil"))
    }
}

/// What production says about an offline number.
public enum Verdict: String, Sendable, CaseIterable {
    case within
    case worse
    case better
    case notEnoughEvidence = "not enough evidence"

    /// Decides from the offline value, the live interval and direction:
    /// n below `minN` or no interval → not enough evidence; the interval inside
    /// offline ± `tolerance` → within; entirely on the worse side of offline → worse; entirely
    /// on the better side → better; otherwise (too wide to tell) → not enough evidence.
    public static func decide(
        offline: Double?, live: Double, interval: Interval, n: Int, minN: Int, direction: MetricDirection, tolerance: Double
    ) -> Verdict {
        guard let offline, offline.isFinite, live.isFinite, n >= max(1, minN), interval.method != "none" else { return .notEnoughEvidence }
        let tol = abs(offline) * tolerance
        if interval.low >= offline - tol && interval.high <= offline + tol { return .within }
        let entirelyBelow = interval.high < offline
        let entirelyAbove = interval.low > offline
        switch direction {
        case .higherIsBetter:
            if entirelyBelow { return .worse }
            if entirelyAbove { return .better }
        case .lowerIsBetter:
            if entirelyAbove { return .worse }
            if entirelyBelow { return .better }
        }
        return .notEnoughEvidence
    }
}
