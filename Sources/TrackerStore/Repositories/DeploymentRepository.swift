import Foundation
import SQLiteKit
import TrackerAnalysis
import TrackerCore

/// A stored gate policy for (model, environment).
public struct GatePolicy: Sendable, Equatable {
    public let env: String
    public let requires: [GateExpression]
    public let mustBeat: MustBeat?
    public let afterEnv: String?
    public let updatedAt: Int64
}

/// What `promote` decided.
public struct PromotionOutcome: Sendable {
    /// What happened to the deployment.
    public enum Result: Sendable, Equatable {
        /// Promoted (ledger id).
        case promoted(Int64)
        /// Gates failed; nothing changed.
        case blocked
        /// The version is already live there; nothing changed.
        case alreadyLive
        /// `--dry-run`: what would happen.
        case dryRun(wouldPass: Bool)
    }
    /// What happened.
    public let result: Result
    /// The version promoted (an alias resolved to its number).
    public let version: Int
    /// Every gate evaluated, passed or not.
    public let gates: [GateResult]
    /// The version live in the environment before (nil: none).
    public let fromVersion: Int?
    /// Whether `--force` overrode failed gates.
    public let forced: Bool
}

/// The deployment ledger, deployment intervals and gate policies; promotion and rollback write them in one transaction.
public struct DeploymentRepository: Sendable {
    let db: Database
}

extension DeploymentRepository {
    // MARK: - Gate policies

    /// Stores (replaces) the gate policy of a model in an environment.
    public func setGatePolicy(model: String, env: String, requires: [GateExpression], mustBeat: MustBeat?, afterEnv: String?) throws {
        try DeploymentRepository.validateEnv(env)
        if let afterEnv { try DeploymentRepository.validateEnv(afterEnv) }
        try db.write { c in
            let m = try RegistryRepository.modelRow(c, model)
            let req = JSON.array(requires.map { .string($0.description) }).serialized()
            try c.run(
                "INSERT INTO gate_policies (model_id, env, requires, must_beat, must_beat_margin, after_env, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (model_id, env) DO UPDATE SET requires = excluded.requires, must_beat = excluded.must_beat, must_beat_margin = excluded.must_beat_margin, after_env = excluded.after_env, updated_at = excluded.updated_at",
                [
                    .integer(m.id), .text(env), .text(req), mustBeat.map { .text($0.metric) } ?? .null, .real(mustBeat?.margin ?? 0),
                    afterEnv.map { .text($0) } ?? .null, .integer(TimeParser.nowMillis()),
                ])
        }
    }

    static func gatePolicies(_ c: Connection, modelID: Int64, env: String?) throws -> [GatePolicy] {
        try c.query(
            "SELECT env, requires, must_beat, must_beat_margin, after_env, updated_at FROM gate_policies WHERE model_id = ? AND (? IS NULL OR env = ?) ORDER BY env",
            [.integer(modelID), env.map { .text($0) } ?? .null, env.map { .text($0) } ?? .null]
        ) { row in
            let reqs = ((try? JSON.parse(row.string(1)))?.arrayValue ?? []).compactMap { $0.stringValue }.compactMap {
                try? GateExpression.parse($0)
            }
            return GatePolicy(
                env: row.string(0), requires: reqs, mustBeat: row.optionalString(2).map { MustBeat(metric: $0, margin: row.double(3)) },
                afterEnv: row.optionalString(4), updatedAt: row.int64(5))
        }
    }

    /// Gate policies of a model (all environments, or one).
    public func gatePolicies(model: String, env: String? = nil) throws -> [GatePolicy] {
        try db.read { c in try DeploymentRepository.gatePolicies(c, modelID: try RegistryRepository.modelRow(c, model).id, env: env) }
    }

    static func validateEnv(_ env: String) throws {
        if env.isEmpty || env.utf8.count > 100 || env.contains(where: { $0.isWhitespace || $0 == "/" }) {
            throw TrackerError.invalid("environment '\(env)' must be 1–100 characters without spaces or '/', e.g. staging or production")
        }
    }

    // MARK: - Deployments

    static func currentDeployment(_ c: Connection, modelID: Int64, env: String) throws -> (id: Int64, version: Int)? {
        try c.queryOne(
            "SELECT d.id, v.version FROM deployments d JOIN model_versions v ON v.id = d.version_id WHERE d.model_id = ? AND d.env = ? AND d.ended_at IS NULL",
            [.integer(modelID), .text(env)]
        ) { ($0.int64(0), $0.int(1)) }
    }

    static func envsOf(_ c: Connection, modelID: Int64) throws -> [String] {
        try c.query("SELECT DISTINCT env FROM deployment_ledger WHERE model_id = ? ORDER BY env", [.integer(modelID)]) { $0.string(0) }
    }

    /// Ends the current deployment (if any) and starts `versionID`, writing the ledger entry.
    static func deploy(
        _ c: Connection, modelID: Int64, env: String, versionID: Int64, toVersion: Int, from: (id: Int64, version: Int)?, kind: String,
        actor: String, reason: String, gates: [GateResult], now: Int64
    ) throws -> Int64 {
        let ledgerID = try c.insert(
            "INSERT INTO deployment_ledger (model_id, env, kind, from_version, to_version, actor, reason, time, gates) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                .integer(modelID), .text(env), .text(kind), from.map { .integer(Int64($0.version)) } ?? .null, .integer(Int64(toVersion)),
                .text(actor), .text(reason), .integer(now), .text(JSON.array(gates.map(\.json)).serialized()),
            ])
        if let from { try c.run("UPDATE deployments SET ended_at = ? WHERE id = ?", [.integer(now), .integer(from.id)]) }
        try c.run(
            "INSERT INTO deployments (model_id, env, version_id, ledger_id, started_at) VALUES (?, ?, ?, ?, ?)",
            [.integer(modelID), .text(env), .integer(versionID), .integer(ledgerID), .integer(now)])
        return ledgerID
    }

    /// Evaluates gates and, when they pass (or `force`), makes `versionRef` the live version of
    /// `model` in `env` — all in one write transaction, so racing promotes serialize.
    public func promote(
        model: String, versionRef: String, env: String, requires: [GateExpression] = [], mustBeat: MustBeat? = nil,
        reason: String = "", actor: String, dryRun: Bool = false, force: Bool = false, now: Int64? = nil
    ) throws -> PromotionOutcome {
        try DeploymentRepository.validateEnv(env)
        return try db.write { c in
            let m = try RegistryRepository.modelRow(c, model)
            let n = try RegistryRepository.resolveVersion(c, model: model, ref: versionRef)
            let v = try RegistryRepository.versionRow(c, model: model, version: n)
            let current = try DeploymentRepository.currentDeployment(c, modelID: m.id, env: env)
            if current?.version == n {
                return PromotionOutcome(result: .alreadyLive, version: n, gates: [], fromVersion: n, forced: false)
            }
            let policy = try DeploymentRepository.gatePolicies(c, modelID: m.id, env: env).first
            var incumbent: [String: Double] = [:]
            if let current { incumbent = try RegistryRepository.versionRow(c, model: model, version: current.version).offlineMetrics }
            let after = try policy?.afterEnv.map { after in
                let first =
                    try c.queryOne(
                        "SELECT min(time) FROM deployment_ledger WHERE model_id = ? AND env = ? AND to_version = ?",
                        [.integer(m.id), .text(after), .integer(Int64(n))], { $0.optionalInt64(0) }) ?? nil
                return (env: after, firstDeployed: first)
            }
            let results = GateEvaluator.promotionGates(
                version: n, candidate: v.offlineMetrics, requires: (policy?.requires ?? []) + requires,
                mustBeat: [policy?.mustBeat, mustBeat].compactMap { $0 }, incumbentVersion: current?.version, incumbent: incumbent,
                afterEnv: after, directions: try LiveRepository.liveSettings(c, modelID: m.id).directions)
            let passed = results.allSatisfy(\.passed)
            if dryRun {
                return PromotionOutcome(result: .dryRun(wouldPass: passed), version: n, gates: results, fromVersion: current?.version, forced: false)
            }
            if !passed && !force { return PromotionOutcome(result: .blocked, version: n, gates: results, fromVersion: current?.version, forced: false) }
            let forced = force && !passed
            let id = try DeploymentRepository.deploy(
                c, modelID: m.id, env: env, versionID: v.id, toVersion: n, from: current, kind: forced ? "force" : "promote", actor: actor,
                reason: reason, gates: results, now: now ?? TimeParser.nowMillis())
            return PromotionOutcome(result: .promoted(id), version: n, gates: results, fromVersion: current?.version, forced: forced)
        }
    }

    /// The versions a rollback can return to, most recent last: promotions push, rollbacks pop.
    static func rollbackStack(_ c: Connection, modelID: Int64, env: String) throws -> [Int] {
        var stack: [Int] = []
        for (kind, to) in try c.query(
            "SELECT kind, to_version FROM deployment_ledger WHERE model_id = ? AND env = ? ORDER BY id", [.integer(modelID), .text(env)],
            { ($0.string(0), $0.int(1)) })
        {
            if kind == "rollback" {
                while let top = stack.last, top != to { stack.removeLast() }
                if stack.isEmpty { stack.append(to) }
            } else {
                stack.append(to)
            }
        }
        return stack
    }

    /// Puts the previous version (or `to`) back live in `env`; a ledger entry of kind rollback.
    /// Returns (from, to, ledger id).
    public func rollback(model: String, env: String, to: String? = nil, reason: String = "", actor: String, now: Int64? = nil) throws -> (
        from: Int, to: Int, ledgerID: Int64
    ) {
        try db.write { c in
            let m = try RegistryRepository.modelRow(c, model)
            guard let current = try DeploymentRepository.currentDeployment(c, modelID: m.id, env: env) else {
                let envs = try DeploymentRepository.envsOf(c, modelID: m.id)
                throw TrackerError.notFound(
                    "model '\(model)' is not deployed to '\(env)'; \(envs.isEmpty ? "it has never been deployed" : "environments: " + envs.joined(separator: ", "))"
                )
            }
            var stack = try DeploymentRepository.rollbackStack(c, modelID: m.id, env: env)
            if stack.last == current.version { stack.removeLast() }
            let target = try Self.rollbackTarget(c, model: model, modelID: m.id, env: env, to: to, current: current.version, stack: stack)
            let v = try RegistryRepository.versionRow(c, model: model, version: target)
            let id = try DeploymentRepository.deploy(
                c, modelID: m.id, env: env, versionID: v.id, toVersion: target, from: current, kind: "rollback", actor: actor,
                reason: reason,
                gates: [], now: now ?? TimeParser.nowMillis())
            return (current.version, target, id)
        }
    }

    /// The version a rollback puts live: `to` (which must have been deployed to `env` before and
    /// not be live now), else the top of the rollback stack.
    static func rollbackTarget(_ c: Connection, model: String, modelID: Int64, env: String, to: String?, current: Int, stack: [Int]) throws -> Int {
        guard let to else {
            guard let prev = stack.last else {
                throw TrackerError.invalid("no earlier version of '\(model)' to roll back to in \(env); version \(current) is the first")
            }
            return prev
        }
        let n = try RegistryRepository.resolveVersion(c, model: model, ref: to)
        if n == current { throw TrackerError.invalid("version \(n) is already live in \(env)") }
        let ever =
            try c.queryOne(
                "SELECT count(*) FROM deployment_ledger WHERE model_id = ? AND env = ? AND to_version = ?",
                [.integer(modelID), .text(env), .integer(Int64(n))], { $0.int(0) }) ?? 0
        if ever == 0 {
            throw TrackerError.invalid("version \(n) was never deployed to \(env); use 'tracker promote \(model) \(n) --to \(env)' instead")
        }
        return n
    }

    static func decodeLedger(_ r: Row) -> LedgerEntry {
        let gates = ((try? JSON.parse(r.string(9)))?.arrayValue ?? []).map {
            GateResult(gate: $0["gate"]?.stringValue ?? "", passed: $0["passed"] == .bool(true), detail: $0["detail"]?.stringValue ?? "")
        }
        return LedgerEntry(
            id: r.int64(0), model: r.string(1), env: r.string(2), kind: r.string(3), fromVersion: r.isNull(4) ? nil : r.int(4),
            toVersion: r.int(5),
            actor: r.string(6), reason: r.string(7), time: r.int64(8), gates: gates)
    }

    /// The ledger, oldest first, optionally for one model / environment / time range.
    public func ledger(model: String? = nil, env: String? = nil, since: Int64? = nil, until: Int64? = nil) throws -> [LedgerEntry] {
        try db.read { c in
            if let model { _ = try RegistryRepository.modelRow(c, model) }
            return try c.query(
                """
                SELECT l.id, m.name, l.env, l.kind, l.from_version, l.to_version, l.actor, l.reason, l.time, l.gates
                FROM deployment_ledger l JOIN registered_models m ON m.id = l.model_id
                WHERE (?1 IS NULL OR m.name = ?1) AND (?2 IS NULL OR l.env = ?2) AND (?3 IS NULL OR l.time >= ?3) AND (?4 IS NULL OR l.time < ?4)
                ORDER BY l.id
                """,
                [
                    model.map { .text($0) } ?? .null, env.map { .text($0) } ?? .null, since.map { .integer($0) } ?? .null,
                    until.map { .integer($0) } ?? .null,
                ],
                DeploymentRepository.decodeLedger)
        }
    }

    /// Deployment intervals, optionally those live at time `at`.
    public func deployments(model: String? = nil, env: String? = nil, at: Int64? = nil) throws -> [Deployment] {
        try db.read { c in
            if let model { _ = try RegistryRepository.modelRow(c, model) }
            return try c.query(
                """
                SELECT m.name, d.env, v.version, d.started_at, d.ended_at, d.ledger_id
                FROM deployments d JOIN registered_models m ON m.id = d.model_id JOIN model_versions v ON v.id = d.version_id
                WHERE (?1 IS NULL OR m.name = ?1) AND (?2 IS NULL OR d.env = ?2)
                  AND (?3 IS NULL OR (d.started_at <= ?3 AND (d.ended_at IS NULL OR d.ended_at > ?3)))
                ORDER BY m.name, d.env, d.started_at, d.id
                """,
                [model.map { .text($0) } ?? .null, env.map { .text($0) } ?? .null, at.map { .integer($0) } ?? .null]
            ) {
                Deployment(
                    model: $0.string(0), env: $0.string(1), version: $0.int(2), startedAt: $0.int64(3), endedAt: $0.optionalInt64(4),
                    ledgerID: $0.int64(5))
            }
        }
    }

    /// Environments that have a deployment history (optionally for one model).
    public func environments(model: String? = nil) throws -> [String] {
        try db.read { c in
            try c.query(
                "SELECT DISTINCT l.env FROM deployment_ledger l JOIN registered_models m ON m.id = l.model_id WHERE ?1 IS NULL OR m.name = ?1 ORDER BY l.env",
                [model.map { .text($0) } ?? .null]
            ) { $0.string(0) }
        }
    }

    /// Where each version of a model is live now: version → environments.
    public func liveEnvironments(model: String) throws -> [Int: [String]] {
        var out: [Int: [String]] = [:]
        for d in try deployments(model: model) where d.endedAt == nil { out[d.version, default: []].append(d.env) }
        return out
    }

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
}

// MARK: - Store façade: the repository it hands out.

extension Store {
    /// The deployment ledger, deployment intervals and gate policies; promotion and rollback write them in one transaction.
    public var deployments: DeploymentRepository { DeploymentRepository(db: db) }
}
