import Foundation
import Testing

/// `run exec` hands the wrapped command the database as the user gave it (issue #18).
@Suite struct RunExecPostgresTests {
    /// A PostgreSQL URL's password reaches the command: `store.path` is the display form without
    /// it, and a command logging through `TRACKER_DB` would fail to log in with that.
    @Test(arguments: TestBackend.postgresOnly) func theWrappedCommandGetsTheURLWithItsPassword(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        // The test cluster trusts local connections, so any password logs in; it must still be passed on.
        let url = tmp.db.replacingFirst("@", with: ":s3cret-pw@")
        let out = try ok(["run", "exec", "--db", url, "--", "sh", "-c", "echo \"db=$TRACKER_DB\""])
        #expect(out.contains("db=\(url)"), "\(out)")
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = range(of: target) else { return self }
        return replacingCharacters(in: r, with: replacement)
    }
}
