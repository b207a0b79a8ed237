import Foundation
import TrackerCore

// Parses the same event lines with TrackerCore's JSON parser and with Foundation's
// JSONSerialization, in the same run, and prints lines/s for each and the ratio.
// Usage: bench-json [LINES] [ROUNDS]

let args = CommandLine.arguments
let count = args.count > 1 ? Int(args[1]) ?? 200_000 : 200_000
let rounds = args.count > 2 ? Int(args[2]) ?? 3 : 3

let lines: [[UInt8]] = (0..<count).map { i in
    let line: String
    switch i % 4 {
    case 0: line = #"{"type":"metric","key":"loss","value":\#(0.5 / Double(i + 1)),"step":\#(i),"time":1764000000000}"#
    case 1: line = #"{"type":"param","key":"lr_\#(i)","value":"0.01"}"#
    case 2: line = #"{"type":"prediction","model":"churn","env":"production","id":"req-\#(i)","time":"2026-11-23T10:00:03Z","prediction":1,"score":0.83}"#
    default: line = #"{"type":"outcome","id":"req-\#(i)","actual":0,"time":1764000000000}"#
    }
    return Array(line.utf8)
}

func rate(_ body: () throws -> Int) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    let n = try body()
    return Double(n) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

var ours: [Double] = []
var foundation: [Double] = []
for _ in 0..<rounds {
    ours.append(
        try rate {
            var n = 0
            for l in lines where try JSON.parse(l)["type"] != nil { n += 1 }
            return n
        })
    foundation.append(
        try rate {
            var n = 0
            for l in lines {
                let o = try JSONSerialization.jsonObject(with: Data(l)) as? [String: Any]
                if o?["type"] != nil { n += 1 }
            }
            return n
        })
}
let o = median(ours)
let f = median(foundation)
print("parse \(count) event lines (median of \(rounds) rounds)")
print(String(format: "  TrackerCore JSON:          %.0f lines/s", o))
print(String(format: "  Foundation JSONSerialization: %.0f lines/s", f))
print(String(format: "  ratio ours/Foundation:     %.1f", o / f))
