// Benchmark: insert N metric points into the real `metrics` table through SQLiteKit
// (cached prepared statement, one transaction). Prints points/s. Usage: bench-insert DB N
import Foundation
import SQLiteKit

let args = CommandLine.arguments
guard args.count >= 3, let n = Int(args[2]) else {
    FileHandle.standardError.write(Data("usage: bench-insert DB N\n".utf8))
    exit(2)
}
let db = try Database(path: args[1], mode: .readWrite)
let run = try db.write { conn -> Int64 in
    try conn.run("INSERT INTO runs (run_uuid, experiment_id, start_time) VALUES ('dddddddddddddddddddddddddddddddd', 0, 0)")
    let id = conn.lastInsertRowID
    try conn.execute("INSERT OR IGNORE INTO metric_keys (key) VALUES ('k0'),('k1'),('k2'),('k3'),('k4'),('k5'),('k6'),('k7'),('k8'),('k9')")
    return id
}
let start = DispatchTime.now().uptimeNanoseconds
try db.write { conn in
    let stmt = try conn.cached("INSERT INTO metrics (run_id, key_id, step, time, value) VALUES (?, ?, ?, ?, ?)")
    for i in 0..<n {
        stmt.bind(int: run, at: 1)
        stmt.bind(int: Int64(1 + i % 10), at: 2)
        stmt.bind(int: Int64(i / 10), at: 3)
        stmt.bind(int: 1_764_000_000_000 + Int64(i), at: 4)
        stmt.bind(double: Double(i) * 0.001, at: 5)
        try stmt.run()
    }
}
let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
print(String(format: "%.0f", Double(n) / seconds))
