import Foundation

/// A 95% confidence interval and how it was computed.
public struct Interval: Sendable, Equatable {
    public let low: Double
    public let high: Double
    /// The method's name (see `Stats`), or "none" when there is no interval.
    public let method: String

    public init(low: Double, high: Double, method: String) {
        self.low = low
        self.high = high
        self.method = method
    }

    public static let none = Interval(low: -.infinity, high: .infinity, method: "none")
    public var width: Double { high - low }
}

/// How uncertain an estimate is, in the form a two-sample comparison needs.
public enum Spread: Sendable, Equatable {
    /// A proportion (or a proportion-like metric) with its (effective) sample size.
    case proportion(effectiveN: Double)
    /// A mean with its standard error and the degrees of freedom of that error.
    case mean(standardError: Double, df: Double)
}

/// Count, mean and central moments of a sample, updated one value at a time (Welford; the third
/// moment by Terriberry's extension) and combinable across windows (Chan et al.), so no
/// Σx² − (Σx)²/n cancellation ever happens.
public struct Moments: Sendable, Equatable {
    public private(set) var n = 0.0
    public private(set) var mean = 0.0
    /// Σ(x − mean)².
    public private(set) var m2 = 0.0
    /// Σ(x − mean)³; nil once a part without it (a window) was combined in.
    public private(set) var m3: Double? = 0.0

    public init() {}

    /// Moments of `n` values known only by their mean and Σ(x − mean)² (an aggregated window).
    public init(n: Double, mean: Double, m2: Double) {
        (self.n, self.mean, self.m2, self.m3) = (n, mean, max(0, m2), n > 0 ? nil : 0)
    }

    /// Moments known by count, mean, Σ(x − mean)² and Σ(x − mean)³ (from power sums of a rollup).
    public init(n: Double, mean: Double, m2: Double, m3: Double) {
        (self.n, self.mean, self.m2, self.m3) = (n, mean, max(0, m2), m3)
    }

    /// Adds one value.
    public mutating func add(_ x: Double) {
        let n1 = n
        n += 1
        let delta = x - mean
        let dn = delta / n
        let term = delta * dn * n1
        mean += dn
        if let m3 { self.m3 = m3 + term * dn * (n - 2) - 3 * dn * m2 }
        m2 += term
    }

    /// Combines two samples' moments exactly (the pooled sample's moments).
    public mutating func combine(_ o: Moments) {
        guard o.n > 0 else { return }
        guard n > 0 else {
            self = o
            return
        }
        let total = n + o.n
        let delta = o.mean - mean
        let newM2 = m2 + o.m2 + delta * delta * n * o.n / total
        if let a = m3, let b = o.m3 {
            m3 = a + b + delta * delta * delta * n * o.n * (n - o.n) / (total * total) + 3 * delta * (n * o.m2 - o.n * m2) / total
        } else {
            m3 = nil
        }
        mean += delta * o.n / total
        m2 = newM2
        n = total
    }

    /// The sample variance (n − 1 in the denominator).
    public var variance: Double { n > 1 ? m2 / (n - 1) : .nan }
}

/// The statistics behind the gap: confidence intervals, t quantiles and verdicts.
public enum Stats {
    static let z95 = 1.959963984540054

    // MARK: - Student t quantiles

    /// Two-sided 95% Student t critical value (the 0.975 quantile) for `df` degrees of freedom
    /// (any positive real, for Welch's test), computed to 1e-10 or better.
    public static func t95(df: Double) -> Double { tQuantile(0.975, df: df) }

    /// Two-sided 95% Student t critical value for an integer `df` (∞ below 1).
    public static func t95(df: Int) -> Double { df < 1 ? .infinity : t95(df: Double(df)) }

    /// The `p` quantile (p in (0.5, 1)) of Student's t: Newton's method on the distribution
    /// function, which is the regularized incomplete beta function.
    public static func tQuantile(_ p: Double, df: Double) -> Double {
        guard df > 0, p > 0.5, p < 1 else { return p == 0.5 ? 0 : .nan }
        if df == 1 { return tan(Double.pi * (p - 0.5)) }
        if df == 2 { return (2 * p - 1) * (2 / (4 * p * (1 - p))).squareRoot() }
        if df > 1e7 { return normalQuantile(p) }
        let half: Double = df / 2
        let halfPlus: Double = (df + 1) / 2
        let logNorm: Double = lgamma(halfPlus) - lgamma(half) - 0.5 * log(df * Double.pi)
        var t = normalQuantile(p)
        for _ in 0..<100 {
            let upper = 0.5 * incompleteBeta(x: df / (df + t * t), a: df / 2, b: 0.5)
            let density: Double = exp(logNorm - halfPlus * log1p(t * t / df))
            let step = ((1 - upper) - p) / density
            var next = t - step
            if next <= 0 { next = t / 2 }
            if abs(next - t) <= 1e-15 * max(1, t) { return next }
            t = next
        }
        return t
    }

    /// Regularized incomplete beta I_x(a, b) by its continued fraction (modified Lentz).
    public static func incompleteBeta(x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        if x > (a + 1) / (a + b + 2) { return 1 - incompleteBeta(x: 1 - x, a: b, b: a) }
        let front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)) / a
        let tiny = 1e-300
        var f = 1.0
        var c = 1.0
        var d = 0.0
        for i in 0...10_000 {
            let m = Double(i / 2)
            let numerator: Double
            if i == 0 {
                numerator = 1
            } else if i % 2 == 0 {
                numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            } else {
                numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            }
            d = 1 + numerator * d
            d = abs(d) < tiny ? tiny : d
            d = 1 / d
            c = 1 + numerator / c
            c = abs(c) < tiny ? tiny : c
            let cd = c * d
            f *= cd
            if abs(1 - cd) < 1e-16 { break }
        }
        return front * (f - 1)
    }

    /// The standard normal quantile (Acklam's rational approximation refined by one Halley step;
    /// about 1e-15).
    public static func normalQuantile(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5
            let r = q * q
            x =
                (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    // MARK: - Intervals

    /// Wilson score interval for `successes` out of `n`.
    public static func wilson(successes: Double, n: Double) -> Interval {
        guard n > 0 else { return .none }
        return wilson(p: successes / n, effectiveN: n, method: "wilson")
    }

    /// Wilson score interval around a proportion-like `p` with an effective sample size (the one
    /// whose binomial variance p(1 − p)/n equals the estimator's variance): stays inside [0, 1]
    /// and keeps a width at p = 0 or 1.
    public static func wilson(p: Double, effectiveN n: Double, method: String) -> Interval {
        guard n > 0, n.isFinite, p.isFinite else { return .none }
        let z = z95
        let z2 = z * z
        let denom = 1 + z2 / n
        let center = (p + z2 / (2 * n)) / denom
        let half = z * max(0, p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / denom
        return Interval(low: max(0, center - half), high: min(1, center + half), method: method)
    }

    /// Mean and Student t interval of a sample known by its moments. No interval below n = 2 or
    /// when every value was equal (a zero-width interval would claim certainty).
    public static func meanInterval(_ m: Moments) -> (mean: Double, interval: Interval, spread: Spread?) {
        guard m.n > 0 else { return (.nan, .none, nil) }
        guard m.n >= 2, m.m2 > 0 else { return (m.mean, .none, nil) }
        let se = (m.variance / m.n).squareRoot()
        let crit = t95(df: m.n - 1)
        return (m.mean, Interval(low: m.mean - crit * se, high: m.mean + crit * se, method: "t"), .mean(standardError: se, df: m.n - 1))
    }

    /// Mean and interval from sufficient statistics (n, Σx, Σx²): Student t. Kept for callers
    /// holding sums; the moments form avoids cancellation.
    public static func meanInterval(n: Double, sum: Double, sumSq: Double) -> (mean: Double, interval: Interval) {
        guard n > 0 else { return (.nan, .none) }
        let mean = sum / n
        let r = meanInterval(Moments(n: n, mean: mean, m2: max(0, sumSq - sum * mean)))
        return (r.mean, r.interval)
    }

    /// Mean of non-negative, right-skewed per-row losses (log loss, absolute, squared and
    /// percentage errors) with Hall's (1992) skewness-corrected t interval: the t interval
    /// under-covers skewed means at n = 30 (0.91 for squared normal errors), Hall's holds 0.94.
    /// Falls back to the plain t interval when the third moment is unknown.
    public static func skewedMeanInterval(_ m: Moments) -> (mean: Double, interval: Interval, spread: Spread?) {
        let plain = meanInterval(m)
        guard plain.interval.method == "t", let m3 = m.m3 else { return plain }
        let n = m.n
        let se = (m.variance / n).squareRoot()
        let gamma = (m3 / n) / pow(m.m2 / n, 1.5)
        let a = gamma / (3 * n.squareRoot())
        let b = gamma / (6 * n.squareRoot())
        // Hall's monotone transform g(t) = t + a t² + a² t³ / 3 + b, inverted in closed form.
        func inverse(_ u: Double) -> Double { abs(a) < 1e-12 ? u - b : (cbrt(1 + 3 * a * (u - b)) - 1) / a }
        let t = t95(df: n - 1)
        let interval = Interval(low: m.mean - se * inverse(t), high: m.mean - se * inverse(-t), method: "hall-t")
        return (m.mean, interval, plain.spread)
    }

    /// ROC AUC (Mann–Whitney, ties count half) of scores for positives vs negatives, with a
    /// Wilson-type interval whose effective n makes its variance equal Hanley–McNeil's; at
    /// AUC 0 or 1 the effective n is the limit of that ratio, so the interval keeps a width.
    public static func auc(positives: [Double], negatives: [Double]) -> (value: Double, interval: Interval, spread: Spread?)? {
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
        return aucEstimate(wins / (np * nn), positives: np, negatives: nn)
    }

    /// A ROC AUC `a` over `np` positives and `nn` negatives with its Wilson–Hanley–McNeil interval
    /// (also used for the AUC of a score histogram).
    public static func aucEstimate(_ a: Double, positives np: Double, negatives nn: Double) -> (value: Double, interval: Interval, spread: Spread?) {
        let effectiveN: Double
        if a <= 0 || a >= 1 {
            // lim A(1−A)/var_HM as A → 1 is 2·np·nn/(nn+1) (as A → 0, the roles swap).
            effectiveN = a >= 1 ? 2 * np * nn / (nn + 1) : 2 * np * nn / (np + 1)
        } else {
            let q1 = a / (2 - a)
            let q2 = 2 * a * a / (1 + a)
            let variance = (a * (1 - a) + (np - 1) * (q1 - a * a) + (nn - 1) * (q2 - a * a)) / (np * nn)
            effectiveN = variance > 0 ? a * (1 - a) / variance : np + nn
        }
        return (a, wilson(p: a, effectiveN: effectiveN, method: "wilson-hanley-mcneil"), .proportion(effectiveN: effectiveN))
    }

    /// Binary F1 = 2TP/(2TP+FP+FN) with a Wilson-type interval whose effective n matches the
    /// delta-method variance on the multinomial confusion counts: n_eff = D²/(2(TP+FP+FN)),
    /// D = 2TP+FP+FN — defined at F1 = 0 and 1 too.
    public static func f1(tp: Double, fp: Double, fn: Double) -> (value: Double, interval: Interval, spread: Spread?)? {
        let d = 2 * tp + fp + fn
        guard d > 0 else { return nil }
        let f = 2 * tp / d
        let effectiveN = d * d / (2 * (tp + fp + fn))
        return (f, wilson(p: f, effectiveN: effectiveN, method: "wilson-delta"), .proportion(effectiveN: effectiveN))
    }

    /// Macro F1 over the classes of a confusion matrix (`counts[actual][predicted]`; classes that
    /// occur neither as actual nor as prediction are left out, as scikit-learn does), with a
    /// Wilson-type interval from the delta-method variance Σ c·(∂F/∂c)² (F is scale-free in the
    /// counts, so the multinomial covariance reduces to that sum). With zero variance (a perfect
    /// or hopeless matrix) the effective n is the number of labeled predictions.
    public static func macroF1(_ counts: [[Double]]) -> (value: Double, interval: Interval, spread: Spread?)? {
        let k = counts.count
        let rows = counts.map { $0.reduce(0, +) }
        let cols = (0..<k).map { j in counts.reduce(0) { $0 + $1[j] } }
        let present = (0..<k).filter { rows[$0] + cols[$0] > 0 }
        guard !present.isEmpty else { return nil }
        let classes = Double(present.count)
        var f = 0.0
        var grad = Array(repeating: Array(repeating: 0.0, count: k), count: k)
        for c in present {
            let s = rows[c] + cols[c]
            let tp = counts[c][c]
            f += 2 * tp / s / classes
            // ∂(2tp/s)/∂cell: the diagonal cell is in tp and twice in s; its row and column once in s.
            for j in 0..<k { grad[c][j] -= 2 * tp / (s * s) / classes }
            for i in 0..<k { grad[i][c] -= 2 * tp / (s * s) / classes }
            grad[c][c] += 2 / s / classes
        }
        var variance = 0.0
        var total = 0.0
        for i in 0..<k {
            for j in 0..<k {
                variance += counts[i][j] * grad[i][j] * grad[i][j]
                total += counts[i][j]
            }
        }
        let effectiveN = variance > 0 ? min(f * (1 - f) / variance, 4 * total) : total
        guard effectiveN > 0 else { return nil }
        return (f, wilson(p: f, effectiveN: effectiveN, method: "wilson-delta"), .proportion(effectiveN: effectiveN))
    }

    // MARK: - Two-sample comparison

    /// One-sided test that `current` is worse than `previous` at level 2.5% (the worse tail of a
    /// two-sided 95% test): a pooled two-proportion z test for proportion-like metrics (effective
    /// sizes for F1 and AUC), Welch's t test for means. False when either lacks a spread.
    public static func significantlyWorse(
        current: (value: Double, spread: Spread?), previous: (value: Double, spread: Spread?), direction: MetricDirection
    ) -> Bool {
        let diff = direction == .higherIsBetter ? previous.value - current.value : current.value - previous.value
        guard diff > 0, let a = current.spread, let b = previous.spread else { return false }
        switch (a, b) {
        case (.proportion(let n1), .proportion(let n2)):
            let pooled = (current.value * n1 + previous.value * n2) / (n1 + n2)
            let se = (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).squareRoot()
            return se > 0 && diff / se > z95
        case (.mean(let se1, let df1), .mean(let se2, let df2)):
            let v1 = se1 * se1
            let v2 = se2 * se2
            let se = (v1 + v2).squareRoot()
            guard se > 0 else { return false }
            // Welch–Satterthwaite degrees of freedom.
            let df = (v1 + v2) * (v1 + v2) / (v1 * v1 / df1 + v2 * v2 / df2)
            return diff / se > t95(df: df)
        default:
            return false
        }
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
