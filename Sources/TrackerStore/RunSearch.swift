import SQLiteKit
import TrackerCore

/// Compiles a parsed filter and order-by list to SQL over `runs r`; every value is bound.
struct RunQuery {
    var joins: [String] = []
    var conditions: [String] = []
    var orderTerms: [String] = []
    var args: [SQLiteValue] = []

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
        case .like:
            args.append(.text(RunQuery.glob(fromLike: value)))
            return "\(column) GLOB ?"
        case .ilike:
            args.append(.text(value))
            return "\(column) LIKE ?"
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

extension Store {
    /// Runs matching a filter, ordered, one page at a time.
    /// `experimentIDs` nil means every experiment. Order defaults to newest first.
    public func searchRuns(
        experimentIDs: [Int64]? = nil, filter: RunFilter = RunFilter(clauses: []), orderBy: [RunOrder] = [],
        view: ViewType = .activeOnly, limit: Int = 1000, offset: Int = 0
    ) throws -> [Run] {
        var q = RunQuery()
        // Joins come first in the SQL, so their arguments are bound first (add(_:index:) inserts them in order).
        for (i, o) in orderBy.enumerated() { q.add(o, index: i) }
        if let ids = experimentIDs {
            if ids.isEmpty { return [] }
            q.conditions.append("r.experiment_id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))")
            q.args.append(contentsOf: ids.map { .integer($0) })
        }
        switch view {
        case .activeOnly: q.conditions.append("r.lifecycle_stage = 'active'")
        case .deletedOnly: q.conditions.append("r.lifecycle_stage = 'deleted'")
        case .all: break
        }
        for c in filter.clauses { q.add(c) }
        q.orderTerms.append("r.start_time DESC, r.run_uuid")
        var sql = "SELECT r.id, \(Store.runColumns) FROM runs r "
        sql += q.joins.joined(separator: " ")
        if !q.conditions.isEmpty { sql += " WHERE " + q.conditions.joined(separator: " AND ") }
        sql += " ORDER BY " + q.orderTerms.joined(separator: ", ") + " LIMIT ? OFFSET ?"
        q.args.append(.integer(Int64(limit)))
        q.args.append(.integer(Int64(offset)))
        let finalSQL = sql
        let args = q.args
        return try db.read { c in
            let found = try c.query(finalSQL, args, cache: false) { row in (row.int64(0), Store.decodeRunInfo(row, from: 1)) }
            return try found.map { try Store.loadRun(c, key: $0.0, info: $0.1) }
        }
    }

    /// Counts runs (for benchmarks and listings).
    public func countRuns() throws -> Int {
        try db.read { try $0.queryOne("SELECT count(*) FROM runs") { $0.int(0) } ?? 0 }
    }
}
