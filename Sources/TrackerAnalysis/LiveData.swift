import TrackerCore

/// Live data of a (model, env) over a window, per attributed version (nil = unattributed): the
/// sufficient statistics the store loads and the analysis turns into estimates.
public struct LiveData: Sendable {
    /// Window totals per version and metric.
    public var windows: [Int?: [String: WindowTotals]] = [:]
    /// Joined predictions and outcomes per version.
    public var predictions: [Int?: PredictionAccumulator] = [:]
    /// Scores converted to the query's positive label: count per label they were ingested for.
    public var convertedScores: [Int?: [String: Int]] = [:]
    /// Where the prediction metrics came from: "raw" rows or hourly "rollup"s.
    public var source = "raw"
    /// Every version with data (nil = unattributed).
    public var versions: Set<Int?> { Set(windows.keys).union(predictions.keys) }

    /// Empty: versions are added as the store reads rows.
    public init() {}
}

/// Deployment intervals of one (model, env), oldest first: which version was live when.
public struct Attribution: Sendable {
    /// (start, end or nil while live, version), in start order.
    public let intervals: [(start: Int64, end: Int64?, version: Int)]

    /// Intervals as the store reads them.
    public init(intervals: [(start: Int64, end: Int64?, version: Int)]) { self.intervals = intervals }

    /// The version live at `t`, if any.
    public func version(at t: Int64) -> Int? {
        // Few intervals per (model, env): a linear scan from the newest is fast enough.
        for i in intervals.reversed() where i.start <= t && (i.end == nil || i.end! > t) { return i.version }
        return nil
    }
}
