import Foundation
import SQLiteKit
import TrackerAnalysis
import TrackerCore

extension LiveRepository {
    /// Live data of `model` in `env` for `version`, one per [since, until) window, in one read
    /// transaction (one snapshot): the weekly report's previous period and days.
    public func liveData(model: String, env: String, windows: [(since: Int64, until: Int64)], version: Int?, settings: LiveSettings) throws
        -> [LiveData]
    {
        try db.read { c in
            let m = try RegistryRepository.modelRow(c, model)
            // The rollup state and every window's aggregates in one read each, not one per window.
            let state = try RollupState.load(c, modelID: m.id)
            let prefetched = try LiveRepository.prefetch(
                c, modelID: m.id, env: env, windows: windows, version: version, state: state, positive: settings.positiveLabel,
                settings: settings)
            return try zip(windows, prefetched).map { w, p in
                try LiveRepository.liveData(
                    c, modelID: m.id, env: env, since: w.since, until: w.until, positive: settings.positiveLabel, version: version,
                    settings: settings, state: state, prefetched: p)
            }
        }
    }

    /// Sets alert thresholds for a model (metric '' = every metric); nil leaves a value as it is.
    public func setAlertSettings(model: String, metric: String, maxGap: Double?, coverageFloor: Double?) throws {
        try updateLiveSettings(model: model) { s in
            if let maxGap { s.maxGap[metric] = maxGap }
            if let coverageFloor { s.coverageFloor = coverageFloor }
        }
    }
}

// MARK: - Store façade: one-line forwards, so call sites stay as they are.

extension Store {
    public func setAlertSettings(model: String, metric: String, maxGap: Double?, coverageFloor: Double?) throws {
        try live.setAlertSettings(model: model, metric: metric, maxGap: maxGap, coverageFloor: coverageFloor)
    }
}
