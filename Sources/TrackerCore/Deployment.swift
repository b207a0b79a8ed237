/// The deployment ledger's values: what the store returns, what the analysis reads.

/// One ledger entry: a promotion, forced promotion or rollback.
public struct LedgerEntry: Sendable, Equatable {
    public let id: Int64
    public let model: String
    public let env: String
    public let kind: String
    public let fromVersion: Int?
    public let toVersion: Int
    public let actor: String
    public let reason: String
    public let time: Int64
    public let gates: [GateResult]

    /// A ledger entry as stored.
    public init(
        id: Int64, model: String, env: String, kind: String, fromVersion: Int?, toVersion: Int, actor: String, reason: String, time: Int64,
        gates: [GateResult]
    ) {
        self.id = id
        self.model = model
        self.env = env
        self.kind = kind
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.actor = actor
        self.reason = reason
        self.time = time
        self.gates = gates
    }
}

/// A version live in an environment over an interval (`endedAt` nil = live now).
public struct Deployment: Sendable, Equatable {
    public let model: String
    public let env: String
    public let version: Int
    public let startedAt: Int64
    public let endedAt: Int64?
    public let ledgerID: Int64

    /// A deployment interval as stored.
    public init(model: String, env: String, version: Int, startedAt: Int64, endedAt: Int64?, ledgerID: Int64) {
        self.model = model
        self.env = env
        self.version = version
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.ledgerID = ledgerID
    }
}
