import Foundation
import Hummingbird

/// How an artifact may be shown: artifacts share the UI's origin, so nothing uploaded may ever
/// run as a page. Only raster images of a few types are shown inline (checked by their bytes,
/// not their name); text is previewed escaped inside our own page; the rest downloads.
public enum ArtifactSafety {
    /// The image type whose magic bytes `data` starts with (png, jpeg, gif, webp), else nil.
    public static func safeImageType(_ data: Data) -> String? {
        let b = [UInt8](data.prefix(12))
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if b.starts(with: Array("GIF87a".utf8)) || b.starts(with: Array("GIF89a".utf8)) { return "image/gif" }
        if b.count >= 12 && b.starts(with: Array("RIFF".utf8)) && Array(b[8..<12]) == Array("WEBP".utf8) { return "image/webp" }
        return nil
    }

    /// The text of `data` when it looks like text (valid UTF-8 without NUL bytes), else nil.
    static func text(_ data: Data) -> String? {
        if data.contains(0) { return nil }
        return String(data: data, encoding: .utf8)
    }

    /// Headers for serving an artifact's bytes: `nosniff` always; inline only for a safe image
    /// when `inline` is asked, otherwise `attachment` with the file's name.
    public static func downloadHeaders(path: String, data: Data, inline: Bool) -> HTTPFields {
        var h = HTTPFields()
        h[.xContentTypeOptions] = "nosniff"
        h[.contentSecurityPolicy] = "default-src 'none'; sandbox"
        let image = safeImageType(data)
        let name = path.split(separator: "/").last.map(String.init) ?? "artifact"
        if inline, let image {
            h[.contentType] = image
            h[.contentDisposition] = "inline; " + filenameParameters(name)
        } else {
            h[.contentType] = image ?? "application/octet-stream"
            h[.contentDisposition] = "attachment; " + filenameParameters(name)
        }
        return h
    }

    /// `filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266).
    static func filenameParameters(_ name: String) -> String {
        let ascii = String(name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        return "filename=\"\(ascii)\"; filename*=UTF-8''\(URLPart.encode(name))"
    }
}
