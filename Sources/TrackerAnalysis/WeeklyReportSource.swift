import TrackerCore

/// What the weekly report reads: values the store's repositories return (TrackerStore's `Store`
/// provides them), so the report's assembly (`weeklyReport`) stays in the analysis layer.
public protocol WeeklyReportSource {
    /// Deployment intervals, optionally of one model, in one environment, live at one time.
    func deployments(model: String?, env: String?, at: Int64?) throws -> [Deployment]
    /// Ledger entries, optionally of one model, in one environment, in [since, until).
    func ledger(model: String?, env: String?, since: Int64?, until: Int64?) throws -> [LedgerEntry]
    /// Throws a not-found error listing the registered models when `name` is not one.
    func requireModel(_ name: String) throws
    /// A model's live settings (alert thresholds, positive label).
    func liveSettings(model: String) throws -> LiveSettings
    /// The gap of `model` in `env` over the options' window.
    func gap(model: String, env: String, options: GapOptions) throws -> GapReport
    /// Live data of `model` in `env` for `version`, one per [since, until) window, read in one snapshot.
    func liveData(model: String, env: String, windows: [(since: Int64, until: Int64)], version: Int?, settings: LiveSettings) throws
        -> [LiveData]
    /// Every version (number, creation time) of the registered models, by model (`models` empty: all).
    func registeredVersions(models: [String]) throws -> [(model: String, versions: [(version: Int, creationTime: Int64)])]
    /// When the run that produced a version started (nil: registered without a run).
    func runStartTime(model: String, version: Int) throws -> Int64?
}
