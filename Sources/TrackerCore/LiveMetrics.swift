import Foundation

/// One live metric estimate: value, sample size, 95% interval.
public struct LiveEstimate: Sendable, Equatable {
    public let metric: String
    public let value: Double
    public let n: Int
    public let interval: Interval
    /// "windows" (aggregated windows) or "predictions" (joined predictions and outcomes).
    public let source: String
    /// Share of predictions with an outcome (prediction-based metrics only).
    public let coverage: Double?

    public init(metric: String, value: Double, n: Int, interval: Interval, source: String, coverage: Double?) {
        (self.metric, self.value, self.n, self.interval, self.source, self.coverage) = (metric, value, n, interval, source, coverage)
    }
}

/// Sufficient statistics of aggregated windows for one metric.
public struct WindowTotals: Sendable, Equatable {
    public var n: Double = 0
    public var sum: Double = 0
    public var sumSq: Double = 0
    /// True while every window looked like 0/1 outcomes (Σx² = Σx): a proportion.
    public var bernoulli = true

    public init() {}

    public mutating func add(n: Double, sum: Double, sumSq: Double) {
        self.n += n
        self.sum += sum
        self.sumSq += sumSq
        if abs(sumSq - sum) > 1e-9 * max(1, abs(sum)) || sum < 0 || sum > n + 1e-9 { bernoulli = false }
    }

    /// The estimate: Wilson for proportions, t/normal otherwise.
    public func estimate(metric: String) -> LiveEstimate? {
        guard n > 0 else { return nil }
        if bernoulli {
            return LiveEstimate(
                metric: metric, value: sum / n, n: Int(n), interval: Stats.wilson(successes: sum, n: n), source: "windows", coverage: nil)
        }
        let (mean, ci) = Stats.meanInterval(n: n, sum: sum, sumSq: sumSq)
        return LiveEstimate(metric: metric, value: mean, n: Int(n), interval: ci, source: "windows", coverage: nil)
    }
}

/// Accumulates joined predictions and outcomes into the metrics users log offline.
public struct PredictionAccumulator: Sendable {
    public let positive: String
    public private(set) var predictions = 0
    var labeled_ = 0
    /// Predictions with an outcome.
    public var labeled: Int { labeled_ }
    var correct = 0
    var tp = 0, fp = 0, fn = 0
    var positives: [Double] = []
    var negatives: [Double] = []
    var logLoss = (n: 0.0, sum: 0.0, sumSq: 0.0)
    var absErr = (n: 0.0, sum: 0.0, sumSq: 0.0)
    var sqErr = (n: 0.0, sum: 0.0, sumSq: 0.0)
    var ape = (n: 0.0, sum: 0.0, sumSq: 0.0)
    var distinctActual = Set<Double>()
    var nonIntegral = false

    public init(positive: String) { self.positive = positive }

    /// Adds one prediction; the actual fields are nil until its outcome arrived.
    public mutating func add(label: String?, value: Double?, score: Double?, actualLabel: String?, actualValue: Double?) {
        add(
            labeled: actualLabel != nil, correct: label != nil && label == actualLabel, predictedPositive: label == positive,
            actualPositive: actualLabel == positive, value: value, score: score, actualValue: actualValue)
    }

    /// Adds one prediction from label comparisons already made (the store does them in SQL, so
    /// no label strings are built for millions of rows).
    public mutating func add(
        labeled: Bool, correct: Bool, predictedPositive: Bool, actualPositive: Bool, value: Double?, score: Double?, actualValue: Double?
    ) {
        predictions += 1
        guard labeled else { return }
        labeled_ += 1
        if let a = actualValue {
            if a != a.rounded() { nonIntegral = true } else if distinctActual.count <= 2 { distinctActual.insert(a) }
        }
        if let v = value, v != v.rounded() { nonIntegral = true }
        if correct { self.correct += 1 }
        if predictedPositive && actualPositive { tp += 1 }
        if predictedPositive && !actualPositive { fp += 1 }
        if !predictedPositive && actualPositive { fn += 1 }
        if let s = score {
            if actualPositive { positives.append(s) } else { negatives.append(s) }
            let p = min(max(s, 1e-15), 1 - 1e-15)
            let l = actualPositive ? -log(p) : -log(1 - p)
            logLoss.n += 1
            logLoss.sum += l
            logLoss.sumSq += l * l
        }
        if let v = value, let a = actualValue {
            let e = abs(v - a)
            absErr.n += 1
            absErr.sum += e
            absErr.sumSq += e * e
            sqErr.n += 1
            sqErr.sum += e * e
            sqErr.sumSq += e * e * e * e
            if a != 0 {
                let r = e / abs(a)
                ape.n += 1
                ape.sum += r
                ape.sumSq += r * r
            }
        }
    }

    /// Numeric targets with more than two values, or fractional ones: a regression.
    public var isRegression: Bool { nonIntegral || distinctActual.count > 2 }

    /// Share of predictions that have an outcome.
    public var coverage: Double? { predictions > 0 ? Double(labeled) / Double(predictions) : nil }

    /// The metrics this data supports. Classification: accuracy, precision, recall, f1 (Wilson;
    /// F1's interval treats 2TP of 2TP+FP+FN as a proportion), roc_auc (Hanley–McNeil) and
    /// log_loss (t/normal) when scores were given. Regression: mae, rmse (interval = square
    /// root of the MSE's), mape (a fraction, as scikit-learn reports it).
    public func estimates() -> [LiveEstimate] {
        var out: [LiveEstimate] = []
        let cov = coverage
        func add(_ m: String, _ v: Double, _ n: Int, _ ci: Interval) {
            out.append(LiveEstimate(metric: m, value: v, n: n, interval: ci, source: "predictions", coverage: cov))
        }
        // Losses and errors cannot be negative: a t/normal interval of a small sample can reach below 0.
        func nonNegative(_ ci: Interval) -> Interval {
            ci.method == "none" ? ci : Interval(low: max(0, ci.low), high: ci.high, method: ci.method)
        }
        guard labeled > 0 else { return [] }
        if isRegression {
            if absErr.n > 0 {
                let (m, ci) = Stats.meanInterval(n: absErr.n, sum: absErr.sum, sumSq: absErr.sumSq)
                add("mae", m, Int(absErr.n), nonNegative(ci))
                let (mse, ci2) = Stats.meanInterval(n: sqErr.n, sum: sqErr.sum, sumSq: sqErr.sumSq)
                let rci =
                    ci2.method == "none"
                    ? Interval.none : Interval(low: max(0, ci2.low).squareRoot(), high: ci2.high.squareRoot(), method: ci2.method)
                add("rmse", mse.squareRoot(), Int(sqErr.n), rci)
            }
            if ape.n > 0 {
                let (m, ci) = Stats.meanInterval(n: ape.n, sum: ape.sum, sumSq: ape.sumSq)
                add("mape", m, Int(ape.n), nonNegative(ci))
            }
            return out
        }
        add("accuracy", Double(correct) / Double(labeled), labeled, Stats.wilson(successes: Double(correct), n: Double(labeled)))
        if tp + fp > 0 { add("precision", Double(tp) / Double(tp + fp), tp + fp, Stats.wilson(successes: Double(tp), n: Double(tp + fp))) }
        if tp + fn > 0 { add("recall", Double(tp) / Double(tp + fn), tp + fn, Stats.wilson(successes: Double(tp), n: Double(tp + fn))) }
        let fd = 2 * tp + fp + fn
        if fd > 0 { add("f1", Double(2 * tp) / Double(fd), labeled, Stats.wilson(successes: Double(2 * tp), n: Double(fd))) }
        if let auc = Stats.auc(positives: positives, negatives: negatives) {
            add("roc_auc", auc.value, positives.count + negatives.count, auc.interval)
        }
        if logLoss.n > 0 {
            let (m, ci) = Stats.meanInterval(n: logLoss.n, sum: logLoss.sum, sumSq: logLoss.sumSq)
            add("log_loss", m, Int(logLoss.n), nonNegative(ci))
        }
        return out
    }
}

/// Names an offline metric may carry for a live one (first match wins).
public func offlineNames(for live: String) -> [String] {
    switch live {
    case "roc_auc": return ["roc_auc", "auc", "test_roc_auc", "test_auc"]
    case "log_loss": return ["log_loss", "logloss", "test_log_loss"]
    case "f1": return ["f1", "f1_score", "test_f1"]
    default: return [live, "test_" + live]
    }
}

/// The live figures of the version that was live before (for comparison).
public struct IncumbentFigures: Sendable, Equatable {
    public let version: Int
    public let estimates: [LiveEstimate]
    /// "window" when measured over the same window, "all time" otherwise.
    public let scope: String

    public init(version: Int, estimates: [LiveEstimate], scope: String) {
        self.version = version
        self.estimates = estimates
        self.scope = scope
    }
}
