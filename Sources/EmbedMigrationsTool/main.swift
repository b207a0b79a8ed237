// Build-time tool: writes a Swift file that carries every migrations/NNNN_name.sql as a string,
// so the installed binary never reads migration files at run time.
// Usage: EmbedMigrationsTool OUTPUT.swift FILE.sql...
import Foundation

let args = CommandLine.arguments.dropFirst()
guard let output = args.first else {
    FileHandle.standardError.write(Data("usage: EmbedMigrationsTool OUTPUT.swift FILE.sql...\n".utf8))
    exit(2)
}
var entries: [(Int, String, String)] = []
for path in args.dropFirst() {
    let file = (path as NSString).lastPathComponent
    let stem = (file as NSString).deletingPathExtension
    let parts = stem.split(separator: "_", maxSplits: 1)
    guard parts.count == 2, parts[0].count == 4, let version = Int(parts[0]) else {
        FileHandle.standardError.write(Data("error: migration file \(file) must be named NNNN_name.sql\n".utf8))
        exit(1)
    }
    let sql = try String(contentsOfFile: path, encoding: .utf8)
    entries.append((version, String(parts[1]), sql))
}
entries.sort { $0.0 < $1.0 }
for (a, b) in zip(entries, entries.dropFirst()) where a.0 == b.0 {
    FileHandle.standardError.write(Data("error: two migrations share number \(a.0)\n".utf8))
    exit(1)
}
var hashes = "#"
while entries.contains(where: { $0.2.contains("\"\"\"" + hashes) || $0.2.contains("\"" + hashes) }) { hashes += "#" }
var out = "// Generated at build time from migrations/*.sql by EmbedMigrationsTool. Do not edit.\n"
out += "enum EmbeddedMigrations {\n    static let all: [(version: Int, name: String, sql: String)] = [\n"
for (v, name, sql) in entries {
    out += "        (\(v), \"\(name)\", \(hashes)\"\"\"\n\(sql)\n\"\"\"\(hashes)),\n"
}
out += "    ]\n}\n"
try out.write(toFile: output, atomically: true, encoding: .utf8)
