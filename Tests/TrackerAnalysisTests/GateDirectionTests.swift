import Testing
import TrackerAnalysis
import TrackerCore

/// Must-beat-current follows the same direction rule as `gap` and the report: the model's
/// configured direction first, then the documented name rules.
@Suite struct GateDirectionTests {
    @Test func aConfiguredDirectionDecidesMustBeat() {
        let gate = MustBeat(metric: "score_drift", margin: 0)
        // By name, score_drift is higher-is-better: a lower candidate does not beat.
        let byName = GateEvaluator.evaluate(gate, candidate: ["score_drift": 0.1], incumbentVersion: 1, incumbent: ["score_drift": 0.3])
        #expect(!byName.passed)
        #expect(byName.detail.contains("higher is better"))
        let configured = GateEvaluator.evaluate(
            gate, candidate: ["score_drift": 0.1], incumbentVersion: 1, incumbent: ["score_drift": 0.3],
            directions: ["score_drift": .lowerIsBetter])
        #expect(configured.passed)
        #expect(configured.detail.contains("lower is better"))
    }

    @Test func nameRulesAreTheOnesGapUses() {
        // The rule that once disagreed between gates and gap: latency and neg_ scorers.
        for (metric, expected) in [
            ("p99_latency_ms", MetricDirection.lowerIsBetter), ("neg_log_loss", .higherIsBetter), ("cross_entropy", .lowerIsBetter),
            ("roc_auc", .higherIsBetter),
        ] {
            #expect(MetricDirection.of(metric) == expected, "\(metric)")
            #expect(MetricDirection.of(metric) == MetricDirection.fromName(metric))
        }
    }
}
