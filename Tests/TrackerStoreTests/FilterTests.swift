import Foundation
import Testing
import TrackerCore

@testable import TrackerStore

@Suite struct FilterParserTests {
    @Test func parsesMLflowGrammar() throws {
        let f = try RunFilter.parse(
            "metrics.acc > 0.5 and params.model = 'gbm' AND tags.`my tag` LIKE 'a%' and attributes.status IN ('FINISHED', 'FAILED') and params.x IS NULL"
        )
        #expect(
            f.clauses == [
                FilterClause(entity: .metric, key: "acc", op: .gt, value: .number(0.5)),
                FilterClause(entity: .param, key: "model", op: .eq, value: .string("gbm")),
                FilterClause(entity: .tag, key: "my tag", op: .like, value: .string("a%")),
                FilterClause(entity: .attribute, key: "status", op: .isIn, value: .list(["FINISHED", "FAILED"])),
                FilterClause(entity: .param, key: "x", op: .isNull, value: .none),
            ])
        #expect(try RunFilter.parse("").clauses.isEmpty)
        #expect(try RunFilter.parse("metric.\"val loss\" <= -1e-3").clauses.first?.value == .number(-0.001))
    }

    @Test func bareKeysAreAttributesAsInMLflow() throws {
        #expect(try RunFilter.parse("run_name ILIKE 'r%'").clauses == [FilterClause(entity: .attribute, key: "run_name", op: .ilike, value: .string("r%"))])
        #expect(try RunOrder.parse("start_time DESC") == RunOrder(entity: .attribute, key: "start_time", ascending: false))
    }

    /// Each syntax error also carries the reference server's words, which the MLflow API answers with.
    @Test(arguments: [
        ("acc > 1", "Invalid attribute key 'acc' specified. Valid keys are '{'artifact_uri', 'run_id', 'created', "),
        ("metrics.acc ~ 1", "Invalid comparator '~' not one of '{'>', '>=', '!=', '=', '<', '<='}"),
        ("metrics.acc LIKE 'x'", "Invalid comparator 'LIKE' not one of '{'>', '>=', '!=', '=', '<', '<='}"),
        ("params.lr = 0.1", "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 0.1"),
        ("tags.t = 1", "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1"),
        ("metrics.acc = x", "Expected numeric value type for metric. Found x"),
        ("metrics.acc > > 1", "Expected numeric value type for metric. Found >"),
        ("attributes.color = 'red'", "Invalid attribute key 'color' specified."),
    ])
    func syntaxErrorsCarryMLflowsWords(input: String, words: String) {
        do {
            _ = try RunFilter.parse(input)
            Issue.record("expected an error for \(input)")
        } catch let e as TrackerError {
            guard case .filter(let mlflow) = e.subject else {
                Issue.record("no MLflow words: \(e.message)")
                return
            }
            #expect(mlflow.hasPrefix(words), "\(mlflow)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: [
        ("metrics.acc >", "column 14: expected a value"),
        ("acc > 1", "column 1: 'acc' has no entity"),
        ("metrics.acc > 1 OR metrics.b < 2", "column 17: OR is not supported"),
        ("metrics.acc LIKE 'x'", "column 13: 'LIKE' compares strings"),
        ("params.lr > 1", "column 11: '>' compares numbers"),
        ("params.lr = 'unterminated", "column 13: unterminated string"),
        ("foo.bar = '1'", "column 1: invalid entity type 'foo'"),
        ("attributes.color = 'red'", "unknown attribute 'color'"),
        ("metrics.acc = 1 metrics.b = 2", "column 17: expected AND"),
    ])
    func syntaxErrorsPointAtTheColumn(input: String, expected: String) {
        do {
            _ = try RunFilter.parse(input)
            Issue.record("expected an error for \(input)")
        } catch let e as TrackerError {
            #expect(e.message.contains(expected), "\(e.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

@Suite struct RunSearchTests {
    func seeded(_ backend: TestBackend) throws -> (TempDir, Store, [String: String]) {
        let tmp = try TempDir(backend)
        let store = try Store.open(path: tmp.db)
        let exp = try store.experiments.ensureExperiment(name: "s")
        var ids: [String: String] = [:]
        let specs: [(String, String, Double?, Double)] = [
            ("a", "1", 0.9, 0.1), ("b", "2", 0.4, 0.5), ("c", "1' OR 1=1 --", 0.7, 0.3), ("d", "x", nil, 0.2),
        ]
        for (i, (name, x, acc, loss)) in specs.enumerated() {
            let r = try store.runs.createRun(
                experimentID: exp.id, name: name, startTime: Int64(1000 + i), tags: [KeyValue("Team", name == "a" ? "Core" : "core")])
            var metrics = [MetricPoint(key: "loss", value: loss, step: 0, time: 1)]
            if let acc { metrics.append(MetricPoint(key: "acc", value: acc, step: 0, time: 1)) }
            try store.metrics.log(runID: r.runID, LogBatch(params: [KeyValue("x", x)], metrics: metrics))
            ids[name] = r.runID
        }
        return (tmp, store, ids)
    }

    func names(_ store: Store, _ filter: String, _ order: [String] = []) throws -> [String] {
        try store.runs.searchRuns(filter: try RunFilter.parse(filter), orderBy: order.map { try RunOrder.parse($0) }).map(\.info.name)
    }

    @Test(arguments: TestBackend.all) func filtersAndOrders(_ backend: TestBackend) throws {
        let (tmp, store, ids) = try seeded(backend)
        defer { withExtendedLifetime(tmp) {} }  // its PostgreSQL schema lives as long as it does
        #expect(try names(store, "metrics.acc > 0.5", ["metrics.loss"]) == ["a", "c"])
        #expect(try names(store, "", ["metrics.acc DESC"]) == ["a", "c", "b", "d"])  // missing sorts last
        #expect(try names(store, "", ["metrics.acc"]) == ["b", "c", "a", "d"])
        #expect(try names(store, "params.x = '1'") == ["a"])
        #expect(try names(store, "params.x != '1'") == ["d", "c", "b"])
        #expect(try names(store, "tags.Team LIKE 'C%'") == ["a"])  // LIKE is case-sensitive
        #expect(try names(store, "tags.Team ILIKE 'c%'") == ["d", "c", "b", "a"])
        #expect(try names(store, "attributes.run_id IN ('\(ids["b"]!)', '\(ids["d"]!)')") == ["d", "b"])
        #expect(try names(store, "attributes.run_name != 'a' and metrics.loss <= 0.3") == ["d", "c"])
        #expect(try names(store, "params.nope IS NULL and params.x IS NOT NULL").count == 4)
        #expect(try names(store, "attributes.start_time >= 1002") == ["d", "c"])
    }

    /// The metric-sort fast path (index read in sort order, bounded) must give exactly the pages a
    /// full sort gives: ties at its scan boundary, NaN and missing values last, other experiments.
    @Test(arguments: TestBackend.all) func metricSortPagesMatchAFullSort(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let store = try Store.open(path: tmp.db)
        let (exp, other) = (try store.experiments.ensureExperiment(name: "big"), try store.experiments.ensureExperiment(name: "other"))
        var expected: [(name: String, loss: Double?, start: Int64)] = []
        for i in 0..<1500 {
            let loss: Double? = i % 61 == 0 ? nil : i % 50 == 0 ? .nan : Double(i % 37) / 10
            let inBig = i % 9 != 0
            let r = try store.runs.createRun(experimentID: inBig ? exp.id : other.id, name: "r\(i)", startTime: Int64(1000 + i))
            var metrics = [MetricPoint(key: "acc", value: Double(i % 11) / 10, step: 0, time: 1)]
            if let loss { metrics.append(MetricPoint(key: "loss", value: loss, step: 0, time: 1)) }
            try store.metrics.log(runID: r.runID, LogBatch(params: [KeyValue("i", String(i))], metrics: metrics))
            if inBig && i % 11 >= 5 { expected.append((r.name, loss, Int64(1000 + i))) }
        }
        for ascending in [false, true] {
            let sorted = expected.sorted { a, b in
                let (x, y) = (a.loss.flatMap { $0.isNaN ? nil : $0 }, b.loss.flatMap { $0.isNaN ? nil : $0 })
                if (x == nil) != (y == nil) { return y == nil }
                if let x, let y, x != y { return ascending ? x < y : x > y }
                return a.start > b.start
            }.map(\.name)
            for (offset, limit) in [(0, 50), (50, 50), (700, 50), (900, 100), (0, 1000), (1200, 50)] {
                let page = try store.runs.searchRuns(
                    experimentIDs: [exp.id], filter: try RunFilter.parse("metrics.acc >= 0.5"),
                    orderBy: [try RunOrder.parse(ascending ? "metrics.loss ASC" : "metrics.loss DESC")], limit: limit, offset: offset)
                #expect(page.map(\.info.name) == Array(sorted.dropFirst(offset).prefix(limit)), "ascending \(ascending) offset \(offset)")
                #expect(page.allSatisfy { $0.params == [KeyValue("i", String($0.info.name.dropFirst()))] })
            }
        }
    }

    @Test(arguments: TestBackend.all) func injectionAttemptsMatchLiterally(_ backend: TestBackend) throws {
        let (tmp, store, _) = try seeded(backend)
        defer { withExtendedLifetime(tmp) {} }
        // The quote is doubled inside the string: the value is the literal text 1' OR 1=1 --
        #expect(try names(store, "params.x = '1'' OR 1=1 --'") == ["c"])
        #expect(try names(store, "params.x = '1 OR 1=1'").isEmpty)
        #expect(try names(store, "params.`x' OR 1=1 --` = '1'").isEmpty)
        #expect(try names(store, "tags.Team = 'core\"; DROP TABLE runs; --'").isEmpty)
        #expect(try store.runs.countRuns() == 4)
    }
}
