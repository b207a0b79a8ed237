import Foundation
import NIOPosix
import Synchronization
import Testing

@testable import TrackerUI

/// `Blocking` runs SQLite work on a bounded NIO thread pool: waiting work queues instead of
/// holding a thread each, and `tracker serve`'s pool reaches every task under it.
@Suite struct BlockingTests {
    /// Runs `jobs` blocking jobs at once and returns how many ran at the same time at most.
    static func peakConcurrency(jobs: Int) async throws -> Int {
        final class Counter: Sendable { let state = Mutex((running: 0, peak: 0)) }
        let counter = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<jobs {
                group.addTask {
                    try await Blocking.run {
                        counter.state.withLock {
                            $0.running += 1
                            $0.peak = max($0.peak, $0.running)
                        }
                        usleep(50_000)
                        counter.state.withLock { $0.running -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        return counter.state.withLock { $0.peak }
    }

    @Test func aDedicatedPoolBoundsHowManyJobsHoldAThread() async throws {
        let peak = try await Blocking.withPool(threads: 2) { try await Self.peakConcurrency(jobs: 8) }
        #expect(peak == 2)
    }

    @Test func childTasksUseThePoolAndItIsShutDownAfterwards() async throws {
        let pool = try await Blocking.withPool(threads: 1) { () -> NIOThreadPool in
            let inChild = try await withThrowingTaskGroup(of: NIOThreadPool.self) { group in
                group.addTask { Blocking.pool }
                return try await group.next()!
            }
            #expect(inChild === Blocking.pool)
            #expect(Blocking.pool !== NIOThreadPool.singleton)
            return Blocking.pool
        }
        #expect(Blocking.pool === NIOThreadPool.singleton)
        await #expect(throws: (any Error).self) { try await pool.runIfActive { 1 } }
    }
}
