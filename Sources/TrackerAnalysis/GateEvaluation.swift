import TrackerCore

/// Evaluates gates against a candidate's offline metrics.
public enum GateEvaluator {
    static func show(_ v: Double) -> String { JSON.plain(v) }
    static func brief(_ v: Double) -> String { ReportFormat.value(v) }

    /// A threshold gate.
    public static func evaluate(_ g: GateExpression, metrics: [String: Double]) -> GateResult {
        guard let v = metrics[g.metric] else {
            let known = metrics.keys.sorted().joined(separator: ", ")
            return GateResult(
                gate: g.description, passed: false,
                detail: "the version has no offline metric '\(g.metric)' (it has: \(known.isEmpty ? "none" : known))")
        }
        return GateResult(
            gate: g.description, passed: g.passes(v), detail: "\(g.metric) = \(show(v))", summary: "\(g.metric) = \(brief(v))")
    }

    /// Must beat the version live in the environment now (direction-aware, by `margin`).
    public static func evaluate(
        _ m: MustBeat, candidate: [String: Double], incumbentVersion: Int?, incumbent: [String: Double]
    ) -> GateResult {
        let name = m.margin > 0 ? "must beat current \(m.metric) by \(show(m.margin))" : "must beat current \(m.metric)"
        guard let version = incumbentVersion else {
            return GateResult(gate: name, passed: true, detail: "no version is live in this environment; nothing to beat")
        }
        guard let c = candidate[m.metric] else {
            return GateResult(gate: name, passed: false, detail: "the candidate has no offline metric '\(m.metric)'")
        }
        guard let i = incumbent[m.metric] else {
            return GateResult(gate: name, passed: true, detail: "live version \(version) has no offline '\(m.metric)'; nothing to beat")
        }
        let dir = MetricDirection.of(m.metric)
        // Strictly better, and by at least the margin.
        let ok = dir == .higherIsBetter ? (c > i && c - i >= m.margin) : (c < i && i - c >= m.margin)
        let better = "(\(dir == .higherIsBetter ? "higher" : "lower") is better)"
        return GateResult(
            gate: name, passed: ok && !c.isNaN, detail: "candidate \(show(c)) vs live version \(version) \(show(i)) \(better)",
            summary: "candidate \(brief(c)) vs live version \(version) \(brief(i)) \(better)")
    }
}

extension GateEvaluator {
    /// Every gate of a promotion, in the order they are reported: thresholds (policy's, then the
    /// command's), must-beat-current (policy's, then the command's), then "deployed to ENV first"
    /// (`afterEnv.firstDeployed` nil = never deployed there).
    public static func promotionGates(
        version: Int, candidate: [String: Double], requires: [GateExpression], mustBeat: [MustBeat], incumbentVersion: Int?,
        incumbent: [String: Double], afterEnv: (env: String, firstDeployed: Int64?)?
    ) -> [GateResult] {
        var results = requires.map { evaluate($0, metrics: candidate) }
        for mb in mustBeat {
            results.append(evaluate(mb, candidate: candidate, incumbentVersion: incumbentVersion, incumbent: incumbent))
        }
        if let (after, was) = afterEnv {
            results.append(
                GateResult(
                    gate: "deployed to \(after) first", passed: was != nil,
                    detail: was.map { "version \(version) went to \(after) at \(TimeParser.format($0))" }
                        ?? "version \(version) has never been deployed to \(after)"))
        }
        return results
    }
}
