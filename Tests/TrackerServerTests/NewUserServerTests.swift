import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TrackerCore
import TrackerStore

@testable import TrackerServer

/// Issue 12, item 16 on the wire: `POST /api/v1/promote` answers with numbers for both versions.
@Suite struct NewUserServerTests {
    @Test(arguments: TestBackend.all) func promoteByAliasAnswersTheVersionAsANumberLikeFromVersion(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        let s = try Store.open(path: tmp.db, readers: 2)
        for accuracy in [0.8, 0.9] {
            let r = try s.runs.createRun(experimentID: 0)
            try s.metrics.log(runID: r.runID, LogBatch(metrics: [MetricPoint(key: "accuracy", value: accuracy, step: 0, time: 1)]))
            _ = try s.registry.registerVersion(name: "m", runID: r.runID)
        }
        try s.registry.setAlias(model: "m", alias: "champion", version: 2)
        _ = try s.deployments.promote(model: "m", versionRef: "1", env: "staging", actor: "test")
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let app = buildApplication(
            store: s, artifacts: ArtifactStore(root: tmp.url.appendingPathComponent("artifacts")), configuration: ServerConfiguration(),
            logger: logger)
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/promote", method: .post, body: ByteBuffer(string: #"{"model":"m","version":"champion","env":"staging"}"#)
            ) { r in
                #expect(r.status == .ok)
                let body = try JSON.parse(Array(r.body.readableBytesView))
                #expect(body["version"] == .int(2))
                #expect(body["from_version"] == .int(1))
                #expect(body["alias"] == .string("champion"))
            }
        }
    }
}
