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

    /// The version numbers of a model, ascending (throws when the model does not exist).
    public func versionNumbers(model: String) throws -> [Int] {
        let id = try self.model(named: model).id
        return try db.read { c in
            try c.query("SELECT version FROM model_versions WHERE model_id = ? ORDER BY version", [.integer(id)]) { $0.int(0) }
        }
    }

    /// Throws "model 'M' has no version N; versions: …" unless the version exists.
    public func requireVersion(model: String, version: Int) throws {
        let versions = try versionNumbers(model: model)
        if versions.contains(version) { return }
        throw TrackerError.notFound(
            "model '\(model)' has no version \(version); versions: \(versions.isEmpty ? "none" : versions.map(String.init).joined(separator: ", "))"
        )
    }

    /// The metric keys a run has logged, sorted (throws when the run does not exist).
    public func metricKeys(runID: String) throws -> [String] {
        try db.read { c in
            guard try c.queryOne("SELECT id FROM runs WHERE run_uuid = ?", [.text(runID)], { $0.int64(0) }) != nil else {
                throw TrackerError.notFound("run \(runID) not found; list runs with 'tracker run list'")
            }
            return try c.query(
                """
                SELECT k.key FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id JOIN runs r ON r.id = l.run_id
                WHERE r.run_uuid = ? ORDER BY k.key
                """,
                [.text(runID)]
            ) { $0.string(0) }
        }
    }
}
