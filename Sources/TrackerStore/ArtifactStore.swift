import Foundation
import TrackerCore

/// Content-addressed artifact files: `ROOT/objects/ab/abcdef…` (SHA-256). The database's
/// `artifacts` table maps (run, path) to a digest, so identical files are stored once and a
/// path can never point outside the root.
public struct ArtifactStore: Sendable {
    /// The folder holding the objects.
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    /// The default folder for a database: beside it, `tracker.db` → `tracker-artifacts/`; for a
    /// PostgreSQL URL, `tracker-artifacts/` in the current folder (servers sharing one database
    /// pass one shared `--artifacts` folder).
    public static func defaultRoot(forDatabase path: String) -> URL {
        if Store.isPostgresURL(path) {
            return URL(fileURLWithPath: "tracker-artifacts", isDirectory: true).standardizedFileURL
        }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let base = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent("\(base)-artifacts", isDirectory: true)
    }

    /// Where the object with this digest lives.
    public func objectURL(_ sha256: String) -> URL {
        root.appendingPathComponent("objects/\(sha256.prefix(2))/\(sha256)")
    }

    /// Checks a path inside a run (see `ArtifactPath.validateRelative`).
    public static func validateRelativePath(_ path: String) throws -> String { try ArtifactPath.validateRelative(path) }

    /// Stores bytes; returns the record for `path`.
    public func put(data: Data, path: String) throws -> ArtifactRecord {
        let upload = try beginUpload()
        do {
            try data.withUnsafeBytes { try upload.write($0) }
            return try upload.finish(path: path)
        } catch {
            upload.abort()
            throw error
        }
    }

    /// Copies a file, or every regular file under a folder, into the store. `name` is the path
    /// inside the run (default: the file or folder's own name). Symlinks are not followed out of
    /// a folder being copied.
    public func put(fileAt source: URL, as name: String? = nil) throws -> [ArtifactRecord] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDir) else {
            throw TrackerError.notFound("artifact file \(source.path) does not exist")
        }
        let base = try ArtifactStore.validateRelativePath(name ?? source.lastPathComponent)
        if !isDir.boolValue { return [try putFile(source, path: base)] }
        var out: [ArtifactRecord] = []
        let dir = source.standardizedFileURL.resolvingSymlinksInPath()
        guard let walker = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey])
        else {
            return []
        }
        let prefix = dir.path.hasSuffix("/") ? dir.path : dir.path + "/"
        var files: [(URL, String)] = []
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            if values.isSymbolicLink == true || values.isRegularFile != true { continue }
            let full = url.standardizedFileURL.path
            guard full.hasPrefix(prefix) else { continue }
            files.append((url, base + "/" + full.dropFirst(prefix.count)))
        }
        files.sort { $0.1 < $1.1 }
        for (url, rel) in files { out.append(try putFile(url, path: rel)) }
        return out
    }

    private func putFile(_ url: URL, path: String) throws -> ArtifactRecord {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw TrackerError(.storage, "cannot read artifact file \(url.path); check its permissions")
        }
        defer { try? handle.close() }
        // Hashed while copied to a temporary file, then moved into place by digest (see Upload).
        let upload = try beginUpload()
        do {
            while true {
                let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
                if chunk.isEmpty { break }
                try chunk.withUnsafeBytes { try upload.write($0) }
            }
            return try upload.finish(path: path)
        } catch let e as TrackerError {
            upload.abort()
            throw e
        } catch {
            upload.abort()
            throw TrackerError(.storage, "cannot store artifact \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads an object's bytes. A missing file is `.notFound`, worded without the folder's path
    /// (a server's answer must not expose its file system).
    public func read(sha256: String) throws -> Data {
        do {
            return try Data(contentsOf: objectURL(sha256))
        } catch CocoaError.fileReadNoSuchFile {
            throw TrackerError(
                .notFound,
                "the file of artifact object \(sha256) is not in this artifact store; "
                    + "was it logged by a process with another artifacts folder (--artifacts)?")
        } catch {
            throw TrackerError(.storage, "artifact object \(sha256) is missing from \(root.path)")
        }
    }
}

extension ArtifactStore {
    /// A file arriving in pieces (an HTTP upload): hashed while written to a temporary file,
    /// then moved into place by digest. Memory stays constant whatever the file's size.
    public final class Upload {
        let store: ArtifactStore
        let tmp: URL
        let handle: FileHandle
        var hasher = SHA256()
        public private(set) var size: Int64 = 0

        init(store: ArtifactStore) throws {
            self.store = store
            let dir = store.root.appendingPathComponent("tmp")
            do {
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            } catch {
                throw TrackerError(.storage, "cannot write to the artifact folder \(store.root.path): \(error.localizedDescription)")
            }
            tmp = dir.appendingPathComponent(UUID().uuidString)
            guard FileManager.default.createFile(atPath: tmp.path, contents: nil), let h = FileHandle(forWritingAtPath: tmp.path) else {
                throw TrackerError(
                    .storage, "cannot write to the artifact folder \(store.root.path); check its permissions or pass --artifacts")
            }
            handle = h
        }

        /// Appends bytes.
        public func write(_ bytes: UnsafeRawBufferPointer) throws {
            hasher.update(UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: bytes.count))
            size += Int64(bytes.count)
            do {
                try handle.write(contentsOf: Data(bytes))
            } catch {
                throw TrackerError(.storage, "cannot write artifact data: \(error.localizedDescription)")
            }
        }

        /// Completes the upload as `path` inside its owner.
        public func finish(path: String) throws -> ArtifactRecord {
            let rel = try ArtifactStore.validateRelativePath(path)
            do {
                try handle.synchronize()
                try handle.close()
            } catch {
                abort()
                throw TrackerError(.storage, "cannot write artifact data: \(error.localizedDescription)")
            }
            let sha = hasher.finalizeHex()
            let dest = store.objectURL(sha)
            if !FileManager.default.fileExists(atPath: dest.path) {
                try? FileManager.default.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
                if rename(tmp.path, dest.path) != 0 && !FileManager.default.fileExists(atPath: dest.path) {
                    abort()
                    throw TrackerError(.storage, "cannot store artifact \(path): \(String(cString: strerror(errno)))")
                }
            }
            try? FileManager.default.removeItem(at: tmp)
            return ArtifactRecord(path: rel, size: size, sha256: sha)
        }

        /// Drops the partial file.
        public func abort() {
            try? handle.close()
            try? FileManager.default.removeItem(at: tmp)
        }
    }

    /// Starts an upload.
    public func beginUpload() throws -> Upload { try Upload(store: self) }
}
