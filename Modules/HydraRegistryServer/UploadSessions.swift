import HydraCore

/// The running digest of each upload in progress, so finishing an upload does not re-read it. Lost on restart;
/// the registry then recomputes the digest from the stored bytes.
actor UploadSessions {
    /// One upload's running hash. Owned by exactly one request at a time: `take` removes it from the table
    /// and `put` returns it, so it is never touched by two tasks at once.
    final class State: @unchecked Sendable {
        var hasher = DigestHasher(.sha256)
    }

    private var states: [String: State] = [:]

    func begin(_ id: String) { states[id] = State() }

    /// Takes exclusive ownership of an upload's state; nil when another request holds it or after a restart.
    func take(_ id: String) -> State? { states.removeValue(forKey: id) }

    func put(_ id: String, _ state: State) { states[id] = state }

    func end(_ id: String) { states[id] = nil }
}
