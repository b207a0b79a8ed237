import Foundation
import Hummingbird
import TrackerCore
import TrackerStore

extension Pages {
    /// `/models`: every registered model, its latest version and where it is live.
    static func models(_ c: Ctx) throws -> Response {
        let models = try c.store.registry.listModels()
        let live = try c.store.deployments.deployments().filter { $0.endedAt == nil }
        let html = c.page("Models", .models) { h in
            h.el("h1", text: "Models")
            if models.isEmpty { h.el("p", text: "No models registered yet: tracker model register NAME --run RUN_ID") }
            h.el("table", [Attr("class", "cards")]) { h in
                h.el("thead") { h in h.el("tr") { h in for t in ["model", "live", "description", "updated"] { h.el("th", text: t) } } }
                h.el("tbody") { h in
                    for m in models {
                        h.el("tr") { h in
                            h.el("td", [Attr("data-label", "model")]) { h in h.link("/models/" + URLPart.encode(m.name), m.name) }
                            let here = live.filter { $0.model == m.name }.map { "v\($0.version) in \($0.env)" }
                            h.el("td", [Attr("data-label", "live")], text: here.isEmpty ? "–" : here.joined(separator: ", "))
                            h.el("td", [Attr("data-label", "description")], text: m.description)
                            h.el("td", [Attr("data-label", "updated")], text: Show.time(m.lastUpdateTime))
                        }
                    }
                }
            }
        }
        return Layout.response(html)
    }

    /// `/models/:name`: versions, the ledger per environment, gate policies, the promote command.
    static func model(_ c: Ctx) throws -> Response {
        let name = c.param("name")
        let model = try c.store.registry.model(named: name)
        let versions = try c.store.registry.versions(model: name)
        let liveWhere = try c.store.deployments.liveEnvironments(model: name)
        let ledger = try c.store.deployments.ledger(model: name)
        let policies = try c.store.deployments.gatePolicies(model: name)
        let envs = Array(Set(ledger.map(\.env) + policies.map(\.env))).sorted { ($0 == "production" ? 1 : 0, $0) < ($1 == "production" ? 1 : 0, $1) }
        let html = c.page(name, .models) { h in
            h.el("p", [Attr("class", "muted")]) { h in h.link("/models", "Models") }
            h.el("h1", text: name)
            if !model.description.isEmpty { h.el("p", text: model.description) }
            h.el("div", [Attr("class", "toolbar")]) { h in
                for env in envs where liveWhere.values.contains(where: { $0.contains(env) }) {
                    h.link("/gap" + URLPart.query([("model", name), ("env", env)]), "Live gap in \(env)", [Attr("class", "button secondary")])
                }
            }
            versionsTable(&h, versions, liveWhere)
            h.el("h2", text: "Deployment history")
            if ledger.isEmpty { h.el("p", [Attr("class", "muted")], text: "Never deployed.") }
            for env in envs where ledger.contains(where: { $0.env == env }) {
                h.el("h3", text: env)
                timeline(&h, ledger.filter { $0.env == env }.reversed())
            }
            h.el("h2", text: "Gate policies")
            policiesSection(&h, policies)
            promoteCommand(&h, name: name, versions: versions, envs: envs, liveWhere: liveWhere)
        }
        return Layout.response(html)
    }

    static func versionsTable(_ h: inout HTML, _ versions: [ModelVersion], _ liveWhere: [Int: [String]]) {
        h.el("h2", text: "Versions")
        let keys = Array(Set(versions.flatMap { $0.offlineMetrics.keys })).sorted()
        h.el("div", [Attr("class", "scroll")]) { h in
            h.el("table", [Attr("class", "cards")]) { h in
                h.el("thead") { h in
                    h.el("tr") { h in
                        for t in ["version", "live in", "aliases", "source run", "registered"] { h.el("th", text: t) }
                        for k in keys { h.el("th", [Attr("class", "n")], text: k) }
                    }
                }
                h.el("tbody") { h in
                    for v in versions.reversed() {
                        h.el("tr", [Attr("id", "v\(v.version)")]) { h in
                            h.el("td", [Attr("data-label", "version")], text: "v\(v.version)")
                            h.el("td", [Attr("data-label", "live in")]) { h in
                                let envs = liveWhere[v.version] ?? []
                                if envs.isEmpty { h.text("–") }
                                for e in envs.sorted() { h.el("span", [Attr("class", "badge within")], text: e) }
                            }
                            h.el("td", [Attr("data-label", "aliases")], text: v.aliases.map { "@" + $0 }.joined(separator: " "))
                            h.el("td", [Attr("data-label", "source run")]) { h in
                                if let run = v.runID { h.link("/runs/\(run)", String(run.prefix(8)), [Attr("class", "mono")]) } else { h.text(v.source) }
                            }
                            h.el("td", [Attr("data-label", "registered")], text: Show.time(v.creationTime))
                            for k in keys { h.el("td", [Attr("class", "n"), Attr("data-label", k)], text: Show.value(v.offlineMetrics[k])) }
                        }
                    }
                }
            }
        }
    }

    /// Newest first: who, when, why, the gates and their results, forced promotions and rollbacks marked.
    static func timeline(_ h: inout HTML, _ entries: [LedgerEntry]) {
        h.el("ol", [Attr("class", "timeline")]) { h in
            for e in entries {
                h.el("li", [Attr("class", e.kind)]) { h in
                    h.el("div") { h in
                        h.el("b") { h in kind(&h, e) }
                        h.text(" · " + Show.time(e.time) + " · by " + e.actor)
                    }
                    if !e.reason.isEmpty { h.el("div", text: "“" + e.reason + "”") }
                    if !e.gates.isEmpty {
                        h.el("ul", [Attr("class", "gates")]) { h in
                            for g in e.gates {
                                h.el("li") { h in
                                    h.el("span", [Attr("class", g.passed ? "pass" : "fail")], text: g.passed ? "passed" : "failed")
                                    h.text(" " + g.gate + (g.detail.isEmpty ? "" : " — " + Show.briefNumbers(g.summary)))
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static func policiesSection(_ h: inout HTML, _ policies: [GatePolicy]) {
        if policies.isEmpty {
            h.el("p", [Attr("class", "muted")], text: "No stored gates; promotions only check what the command line adds.")
            return
        }
        h.el("table", [Attr("class", "cards")]) { h in
            h.el("thead") { h in h.el("tr") { h in for t in ["environment", "requires", "must beat the live version", "after"] { h.el("th", text: t) } } }
            h.el("tbody") { h in
                for p in policies {
                    h.el("tr") { h in
                        h.el("td", [Attr("data-label", "environment")], text: p.env)
                        h.el("td", [Attr("data-label", "requires")], text: p.requires.map(\.description).joined(separator: "; "))
                        h.el("td", [Attr("data-label", "must beat")], text: p.mustBeat.map { "\($0.metric) by \(Show.value($0.margin))" } ?? "–")
                        h.el("td", [Attr("data-label", "after")], text: p.afterEnv ?? "–")
                    }
                }
            }
        }
    }

    /// Promotion stays a pipeline action: the page only shows the command to run.
    /// The newest version goes to the first environment (production last) where it is not live
    /// yet; when it is live everywhere, the page says so and shows the command for a next version.
    static func promoteCommand(_ h: inout HTML, name: String, versions: [ModelVersion], envs: [String], liveWhere: [Int: [String]]) {
        guard let latest = versions.map(\.version).max() else { return }
        let liveIn = liveWhere[latest] ?? []
        let target = (envs.isEmpty ? ["production"] : envs).first { !liveIn.contains($0) }
        let env = target ?? envs.last ?? "production"
        let version = target == nil ? "VERSION" : String(latest)
        let cmd = "tracker promote \(Show.shellWord(name)) \(version) --to \(Show.shellWord(env)) --reason \"…\""
        h.el("h2", text: "Promote")
        if target == nil {
            h.el(
                "p", [Attr("id", "promote-status")],
                text: "The newest version, v\(latest), is already live in \(liveIn.sorted().joined(separator: ", ")). "
                    + "Register a new version, then promote it in your pipeline, where the gates decide:")
        } else {
            h.el("p", text: "Promotions run in your pipeline, where the gates decide. The command for the newest version, v\(latest):")
        }
        h.el("div", [Attr("class", "copy")]) { h in
            h.el("pre", [Attr("id", "promote-cmd")]) { h in h.el("code", text: cmd) }
            h.el("button", [Attr("type", "button"), Attr("class", "secondary"), Attr("data-copy", "promote-cmd")], text: "Copy")
        }
    }
}
