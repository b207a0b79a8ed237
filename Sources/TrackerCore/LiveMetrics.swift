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
    /// The estimate's uncertainty for two-sample comparisons (week over week); nil = none.
    public let spread: Spread?

    public init(metric: String, value: Double, n: Int, interval: Interval, source: String, coverage: Double?, spread: Spread? = nil) {
        (self.metric, self.value, self.n, self.interval, self.source, self.coverage, self.spread) = (
            metric, value, n, interval, source, coverage, spread
        )
    }
}

/// What kind of model the predictions come from: decides the metric family.
public enum LiveTask: String, Sendable, CaseIterable {
    case classification
    case regression
}

/// Sufficient statistics of aggregated windows for one metric, combinable across windows.
public struct WindowTotals: Sendable, Equatable {
    public private(set) var moments = Moments()
    /// Σ successes while every window is a proportion of 0/1 outcomes.
    public private(set) var successes = 0.0
    /// True while every window was given as a proportion of 0/1 outcomes (no std, no Σx²).
    public private(set) var bernoulli = true

    public init() {}

    public var n: Double { moments.n }

    /// Adds a window known by its count, mean and Σ(x − mean)².
    public mutating func add(n: Double, mean: Double, m2: Double, proportion: Bool) {
        guard n > 0 else { return }
        moments.combine(Moments(n: n, mean: mean, m2: m2))
        successes += mean * n
        if !proportion { bernoulli = false }
    }

    /// Adds a window given by sums (n, Σx, Σx²); a window with Σx² = Σx in [0, n] is 0/1 outcomes.
    public mutating func add(n: Double, sum: Double, sumSq: Double) {
        guard n > 0 else { return }
        let mean = sum / n
        let proportion = abs(sumSq - sum) <= 1e-9 * max(1, abs(sum)) && sum >= 0 && sum <= n + 1e-9
        add(n: n, mean: mean, m2: max(0, sumSq - sum * mean), proportion: proportion)
    }

    /// The estimate: Wilson for proportions, Student t otherwise.
    public func estimate(metric: String) -> LiveEstimate? {
        guard n > 0 else { return nil }
        if bernoulli {
            let p = successes / n
            return LiveEstimate(
                metric: metric, value: p, n: Int(n), interval: Stats.wilson(successes: successes, n: n), source: "windows", coverage: nil,
                spread: .proportion(effectiveN: n))
        }
        let (mean, ci, spread) = Stats.meanInterval(moments)
        return LiveEstimate(metric: metric, value: mean, n: Int(n), interval: ci, source: "windows", coverage: nil, spread: spread)
    }
}

/// Accumulates joined predictions and outcomes into the metrics users log offline.
public struct PredictionAccumulator: Sendable {
    public let positive: String
    /// The configured task; nil = inferred from the data (see `task`).
    public let configuredTask: LiveTask?
    /// The configured class list; nil = the labels seen.
    public let configuredClasses: [String]?
    public private(set) var predictions = 0
    public private(set) var labeled = 0
    var correct = 0
    var tp = 0, fp = 0, fn = 0
    var positives: [Double] = []
    var negatives: [Double] = []
    var logLoss = Moments()
    var absErr = Moments()
    var sqErr = Moments()
    var ape = Moments()
    /// Rows left out of MAPE because their actual is 0.
    var zeroActuals = 0
    var nonIntegral = false
    /// Labeled predictions per (actual, predicted) label.
    var confusion: [String: [String: Int]] = [:]
    /// Scores as a histogram (rollups): ROC AUC comes from it instead of `positives`/`negatives`.
    var histogram: ScoreHistogram?

    public init(positive: String, task: LiveTask? = nil, classes: [String]? = nil) {
        (self.positive, self.configuredTask, self.configuredClasses) = (positive, task, classes)
    }

    /// The accumulator of a window's rollups: the same metrics, with ROC AUC from the score
    /// histogram (see `ScoreHistogram.auc` for its error bound).
    public init(positive: String, task: LiveTask? = nil, classes: [String]? = nil, rollup r: RollupData) {
        self.init(positive: positive, task: task, classes: classes)
        let t = r.totals
        (predictions, labeled, correct) = (Int(t.predictions), Int(t.labeled), Int(t.correct))
        (tp, fp, fn) = (Int(t.tp), Int(t.fp), Int(t.fn))
        nonIntegral = t.nonIntegral > 0
        (logLoss, absErr, sqErr, ape) = (t.logLoss.moments, t.absError.moments, t.sqError.moments, t.pctError.moments)
        zeroActuals = Int(t.zeroActuals)
        confusion = r.confusion.mapValues { $0.mapValues(Int.init) }
        histogram = r.histogram
    }

    /// Log loss clips probabilities to [ε, 1 − ε] with ε the machine epsilon of Float64, as
    /// scikit-learn's `log_loss` does.
    public static let logLossEpsilon = Double.ulpOfOne

    /// Adds one prediction; the actual fields are nil until its outcome arrived.
    public mutating func add(label: String?, value: Double?, score: Double?, actualLabel: String?, actualValue: Double?) {
        add(
            labeled: actualLabel != nil, correct: label != nil && label == actualLabel, predictedPositive: label == positive,
            actualPositive: actualLabel == positive, value: value, score: score, actualValue: actualValue)
        if let a = actualLabel, let l = label { addConfusion(actual: a, predicted: l, count: 1) }
    }

    /// Adds labeled predictions with this (actual, predicted) pair to the confusion matrix (the
    /// store counts them in SQL, separately from the row-wise `add`).
    public mutating func addConfusion(actual: String, predicted: String, count: Int) {
        confusion[actual, default: [:]][predicted, default: 0] += count
    }

    /// Adds one prediction from label comparisons already made (the store does them in SQL, so
    /// no label strings are built for millions of rows).
    public mutating func add(
        labeled: Bool, correct: Bool, predictedPositive: Bool, actualPositive: Bool, value: Double?, score: Double?, actualValue: Double?
    ) {
        predictions += 1
        guard labeled else { return }
        self.labeled += 1
        if let a = actualValue, a != a.rounded() { nonIntegral = true }
        if let v = value, v != v.rounded() { nonIntegral = true }
        if correct { self.correct += 1 }
        if predictedPositive && actualPositive { tp += 1 }
        if predictedPositive && !actualPositive { fp += 1 }
        if !predictedPositive && actualPositive { fn += 1 }
        if let s = score {
            if actualPositive { positives.append(s) } else { negatives.append(s) }
            let eps = Self.logLossEpsilon
            let p = min(max(s, eps), 1 - eps)
            logLoss.add(actualPositive ? -log(p) : -log(1 - p))
        }
        if let v = value, let a = actualValue {
            let e = abs(v - a)
            absErr.add(e)
            sqErr.add(e * e)
            if a != 0 { ape.add(e / abs(a)) } else { zeroActuals += 1 }
        }
    }

    /// The task used: the configured one, else scikit-learn's `type_of_target` rule — any
    /// non-integral number means regression, otherwise classification.
    public var task: (task: LiveTask, inferred: Bool) {
        if let configuredTask { return (configuredTask, false) }
        return (nonIntegral ? .regression : .classification, true)
    }

    /// Numeric targets (configured, or inferred from non-integral values): a regression.
    public var isRegression: Bool { task.task == .regression }

    /// The classes: configured, else every label seen as an actual or a prediction.
    public var classes: [String] {
        if let configuredClasses { return configuredClasses }
        var seen = Set(confusion.keys)
        for row in confusion.values { seen.formUnion(row.keys) }
        return seen.sorted()
    }

    /// Share of predictions that have an outcome.
    public var coverage: Double? { predictions > 0 ? Double(labeled) / Double(predictions) : nil }

    /// Why a metric one might expect is missing (e.g. MAPE with an actual of 0).
    public var notes: [String] {
        guard labeled > 0 else { return [] }
        if !isRegression, classes.count <= 2, let auc = histogram?.auc() {
            return [
                "roc_auc from a \(ScoreHistogram.bins)-bin score histogram (hourly rollups): within ±\(ReportFormat.value(auc.bound)) of the exact value (its interval is widened by that much)"
            ]
        }
        guard isRegression, zeroActuals > 0 else { return [] }
        return ["mape left out: \(zeroActuals) of \(Int(absErr.n)) actual values \(zeroActuals == 1 ? "is" : "are") 0"]
    }

    /// The error bound of a histogram ROC AUC (nil: exact, or no AUC).
    public var aucBound: Double? { histogram?.auc()?.bound }

    /// The metrics this data supports. Binary classification: accuracy, precision, recall (Wilson),
    /// f1 (Wilson-type, delta method), roc_auc (Wilson-type, Hanley–McNeil) and log_loss (Hall's
    /// skewness-corrected t) when scores were given. Multi-class: accuracy and f1_macro.
    /// Regression: mae, rmse (the square root of the MSE's interval), mape (a fraction, as
    /// scikit-learn reports it; left out when an actual is 0).
    public func estimates() -> [LiveEstimate] {
        guard labeled > 0 else { return [] }
        return isRegression ? regressionEstimates() : classificationEstimates()
    }

    func make(_ m: String, _ v: Double, _ n: Int, _ ci: Interval, _ spread: Spread?) -> LiveEstimate {
        LiveEstimate(metric: m, value: v, n: n, interval: ci, source: "predictions", coverage: coverage, spread: spread)
    }

    func regressionEstimates() -> [LiveEstimate] {
        guard absErr.n > 0 else { return [] }
        var out: [LiveEstimate] = []
        let n = Int(absErr.n)
        let mae = Stats.skewedMeanInterval(absErr)
        out.append(make("mae", mae.mean, n, Self.nonNegative(mae.interval), mae.spread))
        let mse = Stats.skewedMeanInterval(sqErr)
        let rci =
            mse.interval.method == "none"
            ? Interval.none
            : Interval(low: max(0, mse.interval.low).squareRoot(), high: mse.interval.high.squareRoot(), method: mse.interval.method)
        // Week over week compares RMSE through its delta-method standard error.
        let rmse = mse.mean.squareRoot()
        let rSpread: Spread? = {
            guard case .mean(let se, let df) = mse.spread, rmse > 0 else { return nil }
            return .mean(standardError: se / (2 * rmse), df: df)
        }()
        out.append(make("rmse", rmse, n, rci, rSpread))
        if ape.n > 0 && zeroActuals == 0 {
            let m = Stats.skewedMeanInterval(ape)
            out.append(make("mape", m.mean, Int(ape.n), Self.nonNegative(m.interval), m.spread))
        }
        return out
    }

    func classificationEstimates() -> [LiveEstimate] {
        var out: [LiveEstimate] = []
        let acc = Double(correct) / Double(labeled)
        out.append(
            make("accuracy", acc, labeled, Stats.wilson(successes: Double(correct), n: Double(labeled)), .proportion(effectiveN: Double(labeled))))
        let classes = self.classes
        if classes.count > 2 {
            let counts = classes.map { a in classes.map { p in Double(confusion[a]?[p] ?? 0) } }
            if let f = Stats.macroF1(counts) { out.append(make("f1_macro", f.value, labeled, f.interval, f.spread)) }
            return out
        }
        if tp + fp > 0 {
            out.append(
                make(
                    "precision", Double(tp) / Double(tp + fp), tp + fp, Stats.wilson(successes: Double(tp), n: Double(tp + fp)),
                    .proportion(effectiveN: Double(tp + fp))))
        }
        if tp + fn > 0 {
            out.append(
                make(
                    "recall", Double(tp) / Double(tp + fn), tp + fn, Stats.wilson(successes: Double(tp), n: Double(tp + fn)),
                    .proportion(effectiveN: Double(tp + fn))))
        }
        if let f = Stats.f1(tp: Double(tp), fp: Double(fp), fn: Double(fn)) { out.append(make("f1", f.value, labeled, f.interval, f.spread)) }
        if let h = histogram?.auc() {
            let auc = Stats.aucEstimate(h.value, positives: h.positives, negatives: h.negatives)
            // The exact AUC is within ±bound of the histogram's: the interval widens by it, so
            // the verdict never claims more than the binned scores can tell.
            let ci =
                auc.interval.method == "none"
                ? auc.interval
                : Interval(low: max(0, auc.interval.low - h.bound), high: min(1, auc.interval.high + h.bound), method: "wilson-hanley-mcneil+bins")
            out.append(make("roc_auc", auc.value, Int(h.positives + h.negatives), ci, auc.spread))
        } else if let auc = Stats.auc(positives: positives, negatives: negatives) {
            out.append(make("roc_auc", auc.value, positives.count + negatives.count, auc.interval, auc.spread))
        }
        if logLoss.n > 0 {
            let m = Stats.skewedMeanInterval(logLoss)
            out.append(make("log_loss", m.mean, Int(logLoss.n), Self.nonNegative(m.interval), m.spread))
        }
        return out
    }

    /// Losses and errors cannot be negative: a small sample's interval can reach below 0.
    static func nonNegative(_ ci: Interval) -> Interval {
        ci.method == "none" ? ci : Interval(low: max(0, ci.low), high: ci.high, method: ci.method)
    }
}

/// Names an offline metric may carry for a live one (first match wins).
public func offlineNames(for live: String) -> [String] {
    switch live {
    case "roc_auc": return ["roc_auc", "auc", "test_roc_auc", "test_auc"]
    case "log_loss": return ["log_loss", "logloss", "test_log_loss"]
    case "f1": return ["f1", "f1_score", "test_f1"]
    case "f1_macro": return ["f1_macro", "macro_f1", "test_f1_macro", "f1"]
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
