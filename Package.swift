// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "tracker",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tracker", targets: ["tracker"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // NIOCore (ByteBuffer) in the server, the UI and their tests; already in the graph through
        // Hummingbird.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        // SHA-256 for artifacts and migration checksums (~7x the hand-written one; already in
        // the graph through Hummingbird).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // The PostgreSQL backend (issue #18): the wire protocol on swift-nio, no ORM. Brings
        // swift-nio-ssl (BoringSSL), swift-nio-transport-services, swift-metrics,
        // swift-service-lifecycle, swift-atomics and swift-collections into the graph.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // TLS to PostgreSQL (sslmode, sslrootcert, client certificates): NIOSSLContext for
        // postgres-nio; already in the graph through postgres-nio (not a new package).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // The system libsqlite3, through its C API. Only SQLiteKit imports it.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // Connection, statements, values, transactions, errors. Knows nothing of ML (the migrator
        // that applies migrations/*.sql lives in TrackerStore).
        // Also the seam the repositories run on (`SQLConnection`, `SQLDatabase`), which SQLite's
        // connection implements directly.
        .target(name: "SQLiteKit", dependencies: ["CSQLite"]),
        // The PostgreSQL backend: `SQLConnection`/`SQLDatabase` over PostgresNIO, called
        // synchronously from the store's threads.
        .target(
            name: "TrackerPostgres",
            dependencies: [
                "SQLiteKit",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        // Turns migrations/*.sql into Swift source at build time, so the binary carries them.
        .executableTarget(name: "EmbedMigrationsTool", path: "Sources/EmbedMigrationsTool"),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["EmbedMigrationsTool"]
        ),
        // Values and pure logic shared by every layer: JSON, SHA-256 (swift-crypto), event and
        // live-event formats, the two filter languages, gate expressions, statistics, the gap and
        // report value types, ledger records, report formatting, URL query strings, input limits,
        // time. No storage.
        .target(name: "TrackerCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Analysis: gap estimates and verdicts, incumbent comparison, weekly report assembly (over
        // a `WeeklyReportSource`, which the store implements) and alerts, delivery figures,
        // promotion gates. Pure functions over values the store loads.
        .target(name: "TrackerAnalysis", dependencies: ["TrackerCore"]),
        // The schema's Swift face: repositories (the SQL that loads and writes values), and the
        // services (gap, promote) that load inputs and hand them to TrackerAnalysis inside their
        // transaction.
        .target(
            name: "TrackerStore",
            dependencies: ["SQLiteKit", "TrackerPostgres", "TrackerCore", "TrackerAnalysis"],
            plugins: ["EmbedMigrations"]
        ),
        // Report renderers: Markdown, HTML with inline SVG, JSON. No storage, no clock.
        .target(name: "TrackerReport", dependencies: ["TrackerCore"]),
        // The web UI in `tracker serve`: server-rendered pages, embedded assets. No SQL here.
        .target(
            name: "TrackerUI",
            dependencies: [
                "TrackerStore", "TrackerCore", "TrackerReport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                // NIOThreadPool, which runs the SQLite work of the server and the UI (`Blocking`).
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // `tracker serve`: MLflow REST subset + native API on Hummingbird, and the UI's routes.
        // Calls the store (repositories and services); no SQL here.
        .target(
            name: "TrackerServer",
            dependencies: [
                "TrackerStore", "TrackerCore", "TrackerReport", "TrackerUI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        // The command line: parses, calls the store, renders. Starts the server for `serve`.
        .executableTarget(
            name: "tracker",
            dependencies: [
                "TrackerStore", "TrackerCore", "TrackerReport", "TrackerServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks (scripts/bench): built on demand, never run by the tests.
        .executableTarget(name: "bench-insert", dependencies: ["SQLiteKit"], path: "scripts/bench/insert"),
        .executableTarget(name: "bench-json", dependencies: ["TrackerCore"], path: "scripts/bench/json"),
        // Tests: one target per module, plus TestSupport (temp dirs, running the built binary,
        // golden files, fixtures, requireJSON), which each target re-exports in its Support.swift.
        .target(
            name: "TestSupport", dependencies: ["TrackerStore", "TrackerCore", "TrackerPostgres", "SQLiteKit"], path: "Tests/TestSupport"),
        .testTarget(name: "SQLiteKitTests", dependencies: ["SQLiteKit"]),
        .testTarget(name: "TrackerCoreTests", dependencies: ["TrackerCore", "TestSupport"]),
        .testTarget(
            name: "TrackerStoreTests", dependencies: ["TrackerStore", "TrackerCore", "SQLiteKit", "TestSupport"],
            // The fixture is read by path from the source tree.
            exclude: ["Fixtures"]),
        .testTarget(name: "TrackerAnalysisTests", dependencies: ["TrackerAnalysis", "TrackerCore"]),
        .testTarget(
            name: "TrackerReportTests", dependencies: ["TrackerReport", "TrackerStore", "TrackerCore", "TestSupport"],
            // Golden files are read by path from the source tree.
            exclude: ["Golden"]),
        .testTarget(
            name: "TrackerServerTests",
            dependencies: [
                "TrackerServer", "TrackerStore", "TrackerCore", "SQLiteKit", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .testTarget(
            name: "TrackerUITests",
            dependencies: [
                "TrackerUI", "TrackerServer", "TrackerStore", "TrackerCore", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // Runs the built `tracker` (and imports it for its parsers).
        .testTarget(name: "TrackerCLITests", dependencies: ["tracker", "TrackerStore", "TrackerCore", "TestSupport"]),
    ]
)
