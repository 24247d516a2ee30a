/// Why a key file could not be read, opened or written. Every case names the file; none carries a secret.
public enum KeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The password does not open the sealed key (or the file was altered: the two cannot be told apart).
    case wrongPassword(file: String)
    /// The file is not a key hydra reads: what was wrong, where.
    case notAKey(file: String, reason: String)
    /// A key or envelope of a kind hydra does not handle (a KDF, a cipher, a curve).
    case unsupported(file: String, what: String)
    /// The file could not be read or written.
    case unreadable(file: String, reason: String)
    /// No password was given where one is needed (no variable, no file, no terminal to ask on).
    case noPassword(String)

    public var description: String {
        switch self {
        case .wrongPassword(let file): return "\(file): wrong password (or the sealed key was altered)"
        case .notAKey(let file, let reason): return "\(file): not a key: \(reason)"
        case .unsupported(let file, let what): return "\(file): unsupported: \(what)"
        case .unreadable(let file, let reason): return "\(file): \(reason)"
        case .noPassword(let why): return "no password: \(why)"
        }
    }
}
