import HydraCore

/// The running digest of each upload in progress, so finishing an upload does not re-read it, and which uploads
/// a request is writing right now (chunks must arrive one after another). Lost on restart; the registry then
/// recomputes the digest from the stored bytes.
actor UploadSessions {
    /// One upload's running hash. Owned by exactly one request at a time: `take` hands it out and marks the
    /// upload busy, `put` or `end` returns it, so it is never touched by two tasks at once.
    final class State: @unchecked Sendable {
        var hasher = DigestHasher(.sha256)
    }

    /// What `take` found.
    enum Claim {
        /// The running state, now owned by the caller.
        case state(State)
        /// No state in memory (after a restart): the caller owns the upload and rebuilds the hash.
        case unknown
        /// Another request is writing to this upload.
        case busy
    }

    private var states: [String: State] = [:]
    private var busy: Set<String> = []

    func begin(_ id: String) { states[id] = State() }

    func take(_ id: String) -> Claim {
        guard busy.insert(id).inserted else { return .busy }
        return states.removeValue(forKey: id).map(Claim.state) ?? .unknown
    }

    func put(_ id: String, _ state: State) {
        states[id] = state
        busy.remove(id)
    }

    func end(_ id: String) {
        states[id] = nil
        busy.remove(id)
    }
}
