import Foundation
import Synchronization
import Testing

@testable import TrackerAnalysis
@testable import TrackerCore
@testable import TrackerStore

/// Thrown by a progress callback to stop a prune after some chunks, as a crash would.
struct PruneInterrupted: Error {}

/// The gap of both models over every compared window (what `tracker gap` renders), its
/// floating-point values to 9 significant digits: sums over rows in another order (PostgreSQL's
/// scans) differ in the last bits, counts and everything else must be equal.
func gapOutputs(_ s: Store) throws -> [String] {
    try ["churn", "price"].flatMap { model in
        try rollupWindows.map { w in
            let report = try s.gap(model: model, env: "production", options: GapOptions(since: w.since, until: w.until))
            return String(describing: report).replacing(#/-?\d+\.\d+(?:e[-+]?\d+)?/#) { m in String(format: "%.9g", Double(m.output)!) }
        }
    }
}

/// A store with the generated rollup data (3,000 predictions over six hours, two models).
func prunableStore(_ backend: TestBackend) throws -> (TempDir, Store) {
    let tmp = try TempDir(backend)
    let s = try rollupStore(tmp)
    try ingest(s, rollupEvents(seed: 17, count: 3000, idPrefix: "p"), seed: 5)
    return (tmp, s)
}

/// The prune's cut: three hours and twenty minutes into the data (rounded down to 3 h).
let pruneCut = rollupT0 + 3 * hourMs + 1_200_000

@Suite struct PruneTests {
    /// A prune stopped after a few chunks leaves figures that are already the final ones (the
    /// horizon is recorded first), and a re-run finishes with the same gap as one uninterrupted prune.
    @Test(arguments: TestBackend.all) func anInterruptedPruneReRunGivesTheSameGapAsOneUninterruptedPrune(_ backend: TestBackend) throws {
        let (tmpA, whole) = try prunableStore(backend)
        let (tmpB, split) = try prunableStore(backend)
        defer { _ = (tmpA, tmpB) }
        #expect(try gapOutputs(whole) == gapOutputs(split))
        let all = try whole.live.prune(before: pruneCut, model: nil, batchSize: 97)
        #expect(all.predictions > 1000 && all.outcomes > 500 && all.models == ["churn", "price"])
        let expected = try gapOutputs(whole)

        var chunks = 0
        #expect(throws: PruneInterrupted.self) {
            try split.live.prune(before: pruneCut, model: nil, batchSize: 97) { p in
                if !p.finished { chunks += 1 }
                if chunks == 4 { throw PruneInterrupted() }
            }
        }
        let left = try split.db.read { c in
            try c.queryOne("SELECT count(*) FROM predictions WHERE time < ?", [.integer(rollupT0 + 3 * hourMs)], { $0.int(0) }) ?? 0
        }
        #expect(left == all.predictions - 4 * 97, "four chunks of 97 deleted, the rest still there")
        #expect(try gapOutputs(split) == expected, "the horizon is recorded first: readers already see the pruned state")

        let rest = try split.live.prune(before: pruneCut, model: nil, batchSize: 97)
        #expect(rest.predictions == all.predictions - 4 * 97 && rest.models == ["churn", "price"])
        #expect(try gapOutputs(split) == expected)
        #expect(try rowCounts(split) == rowCounts(whole))
    }

    /// A rebuild between two chunks (a positive label changed mid-prune) counts only the raw
    /// rows from the horizon on: the pruned hours keep their rollups, nothing is counted twice.
    @Test(arguments: TestBackend.all) func aRebuildBetweenPruneChunksCountsNothingTwice(_ backend: TestBackend) throws {
        let (tmp, s) = try prunableStore(backend)
        defer { _ = tmp }
        let raw = try rawFigures(s)
        var chunks = 0
        #expect(throws: PruneInterrupted.self) {
            try s.live.prune(before: pruneCut, model: nil, batchSize: 50) { _ in
                chunks += 1
                if chunks == 3 { throw PruneInterrupted() }
            }
        }
        try s.live.markRollupsForRebuild(model: nil)
        try s.live.rebuildRollups(batchSize: 173)
        try expectRollupsMatch(s, raw, "a rebuild after three prune chunks", windows: [0, 1, 4])
        _ = try s.live.prune(before: pruneCut, model: nil)
        try expectRollupsMatch(s, raw, "the prune finished after the rebuild", windows: [0, 1, 4])
    }

    /// Another connection's write completes while a long prune runs: the prune releases the
    /// write lock between chunks instead of holding it to the end.
    @Test(arguments: TestBackend.all) func aWriterCompletesWhileALongPruneRuns(_ backend: TestBackend) throws {
        let (tmp, s) = try prunableStore(backend)
        let other = try Store.open(path: tmp.db)
        let seen = PruneWatch()
        let writer = DispatchGroup()
        let started = DispatchSemaphore(value: 0)
        let summary = try s.live.prune(before: pruneCut, model: nil, batchSize: 10) { p in
            guard seen.chunk() == 1 else { return }
            DispatchQueue.global().async(group: writer) {
                started.signal()
                do {
                    let w = try LiveWindowInput.from(
                        model: "churn", env: "production", metric: "latency_ms", version: nil, start: rollupT0 + 5 * hourMs,
                        end: rollupT0 + 6 * hourMs, mean: 12, count: 100, std: 1, sumSq: nil)
                    _ = try other.live.writeLive([.window(w)], lines: [1], source: nil)
                    _ = try other.experiments.ensureExperiment(name: "written during the prune")
                    seen.written()
                } catch {
                    seen.failed("\(error)")
                }
            }
            started.wait()  // the writer's thread runs (however loaded the machine) before the prune goes on
        }
        writer.wait()
        let (total, at, failure) = seen.state.withLock { ($0.chunks, $0.writtenAt, $0.failure) }
        #expect(failure == nil)
        #expect(summary.predictions > 1000 && total > 120, "\(total) chunks")
        #expect(at.map { $0 < total } == true, "the writer finished at chunk \(String(describing: at)) of \(total)")
        other.close()
    }
}

/// Raw and rollup rows per live table.
func rowCounts(_ s: Store) throws -> [Int] {
    try s.live.storage().map(\.rows)
}

/// What a concurrent writer saw of a prune: chunks so far, the chunk it finished at, its error.
final class PruneWatch: Sendable {
    let state = Mutex<(chunks: Int, writtenAt: Int?, failure: String?)>((0, nil, nil))

    /// Counts a chunk and returns the count.
    func chunk() -> Int {
        state.withLock { s in
            s.chunks += 1
            return s.chunks
        }
    }

    func written() { state.withLock { $0.writtenAt = $0.chunks } }
    func failed(_ error: String) { state.withLock { $0.failure = error } }
}
