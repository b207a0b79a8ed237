import Foundation

/// `a=1&b=x+y&a=2` → ["a": ["1", "2"], "b": ["x y"]], percent-decoded; repeated keys kept.
public enum QueryString {
    public static func parse(_ query: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let plus = String(s).replacingOccurrences(of: "+", with: " ")
                return plus.removingPercentEncoding ?? plus
            }
            out[decode(parts[0]), default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        return out
    }
}
