import Foundation
import Testing
import TrackerCore

@Suite struct LoggingCLITests {
    @Test(arguments: TestBackend.all) func logAndShowEndToEnd(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = ["--db", tmp.db]
        let run = try ok(["run", "start", "--experiment", "churn", "--name", "lr-0.01", "--tag", "team=growth"] + db)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(run.count == 32 && run.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        try ok(["log", "param", run, "lr", "0.01"] + db)
        try ok(["log", "param", run, "lr", "0.01"] + db)  // same value again is fine
        try ok(["log", "metric", run, "loss", "0.5", "--step", "1"] + db)
        try ok(["log", "metric", run, "loss", "0.25", "--step", "2", "--time", "2026-11-20T10:00:00Z"] + db)
        try ok(["log", "metric", run, "nan_metric", "NaN"] + db)
        try ok(["log", "metric", run, "pos_inf", "Infinity"] + db)
        try ok(["log", "metric", run, "neg_inf", "-Infinity"] + db)
        try ok(["log", "metric", run, "neg", "-0.5", "--step", "3"] + db)
        try ok(["log", "tag", run, "stage", "dev"] + db)
        let art = tmp.write("model.txt", "weights")
        let logged = try ok(["log", "artifact", run, art, "--as", "model/model.txt"] + db)
        #expect(logged.contains("sha256:\(SHA256.hex(Array("weights".utf8)))"))
        try ok(["run", "end", run, "--status", "FINISHED"] + db)

        let show = try JSON.parse(try ok(["run", "show", run, "--json"] + db))
        #expect(show["info"]?["status"] == .string("FINISHED"))
        #expect(show["info"]?["run_name"] == .string("lr-0.01"))
        #expect(show["params"]?["lr"] == .string("0.01"))
        #expect(show["tags"]?["team"] == .string("growth"))
        let metrics = show["metrics"]?.arrayValue ?? []
        func latest(_ k: String) -> JSON? { metrics.first { $0["key"] == .string(k) }?["value"] }
        #expect(latest("loss") == .double(0.25))
        #expect(latest("nan_metric") == .string("NaN"))
        #expect(latest("pos_inf") == .string("Infinity"))
        #expect(latest("neg_inf") == .string("-Infinity"))
        #expect(show["artifacts"]?.arrayValue?.first?["path"] == .string("model/model.txt"))
        // Artifacts are kept beside the database, by content.
        let objects = tmp.url.appendingPathComponent("tracker-artifacts/objects")
        #expect(FileManager.default.fileExists(atPath: objects.path))

        // Aligned columns with ISO times, like every listing (issue 12 item 17; was tab-separated epoch ms).
        let history = try ok(["metric", "history", run, "loss"] + db)
        let cells = history.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(cells.count == 3)
        #expect(cells.first == ["STEP", "TIME", "VALUE"])
        #expect(cells.dropFirst().first?.first == "1" && cells.dropFirst().first?.last == "0.5")
        #expect(cells.last == ["2", TimeParser.format(1_795_168_800_000), "0.25"])

        let list = try JSON.parse(try ok(["experiment", "list", "--json"] + db))
        #expect(list.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Default", "churn"])
    }

    @Test(arguments: TestBackend.all) func paramChangeIsRejected(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let run = try ok(["run", "start", "--db", tmp.db]).trimmingCharacters(in: .whitespacesAndNewlines)
        try ok(["log", "param", run, "lr", "0.01", "--db", tmp.db])
        let r = try tracker(["log", "param", run, "lr", "0.02", "--db", tmp.db])
        #expect(r.status == 1)
        #expect(r.stderr.contains("param 'lr'") && r.stderr.contains("changing param values is not allowed"))
        let show = try JSON.parse(try ok(["run", "show", run, "--json", "--db", tmp.db]))
        #expect(show["params"]?["lr"] == .string("0.01"))
    }

    @Test(arguments: TestBackend.all) func badKeysAndUnknownRunsAreClearErrors(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let run = try ok(["run", "start", "--db", tmp.db]).trimmingCharacters(in: .whitespacesAndNewlines)
        let bad = try tracker(["log", "metric", run, "loss$", "1", "--db", tmp.db])
        #expect(bad.status == 1 && bad.stderr.contains("not allowed"))
        let long = try tracker(["log", "param", run, String(repeating: "k", count: 251), "1", "--db", tmp.db])
        #expect(long.status == 1 && long.stderr.contains("limit is 250"))
        let missing = try tracker(["log", "metric", "0123456789abcdef0123456789abcdef", "loss", "1", "--db", tmp.db])
        #expect(missing.status == 1 && missing.stderr.contains("not found") && missing.stderr.contains("tracker run list"))
        let nan = try tracker(["log", "metric", run, "loss", "abc", "--db", tmp.db])
        // An argument that is not a number is a usage error (exit 2, issue 12 item 12).
        #expect(nan.status == 2 && nan.stderr.contains("not a number") && nan.stderr.contains("Usage: tracker log metric"))
    }

    @Test(arguments: TestBackend.all) func ingestWithRunStartAndEnd(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = tmp.write("model.pkl", "pickle")
        let file = tmp.write(
            "events.jsonl",
            """
            {"type":"run_start","experiment":"churn","name":"a"}
            {"type":"param","key":"lr","value":"0.01"}
            {"type":"metric","key":"loss","value":0.31,"step":10,"time":1764000000000}
            {"type":"metric","key":"loss","value":"NaN","step":11,"time":1764000000001}
            {"type":"artifact","path":"model.pkl"}
            {"type":"run_end","status":"FINISHED"}

            {"type":"run_start","experiment":"churn","name":"b"}
            {"type":"metric","key":"loss","value":"-Infinity"}
            {"type":"run_end","status":"FAILED"}
            """)
        let r = try tracker(["ingest", file, "--db", tmp.db])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("stored 9 events"))
        let runs = try JSON.parse(
            try ok(["run", "list", "--experiment", "churn", "--order-by", "attributes.run_name", "--json", "--db", tmp.db]))
        let items = runs.arrayValue ?? []
        #expect(items.count == 2)
        #expect(items.first?["info"]?["status"] == .string("FINISHED"))
        #expect(items.first?["artifacts"]?.arrayValue?.first?["path"] == .string("model.pkl"))
        #expect(items.last?["info"]?["status"] == .string("FAILED"))
        let a = items.first?["info"]?["run_id"]?.stringValue ?? ""
        let hist = try ok(["metric", "history", a, "loss", "--json", "--db", tmp.db])
        #expect(try JSON.parse(hist).arrayValue?.map { $0["value"] } == [.double(0.31), .string("NaN")])
    }

    @Test(arguments: TestBackend.all) func badLineRejectsItsWholeBatchAndNamesFileAndLine(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let run = try ok(["run", "start", "--db", tmp.db]).trimmingCharacters(in: .whitespacesAndNewlines)
        var lines: [String] = []
        for i in 0..<25 { lines.append(#"{"type":"metric","key":"m","value":\#(i),"step":\#(i)}"#) }
        lines[22] = #"{"type":"metric","key":"m","value":"oops","step":22}"#
        let file = tmp.write("bad.jsonl", lines.joined(separator: "\n") + "\n")
        let r = try tracker(["ingest", file, "--run", run, "--batch-size", "10", "--db", tmp.db])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(file):23: metric \"value\" must be a number"))
        #expect(r.stderr.contains("nothing from lines 21–23 was written"))
        // Batches 1–10 and 11–20 are stored, nothing of the third.
        let hist = try JSON.parse(try ok(["metric", "history", run, "m", "--json", "--db", tmp.db]))
        #expect(hist.arrayValue?.count == 20)
    }

    @Test(arguments: TestBackend.all) func malformedJSONAndUnknownTypes(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let run = try ok(["run", "start", "--db", tmp.db]).trimmingCharacters(in: .whitespacesAndNewlines)
        let r = try tracker(
            ["ingest", "-", "--run", run, "--db", tmp.db], stdin: "{\"type\":\"metric\",\"key\":\"a\",\"value\":1}\n{not json\n")
        #expect(r.status == 1 && r.stderr.contains("-:2: invalid JSON at column 2"))
        let r2 = try tracker(["ingest", "-", "--run", run, "--db", tmp.db], stdin: "{\"type\":\"metrik\"}\n")
        #expect(r2.status == 1 && r2.stderr.contains("-:1: unknown event type 'metrik'"))
        let r3 = try tracker(["ingest", "-", "--db", tmp.db], stdin: "{\"type\":\"metric\",\"key\":\"a\",\"value\":1}\n")
        #expect(r3.status == 1 && r3.stderr.contains("-:1: event before any run_start"))
        let hist = try JSON.parse(try ok(["metric", "history", run, "a", "--json", "--db", tmp.db]))
        #expect(hist.arrayValue?.isEmpty == true)
    }

    @Test(arguments: TestBackend.all) func paramConflictInIngestNamesTheLine(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let run = try ok(["run", "start", "--db", tmp.db]).trimmingCharacters(in: .whitespacesAndNewlines)
        let r = try tracker(
            ["ingest", "-", "--run", run, "--db", tmp.db],
            stdin: """
                {"type":"param","key":"lr","value":"1"}
                {"type":"metric","key":"x","value":1}
                {"type":"param","key":"lr","value":"2"}

                """)
        #expect(r.status == 1)
        #expect(r.stderr.contains("-:3: param 'lr'"))
        let show = try JSON.parse(try ok(["run", "show", run, "--json", "--db", tmp.db]))
        #expect(show["params"] == .object([]))
        #expect(show["metrics"] == .array([]))
    }

    @Test(arguments: TestBackend.all) func fourProcessesIngestingAtOnceLoseNothing(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        try ok(["init", "--db", tmp.db])
        var files: [String] = []
        for p in 0..<4 {
            var lines = [#"{"type":"run_start","experiment":"par","name":"p\#(p)"}"#]
            for i in 0..<5000 { lines.append(#"{"type":"metric","key":"m","value":\#(i),"step":\#(i)}"#) }
            lines.append(#"{"type":"run_end"}"#)
            files.append(tmp.write("p\(p).jsonl", lines.joined(separator: "\n")))
        }
        let procs = try files.map { f -> Process in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: trackerBinary)
            p.arguments = ["ingest", f, "--db", tmp.db, "--batch-size", "500"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        for p in procs { p.waitUntilExit() }
        #expect(procs.allSatisfy { $0.terminationStatus == 0 })
        let runs = try JSON.parse(try ok(["run", "list", "--experiment", "par", "--json", "--db", tmp.db])).arrayValue ?? []
        #expect(runs.count == 4)
        for r in runs {
            let id = r["info"]?["run_id"]?.stringValue ?? ""
            #expect(r["info"]?["status"] == .string("FINISHED"))
            let hist = try JSON.parse(try ok(["metric", "history", id, "m", "--json", "--db", tmp.db]))
            #expect(hist.arrayValue?.count == 5000)
        }
    }
}

@Suite struct RunExecTests {
    static let helper = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("clients/python").path

    func script(_ tmp: TempDir, _ body: String) -> String {
        tmp.write(
            "train.py",
            """
            import sys, os, time, signal
            sys.path.insert(0, \(Self.helper.debugDescription))
            import tracker_log as tl
            \(body)
            """)
    }

    @Test(arguments: TestBackend.all) func pythonHelperLogsAndRunFinishes(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = script(
            tmp,
            """
            tl.log_param("lr", 0.1)
            tl.log_params({"depth": 3})
            for i in range(3):
                tl.log_metric("loss", 1.0 / (i + 1), step=i)
            tl.log_metrics({"acc": 0.9, "nan": float("nan")}, step=3)
            tl.set_tag("model", "gbm")
            print("hello from the script")
            """)
        let r = try tracker(["run", "exec", "--db", tmp.db, "--experiment", "x", "--name", "py", "--", "python3", s])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("hello from the script"))
        let runs = try JSON.parse(try ok(["run", "list", "--json", "--db", tmp.db])).arrayValue ?? []
        let run = try #require(runs.first)
        #expect(run["info"]?["status"] == .string("FINISHED"))
        #expect(run["params"]?["lr"] == .string("0.1") && run["params"]?["depth"] == .string("3"))
        #expect(run["tags"]?["model"] == .string("gbm"))
        #expect(run["tags"]?["tracker.exit_code"] == .string("0"))
        #expect(run["tags"]?["tracker.command"]?.stringValue?.hasPrefix("python3 ") == true)
        let metrics = run["metrics"]?.arrayValue ?? []
        #expect(metrics.first { $0["key"] == .string("loss") }?["value"] == .double(1.0 / 3.0))
        #expect(metrics.first { $0["key"] == .string("nan") }?["value"] == .string("NaN"))
    }

    @Test(arguments: TestBackend.all) func exitStatusIsPassedThroughAndRunFails(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = script(tmp, "tl.log_metric('before_crash', 1.0)\nsys.exit(3)")
        let r = try tracker(["run", "exec", "--db", tmp.db, "--", "python3", s])
        #expect(r.status == 3)
        let run = try #require(try JSON.parse(try ok(["run", "list", "--json", "--db", tmp.db])).arrayValue?.first)
        #expect(run["info"]?["status"] == .string("FAILED"))
        #expect(run["tags"]?["tracker.exit_code"] == .string("3"))
        // Events written just before the failure are kept.
        #expect(run["metrics"]?.arrayValue?.first?["key"] == .string("before_crash"))
    }

    @Test(arguments: TestBackend.all) func killedBySignalIsKilled(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = script(tmp, "tl.log_metric('x', 1.0)\ntl.flush()\nos.kill(os.getpid(), signal.SIGKILL)")
        let r = try tracker(["run", "exec", "--db", tmp.db, "--", "python3", s])
        #expect(r.status == 128 + 9)
        let run = try #require(try JSON.parse(try ok(["run", "list", "--json", "--db", tmp.db])).arrayValue?.first)
        #expect(run["info"]?["status"] == .string("KILLED"))
        #expect(run["metrics"]?.arrayValue?.count == 1)
    }

    @Test(arguments: TestBackend.all) func sigintIsForwardedAndRunIsKilled(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = script(tmp, "tl.log_metric('x', 1.0)\ntl.flush()\nopen(sys.argv[1], 'w').close()\ntime.sleep(30)")
        let marker = tmp.file("started")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: trackerBinary)
        p.arguments = ["run", "exec", "--db", tmp.db, "--", "python3", s, marker]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: marker) { usleep(50_000) }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        // Python turns SIGINT into KeyboardInterrupt and exits 1 … or dies of the signal.
        let run = try #require(try JSON.parse(try ok(["run", "list", "--json", "--db", tmp.db])).arrayValue?.first)
        let status = run["info"]?["status"]?.stringValue
        #expect(status == "KILLED" || status == "FAILED")
        #expect(p.terminationStatus != 0)
        #expect(run["metrics"]?.arrayValue?.count == 1)
    }

    @Test(arguments: TestBackend.all) func helperOutsideExecWarnsOnce(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = script(tmp, "tl.log_metric('a', 1)\ntl.log_metric('b', 2)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", s]
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "TRACKER_EVENTS")
        p.environment = env
        let err = Pipe()
        p.standardError = err
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(text.components(separatedBy: "not running under 'tracker run exec'").count == 2)
    }
}
