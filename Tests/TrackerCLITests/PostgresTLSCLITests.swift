import Foundation
import Testing
import TrackerPostgres

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// TLS to PostgreSQL through the real binary (issue #18): `--db`, `TRACKER_DB` and
/// `tracker serve` with a verify-full URL; a failed check exits 1 with the reason.
@Suite struct PostgresTLSCLITests {
    /// A verify-full URL to the TLS cluster, in a fresh schema of its own (dropped by `drop`).
    private func verifiedURL(_ cluster: TLSTestCluster, schema: String) throws -> String {
        try cluster.url(host: "localhost", "sslmode=verify-full&sslrootcert=\(cluster.ca)&search_path=\(schema)")
    }

    private func freshSchema() -> String { "tls_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "") }

    private func drop(_ schema: String, _ cluster: TLSTestCluster) throws {
        let admin = try PGDatabase(url: try cluster.url("sslmode=require"), maxIdle: 1)
        defer { admin.close() }
        try admin.withConnection { try $0.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
    }

    @Test(arguments: TLSTestCluster.all) func commandsRunOverVerifiedTLS(_ cluster: TLSTestCluster) throws {
        let schema = freshSchema()
        defer { try? drop(schema, cluster) }
        let url = try verifiedURL(cluster, schema: schema)
        try ok(["experiment", "create", "over-tls", "--db", url])
        #expect(try ok(["experiment", "list", "--db", url]).contains("over-tls"))
        #expect(try ok(["experiment", "list"], env: ["TRACKER_DB": url]).contains("over-tls"))
    }

    @Test(arguments: TLSTestCluster.all) func aFailedCertificateCheckExitsOneWithTheReason(_ cluster: TLSTestCluster) throws {
        let url = try cluster.url(userinfo: "postgres:hunter2-pw", "sslmode=verify-full&sslrootcert=\(cluster.otherCA)")
        let r = try tracker(["experiment", "list", "--db", url])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("server's certificate failed the CA check"), "\(r.stderr)")
        #expect(!r.stderr.contains("hunter2-pw") && !r.stdout.contains("hunter2-pw"), "\(r.stderr)")
        let bad = try tracker(["experiment", "list", "--db", try cluster.url("sslmode=always")])
        #expect(bad.status == 1 && bad.stderr.contains("sslmode=always is not an sslmode"), "\(bad.stderr)")
    }

    @Test(arguments: TLSTestCluster.all) func serveAnswersOverVerifiedTLS(_ cluster: TLSTestCluster) async throws {
        let schema = freshSchema()
        defer { try? drop(schema, cluster) }
        let tmp = TempDir()
        let url = try verifiedURL(cluster, schema: schema)
        let server = try ServerProcess(["serve", "--port", "0", "--db", url, "--artifacts", tmp.file("artifacts")])
        defer { server.stop() }
        let get = URL(string: "http://127.0.0.1:\(server.port)/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default")!
        let (data, response) = try await URLSession.shared.data(from: get)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self).contains("\"experiment_id\":\"0\""), "\(String(decoding: data, as: UTF8.self))")
    }
}
