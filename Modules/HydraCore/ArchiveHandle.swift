import CArchive

/// Turns a libarchive return code into a `TarError` carrying libarchive's own message.
@discardableResult
func archiveCheck(
    _ code: Int32, _ archive: OpaquePointer?, _ operation: String, entry: String? = nil
) throws(TarError) -> Int32 {
    if code >= ARCHIVE_WARN { return code }
    let message = archive.flatMap { archive_error_string($0) }.map { String(cString: $0) } ?? "error \(code)"
    throw .library(operation: operation, message: message, entry: entry)
}

/// The archive's last error message, for codes that are not plain status values.
func archiveMessage(_ archive: OpaquePointer?) -> String {
    archive.flatMap { archive_error_string($0) }.map { String(cString: $0) } ?? "unknown error"
}
