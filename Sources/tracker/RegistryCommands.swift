import ArgumentParser
import Foundation
import TrackerCore
import TrackerReport
import TrackerStore

/// Splits `churn/3`, `churn@champion`, `churn:3` or `models:/churn/3` into (model, version ref).
func splitVersionRef(_ ref: String) throws -> (String, String) {
    var r = ref
    if r.hasPrefix("models:/") { r.removeFirst("models:/".count) }
    if let at = r.lastIndex(of: "@") { return (String(r[..<at]), "@" + r[r.index(after: at)...]) }
    for sep in ["/", ":"] {
        if let i = r.range(of: sep, options: .backwards) { return (String(r[..<i.lowerBound]), String(r[i.upperBound...])) }
    }
    throw ValidationError("version '\(ref)' must look like NAME/VERSION or NAME@ALIAS, e.g. churn/3")
}

/// Actor: --actor, else $TRACKER_ACTOR, else the OS user.
func resolveActor(_ given: String?) -> String {
    if let given, !given.isEmpty { return given }
    if let env = ProcessInfo.processInfo.environment["TRACKER_ACTOR"], !env.isEmpty { return env }
    return RunRepository.currentUser()
}

extension ModelVersion {
    var json: JSON {
        .object([
            ("name", .string(model)), ("version", .int(Int64(version))), ("run_id", .optional(runID)), ("source", .string(source)),
            ("artifact_path", .optional(artifactPath)), ("artifact_sha256", .optional(artifactSHA256)),
            ("description", .string(description)),
            ("user_id", .string(userID)), ("creation_time", .int(creationTime)),
            ("offline_metrics", .object(offlineMetrics.sorted { $0.key < $1.key }.map { ($0.key, .double($0.value)) })),
            ("aliases", .array(aliases.map { .string($0) })),
        ])
    }
}

extension LedgerEntry {
    var json: JSON {
        .object([
            ("id", .int(id)), ("model", .string(model)), ("env", .string(env)), ("kind", .string(kind)),
            ("from_version", fromVersion.map { .int(Int64($0)) } ?? .null), ("to_version", .int(Int64(toVersion))),
            ("actor", .string(actor)),
            ("reason", .string(reason)), ("time", .int(time)), ("gates", .array(gates.map(\.json))),
        ])
    }
}

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Register, evaluate, list and alias model versions.",
        subcommands: [ModelRegister.self, ModelEval.self, ModelList.self, ModelShow.self, ModelAlias.self])
}

struct ModelRegister: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register", abstract: "Register a new version of a model from a run (the model is created on first use).",
        discussion: """
            The run's latest metrics become the version's offline metrics;
            --metric LIVE=RUN_METRIC adds a copy under the name production uses.
            --artifact records the SHA-256 of a file or folder the run logged.
            Example:
              tracker model register churn --run 4f2c… --artifact model \\
                --metric accuracy=test_accuracy
            """)
    @OptionGroup var options: DBOptions
    @Argument(help: "Model name.") var name: String
    @Option(
        name: .customLong("run"),
        help: "Run id (or a unique prefix of at least 6 characters) the version comes from; omit for a model with no run.")
    var runID: String?
    @Option(help: "Path of the model artifact inside the run.") var artifact: String?
    @Option(help: "Description.") var description = ""
    @Option(name: .customLong("metric"), help: "LIVE_NAME=RUN_METRIC (repeatable).") var metrics: [String] = []
    @Flag(help: "Print JSON.") var json = false

    func validate() throws { _ = try parsePairs(metrics, "--metric") }

    func run() throws {
        let store = try options.open()
        let runID = try self.runID.map { try resolveRun(store, $0) }
        let v = try store.registry.registerVersion(
            name: name, runID: runID, artifact: artifact, description: description, metricMap: try parsePairs(metrics, "--metric"))
        if json {
            printJSON(v.json)
            return
        }
        print("registered \(v.model) version \(v.version)" + (runID.map { " from run \($0)" } ?? ""))
        for (k, val) in v.offlineMetrics.sorted(by: { $0.key < $1.key }) { print("  offline \(k) = \(human(val))") }
        if let sha = v.artifactSHA256 { print("  artifact \(v.artifactPath ?? "") sha256:\(sha)") }
    }
}

struct ModelEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Add offline results computed later to a version.",
        discussion: """
            Example:
              tracker model eval churn/3 --metric accuracy=0.91 --metric auc=0.95 \\
                --dataset holdout-2026-11
            """)
    @OptionGroup var options: DBOptions
    @Argument(help: "NAME/VERSION or NAME@ALIAS.") var ref: String
    @Option(name: .customLong("metric"), help: "KEY=VALUE (repeatable).") var metrics: [String] = []
    @Option(help: "Dataset the results were computed on.") var dataset = "eval"

    func validate() throws {
        if metrics.isEmpty { throw ValidationError("give at least one --metric KEY=VALUE") }
        _ = try splitVersionRef(ref)
        _ = try parsedMetrics()
    }

    /// The `--metric KEY=VALUE` pairs as numbers.
    func parsedMetrics() throws -> [(String, Double)] {
        try parsePairs(metrics, "--metric").map { kv -> (String, Double) in
            guard let d = JSON.string(kv.value).doubleValue ?? Double(kv.value) else {
                throw ValidationError("--metric \(kv.key)=\(kv.value): '\(kv.value)' is not a number")
            }
            return (kv.key, d)
        }
    }

    func run() throws {
        let (model, vref) = try splitVersionRef(ref)
        let values = try parsedMetrics()
        let v = try options.open().registry.addOfflineMetrics(model: model, versionRef: vref, metrics: values, dataset: dataset)
        print("\(v.model) version \(v.version): recorded \(values.count) offline metrics on \(dataset)")
    }
}

struct ModelList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List models.", discussion: "Example: tracker model list")
    @OptionGroup var options: DBOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let store = try options.open()
        let models = try store.registry.listModels()
        var rows: [[String]] = []
        var items: [JSON] = []
        for m in models {
            let versions = try store.registry.versions(model: m.name)
            let live = try store.deployments.liveEnvironments(model: m.name)
            let liveText = live.sorted { $0.key < $1.key }.flatMap { v, envs in envs.sorted().map { "\($0)=v\(v)" } }.joined(separator: " ")
            rows.append([m.name, String(versions.count), versions.last.map { "v\($0.version)" } ?? "-", liveText.isEmpty ? "-" : liveText])
            items.append(
                .object([
                    ("name", .string(m.name)), ("versions", .int(Int64(versions.count))),
                    ("latest_version", .int(Int64(versions.last?.version ?? 0))),
                    (
                        "live",
                        .object(live.sorted { $0.key < $1.key }.flatMap { v, envs in envs.sorted().map { ($0, JSON.int(Int64(v))) } })
                    ),
                ]))
        }
        if json { printJSON(.array(items)) } else { print(table(["MODEL", "VERSIONS", "LATEST", "LIVE"], rows)) }
    }
}

struct ModelShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a model's versions, offline metrics, aliases and where each is deployed now.",
        discussion: "Example: tracker model show churn")
    @OptionGroup var options: DBOptions
    @Argument(help: "Model name.") var name: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let store = try options.open()
        let m = try store.registry.model(named: name)
        let versions = try store.registry.versions(model: name)
        let live = try store.deployments.liveEnvironments(model: name)
        if json {
            printJSON(
                .object([
                    ("name", .string(m.name)), ("description", .string(m.description)), ("creation_time", .int(m.creationTime)),
                    (
                        "versions",
                        .array(
                            versions.map { v in
                                var j = v.json
                                if case .object(var members) = j {
                                    members.append(("deployed_to", .array((live[v.version] ?? []).sorted().map { .string($0) })))
                                    j = .object(members)
                                }
                                return j
                            })
                    ),
                ]))
            return
        }
        print("model: \(m.name)\(m.description.isEmpty ? "" : " — " + m.description)")
        let keys = Array(Set(versions.flatMap { $0.offlineMetrics.keys })).sorted()
        let rows = versions.map { v -> [String] in
            [
                "v\(v.version)", v.runID.map { String($0.prefix(12)) } ?? "-", formatTime(v.creationTime), v.aliases.joined(separator: ","),
                (live[v.version] ?? []).sorted().joined(separator: ","),
            ] + keys.map { k in v.offlineMetrics[k].map(human) ?? "-" }
        }
        print(table(["VERSION", "RUN", "REGISTERED", "ALIASES", "LIVE IN"] + keys, rows))
    }
}

struct ModelAlias: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alias", abstract: "Point an alias at a version, or delete it.",
        discussion: """
            Examples:
              tracker model alias churn champion 3
              tracker model alias churn champion --delete
            """)
    @OptionGroup var options: DBOptions
    @Argument(help: "Model name.") var name: String
    @Argument(help: "Alias.") var alias: String
    @Argument(help: "Version number.") var version: Int?
    @Flag(help: "Delete the alias.") var delete = false

    func validate() throws {
        if delete == (version != nil) { throw ValidationError("give a VERSION to set the alias, or --delete to remove it") }
    }

    func run() throws {
        let store = try options.open()
        if delete {
            try store.registry.deleteAlias(model: name, alias: alias)
            print("deleted alias \(alias) of \(name)")
        } else {
            try store.registry.setAlias(model: name, alias: alias, version: version!)
            print("\(name)@\(alias) -> version \(version!)")
        }
    }
}

struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate", abstract: "Set and show promotion gates.", subcommands: [GateSet.self, GateShow.self])
}

struct GateSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Store the gate policy for a model in an environment (replaces the previous one).",
        discussion:
            """
            Example:
              tracker gate set churn --env production --require 'accuracy >= 0.9' \\
                --must-beat-current auc:0.005 --after staging
            """)
    @OptionGroup var options: DBOptions
    @Argument(help: "Model name.") var name: String
    @Option(help: "Environment.") var env: String
    @Option(name: .customLong("require"), help: "Threshold, e.g. 'accuracy >= 0.9' (repeatable).") var requires: [String] = []
    @Option(name: .customLong("must-beat-current"), help: "METRIC[:MARGIN] the version live in ENV must be beaten on.") var mustBeat: String?
    @Option(help: "The version must have been deployed to this environment first.") var after: String?

    func validate() throws {
        _ = try usage { try requires.map { try GateExpression.parse($0) } }
        _ = try usage { try mustBeat.map { try MustBeat.parse($0) } }
    }

    func run() throws {
        let reqs = try requires.map { try GateExpression.parse($0) }
        let mb = try mustBeat.map { try MustBeat.parse($0) }
        try options.open().deployments.setGatePolicy(model: name, env: env, requires: reqs, mustBeat: mb, afterEnv: after)
        print("gates for \(name) in \(env): \(describe(reqs, mb, after))")
    }
}

func describe(_ reqs: [GateExpression], _ mb: MustBeat?, _ after: String?) -> String {
    var parts = reqs.map(\.description)
    if let mb { parts.append("must beat current \(mb.metric)" + (mb.margin > 0 ? " by \(JSON.plain(mb.margin))" : "")) }
    if let after { parts.append("after \(after)") }
    return parts.isEmpty ? "none" : parts.joined(separator: "; ")
}

struct GateShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show the gate policies of a model.", discussion: "Example: tracker gate show churn")
    @OptionGroup var options: DBOptions
    @Argument(help: "Model name.") var name: String
    @Option(help: "Only this environment.") var env: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let store = try options.open()
        let policies = try store.deployments.gatePolicies(model: name, env: env)
        if json {
            printJSON(
                .array(
                    policies.map { p in
                        .object([
                            ("env", .string(p.env)), ("require", .array(p.requires.map { .string($0.description) })),
                            (
                                "must_beat_current",
                                p.mustBeat.map { .object([("metric", .string($0.metric)), ("margin", .double($0.margin))]) } ?? .null
                            ),
                            ("after", .optional(p.afterEnv)),
                        ])
                    }))
            return
        }
        if policies.isEmpty {
            try printNoGates(store)
            return
        }
        print(table(["ENV", "GATES"], policies.map { [$0.env, describe($0.requires, $0.mustBeat, $0.afterEnv)] }))
    }

    /// Says there are no gates (in ENV, naming the environments that have some) and how to set one.
    func printNoGates(_ store: Store) throws {
        guard let env else {
            print("no gates for \(name); set one with 'tracker gate set \(name) --env ENV --require ...'")
            return
        }
        let gated = try store.deployments.gatePolicies(model: name).map(\.env)
        if gated.isEmpty {
            print("no gates for \(name) in \(env); set one with 'tracker gate set \(name) --env \(env) --require ...'")
        } else {
            print("no gates for \(name) in \(env); environments with gates: \(gated.joined(separator: ", "))")
        }
    }
}

struct PromoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote", abstract: "Make a version live in an environment, if its gates pass (exit 3 if not).",
        discussion: """
            Evaluates the stored gates for ENV plus any given here against the version's
            offline metrics, prints each with the numbers, and on success ends the
            current deployment and starts the new one in one transaction. A failed gate
            exits 3 and changes nothing. An environment no model has a deployment or
            gates in yet is refused as a likely typo (exit 1) unless --new-env is given
            (on a fresh database the first one is allowed).
            Example:
              tracker promote churn 7 --to production --reason "better AUC on holdout"
            """)
    @OptionGroup var options: DBOptions
    @Argument(help: "Model name.") var name: String
    @Argument(help: "Version number or alias.") var version: String
    @Option(help: "Environment (staging, production, …).") var to: String
    @Option(name: .customLong("require"), help: "Extra threshold gate (repeatable).") var requires: [String] = []
    @Option(name: .customLong("must-beat-current"), help: "METRIC[:MARGIN].") var mustBeat: String?
    @Option(help: "Why (recorded in the ledger).") var reason = ""
    @Option(help: "Who (default $TRACKER_ACTOR, else the OS user).") var actor: String?
    @Flag(name: .customLong("dry-run"), help: "Evaluate the gates and change nothing.") var dryRun = false
    @Flag(help: "Override failed gates (needs --reason; recorded as forced).") var force = false
    @Flag(name: .customLong("new-env"), help: "Allow an environment no model has a deployment or gates in yet.") var newEnv = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if force && reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--force needs --reason TEXT saying why") }
        _ = try usage { try requires.map { try GateExpression.parse($0) } }
        _ = try usage { try mustBeat.map { try MustBeat.parse($0) } }
    }

    func run() throws {
        let store = try options.open()
        try store.deployments.checkEnvironment(to, allowNew: newEnv)
        let outcome = try store.deployments.promote(
            model: name, versionRef: version, env: to, requires: try requires.map { try GateExpression.parse($0) },
            mustBeat: try mustBeat.map { try MustBeat.parse($0) }, reason: reason, actor: resolveActor(actor), dryRun: dryRun, force: force)
        let alias = RegistryRepository.alias(inVersionRef: version)
        if json {
            printJSON(
                .object([
                    ("model", .string(name)), ("version", .int(Int64(outcome.version))), ("alias", alias.map(JSON.string) ?? .null),
                    ("env", .string(to)), ("result", .string(resultWord(outcome.result))),
                    ("forced", .bool(outcome.forced)), ("from_version", outcome.fromVersion.map { .int(Int64($0)) } ?? .null),
                    ("gates", .array(outcome.gates.map(\.json))),
                ]))
        } else {
            for g in outcome.gates { print("\(g.passed ? "PASS" : "FAIL")  \(g.gate)  (\(g.summary))") }
        }
        // "tumor version 2 (alias champion)": the number the alias stood for at this moment.
        let subject = "\(name) version \(outcome.version)" + (alias.map { " (alias \($0))" } ?? "")
        switch outcome.result {
        case .alreadyLive:
            if !json { print("\(subject) is already live in \(to); nothing to do") }
        case .promoted:
            // The first deployment to an environment replaces nothing: say so plainly.
            let from = outcome.fromVersion.map { " (replacing version \($0))" } ?? " (first deployment there)"
            if !json { print("promoted \(subject) to \(to)\(from)\(outcome.forced ? " — FORCED past failed gates" : "")") }
        case .dryRun(true):
            if !json { print("dry run: \(subject) would be promoted to \(to)") }
        case .dryRun(false):
            // Failures go to stderr once, after the gate table (printError flushes stdout first).
            printError("dry run: \(subject) would be blocked in \(to); nothing changed")
            throw ExitCode(3)
        case .blocked:
            printError("error: gates failed: \(subject) was NOT promoted to \(to); nothing changed (use --force --reason to override)")
            throw ExitCode(3)
        }
    }

    func resultWord(_ r: PromotionOutcome.Result) -> String {
        switch r {
        case .alreadyLive: return "already_live"
        case .blocked: return "blocked"
        case .dryRun(let ok): return ok ? "dry_run_pass" : "dry_run_fail"
        case .promoted: return "promoted"
        }
    }
}

struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Put the previous version (or --to VERSION) back live in an environment.",
        discussion: """
            Example:
              tracker rollback churn --env production --reason 'conversion dropped'
            """)
    @OptionGroup var options: DBOptions
    @Argument(help: "Model name.") var name: String
    @Option(help: "Environment.") var env: String
    @Option(help: "Version to return to (default: the one before the current).") var to: String?
    @Option(help: "Why (recorded in the ledger).") var reason = ""
    @Option(help: "Who (default $TRACKER_ACTOR, else the OS user).") var actor: String?

    func run() throws {
        let store = try options.open()
        // A number that is no version at all gets the versions that exist, not a hint to promote it.
        if let to { _ = try store.registry.version(model: name, ref: to) }
        let r = try store.deployments.rollback(model: name, env: env, to: to, reason: reason, actor: resolveActor(actor))
        print("rolled back \(name) in \(env): version \(r.from) -> version \(r.to)")
    }
}

struct DeploymentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deployments", abstract: "The deployment ledger: who promoted or rolled back what, when and why.",
        discussion: """
            With --at TIME, what was live at that time instead.
            Examples:
              tracker deployments --model churn --env production
                      tracker deployments --at 2026-11-20T10:00:00Z
            """)
    @OptionGroup var options: DBOptions
    @Option(help: "Only this model.") var model: String?
    @Option(help: "Only this environment.") var env: String?
    @Option(help: "What was live at this time (ISO-8601 or epoch ms).") var at: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws { _ = try usage { try at.map { try TimeParser.parse($0) } } }

    func run() throws {
        let store = try options.open()
        if let env { try noteUnknown(env, store) }
        if let at {
            try printLive(at: try TimeParser.parse(at), store)
        } else {
            try printLedger(store)
        }
    }

    /// A note on stderr (not an error) when nothing was ever deployed to `env`.
    func noteUnknown(_ env: String, _ store: Store) throws {
        let known = try store.deployments.environments(model: model)
        if !known.contains(env) {
            printError(
                "note: nothing was ever deployed to '\(env)'\(model.map { " for \($0)" } ?? ""); environments: \(known.isEmpty ? "none yet" : known.joined(separator: ", "))"
            )
        }
    }

    /// What was live at `t`.
    func printLive(at t: Int64, _ store: Store) throws {
        let live = try store.deployments.deployments(model: model, env: env, at: t)
        if json {
            printJSON(
                .array(
                    live.map {
                        .object([
                            ("model", .string($0.model)), ("env", .string($0.env)), ("version", .int(Int64($0.version))),
                            ("since", .int($0.startedAt)),
                        ])
                    }))
            return
        }
        if live.isEmpty {
            print("nothing was live at \(formatTime(t))\(model.map { " for \($0)" } ?? "")\(env.map { " in \($0)" } ?? "")")
            return
        }
        print(table(["MODEL", "ENV", "VERSION", "SINCE"], live.map { [$0.model, $0.env, "v\($0.version)", formatTime($0.startedAt)] }))
    }

    /// The ledger, oldest first.
    func printLedger(_ store: Store) throws {
        let entries = try store.deployments.ledger(model: model, env: env)
        if json {
            printJSON(.array(entries.map(\.json)))
            return
        }
        print(
            table(
                ["TIME", "MODEL", "ENV", "KIND", "FROM", "TO", "ACTOR", "GATES", "REASON"],
                entries.map { e in
                    let gates = e.gates.isEmpty ? "-" : "\(e.gates.filter(\.passed).count)/\(e.gates.count) passed"
                    return [
                        formatTime(e.time), e.model, e.env, e.kind, e.fromVersion.map { "v\($0)" } ?? "-", "v\(e.toVersion)", e.actor,
                        gates, e.reason,
                    ]
                }))
    }
}
