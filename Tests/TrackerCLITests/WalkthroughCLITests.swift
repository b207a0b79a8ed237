import Foundation
import Testing
import TrackerCore

#if canImport(Glibc)
    import Glibc
#endif

/// A new user's walkthrough of main: typo'd environments, versions and metrics, exit codes,
/// a busy port and help texts. Each test runs the real `tracker` against a scratch database.
@Suite struct WalkthroughCLITests {
    /// `tumor` versions 1–3 (accuracy 0.95), gates in staging and production, version 1 live in
    /// production; returns the `--db` arguments.
    func deployed(_ tmp: TempDir) throws -> [String] {
        let db = ["--db", tmp.db]
        for v in 1...3 {
            try ok(["model", "register", "tumor"] + db)
            try ok(["model", "eval", "tumor/\(v)", "--metric", "accuracy=0.95"] + db)
        }
        try ok(["gate", "set", "tumor", "--env", "staging", "--require", "accuracy >= 0.8"] + db)
        try ok(["gate", "set", "tumor", "--env", "production", "--require", "accuracy >= 0.9"] + db)
        try ok(["promote", "tumor", "1", "--to", "production"] + db)
        return db
    }

    func ledgerCount(_ db: [String]) throws -> Int? {
        try JSON.parse(try ok(["deployments", "--json"] + db)).arrayValue?.count
    }

    // MARK: - 1: a typo'd environment

    @Test(arguments: TestBackend.all) func promoteToATypoedEnvironmentFailsUnlessNewEnv(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = try deployed(tmp)
        let expected =
            "error: environment 'prodution' is new (known: production, staging); check the name, or pass --new-env to create it\n"
        for extra in [[], ["--dry-run"]] {
            let r = try tracker(["promote", "tumor", "3", "--to", "prodution"] + extra + db)
            #expect(r.status == 1)
            #expect(r.stderr == expected)
        }
        #expect(try ledgerCount(db) == 1)
        try ok(["promote", "tumor", "3", "--to", "prodution", "--new-env"] + db)
        #expect(try ledgerCount(db) == 2)
        // A known environment with gates but no deployment yet needs no flag.
        try ok(["promote", "tumor", "2", "--to", "staging"] + db)
    }

    @Test(arguments: TestBackend.all) func theFirstEnvironmentOfAFreshDatabaseNeedsNoFlag(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = ["--db", tmp.db]
        try ok(["model", "register", "tumor"] + db)
        try ok(["promote", "tumor", "1", "--to", "production"] + db)
    }

    @Test(arguments: TestBackend.all) func liveRecordToATypoedEnvironmentFailsUnlessNewEnv(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = try deployed(tmp)
        let args = ["live", "record", "tumor", "--env", "prodution", "--metric", "accuracy", "--value", "0.9", "--count", "10"] + db
        let r = try tracker(args)
        #expect(r.status == 1)
        #expect(r.stderr.contains("environment 'prodution' is new (known: production, staging)"))
        try ok(args + ["--new-env"])
        try ok(["live", "record", "tumor", "--env", "production", "--metric", "accuracy", "--value", "0.9", "--count", "10"] + db)
    }

    // MARK: - 2, 3: an unknown environment in report and gate show

    @Test(arguments: TestBackend.all) func reportOnAnUnknownEnvironmentSaysSo(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = try deployed(tmp)
        let r = try tracker(["report", "--env", "prod", "--since", "2026-11-01", "--until", "2026-11-08"] + db)
        #expect(r.status == 0)
        #expect(r.stderr.contains("note: nothing was ever deployed to 'prod'; environments: production\n"), "\(r.stderr)")
        let one = try tracker(["report", "--env", "prod", "--model", "tumor", "--since", "2026-11-01", "--until", "2026-11-08"] + db)
        #expect(one.stderr.contains("note: tumor was never deployed to 'prod'; environments: production\n"), "\(one.stderr)")
        let known = try tracker(["report", "--env", "production", "--since", "2026-11-01", "--until", "2026-11-08"] + db)
        #expect(!known.stderr.contains("note:"))
    }

    @Test(arguments: TestBackend.all) func gateShowForAnEnvironmentWithoutGatesNamesTheOnesWithGates(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = try deployed(tmp)
        #expect(try ok(["gate", "show", "tumor", "--env", "prod"] + db) == "no gates for tumor in prod; environments with gates: production, staging\n")
        try ok(["model", "register", "other"] + db)
        #expect(
            try ok(["gate", "show", "other", "--env", "prod"] + db)
                == "no gates for other in prod; set one with 'tracker gate set other --env prod --require ...'\n")
        #expect(try ok(["gate", "show", "other"] + db) == "no gates for other; set one with 'tracker gate set other --env ENV --require ...'\n")
    }

    // MARK: - 4, 5, 6: versions and metrics that do not exist

    @Test(arguments: TestBackend.all) func gapAndRollbackOfAVersionThatDoesNotExistListTheVersions(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = try deployed(tmp)
        let gap = try tracker(["gap", "tumor", "--model-version", "7"] + db)
        #expect(gap.status == 1)
        #expect(gap.stderr == "error: model 'tumor' has no version 7; versions: 1, 2, 3\n")
        try ok(["promote", "tumor", "2", "--to", "staging"] + db)
        try ok(["promote", "tumor", "3", "--to", "staging"] + db)
        let rollback = try tracker(["rollback", "tumor", "--env", "staging", "--to", "9"] + db)
        #expect(rollback.status == 1)
        #expect(rollback.stderr == "error: model 'tumor' has no version 9; versions: 1, 2, 3\n")
        try ok(["rollback", "tumor", "--env", "staging", "--to", "2"] + db)
    }

    @Test(arguments: TestBackend.all) func metricHistoryOfAnUnknownKeyListsTheRunsMetrics(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = ["--db", tmp.db]
        let run = try ok(["run", "start", "--experiment", "e"] + db).trimmingCharacters(in: .whitespacesAndNewlines)
        try ok(["log", "metric", run, "roc_auc", "0.9"] + db)
        try ok(["log", "metric", run, "accuracy", "0.8"] + db)
        let r = try tracker(["metric", "history", run, "roc_aucc"] + db)
        #expect(r.status == 1)
        #expect(r.stderr == "error: run \(run) has no metric 'roc_aucc'; metrics: accuracy, roc_auc\n")
        #expect(try ok(["metric", "history", run, "roc_auc"] + db).contains("0.9"))
        // --json keeps MLflow's answer (an empty list) and says why on stderr.
        let json = try tracker(["metric", "history", run, "roc_aucc", "--json"] + db)
        #expect(json.status == 0 && json.stdout == "[]\n")
        #expect(json.stderr.contains("note: run \(run) has no metric 'roc_aucc'"))
    }

    // MARK: - 7: the same bad value exits the same way

    @Test(arguments: TestBackend.all) func badTimesAndValuesInGapAndLiveAreUsageErrors(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = try deployed(tmp)
        let record = ["live", "record", "tumor", "--env", "production", "--metric", "accuracy"]
        let cases: [([String], String)] = [
            (["gap", "tumor", "--since", "2026-13-01"], "Usage: tracker gap"),
            (["gap", "tumor", "--until", "soon"], "Usage: tracker gap"),
            (["gap", "tumor", "--since", "2026-11-20", "--until", "2026-11-10"], "Usage: tracker gap"),
            (["report", "--since", "2026-13-01", "--until", "2026-12-01"], "Usage: tracker report"),
            (record + ["--value", "0.9", "--count", "10", "--start", "2026-13-01", "--end", "2026-11-02"], "Usage: tracker live record"),
            (record + ["--value", "0.9", "--count", "10", "--start", "2026-11-02", "--end", "2026-11-01"], "Usage: tracker live record"),
            (record + ["--value", "1.7", "--count", "10"], "Usage: tracker live record"),
        ]
        for (args, usage) in cases {
            let r = try tracker(args + db)
            #expect(r.status == 2, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(usage), "\(args): \(r.stderr)")
        }
        #expect(try tracker(record + ["--value", "1.7", "--count", "10"] + db).stderr.contains("--value 1.7 is not a proportion"))
        try ok(record + ["--value", "1.7", "--count", "10", "--std", "0.5"] + db)
    }

    // MARK: - 8: a busy port

    @Test func serveOnABusyPortSaysWhichPortAndWhatToDo() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        #expect(bound)
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let tmp = TempDir()
        let r = try tracker(["serve", "--port", String(port), "--db", tmp.db])
        #expect(r.status == 1)
        #expect(
            r.stderr == "error: port \(port) on 127.0.0.1 is already in use; pick another with --port (0 picks a free one)\n", "\(r.stderr)")
    }

    // MARK: - 9: order-by errors say order-by

    @Test(arguments: TestBackend.all) func aBadOrderBySaysOrderBy(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let r = try tracker(["run", "list", "--order-by", "metrics.roc_auc DESCENDING", "--db", tmp.db])
        #expect(r.status == 2)
        #expect(r.stderr.contains("order-by syntax error at column 17: expected ASC or DESC after the key"), "\(r.stderr)")
        #expect(!r.stderr.contains("filter syntax error"))
        let attr = try tracker(["run", "list", "--order-by", "attributes.nosuch", "--db", tmp.db])
        #expect(attr.stderr.contains("order-by syntax error at column 1: unknown attribute 'nosuch'"), "\(attr.stderr)")
        let filter = try tracker(["run", "list", "--filter", "metrics.a >> 1", "--db", tmp.db])
        #expect(filter.stderr.contains("filter syntax error"))
    }

    // MARK: - 10: help texts read the same at 80 columns

    /// Every command path under `tracker` (the root is `[]`), from the SUBCOMMANDS of `--help`.
    func commandPaths(_ prefix: [String] = []) throws -> [[String]] {
        let help = try tracker(prefix + ["--help"], env: ["COLUMNS": "1000"]).stdout
        guard let start = help.range(of: "SUBCOMMANDS:\n") else { return [prefix] }
        var paths = [prefix]
        for line in help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first else { continue }
            if name != "help" { paths += try commandPaths(prefix + [String(name)]) }
        }
        return paths
    }

    /// The OVERVIEW section of a help text: the abstract and the discussion.
    static func overview(_ help: String) -> [Substring] {
        let end = help.range(of: "\nUSAGE:")?.lowerBound ?? help.endIndex
        return help[..<end].split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The commands a discussion shows: from each `tracker SUBCOMMAND` to the end of its line, or
    /// to the closing quote when prose quotes the command ("tracker exits with …" is prose).
    static func examples(_ lines: [Substring], commands: Set<String>) -> [String] {
        var out: [String] = []
        for line in lines {
            var rest = line
            while let r = rest.range(of: "tracker ") {
                let quote = rest[..<r.lowerBound].last.flatMap { $0 == "'" || $0 == "`" ? $0 : nil }
                let example = rest[r.lowerBound...].prefix { $0 != quote }
                let word = example.dropFirst("tracker ".count).prefix { $0 != " " }
                if commands.contains(String(word)) { out.append(example.trimmingCharacters(in: .whitespaces)) }
                rest = rest[example.endIndex...]
            }
        }
        return out
    }

    @Test func helpTextsKeepEveryExampleOnOneLineAt80Columns() throws {
        let paths = try commandPaths()
        #expect(paths.count > 30, "\(paths)")
        let commands = Set(paths.compactMap(\.first))
        let optionAtEnd = try Regex(#"(^|\s)--?[a-z][a-z-]*[,.;:]?$"#)
        for path in paths {
            let wide = Self.overview(try tracker(path + ["--help"], env: ["COLUMNS": "1000"]).stdout)
            let narrow = Self.overview(try tracker(path + ["--help"], env: ["COLUMNS": "80"]).stdout)
            let name = (["tracker"] + path).joined(separator: " ")
            for example in Self.examples(Array(wide.dropFirst()), commands: commands) {
                #expect(narrow.contains { $0.contains(example) }, "\(name) --help splits the example: \(example)")
            }
            for (line, next) in zip(narrow, narrow.dropFirst()) {
                #expect(line.count <= 80, "\(name) --help: a line over 80 columns: \(line)")
                // An option at the end of a line is fine only when the next line starts afresh.
                let fresh = next.allSatisfy(\.isWhitespace) || next.drop { $0 == " " }.hasPrefix("tracker ")
                #expect(fresh || line.firstMatch(of: optionAtEnd) == nil, "\(name) --help: an option's value is on the next line: \(line)")
            }
        }
    }
}
