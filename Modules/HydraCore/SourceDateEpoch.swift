#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `SOURCE_DATE_EPOCH`: the timestamp reproducible builds use instead of "now".
/// See https://reproducible-builds.org/specs/source-date-epoch/
public enum SourceDateEpoch {
    /// The value of `SOURCE_DATE_EPOCH` in the environment, if it is set to a valid number of seconds.
    public static func fromEnvironment() -> Int64? {
        guard let raw = getenv("SOURCE_DATE_EPOCH") else { return nil }
        return Int64(String(cString: raw))
    }
}
