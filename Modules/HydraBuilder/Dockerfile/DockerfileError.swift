/// Something wrong in a Dockerfile, with where it is: `Dockerfile:12:5: COPY needs at least a source and a destination`.
public struct DockerfileError: Error, Sendable, Hashable, CustomStringConvertible {
    public let location: SourceLocation
    public let message: String

    public init(_ message: String, at location: SourceLocation) {
        self.message = message
        self.location = location
    }

    public var description: String { "\(location): \(message)" }
}
