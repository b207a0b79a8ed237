import Foundation
import Testing

@testable import TrackerCore
@testable import TrackerStore

/// Three hours of predictions of `m` (v1 live from epoch 0) from 2026-11-23T10:00Z, every other
/// one with an outcome a day later (outcomes first for some), plus a re-sent copy of each.
func rollupCLIStore(_ tmp: TempDir) throws -> [String] {
    let db = ["--db", tmp.db]
    try ok(["init"] + db)
    try ok(["model", "register", "m"] + db)
    try ok(["promote", "m", "1", "--to", "production"] + db)
    let store = try Store.open(path: tmp.db)
    try store.db.write { c in try c.run("UPDATE deployments SET started_at = 0") }
    let t0: Int64 = 1_795_428_000_000  // 2026-11-23T10:00:00Z
    var lines: [String] = []
    for i in 0..<300 {
        let t = t0 + Int64(i) * 36_000
        let y = (i * 7) % 10 < 3 ? 1 : 0
        let score = Double((i * 37) % 100) / 100 * 0.6 + (y == 1 ? 0.3 : 0.1)
        let p = #"{"type":"prediction","model":"m","env":"production","id":"p\#(i)","time":\#(t),"prediction":\#(score > 0.5 ? 1 : 0),"score":\#(score)}"#
        let o = #"{"type":"outcome","id":"p\#(i)","actual":\#(y),"time":\#(t + 86_400_000)}"#
        if i % 2 == 0 { lines += i % 4 == 0 ? [o, p] : [p, o] } else { lines.append(p) }
    }
    let file = tmp.write("events.jsonl", (lines + lines).joined(separator: "\n") + "\n")
    try ok(["live", "ingest", file] + db)
    return db
}

/// `gap --json` over the data's day without the version-level "source" lines.
func gapJSON(_ db: [String], _ extra: [String] = []) throws -> (text: String, sources: [String]) {
    let out = try ok(["gap", "m", "--since", "2026-11-23", "--until", "2026-11-24", "--json"] + extra + db)
    let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let isSource = { (l: String) in l.contains(#""source""#) && (l.contains(#""raw""#) || l.contains(#""rollup""#)) }
    return (lines.filter { !isSource($0) }.joined(separator: "\n"), lines.filter(isSource).map { $0.trimmingCharacters(in: .whitespaces) })
}

@Suite struct RollupCLITests {
    @Test(arguments: TestBackend.all) func pruneKeepsTheGapFromRollupsAndSaysWhatItDeleted(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = try rollupCLIStore(tmp)
        let before = try gapJSON(db)
        #expect(before.sources.allSatisfy { $0.contains("raw") } && !before.sources.isEmpty)
        let out = try ok(["live", "prune", "--before", "2026-11-23T11:30:00Z", "--model", "m"] + db)
        #expect(out.contains("deleted 100 predictions and 50 outcomes made before 2026-11-23T11:00:00Z"))
        let after = try requireJSON(try ok(["gap", "m", "--since", "2026-11-23", "--until", "2026-11-24", "--json"] + db))
        let v = after["versions"]?.arrayValue?.first
        #expect(v?["source"] == .string("rollup"))
        #expect(v?["predictions"] == .int(300) && v?["labeled"] == .int(150))
        let old = try requireJSON(try ok(["gap", "m", "--since", "2026-11-23", "--until", "2026-11-24", "--json", "--source", "rollup"] + db))
        #expect(old == after)
        let notes = v?["notes"]?.arrayValue ?? []
        #expect(notes.contains { $0.stringValue?.hasPrefix("roc_auc from a 1000-bin score histogram") ?? false })
        // Usage errors: exit 2 with the subcommand's usage.
        let bad = try tracker(["live", "prune", "--before", "last tuesday"] + db)
        #expect(bad.status == 2 && bad.stderr.contains("--before") && bad.stderr.contains("Usage: tracker live prune"))
        #expect(try tracker(["live", "prune"] + db).status == 2)
        #expect(try ok(["live", "prune", "--help"]).contains("rounded down to its hour"))
    }

    @Test(arguments: TestBackend.all) func rebuildRollupsReportsProgressAndChangesNoFigure(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = try rollupCLIStore(tmp)
        let before = try gapJSON(db, ["--source", "rollup"])
        let r = try tracker(["live", "rebuild-rollups", "--model", "m", "--batch-size", "70"] + db)
        #expect(r.status == 0 && r.stdout.contains("rollups rebuilt"))
        #expect(r.stderr.contains("rollups of m: 70 of 300 predictions") && r.stderr.contains("rollups of m: 300 of 300 predictions (done)"))
        let after = try gapJSON(db, ["--source", "rollup"])
        #expect(after.sources.allSatisfy { $0.contains("rollup") })
        expectClose(before.text, after.text)
        #expect(try tracker(["live", "rebuild-rollups", "--model", "nope"] + db).status != 0)
    }

    @Test(arguments: TestBackend.all) func dbStatusShowsRawAndRollupRowsAndBytes(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = try rollupCLIStore(tmp)
        let text = try ok(["db", "status"] + db)
        #expect(text.contains("live tables (rows, bytes with indexes):"))
        #expect(text.range(of: #"predictions\s+300\s+\d+"#, options: .regularExpression) != nil)
        #expect(text.range(of: #"live_rollups\s+3\s+\d+"#, options: .regularExpression) != nil)
        let json = try requireJSON(try ok(["db", "status", "--json"] + db))
        let tables = json["tables"]?.arrayValue ?? []
        let scores = tables.first { $0["name"] == .string("live_rollup_scores") }
        #expect(scores?["rows"] == .int(3))
        if case .int(let b)? = scores?["bytes"] { #expect(b > 0) } else { Issue.record("no bytes for live_rollup_scores") }
    }

    @Test func aSchema0007DatabaseMigratesRebuildsItsRollupsAndGivesTheSameGap() throws {
        let tmp = TempDir()
        let db = try rollupCLIStore(tmp)
        let before = try gapJSON(db, ["--source", "raw"])  // the pre-rollup computation
        let withRollups = try gapJSON(db, ["--source", "rollup"])
        // Back to schema 0007: the rollup tables and their migration record go.
        let store = try Store.open(path: tmp.db)
        try store.db.write { c in
            for t in ["live_rollups", "live_rollup_confusion", "live_rollup_scores", "live_rollup_converted", "live_rollup_state"] {
                try c.execute("DROP TABLE \(t)")
            }
            try c.run("DELETE FROM schema_migrations WHERE version = 8")
        }
        store.close()
        let refused = try tracker(["gap", "m"] + db)
        #expect(refused.status != 0 && refused.stderr.contains("run 'tracker db migrate'"))
        let migrated = try tracker(["db", "migrate"] + db)
        #expect(migrated.status == 0 && migrated.stdout.contains("backup:") && migrated.stdout.contains("applied 0008_rollups"))
        #expect(migrated.stderr.contains("rollups of m: 300 of 300 predictions (done)"))
        let after = try gapJSON(db)
        #expect(after.text == before.text)  // identical apart from the new "source" field
        #expect(after.sources.allSatisfy { $0.contains("raw") })
        let fromRollups = try gapJSON(db, ["--source", "rollup"])
        #expect(fromRollups.sources.allSatisfy { $0.contains("rollup") })
        expectClose(fromRollups.text, withRollups.text)
    }
}

/// Two JSON texts equal line by line, numbers to 1e-12 relative (sums added in another order).
func expectClose(_ a: String, _ b: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let x = a.split(separator: "\n")
    let y = b.split(separator: "\n")
    #expect(x.count == y.count, sourceLocation: sourceLocation)
    for (l, r) in zip(x, y) where l != r {
        let num = { (s: Substring) in Double(s.split(separator: ":").last!.trimmingCharacters(in: CharacterSet(charactersIn: " ,"))) }
        if let p = num(l), let q = num(r), abs(p - q) <= 1e-12 * max(abs(p), abs(q)) { continue }
        Issue.record("\(l) != \(r)", sourceLocation: sourceLocation)
    }
}
