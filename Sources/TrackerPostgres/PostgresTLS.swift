import Foundation
import NIOSSL
import PostgresNIO

/// What a postgres:// URL asks of TLS, read as libpq reads it: `sslmode`, `sslrootcert`,
/// `sslcert`, `sslkey`, with libpq's defaults (`prefer`; `~/.postgresql/root.crt`,
/// `postgresql.crt` and `postgresql.key` when they exist).
struct PGTLS: Sendable {
    /// libpq's `sslmode` values.
    enum Mode: String, CaseIterable, Sendable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"

        /// Whether a server without TLS is refused.
        var requiresTLS: Bool { self == .require || self == .verifyCA || self == .verifyFull }
    }

    /// Where the certificates that the server's must chain to come from.
    enum Roots: Sendable, Equatable {
        /// The server's certificate is not checked (libpq without a root certificate).
        case unchecked
        /// A PEM file (`sslrootcert=PATH`, or `~/.postgresql/root.crt`).
        case file(String)
        /// The system's trust store (`sslrootcert=system`).
        case system
    }

    let mode: Mode
    let roots: Roots
    /// The client certificate and key files sent to a server that asks for them.
    let client: (cert: String, key: String)?

    /// libpq's TLS parameters that tracker does not implement: refused rather than ignored,
    /// since ignoring one would connect with less protection than the URL asked for.
    static let unsupported = [
        "sslpassword", "sslcrl", "sslcrldir", "sslcertmode", "sslnegotiation", "ssl_min_protocol_version",
        "ssl_max_protocol_version", "requiressl",
    ]

    /// Reads the TLS parameters of `query`; `home` is where `.postgresql/` defaults are looked
    /// for. Throws a reason naming the parameter at fault.
    init(query: [String: String], home: String) throws(PGURLProblem) {
        if let name = PGTLS.unsupported.first(where: { query[$0] != nil }) {
            throw PGURLProblem("\(name) is not supported by tracker; remove it from the URL")
        }
        let explicitRoot = query["sslrootcert"]
        mode = try PGTLS.mode(query["sslmode"], systemRoots: explicitRoot == "system")
        roots = try PGTLS.roots(mode: mode, explicit: explicitRoot, home: home)
        client = try PGTLS.clientFiles(mode: mode, cert: query["sslcert"], key: query["sslkey"], home: home)
    }

    private static func mode(_ value: String?, systemRoots: Bool) throws(PGURLProblem) -> Mode {
        guard let value else { return systemRoots ? .verifyFull : .prefer }
        guard let mode = Mode(rawValue: value) else {
            let valid = Mode.allCases.map(\.rawValue).joined(separator: ", ")
            throw PGURLProblem("sslmode=\(value) is not an sslmode; use one of \(valid)")
        }
        if systemRoots && mode != .verifyFull {
            // libpq 16's rule: the system store trusts every public CA, so only a host name check
            // makes it mean anything.
            throw PGURLProblem("sslrootcert=system needs sslmode=verify-full (or no sslmode), not sslmode=\(value)")
        }
        return mode
    }

    private static func roots(mode: Mode, explicit: String?, home: String) throws(PGURLProblem) -> Roots {
        if mode == .disable { return .unchecked }
        if explicit == "system" { return .system }
        if let path = explicit {
            try readable(path, parameter: "sslrootcert", what: "the CA certificate (PEM) that signed the server's certificate")
            return .file(path)
        }
        let standard = home + "/.postgresql/root.crt"
        if FileManager.default.isReadableFile(atPath: standard) { return .file(standard) }
        if mode == .verifyCA || mode == .verifyFull {
            throw PGURLProblem(
                "sslmode=\(mode.rawValue) checks the server's certificate but no CA certificate was given: "
                    + "add sslrootcert=PATH (a PEM file), put it at \(standard), or use sslrootcert=system for the system trust store")
        }
        return .unchecked
    }

    private static func clientFiles(mode: Mode, cert: String?, key: String?, home: String) throws(PGURLProblem) -> (
        cert: String, key: String
    )? {
        if mode == .disable { return nil }
        let standardCert = home + "/.postgresql/postgresql.crt"
        guard let certPath = cert ?? (FileManager.default.fileExists(atPath: standardCert) ? standardCert : nil) else {
            if key != nil { throw PGURLProblem("sslkey is given without sslcert; add sslcert=PATH (the client certificate, PEM)") }
            return nil
        }
        let keyPath = key ?? home + "/.postgresql/postgresql.key"
        try readable(certPath, parameter: "sslcert", what: "the client certificate (PEM)")
        try readable(keyPath, parameter: "sslkey", what: "the client certificate's private key (PEM, unencrypted)")
        return (certPath, keyPath)
    }

    private static func readable(_ path: String, parameter: String, what: String) throws(PGURLProblem) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PGURLProblem("\(parameter)=\(path): no such file; it should name \(what)")
        }
        guard !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: path) else {
            throw PGURLProblem("\(parameter)=\(path) cannot be read (a folder, or no permission); it should name \(what)")
        }
    }

    /// Whether the server's certificate chain is checked.
    var checksCertificate: Bool { roots != .unchecked }

    /// postgres-nio's TLS setting for a TCP connection: loads the files (so a malformed one is
    /// reported here, naming its parameter) into one NIOSSL context.
    func connectionTLS() throws(PGURLProblem) -> PostgresConnection.Configuration.TLS {
        if mode == .disable { return .disable }
        var config = TLSConfiguration.makeClientConfiguration()
        switch roots {
        case .unchecked: config.certificateVerification = .none
        case .system: config.trustRoots = .default
        case .file(let path): config.trustRoots = .certificates(try PGTLS.certificates(path, parameter: "sslrootcert"))
        }
        if roots != .unchecked {
            config.certificateVerification = mode == .verifyFull ? .fullVerification : .noHostnameVerification
        }
        if let client {
            config.certificateChain = try PGTLS.certificates(client.cert, parameter: "sslcert").map { .certificate($0) }
            do {
                config.privateKey = .privateKey(try NIOSSLPrivateKey(file: client.key, format: .pem))
            } catch {
                throw PGURLProblem("sslkey=\(client.key) holds no unencrypted PEM private key")
            }
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: config)
        } catch {
            throw PGURLProblem("the TLS settings could not be used (\(error)); check that sslkey is the key of sslcert")
        }
        return mode.requiresTLS ? .require(context) : .prefer(context)
    }

    private static func certificates(_ path: String, parameter: String) throws(PGURLProblem) -> [NIOSSLCertificate] {
        let certificates = try? NIOSSLCertificate.fromPEMFile(path)
        guard let certificates, !certificates.isEmpty else {
            throw PGURLProblem("\(parameter)=\(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        return certificates
    }
}

/// What is wrong with a postgres:// URL, naming the part at fault.
struct PGURLProblem: Error {
    let why: String
    init(_ why: String) { self.why = why }
}

extension PGTLS {
    /// Why a connection failed, in the URL's terms, when TLS is the reason; nil otherwise.
    /// `host` is the host the URL names (the one verify-full checks).
    func explain(_ error: Error, host: String) -> String? {
        let psql = error as? PSQLError
        if psql?.code == .sslUnsupported {
            return "the server does not offer TLS, which sslmode=\(mode.rawValue) requires: turn ssl on in the server's "
                + "postgresql.conf, or use sslmode=prefer (encrypts when the server offers TLS) or sslmode=disable"
        }
        let underlying = psql?.underlying ?? error
        if let e = underlying as? NIOSSLExtraError, e == .failedToValidateHostname {
            return "the server's certificate is signed by a trusted CA but does not name host \(host) "
                + "(sslmode=verify-full checks the host name): connect with a host name the certificate lists, "
                + "or use sslmode=verify-ca to check the CA only"
        }
        guard case .handshakeFailed(let ssl)? = underlying as? NIOSSLError else { return nil }
        if "\(ssl)".contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's certificate failed the CA check: it is not signed by \(rootsName) (or it has expired): "
                + "point sslrootcert at the CA certificate that signed the server's"
        }
        return "the TLS handshake with the server failed (\(ssl))"
    }

    /// The trusted CAs, as the URL named them.
    private var rootsName: String {
        switch roots {
        case .file(let path): return "a CA in sslrootcert=\(path)"
        case .system: return "a CA in the system trust store (sslrootcert=system)"
        case .unchecked: return "a trusted CA"
        }
    }
}
