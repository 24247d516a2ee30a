/// Secrets the registry makes and compares: robot secrets, OIDC states, nonces, PKCE verifiers, CSRF tokens and CLI
/// secrets.
enum RandomSecret {
    /// `count` bytes from the system's generator, as URL-safe base64 without padding.
    static func make(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return TokenIssuer.base64URL((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Whether two secrets are equal, in time that does not depend on where they differ.
    static func equal(_ a: some Sequence<UInt8>, _ b: some Sequence<UInt8>) -> Bool {
        let (a, b) = (Array(a), Array(b))
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
