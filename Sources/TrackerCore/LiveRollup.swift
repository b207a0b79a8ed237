import Foundation

/// Count and power sums Σx, Σx², Σx³ of a series: additive, so hourly rollups combine by
/// addition, and they give the mean and the central moments the intervals need.
public struct PowerSums: Sendable, Equatable {
    public var n: Int64 = 0
    public var s1 = 0.0
    public var s2 = 0.0
    public var s3 = 0.0

    public init() {}

    /// Sums as stored.
    public init(n: Int64, s1: Double, s2: Double, s3: Double) { (self.n, self.s1, self.s2, self.s3) = (n, s1, s2, s3) }

    /// Adds one value.
    public mutating func add(_ x: Double) {
        n += 1
        let x2 = x * x
        s1 += x
        s2 += x2
        s3 += x2 * x
    }

    /// Adds another series' sums.
    public mutating func add(_ o: PowerSums) {
        n += o.n
        s1 += o.s1
        s2 += o.s2
        s3 += o.s3
    }

    /// The central moments: m2 = S2 − S1·mean, m3 = S3 − 3·mean·S2 + 2n·mean³. A spread below
    /// 1e-12 of S2 is rounding (the sums cannot resolve it) and is taken as 0, so a constant
    /// series has no interval, as the row-wise computation says.
    public var moments: Moments {
        guard n > 0 else { return Moments() }
        let count = Double(n)
        let mean = s1 / count
        var m2 = s2 - s1 * mean
        if m2 <= 1e-12 * abs(s2) { m2 = 0 }
        let m3 = m2 == 0 ? 0 : s3 - 3 * mean * s2 + 2 * count * mean * mean * mean
        return Moments(n: count, mean: mean, m2: m2, m3: m3)
    }
}

/// A fixed-bin histogram of scores per class (actual positive or not): enough for ROC AUC
/// with a bound on its error (pairs in the same bin are the only ones whose order is unknown).
public struct ScoreHistogram: Sendable, Equatable {
    /// Bins of width 1/1000 on [0, 1]; a score of exactly 1 goes to the last bin.
    public static let bins = 1000
    public private(set) var positives = [Int64](repeating: 0, count: ScoreHistogram.bins)
    public private(set) var negatives = [Int64](repeating: 0, count: ScoreHistogram.bins)

    public init() {}

    /// The bin of a score in [0, 1].
    public static func bin(_ score: Double) -> Int { min(bins - 1, max(0, Int((score * Double(bins)).rounded(.down)))) }

    /// Counts one score of an actual positive (or negative).
    public mutating func add(score: Double, positive: Bool) {
        if positive { positives[Self.bin(score)] += 1 } else { negatives[Self.bin(score)] += 1 }
    }

    /// Adds another histogram's counts.
    public mutating func add(_ o: ScoreHistogram) {
        for b in 0..<Self.bins {
            positives[b] += o.positives[b]
            negatives[b] += o.negatives[b]
        }
    }

    public var isEmpty: Bool { !positives.contains { $0 != 0 } && !negatives.contains { $0 != 0 } }

    /// Mann–Whitney AUC with pairs in the same bin counted half, and `bound`: the exact AUC of the
    /// underlying scores is within ± bound = Σ_b pos_b·neg_b / (2·np·nn) of `value` (a same-bin
    /// pair counts 0, ½ or 1 exactly and ½ here; pairs in different bins are ordered exactly).
    public func auc() -> (value: Double, bound: Double, positives: Double, negatives: Double)? {
        let np = Double(positives.reduce(0, +))
        let nn = Double(negatives.reduce(0, +))
        guard np > 0, nn > 0 else { return nil }
        var below = 0.0
        var wins = 0.0
        var same = 0.0
        for b in 0..<Self.bins {
            let p = Double(positives[b])
            let q = Double(negatives[b])
            wins += p * (below + 0.5 * q)
            same += p * q
            below += q
        }
        return (wins / (np * nn), same / (2 * np * nn), np, nn)
    }

    /// Compact bytes: for each non-empty bin, unsigned LEB128 varints of (bins skipped since the
    /// previous non-empty bin, positives, negatives); hourly counts are small, so most take a byte.
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        func put(_ v: Int64) {
            var x = UInt64(v)
            while x >= 0x80 {
                out.append(UInt8(x & 0x7F) | 0x80)
                x >>= 7
            }
            out.append(UInt8(x))
        }
        var next = 0
        for b in 0..<Self.bins where positives[b] != 0 || negatives[b] != 0 {
            put(Int64(b - next))
            put(positives[b])
            put(negatives[b])
            next = b + 1
        }
        return out
    }

    /// Decodes `encoded`; nil when the bytes are not a histogram.
    public init?(encoded bytes: [UInt8]) {
        var values: [Int64] = []
        var x: UInt64 = 0
        var shift: UInt64 = 0
        for byte in bytes {
            guard shift < 63 else { return nil }
            x |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                guard x <= UInt64(Int64.max) else { return nil }
                values.append(Int64(x))
                (x, shift) = (0, 0)
            } else {
                shift += 7
            }
        }
        guard values.count % 3 == 0, shift == 0 else { return nil }
        var bin = 0
        for i in stride(from: 0, to: values.count, by: 3) {
            guard values[i] < Int64(Self.bins - bin) else { return nil }
            bin += Int(values[i])
            positives[bin] = values[i + 1]
            negatives[bin] = values[i + 2]
            bin += 1
        }
    }
}

/// The additive totals of one rollup row (a model, environment, version and hour of prediction
/// time) or of any set of them: what every prediction-based metric is computed from.
public struct RollupTotals: Sendable, Equatable {
    public var predictions: Int64 = 0
    public var labeled: Int64 = 0
    public var correct: Int64 = 0
    /// Confusion counts for the positive label the rollup was built for.
    public var tp: Int64 = 0
    public var fp: Int64 = 0
    public var fn: Int64 = 0
    /// Labeled rows with a non-integral prediction or actual (they make the task a regression).
    public var nonIntegral: Int64 = 0
    /// Per-row log loss of labeled scored predictions (clipped as `PredictionAccumulator` does).
    public var logLoss = PowerSums()
    /// Σ(prediction − actual) of labeled numeric predictions (the bias).
    public var errorSum = 0.0
    /// |error|, error², and |error|/|actual| (actual ≠ 0) of labeled numeric predictions.
    public var absError = PowerSums()
    public var sqError = PowerSums()
    public var pctError = PowerSums()
    /// Labeled numeric predictions whose actual is 0 (left out of MAPE).
    public var zeroActuals: Int64 = 0

    public init() {}

    /// Adds another rollup's totals.
    public mutating func add(_ o: RollupTotals) {
        predictions += o.predictions
        labeled += o.labeled
        correct += o.correct
        tp += o.tp
        fp += o.fp
        fn += o.fn
        nonIntegral += o.nonIntegral
        logLoss.add(o.logLoss)
        errorSum += o.errorSum
        absError.add(o.absError)
        sqError.add(o.sqError)
        pctError.add(o.pctError)
        zeroActuals += o.zeroActuals
    }

    /// Adds a labeled prediction's contribution (the same rules as `PredictionAccumulator.add`);
    /// `score` is already the probability of the positive label.
    public mutating func addLabeled(
        correct isCorrect: Bool, predictedPositive: Bool, actualPositive: Bool, value: Double?, score: Double?, actualValue: Double?
    ) {
        labeled += 1
        if let a = actualValue, a != a.rounded() { nonIntegral += 1 } else if let v = value, v != v.rounded() { nonIntegral += 1 }
        if isCorrect { correct += 1 }
        if predictedPositive && actualPositive { tp += 1 }
        if predictedPositive && !actualPositive { fp += 1 }
        if !predictedPositive && actualPositive { fn += 1 }
        if let s = score {
            let eps = PredictionAccumulator.logLossEpsilon
            let p = min(max(s, eps), 1 - eps)
            logLoss.add(actualPositive ? -log(p) : -log(1 - p))
        }
        if let v = value, let a = actualValue {
            let e = abs(v - a)
            errorSum += v - a
            absError.add(e)
            sqError.add(e * e)
            if a != 0 { pctError.add(e / abs(a)) } else { zeroActuals += 1 }
        }
    }
}

/// The rollups of a window: totals, the confusion matrix (actual → predicted → count), the
/// score histogram, and scores converted from another positive label (label → count).
public struct RollupData: Sendable {
    public var totals = RollupTotals()
    public var confusion: [String: [String: Int64]] = [:]
    public var histogram = ScoreHistogram()
    public var converted: [String: Int64] = [:]

    public init() {}
}
