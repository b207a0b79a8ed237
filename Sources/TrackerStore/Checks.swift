import Foundation
import SQLiteKit
import TrackerCore

// MARK: - Checks the CLI runs before acting, so a typo fails with the names that exist

extension Store {
    /// Environments any model has a deployment history or a gate policy in (or that a policy's
    /// `--after` names: `gate set --env production --after staging` declares staging), sorted.
    public func knownEnvironments() throws -> [String] {
        try db.read { c in
            try c.query(
                """
                SELECT env FROM deployment_ledger UNION SELECT env FROM gate_policies
                UNION SELECT after_env FROM gate_policies WHERE after_env IS NOT NULL ORDER BY 1
                """
            ) { $0.string(0) }
        }
    }

    /// Throws when `env` is new while other environments exist and `allowNew` is false: a typo
    /// (`prodution`) would otherwise create an environment and bypass the real one's gates.
    /// On a fresh database (no environment yet) every name is allowed.
    public func checkEnvironment(_ env: String, allowNew: Bool) throws {
        if allowNew { return }
        let known = try knownEnvironments()
        if known.isEmpty || known.contains(env) { return }
        throw TrackerError.invalid(
            "environment '\(env)' is new (known: \(known.joined(separator: ", "))); check the name, or pass --new-env to create it")
    }

    /// The metric keys a run has logged, sorted (throws when the run does not exist).
    public func metricKeys(runID: String) throws -> [String] {
        try db.read { c in
            let (run, _) = try RunRepository.runKey(c, runID)
            return try c.query(
                "SELECT k.key FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id WHERE l.run_id = ? ORDER BY k.key",
                [.integer(run)]
            ) { $0.string(0) }
        }
    }
}
