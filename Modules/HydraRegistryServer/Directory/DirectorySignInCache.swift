import Foundation
import HydraCore
import Synchronization

/// The directory's recent answers: a good user name and password (kept as a SHA-256 of both, never the password)
/// and who they signed in as, for a few seconds, so a client that sends Basic credentials with every request does
/// not cost a directory round trip each time. A changed password or group takes effect when the entry expires.
final class DirectorySignInCache: Sendable {
    private struct Entry {
        var signIn: SignIn
        var expires: ContinuousClock.Instant
    }

    private let lifetime: Duration
    private let entries = Mutex<[String: Entry]>([:])
    /// At most this many entries; past it, expired ones go, and if none has, all do.
    static let capacity = 10_000

    init(seconds: Int) { lifetime = .seconds(seconds) }

    func signIn(user: String, password: String) -> SignIn? {
        let key = Self.key(user, password)
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            if entry.expires > now { return entry.signIn }
            entries[key] = nil
            return nil
        }
    }

    func remember(_ signIn: SignIn, user: String, password: String) {
        guard lifetime > .zero else { return }
        let now = ContinuousClock.now
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                entries = entries.filter { $0.value.expires > now }
                if entries.count >= Self.capacity { entries.removeAll() }
            }
            entries[Self.key(user, password)] = Entry(signIn: signIn, expires: now + lifetime)
        }
    }

    private static func key(_ user: String, _ password: String) -> String {
        Digest.of(Array("\(user):\(password)".utf8)).hex
    }
}
