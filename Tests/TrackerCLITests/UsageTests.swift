import Foundation
import Testing

/// A usage error exits 2 with the usage of the subcommand given, also when it is about the
/// root's `--db` (which ArgumentParser parses before it picks the subcommand).
@Suite struct UsageTests {
    static let rootUsage = "Usage: tracker [--db <path>] <subcommand>"

    @Test(arguments: [
        (["run", "list", "--db"], "tracker run list"),
        (["run", "list", "--db", "--json"], "tracker run list"),
        (["run", "list", "--db="], "tracker run list"),
        (["experiment", "create", "x", "--db"], "tracker experiment create"),
        (["live", "prune", "--before", "2026-11-01", "--db"], "tracker live prune"),
        (["gap", "churn", "--db"], "tracker gap"),
        (["run", "list", "--db", "x.db", "--db"], "tracker run list"),
        (["run", "--db"], "tracker run"),
    ])
    func aValuelessDbShowsTheSubcommandsUsage(_ args: [String], _ command: String) throws {
        let tmp = TempDir()
        let r = try tracker(args, cwd: tmp.path)
        #expect(r.status == 2, "\(args): \(r.stderr)")
        #expect(r.stderr.hasPrefix("Error: Missing value for '--db <path>'\n"), "\(args): \(r.stderr)")
        #expect(r.stderr.contains("\nUsage: \(command) ") && r.stderr.contains("See '\(command) --help'"), "\(args): \(r.stderr)")
        #expect(!r.stderr.contains(Self.rootUsage), "\(args): \(r.stderr)")
        let created = try FileManager.default.contentsOfDirectory(atPath: tmp.path)
        #expect(r.stdout.isEmpty && created.isEmpty, "\(args): nothing created: \(created)")
    }

    @Test func aValuelessDbAloneShowsTheRootUsage() throws {
        let r = try tracker(["--db"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("Missing value for '--db <path>'") && r.stderr.contains(Self.rootUsage), "\(r.stderr)")
    }

    /// With another usage error after the valueless --db, the usage is still the subcommand's.
    @Test func aValuelessDbBeforeAnUnknownOptionShowsTheSubcommandsUsage() throws {
        let r = try tracker(["run", "list", "--db", "--bogus"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("Missing value for '--db <path>'") && r.stderr.contains("Usage: tracker run list "), "\(r.stderr)")
    }
}
