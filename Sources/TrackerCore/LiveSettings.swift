/// A model's settings for live metrics, verdicts and alerts.
public struct LiveSettings: Sendable, Equatable {
    /// The label scores are the probability of, and precision/recall/F1 count as positive.
    public var positiveLabel = "1"
    /// nil: inferred from the data.
    public var task: LiveTask?
    /// nil: the labels seen.
    public var classes: [String]?
    /// Declared directions per metric.
    public var directions: [String: MetricDirection] = [:]
    /// Alert when live is worse than offline by more than this share (metric "" = every metric).
    public var maxGap: [String: Double] = [:]
    /// Alert when label coverage is below this share.
    public var coverageFloor: Double?

    public init() {}
}
