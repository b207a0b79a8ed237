import Foundation
import Testing

@testable import TrackerCore

func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// A binormal classifier: positives (prevalence 0.4) score N(d, 1), negatives N(0, 1); the
/// reported probability is the exact posterior, so it is calibrated, and the label is predicted
/// positive when that probability exceeds 0.5.
struct BinormalTruth {
    let prevalence = 0.4
    let d = 1.5
    func posterior(_ s: Double) -> Double {
        let logit = log(prevalence / (1 - prevalence)) + d * s - d * d / 2
        return 1 / (1 + exp(-logit))
    }
    var threshold: Double { (d * d / 2 - log(prevalence / (1 - prevalence))) / d }
    var tpr: Double { 1 - normalCDF(threshold - d) }
    var fpr: Double { 1 - normalCDF(threshold) }
    /// The population values of every metric.
    var truth: [String: Double] {
        let tp = prevalence * tpr
        let fp = (1 - prevalence) * fpr
        let fn = prevalence * (1 - tpr)
        let tn = (1 - prevalence) * (1 - fpr)
        // Log loss: ∫ over the score mixture of −log P(actual), by the midpoint rule.
        var ll = 0.0
        let step = 0.001
        var s = -12.0
        while s < 14 {
            let q = posterior(s)
            let density = { (x: Double) in exp(-x * x / 2) / (2 * Double.pi).squareRoot() }
            ll += (prevalence * density(s - d) * -log(q) + (1 - prevalence) * density(s) * -log(1 - q)) * step
            s += step
        }
        return [
            "accuracy": tp + tn, "precision": tp / (tp + fp), "recall": tpr, "f1": 2 * tp / (2 * tp + fp + fn),
            "roc_auc": normalCDF(d / 2.0.squareRoot()), "log_loss": ll,
        ]
    }

    func sample(_ n: Int, _ rng: inout SeededRandom) -> PredictionAccumulator {
        var acc = PredictionAccumulator(positive: "1")
        for _ in 0..<n {
            let positive = rng.uniform() < prevalence
            let s = rng.normal() + (positive ? d : 0)
            let q = posterior(s)
            let predicted = q > 0.5
            acc.add(
                labeled: true, correct: predicted == positive, predictedPositive: predicted, actualPositive: positive, value: nil, score: q,
                actualValue: nil)
        }
        return acc
    }
}

/// Regression: actual 10 + N(0, 1), prediction off by N(0, 2): MAE 2·√(2/π), RMSE 2.
func regressionSample(_ n: Int, _ rng: inout SeededRandom) -> PredictionAccumulator {
    var acc = PredictionAccumulator(positive: "1")
    for _ in 0..<n {
        let actual = 10 + rng.normal()
        let predicted = actual + 2 * rng.normal()
        acc.add(
            labeled: true, correct: false, predictedPositive: false, actualPositive: false, value: predicted, score: nil, actualValue: actual)
    }
    return acc
}

/// A window mean: n values N(5, 1) sent as three windows (count, mean, std), combined.
func windowSample(_ n: Int, _ rng: inout SeededRandom) -> LiveEstimate? {
    var totals = WindowTotals()
    let cuts = [0, n / 3, 2 * n / 3, n]
    for i in 0..<3 {
        var m = Moments()
        for _ in cuts[i]..<cuts[i + 1] { m.add(5 + rng.normal()) }
        totals.add(n: m.n, mean: m.mean, m2: m.m2, proportion: false)
    }
    return totals.estimate(metric: "latency_ms")
}

/// Simulates `reps` samples of size n and returns each metric's estimates.
func simulate(n: Int, reps: Int, seed: UInt64) -> [String: [LiveEstimate]] {
    var rng = SeededRandom(seed: seed)
    var out: [String: [LiveEstimate]] = [:]
    let binormal = BinormalTruth()
    for _ in 0..<reps {
        for e in binormal.sample(n, &rng).estimates() { out[e.metric, default: []].append(e) }
        for e in regressionSample(n, &rng).estimates() where e.metric != "mape" { out[e.metric, default: []].append(e) }
        if let e = windowSample(n, &rng) { out["window mean", default: []].append(e) }
    }
    return out
}

@Suite struct CalibrationTests {
    static let truth: [String: Double] = BinormalTruth().truth.merging(
        ["mae": 2 * (2 / Double.pi).squareRoot(), "rmse": 2, "window mean": 5], uniquingKeysWith: { a, _ in a })

    /// Samples per size: the coverage's standard error is 0.004 at 3,000 and 0.006 at 1,500.
    static func reps(_ n: Int) -> Int { n == 1000 ? 1500 : 3000 }

    /// Every interval method, for every metric, covers the truth 93–97% of the time at n = 30,
    /// 100 and 1,000 (seeded); and week over week with nothing changed, the two-sample test
    /// alerts at most 3% of the time per metric (nominal 2.5%, one-sided). The false alarms are
    /// counted over consecutive samples taken as (last week, this week) in both orders.
    @Test(arguments: [30, 100, 1000])
    func intervalsCoverTheirNominal95PercentAndAlertsHoldTheirLevel(n: Int) {
        let reps = Self.reps(n)
        let estimates = simulate(n: n, reps: reps, seed: UInt64(n))
        var coverageReport: [String] = []
        var alarmReport: [String] = []
        for (metric, truth) in Self.truth.sorted(by: { $0.key < $1.key }) {
            let es = estimates[metric] ?? []
            let covered = es.filter { $0.interval.low <= truth && truth <= $0.interval.high }.count
            let coverage = Double(covered) / Double(max(1, es.count))
            let method = es.first?.interval.method ?? "?"
            coverageReport.append("\(metric) (\(method)) \(String(format: "%.3f", coverage))")
            #expect(es.count >= reps * 9 / 10, "\(metric) at n=\(n): only \(es.count) estimates")
            #expect(coverage >= 0.93 && coverage <= 0.97, "\(metric) (\(method)) at n=\(n): coverage \(coverage)")

            let direction = MetricDirection.fromName(metric == "window mean" ? "latency_ms" : metric)
            var alarms = 0
            var trials = 0
            for i in es.indices.dropLast() {
                for (now, before) in [(es[i + 1], es[i]), (es[i], es[i + 1])] {
                    trials += 1
                    if Stats.significantlyWorse(
                        current: (now.value, now.spread), previous: (before.value, before.spread), direction: direction)
                    {
                        alarms += 1
                    }
                }
            }
            let rate = Double(alarms) / Double(max(1, trials))
            alarmReport.append("\(metric) \(String(format: "%.3f", rate))")
            #expect(rate <= 0.03, "\(metric) at n=\(n): false-alarm rate \(rate)")
        }
        print("coverage at n=\(n): " + coverageReport.joined(separator: ", "))
        print("false alarms at n=\(n): " + alarmReport.joined(separator: ", "))
    }
}
