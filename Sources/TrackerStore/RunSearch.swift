import SQLiteKit
import TrackerCore

/// Compiles a parsed filter and order-by list to SQL over `runs r`; every value is bound.
struct RunQuery {
    var joins: [String] = []
    var conditions: [String] = []
    var orderTerms: [String] = []
    var args: [SQLiteValue] = []
    /// The dialect the SQL is for: LIKE differs (PostgreSQL's LIKE is case-sensitive as MLflow's).
    var dialect: SQLDialect = .sqlite

    static func attributeColumn(_ key: String) -> String {
        switch key {
        case "run_id": return "r.run_uuid"
        case "run_name": return "r.name"
        case "status": return "r.status"
        case "user_id": return "r.user_id"
        case "artifact_uri": return "r.artifact_uri"
        case "experiment_id": return "CAST(r.experiment_id AS TEXT)"
        case "start_time", "created": return "r.start_time"
        case "end_time": return "r.end_time"
        default: return "NULL"
        }
    }

    /// A LIKE pattern as a case-sensitive GLOB pattern (MLflow's LIKE is case-sensitive;
    /// SQLite's is not).
    static func glob(fromLike pattern: String) -> String {
        var out = ""
        for ch in pattern {
            switch ch {
            case "%": out += "*"
            case "_": out += "?"
            case "*", "?", "[": out += "[\(ch)]"
            default: out.append(ch)
            }
        }
        return out
    }

    /// `column OP ?` for a string comparison, binding the value.
    mutating func stringCondition(_ column: String, _ op: FilterOp, _ value: String) -> String {
        switch op {
        case .like where dialect == .postgres:
            args.append(.text(value))
            return "\(column) LIKE ?"
        case .like:
            args.append(.text(RunQuery.glob(fromLike: value)))
            return "\(column) GLOB ?"
        case .ilike:
            // lower() on both sides: case-insensitive in every SQL dialect (SQLite's LIKE only folds ASCII, PostgreSQL's not at all).
            args.append(.text(value))
            return "lower(\(column)) LIKE lower(?)"
        case .ne:
            args.append(.text(value))
            return "\(column) != ?"
        default:
            args.append(.text(value))
            return "\(column) = ?"
        }
    }

    mutating func add(_ clause: FilterClause) {
        let op = clause.op
        switch clause.entity {
        case .metric:
            guard case .number(let v) = clause.value else { return }
            args.append(.text(clause.key))
            args.append(.real(v))
            conditions.append(
                "EXISTS (SELECT 1 FROM latest_metrics lm WHERE lm.run_id = r.id AND lm.key_id = (SELECT id FROM metric_keys WHERE key = ?) AND lm.value \(op.rawValue) ?)"
            )
        case .param, .tag:
            let table = clause.entity == .param ? "params" : "run_tags"
            args.append(.text(clause.key))
            let exists = "EXISTS (SELECT 1 FROM \(table) x WHERE x.run_id = r.id AND x.key = ?"
            switch op {
            case .isNull: conditions.append("NOT " + exists + ")")
            case .isNotNull: conditions.append(exists + ")")
            default:
                guard case .string(let v) = clause.value else { return }
                conditions.append(exists + " AND " + stringCondition("x.value", op, v) + ")")
            }
        case .attribute:
            let column = RunQuery.attributeColumn(clause.key)
            switch clause.value {
            case .number(let v):
                args.append(.real(v))
                conditions.append("\(column) \(op.rawValue) ?")
            case .string(let s):
                conditions.append(stringCondition(column, op, s))
            case .list(let items):
                let marks = items.map { _ in "?" }.joined(separator: ", ")
                args.append(contentsOf: items.map { .text($0) })
                conditions.append("\(column) \(op == .notIn ? "NOT IN" : "IN") (\(marks))")
            case .none: break
            }
        }
    }

    mutating func add(_ order: RunOrder, index: Int) {
        let dir = order.ascending ? "ASC" : "DESC"
        switch order.entity {
        case .metric:
            let alias = "o\(index)"
            joins.append(
                "LEFT JOIN latest_metrics \(alias) ON \(alias).run_id = r.id AND \(alias).key_id = (SELECT id FROM metric_keys WHERE key = ?)"
            )
            args.append(.text(order.key))  // joins precede WHERE; orders are added before conditions
            orderTerms.append("\(alias).value IS NULL, \(alias).value \(dir)")
        case .param, .tag:
            let alias = "o\(index)"
            let table = order.entity == .param ? "params" : "run_tags"
            joins.append("LEFT JOIN \(table) \(alias) ON \(alias).run_id = r.id AND \(alias).key = ?")
            args.append(.text(order.key))  // joins precede WHERE; orders are added before conditions
            orderTerms.append("\(alias).value IS NULL, \(alias).value \(dir)")
        case .attribute:
            let column = RunQuery.attributeColumn(order.key)
            orderTerms.append("\(column) IS NULL, \(column) \(dir)")
        }
    }
}

extension RunQuery {
    /// The joins, conditions and order terms of a search, the orders' aliases numbered by their
    /// index in `orders` (a slice that drops the first order numbers from 1).
    init(experimentIDs: [Int64]?, filter: RunFilter, orders: ArraySlice<RunOrder>, view: ViewType, dialect: SQLDialect = .sqlite) {
        self.dialect = dialect
        // Joins come first in the SQL, so their arguments are bound first (add(_:index:) inserts them in order).
        for i in orders.indices { add(orders[i], index: i) }
        if let ids = experimentIDs {
            conditions.append("r.experiment_id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))")
            args.append(contentsOf: ids.map { .integer($0) })
        }
        switch view {
        case .activeOnly: conditions.append("r.lifecycle_stage = 'active'")
        case .deletedOnly: conditions.append("r.lifecycle_stage = 'deleted'")
        case .all: break
        }
        for c in filter.clauses { add(c) }
        orderTerms.append("r.start_time DESC, r.run_uuid")
    }

    /// Joins, WHERE, ORDER BY (after `leadingOrder`, if any) and the LIMIT/OFFSET marks.
    func tail(leadingOrder: String? = nil) -> String {
        var sql = joins.joined(separator: " ")
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY " + ((leadingOrder.map { [$0] } ?? []) + orderTerms).joined(separator: ", ") + " LIMIT ? OFFSET ?"
        return sql
    }

    /// Most index entries the metric-sort fast path reads before it gives up for a page ending at `end`.
    static func topScanBudget(pageEnd end: Int) -> Int { end * 4 + 200 }
    /// Pages ending further than this skip the fast path (its budget would cost as much as a full sort).
    static let topScanMaxPageEnd = 10_000
}

extension RunRepository {
    /// Runs matching a filter, ordered, one page at a time.
    /// `experimentIDs` nil means every experiment. Order defaults to newest first.
    public func searchRuns(
        experimentIDs: [Int64]? = nil, filter: RunFilter = RunFilter(clauses: []), orderBy: [RunOrder] = [],
        view: ViewType = .activeOnly, limit: Int = 1000, offset: Int = 0
    ) throws -> [Run] {
        if experimentIDs?.isEmpty == true || limit <= 0 { return [] }
        return try db.read { c in
            var found: [(Int64, RunInfo)]?
            if let first = orderBy.first, first.entity == .metric, offset + limit <= RunQuery.topScanMaxPageEnd {
                let rest = RunQuery(experimentIDs: experimentIDs, filter: filter, orders: orderBy.dropFirst(), view: view, dialect: c.dialect)
                found = try RunRepository.topMetricPage(c, first, rest, limit: limit, offset: offset)
            }
            if found == nil {
                let q = RunQuery(experimentIDs: experimentIDs, filter: filter, orders: orderBy[...], view: view, dialect: c.dialect)
                let sql = "SELECT r.id, \(RunRepository.runColumns) FROM runs r " + q.tail()
                let args = q.args + [.integer(Int64(limit)), .integer(Int64(offset))]
                found = try c.query(sql, args, cache: false) { row in (row.int64(0), RunRepository.decodeRunInfo(row, from: 1)) }
            }
            return try RunRepository.loadRuns(c, found ?? [])
        }
    }

    /// A page sorted first by a metric, read from the metric's index in sort order instead of
    /// sorting every matching run: only the first `topScanBudget` non-NaN values are read. Nil when
    /// that cannot prove the page exact (too few matches among them, or the page's last value ties
    /// the last value read, or the page runs into runs without the metric); the caller then sorts.
    static func topMetricPage(_ c: Connection, _ first: RunOrder, _ rest: RunQuery, limit: Int, offset: Int) throws -> [(Int64, RunInfo)]? {
        let budget = RunQuery.topScanBudget(pageEnd: offset + limit)
        let dir = first.ascending ? "ASC" : "DESC"
        let sql = """
            WITH top AS MATERIALIZED (SELECT run_id, value FROM latest_metrics WHERE key_id = (SELECT id FROM metric_keys WHERE key = ?) \
            AND value IS NOT NULL ORDER BY value \(dir) LIMIT ?) \
            SELECT r.id, \(RunRepository.runColumns), o0.value, (SELECT count(*) FROM top), (SELECT \(first.ascending ? "max" : "min")(value) FROM top) \
            FROM top o0 \(c.dialect.pick(sqlite: "CROSS JOIN", postgres: "JOIN")) runs r ON r.id = o0.run_id
            """
        let args: [SQLiteValue] = [.text(first.key), .integer(Int64(budget))] + rest.args + [.integer(Int64(limit)), .integer(Int64(offset))]
        let rows = try c.query(sql + " " + rest.tail(leadingOrder: "o0.value \(dir)"), args, cache: false) { row in
            (row.int64(0), RunRepository.decodeRunInfo(row, from: 1), row.double(10), row.int(11), row.double(12))
        }
        guard let last = rows.last, rows.count == limit else { return nil }
        let readAll = last.3 < budget
        let beforeBoundary = first.ascending ? last.2 < last.4 : last.2 > last.4
        return readAll || beforeBoundary ? rows.map { ($0.0, $0.1) } : nil
    }

    /// Params, tags, latest metrics and artifacts of a page of runs: one query per kind (not per run).
    static func loadRuns(_ c: Connection, _ found: [(Int64, RunInfo)]) throws -> [Run] {
        var params: [Int64: [KeyValue]] = [:]
        var tags: [Int64: [KeyValue]] = [:]
        var metrics: [Int64: [MetricPoint]] = [:]
        var artifacts: [Int64: [ArtifactRecord]] = [:]
        for start in stride(from: 0, to: found.count, by: 500) {
            let ids = found[start..<min(start + 500, found.count)].map { SQLiteValue.integer($0.0) }
            let marks = ids.map { _ in "?" }.joined(separator: ", ")
            for (id, kv) in try c.query(
                "SELECT run_id, key, value FROM params WHERE run_id IN (\(marks)) ORDER BY run_id, key", ids, cache: false,
                { ($0.int64(0), KeyValue($0.string(1), $0.string(2))) })
            { params[id, default: []].append(kv) }
            for (id, kv) in try c.query(
                "SELECT run_id, key, value FROM run_tags WHERE run_id IN (\(marks)) ORDER BY run_id, key", ids, cache: false,
                { ($0.int64(0), KeyValue($0.string(1), $0.string(2))) })
            { tags[id, default: []].append(kv) }
            for (id, m) in try c.query(
                """
                SELECT l.run_id, k.key, l.value, l.step, l.time FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id
                WHERE l.run_id IN (\(marks)) ORDER BY l.run_id, k.key
                """, ids, cache: false,
                { ($0.int64(0), MetricPoint(key: $0.string(1), value: MetricValue.decode($0, 2), step: $0.int64(3), time: $0.int64(4))) })
            { metrics[id, default: []].append(m) }
            for (id, a) in try c.query(
                "SELECT run_id, path, size, sha256 FROM artifacts WHERE run_id IN (\(marks)) ORDER BY run_id, path", ids, cache: false,
                { ($0.int64(0), ArtifactRecord(path: $0.string(1), size: $0.int64(2), sha256: $0.string(3))) })
            { artifacts[id, default: []].append(a) }
        }
        return found.map { key, info in
            Run(info: info, params: params[key] ?? [], tags: tags[key] ?? [], metrics: metrics[key] ?? [], artifacts: artifacts[key] ?? [])
        }
    }

    /// Counts runs (for benchmarks and listings).
    public func countRuns() throws -> Int {
        try db.read { try $0.queryOne("SELECT count(*) FROM runs") { $0.int(0) } ?? 0 }
    }
}
