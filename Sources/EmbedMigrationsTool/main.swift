// Build-time tool: writes a Swift file that carries every migrations/NNNN_name.sql as a string,
// so the installed binary never reads migration files at run time.
// A file NNNN_name.postgres.sql is migration NNNN's PostgreSQL variant (where the dialects differ);
// without one, PostgreSQL runs the same SQL as SQLite.
// Usage: EmbedMigrationsTool OUTPUT.swift FILE.sql...
import Foundation

let args = CommandLine.arguments.dropFirst()
guard let output = args.first else {
    FileHandle.standardError.write(Data("usage: EmbedMigrationsTool OUTPUT.swift FILE.sql...\n".utf8))
    exit(2)
}
var entries: [(Int, String, String)] = []
var postgres: [Int: String] = [:]
for path in args.dropFirst() {
    let file = (path as NSString).lastPathComponent
    var stem = (file as NSString).deletingPathExtension
    let isPostgres = stem.hasSuffix(".postgres")
    if isPostgres { stem = String(stem.dropLast(".postgres".count)) }
    let parts = stem.split(separator: "_", maxSplits: 1)
    guard parts.count == 2, parts[0].count == 4, let version = Int(parts[0]) else {
        FileHandle.standardError.write(Data("error: migration file \(file) must be named NNNN_name.sql\n".utf8))
        exit(1)
    }
    let sql = try String(contentsOfFile: path, encoding: .utf8)
    if isPostgres {
        postgres[version] = sql
    } else {
        entries.append((version, String(parts[1]), sql))
    }
}
for v in postgres.keys where !entries.contains(where: { $0.0 == v }) {
    FileHandle.standardError.write(Data("error: PostgreSQL variant of migration \(v) has no NNNN_name.sql beside it\n".utf8))
    exit(1)
}
entries.sort { $0.0 < $1.0 }
for (a, b) in zip(entries, entries.dropFirst()) where a.0 == b.0 {
    FileHandle.standardError.write(Data("error: two migrations share number \(a.0)\n".utf8))
    exit(1)
}
var hashes = "#"
let texts = entries.map(\.2) + Array(postgres.values)
while texts.contains(where: { $0.contains("\"\"\"" + hashes) || $0.contains("\"" + hashes) }) { hashes += "#" }
var out = "// Generated at build time from migrations/*.sql by EmbedMigrationsTool. Do not edit.\n"
out += "enum EmbeddedMigrations {\n    static let all: [(version: Int, name: String, sql: String, postgres: String?)] = [\n"
for (v, name, sql) in entries {
    let variant = postgres[v].map { "\(hashes)\"\"\"\n\($0)\n\"\"\"\(hashes)" } ?? "nil"
    out += "        (\(v), \"\(name)\", \(hashes)\"\"\"\n\(sql)\n\"\"\"\(hashes), \(variant)),\n"
}
out += "    ]\n}\n"
try out.write(toFile: output, atomically: true, encoding: .utf8)
