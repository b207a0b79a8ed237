import Foundation
import Testing

@testable import TrackerCore
@testable import TrackerStore

/// Batched logging of metrics, params and tags: SQLite writes row by row, PostgreSQL in a few
/// statements of array parameters; both must store the same thing and fail the same way.
@Suite struct MetricLoggingTests {
    func newRun(_ tmp: TempDir) throws -> (Store, String) {
        let s = try Store.open(path: tmp.db)
        let exp = try s.experiments.ensureExperiment(name: "logging")
        return (s, try s.runs.createRun(experimentID: exp.id, name: "r").runID)
    }

    func point(_ key: String, _ value: Double, step: Int64, time: Int64 = 1) -> MetricPoint {
        MetricPoint(key: key, value: value, step: step, time: time)
    }

    /// Compares metric values bit for bit (NaN equals NaN).
    func same(_ a: [MetricPoint], _ b: [MetricPoint]) -> Bool {
        a.count == b.count
            && zip(a, b).allSatisfy { x, y in
                x.key == y.key && x.step == y.step && x.time == y.time && (x.value == y.value || (x.value.isNaN && y.value.isNaN))
            }
    }

    @Test(arguments: TestBackend.all) func aBatchStoresEveryPointAndEachKeysLatest(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let (s, run) = try newRun(tmp)
        // Repeats (same key, step and time) keep their last value, as row-by-row upserts do.
        try s.metrics.log(
            runID: run,
            LogBatch(metrics: [
                point("loss", 0.9, step: 0), point("loss", 0.5, step: 1), point("loss", 0.7, step: 1), point("acc", .nan, step: 3),
                point("acc", .infinity, step: 2), point("acc", -.infinity, step: 1), point("loss", 0.4, step: 1, time: 0),
                point("odd key: a/b.c-d_e", 1e-300, step: 0),
            ]))
        #expect(
            same(
                try s.metrics.metricHistory(runID: run, key: "loss"),
                [point("loss", 0.9, step: 0), point("loss", 0.4, step: 1, time: 0), point("loss", 0.7, step: 1)]))
        #expect(
            same(
                try s.metrics.metricHistory(runID: run, key: "acc"),
                [point("acc", -.infinity, step: 1), point("acc", .infinity, step: 2), point("acc", .nan, step: 3)]))
        #expect(same(try s.metrics.metricHistory(runID: run, key: "odd key: a/b.c-d_e"), [point("odd key: a/b.c-d_e", 1e-300, step: 0)]))
        // Latest: highest step, then highest time; NaN is a value like any other.
        #expect(
            same(
                try s.runs.run(id: run).metrics,
                [point("acc", .nan, step: 3), point("loss", 0.7, step: 1), point("odd key: a/b.c-d_e", 1e-300, step: 0)]))
    }

    @Test(arguments: TestBackend.all) func latestMovesOnlyForwardAcrossBatches(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let (s, run) = try newRun(tmp)
        try s.metrics.log(runID: run, LogBatch(metrics: [point("m", 1, step: 5, time: 10)]))
        try s.metrics.log(runID: run, LogBatch(metrics: [point("m", 2, step: 4, time: 99)]))  // older step: history only
        #expect(same(try s.runs.run(id: run).metrics, [point("m", 1, step: 5, time: 10)]))
        try s.metrics.log(runID: run, LogBatch(metrics: [point("m", 3, step: 5, time: 10)]))  // same step and time: replaces
        #expect(same(try s.runs.run(id: run).metrics, [point("m", 3, step: 5, time: 10)]))
        try s.metrics.log(runID: run, LogBatch(metrics: [point("m", 4, step: 5, time: 11), point("m", 5, step: 5, time: 9)]))
        #expect(same(try s.runs.run(id: run).metrics, [point("m", 4, step: 5, time: 11)]))
        #expect(try s.metrics.metricHistory(runID: run, key: "m").map(\.value) == [2, 5, 3, 4])
    }

    @Test(arguments: TestBackend.all) func largeBatchesAndManyNewKeys(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let (s, run) = try newRun(tmp)
        let points = (0..<5000).map { point("k\($0 % 700)", Double($0) / 7, step: Int64($0)) }
        try s.metrics.log(runID: run, LogBatch(metrics: points))
        #expect(try s.metrics.metricKeys(runID: run).count == 700)
        #expect(try s.metrics.metricHistory(runID: run, key: "k3").map(\.value) == stride(from: 3, to: 5000, by: 700).map { Double($0) / 7 })
        let latest = try s.runs.run(id: run).metrics.first { $0.key == "k699" }
        #expect(latest.map { same([$0], [point("k699", 4899.0 / 7, step: 4899)]) } == true)
    }

    @Test(arguments: TestBackend.all) func paramsAndTagsKeepTheirTextAndRules(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let (s, run) = try newRun(tmp)
        let odd = ["", "NULL", "a,b", "{braces}", "quote \" and back\\slash", "tab\tnewline\n", "ünï 😀", "  spaced  "]
        try s.metrics.log(
            runID: run,
            LogBatch(
                params: odd.enumerated().map { KeyValue("p\($0.offset)", $0.element) } + [KeyValue("p0", "")],
                tags: [KeyValue("t", "first"), KeyValue("mlflow.runName", "renamed"), KeyValue("t", "second")]
                    + odd.enumerated().map { KeyValue("t\($0.offset)", $0.element) }))
        let r = try s.runs.run(id: run)
        #expect(r.params == odd.enumerated().map { KeyValue("p\($0.offset)", $0.element) }.sorted { $0.key < $1.key })
        #expect(r.tags.first { $0.key == "t" }?.value == "second")
        #expect(r.info.name == "renamed")
        for (i, v) in odd.enumerated() { #expect(r.tags.first { $0.key == "t\(i)" }?.value == v) }
        // The same value again is fine; another value is refused, naming the value it has.
        try s.metrics.log(runID: run, LogBatch(params: [KeyValue("p2", "a,b")]))
        #expect {
            try s.metrics.log(runID: run, LogBatch(params: [KeyValue("new", "1"), KeyValue("p2", "c")], metrics: [point("m", 1, step: 0)]))
        } throws: { e in
            (e as? TrackerError)?.subject == .paramChanged(key: "p2", old: "a,b", new: "c", run: run)
        }
        // Within one batch too: the first value counts, and the batch writes nothing.
        #expect {
            try s.metrics.log(runID: run, LogBatch(params: [KeyValue("x", "1"), KeyValue("x", "2")], tags: [KeyValue("t", "third")]))
        } throws: { e in
            (e as? TrackerError)?.subject == .paramChanged(key: "x", old: "1", new: "2", run: run)
        }
        let after = try s.runs.run(id: run)
        #expect(after.params.count == odd.count && after.metrics.isEmpty)
        #expect(after.tags.first { $0.key == "t" }?.value == "second")
    }

    @Test(arguments: TestBackend.all) func aRunThatIsMissingOrDeletedTakesNothing(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let (s, run) = try newRun(tmp)
        try s.runs.setRunLifecycle(runID: run, deleted: true)
        #expect {
            try s.metrics.log(runID: run, LogBatch(metrics: [point("m", 1, step: 0)]))
        } throws: { e in
            (e as? TrackerError)?.subject == .runNotActive(run: run, state: "deleted")
        }
        #expect(throws: TrackerError.self) { try s.metrics.log(runID: String(repeating: "0", count: 32), LogBatch(params: [KeyValue("a", "b")])) }
        try s.runs.setRunLifecycle(runID: run, deleted: false)
        #expect(try s.runs.run(id: run).metrics.isEmpty)
    }
}
