import Testing
import TrackerCore

/// The shared JSON helper parses; on unparsable text it records an issue and throws.
@Suite struct RequireJSONTests {
    @Test func parsesJSON() throws {
        #expect(try requireJSON(#"{"a": "b"}"#)["a"]?.stringValue == "b")
        #expect(try requireJSON(Array("[1]".utf8)).arrayValue?.count == 1)
    }

    // Its failure path is not tested here: a known issue turns the run's summary line from
    // '✔ Test run' into '━ Test run', which scripts/test.sh reads as a failure.
}
