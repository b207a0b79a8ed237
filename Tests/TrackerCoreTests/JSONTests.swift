import Testing
import TrackerCore

/// Known answers for the hand-written JSON parser and writer (RFC 8259, plus MLflow's
/// NaN/Infinity strings): escapes, surrogate pairs, numbers, depth, round trips.
@Suite struct JSONTests {
    @Test func escapesAndUnicode() throws {
        #expect(try JSON.parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(try JSON.parse(#""\u00e9\u4e2d""#) == .string("é中"))
        // A surrogate pair is one scalar (U+1F600), not two.
        #expect(try JSON.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSON.parse("\"😀 raw UTF-8\"") == .string("😀 raw UTF-8"))
        for bad in [#""\ud83d""#, #""\ude00""#, #""\ud83d\u0041""#, #""\x""#, #""\u12""#, "\"a\u{01}b\"", #""open"#] {
            #expect(throws: JSONError.self, "\(bad)") { try JSON.parse(bad) }
        }
    }

    @Test func numbers() throws {
        #expect(try JSON.parse("0") == .int(0))
        #expect(try JSON.parse("-12") == .int(-12))
        #expect(try JSON.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSON.parse("1.5e3") == .double(1500))
        #expect(try JSON.parse("2E-2") == .double(0.02))
        #expect(try JSON.parse("1e+2") == .double(100))
        // Beyond Int64: a double, not a failure.
        #expect(try JSON.parse("92233720368547758070") == .double(9.223372036854775807e19))
        // Negative zero keeps its sign, with or without a fraction.
        for text in ["-0", "-0.0", "-0e0"] {
            guard case .double(let d) = try JSON.parse(text) else {
                Issue.record("\(text) is not a double")
                continue
            }
            #expect(d == 0 && d.sign == .minus, "\(text)")
        }
        for bad in ["01", "-", "1.", ".5", "1e", "+1", "0x10", "1.2.3", "--1"] {
            #expect(throws: JSONError.self, "\(bad)") { try JSON.parse(bad) }
        }
    }

    @Test func nonFiniteValuesAsMLflowWritesThem() throws {
        #expect(try JSON.parse("NaN").doubleValue?.isNaN == true)
        #expect(try JSON.parse("-Infinity") == .double(-.infinity))
        #expect(try JSON.parse(#""Infinity""#).doubleValue == .infinity)
        #expect(JSON.double(.nan).serialized() == #""NaN""#)
        #expect(JSON.double(-.infinity).serialized() == #""-Infinity""#)
    }

    @Test func depthIsBounded() throws {
        let ok = String(repeating: "[", count: JSON.maxDepth) + String(repeating: "]", count: JSON.maxDepth)
        #expect(throws: Never.self) { try JSON.parse(ok) }
        let deep = String(repeating: "[", count: JSON.maxDepth + 1) + String(repeating: "]", count: JSON.maxDepth + 1)
        #expect(throws: JSONError.self) { try JSON.parse(deep) }
        let deepObject = String(repeating: #"{"a":"#, count: JSON.maxDepth + 1) + "1" + String(repeating: "}", count: JSON.maxDepth + 1)
        #expect(throws: JSONError.self) { try JSON.parse(deepObject) }
    }

    @Test func structureErrorsSayWhere() throws {
        do {
            _ = try JSON.parse(#"{"a":1,}"#)
            Issue.record("a trailing comma was accepted")
        } catch let e as JSONError {
            #expect(e.offset == 7)
            #expect(e.description.hasPrefix("invalid JSON at column 8"))
        }
        for bad in ["", " ", "{", "[1,]", #"{"a" 1}"#, #"{a:1}"#, "[1] x", "tru", "nul"] {
            #expect(throws: JSONError.self, "\(bad)") { try JSON.parse(bad) }
        }
    }

    @Test func roundTripsKeepOrderAndValues() throws {
        let value: JSON = .object([
            ("z", .int(1)), ("a", .array([.double(0.1), .double(-0.0), .double(1e300), .null, .bool(false)])),
            ("s", .string("line\nbreak \"quoted\" \u{01} é 😀")), ("e", .object([])), ("l", .array([])),
        ])
        for pretty in [false, true] {
            let text = value.serialized(pretty: pretty)
            #expect(try JSON.parse(text) == value)
        }
        #expect(value.serialized().hasPrefix(#"{"z":1,"a":[0.1,-0.0,1e+300,null,false]"#))
        // Duplicate keys: the last one wins on lookup, as in most parsers.
        #expect(try JSON.parse(#"{"k":1,"k":2}"#)["k"] == .int(2))
    }
}
