import Foundation
import TrackerAnalysis
import TrackerCore

// The store as the weekly report's source (`store.weeklyReport(…)` is TrackerAnalysis's
// assembly over it): each load is a repository call. `liveSettings` and `gap` are the live
// repository's forwards.
extension Store: WeeklyReportSource {
    public func deployments(model: String?, env: String?, at: Int64?) throws -> [Deployment] {
        try deployments.deployments(model: model, env: env, at: at)
    }

    public func ledger(model: String?, env: String?, since: Int64?, until: Int64?) throws -> [LedgerEntry] {
        try deployments.ledger(model: model, env: env, since: since, until: until)
    }

    public func requireModel(_ name: String) throws { _ = try registry.model(named: name) }

    public func liveData(model: String, env: String, windows: [(since: Int64, until: Int64)], version: Int?, settings: LiveSettings) throws
        -> [LiveData]
    { try live.liveData(model: model, env: env, windows: windows, version: version, settings: settings) }

    public func registeredVersions(models: [String]) throws -> [(model: String, versions: [(version: Int, creationTime: Int64)])] {
        let filter = Set(models)
        return try registry.listModels().filter { filter.isEmpty || filter.contains($0.name) }.map { m in
            (m.name, try registry.versions(model: m.name).map { ($0.version, $0.creationTime) })
        }
    }

    public func runStartTime(model: String, version: Int) throws -> Int64? {
        let v = try registry.version(model: model, ref: String(version))
        return try v.runID.map { try runs.run(id: $0).info.startTime }
    }
}
