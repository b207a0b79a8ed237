import Foundation
import Testing

@testable import TrackerPostgres

/// TLS to PostgreSQL (issue #18): libpq's sslmode, sslrootcert, sslcert and sslkey, against a
/// cluster with TLS on (scripts/pg.sh start-tls) and the plain one.
@Suite struct PostgresTLSTests {
    /// Opens `url`, returns whether its session is encrypted and the client certificate it showed.
    private func session(_ url: String) throws -> (ssl: Bool, clientDN: String?) {
        let db = try PGDatabase(url: url, maxIdle: 1)
        defer { db.close() }
        return try sessionTLS(db)
    }

    /// What opening `url` fails with.
    private func failure(_ url: String) -> String {
        do {
            _ = try PGDatabase(url: url, maxIdle: 1).close()
            return "(connected)"
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: TLSTestCluster.all) func requireConnectsAndTheSessionIsEncrypted(_ cluster: TLSTestCluster) throws {
        #expect(try session(cluster.url("sslmode=require")).ssl)
        // Without sslmode, libpq's default prefer: encrypted when the server offers TLS.
        #expect(try session(cluster.url()).ssl)
        #expect(try session(cluster.url("sslmode=prefer")).ssl)
        #expect(try !session(cluster.url("sslmode=disable")).ssl)
    }

    @Test(arguments: TLSTestCluster.all) func verifyFullWithTheServersCAConnectsByNameAndAddress(_ cluster: TLSTestCluster) throws {
        for host in ["127.0.0.1", "localhost"] {
            #expect(try session(cluster.url(host: host, "sslmode=verify-full&sslrootcert=\(cluster.ca)")).ssl, "\(host)")
        }
        #expect(try session(cluster.url("sslmode=verify-ca&sslrootcert=\(cluster.ca)")).ssl)
    }

    @Test(arguments: TLSTestCluster.all) func aCertificateFromAnotherCAIsRefusedNamingTheCheck(_ cluster: TLSTestCluster) throws {
        // A password in the URL never shows in the message.
        let url = try cluster.url(userinfo: "postgres:s3cret-pw", "sslmode=verify-full&sslrootcert=\(cluster.otherCA)")
        let why = failure(url)
        #expect(why.contains("server's certificate failed the CA check"), "\(why)")
        #expect(why.contains("sslrootcert=\(cluster.otherCA)"), "\(why)")
        #expect(!why.contains("s3cret-pw"), "\(why)")
        // require with a root certificate checks the CA too (libpq's rule).
        #expect(failure(try cluster.url("sslmode=require&sslrootcert=\(cluster.otherCA)")).contains("failed the CA check"))
        // The system trust store does not hold the test CA.
        let system = failure(try cluster.url(host: "localhost", "sslrootcert=system"))
        #expect(system.contains("not signed by a CA in the system trust store"), "\(system)")
    }

    @Test(arguments: TLSTestCluster.all) func verifyFullRefusesAHostTheCertificateDoesNotName(_ cluster: TLSTestCluster) throws {
        let why = failure(try cluster.url(host: "127.0.0.2", "sslmode=verify-full&sslrootcert=\(cluster.ca)"))
        #expect(why.contains("does not name host 127.0.0.2"), "\(why)")
        #expect(why.contains("sslmode=verify-ca"), "\(why)")
        // verify-ca checks the CA only, as libpq's.
        #expect(try session(cluster.url(host: "127.0.0.2", "sslmode=verify-ca&sslrootcert=\(cluster.ca)")).ssl)
    }

    @Test(arguments: TLSTestCluster.all) func aClientCertificateIsPresented(_ cluster: TLSTestCluster) throws {
        let url = try cluster.url("sslmode=verify-full&sslrootcert=\(cluster.ca)&sslcert=\(cluster.clientCert)&sslkey=\(cluster.clientKey)")
        let tls = try session(url)
        #expect(tls.ssl && tls.clientDN == "/CN=tracker-client", "\(tls)")
        #expect(try session(cluster.url("sslmode=require")).clientDN == nil)
    }

    @Test(arguments: TestBackend.postgresOnly) func aServerWithoutTLSRefusesRequireAndServesPreferAndDisable(_ backend: TestBackend) throws {
        let base = try #require(TestBackend.postgresURL)
        let join = base.contains("?") ? "&" : "?"
        let why = failure(base + join + "sslmode=require")
        #expect(why.contains("server does not offer TLS, which sslmode=require requires"), "\(why)")
        #expect(why.contains("sslmode=prefer"), "\(why)")
        #expect(try !session(base + join + "sslmode=prefer").ssl)
        #expect(try !session(base).ssl)
        #expect(try !session(base + join + "sslmode=disable").ssl)
    }

    /// URL mistakes are reported before connecting, naming the parameter (no server needed).
    @Test func badTLSParametersNameTheParameter() throws {
        let home = TempDir()
        func problem(_ url: String) -> String {
            do {
                _ = try PGURL(url, home: home.path)
                return "(accepted)"
            } catch {
                return "\(error)"
            }
        }
        let h = "postgres://me:pw-secret@db.example:5432/tracker"
        let cases: [(String, String)] = [
            ("\(h)?sslmode=required", "sslmode=required is not an sslmode; use one of disable, allow, prefer, require, verify-ca, verify-full"),
            ("\(h)?sslmode=verify-full", "no CA certificate was given: add sslrootcert=PATH"),
            ("\(h)?sslmode=verify-ca&sslrootcert=\(home.path)/none.crt", "sslrootcert=\(home.path)/none.crt: no such file"),
            ("\(h)?sslrootcert=\(home.path)", "sslrootcert=\(home.path) cannot be read"),
            ("\(h)?sslrootcert=\(home.write("junk.crt", "not a certificate"))", "holds no PEM certificate"),
            ("\(h)?sslmode=require&sslrootcert=system", "sslrootcert=system needs sslmode=verify-full"),
            ("\(h)?sslkey=\(home.path)/k.pem", "sslkey is given without sslcert"),
            ("\(h)?sslcrl=/x.crl", "sslcrl is not supported by tracker"),
            ("postgres://me:pw-secret@/tracker?host=/tmp&sslmode=require", "does not use over a Unix socket"),
            ("\(h)?sslmode=bogus&password=pw-secret", "sslmode=bogus"),
        ]
        for (url, expected) in cases {
            let why = problem(url)
            #expect(why.contains(expected), "\(url): \(why)")
            #expect(!why.contains("pw-secret"), "\(url): \(why)")
        }
        // Defaults: prefer, and system roots imply verify-full; disable ignores certificate files.
        #expect(try PGURL(h, home: home.path).tls.mode == .prefer)
        #expect(try PGURL("\(h)?sslrootcert=system", home: home.path).tls.mode == .verifyFull)
        #expect(try PGURL("\(h)?sslmode=disable&sslrootcert=/none", home: home.path).tls.roots == .unchecked)
        #expect(try PGURL("\(h)?password=pw-secret", home: home.path).display == "postgres://me@db.example:5432/tracker")
    }

    @Test func libpqsDefaultRootCertificateIsUsedWhenPresent() throws {
        let home = TempDir()
        try FileManager.default.createDirectory(atPath: home.file(".postgresql"), withIntermediateDirectories: true)
        home.write(".postgresql/root.crt", PostgresTLSTests.fixtureCA)
        let url = try PGURL("postgres://me@db.example/tracker?sslmode=verify-full", home: home.path)
        #expect(url.tls.roots == .file(home.file(".postgresql/root.crt")))
        #expect(try PGURL("postgres://me@db.example/tracker?sslmode=require", home: home.path).tls.checksCertificate)
    }

    /// A self-signed CA certificate (EC P-256, valid to 2126), only ever parsed.
    static let fixtureCA = """
        -----BEGIN CERTIFICATE-----
        MIIBmjCCAUGgAwIBAgIUYa7e/eIjUw2aLAwohHSmBPlUv98wCgYIKoZIzj0EAwIw
        IjEgMB4GA1UEAwwXdHJhY2tlciB0ZXN0IGZpeHR1cmUgQ0EwIBcNMjYxMTI3MDM1
        NTU4WhgPMjEyNjExMDMwMzU1NThaMCIxIDAeBgNVBAMMF3RyYWNrZXIgdGVzdCBm
        aXh0dXJlIENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEo7qNEhIdwAU8sUIj
        FvUozpZowvs+4zMiVx2MqlnM9+tu3kCupN3PaG6zueSGl30biuJAH/6BR6fCoSF0
        UFxXbKNTMFEwHQYDVR0OBBYEFH28I/ICu5EnWLX+5dSaC+FWf0FoMB8GA1UdIwQY
        MBaAFH28I/ICu5EnWLX+5dSaC+FWf0FoMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZI
        zj0EAwIDRwAwRAIgIx0wpWIwgjzr8W8bNAvAQRg9Q+81Dxh7Lva2wRz80yICIGjm
        GkUWfr16UHmb2KnfnlfmRORbbaZ0tM5KlWLikOAF
        -----END CERTIFICATE-----
        """
}
