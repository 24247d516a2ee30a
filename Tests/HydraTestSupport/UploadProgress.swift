import Foundation

/// What a registry has recorded of uploads in flight, read through their status endpoint (`GET` on the
/// upload's location answers the stored range while the upload still streams).
public enum UploadProgress {
    /// Bytes the registry has recorded for the upload at `location`, or nil when it does not answer with a range.
    public static func stored(_ base: String, _ location: String) -> Int? {
        guard let status = try? HTTP.request("GET", base + location), status.status == 204,
              let range = status.header("Range"), range != "0-0",
              let end = range.split(separator: "-").last.flatMap({ Int($0) }) else { return nil }
        return end + 1
    }

    /// Polls until some upload has recorded bytes (then returns true) or `seconds` pass (false). Tests that kill
    /// a server mid-upload wait for this instead of sleeping a fixed time: how soon the first checkpoint lands
    /// depends on the storage (a cold S3 gateway takes longer) and on the machine's load.
    public static func waitUntilAnyStored(_ base: String, _ locations: [String], within seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if locations.contains(where: { (stored(base, $0) ?? 0) > 0 }) { return true }
            usleep(100_000)
        }
        return false
    }
}
