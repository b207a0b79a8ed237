import Foundation
import Hummingbird
import NIOCore
import TrackerCore
import TrackerStore

extension Pages {
    static let noteTag = "mlflow.note.content"

    /// `/runs/:id`: overview, params, tags, metrics with charts, artifacts, registered versions.
    static func run(_ c: Ctx) throws -> Response {
        let id = c.param("id")
        let run = try c.store.runs.run(id: id)
        let exp = try c.store.experiments.experiment(id: run.info.experimentID)
        let summaries = try c.store.ui.metricSummaries(runID: id)
        let versions = try c.store.ui.versionsRegistered(fromRun: id)
        let dir = c.q("dir") ?? ""
        let entries = try c.store.mlflow.listArtifacts(.run(id), prefix: dir)
        let charts = try metricCharts(c.store, runID: id, summaries)
        let running = run.info.status == .running
        let bodyAttrs = running ? [Attr("data-live", "/runs/\(id)/live.json")] : []
        let html = c.page(run.info.name, .experiments, bodyAttrs: bodyAttrs) { h in
            h.el("p", [Attr("class", "muted")]) { h in
                h.link("/experiments/\(run.info.experimentID)", exp?.name ?? "experiment \(run.info.experimentID)")
                h.text(" / run")
            }
            h.el("h1") { h in
                h.text(run.info.name + " ")
                h.el("span", [Attr("class", "badge \(run.info.status.rawValue)"), Attr("id", "run-status")], text: run.info.status.rawValue.lowercased())
                if run.info.lifecycleStage != "active" { h.el("span", [Attr("class", "badge deleted")], text: "deleted") }
            }
            overview(&h, run, now: c.now)
            editForms(&h, c, run)
            h.el("h2", text: "Metrics")
            metricsSection(&h, summaries, charts)
            keyValues(&h, "Params", run.params)
            tagsSection(&h, c, run)
            artifactsSection(&h, runID: id, dir: dir, entries)
            h.el("h2", text: "Model versions registered from this run")
            if versions.isEmpty { h.el("p", [Attr("class", "muted")], text: "None.") }
            h.el("ul") { h in
                for v in versions { h.el("li") { h in h.link("/models/" + URLPart.encode(v.model) + "#v\(v.version)", "\(v.model) v\(v.version)") } }
            }
        }
        return Layout.response(html)
    }

    /// Each metric's downsampled series drawn as a chart (nil until the renderer is on main).
    static func metricCharts(_ store: Store, runID: String, _ summaries: [MetricSummary]) throws -> [String: (svg: String?, points: Int)] {
        var out: [String: (svg: String?, points: Int)] = [:]
        for m in summaries.prefix(50) {
            let series = try store.ui.metricSeries(runID: runID, key: m.key)
            let pts = series.map { (x: Double($0.step), y: $0.value) }
            out[m.key] = (Charts.lines([LineSeries(name: m.key, points: pts)], title: m.key, xLabel: "step"), pts.count)
        }
        return out
    }

    static func overview(_ h: inout HTML, _ run: Run, now: Int64) {
        let i = run.info
        let tags = Dictionary(run.tags.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let end = i.endTime ?? (i.status == .running ? now : nil)
        var rows: [(String, String)] = [
            ("run id", i.runID), ("status", i.status.rawValue), ("started", Show.time(i.startTime)), ("ended", Show.time(i.endTime)),
            ("duration", Show.duration(end.map { $0 - i.startTime })), ("user", i.userID),
        ]
        if let cmd = tags["tracker.command"] ?? tags["mlflow.source.name"] { rows.append(("command", cmd)) }
        if let commit = tags["mlflow.source.git.commit"] {
            rows.append(("git commit", commit + (tags["tracker.git.dirty"] == "true" ? " (dirty: uncommitted changes)" : "")))
        }
        if let host = tags["tracker.host"] { rows.append(("host", host)) }
        if let code = tags["tracker.exit_code"] { rows.append(("exit code", code)) }
        rows.append(("artifact URI", i.artifactURI))
        h.el("dl", [Attr("class", "kv"), Attr("id", "overview")]) { h in
            for (k, v) in rows {
                h.el("dt", text: k)
                h.el("dd", [Attr("class", k == "run id" || k == "git commit" ? "mono" : nil)], text: v)
            }
            if let note = tags[noteTag], !note.isEmpty {
                h.el("dt", text: "description")
                h.el("dd", text: note)
            }
        }
    }

    static func editForms(_ h: inout HTML, _ c: Ctx, _ run: Run) {
        let id = run.info.runID
        h.el("details") { h in
            h.el("summary", text: "Edit name, description, or delete")
            h.el("form", [Attr("method", "post"), Attr("action", "/runs/\(id)/edit")]) { h in
                c.csrfField(&h)
                h.el("p") { h in
                    h.el("label", [Attr("for", "run-name")], text: "Name ")
                    h.void("input", [Attr("id", "run-name"), Attr("type", "text"), Attr("name", "name"), Attr("value", run.info.name)])
                }
                h.el("p") { h in
                    h.el("label", [Attr("for", "run-note")], text: "Description")
                    h.el("textarea", [Attr("id", "run-note"), Attr("name", "description"), Attr("rows", "3"), Attr("class", "wide")]) { h in
                        h.text(run.tags.first { $0.key == noteTag }?.value ?? "")
                    }
                }
                h.el("button", [Attr("type", "submit")], text: "Save")
            }
            let deleted = run.info.lifecycleStage != "active"
            h.el("form", [Attr("method", "post"), Attr("action", "/runs/\(id)/\(deleted ? "restore" : "delete")")]) { h in
                c.csrfField(&h)
                h.el("p") { h in h.el("button", [Attr("type", "submit"), Attr("class", "danger")], text: deleted ? "Restore run" : "Delete run") }
            }
        }
    }

    static func metricsSection(_ h: inout HTML, _ summaries: [MetricSummary], _ charts: [String: (svg: String?, points: Int)]) {
        if summaries.isEmpty {
            h.el("p", [Attr("class", "muted")], text: "No metrics logged.")
            return
        }
        h.el("table", [Attr("class", "cards"), Attr("id", "metrics")]) { h in
            h.el("thead") { h in
                h.el("tr") { h in
                    h.el("th", text: "metric")
                    for t in ["latest", "min", "max", "points", "last step"] { h.el("th", [Attr("class", "n")], text: t) }
                }
            }
            h.el("tbody") { h in
                for m in summaries {
                    h.el("tr", [Attr("data-metric", m.key)]) { h in
                        h.el("td", [Attr("data-label", "metric")], text: m.key)
                        h.el("td", [Attr("class", "n"), Attr("data-label", "latest"), Attr("data-field", "latest")], text: Show.value(m.latest))
                        h.el("td", [Attr("class", "n"), Attr("data-label", "min"), Attr("data-field", "min")], text: Show.value(m.min))
                        h.el("td", [Attr("class", "n"), Attr("data-label", "max"), Attr("data-field", "max")], text: Show.value(m.max))
                        h.el("td", [Attr("class", "n"), Attr("data-label", "points"), Attr("data-field", "count")], text: String(m.count))
                        h.el("td", [Attr("class", "n"), Attr("data-label", "last step")], text: String(m.lastStep))
                    }
                }
            }
        }
        // A single value is in the table already; a chart of one dot says nothing more.
        h.el("div", [Attr("class", "grid")]) { h in
            for m in summaries where m.count >= 2 {
                guard let chart = charts[m.key] else { continue }
                Charts.figure(&h, caption: "\(m.key) over steps", svg: chart.svg, points: chart.points, attrs: [Attr("data-chart", m.key)])
            }
        }
    }

    static func keyValues(_ h: inout HTML, _ title: String, _ items: [KeyValue]) {
        h.el("h2", text: title)
        if items.isEmpty {
            h.el("p", [Attr("class", "muted")], text: "None.")
            return
        }
        h.el("table", [Attr("class", "cards")]) { h in
            h.el("thead") { h in
                h.el("tr") { h in
                    h.el("th", text: "key")
                    h.el("th", text: "value")
                }
            }
            h.el("tbody") { h in
                for kv in items {
                    h.el("tr") { h in
                        h.el("td", [Attr("data-label", "key")], text: kv.key)
                        h.el("td", [Attr("data-label", "value")], text: kv.value)
                    }
                }
            }
        }
    }

    static func tagsSection(_ h: inout HTML, _ c: Ctx, _ run: Run) {
        let id = run.info.runID
        h.el("h2", text: "Tags")
        h.el("table", [Attr("class", "cards")]) { h in
            h.el("thead") { h in
                h.el("tr") { h in
                    h.el("th", text: "key")
                    h.el("th", text: "value")
                    h.el("th", text: "")
                }
            }
            h.el("tbody") { h in
                for kv in run.tags where kv.key != noteTag {
                    h.el("tr") { h in
                        h.el("td", [Attr("data-label", "key")], text: kv.key)
                        h.el("td", [Attr("data-label", "value")], text: kv.value)
                        h.el("td", [Attr("data-label", "")]) { h in if !kv.key.hasPrefix("mlflow.") { untagButton(&h, c, runID: id, key: kv.key) } }
                    }
                }
            }
        }
        tagForm(&h, c, runID: id)
    }

    /// The "remove" button of one tag (tags under `mlflow.` have none).
    static func untagButton(_ h: inout HTML, _ c: Ctx, runID id: String, key: String) {
        h.el("form", [Attr("method", "post"), Attr("action", "/runs/\(id)/untag"), Attr("class", "inline")]) { h in
            c.csrfField(&h)
            h.void("input", [Attr("type", "hidden"), Attr("name", "key"), Attr("value", key)])
            h.el("button", [Attr("type", "submit"), Attr("class", "secondary"), Attr("aria-label", "remove tag \(key)")], text: "remove")
        }
    }

    /// The form that sets a tag.
    static func tagForm(_ h: inout HTML, _ c: Ctx, runID id: String) {
        h.el("form", [Attr("method", "post"), Attr("action", "/runs/\(id)/tag"), Attr("class", "toolbar")]) { h in
            c.csrfField(&h)
            h.el("label") { h in
                h.text("Tag key")
                h.void("input", [Attr("type", "text"), Attr("name", "key"), Attr("required", "")])
            }
            h.el("label") { h in
                h.text("Value")
                h.void("input", [Attr("type", "text"), Attr("name", "value")])
            }
            h.el("button", [Attr("type", "submit"), Attr("class", "secondary")], text: "Set tag")
        }
    }

    static func artifactsSection(_ h: inout HTML, runID: String, dir: String, _ entries: [ArtifactEntry]) {
        h.el("h2", [Attr("id", "artifacts")], text: "Artifacts")
        if !dir.isEmpty {
            h.el("p") { h in
                h.text("In ")
                h.el("code", text: dir + "/")
                h.text(" · ")
                let parent = dir.split(separator: "/").dropLast().joined(separator: "/")
                h.link("/runs/\(runID)" + URLPart.query([("dir", parent)]) + "#artifacts", "up")
            }
        }
        if entries.isEmpty {
            h.el("p", [Attr("class", "muted")], text: "None.")
            return
        }
        h.el("table", [Attr("class", "cards")]) { h in
            h.el("thead") { h in
                h.el("tr") { h in
                    h.el("th", text: "path")
                    h.el("th", [Attr("class", "n")], text: "size")
                    h.el("th", text: "")
                }
            }
            h.el("tbody") { h in
                for e in entries.prefix(1000) {
                    artifactRow(&h, runID: runID, e, path: dir.isEmpty ? e.name : dir + "/" + e.name)
                }
            }
        }
    }

    /// A folder (a link into it) or a file (a link to view it, its size, a download link).
    static func artifactRow(_ h: inout HTML, runID: String, _ e: ArtifactEntry, path: String) {
        h.el("tr") { h in
            if e.isDir {
                h.el("td", [Attr("data-label", "folder")]) { h in
                    h.link("/runs/\(runID)" + URLPart.query([("dir", path)]) + "#artifacts", e.name + "/")
                }
                h.el("td", [Attr("class", "n"), Attr("data-label", "size")], text: "")
                h.el("td", [Attr("data-label", "")], text: "")
            } else {
                h.el("td", [Attr("data-label", "file")]) { h in
                    h.link("/runs/\(runID)/artifact" + URLPart.query([("path", path)]), e.name)
                }
                h.el("td", [Attr("class", "n"), Attr("data-label", "size")], text: e.size.map(Show.bytes) ?? "")
                h.el("td", [Attr("data-label", "")]) { h in
                    h.link("/runs/\(runID)/raw" + URLPart.query([("path", path)]), "download", [Attr("download", "")])
                }
            }
        }
    }

    /// `/runs/:id/live.json`: status and metric figures of a run (polled while it runs).
    static func runLive(_ c: Ctx) throws -> Response {
        let id = c.param("id")
        let run = try c.store.runs.run(id: id)
        let summaries = try c.store.ui.metricSummaries(runID: id)
        let charts = try metricCharts(c.store, runID: id, summaries)
        return Layout.json(
            .object([
                ("status", .string(run.info.status.rawValue)),
                (
                    "metrics",
                    .array(
                        summaries.map { m in
                            .object([
                                ("key", .string(m.key)), ("latest", .string(Show.value(m.latest))), ("min", .string(Show.value(m.min))),
                                ("max", .string(Show.value(m.max))), ("count", .string(String(m.count))),
                                ("svg", charts[m.key]?.svg.map { .string($0) } ?? .null),
                            ])
                        })
                ),
            ]))
    }

    /// `/runs/:id/artifact?path=`: a preview — escaped text, a safe image, or a download link.
    static func artifact(_ c: Ctx) throws -> Response {
        let id = c.param("id")
        let path = c.q("path") ?? ""
        let run = try c.store.runs.run(id: id)
        guard let record = try c.store.mlflow.artifact(.run(id), path: path) else {
            throw TrackerError.notFound("run \(id) has no artifact '\(path)'")
        }
        let limit: Int64 = 1 << 20
        let data = record.size <= limit ? try c.artifacts.read(sha256: record.sha256) : Data()
        let raw = "/runs/\(id)/raw" + URLPart.query([("path", path)])
        let html = c.page(path, .experiments) { h in
            h.el("p", [Attr("class", "muted")]) { h in
                h.link("/runs/\(id)#artifacts", run.info.name)
                h.text(" / artifacts")
            }
            h.el("h1", text: path)
            h.el("p") { h in
                h.text(Show.bytes(record.size) + " · ")
                h.link(raw, "download", [Attr("download", "")])
            }
            if record.size > limit {
                h.el("p", [Attr("class", "muted")], text: "Too large to preview; download it.")
            } else if ArtifactSafety.safeImageType(data) != nil {
                h.void("img", [Attr("src", raw + "&inline=1"), Attr("alt", path), Attr("class", "preview")])
            } else if let text = ArtifactSafety.text(data) {
                h.el("pre", [Attr("class", "preview")], text: text)
            } else {
                h.el("p", [Attr("class", "muted")], text: "No preview for this kind of file; download it.")
            }
        }
        return Layout.response(html)
    }

    /// `/runs/:id/raw?path=`: the bytes, as an attachment (inline only for safe images).
    static func rawArtifact(_ c: Ctx) throws -> Response {
        let id = c.param("id")
        let path = c.q("path") ?? ""
        guard let record = try c.store.mlflow.artifact(.run(id), path: path) else {
            throw TrackerError.notFound("run \(id) has no artifact '\(path)'")
        }
        let data = try c.artifacts.read(sha256: record.sha256)
        var headers = ArtifactSafety.downloadHeaders(path: path, data: data, inline: c.q("inline") == "1")
        headers[.cacheControl] = "private, no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The small edits MLflow's UI allows on a run: name, description, tags, delete and restore.
enum Edits {
    static func editRun(_ c: Ctx, _ form: [String: [String]]) throws -> String {
        let id = c.param("id")
        let name = (form["name"]?.first ?? "").trimmingCharacters(in: .whitespaces)
        if !name.isEmpty { try c.store.runs.updateRun(runID: id, name: name) }
        if let note = form["description"]?.first { try c.store.metrics.log(runID: id, LogBatch(tags: [KeyValue(Pages.noteTag, note)])) }
        return "/runs/\(id)"
    }

    static func setTag(_ c: Ctx, _ form: [String: [String]]) throws -> String {
        let id = c.param("id")
        let key = (form["key"]?.first ?? "").trimmingCharacters(in: .whitespaces)
        if key.isEmpty { throw TrackerError.invalid("a tag needs a key") }
        try c.store.metrics.log(runID: id, LogBatch(tags: [KeyValue(key, form["value"]?.first ?? "")]))
        return "/runs/\(id)"
    }

    static func deleteTag(_ c: Ctx, _ form: [String: [String]]) throws -> String {
        let id = c.param("id")
        try c.store.runs.deleteRunTag(runID: id, key: form["key"]?.first ?? "")
        return "/runs/\(id)"
    }

    static func delete(_ c: Ctx, _ form: [String: [String]]) throws -> String {
        try c.store.runs.setRunLifecycle(runID: c.param("id"), deleted: true)
        return "/runs/\(c.param("id"))"
    }

    static func restore(_ c: Ctx, _ form: [String: [String]]) throws -> String {
        try c.store.runs.setRunLifecycle(runID: c.param("id"), deleted: false)
        return "/runs/\(c.param("id"))"
    }
}
