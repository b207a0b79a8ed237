import Foundation
import Hummingbird
import TrackerCore
import TrackerStore

/// A column of the runs table: a fixed attribute, a param or a latest metric.
struct RunColumn: Equatable {
    enum Kind: String { case param, metric }
    let kind: Kind
    let key: String

    /// `param:lr`, `metric:loss` — how a column travels in the URL.
    var token: String { "\(kind.rawValue):\(key)" }

    init(kind: Kind, key: String) {
        self.kind = kind
        self.key = key
    }

    init?(token: String) {
        guard let i = token.firstIndex(of: ":"), let kind = Kind(rawValue: String(token[..<i])) else { return nil }
        self.kind = kind
        key = String(token[token.index(after: i)...])
    }

    /// The order-by expression sorting on this column (keys quoted when they need it).
    var orderKey: String { (kind == .param ? "params." : "metrics.") + RunColumn.quote(key) }

    static func quote(_ key: String) -> String {
        key.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "_" }) ? key : "`\(key)`"
    }
}

/// The state of the runs table, read from and written back to the URL.
struct RunsState {
    var filter = ""
    var order = ""
    var columns: [RunColumn] = []
    var explicitColumns = false
    var offset = 0
    var limit = 50
    var deleted = false

    init(_ c: Ctx) {
        filter = c.q("filter") ?? ""
        order = c.q("order") ?? ""
        explicitColumns = c.q("cols") != nil
        columns = (c.query["col"] ?? []).compactMap(RunColumn.init(token:))
        offset = max(0, Int(c.q("offset") ?? "") ?? 0)
        limit = min(500, max(10, Int(c.q("limit") ?? "") ?? 50))
        deleted = c.q("view") == "deleted"
    }

    /// The URL of this state, with changes applied.
    func url(_ expID: Int64, order: String? = nil, offset: Int? = nil) -> String {
        var pairs: [(String, String?)] = [("filter", filter), ("order", order ?? self.order)]
        if explicitColumns {
            pairs.append(("cols", "1"))
            pairs += columns.map { ("col", $0.token) }
        }
        pairs.append(("offset", (offset ?? self.offset) == 0 ? nil : String(offset ?? self.offset)))
        pairs.append(("limit", limit == 50 ? nil : String(limit)))
        pairs.append(("view", deleted ? "deleted" : nil))
        return "/experiments/\(expID)" + URLPart.query(pairs)
    }
}

extension Pages {
    /// `/experiments/:id`: the runs table with filter, sort, chosen columns, paging and selection.
    static func runs(_ c: Ctx) throws -> Response {
        guard let id = Int64(c.param("id")), let exp = try c.store.experiments.experiment(id: id) else {
            throw TrackerError.notFound("experiment \(c.param("id")) not found")
        }
        var s = RunsState(c)
        let keys = try c.store.ui.experimentKeys(experimentID: id)
        if !s.explicitColumns { s.columns = defaultColumns(keys) }
        s.columns = withSortColumn(s.columns, order: s.order)
        let (runs, hasNext, error) = try searchPage(c, s, experimentID: id)
        let html = c.page(exp.name, .experiments) { h in
            h.el("h1", text: exp.name)
            h.el("p", [Attr("class", "sub")], text: s.deleted ? "Deleted runs" : "Runs, newest first unless sorted")
            filterForm(&h, s, id: id, error: error)
            columnPicker(&h, s, id: id, keys: (keys.params.sorted(), keys.metrics.sorted()))
            compareToolbar(&h, s, id: id)
            runsTable(&h, runs, s, id: id, now: c.now)
            pager(&h, s, id: id, shown: runs.count, hasNext: hasNext)
        }
        return Layout.response(html, status: error == nil ? .ok : .badRequest)
    }

    /// One page of the experiment's runs under the state's filter and order (one more is read to
    /// know whether a next page exists); a filter or order error leaves it empty, with the message.
    static func searchPage(_ c: Ctx, _ s: RunsState, experimentID id: Int64) throws -> (runs: [Run], hasNext: Bool, error: String?) {
        var filter = RunFilter(clauses: [])
        var orders: [RunOrder] = []
        do { filter = try RunFilter.parse(s.filter) } catch let e as TrackerError { return ([], false, e.message) }
        if !s.order.isEmpty {
            do { orders = [try RunOrder.parse(s.order)] } catch let e as TrackerError { return ([], false, e.message) }
        }
        let runs = try c.store.runs.searchRuns(
            experimentIDs: [id], filter: filter, orderBy: orders, view: s.deleted ? .deletedOnly : .activeOnly, limit: s.limit + 1,
            offset: s.offset)
        return (Array(runs.prefix(s.limit)), runs.count > s.limit, nil)
    }

    /// The "Compare selected" form the row checkboxes belong to, and the deleted/active toggle.
    static func compareToolbar(_ h: inout HTML, _ s: RunsState, id: Int64) {
        h.el("form", [Attr("id", "compare"), Attr("method", "get"), Attr("action", "/compare"), Attr("class", "toolbar")]) { h in
            h.el("button", [Attr("type", "submit")], text: "Compare selected")
            h.el("span", [Attr("class", "muted")], text: "Tick 2–20 runs below.")
            let other = s.deleted ? "Show active runs" : "Show deleted runs"
            var toggled = s
            toggled.deleted.toggle()
            toggled.offset = 0
            h.link(toggled.url(id), other)
        }
    }

    static func pager(_ h: inout HTML, _ s: RunsState, id: Int64, shown: Int, hasNext: Bool) {
        h.el("nav", [Attr("class", "pager"), Attr("aria-label", "pages")]) { h in
            if s.offset > 0 { h.link(s.url(id, offset: max(0, s.offset - s.limit)), "← Newer") }
            h.el("span", [Attr("class", "muted")], text: shown == 0 ? "no runs" : "runs \(s.offset + 1)–\(s.offset + shown)")
            if hasNext { h.link(s.url(id, offset: s.offset + s.limit), "Older →", [Attr("rel", "next")]) }
        }
    }

    static func filterForm(_ h: inout HTML, _ s: RunsState, id: Int64, error: String?) {
        h.el("form", [Attr("method", "get"), Attr("action", "/experiments/\(id)"), Attr("class", "toolbar"), Attr("role", "search")]) { h in
            h.el("label", [Attr("class", "grow")]) { h in
                h.text("Filter (MLflow syntax)")
                h.void(
                    "input",
                    [
                        Attr("type", "search"), Attr("name", "filter"), Attr("value", s.filter), Attr("class", "wide"),
                        Attr("placeholder", "metrics.accuracy > 0.9 and params.model = 'gbm'"),
                        Attr("aria-invalid", error == nil ? nil : "true"), Attr("aria-describedby", error == nil ? nil : "filter-error"),
                    ])
            }
            if !s.order.isEmpty { h.void("input", [Attr("type", "hidden"), Attr("name", "order"), Attr("value", s.order)]) }
            if s.explicitColumns {
                h.void("input", [Attr("type", "hidden"), Attr("name", "cols"), Attr("value", "1")])
                for col in s.columns { h.void("input", [Attr("type", "hidden"), Attr("name", "col"), Attr("value", col.token)]) }
            }
            if s.deleted { h.void("input", [Attr("type", "hidden"), Attr("name", "view"), Attr("value", "deleted")]) }
            h.el("button", [Attr("type", "submit")], text: "Apply")
        }
        if let error { h.el("p", [Attr("id", "filter-error"), Attr("class", "error"), Attr("role", "alert")], text: error) }
    }

    /// The most common 3 params and 4 metrics (keys come most common first).
    static func defaultColumns(_ keys: (params: [String], metrics: [String])) -> [RunColumn] {
        keys.params.prefix(3).map { RunColumn(kind: .param, key: $0) } + keys.metrics.prefix(4).map { RunColumn(kind: .metric, key: $0) }
    }

    /// The columns plus the param or metric the table is sorted by, so the sort key is visible.
    static func withSortColumn(_ columns: [RunColumn], order: String) -> [RunColumn] {
        guard let o = try? RunOrder.parse(order), o.entity == .param || o.entity == .metric else { return columns }
        let col = RunColumn(kind: o.entity == .param ? .param : .metric, key: o.key)
        return columns.contains(col) ? columns : columns + [col]
    }

    static func columnPicker(_ h: inout HTML, _ s: RunsState, id: Int64, keys: (params: [String], metrics: [String])) {
        h.el("details", [Attr("class", "columns")]) { h in
            h.el("summary", text: "Columns (\(s.columns.count) chosen)")
            h.el("form", [Attr("method", "get"), Attr("action", "/experiments/\(id)")]) { h in
                if !s.filter.isEmpty { h.void("input", [Attr("type", "hidden"), Attr("name", "filter"), Attr("value", s.filter)]) }
                if !s.order.isEmpty { h.void("input", [Attr("type", "hidden"), Attr("name", "order"), Attr("value", s.order)]) }
                h.void("input", [Attr("type", "hidden"), Attr("name", "cols"), Attr("value", "1")])
                if s.deleted { h.void("input", [Attr("type", "hidden"), Attr("name", "view"), Attr("value", "deleted")]) }
                for (kind, list, legend) in [(RunColumn.Kind.param, keys.params, "Params"), (.metric, keys.metrics, "Metrics")] {
                    h.el("fieldset") { h in
                        h.el("legend", text: legend)
                        if list.isEmpty { h.el("span", [Attr("class", "muted")], text: "none") }
                        for key in list {
                            let col = RunColumn(kind: kind, key: key)
                            h.el("label") { h in
                                h.void(
                                    "input",
                                    [
                                        Attr("type", "checkbox"), Attr("name", "col"), Attr("value", col.token),
                                        Attr("checked", s.columns.contains(col) ? "" : nil),
                                    ])
                                h.text(" " + key)
                            }
                        }
                    }
                }
                h.el("button", [Attr("type", "submit")], text: "Show these columns")
            }
        }
    }

    /// A sortable header: ascending first, then descending.
    static func sortHeader(_ h: inout HTML, _ label: String, key: String?, _ s: RunsState, id: Int64, numeric: Bool = false) {
        guard let key else {
            h.el("th", [Attr("scope", "col"), Attr("class", numeric ? "n" : nil)], text: label)
            return
        }
        let current = (try? RunOrder.parse(s.order)).flatMap { o -> Bool? in
            (try? RunOrder.parse(key)).map { $0.entity == o.entity && $0.key == o.key } == true ? o.ascending : nil
        }
        let next = current == true ? key + " DESC" : key + " ASC"
        let sort = current.map { $0 ? "ascending" : "descending" }
        h.el("th", [Attr("scope", "col"), Attr("class", numeric ? "n" : nil), Attr("aria-sort", sort)]) { h in
            h.link(s.url(id, order: next, offset: 0), label + (current == true ? " ▲" : current == false ? " ▼" : ""))
        }
    }

    static func runsTable(_ h: inout HTML, _ runs: [Run], _ s: RunsState, id: Int64, now: Int64) {
        h.el("div", [Attr("class", "scroll"), Attr("role", "group"), Attr("aria-label", "runs; tick some to compare")]) { h in
            h.el("table", [Attr("class", "cards runs")]) { h in
                h.el("thead") { h in
                    h.el("tr") { h in
                        h.el("th", [Attr("scope", "col")]) { h in h.el("span", [Attr("class", "vh")], text: "select") }
                        sortHeader(&h, "status", key: "attributes.status", s, id: id)
                        sortHeader(&h, "name", key: "attributes.run_name", s, id: id)
                        sortHeader(&h, "start", key: "attributes.start_time", s, id: id)
                        sortHeader(&h, "duration", key: nil, s, id: id)
                        sortHeader(&h, "user", key: "attributes.user_id", s, id: id)
                        sortHeader(&h, "commit", key: "tags.`mlflow.source.git.commit`", s, id: id)
                        for col in s.columns { sortHeader(&h, col.key, key: col.orderKey, s, id: id, numeric: col.kind == .metric) }
                    }
                }
                h.el("tbody") { h in
                    for run in runs { runRow(&h, run, s, now: now) }
                }
            }
        }
    }

    static func runRow(_ h: inout HTML, _ run: Run, _ s: RunsState, now: Int64) {
        let i = run.info
        let tags = Dictionary(run.tags.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let params = Dictionary(run.params.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let metrics = Dictionary(run.metrics.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        h.el("tr") { h in
            h.el("td", [Attr("data-label", "select")]) { h in
                h.void(
                    "input",
                    [
                        Attr("type", "checkbox"), Attr("name", "run"), Attr("value", i.runID), Attr("form", "compare"),
                        Attr("aria-label", "select run \(i.name)"),
                    ])
            }
            h.el("td", [Attr("data-label", "status")]) { h in
                h.el("span", [Attr("class", "badge \(i.status.rawValue)")], text: i.status.rawValue.lowercased())
            }
            h.el("td", [Attr("data-label", "name")]) { h in h.link("/runs/\(i.runID)", i.name) }
            h.el("td", [Attr("data-label", "start")], text: Show.time(i.startTime))
            h.el("td", [Attr("data-label", "duration")], text: Show.duration((i.endTime ?? (i.status == .running ? now : nil)).map { $0 - i.startTime }))
            h.el("td", [Attr("data-label", "user")], text: i.userID)
            let commit = String((tags["mlflow.source.git.commit"] ?? "").prefix(8))
            h.el("td", [Attr("data-label", "commit"), Attr("class", commit.isEmpty ? "none" : nil)]) { h in h.el("code", text: commit) }
            // Empty cells carry class "none" so phone cards can leave them out.
            for col in s.columns {
                switch col.kind {
                case .param:
                    let v = params[col.key]
                    h.el("td", [Attr("data-label", col.key), Attr("class", v == nil ? "none" : nil)], text: v ?? "–")
                case .metric:
                    let v = metrics[col.key]
                    h.el("td", [Attr("data-label", col.key), Attr("class", v == nil ? "n none" : "n")], text: Show.value(v))
                }
            }
        }
    }
}
