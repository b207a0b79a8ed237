import Testing
import TrackerCore

/// ISO week labels: what a user types for `report --week`.
@Suite struct CalendarTests {
    @Test func anOutOfRangeWeekSaysSoRatherThanShowingTheFormat() throws {
        let cal = try ReportCalendar(zone: "UTC")
        do {
            _ = try cal.week("2026-W99")
            Issue.record("2026-W99 was accepted")
        } catch {
            #expect("\(error)".contains("out of range"))
            #expect(!"\(error)".contains("must look like"))
        }
        do {
            _ = try cal.week("2026-47")
            Issue.record("2026-47 was accepted")
        } catch {
            #expect("\(error)".contains("must look like 2026-W47"))
        }
        #expect(throws: Never.self) { try cal.week("2026-W53") }
        #expect(throws: (any Error).self) { try cal.week("2025-W53") }
    }
}
