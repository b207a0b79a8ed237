import Foundation
import TrackerPostgres

/// The test PostgreSQL cluster with TLS on (`scripts/pg.sh start-tls`; scripts/test.sh sets
/// TRACKER_TEST_POSTGRES_TLS_URL and TRACKER_TEST_POSTGRES_TLS_DIR). Its certificate names
/// localhost and 127.0.0.1, signed by `ca`; it also listens on 127.0.0.2, which it does not name.
public struct TLSTestCluster: Sendable, CustomStringConvertible {
    private let base: String
    private let certs: String

    /// One cluster when configured or required (then unset fails the test), else none.
    public static var all: [TLSTestCluster] {
        let env = ProcessInfo.processInfo.environment
        let url = env["TRACKER_TEST_POSTGRES_TLS_URL"] ?? ""
        if url.isEmpty && !TestBackend.postgresRequired { return [] }
        return [TLSTestCluster(base: url, certs: env["TRACKER_TEST_POSTGRES_TLS_DIR"] ?? "")]
    }

    /// The CA that signed the server's certificate.
    public var ca: String { certs + "/ca.crt" }
    /// A CA that did not.
    public var otherCA: String { certs + "/other-ca.crt" }
    /// A client certificate signed by `ca`, and its key.
    public var clientCert: String { certs + "/client.crt" }
    public var clientKey: String { certs + "/client.key" }

    /// The cluster's URL with `host` in place of 127.0.0.1, `userinfo` in place of its user,
    /// and `query` (e.g. "sslmode=require") appended.
    public func url(host: String = "127.0.0.1", userinfo: String? = nil, _ query: String = "") throws -> String {
        guard !base.isEmpty, var c = URLComponents(string: base) else {
            throw TestBackendError(
                "PostgreSQL with TLS is required (CI=true or TRACKER_REQUIRE_POSTGRES=1) but TRACKER_TEST_POSTGRES_TLS_URL is unset; run scripts/test.sh, or start one with scripts/pg.sh start-tls DIR"
            )
        }
        c.host = host
        var url = c.string ?? base
        if let userinfo { url = url.replacingOccurrences(of: "://\(c.user ?? "")@", with: "://\(userinfo)@") }
        return query.isEmpty ? url : url + "?" + query
    }

    /// The name tests are listed under.
    public var description: String { "tls" }
}

/// Whether the session of `db` is encrypted (pg_stat_ssl), and the client certificate it presented.
public func sessionTLS(_ db: PGDatabase) throws -> (ssl: Bool, clientDN: String?) {
    try db.read { c in
        try c.queryOne("SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()") {
            ($0.int(0) != 0, $0.optionalString(1))
        } ?? (false, nil)
    }
}
