import Foundation
import Testing
import TrackerCore

/// `--db` is one option group every command gets through ArgumentParser: after the subcommand,
/// before it (`tracker --db PATH run list`, as `git -C DIR log`), or from `$TRACKER_DB`.
@Suite struct GlobalOptionTests {
    @Test(arguments: TestBackend.all) func dbBeforeTheSubcommandIsTheSameDatabase(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        try ok(["--db", tmp.db, "experiment", "create", "before"])
        try ok(["--db=\(tmp.db)", "run", "start", "--experiment", "before"])
        let names = try requireJSON(try ok(["experiment", "list", "--json", "--db", tmp.db])).arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names?.contains("before") == true, "\(String(describing: names))")
        let runs = try requireJSON(try ok(["--db", tmp.db, "run", "list", "--json"])).arrayValue ?? []
        #expect(runs.count == 1)
    }

    @Test func dbBeforeTheSubcommandWinsOverTheEnvironment() throws {
        let tmp = TempDir()
        let other = tmp.file("other.db")
        try ok(["--db", tmp.db, "init"], env: ["TRACKER_DB": other])
        #expect(FileManager.default.fileExists(atPath: tmp.db))
        #expect(!FileManager.default.fileExists(atPath: other))
        // The environment still names the database when no --db is given, before or after.
        try ok(["experiment", "create", "from-env"], env: ["TRACKER_DB": other])
        #expect(FileManager.default.fileExists(atPath: other))
    }

    @Test func errorsNameTheDatabaseGivenBeforeTheSubcommand() throws {
        let tmp = TempDir()
        let p = tmp.write("notes.db", "my precious notes\n")
        let r = try tracker(["--db", p, "run", "list"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(p) is not a SQLite database"), "\(r.stderr)")
    }

    @Test func rootHelpShowsTheGlobalOption() throws {
        let r = try tracker(["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("--db <path>"), "\(r.stdout)")
    }

    @Test func missingDbValueIsAUsageError() throws {
        let r = try tracker(["run", "list", "--db"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("--db"), "\(r.stderr)")
    }

    /// Before `--`, a `--db` is tracker's (wherever it stands), so `run exec` with `--db` needs
    /// `--` to keep a `--db` meant for the command away from tracker: without it, a usage error
    /// says so and nothing runs or is created.
    @Test func runExecWithDbNeedsTheSeparator() throws {
        let tmp = TempDir()
        let marker = tmp.file("ran")
        for args in [
            ["run", "exec", "--db", tmp.db, "touch", marker],
            ["--db", tmp.db, "run", "exec", "touch", marker],
            ["run", "exec", "touch", marker, "--db", tmp.db],
        ] {
            let r = try tracker(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.contains("give the command after --") && r.stderr.contains("Usage: tracker run exec"), "\(args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: marker) && !FileManager.default.fileExists(atPath: tmp.db), "\(args) ran")
        }
        // After `--`, the command keeps its own --db; tracker's comes from before it.
        let script = tmp.write("args.sh", "printf '%s\\n' \"$@\" > \"$(dirname \"$0\")/args.txt\"\n")
        try ok(["--db", tmp.db, "run", "exec", "--", "sh", script, "--db", "theirs.db"])
        #expect(try String(contentsOfFile: tmp.file("args.txt"), encoding: .utf8) == "--db\ntheirs.db\n")
        #expect(try requireJSON(try ok(["run", "list", "--json", "--db", tmp.db])).arrayValue?.count == 1)
    }
}
