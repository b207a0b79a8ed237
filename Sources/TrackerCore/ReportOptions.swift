/// What `weeklyReport` covers and how it judges.
public struct ReportOptions: Sendable {
    public var period: ReportPeriod
    public var env = "production"
    /// Only these models (empty = every model in the environment).
    public var models: [String] = []
    /// Printed as "generated at" only when given.
    public var now: Int64?
    /// Alert when live is worse than offline by more than this share (unless set per model/metric).
    public var defaultMaxGap = 0.05
    /// Alert when label coverage is below this share (unless set per model).
    public var defaultCoverageFloor = 0.5
    public var minN = 30
    public var tolerance = 0.02
    /// Weeks in the delivery chart.
    public var deliveryWeeks = 12

    public init(period: ReportPeriod) { self.period = period }
}
